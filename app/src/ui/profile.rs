//! The staff profile page: where one is signed in (end any session), changing the
//! password, and personal API tokens (create, see once, list, revoke).
//!
//! Creating a token and changing the password are plain form posts to axum handlers
//! (`server::profile`) that redirect back here with a sealed one-time notice; the page
//! takes it (`take_notice`, while it renders) and shows it once: a new token is never put in a URL,
//! a redirect or storage in the clear. Revoking and ending sessions are server functions
//! (plain form posts without JavaScript).

use super::common::{ErrorNotice, TextInput};
use super::staff::RequireStaff;
use crate::error::AppError;
use crate::fns::{EndSession, RevokeToken, get_sessions, get_tokens};
use crate::i18n::*;
use crate::i18n_text;
use crate::model::ProfileNotice;
use leptos::prelude::*;
use leptos_i18n::{t, t_string};
use leptos_meta::Title;

#[component]
pub fn ProfilePage() -> impl IntoView {
    view! { <RequireStaff signed_in=|user| view! { <Profile user=user /> } /> }
}

#[component]
fn Profile(user: crate::model::SessionUser) -> impl IntoView {
    let notice = take_notice(user.id);
    view! { <ProfileBody user=user notice=notice /> }
}

/// The one-time notice a profile form post left for `user_id`, taken while the page is
/// rendered on the server (pages are not hydrated): its cookie is cleared in this answer.
#[cfg(feature = "ssr")]
pub(crate) fn take_notice(user_id: i64) -> Option<ProfileNotice> {
    let parts = use_context::<axum::http::request::Parts>()?;
    let state = use_context::<crate::server::AppState>()?;
    let secure = state.taka.policy().secure_cookies;
    let sealed = crate::server::cookie(&parts.headers, crate::server::notice_cookie_name(secure))?;
    if let (Some(resp), Ok(clear)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        axum::http::HeaderValue::from_str(&crate::server::notice_cookie("", secure)),
    ) {
        resp.append_header(axum::http::header::SET_COOKIE, clear);
    }
    state.taka.open_profile_notice(user_id, &sealed)
}

#[cfg(not(feature = "ssr"))]
pub(crate) fn take_notice(_user_id: i64) -> Option<ProfileNotice> {
    None
}

