//! Business calendars: loaded from the database per institution (cached for a minute),
//! the default Latvian one made at start-up, and edits to them.

use super::DEFAULT_CALENDAR;
use crate::domain::calendar::{Calendar, Hours};
use crate::error::AppError;
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::service::{self, Taka};
use chrono::{Datelike, NaiveDate, NaiveTime};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Calendars are re-read from the database this often (edits by other processes).
const CALENDAR_TTL_SECONDS: i64 = 60;

/// (service id, institution id) → (loaded at, calendar).
type CalendarMap = HashMap<(i64, i64), (i64, Arc<Calendar>)>;

/// Calendars by service (its own, else its institution's), loaded on first use.
#[derive(Debug, Default)]
pub struct CalendarCache {
    by_service: Mutex<CalendarMap>,
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
        let year = service::local_date(self.now()).year();
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

    /// The business calendar a service's clocks run on: the one its owner chose, else its
    /// institution's, else the default one.
    pub async fn calendar_for(
        &self,
        service_id: i64,
        institution_id: i64,
    ) -> ServiceResult<Arc<Calendar>> {
        let now = self.now();
        let key = (service_id, institution_id);
        if let Ok(cache) = self.calendars.by_service.lock()
            && let Some((loaded, cal)) = cache.get(&key)
            && (now - loaded).abs() < CALENDAR_TTL_SECONDS
        {
            return Ok(cal.clone());
        }
        let row: Option<(i64, String, String)> = sqlx::query_as(
            "SELECT c.id, c.time_zone, c.week_json FROM calendars c
             WHERE c.id = COALESCE((SELECT calendar_id FROM services WHERE id = $3),
                                   (SELECT calendar_id FROM institutions WHERE id = $1),
                                   (SELECT id FROM calendars WHERE code = $2))",
        )
        .bind(institution_id)
        .bind(DEFAULT_CALENDAR)
        .bind(service_id)
        .fetch_optional(&self.db.read)
        .await?;
        let cal = match row {
            Some((id, tz, week)) => Arc::new(self.load_calendar(id, &tz, &week).await?),
            None => Arc::new(service::calendar().clone()),
        };
        if let Ok(mut cache) = self.calendars.by_service.lock() {
            cache.insert(key, (now, cal.clone()));
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
        if let Ok(mut c) = self.calendars.by_service.lock() {
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
        let (id, day) = self.check_calendar_day(calendar, day, kind, hours).await?;
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

    /// The rules of [`Self::set_calendar_day`]: the calendar's id and the day, or the
    /// errors by field (`day`, `kind`, `hours`, `calendar`).
    pub(crate) async fn check_calendar_day(
        &self,
        calendar: &str,
        day: &str,
        kind: &str,
        hours: Option<&str>,
    ) -> ServiceResult<(i64, String)> {
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
        Ok((id, date.format("%Y-%m-%d").to_string()))
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
    }
}
