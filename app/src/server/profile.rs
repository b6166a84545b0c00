//! Profile form posts (they work without JavaScript): `POST /staff/profile/tokens` makes a
//! personal API token, `POST /staff/profile/password` changes the password (every other
//! session of the user ends). Each answers with a redirect to the profile page and leaves
//! what happened in a one-time notice cookie, sealed with the server secret: the new token
//! is shown on that one page load, never put in a URL or stored in the clear, and a reload
//! neither repeats the post nor shows the token again.

use super::AppState;
use super::auth::{Access, signed_in_staff};
use super::service::{DEFAULT_TOKEN_DAYS, TokenScope};
use crate::model::ProfileNotice;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};

pub async fn create(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let (parts, body) = req.into_parts();
    let lang = super::request_lang(&parts.headers);
    let Ok(ctx) = signed_in_staff(&state.taka, &parts.headers, lang, Access::Any).await else {
        return Redirect::to("/staff").into_response();
    };
    let bytes = axum::body::to_bytes(body, 16 * 1024)
        .await
        .unwrap_or_default();
    let name = form_value(&bytes, "name").unwrap_or_default();
    let days = form_value(&bytes, "days")
        .map(|d| d.trim().parse::<i64>().unwrap_or(0))
        .unwrap_or(DEFAULT_TOKEN_DAYS);
    let scope = form_value(&bytes, "scope")
        .map(|s| TokenScope::parse(&s))
        .unwrap_or(Some(TokenScope::Full));
    let notice = match scope {
        None => ProfileNotice::TokenRefused(crate::error::AppError::BadRequest),
        Some(scope) => match state
            .taka
            .create_token_for(ctx.user.id, &name, days, scope)
            .await
        {
            Ok(token) => ProfileNotice::TokenCreated(token),
            Err(e) => ProfileNotice::TokenRefused(e.into()),
        },
    };
    back_to_profile(&state, ctx.user.id, &notice, "#tok-h")
}

pub async fn password(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let (parts, body) = req.into_parts();
    let lang = super::request_lang(&parts.headers);
    let Ok(ctx) = signed_in_staff(&state.taka, &parts.headers, lang, Access::Any).await else {
        return Redirect::to("/staff").into_response();
    };
    let bytes = axum::body::to_bytes(body, 16 * 1024)
        .await
        .unwrap_or_default();
    let current = form_value(&bytes, "current").unwrap_or_default();
    let new = form_value(&bytes, "new").unwrap_or_default();
    let notice = match state.taka.change_password(&ctx, &current, &new).await {
        Ok(()) => ProfileNotice::PasswordChanged,
        Err(e) => ProfileNotice::PasswordRefused(e.into()),
    };
    back_to_profile(&state, ctx.user.id, &notice, "#pw-h")
}

/// `303` to the profile page with `notice` in the one-time notice cookie.
fn back_to_profile(state: &AppState, user_id: i64, notice: &ProfileNotice, at: &str) -> Response {
    let secure = state.taka.policy().secure_cookies;
    let sealed = state.taka.seal_profile_notice(user_id, notice);
    let mut resp = Redirect::to(&format!("/staff/profile{at}")).into_response();
    if let Ok(v) = super::notice_cookie(&sealed, secure).parse() {
        resp.headers_mut().append(SET_COOKIE, v);
    }
    resp
}

/// One field of an `application/x-www-form-urlencoded` body.
pub(crate) fn form_value(body: &[u8], key: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k != key {
            return None;
        }
        urlencoding::decode(&v.replace('+', " "))
            .ok()
            .map(|v| v.into_owned())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn form_values() {
        assert_eq!(
            super::form_value(b"a=1&name=R%C4%ABga+report", "name").as_deref(),
            Some("Rīga report")
        );
        assert_eq!(super::form_value(b"name", "name").as_deref(), Some(""));
        // An invalid escape is kept as it was typed.
        assert_eq!(super::form_value(b"x=%ZZ", "x").as_deref(), Some("%ZZ"));
        assert_eq!(super::form_value(&[0xff, 0xfe], "x"), None);
    }
}
