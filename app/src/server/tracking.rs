//! `POST /track`: the tracking form. The reference and code arrive in the body; on success
//! the browser gets the code in a cookie and is sent to `/track?ref=...`, so a tracking code
//! never appears in an address, a log or a `Referer`. A refusal (wrong code, too many
//! tries) is sent to the tracking page with the reason, which answers 404 or 429.

use super::AppState;
use crate::error::AppError;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub async fn open(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let (parts, body) = req.into_parts();
    let form = match axum::body::to_bytes(body, 4 * 1024).await {
        Ok(bytes) => bytes,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "").into_response(),
    };
    let reference = super::profile::form_value(&form, "ref").unwrap_or_default();
    let code = super::profile::form_value(&form, "code").unwrap_or_default();
    let reference = reference.trim().to_ascii_uppercase();
    let lang = super::request_lang(&parts.headers);
    let taka = &state.taka;
    let client = super::web::client_of(&parts);
    let outcome = match taka
        .hit_client(super::service::Limit::Track, client.ip)
        .await
    {
        Ok(()) => taka.track(&reference, &code, lang).await.map(|_| ()),
        Err(e) => Err(e),
    };
    let secure = taka.policy().secure_cookies;
    match outcome {
        Ok(()) => {
            let mut resp = axum::response::Redirect::to(&format!(
                "/track?ref={}",
                urlencoding::encode(&reference)
            ))
            .into_response();
            let cookie = super::tracking_cookie(&parts.headers, secure, &reference, &code);
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            resp
        }
        Err(e) => {
            // The tracking page says why, with the status it means (404, 429 and
            // Retry-After), through the page's own route: `/track?ref=..&refused=..`.
            let e = AppError::from(e);
            let reason = match e.retry_after() {
                Some(seconds) => format!("limit&retry={seconds}"),
                None => "not_found".to_string(),
            };
            axum::response::Redirect::to(&format!(
                "/track?ref={}&refused={reason}",
                urlencoding::encode(&reference)
            ))
            .into_response()
        }
    }
}

#[derive(serde::Deserialize)]
struct RefQuery {
    #[serde(default, rename = "ref")]
    reference: String,
}

/// `GET /track/data.json?ref=`: everything held about a request this browser follows, as a
/// JSON download (GDPR Article 20); the code comes from the tracking cookie.
pub async fn export_json(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let (parts, _) = req.into_parts();
    let lang = super::request_lang(&parts.headers);
    let reference = axum::extract::Query::<RefQuery>::try_from_uri(&parts.uri)
        .map(|q| q.0.reference.trim().to_ascii_uppercase())
        .unwrap_or_default();
    let taka = &state.taka;
    let client = super::web::client_of(&parts);
    let proof = super::requester_proof(taka, &parts.headers, &reference, "").await;
    let outcome = match proof {
        Err(e) => Err(e),
        Ok(None) => Err(AppError::NotFound),
        Ok(Some(proof)) => match taka
            .hit_client(super::service::Limit::Download, client.ip)
            .await
        {
            Ok(()) => taka
                .export_request(&reference, proof, lang)
                .await
                .map_err(AppError::from),
            Err(e) => Err(e.into()),
        },
    };
    match outcome {
        Ok(data) => {
            let name = format!("attachment; filename=\"{}.json\"", data.reference);
            let mut resp = axum::Json(data).into_response();
            if let Ok(v) = HeaderValue::from_str(&name) {
                resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            resp
        }
        Err(e) => super::api::ApiError::new(e, lang).into_response(),
    }
}
