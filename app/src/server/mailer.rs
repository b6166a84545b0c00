//! Delivering the outbox: e-mail over SMTP (lettre), or into a folder of `.eml` files for
//! the demo. A worker claims due messages with a lease, sends them, and records the result;
//! failures are retried with exponential back-off. Any number of app servers may run the
//! worker against one PostgreSQL database: a claim is an `UPDATE ... WHERE` that only one
//! of them can win.
//!
//! Delivery is at-least-once between our commit and the SMTP server's "250 OK": if the
//! process dies in exactly that window the message goes again after the lease, with the
//! same `Message-ID`, so mail systems can drop the copy. Outside that window a message is
//! sent once.

use crate::server::Taka;
use crate::server::error::{ServiceError, ServiceResult};
use lettre::message::{Mailbox, MultiPart, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;

/// Attempts before a message is marked failed.
pub const MAX_ATTEMPTS: i64 = 10;
/// How long a claimed message is reserved for the worker that claimed it.
pub const LEASE_SECONDS: i64 = 120;
/// Messages claimed per round.
const BATCH: i64 = 20;

/// Seconds to wait before attempt number `attempts + 1`: 30 s doubling, at most an hour.
pub fn backoff(attempts: i64) -> i64 {
    let exp = attempts.clamp(1, 12) - 1;
    (30_i64 << exp).min(3600)
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(PathBuf),
}

/// Where mail goes, and from whom.
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    /// For `Message-ID`s.
    domain: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.transport {
            Transport::Smtp(_) => "smtp".to_string(),
            Transport::Folder(p) => format!("folder {}", p.display()),
        };
        write!(f, "Mailer({kind}, from {})", self.from)
    }
}

fn mailbox(from: &str) -> Result<Mailbox, String> {
    from.parse::<Mailbox>()
        .map_err(|e| format!("MAIL_FROM {from:?} is not an address: {e}"))
}

impl Mailer {
    /// SMTP: `smtp://host:port` (plain; add `?tls=required` for STARTTLS) or
    /// `smtps://user:pass@host` (TLS from the start).
    pub fn smtp(url: &str, from: &str) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP_URL is not usable: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = mailbox(from)?;
        Ok(Mailer {
            domain: from.email.domain().to_string(),
            transport: Transport::Smtp(transport),
            from,
        })
    }

    /// Write each message as a `.eml` file into `dir` (the demo's "sent" folder).
    pub fn folder(dir: impl Into<PathBuf>, from: &str) -> Result<Mailer, String> {
        let from = mailbox(from)?;
        Ok(Mailer {
            domain: from.email.domain().to_string(),
            transport: Transport::Folder(dir.into()),
            from,
        })
    }

    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(_) => "SMTP".into(),
            Transport::Folder(p) => format!("folder {}", p.display()),
        }
    }

    fn build(&self, m: &Claimed) -> Result<Message, String> {
        let to: Mailbox = m
            .recipient
            .parse()
            .map_err(|e| format!("recipient is not an address: {e}"))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .message_id(Some(format!(
                "<taka.{}.{}@{}>",
                m.id,
                &crate::server::service::sha256_hex(&m.dedupe_key)[..16],
                self.domain
            )))
            .raw_header(lettre::message::header::HeaderValue::new(
                lettre::message::header::HeaderName::new_from_ascii_str("Content-Language"),
                m.lang.clone(),
            ))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        lettre::message::SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(m.body_text.clone()),
                    )
                    .singlepart(
                        lettre::message::SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(m.body_html.clone()),
                    ),
            )
            .map_err(|e| format!("message: {e}"))
    }

    /// Send one message. `Err((permanent, text))` on failure.
    async fn send(&self, m: &Claimed) -> Result<(), (bool, String)> {
        let message = self.build(m).map_err(|e| (true, e))?;
        match &self.transport {
            Transport::Smtp(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| (e.is_permanent(), e.to_string())),
            Transport::Folder(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| (false, e.to_string()))?;
                let path = dir.join(format!("{:06}-{}.eml", m.id, m.template));
                tokio::fs::write(path, message.formatted())
                    .await
                    .map_err(|e| (false, e.to_string()))
            }
        }
    }
}

#[derive(sqlx::FromRow, Debug)]
struct Claimed {
    id: i64,
    dedupe_key: String,
    recipient: String,
    lang: String,
    template: String,
    subject: String,
    body_text: String,
    body_html: String,
    attempts: i64,
}

impl Taka {
    /// One round of delivery: claim due messages, send them, record what happened.
    /// Returns how many were claimed.
    pub async fn deliver_outbox(&self, mailer: &Mailer) -> ServiceResult<usize> {
        let now = self.now();
        let due = "channel = 'email' AND status = 'pending' AND next_attempt_at <= $2
                   AND (locked_until IS NULL OR locked_until < $2)";
        let claimed: Vec<Claimed> = sqlx::query_as(&format!(
            "UPDATE outbox SET locked_until = $1, attempts = attempts + 1
             WHERE {due} AND id IN (SELECT id FROM outbox WHERE {due} ORDER BY id LIMIT $3)
             RETURNING id, dedupe_key, recipient, lang, template, subject, body_text, body_html, attempts"
        ))
        .bind(now + LEASE_SECONDS)
        .bind(now)
        .bind(BATCH)
        .fetch_all(&self.db.write)
        .await?;
        let n = claimed.len();
        // RETURNING keeps no order: send oldest first.
        let mut claimed = claimed;
        claimed.sort_by_key(|m| m.id);
        for mut m in claimed {
            let outcome = match (
                self.secret().open(&m.body_text),
                self.secret().open(&m.body_html),
            ) {
                (Some(text), Some(html)) => {
                    m.body_text = text;
                    m.body_html = html;
                    mailer.send(&m).await
                }
                // Sealed with another secret: it can never be sent.
                _ => Err((
                    true,
                    "the message was sealed with another server secret".into(),
                )),
            };
            let at = self.now();
            match outcome {
                Ok(()) => {
                    // The body has done its job (and a receipt carries the tracking code):
                    // keep the subject and the delivery record, not the text.
                    sqlx::query(
                        "UPDATE outbox SET status = 'sent', sent_at = $1, locked_until = NULL,
                            last_error = NULL, body_text = '', body_html = ''
                         WHERE id = $2",
                    )
                    .bind(at)
                    .bind(m.id)
                    .execute(&self.db.write)
                    .await?;
                }
                Err((permanent, error)) => {
                    self.record_failed_attempt(m.id, m.attempts, MAX_ATTEMPTS, permanent, &error)
                        .await?;
                }
            }
        }
        Ok(n)
    }

