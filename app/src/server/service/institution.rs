//! Institution settings in the browser (portfolio owners and administrators of the
//! institution): names, contact details and the mail signature per language, the
//! languages offered; and the institution's business calendar — its week and its
//! exceptions, with the same rules as `taka calendar` (`sla/calendars.rs`). A calendar
//! shared with other institutions (the national one) is never changed from one of them:
//! the first edit gives the institution its own copy.

use super::shared::{AuditEntry, record_audit};
use super::sla::{format_hours, parse_hours};
use super::{StaffContext, Taka};
use crate::domain::admin::may_administer;
use crate::domain::{FieldError, FieldErrors, Lang};
use crate::error::AppError;
use crate::model::{CalendarView, InstitutionSettings};
use crate::server::error::{ServiceError, ServiceResult};
use std::collections::BTreeMap;

/// The longest name, contact text and signature accepted.
const MAX_NAME: usize = 200;
const MAX_TEXT: usize = 2000;

impl Taka {
    fn administers(&self, ctx: &StaffContext) -> ServiceResult<()> {
        if ctx.analytics_only || !may_administer(ctx.user.role) {
            return Err(AppError::Forbidden.into());
        }
        Ok(())
    }

    /// The settings page of `ctx`'s institution, with the calendar exceptions of `year`.
    pub async fn institution_settings(
        &self,
        ctx: &StaffContext,
        year: i32,
    ) -> ServiceResult<InstitutionSettings> {
        self.administers(ctx)?;
        let (code, languages): (String, String) =
            sqlx::query_as("SELECT code, languages FROM institutions WHERE id = $1")
                .bind(ctx.institution_id)
                .fetch_one(&self.db.read)
                .await?;
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT lang, name, contact, signature FROM institution_texts WHERE institution_id = $1",
        )
        .bind(ctx.institution_id)
        .fetch_all(&self.db.read)
        .await?;
        let mut settings = InstitutionSettings {
            code,
            languages: languages.split(',').map(String::from).collect(),
            names: BTreeMap::new(),
            contacts: BTreeMap::new(),
            signatures: BTreeMap::new(),
            calendar: self.institution_calendar(ctx.institution_id, year).await?,
            year,
        };
        for (lang, name, contact, signature) in rows {
            settings.names.insert(lang.clone(), name);
            settings.contacts.insert(lang.clone(), contact);
            settings.signatures.insert(lang, signature);
        }
        Ok(settings)
    }

    async fn institution_calendar(
        &self,
        institution_id: i64,
        year: i32,
    ) -> ServiceResult<CalendarView> {
        let (id, code, time_zone, week_json): (i64, String, String, String) = sqlx::query_as(
            "SELECT c.id, c.code, c.time_zone, c.week_json FROM calendars c
             WHERE c.id = COALESCE((SELECT calendar_id FROM institutions WHERE id = $1),
                                   (SELECT id FROM calendars WHERE code = $2))",
        )
        .bind(institution_id)
        .bind(super::sla::DEFAULT_CALENDAR)
        .fetch_one(&self.db.read)
        .await?;
        let week: Vec<Option<String>> = serde_json::from_str(&week_json).unwrap_or_default();
        Ok(CalendarView {
            shared: self.calendar_shared(id, institution_id).await?,
            days: self.calendar_days(&code, year).await?,
            code,
            time_zone,
            week: week.into_iter().map(Option::unwrap_or_default).collect(),
        })
    }

    /// Whether calendar `id` is used by an institution other than `institution_id` (or is
    /// the default every institution without its own falls back to).
    async fn calendar_shared(&self, id: i64, institution_id: i64) -> ServiceResult<bool> {
        let (others,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM institutions WHERE id <> $1
               AND (calendar_id = $2 OR (calendar_id IS NULL AND $2 = (SELECT id FROM calendars WHERE code = $3)))",
        )
        .bind(institution_id)
        .bind(id)
        .bind(super::sla::DEFAULT_CALENDAR)
        .fetch_one(&self.db.read)
        .await?;
        Ok(others > 0)
    }

    /// Save names, contacts and signatures per language and the languages offered
    /// (Latvian always; its name is required).
    pub async fn save_institution_settings(
        &self,
        ctx: &StaffContext,
        names: &BTreeMap<String, String>,
        contacts: &BTreeMap<String, String>,
        signatures: &BTreeMap<String, String>,
        languages: &[String],
    ) -> ServiceResult<()> {
        self.administers(ctx)?;
        let mut errors = FieldErrors::new();
        let mut offered = vec!["lv".to_string()];
        for l in languages {
            match Lang::parse(l) {
                Some(lang) if !offered.iter().any(|o| o == lang.code()) => {
                    offered.push(lang.code().to_string())
                }
                Some(_) => {}
                None => {
                    errors.insert("languages".into(), FieldError::InvalidChoice);
                }
            }
        }
        let mut texts: BTreeMap<String, (String, String, String)> = BTreeMap::new();
        for lang in Lang::ALL.map(Lang::code) {
            let get = |m: &BTreeMap<String, String>| {
                m.get(lang)
                    .map(|s| s.trim().replace("\r\n", "\n"))
                    .unwrap_or_default()
            };
            let (name, contact, signature) = (get(names), get(contacts), get(signatures));
            for (key, value, max) in [
                ("names", &name, MAX_NAME),
                ("contacts", &contact, MAX_TEXT),
                ("signatures", &signature, MAX_TEXT),
            ] {
                if value.chars().count() > max {
                    errors.insert(format!("{key}[{lang}]"), FieldError::TooLong { max });
                }
            }
            if lang == "lv" && name.is_empty() {
                errors.insert("names[lv]".into(), FieldError::Required);
            }
            if !name.is_empty() || !contact.is_empty() || !signature.is_empty() {
                texts.insert(lang.to_string(), (name, contact, signature));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors).into());
        }
        let before = self.institution_settings(ctx, 2000).await?;
        let at = self.now();
        let mut tx = self.db.write.begin().await?;
        sqlx::query("UPDATE institutions SET languages = $1 WHERE id = $2")
            .bind(offered.join(","))
            .bind(ctx.institution_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM institution_texts WHERE institution_id = $1")
            .bind(ctx.institution_id)
            .execute(&mut *tx)
            .await?;
        for (lang, (name, contact, signature)) in &texts {
            // A language without its own name is listed under the Latvian one.
            let name = if name.is_empty() {
                &texts["lv"].0
            } else {
                name
            };
            sqlx::query(
                "INSERT INTO institution_texts (institution_id, lang, name, contact, signature)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(ctx.institution_id)
            .bind(lang)
            .bind(name)
            .bind(contact)
            .bind(signature)
            .execute(&mut *tx)
            .await?;
        }
        let json = |names: &BTreeMap<String, String>,
                    contacts: &BTreeMap<String, String>,
                    signatures: &BTreeMap<String, String>,
                    langs: &[String]| {
            serde_json::json!({"names": names, "contacts": contacts, "signatures": signatures, "languages": langs})
        };
        let (n, c, s): (BTreeMap<_, _>, BTreeMap<_, _>, BTreeMap<_, _>) = (
            texts
                .iter()
                .map(|(l, t)| (l.clone(), t.0.clone()))
                .collect(),
            texts
                .iter()
                .map(|(l, t)| (l.clone(), t.1.clone()))
                .collect(),
            texts
                .iter()
                .map(|(l, t)| (l.clone(), t.2.clone()))
                .collect(),
        );
        record_audit(
            &mut tx,
            at,
            AuditEntry::by(ctx, "institution", before.code.clone(), "settings_changed").change(
                Some(json(
                    &before.names,
                    &before.contacts,
                    &before.signatures,
                    &before.languages,
                )),
                Some(json(&n, &c, &s, &offered)),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The code of a calendar only this institution uses, copying the shared one it used
    /// (week and exceptions) the first time.
    async fn own_calendar(&self, ctx: &StaffContext) -> ServiceResult<String> {
        let current = self.institution_calendar(ctx.institution_id, 2000).await?;
        if !current.shared {
            return Ok(current.code);
        }
        let (inst_code,): (String,) = sqlx::query_as("SELECT code FROM institutions WHERE id = $1")
            .bind(ctx.institution_id)
            .fetch_one(&self.db.read)
            .await?;
        let code = format!("{inst_code}-CAL");
        let week: [Option<String>; 7] =
            std::array::from_fn(|i| current.week.get(i).filter(|h| !h.is_empty()).cloned());
        let id = match self.create_calendar(&code, &current.time_zone, &week).await {
            Ok(id) => id,
            // Made by an earlier attempt that did not get to assign it.
            Err(ServiceError::App(AppError::Invalid(_))) => {
                let (id,): (i64,) = sqlx::query_as("SELECT id FROM calendars WHERE code = $1")
                    .bind(&code)
                    .fetch_one(&self.db.read)
                    .await?;
                id
            }
            Err(e) => return Err(e),
        };
        let mut tx = self.db.write.begin().await?;
        sqlx::query(
            "INSERT INTO calendar_days (calendar_id, day, kind, hours, note)
             SELECT $1, d.day, d.kind, d.hours, d.note FROM calendar_days d
             JOIN calendars c ON c.id = d.calendar_id WHERE c.code = $2
             ON CONFLICT (calendar_id, day) DO NOTHING",
        )
        .bind(id)
        .bind(&current.code)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE institutions SET calendar_id = $1 WHERE id = $2")
            .bind(id)
            .bind(ctx.institution_id)
            .execute(&mut *tx)
            .await?;
        record_audit(
            &mut tx,
            self.now(),
            AuditEntry::by(ctx, "calendar", code.clone(), "calendar_copied").change(
                Some(serde_json::json!({"calendar": current.code})),
                Some(serde_json::json!({"calendar": code})),
            ),
        )
        .await?;
        tx.commit().await?;
        self.forget_calendars();
        Ok(code)
    }

    /// Set one day of the institution's calendar (holiday, working day with hours, or back
    /// to the normal week), by the rules of `set_calendar_day`.
    pub async fn set_institution_day(
        &self,
        ctx: &StaffContext,
        day: &str,
        kind: &str,
        hours: Option<&str>,
        note: Option<&str>,
    ) -> ServiceResult<()> {
        self.administers(ctx)?;
        let hours = hours.map(str::trim).filter(|h| !h.is_empty());
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.chars().count() > MAX_NAME) {
            let mut errors = FieldErrors::new();
            errors.insert("note".into(), FieldError::TooLong { max: MAX_NAME });
            return Err(AppError::Invalid(errors).into());
        }
        // Check first, so a refused day does not copy a calendar.
        let code = self
            .institution_calendar(ctx.institution_id, 2000)
            .await?
            .code;
        self.check_calendar_day(&code, day, kind, hours).await?;
        let code = self.own_calendar(ctx).await?;
        self.set_calendar_day(&code, day, kind, hours, note).await?;
        let mut tx = self.db.write.begin().await?;
        record_audit(
            &mut tx,
            self.now(),
            AuditEntry::by(ctx, "calendar", code, "day_set").change(
                None,
                Some(serde_json::json!({"day": day.trim(), "kind": kind, "hours": hours, "note": note})),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Set the institution's usual working hours, Monday to Sunday (`HH:MM-HH:MM`, empty
    /// for a day off).
    pub async fn set_institution_week(
        &self,
        ctx: &StaffContext,
        week: &[String; 7],
    ) -> ServiceResult<()> {
        self.administers(ctx)?;
        let mut errors = FieldErrors::new();
        for (i, h) in week.iter().enumerate() {
            if !h.trim().is_empty() && parse_hours(h).is_none() {
                errors.insert(format!("week[{i}]"), FieldError::InvalidChoice);
            }
        }
        if week.iter().all(|h| h.trim().is_empty()) {
            errors.insert("week[0]".into(), FieldError::Required);
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors).into());
        }
        let code = self.own_calendar(ctx).await?;
        let before = self
            .institution_calendar(ctx.institution_id, 2000)
            .await?
            .week;
        let week: Vec<Option<String>> = week
            .iter()
            .map(|h| parse_hours(h).map(|p| format_hours(&p)))
            .collect();
        let json =
            serde_json::to_string(&week).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let mut tx = self.db.write.begin().await?;
        sqlx::query("UPDATE calendars SET week_json = $1 WHERE code = $2")
            .bind(&json)
            .bind(&code)
            .execute(&mut *tx)
            .await?;
        record_audit(
            &mut tx,
            self.now(),
            AuditEntry::by(ctx, "calendar", code, "week_set").change(
                Some(serde_json::json!(before)),
                Some(serde_json::json!(week)),
            ),
        )
        .await?;
        tx.commit().await?;
        self.forget_calendars();
        Ok(())
    }

    /// The signature under an institution's mail to requesters in `lang`: its name, and
    /// the signature it set (if any).
    pub(crate) async fn mail_signoff(
        &self,
        institution_id: i64,
        lang: Lang,
    ) -> ServiceResult<String> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT COALESCE(it.name, il.name), COALESCE(NULLIF(it.signature, ''), il.signature)
             FROM institution_texts il
             LEFT JOIN institution_texts it ON it.institution_id = il.institution_id AND it.lang = $2
             WHERE il.institution_id = $1 AND il.lang = 'lv'",
        )
        .bind(institution_id)
        .bind(lang.code())
        .fetch_optional(&self.db.read)
        .await?;
        Ok(match row {
            Some((name, sig)) if !sig.trim().is_empty() => format!("{name}\n{}", sig.trim()),
            Some((name, _)) => name,
            None => String::new(),
        })
    }
}
