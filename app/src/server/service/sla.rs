//! Service levels at run time: calendars from the database, each request's clock kept with
//! the request, and the sweep that marks requests at risk or breached and escalates.
//!
//! The sweep is safe to run in many processes at once: every alert is an
//! `UPDATE requests SET sla_alert = n WHERE ... sla_alert < n`, and only the process whose
//! update changed the row writes the event and the notifications, in the same transaction.

use super::Taka;
use crate::domain::calendar::{Calendar, Hours};
use crate::domain::sla::{self, SlaClock, SlaStage, Targets};
use crate::domain::{Lang, Status};
use crate::error::AppError;
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::notify::{self, InApp, Mail};
use chrono::{Datelike, NaiveDate, NaiveTime};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The calendar every institution without its own uses.
pub const DEFAULT_CALENDAR: &str = "LV";
/// Calendars are re-read from the database this often (edits by other processes).
const CALENDAR_TTL_SECONDS: i64 = 60;
/// The window over which a service's compliance is judged.
pub const COMPLIANCE_WINDOW_DAYS: i64 = 30;
/// Fewer finished requests than this in the window say nothing about a service.
pub const COMPLIANCE_MIN_REQUESTS: i64 = 5;

/// Calendars by institution, loaded on first use.
#[derive(Debug, Default)]
pub struct CalendarCache {
    by_institution: Mutex<HashMap<i64, (i64, Arc<Calendar>)>>,
}

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub at_risk: usize,
    pub breached: usize,
    pub services: usize,
}

/// `HH:MM-HH:MM`.
pub fn parse_hours(s: &str) -> Option<Hours> {
    let (a, b) = s.trim().split_once('-')?;
    let t = |x: &str| NaiveTime::parse_from_str(x.trim(), "%H:%M").ok();
    let (start, end) = (t(a)?, t(b)?);
    (start < end).then_some(Hours { start, end })
}

