//! Editing services in the browser: service owners (their services), portfolio owners and
//! administrators (their institution) create a service, edit its draft and publish it as
//! the next version (`publish.rs`). The rules of an edit are pure
//! (`domain::service_draft::apply`); here they are loaded, checked for who may, and stored
//! with an optimistic check on the draft's revision and the published version it is based
//! on, so two editors never overwrite each other.

mod publish;

use super::shared::{AuditEntry, parse_fields, record_audit, targets_of};
use super::{StaffContext, Taka};
use crate::domain::admin::may_edit_services;
use crate::domain::service_draft::{self, DraftEdit, ServiceDraft, ServiceTexts};
use crate::domain::{FieldError, FieldErrors, Lang};
use crate::error::AppError;
use crate::model::{DraftView, EditableService, ServiceState};
use crate::server::error::{ServiceError, ServiceResult};
use std::collections::BTreeMap;

/// A service as the editor finds it.
pub(crate) struct Editable {
    pub id: i64,
    pub institution_id: i64,
    pub version: i64,
    pub active: bool,
}

impl Editable {
    fn state(&self) -> ServiceState {
        match (self.version, self.active) {
            (0, _) => ServiceState::Draft,
            (_, true) => ServiceState::Published,
            (_, false) => ServiceState::Withdrawn,
        }
    }
}

/// A new service's code: `[A-Z0-9-]`, 3 to 40 characters, starting with a letter (as
/// `VNP-PIRMSSKOLA`).
pub fn is_service_code(code: &str) -> bool {
    (3..=40).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_uppercase())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
}

fn to_json<T: serde::Serialize>(v: &T) -> ServiceResult<String> {
    serde_json::to_string(v).map_err(|e| ServiceError::Internal(e.to_string()))
}

impl Taka {
    /// The service `code` if `ctx` may edit it. Out of scope reads as not found, so an
    /// owner of another institution cannot learn that a draft exists.
    pub(crate) async fn editable(&self, ctx: &StaffContext, code: &str) -> ServiceResult<Editable> {
        if ctx.analytics_only || !may_edit_services(ctx.user.role) {
            return Err(AppError::Forbidden.into());
        }
        let row: Option<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT id, institution_id, version, active FROM services WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(&self.db.read)
        .await?;
        match row {
            Some((id, institution_id, version, active)) if ctx.can_see(id, institution_id) => {
                Ok(Editable {
                    id,
                    institution_id,
                    version,
                    active: active != 0,
                })
            }
            _ => Err(AppError::NotFound.into()),
        }
    }

