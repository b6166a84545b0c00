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
mod dashboard;

use super::common::ErrorNotice;
use super::islands::IslandScripts;
use super::staff::RequireStaff;
use crate::error::AppError;
use crate::fns::analytics::{
    AnalyticsQuery, AnalyticsView, FigureList, figure_label, figure_list_head, get_analytics,
    get_figure_requests,
};
use crate::i18n::*;
use crate::i18n_text;
use charts::{data_table, text};
use dashboard::dashboard;
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
            keep_language_links(&q.url());
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

/// The language links (rendered on the server, outside the island) come back to the page
/// they were rendered for; after an in-place change they must come back to `url` instead.
#[cfg(feature = "hydrate")]
fn keep_language_links(url: &str) {
    use leptos::wasm_bindgen::JsCast;
    let Ok(links) = document().query_selector_all("nav.lang a[hreflang]") else {
        return;
    };
    for i in 0..links.length() {
        if let Some(a) = links
            .item(i)
            .and_then(|n| n.dyn_into::<leptos::web_sys::Element>().ok())
            && let Some(lang) = a.get_attribute("hreflang")
        {
            let href = format!("/lang/{lang}?back={}", urlencoding::encode(url));
            let _ = a.set_attribute("href", &href);
        }
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
    // Set once the island runs in the browser (tests wait for it before acting).
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    view! {
        <div class="analytics" aria-busy=move || nav.busy.get().to_string() data-live=move || live.get().then_some("")>
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
                    {td_string!(l, analytics.list_count, count = list.total, shown = list.items.len())}
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
                text(i18n_text::iso_date(l, &r.submitted_on)),
                text(i18n_text::iso_date(l, &r.event_on)),
            ]
        })
        .collect();
    view! {
        <p>
            <a href=csv download>{td_string!(l, analytics.csv)}</a>
            " · "
            <Go to=back>{td_string!(l, analytics.back)}</Go>
        </p>
        {data_table("an-list", label.to_string(), figure_list_head(l), rows)}
    }
    .into_any()
}
