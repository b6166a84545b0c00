//! The sweep that marks requests at risk or breached and escalates, and the weekly check
//! of each service's compliance with its target.
//!
//! The sweep is safe to run in many processes at once: every alert is an
//! `UPDATE requests SET sla_alert = n WHERE ... sla_alert < n`, and only the process whose
//! update changed the row writes the event and the notifications, in the same transaction.

use super::{COMPLIANCE_MIN_REQUESTS, COMPLIANCE_WINDOW_DAYS};
use crate::domain::Status;
use crate::server::error::ServiceResult;
use crate::server::notify;
use crate::server::service::shared::StaffNote;
use crate::server::service::{self, Taka};
use chrono::Datelike;

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub at_risk: usize,
    pub breached: usize,
    pub services: usize,
    /// Reminders sent by services' automation (requesters and assignees).
    pub reminders: usize,
}

impl Taka {
    /// Mark requests at risk and breached, notify and escalate; send the reminders services'
    /// automation asks for; check each service's compliance. Idempotent, and safe to run in
    /// several processes at once.
    pub async fn sla_sweep(&self) -> ServiceResult<SweepReport> {
        let now = self.now();
        #[derive(sqlx::FromRow)]
        struct Due {
            id: i64,
            sla_stage: String,
            stage_due_at: i64,
            risk_at: Option<i64>,
            sla_alert: i64,
        }
        let due: Vec<Due> = sqlx::query_as(
            "SELECT r.id, r.sla_stage, r.stage_due_at, r.risk_at, r.sla_alert FROM requests r
             WHERE r.sla_stage IS NOT NULL AND r.paused_at IS NULL AND r.sla_alert < 2
               AND ((r.sla_alert < 1 AND r.risk_at <= $1) OR r.stage_due_at < $1)
             ORDER BY r.stage_due_at LIMIT 500",
        )
        .bind(now)
        .fetch_all(&self.db.read)
        .await?;
        let mut report = SweepReport::default();
        for d in due {
            let level = if d.stage_due_at < now { 2 } else { 1 };
            if level == 1 && d.risk_at.is_none_or(|r| r > now) {
                continue;
            }
            if level <= d.sla_alert {
                continue;
            }
            if self.raise_alert(d.id, &d.sla_stage, level, now).await? {
                if level == 2 {
                    report.breached += 1;
                } else {
                    report.at_risk += 1;
                }
            }
        }
        report.reminders = self.send_reminders(now).await?;
        report.services = self.check_compliance(now).await?;
        Ok(report)
    }

