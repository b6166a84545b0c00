//! The requests behind a figure of the dashboard.

use super::{Filter, day_start, open_statuses, period};
use crate::domain::analytics::Scope;
use crate::domain::{Channel, FieldError, FieldErrors, Lang, Status};
use crate::error::AppError;
use crate::server::error::ServiceResult;
use crate::server::service::{self, StaffContext, Taka};
use chrono::Duration;

impl Taka {
    /// The requests behind a figure (newest event first, at most `limit`), and how many
    /// there are in all. `figure`: received, fulfilled, refused, approved, withdrawn,
    /// late (finished past a deadline) or open (now).
    #[allow(clippy::too_many_arguments)]
    pub async fn analytics_requests(
        &self,
        ctx: &StaffContext,
        scope: Option<&str>,
        from: &str,
        to: &str,
        figure: &str,
        limit: i64,
        lang: Lang,
    ) -> ServiceResult<(Vec<crate::model::FigureRequest>, i64)> {
        let mut errors = FieldErrors::new();
        let (column, extra) = match figure {
            "received" => ("submitted_at", ""),
            "fulfilled" => ("fulfilled_at", ""),
            "refused" => ("decided_at", " AND r.decision = 'refused'"),
            "approved" => ("decided_at", " AND r.decision = 'approved'"),
            "withdrawn" => ("closed_at", " AND r.status = 'withdrawn'"),
            "late" => ("sla_done_at", " AND r.sla_breached = 1"),
            "open" => ("submitted_at", ""),
            _ => {
                errors.insert("figure".into(), FieldError::InvalidChoice);
                ("", "")
            }
        };
        let scope = match scope.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Scope::parse(s).or_else(|| {
                errors.insert("scope".into(), FieldError::InvalidChoice);
                None
            }),
            None => None,
        };
        let dates = period(from, to, false, &mut errors);
        let (Some((from, to)), true) = (dates, errors.is_empty()) else {
            return Err(AppError::Invalid(errors).into());
        };
        let scope = match scope {
            Some(s) => s,
            None => self.default_scope(ctx).await?,
        };
        let resolved = self.resolve_scope(ctx, &scope, lang).await?;
        let f = Filter::of(&resolved);
        let (a, b) = (day_start(from), day_start(to + Duration::days(1)));
        let condition = if figure == "open" {
            format!("r.status IN ({})", open_statuses())
        } else {
            format!("r.{column} >= $1 AND r.{column} < $2{extra}")
        };
        let count_sql = f.sql(
            &format!("SELECT COUNT(*) FROM requests r WHERE {condition} AND {{F}} AND $1 <= $2"),
            3,
        );
        let (total,): (i64,) = f
            .bind(sqlx::query_as(&count_sql).bind(a).bind(b))
            .fetch_one(&self.db.read)
            .await?;
        #[derive(sqlx::FromRow)]
        struct Row {
            reference: String,
            service_id: i64,
            institution_id: i64,
            service_name: String,
            institution_code: String,
            channel: String,
            status: String,
            submitted_at: i64,
            event_at: i64,
        }
        let list_sql = f.sql(
            &format!(
                "SELECT r.reference, r.service_id, r.institution_id, COALESCE(st.name, sl.name) AS service_name,
                        i.code AS institution_code, r.channel, r.status, r.submitted_at, r.{column} AS event_at
                 FROM requests r
                 JOIN services s ON s.id = r.service_id
                 JOIN institutions i ON i.id = r.institution_id
                 JOIN service_texts sl ON sl.service_id = s.id AND sl.lang = 'lv'
                 LEFT JOIN service_texts st ON st.service_id = s.id AND st.lang = $3
                 WHERE {condition} AND {{F}} AND $1 <= $2
                 ORDER BY r.{column} DESC, r.id DESC LIMIT {}",
                limit.clamp(1, 100_000)
            ),
            4,
        );
        let rows: Vec<Row> = f
            .bind(sqlx::query_as(&list_sql).bind(a).bind(b).bind(lang.code()))
            .fetch_all(&self.db.read)
            .await?;
        Ok((
            rows.into_iter()
                .map(|r| crate::model::FigureRequest {
                    can_open: ctx.can_see(r.service_id, r.institution_id),
                    reference: r.reference,
                    service_name: r.service_name,
                    institution_code: r.institution_code,
                    channel: Channel::parse(&r.channel).unwrap_or(Channel::Web),
                    status: Status::parse(&r.status).unwrap_or(Status::Submitted),
                    submitted_on: service::local_date_string(r.submitted_at),
                    event_on: service::local_date_string(r.event_at),
                })
                .collect(),
            total,
        ))
    }
}
