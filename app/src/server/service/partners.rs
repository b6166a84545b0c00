//! Partner systems (issue 12). Portfolio owners and administrators of an institution
//! create a partner for chosen services and see its key once; the key then lets the
//! partner submit through Open311 and the API, and register webhooks for those services.
//! Webhook deliveries go through the outbox (`notify::enqueue_webhooks`, `server/webhook.rs`);
//! those that gave up wait here, in the dead-letter list, until someone sends them again.

use super::shared::{AuditEntry, record_audit};
use super::{StaffContext, Taka, local_time_text, new_token};
use crate::domain::admin::may_administer;
use crate::domain::partners::{self, EventType};
use crate::domain::{FieldError, FieldErrors, Lang};
use crate::error::AppError;
use crate::model::{DeadLetter, PartnerView, PartnersPage, WebhookView};
use crate::server::error::ServiceResult;

/// Partner keys start with this, so they are recognisable in logs and secret scanners.
pub const PARTNER_KEY_PREFIX: &str = "tkp_";
/// Webhooks one partner may hold.
pub const MAX_WEBHOOKS: i64 = 20;

/// A partner, known by its key.
#[derive(Debug, Clone)]
pub struct Partner {
    pub id: i64,
    pub institution_id: i64,
    pub name: String,
    /// The services it may submit to and hear about.
    pub service_ids: Vec<i64>,
}

/// A webhook as its partner registers it.
#[derive(Debug, Clone, Default)]
pub struct NewWebhook {
    pub url: String,
    pub secret: String,
    pub events: Vec<String>,
    pub services: Vec<String>,
}

fn invalid(field: &str, e: FieldError) -> AppError {
    let mut errors = FieldErrors::new();
    errors.insert(field.into(), e);
    AppError::Invalid(errors)
}

impl Taka {
    fn manages_partners(&self, ctx: &StaffContext) -> ServiceResult<()> {
        if ctx.analytics_only || !may_administer(ctx.user.role) {
            return Err(AppError::Forbidden.into());
        }
        Ok(())
    }

    fn partner_key_hash(&self, key: &str) -> String {
        self.secret().mac("partner-key", key.trim().as_bytes())
    }

