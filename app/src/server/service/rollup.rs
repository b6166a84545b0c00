//! Analytics rollups: per-day and per-month counters by service and channel, and lead-time
//! histograms by institution. Written in the same transaction as every change (so they are
//! exact, never behind), and rebuilt from the request rows by `rebuild_rollups`.
//!
//! One pure function, `events`, says what a request contributes, from its facts before and
//! after a change; the live path and the rebuild both use it.

use super::Taka;
use crate::server::error::ServiceResult;
use chrono::Datelike;
use std::collections::HashMap;

/// Counter columns, in table order.
pub const COUNTERS: [&str; 9] = [
    "received",
    "fulfilled",
    "refused",
    "approved",
    "withdrawn",
    "sla_judged",
    "sla_met",
    "ratings",
    "rating_sum",
];

/// Lead-time stages as stored in `lead_day` / `lead_month`.
pub const STAGES: [&str; 4] = ["register_hours", "decide_days", "fulfil_days", "total_days"];

/// What analytics count of one request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    pub submitted_at: i64,
    pub registered_at: Option<i64>,
    pub decided_at: Option<i64>,
    /// `Some(true)` approved, `Some(false)` refused.
    pub approved: Option<bool>,
    pub fulfilled_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
    pub rated_at: Option<i64>,
    pub rating: i64,
    pub sla_done_at: Option<i64>,
    pub sla_met: bool,
}

/// What a change adds: counter increments at instants, and lead-time values.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Contribution {
    pub counters: Vec<(i64, [i64; 9])>,
    /// (instant, stage index, value)
    pub leads: Vec<(i64, usize, i64)>,
}

/// What moving from `before` (none: a new request) to `after` contributes.
pub fn events(before: Option<&Facts>, after: &Facts) -> Contribution {
    let old = before.copied().unwrap_or_default();
    let new_event = |was: Option<i64>, is: Option<i64>| is.filter(|_| was.is_none());
    let mut c = Contribution::default();
    let add = |at: i64, k: usize, v: i64, c: &mut Contribution| {
        let mut row = [0; 9];
        row[k] = v;
        c.counters.push((at, row));
    };
    if before.is_none() {
        add(after.submitted_at, 0, 1, &mut c);
    }
    if let Some(t) = new_event(old.registered_at, after.registered_at) {
        c.leads.push((t, 0, (t - after.submitted_at).max(0) / 3600));
    }
    if let Some(t) = new_event(old.decided_at, after.decided_at) {
        let k = if after.approved == Some(true) { 3 } else { 2 };
        add(t, k, 1, &mut c);
        let from = after.registered_at.unwrap_or(after.submitted_at);
        c.leads.push((t, 1, (t - from).max(0) / 86_400));
    }
    if let Some(t) = new_event(old.fulfilled_at, after.fulfilled_at) {
        add(t, 1, 1, &mut c);
        if let Some(d) = after.decided_at {
            c.leads.push((t, 2, (t - d).max(0) / 86_400));
        }
        c.leads
            .push((t, 3, (t - after.submitted_at).max(0) / 86_400));
    }
    if let Some(t) = new_event(old.withdrawn_at, after.withdrawn_at) {
        add(t, 4, 1, &mut c);
    }
    if let Some(t) = new_event(old.sla_done_at, after.sla_done_at) {
        add(t, 5, 1, &mut c);
        if after.sla_met {
            add(t, 6, 1, &mut c);
        }
    }
    if let Some(t) = new_event(old.rated_at, after.rated_at) {
        add(t, 7, 1, &mut c);
        add(t, 8, after.rating, &mut c);
    }
    c
}

/// The local calendar day of an instant (days from 0001-01-01).
pub fn day_of(ts: i64) -> i64 {
    i64::from(super::local_date(ts).num_days_from_ce())
}

/// The local calendar month of an instant (`year * 12 + month - 1`).
pub fn month_of(ts: i64) -> i64 {
    let d = super::local_date(ts);
    i64::from(d.year()) * 12 + i64::from(d.month0())
}

