//! Requests: submitting, tracking, and every change of status (one `transition` for all).

use super::rollup;
use super::{
    Taka, catalogue::parse_fields, constant_time_eq, local_date, local_date_string,
    new_tracking_code, sha256_hex,
};
use crate::domain::sla::{self, SlaStage};
use crate::domain::{
    self, Action, ActionKind, Actor, Channel, Contact, FieldErrors, Lang, Role, Status, lifecycle,
};
use crate::error::AppError;
use crate::model::{Receipt, TimelineEntry, TrackingView};
use crate::server::db::is_unique_violation;
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::notify::{self, Mail};
use chrono::Datelike;
use std::collections::BTreeMap;

/// A request as submitted through any channel.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub service_code: String,
    pub values: BTreeMap<String, String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub lang: Lang,
    pub channel: Channel,
    pub idempotency: Option<IdempotencyKey>,
}

/// An API client's `Idempotency-Key` with a hash of the body it came with.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    pub body_hash: String,
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub(crate) struct RequestRow {
    pub id: i64,
    pub reference: String,
    pub tracking_hash: String,
    pub service_id: i64,
    pub institution_id: i64,
    pub channel: String,
    pub lang: String,
    pub contact_name: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub values_json: String,
    pub status: String,
    pub assignee_id: Option<i64>,
    pub decision_reason: Option<String>,
    pub result: Option<String>,
    pub submitted_at: i64,
    pub due_at: i64,
    pub version: i64,
    pub service_code: String,
    pub fields_json: String,
    pub registered_at: Option<i64>,
    pub decided_at: Option<i64>,
    pub decision: Option<String>,
    pub fulfilled_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub rating: Option<i64>,
    #[sqlx(flatten)]
    pub clock: super::sla::ClockRow,
}

impl RequestRow {
    /// What analytics count of this request now.
    pub fn facts(&self) -> rollup::Facts {
        rollup::Facts {
            submitted_at: self.submitted_at,
            registered_at: self.registered_at,
            decided_at: self.decided_at,
            approved: self.decision.as_deref().map(|d| d == "approved"),
            fulfilled_at: self.fulfilled_at,
            withdrawn_at: self.closed_at.filter(|_| self.status == "withdrawn"),
            rated_at: self.closed_at.filter(|_| self.rating.is_some()),
            rating: self.rating.unwrap_or(0),
            sla_done_at: self.clock.sla_done_at,
            sla_met: self.clock.sla_breached == 0,
        }
    }

    pub fn status(&self) -> ServiceResult<Status> {
        Status::parse(&self.status)
            .ok_or_else(|| ServiceError::Internal(format!("unknown status {}", self.status)))
    }
}

const REQUEST_SELECT: &str = "
    SELECT r.id, r.reference, r.tracking_hash, r.service_id, r.institution_id, r.channel, r.lang,
           r.contact_name, r.contact_email, r.contact_phone, r.values_json, r.status, r.assignee_id,
           r.decision_reason, r.result, r.submitted_at, r.due_at, r.version,
           s.code AS service_code, s.fields_json,
           r.registered_at, r.decided_at, r.decision, r.fulfilled_at, r.closed_at, r.rating,
           r.sla_stage, r.stage_started_at, r.stage_due_at, r.stage_budget, r.risk_at, r.paused_at,
           r.paused_remaining, r.sla_alert, r.sla_breached, r.sla_done_at
    FROM requests r JOIN services s ON s.id = r.service_id
    WHERE r.reference = $1";

/// A service's and its institution's names in language `$2`, Latvian where missing; the
/// caller adds the `WHERE` on `s`.
pub(crate) const SERVICE_NAMES: &str = "
    SELECT COALESCE(st.name, sl.name), COALESCE(it.name, il.name)
    FROM services s
    JOIN service_texts sl ON sl.service_id = s.id AND sl.lang = 'lv'
    LEFT JOIN service_texts st ON st.service_id = s.id AND st.lang = $2
    JOIN institution_texts il ON il.institution_id = s.institution_id AND il.lang = 'lv'
    LEFT JOIN institution_texts it ON it.institution_id = s.institution_id AND it.lang = $2";

