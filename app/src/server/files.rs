//! Files over HTTP: multipart form posts (the request form without JavaScript, the
//! requester's answer, staff documents), the browser's uploads ahead of its form, and
//! downloads, always as attachments that no browser renders.
//!
//! Every file streams from the connection into the service layer (`service::files`) and
//! back out; none is held whole in memory.

use super::service::files::{ClaimedFile, StoredFile, Uploader};
use super::service::{Client, NewRequest, StaffContext};
use super::{AppState, Taka};
use crate::domain::files::FileKind;
use crate::domain::{Channel, FieldErrors, FieldType, Lang};
use crate::error::AppError;
use crate::i18n_text::{self, locale};
use crate::model::Visibility;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::StreamExt;
use leptos::server_fn::ServerFn;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

/// The cookie that keeps files a form post without JavaScript already delivered, when the
/// form came back with an error: the form shows them and posts them again, no re-upload.
pub const PENDING_COOKIE: &str = "taka_files";

/// Most text parts, and bytes of one, a form post may carry besides its files.
const MAX_TEXT_PARTS: usize = 300;
const MAX_TEXT_BYTES: usize = 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/uploads", post(upload))
        .route("/submit", post(submit_form))
        .route("/track/answer", post(answer_form))
        .route("/track/files/{id}", get(requester_file))
        .route("/staff/requests/{reference}/files", post(staff_attach_form))
        .route("/staff/files/{id}", get(staff_file))
        // Sizes are checked as the files stream in (per file, per request, per day).
        .layer(axum::extract::DefaultBodyLimit::disable())
}

/// What a multipart post carried: its text parts, and its files stored as they came.
pub struct FormPost {
    pub text: Vec<(String, String)>,
    /// By the part's name.
    pub files: Vec<(String, StoredFile)>,
    /// Files refused (wrong kind, too large), by part name.
    pub errors: FieldErrors,
}

impl FormPost {
    pub fn value(&self, name: &str) -> Option<&str> {
        self.text
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Read a multipart body. `rules(part name)` gives the kinds and the largest size a file
/// part takes, or `None` when the part takes no file. A refused file is noted in
/// `errors` under the part's field (the rest of the post is still read); quotas over the
/// request or the day end the post with their error.
pub async fn read_multipart(
    taka: &Taka,
    mut mp: Multipart,
    uploader: &Uploader,
    rules: impl Fn(&str) -> Option<(String, Vec<FileKind>, u64)>,
    too_large: TooLarge,
) -> Result<FormPost, AppError> {
    let read = read_parts(taka, &mut mp, uploader, rules, too_large).await;
    if read.is_err() {
        drain(&mut mp).await;
    }
    read
}

/// Most bytes read and dropped after a refusal, so that the client, still sending, gets
/// the answer instead of a closed connection.
const DRAIN_BYTES: u64 = 128_000_000;

async fn drain(mp: &mut Multipart) {
    let mut dropped: u64 = 0;
    while let Ok(Some(mut part)) = mp.next_field().await {
        while let Ok(Some(chunk)) = part.chunk().await {
            dropped += chunk.len() as u64;
            if dropped > DRAIN_BYTES {
                return;
            }
        }
    }
}

async fn read_parts(
    taka: &Taka,
    mp: &mut Multipart,
    uploader: &Uploader,
    rules: impl Fn(&str) -> Option<(String, Vec<FileKind>, u64)>,
    too_large: TooLarge,
) -> Result<FormPost, AppError> {
    let mut post = FormPost {
        text: Vec::new(),
        files: Vec::new(),
        errors: FieldErrors::new(),
    };
    let mut total: u64 = 0;
    let max_total = taka.file_policy().max_request_bytes;
    loop {
        let part = match mp.next_field().await {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) => {
                tracing::info!(error = %e, "malformed multipart body");
                return Err(AppError::BadRequest);
            }
        };
        let name = part.name().unwrap_or("").to_string();
        if let Some(file_name) = part.file_name().map(str::to_string) {
            // A file input left empty still sends a part, without a name or bytes.
            if file_name.is_empty() {
                continue;
            }
            let Some((field, kinds, max)) = rules(&name) else {
                post.errors
                    .insert(name.clone(), crate::domain::FieldError::UnknownField);
                continue;
            };
            let left = max_total.saturating_sub(total);
            match taka
                .store_file(
                    &field,
                    &file_name,
                    part,
                    &kinds,
                    max.min(left.max(1)),
                    uploader,
                )
                .await
            {
                Ok(f) => {
                    total += f.size;
                    post.files.push((field, f));
                }
                Err(e) => match AppError::from(e) {
                    AppError::Invalid(errs) => post.errors.extend(errs),
                    AppError::TooLarge(crate::error::Quota::File, m)
                        if m < left && too_large == TooLarge::FieldError =>
                    {
                        post.errors
                            .insert(field, crate::domain::FieldError::FileTooLarge { max: m });
                    }
                    AppError::TooLarge(crate::error::Quota::File, m) if m < left => {
                        return Err(AppError::TooLarge(crate::error::Quota::File, m));
                    }
                    AppError::TooLarge(crate::error::Quota::File, _) => {
                        return Err(AppError::TooLarge(crate::error::Quota::Request, max_total));
                    }
                    other => return Err(other),
                },
            }
        } else {
            if post.text.len() >= MAX_TEXT_PARTS {
                return Err(AppError::BadRequest);
            }
            let mut bytes = Vec::new();
            let mut part = part;
            while let Some(chunk) = part.next().await {
                let chunk = chunk.map_err(|_| AppError::BadRequest)?;
                bytes.extend_from_slice(&chunk);
                if bytes.len() > MAX_TEXT_BYTES {
                    return Err(AppError::BadRequest);
                }
            }
            let value = String::from_utf8(bytes).map_err(|_| AppError::BadRequest)?;
            post.text.push((name, value));
        }
    }
    Ok(post)
}

/// How a file over its field's limit is answered: at the field, so a form shows it with
/// the rest (forms for people), or as the whole post's 413 (uploads, the API).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TooLarge {
    FieldError,
    Refuse,
}

