//! The use cases. Both the Leptos server functions and the JSON API call these; neither
//! holds logic of its own. Every method that touches a request checks who may do it.
//!
//! Each use-case module (`catalogue`, `requests`, `sla`, `staff`, `analytics`, `tokens`,
//! `privacy`, `audit`, `versions`, `automation`)
//! adds methods to `Taka`. What several of them need (the request row and its query text,
//! the stored service-level clock, who is signed in and who is acting, service names,
//! notes to staff) lives in `shared`, which depends on none of them; no use-case module
//! imports another.
//! `rollup` is the analytics bookkeeping every change of a request writes.

pub mod analytics;
mod audit;
mod automation;
mod catalogue;
pub mod editor;
pub mod files;
mod institution;
pub mod languages;
pub mod limits;
pub mod open311;
pub mod partners;
mod privacy;
mod requesters;
mod requests;
pub mod rollup;
mod shared;
pub mod sla;
mod staff;
mod tokens;
mod versions;

pub use audit::AUDIT_PAGE;
pub use limits::{Limit, Limits};
pub use partners::{NewWebhook, PARTNER_KEY_PREFIX, Partner};
pub use requesters::{Proof, Requester, SignInStart, SignedIn};
pub use requests::{IdempotencyKey, NewRequest, Origin, location_from_form};
pub use shared::StaffContext;
pub use staff::{Client, NOTICE_SECONDS, NewUser, SESSION_SECONDS, hash_password};
pub use staff::{INVITE_SECONDS, LinkPurpose, RESET_SECONDS};
pub use tokens::{DEFAULT_TOKEN_DAYS, TOKEN_PREFIX, TokenScope};

use super::db::Db;
use crate::domain::Lang;
use chrono::{Datelike, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Europe::Riga;
use sha2::{Digest, Sha256};

/// The service layer: a database and a clock (cheap to clone).
#[derive(Clone, Debug)]
pub struct Taka {
    pub db: Db,
    clock: Clock,
    calendars: std::sync::Arc<sla::CalendarCache>,
    /// Woken when a message is written to the outbox, so the worker sends it at once.
    outbox: std::sync::Arc<tokio::sync::Notify>,
    /// The same for webhook deliveries (a `Notify` wakes one waiter).
    webhooks: std::sync::Arc<tokio::sync::Notify>,
    /// Where links in messages point (`PUBLIC_URL`).
    public_url: std::sync::Arc<str>,
    /// Keys code hashes and seals outbox bodies (`server::secret`).
    secret: std::sync::Arc<crate::server::secret::Secret>,
    /// Abuse limits and session lengths.
    policy: std::sync::Arc<Policy>,
    /// The OpenID Connect provider requesters sign in with, when one is set up.
    oidc: Option<std::sync::Arc<crate::server::oidc::Oidc>>,
}

/// How long sessions and idempotency records last and how much one client may do.
#[derive(Clone, Debug)]
pub struct Policy {
    /// A staff session ends after this long without a request (`TAKA_SESSION_IDLE_MINUTES`).
    pub session_idle_seconds: i64,
    pub limits: Limits,
    /// Cookies are `Secure` with the `__Host-` prefix (HTTPS); off only by the explicit
    /// development switch `TAKA_DEV_INSECURE_COOKIES` for plain-HTTP localhost.
    pub secure_cookies: bool,
    /// Sizes of files and the virus scanner.
    pub files: files::FilePolicy,
    /// Webhooks may go to plain HTTP and local addresses (`TAKA_WEBHOOKS_ALLOW_LOCAL`;
    /// development and tests only).
    pub webhooks_allow_local: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            session_idle_seconds: 30 * 60,
            limits: Limits::default(),
            secure_cookies: true,
            files: Default::default(),
            webhooks_allow_local: false,
        }
    }
}

/// Links in messages point here unless `PUBLIC_URL` says otherwise.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:3000";

/// Where "now" comes from: the system, or a settable instant (demo data, tests).
#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    Manual(std::sync::Arc<std::sync::atomic::AtomicI64>),
}

