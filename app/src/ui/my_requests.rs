//! "My requests" (`/my`): a signed-in requester's requests with what changed since they
//! last looked, claiming an anonymous one with its code, signing out. Not signed in, the
//! page says what signing in gives and links to the provider; a refused sign-in comes back
//! here with its reason. Rendered on the server; the claim form is a plain post.

use super::common::{ErrorNotice, StatusBadge, TextInput};
use super::islands::PostForm;
use crate::domain::signin::SignInRefusal;
use crate::error::AppError;
use crate::fns::requesters::{ClaimRequest, get_my_requests};
use crate::i18n::*;
use crate::model::MyRequests;
use leptos::prelude::*;
use leptos_i18n::{t, t_string, td_string};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The words for a refused sign-in.
fn refusal_text(l: Locale, r: SignInRefusal) -> String {
    match r {
        SignInRefusal::State => td_string!(l, my.refused_state),
        SignInRefusal::Denied => td_string!(l, my.refused_denied),
        SignInRefusal::Code => td_string!(l, my.refused_code),
        SignInRefusal::Issuer => td_string!(l, my.refused_issuer),
        SignInRefusal::Expired => td_string!(l, my.refused_expired),
        SignInRefusal::Token => td_string!(l, my.refused_token),
        SignInRefusal::Unavailable => td_string!(l, my.refused_unavailable),
        SignInRefusal::Off => td_string!(l, my.refused_off),
    }
    .to_string()
}

/// The provider's name when sign-in is set up (read on the server; pages render there).
pub fn sign_in_provider() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        use_context::<crate::server::AppState>()
            .and_then(|s| s.taka.sign_in_provider().map(String::from))
    }
    #[cfg(not(feature = "ssr"))]
    None
}

#[component]
pub fn MyRequestsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let (refused, claimed) = query.with_untracked(|q| {
        (
            q.get("refused")
                .as_deref()
                .map(|r| SignInRefusal::parse(r).unwrap_or(SignInRefusal::Token)),
            q.get("claimed"),
        )
    });
    #[cfg(feature = "ssr")]
    if refused.is_some()
        && let Some(resp) = use_context::<leptos_axum::ResponseOptions>()
    {
        resp.set_status(axum::http::StatusCode::BAD_REQUEST);
    }
    let provider = sign_in_provider();
    let data = Resource::new(|| (), |_| get_my_requests());
    view! {
        <Title text=t_string!(i18n, my.title).to_string() />
        <h1>{t!(i18n, my.title)}</h1>
        {refused.map(|r| view! {
            <div class="notice error" role="alert"><p>{move || refusal_text(i18n.get_locale(), r)}</p></div>
        })}
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let provider = provider.clone();
                let claimed = claimed.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(my) => view! { <Mine my=my claimed=claimed /> }.into_any(),
                        Err(AppError::Unauthorized) => view! { <SignInOffer provider=provider /> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Not signed in: what signing in gives, and the way to the provider.
#[component]
fn SignInOffer(provider: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    match provider {
        None => view! { <p>{t!(i18n, my.off)}</p> }.into_any(),
        Some(name) => view! {
            <p>{t!(i18n, my.intro)}</p>
            <ul>
                <li>{t!(i18n, my.benefit_list)}</li>
                <li>{t!(i18n, my.benefit_codes)}</li>
                <li>{t!(i18n, my.benefit_contact)}</li>
            </ul>
            <p>
                <a class="button primary" href="/signin/start?back=/my" rel="external">
                    {move || t_string!(i18n, my.sign_in_with, provider = name.clone())}
                </a>
            </p>
            <p class="hint">{t!(i18n, my.anonymous_still)}</p>
        }
        .into_any(),
    }
}

/// Signed in: the requests, the claim form and signing out.
#[component]
fn Mine(my: MyRequests, claimed: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let no_js = super::common::no_js_error::<ClaimRequest>();
    let field_error = {
        let no_js = no_js.clone();
        move |name: &'static str| {
            let e = no_js
                .as_ref()
                .and_then(|e| e.field_errors().and_then(|f| f.get(name).cloned()));
            Signal::derive(move || e.clone())
        }
    };
    let claim_url = <ClaimRequest as leptos::server_fn::ServerFn>::PATH.to_string();
    let name = my.requester.name.clone();
    let count = my.requests.len();
    let rows = my
        .requests
        .into_iter()
        .map(|r| {
            let href = format!("/track?ref={}", urlencoding::encode(&r.reference));
            let new = r.new_updates;
            view! {
                <li class="card my-request">
                    <h3><a href=href>{r.reference.clone()}</a></h3>
                    <p>{r.service_name.clone()}</p>
                    <p><StatusBadge status=r.status />
                        {(new > 0).then(|| view! {
                            " "<span class="badge new" data-testid="new-updates">{move || t_string!(i18n, my.new_updates, n = new)}</span>
                        })}
                    </p>
                    <dl class="facts">
                        <dt>{t!(i18n, track.submitted)}</dt>
                        <dd>{crate::i18n_text::iso_date(i18n.get_locale_untracked(), &r.submitted_on)}</dd>
                        <dt>{t!(i18n, my.changed)}</dt>
                        <dd>{r.changed_at_text.clone()}</dd>
                    </dl>
                </li>
            }
        })
        .collect_view();
    view! {
        <p>{move || t_string!(i18n, my.signed_in_as, name = name.clone())}</p>
        <form method="post" action="/signout" class="inline-form">
            <button type="submit" class="button">{t!(i18n, my.sign_out)}</button>
        </form>
        {claimed.map(|r| view! {
            <div class="notice success" role="status"><p>{move || t_string!(i18n, my.claimed, reference = r.clone())}</p></div>
        })}
        <section aria-labelledby="mine-h">
            <h2 id="mine-h">{move || t_string!(i18n, my.list_heading, n = count)}</h2>
            {if count == 0 {
                view! { <p>{t!(i18n, my.none)}</p> }.into_any()
            } else {
                view! { <ul class="plain-list">{rows}</ul> }.into_any()
            }}
            <p><a class="button" href="/services">{t!(i18n, my.new_request)}</a></p>
        </section>
        <section class="card" aria-labelledby="claim-h">
            <h2 id="claim-h">{t!(i18n, my.claim_title)}</h2>
            <p>{t!(i18n, my.claim_intro)}</p>
            {no_js.map(|e| view! { <ErrorNotice error=e /> })}
            <PostForm action=claim_url plain=true>
                <TextInput name="reference".into() label=t_string!(i18n, track.reference).to_string() required=true
                    hint=t_string!(i18n, track.reference_hint).to_string() error=field_error("reference") />
                <TextInput name="code".into() label=t_string!(i18n, track.code).to_string() required=true
                    autocomplete="off" hint=t_string!(i18n, track.code_hint).to_string() error=field_error("code") />
                <button type="submit" class="button primary">{t!(i18n, my.claim_submit)}</button>
            </PostForm>
        </section>
    }
}
