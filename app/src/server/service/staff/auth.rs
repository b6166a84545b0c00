//! Passwords, signing in and out, and the staff context behind a session or token.

use crate::domain::{Lang, Role};
use crate::error::AppError;
use crate::model::SessionUser;
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::service::StaffContext;
use crate::server::service::{Taka, new_token, sha256_hex};

/// How long a staff session lasts without signing in again.
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// Failed sign-ins allowed per user name within `SIGN_IN_WINDOW_SECONDS`; past that the
/// password is not even checked until the window has moved on.
pub const SIGN_IN_MAX_FAILURES: i64 = 10;
pub const SIGN_IN_WINDOW_SECONDS: i64 = 15 * 60;

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

const USER_SELECT: &str = "
    SELECT u.id, u.username, u.display_name, u.password_hash, u.role, u.institution_id,
           i.code AS inst_code, COALESCE(it.name, il.name) AS inst_name
    FROM users u JOIN institutions i ON i.id = u.institution_id
    JOIN institution_texts il ON il.institution_id = i.id AND il.lang = 'lv'
    LEFT JOIN institution_texts it ON it.institution_id = i.id AND it.lang = $2";

/// Hash a password with Argon2id, off the async runtime.
pub async fn hash_password(password: String) -> ServiceResult<String> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
        let salt = SaltString::generate(&mut OsRng);
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ServiceError::Internal(format!("hashing: {e}")))
    })
    .await
    .map_err(|e| ServiceError::Internal(e.to_string()))?
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
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
    .unwrap_or(false)
}

/// A valid hash of a random password: verifying against it costs as much as a real check,
/// so a missing user name takes as long to refuse as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2xWk0Dr1Hn4y4dWxSkaT6lJsb3Hj2gQ2y0qXQ2W8c4k";

impl Taka {
    /// Check a user name and password; on success open a session and return its token.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
    ) -> ServiceResult<(String, SessionUser)> {
        let username = username.trim();
        let at = self.now();
        let (failures,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM sign_in_failures WHERE username = $1 AND at > $2")
                .bind(username)
                .bind(at - SIGN_IN_WINDOW_SECONDS)
                .fetch_one(&self.db.read)
                .await?;
        if failures >= SIGN_IN_MAX_FAILURES {
            return Err(AppError::TooManyAttempts.into());
        }
        let sql = format!("{USER_SELECT} WHERE u.username = $1 AND u.active = 1");
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(username)
            .bind(Lang::Lv.code())
            .fetch_optional(&self.db.read)
            .await?;
        let hash = row
            .as_ref()
            .map(|r| r.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.to_string());
        let ok = verify_password(password.to_string(), hash).await;
        let Some(row) = row.filter(|_| ok) else {
            sqlx::query("INSERT INTO sign_in_failures (username, at) VALUES ($1, $2)")
                .bind(username)
                .bind(at)
                .execute(&self.db.write)
                .await?;
            return Err(AppError::BadCredentials.into());
        };
        let token = new_token();
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(at)
            .execute(&self.db.write)
            .await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE username = $1 OR at < $2")
            .bind(username)
            .bind(at - SIGN_IN_WINDOW_SECONDS)
            .execute(&self.db.write)
            .await?;
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(sha256_hex(&token))
            .bind(row.id)
            .bind(at)
            .bind(at + SESSION_SECONDS)
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

    /// The staff context behind a session token, if the session is valid.
    pub async fn staff_for_session(
        &self,
        token: &str,
        lang: Lang,
    ) -> ServiceResult<Option<StaffContext>> {
        if token.len() != 64 {
            return Ok(None);
        }
        let sql = format!(
            "{USER_SELECT} JOIN sessions se ON se.user_id = u.id
             WHERE se.token_hash = $1 AND se.expires_at > $3 AND u.active = 1"
        );
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(sha256_hex(token))
            .bind(lang.code())
            .bind(self.now())
            .fetch_optional(&self.db.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        self.context_from_row(row).await.map(Some)
    }

    /// The staff context of an active user (for API tokens).
    pub(crate) async fn staff_context_for_user(
        &self,
        user_id: i64,
        lang: Lang,
    ) -> ServiceResult<Option<StaffContext>> {
        let sql = format!("{USER_SELECT} WHERE u.id = $1 AND u.active = 1");
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(user_id)
            .bind(lang.code())
            .fetch_optional(&self.db.read)
            .await?;
        match row {
            Some(row) => self.context_from_row(row).await.map(Some),
            None => Ok(None),
        }
    }

    async fn context_from_row(&self, row: UserRow) -> ServiceResult<StaffContext> {
        let service_ids: Vec<(i64,)> =
            sqlx::query_as("SELECT service_id FROM user_services WHERE user_id = $1")
                .bind(row.id)
                .fetch_all(&self.db.read)
                .await?;
        Ok(StaffContext {
            institution_id: row.institution_id,
            service_ids: service_ids.into_iter().map(|(id,)| id).collect(),
            user: session_user(&row),
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
