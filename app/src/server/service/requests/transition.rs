//! The one place a request's status changes, and who is told about it.

use super::{NewEvent, insert_events, record_rollups};
use crate::domain::partners::EventType;
use crate::domain::sla;
use crate::domain::{Action, Actor, Lang, Status, lifecycle};
use crate::error::AppError;
use crate::model::TrackingView;
use crate::server::error::ServiceResult;
use crate::server::notify::{self, Mail};
use crate::server::service::shared::{self, ActingAs, RequestRow};
use crate::server::service::{self, Taka, local_date_string, rollup};

impl Taka {
    /// The requester answers, withdraws or rates, proved by the tracking code.
    pub async fn requester_act(
        &self,
        reference: &str,
        proof: impl Into<crate::server::service::Proof>,
        action: Action,
        lang: Lang,
    ) -> ServiceResult<TrackingView> {
        let row = self.authorise_requester(reference, &proof.into()).await?;
        self.transition(
            &row,
            row.version,
            action,
            ActingAs {
                actor: Actor::Requester,
                user_id: None,
                rule: None,
            },
            None,
        )
        .await?;
        // What the requester did themselves is not news to them.
        self.mark_seen(row.id).await?;
        let row = self.load_request(&row.reference).await?;
        self.tracking_view(&row, lang).await
    }

    /// The one place a request's status changes (staff, requester, API and the system all
    /// come here), and what follows by the service's automation: an approved request is
    /// handed to a provider when the service assigns by a rule.
    pub(crate) async fn transition(
        &self,
        row: &RequestRow,
        expected_version: i64,
        action: Action,
        by: ActingAs,
        new_assignee: Option<i64>,
    ) -> ServiceResult<lifecycle::Transition> {
        let t = self
            .change_status(row, expected_version, action, by, new_assignee)
            .await?;
        if t.to == Status::Approved {
            self.assign_by_rule(&row.reference).await;
        }
        Ok(t)
    }