pub fn format_hours(h: &Hours) -> String {
    format!("{}-{}", h.start.format("%H:%M"), h.end.format("%H:%M"))
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub(crate) struct ClockRow {
    pub sla_stage: Option<String>,
    pub stage_started_at: Option<i64>,
    pub stage_due_at: Option<i64>,
    pub stage_budget: Option<i64>,
    pub risk_at: Option<i64>,
    pub paused_at: Option<i64>,
    pub paused_remaining: Option<i64>,
    pub sla_alert: i64,
    pub sla_breached: i64,
    pub sla_done_at: Option<i64>,
}

impl ClockRow {
    pub fn clock(&self) -> SlaClock {
        SlaClock {
            stage: self.sla_stage.as_deref().and_then(SlaStage::parse),
            started_at: self.stage_started_at,
            due_at: self.stage_due_at,
            budget: self.stage_budget,
            risk_at: self.risk_at,
            paused_at: self.paused_at,
            paused_remaining: self.paused_remaining,
            alert: self.sla_alert,
            breached: self.sla_breached != 0,
            done_at: self.sla_done_at,
        }
    }
}

/// The SET clause that stores a clock, parameters `$first ..= $first + 9`.
pub(crate) fn clock_set(first: usize) -> String {
    let cols = [
        "sla_stage",
        "stage_started_at",
        "stage_due_at",
        "stage_budget",
        "risk_at",
        "paused_at",
        "paused_remaining",
        "sla_alert",
        "sla_breached",
        "sla_done_at",
    ];
    cols.iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", first + i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Bind a clock's ten values in `clock_set` order.
pub(crate) fn bind_clock<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    c: &SlaClock,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(c.stage.map(SlaStage::as_str))
        .bind(c.started_at)
        .bind(c.due_at)
        .bind(c.budget)
        .bind(c.risk_at)
        .bind(c.paused_at)
        .bind(c.paused_remaining)
        .bind(c.alert)
        .bind(i64::from(c.breached))
        .bind(c.done_at)
}

pub(crate) fn targets_of(register_hours: i64, decide: i64, fulfil: i64, pct: i64) -> Targets {
    let u = |v: i64| u32::try_from(v.max(0)).unwrap_or(0);
    Targets {
        register_hours: u(register_hours),
        decide_days: u(decide),
        fulfil_days: u(fulfil),
        target_pct: u(pct).min(100),
    }
}

impl Taka {
    /// Create the default Latvian calendar with the public holidays of the years around
    /// now, if it does not exist yet. Run at start-up.
    pub async fn prepare(&self) -> ServiceResult<()> {
        // Requests from before the analytics rollups existed: count them once.
        let (rolled,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM (SELECT 1 FROM stats_day LIMIT 1) x")
                .fetch_one(&self.db.read)
                .await?;
        let (requests,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM (SELECT 1 FROM requests LIMIT 1) x")
                .fetch_one(&self.db.read)
                .await?;
        if rolled == 0 && requests > 0 {
            self.rebuild_rollups().await?;
        }
        let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM calendars WHERE code = $1")
            .bind(DEFAULT_CALENDAR)
            .fetch_optional(&self.db.read)
            .await?;
        if exists.is_some() {
            return Ok(());
        }
        let year = super::local_date(self.now()).year();
        let week =
            r#"["08:30-17:00","08:30-17:00","08:30-17:00","08:30-17:00","08:30-17:00",null,null]"#;
        let mut tx = self.db.write.begin().await?;
        let inserted: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO calendars (code, time_zone, week_json, created_at) VALUES ($1, 'Europe/Riga', $2, $3)
             ON CONFLICT (code) DO NOTHING RETURNING id",
        )
        .bind(DEFAULT_CALENDAR)
        .bind(week)
        .bind(self.now())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id,)) = inserted else {
            return Ok(()); // another process made it first
        };
        for y in year - 3..=year + 5 {
            for day in crate::domain::calendar::latvian_public_holidays(y) {
                sqlx::query(
                    "INSERT INTO calendar_days (calendar_id, day, kind, note) VALUES ($1, $2, 'holiday', 'public holiday')
                     ON CONFLICT (calendar_id, day) DO NOTHING",
                )
                .bind(id)
                .bind(day.format("%Y-%m-%d").to_string())
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The business calendar of an institution (its own, else the default one).
    pub async fn calendar_for(&self, institution_id: i64) -> ServiceResult<Arc<Calendar>> {
        let now = self.now();
        if let Ok(cache) = self.calendars.by_institution.lock()
            && let Some((loaded, cal)) = cache.get(&institution_id)
            && (now - loaded).abs() < CALENDAR_TTL_SECONDS
        {
            return Ok(cal.clone());
        }
        let row: Option<(i64, String, String)> = sqlx::query_as(
            "SELECT c.id, c.time_zone, c.week_json FROM calendars c
             WHERE c.id = COALESCE((SELECT calendar_id FROM institutions WHERE id = $1),
                                   (SELECT id FROM calendars WHERE code = $2))",
        )
        .bind(institution_id)
        .bind(DEFAULT_CALENDAR)
        .fetch_optional(&self.db.read)
        .await?;
        let cal = match row {
            Some((id, tz, week)) => Arc::new(self.load_calendar(id, &tz, &week).await?),
            None => Arc::new(super::calendar().clone()),
        };
        if let Ok(mut cache) = self.calendars.by_institution.lock() {
            cache.insert(institution_id, (now, cal.clone()));
        }
        Ok(cal)
    }

    async fn load_calendar(&self, id: i64, tz: &str, week_json: &str) -> ServiceResult<Calendar> {
        let tz: chrono_tz::Tz = tz.parse().map_err(|_| {
            ServiceError::Internal(format!("calendar {id}: unknown time zone {tz}"))
        })?;
        let week: Vec<Option<String>> = serde_json::from_str(week_json)
            .map_err(|e| ServiceError::Internal(format!("calendar {id}: week: {e}")))?;
        let mut hours = [None; 7];
        for (i, h) in week.iter().take(7).enumerate() {
            hours[i] = h.as_deref().and_then(parse_hours);
        }
        let days: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT day, kind, hours FROM calendar_days WHERE calendar_id = $1")
                .bind(id)
                .fetch_all(&self.db.read)
                .await?;
        let mut cal = Calendar {
            tz,
            week: hours,
            holidays: Default::default(),
            working_days: Default::default(),
        };
        let standard = hours.iter().flatten().next().copied();
        for (day, kind, h) in days {
            let Ok(date) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") else {
                continue;
            };
            if kind == "holiday" {
                cal.holidays.insert(date);
            } else if let Some(h) = h.as_deref().and_then(parse_hours).or(standard) {
                cal.working_days.insert(date, h);
            }
        }
        Ok(cal)
    }

    /// Forget cached calendars (after an edit in this process).
    pub fn forget_calendars(&self) {
        if let Ok(mut c) = self.calendars.by_institution.lock() {
            c.clear();
        }
    }

    /// Set one day of a calendar: a holiday, or a working day with hours (a transferred
    /// working Saturday), or back to the normal week (`kind` = "normal").
    pub async fn set_calendar_day(
        &self,
        calendar: &str,
        day: &str,
        kind: &str,
        hours: Option<&str>,
        note: Option<&str>,
    ) -> ServiceResult<()> {
        let mut errors = crate::domain::FieldErrors::new();
        let date = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").ok();
        if date.is_none() {
            errors.insert("day".into(), crate::domain::FieldError::InvalidDate);
        }
        if !matches!(kind, "holiday" | "working" | "normal") {
            errors.insert("kind".into(), crate::domain::FieldError::InvalidChoice);
        }
        if let Some(h) = hours
            && parse_hours(h).is_none()
        {
            errors.insert("hours".into(), crate::domain::FieldError::InvalidChoice);
        }
        let cal: Option<(i64,)> = sqlx::query_as("SELECT id FROM calendars WHERE code = $1")
            .bind(calendar)
            .fetch_optional(&self.db.read)
            .await?;
        if cal.is_none() {
            errors.insert("calendar".into(), crate::domain::FieldError::InvalidChoice);
        }
        let (Some((id,)), Some(date), true) = (cal, date, errors.is_empty()) else {
            return Err(AppError::Invalid(errors).into());
        };
        let day = date.format("%Y-%m-%d").to_string();
        let mut tx = self.db.write.begin().await?;
        sqlx::query("DELETE FROM calendar_days WHERE calendar_id = $1 AND day = $2")
            .bind(id)
            .bind(&day)
            .execute(&mut *tx)
            .await?;
        if kind != "normal" {
            sqlx::query(
                "INSERT INTO calendar_days (calendar_id, day, kind, hours, note) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(&day)
            .bind(kind)
            .bind(hours.and_then(parse_hours).as_ref().map(format_hours))
            .bind(note)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.forget_calendars();
        Ok(())
    }

    /// Create a calendar (another country or institution): time zone and the working
    /// hours Monday..Sunday (`None` for a day off).
    pub async fn create_calendar(
        &self,
        code: &str,
        time_zone: &str,
        week: &[Option<String>; 7],
    ) -> ServiceResult<i64> {
        let mut errors = crate::domain::FieldErrors::new();
        if code.trim().is_empty() || code.len() > 32 {
            errors.insert("code".into(), crate::domain::FieldError::Required);
        }
        if time_zone.parse::<chrono_tz::Tz>().is_err() {
            errors.insert("time_zone".into(), crate::domain::FieldError::InvalidChoice);
        }
        if week.iter().flatten().any(|h| parse_hours(h).is_none()) {
            errors.insert("week".into(), crate::domain::FieldError::InvalidChoice);
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors).into());
        }
        let week_json =
            serde_json::to_string(week).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let inserted: Result<(i64,), sqlx::Error> = sqlx::query_as(
            "INSERT INTO calendars (code, time_zone, week_json, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(code.trim())
        .bind(time_zone)
        .bind(week_json)
        .bind(self.now())
        .fetch_one(&self.db.write)
        .await;
        match inserted {
            Ok((id,)) => Ok(id),
            Err(e) if crate::server::db::is_unique_violation(&e) => {
                errors.insert("code".into(), crate::domain::FieldError::Taken);
                Err(AppError::Invalid(errors).into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Use calendar `calendar` for institution `institution`.
    pub async fn assign_calendar(&self, institution: &str, calendar: &str) -> ServiceResult<()> {
        let updated = sqlx::query(
            "UPDATE institutions SET calendar_id = (SELECT id FROM calendars WHERE code = $1)
             WHERE code = $2 AND EXISTS (SELECT 1 FROM calendars WHERE code = $1)",
        )
        .bind(calendar)
        .bind(institution)
        .execute(&self.db.write)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(AppError::NotFound.into());
        }
        self.forget_calendars();
        Ok(())
    }

    /// Set a service's targets. Requests already running keep the deadlines they have;
    /// the new targets apply from each request's next stage.
    pub async fn set_service_targets(&self, service: &str, t: Targets) -> ServiceResult<()> {
        let mut errors = crate::domain::FieldErrors::new();
        let range = |min: u32, max: u32, v: u32| (min..=max).contains(&v);
        if !range(1, 720, t.register_hours) {
            errors.insert(
                "register_hours".into(),
                crate::domain::FieldError::OutOfRange {
                    min: Some(1),
                    max: Some(720),
                },
            );
        }
        if !range(0, 365, t.decide_days) {
            errors.insert(
                "decide_days".into(),
                crate::domain::FieldError::OutOfRange {
                    min: Some(0),
                    max: Some(365),
                },
            );
        }
        if !range(0, 365, t.fulfil_days) {
            errors.insert(
                "fulfil_days".into(),
                crate::domain::FieldError::OutOfRange {
                    min: Some(0),
                    max: Some(365),
                },
            );
        }
        if !range(1, 100, t.target_pct) {
            errors.insert(
                "target".into(),
                crate::domain::FieldError::OutOfRange {
                    min: Some(1),
                    max: Some(100),
                },
            );
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors).into());
        }
        let updated = sqlx::query(
            "UPDATE services SET sla_register_hours = $1, sla_decide_days = $2, sla_fulfil_days = $3,
                sla_target_pct = $4 WHERE code = $5",
        )
        .bind(i64::from(t.register_hours))
        .bind(i64::from(t.decide_days))
        .bind(i64::from(t.fulfil_days))
        .bind(i64::from(t.target_pct))
        .bind(service)
        .execute(&self.db.write)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(AppError::NotFound.into());
        }
        Ok(())
    }

    /// A calendar's exceptions in a year, for people to check: (day, kind, hours, note).
    pub async fn calendar_days(
        &self,
        calendar: &str,
        year: i32,
    ) -> ServiceResult<Vec<(String, String, Option<String>, Option<String>)>> {
        Ok(sqlx::query_as(
            "SELECT d.day, d.kind, d.hours, d.note FROM calendar_days d JOIN calendars c ON c.id = d.calendar_id
             WHERE c.code = $1 AND d.day LIKE $2 ORDER BY d.day",
        )
        .bind(calendar)
        .bind(format!("{year}-%"))
        .fetch_all(&self.db.read)
        .await?)
    }

    /// Mark requests at risk and breached, notify and escalate; check each service's
    /// compliance. Idempotent, and safe to run in several processes at once.
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
        let due = super::local_time_string(c.stage_due_at);
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

    /// In-app notification plus e-mail (if the user has an address) to one staff member.
    pub(crate) async fn tell_staff(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        note: StaffNote<'_>,
        at: i64,
    ) -> ServiceResult<()> {
        notify::notify_user(
            tx,
            InApp {
                key: note.key.clone(),
                user_id: note.user_id,
                kind: note.kind,
                request_id: note.request_id,
                service_id: Some(note.service_id),
                detail: note
                    .vars
                    .iter()
                    .find(|(k, _)| *k == "share")
                    .map(|(_, v)| v.as_str()),
            },
            at,
        )
        .await?;
        let user: Option<(Option<String>, String)> =
            sqlx::query_as("SELECT email, lang FROM users WHERE id = $1 AND active = 1")
                .bind(note.user_id)
                .fetch_optional(&mut **tx)
                .await?;
        let Some((Some(email), lang)) = user else {
            return Ok(());
        };
        if email.trim().is_empty() {
            return Ok(());
        }
        let lang = Lang::parse(&lang).unwrap_or_default();
        let (service, institution) = self.service_names_tx(tx, note.service_id, lang).await?;
        let mut vars = note.vars;
        vars.push(("service", service));
        vars.push(("institution", institution));
        vars.push(("portal_url", self.public_url().to_string()));
        vars.push((
            "staff_link",
            match note.reference {
                Some(r) => format!("{}/staff/requests/{r}", self.public_url()),
                None => format!("{}/staff", self.public_url()),
            },
        ));
        if let Some(r) = note.reference {
            vars.push(("reference", r.to_string()));
        }
        notify::enqueue_mail(
            tx,
            Mail {
                key: format!("{}:mail", note.key),
                request_id: note.request_id,
                user_id: Some(note.user_id),
                to: &email,
                lang,
                template: note.template,
                vars,
            },
            at,
        )
        .await
    }

    /// A service's and its institution's names in `lang` (Latvian where missing).
    pub(crate) async fn service_names_tx(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        service_id: i64,
        lang: Lang,
    ) -> ServiceResult<(String, String)> {
        let sql = format!("{} WHERE s.id = $1", super::requests::SERVICE_NAMES);
        let row: Option<(String, String)> = sqlx::query_as(&sql)
            .bind(service_id)
            .bind(lang.code())
            .fetch_optional(&mut **tx)
            .await?;
        Ok(row.unwrap_or_default())
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
        let date = super::local_date(now);
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
                super::local_date_string(since),
                super::local_date_string(now)
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

    /// A service's targets.
    pub(crate) async fn targets(&self, service_id: i64) -> ServiceResult<Targets> {
        let (h, d, f, p): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT sla_register_hours, sla_decide_days, sla_fulfil_days, sla_target_pct FROM services WHERE id = $1",
        )
        .bind(service_id)
        .fetch_one(&self.db.read)
        .await?;
        Ok(targets_of(h, d, f, p))
    }

    /// Service-level figures of a request for pages and the API.
    pub(crate) async fn sla_view(
        &self,
        institution_id: i64,
        service_id: i64,
        clock: &SlaClock,
        fallback_due: i64,
    ) -> ServiceResult<crate::model::SlaView> {
        let now = self.now();
        let cal = self.calendar_for(institution_id).await?;
        let t = self.targets(service_id).await?;
        let expected = sla::expected_by(&cal, &t, clock, now)
            .or(clock.done_at)
            .unwrap_or(fallback_due);
        Ok(crate::model::SlaView {
            state: clock.state(now),
            stage: clock.stage,
            stage_due: clock.due_at.map(super::local_time_string),
            time_left_minutes: sla::time_left(&cal, clock, now).map(|s| s / 60),
            expected_by: expected,
            expected_on: super::local_date_string(expected),
            expected_iso: super::rfc3339(expected),
        })
    }
}

/// A notification to one staff member (in-app, and e-mail when they have an address).
pub(crate) struct StaffNote<'a> {
    pub key: String,
    pub user_id: i64,
    pub kind: &'static str,
    pub template: &'static str,
    pub request_id: Option<i64>,
    pub service_id: i64,
    pub reference: Option<&'a str>,
    pub vars: Vec<(&'static str, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_parse_and_print() {
        let h = parse_hours("08:30-17:00").expect("hours");
        assert_eq!(format_hours(&h), "08:30-17:00");
        assert!(parse_hours("17:00-08:30").is_none());
        assert!(parse_hours("8-17").is_none());
        assert!(parse_hours("").is_none());
        assert_eq!(clock_set(3).matches('$').count(), 10);
        assert!(clock_set(3).starts_with("sla_stage = $3"));
    }
}
