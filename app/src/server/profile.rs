//! `POST /staff/profile/tokens`: make a personal API token and show it once, in the page
//! this post answers with (`ui::profile`), never in a URL or a redirect.

use super::AppState;
use crate::ui::profile::NewToken;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

pub async fn create(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let (parts, body) = req.into_parts();
    let lang = super::request_lang(&parts.headers);
    let Ok(ctx) = super::auth::signed_in_staff(&state.taka, &parts.headers, lang).await else {
        return Redirect::to("/staff").into_response();
    };
    let name = match axum::body::to_bytes(body, 16 * 1024).await {
        Ok(bytes) => form_value(&bytes, "name").unwrap_or_default(),
        Err(_) => String::new(),
    };
    let outcome = match state.taka.create_token_for(ctx.user.id, &name).await {
        Ok(token) => NewToken::Created(token),
        Err(e) => NewToken::Refused(e.into()),
    };
    let mut resp = super::pages::render(&state, &parts, "/staff/profile", outcome.clone()).await;
    if let NewToken::Refused(e) = outcome {
        *resp.status_mut() = super::pages::error_status(&e);
    }
    resp
}

/// One field of an `application/x-www-form-urlencoded` body.
fn form_value(body: &[u8], key: &str) -> Option<String> {
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
