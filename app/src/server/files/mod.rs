//! Files over HTTP: multipart form posts (the request form without JavaScript, the
//! requester's answer, staff documents), the browser's uploads ahead of its form, and
//! downloads, always as attachments that no browser renders.
//!
//! Every file streams from the connection into the service layer (`service::files`) and
//! back out; none is held whole in memory. Here: reading multipart posts, and what the
//! forms share (errors back to the page, kept files); `submit.rs` (the request form and
//! uploads ahead of it), `attach.rs` (answers and staff documents), `download.rs`.

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

mod attach;
mod download;
mod submit;

pub use download::download_response;
pub use submit::error_json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/uploads", post(submit::upload))
        .route("/submit", post(submit::submit_form))
        .route("/track/answer", post(attach::answer_form))
        .route("/track/files/{id}", get(download::requester_file))
        .route(
            "/staff/requests/{reference}/files",
            post(attach::staff_attach_form),
        )
        .route("/staff/files/{id}", get(download::staff_file))
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
            // Not text: refused at its name, like any other value that does not fit.
            match String::from_utf8(bytes) {
                Ok(value) => post.text.push((name, value)),
                Err(_) => {
                    post.errors
                        .insert(name, crate::domain::FieldError::UnknownField);
                }
            }
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

fn lang_and_client(parts: &axum::http::request::Parts) -> (Lang, Client) {
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
