//! The work queue: requests in a staff member's scope, filtered; and the services they
//! work on.

use crate::domain::{Channel, Lang, Status};
use crate::model::{Queue, QueueFilter, QueueItem};
use crate::server::error::ServiceResult;
use crate::server::service::StaffContext;
use crate::server::service::shared;
use crate::server::service::{self, Taka};

/// Where the staff queue's filters apply: scope first, then the user's choices.
/// Parameters: $1 lang, $2 scoped-to-services flag, $3 user id, $4 institution id,
/// $5 status or '', $6 service code or '', $7 mine flag, $8 include-finished flag.
const QUEUE_FROM: &str = "
    FROM requests r
    JOIN services s ON s.id = r.service_id
    JOIN service_texts sl ON sl.service_id = s.id AND sl.lang = 'lv'
    LEFT JOIN service_texts st ON st.service_id = s.id AND st.lang = $1
    LEFT JOIN users a ON a.id = r.assignee_id
    WHERE (($2 = 1 AND r.service_id IN (SELECT service_id FROM user_services WHERE user_id = $3))
           OR ($2 = 0 AND r.institution_id = $4))
      AND ($5 = '' OR r.status = $5)
      AND ($6 = '' OR s.code = $6)
      AND ($7 = 0 OR r.assignee_id = $3)
      AND ($8 = 1 OR r.status NOT IN ('closed', 'withdrawn', 'refused', 'fulfilled'))";

const QUEUE_COLUMNS: &str = "SELECT r.reference, s.code AS service_code, COALESCE(st.name, sl.name) AS service_name,
    r.status, r.channel, r.contact_name, a.display_name AS assignee, r.submitted_at, r.updated_at, r.due_at,
    r.sla_stage, r.stage_started_at, r.stage_due_at, r.stage_budget, r.risk_at, r.paused_at,
    r.paused_remaining, r.sla_alert, r.sla_breached, r.sla_done_at";

#[derive(sqlx::FromRow)]
struct QueueRow {
    reference: String,
    service_code: String,
    service_name: String,
    status: String,
    channel: String,
    contact_name: String,
    assignee: Option<String>,
    submitted_at: i64,
    updated_at: i64,
    due_at: i64,
    #[sqlx(flatten)]
    clock: shared::ClockRow,
}

impl From<QueueRow> for QueueItem {
    fn from(r: QueueRow) -> Self {
        let clock = r.clock.clock();
        let now = service::now();
        QueueItem {
            sla_state: clock.state(now),
            stage_due: clock
                .due_at
                .filter(|_| clock.stage.is_some())
                .map(service::local_time_string),
            stage_due_iso: clock
                .due_at
                .filter(|_| clock.stage.is_some())
                .map(service::rfc3339),
            reference: r.reference,
            service_code: r.service_code,
            service_name: r.service_name,
            status: Status::parse(&r.status).unwrap_or(Status::Submitted),
            channel: Channel::parse(&r.channel).unwrap_or(Channel::Web),
            contact_name: r.contact_name,
            assignee: r.assignee,
            submitted_on: service::local_date_string(r.submitted_at),
            due_on: service::local_date_string(r.due_at),
            overdue: clock.state(now) == crate::domain::SlaState::Breached,
            submitted_at: r.submitted_at,
            updated_at: r.updated_at,
            due_at: r.due_at,
        }
    }
}

/// Binds the queue's scope parameters ($1–$4) and filters ($5–$8) in one place.
struct QueueScope<'a> {
    lang: &'a str,
    ctx: &'a StaffContext,
}

impl<'a> QueueScope<'a> {
    fn query<O>(
        &self,
        sql: &'a str,
        status: &'a str,
        service: &'a str,
        mine: bool,
        all: bool,
    ) -> sqlx::query::QueryAs<'a, sqlx::Any, O, sqlx::any::AnyArguments<'a>>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_as(sql)
            .bind(self.lang)
            .bind(i64::from(self.ctx.user.role.scoped_to_services()))
            .bind(self.ctx.user.id)
            .bind(self.ctx.institution_id)
            .bind(status)
            .bind(service)
            .bind(i64::from(mine))
            .bind(i64::from(all))
    }
}

impl Taka {
    /// The work queue: requests in the user's scope, filtered.
    pub async fn queue(
        &self,
        ctx: &StaffContext,
        filter: &QueueFilter,
        lang: Lang,
    ) -> ServiceResult<Queue> {
        let status = filter.status.map(Status::as_str).unwrap_or("");
        let service = filter.service.clone().unwrap_or_default();
        let list_sql = format!(
            "{QUEUE_COLUMNS} {QUEUE_FROM} ORDER BY r.submitted_at DESC, r.id DESC LIMIT 200"
        );
        let newest_sql =
            format!("{QUEUE_COLUMNS} {QUEUE_FROM} ORDER BY r.submitted_at DESC, r.id DESC LIMIT 1");
        let oldest_sql =
            format!("{QUEUE_COLUMNS} {QUEUE_FROM} ORDER BY r.submitted_at ASC, r.id ASC LIMIT 1");
        let count_sql = format!("SELECT COUNT(*) {QUEUE_FROM}");
        let scope = QueueScope {
            lang: lang.code(),
            ctx,
        };
        let items: Vec<QueueItem> = scope
            .query::<QueueRow>(&list_sql, status, &service, filter.mine, filter.all)
            .fetch_all(&self.db.read)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        // At a glance, whatever the filter: the newest request and the one waiting longest.
        let newest = scope
            .query::<QueueRow>(&newest_sql, "", "", false, true)
            .fetch_optional(&self.db.read)
            .await?
            .map(Into::into);
        let oldest_open = scope
            .query::<QueueRow>(&oldest_sql, "", "", false, false)
            .fetch_optional(&self.db.read)
            .await?
            .map(Into::into);
        let (total_open,) = scope
            .query::<(i64,)>(&count_sql, "", "", false, false)
            .fetch_one(&self.db.read)
            .await?;
        let services = self.services_in_scope(ctx, lang).await?;
        Ok(Queue {
            items,
            total_open,
            oldest_open,
            newest,
            services,
        })
    }

    /// Services the user works on (for filters and the in-person form).
    pub async fn services_in_scope(
        &self,
        ctx: &StaffContext,
        lang: Lang,
    ) -> ServiceResult<Vec<(String, String)>> {
        let rows: Vec<(i64, i64, String, String)> = sqlx::query_as(
            "SELECT s.id, s.institution_id, s.code, COALESCE(st.name, sl.name)
             FROM services s
             JOIN service_texts sl ON sl.service_id = s.id AND sl.lang = 'lv'
             LEFT JOIN service_texts st ON st.service_id = s.id AND st.lang = $1
             WHERE s.active = 1 ORDER BY 4",
        )
        .bind(lang.code())
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows
            .into_iter()
            .filter(|(id, inst, _, _)| ctx.can_see(*id, *inst))
            .map(|(_, _, code, name)| (code, name))
            .collect())
    }
}
