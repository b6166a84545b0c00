//! `/staff/admin/partners`: partner systems of the institution (portfolio owners and
//! administrators). A new partner gets a key for chosen services, shown once (a plain form
//! post, `server/partners.rs`, leaves it in the one-time notice cookie); the key lets the
//! partner use Open311 and the API and register webhooks. Deliveries that gave up wait in
//! the dead-letter list until someone sends them again.

use super::common::{ErrorNotice, TextInput};
use super::profile::take_notice;
use super::staff::RequireStaff;
use crate::error::AppError;
use crate::fns::partners::{RetryDelivery, RevokePartner, get_partners};
use crate::i18n::*;
use crate::model::{PartnersPage, ProfileNotice};
use leptos::prelude::*;
use leptos_i18n::{t, t_string};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn PartnersPage() -> impl IntoView {
    view! { <RequireStaff signed_in=|user| view! { <Partners user_id=user.id /> } /> }
}

#[component]
fn Partners(user_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let notice = take_notice(user_id);
    let saved = use_query_map().read_untracked().get("saved").is_some();
    let data = Resource::new(|| (), |_| get_partners());
    let (created, refused) = match notice {
        Some(ProfileNotice::PartnerCreated { name, key }) => (Some((name, key)), None),
        Some(ProfileNotice::PartnerRefused(e)) => (None, Some(e)),
        _ => (None, None),
    };
    view! {
        <Title text=t_string!(i18n, partners.title).to_string() />
        <h1>{t!(i18n, partners.title)}</h1>
        <p>{t!(i18n, partners.intro)}</p>
        {saved.then(|| view! { <div class="notice ok" role="status"><p>{t!(i18n, partners.saved)}</p></div> })}
        {created.map(|(name, key)| view! {
            <div class="notice ok" role="status">
                <p>{t!(i18n, partners.key_once, name = name)}</p>
                <p><code data-testid="partner-key">{key}</code></p>
            </div>
        })}
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let refused = refused.clone();
                Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(p) => view! { <PartnersBody p=p refused=refused /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn PartnersBody(p: PartnersPage, refused: Option<AppError>) -> impl IntoView {
    let i18n = use_i18n();
    let revoke = ServerAction::<RevokePartner>::new();
    let retry = ServerAction::<RetryDelivery>::new();
    let errors = match &refused {
        Some(AppError::Invalid(f)) => f.clone(),
        _ => Default::default(),
    };
    let err = move |name: &str| {
        let e = errors.get(name).cloned();
        Signal::derive(move || e.clone())
    };
    let services = p
        .services
        .iter()
        .map(|(code, name)| {
            view! {
                <label class="choice">
                    <input type="checkbox" name="services" value=code.clone() />
                    " " {name.clone()} " (" {code.clone()} ")"
                </label>
            }
        })
        .collect_view();
    let none = t_string!(i18n, common.none).to_string();
    let partners = p
        .partners
        .clone()
        .into_iter()
        .map(|x| {
            let none = none.clone();
            let hooks = x
                .webhooks
                .clone()
                .into_iter()
                .map(|w| {
                    view! {
                        <li>
                            <code>{w.url.clone()}</code> " — " {w.events.join(", ")} " — " {w.services.join(", ")}
                        </li>
                    }
                })
                .collect_view();
            let label = format!("{} {}", t_string!(i18n, partners.revoke), x.name);
            view! {
                <tr>
                    <th scope="row">{x.name.clone()}</th>
                    <td><code>{format!("{}…", x.key_hint)}</code></td>
                    <td>{x.services.join(", ")}</td>
                    <td>{x.created_text.clone()}</td>
                    <td>{x.last_used_text.clone().unwrap_or_else(|| none.clone())}</td>
                    <td>
                        {if x.webhooks.is_empty() {
                            view! { <span>{none.clone()}</span> }.into_any()
                        } else {
                            view! { <ul>{hooks}</ul> }.into_any()
                        }}
                    </td>
                    <td>
                        {if x.revoked {
                            view! { <span>{t!(i18n, partners.revoked)}</span> }.into_any()
                        } else {
                            view! {
                                <ActionForm action=revoke attr:class="inline">
                                    <input type="hidden" name="id" value=x.id.to_string() />
                                    <button type="submit" class="button" aria-label=label>{t!(i18n, partners.revoke)}</button>
                                </ActionForm>
                            }.into_any()
                        }}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let dead = p
        .dead_letters
        .clone()
        .into_iter()
        .map(|d| {
            view! {
                <tr>
                    <th scope="row">{d.created_text.clone()}</th>
                    <td>{d.partner.clone()}</td>
                    <td><code>{d.event.clone()}</code><br /><code>{d.event_id.clone()}</code></td>
                    <td>{d.reference.clone().unwrap_or_default()}</td>
                    <td>{d.attempts}</td>
                    <td>{d.last_error.clone().unwrap_or_default()}</td>
                    <td>
                        <ActionForm action=retry attr:class="inline">
                            <input type="hidden" name="id" value=d.id.to_string() />
                            <button type="submit" class="button">{t!(i18n, partners.retry)}</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let no_dead = p.dead_letters.is_empty();
    view! {
        {move || revoke.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice error=e /> })}
        {move || retry.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice error=e /> })}
        <h2 id="list-h">{t!(i18n, partners.list)}</h2>
        {if p.partners.is_empty() {
            view! { <p>{t!(i18n, partners.empty)}</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap" role="region" aria-labelledby="list-h" tabindex="0">
                    <table data-testid="partners">
                        <thead><tr>
                            <th scope="col">{t!(i18n, partners.name)}</th>
                            <th scope="col">{t!(i18n, partners.key)}</th>
                            <th scope="col">{t!(i18n, partners.services)}</th>
                            <th scope="col">{t!(i18n, partners.created)}</th>
                            <th scope="col">{t!(i18n, partners.last_used)}</th>
                            <th scope="col">{t!(i18n, partners.webhooks)}</th>
                            <th scope="col"><span class="visually-hidden">{t!(i18n, partners.actions)}</span></th>
                        </tr></thead>
                        <tbody>{partners}</tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <h2 id="new-h">{t!(i18n, partners.new_partner)}</h2>
        {refused.clone().filter(|e| !matches!(e, AppError::Invalid(_))).map(|e| view! { <ErrorNotice error=e /> })}
        <form method="post" action="/staff/admin/partners" aria-labelledby="new-h">
            <TextInput name="name".into() label=t_string!(i18n, partners.name).to_string() required=true
                autocomplete="off" error=err("name") />
            <fieldset aria-describedby=err("services").get_untracked().map(|_| "services-error")>
                <legend>{t!(i18n, partners.services)}</legend>
                {err("services").get_untracked().map(|e| view! {
                    <p class="field-error" id="services-error">{crate::i18n_text::field_error(i18n.get_locale_untracked(), &e)}</p>
                })}
                {services}
            </fieldset>
            <button type="submit" class="button primary">{t!(i18n, partners.create)}</button>
        </form>
        <h2 id="dead-h">{t!(i18n, partners.dead_letters)}</h2>
        <p>{t!(i18n, partners.dead_intro)}</p>
        {if no_dead {
            view! { <p data-testid="no-dead-letters">{t!(i18n, partners.no_dead)}</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap" role="region" aria-labelledby="dead-h" tabindex="0">
                    <table data-testid="dead-letters">
                        <thead><tr>
                            <th scope="col">{t!(i18n, partners.created)}</th>
                            <th scope="col">{t!(i18n, partners.name)}</th>
                            <th scope="col">{t!(i18n, partners.event)}</th>
                            <th scope="col">{t!(i18n, partners.reference)}</th>
                            <th scope="col">{t!(i18n, partners.attempts)}</th>
                            <th scope="col">{t!(i18n, partners.last_error)}</th>
                            <th scope="col"><span class="visually-hidden">{t!(i18n, partners.actions)}</span></th>
                        </tr></thead>
                        <tbody>{dead}</tbody>
                    </table>
                </div>
            }.into_any()
        }}
    }
}
