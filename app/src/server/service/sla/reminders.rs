//! Reminders by a service's automation, sent by the sweep: to the requester when a request
//! for information has waited the service's number of working days, and to the assignee
//! when a stage has used `ASSIGNEE_REMINDER_PCT` of its time before the at-risk point.
//!
//! Each is sent once (per wait, per stage), with a history event that names its rule. Safe
//! in several processes at once: the request's row is locked (a no-op update that also
//! checks it has not moved on) before the "not yet reminded" check, in one transaction.

use crate::domain::automation::{self, Automation, Rule};
use crate::domain::{ActionKind, Lang, Status};
use crate::server::error::ServiceResult;
use crate::server::notify::{self, Mail};
use crate::server::service::shared::{StaffNote, automation_from};
use crate::server::service::{self, Taka};
use std::collections::HashMap;

/// The services' settings read once per sweep.
#[derive(Default)]
struct Settings(HashMap<i64, Automation>);

impl Settings {
    fn of(&mut self, service_id: i64, auto_register: i64, json: &str) -> &Automation {
        self.0
            .entry(service_id)
            .or_insert_with(|| automation_from(auto_register, json))
    }
}

#[derive(sqlx::FromRow)]
struct Waiting {
    id: i64,
    reference: String,
    service_id: i64,
    institution_id: i64,
    lang: String,
    contact_email: String,
    paused_at: i64,
    auto_register: i64,
    automation_json: String,
}

#[derive(sqlx::FromRow)]
struct Running {
    id: i64,
    reference: String,
    status: String,
    service_id: i64,
    institution_id: i64,
    assignee_id: i64,
    sla_stage: String,
    stage_started_at: i64,
    stage_due_at: i64,
    stage_budget: i64,
    auto_register: i64,
    automation_json: String,
}

