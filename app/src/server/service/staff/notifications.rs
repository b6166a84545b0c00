//! A staff member's in-app notifications.

use crate::domain::Lang;
use crate::server::error::ServiceResult;
use crate::server::service::StaffContext;
use crate::server::service::{self, Taka};

impl Taka {
    /// A staff member's in-app notifications, newest first, and how many are unread.
    pub async fn notifications(
        &self,
        ctx: &StaffContext,
        lang: Lang,
    ) -> ServiceResult<(Vec<crate::model::StaffNotification>, i64)> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            kind: String,
            reference: Option<String>,
            service_name: Option<String>,
            detail: Option<String>,
            at: i64,
            read_at: Option<i64>,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT n.id, n.kind, r.reference, COALESCE(st.name, sl.name) AS service_name, n.detail, n.at, n.read_at
             FROM notifications n
             LEFT JOIN requests r ON r.id = n.request_id
             LEFT JOIN service_texts sl ON sl.service_id = n.service_id AND sl.lang = 'lv'
             LEFT JOIN service_texts st ON st.service_id = n.service_id AND st.lang = $2
             WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT 100",
        )
        .bind(ctx.user.id)
        .bind(lang.code())
        .fetch_all(&self.db.read)
        .await?;
        let (unread,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(ctx.user.id)
        .fetch_one(&self.db.read)
        .await?;
        Ok((
            rows.into_iter()
                .map(|r| crate::model::StaffNotification {
                    id: r.id,
                    kind: r.kind,
                    reference: r.reference,
                    service_name: r.service_name.unwrap_or_default(),
                    detail: r.detail,
                    at_text: service::local_time_text(lang, r.at),
                    at_iso: service::rfc3339(r.at),
                    read: r.read_at.is_some(),
                })
                .collect(),
            unread,
        ))
    }

    /// Mark all of a staff member's notifications read.
    pub async fn mark_notifications_read(&self, ctx: &StaffContext) -> ServiceResult<u64> {
        Ok(sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
        )
        .bind(self.now())
        .bind(ctx.user.id)
        .execute(&self.db.write)
        .await?
        .rows_affected())
    }
}
