//! Citizen sign-in over HTTP: `GET /signin/start` sends the browser to the provider,
//! `GET /signin/callback` takes its answer, `POST /signout` ends the session. Every refusal
//! goes to "My requests" (`/my?refused=REASON`), which says why in the person's language.

use super::AppState;
use crate::domain::signin::{FLOW_SECONDS, SESSION_SECONDS, SignInRefusal};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    back: String,
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: Option<String>,
}

fn with_cookies(mut resp: Response, cookies: &[String]) -> Response {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

fn refused(reason: SignInRefusal, cookies: &[String]) -> Response {
    with_cookies(
        Redirect::to(&format!("/my?refused={}", reason.code())).into_response(),
        cookies,
    )
}

pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<StartQuery>,
    req: axum::extract::Request,
) -> Response {
    let taka = &state.taka;
    let (parts, _) = req.into_parts();
    let client = super::web::client_of(&parts);
    if taka
        .hit_client(super::service::Limit::SignInClient, client.ip)
        .await
        .is_err()
    {
        return refused(SignInRefusal::Unavailable, &[]);
    }
    let lang = super::request_lang(&headers);
    match taka.start_sign_in(&q.back, lang).await {
        Ok(start) => with_cookies(
            Redirect::to(&start.url).into_response(),
            &[super::signin_cookie(
                &start.state,
                FLOW_SECONDS,
                taka.policy().secure_cookies,
            )],
        ),
        Err(reason) => refused(reason, &[]),
    }
}

pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let taka = &state.taka;
    let secure = taka.policy().secure_cookies;
    let clear = super::signin_cookie("", 0, secure);
    if let Some(error) = q.error {
        tracing::info!(%error, "sign-in: the provider answered an error");
        // End the flow, so its state cannot be used again.
        if let Err(e) = taka.cancel_sign_in(&q.state).await {
            tracing::error!(error = %e, "sign-in: ending a refused flow");
        }
        return refused(SignInRefusal::Denied, &[clear]);
    }
    let browser_state = super::signin_state(&headers, secure);
    match taka
        .finish_sign_in(&q.state, browser_state.as_deref(), &q.code)
        .await
    {
        Ok(done) => with_cookies(
            Redirect::to(&done.return_to).into_response(),
            &[
                clear,
                super::requester_cookie(&done.token, SESSION_SECONDS, secure),
            ],
        ),
        Err(reason) => refused(reason, &[clear]),
    }
}

pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let taka = &state.taka;
    let secure = taka.policy().secure_cookies;
    if let Some(token) = super::requester_token(&headers, secure)
        && let Err(e) = taka.sign_out_requester(&token).await
    {
        tracing::error!(error = %e, "sign-out");
    }
    with_cookies(
        Redirect::to("/").into_response(),
        &[super::requester_cookie("", 0, secure)],
    )
}
