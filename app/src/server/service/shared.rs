//! What the use cases share: the request row and its query text, how a service-level
//! clock is stored, who is acting, service names, and the note to a staff member.
//!
//! It also holds `StaffContext`, who is signed in and their scope, which every use case
//! checks. This module depends on no use-case module (catalogue, requests, sla, staff, analytics,
//! tokens); they all depend on it, never on each other, for shared types.

use super::Taka;
use super::rollup;
use crate::domain::automation::Rule;
use crate::domain::sla::{SlaClock, SlaStage, Targets};
use crate::domain::{self, Actor, FieldSpec, FieldType, Lang, Status};
use crate::error::AppError;
use crate::model::SessionUser;
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::notify::{self, InApp, Mail};

/// A signed-in staff member and their scope. Built only from a valid session.
#[derive(Debug, Clone)]
pub struct StaffContext {
    pub user: SessionUser,
    pub institution_id: i64,
    /// The services a provider or service owner works on (empty for institution-wide roles).
    pub service_ids: Vec<i64>,
    /// The session this request came with (`None` for an API token).
    pub session_id: Option<i64>,
    /// Signed in with an API token limited to reading analytics.
    pub analytics_only: bool,
    /// The language this request is answered in (dates and values written in it).
    pub lang: Lang,
}

impl StaffContext {
    /// Whether a request of `service_id` in `institution_id` is inside this user's scope.
    pub fn can_see(&self, service_id: i64, institution_id: i64) -> bool {
        if self.user.role.scoped_to_services() {
            self.service_ids.contains(&service_id)
        } else {
            self.institution_id == institution_id
        }
    }
    pub(crate) fn actor(&self) -> Actor {
        Actor::Staff(self.user.role)
    }
    pub(crate) fn acting(&self) -> ActingAs {
        ActingAs {
            actor: self.actor(),
            user_id: Some(self.user.id),
            rule: None,
        }
    }
}

/// Who is acting, as the service layer records it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ActingAs {
    pub actor: Actor,
    pub user_id: Option<i64>,
    /// The automation rule a step of the system follows (recorded in the history).
    pub rule: Option<Rule>,
}

impl ActingAs {
    /// The system, following a service's automation rule.
    pub fn system(rule: Rule) -> ActingAs {
        ActingAs {
            actor: Actor::System,
            user_id: None,
            rule: Some(rule),
        }
    }
}

/// A request with its service's code and field schema, as `REQUEST_SELECT` reads it.
#[derive(sqlx::FromRow, Debug, Clone)]
pub(crate) struct RequestRow {
    pub id: i64,
    pub reference: String,
    pub tracking_hash: String,
    pub service_id: i64,
    pub institution_id: i64,
    pub channel: String,
    pub lang: String,
    pub contact_name: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub values_json: String,
    pub status: String,
    pub assignee_id: Option<i64>,
    pub decision_reason: Option<String>,
    pub result: Option<String>,
    pub submitted_at: i64,
    pub due_at: i64,
    pub version: i64,
    pub service_code: String,
    /// The form of the version the request was submitted under.
    pub fields_json: String,
    pub service_version: i64,
    pub registered_at: Option<i64>,
    pub decided_at: Option<i64>,
    pub decision: Option<String>,
    pub fulfilled_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub rating: Option<i64>,
    pub anonymised_at: Option<i64>,
    pub legal_hold: Option<String>,
    /// Another open request of the same contact for the same service at submission.
    pub duplicate_of: Option<i64>,
    /// The signed-in requester whose request it is (made while signed in, or claimed).
    pub requester_id: Option<i64>,
    #[sqlx(flatten)]
    pub clock: ClockRow,
}

impl RequestRow {
    /// What analytics count of this request now.
    pub fn facts(&self) -> rollup::Facts {
        rollup::Facts {
            submitted_at: self.submitted_at,
            registered_at: self.registered_at,
            decided_at: self.decided_at,
            approved: self.decision.as_deref().map(|d| d == "approved"),
            fulfilled_at: self.fulfilled_at,
            withdrawn_at: self.closed_at.filter(|_| self.status == "withdrawn"),
            rated_at: self.closed_at.filter(|_| self.rating.is_some()),
            rating: self.rating.unwrap_or(0),
            sla_done_at: self.clock.sla_done_at,
            sla_met: self.clock.sla_breached == 0,
        }
    }

