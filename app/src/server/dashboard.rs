//! The analytics dashboard for managers: `/staff/analytics` (HTML) and
//! `/staff/analytics.csv` (the same tables for Excel).
//!
//! Rendered on the server only, outside the hydrated app: it adds nothing to the browser
//! bundle the citizen pages load, works without JavaScript (filters are a GET form, so
//! every view is a bookmarkable URL), and draws its chart as inline SVG with the same
//! numbers in a table beside it and a sentence for screen readers.

use super::notify::html_escape as esc;
use super::plain::{page, staff};
use super::{AppState, Taka, request_lang};
use crate::domain::analytics::{Scope, Spread};
use crate::i18n::Locale;
use crate::i18n_text;
use crate::model::{AnalyticsSummary, PeriodCounts};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use leptos_i18n::td_string;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct Filters {
    scope: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// For CSV: `figures`, `trend` or `parts`.
    table: Option<String>,
    /// For the request list: which figure.
    figure: Option<String>,
    /// `csv` for the request list as CSV.
    format: Option<String>,
}

fn period(taka: &Taka, f: &Filters) -> (String, String) {
    let today = super::service::local_date(taka.now());
    let to =
        f.to.clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| today.to_string());
    let from = f
        .from
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| (today - chrono::Duration::days(29)).to_string());
    (from, to)
}

/// A link to the dashboard for another scope, same period.
fn link(scope: &Scope, from: &str, to: &str) -> String {
    format!(
        "/staff/analytics?scope={}&from={}&to={}",
        urlencoding::encode(&scope.to_string()),
        urlencoding::encode(from),
        urlencoding::encode(to)
    )
}

/// A count that links to the requests behind it.
fn count_link(scope: &Scope, from: &str, to: &str, figure: &str, n: i64) -> String {
    format!(
        "<a href=\"{}\">{n}</a>",
        esc(&list_link(scope, from, to, figure))
    )
}

