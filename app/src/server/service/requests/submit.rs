//! Submitting a request through any channel, and replaying an idempotent submission.

use super::{IdempotencyKey, NewEvent, NewRequest, insert_events, record_rollups};
use crate::domain::automation::Rule;
use crate::domain::sla::{self, SlaStage};
use crate::domain::{
    self, Action, ActionKind, Actor, Contact, FieldErrors, Lang, Status, lifecycle,
};
use crate::error::AppError;
use crate::model::{Receipt, Visibility};
use crate::server::db::is_unique_violation;
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::notify::{self, Mail};
use crate::server::service::files::record_refusal;
use crate::server::service::shared::{self, ActingAs, parse_fields};
use crate::server::service::{
    self, Taka, constant_time_eq, local_date, local_date_string, new_tracking_code, rollup,
};
use chrono::Datelike;
use std::collections::BTreeMap;

impl Taka {
    /// Submit a request for a service. `staff` is set when a provider registers it for a
    /// visitor at the desk; scope is checked here.
    pub async fn submit(
        &self,
        input: NewRequest,
        staff: Option<&service::StaffContext>,
    ) -> ServiceResult<Receipt> {
        #[derive(sqlx::FromRow)]
        struct Svc {
            id: i64,
            institution_id: i64,
            fields_json: String,
            version: i64,
            sla_register_hours: i64,
            sla_decide_days: i64,
            sla_fulfil_days: i64,
            sla_target_pct: i64,
            auto_register: i64,
            automation_json: String,
            asks_location: i64,
            service_name: String,
            institution_name: String,
        }
        let svc: Svc = sqlx::query_as(
            "SELECT s.id, s.institution_id, s.fields_json, s.version, s.sla_register_hours, s.sla_decide_days,
                    s.sla_fulfil_days, s.sla_target_pct, s.auto_register, s.automation_json, s.asks_location,
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

        // The requester's language, kept on the request for every message to them: the
        // one they use, when the institution offers it.
        let lang = input
            .lang
            .or_offered(&self.institution_languages(svc.institution_id).await?);
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
        // A partner submits only to the services it was given.
        if let Some(partner) = input.origin.partner_id {
            let given: Option<(i64,)> = sqlx::query_as(
                "SELECT ps.partner_id FROM partner_services ps JOIN partners p ON p.id = ps.partner_id
                 WHERE ps.partner_id = $1 AND ps.service_id = $2 AND p.revoked_at IS NULL",
            )
            .bind(partner)
            .bind(svc.id)
            .fetch_optional(&self.db.read)
            .await?;
            if given.is_none() {
                return Err(AppError::Forbidden.into());
            }
        }

        // Validate everything before anything is written.
        let schema = parse_fields(&svc.fields_json)?;
        let mut errors = FieldErrors::new();
        // Files come as uploads the form names; their names become the fields' values.
        let mut posted = input.values.clone();
        let files = self
            .claim_uploads(svc.id, &schema, &input.files, &mut posted, &mut errors)
            .await?;
        let values = domain::fields::validate(&schema, &posted).unwrap_or_else(|e| {
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
        // A service that asks where: coordinates or an address.
        if svc.asks_location == 1 && input.origin.location.is_empty() {
            errors.insert("location_address".into(), domain::FieldError::Required);
        }
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
        let cal = self.calendar_for(svc.id, svc.institution_id).await?;
        let targets = shared::targets_of(
            svc.sla_register_hours,
            svc.sla_decide_days,
            svc.sla_fulfil_days,
            svc.sla_target_pct,
        );
        // An idempotent submission's code is derived from its key with the server secret,
        // so a replay can give it again without it being stored anywhere.
        let code = match &input.idempotency {
            Some(key) => self.idempotent_code(key),
            None => new_tracking_code(),
        };
        let values_json =
            serde_json::to_string(&values).map_err(|e| ServiceError::Internal(e.to_string()))?;

        // A service that registers automatically does so through the lifecycle, as the system.
        let submitted_by = ActingAs {
            actor,
            user_id: staff.map(|s| s.user.id),
            rule: None,
        };
        let mut events = vec![NewEvent {
            by: submitted_by,
            action: ActionKind::Submit,
            from: None,
            to: Status::Submitted,
            comment: None,
            visible: true,
        }];
        let automation = shared::automation_from(svc.auto_register, &svc.automation_json);
        let mut status = Status::Submitted;
        if automation.auto_register {
            let t = lifecycle::apply(status, &Action::Register { note: None }, Actor::System)?;
            events.push(NewEvent {
                by: ActingAs::system(Rule::AutoRegister),
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

        // At most a few receipts an hour to one address: the form cannot be used to aim
        // mail at someone. Past that the request stands and the receipt page shows the code.
        // (Counted before the transaction: on SQLite it holds the one writing connection.)
        let email = match contact.email.as_deref().filter(|e| !e.is_empty()) {
            Some(e) => match self
                .hit(service::Limit::ReceiptMail, &e.to_lowercase())
                .await
            {
                Ok(()) => Some(e),
                Err(ServiceError::App(AppError::TooManyAttempts(_))) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        let signoff = self.mail_signoff(svc.institution_id, lang).await?;
        let mut tx = self.db.write.begin().await?;
        // The same contact with another open request for this service: flagged to staff.
        let duplicate = self.open_duplicate(&mut tx, svc.id, &contact).await?;
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
                paused_remaining, sla_alert, sla_breached, sla_done_at, service_version, duplicate_of,
                latitude, longitude, address, partner_id, public_token, requester_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $26,
                $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $27, $28, CAST($29 AS DOUBLE PRECISION), CAST($30 AS DOUBLE PRECISION), $31, $32, $33, $34) RETURNING id",
        )
        .bind(&reference)
        .bind(self.code_hash(&code))
        .bind(svc.id)
        .bind(svc.institution_id)
        .bind(input.channel.as_str())
        .bind(lang.code())
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
        .bind(svc.version)
        .bind(duplicate.as_ref().map(|d| d.id))
        // As text: sqlx's Any driver sends a missing number with a type PostgreSQL then keeps
        // for the prepared statement, and a later coordinate would not fit it.
        .bind(input.origin.location.lat.map(|v| v.to_string()))
        .bind(input.origin.location.long.map(|v| v.to_string()))
        .bind(input.origin.location.address.as_deref())
        .bind(input.origin.partner_id)
        .bind(input.origin.public_token.as_deref())
        .bind(input.origin.requester_id)
        .fetch_one(&mut *tx)
        .await?;
        insert_events(&mut tx, id, at, &events).await?;
        let refused = self
            .attach_claimed(
                &mut tx,
                id,
                &files,
                Visibility::Requester,
                None,
                Some(&values),
            )
            .await?;
        for (name, signature) in &refused {
            record_refusal(&mut tx, id, at, status, name, signature).await?;
        }
        if let Some(key) = &input.idempotency {
            let inserted = sqlx::query(
                "INSERT INTO idempotency_keys (key_hash, body_hash, request_id, created_at)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(self.idempotency_hash(key))
            .bind(&key.body_hash)
            .bind(id)
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
        notify::enqueue_webhooks(
            &mut tx,
            self.public_url(),
            &notify::WebhookEvent {
                event: crate::domain::partners::EventType::Created,
                request_id: id,
                service_id: svc.id,
                service_code: &input.service_code,
                reference: &reference,
                version: events.len() as i64 - 1,
                status,
                previous: None,
                at,
            },
        )
        .await?;
        if let Some(email) = email {
            // The requester's other open request is named only to the address it was made
            // with: the mail goes to that mailbox, and the receipt page says nothing.
            let (open_reference, open_link) = match duplicate.as_ref().filter(|d| d.same_email) {
                Some(d) => (d.reference.clone(), self.tracking_link(&d.reference, None)),
                None => Default::default(),
            };
            notify::enqueue_mail(
                &mut tx,
                self.secret(),
                Mail {
                    key: format!("req:{id}:receipt"),
                    request_id: Some(id),
                    user_id: None,
                    to: email,
                    lang,
                    template: "receipt",
                    vars: vec![
                        ("reference", reference.clone()),
                        ("service", svc.service_name.clone()),
                        ("institution", signoff),
                        ("tracking_code", code.clone()),
                        ("tracking_link", self.tracking_link(&reference, Some(&code))),
                        (
                            "expected_by",
                            crate::i18n_text::iso_date(
                                crate::i18n_text::locale(lang),
                                &local_date_string(due_at),
                            ),
                        ),
                        ("portal_url", self.public_url().to_string()),
                        ("open_reference", open_reference),
                        ("open_link", open_link),
                    ],
                },
                at,
            )
            .await?;
        }
        tx.commit().await?;
        self.wake_outbox();
        let mut receipt = Receipt {
            reference,
            tracking_code: code,
            status,
            service_name: svc.service_name,
            institution_name: svc.institution_name,
            submitted_at: at,
            expected_by: local_date_string(due_at),
            expected_at: due_at,
        };
        // Approval on arrival, after the request is safely stored: the steps are the
        // system's, through the lifecycle, and a failure leaves the request where it is.
        if automation.approves(&values) {
            self.approve_on_arrival(&receipt.reference).await;
            if let Ok(row) = self.load_request(&receipt.reference).await {
                receipt.status = row.status().unwrap_or(receipt.status);
                receipt.expected_at = row.due_at;
                receipt.expected_by = local_date_string(row.due_at);
            }
        }
        Ok(receipt)
    }

    /// If this idempotency key was used before: the same body returns the same receipt,
    /// another body is refused.
    async fn replay_idempotent(&self, key: &IdempotencyKey) -> ServiceResult<Option<Receipt>> {
        #[derive(sqlx::FromRow)]
        struct Prior {
            body_hash: String,
            reference: String,
            status: String,
            lang: String,
            service_code: String,
            submitted_at: i64,
            due_at: i64,
        }
        let prior: Option<Prior> = sqlx::query_as(
            "SELECT k.body_hash, r.reference, r.status, r.lang, s.code AS service_code,
                    r.submitted_at, r.due_at
             FROM idempotency_keys k JOIN requests r ON r.id = k.request_id JOIN services s ON s.id = r.service_id
             WHERE k.key_hash = $1 AND k.created_at > $2",
        )
        .bind(self.idempotency_hash(key))
        .bind(self.now() - IDEMPOTENCY_SECONDS)
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
            tracking_code: self.idempotent_code(key),
            status: Status::parse(&p.status).unwrap_or(Status::Submitted),
            service_name: names.0,
            institution_name: names.1,
            submitted_at: p.submitted_at,
            expected_by: local_date_string(p.due_at),
            expected_at: p.due_at,
        }))
    }

    /// The stored form of an idempotency key (keyed: the table never holds the key).
    fn idempotency_hash(&self, key: &IdempotencyKey) -> String {
        self.secret().mac("idempotency-key", key.key.as_bytes())
    }

    /// The tracking code of the submission made with `key`.
    fn idempotent_code(&self, key: &IdempotencyKey) -> String {
        let bytes = self
            .secret()
            .mac_bytes("idempotent-code", key.key.as_bytes());
        let mut first = [0u8; domain::TRACKING_CODE_LEN];
        first.copy_from_slice(&bytes[..domain::TRACKING_CODE_LEN]);
        domain::tracking_code_from(&first)
    }

    /// Forget idempotency records older than a day (the background job).
    pub async fn forget_old_idempotency_keys(&self) -> ServiceResult<u64> {
        let r = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(self.now() - IDEMPOTENCY_SECONDS)
            .execute(&self.db.write)
            .await?;
        Ok(r.rows_affected())
    }
}

/// A retried submission with the same `Idempotency-Key` within this long gets the first
/// one's receipt; after it the key is forgotten.
pub const IDEMPOTENCY_SECONDS: i64 = 24 * 3600;
