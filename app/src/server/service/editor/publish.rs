//! Publishing a draft as the service's next version, withdrawing and restoring it,
//! discarding a draft or an unpublished service, the versions and what changed between
//! them, and the preview of a draft as a citizen will see it.

use super::{Editable, to_json};
use crate::domain::service_draft::{self, ServiceDraft};
use crate::domain::{FieldError, FieldErrors, InstitutionKind, Lang};
use crate::error::AppError;
use crate::model::{InstitutionInfo, LifeSituation, ServiceDetail, VersionRow, VersionsView};
use crate::server::error::ServiceResult;
use crate::server::service::shared::{AuditEntry, parse_fields, record_audit};
use crate::server::service::{StaffContext, Taka, local_time_text};

impl Taka {
    /// Publish the draft of service `code` (at `revision`) as its next version: the
    /// catalogue shows it from now on, new requests use its form, requests made earlier
    /// keep theirs. Returns the new version.
    pub async fn publish_service(
        &self,
        ctx: &StaffContext,
        code: &str,
        version: i64,
        revision: i64,
    ) -> ServiceResult<i64> {
        let e = self.editable(ctx, code).await?;
        let Some((draft, current)) = self.stored_draft(e.id).await? else {
            // Nothing changed since the last publication (or someone published it).
            return Err(AppError::Conflict.into());
        };
        if current != revision || e.version != version {
            return Err(AppError::Conflict.into());
        }
        service_draft::check_publishable(&draft).map_err(AppError::Invalid)?;
        let before = if e.version > 0 {
            Some(self.published_content(e.id).await?)
        } else {
            None
        };
        let next = e.version + 1;
        let at = self.now();
        let fields_json = to_json(&draft.fields)?;
        let content_json = to_json(&draft)?;
        let t = draft.targets;
        let mut tx = self.db.write.begin().await?;
        let changed = sqlx::query(
            "UPDATE services SET fields_json = $1, version = $2, active = 1,
                sla_register_hours = $3, sla_decide_days = $4, sla_fulfil_days = $5,
                sla_target_pct = $6,
                calendar_id = (SELECT id FROM calendars WHERE code = $9),
                asks_location = $10
             WHERE id = $7 AND version = $8",
        )
        .bind(&fields_json)
        .bind(next)
        .bind(i64::from(t.register_hours))
        .bind(i64::from(t.decide_days))
        .bind(i64::from(t.fulfil_days))
        .bind(i64::from(t.target_pct))
        .bind(e.id)
        .bind(e.version)
        .bind(&draft.calendar)
        .bind(i64::from(draft.asks_location))
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() != 1 {
            return Err(AppError::Conflict.into());
        }
        self.write_automation(&mut tx, e.id, &draft.automation)
            .await?;
        // The draft goes in the same statement-checked way: of two publishers one wins.
        let taken =
            sqlx::query("DELETE FROM service_drafts WHERE service_id = $1 AND revision = $2")
                .bind(e.id)
                .bind(revision)
                .execute(&mut *tx)
                .await?;
        if taken.rows_affected() != 1 {
            return Err(AppError::Conflict.into());
        }
        sqlx::query("DELETE FROM service_texts WHERE service_id = $1")
            .bind(e.id)
            .execute(&mut *tx)
            .await?;
        for (lang, texts) in &draft.texts {
            sqlx::query(
                "INSERT INTO service_texts (service_id, lang, name, summary, description,
                    conditions, documents_json, result, fees, legal_basis, contact)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(e.id)
            .bind(lang)
            // A language without its own name shows the Latvian one.
            .bind(if texts.name.is_empty() {
                draft
                    .texts
                    .get("lv")
                    .map(|t| t.name.clone())
                    .unwrap_or_default()
            } else {
                texts.name.clone()
            })
            .bind(&texts.summary)
            .bind(&texts.description)
            .bind(&texts.conditions)
            .bind(to_json(&texts.documents)?)
            .bind(&texts.result)
            .bind(&texts.fees)
            .bind(&texts.legal_basis)
            .bind(&texts.contact)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM service_life_situations WHERE service_id = $1")
            .bind(e.id)
            .execute(&mut *tx)
            .await?;
        for code in &draft.life_situations {
            sqlx::query(
                "INSERT INTO service_life_situations (service_id, life_situation_id)
                 SELECT $1, id FROM life_situations WHERE code = $2",
            )
            .bind(e.id)
            .bind(code)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO service_versions (service_id, version, fields_json, published_at,
                published_by, content_json)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(e.id)
        .bind(next)
        .bind(&fields_json)
        .bind(at)
        .bind(ctx.user.id)
        .bind(&content_json)
        .execute(&mut *tx)
        .await?;
        let before = before.and_then(|b| serde_json::to_value(b).ok());
        record_audit(
            &mut tx,
            at,
            AuditEntry::by(ctx, "service", code.to_string(), "service_published").change(
                before.map(|b| serde_json::json!({"version": e.version, "service": b})),
                Some(serde_json::json!({"version": next, "service": draft})),
            ),
        )
        .await?;
        tx.commit().await?;
        self.forget_calendars();
        Ok(next)
    }

    /// Take a published service out of the catalogue (`withdraw`) or put it back. Open
    /// requests go on either way.
    pub async fn set_service_listed(
        &self,
        ctx: &StaffContext,
        code: &str,
        listed: bool,
    ) -> ServiceResult<()> {
        let e = self.editable(ctx, code).await?;
        if e.version == 0 {
            let mut errors = FieldErrors::new();
            errors.insert("state".into(), FieldError::Required);
            return Err(AppError::Invalid(errors).into());
        }
        if e.active == listed {
            return Ok(());
        }
        let at = self.now();
        let mut tx = self.db.write.begin().await?;
        sqlx::query("UPDATE services SET active = $1 WHERE id = $2")
            .bind(i64::from(listed))
            .bind(e.id)
            .execute(&mut *tx)
            .await?;
        let action = if listed {
            "service_restored"
        } else {
            "service_withdrawn"
        };
        record_audit(
            &mut tx,
            at,
            AuditEntry::by(ctx, "service", code.to_string(), action).change(
                Some(serde_json::json!({"listed": e.active})),
                Some(serde_json::json!({"listed": listed})),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Throw away the unpublished changes of service `code`; a service that was never
    /// published (and so has no requests) goes altogether.
    pub async fn discard_draft(
        &self,
        ctx: &StaffContext,
        code: &str,
        revision: i64,
    ) -> ServiceResult<()> {
        let e: Editable = self.editable(ctx, code).await?;
        let at = self.now();
        let mut tx = self.db.write.begin().await?;
        let gone =
            sqlx::query("DELETE FROM service_drafts WHERE service_id = $1 AND revision = $2")
                .bind(e.id)
                .bind(revision)
                .execute(&mut *tx)
                .await?;
        if gone.rows_affected() != 1 {
            return Err(AppError::Conflict.into());
        }
        let action = if e.version == 0 {
            // Never published: no request can refer to it.
            for sql in [
                "DELETE FROM service_texts WHERE service_id = $1",
                "DELETE FROM service_life_situations WHERE service_id = $1",
                "DELETE FROM user_services WHERE service_id = $1",
                "DELETE FROM services WHERE id = $1 AND version = 0",
            ] {
                sqlx::query(sql).bind(e.id).execute(&mut *tx).await?;
            }
            "service_deleted"
        } else {
            "draft_discarded"
        };
        record_audit(
            &mut tx,
            at,
            AuditEntry::by(ctx, "service", code.to_string(), action),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The published versions of service `code`, and the changes from version `from` to
    /// `to` (`to` 0: the unpublished draft). Without a choice: the draft against the
    /// current version when there is a draft, else the last two versions.
    pub async fn service_versions(
        &self,
        ctx: &StaffContext,
        code: &str,
        from: Option<i64>,
        to: Option<i64>,
        lang: Lang,
    ) -> ServiceResult<VersionsView> {
        let e = self.editable(ctx, code).await?;
        // version, published at, by whom, form, whole service
        type Row = (i64, i64, Option<String>, String, Option<String>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT v.version, v.published_at, u.display_name, v.fields_json, v.content_json
             FROM service_versions v LEFT JOIN users u ON u.id = v.published_by
             WHERE v.service_id = $1 AND v.version <= $2 ORDER BY v.version DESC",
        )
        .bind(e.id)
        .bind(e.version)
        .fetch_all(&self.db.read)
        .await?;
        let draft = self.stored_draft(e.id).await?.map(|(d, _)| d);
        let to = to.unwrap_or(if draft.is_some() { 0 } else { e.version });
        let from = from.unwrap_or(if to == 0 { e.version } else { to - 1 });
        // A version's content; versions from before the editor are known by their form only.
        let content = |v: i64| -> ServiceResult<Option<(ServiceDraft, bool)>> {
            if v == 0 {
                return Ok(draft.clone().map(|d| (d, false)));
            }
            let Some(row) = rows.iter().find(|r| r.0 == v) else {
                return Ok(None);
            };
            Ok(Some(match &row.4 {
                Some(json) => (
                    serde_json::from_str(json)
                        .map_err(|e| crate::server::error::ServiceError::Internal(e.to_string()))?,
                    false,
                ),
                None => (
                    ServiceDraft {
                        fields: parse_fields(&row.3)?,
                        ..ServiceDraft::default()
                    },
                    true,
                ),
            }))
        };
        let (changes, fields_only) = match (content(from)?, content(to)?) {
            (Some((a, fa)), Some((b, fb))) => {
                let mut changes = service_draft::diff(&a, &b);
                if fa || fb {
                    changes.retain(|c| c.area == "field");
                }
                (changes, fa || fb)
            }
            (None, Some((b, fb))) => (service_draft::diff(&ServiceDraft::default(), &b), fb),
            _ => (Vec::new(), false),
        };
        let name = self
            .names_for(code, lang)
            .await
            .map(|n| n.0)
            .unwrap_or_else(|_| code.to_string());
        Ok(VersionsView {
            code: code.to_string(),
            name,
            versions: rows
                .iter()
                .map(|(version, at, by, _, _)| VersionRow {
                    version: *version,
                    published_at_text: local_time_text(lang, *at),
                    published_by: by.clone(),
                })
                .collect(),
            changed: draft.is_some(),
            from,
            to,
            changes,
            fields_only,
        })
    }

    /// The draft of service `code` as the citizen's service page will show it in `lang`.
    pub async fn preview_service(
        &self,
        ctx: &StaffContext,
        code: &str,
        lang: Lang,
    ) -> ServiceResult<ServiceDetail> {
        let view = self.service_draft(ctx, code, lang).await?;
        let e = self.editable(ctx, code).await?;
        let (inst_code, kind, sector, municipality, inst_name, retention_days, asks_location): (
            String,
            String,
            Option<String>,
            Option<String>,
            String,
            i64,
            i64,
        ) = sqlx::query_as(
            "SELECT i.code, i.kind, i.sector, i.municipality, COALESCE(it.name, il.name),
                    s.retention_days, s.asks_location
             FROM services s JOIN institutions i ON i.id = s.institution_id
             JOIN institution_texts il ON il.institution_id = i.id AND il.lang = 'lv'
             LEFT JOIN institution_texts it ON it.institution_id = i.id AND it.lang = $1
             WHERE s.id = $2",
        )
        .bind(lang.code())
        .bind(e.id)
        .fetch_one(&self.db.read)
        .await?;
        let d = view.draft;
        // As the catalogue: the texts of one language, the one asked for, else English,
        // else Latvian.
        let text_lang = [lang, Lang::En, Lang::default()]
            .into_iter()
            .find(|l| {
                d.texts
                    .get(l.code())
                    .is_some_and(|t| !t.get("name").is_empty())
            })
            .unwrap_or_default();
        let mine = d.texts.get(text_lang.code()).cloned().unwrap_or_default();
        let t = d.targets;
        Ok(ServiceDetail {
            code: code.to_string(),
            name: mine.get("name"),
            summary: mine.get("summary"),
            description: mine.get("description"),
            conditions: mine.get("conditions"),
            documents: mine.documents.clone(),
            text_lang,
            institution: InstitutionInfo {
                code: inst_code,
                name: inst_name,
                kind: InstitutionKind::parse(&kind).unwrap_or(InstitutionKind::State),
                sector,
                municipality,
            },
            sla_days: i64::from(t.register_hours.div_ceil(8) + t.decide_days + t.fulfil_days),
            sla: t,
            fields: d.fields,
            life_situations: view
                .situations
                .into_iter()
                .filter(|(c, _)| d.life_situations.contains(c))
                .map(|(code, name)| LifeSituation { code, name })
                .collect(),
            retention_years: ((retention_days + 182) / 365).max(1),
            version: view.version + 1,
            result: mine.get("result"),
            fees: mine.get("fees"),
            legal_basis: mine.get("legal_basis"),
            contact: mine.get("contact"),
            asks_location: asks_location == 1,
        })
    }
}
