//! The JSON API (`/api/v1`): a thin adapter over the service layer, one file per use case.
//! Its OpenAPI 3.1 document is built from the same handlers and types the router is
//! (`utoipa`): a route can only be added through `routes!`, which also documents it.

mod doc;
mod requests;
mod services;
mod staff;
mod webhooks;

pub use doc::reference;

use super::{AppState, Taka, accept_language};
use crate::domain::Lang;
use crate::error::AppError;
use crate::i18n_text::{self, locale};
use axum::Json;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// Largest request body the API accepts.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Every route of the API with its documentation.
fn routes() -> OpenApiRouter<AppState> {
    use utoipa::OpenApi;
    OpenApiRouter::with_openapi(doc::ApiDoc::openapi())
        .routes(routes!(services::list_services))
        .routes(routes!(services::get_service))
        // Files arrive with a request: sizes are checked as they stream in.
        .routes(routes!(requests::create_request).layer(DefaultBodyLimit::disable()))
        .routes(routes!(requests::get_request))
        .routes(routes!(requests::get_attachment))
        .routes(routes!(staff::analytics_summary))
        .routes(routes!(staff::list_tokens))
        .routes(routes!(staff::revoke_token))
        .routes(routes!(webhooks::list, webhooks::register))
        .routes(routes!(webhooks::remove))
        .routes(routes!(openapi_json))
}

static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();

/// The OpenAPI document of `/api/v1`, built once (by `router`, or here when no router was
/// built, as in unit tests).
pub fn document() -> &'static utoipa::openapi::OpenApi {
    DOC.get_or_init(|| routes().split_for_parts().1)
}

pub fn router() -> Router<AppState> {
    let (router, doc) = routes().split_for_parts();
    // The same routes give the same document: keep the first.
    let _ = DOC.set(doc);
    router
        .fallback(|headers: HeaderMap| async move {
            let lang = accept_language(&headers);
            let mut e = ApiError::new(AppError::NotFound, lang);
            // Not "not_found": that is a known route's answer about a missing thing.
            e.code = "no_such_route";
            e
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// This document, OpenAPI 3.1 (the page `/developers` shows it for people).
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "about",
    operation_id = "openapi",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json", body = Object)),
)]
async fn openapi_json() -> Response {
    static JSON: OnceLock<String> = OnceLock::new();
    let body = JSON.get_or_init(|| document().to_json().unwrap_or_default());
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.as_str(),
    )
        .into_response()
}

/// What every refusal looks like.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, for programs: `not_found`, `invalid_fields`, `unauthorized`, `too_large`, ...
    #[schema(example = "invalid_fields")]
    code: &'static str,
    /// For people, in the language of `Accept-Language` (or `language` of a new request).
    message: String,
    /// Per field, what is wrong with it (in the same language); empty for other errors.
    fields: BTreeMap<String, String>,
}

/// An error answered as `{"error": {"code", "message", "fields"}}` in the client's language.
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    fields: BTreeMap<String, String>,
    retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(e: AppError, lang: Lang) -> Self {
        let locale = locale(lang);
        let fields = e
            .field_errors()
            .map(|f| {
                f.iter()
                    .map(|(k, v)| (k.clone(), i18n_text::field_error(locale, v)))
                    .collect()
            })
            .unwrap_or_default();
        ApiError {
            status: StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: e.code(),
            message: i18n_text::app_error(locale, &e),
            fields,
            retry_after: e.retry_after(),
        }
    }

    /// A body that is not the JSON the operation takes.
    fn malformed(lang: Lang) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "malformed_json",
            message: i18n_text::malformed(locale(lang)),
            fields: BTreeMap::new(),
            retry_after: None,
        }
    }

    /// A body over `MAX_BODY_BYTES`.
    fn too_large(lang: Lang) -> Self {
        ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "too_large",
            message: i18n_text::too_large(locale(lang), MAX_BODY_BYTES / 1024),
            fields: BTreeMap::new(),
            retry_after: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
                fields: self.fields,
            },
        };
        let mut resp = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        resp
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

/// The service layer's error in the caller's language.
fn refused(lang: Lang) -> impl Fn(super::error::ServiceError) -> ApiError {
    move |e| ApiError::new(e.into(), lang)
}

/// The header a partner system sends its key in.
pub const PARTNER_KEY_HEADER: &str = "x-api-key";

/// The partner whose key came in `X-Api-Key` (401 without one or with a wrong one).
pub(crate) async fn partner_from(
    taka: &Taka,
    headers: &HeaderMap,
    lang: Lang,
) -> ApiResult<super::service::Partner> {
    let key = headers
        .get(PARTNER_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    taka.partner_by_key(key).await.map_err(refused(lang))
}

/// The signed-in staff member (bearer token or session cookie), as an API error otherwise.
async fn staff_from(
    taka: &Taka,
    headers: &HeaderMap,
    lang: Lang,
    access: super::auth::Access,
) -> ApiResult<super::service::StaffContext> {
    super::auth::signed_in_staff(taka, headers, lang, access)
        .await
        .map_err(|e| ApiError::new(e, lang))
}
