//! Profile form posts answered with the profile page itself: `POST /staff/profile/tokens`
//! makes a personal API token and shows it once, in the page this post answers with
//! (`ui::profile`), never in a URL or a redirect; `POST /staff/profile/password` changes the
//! password (every other session of the user ends).

use super::AppState;
use super::auth::{Access, signed_in_staff};
use super::service::{DEFAULT_TOKEN_DAYS, TokenScope};
use crate::ui::profile::{NewToken, PasswordChange};
use axum::extract::State;
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
    let outcome = match scope {
        None => NewToken::Refused(crate::error::AppError::BadRequest),
        Some(scope) => match state
            .taka
            .create_token_for(ctx.user.id, &name, days, scope)
            .await
        {
            Ok(token) => NewToken::Created(token),
            Err(e) => NewToken::Refused(e.into()),
        },
    };
    let mut resp = super::pages::render(&state, &parts, "/staff/profile", outcome.clone()).await;
    if let NewToken::Refused(e) = outcome {
        *resp.status_mut() = super::pages::error_status(&e);
    }
    resp
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
    let outcome = match state.taka.change_password(&ctx, &current, &new).await {
        Ok(()) => PasswordChange::Done,
        Err(e) => PasswordChange::Refused(e.into()),
    };
    let mut resp = super::pages::render(&state, &parts, "/staff/profile", outcome.clone()).await;
    if let PasswordChange::Refused(e) = outcome {
        *resp.status_mut() = super::pages::error_status(&e);
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