    /// Raise one alert on one request; false if another process (or an earlier sweep)
    /// already did, or the request moved on.
    async fn raise_alert(&self, id: i64, stage: &str, level: i64, now: i64) -> ServiceResult<bool> {
        let mut tx = self.db.write.begin().await?;
        let changed = sqlx::query(
            "UPDATE requests SET sla_alert = $1, sla_breached = CASE WHEN $1 = 2 THEN 1 ELSE sla_breached END
             WHERE id = $2 AND sla_stage = $3 AND sla_alert < $1 AND paused_at IS NULL",
        )
        .bind(level)
        .bind(id)
        .bind(stage)
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() != 1 {
            return Ok(false);
        }
        #[derive(sqlx::FromRow)]
        struct Ctx {
            reference: String,
            status: String,
            service_id: i64,
            institution_id: i64,
            stage_due_at: i64,
            assignee_id: Option<i64>,
            assignee_name: Option<String>,
            owner_id: Option<i64>,
            owner_name: Option<String>,
        }
        let c: Ctx = sqlx::query_as(
            "SELECT r.reference, r.status, r.service_id, r.institution_id, r.stage_due_at, r.assignee_id,
                    a.display_name AS assignee_name, s.owner_user_id AS owner_id, o.display_name AS owner_name
             FROM requests r JOIN services s ON s.id = r.service_id
             LEFT JOIN users a ON a.id = r.assignee_id LEFT JOIN users o ON o.id = s.owner_user_id
             WHERE r.id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let (action, kind, template) = if level == 2 {
            ("sla_breached", notify::KIND_BREACHED, "breached")
        } else {
            ("sla_at_risk", notify::KIND_AT_RISK, "at_risk")
        };
        // At risk: the assignee (else the service's owner). Breached: the service owner
        // (else the institution's portfolio owners), as an escalation.
        let mut recipients: Vec<i64> = Vec::new();
        if level == 1 {
            recipients.extend(c.assignee_id.or(c.owner_id));
        } else {
            recipients.extend(c.owner_id);
        }
        if recipients.is_empty() {
            recipients = self.portfolio_owners(&mut tx, c.institution_id).await?;
        }
        let status = Status::parse(&c.status).unwrap_or(Status::Submitted);
        let mut events = vec![(action, None::<String>)];
        if level == 2 {
            let names = self.user_names(&mut tx, &recipients).await?;
            let to = c.owner_name.clone().unwrap_or(names);
            events.push(("sla_escalated", Some(to)));
        }
        for (action, comment) in events {
            sqlx::query(
                "INSERT INTO request_events (request_id, at, actor_kind, actor_user_id, action, from_status, to_status, comment, visible_to_requester)
                 VALUES ($1, $2, 'system', NULL, $3, $4, $4, $5, 0)",
            )
            .bind(id)
            .bind(now)
            .bind(action)
            .bind(status.as_str())
            .bind(comment)
            .execute(&mut *tx)
            .await?;
        }
        let due = service::local_time_string(c.stage_due_at);
        for uid in recipients {
            let key = format!("req:{id}:{stage}:{template}:u{uid}");
            self.tell_staff(
                &mut tx,
                StaffNote {
                    key,
                    user_id: uid,
                    kind,
                    template,
                    request_id: Some(id),
                    service_id: c.service_id,
                    reference: Some(&c.reference),
                    vars: vec![
                        ("due", due.clone()),
                        (
                            "assignee",
                            c.assignee_name.clone().unwrap_or_else(|| "—".into()),
                        ),
                    ],
                },
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.wake_outbox();
        Ok(true)
    }

    async fn portfolio_owners(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        institution_id: i64,
    ) -> ServiceResult<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM users WHERE institution_id = $1 AND role = 'portfolio_owner' AND active = 1 ORDER BY id",
        )
        .bind(institution_id)
        .fetch_all(&mut **tx)
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn user_names(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        ids: &[i64],
    ) -> ServiceResult<String> {
        let mut names = Vec::new();
        for id in ids {
            let n: Option<(String,)> =
                sqlx::query_as("SELECT display_name FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
            names.extend(n.map(|n| n.0));
        }
        Ok(names.join(", "))
    }

    /// Services whose share of requests meeting the service level, over the last
    /// `COMPLIANCE_WINDOW_DAYS`, fell below target: tell the institution's portfolio
    /// owners, once per service per ISO week. Returns how many services were escalated.
    async fn check_compliance(&self, now: i64) -> ServiceResult<usize> {
        let since = now - COMPLIANCE_WINDOW_DAYS * 86_400;
        // Finished in the window, plus open requests already late.
        let rows: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT s.id, s.institution_id, s.sla_target_pct,
                    COUNT(*) AS judged,
                    SUM(CASE WHEN r.sla_breached = 0 THEN 1 ELSE 0 END) AS met
             FROM requests r JOIN services s ON s.id = r.service_id
             WHERE (r.sla_done_at >= $1 AND r.sla_done_at <= $2)
                OR (r.sla_stage IS NOT NULL AND r.sla_breached = 1)
             GROUP BY s.id, s.institution_id, s.sla_target_pct",
        )
        .bind(since)
        .bind(now)
        .fetch_all(&self.db.read)
        .await?;
        let date = service::local_date(now);
        let week = date.iso_week();
        let period = format!("{}-W{:02}", week.year(), week.week());
        let mut escalated = 0;
        for (service_id, institution_id, target, judged, met) in rows {
            if judged < COMPLIANCE_MIN_REQUESTS || met * 100 >= target * judged {
                continue;
            }
            let share = met * 100 / judged;
            let mut tx = self.db.write.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO service_alerts (service_id, period, share_pct, at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (service_id, period) DO NOTHING",
            )
            .bind(service_id)
            .bind(&period)
            .bind(share)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() != 1 {
                continue;
            }
            let window = format!(
                "{} – {}",
                service::local_date_string(since),
                service::local_date_string(now)
            );
            for uid in self.portfolio_owners(&mut tx, institution_id).await? {
                self.tell_staff(
                    &mut tx,
                    StaffNote {
                        key: format!("svc:{service_id}:{period}:compliance:u{uid}"),
                        user_id: uid,
                        kind: notify::KIND_COMPLIANCE,
                        template: "compliance",
                        request_id: None,
                        service_id,
                        reference: None,
                        vars: vec![
                            ("share", format!("{share} %")),
                            ("target", format!("{target} %")),
                            ("period", window.clone()),
                        ],
                    },
                    now,
                )
                .await?;
            }
            tx.commit().await?;
            escalated += 1;
        }
        if escalated > 0 {
            self.wake_outbox();
        }
        Ok(escalated)
    }
}