/// `values[a]` → ("values", ["a"]); `multi[a][b]` → ("multi", ["a", "b"]).
fn bracketed(key: &str) -> (&str, Vec<&str>) {
    match key.split_once('[') {
        None => (key, Vec::new()),
        Some((head, rest)) => (
            head,
            rest.trim_end_matches(']').split("][").collect::<Vec<_>>(),
        ),
    }
}

/// The upload tokens a form names: `upload[FIELD][TOKEN]` (a kept file's box).
fn upload_tokens(text: &[(String, String)]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, _) in text {
        if let ("upload", parts) = bracketed(k)
            && let [field, token] = parts.as_slice()
        {
            out.entry(field.to_string())
                .or_default()
                .push(token.to_string());
        }
    }
    out
}

fn lang_and_client(state: &AppState, parts: &axum::http::request::Parts) -> (Lang, Client) {
    let _ = state;
    (
        super::request_lang(&parts.headers),
        super::web::client_of(parts),
    )
}

async fn multipart_of(
    state: &AppState,
    parts: axum::http::request::Parts,
    body: Body,
) -> Result<Multipart, AppError> {
    Multipart::from_request(axum::extract::Request::from_parts(parts, body), state)
        .await
        .map_err(|_| AppError::BadRequest)
}

/// Where a form post without JavaScript goes back to with its error: the page it came
/// from, with the error in the address as Leptos reads it for the server function
/// `fn_path` (`__path`, `__err`).
fn back_with_error(headers: &HeaderMap, fallback: &str, fn_path: &str, e: AppError) -> Response {
    let page = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(url_path)
        .unwrap_or_else(|| fallback.to_string());
    let target = leptos::server_fn::error::ServerFnUrlError::new(fn_path, e)
        .to_url(&format!("http://local{page}"))
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        })
        .unwrap_or_else(|_| fallback.to_string());
    Redirect::to(&target).into_response()
}

/// The path and query of a URL on this site (a `Referer`), without earlier errors.
fn url_path(r: &str) -> Option<String> {
    let url = url::Url::parse(r).ok()?;
    let query: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "__path" && k != "__err")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut out = url.path().to_string();
    if !query.is_empty() {
        out.push('?');
        out.push_str(
            &url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(query)
                .finish(),
        );
    }
    out.starts_with('/').then_some(out)
}

