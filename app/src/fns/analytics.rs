//! Analytics for the browser: the dashboard's figures and the requests behind a figure, as
//! server functions (the dashboard island calls them to update in place), plus the table
//! rows the page and the CSV export share, so both say the same thing.

use crate::domain::analytics::{Scope, Spread};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::model::{AnalyticsSummary, FigureRequest, PeriodCounts};
use leptos::prelude::*;
use leptos_i18n::td_string;
use serde::{Deserialize, Serialize};

/// How many requests behind a figure a page shows (the CSV has up to 100,000).
pub const LIST_LIMIT: i64 = 500;

pub use crate::model::{AnalyticsMore, LeadBucket, WeekPoint};

/// Everything the dashboard shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyticsView {
    pub summary: AnalyticsSummary,
    pub more: AnalyticsMore,
    /// One level up, where the viewer may go.
    pub wider: Option<Scope>,
}

/// The requests behind a figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FigureList {
    pub figure: String,
    pub from: String,
    pub to: String,
    pub items: Vec<FigureRequest>,
    pub total: i64,
}

/// What the dashboard is asked for: the figures (no `figure`) or the requests behind one.
/// Empty values mean the defaults (the viewer's own scope, the last 30 days).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AnalyticsQuery {
    pub figure: Option<String>,
    pub scope: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl AnalyticsQuery {
    /// The page's URL: `/staff/analytics?...` or `/staff/analytics/requests?figure=...`.
    pub fn url(&self) -> String {
        let mut q = Vec::new();
        let mut push = |k: &str, v: &Option<String>| {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                q.push(format!("{k}={}", urlencoding::encode(v)));
            }
        };
        push("figure", &self.figure);
        push("scope", &self.scope);
        push("from", &self.from);
        push("to", &self.to);
        let path = if self.figure.is_some() {
            "/staff/analytics/requests"
        } else {
            "/staff/analytics"
        };
        if q.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{}", q.join("&"))
        }
    }

    /// The query of a page's path and search (`?a=b&...`).
    pub fn from_location(path: &str, search: &str) -> AnalyticsQuery {
        let mut q = AnalyticsQuery::default();
        for pair in search.trim_start_matches('?').split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = urlencoding::decode(&v.replace('+', " "))
                .map(|v| v.into_owned())
                .unwrap_or_default();
            let v = (!v.is_empty()).then_some(v);
            match k {
                "figure" => q.figure = v,
                "scope" => q.scope = v,
                "from" => q.from = v,
                "to" => q.to = v,
                _ => {}
            }
        }
        if path.trim_end_matches('/') != "/staff/analytics/requests" {
            q.figure = None;
        } else if q.figure.is_none() {
            q.figure = Some("received".into());
        }
        q
    }

    /// The dashboard of `scope` for the period `from`–`to`.
    pub fn dashboard(scope: &Scope, from: &str, to: &str) -> AnalyticsQuery {
        AnalyticsQuery {
            figure: None,
            scope: Some(scope.to_string()),
            from: Some(from.to_string()),
            to: Some(to.to_string()),
        }
    }

    /// The requests behind `figure` of `scope` for the period `from`–`to`.
    pub fn figure(scope: &Scope, from: &str, to: &str, figure: &str) -> AnalyticsQuery {
        AnalyticsQuery {
            figure: Some(figure.to_string()),
            ..Self::dashboard(scope, from, to)
        }
    }

    /// `/staff/analytics.csv?table=...` for the same scope and period.
    pub fn csv(scope: &Scope, from: &str, to: &str, table: &str) -> String {
        format!(
            "/staff/analytics.csv?table={table}&scope={}&from={}&to={}",
            urlencoding::encode(&scope.to_string()),
            urlencoding::encode(from),
            urlencoding::encode(to)
        )
    }
}

/// The period asked for, or the 30 days up to today.
#[cfg(feature = "ssr")]
pub fn period(
    taka: &crate::server::Taka,
    from: Option<&str>,
    to: Option<&str>,
) -> (String, String) {
    let today = crate::server::service::local_date(taka.now());
    let to = to
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| today.to_string());
    let from = from
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| (today - chrono::Duration::days(29)).to_string());
    (from, to)
}