#[component]
fn ProfileBody(user: crate::model::SessionUser, notice: Option<ProfileNotice>) -> impl IntoView {
    let i18n = use_i18n();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(move || revoke.version().get(), |_| get_tokens());
    let end = ServerAction::<EndSession>::new();
    let sessions = Resource::new(move || end.version().get(), |_| get_sessions());
    let (new_token, password) = match notice {
        Some(ProfileNotice::TokenCreated(t)) => (Some(Ok(t)), None),
        Some(ProfileNotice::TokenRefused(e)) => (Some(Err(e)), None),
        Some(ProfileNotice::PasswordChanged) => (None, Some(Ok(()))),
        Some(ProfileNotice::PasswordRefused(e)) => (None, Some(Err(e))),
        Some(ProfileNotice::PartnerCreated { .. } | ProfileNotice::PartnerRefused(_)) | None => {
            (None, None)
        }
    };
    let password_errors = match &password {
        Some(Err(AppError::Invalid(f))) => f.clone(),
        _ => Default::default(),
    };
    let field_error = move |name: &'static str| {
        let e = password_errors.get(name).cloned();
        Signal::derive(move || e.clone())
    };
    let role = user.role;
    view! {
        <Title text=t_string!(i18n, profile.title).to_string() />
        <h1>{t!(i18n, profile.title)}</h1>
        <p class="lead">{user.display_name.clone()} " · " {move || i18n_text::role(i18n.get_locale(), role)}</p>
        {new_token.map(|n| match n {
            Ok(token) => view! {
                <div class="notice ok" role="status">
                    <p>{t!(i18n, profile.created_note)}</p>
                    <p><code class="token">{token}</code></p>
                </div>
            }.into_any(),
            Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
        })}
        {move || revoke.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice error=e /> })}
        {move || end.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice error=e /> })}

        <h2 id="ses-h">{t!(i18n, profile.sessions)}</h2>
        <p>{t!(i18n, profile.sessions_intro)}</p>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match sessions.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap" role="region" aria-labelledby="ses-h" tabindex="0">
                            <table data-testid="sessions">
                                <thead><tr>
                                    <th scope="col">{t!(i18n, profile.col_browser)}</th>
                                    <th scope="col">{t!(i18n, profile.col_address)}</th>
                                    <th scope="col">{t!(i18n, profile.col_started)}</th>
                                    <th scope="col">{t!(i18n, profile.col_last_seen)}</th>
                                    <th scope="col"><span class="visually-hidden">{t!(i18n, profile.end)}</span></th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|se| {
                                        let label = format!("{} {} {}", t_string!(i18n, profile.end), se.browser, se.started);
                                        view! {
                                            <tr>
                                                <th scope="row">
                                                    {se.browser.clone()}
                                                    {se.current.then(|| view! { " " <strong>"(" {t!(i18n, profile.this_session)} ")"</strong> })}
                                                </th>
                                                <td>{se.address.clone()}</td>
                                                <td>{se.started.clone()}</td>
                                                <td>{se.last_seen.clone()}</td>
                                                <td>
                                                    <ActionForm action=end attr:class="inline">
                                                        <input type="hidden" name="id" value=se.id.to_string() />
                                                        <button type="submit" class="button" aria-label=label>{t!(i18n, profile.end)}</button>
                                                    </ActionForm>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>

        <h2 id="pw-h">{t!(i18n, profile.password)}</h2>
        {password.map(|p| match p {
            Ok(()) => view! {
                <div class="notice ok" role="status"><p>{t!(i18n, profile.password_changed)}</p></div>
            }.into_any(),
            Err(AppError::Invalid(_)) => view! {
                <div class="notice error" role="alert"><p>{t!(i18n, common.errors_summary)}</p></div>
            }.into_any(),
            Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
        })}
        <form method="post" action="/staff/profile/password" class="narrow" aria-labelledby="pw-h">
            <TextInput name="current".into() label=t_string!(i18n, profile.current_password).to_string()
                kind="password" required=true autocomplete="current-password" error=field_error("current") />
            <TextInput name="new".into() label=t_string!(i18n, profile.new_password).to_string()
                kind="password" required=true autocomplete="new-password"
                hint=t_string!(i18n, profile.new_password_hint).to_string() error=field_error("new") />
            <button type="submit" class="button primary">{t!(i18n, profile.change)}</button>
        </form>

        <h2 id="tok-h">{t!(i18n, profile.tokens)}</h2>
        <p>{t!(i18n, profile.intro)}</p>
        <form method="post" action="/staff/profile/tokens" class="narrow">
            <div class="field">
                <label for="tok-name">{t!(i18n, profile.token_name)}</label>
                <input id="tok-name" name="name" required=true maxlength="100" autocomplete="off" />
            </div>
            <div class="field">
                <label for="tok-days">{t!(i18n, profile.token_days)}</label>
                <select id="tok-days" name="days">
                    <option value="30">{t!(i18n, profile.days_30)}</option>
                    <option value="90" selected=true>{t!(i18n, profile.days_90)}</option>
                    <option value="365">{t!(i18n, profile.days_365)}</option>
                </select>
            </div>
            <fieldset class="field">
                <legend>{t!(i18n, profile.token_scope)}</legend>
                <label class="choice"><input type="radio" name="scope" value="analytics" checked=true /> {t!(i18n, profile.scope_analytics)}</label>
                <label class="choice"><input type="radio" name="scope" value="full" /> {t!(i18n, profile.scope_full)}</label>
            </fieldset>
            <button type="submit" class="button primary">{t!(i18n, profile.create)}</button>
        </form>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match tokens.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p>{t!(i18n, profile.none)}</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap" role="region" aria-labelledby="tok-h" tabindex="0">
                            <table>
                                <thead><tr>
                                    <th scope="col">{t!(i18n, profile.col_name)}</th>
                                    <th scope="col">{t!(i18n, profile.col_created)}</th>
                                    <th scope="col">{t!(i18n, profile.col_used)}</th>
                                    <th scope="col">{t!(i18n, profile.col_expires)}</th>
                                    <th scope="col">{t!(i18n, profile.col_scope)}</th>
                                    <th scope="col">{t!(i18n, profile.col_state)}</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|tok| {
                                        let label = format!("{} {}", t_string!(i18n, profile.revoke), tok.name);
                                        view! {
                                            <tr>
                                                <th scope="row">{tok.name.clone()}</th>
                                                <td>{tok.created_text.clone()}</td>
                                                <td>{tok.last_used_text.clone().unwrap_or_else(|| t_string!(i18n, common.none).to_string())}</td>
                                                <td>{tok.expires_text.clone().unwrap_or_else(|| t_string!(i18n, common.none).to_string())}</td>
                                                <td>{if tok.analytics_only { t_string!(i18n, profile.scope_analytics) } else { t_string!(i18n, profile.scope_full) }}</td>
                                                <td>
                                                    {if tok.revoked {
                                                        view! { <span>{t!(i18n, profile.revoked)}</span> }.into_any()
                                                    } else if tok.expired {
                                                        view! { <span>{t!(i18n, profile.expired)}</span> }.into_any()
                                                    } else {
                                                        view! {
                                                            <ActionForm action=revoke attr:class="inline">
                                                                <input type="hidden" name="id" value=tok.id.to_string() />
                                                                <button type="submit" class="button" aria-label=label>{t!(i18n, profile.revoke)}</button>
                                                            </ActionForm>
                                                        }.into_any()
                                                    }}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
