//! The dashboard's building blocks: captioned data tables, SVG column and bar charts (each
//! bar a keyboard stop whose accessible name carries its values), CSV links.

use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::td_string;

/// A "Download CSV" link.
pub(super) fn csv_link(href: String, l: Locale) -> impl IntoView {
    view! { <p><a href=href download>{td_string!(l, analytics.csv)}</a></p> }
}

/// A table with a caption; the first cell of each row is its header.
pub(super) fn data_table(
    id: &'static str,
    caption: String,
    head: Vec<&'static str>,
    rows: Vec<Vec<AnyView>>,
) -> impl IntoView {
    view! {
        <div class="table-wrap" role="region" aria-labelledby=id tabindex="0">
            <table>
                <caption id=id>{caption}</caption>
                <thead><tr>{head.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| view! {
                        <tr>
                            {row.into_iter().enumerate().map(|(i, cell)| if i == 0 {
                                view! { <th scope="row">{cell}</th> }.into_any()
                            } else {
                                view! { <td>{cell}</td> }.into_any()
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

pub(super) fn text(s: impl Into<String>) -> AnyView {
    s.into().into_any()
}

/// Columns side by side per step (months, weeks, buckets), one colour per series. Each
/// step is one keyboard stop named with its label and values.
pub(super) fn column_chart(
    name: &'static str,
    series: &[(&'static str, &'static str)],
    points: Vec<(String, Vec<i64>)>,
) -> impl IntoView {
    let n = points.len().max(1);
    let max = points
        .iter()
        .flat_map(|p| p.1.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let (w, h, pad) = (640.0_f64, 220.0_f64, 28.0_f64);
    let slot = (w - pad) / n as f64;
    let bar = (slot * 0.76 / series.len().max(1) as f64).max(1.0);
    let every = n / 12 + 1;
    let series = series.to_vec();
    let steps = points
        .into_iter()
        .enumerate()
        .map(|(i, (label, values))| {
            let x = pad + i as f64 * slot + slot * 0.1;
            let described: Vec<String> = series
                .iter()
                .zip(&values)
                .map(|((s, _), v)| format!("{s} {v}"))
                .collect();
            let aria = format!("{label}: {}", described.join(", "));
            let bars = series
                .iter()
                .zip(values)
                .enumerate()
                .map(|(k, ((_, class), v))| {
                    let bh = v as f64 / max as f64 * (h - 10.0);
                    view! {
                        <rect x=format!("{:.1}", x + k as f64 * bar) y=format!("{:.1}", h - bh)
                            width=format!("{bar:.1}") height=format!("{bh:.1}") class=format!("bar {class}") />
                    }
                })
                .collect_view();
            let tick = (n <= 12 || i % every == 0).then(|| {
                view! { <text x=format!("{x:.1}") y=format!("{}", h + 16.0) class="tick" aria-hidden="true">{label.clone()}</text> }
            });
            view! {
                <g class="step" tabindex="0" role="img" aria-label=aria>
                    <rect class="ring" x=format!("{:.1}", x - slot * 0.05) y="0"
                        width=format!("{:.1}", slot * 0.9) height=format!("{h}") />
                    {bars}
                </g>
                {tick}
            }
        })
        .collect_view();
    view! {
        <svg viewBox=format!("0 0 {w} {}", h + 24.0) class="chart" role="group" aria-label=name
            preserveAspectRatio="none">
            <g aria-hidden="true">
                <line x1=format!("{pad}") y1=format!("{h}") x2=format!("{w}") y2=format!("{h}") class="axis" />
                <text x="0" y="12" class="tick">{max}</text>
                <text x="0" y=format!("{h}") class="tick">"0"</text>
            </g>
            {steps}
        </svg>
    }
}

/// The colour key of a column chart.
pub(super) fn legend(series: &[(&'static str, &'static str)]) -> impl IntoView {
    view! {
        <p class="legend">
            {series.iter().map(|(name, class)| view! {
                <span class=format!("key {class}")></span> " " {*name} " "
            }).collect_view()}
        </p>
    }
}

/// Horizontal bars for a breakdown, one keyboard stop per bar; the table that follows has
/// the same numbers.
pub(super) fn bar_chart(name: &'static str, items: Vec<(String, i64)>) -> impl IntoView {
    if items.is_empty() {
        return ().into_any();
    }
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    let row = 22.0_f64;
    let (label_w, w) = (220.0_f64, 640.0_f64);
    let height = row * items.len() as f64 + 4.0;
    let rows = items
        .into_iter()
        .enumerate()
        .map(|(i, (label, n))| {
            let y = i as f64 * row + 2.0;
            let len = n as f64 / max as f64 * (w - label_w - 50.0);
            let short: String = label.chars().take(30).collect();
            view! {
                <g class="step" tabindex="0" role="img" aria-label=format!("{label}: {n}")>
                    <rect class="ring" x="0" y=format!("{y:.1}") width=format!("{w}") height=format!("{:.1}", row - 4.0) />
                    <text x="0" y=format!("{:.1}", y + 14.0) class="tick">{short}</text>
                    <rect x=format!("{label_w}") y=format!("{y:.1}") width=format!("{len:.1}")
                        height=format!("{:.1}", row - 6.0) class="bar received" />
                    <text x=format!("{:.1}", label_w + len + 4.0) y=format!("{:.1}", y + 14.0) class="tick">{n}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg viewBox=format!("0 0 {w} {height}") class="chart bars" role="group" aria-label=name>
            {rows}
        </svg>
    }
    .into_any()
}
