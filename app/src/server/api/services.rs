//! `GET /services` and `GET /services/{code}`: the catalogue and one service's form.

use super::{ApiResult, refused};
use crate::domain::{FieldSpec, FieldType, InstitutionKind, Lang};
use crate::server::{Taka, accept_language};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Serialize;
use utoipa::ToSchema;

/// The institution that provides a service.
#[derive(Serialize, ToSchema)]
pub struct InstitutionOut {
    #[schema(example = "VNP")]
    code: String,
    name: String,
    kind: InstitutionKind,
}

impl From<&crate::model::InstitutionInfo> for InstitutionOut {
    fn from(i: &crate::model::InstitutionInfo) -> Self {
        InstitutionOut {
            code: i.code.clone(),
            name: i.name.clone(),
            kind: i.kind,
        }
    }
}

/// A service in the catalogue, in the language asked for (or a fallback).
#[derive(Serialize, ToSchema)]
pub struct ServiceOut {
    #[schema(example = "VNP-PIRMSSKOLA")]
    code: String,
    name: String,
    summary: String,
    institution: InstitutionOut,
    /// Working days from arrival to result when every stage takes its full time.
    sla_working_days: i64,
    /// Codes of the life situations it belongs to.
    life_situations: Vec<String>,
    /// Requests say where (`location` of a new request).
    asks_location: bool,
}

/// The service-level targets of each stage.
#[derive(Serialize, ToSchema)]
pub struct SlaTargets {
    register_working_hours: u32,
    decide_working_days: u32,
    fulfil_working_days: u32,
    /// Share of requests that must meet the targets (0 to 1).
    target_share: f64,
}

/// One service with the fields its request form asks for.
#[derive(Serialize, ToSchema)]
pub struct ServiceDetailOut {
    code: String,
    name: String,
    summary: String,
    description: String,
    conditions: String,
    /// Documents the requester should have ready.
    documents: Vec<String>,
    institution: InstitutionOut,
    sla_working_days: i64,
    sla: SlaTargets,
    life_situations: Vec<String>,
    /// The form's version: each published change makes a new one.
    version: i64,
    asks_location: bool,
    /// The form, in order: `values` of a new request are keyed by these names.
    fields: Vec<ApiField>,
}

/// A field of a service's form, its texts in one language.
#[derive(Serialize, ToSchema)]
pub struct ApiField {
    name: String,
    label: String,
    /// One of `text`, `long_text`, `number`, `date`, `choice`, `multi_choice`, `yes_no`,
    /// `email`, `phone`, `file`.
    #[serde(rename = "type")]
    kind: &'static str,
    required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<String>,
    /// For choices: the values taken and their labels.
    options: Vec<ApiOption>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<i64>,
    max_chars: usize,
    /// For dates: the earliest and latest taken (`YYYY-MM-DD`, or relative such as `today`).
    #[serde(skip_serializing_if = "Option::is_none")]
    earliest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latest: Option<String>,
    /// Asked only when an earlier field has this answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    show_if: Option<crate::domain::fields::ShowIf>,
    /// For files: the MIME types taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    accept: Option<Vec<&'static str>>,
    /// For files: the largest file, how many files, and their largest total.
    #[serde(skip_serializing_if = "Option::is_none")]
    max_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_files: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_total_bytes: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiOption {
    value: String,
    label: String,
}

fn api_field(f: &FieldSpec, lang: Lang) -> ApiField {
    let file = f.kind == FieldType::File;
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

/// The catalogue: every published service.
#[utoipa::path(
    get,
    path = "/services",
    tag = "services",
    params(super::doc::AcceptLanguage),
    responses(
        (status = 200, description = "Every published service", body = Vec<ServiceOut>),
    ),
)]
pub async fn list_services(
    State(taka): State<Taka>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<ServiceOut>>> {
    let lang = accept_language(&headers);
    let cat = taka.catalogue(lang).await.map_err(refused(lang))?;
    Ok(Json(
        cat.services
            .iter()
            .map(|s| ServiceOut {
                code: s.code.clone(),
                name: s.name.clone(),
                summary: s.summary.clone(),
                institution: (&s.institution).into(),
                sla_working_days: s.sla_days,
                life_situations: s.life_situations.clone(),
                asks_location: s.asks_location,
            })
            .collect(),
    ))
}

/// One service and its request form.
#[utoipa::path(
    get,
    path = "/services/{code}",
    tag = "services",
    params(
        ("code" = String, Path, description = "The service's code", example = "VNP-PIRMSSKOLA"),
        super::doc::AcceptLanguage,
    ),
    responses(
        (status = 200, description = "The service", body = ServiceDetailOut),
        (status = 404, description = "No published service has this code", body = super::ErrorBody),
    ),
)]
pub async fn get_service(
    State(taka): State<Taka>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Json<ServiceDetailOut>> {
    let lang = accept_language(&headers);
    let s = taka
        .service_detail(&code, lang)
        .await
        .map_err(refused(lang))?;
    Ok(Json(ServiceDetailOut {
        fields: s.fields.iter().map(|f| api_field(f, lang)).collect(),
        code: s.code,
        name: s.name,
        summary: s.summary,
        description: s.description,
        conditions: s.conditions,
        documents: s.documents,
        institution: (&s.institution).into(),
        sla_working_days: s.sla_days,
        sla: SlaTargets {
            register_working_hours: s.sla.register_hours,
            decide_working_days: s.sla.decide_days,
            fulfil_working_days: s.sla.fulfil_days,
            target_share: f64::from(s.sla.target_pct) / 100.0,
        },
        life_situations: s.life_situations.into_iter().map(|l| l.code).collect(),
        version: s.version,
        asks_location: s.asks_location,
    }))
}