fn set_cookie(resp: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The pending-files cookie: `field|token|name` entries, percent-encoded, newest form's.
fn pending_cookie(secure: bool, entries: &[(String, String, String)]) -> String {
    let value = entries
        .iter()
        .take(12)
        .map(|(f, t, n)| {
            format!(
                "{}|{}|{}",
                urlencoding::encode(f),
                urlencoding::encode(t),
                urlencoding::encode(n)
            )
        })
        .collect::<Vec<_>>()
        .join(",");
    let max_age = if entries.is_empty() { 0 } else { 86_400 };
    format!(
        "{PENDING_COOKIE}={}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
        urlencoding::encode(&value),
        if secure { "; Secure" } else { "" }
    )
}

/// Files a form post without JavaScript delivered before it came back with an error:
/// (field, token, name).
pub fn pending_files(headers: &HeaderMap) -> Vec<(String, String, String)> {
    let Some(raw) = super::cookie(headers, PENDING_COOKIE) else {
        return Vec::new();
    };
    let decoded = urlencoding::decode(&raw)
        .map(|c| c.into_owned())
        .unwrap_or_default();
    decoded
        .split(',')
        .filter_map(|e| {
            let mut p = e.splitn(3, '|');
            let d = |s: Option<&str>| {
                s.and_then(|s| urlencoding::decode(s).ok().map(|c| c.into_owned()))
            };
            Some((d(p.next())?, d(p.next())?, d(p.next())?))
        })
        .filter(|(f, t, _)| !f.is_empty() && t.len() <= 80)
        .take(12)
        .collect()
}

/// The kinds and size a service's file field takes.
async fn field_rules(
    taka: &Taka,
    service_code: &str,
    lang: Lang,
) -> Result<Vec<crate::domain::FieldSpec>, AppError> {
    let detail = taka
        .service_detail(service_code, lang)
        .await
        .map_err(AppError::from)?;
    Ok(detail.fields)
}

// ---------------------------------------------------------------------------------------
// `POST /submit`: the request form with files, without JavaScript.
// ---------------------------------------------------------------------------------------

async fn submit_form(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let (parts, body) = req.into_parts();
    let headers = parts.headers.clone();
    let (lang, client) = lang_and_client(&state, &parts);
    let taka = state.taka.clone();
    let secure = taka.policy().secure_cookies;
    let fn_path = crate::fns::SubmitRequest::PATH;
    let outcome = submit_multipart(&state, parts, body, lang, &client).await;
    match outcome {
        Ok((reference, code)) => {
            let mut resp =
                Redirect::to(&format!("/receipt?ref={}", urlencoding::encode(&reference)))
                    .into_response();
            set_cookie(
                &mut resp,
                &super::tracking_cookie(&headers, secure, &reference, &code),
            );
            set_cookie(&mut resp, &pending_cookie(secure, &[]));
            resp
        }
        Err((e, pending, code)) => {
            let mut resp =
                back_with_error(&headers, &format!("/services/{code}/request"), fn_path, e);
            set_cookie(&mut resp, &pending_cookie(secure, &pending));
            resp
        }
    }
}

type Pending = Vec<(String, String, String)>;

async fn submit_multipart(
    state: &AppState,
    parts: axum::http::request::Parts,
    body: Body,
    lang: Lang,
    client: &Client,
) -> Result<(String, String), (AppError, Pending, String)> {
    let taka = &state.taka;
    let headers = parts.headers.clone();
    // The service code comes first in the form, but a multipart body is read in order:
    // it is taken from the address the form posts to (`/submit?service=`), else the body.
    let service_q = parts
        .uri
        .query()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "service")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default();
    let fail = |e: AppError| (e, Vec::new(), service_q.clone());
    let fields = field_rules(taka, &service_q, lang).await.map_err(fail)?;
    let uploader = taka.uploader(client.ip);
    let mp = multipart_of(state, parts, body).await.map_err(fail)?;
    let rules = |part: &str| {
        let (head, p) = bracketed(part);
        let name = match (head, p.as_slice()) {
            ("file", [name]) => *name,
            _ => return None,
        };
        let spec = fields
            .iter()
            .find(|f| f.name == name && f.kind == FieldType::File)?;
        Some((name.to_string(), spec.file_kinds(), spec.max_file_bytes()))
    };
    let post = read_multipart(taka, mp, &uploader, rules, TooLarge::FieldError)
        .await
        .map_err(fail)?;
    let service_code = post
        .value("service_code")
        .map(str::to_string)
        .unwrap_or(service_q.clone());
    // Every file delivered becomes an upload, so a form that comes back keeps it.
    let mut tokens = upload_tokens(&post.text);
    let mut pending: Pending = Vec::new();
    for (field, f) in &post.files {
        let token = taka
            .create_upload(f, &service_code, field, &uploader)
            .await
            .map_err(|e| (AppError::from(e), Vec::new(), service_code.clone()))?;
        tokens.entry(field.clone()).or_default().push(token.clone());
        // A file the scanner refused is recorded with the request, never offered back.
        if !matches!(f.scan, super::service::files::Scan::Infected(_)) {
            pending.push((field.clone(), token, f.name.clone()));
        }
    }
    for (k, _) in &post.text {
        if let ("upload", p) = bracketed(k)
            && let [field, token] = p.as_slice()
            && let Some(name) = pending_files(&headers)
                .into_iter()
                .find(|(_, t, _)| t == token)
                .map(|(_, _, n)| n)
        {
            pending.push((field.to_string(), token.to_string(), name));
        }
    }
    let mut values = BTreeMap::new();
    let mut multi: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in &post.text {
        match bracketed(k) {
            ("values", p) if p.len() == 1 => {
                values.insert(p[0].to_string(), v.clone());
            }
            ("multi", p) if p.len() == 2 => {
                multi
                    .entry(p[0].to_string())
                    .or_default()
                    .push(p[1].to_string());
            }
            _ => {}
        }
    }
    for (field, chosen) in multi {
        values.entry(field).or_insert_with(|| chosen.join(","));
    }
    let in_person = post.value("in_person").is_some();
    let staff = if in_person {
        Some(
            super::auth::signed_in_staff(taka, &headers, lang, super::auth::Access::Any)
                .await
                .map_err(|e| (e, pending.clone(), service_code.clone()))?,
        )
    } else {
        None
    };
    if !post.errors.is_empty() {
        return Err((
            AppError::Invalid(post.errors),
            pending,
            service_code.clone(),
        ));
    }
    if staff.is_none() {
        taka.hit_client(super::service::Limit::Submit, client.ip)
            .await
            .map_err(|e| (AppError::from(e), pending.clone(), service_code.clone()))?;
    }
    let new = NewRequest {
        service_code: service_code.clone(),
        values,
        contact_name: post.value("contact_name").unwrap_or("").to_string(),
        contact_email: post.value("contact_email").unwrap_or("").to_string(),
        contact_phone: post.value("contact_phone").unwrap_or("").to_string(),
        lang,
        channel: if staff.is_some() {
            Channel::InPerson
        } else {
            Channel::Web
        },
        idempotency: None,
        files: tokens,
    };
    let receipt = taka
        .submit(new, staff.as_ref())
        .await
        .map_err(|e| (AppError::from(e), pending, service_code.clone()))?;
    Ok((receipt.reference, receipt.tracking_code))
}

