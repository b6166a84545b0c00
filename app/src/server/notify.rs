//! Notifications: message templates, and writing messages into the outbox inside the
//! transaction of the change that causes them. Delivery is `mailer.rs`'s job.
//!
//! Templates are files (`app/templates/mail/{lang}/{name}.txt` and `.html`) that a
//! non-programmer can edit; they are compiled in, and `TAKA_MAIL_TEMPLATES` can point at a
//! folder of the same shape to override them without rebuilding.

use crate::domain::Lang;
use crate::server::error::ServiceResult;

/// Every template, by name. Each exists per language as `.txt` (first line `Subject: ...`)
/// and `.html` (a body fragment).
pub const TEMPLATES: [&str; 14] = [
    "receipt",
    "information_requested",
    "approved",
    "refused",
    "fulfilled",
    "closed",
    "assigned",
    "at_risk",
    "breached",
    "compliance",
    "invitation",
    "password_reset",
    "information_reminder",
    "assignee_reminder",
];

// `fn builtin(lang, name)`: every `templates/mail/{lang}/{name}.{txt,html}` (build.rs).
include!(concat!(env!("OUT_DIR"), "/mail_templates.rs"));

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TemplateError {
    #[error("no template {0} for language {1}")]
    Missing(String, String),
    #[error("template {0}: the first line must be `Subject: ...`")]
    NoSubject(String),
    #[error("template {0} uses an unknown placeholder {{{1}}}")]
    UnknownPlaceholder(String, String),
}

/// The template source for `name` in `lang`: the override folder first, then the built-in.
fn source(lang: Lang, name: &str) -> Result<(String, String), TemplateError> {
    if let Ok(dir) = std::env::var("TAKA_MAIL_TEMPLATES") {
        let base = std::path::Path::new(&dir).join(lang.code());
        let text = std::fs::read_to_string(base.join(format!("{name}.txt")));
        let html = std::fs::read_to_string(base.join(format!("{name}.html")));
        if let (Ok(t), Ok(h)) = (text, html) {
            return Ok((t, h));
        }
    }
    builtin(lang.code(), name)
        .map(|(t, h)| (t.to_string(), h.to_string()))
        .ok_or_else(|| TemplateError::Missing(name.into(), lang.code().into()))
}

/// A line that begins with `?{name}` is a paragraph not every message carries: it is kept
/// (without the marker) only when `name` has a value.
fn optional_lines(
    template: &str,
    name: &str,
    vars: &[(&str, String)],
) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len());
    for line in template.split_inclusive('\n') {
        let Some((key, text)) = line.strip_prefix("?{").and_then(|r| r.split_once('}')) else {
            out.push_str(line);
            continue;
        };
        let value = vars
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| TemplateError::UnknownPlaceholder(name.into(), key.into()))?;
        if !value.trim().is_empty() {
            out.push_str(text.strip_prefix(' ').unwrap_or(text));
        }
    }
    Ok(out)
}