    /// The services `ctx` may edit, with their state.
    pub async fn editable_services(
        &self,
        ctx: &StaffContext,
        lang: Lang,
    ) -> ServiceResult<Vec<EditableService>> {
        if ctx.analytics_only || !may_edit_services(ctx.user.role) {
            return Err(AppError::Forbidden.into());
        }
        // id, institution, code, version, listed, name, draft revision
        type Row = (i64, i64, String, i64, i64, String, Option<i64>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT s.id, s.institution_id, s.code, s.version, s.active, COALESCE(st.name, sl.name),
                    d.revision
             FROM services s
             JOIN service_texts sl ON sl.service_id = s.id AND sl.lang = 'lv'
             LEFT JOIN service_texts st ON st.service_id = s.id AND st.lang = $1
             LEFT JOIN service_drafts d ON d.service_id = s.id
             WHERE s.institution_id = $2 ORDER BY 6",
        )
        .bind(lang.code())
        .bind(ctx.institution_id)
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows
            .into_iter()
            .filter(|r| ctx.can_see(r.0, r.1))
            .map(
                |(id, institution_id, code, version, active, name, revision)| {
                    let e = Editable {
                        id,
                        institution_id,
                        version,
                        active: active != 0,
                    };
                    EditableService {
                        code,
                        name,
                        state: e.state(),
                        version,
                        changed: revision.is_some(),
                    }
                },
            )
            .collect())
    }

    /// Create a service in `ctx`'s institution as a draft nobody else sees until it is
    /// published. A service owner who creates one becomes its owner.
    pub async fn create_service(
        &self,
        ctx: &StaffContext,
        code: &str,
        name_lv: &str,
        name_en: &str,
    ) -> ServiceResult<()> {
        if ctx.analytics_only || !may_edit_services(ctx.user.role) {
            return Err(AppError::Forbidden.into());
        }
        let code = code.trim().to_uppercase();
        let mut errors = FieldErrors::new();
        if !is_service_code(&code) {
            errors.insert("code".into(), FieldError::InvalidChoice);
        }
        let (name_lv, name_en) = (name_lv.trim(), name_en.trim());
        for (key, name, required) in [("name_lv", name_lv, true), ("name_en", name_en, false)] {
            if required && name.is_empty() {
                errors.insert(key.into(), FieldError::Required);
            } else if name.chars().count() > 200 {
                errors.insert(key.into(), FieldError::TooLong { max: 200 });
            }
        }
        if errors.is_empty() {
            let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM services WHERE code = $1")
                .bind(&code)
                .fetch_optional(&self.db.read)
                .await?;
            if taken.is_some() {
                errors.insert("code".into(), FieldError::Taken);
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors).into());
        }
        let mut draft = ServiceDraft::default();
        for (lang, name) in [("lv", name_lv), ("en", name_en)] {
            if !name.is_empty() {
                draft.texts.insert(
                    lang.into(),
                    ServiceTexts {
                        name: name.into(),
                        ..ServiceTexts::default()
                    },
                );
            }
        }
        let t = draft.targets;
        let at = self.now();
        let mut tx = self.db.write.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO services (code, institution_id, owner_user_id, fields_json, auto_register,
                active, created_at, version, sla_register_hours, sla_decide_days, sla_fulfil_days,
                sla_target_pct)
             VALUES ($1, $2, $3, '[]', 0, 0, $4, 0, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&code)
        .bind(ctx.institution_id)
        .bind(ctx.user.id)
        .bind(at)
        .bind(i64::from(t.register_hours))
        .bind(i64::from(t.decide_days))
        .bind(i64::from(t.fulfil_days))
        .bind(i64::from(t.target_pct))
        .fetch_one(&mut *tx)
        .await?;
        // The catalogue's queries read the Latvian name row; the draft holds the rest.
        sqlx::query(
            "INSERT INTO service_texts (service_id, lang, name, summary, description, conditions, documents_json)
             VALUES ($1, 'lv', $2, '', '', '', '[]')",
        )
        .bind(id)
        .bind(name_lv)
        .execute(&mut *tx)
        .await?;
        if ctx.user.role.scoped_to_services() {
            sqlx::query("INSERT INTO user_services (user_id, service_id) VALUES ($1, $2)")
                .bind(ctx.user.id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO service_drafts (service_id, content_json, revision, updated_at, updated_by)
             VALUES ($1, $2, 1, $3, $4)",
        )
        .bind(id)
        .bind(to_json(&draft)?)
        .bind(at)
        .bind(ctx.user.id)
        .execute(&mut *tx)
        .await?;
        record_audit(
            &mut tx,
            at,
            AuditEntry::by(ctx, "service", code.clone(), "service_created")
                .change(None, serde_json::to_value(&draft).ok()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The editor's view of service `code`.
    pub async fn service_draft(
        &self,
        ctx: &StaffContext,
        code: &str,
        lang: Lang,
    ) -> ServiceResult<DraftView> {
        let e = self.editable(ctx, code).await?;
        let (draft, revision) = match self.stored_draft(e.id).await? {
            Some(found) => found,
            None => (self.published_content(e.id).await?, 0),
        };
        let (requests,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM requests WHERE service_id = $1")
                .bind(e.id)
                .fetch_one(&self.db.read)
                .await?;
        Ok(DraftView {
            code: code.to_string(),
            state: e.state(),
            version: e.version,
            revision,
            changed: revision > 0,
            draft,
            langs: self.offered_langs(e.institution_id).await?,
            situations: self.situation_names(lang).await?,
            calendars: self.calendar_codes().await?,
            requests,
        })
    }

    /// Apply one edit to the draft of service `code`. `version` and `revision` are what the
    /// editor's page showed; if either moved since, the edit is refused with `Conflict`.
    /// Returns the new revision.
    pub async fn edit_service(
        &self,
        ctx: &StaffContext,
        code: &str,
        version: i64,
        revision: i64,
        edit: DraftEdit,
    ) -> ServiceResult<i64> {
        let e = self.editable(ctx, code).await?;
        if e.version != version {
            return Err(AppError::Conflict.into());
        }
        let stored = self.stored_draft(e.id).await?;
        let current = stored.as_ref().map_or(0, |(_, r)| *r);
        if current != revision {
            return Err(AppError::Conflict.into());
        }
        let draft = match stored {
            Some((d, _)) => d,
            None => self.published_content(e.id).await?,
        };
        if let DraftEdit::Settings {
            calendar: Some(code),
            ..
        } = &edit
            && !self.calendar_codes().await?.contains(code)
        {
            let mut errors = FieldErrors::new();
            errors.insert("calendar".into(), FieldError::InvalidChoice);
            return Err(AppError::Invalid(errors).into());
        }
        let langs = self.offered_langs(e.institution_id).await?;
        let langs: Vec<&str> = langs.iter().map(String::as_str).collect();
        let situations: Vec<String> = self
            .situation_names(Lang::Lv)
            .await?
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        let next =
            service_draft::apply(&draft, edit, &langs, &situations).map_err(AppError::Invalid)?;
        let json = to_json(&next)?;
        let at = self.now();
        // Insert the first revision, or move from the one the editor saw: one statement
        // each, so of two editors only one wins.
        let written = if revision == 0 {
            sqlx::query(
                "INSERT INTO service_drafts (service_id, content_json, revision, updated_at, updated_by)
                 VALUES ($1, $2, 1, $3, $4) ON CONFLICT (service_id) DO NOTHING",
            )
            .bind(e.id)
            .bind(&json)
            .bind(at)
            .bind(ctx.user.id)
            .execute(&self.db.write)
            .await?
        } else {
            sqlx::query(
                "UPDATE service_drafts SET content_json = $1, revision = revision + 1,
                    updated_at = $2, updated_by = $3
                 WHERE service_id = $4 AND revision = $5",
            )
            .bind(&json)
            .bind(at)
            .bind(ctx.user.id)
            .bind(e.id)
            .bind(revision)
            .execute(&self.db.write)
            .await?
        };
        if written.rows_affected() != 1 {
            return Err(AppError::Conflict.into());
        }
        Ok(revision + 1)
    }

    /// The stored draft of a service and its revision.
    async fn stored_draft(&self, service_id: i64) -> ServiceResult<Option<(ServiceDraft, i64)>> {
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT content_json, revision FROM service_drafts WHERE service_id = $1",
        )
        .bind(service_id)
        .fetch_optional(&self.db.read)
        .await?;
        row.map(|(json, revision)| {
            serde_json::from_str(&json)
                .map(|d| (d, revision))
                .map_err(|e| ServiceError::Internal(format!("draft {service_id}: {e}")))
        })
        .transpose()
    }

    /// The service as published, in the draft's shape.
    pub(crate) async fn published_content(&self, service_id: i64) -> ServiceResult<ServiceDraft> {
        // form, targets, automation
        type Row = (String, i64, i64, i64, i64, i64, String, Option<String>, i64);
        let (
            fields_json,
            reg,
            decide,
            fulfil,
            pct,
            auto_register,
            automation_json,
            calendar,
            asks_location,
        ): Row = sqlx::query_as(
            "SELECT fields_json, sla_register_hours, sla_decide_days, sla_fulfil_days,
                        sla_target_pct, auto_register, automation_json,
                        (SELECT code FROM calendars WHERE id = services.calendar_id), asks_location
                 FROM services WHERE id = $1",
        )
        .bind(service_id)
        .fetch_one(&self.db.read)
        .await?;
        #[allow(clippy::type_complexity)]
        let texts: Vec<(
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
        )> = sqlx::query_as(
            "SELECT lang, name, summary, description, conditions, documents_json, result,
                        fees, legal_basis, contact
                 FROM service_texts WHERE service_id = $1",
        )
        .bind(service_id)
        .fetch_all(&self.db.read)
        .await?;
        let texts: BTreeMap<String, ServiceTexts> = texts
            .into_iter()
            .map(
                |(
                    lang,
                    name,
                    summary,
                    description,
                    conditions,
                    docs,
                    result,
                    fees,
                    legal_basis,
                    contact,
                )| {
                    let t = ServiceTexts {
                        name,
                        summary,
                        description,
                        conditions,
                        documents: serde_json::from_str(&docs).unwrap_or_default(),
                        result,
                        fees,
                        legal_basis,
                        contact,
                    };
                    (lang, t)
                },
            )
            .collect();
        let situations: Vec<(String,)> = sqlx::query_as(
            "SELECT l.code FROM service_life_situations sl
             JOIN life_situations l ON l.id = sl.life_situation_id
             WHERE sl.service_id = $1 ORDER BY l.position, l.code",
        )
        .bind(service_id)
        .fetch_all(&self.db.read)
        .await?;
        Ok(ServiceDraft {
            texts,
            fields: parse_fields(&fields_json)?,
            life_situations: situations.into_iter().map(|(c,)| c).collect(),
            targets: targets_of(reg, decide, fulfil, pct),
            calendar,
            automation: super::shared::automation_from(auto_register, &automation_json),
            asks_location: asks_location == 1,
        })
    }

    /// The languages an institution offers, Latvian first (always offered).
    pub(crate) async fn offered_langs(&self, institution_id: i64) -> ServiceResult<Vec<String>> {
        let (langs,): (String,) =
            sqlx::query_as("SELECT languages FROM institutions WHERE id = $1")
                .bind(institution_id)
                .fetch_one(&self.db.read)
                .await?;
        let mut out = vec!["lv".to_string()];
        for l in langs.split(',').filter_map(Lang::parse) {
            if !out.iter().any(|o| o == l.code()) {
                out.push(l.code().to_string());
            }
        }
        Ok(out)
    }

    /// Add a life situation to group services under (portfolio owners and administrators):
    /// a code `[a-z0-9_]` and its name per language (Latvian required). It is listed after
    /// the existing ones.
    pub async fn create_life_situation(
        &self,
        ctx: &StaffContext,
        code: &str,
        name_lv: &str,
        name_en: &str,
    ) -> ServiceResult<()> {
        if ctx.analytics_only || !crate::domain::admin::may_administer(ctx.user.role) {
            return Err(AppError::Forbidden.into());
        }
        let code = code.trim().to_lowercase();
        let mut errors = FieldErrors::new();
        if !crate::domain::fields::is_machine_name(&code) {
            errors.insert("situation_code".into(), FieldError::InvalidChoice);
        }
        let (name_lv, name_en) = (name_lv.trim(), name_en.trim());
        for (key, name, required) in [
            ("situation_lv", name_lv, true),
            ("situation_en", name_en, false),
        ] {
            if required && name.is_empty() {
                errors.insert(key.into(), FieldError::Required);
            } else if name.chars().count() > 120 {
                errors.insert(key.into(), FieldError::TooLong { max: 120 });
            }
        }
        if errors.is_empty()
            && self
                .situation_names(Lang::Lv)
                .await?
                .iter()
                .any(|(c, _)| *c == code)
        {
            errors.insert("situation_code".into(), FieldError::Taken);
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors).into());
        }
        let mut tx = self.db.write.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO life_situations (code, position)
             VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM life_situations)) RETURNING id",
        )
        .bind(&code)
        .fetch_one(&mut *tx)
        .await?;
        for (lang, name) in [("lv", name_lv), ("en", name_en)] {
            if !name.is_empty() {
                sqlx::query(
                    "INSERT INTO life_situation_texts (life_situation_id, lang, name) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(lang)
                .bind(name)
                .execute(&mut *tx)
                .await?;
            }
        }
        record_audit(
            &mut tx,
            self.now(),
            AuditEntry::by(ctx, "life_situation", code.clone(), "created").change(
                None,
                Some(serde_json::json!({"lv": name_lv, "en": name_en})),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The codes of every business calendar, for a service to choose from.
    async fn calendar_codes(&self) -> ServiceResult<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT code FROM calendars ORDER BY code")
            .fetch_all(&self.db.read)
            .await?;
        Ok(rows.into_iter().map(|(c,)| c).collect())
    }

    /// Every life situation `(code, name)` in `lang`, in catalogue order.
    async fn situation_names(&self, lang: Lang) -> ServiceResult<Vec<(String, String)>> {
        Ok(self
            .life_situations(lang)
            .await?
            .into_iter()
            .map(|l| (l.code, l.name))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn service_codes() {
        for ok in ["VNP-PIRMSSKOLA", "ABC", "PMLP-PASE-2"] {
            assert!(super::is_service_code(ok), "{ok}");
        }
        for bad in ["ab", "1ABC", "VNP PASE", "vnp-pase", "", &"A".repeat(41)] {
            assert!(!super::is_service_code(bad), "{bad}");
        }
    }
}