// ---------------------------------------------------------------------------------------
// `POST /uploads?service=&field=`: one file, sent by the request form's island as soon as
// it is chosen (so it can show progress, and a form that comes back keeps it).
// ---------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct UploadQuery {
    #[serde(default)]
    service: String,
    #[serde(default)]
    field: String,
}

async fn upload(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let (parts, body) = req.into_parts();
    let (lang, client) = lang_and_client(&state, &parts);
    let q: UploadQuery = Query::<UploadQuery>::try_from_uri(&parts.uri)
        .map(|q| q.0)
        .unwrap_or(UploadQuery {
            service: String::new(),
            field: String::new(),
        });
    let taka = state.taka.clone();
    let result = async {
        let fields = field_rules(&taka, &q.service, lang).await?;
        let spec = fields
            .iter()
            .find(|f| f.name == q.field && f.kind == FieldType::File)
            .ok_or(AppError::NotFound)?
            .clone();
        let uploader = taka.uploader(client.ip);
        let mp = multipart_of(&state, parts, body).await?;
        let post = read_multipart(
            &taka,
            mp,
            &uploader,
            |name| {
                (name == "file")
                    .then(|| (spec.name.clone(), spec.file_kinds(), spec.max_file_bytes()))
            },
            TooLarge::Refuse,
        )
        .await?;
        if !post.errors.is_empty() {
            return Err(AppError::Invalid(post.errors));
        }
        let Some((_, f)) = post.files.into_iter().next() else {
            return Err(AppError::BadRequest);
        };
        if let super::service::files::Scan::Infected(_) = f.scan {
            return Err(AppError::Invalid(FieldErrors::from([(
                spec.name.clone(),
                crate::domain::FieldError::FileInfected { name: f.name },
            )])));
        }
        let token = taka
            .create_upload(&f, &q.service, &spec.name, &uploader)
            .await?;
        Ok(json!({
            "token": token,
            "name": f.name,
            "size": f.size,
            "content_type": f.kind.mime(),
            "sha256": f.sha256,
        }))
    }
    .await;
    match result {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(e) => error_json(e, lang),
    }
}

