//! The figures of a scope and period, compared with the period of the same length just
//! before: counts, lead times, backlog, channels, statuses, the monthly trend.

use super::rollups::{Cell, counts_of};
use super::{Filter, day_start, open_statuses, period};
use crate::domain::analytics::{Scope, Spread};
use crate::domain::{Channel, FieldError, FieldErrors, Lang, Status};
use crate::error::AppError;
use crate::model::{AnalyticsSummary, LeadTimes, TrendPoint};
use crate::server::error::ServiceResult;
use crate::server::service::{StaffContext, Taka};
use chrono::{Datelike, Duration, NaiveDate};

impl Taka {
    /// The figures of `scope` from `from` to `to` (local dates, inclusive), compared with
    /// the period of the same length just before.
    pub async fn analytics_summary(
        &self,
        ctx: &StaffContext,
        scope: Option<&str>,
        from: &str,
        to: &str,
        lang: Lang,
    ) -> ServiceResult<AnalyticsSummary> {
        let mut errors = FieldErrors::new();
        let scope = match scope.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => match Scope::parse(s) {
                Some(scope) => Some(scope),
                None => {
                    errors.insert("scope".into(), FieldError::InvalidChoice);
                    None
                }
            },
            None => None,
        };
        let dates = period(from, to, true, &mut errors);
        let (Some((from, to)), true) = (dates, errors.is_empty()) else {
            return Err(AppError::Invalid(errors).into());
        };
        let scope = match scope {
            Some(s) => s,
            None => self.default_scope(ctx).await?,
        };
        let resolved = self.resolve_scope(ctx, &scope, lang).await?;
        let days = (to - from).num_days() + 1;
        let (prev_from, prev_to) = (from - Duration::days(days), from - Duration::days(1));
        let filter = Filter::of(&resolved);

        let by_service = resolved
            .institutions
            .as_ref()
            .is_some_and(|ids| ids.len() == 1);
        let cells = self.rollup_cells(&filter, from, to, by_service).await?;
        let sum = |cells: &[Cell]| {
            let mut t = [0; 9];
            for c in cells {
                for (t, v) in t.iter_mut().zip(c.counts) {
                    *t += v;
                }
            }
            counts_of(&t)
        };
        let current = sum(&cells);
        let previous = sum(&self
            .rollup_cells(&filter, prev_from, prev_to, false)
            .await?);
        let lead_times = if resolved.service.is_some() {
            // One service: straight from its requests (indexed by service and time).
            let (a, b) = (day_start(from), day_start(to + Duration::days(1)));
            LeadTimes {
                register_hours: self
                    .spread(
                        &filter,
                        "registered_at",
                        "r.registered_at - r.submitted_at",
                        3600,
                        a,
                        b,
                    )
                    .await?,
                decide_days: self
                    .spread(
                        &filter,
                        "decided_at",
                        "r.decided_at - COALESCE(r.registered_at, r.submitted_at)",
                        86_400,
                        a,
                        b,
                    )
                    .await?,
                fulfil_days: self
                    .spread(
                        &filter,
                        "fulfilled_at",
                        "r.fulfilled_at - r.decided_at",
                        86_400,
                        a,
                        b,
                    )
                    .await?,
                total_days: self
                    .spread(
                        &filter,
                        "fulfilled_at",
                        "r.fulfilled_at - r.submitted_at",
                        86_400,
                        a,
                        b,
                    )
                    .await?,
            }
        } else {
            self.rollup_leads(&filter, from, to).await?
        };
        let now = self.now();
        let open = open_statuses();
        let sql = filter.sql(
            &format!(
                "SELECT ($1 - r.submitted_at) / 86400 AS v, COUNT(*) FROM requests r
                 WHERE r.status IN ({open}) AND {{F}} GROUP BY 1 ORDER BY 1"
            ),
            2,
        );
        let backlog_hist: Vec<(i64, i64)> = filter
            .bind(sqlx::query_as(&sql).bind(now))
            .fetch_all(&self.db.read)
            .await?;
        let backlog_age_days = Spread::of(&backlog_hist);
        let sql = filter.sql(
            &format!(
                "SELECT r.status, COUNT(*) FROM requests r
                 WHERE r.status IN ({open}) AND {{F}} GROUP BY r.status"
            ),
            1,
        );
        let statuses: Vec<(String, i64)> = filter
            .bind(sqlx::query_as(&sql))
            .fetch_all(&self.db.read)
            .await?;
        let trend = trend(&cells, from, to);
        let parts = self
            .parts(&filter, &resolved, &cells, by_service, lang)
            .await?;
        let groups = if scope.is_country() {
            self.groups(&parts).await?
        } else {
            Vec::new()
        };
        Ok(AnalyticsSummary {
            groups,
            scope,
            scope_name: resolved.name,
            from: from.to_string(),
            to: to.to_string(),
            previous_from: prev_from.to_string(),
            previous_to: prev_to.to_string(),
            current,
            previous,
            lead_times,
            backlog: backlog_age_days.count,
            backlog_age_days,
            channels: Channel::ALL
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    let n = cells
                        .iter()
                        .filter(|cell| cell.channel == i as i64)
                        .map(|cell| cell.counts[0])
                        .sum();
                    (c, n)
                })
                .collect(),
            statuses: Status::ALL
                .into_iter()
                .filter_map(|s| {
                    statuses
                        .iter()
                        .find(|(k, _)| k == s.as_str())
                        .map(|x| (s, x.1))
                })
                .collect(),
            trend,
            parts,
        })
    }

    /// Median and 90th percentile of `expr / unit` (whole units) over requests whose
    /// `column` event fell in [a, b).
    async fn spread(
        &self,
        f: &Filter,
        column: &str,
        expr: &str,
        unit: i64,
        a: i64,
        b: i64,
    ) -> ServiceResult<Spread> {
        let sql = f.sql(
            &format!(
                "SELECT ({expr}) / {unit} AS v, COUNT(*) FROM requests r
                 WHERE r.{column} >= $1 AND r.{column} < $2 AND ({expr}) >= 0 AND {{F}}
                 GROUP BY 1 ORDER BY 1"
            ),
            3,
        );
        let hist: Vec<(i64, i64)> = f
            .bind(sqlx::query_as(&sql).bind(a).bind(b))
            .fetch_all(&self.db.read)
            .await?;
        Ok(Spread::of(&hist))
    }
}

/// Received, fulfilled and refused per local calendar month of the period.
fn trend(cells: &[Cell], from: NaiveDate, to: NaiveDate) -> Vec<TrendPoint> {
    let mut by_month: std::collections::BTreeMap<i64, [i64; 3]> = Default::default();
    let (first, last) = (
        i64::from(from.year()) * 12 + i64::from(from.month0()),
        i64::from(to.year()) * 12 + i64::from(to.month0()),
    );
    for m in first..=last {
        by_month.insert(m, [0; 3]);
    }
    for c in cells {
        let e = by_month.entry(c.month).or_insert([0; 3]);
        for (e, v) in e.iter_mut().zip(c.counts) {
            *e += v;
        }
    }
    by_month
        .into_iter()
        .map(|(m, r)| TrendPoint {
            label: format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1),
            received: r[0],
            fulfilled: r[1],
            refused: r[2],
        })
        .collect()
}
