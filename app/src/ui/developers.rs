//! `/developers`: the JSON API's reference, read from its OpenAPI document on the server.
//! A reading page: no WASM. The API's own descriptions are in English (marked `lang="en"`);
//! the page around them is in the reader's language.

use crate::error::AppError;
use crate::i18n::*;
use crate::model::{ApiFieldDoc, ApiOperationDoc, ApiReference, ApiSchemaDoc, ApiType};
use crate::ui::common::ErrorNotice;
use leptos::prelude::*;
use leptos_i18n::{t, t_string};
use leptos_meta::Title;

/// The reference of the JSON API, from its OpenAPI document.
#[server(prefix = "/fn", endpoint = "api_reference")]
pub async fn get_api_reference() -> Result<ApiReference, AppError> {
    Ok(crate::server::api::reference())
}

#[component]
pub fn DevelopersPage() -> impl IntoView {
    let i18n = use_i18n();
    let reference = Resource::new(|| (), |_| get_api_reference());
    view! {
        <Title text=t_string!(i18n, developers.title).to_string() />
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match reference.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(r) => view! { <Reference r=r /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Reference(r: ApiReference) -> impl IntoView {
    let i18n = use_i18n();
    let contents = r
        .groups
        .iter()
        .map(|g| {
            let ops = g
                .operations
                .iter()
                .map(|o| {
                    view! {
                        <li><a href=format!("#op-{}", o.id)><code>{format!("{} {}", o.method, o.path)}</code></a></li>
                    }
                })
                .collect_view();
            view! { <li><span lang="en">{g.tag.clone()}</span><ul>{ops}</ul></li> }
        })
        .collect_view();
    let groups = r
        .groups
        .into_iter()
        .map(|g| {
            let ops = g
                .operations
                .into_iter()
                .map(|o| view! { <Operation op=o /> })
                .collect_view();
            view! {
                <section class="api-group" aria-labelledby=format!("tag-{}", g.tag)>
                    <h3 id=format!("tag-{}", g.tag) lang="en">{g.tag.clone()}</h3>
                    <p lang="en">{g.description}</p>
                    {ops}
                </section>
            }
        })
        .collect_view();
    let schemas = r
        .schemas
        .into_iter()
        .map(|s| view! { <Schema s=s /> })
        .collect_view();
    view! {
        <article class="developers">
            <h1>{t!(i18n, developers.title)}</h1>
            <p class="lead">{t!(i18n, developers.intro)}</p>
            <ul>
                <li><a href="/api/v1/openapi.json" type="application/json">{t!(i18n, developers.document)}</a></li>
                <li><a href="/open311/v2/discovery.json" type="application/json">{t!(i18n, developers.open311)}</a></li>
            </ul>
            <p>{t!(i18n, developers.in_english)}</p>
            <p lang="en">{r.description}</p>
            <dl class="facts">
                <dt>{t!(i18n, developers.version)}</dt><dd><code>{r.version}</code></dd>
                <dt>{t!(i18n, developers.base)}</dt><dd><code>{r.base}</code></dd>
            </dl>
            <nav aria-labelledby="api-contents">
                <h2 id="api-contents">{t!(i18n, developers.contents)}</h2>
                <ul>
                    {contents}
                    <li><a href="#api-schemas">{t!(i18n, developers.schemas)}</a></li>
                </ul>
            </nav>
            <h2>{t!(i18n, developers.operations)}</h2>
            {groups}
            <h2 id="api-schemas">{t!(i18n, developers.schemas)}</h2>
            {schemas}
        </article>
    }
}

/// A type, linked to its schema when it names one.
fn type_view(k: ApiType) -> AnyView {
    match k.schema {
        Some(name) => {
            view! { <a href=format!("#schema-{name}")><code>{k.text}</code></a> }.into_any()
        }
        None => view! { <code>{k.text}</code> }.into_any(),
    }
}

#[component]
fn Operation(op: ApiOperationDoc) -> impl IntoView {
    let i18n = use_i18n();
    let id = format!("op-{}", op.id);
    let auth = op
        .auth
        .iter()
        .map(|a| {
            let a = a.clone();
            view! {
                <li>{move || match a.as_str() {
                    "" => t_string!(i18n, developers.auth_anyone).to_string(),
                    "partner_key" => t_string!(i18n, developers.auth_partner_key).to_string(),
                    "staff_token" => t_string!(i18n, developers.auth_staff_token).to_string(),
                    other => other.to_string(),
                }}</li>
            }
        })
        .collect_view();
    let params_id = format!("{id}-params");
    let params = (!op.parameters.is_empty()).then(|| {
        view! {
            <FieldTable caption_id=params_id caption=t_string!(i18n, developers.parameters).to_string() fields=op.parameters with_location=true />
        }
    });
    let bodies = (!op.bodies.is_empty()).then(|| {
        let rows = op
            .bodies
            .into_iter()
            .map(|(media, kind)| view! { <dt><code>{media}</code></dt><dd>{type_view(kind)}</dd> })
            .collect_view();
        view! {
            <h5>{t!(i18n, developers.body)}</h5>
            <dl class="facts">{rows}</dl>
        }
    });
    let responses_id = format!("{id}-responses");
    let responses_label = responses_id.clone();
    let responses = op
        .responses
        .into_iter()
        .map(|r| {
            view! {
                <tr>
                    <th scope="row"><code>{r.status}</code></th>
                    <td lang="en">{r.description}</td>
                    <td>{r.kind.map(type_view)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="api-op" id=id.clone() aria-labelledby=format!("{id}-h")>
            <h4 id=format!("{id}-h")><code>{format!("{} {}", op.method, op.path)}</code></h4>
            <p lang="en">{op.summary}</p>
            {(!op.description.is_empty()).then(|| view! { <p lang="en">{op.description}</p> })}
            <h5>{t!(i18n, developers.auth)}</h5>
            <ul>{auth}</ul>
            {params}
            {bodies}
            <div class="table-wrap" role="region" aria-labelledby=responses_label tabindex="0">
                <table>
                    <caption id=responses_id>{t!(i18n, developers.responses)}</caption>
                    <thead><tr>
                        <th scope="col">{t!(i18n, developers.status)}</th>
                        <th scope="col">{t!(i18n, developers.description)}</th>
                        <th scope="col">{t!(i18n, developers.type_col)}</th>
                    </tr></thead>
                    <tbody>{responses}</tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn FieldTable(
    caption_id: String,
    caption: String,
    fields: Vec<ApiFieldDoc>,
    with_location: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let label = caption_id.clone();
    let rows = fields
        .into_iter()
        .map(|f| {
            view! {
                <tr>
                    <th scope="row"><code>{f.name}</code></th>
                    {with_location.then(|| view! { <td>{f.location}</td> })}
                    <td>{type_view(f.kind)}</td>
                    <td>{move || if f.required { t_string!(i18n, common.yes) } else { t_string!(i18n, common.no) }}</td>
                    <td lang="en">{f.description}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" role="region" aria-labelledby=label tabindex="0">
            <table>
                <caption id=caption_id>{caption}</caption>
                <thead><tr>
                    <th scope="col">{t!(i18n, developers.name)}</th>
                    {with_location.then(|| view! { <th scope="col">{t!(i18n, developers.location)}</th> })}
                    <th scope="col">{t!(i18n, developers.type_col)}</th>
                    <th scope="col">{t!(i18n, common.required)}</th>
                    <th scope="col">{t!(i18n, developers.description)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn Schema(s: ApiSchemaDoc) -> impl IntoView {
    let i18n = use_i18n();
    let id = format!("schema-{}", s.name);
    let body = if s.properties.is_empty() {
        view! { <p>{type_view(s.kind)}</p> }.into_any()
    } else {
        view! {
            <FieldTable caption_id=format!("{id}-props") caption=t_string!(i18n, developers.properties).to_string() fields=s.properties with_location=false />
        }
        .into_any()
    };
    view! {
        <section class="api-schema" id=id.clone() aria-labelledby=format!("{id}-h")>
            <h3 id=format!("{id}-h")><code>{s.name}</code></h3>
            {(!s.description.is_empty()).then(|| view! { <p lang="en">{s.description}</p> })}
            {body}
        </section>
    }
}
