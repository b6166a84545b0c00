//! Open311 GeoReport v2 at `/open311/v2` (<http://wiki.open311.org/GeoReport_v2>): discovery,
//! services and their definitions (built from our field schemas), requests posted by a
//! partner with its `api_key`, public requests with the standard filters, one request, and
//! tokens; every answer in JSON or XML as the path's extension says. A thin adapter: the
//! rules are the service layer's (`submit`, `partner_by_key`, `service/open311.rs`).

use super::service::open311::{PublicFilter, PublicRequest, new_public_token};
use super::service::{NewRequest, Origin, rfc3339};
use super::{AppState, Taka, accept_language};
use crate::domain::partners::Location;
use crate::domain::{Channel, FieldSpec, FieldType, Lang};
use crate::error::AppError;
use crate::i18n_text::{self, locale};
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use std::collections::BTreeMap;

mod format;
use format::{V, answer, error, opt_text, text};

/// The largest form a partner may post.
const MAX_BODY: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{file}", get(top).post(post_request))
        .route("/services/{file}", get(service_definition))
        .route("/requests/{file}", get(one_request))
        .route("/tokens/{file}", get(token))
}

/// JSON or XML, from the path's extension.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    Json,
    Xml,
}

/// `name.json` or `name.xml` into the name and its format.
pub fn split_format(file: &str) -> Option<(&str, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    let format = match ext.to_ascii_lowercase().as_str() {
        "json" => Format::Json,
        "xml" => Format::Xml,
        _ => return None,
    };
    (!name.is_empty()).then_some((name, format))
}

/// An error of the service layer, in the client's language; invalid fields one by one.
fn app_error(format: Format, e: AppError, lang: Lang) -> Response {
    let l = locale(lang);
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    // The specification answers a missing or wrong key with 403 and bad input with 400.
    let status = match status {
        StatusCode::UNAUTHORIZED => StatusCode::FORBIDDEN,
        StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
        s => s,
    };
    let descriptions = match e.field_errors() {
        Some(fields) if !fields.is_empty() => fields
            .iter()
            .map(|(k, v)| format!("{}: {}", open311_name(k), i18n_text::field_error(l, v)))
            .collect(),
        _ => vec![i18n_text::app_error(l, &e)],
    };
    error(format, status, descriptions)
}

/// Our field names as the partner posted them.
fn open311_name(field: &str) -> String {
    match field {
        "contact_name" => "first_name".into(),
        "contact_email" => "email".into(),
        "contact_phone" => "phone".into(),
        "location_address" => "address_string".into(),
        f if f.starts_with("location.") => f.trim_start_matches("location.").into(),
        f => format!("attribute[{f}]"),
    }
}

fn not_found(format: Format, lang: Lang) -> Response {
    app_error(format, AppError::NotFound, lang)
}

/// `GET /open311/v2/{discovery,services,requests}.{json,xml}`.
async fn top(
    State(taka): State<Taka>,
    headers: HeaderMap,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = accept_language(&headers);
    let Some((name, format)) = split_format(&file) else {
        return not_found(Format::Json, lang);
    };
    let params = pairs(query.as_deref().unwrap_or("").as_bytes());
    match name {
        "discovery" => discovery(&taka, format),
        "services" => services(&taka, format, lang).await,
        "requests" => requests(&taka, format, lang, &params).await,
        _ => not_found(format, lang),
    }
}

fn discovery(taka: &Taka, format: Format) -> Response {
    let base = format!("{}/open311/v2", taka.public_url());
    let body = V::Object(vec![
        ("changeset", text("2026-11-28T00:00:00Z")),
        (
            "contact",
            text(format!("{}/accessibility", taka.public_url())),
        ),
        (
            "key_service",
            text(format!("{}/staff/admin/partners", taka.public_url())),
        ),
        (
            "endpoints",
            V::List(
                "endpoint",
                vec![V::Object(vec![
                    (
                        "specification",
                        text("http://wiki.open311.org/GeoReport_v2"),
                    ),
                    ("url", text(base)),
                    ("changeset", text("2026-11-28T00:00:00Z")),
                    ("type", text("production")),
                    (
                        "formats",
                        V::List("format", vec![text("text/xml"), text("application/json")]),
                    ),
                ])],
            ),
        ),
    ]);
    answer(StatusCode::OK, format, "discovery", &body)
}

/// The fields Open311 can carry: files come otherwise.
fn attributes(fields: &[FieldSpec]) -> impl Iterator<Item = &FieldSpec> {
    fields.iter().filter(|f| f.kind != FieldType::File)
}

