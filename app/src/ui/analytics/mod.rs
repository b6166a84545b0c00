//! The analytics dashboard for managers (`/staff/analytics`) and the requests behind a
//! figure (`/staff/analytics/requests`).
//!
//! Both pages are one island, `AnalyticsIsland`. On the server it renders the page whole
//! (so it works without JavaScript: the filters are a GET form and every view is a URL).
//! In the browser it takes over the filter form and the links between views: it calls the
//! server functions in `fns/analytics.rs`, keeps the URL in step with `history.pushState`,
//! follows back and forward (`popstate`), and shows the previous figures until the new
//! ones arrive. Charts are inline SVG with the same numbers in a table beside them; each
//! bar is a keyboard stop whose accessible name carries its value.

mod charts;

use super::common::ErrorNotice;
use super::islands::IslandScripts;
use super::staff::RequireStaff;
use crate::domain::analytics::Scope;
use crate::error::AppError;
use crate::fns::analytics::{
    AnalyticsQuery, AnalyticsView, FigureList, LeadBucket, figure_label, figure_rows,
    get_analytics, get_figure_requests, lead_rows, pct, summary_text,
};
use crate::i18n::*;
use crate::i18n_text;
use crate::model::{AnalyticsSummary, Breakdown};
use charts::{bar_chart, column_chart, csv_link, data_table, legend, text};
use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_meta::Title;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

/// What the dashboard island shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Shown {
    Dashboard(Box<AnalyticsView>),
    Figure(FigureList),
    Failed(AppError),
}

/// The figures or the list a query asks for.
async fn load(q: AnalyticsQuery) -> Shown {
    let AnalyticsQuery {
        figure,
        scope,
        from,
        to,
    } = q;
    match figure {
        Some(figure) => match get_figure_requests(figure, scope, from, to).await {
            Ok(list) => Shown::Figure(list),
            Err(e) => Shown::Failed(e),
        },
        None => match get_analytics(scope, from, to).await {
            Ok(v) => Shown::Dashboard(Box::new(v)),
            Err(e) => Shown::Failed(e),
        },
    }
}

/// The page title of what is shown.
fn title_of(shown: &Shown, l: Locale) -> String {
    match shown {
        Shown::Figure(list) => format!(
            "{}: {}",
            td_string!(l, analytics.requests_title),
            figure_label(&list.figure, l)
        ),
        _ => td_string!(l, analytics.title).to_string(),
    }
}

#[component]
pub fn AnalyticsPage() -> impl IntoView {
    view! { <RequireStaff signed_in=|_user| view! { <AnalyticsLoader /> } /> }
}

#[component]
pub fn AnalyticsRequestsPage() -> impl IntoView {
    view! { <RequireStaff signed_in=|_user| view! { <AnalyticsLoader /> } /> }
}

/// Reads the page's URL, loads what it asks for and hands it to the island.
#[component]
fn AnalyticsLoader() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let query = Memo::new(move |_| {
        AnalyticsQuery::from_location(&location.pathname.get(), &location.search.get())
    });
    let data = Resource::new(move || query.get(), load);
    view! {
        <Suspense fallback=move || view! { <p>{td_string!(i18n.get_locale_untracked(), common.loading)}</p> }>
            {move || Suspend::new(async move {
                let shown = data.await;
                #[cfg(feature = "ssr")]
                if let Shown::Failed(e) = &shown
                    && let Some(resp) = use_context::<leptos_axum::ResponseOptions>()
                {
                    resp.set_status(
                        axum::http::StatusCode::from_u16(e.status())
                            .unwrap_or(axum::http::StatusCode::BAD_REQUEST),
                    );
                }
                let title = title_of(&shown, i18n.get_locale_untracked());
                view! {
                    <Title text=title />
                    <AnalyticsIsland query=query.get_untracked() initial=shown />
                    <IslandScripts />
                }
            })}
        </Suspense>
    }
}

/// The island's state and how it moves to another view.
#[derive(Clone, Copy)]
struct Nav {
    current: RwSignal<(AnalyticsQuery, Shown)>,
    busy: RwSignal<bool>,
    updated: RwSignal<bool>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    locale: Locale,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    seq: StoredValue<u64>,
}