/// Fill `{name}` placeholders; `escape` makes values safe for HTML (line breaks kept).
fn fill(
    template: &str,
    name: &str,
    vars: &[(&str, String)],
    escape: bool,
) -> Result<String, TemplateError> {
    let template = optional_lines(template, name, vars)?;
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template.as_str();
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let key = &after[..close];
        let value = vars
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| TemplateError::UnknownPlaceholder(name.into(), key.into()))?;
        if escape {
            out.push_str(&html_escape(value).replace('\n', "<br>\n"));
        } else {
            out.push_str(value);
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Render template `name` in `lang` with `vars`.
pub fn render(lang: Lang, name: &str, vars: &[(&str, String)]) -> Result<Rendered, TemplateError> {
    let (text, html) = source(lang, name)?;
    let text = text.replace("\r\n", "\n");
    let (first, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
    let subject = first
        .strip_prefix("Subject:")
        .ok_or_else(|| TemplateError::NoSubject(name.into()))?
        .trim();
    let subject = fill(subject, name, vars, false)?;
    let text = fill(body.trim_start_matches('\n'), name, vars, false)?;
    let fragment = fill(&html, name, vars, true)?;
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n{}</body>\n</html>\n",
        lang.code(),
        html_escape(&subject),
        fragment
    );
    Ok(Rendered {
        subject,
        text,
        html,
    })
}

/// One e-mail to write into the outbox.
pub(crate) struct Mail<'a> {
    /// Names the cause (`req:12:v3:requester`): the same cause never makes two messages.
    pub key: String,
    pub request_id: Option<i64>,
    pub user_id: Option<i64>,
    pub to: &'a str,
    pub lang: Lang,
    pub template: &'static str,
    pub vars: Vec<(&'static str, String)>,
}

/// Write an e-mail into the outbox within `tx`. A second write for the same key is a no-op.
/// The bodies are sealed with the server secret until sent (a receipt carries a tracking
/// code; every message carries personal data).
pub(crate) async fn enqueue_mail(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    secret: &crate::server::secret::Secret,
    mail: Mail<'_>,
    at: i64,
) -> ServiceResult<()> {
    let rendered = render(mail.lang, mail.template, &mail.vars)
        .map_err(|e| crate::server::error::ServiceError::Internal(e.to_string()))?;
    sqlx::query(
        "INSERT INTO outbox (dedupe_key, channel, request_id, user_id, recipient, lang, template,
            subject, body_text, body_html, status, attempts, next_attempt_at, created_at)
         VALUES ($1, 'email', $2, $3, $4, $5, $6, $7, $8, $9, 'pending', 0, $10, $10)
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(&mail.key)
    .bind(mail.request_id)
    .bind(mail.user_id)
    .bind(mail.to)
    .bind(mail.lang.code())
    .bind(mail.template)
    .bind(&rendered.subject)
    .bind(secret.seal(&rendered.text))
    .bind(secret.seal(&rendered.html))
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One event partners may hear about, written with the change that caused it.
pub(crate) struct WebhookEvent<'a> {
    pub event: crate::domain::partners::EventType,
    pub request_id: i64,
    pub service_id: i64,
    pub service_code: &'a str,
    pub reference: &'a str,
    /// The request's version after the change: with the reference it names the event.
    pub version: i64,
    pub status: crate::domain::Status,
    pub previous: Option<crate::domain::Status>,
    pub at: i64,
}

impl WebhookEvent<'_> {
    /// The event's id: the same on every attempt to every webhook.
    pub fn id(&self) -> String {
        format!("evt_{}_v{}", self.reference, self.version)
    }

    /// What a partner receives: no personal data, only where the request stands.
    pub fn body(&self, public_url: &str) -> serde_json::Value {
        serde_json::json!({
            "id": self.id(),
            "type": self.event.as_str(),
            "created_at": crate::server::service::rfc3339(self.at),
            "data": {
                "reference": self.reference,
                "service_code": self.service_code,
                "status": self.status.as_str(),
                "previous_status": self.previous.map(crate::domain::Status::as_str),
                "stage": self.status.stage().number(),
                "url": format!("{public_url}/api/v1/requests/{}", self.reference),
            }
        })
    }
}

/// Write one delivery per webhook that wants `e` into the outbox within `tx` (the same
/// event never twice to one webhook). The change itself never waits for a partner.
pub(crate) async fn enqueue_webhooks(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    public_url: &str,
    e: &WebhookEvent<'_>,
) -> ServiceResult<usize> {
    let hooks: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT w.id, w.url, w.events, w.services FROM webhooks w
         JOIN partners p ON p.id = w.partner_id AND p.revoked_at IS NULL
         JOIN partner_services ps ON ps.partner_id = p.id AND ps.service_id = $1
         WHERE w.deleted_at IS NULL ORDER BY w.id",
    )
    .bind(e.service_id)
    .fetch_all(&mut **tx)
    .await?;
    let body = e.body(public_url).to_string();
    let mut n = 0;
    for (id, url, events, services) in hooks {
        let wanted = crate::domain::partners::EventType::list(&events).contains(&e.event)
            && services.split(',').any(|s| s == e.service_code);
        if !wanted {
            continue;
        }
        sqlx::query(
            "INSERT INTO outbox (dedupe_key, channel, request_id, recipient, lang, template,
                subject, body_text, body_html, status, attempts, next_attempt_at, created_at,
                webhook_id, event_id)
             VALUES ($1, 'webhook', $2, $3, '', $4, $4, $5, '', 'pending', 0, $6, $6, $7, $8)
             ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(format!("wh:{id}:{}", e.id()))
        .bind(e.request_id)
        .bind(&url)
        .bind(e.event.as_str())
        .bind(&body)
        .bind(e.at)
        .bind(id)
        .bind(e.id())
        .execute(&mut **tx)
        .await?;
        n += 1;
    }
    Ok(n)
}

/// The kinds of in-app notification staff receive.
pub const KIND_ASSIGNED: &str = "assigned";
pub const KIND_AT_RISK: &str = "at_risk";
pub const KIND_BREACHED: &str = "breached";
pub const KIND_COMPLIANCE: &str = "compliance";
pub const KIND_REMINDER: &str = "reminder";

/// One in-app notification for a staff member.
pub(crate) struct InApp<'a> {
    pub key: String,
    pub user_id: i64,
    pub kind: &'static str,
    pub request_id: Option<i64>,
    pub service_id: Option<i64>,
    pub detail: Option<&'a str>,
}

