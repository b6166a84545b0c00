//! Reading the audit log of configuration changes (written by each use case through
//! `shared::record_audit`): portfolio owners and administrators, their institution only.

use super::{StaffContext, Taka, local_time_text};
use crate::domain::admin::may_administer;
use crate::error::AppError;
use crate::model::{AuditFilter, AuditRow};
use crate::server::error::ServiceResult;

/// Most entries one page shows (newest first).
pub const AUDIT_PAGE: i64 = 500;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: i64,
    actor: Option<String>,
    actor_kind: String,
    entity: String,
    entity_key: String,
    action: String,
    before_json: Option<String>,
    after_json: Option<String>,
}

impl Taka {
    /// The institution's configuration changes matching `filter`, newest first.
    pub async fn audit_log(
        &self,
        ctx: &StaffContext,
        filter: &AuditFilter,
    ) -> ServiceResult<Vec<AuditRow>> {
        if ctx.analytics_only || !may_administer(ctx.user.role) {
            return Err(AppError::Forbidden.into());
        }
        let day = |s: &str, end: bool| -> Result<Option<i64>, AppError> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|d| (1900..=2200).contains(&chrono::Datelike::year(d)))
                .ok_or_else(|| {
                    let mut e = crate::domain::FieldErrors::new();
                    e.insert(
                        if end { "to" } else { "from" }.into(),
                        crate::domain::FieldError::InvalidDate,
                    );
                    AppError::Invalid(e)
                })?;
            let d = if end { d.succ_opt().unwrap_or(d) } else { d };
            Ok(Some(super::day_start(d)))
        };
        let from = day(&filter.from, false)?;
        let to = day(&filter.to, true)?;
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT a.id, a.at, u.display_name AS actor, a.actor_kind, a.entity, a.entity_key,
                    a.action, a.before_json, a.after_json
             FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
             WHERE a.institution_id = $1
               AND ($2 = '' OR a.entity = $2)
               AND ($3 = '' OR u.username = $3)
               AND ($4 IS NULL OR a.at >= $4)
               AND ($5 IS NULL OR a.at < $5)
             ORDER BY a.id DESC LIMIT $6",
        )
        .bind(ctx.institution_id)
        .bind(filter.entity.trim())
        .bind(filter.actor.trim())
        .bind(from)
        .bind(to)
        .bind(AUDIT_PAGE)
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| AuditRow {
                id: r.id,
                at: r.at,
                at_text: local_time_text(ctx.lang, r.at),
                actor: r.actor,
                actor_kind: r.actor_kind,
                entity: r.entity,
                entity_key: r.entity_key,
                action: r.action,
                before: r.before_json,
                after: r.after_json,
            })
            .collect())
    }
}