/// Where a request's counters go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Place {
    pub service_id: i64,
    pub institution_id: i64,
    pub channel: &'static str,
}

/// Rollup rows accumulated in memory (for rebuilds and bulk loads).
#[derive(Default)]
pub struct Accumulator {
    day: HashMap<(i64, i64, &'static str), (i64, [i64; 9])>,
    month: HashMap<(i64, i64, &'static str), (i64, [i64; 9])>,
    day_inst: HashMap<(i64, i64, &'static str), (i64, [i64; 9])>,
    month_inst: HashMap<(i64, i64, &'static str), (i64, [i64; 9])>,
    lead_day: HashMap<(i64, i64, usize, i64), i64>,
    lead_month: HashMap<(i64, i64, usize, i64), i64>,
}

/// Institution id used for the country-wide lead tables' rows (they have no institution).
const ALL: i64 = 0;

impl Accumulator {
    pub fn add(&mut self, place: Place, c: &Contribution) {
        for (at, row) in &c.counters {
            for (map, key) in [
                (&mut self.day, day_of(*at)),
                (&mut self.month, month_of(*at)),
            ] {
                let e = map
                    .entry((key, place.service_id, place.channel))
                    .or_insert((place.institution_id, [0; 9]));
                for (k, v) in row.iter().enumerate() {
                    e.1[k] += v;
                }
            }
            for (map, key) in [
                (&mut self.day_inst, day_of(*at)),
                (&mut self.month_inst, month_of(*at)),
            ] {
                let e = map
                    .entry((key, place.institution_id, place.channel))
                    .or_insert((place.institution_id, [0; 9]));
                for (k, v) in row.iter().enumerate() {
                    e.1[k] += v;
                }
            }
        }
        for (at, stage, value) in &c.leads {
            *self
                .lead_day
                .entry((day_of(*at), place.institution_id, *stage, *value))
                .or_insert(0) += 1;
            *self
                .lead_month
                .entry((month_of(*at), place.institution_id, *stage, *value))
                .or_insert(0) += 1;
            *self
                .lead_day
                .entry((day_of(*at), ALL, *stage, *value))
                .or_insert(0) += 1;
            *self
                .lead_month
                .entry((month_of(*at), ALL, *stage, *value))
                .or_insert(0) += 1;
        }
    }

    /// Add everything into the rollup tables (upserts, in chunks).
    pub async fn write(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> ServiceResult<()> {
        for (table, unit, map) in [
            ("stats_day", "day", &self.day),
            ("stats_month", "month", &self.month),
            ("stats_day_inst", "day", &self.day_inst),
            ("stats_month_inst", "month", &self.month_inst),
        ] {
            let by_inst = table.ends_with("_inst");
            let (key_col, cols) = if by_inst {
                ("institution_id", 12)
            } else {
                ("service_id", 13)
            };
            let rows: Vec<_> = map.iter().collect();
            for chunk in rows.chunks(500) {
                let values: Vec<String> = (0..chunk.len())
                    .map(|i| {
                        let p: Vec<String> =
                            (1..=cols).map(|k| format!("${}", i * cols + k)).collect();
                        format!("({})", p.join(", "))
                    })
                    .collect();
                let updates: Vec<String> = COUNTERS
                    .iter()
                    .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
                    .collect();
                let sql = format!(
                    "INSERT INTO {table} ({unit}, {key_col}, channel{}, {})
                     VALUES {} ON CONFLICT ({unit}, {key_col}, channel) DO UPDATE SET {}",
                    if by_inst { "" } else { ", institution_id" },
                    COUNTERS.join(", "),
                    values.join(", "),
                    updates.join(", ")
                );
                let mut q = sqlx::query(&sql);
                for ((key, id, channel), (inst, counts)) in chunk {
                    q = q.bind(*key).bind(*id).bind(*channel);
                    if !by_inst {
                        q = q.bind(*inst);
                    }
                    for v in counts {
                        q = q.bind(*v);
                    }
                }
                q.execute(&mut **tx).await?;
            }
        }
        for (table, unit, map) in [
            ("lead_day", "day", &self.lead_day),
            ("lead_month", "month", &self.lead_month),
        ] {
            for national in [false, true] {
                let rows: Vec<_> = map
                    .iter()
                    .filter(|((_, inst, _, _), _)| (*inst == ALL) == national)
                    .collect();
                let (table, inst_col) = if national {
                    (format!("{table}_all"), "")
                } else {
                    (table.to_string(), "institution_id, ")
                };
                let per = if national { 4 } else { 5 };
                for chunk in rows.chunks(1000) {
                    let values: Vec<String> = (0..chunk.len())
                        .map(|i| {
                            let p: Vec<String> =
                                (1..=per).map(|k| format!("${}", i * per + k)).collect();
                            format!("({})", p.join(", "))
                        })
                        .collect();
                    let sql = format!(
                    "INSERT INTO {table} ({unit}, {inst_col}stage, value, n) VALUES {}
                     ON CONFLICT ({unit}, {inst_col}stage, value) DO UPDATE SET n = {table}.n + excluded.n",
                    values.join(", ")
                );
                    let mut q = sqlx::query(&sql);
                    for ((key, inst, stage, value), n) in chunk {
                        q = q.bind(*key);
                        if !national {
                            q = q.bind(*inst);
                        }
                        q = q.bind(STAGES[*stage]).bind(*value).bind(*n);
                    }
                    q.execute(&mut **tx).await?;
                }
            }
        }
        Ok(())
    }
}

/// A channel name as a `'static` string (rows carry owned strings).
pub fn channel_str(s: &str) -> &'static str {
    crate::domain::Channel::parse(s)
        .map(crate::domain::Channel::as_str)
        .unwrap_or("web")
}

#[derive(sqlx::FromRow)]
struct FactRow {
    id: i64,
    service_id: i64,
    institution_id: i64,
    channel: String,
    status: String,
    submitted_at: i64,
    registered_at: Option<i64>,
    decided_at: Option<i64>,
    decision: Option<String>,
    fulfilled_at: Option<i64>,
    closed_at: Option<i64>,
    rating: Option<i64>,
    sla_done_at: Option<i64>,
    sla_breached: i64,
}

impl FactRow {
    fn facts(&self) -> Facts {
        Facts {
            submitted_at: self.submitted_at,
            registered_at: self.registered_at,
            decided_at: self.decided_at,
            approved: self.decision.as_deref().map(|d| d == "approved"),
            fulfilled_at: self.fulfilled_at,
            withdrawn_at: self.closed_at.filter(|_| self.status == "withdrawn"),
            rated_at: self.closed_at.filter(|_| self.rating.is_some()),
            rating: self.rating.unwrap_or(0),
            sla_done_at: self.sla_done_at,
            sla_met: self.sla_breached == 0,
        }
    }
}

impl Taka {
    /// Recompute every rollup from the request rows (after a bulk load, or to check).
    pub async fn rebuild_rollups(&self) -> ServiceResult<()> {
        let mut acc = Accumulator::default();
        let mut after = 0_i64;
        loop {
            let rows: Vec<FactRow> = sqlx::query_as(
                "SELECT id, service_id, institution_id, channel, status, submitted_at, registered_at,
                        decided_at, decision, fulfilled_at, closed_at, rating, sla_done_at, sla_breached
                 FROM requests WHERE id > $1 ORDER BY id LIMIT 20000",
            )
            .bind(after)
            .fetch_all(&self.db.read)
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            for r in &rows {
                let place = Place {
                    service_id: r.service_id,
                    institution_id: r.institution_id,
                    channel: channel_str(&r.channel),
                };
                acc.add(place, &events(None, &r.facts()));
            }
        }
        let mut tx = self.db.write.begin().await?;
        for table in [
            "stats_day",
            "stats_month",
            "stats_day_inst",
            "stats_month_inst",
            "lead_day",
            "lead_month",
            "lead_day_all",
            "lead_month_all",
        ] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await?;
        }
        acc.write(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600;
    const D: i64 = 86_400;

    #[test]
    fn a_request_contributes_each_event_once() {
        let new = Facts {
            submitted_at: 10 * D,
            ..Facts::default()
        };
        let c = events(None, &new);
        assert_eq!(c.counters, vec![(10 * D, [1, 0, 0, 0, 0, 0, 0, 0, 0])]);
        assert!(c.leads.is_empty());
        // Registered 5 h later, approved 3 days after that, fulfilled 2.5 days later.
        let registered = Facts {
            registered_at: Some(10 * D + 5 * H),
            ..new
        };
        assert_eq!(
            events(Some(&new), &registered).leads,
            vec![(10 * D + 5 * H, 0, 5)]
        );
        let decided = Facts {
            decided_at: Some(13 * D + 5 * H),
            approved: Some(true),
            ..registered
        };
        let c = events(Some(&registered), &decided);
        assert_eq!(
            c.counters,
            vec![(13 * D + 5 * H, [0, 0, 0, 1, 0, 0, 0, 0, 0])]
        );
        assert_eq!(c.leads, vec![(13 * D + 5 * H, 1, 3)]);
        let fulfilled = Facts {
            fulfilled_at: Some(15 * D + 17 * H),
            sla_done_at: Some(15 * D + 17 * H),
            sla_met: true,
            ..decided
        };
        let c = events(Some(&decided), &fulfilled);
        assert_eq!(
            c.leads,
            vec![(15 * D + 17 * H, 2, 2), (15 * D + 17 * H, 3, 5)]
        );
        let sums: i64 = c.counters.iter().map(|(_, r)| r[1] + r[5] + r[6]).sum();
        assert_eq!(sums, 3, "fulfilled, judged and met");
        // Nothing new: nothing added.
        assert_eq!(
            events(Some(&fulfilled), &fulfilled),
            Contribution::default()
        );
        // Rated 4 on closing.
        let rated = Facts {
            rated_at: Some(16 * D),
            rating: 4,
            ..fulfilled
        };
        assert_eq!(
            events(Some(&fulfilled), &rated).counters,
            vec![
                (16 * D, [0, 0, 0, 0, 0, 0, 0, 1, 0]),
                (16 * D, [0, 0, 0, 0, 0, 0, 0, 0, 4])
            ]
        );
        // The whole life at once gives the same as step by step.
        let all = events(None, &rated);
        let steps: usize = [
            events(None, &new),
            events(Some(&new), &registered),
            events(Some(&registered), &decided),
            events(Some(&decided), &fulfilled),
            events(Some(&fulfilled), &rated),
        ]
        .iter()
        .map(|c| c.counters.len() + c.leads.len())
        .sum();
        assert_eq!(all.counters.len() + all.leads.len(), steps);
    }

    #[test]
    fn refusals_and_withdrawals_count_apart() {
        let f = Facts {
            submitted_at: D,
            decided_at: Some(2 * D),
            approved: Some(false),
            sla_done_at: Some(2 * D),
            sla_met: false,
            ..Facts::default()
        };
        let c = events(None, &f);
        let total = c.counters.iter().fold([0; 9], |mut acc, (_, r)| {
            for k in 0..9 {
                acc[k] += r[k];
            }
            acc
        });
        assert_eq!(total, [1, 0, 1, 0, 0, 1, 0, 0, 0]);
        let w = Facts {
            submitted_at: D,
            withdrawn_at: Some(3 * D),
            ..Facts::default()
        };
        let total: i64 = events(None, &w).counters.iter().map(|(_, r)| r[4]).sum();
        assert_eq!(total, 1);
    }
}
