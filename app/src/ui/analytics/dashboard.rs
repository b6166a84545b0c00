//! The dashboard below the filters: the summary figures, monthly and weekly trends, the
//! lead-time distribution and the breakdowns, each chart with its table.

use super::Go;
use super::charts::{bar_chart, column_chart, csv_link, data_table, legend, text};
use crate::domain::analytics::Scope;
use crate::fns::analytics::{
    AnalyticsQuery, AnalyticsView, LeadBucket, figure_rows, lead_rows, pct, summary_text,
};
use crate::i18n::*;
use crate::i18n_text;
use crate::model::{AnalyticsSummary, Breakdown};
use leptos::prelude::*;
use leptos_i18n::td_string;

/// The whole dashboard below the filters.
pub(super) fn dashboard(v: &AnalyticsView, l: Locale) -> AnyView {
    let s: &AnalyticsSummary = &v.summary;
    let (scope, from, to) = (s.scope.clone(), s.from.clone(), s.to.clone());
    let csv = |table: &str| AnalyticsQuery::csv(&scope, &from, &to, table);
    let figure = |f: &str| AnalyticsQuery::figure(&scope, &from, &to, f);
    let summary = summary_text(s, l);
    let received = td_string!(l, analytics.received);
    let fulfilled = td_string!(l, analytics.fulfilled);
    let two = [(received, "received"), (fulfilled, "fulfilled")];

    let figures = figure_rows(s, l)
        .into_iter()
        .map(|(listed, [label, cur, prev, ch])| {
            let cur = match listed {
                Some(f) => view! { <Go to=figure(f)>{cur}</Go> }.into_any(),
                None => text(cur),
            };
            vec![text(label), cur, text(prev), text(ch)]
        })
        .collect();
    let leads = lead_rows(s, l)
        .into_iter()
        .map(|r| r.into_iter().map(text).collect())
        .collect();
    let trend_rows = s
        .trend
        .iter()
        .map(|p| {
            vec![
                text(p.label.clone()),
                text(i18n_text::number(l, p.received)),
                text(i18n_text::number(l, p.fulfilled)),
                text(i18n_text::number(l, p.refused)),
            ]
        })
        .collect();
    let weekly = &v.more.weekly;
    let week_rows = weekly
        .iter()
        .map(|p| {
            vec![
                view! { {p.label.clone()} " " <small>"(" {p.monday.clone()} ")"</small> }
                    .into_any(),
                text(i18n_text::number(l, p.received)),
                text(i18n_text::number(l, p.fulfilled)),
            ]
        })
        .collect();
    let dist = &v.more.distribution;
    let decide = td_string!(l, analytics.dist_decide);
    let total = td_string!(l, analytics.dist_total);
    let dist_series = [(decide, "received"), (total, "fulfilled")];
    let dist_rows = dist
        .iter()
        .map(|b: &LeadBucket| {
            vec![
                text(b.label()),
                text(i18n_text::number(l, b.decide)),
                text(i18n_text::number(l, b.total)),
            ]
        })
        .collect();
    let channel_rows = s
        .channels
        .iter()
        .map(|(c, n)| {
            vec![
                text(i18n_text::channel(l, *c)),
                text(i18n_text::number(l, *n)),
                text(pct(*n, s.current.received, l)),
            ]
        })
        .collect();
    let status_rows = s
        .statuses
        .iter()
        .map(|(st, n)| {
            vec![
                text(i18n_text::status(l, *st)),
                text(i18n_text::number(l, *n)),
            ]
        })
        .collect();

    view! {
        <p class="summary">{summary.clone()}</p>
        {data_table("an-figures", td_string!(l, analytics.key_figures).to_string(), vec![
            td_string!(l, analytics.figure), td_string!(l, analytics.this_period),
            td_string!(l, analytics.previous_period), td_string!(l, analytics.change),
        ], figures)}
        {csv_link(csv("figures"), l)}
        {data_table("an-leads", td_string!(l, analytics.lead_times).to_string(), vec![
            td_string!(l, analytics.stage), td_string!(l, analytics.count),
            td_string!(l, analytics.median), td_string!(l, analytics.p90),
        ], leads)}
        {csv_link(csv("leads"), l)}

        <h2>{td_string!(l, analytics.trend)}</h2>
        <figure>
            {column_chart(td_string!(l, analytics.trend), &two,
                s.trend.iter().map(|p| (p.label.clone(), vec![p.received, p.fulfilled])).collect())}
            {legend(&two)}
            <figcaption>{summary}</figcaption>
        </figure>
        {data_table("an-trend", td_string!(l, analytics.trend).to_string(), vec![
            td_string!(l, analytics.month), received, fulfilled, td_string!(l, analytics.refused),
        ], trend_rows)}
        {csv_link(csv("trend"), l)}

        <h2>{td_string!(l, analytics.weekly)}</h2>
        <figure>
            {column_chart(td_string!(l, analytics.weekly), &two,
                weekly.iter().map(|p| (p.label.clone(), vec![p.received, p.fulfilled])).collect())}
            {legend(&two)}
            <figcaption>{td_string!(l, analytics.chart_hint)}</figcaption>
        </figure>
        {data_table("an-weekly", td_string!(l, analytics.weekly).to_string(), vec![
            td_string!(l, analytics.week), received, fulfilled,
        ], week_rows)}
        {csv_link(csv("weekly"), l)}

        <h2>{td_string!(l, analytics.distribution)}</h2>
        <p>{td_string!(l, analytics.distribution_note)}</p>
        <figure>
            {column_chart(td_string!(l, analytics.distribution), &dist_series,
                dist.iter().map(|b| (b.label(), vec![b.decide, b.total])).collect())}
            {legend(&dist_series)}
            <figcaption>{td_string!(l, analytics.chart_hint)}</figcaption>
        </figure>
        {data_table("an-distribution", td_string!(l, analytics.distribution).to_string(), vec![
            td_string!(l, analytics.days), decide, total,
        ], dist_rows)}
        {csv_link(csv("distribution"), l)}

        <h2>{td_string!(l, analytics.channels)}</h2>
        {bar_chart(td_string!(l, analytics.channels),
            s.channels.iter().map(|(c, n)| (i18n_text::channel(l, *c).to_string(), *n)).collect())}
        {data_table("an-channels", td_string!(l, analytics.channels).to_string(), vec![
            td_string!(l, analytics.channel), received, td_string!(l, analytics.share),
        ], channel_rows)}
        {csv_link(csv("channels"), l)}

        <h2>{td_string!(l, analytics.backlog)}</h2>
        <p><Go to=figure("open")>{td_string!(l, analytics.open_list)}</Go></p>
        {bar_chart(td_string!(l, analytics.backlog),
            s.statuses.iter().map(|(st, n)| (i18n_text::status(l, *st).to_string(), *n)).collect())}
        {data_table("an-backlog", format!("{} ({})", td_string!(l, analytics.backlog), s.backlog), vec![
            td_string!(l, analytics.status), td_string!(l, analytics.count),
        ], status_rows)}
        {csv_link(csv("statuses"), l)}

        {(!s.groups.is_empty()).then(|| view! {
            {breakdown_table("an-groups", td_string!(l, analytics.groups), &s.groups, s, l)}
            {csv_link(csv("groups"), l)}
        })}
        {(!s.parts.is_empty()).then(|| view! {
            <h2>{td_string!(l, analytics.parts)}</h2>
            {bar_chart(td_string!(l, analytics.parts),
                s.parts.iter().take(15).map(|p| (p.name.clone(), p.counts.received)).collect())}
            {breakdown_table("an-parts", td_string!(l, analytics.parts), &s.parts, s, l)}
            {csv_link(csv("parts"), l)}
        })}
    }
    .into_any()
}