/// An error as JSON in the caller's language: `{"error": {code, message, fields}}`.
pub fn error_json(e: AppError, lang: Lang) -> Response {
    let l = locale(lang);
    let fields: BTreeMap<String, String> = e
        .field_errors()
        .map(|f| {
            f.iter()
                .map(|(k, v)| (k.clone(), i18n_text::field_error(l, v)))
                .collect()
        })
        .unwrap_or_default();
    let status = super::error::error_status(&e);
    (
        status,
        Json(json!({"error": {"code": e.code(), "message": i18n_text::app_error(l, &e), "fields": fields}})),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------
// The requester's answer with files, and staff documents.
// ---------------------------------------------------------------------------------------

fn any_file(part: &str) -> Option<(String, Vec<FileKind>, u64)> {
    (part == "files").then(|| {
        (
            "files".to_string(),
            FileKind::ALL.to_vec(),
            crate::domain::files::DEFAULT_MAX_FILE_BYTES,
        )
    })
}

async fn answer_form(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let (parts, body) = req.into_parts();
    let headers = parts.headers.clone();
    let (lang, client) = lang_and_client(&state, &parts);
    let taka = state.taka.clone();
    let mut reference = String::new();
    let result = async {
        taka.hit_client(super::service::Limit::Track, client.ip)
            .await?;
        let mp = multipart_of(&state, parts, body).await?;
        let uploader = taka.uploader(client.ip);
        let post = read_multipart(&taka, mp, &uploader, any_file, TooLarge::FieldError).await?;
        reference = post
            .value("reference")
            .unwrap_or("")
            .trim()
            .to_ascii_uppercase();
        let code = match post.value("code").filter(|c| !c.trim().is_empty()) {
            Some(c) => c.to_string(),
            None => super::tracked_code(&headers, taka.policy().secure_cookies, &reference)
                .ok_or(AppError::NotFound)?,
        };
        if !post.errors.is_empty() {
            return Err(AppError::Invalid(post.errors));
        }
        let answer = post.value("text").unwrap_or("").trim().to_string();
        let files: Vec<ClaimedFile> = post
            .files
            .iter()
            .map(|(_, f)| ClaimedFile::from_stored(f, ""))
            .collect();
        if answer.is_empty() {
            return Err(AppError::Invalid(FieldErrors::from([(
                "text".to_string(),
                crate::domain::FieldError::Required,
            )])));
        }
        taka.requester_attach(&reference, &code, &files).await?;
        taka.requester_act(
            &reference,
            &code,
            crate::domain::Action::ProvideInformation { answer },
            lang,
        )
        .await?;
        Ok::<_, AppError>(())
    }
    .await;
    let page = format!("/track?ref={}", urlencoding::encode(&reference));
    match result {
        Ok(()) => Redirect::to(&page).into_response(),
        Err(e) => back_with_error(&headers, &page, crate::fns::RequesterAction::PATH, e),
    }
}

async fn staff_attach_form(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    req: axum::extract::Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let headers = parts.headers.clone();
    let (lang, client) = lang_and_client(&state, &parts);
    let taka = state.taka.clone();
    let page = format!("/staff/requests/{}", urlencoding::encode(reference.trim()));
    let result = async {
        let ctx: StaffContext =
            super::auth::signed_in_staff(&taka, &headers, lang, super::auth::Access::Any).await?;
        let mp = multipart_of(&state, parts, body).await?;
        let uploader = taka.uploader(client.ip);
        let post = read_multipart(&taka, mp, &uploader, any_file, TooLarge::FieldError).await?;
        if !post.errors.is_empty() {
            return Err(AppError::Invalid(post.errors));
        }
        let visibility = post
            .value("visibility")
            .and_then(Visibility::parse)
            .ok_or(AppError::BadRequest)?;
        let files: Vec<ClaimedFile> = post
            .files
            .iter()
            .map(|(_, f)| ClaimedFile::from_stored(f, ""))
            .collect();
        if files.is_empty() {
            return Err(AppError::Invalid(FieldErrors::from([(
                "files".to_string(),
                crate::domain::FieldError::Required,
            )])));
        }
        taka.staff_attach(&ctx, &reference, &files, visibility, post.value("note"))
            .await?;
        Ok::<_, AppError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("{page}#files")).into_response(),
        Err(AppError::Unauthorized) => Redirect::to("/staff/sign-in").into_response(),
        Err(e) => back_with_error(&headers, &page, crate::fns::StaffAction::PATH, e),
    }
}

// ---------------------------------------------------------------------------------------
// Downloads.
// ---------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct RefQuery {
    #[serde(default, rename = "ref")]
    reference: String,
}

