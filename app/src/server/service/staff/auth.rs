//! Passwords, signing in and out, and the staff context behind a session or token.

use crate::domain::{FieldError, FieldErrors, Lang, Role};
use crate::error::AppError;
use crate::model::{ProfileNotice, SessionUser, StaffSession};
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::service::Limit;
use crate::server::service::StaffContext;
use crate::server::service::{Taka, new_token, sha256_hex};

/// How long a staff session lasts at most, however active (the idle limit is in `Policy`).
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// Longer user names are refused before anything is looked up, counted or stored.
/// How long a profile notice (a new token) may wait to be shown.
pub const NOTICE_SECONDS: i64 = 120;

#[derive(serde::Serialize, serde::Deserialize)]
struct SealedNotice {
    user: i64,
    at: i64,
    notice: ProfileNotice,
}

pub const MAX_USERNAME_CHARS: usize = 100;
/// Longer passwords are refused before hashing (Argon2 hashes any length; this bounds work).
pub const MAX_PASSWORD_CHARS: usize = 1000;

/// Who is on the other end of a request: the client address (after a trusted proxy's
/// `X-Forwarded-For`) and the browser's own name for itself, for abuse limits and for the
/// list of a staff member's sessions.
#[derive(Clone, Debug)]
pub struct Client {
    pub ip: std::net::IpAddr,
    pub user_agent: String,
}

impl Client {
    /// A client with no address (command line, demo data, tests of the service layer).
    pub fn local() -> Client {
        Client {
            ip: std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            user_agent: String::new(),
        }
    }
}

/// At most this many password hashes run at once in one process (each takes ~19 MiB and a
/// core for ~50 ms); others wait up to `HASH_WAIT`, then are told to try again.
fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        tokio::sync::Semaphore::new(cores.max(2))
    })
}
const HASH_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

async fn hashing<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> ServiceResult<T> {
    let _slot = tokio::time::timeout(HASH_WAIT, hashing_slots().acquire())
        .await
        .map_err(|_| ServiceError::App(AppError::TooManyAttempts(5)))?
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    password_hash: String,
    role: String,
    institution_id: i64,
    inst_code: String,
    inst_name: String,
}

const USER_COLUMNS: &str = "
    u.id, u.username, u.display_name, u.password_hash, u.role, u.institution_id,
    i.code AS inst_code, COALESCE(it.name, il.name) AS inst_name";
const USER_FROM: &str = "
    FROM users u JOIN institutions i ON i.id = u.institution_id
    JOIN institution_texts il ON il.institution_id = i.id AND il.lang = 'lv'
    LEFT JOIN institution_texts it ON it.institution_id = i.id AND it.lang = $2";

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: UserRow,
    session_id: i64,
    last_seen_at: i64,
}

/// Hash a password with Argon2id, off the async runtime and within the hashing cap.
pub async fn hash_password(password: String) -> ServiceResult<String> {
    hashing(move || {
        use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
        let salt = SaltString::generate(&mut OsRng);
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ServiceError::Internal(format!("hashing: {e}")))
    })
    .await?
}