/// A breakdown (sectors and municipalities, institutions or services): each name opens
/// that scope, the counts open the requests behind them.
fn breakdown_table(
    id: &'static str,
    caption: &'static str,
    items: &[Breakdown],
    s: &AnalyticsSummary,
    l: Locale,
) -> impl IntoView {
    let rows = items
        .iter()
        .map(|p| {
            let kind = match p.scope {
                Scope::Municipality(_) => Some(td_string!(l, analytics.municipality)),
                Scope::Sector(_) => Some(td_string!(l, analytics.sector)),
                _ => None,
            };
            let q = |f: &str| AnalyticsQuery::figure(&p.scope, &s.from, &s.to, f);
            let (name, received, backlog) = (p.name.clone(), p.counts.received, p.backlog);
            vec![
                view! {
                    <Go to=AnalyticsQuery::dashboard(&p.scope, &s.from, &s.to)>{name}</Go>
                    {kind.map(|k| view! { " " <small>"(" {k} ")"</small> })}
                }
                .into_any(),
                view! { <Go to=q("received")>{received}</Go> }.into_any(),
                text(i18n_text::number(l, p.counts.fulfilled)),
                text(i18n_text::number(l, p.counts.refused)),
                text(pct(p.counts.sla_met, p.counts.sla_judged, l)),
                view! { <Go to=q("open")>{backlog}</Go> }.into_any(),
            ]
        })
        .collect();
    data_table(
        id,
        caption.to_string(),
        vec![
            td_string!(l, analytics.name),
            td_string!(l, analytics.received),
            td_string!(l, analytics.fulfilled),
            td_string!(l, analytics.refused),
            td_string!(l, analytics.sla_share),
            td_string!(l, analytics.backlog),
        ],
        rows,
    )
}
