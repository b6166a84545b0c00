//! Creating staff accounts (`taka create-user`, demo data).

use super::NewUser;
use super::auth::hash_password;
use crate::error::AppError;
use crate::server::error::ServiceResult;
use crate::server::service::Taka;

impl Taka {
    /// Create a staff account. Providers and owners need at least one service of their institution.
    pub async fn create_user(&self, new: NewUser) -> ServiceResult<i64> {
        let mut errors = crate::domain::FieldErrors::new();
        let username = new.username.trim().to_string();
        if username.is_empty()
            || username.chars().count() > super::auth::MAX_USERNAME_CHARS.min(64)
            || username.chars().any(char::is_whitespace)
        {
            errors.insert("username".into(), crate::domain::FieldError::Required);
        }
        if let Err(e) = super::auth::check_new_password(&new.password) {
            errors.insert("password".into(), e);
        }
        let inst: Option<(i64,)> = sqlx::query_as("SELECT id FROM institutions WHERE code = $1")
            .bind(&new.institution_code)
            .fetch_optional(&self.db.read)
            .await?;
        let Some((institution_id,)) = inst else {
            errors.insert(
                "institution".into(),
                crate::domain::FieldError::InvalidChoice,
            );
            return Err(AppError::Invalid(errors).into());
        };
        let mut service_ids = Vec::new();
        for code in &new.service_codes {
            let found: Option<(i64,)> =
                sqlx::query_as("SELECT id FROM services WHERE code = $1 AND institution_id = $2")
                    .bind(code)
                    .bind(institution_id)
                    .fetch_optional(&self.db.read)
                    .await?;
            match found {
                Some((id,)) => service_ids.push(id),
                None => {
                    errors.insert("services".into(), crate::domain::FieldError::InvalidChoice);
                }
            }
        }
        if new.role.scoped_to_services() && service_ids.is_empty() {
            errors.insert("services".into(), crate::domain::FieldError::Required);
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors).into());
        }
        let hash = hash_password(new.password.clone()).await?;
        let mut tx = self.db.write.begin().await?;
        let inserted: Result<(i64,), sqlx::Error> = sqlx::query_as(
            "INSERT INTO users (username, display_name, email, password_hash, role, institution_id, active, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7) RETURNING id",
        )
        .bind(&username)
        .bind(new.display_name.trim())
        .bind(&new.email)
        .bind(&hash)
        .bind(new.role.as_str())
        .bind(institution_id)
        .bind(self.now())
        .fetch_one(&mut *tx)
        .await;
        let (id,) = match inserted {
            Ok(v) => v,
            Err(e) if crate::server::db::is_unique_violation(&e) => {
                errors.insert("username".into(), crate::domain::FieldError::Taken);
                return Err(AppError::Invalid(errors).into());
            }
            Err(e) => return Err(e.into()),
        };
        for sid in service_ids {
            sqlx::query("INSERT INTO user_services (user_id, service_id) VALUES ($1, $2)")
                .bind(id)
                .bind(sid)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }
}
