//! Reading the rollup tables: counters by month, institution (or service) and channel,
//! and lead-time histograms, over whole months and the days around them.

use super::Filter;
use crate::domain::analytics::Spread;
use crate::model::{LeadTimes, PeriodCounts};
use crate::server::error::ServiceResult;
use crate::server::service::{Taka, rollup};
use chrono::{Datelike, Duration, NaiveDate};

impl Taka {
    /// Counters over local days `from..=to` by month, institution (or service) and
    /// channel: whole months from `stats_month`, the days around them from `stats_day`.
    pub(super) async fn rollup_cells(
        &self,
        f: &Filter,
        from: NaiveDate,
        to: NaiveDate,
        by_service: bool,
    ) -> ServiceResult<Vec<Cell>> {
        let sums: Vec<String> = rollup::COUNTERS
            .iter()
            .map(|c| format!("CAST(SUM(r.{c}) AS BIGINT)"))
            .collect();
        let sums = sums.join(", ");
        let key = if by_service {
            "r.service_id"
        } else {
            "r.institution_id"
        };
        let channel = "CASE r.channel WHEN 'web' THEN 0 WHEN 'in_person' THEN 1 ELSE 2 END";
        let split = Split::of(from, to);
        // Scopes of one institution or service read the per-service tables; wider scopes
        // the per-institution ones (a tenth of the rows).
        let suffix = if by_service || f.service.is_some() {
            ""
        } else {
            "_inst"
        };
        let mut ranges: Vec<(String, &str, i64, i64)> = Vec::new();
        if let Some((m1, m2)) = split.months {
            ranges.push((format!("stats_month{suffix}"), "month", m1, m2));
        }
        for (d1, d2) in split.days {
            ranges.push((format!("stats_day{suffix}"), "day", d1, d2));
        }
        let mut cells = Vec::new();
        for (table, unit, lo, hi) in ranges {
            let sql = f.sql(
                &format!(
                    "SELECT r.{unit}, {key}, {channel}, {sums} FROM {table} r
                     WHERE r.{unit} >= $1 AND r.{unit} <= $2 AND {{F}} GROUP BY 1, 2, 3"
                ),
                3,
            );
            let rows: Vec<CellRow> = f
                .bind(sqlx::query_as(&sql).bind(lo).bind(hi))
                .fetch_all(&self.db.read)
                .await?;
            for r in rows {
                let month = if unit == "day" {
                    NaiveDate::from_num_days_from_ce_opt(r.0 as i32)
                        .map(|d| i64::from(d.year()) * 12 + i64::from(d.month0()))
                        .unwrap_or(0)
                } else {
                    r.0
                };
                cells.push(Cell {
                    month,
                    key: r.1,
                    channel: r.2,
                    counts: [r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10, r.11],
                });
            }
        }
        Ok(cells)
    }

