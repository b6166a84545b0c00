//! Delivering webhooks from the outbox (`channel = 'webhook'`), as the Standard Webhooks
//! specification describes them: a JSON body, `webhook-id` (the event's id, the same on
//! every attempt), `webhook-timestamp` and `webhook-signature` (`v1,` and the base64
//! HMAC-SHA-256 of `{id}.{timestamp}.{body}` with the partner's secret). A worker claims
//! due deliveries with a lease, as the mailer does, so any number of app servers can run it;
//! a failure is retried with back-off (`mailer::backoff`) and after `MAX_ATTEMPTS` the
//! delivery waits in the dead-letter list of the partners page.

use crate::server::Taka;
use crate::server::error::ServiceResult;
use crate::server::mailer::LEASE_SECONDS;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::time::Duration;

/// Attempts before a delivery goes to the dead-letter list (30 s doubling to an hour:
/// about six hours in all).
pub const MAX_ATTEMPTS: i64 = 12;
/// Deliveries claimed per round.
const BATCH: i64 = 20;
/// How long one attempt may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The HTTP client webhooks go out with: no redirects (the registered address is the only
/// one), a short timeout, and host names resolved to public addresses only unless
/// `allow_local` (`Policy::webhooks_allow_local`, development and tests).
pub fn client(allow_local: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .user_agent(concat!("Taka-Webhooks/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(std::sync::Arc::new(PublicOnly { allow_local }))
        .build()
        .unwrap_or_default()
}

/// A resolver that drops every address a webhook must not reach
/// (`domain::partners::is_public_ip`). A partner's host name that points into our own
/// network is refused when the delivery connects, and the connection goes to exactly the
/// addresses checked here: there is no second lookup for DNS rebinding to answer
/// differently. Addresses written in a URL are checked when the webhook is registered.
struct PublicOnly {
    allow_local: bool,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_local = self.allow_local;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let kept: Vec<std::net::SocketAddr> = found
                .filter(|a| allow_local || crate::domain::partners::is_public_ip(a.ip()))
                .collect();
            if kept.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

/// The key a secret signs with: a `whsec_` secret is base64 (as Standard Webhooks
/// libraries make them); any other is its own bytes.
pub fn signing_key(secret: &str) -> Vec<u8> {
    secret
        .strip_prefix("whsec_")
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec())
}

/// `v1,<base64 HMAC-SHA-256 of "{id}.{timestamp}.{body}">`.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&signing_key(secret))
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

#[derive(sqlx::FromRow, Debug)]
struct Claimed {
    id: i64,
    recipient: String,
    body_text: String,
    attempts: i64,
    webhook_id: Option<i64>,
    event_id: Option<String>,
}

impl Taka {
    /// One round: claim due webhook deliveries, send them, record what happened. Returns
    /// how many were claimed.
    pub async fn deliver_webhooks(&self, client: &reqwest::Client) -> ServiceResult<usize> {
        let now = self.now();
        let due = "channel = 'webhook' AND status = 'pending' AND next_attempt_at <= $2
                   AND (locked_until IS NULL OR locked_until < $2)";
        let mut claimed: Vec<Claimed> = sqlx::query_as(&format!(
            "UPDATE outbox SET locked_until = $1, attempts = attempts + 1
             WHERE {due} AND id IN (SELECT id FROM outbox WHERE {due} ORDER BY id LIMIT $3)
             RETURNING id, recipient, body_text, attempts, webhook_id, event_id"
        ))
        .bind(now + LEASE_SECONDS)
        .bind(now)
        .bind(BATCH)
        .fetch_all(&self.db.write)
        .await?;
        let n = claimed.len();
        claimed.sort_by_key(|m| m.id);
        let mut secrets: HashMap<i64, Option<String>> = HashMap::new();
        for m in claimed {
            let secret = match m.webhook_id {
                Some(w) => match secrets.get(&w) {
                    Some(s) => s.clone(),
                    None => {
                        let row: Option<(String,)> = sqlx::query_as(
                            "SELECT secret FROM webhooks WHERE id = $1 AND deleted_at IS NULL",
                        )
                        .bind(w)
                        .fetch_optional(&self.db.read)
                        .await?;
                        let s = row.and_then(|(s,)| self.secret().open(&s));
                        secrets.insert(w, s.clone());
                        s
                    }
                },
                None => None,
            };
            let outcome = match secret {
                None => Err((
                    true,
                    "the webhook is gone or its secret unreadable".to_string(),
                )),
                Some(secret) => {
                    let id = m.event_id.clone().unwrap_or_else(|| m.id.to_string());
                    self.post_webhook(client, &m.recipient, &secret, &id, &m.body_text)
                        .await
                }
            };
            let at = self.now();
            match outcome {
                Ok(()) => {
                    sqlx::query(
                        "UPDATE outbox SET status = 'sent', sent_at = $1, locked_until = NULL,
                            last_error = NULL
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

    /// One attempt. Any answer but 2xx is a failure to retry.
    async fn post_webhook(
        &self,
        client: &reqwest::Client,
        url: &str,
        secret: &str,
        id: &str,
        body: &str,
    ) -> Result<(), (bool, String)> {
        let timestamp = self.now();
        let answer = client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature(secret, id, timestamp, body))
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| (false, e.to_string()))?;
        let status = answer.status();
        if status.is_success() {
            Ok(())
        } else {
            Err((false, format!("HTTP {}", status.as_u16())))
        }
    }

    /// Deliver until nothing is due (tests, and the worker after a wake-up).
    pub async fn drain_webhooks(&self, client: &reqwest::Client) -> ServiceResult<usize> {
        let mut total = 0;
        loop {
            let n = self.deliver_webhooks(client).await?;
            total += n;
            if n == 0 {
                return Ok(total);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A host name that resolves to loopback is refused unless local addresses are
    /// allowed; then the same name reaches a real listener.
    #[tokio::test]
    async fn names_resolving_inside_are_refused() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let app = axum::Router::new().route("/hook", axum::routing::post(|| async { "ok" }));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let url = format!("http://localhost:{port}/hook");
        let refused = client(false).post(&url).send().await.unwrap_err();
        let chain = format!("{refused:?}");
        assert!(chain.contains("has no public address"), "{chain}");
        let answer = client(true).post(&url).send().await.unwrap();
        assert_eq!(answer.status(), 200);
    }

    /// The example of the Standard Webhooks specification's reference libraries.
    #[test]
    fn signature_matches_the_specification() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, id, 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert_eq!(signing_key("plain secret"), b"plain secret".to_vec());
        assert_eq!(signing_key("whsec_!!"), b"whsec_!!".to_vec());
    }
}
