//! Versioned service forms: publishing a changed form makes a new version; requests keep
//! the version they were submitted under (`shared::REQUEST_SELECT` reads its form), so
//! their answers keep that version's labels and options. Two editors cannot overwrite each
//! other: publishing names the version it was based on.

use super::shared::{AuditEntry, parse_fields, record_audit};
use super::{StaffContext, Taka};
use crate::domain::admin::may_edit_services;
use crate::domain::{FieldError, FieldErrors, FieldSpec};
use crate::error::AppError;
use crate::server::error::ServiceResult;

impl Taka {
    /// Publish `fields` as the next version of service `code`'s form, based on version
    /// `based_on` (refused with `Conflict` when someone published since). Service owners
    /// of the service, portfolio owners and administrators of its institution.
    pub async fn publish_form(
        &self,
        ctx: &StaffContext,
        code: &str,
        fields: &[FieldSpec],
        based_on: i64,
    ) -> ServiceResult<i64> {
        if ctx.analytics_only || !may_edit_services(ctx.user.role) {
            return Err(AppError::Forbidden.into());
        }
        let found: Option<(i64, i64, i64, String)> = sqlx::query_as(
            "SELECT id, institution_id, version, fields_json FROM services WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(&self.db.read)
        .await?;
        let Some((id, institution_id, current, before)) = found else {
            return Err(AppError::NotFound.into());
        };
        if !ctx.can_see(id, institution_id) {
            return Err(AppError::NotFound.into());
        }
        if let Err(why) = crate::domain::fields::check_schema(fields) {
            tracing::info!(%why, "form refused");
            let mut errors = FieldErrors::new();
            errors.insert("fields".into(), FieldError::InvalidChoice);
            return Err(AppError::Invalid(errors).into());
        }
        if current != based_on {
            return Err(AppError::Conflict.into());
        }
        let json = serde_json::to_string(fields)
            .map_err(|e| crate::server::error::ServiceError::Internal(e.to_string()))?;
        let at = self.now();
        let next = current + 1;
        let mut tx = self.db.write.begin().await?;
        // The version check and the change in one statement: of two publishers based on the
        // same version, one wins and the other is told.
        let changed = sqlx::query(
            "UPDATE services SET fields_json = $1, version = $2 WHERE id = $3 AND version = $4",
        )
        .bind(&json)
        .bind(next)
        .bind(id)
        .bind(current)
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() != 1 {
            return Err(AppError::Conflict.into());
        }
        // The form being replaced is kept too (services created after versions began have
        // no row for their first version yet).
        sqlx::query(
            "INSERT INTO service_versions (service_id, version, fields_json, published_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (service_id, version) DO NOTHING",
        )
        .bind(id)
        .bind(current)
        .bind(&before)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO service_versions (service_id, version, fields_json, published_at, published_by)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(next)
        .bind(&json)
        .bind(at)
        .bind(ctx.user.id)
        .execute(&mut *tx)
        .await?;
        let before: serde_json::Value = serde_json::from_str(&before).unwrap_or_default();
        let after: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        record_audit(
            &mut tx,
            at,
            AuditEntry::by(ctx, "service", code.to_string(), "form_published").change(
                Some(serde_json::json!({"version": current, "fields": before})),
                Some(serde_json::json!({"version": next, "fields": after})),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(next)
    }

    /// Service `code`'s current form and its version (for an editor to base a change on).
    pub async fn current_form(&self, code: &str) -> ServiceResult<(Vec<FieldSpec>, i64)> {
        let found: Option<(String, i64)> =
            sqlx::query_as("SELECT fields_json, version FROM services WHERE code = $1")
                .bind(code)
                .fetch_optional(&self.db.read)
                .await?;
        let (json, version) = found.ok_or(AppError::NotFound)?;
        Ok((parse_fields(&json)?, version))
    }
}
