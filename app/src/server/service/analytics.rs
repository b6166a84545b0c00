//! Analytics: the figures of a scope and period, and who may see which scope.
//!
//! This is the straightforward computation, straight from the request rows (every figure
//! is keyed by the time its event happened: received by `submitted_at`, fulfilled by
//! `fulfilled_at`, and so on). It is the reference any faster path must equal.

use super::{StaffContext, Taka};
use crate::domain::analytics::{Scope, Spread};
use crate::domain::{Channel, FieldError, FieldErrors, Lang, Role, Status};
use crate::error::AppError;
use crate::model::{AnalyticsSummary, Breakdown, LeadTimes, PeriodCounts, TrendPoint};
use crate::server::error::ServiceResult;
use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use chrono_tz::Europe::Riga;

/// The longest period one query may cover.
pub const MAX_PERIOD_DAYS: i64 = 5 * 366;

/// A scope resolved against the database.
#[derive(Debug, Clone)]
struct Resolved {
    name: String,
    /// `None`: every institution.
    institutions: Option<Vec<i64>>,
    service: Option<i64>,
}

/// The institution a staff member belongs to, as analytics needs it.
#[derive(sqlx::FromRow)]
struct Home {
    lead_scope: Option<String>,
}

#[derive(sqlx::FromRow)]
struct InstitutionRow {
    id: i64,
    sector: Option<String>,
    municipality: Option<String>,
}

/// Local midnight starting `day`, as Unix seconds.
pub fn day_start(day: NaiveDate) -> i64 {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    Riga.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.timestamp())
        .unwrap_or_else(|| midnight.and_utc().timestamp())
}

fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