/// Horizontal bars for a breakdown; the table that follows has the same numbers, so the
/// drawing is hidden from screen readers.
fn bars(items: &[(String, i64)]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    let row = 22.0_f64;
    let (label_w, w) = (220.0_f64, 640.0_f64);
    let mut svg = format!(
        "<svg viewBox=\"0 0 {w} {}\" class=\"chart bars\" aria-hidden=\"true\" focusable=\"false\">",
        row * items.len() as f64 + 4.0
    );
    for (i, (label, n)) in items.iter().enumerate() {
        let y = i as f64 * row + 2.0;
        let len = *n as f64 / max as f64 * (w - label_w - 50.0);
        let short: String = label.chars().take(30).collect();
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{:.1}\" class=\"tick\">{}</text><rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{len:.1}\" height=\"{:.1}\" class=\"bar received\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\">{n}</text>",
            y + 14.0,
            esc(&short),
            row - 6.0,
            label_w + len + 4.0,
            y + 14.0
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// A link to the requests behind a figure.
fn list_link(scope: &Scope, from: &str, to: &str, figure: &str) -> String {
    format!(
        "/staff/analytics/requests?figure={figure}&scope={}&from={}&to={}",
        urlencoding::encode(&scope.to_string()),
        urlencoding::encode(from),
        urlencoding::encode(to)
    )
}

fn pct(a: i64, b: i64, l: Locale) -> String {
    if b <= 0 {
        return "—".into();
    }
    let v = format!("{:.1} %", a as f64 * 100.0 / b as f64);
    if l == Locale::lv {
        v.replace('.', ",")
    } else {
        v
    }
}

fn avg(sum: i64, n: i64, l: Locale) -> String {
    if n <= 0 {
        return "—".into();
    }
    let v = format!("{:.2}", sum as f64 / n as f64);
    if l == Locale::lv {
        v.replace('.', ",")
    } else {
        v
    }
}

fn change(cur: i64, prev: i64) -> String {
    match cur - prev {
        0 => "0".into(),
        d if d > 0 => format!("+{d}"),
        d => format!("−{}", -d),
    }
}

fn opt(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "—".into())
}

/// The key figures as rows: label, this period, previous period, change.
fn figures(s: &AnalyticsSummary, l: Locale) -> Vec<[String; 4]> {
    let (c, p): (&PeriodCounts, &PeriodCounts) = (&s.current, &s.previous);
    let count = |label: &str, a: i64, b: i64| {
        [
            label.to_string(),
            a.to_string(),
            b.to_string(),
            change(a, b),
        ]
    };
    vec![
        count(td_string!(l, analytics.received), c.received, p.received),
        count(td_string!(l, analytics.fulfilled), c.fulfilled, p.fulfilled),
        count(td_string!(l, analytics.refused), c.refused, p.refused),
        count(td_string!(l, analytics.withdrawn), c.withdrawn, p.withdrawn),
        [
            td_string!(l, analytics.sla_share).to_string(),
            pct(c.sla_met, c.sla_judged, l),
            pct(p.sla_met, p.sla_judged, l),
            String::new(),
        ],
        [
            td_string!(l, analytics.refusal_rate).to_string(),
            pct(c.refused, c.refused + c.approved, l),
            pct(p.refused, p.refused + p.approved, l),
            String::new(),
        ],
        [
            td_string!(l, analytics.satisfaction).to_string(),
            avg(c.rating_sum, c.ratings, l),
            avg(p.rating_sum, p.ratings, l),
            String::new(),
        ],
        count(td_string!(l, analytics.ratings), c.ratings, p.ratings),
    ]
}

fn leads(s: &AnalyticsSummary, l: Locale) -> Vec<[String; 4]> {
    let row = |label: &str, sp: &Spread| {
        [
            label.to_string(),
            sp.count.to_string(),
            opt(sp.median),
            opt(sp.p90),
        ]
    };
    vec![
        row(
            td_string!(l, analytics.lead_register),
            &s.lead_times.register_hours,
        ),
        row(
            td_string!(l, analytics.lead_decide),
            &s.lead_times.decide_days,
        ),
        row(
            td_string!(l, analytics.lead_fulfil),
            &s.lead_times.fulfil_days,
        ),
        row(
            td_string!(l, analytics.lead_total),
            &s.lead_times.total_days,
        ),
        row(td_string!(l, analytics.backlog_age), &s.backlog_age_days),
    ]
}

fn table(
    id: &str,
    caption: &str,
    head: &[&str],
    rows: &[Vec<String>],
    first_is_header: bool,
) -> String {
    let mut h = format!(
        "<div class=\"table-wrap\" role=\"region\" aria-labelledby=\"{id}\" tabindex=\"0\"><table><caption id=\"{id}\">{}</caption><thead><tr>",
        esc(caption)
    );
    for c in head {
        h.push_str(&format!("<th scope=\"col\">{}</th>", esc(c)));
    }
    h.push_str("</tr></thead><tbody>");
    for r in rows {
        h.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            if i == 0 && first_is_header {
                h.push_str(&format!("<th scope=\"row\">{c}</th>"));
            } else {
                h.push_str(&format!("<td>{c}</td>"));
            }
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div>");
    h
}

/// Received and fulfilled per month as grouped bars. Decorative for screen readers: the
/// table beside it has the numbers, and the figure's label says what it shows.
fn chart(s: &AnalyticsSummary, l: Locale) -> String {
    let n = s.trend.len().max(1);
    let max = s
        .trend
        .iter()
        .map(|p| p.received.max(p.fulfilled))
        .max()
        .unwrap_or(0)
        .max(1);
    let (w, h, pad) = (640.0_f64, 220.0_f64, 28.0_f64);
    let slot = (w - pad) / n as f64;
    let bar = (slot * 0.38).max(1.0);
    let mut svg = format!(
        "<svg viewBox=\"0 0 {w} {}\" class=\"chart\" aria-hidden=\"true\" focusable=\"false\" preserveAspectRatio=\"none\">",
        h + 24.0
    );
    svg.push_str(&format!(
        "<line x1=\"{pad}\" y1=\"{h}\" x2=\"{w}\" y2=\"{h}\" class=\"axis\"/><text x=\"0\" y=\"12\" class=\"tick\">{max}</text><text x=\"0\" y=\"{h}\" class=\"tick\">0</text>"
    ));
    for (i, p) in s.trend.iter().enumerate() {
        let x = pad + i as f64 * slot + slot * 0.1;
        let hr = p.received as f64 / max as f64 * (h - 10.0);
        let hf = p.fulfilled as f64 / max as f64 * (h - 10.0);
        svg.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{hr:.1}\" class=\"bar received\"/>",
            h - hr
        ));
        svg.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{hf:.1}\" class=\"bar fulfilled\"/>",
            x + bar,
            h - hf
        ));
        if n <= 12 || i % (n / 12 + 1) == 0 {
            svg.push_str(&format!(
                "<text x=\"{x:.1}\" y=\"{}\" class=\"tick\">{}</text>",
                h + 16.0,
                esc(&p.label)
            ));
        }
    }
    svg.push_str("</svg>");
    let legend = format!(
        "<p class=\"legend\"><span class=\"key received\"></span> {} <span class=\"key fulfilled\"></span> {}</p>",
        esc(td_string!(l, analytics.received)),
        esc(td_string!(l, analytics.fulfilled))
    );
    svg + &legend
}