/// Who is acting, as the service layer records it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ActingAs {
    pub actor: Actor,
    pub user_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    at: i64,
    action: String,
    from_status: Option<String>,
    to_status: String,
    comment: Option<String>,
    actor_kind: String,
    actor_name: Option<String>,
    actor_role: Option<String>,
    visible_to_requester: i64,
}

impl EventRow {
    fn into_entry(self, show_names: bool) -> TimelineEntry {
        TimelineEntry {
            at: self.at,
            at_text: super::local_time_string(self.at),
            at_iso: super::rfc3339(self.at),
            action: ActionKind::parse(&self.action).unwrap_or(ActionKind::RecordAction),
            from_status: self.from_status.as_deref().and_then(Status::parse),
            to_status: Status::parse(&self.to_status).unwrap_or(Status::Submitted),
            comment: self.comment,
            actor: if show_names { self.actor_name } else { None },
            actor_role: self.actor_role.as_deref().and_then(Role::parse),
            actor_kind: self.actor_kind,
            visible_to_requester: self.visible_to_requester != 0,
        }
    }
}

impl Taka {
    pub(crate) async fn load_request(&self, reference: &str) -> ServiceResult<RequestRow> {
        if !domain::looks_like_reference(reference) {
            return Err(AppError::NotFound.into());
        }
        sqlx::query_as(REQUEST_SELECT)
            .bind(reference)
            .fetch_optional(&self.db.read)
            .await?
            .ok_or_else(|| AppError::NotFound.into())
    }