/// The dashboard's figures: the summary (the same the JSON API returns), the weekly trend
/// and lead-time distribution, and the wider scope the viewer may go up to.
#[server(prefix = "/fn", endpoint = "analytics")]
pub async fn get_analytics(
    #[server(default)] scope: Option<String>,
    #[server(default)] from: Option<String>,
    #[server(default)] to: Option<String>,
) -> Result<AnalyticsView, AppError> {
    let (taka, ctx, lang) =
        super::ctx::staff_for(crate::server::auth::Access::AnalyticsRead).await?;
    let (from, to) = period(&taka, from.as_deref(), to.as_deref());
    let summary = taka
        .analytics_summary(&ctx, scope.as_deref(), &from, &to, lang)
        .await?;
    let more = taka
        .analytics_more(&ctx, &summary.scope, &summary.from, &summary.to)
        .await?;
    let wider = match &summary.scope {
        Scope::Service(_) => Some(Scope::Institution(ctx.user.institution_code.clone())),
        Scope::Institution(_) | Scope::Sector(_) | Scope::Municipality(_) => Some(Scope::Country),
        Scope::Country => None,
    };
    let wider = match wider {
        Some(w) if taka.can_see_scope(&ctx, &w).await => Some(w),
        _ => None,
    };
    Ok(AnalyticsView {
        summary,
        more,
        wider,
    })
}

/// The requests behind a figure (received, fulfilled, refused, withdrawn, late, open):
/// the newest 500, and how many there are in all.
#[server(prefix = "/fn", endpoint = "analytics_requests")]
pub async fn get_figure_requests(
    figure: String,
    #[server(default)] scope: Option<String>,
    #[server(default)] from: Option<String>,
    #[server(default)] to: Option<String>,
) -> Result<FigureList, AppError> {
    let (taka, ctx, lang) =
        super::ctx::staff_for(crate::server::auth::Access::AnalyticsRead).await?;
    let (from, to) = period(&taka, from.as_deref(), to.as_deref());
    let (items, total) = taka
        .analytics_requests(
            &ctx,
            scope.as_deref(),
            &from,
            &to,
            &figure,
            LIST_LIMIT,
            lang,
        )
        .await?;
    Ok(FigureList {
        figure,
        from,
        to,
        items,
        total,
    })
}

// ---- numbers in words, shared by the page and the CSV export ----

fn decimal(v: String, l: Locale) -> String {
    v.replace('.', leptos_i18n::td_string!(l, format.decimal))
}

/// `a` as a share of `b` (`33,3 %`), or `—`.
pub fn pct(a: i64, b: i64, l: Locale) -> String {
    if b <= 0 {
        return "—".into();
    }
    decimal(format!("{:.1} %", a as f64 * 100.0 / b as f64), l)
}

/// An average with two decimals, or `—`.
pub fn avg(sum: i64, n: i64, l: Locale) -> String {
    if n <= 0 {
        return "—".into();
    }
    decimal(format!("{:.2}", sum as f64 / n as f64), l)
}

/// `+2`, `−2` or `0`.
pub fn change(cur: i64, prev: i64) -> String {
    match cur - prev {
        0 => "0".into(),
        d if d > 0 => format!("+{d}"),
        d => format!("−{}", -d),
    }
}

pub fn opt(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "—".into())
}

/// The key figures as rows: the figure a count lists (if any), label, this period,
/// previous period, change.
/// The columns of the list of requests behind a figure, on the page and in its CSV.
pub fn figure_list_head(l: Locale) -> Vec<&'static str> {
    vec![
        td_string!(l, staff.col_reference),
        td_string!(l, staff.col_service),
        td_string!(l, analytics.institution),
        td_string!(l, analytics.channel),
        td_string!(l, analytics.status),
        td_string!(l, staff.col_submitted),
        td_string!(l, analytics.event_date),
    ]
}

pub fn figure_rows(s: &AnalyticsSummary, l: Locale) -> Vec<(Option<&'static str>, [String; 4])> {
    let (c, p): (&PeriodCounts, &PeriodCounts) = (&s.current, &s.previous);
    let count = |figure: &'static str, label: &str, a: i64, b: i64| {
        (
            Some(figure),
            [
                label.to_string(),
                a.to_string(),
                b.to_string(),
                change(a, b),
            ],
        )
    };
    vec![
        count(
            "received",
            td_string!(l, analytics.received),
            c.received,
            p.received,
        ),
        count(
            "fulfilled",
            td_string!(l, analytics.fulfilled),
            c.fulfilled,
            p.fulfilled,
        ),
        count(
            "refused",
            td_string!(l, analytics.refused),
            c.refused,
            p.refused,
        ),
        count(
            "withdrawn",
            td_string!(l, analytics.withdrawn),
            c.withdrawn,
            p.withdrawn,
        ),
        (
            Some("late"),
            [
                td_string!(l, analytics.sla_share).to_string(),
                pct(c.sla_met, c.sla_judged, l),
                pct(p.sla_met, p.sla_judged, l),
                String::new(),
            ],
        ),
        (
            None,
            [
                td_string!(l, analytics.refusal_rate).to_string(),
                pct(c.refused, c.refused + c.approved, l),
                pct(p.refused, p.refused + p.approved, l),
                String::new(),
            ],
        ),
        (
            None,
            [
                td_string!(l, analytics.satisfaction).to_string(),
                avg(c.rating_sum, c.ratings, l),
                avg(p.rating_sum, p.ratings, l),
                String::new(),
            ],
        ),
        (
            None,
            [
                td_string!(l, analytics.ratings).to_string(),
                c.ratings.to_string(),
                p.ratings.to_string(),
                change(c.ratings, p.ratings),
            ],
        ),
    ]
}

