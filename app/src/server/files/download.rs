//! Downloads: the requester's (reference and code) and staff's (scope), always as
//! attachments that no browser renders.

use super::*;

// Downloads.

#[derive(Deserialize)]
pub(super) struct RefQuery {
    #[serde(default, rename = "ref")]
    reference: String,
}

pub(super) async fn requester_file(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<RefQuery>,
    req: axum::extract::Request,
) -> Response {
    let (parts, _) = req.into_parts();
    let lang = crate::server::request_lang(&parts.headers);
    let client = crate::server::web::client_of(&parts);
    let taka = &state.taka;
    let result = async {
        taka.hit_client(crate::server::service::Limit::Download, client.ip)
            .await?;
        let proof = crate::server::requester_proof(taka, &parts.headers, &q.reference, "")
            .await?
            .ok_or(AppError::NotFound)?;
        Ok::<_, AppError>(taka.requester_download(&q.reference, proof, &id).await?)
    }
    .await;
    match result {
        Ok(d) => download_response(taka, &d),
        Err(e) => error_page(e, lang),
    }
}

pub(super) async fn staff_file(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let lang = crate::server::request_lang(&headers);
    let taka = &state.taka;
    let result = async {
        let ctx = crate::server::auth::signed_in_staff(
            taka,
            &headers,
            lang,
            crate::server::auth::Access::Any,
        )
        .await?;
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
        crate::server::error::error_status(&e),
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        i18n_text::app_error(locale(lang), &e),
    )
        .into_response()
}

/// A file as a download: saved, never shown; its bytes stream from the database.
pub fn download_response(taka: &Taka, d: &crate::server::service::files::Download) -> Response {
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
