//! The JSON API (`/api/v1`): a thin adapter over the service layer.

use super::service::rfc3339;
use super::service::{IdempotencyKey, NewRequest};
use super::{AppState, Taka, accept_language};
use crate::domain::{Channel, FieldError, FieldErrors, FieldSpec, Lang};
use crate::error::AppError;
use crate::i18n_text::{self, locale};
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Largest request body the API accepts.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/services", get(list_services))
        .route("/services/{code}", get(get_service))
        // Files arrive with a request: sizes are checked as they stream in.
        .route(
            "/requests",
            post(create_request).layer(DefaultBodyLimit::disable()),
        )
        .route("/requests/{reference}", get(get_request))
        .route(
            "/requests/{reference}/attachments/{id}",
            get(get_attachment),
        )
        .route("/analytics/summary", get(analytics_summary))
        .route("/tokens", get(list_tokens))
        .route("/tokens/{id}", axum::routing::delete(revoke_token))
        .merge(super::partner_api::router())
        .fallback(|headers: HeaderMap| async move {
            ApiError::new(AppError::NotFound, accept_language(&headers))
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
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
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            json!({"error": {"code": self.code, "message": self.message, "fields": self.fields}});
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
    taka.partner_by_key(key)
        .await
        .map_err(|e| ApiError::new(e.into(), lang))
}

/// A service field as the API shows it: texts in one language.
#[derive(Serialize)]
struct ApiField {
    name: String,
    label: String,
    #[serde(rename = "type")]
    kind: &'static str,
    required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<String>,
    options: Vec<ApiOption>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<i64>,
    max_chars: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    earliest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latest: Option<String>,
    /// Asked only when an earlier field has this answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    show_if: Option<crate::domain::fields::ShowIf>,
    /// For files: the MIME types taken, the largest file and how many files.
    #[serde(skip_serializing_if = "Option::is_none")]
    accept: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_files: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_total_bytes: Option<u64>,
}

#[derive(Serialize)]
struct ApiOption {
    value: String,
    label: String,
}

fn api_field(f: &FieldSpec, lang: Lang) -> ApiField {
    let file = f.kind == crate::domain::FieldType::File;
    ApiField {
        name: f.name.clone(),
        label: f.label.get(lang).to_string(),
        kind: f.kind.as_str(),
        required: f.required,
        help: f.help.as_ref().map(|h| h.get(lang).to_string()),
        options: f
            .options
            .iter()
            .map(|o| ApiOption {
                value: o.value.clone(),
                label: o.label.get(lang).to_string(),
            })
            .collect(),
        min: f.min,
        max: f.max,
        max_chars: f.max_chars(),
        earliest: f.earliest.clone(),
        latest: f.latest.clone(),
        show_if: f.show_if.clone(),
        accept: file.then(|| f.file_kinds().into_iter().map(|k| k.mime()).collect()),
        max_bytes: file.then(|| f.max_file_bytes()),
        max_files: file.then(|| f.max_file_count()),
        max_total_bytes: f.max_total_bytes.filter(|_| file),
    }
}

async fn list_services(State(taka): State<Taka>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let lang = accept_language(&headers);
    let cat = taka
        .catalogue(lang)
        .await
        .map_err(|e| ApiError::new(e.into(), lang))?;
    let list: Vec<Value> = cat
        .services
        .iter()
        .map(|s| {
            json!({
                "code": s.code,
                "name": s.name,
                "summary": s.summary,
                "institution": {"code": s.institution.code, "name": s.institution.name, "kind": s.institution.kind},
                "sla_working_days": s.sla_days,
                "life_situations": s.life_situations,
                "asks_location": s.asks_location,
            })
        })
        .collect();
    Ok(Json(Value::Array(list)))
}

async fn get_service(
    State(taka): State<Taka>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    let lang = accept_language(&headers);
    let s = taka
        .service_detail(&code, lang)
        .await
        .map_err(|e| ApiError::new(e.into(), lang))?;
    let fields: Vec<ApiField> = s.fields.iter().map(|f| api_field(f, lang)).collect();
    Ok(Json(json!({
        "code": s.code,
        "name": s.name,
        "summary": s.summary,
        "description": s.description,
        "conditions": s.conditions,
        "documents": s.documents,
        "institution": {"code": s.institution.code, "name": s.institution.name, "kind": s.institution.kind},
        "sla_working_days": s.sla_days,
        "sla": {
            "register_working_hours": s.sla.register_hours,
            "decide_working_days": s.sla.decide_days,
            "fulfil_working_days": s.sla.fulfil_days,
            "target_share": f64::from(s.sla.target_pct) / 100.0,
        },
        "life_situations": s.life_situations.iter().map(|l| &l.code).collect::<Vec<_>>(),
        "version": s.version,
        "asks_location": s.asks_location,
        "fields": fields,
    })))
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    service_code: String,
    #[serde(default)]
    values: BTreeMap<String, Value>,
    contact: ContactIn,
    #[serde(default)]
    language: Option<String>,
    /// Where the request is about, for services that ask (`asks_location`).
    #[serde(default)]
    location: Option<LocationIn>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct LocationIn {
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    long: Option<f64>,
    #[serde(default)]
    address: Option<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ContactIn {
    name: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

/// Form values arrive as JSON; the domain validates strings, as a form would post them.
fn values_as_strings(
    values: &BTreeMap<String, Value>,
) -> Result<BTreeMap<String, String>, FieldErrors> {
    let mut out = BTreeMap::new();
    let mut errors = FieldErrors::new();
    for (k, v) in values {
        match v {
            Value::String(s) => {
                out.insert(k.clone(), s.clone());
            }
            Value::Number(n) => {
                out.insert(k.clone(), n.to_string());
            }
            Value::Bool(b) => {
                out.insert(k.clone(), if *b { "yes" } else { "no" }.to_string());
            }
            Value::Null => {}
            Value::Array(_) | Value::Object(_) => {
                errors.insert(k.clone(), FieldError::InvalidChoice);
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

async fn create_request(
    State(taka): State<Taka>,
    axum::Extension(client): axum::Extension<super::web::ClientIp>,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> ApiResult<Response> {
    let header_lang = accept_language(&headers);
    // Partners calling with a valid token or partner key are known; anonymous callers
    // share the web form's limit.
    let mut partner_id = None;
    if headers.contains_key(PARTNER_KEY_HEADER) {
        partner_id = Some(partner_from(&taka, &headers, header_lang).await?.id);
    } else if headers.contains_key(axum::http::header::AUTHORIZATION) {
        staff_from(&taka, &headers, header_lang, super::auth::Access::Any).await?;
    } else {
        taka.hit_client(super::service::Limit::Submit, client.0)
            .await
            .map_err(|e| ApiError::new(e.into(), header_lang))?;
    }
    let malformed = || ApiError {
        status: StatusCode::BAD_REQUEST,
        code: "malformed_json",
        message: i18n_text::malformed(locale(header_lang)),
        fields: BTreeMap::new(),
        retry_after: None,
    };
    let multipart = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    // JSON alone, or `multipart/form-data`: a `request` part with the same JSON first,
    // then one part per file, named after its field.
    let (raw, mut parts) = if multipart {
        let mut mp = axum::extract::Multipart::from_request(req, &())
            .await
            .map_err(|_| ApiError::new(AppError::BadRequest, header_lang))?;
        let first = mp
            .next_field()
            .await
            .map_err(|_| ApiError::new(AppError::BadRequest, header_lang))?
            .filter(|p| p.name() == Some("request"))
            .ok_or_else(malformed)?;
        let text = read_limited(first, MAX_BODY_BYTES)
            .await
            .ok_or_else(|| too_large(header_lang))?;
        let raw: Value = serde_json::from_slice(&text).map_err(|_| malformed())?;
        (raw, Some(mp))
    } else {
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| too_large(header_lang))?;
        let raw: Value = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
        (raw, None)
    };
    let req: CreateRequest = serde_json::from_value(raw.clone()).map_err(|_| malformed())?;
    let mut files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(mp) = parts.take() {
        let lang = req
            .language
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or(header_lang);
        let detail = taka
            .service_detail(&req.service_code, lang)
            .await
            .map_err(|e| ApiError::new(e.into(), lang))?;
        let uploader = taka.uploader(client.0);
        let post = super::files::read_multipart(
            &taka,
            mp,
            &uploader,
            super::files::api_rules(&detail.fields),
            super::files::TooLarge::Refuse,
        )
        .await
        .map_err(|e| ApiError::new(e, lang))?;
        if !post.errors.is_empty() {
            return Err(ApiError::new(AppError::Invalid(post.errors), lang));
        }
        for (field, f) in &post.files {
            let token = taka
                .create_upload(f, &req.service_code, field, &uploader)
                .await
                .map_err(|e| ApiError::new(e.into(), lang))?;
            files.entry(field.clone()).or_default().push(token);
        }
    }
    let lang = req
        .language
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(header_lang);
    let idempotency = match headers.get("idempotency-key") {
        Some(v) => {
            let key = v.to_str().unwrap_or("").trim();
            if key.is_empty() || key.len() > 200 {
                return Err(ApiError::new(AppError::BadRequest, lang));
            }
            // The body's canonical form (keys sorted) identifies "the same request".
            let canonical = serde_json::to_string(&raw).unwrap_or_default();
            Some(IdempotencyKey {
                key: key.to_string(),
                body_hash: super::service::sha256_hex(&canonical),
            })
        }
        None => None,
    };
    let values =
        values_as_strings(&req.values).map_err(|f| ApiError::new(AppError::Invalid(f), lang))?;
    let location = match &req.location {
        None => Default::default(),
        Some(l) => crate::domain::partners::Location::parse(
            &l.lat.map(|v| v.to_string()).unwrap_or_default(),
            &l.long.map(|v| v.to_string()).unwrap_or_default(),
            l.address.as_deref().unwrap_or(""),
        )
        .map_err(|errors| {
            let fields = errors
                .into_iter()
                .map(|(k, e)| (format!("location.{k}"), e))
                .collect();
            ApiError::new(AppError::Invalid(fields), lang)
        })?,
    };
    let new = NewRequest {
        service_code: req.service_code,
        values,
        contact_name: req.contact.name,
        contact_email: req.contact.email.unwrap_or_default(),
        contact_phone: req.contact.phone.unwrap_or_default(),
        lang,
        channel: Channel::Api,
        idempotency,
        files,
        origin: super::service::Origin {
            location,
            partner_id,
            ..Default::default()
        },
    };
    let receipt = taka
        .submit(new, None)
        .await
        .map_err(|e| ApiError::new(e.into(), lang))?;
    let body = json!({
        "reference": receipt.reference,
        "tracking_code": receipt.tracking_code,
        "status": receipt.status,
        "expected_by": rfc3339(receipt.expected_at),
    });
    Ok((
        StatusCode::CREATED,
        [(
            "location",
            format!("/api/v1/requests/{}", receipt.reference),
        )],
        Json(body),
    )
        .into_response())
}

async fn get_request(
    State(taka): State<Taka>,
    axum::Extension(client): axum::Extension<super::web::ClientIp>,
    headers: HeaderMap,
    Path(reference): Path<String>,
) -> ApiResult<Json<Value>> {
    let lang = accept_language(&headers);
    taka.hit_client(super::service::Limit::Track, client.0)
        .await
        .map_err(|e| ApiError::new(e.into(), lang))?;
    let code = tracking_code(&headers);
    let view = taka
        .track(&reference, code, lang)
        .await
        .map_err(|e| ApiError::new(e.into(), lang))?;
    let attachments: Vec<Value> = view
        .attachments
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "field": a.field,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "kind": a.visibility,
                "state": a.state,
                "url": (a.state == "ok").then(|| format!(
                    "/api/v1/requests/{}/attachments/{}",
                    view.reference, a.id
                )),
            })
        })
        .collect();
    let history: Vec<Value> = view
        .timeline
        .iter()
        .map(|e| json!({"at": rfc3339(e.at), "status": e.to_status, "action": e.action, "note": e.comment, "rule": e.rule}))
        .collect();
    Ok(Json(json!({
        "reference": view.reference,
        "service_code": view.service_code,
        "service_version": view.service_version,
        "status": view.status,
        "stage": view.stage,
        "submitted_at": rfc3339(view.submitted_at),
        "expected_by": view.sla.expected_iso,
        "sla_state": view.sla.state,
        "history": history,
        "attachments": attachments,
    })))
}

/// `GET /api/v1/requests/{reference}/attachments/{id}`: one of the request's files, with
/// the tracking code in `X-Tracking-Code` as for the request itself.
async fn get_attachment(
    State(taka): State<Taka>,
    axum::Extension(client): axum::Extension<super::web::ClientIp>,
    headers: HeaderMap,
    Path((reference, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let lang = accept_language(&headers);
    taka.hit_client(super::service::Limit::Download, client.0)
        .await
        .map_err(|e| ApiError::new(e.into(), lang))?;
    let code = tracking_code(&headers);
    let d = taka
        .requester_download(&reference, code, &id)
        .await
        .map_err(|e| ApiError::new(e.into(), lang))?;
    Ok(super::files::download_response(&taka, &d))
}

/// The requester's tracking code, from `X-Tracking-Code` (empty when missing).
fn tracking_code(headers: &HeaderMap) -> &str {
    headers
        .get("x-tracking-code")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The bytes of a multipart part, at most `max`.
async fn read_limited(
    mut part: axum::extract::multipart::Field<'_>,
    max: usize,
) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(chunk) = part.chunk().await.ok()? {
        out.extend_from_slice(&chunk);
        if out.len() > max {
            return None;
        }
    }
    Some(out)
}

fn too_large(lang: Lang) -> ApiError {
    ApiError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        code: "too_large",
        message: i18n_text::too_large(locale(lang), MAX_BODY_BYTES / 1024),
        fields: BTreeMap::new(),
        retry_after: None,
    }
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

#[derive(Deserialize)]
struct SummaryQuery {
    scope: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// Shares and averages derived from a period's counts (null where there is nothing to divide).
fn derived(c: &crate::model::PeriodCounts) -> Value {
    let share = |a: i64, b: i64| (b > 0).then(|| a as f64 / b as f64);
    json!({
        "sla_share": share(c.sla_met, c.sla_judged),
        "refusal_rate": share(c.refused, c.refused + c.approved),
        "average_rating": share(c.rating_sum, c.ratings),
    })
}

async fn analytics_summary(
    State(taka): State<Taka>,
    headers: HeaderMap,
    Query(q): Query<SummaryQuery>,
) -> ApiResult<Json<Value>> {
    let lang = accept_language(&headers);
    let staff = staff_from(&taka, &headers, lang, super::auth::Access::AnalyticsRead).await?;
    // Default period: the 30 days up to today.
    let today = super::service::local_date(taka.now());
    let to = q.to.unwrap_or_else(|| today.to_string());
    let from = q
        .from
        .unwrap_or_else(|| (today - chrono::Duration::days(29)).to_string());
    let summary = taka
        .analytics_summary(&staff, q.scope.as_deref(), &from, &to, lang)
        .await
        .map_err(|e| ApiError::new(e.into(), lang))?;
    let mut body =
        serde_json::to_value(&summary).map_err(|_| ApiError::new(AppError::Internal, lang))?;
    if let Some(obj) = body.as_object_mut() {
        obj.insert(
            "derived".into(),
            json!({"current": derived(&summary.current), "previous": derived(&summary.previous)}),
        );
    }
    Ok(Json(body))
}

async fn list_tokens(State(taka): State<Taka>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let lang = accept_language(&headers);
    let staff = staff_from(&taka, &headers, lang, super::auth::Access::Any).await?;
    let tokens = taka
        .list_tokens(&staff)
        .await
        .map_err(|e| ApiError::new(e.into(), lang))?;
    Ok(Json(json!(tokens)))
}

async fn revoke_token(
    State(taka): State<Taka>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let lang = accept_language(&headers);
    let staff = staff_from(&taka, &headers, lang, super::auth::Access::Any).await?;
    taka.revoke_token(&staff, id)
        .await
        .map_err(|e| ApiError::new(e.into(), lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Any JSON value, nested up to four levels.
    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|n| json!(n)),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z_]{0,12}|\\PC{0,8}", inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// What the create handler does with a body before the service layer: decode, shape,
    /// turn values into strings. A refusal is fine; a panic is not.
    fn decode(v: Value) {
        if let Ok(req) = serde_json::from_value::<CreateRequest>(v) {
            let _ = values_as_strings(&req.values);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn any_bytes_are_decoded_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
                decode(v);
            }
        }

        #[test]
        fn any_json_is_decoded_or_refused(v in json()) {
            decode(v);
        }

        #[test]
        fn request_shaped_json_is_decoded_or_refused(
            code in any::<String>(),
            values in proptest::collection::btree_map("[a-z_]{1,12}", json(), 0..10),
            name in any::<String>(),
            lang in proptest::option::of(any::<String>()),
        ) {
            decode(json!({"service_code": code, "values": values, "contact": {"name": name}, "language": lang}));
        }
    }
}