/// A sentence with the main figures, for people who do not read tables and charts.
fn summary_text(s: &AnalyticsSummary, l: Locale) -> String {
    let c = &s.current;
    td_string!(
        l,
        analytics.summary_text,
        from = s.from.clone(),
        to = s.to.clone(),
        received = c.received,
        previous = s.previous.received,
        fulfilled = c.fulfilled,
        refused = c.refused,
        on_time = pct(c.sla_met, c.sla_judged, l),
        open = s.backlog
    )
    .to_string()
}

/// `GET /staff/analytics`
pub async fn dashboard(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(f): Query<Filters>,
) -> Response {
    let taka = &state.taka;
    let lang = request_lang(&headers);
    let l = i18n_text::locale(lang);
    let Some(ctx) = staff(taka, &headers, lang).await else {
        return Redirect::to("/staff").into_response();
    };
    let (from, to) = period(taka, &f);
    let here = format!(
        "/staff/analytics?scope={}&from={}&to={}",
        urlencoding::encode(f.scope.as_deref().unwrap_or("")),
        urlencoding::encode(&from),
        urlencoding::encode(&to)
    );
    let result = taka
        .analytics_summary(&ctx, f.scope.as_deref(), &from, &to, lang)
        .await;
    let title = td_string!(l, analytics.title);
    let form = format!(
        "<form method=\"get\" action=\"/staff/analytics\" class=\"filters\"><fieldset><legend>{}</legend>\
<input type=\"hidden\" name=\"scope\" value=\"{}\">\
<div class=\"field\"><label for=\"an-from\">{}</label><input type=\"date\" id=\"an-from\" name=\"from\" value=\"{}\" required></div>\
<div class=\"field\"><label for=\"an-to\">{}</label><input type=\"date\" id=\"an-to\" name=\"to\" value=\"{}\" required></div>\
<button type=\"submit\" class=\"button\">{}</button></fieldset></form>",
        esc(td_string!(l, analytics.period)),
        esc(f.scope.as_deref().unwrap_or("")),
        esc(td_string!(l, analytics.from)),
        esc(&from),
        esc(td_string!(l, analytics.to)),
        esc(&to),
        esc(td_string!(l, staff.apply)),
    );
    let s = match result {
        Ok(s) => s,
        Err(e) => return error_page(l, title, &here, &form, e),
    };
    let scope_q = urlencoding::encode(&s.scope.to_string()).into_owned();
    let csv = |table: &str| {
        format!(
            "/staff/analytics.csv?table={table}&scope={scope_q}&from={}&to={}",
            urlencoding::encode(&s.from),
            urlencoding::encode(&s.to)
        )
    };
    let download = esc(td_string!(l, analytics.csv));
    let mut body = format!(
        "<h1>{} <small>{}</small></h1><p class=\"lead\">{} {} – {} ({} {} – {})</p>",
        esc(title),
        esc(&s.scope_name),
        esc(td_string!(l, analytics.period)),
        esc(&s.from),
        esc(&s.to),
        esc(td_string!(l, analytics.compared)),
        esc(&s.previous_from),
        esc(&s.previous_to),
    );
    // Up one level, where the user may go there.
    let wider = match &s.scope {
        Scope::Service(_) => Some(Scope::Institution(ctx.user.institution_code.clone())),
        Scope::Institution(_) | Scope::Sector(_) | Scope::Municipality(_) => Some(Scope::Country),
        Scope::Country => None,
    };
    if let Some(w) = wider
        && taka.can_see_scope(&ctx, &w).await
    {
        body.push_str(&format!(
            "<p><a href=\"{}\">↑ {}</a></p>",
            esc(&link(&w, &s.from, &s.to)),
            esc(td_string!(l, analytics.up))
        ));
    }
    body.push_str(&form);
    body.push_str(&format!(
        "<p class=\"summary\">{}</p>",
        esc(&summary_text(&s, l))
    ));
    let listed = ["received", "fulfilled", "refused", "withdrawn", "late"];
    let fig_rows: Vec<Vec<String>> = figures(&s, l)
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let mut row: Vec<String> = r.iter().map(|c| esc(c)).collect();
            if let Some(figure) = listed.get(i) {
                row[1] = format!(
                    "<a href=\"{}\">{}</a>",
                    esc(&list_link(&s.scope, &s.from, &s.to, figure)),
                    row[1]
                );
            }
            row
        })
        .collect();
    body.push_str(&table(
        "an-figures",
        td_string!(l, analytics.key_figures),
        &[
            td_string!(l, analytics.figure),
            td_string!(l, analytics.this_period),
            td_string!(l, analytics.previous_period),
            td_string!(l, analytics.change),
        ],
        &fig_rows,
        true,
    ));
    body.push_str(&format!(
        "<p><a href=\"{}\" download>{download}</a></p>",
        esc(&csv("figures"))
    ));
    let lead_rows: Vec<Vec<String>> = leads(&s, l)
        .into_iter()
        .map(|r| r.iter().map(|c| esc(c)).collect())
        .collect();
    body.push_str(&table(
        "an-leads",
        td_string!(l, analytics.lead_times),
        &[
            td_string!(l, analytics.stage),
            td_string!(l, analytics.count),
            td_string!(l, analytics.median),
            td_string!(l, analytics.p90),
        ],
        &lead_rows,
        true,
    ));
    body.push_str(&format!(
        "<p><a href=\"{}\" download>{download}</a></p>",
        esc(&csv("leads"))
    ));
    body.push_str(&format!("<h2>{}</h2>", esc(td_string!(l, analytics.trend))));
    body.push_str(&format!(
        "<figure>{}<figcaption>{}</figcaption></figure>",
        chart(&s, l),
        esc(&summary_text(&s, l))
    ));
    let trend_rows: Vec<Vec<String>> = s
        .trend
        .iter()
        .map(|p| {
            vec![
                esc(&p.label),
                p.received.to_string(),
                p.fulfilled.to_string(),
                p.refused.to_string(),
            ]
        })
        .collect();
    body.push_str(&table(
        "an-trend",
        td_string!(l, analytics.trend),
        &[
            td_string!(l, analytics.month),
            td_string!(l, analytics.received),
            td_string!(l, analytics.fulfilled),
            td_string!(l, analytics.refused),
        ],
        &trend_rows,
        true,
    ));
    body.push_str(&format!(
        "<p><a href=\"{}\" download>{download}</a></p>",
        esc(&csv("trend"))
    ));
    let channel_rows: Vec<Vec<String>> = s
        .channels
        .iter()
        .map(|(c, n)| {
            vec![
                esc(i18n_text::channel(l, *c)),
                n.to_string(),
                pct(*n, s.current.received, l),
            ]
        })
        .collect();
    body.push_str(&format!(
        "<h2>{}</h2>",
        esc(td_string!(l, analytics.channels))
    ));
    body.push_str(&bars(
        &s.channels
            .iter()
            .map(|(c, n)| (i18n_text::channel(l, *c).to_string(), *n))
            .collect::<Vec<_>>(),
    ));
    body.push_str(&table(
        "an-channels",
        td_string!(l, analytics.channels),
        &[
            td_string!(l, analytics.channel),
            td_string!(l, analytics.received),
            td_string!(l, analytics.share),
        ],
        &channel_rows,
        true,
    ));
    body.push_str(&format!(
        "<p><a href=\"{}\" download>{download}</a></p>",
        esc(&csv("channels"))
    ));
    let status_rows: Vec<Vec<String>> = s
        .statuses
        .iter()
        .map(|(st, n)| vec![esc(i18n_text::status(l, *st)), n.to_string()])
        .collect();
    body.push_str(&format!(
        "<h2>{}</h2>",
        esc(td_string!(l, analytics.backlog))
    ));
    body.push_str(&format!(
        "<p><a href=\"{}\">{}</a></p>",
        esc(&list_link(&s.scope, &s.from, &s.to, "open")),
        esc(td_string!(l, analytics.open_list))
    ));
    body.push_str(&bars(
        &s.statuses
            .iter()
            .map(|(st, n)| (i18n_text::status(l, *st).to_string(), *n))
            .collect::<Vec<_>>(),
    ));
    body.push_str(&table(
        "an-backlog",
        &format!("{} ({})", td_string!(l, analytics.backlog), s.backlog),
        &[
            td_string!(l, analytics.status),
            td_string!(l, analytics.count),
        ],
        &status_rows,
        true,
    ));
    body.push_str(&format!(
        "<p><a href=\"{}\" download>{download}</a></p>",
        esc(&csv("statuses"))
    ));
    if !s.groups.is_empty() {
        body.push_str(&breakdown_table(
            "an-groups",
            td_string!(l, analytics.groups),
            &s.groups,
            &s,
            l,
        ));
        body.push_str(&format!(
            "<p><a href=\"{}\" download>{download}</a></p>",
            esc(&csv("groups"))
        ));
    }
    if !s.parts.is_empty() {
        body.push_str(&format!("<h2>{}</h2>", esc(td_string!(l, analytics.parts))));
        body.push_str(&bars(
            &s.parts
                .iter()
                .take(15)
                .map(|p| (p.name.clone(), p.counts.received))
                .collect::<Vec<_>>(),
        ));
        body.push_str(&breakdown_table(
            "an-parts",
            td_string!(l, analytics.parts),
            &s.parts,
            &s,
            l,
        ));
        body.push_str(&format!(
            "<p><a href=\"{}\" download>{download}</a></p>",
            esc(&csv("parts"))
        ));
    }
    Html(page(l, title, &here, "/staff/analytics", &body)).into_response()
}