    pub fn status(&self) -> ServiceResult<Status> {
        Status::parse(&self.status)
            .ok_or_else(|| ServiceError::Internal(format!("unknown status {}", self.status)))
    }
}

/// The columns of `RequestRow`, for one request by reference (`$1`).
const REQUEST_SELECT: &str = "
    SELECT r.id, r.reference, r.tracking_hash, r.service_id, r.institution_id, r.channel, r.lang,
           r.contact_name, r.contact_email, r.contact_phone, r.values_json, r.status, r.assignee_id,
           r.decision_reason, r.result, r.submitted_at, r.due_at, r.version,
           s.code AS service_code, COALESCE(sv.fields_json, s.fields_json) AS fields_json,
           r.service_version,
           r.registered_at, r.decided_at, r.decision, r.fulfilled_at, r.closed_at, r.rating,
           r.anonymised_at, r.legal_hold, r.duplicate_of, r.requester_id, r.sla_stage, r.stage_started_at, r.stage_due_at, r.stage_budget, r.risk_at, r.paused_at,
           r.paused_remaining, r.sla_alert, r.sla_breached, r.sla_done_at
    FROM requests r JOIN services s ON s.id = r.service_id
    LEFT JOIN service_versions sv ON sv.service_id = r.service_id AND sv.version = r.service_version
    WHERE r.reference = $1";

/// A service's and its institution's names in language `$2`, Latvian where missing; the
/// caller adds the `WHERE` on `s`.
pub(crate) const SERVICE_NAMES: &str = "
    SELECT COALESCE(st.name, sl.name), COALESCE(it.name, il.name)
    FROM services s
    JOIN service_texts sl ON sl.service_id = s.id AND sl.lang = 'lv'
    LEFT JOIN service_texts st ON st.service_id = s.id AND st.lang = $2
    JOIN institution_texts il ON il.institution_id = s.institution_id AND il.lang = 'lv'
    LEFT JOIN institution_texts it ON it.institution_id = s.institution_id AND it.lang = $2";

/// A request's service-level clock as stored in its row.
#[derive(sqlx::FromRow, Debug, Clone)]
pub(crate) struct ClockRow {
    pub sla_stage: Option<String>,
    pub stage_started_at: Option<i64>,
    pub stage_due_at: Option<i64>,
    pub stage_budget: Option<i64>,
    pub risk_at: Option<i64>,
    pub paused_at: Option<i64>,
    pub paused_remaining: Option<i64>,
    pub sla_alert: i64,
    pub sla_breached: i64,
    pub sla_done_at: Option<i64>,
}

impl ClockRow {
    pub fn clock(&self) -> SlaClock {
        SlaClock {
            stage: self.sla_stage.as_deref().and_then(SlaStage::parse),
            started_at: self.stage_started_at,
            due_at: self.stage_due_at,
            budget: self.stage_budget,
            risk_at: self.risk_at,
            paused_at: self.paused_at,
            paused_remaining: self.paused_remaining,
            alert: self.sla_alert,
            breached: self.sla_breached != 0,
            done_at: self.sla_done_at,
        }
    }
}

/// The SET clause that stores a clock, parameters `$first ..= $first + 9`.
pub(crate) fn clock_set(first: usize) -> String {
    let cols = [
        "sla_stage",
        "stage_started_at",
        "stage_due_at",
        "stage_budget",
        "risk_at",
        "paused_at",
        "paused_remaining",
        "sla_alert",
        "sla_breached",
        "sla_done_at",
    ];
    cols.iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", first + i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Bind a clock's ten values in `clock_set` order.
pub(crate) fn bind_clock<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    c: &SlaClock,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(c.stage.map(SlaStage::as_str))
        .bind(c.started_at)
        .bind(c.due_at)
        .bind(c.budget)
        .bind(c.risk_at)
        .bind(c.paused_at)
        .bind(c.paused_remaining)
        .bind(c.alert)
        .bind(i64::from(c.breached))
        .bind(c.done_at)
}