async fn verify_password(password: String, hash: String) -> ServiceResult<bool> {
    hashing(move || {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        PasswordHash::new(&hash)
            .map(|h| {
                argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
}

/// A valid hash of a random password: verifying against it costs as much as a real check,
/// so a missing user name takes as long to refuse as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2xWk0Dr1Hn4y4dWxSkaT6lJsb3Hj2gQ2y0qXQ2W8c4k";

impl Taka {
    /// Check a user name and password; on success open a session and return its token.
    ///
    /// Limits, counted before the password is checked (so parallel guesses are counted
    /// too): attempts per client address, and failures per client address and user name
    /// (cleared by a success). Nobody elsewhere can lock a colleague out.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        client: &Client,
    ) -> ServiceResult<(String, SessionUser)> {
        let username = username.trim();
        if username.is_empty()
            || username.chars().count() > MAX_USERNAME_CHARS
            || password.chars().count() > MAX_PASSWORD_CHARS
        {
            return Err(AppError::BadCredentials.into());
        }
        let ip = client.ip.to_string();
        let failures_key = format!("{ip} {}", username.to_lowercase());
        self.hit_client(Limit::SignInClient, client.ip).await?;
        self.hit(Limit::SignInFailures, &failures_key).await?;
        let at = self.now();
        let sql =
            format!("SELECT {USER_COLUMNS} {USER_FROM} WHERE u.username = $1 AND u.active = 1");
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(username)
            .bind(Lang::Lv.code())
            .fetch_optional(&self.db.read)
            .await?;
        let hash = row
            .as_ref()
            .map(|r| r.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.to_string());
        let ok = verify_password(password.to_string(), hash).await?;
        let Some(row) = row.filter(|_| ok) else {
            return Err(AppError::BadCredentials.into());
        };
        self.clear_limit(Limit::SignInFailures, &failures_key)
            .await?;
        let token = new_token();
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1 OR last_seen_at < $2")
            .bind(at)
            .bind(at - self.policy().session_idle_seconds)
            .execute(&self.db.write)
            .await?;
        let user_agent: String = client.user_agent.chars().take(200).collect();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, id, last_seen_at, user_agent, client_ip)
             VALUES ($1, $2, $3, $4, $5, $3, $6, $7)",
        )
        .bind(sha256_hex(&token))
        .bind(row.id)
        .bind(at)
        .bind(at + SESSION_SECONDS)
        .bind(new_session_id())
        .bind(user_agent)
        .bind(ip)
        .execute(&self.db.write)
        .await?;
        let user = session_user(&row);
        Ok((token, user))
    }

    pub async fn sign_out(&self, token: &str) -> ServiceResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(sha256_hex(token))
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    /// The signed-in staff member's live sessions, newest activity first.
    pub async fn list_sessions(&self, ctx: &StaffContext) -> ServiceResult<Vec<StaffSession>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            created_at: i64,
            last_seen_at: i64,
            user_agent: String,
            client_ip: String,
        }
        let at = self.now();
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, created_at, last_seen_at, user_agent, client_ip FROM sessions
             WHERE user_id = $1 AND expires_at > $2 AND last_seen_at > $3
             ORDER BY last_seen_at DESC, id",
        )
        .bind(ctx.user.id)
        .bind(at)
        .bind(at - self.policy().session_idle_seconds)
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| StaffSession {
                id: r.id,
                current: ctx.session_id == Some(r.id),
                started: super::super::local_time_text(ctx.lang, r.created_at),
                last_seen: super::super::local_time_text(ctx.lang, r.last_seen_at),
                browser: crate::domain::user_agent::describe(&r.user_agent),
                address: r.client_ip,
            })
            .collect())
    }

    /// End one of the signed-in staff member's sessions (another's is "not found").
    pub async fn end_session(&self, ctx: &StaffContext, id: i64) -> ServiceResult<()> {
        let r = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(ctx.user.id)
            .execute(&self.db.write)
            .await?;
        if r.rows_affected() == 0 {
            return Err(AppError::NotFound.into());
        }
        Ok(())
    }

    /// End every session of user `user_id` except `keep` (password change, deactivation).
    pub async fn end_other_sessions(&self, user_id: i64, keep: Option<i64>) -> ServiceResult<u64> {
        let r = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR id <> $2)")
            .bind(user_id)
            .bind(keep)
            .execute(&self.db.write)
            .await?;
        Ok(r.rows_affected())
    }

    /// Change the signed-in staff member's password: the current one must be right; every
    /// other session of theirs ends.
    pub async fn change_password(
        &self,
        ctx: &StaffContext,
        current: &str,
        new: &str,
    ) -> ServiceResult<()> {
        let (hash,): (String,) =
            sqlx::query_as("SELECT password_hash FROM users WHERE id = $1 AND active = 1")
                .bind(ctx.user.id)
                .fetch_one(&self.db.read)
                .await?;
        let mut errors = FieldErrors::new();
        if current.chars().count() > MAX_PASSWORD_CHARS
            || !verify_password(current.to_string(), hash).await?
        {
            errors.insert("current".into(), FieldError::WrongPassword);
        }
        if let Err(e) = check_new_password(new) {
            errors.insert("new".into(), e);
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors).into());
        }
        let hash = hash_password(new.to_string()).await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(ctx.user.id)
            .execute(&self.db.write)
            .await?;
        self.end_other_sessions(ctx.user.id, ctx.session_id).await?;
        Ok(())
    }

    /// A profile notice for `user_id`, sealed for the one-time notice cookie.
    pub fn seal_profile_notice(&self, user_id: i64, notice: &ProfileNotice) -> String {
        let sealed = SealedNotice {
            user: user_id,
            at: self.now(),
            notice: notice.clone(),
        };
        serde_json::to_string(&sealed)
            .map(|json| self.secret.seal(&json))
            .unwrap_or_default()
    }

    /// The notice in `sealed` if it was sealed by this server for this staff member in the
    /// last two minutes; anything else (forged, stale, someone else's) is nothing.
    pub fn open_profile_notice(&self, user_id: i64, sealed: &str) -> Option<ProfileNotice> {
        if !sealed.starts_with("sealed1:") {
            return None;
        }
        let n: SealedNotice = serde_json::from_str(&self.secret.open(sealed)?).ok()?;
        (n.user == user_id && (0..=NOTICE_SECONDS).contains(&(self.now() - n.at)))
            .then_some(n.notice)
    }

    /// Deactivate a staff account: it can no longer sign in, and its sessions and API
    /// tokens end at once.
    pub async fn deactivate_user(&self, user_id: i64) -> ServiceResult<()> {
        let mut tx = self.db.write.begin().await?;
        self.deactivate_in(&mut tx, user_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// `deactivate_user` within `tx`.
    pub(super) async fn deactivate_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        user_id: i64,
    ) -> ServiceResult<()> {
        sqlx::query("UPDATE users SET active = 0 WHERE id = $1")
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(self.now())
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The staff context behind a session token, if the session is valid: not past its
    /// absolute end, and used within the idle limit. Using it moves the idle limit on
    /// (written at most once a minute per session).
    pub async fn staff_for_session(
        &self,
        token: &str,
        lang: Lang,
    ) -> ServiceResult<Option<StaffContext>> {
        if token.len() != 64 {
            return Ok(None);
        }
        let at = self.now();
        let sql = format!(
            "SELECT {USER_COLUMNS}, se.id AS session_id, se.last_seen_at {USER_FROM}
             JOIN sessions se ON se.user_id = u.id
             WHERE se.token_hash = $1 AND se.expires_at > $3 AND se.last_seen_at > $4 AND u.active = 1"
        );
        let row: Option<SessionRow> = sqlx::query_as(&sql)
            .bind(sha256_hex(token))
            .bind(lang.code())
            .bind(at)
            .bind(at - self.policy().session_idle_seconds)
            .fetch_optional(&self.db.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        // Reads far outnumber minutes: the write happens only when the mark is stale.
        if row.last_seen_at < at - 60 {
            sqlx::query(
                "UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1",
            )
            .bind(at)
            .bind(row.session_id)
            .execute(&self.db.write)
            .await?;
        }
        let mut ctx = self.context_from_row(row.user, lang).await?;
        ctx.session_id = Some(row.session_id);
        Ok(Some(ctx))
    }

    /// The staff context of an active user (for API tokens).
    pub(crate) async fn staff_context_for_user(
        &self,
        user_id: i64,
        lang: Lang,
    ) -> ServiceResult<Option<StaffContext>> {
        let sql = format!("SELECT {USER_COLUMNS} {USER_FROM} WHERE u.id = $1 AND u.active = 1");
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(user_id)
            .bind(lang.code())
            .fetch_optional(&self.db.read)
            .await?;
        match row {
            Some(row) => self.context_from_row(row, lang).await.map(Some),
            None => Ok(None),
        }
    }

    async fn context_from_row(&self, row: UserRow, lang: Lang) -> ServiceResult<StaffContext> {
        let service_ids: Vec<(i64,)> =
            sqlx::query_as("SELECT service_id FROM user_services WHERE user_id = $1")
                .bind(row.id)
                .fetch_all(&self.db.read)
                .await?;
        Ok(StaffContext {
            institution_id: row.institution_id,
            service_ids: service_ids.into_iter().map(|(id,)| id).collect(),
            user: session_user(&row),
            session_id: None,
            analytics_only: false,
            lang,
        })
    }
}

fn session_user(row: &UserRow) -> SessionUser {
    SessionUser {
        id: row.id,
        username: row.username.clone(),
        display_name: row.display_name.clone(),
        role: Role::parse(&row.role).unwrap_or(Role::Provider),
        institution_code: row.inst_code.clone(),
        institution_name: row.inst_name.clone(),
    }
}

/// A session id for the list of sessions (random, so ids say nothing about other people's).
fn new_session_id() -> i64 {
    (rand::random::<u64>() >> 12) as i64
}

/// Words that never make a good password, whatever their length (the most common ones
/// in breach lists, Latvian and English, and the product's own name).
const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "12345678910",
    "123456789012",
    "0123456789",
    "1111111111",
    "0000000000",
    "1234512345",
    "qwertyuiop",
    "qwertyuiop1",
    "asdfghjkl1",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "password12",
    "password123",
    "password1234",
    "passw0rd123",
    "iloveyou12",
    "letmein123",
    "welcome123",
    "administrator",
    "parole1234",
    "parole12345",
    "parole123456",
    "parolepass",
    "latvija123",
    "latvija2026",
    "riga123456",
    "sveiki1234",
    "taka123456",
    "taka2026!!",
    "changeme123",
    "football123",
    "baseball123",
    "superman123",
    "trustno1234",
];

/// A new password: at least 12 characters, not one of the common ones, not one character
/// repeated.
pub fn check_new_password(p: &str) -> Result<(), FieldError> {
    let n = p.chars().count();
    if n < 12 {
        return Err(FieldError::TooShort { min: 12 });
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(FieldError::TooLong {
            max: MAX_PASSWORD_CHARS,
        });
    }
    let lower = p.to_lowercase();
    let first = lower.chars().next();
    if COMMON_PASSWORDS.contains(&lower.as_str()) || lower.chars().all(|c| Some(c) == first) {
        return Err(FieldError::CommonPassword);
    }
    Ok(())
}
