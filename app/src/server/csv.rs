//! CSV downloads for Excel (analytics tables, the audit log): one way to write a field
//! and a file, and one way to answer a refusal.

use crate::i18n_text;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One CSV field: quoted when it holds the delimiter, a quote or a line break. A text
/// that a spreadsheet would run as a formula (it begins with `=`, `+`, `-`, `@`, a tab or
/// a carriage return, and is not a number) gets a leading `'`, so it is shown, not run
/// (OWASP "CSV injection").
pub fn field(s: &str) -> String {
    let formula =
        s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.trim().parse::<f64>().is_err();
    if formula {
        format!("\"'{}\"", s.replace('"', "\"\""))
    } else if s.contains([';', ',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The file: semicolon separated, UTF-8 with a byte-order mark, CRLF line ends.
pub fn file(head: &[&str], rows: &[Vec<String>], name: &str) -> Response {
    let mut out = String::from("\u{feff}");
    out.push_str(&head.iter().map(|h| field(h)).collect::<Vec<_>>().join(";"));
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.iter().map(|c| field(c)).collect::<Vec<_>>().join(";"));
        out.push_str("\r\n");
    }
    let mut resp = out.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// An error as plain text with its status.
pub fn failed(e: crate::server::error::ServiceError, l: crate::i18n::Locale) -> Response {
    let e = crate::error::AppError::from(e);
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut resp = (status, i18n_text::app_error(l, &e)).into_response();
    if let Some(seconds) = e.retry_after() {
        resp.headers_mut()
            .insert(axum::http::header::RETRY_AFTER, seconds.into());
    }
    resp
}

/// The start of every staff CSV download: who is asking (`access`), in which language,
/// counted against the download limit for their address. `Err` is the answer to send.
pub async fn staff_download(
    taka: &crate::server::Taka,
    headers: &axum::http::HeaderMap,
    client: std::net::IpAddr,
    access: crate::server::auth::Access,
) -> Result<
    (
        crate::server::service::StaffContext,
        crate::domain::Lang,
        crate::i18n::Locale,
    ),
    Response,
> {
    let lang = crate::server::request_lang(headers);
    let l = i18n_text::locale(lang);
    let Ok(ctx) = crate::server::auth::signed_in_staff(taka, headers, lang, access).await else {
        return Err(StatusCode::UNAUTHORIZED.into_response());
    };
    // A CSV can hold up to 100,000 rows: downloads are limited per client address.
    taka.hit_client(crate::server::service::Limit::Download, client)
        .await
        .map_err(|e| failed(e, l))?;
    Ok((ctx, lang, l))
}