/// A service's targets from its four columns.
pub(crate) fn targets_of(register_hours: i64, decide: i64, fulfil: i64, pct: i64) -> Targets {
    let u = |v: i64| u32::try_from(v.max(0)).unwrap_or(0);
    Targets {
        register_hours: u(register_hours),
        decide_days: u(decide),
        fulfil_days: u(fulfil),
        target_pct: u(pct).min(100),
    }
}

/// A service's automation from its two columns (`services.auto_register` is the one the
/// rest reads; `automation_json` the other settings).
pub(crate) fn automation_from(
    auto_register: i64,
    json: &str,
) -> crate::domain::automation::Automation {
    let mut a: crate::domain::automation::Automation =
        serde_json::from_str(json).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "unreadable automation settings; none apply");
            Default::default()
        });
    a.auto_register = auto_register != 0;
    a
}

/// A service's field schema as stored in `services.fields_json`.
pub(crate) fn parse_fields(json: &str) -> ServiceResult<Vec<FieldSpec>> {
    serde_json::from_str(json).map_err(|e| ServiceError::Internal(format!("bad field schema: {e}")))
}

/// A request's answers as people read them: each field's label and the answer (a choice
/// shown by its option's label, several by theirs; yes or no, dates and numbers as `lang`
/// writes them), in form order, in `lang`.
pub(crate) fn labelled_answers(
    row: &RequestRow,
    lang: Lang,
) -> ServiceResult<Vec<(String, String)>> {
    let schema = parse_fields(&row.fields_json)?;
    let values: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&row.values_json).unwrap_or_default();
    Ok(schema
        .iter()
        .filter_map(|f| {
            values.get(&f.name).map(|v| {
                let label_of = |value: &str| {
                    f.options
                        .iter()
                        .find(|o| o.value == value)
                        .map(|o| o.label.get(lang).to_string())
                        .unwrap_or_else(|| value.to_string())
                };
                let l = crate::i18n_text::locale(lang);
                let shown = match f.kind {
                    FieldType::MultiChoice => {
                        v.split(',').map(label_of).collect::<Vec<_>>().join(", ")
                    }
                    FieldType::YesNo => crate::i18n_text::yes_no(l, v == "yes").to_string(),
                    FieldType::Date => crate::i18n_text::iso_date(l, v),
                    FieldType::Number => number_text(l, v),
                    _ => label_of(v),
                };
                (f.label.get(lang).to_string(), shown)
            })
        })
        .collect())
}

/// A number answer as `l` writes it (`1 234,5`); anything that is not one, unchanged.
fn number_text(l: crate::i18n::Locale, v: &str) -> String {
    let v = v.trim();
    if let Ok(n) = v.parse::<i64>() {
        return crate::i18n_text::number(l, n);
    }
    match (v.parse::<f64>(), v.split_once('.')) {
        (Ok(x), Some((_, frac))) if x.is_finite() => crate::i18n_text::decimal(l, x, frac.len()),
        _ => v.to_string(),
    }
}

/// A notification to one staff member (in-app, and e-mail when they have an address).
pub(crate) struct StaffNote<'a> {
    pub key: String,
    pub user_id: i64,
    pub kind: &'static str,
    pub template: &'static str,
    pub request_id: Option<i64>,
    pub service_id: i64,
    pub reference: Option<&'a str>,
    pub vars: Vec<(&'static str, String)>,
}

impl Taka {
    pub(crate) async fn load_request(&self, reference: &str) -> ServiceResult<RequestRow> {
        if !domain::looks_like_reference(reference) {
            return Err(AppError::NotFound.into());
        }
        sqlx::query_as(REQUEST_SELECT)
            .bind(reference)
            .fetch_optional(&self.db.read)
            .await?
            .ok_or_else(|| AppError::NotFound.into())
    }

    /// A service's and its institution's names in `lang` (Latvian where missing).
    pub(crate) async fn names_for(
        &self,
        service_code: &str,
        lang: Lang,
    ) -> ServiceResult<(String, String)> {
        let sql = format!("{SERVICE_NAMES} WHERE s.code = $1");
        let row: Option<(String, String)> = sqlx::query_as(&sql)
            .bind(service_code)
            .bind(lang.code())
            .fetch_optional(&self.db.read)
            .await?;
        Ok(row.unwrap_or_default())
    }

