//! `POST /requests`, `GET /requests/{reference}` and its files: making and following a
//! request.

use super::{ApiError, ApiResult, MAX_BODY_BYTES, PARTNER_KEY_HEADER, partner_from, refused};
use crate::domain::{ActionKind, Channel, FieldError, FieldErrors, Lang, SlaState, Stage, Status};
use crate::error::AppError;
use crate::model::Visibility;
use crate::server::service::{IdempotencyKey, NewRequest, rfc3339};
use crate::server::{Taka, accept_language};
use axum::Json;
use axum::extract::{FromRequest, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A new request.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    #[schema(example = "VNP-PROBLEMA")]
    service_code: String,
    /// The answers, keyed by the service's field names (`GET /services/{code}`): strings,
    /// numbers or booleans. Files: the `multipart/form-data` form of this operation.
    #[serde(default)]
    #[schema(schema_with = field_values)]
    values: BTreeMap<String, Value>,
    contact: ContactIn,
    /// `lv`, `en`, ...: the language of messages to the requester (default: `Accept-Language`).
    #[serde(default)]
    language: Option<String>,
    /// Where the request is about, for services that ask (`asks_location`).
    #[serde(default)]
    location: Option<LocationIn>,
}

/// Coordinates (WGS 84), an address, or both.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationIn {
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    long: Option<f64>,
    #[serde(default)]
    address: Option<String>,
}

/// Who to answer: a name and an e-mail address or phone number.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactIn {
    #[schema(min_length = 1)]
    name: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

/// A new request with files: the JSON of `CreateRequest` in a part named `request`, first,
/// then one part per file, named after its field (repeated for several files).
pub struct CreateRequestWithFiles;

impl utoipa::PartialSchema for CreateRequestWithFiles {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "`request` first: the new request as JSON; then one part per file, named after its field",
            ))
            .property(
                "request",
                utoipa::openapi::Ref::from_schema_name("CreateRequest"),
            )
            .required("request")
            // Parts are named after the service's fields (`FieldSpec::name`).
            .property_names(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some("^[a-z0-9_]{1,40}$")),
            ))
            .additional_properties(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary))),
            ))
            .into()
    }
}

impl ToSchema for CreateRequestWithFiles {}

/// What a new request's maker keeps: the reference and the code that proves it is theirs.
#[derive(Serialize, ToSchema)]
pub struct RequestCreated {
    #[schema(example = "VNP-2026-000123")]
    reference: String,
    /// Shown once: send it in `X-Tracking-Code` to follow the request.
    tracking_code: String,
    status: Status,
    /// When the result can be expected (RFC 3339).
    expected_by: String,
}

/// A request as its maker sees it.
#[derive(Serialize, ToSchema)]
pub struct RequestOut {
    reference: String,
    service_code: String,
    /// The version of the service's form it was made under.
    service_version: i64,
    status: Status,
    stage: Stage,
    submitted_at: String,
    expected_by: String,
    sla_state: SlaState,
    /// What happened, oldest first.
    history: Vec<HistoryEntry>,
    attachments: Vec<AttachmentOut>,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryEntry {
    at: String,
    status: Status,
    action: ActionKind,
    /// What staff told the requester.
    note: Option<String>,
    /// The automation rule behind a step the system took.
    rule: Option<String>,
}

/// A file of the request: the requester's own, or a document staff gave them.
#[derive(Serialize, ToSchema)]
pub struct AttachmentOut {
    id: String,
    field: Option<String>,
    name: String,
    content_type: String,
    size: i64,
    sha256: String,
    kind: Visibility,
    /// `ok`, `quarantined` (waiting for the virus scanner), `infected` (refused), `erased`.
    state: String,
    /// Where to download it (only in state `ok`).
    url: Option<String>,
}

/// The schema of `values`: answers are strings, numbers, booleans or null.
fn field_values() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(ObjectBuilder::new().schema_type(
            SchemaType::from_iter([Type::String, Type::Number, Type::Boolean, Type::Null]),
        )))
        .build()
}

