//! `/staff/admin/services/:code/versions`: the published versions and what changed between
//! two of them (or the draft); `/staff/admin/services/:code/preview`: the draft as the
//! citizen will see it, its form included (sending is off).

use crate::domain::service_draft::Change;
use crate::fns::editor::{get_service_preview, get_service_versions};
use crate::i18n::*;
use crate::model::VersionsView;
use crate::ui::citizen::ServiceArticle;
use crate::ui::common::{ErrorNotice, SchemaField};
use crate::ui::request_form::condition_text;
use crate::ui::staff::RequireStaff;
use leptos::prelude::*;
use leptos_i18n::{t, t_string, td_string};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn VersionsPage() -> impl IntoView {
    view! { <RequireStaff signed_in=|_user| view! { <Versions /> } /> }
}

#[component]
fn Versions() -> impl IntoView {
    let i18n = use_i18n();
    let code = use_params_map()
        .read_untracked()
        .get("code")
        .unwrap_or_default();
    let q = use_query_map().read_untracked().clone();
    let from = q.get("from").and_then(|s| s.parse().ok());
    let to = q.get("to").and_then(|s| s.parse().ok());
    let data = Resource::new(
        move || (code.clone(), from, to),
        |(code, from, to)| get_service_versions(code, from, to),
    );
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(v) => view! { <VersionsBody v=v /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn VersionsBody(v: VersionsView) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let title = format!("{} · {}", v.name, td_string!(l, editor.versions));
    let side = |n: i64| {
        if n == 0 {
            td_string!(l, editor.draft).to_string()
        } else {
            td_string!(l, editor.version_n, n = n)
        }
    };
    let choices = |name: &'static str, chosen: i64| {
        let mut opts: Vec<i64> = v.versions.iter().map(|r| r.version).collect();
        if v.changed {
            opts.insert(0, 0);
        }
        view! {
            <select id=format!("v-{name}") name=name>
                {opts.into_iter().map(|n| view! { <option value=n.to_string() selected=n == chosen>{side(n)}</option> }).collect_view()}
            </select>
        }
    };
    let caption = td_string!(
        l,
        editor.changes_between,
        from = side(v.from),
        to = side(v.to)
    );
    view! {
        <Title text=title.clone() />
        <h1>{title.clone()}</h1>
        <div class="table-wrap" role="region" aria-labelledby="ver-cap" tabindex="0">
            <table data-testid="versions">
                <caption id="ver-cap">{t!(i18n, editor.versions_caption)}</caption>
                <thead><tr>
                    <th scope="col">{t!(i18n, editor.version)}</th>
                    <th scope="col">{t!(i18n, editor.published_at)}</th>
                    <th scope="col">{t!(i18n, editor.published_by)}</th>
                </tr></thead>
                <tbody>
                    {v.versions.iter().map(|r| view! {
                        <tr>
                            <th scope="row">{r.version}</th>
                            <td>{r.published_at_text.clone()}</td>
                            <td>{r.published_by.clone().unwrap_or_else(|| td_string!(l, admin.actor_cli).to_string())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <h2>{t!(i18n, editor.compare)}</h2>
        <form method="get" class="filters">
            <div class="field">
                <label for="v-from">{t!(i18n, editor.compare_from)}</label>
                {choices("from", v.from)}
            </div>
            <div class="field">
                <label for="v-to">{t!(i18n, editor.compare_to)}</label>
                {choices("to", v.to)}
            </div>
            <button type="submit" class="button">{t!(i18n, editor.compare_button)}</button>
        </form>
        {v.fields_only.then(|| view! { <p class="hint">{t!(i18n, editor.fields_only)}</p> })}
        {if v.changes.is_empty() {
            view! { <p data-testid="no-changes">{t!(i18n, editor.no_differences)}</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap" role="region" aria-labelledby="diff-cap" tabindex="0">
                    <table data-testid="diff">
                        <caption id="diff-cap">{caption}</caption>
                        <thead><tr>
                            <th scope="col">{t!(i18n, editor.what)}</th>
                            <th scope="col">{t!(i18n, editor.how)}</th>
                            <th scope="col">{t!(i18n, admin.before)}</th>
                            <th scope="col">{t!(i18n, admin.after)}</th>
                        </tr></thead>
                        <tbody>{v.changes.into_iter().map(|c| view! { <ChangeRow c=c /> }).collect_view()}</tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <p><a href=format!("/staff/admin/services/{}", v.code)>{t!(i18n, editor.back_to_service)}</a></p>
    }
}

#[component]
fn ChangeRow(c: Change) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let area = match c.area.as_str() {
        "field" => td_string!(l, editor.area_field),
        "text" => td_string!(l, editor.area_text),
        "targets" => td_string!(l, editor.targets),
        "life_situations" => td_string!(l, editor.situations),
        "calendar" => td_string!(l, editor.calendar),
        "location" => td_string!(l, editor.asks_location),
        _ => td_string!(l, editor.automation),
    };
    let how = match c.what.as_str() {
        "added" => td_string!(l, editor.added),
        "removed" => td_string!(l, editor.removed),
        "moved" => td_string!(l, editor.moved),
        _ => td_string!(l, editor.changed),
    };
    view! {
        <tr>
            <th scope="row">{format!("{area}: {}", c.key)}</th>
            <td>{how}</td>
            <td><code class="wrap">{c.before}</code></td>
            <td><code class="wrap">{c.after}</code></td>
        </tr>
    }
}

#[component]
pub fn PreviewPage() -> impl IntoView {
    view! { <RequireStaff signed_in=|_user| view! { <Preview /> } /> }
}

#[component]
fn Preview() -> impl IntoView {
    let i18n = use_i18n();
    let code = use_params_map()
        .read_untracked()
        .get("code")
        .unwrap_or_default();
    let data = Resource::new(move || code.clone(), get_service_preview);
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(s) => {
                        let back = format!("/staff/admin/services/{}", s.code);
                        let fields = s.fields.clone();
                        let title = format!("{} · {}", t_string!(i18n, editor.preview), s.name);
                        view! {
                            <Title text=title />
                            <div class="notice" role="note"><p>{t!(i18n, editor.preview_note)}</p></div>
                            <ServiceArticle s=s apply=false />
                            <h2>{t!(i18n, service.details)}</h2>
                            <form class="request-form" data-testid="preview-form">
                                <fieldset>
                                    <legend>{t!(i18n, service.details)}</legend>
                                    {fields.iter().cloned().map(|spec| {
                                        let condition = spec.show_if.as_ref().and_then(|c| condition_text(&fields, c));
                                        view! { <SchemaField spec=spec error=Signal::derive(|| None) condition=condition /> }
                                    }).collect_view()}
                                </fieldset>
                                <button type="submit" class="button primary" disabled=true>{t!(i18n, service.submit)}</button>
                            </form>
                            <p><a href=back>{t!(i18n, editor.back_to_service)}</a></p>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