pub(crate) async fn notify_user(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    n: InApp<'_>,
    at: i64,
) -> ServiceResult<()> {
    sqlx::query(
        "INSERT INTO notifications (dedupe_key, user_id, kind, request_id, service_id, detail, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(&n.key)
    .bind(n.user_id)
    .bind(n.kind)
    .bind(n.request_id)
    .bind(n.service_id)
    .bind(n.detail)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Placeholders each template may use (besides `institution` and `portal_url`).
    fn vars_for(name: &str) -> Vec<(&'static str, String)> {
        let all: &[&'static str] = match name {
            "receipt" => &[
                "reference",
                "service",
                "tracking_code",
                "tracking_link",
                "expected_by",
                "open_reference",
                "open_link",
            ],
            "information_requested" => &["reference", "service", "question", "tracking_link"],
            "approved" => &["reference", "service", "expected_by", "tracking_link"],
            "refused" => &["reference", "service", "reason", "tracking_link"],
            "fulfilled" => &["reference", "service", "result", "rate_link"],
            "closed" => &["reference", "service", "tracking_link"],
            "assigned" | "at_risk" => &["reference", "service", "due", "staff_link"],
            "breached" => &["reference", "service", "due", "assignee", "staff_link"],
            "compliance" => &["service", "share", "target", "period", "staff_link"],
            "invitation" | "password_reset" => &["name", "username", "link"],
            "information_reminder" => &[
                "reference",
                "service",
                "question",
                "asked_on",
                "tracking_link",
            ],
            "assignee_reminder" => &["reference", "service", "due", "staff_link"],
            _ => &[],
        };
        all.iter()
            .chain(&["institution", "portal_url"])
            .map(|k| (*k, format!("<{k}> & \"x\"\nline 2")))
            .collect()
    }

    #[test]
    fn every_template_renders_in_every_language_and_uses_every_value() {
        for lang in Lang::ALL {
            for name in TEMPLATES {
                let vars = vars_for(name);
                let r =
                    render(lang, name, &vars).unwrap_or_else(|e| panic!("{lang:?} {name}: {e}"));
                assert!(!r.subject.is_empty(), "{name} subject");
                for (k, _) in &vars {
                    let raw = format!("<{k}> & \"x\"");
                    let escaped = format!("&lt;{k}&gt; &amp; &quot;x&quot;<br>");
                    assert!(
                        r.subject.contains(&raw) || r.text.contains(&raw),
                        "{lang:?} {name}: text lacks {{{k}}}"
                    );
                    assert!(
                        r.html.contains(&escaped),
                        "{lang:?} {name}: html lacks {{{k}}}"
                    );
                }
                assert!(!r.html.contains("<script"), "values are escaped");
                assert!(r.html.starts_with("<!DOCTYPE html>"));
                assert!(r.html.contains(&format!("lang=\"{}\"", lang.code())));
            }
        }
    }

    #[test]
    fn unknown_placeholders_and_missing_subjects_are_errors() {
        assert_eq!(
            fill("Hi {who}", "t", &[], false),
            Err(TemplateError::UnknownPlaceholder("t".into(), "who".into()))
        );
        assert_eq!(fill("a { b", "t", &[], false), Ok("a { b".into()));
        assert_eq!(
            fill("{a}{a}", "t", &[("a", "<1>".into())], true),
            Ok("&lt;1&gt;&lt;1&gt;".into())
        );
    }

    #[test]
    fn an_optional_paragraph_needs_its_value() {
        let t = "a\n?{x} b {x}\nc\n";
        assert_eq!(
            fill(t, "t", &[("x", "1".into())], false),
            Ok("a\nb 1\nc\n".into())
        );
        assert_eq!(
            fill(t, "t", &[("x", String::new())], false),
            Ok("a\nc\n".into())
        );
        assert_eq!(
            fill(t, "t", &[], false),
            Err(TemplateError::UnknownPlaceholder("t".into(), "x".into()))
        );
        for lang in Lang::ALL {
            let mut vars = vars_for("receipt");
            for (k, v) in vars.iter_mut() {
                if k.starts_with("open_") {
                    v.clear();
                }
            }
            let r = render(lang, "receipt", &vars).expect("receipt");
            assert!(!r.text.contains("?{") && !r.html.contains("?{"));
            assert!(!r.html.contains("href=\"\""), "{lang:?}: no empty link");
        }
    }

    #[test]
    fn latvian_and_english_differ() {
        let lv = render(Lang::Lv, "receipt", &vars_for("receipt")).expect("lv");
        let en = render(Lang::En, "receipt", &vars_for("receipt")).expect("en");
        assert_ne!(lv.subject, en.subject);
        assert!(lv.text.contains("Labdien"));
        assert!(en.text.contains("Hello"));
    }
}