async fn services(taka: &Taka, format: Format, lang: Lang) -> Response {
    let catalogue = match taka.catalogue(lang).await {
        Ok(c) => c,
        Err(e) => return app_error(format, e.into(), lang),
    };
    let mut list = Vec::new();
    for s in catalogue.services {
        let metadata = match taka.service_detail(&s.code, lang).await {
            Ok(d) => attributes(&d.fields).next().is_some(),
            Err(e) => return app_error(format, e.into(), lang),
        };
        list.push(V::Object(vec![
            ("service_code", text(s.code)),
            ("service_name", text(s.name)),
            ("description", text(s.summary)),
            ("metadata", V::Bool(metadata)),
            ("type", text("realtime")),
            ("keywords", text(s.life_situations.join(","))),
            ("group", text(s.institution.name)),
        ]));
    }
    answer(
        StatusCode::OK,
        format,
        "services",
        &V::List("service", list),
    )
}

/// `GET /open311/v2/services/{code}.{json,xml}`: the form as Open311 attributes.
async fn service_definition(
    State(taka): State<Taka>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let lang = accept_language(&headers);
    let Some((code, format)) = split_format(&file) else {
        return not_found(Format::Json, lang);
    };
    let detail = match taka.service_detail(code, lang).await {
        Ok(d) => d,
        Err(e) => return app_error(format, e.into(), lang),
    };
    let l = locale(lang);
    let attrs: Vec<V> = attributes(&detail.fields)
        .enumerate()
        .map(|(i, f)| {
            let datatype = match f.kind {
                FieldType::Number => "number",
                FieldType::Date => "datetime",
                FieldType::LongText => "text",
                FieldType::Choice | FieldType::YesNo => "singlevaluelist",
                FieldType::MultiChoice => "multivaluelist",
                _ => "string",
            };
            let values: Vec<V> = if f.kind == FieldType::YesNo {
                [("yes", true), ("no", false)]
                    .into_iter()
                    .map(|(key, yes)| {
                        V::Object(vec![
                            ("key", text(key)),
                            ("name", text(i18n_text::yes_no(l, yes))),
                        ])
                    })
                    .collect()
            } else {
                f.options
                    .iter()
                    .map(|o| {
                        V::Object(vec![
                            ("key", text(o.value.clone())),
                            ("name", text(o.label.get(lang))),
                        ])
                    })
                    .collect()
            };
            let mut fields = vec![
                ("variable", V::Bool(true)),
                ("code", text(f.name.clone())),
                ("datatype", text(datatype)),
                ("required", V::Bool(f.required && f.show_if.is_none())),
                (
                    "datatype_description",
                    text(f.help.as_ref().map(|h| h.get(lang)).unwrap_or_default()),
                ),
                ("order", V::Int(i as i64 + 1)),
                ("description", text(f.label.get(lang))),
            ];
            if !values.is_empty() {
                fields.push(("values", V::List("value", values)));
            }
            V::Object(fields)
        })
        .collect();
    let body = V::Object(vec![
        ("service_code", text(detail.code)),
        ("attributes", V::List("attribute", attrs)),
    ]);
    answer(StatusCode::OK, format, "service_definition", &body)
}

/// `application/x-www-form-urlencoded` pairs, in order (repeated names kept).
pub fn pairs(bytes: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(bytes)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn first<'a>(params: &'a [(String, String)], name: &str) -> &'a str {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// A comma-separated parameter, trimmed, without empties.
fn list_param(params: &[(String, String)], name: &str) -> Vec<String> {
    first(params, name)
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// A W3C date-time (or a date, meaning its midnight UTC), as seconds.
pub fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(d.timestamp());
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp())
}

/// What a partner posted, as our form's values: `attribute[code]` (and `attribute[code][]`
/// for several values), and `description` into the first long text the form has when no
/// attribute filled it.
pub fn values_from(fields: &[FieldSpec], params: &[(String, String)]) -> BTreeMap<String, String> {
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in params {
        let Some(inner) = k.strip_prefix("attribute[") else {
            continue;
        };
        let (code, many) = match inner.strip_suffix("][]") {
            Some(code) => (code, true),
            None => (inner.strip_suffix(']').unwrap_or(inner), false),
        };
        if code.is_empty() || code.contains(['[', ']']) {
            continue;
        }
        match values.get_mut(code) {
            Some(existing) if many && !v.is_empty() => {
                existing.push(',');
                existing.push_str(v);
            }
            Some(_) => {}
            None => {
                values.insert(code.to_string(), v.clone());
            }
        }
    }
    let description = first(params, "description").trim();
    if !description.is_empty()
        && let Some(f) = fields
            .iter()
            .find(|f| f.kind == FieldType::LongText && !values.contains_key(&f.name))
    {
        values.insert(f.name.clone(), description.to_string());
    }
    values
}