    /// The partner holding `key`; an unknown or revoked key is `Unauthorized`.
    pub async fn partner_by_key(&self, key: &str) -> ServiceResult<Partner> {
        let key = key.trim();
        if !key.starts_with(PARTNER_KEY_PREFIX) || key.len() > 200 {
            return Err(AppError::Unauthorized.into());
        }
        let row: Option<(i64, i64, String)> = sqlx::query_as(
            "SELECT id, institution_id, name FROM partners WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(self.partner_key_hash(key))
        .fetch_optional(&self.db.read)
        .await?;
        let (id, institution_id, name) = row.ok_or(AppError::Unauthorized)?;
        let service_ids: Vec<(i64,)> =
            sqlx::query_as("SELECT service_id FROM partner_services WHERE partner_id = $1")
                .bind(id)
                .fetch_all(&self.db.read)
                .await?;
        // When it was last used, to the minute (not a write per request).
        let now = self.now();
        sqlx::query(
            "UPDATE partners SET last_used_at = $1 WHERE id = $2
             AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(now)
        .bind(id)
        .bind(now - 60)
        .execute(&self.db.write)
        .await?;
        Ok(Partner {
            id,
            institution_id,
            name,
            service_ids: service_ids.into_iter().map(|(s,)| s).collect(),
        })
    }

    /// Services of `institution_id` by code, as (id, code); unknown codes are an error on
    /// `field`.
    async fn institution_services(
        &self,
        institution_id: i64,
        codes: &[String],
        field: &str,
    ) -> ServiceResult<Vec<(i64, String)>> {
        let all: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, code FROM services WHERE institution_id = $1 ORDER BY code")
                .bind(institution_id)
                .fetch_all(&self.db.read)
                .await?;
        let mut chosen = Vec::new();
        for code in codes {
            match all.iter().find(|(_, c)| c == code.trim()) {
                Some(s) => chosen.push(s.clone()),
                None => return Err(invalid(field, FieldError::InvalidChoice).into()),
            }
        }
        chosen.sort();
        chosen.dedup();
        Ok(chosen)
    }

    /// Create a partner of `ctx`'s institution for `service_codes`; returns its key, shown
    /// once.
    pub async fn create_partner(
        &self,
        ctx: &StaffContext,
        name: &str,
        service_codes: &[String],
    ) -> ServiceResult<String> {
        self.manages_partners(ctx)?;
        let key = format!("{PARTNER_KEY_PREFIX}{}", new_token());
        self.create_partner_with_key(ctx.institution_id, Some(ctx), name, service_codes, &key)
            .await?;
        Ok(key)
    }

    /// Create a partner with a given key (the demo's, which the README shows; and
    /// `create_partner`).
    pub async fn create_partner_with_key(
        &self,
        institution_id: i64,
        ctx: Option<&StaffContext>,
        name: &str,
        service_codes: &[String],
        key: &str,
    ) -> ServiceResult<i64> {
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid("name", FieldError::Required).into());
        }
        if name.chars().count() > partners::MAX_NAME {
            return Err(invalid(
                "name",
                FieldError::TooLong {
                    max: partners::MAX_NAME,
                },
            )
            .into());
        }
        if service_codes.is_empty() {
            return Err(invalid("services", FieldError::Required).into());
        }
        let services = self
            .institution_services(institution_id, service_codes, "services")
            .await?;
        let at = self.now();
        let hint: String = key.chars().take(PARTNER_KEY_PREFIX.len() + 4).collect();
        let mut tx = self.db.write.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO partners (institution_id, name, key_hash, key_hint, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(institution_id)
        .bind(name)
        .bind(self.partner_key_hash(key))
        .bind(&hint)
        .bind(ctx.map(|c| c.user.id))
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        for (sid, _) in &services {
            sqlx::query("INSERT INTO partner_services (partner_id, service_id) VALUES ($1, $2)")
                .bind(id)
                .bind(sid)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(ctx) = ctx {
            let codes: Vec<&str> = services.iter().map(|(_, c)| c.as_str()).collect();
            record_audit(
                &mut tx,
                at,
                AuditEntry::by(ctx, "partner", name.to_string(), "create").change(
                    None,
                    Some(serde_json::json!({"name": name, "services": codes, "key": hint})),
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Revoke a partner's key: it can no longer submit, and its webhooks stop.
    pub async fn revoke_partner(&self, ctx: &StaffContext, partner_id: i64) -> ServiceResult<()> {
        self.manages_partners(ctx)?;
        let at = self.now();
        let mut tx = self.db.write.begin().await?;
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT name FROM partners WHERE id = $1 AND institution_id = $2 AND revoked_at IS NULL",
        )
        .bind(partner_id)
        .bind(ctx.institution_id)
        .fetch_optional(&mut *tx)
        .await?;
        let (name,) = row.ok_or(AppError::NotFound)?;
        sqlx::query("UPDATE partners SET revoked_at = $1 WHERE id = $2")
            .bind(at)
            .bind(partner_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE webhooks SET deleted_at = $1 WHERE partner_id = $2 AND deleted_at IS NULL",
        )
        .bind(at)
        .bind(partner_id)
        .execute(&mut *tx)
        .await?;
        record_audit(&mut tx, at, AuditEntry::by(ctx, "partner", name, "revoke")).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Register a webhook for partner `p`.
    pub async fn register_webhook(
        &self,
        p: &Partner,
        input: &NewWebhook,
        lang: Lang,
    ) -> ServiceResult<WebhookView> {
        let mut errors = FieldErrors::new();
        if let Err(e) = partners::check_webhook_url(&input.url, self.policy().webhooks_allow_local)
        {
            errors.insert("url".into(), e);
        }
        if let Err(e) = partners::check_webhook_secret(&input.secret) {
            errors.insert("secret".into(), e);
        }
        let mut events = Vec::new();
        for e in &input.events {
            match EventType::parse(e) {
                Some(e) if !events.contains(&e) => events.push(e),
                Some(_) => {}
                None => {
                    errors.insert("events".into(), FieldError::InvalidChoice);
                }
            }
        }
        if input.events.is_empty() {
            errors.insert("events".into(), FieldError::Required);
        }
        if input.services.is_empty() {
            errors.insert("services".into(), FieldError::Required);
        }
        let services = match self
            .institution_services(p.institution_id, &input.services, "services")
            .await
        {
            Ok(s) if s.iter().all(|(id, _)| p.service_ids.contains(id)) => s,
            _ => {
                errors.insert("services".into(), FieldError::InvalidChoice);
                Vec::new()
            }
        };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors).into());
        }
        let (count,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM webhooks WHERE partner_id = $1 AND deleted_at IS NULL",
        )
        .bind(p.id)
        .fetch_one(&self.db.read)
        .await?;
        if count >= MAX_WEBHOOKS {
            return Err(AppError::TooManyAttempts(3600).into());
        }
        let at = self.now();
        let public_id = format!("wh_{}", &new_token()[..24]);
        let events_text = events
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let codes: Vec<String> = services.into_iter().map(|(_, c)| c).collect();
        sqlx::query(
            "INSERT INTO webhooks (public_id, partner_id, url, secret, events, services, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&public_id)
        .bind(p.id)
        .bind(input.url.trim())
        .bind(self.secret().seal(&input.secret))
        .bind(&events_text)
        .bind(codes.join(","))
        .bind(at)
        .execute(&self.db.write)
        .await?;
        Ok(WebhookView {
            id: public_id,
            url: input.url.trim().to_string(),
            events: events.iter().map(|e| e.as_str().to_string()).collect(),
            services: codes,
            created_at: super::rfc3339(at),
            created_text: local_time_text(lang, at),
        })
    }

    /// The live webhooks of partner `partner_id`.
    pub async fn partner_webhooks(
        &self,
        partner_id: i64,
        lang: Lang,
    ) -> ServiceResult<Vec<WebhookView>> {
        let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
            "SELECT public_id, url, events, services, created_at FROM webhooks
             WHERE partner_id = $1 AND deleted_at IS NULL ORDER BY id",
        )
        .bind(partner_id)
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, url, events, services, at)| WebhookView {
                id,
                url,
                events: events.split(',').map(String::from).collect(),
                services: services.split(',').map(String::from).collect(),
                created_at: super::rfc3339(at),
                created_text: local_time_text(lang, at),
            })
            .collect())
    }