impl Taka {
    /// The scope a staff member starts on: their lead scope, their institution, or their
    /// first service.
    pub async fn default_scope(&self, ctx: &StaffContext) -> ServiceResult<Scope> {
        if let Some(lead) = self.lead_scope(ctx).await? {
            return Ok(lead);
        }
        if !ctx.user.role.scoped_to_services() {
            return Ok(Scope::Institution(ctx.user.institution_code.clone()));
        }
        let first: Option<(String,)> = match ctx.service_ids.first() {
            Some(id) => {
                sqlx::query_as("SELECT code FROM services WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.db.read)
                    .await?
            }
            None => None,
        };
        first
            .map(|(c,)| Scope::Service(c))
            .ok_or_else(|| AppError::Forbidden.into())
    }

    /// The wider scope an institution head of a lead institution oversees.
    async fn lead_scope(&self, ctx: &StaffContext) -> ServiceResult<Option<Scope>> {
        if !matches!(ctx.user.role, Role::PortfolioOwner | Role::Admin) {
            return Ok(None);
        }
        let home: Option<Home> =
            sqlx::query_as("SELECT lead_scope FROM institutions WHERE id = $1")
                .bind(ctx.institution_id)
                .fetch_optional(&self.db.read)
                .await?;
        Ok(home
            .and_then(|h| h.lead_scope)
            .and_then(|s| Scope::parse(&s)))
    }

    async fn institution(&self, code: &str) -> ServiceResult<InstitutionRow> {
        sqlx::query_as("SELECT id, sector, municipality FROM institutions WHERE code = $1")
            .bind(code)
            .fetch_optional(&self.db.read)
            .await?
            .ok_or_else(|| AppError::NotFound.into())
    }

    /// Whether `lead` covers institution `inst`.
    fn lead_covers(lead: &Scope, inst: &InstitutionRow) -> bool {
        match lead {
            Scope::Country => true,
            Scope::Sector(s) => inst.sector.as_deref() == Some(s.as_str()),
            Scope::Municipality(m) => inst.municipality.as_deref() == Some(m.as_str()),
            Scope::Institution(_) | Scope::Service(_) => false,
        }
    }

    /// Resolve `scope` and check that `ctx` may see it. Unknown and forbidden scopes are
    /// told apart only for scopes the user could see in principle.
    async fn resolve_scope(
        &self,
        ctx: &StaffContext,
        scope: &Scope,
        lang: Lang,
    ) -> ServiceResult<Resolved> {
        let lead = self.lead_scope(ctx).await?;
        let institution_wide = !ctx.user.role.scoped_to_services();
        match scope {
            Scope::Service(code) => {
                let row: Option<(i64, i64)> =
                    sqlx::query_as("SELECT id, institution_id FROM services WHERE code = $1")
                        .bind(code)
                        .fetch_optional(&self.db.read)
                        .await?;
                let (id, inst_id) = row.ok_or(AppError::NotFound)?;
                let inst: InstitutionRow = sqlx::query_as(
                    "SELECT id, sector, municipality FROM institutions WHERE id = $1",
                )
                .bind(inst_id)
                .fetch_one(&self.db.read)
                .await?;
                let allowed = ctx.can_see(id, inst_id)
                    || lead.as_ref().is_some_and(|l| Self::lead_covers(l, &inst));
                if !allowed {
                    return Err(AppError::Forbidden.into());
                }
                let (name, _) = self.names_for(code, lang).await?;
                Ok(Resolved {
                    name,
                    institutions: Some(vec![inst_id]),
                    service: Some(id),
                })
            }
            Scope::Institution(code) => {
                let inst = self.institution(code).await?;
                let allowed = (institution_wide && inst.id == ctx.institution_id)
                    || lead.as_ref().is_some_and(|l| Self::lead_covers(l, &inst));
                if !allowed {
                    return Err(AppError::Forbidden.into());
                }
                Ok(Resolved {
                    name: self.institution_name(inst.id, lang).await?,
                    institutions: Some(vec![inst.id]),
                    service: None,
                })
            }
            Scope::Sector(_) | Scope::Municipality(_) | Scope::Country => {
                let allowed = match (&lead, scope) {
                    (Some(Scope::Country), _) => true,
                    (Some(l), s) => l == s,
                    (None, _) => false,
                };
                if !allowed {
                    return Err(AppError::Forbidden.into());
                }
                let institutions = match scope {
                    Scope::Country => None,
                    Scope::Sector(s) => Some(self.institutions_where("sector", s).await?),
                    Scope::Municipality(m) => {
                        Some(self.institutions_where("municipality", m).await?)
                    }
                    _ => None,
                };
                if institutions.as_ref().is_some_and(Vec::is_empty) {
                    return Err(AppError::NotFound.into());
                }
                let value = match scope {
                    Scope::Sector(v) | Scope::Municipality(v) => v.clone(),
                    _ => String::new(),
                };
                Ok(Resolved {
                    name: value,
                    institutions,
                    service: None,
                })
            }
        }
    }

    async fn institutions_where(&self, column: &str, value: &str) -> ServiceResult<Vec<i64>> {
        // `column` is one of two fixed names, never input.
        let column = if column == "sector" {
            "sector"
        } else {
            "municipality"
        };
        let rows: Vec<(i64,)> = sqlx::query_as(&format!(
            "SELECT id FROM institutions WHERE {column} = $1 ORDER BY id"
        ))
        .bind(value)
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn institution_name(&self, id: i64, lang: Lang) -> ServiceResult<String> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT COALESCE(it.name, il.name) FROM institutions i
             JOIN institution_texts il ON il.institution_id = i.id AND il.lang = 'lv'
             LEFT JOIN institution_texts it ON it.institution_id = i.id AND it.lang = $2
             WHERE i.id = $1",
        )
        .bind(id)
        .bind(lang.code())
        .fetch_optional(&self.db.read)
        .await?;
        Ok(row.map(|r| r.0).unwrap_or_default())
    }

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
        let (from, to) = (parse_day(from), parse_day(to));
        if from.is_none() {
            errors.insert("from".into(), FieldError::InvalidDate);
        }
        if to.is_none() {
            errors.insert("to".into(), FieldError::InvalidDate);
        }
        if let (Some(f), Some(t)) = (from, to)
            && (t < f || (t - f).num_days() >= MAX_PERIOD_DAYS)
        {
            errors.insert(
                "to".into(),
                FieldError::OutOfRange {
                    min: None,
                    max: Some(MAX_PERIOD_DAYS),
                },
            );
        }
        let (Some(from), Some(to), true) = (from, to, errors.is_empty()) else {
            return Err(AppError::Invalid(errors).into());
        };
        let scope = match scope {
            Some(s) => s,
            None => self.default_scope(ctx).await?,
        };
        let resolved = self.resolve_scope(ctx, &scope, lang).await?;
        let days = (to - from).num_days() + 1;
        let (prev_from, prev_to) = (from - Duration::days(days), from - Duration::days(1));
        let (a, b) = (day_start(from), day_start(to + Duration::days(1)));
        let (pa, pb) = (day_start(prev_from), a);
        let filter = Filter::of(&resolved);

