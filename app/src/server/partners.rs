//! `POST /staff/admin/partners` (works without JavaScript): a portfolio owner or
//! administrator creates a partner for chosen services. The answer redirects to the
//! partners page with the new key in the one-time notice cookie, sealed with the server
//! secret: shown on that one page load, never put in a URL, not shown again on a reload.

use super::AppState;
use super::auth::{Access, signed_in_staff};
use super::open311::pairs;
use crate::model::ProfileNotice;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};

const PAGE: &str = "/staff/admin/partners";

pub async fn create(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let (parts, body) = req.into_parts();
    let lang = super::request_lang(&parts.headers);
    let Ok(ctx) = signed_in_staff(&state.taka, &parts.headers, lang, Access::Any).await else {
        return Redirect::to("/staff").into_response();
    };
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let form = pairs(&bytes);
    let name = form
        .iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let services: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "services")
        .map(|(_, v)| v.clone())
        .collect();
    let notice = match state.taka.create_partner(&ctx, &name, &services).await {
        Ok(key) => ProfileNotice::PartnerCreated {
            name: name.trim().to_string(),
            key,
        },
        Err(e) => ProfileNotice::PartnerRefused(e.into()),
    };
    let secure = state.taka.policy().secure_cookies;
    let sealed = state.taka.seal_profile_notice(ctx.user.id, &notice);
    let mut resp = Redirect::to(PAGE).into_response();
    if let Ok(v) = super::notice_cookie(&sealed, secure).parse() {
        resp.headers_mut().append(SET_COOKIE, v);
    }
    resp
}
