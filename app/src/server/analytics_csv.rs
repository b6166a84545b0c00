//! `/staff/analytics.csv`: the dashboard's tables for Excel. An axum handler (a download,
//! not a page); the dashboard itself is the Leptos island in `ui/analytics.rs`, and both
//! take their rows from `fns/analytics.rs`, so the file says what the page says.

use super::AppState;
#[cfg(test)]
use super::csv::field;
use super::csv::{failed, file, staff_download};
use crate::fns::analytics::{figure_list_head, figure_rows, lead_rows, pct};
use crate::i18n_text;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use leptos_i18n::td_string;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct Filters {
    scope: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// `figures`, `leads`, `trend`, `weekly`, `distribution`, `channels`, `statuses`,
    /// `groups`, `parts`, or `requests` (the requests behind `figure`).
    table: Option<String>,
    /// For `requests`: which figure.
    figure: Option<String>,
}

/// `GET /staff/analytics.csv?table=…&scope=…&from=…&to=…[&figure=…]`: semicolon
/// separated, UTF-8 with a byte-order mark, decimal commas in Latvian — what Excel with
/// Latvian regional settings opens as columns. `table=requests` lists the requests behind
/// `figure` (up to 100,000).
pub async fn csv(
    State(state): State<AppState>,
    axum::Extension(client): axum::Extension<super::web::ClientIp>,
    headers: HeaderMap,
    Query(f): Query<Filters>,
) -> Response {
    let taka = &state.taka;
    let (ctx, lang, l) =
        match staff_download(taka, &headers, client.0, super::auth::Access::AnalyticsRead).await {
            Ok(v) => v,
            Err(resp) => return resp,
        };
    let (from, to) = crate::fns::analytics::period(taka, f.from.as_deref(), f.to.as_deref());
    if f.table.as_deref() == Some("requests") {
        let figure = f.figure.clone().unwrap_or_else(|| "received".into());
        let items = match taka
            .analytics_requests(&ctx, f.scope.as_deref(), &from, &to, &figure, 100_000, lang)
            .await
        {
            Ok((items, _)) => items,
            Err(e) => return failed(e, l),
        };
        let head = figure_list_head(l);
        let rows: Vec<Vec<String>> = items
            .into_iter()
            .map(|r| {
                vec![
                    r.reference,
                    r.service_name,
                    r.institution_code,
                    i18n_text::channel(l, r.channel).to_string(),
                    i18n_text::status(l, r.status).to_string(),
                    i18n_text::iso_date(l, &r.submitted_on),
                    i18n_text::iso_date(l, &r.event_on),
                ]
            })
            .collect();
        let name = format!(
            "taka-requests-{}-{from}-{to}.csv",
            figure.replace(|c: char| !c.is_ascii_alphanumeric(), "")
        );
        return file(&head, &rows, &name);
    }
    let s = match taka
        .analytics_summary(&ctx, f.scope.as_deref(), &from, &to, lang)
        .await
    {
        Ok(s) => s,
        Err(e) => return failed(e, l),
    };
    let more = if matches!(f.table.as_deref(), Some("weekly" | "distribution")) {
        match taka.analytics_more(&ctx, &s.scope, &s.from, &s.to).await {
            Ok(m) => m,
            Err(e) => return failed(e, l),
        }
    } else {
        Default::default()
    };
    let (head, rows): (Vec<&str>, Vec<Vec<String>>) = match f.table.as_deref() {
        Some("trend") => (
            vec![
                td_string!(l, analytics.month),
                td_string!(l, analytics.received),
                td_string!(l, analytics.fulfilled),
                td_string!(l, analytics.refused),
            ],
            s.trend
                .iter()
                .map(|p| {
                    vec![
                        p.label.clone(),
                        p.received.to_string(),
                        p.fulfilled.to_string(),
                        p.refused.to_string(),
                    ]
                })
                .collect(),
        ),
        Some("weekly") => (
            vec![
                td_string!(l, analytics.week),
                td_string!(l, analytics.received),
                td_string!(l, analytics.fulfilled),
            ],
            more.weekly
                .iter()
                .map(|w| {
                    vec![
                        w.label.clone(),
                        w.received.to_string(),
                        w.fulfilled.to_string(),
                    ]
                })
                .collect(),
        ),
        Some("distribution") => (
            vec![
                td_string!(l, analytics.days),
                td_string!(l, analytics.dist_decide),
                td_string!(l, analytics.dist_total),
            ],
            more.distribution
                .iter()
                .map(|b| vec![b.label(), b.decide.to_string(), b.total.to_string()])
                .collect(),
        ),
        Some("leads") => (
            vec![
                td_string!(l, analytics.stage),
                td_string!(l, analytics.count),
                td_string!(l, analytics.median),
                td_string!(l, analytics.p90),
            ],
            lead_rows(&s, l).into_iter().map(|r| r.to_vec()).collect(),
        ),
        Some("channels") => (
            vec![
                td_string!(l, analytics.channel),
                td_string!(l, analytics.received),
                td_string!(l, analytics.share),
            ],
            s.channels
                .iter()
                .map(|(c, n)| {
                    vec![
                        i18n_text::channel(l, *c).to_string(),
                        n.to_string(),
                        pct(*n, s.current.received, l),
                    ]
                })
                .collect(),
        ),
        Some("statuses") => (
            vec![
                td_string!(l, analytics.status),
                td_string!(l, analytics.count),
            ],
            s.statuses
                .iter()
                .map(|(st, n)| vec![i18n_text::status(l, *st).to_string(), n.to_string()])
                .collect(),
        ),
        Some("parts" | "groups") => (
            vec![
                td_string!(l, analytics.code),
                td_string!(l, analytics.name),
                td_string!(l, analytics.received),
                td_string!(l, analytics.fulfilled),
                td_string!(l, analytics.refused),
                td_string!(l, analytics.withdrawn),
                td_string!(l, analytics.sla_share),
                td_string!(l, analytics.backlog),
            ],
            if f.table.as_deref() == Some("groups") {
                &s.groups
            } else {
                &s.parts
            }
            .iter()
            .map(|p| {
                vec![
                    p.scope.to_string(),
                    p.name.clone(),
                    p.counts.received.to_string(),
                    p.counts.fulfilled.to_string(),
                    p.counts.refused.to_string(),
                    p.counts.withdrawn.to_string(),
                    pct(p.counts.sla_met, p.counts.sla_judged, l),
                    p.backlog.to_string(),
                ]
            })
            .collect(),
        ),
        _ => (
            vec![
                td_string!(l, analytics.figure),
                td_string!(l, analytics.this_period),
                td_string!(l, analytics.previous_period),
                td_string!(l, analytics.change),
            ],
            figure_rows(&s, l)
                .into_iter()
                .map(|(_, r)| r.to_vec())
                .collect(),
        ),
    };
    let name = format!(
        "taka-{}-{}-{}-{}.csv",
        f.table
            .as_deref()
            .unwrap_or("figures")
            .replace(|c: char| !c.is_ascii_alphanumeric(), ""),
        s.scope.to_string().replace([':', '.'], "-"),
        s.from,
        s.to
    );
    file(&head, &rows, &name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a;b"), "\"a;b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn formulas_are_shown_not_run() {
        assert_eq!(
            field("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(field("+1+2"), "\"'+1+2\"");
        assert_eq!(field("-2+3"), "\"'-2+3\"");
        assert_eq!(field("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(field("\tx"), "\"'\tx\"");
        // Numbers stay numbers.
        assert_eq!(field("-5"), "-5");
        assert_eq!(field("+37120000000"), "+37120000000");
        assert_eq!(field("12.5"), "12.5");
    }
}