        let current = self.period_counts(&filter, a, b).await?;
        let previous = self.period_counts(&filter, pa, pb).await?;
        let lead_times = LeadTimes {
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
            "SELECT r.channel, COUNT(*) FROM requests r
             WHERE r.submitted_at >= $1 AND r.submitted_at < $2 AND {F} GROUP BY r.channel",
            3,
        );
        let channels: Vec<(String, i64)> = filter
            .bind(sqlx::query_as(&sql).bind(a).bind(b))
            .fetch_all(&self.db.read)
            .await?;
        let sql = filter.sql(
            "SELECT r.status, COUNT(*) FROM requests r
             WHERE r.submitted_at >= $1 AND r.submitted_at < $2 AND {F} GROUP BY r.status",
            3,
        );
        let statuses: Vec<(String, i64)> = filter
            .bind(sqlx::query_as(&sql).bind(a).bind(b))
            .fetch_all(&self.db.read)
            .await?;
        let trend = self.trend(&filter, from, to).await?;
        let parts = self.parts(&filter, &resolved, a, b, lang).await?;
        Ok(AnalyticsSummary {
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
                .map(|c| {
                    let n = channels
                        .iter()
                        .find(|(k, _)| k == c.as_str())
                        .map(|x| x.1)
                        .unwrap_or(0);
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

    async fn period_counts(&self, f: &Filter, a: i64, b: i64) -> ServiceResult<PeriodCounts> {
        let sql = f.sql(COUNTS_SQL, 3);
        let row: (i64, i64, i64, i64, i64, i64, i64, i64, i64) = f
            .bind(sqlx::query_as(&sql).bind(a).bind(b))
            .fetch_one(&self.db.read)
            .await?;
        Ok(PeriodCounts {
            received: row.0,
            fulfilled: row.1,
            refused: row.2,
            approved: row.3,
            withdrawn: row.4,
            sla_judged: row.5,
            sla_met: row.6,
            ratings: row.7,
            rating_sum: row.8,
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

    /// Received, fulfilled and refused per local calendar month of the period.
    async fn trend(
        &self,
        f: &Filter,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ServiceResult<Vec<TrendPoint>> {
        let mut months: Vec<(String, i64, i64)> = Vec::new();
        let mut m = NaiveDate::from_ymd_opt(from.year(), from.month(), 1).unwrap_or(from);
        while m <= to && months.len() < 72 {
            let next = if m.month() == 12 {
                NaiveDate::from_ymd_opt(m.year() + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(m.year(), m.month() + 1, 1)
            }
            .unwrap_or(to + Duration::days(1));
            let start = day_start(m.max(from));
            let end = day_start(next.min(to + Duration::days(1)));
            months.push((m.format("%Y-%m").to_string(), start, end));
            m = next;
        }
        let mut points = Vec::with_capacity(months.len());
        // One query per measure, bucketed by a VALUES list of the month bounds.
        let values: Vec<String> = (0..months.len())
            .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
            .collect();
        let first = 3 * months.len() + 1;
        let mut results: Vec<Vec<(i64, i64)>> = Vec::new();
        for (column, extra) in [
            ("submitted_at", ""),
            ("fulfilled_at", ""),
            ("decided_at", " AND r.decision = 'refused'"),
        ] {
            let sql = format!(
                "WITH b(i, s, e) AS (VALUES {}) SELECT b.i, COUNT(r.id) FROM b
                 JOIN requests r ON r.{column} >= b.s AND r.{column} < b.e{extra} AND {{F}}
                 GROUP BY b.i",
                values.join(", ")
            );
            let sql = f.sql(&sql, first);
            let mut q = sqlx::query_as(&sql);
            for (i, (_, s, e)) in months.iter().enumerate() {
                q = q.bind(i as i64).bind(*s).bind(*e);
            }
            results.push(f.bind(q).fetch_all(&self.db.read).await?);
        }
        for (i, (label, _, _)) in months.into_iter().enumerate() {
            let get = |k: usize| {
                results[k]
                    .iter()
                    .find(|(j, _)| *j == i as i64)
                    .map(|x| x.1)
                    .unwrap_or(0)
            };
            points.push(TrendPoint {
                label,
                received: get(0),
                fulfilled: get(1),
                refused: get(2),
            });
        }
        Ok(points)
    }

    /// The next level down with its own counts: institutions, or an institution's services.
    async fn parts(
        &self,
        f: &Filter,
        resolved: &Resolved,
        a: i64,
        b: i64,
        lang: Lang,
    ) -> ServiceResult<Vec<Breakdown>> {
        if resolved.service.is_some() {
            return Ok(Vec::new());
        }
        let by_service = resolved
            .institutions
            .as_ref()
            .is_some_and(|ids| ids.len() == 1);
        let (key, join) = if by_service {
            (
                "r.service_id",
                "SELECT s.id, s.code, COALESCE(st.name, sl.name) FROM services s
                 JOIN service_texts sl ON sl.service_id = s.id AND sl.lang = 'lv'
                 LEFT JOIN service_texts st ON st.service_id = s.id AND st.lang = $1",
            )
        } else {
            (
                "r.institution_id",
                "SELECT i.id, i.code, COALESCE(it.name, il.name) FROM institutions i
                 JOIN institution_texts il ON il.institution_id = i.id AND il.lang = 'lv'
                 LEFT JOIN institution_texts it ON it.institution_id = i.id AND it.lang = $1",
            )
        };
        let names: Vec<(i64, String, String)> = sqlx::query_as(join)
            .bind(lang.code())
            .fetch_all(&self.db.read)
            .await?;
        let sql = format!(
            "SELECT {key} AS k, {COUNT_COLUMNS},
                    SUM(CASE WHEN r.status IN ({}) THEN 1 ELSE 0 END)
             FROM requests r WHERE {{F}} GROUP BY {key}",
            open_statuses()
        );
        type Row = (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);
        let sql = f.sql(&sql, 3);
        let rows: Vec<Row> = f
            .bind(sqlx::query_as(&sql).bind(a).bind(b))
            .fetch_all(&self.db.read)
            .await?;
        let mut parts: Vec<Breakdown> = rows
            .into_iter()
            .filter_map(|r| {
                let (_, code, name) = names.iter().find(|n| n.0 == r.0)?;
                let scope = if by_service {
                    Scope::Service(code.clone())
                } else {
                    Scope::Institution(code.clone())
                };
                Some(Breakdown {
                    scope,
                    name: name.clone(),
                    counts: PeriodCounts {
                        received: r.1,
                        fulfilled: r.2,
                        refused: r.3,
                        approved: r.4,
                        withdrawn: r.5,
                        sla_judged: r.6,
                        sla_met: r.7,
                        ratings: r.8,
                        rating_sum: r.9,
                    },
                    backlog: r.10,
                })
            })
            .collect();
        parts.sort_by(|x, y| {
            y.counts
                .received
                .cmp(&x.counts.received)
                .then(x.name.cmp(&y.name))
        });
        Ok(parts)
    }
}

fn open_statuses() -> String {
    Status::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The counters of a period [$1, $2), each by the time of its own event.
const COUNT_COLUMNS: &str = "
    SUM(CASE WHEN r.submitted_at >= $1 AND r.submitted_at < $2 THEN 1 ELSE 0 END),
    SUM(CASE WHEN r.fulfilled_at >= $1 AND r.fulfilled_at < $2 THEN 1 ELSE 0 END),
    SUM(CASE WHEN r.decided_at >= $1 AND r.decided_at < $2 AND r.decision = 'refused' THEN 1 ELSE 0 END),
    SUM(CASE WHEN r.decided_at >= $1 AND r.decided_at < $2 AND r.decision = 'approved' THEN 1 ELSE 0 END),
    SUM(CASE WHEN r.closed_at >= $1 AND r.closed_at < $2 AND r.status = 'withdrawn' THEN 1 ELSE 0 END),
    SUM(CASE WHEN r.sla_done_at >= $1 AND r.sla_done_at < $2 THEN 1 ELSE 0 END),
    SUM(CASE WHEN r.sla_done_at >= $1 AND r.sla_done_at < $2 AND r.sla_breached = 0 THEN 1 ELSE 0 END),
    SUM(CASE WHEN r.closed_at >= $1 AND r.closed_at < $2 AND r.rating IS NOT NULL THEN 1 ELSE 0 END),
    SUM(CASE WHEN r.closed_at >= $1 AND r.closed_at < $2 AND r.rating IS NOT NULL THEN CAST(r.rating AS INTEGER) ELSE 0 END)";

const COUNTS_SQL: &str = "SELECT
    COALESCE(SUM(CASE WHEN r.submitted_at >= $1 AND r.submitted_at < $2 THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN r.fulfilled_at >= $1 AND r.fulfilled_at < $2 THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN r.decided_at >= $1 AND r.decided_at < $2 AND r.decision = 'refused' THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN r.decided_at >= $1 AND r.decided_at < $2 AND r.decision = 'approved' THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN r.closed_at >= $1 AND r.closed_at < $2 AND r.status = 'withdrawn' THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN r.sla_done_at >= $1 AND r.sla_done_at < $2 THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN r.sla_done_at >= $1 AND r.sla_done_at < $2 AND r.sla_breached = 0 THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN r.closed_at >= $1 AND r.closed_at < $2 AND r.rating IS NOT NULL THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN r.closed_at >= $1 AND r.closed_at < $2 AND r.rating IS NOT NULL THEN CAST(r.rating AS INTEGER) ELSE 0 END), 0)
    FROM requests r WHERE {F}";

/// The scope as a SQL condition on `r`, with its parameters after the query's own.
struct Filter {
    institutions: Option<Vec<i64>>,
    service: Option<i64>,
}

type AnyQueryAs<'q, O> = sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>;

impl Filter {
    fn of(r: &Resolved) -> Filter {
        Filter {
            institutions: r.institutions.clone(),
            service: r.service,
        }
    }

    /// `sql` with `{F}` replaced by the condition, its parameters numbered from `first`.
    fn sql(&self, sql: &str, first: usize) -> String {
        let condition = if self.service.is_some() {
            format!("r.service_id = ${first}")
        } else {
            match &self.institutions {
                None => "1 = 1".into(),
                Some(ids) => {
                    let p: Vec<String> =
                        (0..ids.len()).map(|i| format!("${}", first + i)).collect();
                    format!("r.institution_id IN ({})", p.join(", "))
                }
            }
        };
        sql.replace("{F}", &condition)
    }

    /// Bind the condition's parameters (after the query's own).
    fn bind<'q, O>(&self, mut q: AnyQueryAs<'q, O>) -> AnyQueryAs<'q, O> {
        if let Some(s) = self.service {
            return q.bind(s);
        }
        if let Some(ids) = &self.institutions {
            for id in ids {
                q = q.bind(*id);
            }
        }
        q
    }
}
