//! Creating staff accounts: `taka create-user` and demo data (with a password), and
//! invitations from the browser (`admin.rs`, without one). Both validate and insert here.

use super::NewUser;
use super::auth::{MAX_USERNAME_CHARS, hash_password};
use crate::domain::{FieldError, FieldErrors, Role};
use crate::error::AppError;
use crate::server::error::ServiceResult;
use crate::server::service::Taka;
use crate::server::service::shared::{AuditEntry, record_audit};

/// The password hash of an invited account that has not set a password: not a hash at
/// all, so no password ever matches it.
pub(super) const NO_PASSWORD: &str = "!invited";

/// A new account's details as given.
pub(super) struct AccountInput<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub role: Option<Role>,
    pub service_codes: &'a [String],
}

/// A new account's details, checked.
pub(super) struct AccountDraft {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub institution_id: i64,
    pub service_ids: Vec<i64>,
}

impl Taka {
    /// Check a new account's details within `institution_id`; errors by form field
    /// (`username`, `display_name`, `email`, `role`, `services`).
    pub(super) async fn check_account(
        &self,
        input: AccountInput<'_>,
        institution_id: i64,
        errors: &mut FieldErrors,
    ) -> ServiceResult<Option<AccountDraft>> {
        let AccountInput {
            username,
            display_name,
            email,
            role,
            service_codes,
        } = input;
        let username = username.trim().to_string();
        if username.is_empty() || username.chars().any(char::is_whitespace) {
            errors.insert("username".into(), FieldError::Required);
        } else if username.chars().count() > MAX_USERNAME_CHARS.min(64) {
            errors.insert("username".into(), FieldError::TooLong { max: 64 });
        }
        let display_name = display_name.trim().to_string();
        if display_name.is_empty() {
            errors.insert("display_name".into(), FieldError::Required);
        } else if display_name.chars().count() > 200 {
            errors.insert("display_name".into(), FieldError::TooLong { max: 200 });
        }
        let email = match email.map(str::trim).filter(|e| !e.is_empty()) {
            None => None,
            Some(e) if crate::domain::fields::is_email(e) && e.chars().count() <= 254 => {
                Some(e.to_string())
            }
            Some(_) => {
                errors.insert("email".into(), FieldError::InvalidEmail);
                None
            }
        };
        let service_ids = self
            .service_ids_in(institution_id, service_codes, errors)
            .await?;
        let Some(role) = role else {
            errors.insert("role".into(), FieldError::InvalidChoice);
            return Ok(None);
        };
        if role.scoped_to_services() && service_ids.is_empty() && !errors.contains_key("services") {
            errors.insert("services".into(), FieldError::Required);
        }
        Ok(errors.is_empty().then_some(AccountDraft {
            username,
            display_name,
            email,
            role,
            institution_id,
            service_ids: if role.scoped_to_services() {
                service_ids
            } else {
                Vec::new()
            },
        }))
    }

    /// The ids of the services with `codes` in `institution_id`; an unknown one is a
    /// `services` field error.
    pub(super) async fn service_ids_in(
        &self,
        institution_id: i64,
        codes: &[String],
        errors: &mut FieldErrors,
    ) -> ServiceResult<Vec<i64>> {
        let mut ids = Vec::new();
        for code in codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            let found: Option<(i64,)> =
                sqlx::query_as("SELECT id FROM services WHERE code = $1 AND institution_id = $2")
                    .bind(code)
                    .bind(institution_id)
                    .fetch_optional(&self.db.read)
                    .await?;
            match found {
                Some((id,)) if !ids.contains(&id) => ids.push(id),
                Some(_) => {}
                None => {
                    errors.insert("services".into(), FieldError::InvalidChoice);
                }
            }
        }
        Ok(ids)
    }

    /// Insert a checked account within `tx`; a user name in use is a `username` error.
    pub(super) async fn insert_account(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        draft: &AccountDraft,
        password_hash: &str,
    ) -> ServiceResult<i64> {
        let inserted: Result<(i64,), sqlx::Error> = sqlx::query_as(
            "INSERT INTO users (username, display_name, email, password_hash, role, institution_id, active, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7) RETURNING id",
        )
        .bind(&draft.username)
        .bind(&draft.display_name)
        .bind(&draft.email)
        .bind(password_hash)
        .bind(draft.role.as_str())
        .bind(draft.institution_id)
        .bind(self.now())
        .fetch_one(&mut **tx)
        .await;
        let (id,) = match inserted {
            Ok(v) => v,
            Err(e) if crate::server::db::is_unique_violation(&e) => {
                let mut errors = FieldErrors::new();
                errors.insert("username".into(), FieldError::Taken);
                return Err(AppError::Invalid(errors).into());
            }
            Err(e) => return Err(e.into()),
        };
        for sid in &draft.service_ids {
            sqlx::query("INSERT INTO user_services (user_id, service_id) VALUES ($1, $2)")
                .bind(id)
                .bind(sid)
                .execute(&mut **tx)
                .await?;
        }
        Ok(id)
    }

    /// Create a staff account with a password (`taka create-user`, demo data); recorded in
    /// the audit log as made from the command line. Providers and owners need at least one
    /// service of their institution.
    pub async fn create_user(&self, new: NewUser) -> ServiceResult<i64> {
        let mut errors = FieldErrors::new();
        if let Err(e) = super::auth::check_new_password(&new.password) {
            errors.insert("password".into(), e);
        }
        let inst: Option<(i64,)> = sqlx::query_as("SELECT id FROM institutions WHERE code = $1")
            .bind(&new.institution_code)
            .fetch_optional(&self.db.read)
            .await?;
        let Some((institution_id,)) = inst else {
            errors.insert("institution".into(), FieldError::InvalidChoice);
            return Err(AppError::Invalid(errors).into());
        };
        let draft = self
            .check_account(
                AccountInput {
                    username: &new.username,
                    display_name: if new.display_name.trim().is_empty() {
                        &new.username
                    } else {
                        &new.display_name
                    },
                    email: new.email.as_deref(),
                    role: Some(new.role),
                    service_codes: &new.service_codes,
                },
                institution_id,
                &mut errors,
            )
            .await?;
        let Some(draft) = draft.filter(|_| errors.is_empty()) else {
            return Err(AppError::Invalid(errors).into());
        };
        let hash = hash_password(new.password.clone()).await?;
        let mut tx = self.db.write.begin().await?;
        let id = self.insert_account(&mut tx, &draft, &hash).await?;
        record_audit(
            &mut tx,
            self.now(),
            AuditEntry {
                actor: None,
                actor_kind: "cli",
                institution_id: Some(institution_id),
                entity: "user",
                entity_key: draft.username.clone(),
                action: "created",
                before: None,
                after: Some(account_json(&draft, &new.service_codes)),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}

/// What the audit log keeps of an account (never a password or its hash).
pub(super) fn account_json(d: &AccountDraft, service_codes: &[String]) -> serde_json::Value {
    serde_json::json!({
        "username": d.username,
        "display_name": d.display_name,
        "email": d.email,
        "role": d.role.as_str(),
        "services": if d.role.scoped_to_services() { service_codes.to_vec() } else { Vec::new() },
    })
}
