//! The staff profile page: personal API tokens (create, see once, list, revoke).
//!
//! Creating a token is a plain form post to an axum handler that renders this same page
//! with the new token in a `NewToken` context value: the token is shown in that one
//! response, never put in a URL, a redirect or storage in the clear. Revoking is a server
//! function (a plain form post without JavaScript).

use super::common::ErrorNotice;
use super::staff::RequireStaff;
use crate::error::AppError;
use crate::fns::{RevokeToken, get_tokens};
use crate::i18n::*;
use crate::i18n_text;
use leptos::prelude::*;
use leptos_i18n::{t, t_string};
use leptos_meta::Title;

/// What the token-creating post did, given to the page it renders.
#[derive(Debug, Clone)]
pub enum NewToken {
    Created(String),
    Refused(AppError),
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    view! { <RequireStaff signed_in=|user| view! { <Profile user=user /> } /> }
}

#[component]
fn Profile(user: crate::model::SessionUser) -> impl IntoView {
    let i18n = use_i18n();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(move || revoke.version().get(), |_| get_tokens());
    let new_token = use_context::<NewToken>();
    let role = user.role;
    view! {
        <Title text=move || t_string!(i18n, profile.title).to_string() />
        <h1>{t!(i18n, profile.title)}</h1>
        <p class="lead">{user.display_name.clone()} " · " {move || i18n_text::role(i18n.get_locale(), role)}</p>
        {new_token.map(|n| match n {
            NewToken::Created(token) => view! {
                <div class="notice ok" role="status">
                    <p>{t!(i18n, profile.created_note)}</p>
                    <p><code class="token">{token}</code></p>
                </div>
            }.into_any(),
            NewToken::Refused(e) => view! { <ErrorNotice error=e /> }.into_any(),
        })}
        {move || revoke.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice error=e /> })}
        <h2 id="tok-h">{t!(i18n, profile.tokens)}</h2>
        <p>{t!(i18n, profile.intro)}</p>
        <form method="post" action="/staff/profile/tokens" class="narrow">
            <div class="field">
                <label for="tok-name">{t!(i18n, profile.token_name)}</label>
                <input id="tok-name" name="name" required=true maxlength="100" autocomplete="off" />
            </div>
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
                                                <td>
                                                    {if tok.revoked {
                                                        view! { <span>{t!(i18n, profile.revoked)}</span> }.into_any()
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