impl Nav {
    /// Show `q` in place: the URL changes at once (`push`; not when following back or
    /// forward), the figures when they arrive. An answer overtaken by a later request is
    /// dropped. After a link (`focus`), focus moves to the new heading, as after a page
    /// load; after the form it stays on the form.
    fn go(self, q: AnalyticsQuery, push: bool, focus: bool) {
        #[cfg(feature = "hydrate")]
        {
            if push && let Ok(history) = window().history() {
                let _ = history.push_state_with_url(
                    &leptos::wasm_bindgen::JsValue::NULL,
                    "",
                    Some(&q.url()),
                );
            }
            let n = self.seq.get_value() + 1;
            self.seq.set_value(n);
            self.busy.set(true);
            self.updated.set(false);
            leptos::task::spawn_local(async move {
                let shown = load(q.clone()).await;
                if self.seq.get_value() != n {
                    return;
                }
                document().set_title(&format!("{} · Taka", title_of(&shown, self.locale)));
                self.current.set((q, shown));
                self.busy.set(false);
                self.updated.set(true);
                if focus {
                    request_animation_frame(|| {
                        use leptos::wasm_bindgen::JsCast;
                        if let Ok(Some(h)) = document().query_selector(".analytics h1")
                            && let Ok(h) = h.dyn_into::<leptos::web_sys::HtmlElement>()
                        {
                            let _ = h.focus();
                        }
                    });
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (self, q, push, focus);
    }
}

/// The dashboard, or the requests behind one of its figures, updated in place.
#[island(lazy)]
pub fn AnalyticsIsland(query: AnalyticsQuery, initial: Shown) -> impl IntoView {
    crate::ui::islands::island_i18n();
    let i18n = use_i18n();
    let nav = Nav {
        current: RwSignal::new((query, initial)),
        busy: RwSignal::new(false),
        updated: RwSignal::new(false),
        locale: i18n.get_locale_untracked(),
        seq: StoredValue::new(0),
    };
    provide_context(nav);
    #[cfg(feature = "hydrate")]
    {
        // Back and forward: show the view of the URL the browser went to.
        let handle = window_event_listener(leptos::ev::popstate, move |_| {
            let loc = window().location();
            let q = AnalyticsQuery::from_location(
                &loc.pathname().unwrap_or_default(),
                &loc.search().unwrap_or_default(),
            );
            // A change of the hash alone (the skip link) shows the same view.
            if nav.current.with_untracked(|(current, _)| *current != q) {
                nav.go(q, false, false);
            }
        });
        on_cleanup(move || handle.remove());
    }
    let l = i18n.get_locale_untracked();
    let status = move || {
        if nav.busy.get() {
            td_string!(l, analytics.updating)
        } else if nav.updated.get() {
            td_string!(l, analytics.updated)
        } else {
            ""
        }
    };
    view! {
        <div class="analytics" aria-busy=move || nav.busy.get().to_string()>
            <p class="an-status" role="status" aria-live="polite">{status}</p>
            {move || nav.current.with(|(_, shown)| head(shown, l))}
            <FilterForm />
            {move || nav.current.with(|(q, shown)| body(q, shown, l))}
        </div>
    }
}

/// A link to another view of the dashboard: a plain link without JavaScript, shown in
/// place with it (unless opened in a new tab or window).
#[component]
fn Go(to: AnalyticsQuery, children: Children) -> impl IntoView {
    let nav = use_context::<Nav>();
    let href = to.url();
    view! {
        <a href=href on:click=move |ev: leptos::ev::MouseEvent| {
            if ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key() || ev.button() != 0 {
                return;
            }
            if let Some(nav) = nav {
                ev.prevent_default();
                nav.go(to.clone(), true, true);
            }
        }>{children()}</a>
    }
}

/// The period filter: a GET form (works without JavaScript), submitted in place with it.
/// It stays on the page while the figures change, so focus stays on its button.
#[component]
fn FilterForm() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let nav = use_context::<Nav>().expect("analytics island");
    let value = move |pick: fn(&AnalyticsQuery, &Shown) -> String| {
        move || nav.current.with(|(q, s)| pick(q, s))
    };
    let scope = value(|q, s| match s {
        Shown::Dashboard(v) => v.summary.scope.to_string(),
        _ => q.scope.clone().unwrap_or_default(),
    });
    let from = value(|q, s| match s {
        Shown::Dashboard(v) => v.summary.from.clone(),
        _ => q.from.clone().unwrap_or_default(),
    });
    let to = value(|q, s| match s {
        Shown::Dashboard(v) => v.summary.to.clone(),
        _ => q.to.clone().unwrap_or_default(),
    });
    let hidden = move || nav.current.with(|(q, _)| q.figure.is_some());
    let from_input = NodeRef::<leptos::html::Input>::new();
    let to_input = NodeRef::<leptos::html::Input>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        let (Some(f), Some(t)) = (from_input.get_untracked(), to_input.get_untracked()) else {
            return;
        };
        ev.prevent_default();
        let q = AnalyticsQuery {
            figure: None,
            scope: Some(scope()).filter(|s| !s.is_empty()),
            from: Some(f.value()),
            to: Some(t.value()),
        };
        nav.go(q, true, false);
    };
    view! {
        <form method="get" action="/staff/analytics" class="filters" hidden=hidden on:submit=on_submit>
            <fieldset>
                <legend>{td_string!(l, analytics.period)}</legend>
                <input type="hidden" name="scope" value=scope prop:value=scope />
                <div class="field">
                    <label for="an-from">{td_string!(l, analytics.from)}</label>
                    <input type="date" id="an-from" name="from" required node_ref=from_input
                        value=from prop:value=from />
                </div>
                <div class="field">
                    <label for="an-to">{td_string!(l, analytics.to)}</label>
                    <input type="date" id="an-to" name="to" required node_ref=to_input
                        value=to prop:value=to />
                </div>
                <button type="submit" class="button">{td_string!(l, staff.apply)}</button>
            </fieldset>
        </form>
    }
}

/// The heading and what comes before the filters.
fn head(shown: &Shown, l: Locale) -> AnyView {
    match shown {
        Shown::Dashboard(v) => {
            let s = &v.summary;
            view! {
                <h1 tabindex="-1">{td_string!(l, analytics.title)} " " <small>{s.scope_name.clone()}</small></h1>
                <p class="lead">
                    {td_string!(l, analytics.period)} " " {s.from.clone()} " – " {s.to.clone()}
                    " (" {td_string!(l, analytics.compared)} " " {s.previous_from.clone()} " – "
                    {s.previous_to.clone()} ")"
                </p>
                {v.wider.clone().map(|w| view! {
                    <p><Go to=AnalyticsQuery::dashboard(&w, &s.from, &s.to)>"↑ " {td_string!(l, analytics.up)}</Go></p>
                })}
            }
            .into_any()
        }
        Shown::Figure(list) => {
            let label = figure_label(&list.figure, l);
            view! {
                <h1 tabindex="-1">{td_string!(l, analytics.requests_title)} ": " {label}</h1>
                <p class="lead">
                    {td_string!(l, analytics.period)} " " {list.from.clone()} " – " {list.to.clone()} ". "
                    {td_string!(l, analytics.list_count, total = list.total, shown = list.items.len())}
                </p>
            }
            .into_any()
        }
        Shown::Failed(e) => {
            let fields: Vec<(String, String)> = e
                .field_errors()
                .map(|f| {
                    f.iter()
                        .map(|(k, v)| (k.clone(), i18n_text::field_error(l, v)))
                        .collect()
                })
                .unwrap_or_default();
            view! {
                <h1 tabindex="-1">{td_string!(l, analytics.title)}</h1>
                <ErrorNotice error=e.clone() />
                {(!fields.is_empty()).then(|| view! {
                    <ul class="errors">
                        {fields.into_iter().map(|(k, v)| view! { <li>{k} ": " {v}</li> }).collect_view()}
                    </ul>
                })}
            }
            .into_any()
        }
    }
}

/// Everything after the filters.
fn body(q: &AnalyticsQuery, shown: &Shown, l: Locale) -> AnyView {
    match shown {
        Shown::Dashboard(v) => dashboard(v, l),
        Shown::Figure(list) => figure_list(q, list, l),
        Shown::Failed(_) => ().into_any(),
    }
}

/// The whole dashboard below the filters.
fn dashboard(v: &AnalyticsView, l: Locale) -> AnyView {
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
                text(p.received.to_string()),
                text(p.fulfilled.to_string()),
                text(p.refused.to_string()),
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
                text(p.received.to_string()),
                text(p.fulfilled.to_string()),
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
                text(b.decide.to_string()),
                text(b.total.to_string()),
            ]
        })
        .collect();
    let channel_rows = s
        .channels
        .iter()
        .map(|(c, n)| {
            vec![
                text(i18n_text::channel(l, *c)),
                text(n.to_string()),
                text(pct(*n, s.current.received, l)),
            ]
        })
        .collect();
    let status_rows = s
        .statuses
        .iter()
        .map(|(st, n)| vec![text(i18n_text::status(l, *st)), text(n.to_string())])
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
                text(p.counts.fulfilled.to_string()),
                text(p.counts.refused.to_string()),
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