/// A breakdown (sectors and municipalities, institutions or services): each name opens
/// that scope, the counts open the requests behind them.
fn breakdown_table(
    id: &str,
    caption: &str,
    items: &[crate::model::Breakdown],
    s: &AnalyticsSummary,
    l: Locale,
) -> String {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|p| {
            let kind = match p.scope {
                Scope::Municipality(_) => Some(td_string!(l, analytics.municipality)),
                Scope::Sector(_) => Some(td_string!(l, analytics.sector)),
                _ => None,
            };
            vec![
                format!(
                    "<a href=\"{}\">{}</a>{}",
                    esc(&link(&p.scope, &s.from, &s.to)),
                    esc(&p.name),
                    kind.map(|k| format!(" <small>({})</small>", esc(k)))
                        .unwrap_or_default()
                ),
                count_link(&p.scope, &s.from, &s.to, "received", p.counts.received),
                p.counts.fulfilled.to_string(),
                p.counts.refused.to_string(),
                pct(p.counts.sla_met, p.counts.sla_judged, l),
                count_link(&p.scope, &s.from, &s.to, "open", p.backlog),
            ]
        })
        .collect();
    table(
        id,
        caption,
        &[
            td_string!(l, analytics.name),
            td_string!(l, analytics.received),
            td_string!(l, analytics.fulfilled),
            td_string!(l, analytics.refused),
            td_string!(l, analytics.sla_share),
            td_string!(l, analytics.backlog),
        ],
        &rows,
        true,
    )
}