/// An `Idempotency-Key`: 1 to 200 visible ASCII characters, no spaces.
pub(super) fn idempotency_key_ok(key: &str) -> bool {
    (1..=200).contains(&key.len()) && key.bytes().all(|b| (b'!'..=b'~').contains(&b))
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

/// Make a request. Anyone may (limited per address); a partner system sends its key, and
/// staff their token, to be known.
#[utoipa::path(
    post,
    path = "/requests",
    tag = "requests",
    security((), ("partner_key" = []), ("staff_token" = [])),
    params(
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,200}$", description = "Sending the same body again with the same key returns the first answer instead of making a second request: 1 to 200 visible ASCII characters"),
        super::doc::AcceptLanguage,
    ),
    request_body(content(
        (CreateRequest = "application/json"),
        (CreateRequestWithFiles = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "Made", body = RequestCreated,
            headers(("Location" = String, description = "The request's address in this API"))),
        (status = 400, description = "The body is not a request (`malformed_json`, `bad_request`)", body = super::ErrorBody),
        (status = 401, description = "A partner key or token was sent and is wrong", body = super::ErrorBody),
        (status = 403, description = "The partner key is not given this service", body = super::ErrorBody),
        (status = 404, description = "No published service has this code", body = super::ErrorBody),
        (status = 409, description = "The idempotency key came with another body", body = super::ErrorBody),
        (status = 413, description = "Too large a body or file", body = super::ErrorBody),
        (status = 422, description = "Fields refused: `fields` names each with its reason (a multipart body must start with `request`; a part after it that is not a file is refused at its name)", body = super::ErrorBody),
        (status = 429, description = "Too many requests from this address: wait `Retry-After` seconds", body = super::ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    ),
)]
pub async fn create_request(
    State(taka): State<Taka>,
    axum::Extension(client): axum::Extension<crate::server::web::ClientIp>,
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
        super::staff_from(
            &taka,
            &headers,
            header_lang,
            crate::server::auth::Access::Any,
        )
        .await?;
    } else {
        taka.hit_client(crate::server::service::Limit::Submit, client.0)
            .await
            .map_err(refused(header_lang))?;
    }
    let multipart = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let bad = || ApiError::new(AppError::BadRequest, header_lang);
    // JSON alone, or `multipart/form-data`: a `request` part with the same JSON first,
    // then one part per file, named after its field.
    let (raw, mut parts) = if multipart {
        let mut mp = axum::extract::Multipart::from_request(req, &())
            .await
            .map_err(|_| bad())?;
        let first = mp
            .next_field()
            .await
            .map_err(|_| bad())?
            .filter(|p| p.name() == Some("request"))
            .ok_or_else(|| {
                // The files are checked against the service's fields as they stream in,
                // so the request that names the service must come first.
                let mut missing = FieldErrors::new();
                missing.insert("request".into(), FieldError::Required);
                ApiError::new(AppError::Invalid(missing), header_lang)
            })?;
        let text = read_limited(first, MAX_BODY_BYTES)
            .await
            .ok_or_else(|| ApiError::too_large(header_lang))?;
        let raw: Value =
            serde_json::from_slice(&text).map_err(|_| ApiError::malformed(header_lang))?;
        (raw, Some(mp))
    } else {
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| ApiError::too_large(header_lang))?;
        let raw: Value =
            serde_json::from_slice(&bytes).map_err(|_| ApiError::malformed(header_lang))?;
        (raw, None)
    };
    let req: CreateRequest =
        serde_json::from_value(raw.clone()).map_err(|_| ApiError::malformed(header_lang))?;
    let lang = req
        .language
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(header_lang);
    let mut files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(mp) = parts.take() {
        let detail = taka
            .service_detail(&req.service_code, lang)
            .await
            .map_err(refused(lang))?;
        let uploader = taka.uploader(client.0);
        let mut post = crate::server::files::read_multipart(
            &taka,
            mp,
            &uploader,
            crate::server::files::api_rules(&detail.fields),
            crate::server::files::TooLarge::Refuse,
        )
        .await
        .map_err(|e| ApiError::new(e, lang))?;
        // After `request`, every part is a file: a plain field is not one the API takes.
        for (name, _) in std::mem::take(&mut post.text) {
            post.errors
                .insert(name, crate::domain::FieldError::UnknownField);
        }
        if !post.errors.is_empty() {
            return Err(ApiError::new(AppError::Invalid(post.errors), lang));
        }
        for (field, f) in &post.files {
            let token = taka
                .create_upload(f, &req.service_code, field, &uploader)
                .await
                .map_err(refused(lang))?;
            files.entry(field.clone()).or_default().push(token);
        }
    }
    let idempotency = match headers.get("idempotency-key") {
        Some(v) => {
            let key = v.to_str().unwrap_or("");
            if !idempotency_key_ok(key) {
                return Err(ApiError::new(AppError::BadRequest, lang));
            }
            // The body's canonical form (keys sorted) identifies "the same request".
            let canonical = serde_json::to_string(&raw).unwrap_or_default();
            Some(IdempotencyKey {
                key: key.to_string(),
                body_hash: crate::server::service::sha256_hex(&canonical),
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
        origin: crate::server::service::Origin {
            location,
            partner_id,
            ..Default::default()
        },
    };
    let receipt = taka.submit(new, None).await.map_err(refused(lang))?;
    Ok((
        StatusCode::CREATED,
        [(
            "location",
            format!("/api/v1/requests/{}", receipt.reference),
        )],
        Json(RequestCreated {
            expected_by: rfc3339(receipt.expected_at),
            reference: receipt.reference,
            tracking_code: receipt.tracking_code,
            status: receipt.status,
        }),
    )
        .into_response())
}

/// One request, proved by its tracking code.
#[utoipa::path(
    get,
    path = "/requests/{reference}",
    tag = "requests",
    params(
        ("reference" = String, Path, description = "The request's reference", example = "VNP-2026-000123"),
        ("X-Tracking-Code" = Option<String>, Header, description = "The code given when the request was made"),
        super::doc::AcceptLanguage,
    ),
    responses(
        (status = 200, description = "The request", body = RequestOut),
        (status = 404, description = "No such request, or the code is not its code", body = super::ErrorBody),
        (status = 429, description = "Too many lookups from this address: wait `Retry-After` seconds", body = super::ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    ),
)]
pub async fn get_request(
    State(taka): State<Taka>,
    axum::Extension(client): axum::Extension<crate::server::web::ClientIp>,
    headers: HeaderMap,
    Path(reference): Path<String>,
) -> ApiResult<Json<RequestOut>> {
    let lang = accept_language(&headers);
    taka.hit_client(crate::server::service::Limit::Track, client.0)
        .await
        .map_err(refused(lang))?;
    let view = taka
        .track(&reference, tracking_code(&headers), lang)
        .await
        .map_err(refused(lang))?;
    let attachments = view
        .attachments
        .iter()
        .map(|a| AttachmentOut {
            id: a.id.clone(),
            field: a.field.clone(),
            name: a.name.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            sha256: a.sha256.clone(),
            kind: a.visibility,
            state: a.state.clone(),
            url: (a.state == "ok")
                .then(|| format!("/api/v1/requests/{}/attachments/{}", view.reference, a.id)),
        })
        .collect();
    let history = view
        .timeline
        .iter()
        .map(|e| HistoryEntry {
            at: rfc3339(e.at),
            status: e.to_status,
            action: e.action,
            note: e.comment.clone(),
            rule: e.rule.clone(),
        })
        .collect();
    Ok(Json(RequestOut {
        submitted_at: rfc3339(view.submitted_at),
        expected_by: view.sla.expected_iso,
        sla_state: view.sla.state,
        reference: view.reference,
        service_code: view.service_code,
        service_version: view.service_version,
        status: view.status,
        stage: view.stage,
        history,
        attachments,
    }))
}

/// One of the request's files, with the tracking code as for the request itself.
#[utoipa::path(
    get,
    path = "/requests/{reference}/attachments/{id}",
    tag = "requests",
    params(
        ("reference" = String, Path, description = "The request's reference"),
        ("id" = String, Path, description = "The file's `id` in the request's `attachments`"),
        ("X-Tracking-Code" = Option<String>, Header, description = "The code given when the request was made"),
        super::doc::AcceptLanguage,
    ),
    responses(
        (status = 200, description = "The file, with its own content type", content_type = "*/*", body = Vec<u8>),
        (status = 404, description = "No such request or file, or the code is not the request's", body = super::ErrorBody),
        (status = 429, description = "Too many downloads from this address: wait `Retry-After` seconds", body = super::ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    ),
)]
pub async fn get_attachment(
    State(taka): State<Taka>,
    axum::Extension(client): axum::Extension<crate::server::web::ClientIp>,
    headers: HeaderMap,
    Path((reference, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let lang = accept_language(&headers);
    taka.hit_client(crate::server::service::Limit::Download, client.0)
        .await
        .map_err(refused(lang))?;
    let d = taka
        .requester_download(&reference, tracking_code(&headers), &id)
        .await
        .map_err(refused(lang))?;
    Ok(crate::server::files::download_response(&taka, &d))
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
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

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