/// The requests behind a figure, with a CSV of all of them and the way back.
fn figure_list(q: &AnalyticsQuery, list: &FigureList, l: Locale) -> AnyView {
    let label = figure_label(&list.figure, l);
    let back = AnalyticsQuery {
        figure: None,
        scope: q.scope.clone(),
        from: Some(list.from.clone()),
        to: Some(list.to.clone()),
    };
    let csv = format!(
        "/staff/analytics.csv?table=requests&figure={}&scope={}&from={}&to={}",
        urlencoding::encode(&list.figure),
        urlencoding::encode(q.scope.as_deref().unwrap_or("")),
        urlencoding::encode(&list.from),
        urlencoding::encode(&list.to)
    );
    let rows = list
        .items
        .iter()
        .map(|r| {
            let reference = if r.can_open {
                view! { <a href=format!("/staff/requests/{}", r.reference)>{r.reference.clone()}</a> }
                    .into_any()
            } else {
                text(r.reference.clone())
            };
            vec![
                reference,
                text(r.service_name.clone()),
                text(r.institution_code.clone()),
                text(i18n_text::channel(l, r.channel)),
                text(i18n_text::status(l, r.status)),
                text(r.submitted_on.clone()),
                text(r.event_on.clone()),
            ]
        })
        .collect();
    view! {
        <p>
            <a href=csv download>{td_string!(l, analytics.csv)}</a>
            " · "
            <Go to=back>{td_string!(l, analytics.back)}</Go>
        </p>
        {data_table("an-list", label.to_string(), vec![
            td_string!(l, staff.col_reference),
            td_string!(l, staff.col_service),
            td_string!(l, analytics.institution),
            td_string!(l, analytics.channel),
            td_string!(l, analytics.status),
            td_string!(l, staff.col_submitted),
            td_string!(l, analytics.event_date),
        ], rows)}
    }
    .into_any()
}
