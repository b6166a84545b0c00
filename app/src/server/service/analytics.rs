//! Analytics: the figures of a scope and period, and who may see which scope.
//!
//! This is the straightforward computation, straight from the request rows (every figure
//! is keyed by the time its event happened: received by `submitted_at`, fulfilled by
//! `fulfilled_at`, and so on). It is the reference any faster path must equal.

use super::rollup;
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

    /// The requests behind a figure (newest event first, at most `limit`), and how many
    /// there are in all. `figure`: received, fulfilled, refused, approved, withdrawn,
    /// late (finished past a deadline) or open (now).
    #[allow(clippy::too_many_arguments)]
    pub async fn analytics_requests(
        &self,
        ctx: &StaffContext,
        scope: Option<&str>,
        from: &str,
        to: &str,
        figure: &str,
        limit: i64,
        lang: Lang,
    ) -> ServiceResult<(Vec<crate::model::FigureRequest>, i64)> {
        let mut errors = FieldErrors::new();
        let (column, extra) = match figure {
            "received" => ("submitted_at", ""),
            "fulfilled" => ("fulfilled_at", ""),
            "refused" => ("decided_at", " AND r.decision = 'refused'"),
            "approved" => ("decided_at", " AND r.decision = 'approved'"),
            "withdrawn" => ("closed_at", " AND r.status = 'withdrawn'"),
            "late" => ("sla_done_at", " AND r.sla_breached = 1"),
            "open" => ("submitted_at", ""),
            _ => {
                errors.insert("figure".into(), FieldError::InvalidChoice);
                ("", "")
            }
        };
        let scope = match scope.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Scope::parse(s).or_else(|| {
                errors.insert("scope".into(), FieldError::InvalidChoice);
                None
            }),
            None => None,
        };
        let (from, to) = (parse_day(from), parse_day(to));
        if from.is_none() {
            errors.insert("from".into(), FieldError::InvalidDate);
        }
        if to.is_none() {
            errors.insert("to".into(), FieldError::InvalidDate);
        }
        let (Some(from), Some(to), true) = (from, to, errors.is_empty()) else {
            return Err(AppError::Invalid(errors).into());
        };
        let scope = match scope {
            Some(s) => s,
            None => self.default_scope(ctx).await?,
        };
        let resolved = self.resolve_scope(ctx, &scope, lang).await?;
        let f = Filter::of(&resolved);
        let (a, b) = (day_start(from), day_start(to + Duration::days(1)));
        let condition = if figure == "open" {
            format!("r.status IN ({})", open_statuses())
        } else {
            format!("r.{column} >= $1 AND r.{column} < $2{extra}")
        };
        let count_sql = f.sql(
            &format!("SELECT COUNT(*) FROM requests r WHERE {condition} AND {{F}} AND $1 <= $2"),
            3,
        );
        let (total,): (i64,) = f
            .bind(sqlx::query_as(&count_sql).bind(a).bind(b))
            .fetch_one(&self.db.read)
            .await?;
        #[derive(sqlx::FromRow)]
        struct Row {
            reference: String,
            service_id: i64,
            institution_id: i64,
            service_name: String,
            institution_code: String,
            channel: String,
            status: String,
            submitted_at: i64,
            event_at: i64,
        }
        let list_sql = f.sql(
            &format!(
                "SELECT r.reference, r.service_id, r.institution_id, COALESCE(st.name, sl.name) AS service_name,
                        i.code AS institution_code, r.channel, r.status, r.submitted_at, r.{column} AS event_at
                 FROM requests r
                 JOIN services s ON s.id = r.service_id
                 JOIN institutions i ON i.id = r.institution_id
                 JOIN service_texts sl ON sl.service_id = s.id AND sl.lang = 'lv'
                 LEFT JOIN service_texts st ON st.service_id = s.id AND st.lang = $3
                 WHERE {condition} AND {{F}} AND $1 <= $2
                 ORDER BY r.{column} DESC, r.id DESC LIMIT {}",
                limit.clamp(1, 100_000)
            ),
            4,
        );
        let rows: Vec<Row> = f
            .bind(sqlx::query_as(&list_sql).bind(a).bind(b).bind(lang.code()))
            .fetch_all(&self.db.read)
            .await?;
        Ok((
            rows.into_iter()
                .map(|r| crate::model::FigureRequest {
                    can_open: ctx.can_see(r.service_id, r.institution_id),
                    reference: r.reference,
                    service_name: r.service_name,
                    institution_code: r.institution_code,
                    channel: Channel::parse(&r.channel).unwrap_or(Channel::Web),
                    status: Status::parse(&r.status).unwrap_or(Status::Submitted),
                    submitted_on: super::local_date_string(r.submitted_at),
                    event_on: super::local_date_string(r.event_at),
                })
                .collect(),
            total,
        ))
    }

    /// Sectors and municipalities as the sum of their institutions.
    async fn groups(&self, parts: &[Breakdown]) -> ServiceResult<Vec<Breakdown>> {
        let rows: Vec<(String, Option<String>, Option<String>)> =
            sqlx::query_as("SELECT code, sector, municipality FROM institutions")
                .fetch_all(&self.db.read)
                .await?;
        let mut groups: std::collections::BTreeMap<(u8, String), Breakdown> = Default::default();
        for p in parts {
            let Scope::Institution(code) = &p.scope else {
                continue;
            };
            let Some((_, sector, municipality)) = rows.iter().find(|r| &r.0 == code) else {
                continue;
            };
            let keys = [
                municipality.clone().map(|m| (0u8, m)),
                sector
                    .clone()
                    .filter(|_| municipality.is_none())
                    .map(|s| (1u8, s)),
            ];
            for (kind, value) in keys.into_iter().flatten() {
                let scope = if kind == 0 {
                    Scope::Municipality(value.clone())
                } else {
                    Scope::Sector(value.clone())
                };
                let g = groups.entry((kind, value.clone())).or_insert(Breakdown {
                    scope,
                    name: value,
                    counts: PeriodCounts::default(),
                    backlog: 0,
                });
                let (c, a) = (&mut g.counts, &p.counts);
                c.received += a.received;
                c.fulfilled += a.fulfilled;
                c.refused += a.refused;
                c.approved += a.approved;
                c.withdrawn += a.withdrawn;
                c.sla_judged += a.sla_judged;
                c.sla_met += a.sla_met;
                c.ratings += a.ratings;
                c.rating_sum += a.rating_sum;
                g.backlog += p.backlog;
            }
        }
        Ok(groups.into_values().collect())
    }

    /// Whether `ctx` may look at `scope` (for links to wider and narrower views).
    pub async fn can_see_scope(&self, ctx: &StaffContext, scope: &Scope) -> bool {
        self.resolve_scope(ctx, scope, Lang::Lv).await.is_ok()
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

    /// Counters over local days `from..=to` by month, institution (or service) and
    /// channel: whole months from `stats_month`, the days around them from `stats_day`.
    async fn rollup_cells(
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
    async fn rollup_leads(
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

    /// The next level down with its own counts: institutions, or an institution's services.
    async fn parts(
        &self,
        f: &Filter,
        resolved: &Resolved,
        cells: &[Cell],
        by_service: bool,
        lang: Lang,
    ) -> ServiceResult<Vec<Breakdown>> {
        if resolved.service.is_some() {
            return Ok(Vec::new());
        }
        let (key, names_sql) = if by_service {
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
        let names: Vec<(i64, String, String)> = sqlx::query_as(names_sql)
            .bind(lang.code())
            .fetch_all(&self.db.read)
            .await?;
        let mut totals: std::collections::HashMap<i64, [i64; 9]> = Default::default();
        for c in cells {
            let e = totals.entry(c.key).or_insert([0; 9]);
            for (e, v) in e.iter_mut().zip(c.counts) {
                *e += v;
            }
        }
        let sql = f.sql(
            &format!(
                "SELECT {key}, COUNT(*) FROM requests r WHERE r.status IN ({}) AND {{F}} GROUP BY {key}",
                open_statuses()
            ),
            1,
        );
        let open: Vec<(i64, i64)> = f
            .bind(sqlx::query_as(&sql))
            .fetch_all(&self.db.read)
            .await?;
        let mut keys: Vec<i64> = totals.keys().copied().collect();
        keys.extend(open.iter().map(|o| o.0));
        keys.sort_unstable();
        keys.dedup();
        let mut parts: Vec<Breakdown> = keys
            .into_iter()
            .filter_map(|k| {
                let (_, code, name) = names.iter().find(|n| n.0 == k)?;
                let scope = if by_service {
                    Scope::Service(code.clone())
                } else {
                    Scope::Institution(code.clone())
                };
                Some(Breakdown {
                    scope,
                    name: name.clone(),
                    counts: counts_of(&totals.get(&k).copied().unwrap_or([0; 9])),
                    backlog: open.iter().find(|o| o.0 == k).map(|o| o.1).unwrap_or(0),
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

fn counts_of(t: &[i64; 9]) -> PeriodCounts {
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
struct Cell {
    month: i64,
    key: i64,
    channel: i64,
    counts: [i64; 9],
}

type CellRow = (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);

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

fn open_statuses() -> String {
    Status::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_day(s).expect("date")
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