/// `POST /open311/v2/requests.{json,xml}` with the partner's `api_key`.
async fn post_request(
    State(taka): State<Taka>,
    headers: HeaderMap,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    body: axum::body::Body,
) -> Response {
    let lang = accept_language(&headers);
    let Some(("requests", format)) = split_format(&file) else {
        return not_found(split_format(&file).map_or(Format::Json, |(_, f)| f), lang);
    };
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return app_error(
            format,
            AppError::TooLarge(crate::error::Quota::Request, MAX_BODY as u64),
            lang,
        );
    };
    // Parameters may come in the body (as the specification says) or the query.
    let mut params = pairs(&bytes);
    params.extend(pairs(query.as_deref().unwrap_or("").as_bytes()));
    let partner = match taka.partner_by_key(first(&params, "api_key")).await {
        Ok(p) => p,
        Err(e) => return app_error(format, e.into(), lang),
    };
    let code = first(&params, "service_code").trim().to_string();
    let detail = match taka.service_detail(&code, lang).await {
        Ok(d) => d,
        Err(e) => return app_error(format, e.into(), lang),
    };
    let location = match Location::parse(
        first(&params, "lat"),
        first(&params, "long"),
        first(&params, "address_string"),
    ) {
        Ok(l) => l,
        Err(errors) => {
            let fields = errors
                .into_iter()
                .map(|(k, e)| {
                    let name = if k == "address" {
                        "location_address"
                    } else {
                        k
                    };
                    (format!("location.{name}"), e)
                })
                .collect();
            return app_error(format, AppError::Invalid(fields), lang);
        }
    };
    let name = format!(
        "{} {}",
        first(&params, "first_name").trim(),
        first(&params, "last_name").trim()
    );
    let token = new_public_token();
    let new = NewRequest {
        values: values_from(&detail.fields, &params),
        service_code: code,
        // Nobody named: the partner system stands for the requester.
        contact_name: match name.trim() {
            "" => partner.name.clone(),
            n => n.to_string(),
        },
        contact_email: first(&params, "email").to_string(),
        contact_phone: first(&params, "phone").to_string(),
        lang,
        channel: Channel::Api,
        idempotency: None,
        files: Default::default(),
        origin: Origin {
            location,
            partner_id: Some(partner.id),
            public_token: Some(token.clone()),
            requester_id: None,
        },
    };
    let receipt = match taka.submit(new, None).await {
        Ok(r) => r,
        Err(e) => return app_error(format, e.into(), lang),
    };
    let body = V::List(
        "request",
        vec![V::Object(vec![
            ("service_request_id", text(receipt.reference)),
            ("token", text(token)),
            (
                "service_notice",
                text(i18n_text::status(locale(lang), receipt.status)),
            ),
            ("account_id", V::Null),
        ])],
    );
    answer(StatusCode::CREATED, format, "service_requests", &body)
}

/// One public request as the specification lists it.
fn request_value(r: &PublicRequest, lang: Lang) -> V {
    let status = r.status();
    V::Object(vec![
        ("service_request_id", text(r.reference.clone())),
        (
            "status",
            text(if status.is_some_and(|s| s.is_open()) {
                "open"
            } else {
                "closed"
            }),
        ),
        (
            "status_notes",
            text(status.map_or("", |s| i18n_text::status(locale(lang), s))),
        ),
        ("service_name", text(r.service_name.clone())),
        ("service_code", text(r.service_code.clone())),
        ("description", text("")),
        ("agency_responsible", text(r.institution_name.clone())),
        ("service_notice", text("")),
        ("requested_datetime", text(rfc3339(r.submitted_at))),
        ("updated_datetime", text(rfc3339(r.updated_at))),
        ("expected_datetime", text(rfc3339(r.due_at))),
        ("address", opt_text(r.address.as_deref())),
        ("address_id", text("")),
        ("zipcode", text("")),
        ("lat", r.latitude.map_or(V::Null, V::Number)),
        ("long", r.longitude.map_or(V::Null, V::Number)),
        ("media_url", text("")),
    ])
}

