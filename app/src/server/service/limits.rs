//! Abuse limits: how often one client (or one user name, or one mail address) may do
//! something in a window of time. Counted in the database, so every app server in front of
//! one database counts together; a counter is raised *before* the work it guards, in one
//! atomic statement, so parallel attempts cannot slip past the count.
//!
//! Windows are fixed (a client can do at most twice the limit across a window's edge).
//! Keys are stored as keyed hashes: the table holds no addresses or names in the clear.

use super::Taka;
use crate::error::AppError;
use crate::server::error::ServiceResult;

/// What is limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// Sign-in attempts from one client address, whatever the user name.
    SignInClient,
    /// Failed sign-ins for one user name from one client address: an attacker cannot lock
    /// a colleague out from elsewhere.
    SignInFailures,
    /// Anonymous submissions from one client address.
    Submit,
    /// Tracking look-ups and requester actions from one client address.
    Track,
    /// Receipt mails to one recipient address.
    ReceiptMail,
    /// Downloads from one client address (CSV exports, and attachments when they come).
    Download,
}

impl Limit {
    fn bucket(self) -> &'static str {
        match self {
            Limit::SignInClient => "sign_in_client",
            Limit::SignInFailures => "sign_in_failures",
            Limit::Submit => "submit",
            Limit::Track => "track",
            Limit::ReceiptMail => "receipt_mail",
            Limit::Download => "download",
        }
    }
}

/// One limit: at most `max` in `window` seconds (`max` 0: no limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub max: i64,
    pub window: i64,
}

/// The limits in force. The defaults suit a municipality's portal; `TAKA_LIMIT_SCALE`
/// multiplies every maximum (0 turns the limits off, for benchmarks).
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    pub sign_in_client: Rule,
    pub sign_in_failures: Rule,
    pub submit: Rule,
    pub track: Rule,
    pub receipt_mail: Rule,
    pub download: Rule,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            sign_in_client: Rule {
                max: 30,
                window: 15 * 60,
            },
            sign_in_failures: Rule {
                max: 10,
                window: 15 * 60,
            },
            submit: Rule {
                max: 30,
                window: 3600,
            },
            track: Rule {
                max: 120,
                window: 15 * 60,
            },
            receipt_mail: Rule {
                max: 5,
                window: 3600,
            },
            download: Rule {
                max: 120,
                window: 15 * 60,
            },
        }
    }
}

impl Limits {
    pub fn rule(&self, limit: Limit) -> Rule {
        match limit {
            Limit::SignInClient => self.sign_in_client,
            Limit::SignInFailures => self.sign_in_failures,
            Limit::Submit => self.submit,
            Limit::Track => self.track,
            Limit::ReceiptMail => self.receipt_mail,
            Limit::Download => self.download,
        }
    }

    /// Every maximum multiplied by `factor` (0: no limits).
    pub fn scaled(mut self, factor: f64) -> Limits {
        let factor = if factor.is_finite() && factor > 0.0 {
            factor
        } else {
            0.0
        };
        for rule in [
            &mut self.sign_in_client,
            &mut self.sign_in_failures,
            &mut self.submit,
            &mut self.track,
            &mut self.receipt_mail,
            &mut self.download,
        ] {
            rule.max = if factor == 0.0 {
                0
            } else {
                ((rule.max as f64) * factor).ceil().clamp(1.0, 1e12) as i64
            };
        }
        self
    }
}

/// The window an instant falls in, and the seconds until the next one starts.
pub fn window_of(at: i64, window: i64) -> (i64, i64) {
    let window = window.max(1);
    let start = at - at.rem_euclid(window);
    (start, start + window - at)
}

impl Taka {
    /// Count one more `limit` for the client at `ip`.
    pub async fn hit_client(&self, limit: Limit, ip: std::net::IpAddr) -> ServiceResult<()> {
        self.hit(limit, &ip.to_string()).await
    }

    /// Count one more `limit` for `key`; refused with `TooManyAttempts(seconds to wait)`
    /// when that goes over the maximum.
    pub async fn hit(&self, limit: Limit, key: &str) -> ServiceResult<()> {
        let rule = self.policy().limits.rule(limit);
        if rule.max == 0 {
            return Ok(());
        }
        let (start, retry_after) = window_of(self.now(), rule.window);
        let (hits,): (i64,) = sqlx::query_as(
            "INSERT INTO rate_limits (bucket, key, window_start, hits) VALUES ($1, $2, $3, 1)
             ON CONFLICT (bucket, key, window_start) DO UPDATE SET hits = rate_limits.hits + 1
             RETURNING hits",
        )
        .bind(limit.bucket())
        .bind(self.limit_key(limit, key))
        .bind(start)
        .fetch_one(&self.db.write)
        .await?;
        if hits > rule.max {
            tracing::info!(limit = limit.bucket(), retry_after, "abuse limit reached");
            return Err(
                AppError::TooManyAttempts(retry_after.clamp(1, u32::MAX as i64) as u32).into(),
            );
        }
        Ok(())
    }

    /// Forget the count of `limit` for `key` (a successful sign-in clears its failures).
    pub async fn clear_limit(&self, limit: Limit, key: &str) -> ServiceResult<()> {
        sqlx::query("DELETE FROM rate_limits WHERE bucket = $1 AND key = $2")
            .bind(limit.bucket())
            .bind(self.limit_key(limit, key))
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    /// Drop counters of windows that ended more than a day ago (the background job).
    pub async fn forget_old_limits(&self) -> ServiceResult<u64> {
        let r = sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
            .bind(self.now() - 86_400)
            .execute(&self.db.write)
            .await?;
        Ok(r.rows_affected())
    }

    fn limit_key(&self, limit: Limit, key: &str) -> String {
        let mac = self.secret().mac(limit.bucket(), key.as_bytes());
        mac[..32].to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        assert_eq!(window_of(1000, 900), (900, 800));
        assert_eq!(window_of(900, 900), (900, 900));
        assert_eq!(window_of(-1, 900), (-900, 1));
        assert_eq!(window_of(5, 0), (5, 1));
    }

    #[test]
    fn scaling() {
        let l = Limits::default();
        assert_eq!(l.clone().scaled(0.0).submit.max, 0);
        assert_eq!(l.clone().scaled(f64::NAN).track.max, 0);
        assert_eq!(l.clone().scaled(2.0).submit.max, 60);
        assert_eq!(l.clone().scaled(0.01).receipt_mail.max, 1);
        assert_eq!(l.rule(Limit::SignInFailures).max, 10);
    }
}