    /// Lead-time histograms over local days `from..=to` from the institution rollups.
    pub(super) async fn rollup_leads(
        &self,
        f: &Filter,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ServiceResult<LeadTimes> {
        let mut hists: [std::collections::BTreeMap<i64, i64>; 4] = Default::default();
        let split = Split::of(from, to);
        // The whole country reads the national tables (no institution rows to add up).
        let suffix = if f.institutions.is_none() && f.service.is_none() {
            "_all"
        } else {
            ""
        };
        let mut parts: Vec<(String, &str, i64, i64)> = Vec::new();
        if let Some((m1, m2)) = split.months {
            parts.push((format!("lead_month{suffix}"), "month", m1, m2));
        }
        for (d1, d2) in split.days {
            parts.push((format!("lead_day{suffix}"), "day", d1, d2));
        }
        for (table, unit, lo, hi) in parts {
            let sql = f.sql(
                &format!(
                    "SELECT r.stage, r.value, CAST(SUM(r.n) AS BIGINT) FROM {table} r
                     WHERE r.{unit} >= $1 AND r.{unit} <= $2 AND {{F}} GROUP BY r.stage, r.value"
                ),
                3,
            );
            let rows: Vec<(String, i64, i64)> = f
                .bind(sqlx::query_as(&sql).bind(lo).bind(hi))
                .fetch_all(&self.db.read)
                .await?;
            for (stage, value, n) in rows {
                if let Some(k) = rollup::STAGES.iter().position(|s| *s == stage) {
                    *hists[k].entry(value).or_insert(0) += n;
                }
            }
        }
        let spread = |h: &std::collections::BTreeMap<i64, i64>| {
            Spread::of(&h.iter().map(|(v, n)| (*v, *n)).collect::<Vec<_>>())
        };
        Ok(LeadTimes {
            register_hours: spread(&hists[0]),
            decide_days: spread(&hists[1]),
            fulfil_days: spread(&hists[2]),
            total_days: spread(&hists[3]),
        })
    }
}

pub(super) fn counts_of(t: &[i64; 9]) -> PeriodCounts {
    PeriodCounts {
        received: t[0],
        fulfilled: t[1],
        refused: t[2],
        approved: t[3],
        withdrawn: t[4],
        sla_judged: t[5],
        sla_met: t[6],
        ratings: t[7],
        rating_sum: t[8],
    }
}

/// Counters of one month, institution (or service) and channel.
pub(super) struct Cell {
    pub(super) month: i64,
    pub(super) key: i64,
    pub(super) channel: i64,
    pub(super) counts: [i64; 9],
}

type CellRow = (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);

/// A period of local days split into whole months and the days around them.
struct Split {
    /// First and last whole month (`year * 12 + month0`).
    months: Option<(i64, i64)>,
    /// Day ranges (days from 0001-01-01), inclusive.
    days: Vec<(i64, i64)>,
}

impl Split {
    fn of(from: NaiveDate, to: NaiveDate) -> Split {
        let day = |d: NaiveDate| i64::from(d.num_days_from_ce());
        let month = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
        let first_of = |d: NaiveDate| NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d);
        // The first whole month starts at `from` if it is the 1st, else next month.
        let start = if from.day() == 1 {
            from
        } else {
            first_of(first_of(from) + Duration::days(32))
        };
        // The last whole month ends at `to` if tomorrow is the 1st.
        let end_excl = if (to + Duration::days(1)).day() == 1 {
            to + Duration::days(1)
        } else {
            first_of(to)
        };
        if start >= end_excl {
            return Split {
                months: None,
                days: vec![(day(from), day(to))],
            };
        }
        let last_month = end_excl - Duration::days(1);
        let mut days = Vec::new();
        if from < start {
            days.push((day(from), day(start) - 1));
        }
        if end_excl <= to {
            days.push((day(end_excl), day(to)));
        }
        Split {
            months: Some((month(start), month(last_month))),
            days,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        super::super::parse_day(s).expect("date")
    }
    fn n(s: &str) -> i64 {
        i64::from(d(s).num_days_from_ce())
    }

    #[test]
    fn periods_split_into_whole_months_and_edge_days() {
        let s = Split::of(d("2026-01-15"), d("2026-04-10"));
        assert_eq!(
            s.months,
            Some((2026 * 12 + 1, 2026 * 12 + 2)),
            "February and March"
        );
        assert_eq!(
            s.days,
            vec![
                (n("2026-01-15"), n("2026-01-31")),
                (n("2026-04-01"), n("2026-04-10"))
            ]
        );
        let s = Split::of(d("2026-01-01"), d("2026-12-31"));
        assert_eq!(s.months, Some((2026 * 12, 2026 * 12 + 11)));
        assert!(s.days.is_empty());
        let s = Split::of(d("2026-02-03"), d("2026-02-20"));
        assert_eq!(s.months, None);
        assert_eq!(s.days, vec![(n("2026-02-03"), n("2026-02-20"))]);
        let s = Split::of(d("2025-12-31"), d("2026-01-31"));
        assert_eq!(s.months, Some((2026 * 12, 2026 * 12)));
        assert_eq!(s.days, vec![(n("2025-12-31"), n("2025-12-31"))]);
    }
}
