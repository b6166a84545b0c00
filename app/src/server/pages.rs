//! Pages rendered for a request that is not a plain `GET` of the page's own URL: the answer
//! to a form post that must show something exactly once (a new API token). It renders the same Leptos app as every other page, with an extra
//! context value, so there is one page shell and all markup comes from Leptos views.

use super::AppState;
use crate::error::AppError;
use crate::shell;
use axum::body::Body;
use axum::http::{Method, Request, Uri};
use axum::response::{IntoResponse, Response};
use leptos::prelude::provide_context;

/// Render the app's page at `path` for the sender of `parts` (their cookies and languages),
/// with `extra` provided as context to the page.
pub async fn render<T>(
    state: &AppState,
    parts: &axum::http::request::Parts,
    path: &str,
    extra: T,
) -> Response
where
    T: Clone + Send + Sync + 'static,
{
    let mut req = Request::new(Body::empty());
    *req.method_mut() = Method::GET;
    *req.uri_mut() = path
        .parse::<Uri>()
        .unwrap_or_else(|_| Uri::from_static("/"));
    *req.headers_mut() = parts.headers.clone();
    req.headers_mut().remove(axum::http::header::CONTENT_TYPE);
    req.headers_mut().remove(axum::http::header::CONTENT_LENGTH);
    if let Some(nonce) = parts.extensions.get::<super::web::CspNonce>() {
        req.extensions_mut().insert(nonce.clone());
    }
    let options = state.leptos_options.clone();
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            provide_context(extra.clone());
            super::web::provide_request_nonce();
        }
    };
    let handler =
        leptos_axum::render_app_async_with_context(context, move || shell(options.clone()));
    handler(req).await.into_response()
}

/// The status a refused input is answered with on a page.
pub fn error_status(e: &AppError) -> axum::http::StatusCode {
    axum::http::StatusCode::from_u16(e.status())
        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
}