    /// A failed attempt of outbox row `id` (mail or webhook): tried again after the back-off,
    /// or given up (`failed`) when permanent or after `max_attempts`.
    pub(crate) async fn record_failed_attempt(
        &self,
        id: i64,
        attempts: i64,
        max_attempts: i64,
        permanent: bool,
        error: &str,
    ) -> ServiceResult<()> {
        let give_up = permanent || attempts >= max_attempts;
        tracing::warn!(id, attempts, give_up, "outbox delivery failed: {error}");
        let at = self.now();
        sqlx::query(
            "UPDATE outbox SET status = $1, next_attempt_at = $2, locked_until = NULL,
                last_error = $3
             WHERE id = $4",
        )
        .bind(if give_up { "failed" } else { "pending" })
        .bind(at + backoff(attempts))
        .bind(error.chars().take(500).collect::<String>())
        .bind(id)
        .execute(&self.db.write)
        .await?;
        Ok(())
    }

    /// Deliver until nothing is due (tests, and the worker after a wake-up).
    pub async fn drain_outbox(&self, mailer: &Mailer) -> ServiceResult<usize> {
        let mut total = 0;
        loop {
            let n = self.deliver_outbox(mailer).await?;
            total += n;
            if n == 0 {
                return Ok(total);
            }
        }
    }
}

/// The background jobs of one server process: outbox delivery of mail and of webhooks
/// (each woken when something is written, else every few seconds) and the service-level sweep (every minute). Both are
/// safe to run in several processes at once.
pub async fn run_jobs(taka: Taka, mailer: Option<Mailer>, sweep_every: Duration) {
    let sweeper = {
        let taka = taka.clone();
        async move {
            let mut tick = tokio::time::interval(sweep_every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match taka.sla_sweep().await {
                    Ok(s) if s.at_risk + s.breached + s.services + s.reminders > 0 => {
                        tracing::info!(
                            at_risk = s.at_risk,
                            breached = s.breached,
                            services = s.services,
                            reminders = s.reminders,
                            "service levels checked"
                        );
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!("service-level sweep: {e}"),
                }
                // Housekeeping: old abuse counters and idempotency records go.
                if let Err(e) = taka.forget_old_limits().await {
                    tracing::error!("abuse limits: {e}");
                }
                if let Err(e) = taka.forget_old_idempotency_keys().await {
                    tracing::error!("idempotency keys: {e}");
                }
                // Files: uploads nobody used, contents nothing refers to, quarantine.
                if let Err(e) = taka.forget_unused_files().await {
                    tracing::error!("files: {e}");
                }
                if let Err(e) = taka.rescan_quarantined().await {
                    tracing::error!("virus scan: {e}");
                }
                // Retention: personal data of requests that ended long enough ago goes.
                match taka.apply_retention().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(requests = n, "personal data anonymised (retention)"),
                    Err(e) => tracing::error!("retention: {e}"),
                }
            }
        }
    };
    let hooks = {
        let taka = taka.clone();
        async move {
            let client = crate::server::webhook::client(taka.policy().webhooks_allow_local);
            loop {
                if let Err(e) = taka.drain_webhooks(&client).await {
                    tracing::error!("webhooks: {e}");
                }
                tokio::select! {
                    _ = taka.webhook_signal().notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                }
            }
        }
    };
    let deliverer = async move {
        let Some(mailer) = mailer else {
            return std::future::pending::<()>().await;
        };
        loop {
            if let Err(e) = taka.drain_outbox(&mailer).await {
                tracing::error!("outbox: {e}");
            }
            tokio::select! {
                _ = taka.outbox_signal().notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
        }
    };
    tokio::join!(sweeper, hooks, deliverer);
}

impl From<lettre::error::Error> for ServiceError {
    fn from(e: lettre::error::Error) -> Self {
        ServiceError::Internal(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_an_hour() {
        assert_eq!(backoff(1), 30);
        assert_eq!(backoff(2), 60);
        assert_eq!(backoff(3), 120);
        assert_eq!(backoff(8), 3600);
        assert_eq!(backoff(50), 3600);
        assert_eq!(backoff(0), 30);
    }

    #[tokio::test]
    async fn bad_configuration_is_explained() {
        assert!(Mailer::smtp("ftp://x", "a@b.lv").is_err());
        assert!(Mailer::folder("/tmp/x", "not an address").is_err());
        assert!(Mailer::smtp("smtp://127.0.0.1:2525", "Taka <noreply@taka.lv>").is_ok());
    }
}