    /// Submit a request for a service. `staff` is set when a provider registers it for a
    /// visitor at the desk; scope is checked here.
    pub async fn submit(
        &self,
        input: NewRequest,
        staff: Option<&super::StaffContext>,
    ) -> ServiceResult<Receipt> {
        #[derive(sqlx::FromRow)]
        struct Svc {
            id: i64,
            institution_id: i64,
            fields_json: String,
            sla_register_hours: i64,
            sla_decide_days: i64,
            sla_fulfil_days: i64,
            sla_target_pct: i64,
            auto_register: i64,
            service_name: String,
            institution_name: String,
        }
        let svc: Svc = sqlx::query_as(
            "SELECT s.id, s.institution_id, s.fields_json, s.sla_register_hours, s.sla_decide_days,
                    s.sla_fulfil_days, s.sla_target_pct, s.auto_register,
                    COALESCE(st.name, sl.name) AS service_name, COALESCE(it.name, il.name) AS institution_name
             FROM services s
             JOIN service_texts sl ON sl.service_id = s.id AND sl.lang = 'lv'
             LEFT JOIN service_texts st ON st.service_id = s.id AND st.lang = $2
             JOIN institution_texts il ON il.institution_id = s.institution_id AND il.lang = 'lv'
             LEFT JOIN institution_texts it ON it.institution_id = s.institution_id AND it.lang = $2
             WHERE s.code = $1 AND s.active = 1",
        )
        .bind(&input.service_code)
        .bind(input.lang.code())
        .fetch_optional(&self.db.read)
        .await?
        .ok_or(AppError::NotFound)?;

        let actor = match staff {
            Some(ctx) => {
                if !ctx.can_see(svc.id, svc.institution_id) {
                    return Err(AppError::Forbidden.into());
                }
                Actor::Staff(ctx.user.role)
            }
            None => Actor::Requester,
        };
        if !ActionKind::Submit.permits(actor) {
            return Err(AppError::Forbidden.into());
        }

        // Validate everything before anything is written.
        let schema = parse_fields(&svc.fields_json)?;
        let mut errors = FieldErrors::new();
        let values = domain::fields::validate(&schema, &input.values).unwrap_or_else(|e| {
            errors.extend(e);
            BTreeMap::new()
        });
        let contact = Contact::parse(
            &input.contact_name,
            &input.contact_email,
            &input.contact_phone,
        )
        .unwrap_or_else(|e| {
            errors.extend(e);
            Contact::default()
        });
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors).into());
        }

        if let Some(key) = &input.idempotency
            && let Some(receipt) = self.replay_idempotent(key).await?
        {
            return Ok(receipt);
        }

        let at = self.now();
        let today = local_date(at);
        let cal = self.calendar_for(svc.institution_id).await?;
        let targets = super::sla::targets_of(
            svc.sla_register_hours,
            svc.sla_decide_days,
            svc.sla_fulfil_days,
            svc.sla_target_pct,
        );
        let code = new_tracking_code();
        let values_json =
            serde_json::to_string(&values).map_err(|e| ServiceError::Internal(e.to_string()))?;

        // A service that registers automatically does so through the lifecycle, as the system.
        let submitted_by = ActingAs {
            actor,
            user_id: staff.map(|s| s.user.id),
        };
        let mut events = vec![NewEvent {
            by: submitted_by,
            action: ActionKind::Submit,
            from: None,
            to: Status::Submitted,
            comment: None,
            visible: true,
        }];
        let mut status = Status::Submitted;
        if svc.auto_register != 0 {
            let t = lifecycle::apply(status, &Action::Register { note: None }, Actor::System)?;
            events.push(NewEvent {
                by: ActingAs {
                    actor: Actor::System,
                    user_id: None,
                },
                action: t.action,
                from: Some(status),
                to: t.to,
                comment: None,
                visible: t.visible_to_requester,
            });
            status = t.to;
        }
        // The service-level clock starts now, on the institution's calendar; the requester
        // is told the date all stages together would take.
        let clock = sla::on_submit(&cal, &targets, status, at);
        let due_at = sla::expected_by(&cal, &targets, &clock, at).unwrap_or(at);

        let mut tx = self.db.write.begin().await?;
        let counter = format!("reference-{}", today.year());
        let (number,): (i64,) = sqlx::query_as(
            "INSERT INTO counters (name, value) VALUES ($1, 1)
             ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
        )
        .bind(&counter)
        .fetch_one(&mut *tx)
        .await?;
        let reference = domain::format_reference(today.year(), number);
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO requests (reference, tracking_hash, service_id, institution_id, channel, lang,
                contact_name, contact_email, contact_phone, values_json, status, created_by,
                submitted_at, updated_at, due_at, version, registered_at,
                sla_stage, stage_started_at, stage_due_at, stage_budget, risk_at, paused_at,
                paused_remaining, sla_alert, sla_breached, sla_done_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $26,
                $16, $17, $18, $19, $20, $21, $22, $23, $24, $25) RETURNING id",
        )
        .bind(&reference)
        .bind(sha256_hex(&code))
        .bind(svc.id)
        .bind(svc.institution_id)
        .bind(input.channel.as_str())
        .bind(input.lang.code())
        .bind(&contact.name)
        .bind(&contact.email)
        .bind(&contact.phone)
        .bind(&values_json)
        .bind(status.as_str())
        .bind(staff.map(|s| s.user.id))
        .bind(at)
        .bind(due_at)
        .bind(events.len() as i64 - 1)
        .bind(clock.stage.map(SlaStage::as_str))
        .bind(clock.started_at)
        .bind(clock.due_at)
        .bind(clock.budget)
        .bind(clock.risk_at)
        .bind(clock.paused_at)
        .bind(clock.paused_remaining)
        .bind(clock.alert)
        .bind(i64::from(clock.breached))
        .bind(clock.done_at)
        .bind((status == Status::Registered).then_some(at))
        .fetch_one(&mut *tx)
        .await?;
        insert_events(&mut tx, id, at, &events).await?;
        if let Some(key) = &input.idempotency {
            let inserted = sqlx::query(
                "INSERT INTO idempotency_keys (key, body_hash, request_id, tracking_code, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&key.key)
            .bind(&key.body_hash)
            .bind(id)
            .bind(&code)
            .bind(at)
            .execute(&mut *tx)
            .await;
            if let Err(e) = inserted {
                // Another submission with the same key won the race: answer with its request.
                if is_unique_violation(&e) {
                    drop(tx);
                    return self
                        .replay_idempotent(key)
                        .await?
                        .ok_or_else(|| AppError::Conflict.into());
                }
                return Err(e.into());
            }
        }
        record_rollups(
            &mut tx,
            rollup::Place {
                service_id: svc.id,
                institution_id: svc.institution_id,
                channel: input.channel.as_str(),
            },
            None,
            &rollup::Facts {
                submitted_at: at,
                registered_at: (status == Status::Registered).then_some(at),
                ..Default::default()
            },
        )
        .await?;
        if let Some(email) = contact.email.as_deref().filter(|e| !e.is_empty()) {
            notify::enqueue_mail(
                &mut tx,
                Mail {
                    key: format!("req:{id}:receipt"),
                    request_id: Some(id),
                    user_id: None,
                    to: email,
                    lang: input.lang,
                    template: "receipt",
                    vars: vec![
                        ("reference", reference.clone()),
                        ("service", svc.service_name.clone()),
                        ("institution", svc.institution_name.clone()),
                        ("tracking_code", code.clone()),
                        ("tracking_link", self.tracking_link(&reference, Some(&code))),
                        ("expected_by", local_date_string(due_at)),
                        ("portal_url", self.public_url().to_string()),
                    ],
                },
                at,
            )
            .await?;
        }
        tx.commit().await?;
        self.wake_outbox();
        Ok(Receipt {
            reference,
            tracking_code: code,
            status,
            service_name: svc.service_name,
            institution_name: svc.institution_name,
            submitted_at: at,
            expected_by: local_date_string(due_at),
            expected_at: due_at,
        })
    }

    /// If this idempotency key was used before: the same body returns the same receipt,
    /// another body is refused.
    async fn replay_idempotent(&self, key: &IdempotencyKey) -> ServiceResult<Option<Receipt>> {
        #[derive(sqlx::FromRow)]
        struct Prior {
            body_hash: String,
            tracking_code: String,
            reference: String,
            status: String,
            lang: String,
            service_code: String,
            submitted_at: i64,
            due_at: i64,
        }
        let prior: Option<Prior> = sqlx::query_as(
            "SELECT k.body_hash, k.tracking_code, r.reference, r.status, r.lang, s.code AS service_code,
                    r.submitted_at, r.due_at
             FROM idempotency_keys k JOIN requests r ON r.id = k.request_id JOIN services s ON s.id = r.service_id
             WHERE k.key = $1",
        )
        .bind(&key.key)
        .fetch_optional(&self.db.write)
        .await?;
        let Some(p) = prior else { return Ok(None) };
        if !constant_time_eq(&p.body_hash, &key.body_hash) {
            return Err(AppError::IdempotencyMismatch.into());
        }
        let lang = Lang::parse(&p.lang).unwrap_or_default();
        let names = self.names_for(&p.service_code, lang).await?;
        Ok(Some(Receipt {
            reference: p.reference,
            tracking_code: p.tracking_code,
            status: Status::parse(&p.status).unwrap_or(Status::Submitted),
            service_name: names.0,
            institution_name: names.1,
            submitted_at: p.submitted_at,
            expected_by: local_date_string(p.due_at),
            expected_at: p.due_at,
        }))
    }

    pub(crate) async fn names_for(
        &self,
        service_code: &str,
        lang: Lang,
    ) -> ServiceResult<(String, String)> {
        let sql = format!("{SERVICE_NAMES} WHERE s.code = $1");
        let row: Option<(String, String)> = sqlx::query_as(&sql)
            .bind(service_code)
            .bind(lang.code())
            .fetch_optional(&self.db.read)
            .await?;
        Ok(row.unwrap_or_default())
    }

    /// Find a request by reference and tracking code. A wrong code and an unknown reference
    /// give the same answer.
    pub(crate) async fn authorise_requester(
        &self,
        reference: &str,
        code: &str,
    ) -> ServiceResult<RequestRow> {
        let reference = reference.trim().to_ascii_uppercase();
        let hash = sha256_hex(&domain::normalise_tracking_code(code));
        match self.load_request(&reference).await {
            Ok(row) if constant_time_eq(&row.tracking_hash, &hash) => Ok(row),
            Ok(_) | Err(ServiceError::App(AppError::NotFound)) => Err(AppError::NotFound.into()),
            Err(e) => Err(e),
        }
    }

    /// The requester's view: status, stage, expected date and the visible timeline.
    pub async fn track(
        &self,
        reference: &str,
        code: &str,
        lang: Lang,
    ) -> ServiceResult<TrackingView> {
        let row = self.authorise_requester(reference, code).await?;
        self.tracking_view(&row, lang).await
    }

    pub(crate) async fn tracking_view(
        &self,
        row: &RequestRow,
        lang: Lang,
    ) -> ServiceResult<TrackingView> {
        let status = row.status()?;
        let timeline = self.timeline(row.id, true).await?;
        let sla = self
            .sla_view(
                row.institution_id,
                row.service_id,
                &row.clock.clock(),
                row.due_at,
            )
            .await?;
        let (service_name, institution_name) = self.names_for(&row.service_code, lang).await?;
        let handler_role = match row.assignee_id {
            Some(uid) => sqlx::query_as::<_, (String,)>("SELECT role FROM users WHERE id = $1")
                .bind(uid)
                .fetch_optional(&self.db.read)
                .await?
                .and_then(|(r,)| Role::parse(&r)),
            None => None,
        };
        let rating: Option<(i64,)> =
            sqlx::query_as("SELECT score FROM feedback WHERE request_id = $1")
                .bind(row.id)
                .fetch_optional(&self.db.read)
                .await?;
        let open_question = (status == Status::AwaitingInformation)
            .then(|| {
                timeline
                    .iter()
                    .rev()
                    .find(|e| e.action == ActionKind::RequestInformation)
                    .and_then(|e| e.comment.clone())
            })
            .flatten();
        Ok(TrackingView {
            reference: row.reference.clone(),
            submitted_on: local_date_string(row.submitted_at),
            service_code: row.service_code.clone(),
            service_name,
            institution_name,
            status,
            stage: status.stage(),
            submitted_at: row.submitted_at,
            expected_by: sla.expected_on.clone(),
            sla,
            handler_role,
            decision_reason: row.decision_reason.clone(),
            result: row.result.clone(),
            rating: rating.map(|r| r.0),
            timeline,
            actions: lifecycle::available_actions(status, Actor::Requester),
            open_question,
        })
    }

    /// The history of a request; `requester_only` keeps the events the requester may see.
    pub(crate) async fn timeline(
        &self,
        request_id: i64,
        requester_only: bool,
    ) -> ServiceResult<Vec<TimelineEntry>> {
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT e.at, e.action, e.from_status, e.to_status, e.comment, e.actor_kind,
                    u.display_name AS actor_name, u.role AS actor_role, e.visible_to_requester
             FROM request_events e LEFT JOIN users u ON u.id = e.actor_user_id
             WHERE e.request_id = $1 AND ($2 = 0 OR e.visible_to_requester = 1)
             ORDER BY e.id",
        )
        .bind(request_id)
        .bind(i64::from(requester_only))
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| r.into_entry(!requester_only))
            .collect())
    }

    /// The requester answers, withdraws or rates, proved by the tracking code.
    pub async fn requester_act(
        &self,
        reference: &str,
        code: &str,
        action: Action,
        lang: Lang,
    ) -> ServiceResult<TrackingView> {
        let row = self.authorise_requester(reference, code).await?;
        self.transition(
            &row,
            row.version,
            action,
            ActingAs {
                actor: Actor::Requester,
                user_id: None,
            },
            None,
        )
        .await?;
        let row = self.load_request(&row.reference).await?;
        self.tracking_view(&row, lang).await
    }

    /// The one place a request's status changes. Optimistic: the update only applies if the
    /// request is still at `expected_version`, so two people acting at once cannot both win.
    pub(crate) async fn transition(
        &self,
        row: &RequestRow,
        expected_version: i64,
        action: Action,
        by: ActingAs,
        new_assignee: Option<i64>,
    ) -> ServiceResult<lifecycle::Transition> {
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
        let cal = self.calendar_for(row.institution_id).await?;
        let targets = self.targets(row.service_id).await?;
        let old_clock = row.clock.clock();
        let clock = sla::after_transition(&cal, &targets, &old_clock, t.from, t.to, at);
        let due_at = sla::expected_by(&cal, &targets, &clock, at).unwrap_or(row.due_at);
        // Names for the requester's message, read only when there is someone to write to.
        let names = if row.contact_email.as_deref().is_some_and(|e| !e.is_empty()) {
            self.names_for(
                &row.service_code,
                Lang::parse(&row.lang).unwrap_or_default(),
            )
            .await?
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
            super::sla::clock_set(11)
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
        let updated = super::sla::bind_clock(q, &clock)
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

    /// `/track?reference=...` (with the code only in the receipt, which is the one message
    /// that may carry it).
    pub(crate) fn tracking_link(&self, reference: &str, code: Option<&str>) -> String {
        let mut link = format!(
            "{}/track?reference={}",
            self.public_url(),
            urlencoding::encode(reference)
        );
        if let Some(code) = code {
            link.push_str("&code=");
            link.push_str(&urlencoding::encode(code));
        }
        link
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
                .map(super::local_time_string)
                .unwrap_or_default();
            self.tell_staff(
                tx,
                super::sla::StaffNote {
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

/// Add what a change contributes to the analytics rollups, inside its transaction.
async fn record_rollups(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    place: rollup::Place,
    before: Option<&rollup::Facts>,
    after: &rollup::Facts,
) -> ServiceResult<()> {
    let mut acc = rollup::Accumulator::default();
    acc.add(place, &rollup::events(before, after));
    acc.write(tx).await
}

/// One event of a request's history, about to be written.
struct NewEvent<'a> {
    by: ActingAs,
    action: ActionKind,
    from: Option<Status>,
    to: Status,
    comment: Option<&'a str>,
    visible: bool,
}

/// Append events to a request's history, in one statement.
async fn insert_events(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    request_id: i64,
    at: i64,
    events: &[NewEvent<'_>],
) -> ServiceResult<()> {
    let rows: Vec<String> = (0..events.len())
        .map(|i| {
            let p: Vec<String> = (1..=9).map(|k| format!("${}", i * 9 + k)).collect();
            format!("({})", p.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO request_events (request_id, at, actor_kind, actor_user_id, action, from_status, to_status, comment, visible_to_requester)
         VALUES {}",
        rows.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for e in events {
        q = q
            .bind(request_id)
            .bind(at)
            .bind(e.by.actor.kind_str())
            .bind(e.by.user_id)
            .bind(e.action.as_str())
            .bind(e.from.map(Status::as_str))
            .bind(e.to.as_str())
            .bind(e.comment)
            .bind(i64::from(e.visible));
    }
    q.execute(&mut **tx).await?;
    Ok(())
}