    /// A service's and its institution's names in `lang` (Latvian where missing).
    pub(crate) async fn service_names_tx(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        service_id: i64,
        lang: Lang,
    ) -> ServiceResult<(String, String)> {
        let sql = format!("{SERVICE_NAMES} WHERE s.id = $1");
        let row: Option<(String, String)> = sqlx::query_as(&sql)
            .bind(service_id)
            .bind(lang.code())
            .fetch_optional(&mut **tx)
            .await?;
        Ok(row.unwrap_or_default())
    }

    /// In-app notification plus e-mail (if the user has an address) to one staff member.
    pub(crate) async fn tell_staff(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        note: StaffNote<'_>,
        at: i64,
    ) -> ServiceResult<()> {
        notify::notify_user(
            tx,
            InApp {
                key: note.key.clone(),
                user_id: note.user_id,
                kind: note.kind,
                request_id: note.request_id,
                service_id: Some(note.service_id),
                detail: note
                    .vars
                    .iter()
                    .find(|(k, _)| *k == "share")
                    .map(|(_, v)| v.as_str()),
            },
            at,
        )
        .await?;
        let user: Option<(Option<String>, String)> =
            sqlx::query_as("SELECT email, lang FROM users WHERE id = $1 AND active = 1")
                .bind(note.user_id)
                .fetch_optional(&mut **tx)
                .await?;
        let Some((Some(email), lang)) = user else {
            return Ok(());
        };
        if email.trim().is_empty() {
            return Ok(());
        }
        let lang = Lang::parse(&lang).unwrap_or_default();
        let (service, institution) = self.service_names_tx(tx, note.service_id, lang).await?;
        let mut vars = note.vars;
        vars.push(("service", service));
        vars.push(("institution", institution));
        vars.push(("portal_url", self.public_url().to_string()));
        vars.push((
            "staff_link",
            match note.reference {
                Some(r) => format!("{}/staff/requests/{r}", self.public_url()),
                None => format!("{}/staff", self.public_url()),
            },
        ));
        if let Some(r) = note.reference {
            vars.push(("reference", r.to_string()));
        }
        notify::enqueue_mail(
            tx,
            self.secret(),
            Mail {
                key: format!("{}:mail", note.key),
                request_id: note.request_id,
                user_id: Some(note.user_id),
                to: &email,
                lang,
                template: note.template,
                vars,
            },
            at,
        )
        .await
    }
}

/// One entry of the audit log of configuration changes (services, staff, calendars,
/// targets, automation), written in the transaction of the change it records.
pub(crate) struct AuditEntry<'a> {
    /// The staff member who made the change; `None`: the command line (`cli`) or an
    /// automated step (`system`), as `actor_kind` says.
    pub actor: Option<&'a StaffContext>,
    pub actor_kind: &'static str,
    pub institution_id: Option<i64>,
    pub entity: &'static str,
    pub entity_key: String,
    pub action: &'static str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> AuditEntry<'a> {
    /// A change made by staff member `ctx` in their institution.
    pub fn by(
        ctx: &'a StaffContext,
        entity: &'static str,
        entity_key: String,
        action: &'static str,
    ) -> Self {
        AuditEntry {
            actor: Some(ctx),
            actor_kind: "staff",
            institution_id: Some(ctx.institution_id),
            entity,
            entity_key,
            action,
            before: None,
            after: None,
        }
    }

    pub fn change(
        mut self,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Self {
        self.before = before;
        self.after = after;
        self
    }
}

pub(crate) async fn record_audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    at: i64,
    e: AuditEntry<'_>,
) -> ServiceResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_user_id, actor_kind, institution_id, entity, entity_key,
            action, before_json, after_json)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(at)
    .bind(e.actor.map(|a| a.user.id))
    .bind(if e.actor.is_some() {
        "staff"
    } else {
        e.actor_kind
    })
    .bind(e.institution_id)
    .bind(e.entity)
    .bind(e.entity_key)
    .bind(e.action)
    .bind(e.before.map(|v| v.to_string()))
    .bind(e.after.map(|v| v.to_string()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_set_numbers_its_parameters() {
        assert_eq!(clock_set(3).matches('$').count(), 10);
        assert!(clock_set(3).starts_with("sla_stage = $3"));
    }
}