impl Clock {
    pub fn manual(at: i64) -> Clock {
        Clock::Manual(std::sync::Arc::new(std::sync::atomic::AtomicI64::new(at)))
    }
    pub fn now(&self) -> i64 {
        match self {
            Clock::System => now(),
            Clock::Manual(t) => t.load(std::sync::atomic::Ordering::Relaxed),
        }
    }
    /// Move a manual clock to `at` (no effect on the system clock).
    pub fn set(&self, at: i64) {
        if let Clock::Manual(t) = self {
            t.store(at, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

impl Taka {
    pub fn new(db: Db) -> Self {
        Self::with_clock(db, Clock::System)
    }
    pub fn with_clock(db: Db, clock: Clock) -> Self {
        Taka {
            db,
            clock,
            calendars: Default::default(),
            outbox: Default::default(),
            webhooks: Default::default(),
            public_url: DEFAULT_PUBLIC_URL.into(),
            secret: std::sync::Arc::new(crate::server::secret::Secret::random()),
            policy: Default::default(),
            oidc: None,
        }
    }
    /// The same service layer (database, secret, policy) with another clock.
    pub fn clone_with_clock(&self, clock: Clock) -> Self {
        Taka {
            clock,
            ..self.clone()
        }
    }
    /// The same service layer keyed with `secret` (every server of one database needs the same).
    pub fn with_secret(mut self, secret: crate::server::secret::Secret) -> Self {
        self.secret = std::sync::Arc::new(secret);
        self
    }
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = std::sync::Arc::new(policy);
        self
    }
    /// Requesters sign in with this provider.
    pub fn with_oidc(mut self, oidc: crate::server::oidc::Oidc) -> Self {
        self.oidc = Some(std::sync::Arc::new(oidc));
        self
    }
    pub fn oidc(&self) -> Option<&crate::server::oidc::Oidc> {
        self.oidc.as_deref()
    }
    pub fn secret(&self) -> &crate::server::secret::Secret {
        &self.secret
    }
    pub fn policy(&self) -> &Policy {
        &self.policy
    }
    /// The stored form of a tracking code: keyed with the server secret, so a copy of the
    /// database does not let anyone try all 31^10 codes.
    pub fn code_hash(&self, code: &str) -> String {
        format!(
            "h1:{}",
            self.secret.mac(
                "tracking-code",
                crate::domain::normalise_tracking_code(code).as_bytes()
            )
        )
    }
    /// Whether `code` is the one stored as `stored` (keyed, or the unkeyed SHA-256 of rows
    /// written before codes were keyed).
    pub fn code_matches(&self, stored: &str, code: &str) -> bool {
        if stored.starts_with("h1:") {
            constant_time_eq(stored, &self.code_hash(code))
        } else {
            constant_time_eq(
                stored,
                &sha256_hex(&crate::domain::normalise_tracking_code(code)),
            )
        }
    }
    /// The same service layer with links in messages pointing at `url`.
    pub fn with_public_url(mut self, url: &str) -> Self {
        self.public_url = url.trim_end_matches('/').into();
        self
    }
    pub fn now(&self) -> i64 {
        self.clock.now()
    }
    pub fn clock(&self) -> &Clock {
        &self.clock
    }
    pub fn public_url(&self) -> &str {
        &self.public_url
    }
    /// Tell the outbox worker there is something to send.
    pub fn wake_outbox(&self) {
        self.outbox.notify_one();
        self.webhooks.notify_one();
    }
    pub fn webhook_signal(&self) -> &tokio::sync::Notify {
        &self.webhooks
    }
    pub fn outbox_signal(&self) -> &tokio::sync::Notify {
        &self.outbox
    }
}

/// Latvia's calendar computed for the years around now: the fallback when the database
/// has none (institutions' calendars are data, see `sla/calendars.rs`).
pub fn calendar() -> &'static crate::domain::calendar::Calendar {
    static CALENDAR: std::sync::OnceLock<crate::domain::calendar::Calendar> =
        std::sync::OnceLock::new();
    CALENDAR.get_or_init(|| {
        let year = Utc::now().year();
        crate::domain::calendar::Calendar::latvia(year - 5..=year + 5)
    })
}

/// Now, as Unix seconds.
pub fn now() -> i64 {
    Utc::now().timestamp()
}

/// The institutions' time zone (per-institution calendars come with service levels).
pub fn local_date(ts: i64) -> NaiveDate {
    Riga.timestamp_opt(ts, 0)
        .single()
        .map(|d| d.date_naive())
        .unwrap_or_else(|| Utc::now().date_naive())
}

/// Local midnight starting `day`, as Unix seconds.
pub fn day_start(day: NaiveDate) -> i64 {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    Riga.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.timestamp())
        .unwrap_or_else(|| midnight.and_utc().timestamp())
}

/// `YYYY-MM-DD` of a timestamp in local time.
pub fn local_date_string(ts: i64) -> String {
    local_date(ts).format("%Y-%m-%d").to_string()
}

/// `YYYY-MM-DD HH:MM` of a timestamp in local time.
pub fn local_time_string(ts: i64) -> String {
    Riga.timestamp_opt(ts, 0)
        .single()
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// A timestamp's local date and time as `lang` writes them (`28.11.2026. 14:05`).
pub fn local_time_text(lang: Lang, ts: i64) -> String {
    Riga.timestamp_opt(ts, 0)
        .single()
        .map(|d| {
            crate::i18n_text::date_time(
                crate::i18n_text::locale(lang),
                crate::i18n_text::DateParts {
                    year: d.year(),
                    month: d.month(),
                    day: d.day(),
                    time: Some((d.hour(), d.minute())),
                },
            )
        })
        .unwrap_or_default()
}

/// An instant as RFC 3339 (UTC), for the API and `<time datetime>`.
pub fn rfc3339(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.to_rfc3339())
        .unwrap_or_default()
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Compare two secrets' hashes without leaking where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A fresh random tracking code.
pub fn new_tracking_code() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; crate::domain::TRACKING_CODE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    crate::domain::tracking_code_from(&bytes)
}

/// A fresh random session or API token (256 bits, hex).
pub fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_days_follow_riga() {
        // 2026-11-26 22:30 UTC is already the 27th in Riga (UTC+2 in winter).
        let ts = Utc
            .with_ymd_and_hms(2026, 11, 26, 22, 30, 0)
            .unwrap()
            .timestamp();
        assert_eq!(local_date_string(ts), "2026-11-27");
        let summer = Utc
            .with_ymd_and_hms(2026, 7, 1, 21, 30, 0)
            .unwrap()
            .timestamp();
        assert_eq!(
            local_time_string(summer),
            "2026-07-02 00:30",
            "UTC+3 in summer"
        );
    }

    #[test]
    fn secrets_compare() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
        assert_ne!(new_token(), new_token());
        assert_eq!(new_tracking_code().len(), 11);
    }
}
