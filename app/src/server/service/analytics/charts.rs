//! More analytics for the dashboard: the weekly trend (ISO weeks, from the day rollups) and
//! the lead-time distribution (whole calendar days, from the request rows). Same scope
//! rules as `analytics_summary`: a scope the viewer may not see is refused.

use super::{day_start, period};
use crate::domain::FieldErrors;
use crate::domain::analytics::Scope;
use crate::error::AppError;
use crate::model::{AnalyticsMore, LeadBucket, WeekPoint};
use crate::server::error::ServiceResult;
use crate::server::service::{StaffContext, Taka};
use chrono::{Datelike, Duration, NaiveDate};

/// How many ISO weeks the weekly trend shows.
pub const WEEKS: i64 = 12;

/// A scope as a condition on `r`: one service, some institutions, or everything.
enum Within {
    Service(i64),
    Institutions(Vec<i64>),
    All,
}

impl Within {
    /// `r.service_id = $n` / `r.institution_id IN ($n, ...)` / `1 = 1`, numbered from `first`.
    fn sql(&self, first: usize) -> String {
        match self {
            Within::Service(_) => format!("r.service_id = ${first}"),
            Within::Institutions(ids) => {
                let p: Vec<String> = (0..ids.len()).map(|i| format!("${}", first + i)).collect();
                format!("r.institution_id IN ({})", p.join(", "))
            }
            Within::All => "1 = 1".into(),
        }
    }

    fn ids(&self) -> Vec<i64> {
        match self {
            Within::Service(id) => vec![*id],
            Within::Institutions(ids) => ids.clone(),
            Within::All => Vec::new(),
        }
    }
}

impl Taka {
    /// The weekly trend (the 12 ISO weeks up to `to`) and the lead-time distribution of
    /// the period `from..=to` (local dates) for `scope`.
    pub async fn analytics_more(
        &self,
        ctx: &StaffContext,
        scope: &Scope,
        from: &str,
        to: &str,
    ) -> ServiceResult<AnalyticsMore> {
        let mut errors = FieldErrors::new();
        let dates = period(from, to, true, &mut errors);
        let (Some((from, to)), true) = (dates, errors.is_empty()) else {
            return Err(AppError::Invalid(errors).into());
        };
        let within = self.within(ctx, scope).await?;
        Ok(AnalyticsMore {
            weekly: self.weekly(&within, to).await?,
            distribution: self.distribution(&within, from, to).await?,
        })
    }

    /// The scope as rows to count, after checking that `ctx` may see it (unknown services
    /// and institutions are `NotFound`, others' scopes `Forbidden`).
    async fn within(&self, ctx: &StaffContext, scope: &Scope) -> ServiceResult<Within> {
        let within = match scope {
            Scope::Service(code) => {
                let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM services WHERE code = $1")
                    .bind(code)
                    .fetch_optional(&self.db.read)
                    .await?;
                Within::Service(row.ok_or(AppError::NotFound)?.0)
            }
            Scope::Institution(code) => {
                let row: Option<(i64,)> =
                    sqlx::query_as("SELECT id FROM institutions WHERE code = $1")
                        .bind(code)
                        .fetch_optional(&self.db.read)
                        .await?;
                Within::Institutions(vec![row.ok_or(AppError::NotFound)?.0])
            }
            Scope::Sector(v) | Scope::Municipality(v) => {
                let sql = if matches!(scope, Scope::Sector(_)) {
                    "SELECT id FROM institutions WHERE sector = $1 ORDER BY id"
                } else {
                    "SELECT id FROM institutions WHERE municipality = $1 ORDER BY id"
                };
                let rows: Vec<(i64,)> =
                    sqlx::query_as(sql).bind(v).fetch_all(&self.db.read).await?;
                Within::Institutions(rows.into_iter().map(|r| r.0).collect())
            }
            Scope::Country => Within::All,
        };
        // The one place that decides who sees what (the summary's own check).
        if !self.can_see_scope(ctx, scope).await {
            return Err(AppError::Forbidden.into());
        }
        if matches!(&within, Within::Institutions(ids) if ids.is_empty()) {
            return Err(AppError::NotFound.into());
        }
        Ok(within)
    }

    /// Received and fulfilled per ISO week, the last `WEEKS` weeks up to `to` (inclusive),
    /// from the day rollups (local days).
    async fn weekly(&self, within: &Within, to: NaiveDate) -> ServiceResult<Vec<WeekPoint>> {
        let monday = to - Duration::days(i64::from(to.weekday().num_days_from_monday()));
        let first = monday - Duration::days(7 * (WEEKS - 1));
        let day = |d: NaiveDate| i64::from(d.num_days_from_ce());
        let table = if matches!(within, Within::Service(_)) {
            "stats_day"
        } else {
            "stats_day_inst"
        };
        let sql = format!(
            "SELECT r.day, CAST(SUM(r.received) AS BIGINT), CAST(SUM(r.fulfilled) AS BIGINT)
             FROM {table} r WHERE r.day >= $1 AND r.day <= $2 AND {} GROUP BY r.day",
            within.sql(3)
        );
        let mut q = sqlx::query_as(&sql).bind(day(first)).bind(day(to));
        for id in within.ids() {
            q = q.bind(id);
        }
        let rows: Vec<(i64, i64, i64)> = q.fetch_all(&self.db.read).await?;
        let mut weeks: Vec<WeekPoint> = (0..WEEKS)
            .map(|i| {
                let m = first + Duration::days(7 * i);
                let w = m.iso_week();
                WeekPoint {
                    label: format!("{}-W{:02}", w.year(), w.week()),
                    monday: m.to_string(),
                    received: 0,
                    fulfilled: 0,
                }
            })
            .collect();
        for (d, received, fulfilled) in rows {
            let i = ((d - day(first)) / 7) as usize;
            if let Some(w) = weeks.get_mut(i) {
                w.received += received;
                w.fulfilled += fulfilled;
            }
        }
        Ok(weeks)
    }

    /// How many requests took how long, in whole calendar days: decisions in the period
    /// (from registration, or submission where there was none) and fulfilments in the
    /// period (from submission) — the same requests the lead-time table counts.
    async fn distribution(
        &self,
        within: &Within,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ServiceResult<Vec<LeadBucket>> {
        let (a, b) = (day_start(from), day_start(to + Duration::days(1)));
        let mut buckets = LeadBucket::empty();
        for (decide, column, expr) in [
            (
                true,
                "decided_at",
                "r.decided_at - COALESCE(r.registered_at, r.submitted_at)",
            ),
            (false, "fulfilled_at", "r.fulfilled_at - r.submitted_at"),
        ] {
            let sql = format!(
                "SELECT ({expr}) / 86400 AS v, COUNT(*) FROM requests r
                 WHERE r.{column} >= $1 AND r.{column} < $2 AND ({expr}) >= 0 AND {}
                 GROUP BY 1",
                within.sql(3)
            );
            let mut q = sqlx::query_as(&sql).bind(a).bind(b);
            for id in within.ids() {
                q = q.bind(id);
            }
            let rows: Vec<(i64, i64)> = q.fetch_all(&self.db.read).await?;
            for (days, n) in rows {
                if let Some(bucket) = LeadBucket::index(days).and_then(|i| buckets.get_mut(i)) {
                    if decide {
                        bucket.decide += n;
                    } else {
                        bucket.total += n;
                    }
                }
            }
        }
        Ok(buckets)
    }
}