async fn requester_file(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<RefQuery>,
    req: axum::extract::Request,
) -> Response {
    let (parts, _) = req.into_parts();
    let lang = super::request_lang(&parts.headers);
    let client = super::web::client_of(&parts);
    let taka = &state.taka;
    let code = super::tracked_code(&parts.headers, taka.policy().secure_cookies, &q.reference);
    let result = async {
        taka.hit_client(super::service::Limit::Download, client.ip)
            .await?;
        let code = code.ok_or(AppError::NotFound)?;
        Ok::<_, AppError>(taka.requester_download(&q.reference, &code, &id).await?)
    }
    .await;
    match result {
        Ok(d) => download_response(taka, &d),
        Err(e) => error_page(e, lang),
    }
}

async fn staff_file(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let lang = super::request_lang(&headers);
    let taka = &state.taka;
    let result = async {
        let ctx =
            super::auth::signed_in_staff(taka, &headers, lang, super::auth::Access::Any).await?;
        Ok::<_, AppError>(taka.staff_download(&ctx, &id).await?)
    }
    .await;
    match result {
        Ok(d) => download_response(taka, &d),
        Err(e) => error_page(e, lang),
    }
}

/// A refused download, in words, with its status.
fn error_page(e: AppError, lang: Lang) -> Response {
    (
        super::error::error_status(&e),
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        i18n_text::app_error(locale(lang), &e),
    )
        .into_response()
}

/// A file as a download: saved, never shown; its bytes stream from the database.
pub fn download_response(taka: &Taka, d: &super::service::files::Download) -> Response {
    let body = Body::from_stream(
        taka.download_stream(d)
            .map(|r| r.map_err(|e| std::io::Error::other(e.to_string()))),
    );
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    let ascii: String = d
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._- ()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        urlencoding::encode(&d.name)
    );
    for (k, v) in [
        (header::CONTENT_TYPE, d.content_type.as_str()),
        (header::CONTENT_DISPOSITION, disposition.as_str()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox; frame-ancestors 'none'",
        ),
        (header::CACHE_CONTROL, "private, no-store"),
    ] {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    }
    h.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(d.size.max(0) as u64),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("sha-256={}", d.sha256)) {
        h.insert("repr-digest", v);
    }
    resp
}

/// What the service's form takes for a field named `part` of an API post (the part's
/// name is the field's).
pub fn api_rules(
    fields: &[crate::domain::FieldSpec],
) -> impl Fn(&str) -> Option<(String, Vec<FileKind>, u64)> + '_ {
    move |part: &str| {
        let spec = fields
            .iter()
            .find(|f| f.name == part && f.kind == FieldType::File)?;
        Some((spec.name.clone(), spec.file_kinds(), spec.max_file_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracketed_names() {
        assert_eq!(bracketed("values[a]"), ("values", vec!["a"]));
        assert_eq!(bracketed("multi[a][b]"), ("multi", vec!["a", "b"]));
        assert_eq!(bracketed("plain"), ("plain", vec![]));
        assert_eq!(bracketed("x["), ("x", vec![""]));
    }

    #[test]
    fn pending_cookie_round_trip() {
        let entries = vec![(
            "photos".to_string(),
            "abc".to_string(),
            "bilde, 1|2.jpg".to_string(),
        )];
        let cookie = pending_cookie(false, &entries);
        let value = cookie
            .split_once('=')
            .and_then(|(_, v)| v.split(';').next())
            .unwrap_or_default();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("{PENDING_COOKIE}={value}")).unwrap(),
        );
        assert_eq!(pending_files(&headers), entries);
    }
}