async fn requests(
    taka: &Taka,
    format: Format,
    lang: Lang,
    params: &[(String, String)],
) -> Response {
    let mut bad = Vec::new();
    let mut date = |name: &str| {
        let v = first(params, name);
        if v.trim().is_empty() {
            return None;
        }
        let parsed = parse_datetime(v);
        if parsed.is_none() {
            bad.push(format!(
                "{name}: {}",
                i18n_text::field_error(locale(lang), &crate::domain::FieldError::InvalidDate)
            ));
        }
        parsed
    };
    let start = date("start_date");
    let end = date("end_date");
    let open = match first(params, "status").trim() {
        "" => None,
        "open" => Some(true),
        "closed" => Some(false),
        _ => {
            bad.push(format!(
                "status: {}",
                i18n_text::field_error(locale(lang), &crate::domain::FieldError::InvalidChoice)
            ));
            None
        }
    };
    if !bad.is_empty() {
        return error(format, StatusCode::BAD_REQUEST, bad);
    }
    let filter = PublicFilter {
        references: list_param(params, "service_request_id"),
        service_codes: list_param(params, "service_code"),
        start,
        end,
        open,
    };
    match taka.public_requests(&filter, lang).await {
        Ok(rows) => answer(
            StatusCode::OK,
            format,
            "service_requests",
            &V::List(
                "request",
                rows.iter().map(|r| request_value(r, lang)).collect(),
            ),
        ),
        Err(e) => app_error(format, e.into(), lang),
    }
}

/// `GET /open311/v2/requests/{id}.{json,xml}`.
async fn one_request(
    State(taka): State<Taka>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let lang = accept_language(&headers);
    let Some((reference, format)) = split_format(&file) else {
        return not_found(Format::Json, lang);
    };
    let filter = PublicFilter {
        references: vec![reference.to_string()],
        ..Default::default()
    };
    match taka.public_requests(&filter, lang).await {
        Ok(rows) if !rows.is_empty() => answer(
            StatusCode::OK,
            format,
            "service_requests",
            &V::List(
                "request",
                rows.iter().map(|r| request_value(r, lang)).collect(),
            ),
        ),
        Ok(_) => not_found(format, lang),
        Err(e) => app_error(format, e.into(), lang),
    }
}

/// `GET /open311/v2/tokens/{token}.{json,xml}`: the request a token became.
async fn token(State(taka): State<Taka>, headers: HeaderMap, Path(file): Path<String>) -> Response {
    let lang = accept_language(&headers);
    let Some((token, format)) = split_format(&file) else {
        return not_found(Format::Json, lang);
    };
    match taka.reference_for_token(token).await {
        Ok(Some(reference)) => answer(
            StatusCode::OK,
            format,
            "service_requests",
            &V::List(
                "request",
                vec![V::Object(vec![
                    ("service_request_id", text(reference)),
                    ("token", text(token)),
                ])],
            ),
        ),
        Ok(None) => not_found(format, lang),
        Err(e) => app_error(format, e.into(), lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_come_from_the_extension() {
        assert_eq!(
            split_format("services.json"),
            Some(("services", Format::Json))
        );
        assert_eq!(split_format("VNP-1.XML"), Some(("VNP-1", Format::Xml)));
        assert_eq!(split_format("services"), None);
        assert_eq!(split_format(".json"), None);
        assert_eq!(split_format("services.html"), None);
    }

    #[test]
    fn attributes_become_values() {
        let fields: Vec<FieldSpec> = serde_json::from_value(serde_json::json!([
            {"name": "kind", "label": {"lv": "Veids"}, "type": "multi_choice",
             "options": [{"value": "a", "label": {"lv": "A"}}, {"value": "b", "label": {"lv": "B"}}]},
            {"name": "details", "label": {"lv": "Apraksts"}, "type": "long_text"},
        ]))
        .expect("fields");
        let params = pairs(
            b"attribute[kind][]=a&attribute[kind][]=b&attribute[x[y]]=1&description=Broken+light&attribute[]=2",
        );
        let v = values_from(&fields, &params);
        assert_eq!(v.get("kind").map(String::as_str), Some("a,b"));
        assert_eq!(v.get("details").map(String::as_str), Some("Broken light"));
        assert_eq!(v.len(), 2);
    }

    #[test]
    fn dates() {
        assert_eq!(parse_datetime("2026-11-28T10:00:00Z"), Some(1_795_860_000));
        assert_eq!(
            parse_datetime("2026-11-28T12:00:00+02:00"),
            Some(1_795_860_000)
        );
        assert_eq!(parse_datetime("2026-11-28"), Some(1_795_824_000));
        assert_eq!(parse_datetime("yesterday"), None);
    }
}