/// A page saying why the figures cannot be shown (with `after`, e.g. the filter form).
fn error_page(
    l: Locale,
    title: &str,
    here: &str,
    after: &str,
    e: crate::server::error::ServiceError,
) -> Response {
    let e = crate::error::AppError::from(e);
    let mut msg = esc(&i18n_text::app_error(l, &e));
    if let Some(fields) = e.field_errors() {
        for (k, v) in fields {
            msg.push_str(&format!(
                "<br>{}: {}",
                esc(k),
                esc(&i18n_text::field_error(l, v))
            ));
        }
    }
    let body = format!(
        "<h1>{}</h1><div class=\"notice error\" role=\"alert\"><p>{msg}</p></div>{after}",
        esc(title)
    );
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        Html(page(l, title, here, "/staff/analytics", &body)),
    )
        .into_response()
}

/// One CSV field: quoted when it holds the delimiter, a quote or a line break.
fn field(s: &str) -> String {
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `GET /staff/analytics.csv?table=figures|trend|parts&scope=&from=&to=`: semicolon
/// separated, UTF-8 with a byte-order mark, decimal commas in Latvian — what Excel with
/// Latvian regional settings opens as columns.
pub async fn csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(f): Query<Filters>,
) -> Response {
    let taka = &state.taka;
    let lang = request_lang(&headers);
    let l = i18n_text::locale(lang);
    let Some(ctx) = staff(taka, &headers, lang).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let (from, to) = period(taka, &f);
    let s = match taka
        .analytics_summary(&ctx, f.scope.as_deref(), &from, &to, lang)
        .await
    {
        Ok(s) => s,
        Err(e) => {
            let e = crate::error::AppError::from(e);
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            return (status, i18n_text::app_error(l, &e)).into_response();
        }
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
        Some("leads") => (
            vec![
                td_string!(l, analytics.stage),
                td_string!(l, analytics.count),
                td_string!(l, analytics.median),
                td_string!(l, analytics.p90),
            ],
            leads(&s, l).into_iter().map(|r| r.to_vec()).collect(),
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
            figures(&s, l).into_iter().map(|r| r.to_vec()).collect(),
        ),
    };
    let mut out = String::from("\u{feff}");
    out.push_str(&head.iter().map(|h| field(h)).collect::<Vec<_>>().join(";"));
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.iter().map(|c| field(c)).collect::<Vec<_>>().join(";"));
        out.push_str("\r\n");
    }
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
    let mut resp = out.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// `GET /staff/analytics/requests?figure=…&scope=…&from=…&to=…[&format=csv]`: the