impl Taka {
    /// Send the reminders that are due at `now`; how many were sent.
    pub(super) async fn send_reminders(&self, now: i64) -> ServiceResult<usize> {
        let mut settings = Settings::default();
        let mut sent = 0;
        // Requests waiting for the requester, with an address to remind, not yet reminded
        // during this wait.
        let waiting: Vec<Waiting> = sqlx::query_as(
            "SELECT r.id, r.reference, r.service_id, r.institution_id, r.lang, r.contact_email,
                    r.paused_at, s.auto_register, s.automation_json
             FROM requests r JOIN services s ON s.id = r.service_id
             WHERE r.status = $1 AND r.paused_at IS NOT NULL AND r.contact_email IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM request_events e
                               WHERE e.request_id = r.id AND e.rule = $2 AND e.at >= r.paused_at)
             ORDER BY r.paused_at LIMIT 500",
        )
        .bind(Status::AwaitingInformation.as_str())
        .bind(Rule::InformationReminder.as_str())
        .fetch_all(&self.db.read)
        .await?;
        for w in waiting {
            let Some(days) = settings
                .of(w.service_id, w.auto_register, &w.automation_json)
                .remind_information_days
            else {
                continue;
            };
            let cal = self.calendar_for(w.service_id, w.institution_id).await?;
            if automation::information_reminder_at(&cal, w.paused_at, days) > now {
                continue;
            }
            if self.remind_requester(&w, now).await? {
                sent += 1;
            }
        }
        // Assigned stages running on time: the at-risk point not reached, no alert yet.
        // (`automation_json` is written by serde: the switch reads exactly so.)
        let running: Vec<Running> = sqlx::query_as(
            "SELECT r.id, r.reference, r.status, r.service_id, r.institution_id, r.assignee_id,
                    r.sla_stage, r.stage_started_at, r.stage_due_at, r.stage_budget,
                    s.auto_register, s.automation_json
             FROM requests r JOIN services s ON s.id = r.service_id
             WHERE r.sla_stage IS NOT NULL AND r.paused_at IS NULL AND r.sla_alert = 0
               AND r.assignee_id IS NOT NULL AND r.risk_at > $1
               AND r.stage_started_at IS NOT NULL AND r.stage_due_at IS NOT NULL
               AND r.stage_budget IS NOT NULL
               AND s.automation_json LIKE $2
               AND NOT EXISTS (SELECT 1 FROM request_events e
                               WHERE e.request_id = r.id AND e.rule = $3
                                 AND e.at >= r.stage_started_at)
             ORDER BY r.risk_at LIMIT 500",
        )
        .bind(now)
        .bind("%\"remind_assignee\":true%")
        .bind(Rule::AssigneeReminder.as_str())
        .fetch_all(&self.db.read)
        .await?;
        for r in running {
            if !settings
                .of(r.service_id, r.auto_register, &r.automation_json)
                .remind_assignee
            {
                continue;
            }
            let cal = self.calendar_for(r.service_id, r.institution_id).await?;
            let utc = |t: i64| chrono::DateTime::from_timestamp(t, 0).unwrap_or_default();
            let remaining =
                cal.working_seconds_between(utc(now.min(r.stage_due_at)), utc(r.stage_due_at));
            if !automation::assignee_reminder_due(remaining, r.stage_budget) {
                continue;
            }
            if self.remind_assignee(&r, now).await? {
                sent += 1;
            }
        }
        if sent > 0 {
            self.wake_outbox();
        }
        Ok(sent)
    }

    /// Take the request's row for this reminder if it still is as read (`still` holds),
    /// and it has not had reminder `rule` since `since`. False: nothing to do.
    async fn claim_reminder(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        id: i64,
        still: &str,
        since: i64,
        rule: Rule,
    ) -> ServiceResult<bool> {
        // A no-op update: on PostgreSQL it locks the row until commit, so a second sweep
        // waits here and then sees the first one's event.
        let sql = format!("UPDATE requests SET version = version WHERE id = $1 AND {still}");
        let locked = sqlx::query(&sql)
            .bind(id)
            .bind(since)
            .execute(&mut **tx)
            .await?;
        if locked.rows_affected() != 1 {
            return Ok(false);
        }
        let done: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM request_events WHERE request_id = $1 AND rule = $2 AND at >= $3",
        )
        .bind(id)
        .bind(rule.as_str())
        .bind(since)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(done.is_none())
    }

    /// The history event of a reminder (the status stays).
    async fn record_reminder(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        id: i64,
        status: Status,
        rule: Rule,
        visible: bool,
        now: i64,
    ) -> ServiceResult<()> {
        sqlx::query(
            "INSERT INTO request_events (request_id, at, actor_kind, actor_user_id, action, from_status, to_status, comment, visible_to_requester, rule)
             VALUES ($1, $2, 'system', NULL, $3, $4, $4, NULL, $5, $6)",
        )
        .bind(id)
        .bind(now)
        .bind(ActionKind::Reminder.as_str())
        .bind(status.as_str())
        .bind(i64::from(visible))
        .bind(rule.as_str())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Remind the requester of the question waiting for their answer (mail in the
    /// request's language, and an event they see).
    async fn remind_requester(&self, w: &Waiting, now: i64) -> ServiceResult<bool> {
        let rule = Rule::InformationReminder;
        let mut tx = self.db.write.begin().await?;
        let still = "status = 'awaiting_information' AND paused_at = $2";
        if !self
            .claim_reminder(&mut tx, w.id, still, w.paused_at, rule)
            .await?
        {
            return Ok(false);
        }
        let question: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT comment FROM request_events WHERE request_id = $1 AND action = $2
             ORDER BY id DESC LIMIT 1",
        )
        .bind(w.id)
        .bind(ActionKind::RequestInformation.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let lang = Lang::parse(&w.lang).unwrap_or_default();
        let (service_name, institution) =
            self.service_names_tx(&mut tx, w.service_id, lang).await?;
        self.record_reminder(&mut tx, w.id, Status::AwaitingInformation, rule, true, now)
            .await?;
        notify::enqueue_mail(
            &mut tx,
            self.secret(),
            Mail {
                key: format!("req:{}:p{}:information_reminder", w.id, w.paused_at),
                request_id: Some(w.id),
                user_id: None,
                to: &w.contact_email,
                lang,
                template: "information_reminder",
                vars: vec![
                    ("reference", w.reference.clone()),
                    ("service", service_name),
                    ("institution", institution),
                    ("question", question.and_then(|q| q.0).unwrap_or_default()),
                    ("asked_on", service::local_date_string(w.paused_at)),
                    ("tracking_link", self.tracking_link(&w.reference, None)),
                    ("portal_url", self.public_url().to_string()),
                ],
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Remind the assignee that the stage has used most of its time (in-app and mail, and
    /// an event only staff see).
    async fn remind_assignee(&self, r: &Running, now: i64) -> ServiceResult<bool> {
        let rule = Rule::AssigneeReminder;
        let mut tx = self.db.write.begin().await?;
        // Still the same stage, running, with no alert.
        let still = "stage_started_at = $2 AND paused_at IS NULL AND sla_alert = 0";
        if !self
            .claim_reminder(&mut tx, r.id, still, r.stage_started_at, rule)
            .await?
        {
            return Ok(false);
        }
        let status = Status::parse(&r.status).unwrap_or(Status::Submitted);
        self.record_reminder(&mut tx, r.id, status, rule, false, now)
            .await?;
        let uid = r.assignee_id;
        self.tell_staff(
            &mut tx,
            StaffNote {
                key: format!(
                    "req:{}:{}:{}:assignee_reminder:u{uid}",
                    r.id, r.sla_stage, r.stage_started_at
                ),
                user_id: uid,
                kind: notify::KIND_REMINDER,
                template: "assignee_reminder",
                request_id: Some(r.id),
                service_id: r.service_id,
                reference: Some(&r.reference),
                vars: vec![("due", service::local_time_string(r.stage_due_at))],
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