/// The lead-time table: stage, count, median, 90th percentile.
pub fn lead_rows(s: &AnalyticsSummary, l: Locale) -> Vec<[String; 4]> {
    let row = |label: &str, sp: &Spread| {
        [
            label.to_string(),
            sp.count.to_string(),
            opt(sp.median),
            opt(sp.p90),
        ]
    };
    let lt = &s.lead_times;
    vec![
        row(td_string!(l, analytics.lead_register), &lt.register_hours),
        row(td_string!(l, analytics.lead_decide), &lt.decide_days),
        row(td_string!(l, analytics.lead_fulfil), &lt.fulfil_days),
        row(td_string!(l, analytics.lead_total), &lt.total_days),
        row(td_string!(l, analytics.backlog_age), &s.backlog_age_days),
    ]
}

/// A sentence with the main figures, for people who do not read tables and charts.
pub fn summary_text(s: &AnalyticsSummary, l: Locale) -> String {
    let c = &s.current;
    td_string!(
        l,
        analytics.summary_text,
        from = crate::i18n_text::iso_date(l, &s.from),
        to = crate::i18n_text::iso_date(l, &s.to),
        received = crate::i18n_text::number(l, c.received),
        previous = crate::i18n_text::number(l, s.previous.received),
        fulfilled = crate::i18n_text::number(l, c.fulfilled),
        refused = crate::i18n_text::number(l, c.refused),
        on_time = pct(c.sla_met, c.sla_judged, l),
        open = crate::i18n_text::number(l, s.backlog)
    )
    .to_string()
}

/// The label of a figure whose requests are listed.
pub fn figure_label(figure: &str, l: Locale) -> &'static str {
    match figure {
        "fulfilled" => td_string!(l, analytics.fulfilled),
        "refused" => td_string!(l, analytics.refused),
        "withdrawn" => td_string!(l, analytics.withdrawn),
        "open" => td_string!(l, analytics.backlog),
        "late" => td_string!(l, analytics.late),
        _ => td_string!(l, analytics.received),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_buckets_and_urls() {
        assert_eq!(pct(1, 3, Locale::lv), "33,3 %");
        assert_eq!(pct(1, 3, Locale::en), "33.3 %");
        assert_eq!(pct(1, 0, Locale::en), "—");
        assert_eq!(avg(9, 2, Locale::lv), "4,50");
        assert_eq!(change(5, 3), "+2");
        assert_eq!(change(3, 5), "−2");
        let labels: Vec<String> = LeadBucket::empty().iter().map(|b| b.label()).collect();
        assert_eq!(
            labels,
            ["< 1", "1–2", "3–5", "6–10", "11–20", "21–30", "> 30"]
        );
        assert_eq!(LeadBucket::index(-1), None);
        assert_eq!(LeadBucket::index(0), Some(0));
        assert_eq!(LeadBucket::index(2), Some(1));
        assert_eq!(LeadBucket::index(30), Some(5));
        assert_eq!(LeadBucket::index(31), Some(6));
        let q = AnalyticsQuery::figure(
            &Scope::Service("VNP-X".into()),
            "2026-01-01",
            "2026-01-31",
            "open",
        );
        assert_eq!(
            q.url(),
            "/staff/analytics/requests?figure=open&scope=service%3AVNP-X&from=2026-01-01&to=2026-01-31"
        );
        let (path, search) = q
            .url()
            .split_once('?')
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .unwrap();
        assert_eq!(AnalyticsQuery::from_location(&path, &search), q);
        let d = AnalyticsQuery::from_location("/staff/analytics", "?figure=x&from=2026-01-01");
        assert_eq!(d.figure, None);
        assert_eq!(d.from.as_deref(), Some("2026-01-01"));
        assert_eq!(d.url(), "/staff/analytics?from=2026-01-01");
    }
}
