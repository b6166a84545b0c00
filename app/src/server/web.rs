//! The HTTP application: Leptos pages and server functions, the JSON API, the language
//! switch and static files, in one axum router.

use super::{AppState, LANG_COOKIE, api};
use crate::domain::Lang;
use crate::{App, shell};
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use serde::Deserialize;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            provide_request_nonce();
        }
    };
    let options = state.leptos_options.clone();
    Router::new()
        .route("/lang/{code}", get(set_language))
        .route("/healthz", get(health))
        .route("/staff/analytics.csv", get(super::analytics_csv::csv))
        .route(
            "/staff/profile/tokens",
            axum::routing::post(super::profile::create),
        )
        .nest("/api/v1", api::router())
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(axum::middleware::from_fn(server_fn_status))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(CompressionLayer::new().br(true).gzip(true))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn health(axum::extract::State(taka): axum::extract::State<super::Taka>) -> Response {
    match sqlx::query("SELECT 1").execute(&taka.db.read).await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

/// `GET /lang/{code}?back=/path`: remember the language in the cookie leptos_i18n reads,
/// and return to the page (only local paths, so it cannot redirect elsewhere).
async fn set_language(Path(code): Path<String>, Query(q): Query<Back>) -> Response {
    let back = q
        .back
        .filter(|b| {
            b.starts_with('/')
                && !b.starts_with("//")
                && !b.contains('\\')
                && !b.chars().any(|c| c.is_control() || c.is_whitespace())
        })
        .unwrap_or_else(|| "/".to_string());
    let mut resp = axum::response::Redirect::to(&back).into_response();
    if let Some(lang) = Lang::parse(&code) {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.code()
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    resp
}

/// A server function's refusal answers with the status its error means (422 for invalid
/// input, 404, 409, 429, ...), as the JSON API does; the server-function machinery itself
/// answers every error with 500, which would make a typo look like an outage.
///
/// The refusal in words, in the request's language, goes in header `Taka-Error`
/// (percent-encoded UTF-8), so a form island shows it without carrying translations.
async fn server_fn_status(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let lang = super::request_lang(req.headers());
    let resp = next.run(req).await;
    if resp.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !resp
            .headers()
            .contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 256 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    if let Ok(e) = serde_json::from_slice::<crate::error::AppError>(&bytes) {
        let status = super::pages::error_status(&e);
        if status.is_client_error() {
            tracing::info!(code = e.code(), %status, "server function refused the input");
        }
        parts.status = status;
        let text = crate::i18n_text::app_error(crate::i18n_text::locale(lang), &e);
        if let Ok(v) = HeaderValue::from_str(&urlencoding::encode(&text)) {
            parts.headers.insert("taka-error", v);
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// The nonce of this response's Content-Security-Policy (request extension).
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// Gives the page being rendered the nonce of its response, for its inline scripts (the
/// island loader). Called in the render context of every page.
pub fn provide_request_nonce() {
    let nonce = leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(n)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(n));
    }
}

/// Whether responses to `path` must not be stored by the browser or a proxy: staff pages,
/// tracking and receipts, server functions and the API show personal data, tracking codes
/// or tokens. The catalogue and static files may be kept.
fn sensitive(path: &str) -> bool {
    ["/staff", "/track", "/receipt", "/fn/", "/api/"]
        .iter()
        .any(|p| path.starts_with(p))
}

/// Headers every response carries (OWASP ASVS 14.4): a Content-Security-Policy whose only
/// inline script is the one with this response's nonce, no framing, no MIME sniffing, no
/// referrer to other sites, and nothing sensitive stored in caches.
async fn security_headers(
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let nonce = hex::encode(rand::random::<[u8; 16]>());
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let no_store = sensitive(req.uri().path());
    let mut resp = next.run(req).await;
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if no_store {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}
