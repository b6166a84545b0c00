//! Personal API tokens: a staff member (or an administrator, with `taka create-token`)
//! creates one, sees it once, and can list and revoke their tokens. Stored as SHA-256
//! hashes; a token acts with its owner's role and scope.

use super::{StaffContext, Taka, new_token, sha256_hex};
use crate::domain::{FieldError, FieldErrors, Lang};
use crate::error::AppError;
use crate::model::ApiToken;
use crate::server::error::ServiceResult;

/// Tokens start with this, so they are recognisable in logs and secret scanners.
pub const TOKEN_PREFIX: &str = "taka_";
/// A person may hold this many live tokens.
pub const MAX_TOKENS_PER_USER: i64 = 20;
/// A token lasts this many days unless its maker chooses fewer (at least 1).
pub const DEFAULT_TOKEN_DAYS: i64 = 90;
pub const MAX_TOKEN_DAYS: i64 = 365;

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenScope {
    /// Whatever its owner may do.
    Full,
    /// Only read analytics (summaries, breakdowns, CSV).
    Analytics,
}

impl TokenScope {
    pub fn parse(s: &str) -> Option<TokenScope> {
        match s {
            "full" => Some(TokenScope::Full),
            "analytics" => Some(TokenScope::Analytics),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Full => "full",
            TokenScope::Analytics => "analytics",
        }
    }
}

impl Taka {
    /// Create a token for user `user_id` named `name`, valid for `days` (1-365) with
    /// `scope`; returns it (shown once).
    pub async fn create_token_for(
        &self,
        user_id: i64,
        name: &str,
        days: i64,
        scope: TokenScope,
    ) -> ServiceResult<String> {
        let name = name.trim();
        let mut errors = FieldErrors::new();
        if !(1..=MAX_TOKEN_DAYS).contains(&days) {
            errors.insert(
                "days".into(),
                FieldError::OutOfRange {
                    min: Some(1),
                    max: Some(MAX_TOKEN_DAYS),
                },
            );
        }
        if name.is_empty() {
            errors.insert("name".into(), FieldError::Required);
        } else if name.chars().count() > 100 {
            errors.insert("name".into(), FieldError::TooLong { max: 100 });
        }
        let (live,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.db.read)
        .await?;
        if live >= MAX_TOKENS_PER_USER {
            errors.insert(
                "name".into(),
                FieldError::OutOfRange {
                    min: None,
                    max: Some(MAX_TOKENS_PER_USER),
                },
            );
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors).into());
        }
        let token = format!("{TOKEN_PREFIX}{}", new_token());
        sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at, scope)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(user_id)
        .bind(name)
        .bind(sha256_hex(&token))
        .bind(self.now())
        .bind(self.now() + days * 86_400)
        .bind(scope.as_str())
        .execute(&self.db.write)
        .await?;
        Ok(token)
    }

    /// `taka create-token USER`: a token for an active user, by user name.
    pub async fn create_token(
        &self,
        username: &str,
        name: &str,
        days: i64,
        scope: TokenScope,
    ) -> ServiceResult<String> {
        let user: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM users WHERE username = $1 AND active = 1")
                .bind(username.trim())
                .fetch_optional(&self.db.read)
                .await?;
        let (id,) = user.ok_or(AppError::NotFound)?;
        self.create_token_for(id, name, days, scope).await
    }

    /// The signed-in user's tokens (never the secret itself).
    pub async fn list_tokens(&self, ctx: &StaffContext) -> ServiceResult<Vec<ApiToken>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            name: String,
            created_at: i64,
            last_used_at: Option<i64>,
            revoked_at: Option<i64>,
            expires_at: Option<i64>,
            scope: String,
        }
        let now = self.now();
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, name, created_at, last_used_at, revoked_at, expires_at, scope FROM api_tokens
             WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(ctx.user.id)
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| ApiToken {
                id: r.id,
                name: r.name,
                created_text: super::local_time_text(ctx.lang, r.created_at),
                last_used_text: r.last_used_at.map(|t| super::local_time_text(ctx.lang, t)),
                revoked: r.revoked_at.is_some(),
                expires_text: r.expires_at.map(super::local_date_string),
                expired: r.expires_at.is_some_and(|e| e <= now),
                analytics_only: r.scope == TokenScope::Analytics.as_str(),
            })
            .collect())
    }

    /// Revoke one of the signed-in user's tokens (someone else's is "not found").
    pub async fn revoke_token(&self, ctx: &StaffContext, id: i64) -> ServiceResult<()> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(self.now())
        .bind(id)
        .bind(ctx.user.id)
        .execute(&self.db.write)
        .await?;
        if done.rows_affected() != 1 {
            return Err(AppError::NotFound.into());
        }
        Ok(())
    }

    /// The staff context behind a bearer token, if it is live and its owner active.
    pub async fn staff_for_token(
        &self,
        token: &str,
        lang: Lang,
    ) -> ServiceResult<Option<StaffContext>> {
        let token = token.trim();
        if !token.starts_with(TOKEN_PREFIX) || token.len() != TOKEN_PREFIX.len() + 64 {
            return Ok(None);
        }
        let hash = sha256_hex(token);
        let now = self.now();
        let row: Option<(i64, i64, String)> = sqlx::query_as(
            "SELECT t.id, t.user_id, t.scope FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active = 1
               AND (t.expires_at IS NULL OR t.expires_at > $2)",
        )
        .bind(&hash)
        .bind(now)
        .fetch_optional(&self.db.read)
        .await?;
        let Some((id, user_id, scope)) = row else {
            return Ok(None);
        };
        // Record use at most once a minute per token (no write on every call).
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(now)
        .bind(id)
        .bind(now - 60)
        .execute(&self.db.write)
        .await?;
        let ctx = self.staff_context_for_user(user_id, lang).await?;
        Ok(ctx.map(|mut c| {
            c.analytics_only = TokenScope::parse(&scope) != Some(TokenScope::Full);
            c
        }))
    }
}
