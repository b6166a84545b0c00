//! `/api/v1/webhooks`: a partner system registers, lists and deletes its webhooks, known by
//! its key in `X-Api-Key` (`service/partners.rs` holds the rules).

use super::api::{ApiError, ApiResult, partner_from};
use super::service::NewWebhook;
use super::{AppState, Taka, accept_language};
use crate::error::AppError;
use crate::model::WebhookView;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks", get(list).post(register))
        .route("/webhooks/{id}", axum::routing::delete(remove))
}

/// What a partner posts to register a webhook.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookIn {
    url: String,
    secret: String,
    events: Vec<String>,
    services: Vec<String>,
}

fn shown(w: &WebhookView) -> Value {
    json!({
        "id": w.id,
        "url": w.url,
        "events": w.events,
        "services": w.services,
        "created_at": w.created_at,
    })
}

async fn list(State(taka): State<Taka>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let lang = accept_language(&headers);
    let partner = partner_from(&taka, &headers, lang).await?;
    let hooks = taka
        .partner_webhooks(partner.id, lang)
        .await
        .map_err(|e| ApiError::new(e.into(), lang))?;
    Ok(Json(json!({
        "webhooks": hooks.iter().map(shown).collect::<Vec<_>>(),
    })))
}

async fn register(
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
        .map_err(|e| ApiError::new(e.into(), lang))?;
    Ok((
        StatusCode::CREATED,
        [("location", format!("/api/v1/webhooks/{}", view.id))],
        Json(shown(&view)),
    )
        .into_response())
}

async fn remove(
    State(taka): State<Taka>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let lang = accept_language(&headers);
    let partner = partner_from(&taka, &headers, lang).await?;
    taka.delete_webhook(&partner, &id)
        .await
        .map_err(|e| ApiError::new(e.into(), lang))?;
    Ok(StatusCode::NO_CONTENT)
}