    /// Delete one of partner `p`'s webhooks; deliveries still waiting for it stop.
    pub async fn delete_webhook(&self, p: &Partner, public_id: &str) -> ServiceResult<()> {
        let at = self.now();
        let mut tx = self.db.write.begin().await?;
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM webhooks WHERE public_id = $1 AND partner_id = $2 AND deleted_at IS NULL",
        )
        .bind(public_id)
        .bind(p.id)
        .fetch_optional(&mut *tx)
        .await?;
        let (id,) = row.ok_or(AppError::NotFound)?;
        sqlx::query("UPDATE webhooks SET deleted_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE outbox SET status = 'failed', last_error = 'webhook deleted', body_text = ''
             WHERE webhook_id = $1 AND status = 'pending'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The partners page: partners of `ctx`'s institution with their services and webhooks,
    /// the services one may choose, and deliveries that gave up.
    pub async fn partners_page(&self, ctx: &StaffContext) -> ServiceResult<PartnersPage> {
        self.manages_partners(ctx)?;
        let lang = ctx.lang;
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            name: String,
            key_hint: String,
            created_at: i64,
            last_used_at: Option<i64>,
            revoked_at: Option<i64>,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, name, key_hint, created_at, last_used_at, revoked_at FROM partners
             WHERE institution_id = $1 ORDER BY revoked_at IS NOT NULL, name, id",
        )
        .bind(ctx.institution_id)
        .fetch_all(&self.db.read)
        .await?;
        let services: Vec<(String, String)> = sqlx::query_as(
            "SELECT s.code, COALESCE(t.name, l.name) FROM services s
             JOIN service_texts l ON l.service_id = s.id AND l.lang = 'lv'
             LEFT JOIN service_texts t ON t.service_id = s.id AND t.lang = $2
             WHERE s.institution_id = $1 ORDER BY s.code",
        )
        .bind(ctx.institution_id)
        .bind(lang.code())
        .fetch_all(&self.db.read)
        .await?;
        let mut partners = Vec::new();
        for r in rows {
            let codes: Vec<(String,)> = sqlx::query_as(
                "SELECT s.code FROM partner_services ps JOIN services s ON s.id = ps.service_id
                 WHERE ps.partner_id = $1 ORDER BY s.code",
            )
            .bind(r.id)
            .fetch_all(&self.db.read)
            .await?;
            partners.push(PartnerView {
                id: r.id,
                name: r.name,
                key_hint: r.key_hint,
                created_text: local_time_text(lang, r.created_at),
                last_used_text: r.last_used_at.map(|t| local_time_text(lang, t)),
                revoked: r.revoked_at.is_some(),
                services: codes.into_iter().map(|(c,)| c).collect(),
                webhooks: if r.revoked_at.is_some() {
                    Vec::new()
                } else {
                    self.partner_webhooks(r.id, lang).await?
                },
            });
        }
        #[derive(sqlx::FromRow)]
        struct Dead {
            id: i64,
            partner: String,
            url: String,
            template: String,
            event_id: Option<String>,
            reference: Option<String>,
            attempts: i64,
            last_error: Option<String>,
            created_at: i64,
        }
        let dead: Vec<Dead> = sqlx::query_as(
            "SELECT o.id, p.name AS partner, w.url, o.template, o.event_id, r.reference, o.attempts,
                    o.last_error, o.created_at
             FROM outbox o JOIN webhooks w ON w.id = o.webhook_id
             JOIN partners p ON p.id = w.partner_id
             LEFT JOIN requests r ON r.id = o.request_id
             WHERE o.channel = 'webhook' AND o.status = 'failed' AND p.institution_id = $1
               AND w.deleted_at IS NULL
             ORDER BY o.id DESC LIMIT 100",
        )
        .bind(ctx.institution_id)
        .fetch_all(&self.db.read)
        .await?;
        Ok(PartnersPage {
            partners,
            services,
            dead_letters: dead
                .into_iter()
                .map(|d| DeadLetter {
                    id: d.id,
                    partner: d.partner,
                    url: d.url,
                    event: d.template,
                    event_id: d.event_id.unwrap_or_default(),
                    reference: d.reference,
                    attempts: d.attempts,
                    last_error: d.last_error,
                    created_text: local_time_text(lang, d.created_at),
                })
                .collect(),
        })
    }

    /// Send a delivery that gave up once more (from the dead-letter list): the same event
    /// with the same id, attempts counted afresh.
    pub async fn retry_delivery(&self, ctx: &StaffContext, outbox_id: i64) -> ServiceResult<()> {
        self.manages_partners(ctx)?;
        let at = self.now();
        let updated = sqlx::query(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1,
                locked_until = NULL
             WHERE id = $2 AND channel = 'webhook' AND status = 'failed' AND body_text <> ''
               AND webhook_id IN (SELECT w.id FROM webhooks w JOIN partners p ON p.id = w.partner_id
                                  WHERE p.institution_id = $3 AND w.deleted_at IS NULL)",
        )
        .bind(at)
        .bind(outbox_id)
        .bind(ctx.institution_id)
        .execute(&self.db.write)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(AppError::NotFound.into());
        }
        self.wake_outbox();
        Ok(())
    }
}
