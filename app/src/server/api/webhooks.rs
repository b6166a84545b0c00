//! `/webhooks`: a partner system registers, lists and deletes its webhooks, known by its
//! key in `X-Api-Key` (`service/partners.rs` holds the rules).

use super::{ApiError, ApiResult, partner_from, refused};
use crate::error::AppError;
use crate::model::WebhookView;
use crate::server::service::NewWebhook;
use crate::server::{Taka, accept_language};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a partner posts to register a webhook.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookIn {
    /// Where each event is posted (`https://`).
    #[schema(
        example = "https://partner.example/taka-events",
        pattern = "^https?://",
        max_length = 2000
    )]
    url: String,
    /// Signs each delivery (Standard Webhooks: HMAC-SHA256 in `webhook-signature`): 24 to
    /// 200 printable characters without spaces.
    #[schema(
        min_length = 24,
        max_length = 200,
        pattern = "^\\S+$",
        example = "whsec-example-0123456789abcdef"
    )]
    secret: String,
    /// What to hear about.
    #[schema(value_type = Vec<crate::domain::partners::EventType>, min_items = 1)]
    events: Vec<String>,
    /// Codes of the services to hear about, among those the key is given.
    #[schema(min_items = 1, example = json!(["VNP-PROBLEMA"]))]
    services: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookOut {
    id: String,
    url: String,
    events: Vec<String>,
    services: Vec<String>,
    created_at: String,
}

impl From<&WebhookView> for WebhookOut {
    fn from(w: &WebhookView) -> Self {
        WebhookOut {
            id: w.id.clone(),
            url: w.url.clone(),
            events: w.events.clone(),
            services: w.services.clone(),
            created_at: w.created_at.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    webhooks: Vec<WebhookOut>,
}

/// The caller's webhooks.
#[utoipa::path(
    get,
    path = "/webhooks",
    tag = "webhooks",
    operation_id = "list_webhooks",
    security(("partner_key" = [])),
    params(super::doc::AcceptLanguage),
    responses(
        (status = 200, description = "The webhooks", body = WebhookList),
        (status = 401, description = "No partner key, or a wrong or revoked one", body = super::ErrorBody),
    ),
)]
pub async fn list(State(taka): State<Taka>, headers: HeaderMap) -> ApiResult<Json<WebhookList>> {
    let lang = accept_language(&headers);
    let partner = partner_from(&taka, &headers, lang).await?;
    let hooks = taka
        .partner_webhooks(partner.id, lang)
        .await
        .map_err(refused(lang))?;
    Ok(Json(WebhookList {
        webhooks: hooks.iter().map(WebhookOut::from).collect(),
    }))
}

/// Register a webhook: each status change of the chosen services' requests is posted to
/// it, signed, retried with back-off; the same event always has the same id.
#[utoipa::path(
    post,
    path = "/webhooks",
    tag = "webhooks",
    operation_id = "register_webhook",
    security(("partner_key" = [])),
    params(super::doc::AcceptLanguage),
    request_body(content = WebhookIn, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered", body = WebhookOut,
            headers(("Location" = String, description = "The webhook's address in this API"))),
        (status = 400, description = "The body is not a webhook", body = super::ErrorBody),
        (status = 401, description = "No partner key, or a wrong or revoked one", body = super::ErrorBody),
        (status = 422, description = "Fields refused: `fields` names each with its reason", body = super::ErrorBody),
    ),
)]
pub async fn register(
    State(taka): State<Taka>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let lang = accept_language(&headers);
    let partner = partner_from(&taka, &headers, lang).await?;
    let input: WebhookIn =
        serde_json::from_slice(&body).map_err(|_| ApiError::new(AppError::BadRequest, lang))?;
    let view = taka
        .register_webhook(
            &partner,
            &NewWebhook {
                url: input.url,
                secret: input.secret,
                events: input.events,
                services: input.services,
            },
            lang,
        )
        .await
        .map_err(refused(lang))?;
    Ok((
        StatusCode::CREATED,
        [("location", format!("/api/v1/webhooks/{}", view.id))],
        Json(WebhookOut::from(&view)),
    )
        .into_response())
}

/// Delete one of the caller's webhooks (deliveries still waiting are dropped).
#[utoipa::path(
    delete,
    path = "/webhooks/{id}",
    tag = "webhooks",
    operation_id = "delete_webhook",
    security(("partner_key" = [])),
    params(
        ("id" = String, Path, description = "The webhook's `id`"),
        super::doc::AcceptLanguage,
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No partner key, or a wrong or revoked one", body = super::ErrorBody),
        (status = 404, description = "The caller has no webhook with this id", body = super::ErrorBody),
    ),
)]
pub async fn remove(
    State(taka): State<Taka>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let lang = accept_language(&headers);
    let partner = partner_from(&taka, &headers, lang).await?;
    taka.delete_webhook(&partner, &id)
        .await
        .map_err(refused(lang))?;
    Ok(StatusCode::NO_CONTENT)
}