/// requests behind a figure; HTML (first 500) or CSV (up to 100,000).
pub async fn requests(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(f): Query<Filters>,
) -> Response {
    let taka = &state.taka;
    let lang = request_lang(&headers);
    let l = i18n_text::locale(lang);
    let Some(ctx) = staff(taka, &headers, lang).await else {
        return Redirect::to("/staff").into_response();
    };
    let (from, to) = period(taka, &f);
    let figure = f.figure.clone().unwrap_or_else(|| "received".into());
    let as_csv = f.format.as_deref() == Some("csv");
    let limit = if as_csv { 100_000 } else { 500 };
    let here = format!(
        "/staff/analytics/requests?figure={}&scope={}&from={}&to={}",
        urlencoding::encode(&figure),
        urlencoding::encode(f.scope.as_deref().unwrap_or("")),
        urlencoding::encode(&from),
        urlencoding::encode(&to)
    );
    let title = td_string!(l, analytics.requests_title);
    let (items, total) = match taka
        .analytics_requests(&ctx, f.scope.as_deref(), &from, &to, &figure, limit, lang)
        .await
    {
        Ok(v) => v,
        Err(e) => return error_page(l, title, &here, "", e),
    };
    let head = [
        td_string!(l, staff.col_reference),
        td_string!(l, staff.col_service),
        td_string!(l, analytics.institution),
        td_string!(l, analytics.channel),
        td_string!(l, analytics.status),
        td_string!(l, staff.col_submitted),
        td_string!(l, analytics.event_date),
    ];
    if as_csv {
        let mut out = String::from("\u{feff}");
        out.push_str(&head.iter().map(|h| field(h)).collect::<Vec<_>>().join(";"));
        out.push_str("\r\n");
        for r in &items {
            let cols = [
                r.reference.clone(),
                r.service_name.clone(),
                r.institution_code.clone(),
                i18n_text::channel(l, r.channel).to_string(),
                i18n_text::status(l, r.status).to_string(),
                r.submitted_on.clone(),
                r.event_on.clone(),
            ];
            out.push_str(&cols.iter().map(|c| field(c)).collect::<Vec<_>>().join(";"));
            out.push_str("\r\n");
        }
        let mut resp = out.into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        let name = format!(
            "taka-requests-{}-{from}-{to}.csv",
            figure.replace(|c: char| !c.is_ascii_alphanumeric(), "")
        );
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
        return resp;
    }
    let label = match figure.as_str() {
        "fulfilled" => td_string!(l, analytics.fulfilled),
        "refused" => td_string!(l, analytics.refused),
        "withdrawn" => td_string!(l, analytics.withdrawn),
        "open" => td_string!(l, analytics.backlog),
        "late" => td_string!(l, analytics.late),
        _ => td_string!(l, analytics.received),
    };
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|r| {
            let reference = if r.can_open {
                format!("<a href=\"/staff/requests/{0}\">{0}</a>", esc(&r.reference))
            } else {
                esc(&r.reference)
            };
            vec![
                reference,
                esc(&r.service_name),
                esc(&r.institution_code),
                esc(i18n_text::channel(l, r.channel)),
                esc(i18n_text::status(l, r.status)),
                esc(&r.submitted_on),
                esc(&r.event_on),
            ]
        })
        .collect();
    let mut body = format!(
        "<h1>{}: {}</h1><p class=\"lead\">{} {from} – {to}. {}</p>",
        esc(title),
        esc(label),
        esc(td_string!(l, analytics.period)),
        esc(&td_string!(l, analytics.list_count, total = total, shown = items.len()).to_string())
    );
    body.push_str(&format!(
        "<p><a href=\"{}&amp;format=csv\" download>{}</a> · <a href=\"{}\">{}</a></p>",
        esc(&here),
        esc(td_string!(l, analytics.csv)),
        esc(&format!(
            "/staff/analytics?scope={}&from={from}&to={to}",
            urlencoding::encode(f.scope.as_deref().unwrap_or(""))
        )),
        esc(td_string!(l, analytics.back))
    ));
    body.push_str(&table("an-list", label, &head, &rows, true));
    Html(page(l, title, &here, "/staff/analytics", &body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_and_numbers() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a;b"), "\"a;b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(pct(1, 3, Locale::lv), "33,3 %");
        assert_eq!(pct(1, 3, Locale::en), "33.3 %");
        assert_eq!(pct(1, 0, Locale::en), "—");
        assert_eq!(avg(9, 2, Locale::lv), "4,50");
        assert_eq!(change(5, 3), "+2");
        assert_eq!(change(3, 5), "−2");
    }
}