    /// One change of status. Optimistic: the update only applies if the request is still at
    /// `expected_version`, so two people acting at once cannot both win.
    pub(crate) async fn change_status(
        &self,
        row: &RequestRow,
        expected_version: i64,
        action: Action,
        by: ActingAs,
        new_assignee: Option<i64>,
    ) -> ServiceResult<lifecycle::Transition> {
        // Who may act comes first: someone who may never take this action learns only that.
        let kind = action.kind();
        if !kind.permits(by.actor) {
            return Err(
                AppError::Lifecycle(lifecycle::LifecycleError::NotPermitted {
                    action: kind,
                    actor: by.actor,
                })
                .into(),
            );
        }
        if expected_version != row.version {
            return Err(AppError::Conflict.into());
        }
        let t = lifecycle::apply(row.status()?, &action, by.actor)?;
        let at = self.now();
        let assignee = match &action {
            Action::Assign { to_self: true } => by.user_id,
            Action::Assign { to_self: false } | Action::Escalate { .. } => new_assignee,
            _ => row.assignee_id,
        };
        let (decision, decision_reason) = match &action {
            Action::Approve { note } => (Some("approved"), note.clone()),
            Action::Refuse { reason } => (Some("refused"), Some(reason.clone())),
            _ => (None, None),
        };
        let result = match &action {
            Action::Fulfil { result } => Some(result.trim().to_string()),
            _ => None,
        };
        let closes = matches!(t.to, Status::Closed | Status::Withdrawn);
        // The service-level clock moves with the status (and pauses while waiting for the
        // requester); the expected date follows it.
        let cal = self
            .calendar_for(row.service_id, row.institution_id)
            .await?;
        let targets = self.targets(row.service_id).await?;
        let old_clock = row.clock.clock();
        let clock = sla::after_transition(&cal, &targets, &old_clock, t.from, t.to, at);
        let due_at = sla::expected_by(&cal, &targets, &clock, at).unwrap_or(row.due_at);
        // Names for the requester's message, read only when there is someone to write to.
        let names = if row.contact_email.as_deref().is_some_and(|e| !e.is_empty()) {
            let lang = Lang::parse(&row.lang).unwrap_or_default();
            let (service, _) = self.names_for(&row.service_code, lang).await?;
            (service, self.mail_signoff(row.institution_id, lang).await?)
        } else {
            Default::default()
        };
        let mut tx = self.db.write.begin().await?;
        let sql = format!(
            "UPDATE requests SET
                status = $1, assignee_id = $2, updated_at = $3, version = version + 1,
                decision = COALESCE($4, decision),
                decision_reason = CASE WHEN $4 IS NULL THEN decision_reason ELSE $5 END,
                decided_at = CASE WHEN $4 IS NULL THEN decided_at ELSE $3 END,
                result = COALESCE($6, result),
                fulfilled_at = CASE WHEN $6 IS NULL THEN fulfilled_at ELSE $3 END,
                closed_at = CASE WHEN $7 = 1 THEN $3 ELSE closed_at END,
                registered_at = CASE WHEN $1 = 'registered' AND registered_at IS NULL THEN $3 ELSE registered_at END,
                rating = COALESCE($21, rating),
                due_at = $10, {}
             WHERE id = $8 AND version = $9",
            shared::clock_set(11)
        );
        let q = sqlx::query(&sql)
            .bind(t.to.as_str())
            .bind(assignee)
            .bind(at)
            .bind(decision)
            .bind(decision_reason)
            .bind(result)
            .bind(i64::from(closes))
            .bind(row.id)
            .bind(expected_version)
            .bind(due_at);
        let rating = match &action {
            Action::Rate { score, .. } => Some(i64::from(*score)),
            _ => None,
        };
        let updated = shared::bind_clock(q, &clock)
            .bind(rating)
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() != 1 {
            return Err(AppError::Conflict.into());
        }
        let event = NewEvent {
            by,
            action: t.action,
            from: Some(t.from),
            to: t.to,
            comment: action.comment(),
            visible: t.visible_to_requester,
        };
        insert_events(&mut tx, row.id, at, &[event]).await?;
        if let Action::Rate { score, comment } = &action {
            sqlx::query(
                "INSERT INTO feedback (request_id, score, comment, at) VALUES ($1, $2, $3, $4)",
            )
            .bind(row.id)
            .bind(i64::from(*score))
            .bind(comment.as_deref().map(str::trim).filter(|c| !c.is_empty()))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        let before = row.facts();
        let after = rollup::Facts {
            registered_at: before
                .registered_at
                .or((t.to == Status::Registered).then_some(at)),
            decided_at: before.decided_at.or(decision.map(|_| at)),
            approved: before.approved.or(decision.map(|d| d == "approved")),
            fulfilled_at: before
                .fulfilled_at
                .or(matches!(action, Action::Fulfil { .. }).then_some(at)),
            withdrawn_at: before
                .withdrawn_at
                .or((t.to == Status::Withdrawn).then_some(at)),
            rated_at: before.rated_at.or(rating.map(|_| at)),
            rating: rating.unwrap_or(before.rating),
            sla_done_at: clock.done_at,
            sla_met: !clock.breached,
            ..before
        };
        record_rollups(
            &mut tx,
            rollup::Place {
                service_id: row.service_id,
                institution_id: row.institution_id,
                channel: rollup::channel_str(&row.channel),
            },
            Some(&before),
            &after,
        )
        .await?;
        if t.from != t.to {
            notify::enqueue_webhooks(
                &mut tx,
                self.public_url(),
                &notify::WebhookEvent {
                    event: EventType::StatusChanged,
                    request_id: row.id,
                    service_id: row.service_id,
                    service_code: &row.service_code,
                    reference: &row.reference,
                    version: row.version + 1,
                    status: t.to,
                    previous: Some(t.from),
                    at,
                },
            )
            .await?;
        }
        self.notify_transition(
            &mut tx,
            row,
            &action,
            by,
            assignee,
            &names,
            (&clock, due_at),
            at,
        )
        .await?;
        tx.commit().await?;
        self.wake_outbox();
        Ok(t)
    }

    /// Who is told about a change: the requester on a request for information, the
    /// decision, fulfilment and closure; a colleague when a request is handed to them.
    #[allow(clippy::too_many_arguments)]
    async fn notify_transition(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        row: &RequestRow,
        action: &Action,
        by: ActingAs,
        assignee: Option<i64>,
        names: &(String, String),
        (clock, due_at): (&sla::SlaClock, i64),
        at: i64,
    ) -> ServiceResult<()> {
        let version = row.version + 1;
        let template = match action {
            Action::RequestInformation { reason } => Some((
                "information_requested",
                "question",
                reason.trim().to_string(),
            )),
            Action::Approve { .. } => Some(("approved", "expected_by", local_date_string(due_at))),
            Action::Refuse { reason } => Some(("refused", "reason", reason.trim().to_string())),
            Action::Fulfil { result } => Some(("fulfilled", "result", result.trim().to_string())),
            Action::Close { .. } => Some(("closed", "", String::new())),
            _ => None,
        };
        if let (Some((template, key, value)), Some(email)) = (
            template,
            row.contact_email.as_deref().filter(|e| !e.is_empty()),
        ) {
            let link = self.tracking_link(&row.reference, None);
            let mut vars = vec![
                ("reference", row.reference.clone()),
                ("service", names.0.clone()),
                ("institution", names.1.clone()),
                ("portal_url", self.public_url().to_string()),
                (
                    if template == "fulfilled" {
                        "rate_link"
                    } else {
                        "tracking_link"
                    },
                    link,
                ),
            ];
            if !key.is_empty() {
                vars.push((key, value));
            }
            notify::enqueue_mail(
                tx,
                self.secret(),
                Mail {
                    key: format!("req:{}:v{version}:{template}", row.id),
                    request_id: Some(row.id),
                    user_id: None,
                    to: email,
                    lang: Lang::parse(&row.lang).unwrap_or_default(),
                    template,
                    vars,
                },
                at,
            )
            .await?;
        }
        let handed_over = matches!(
            action,
            Action::Assign { to_self: false } | Action::Escalate { .. }
        );
        if let Some(uid) = assignee.filter(|uid| handed_over && Some(*uid) != by.user_id) {
            let due = clock
                .due_at
                .map(service::local_time_string)
                .unwrap_or_default();
            self.tell_staff(
                tx,
                shared::StaffNote {
                    key: format!("req:{}:v{version}:assigned:u{uid}", row.id),
                    user_id: uid,
                    kind: notify::KIND_ASSIGNED,
                    template: "assigned",
                    request_id: Some(row.id),
                    service_id: row.service_id,
                    reference: Some(&row.reference),
                    vars: vec![("due", due)],
                },
                at,
            )
            .await?;
        }
        Ok(())
    }
}
