//! The request form with files: `POST /submit` (without JavaScript, files in the post)
//! and `POST /uploads` (one file ahead of the form, from the request form's island).

use super::*;

// `POST /submit`: the request form with files, without JavaScript.

pub(super) async fn submit_form(
    State(state): State<AppState>,
    req: axum::extract::Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let headers = parts.headers.clone();
    let (lang, client) = lang_and_client(&parts);
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
                &crate::server::tracking_cookie(&headers, secure, &reference, &code),
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
        if !matches!(f.scan, crate::server::service::files::Scan::Infected(_)) {
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
            crate::server::auth::signed_in_staff(
                taka,
                &headers,
                lang,
                crate::server::auth::Access::Any,
            )
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
        taka.hit_client(crate::server::service::Limit::Submit, client.ip)
            .await
            .map_err(|e| (AppError::from(e), pending.clone(), service_code.clone()))?;
    }
    // Made while signed in: it goes into the requester's list.
    let requester_id = match staff {
        Some(_) => None,
        None => crate::server::signed_in_requester(taka, &headers)
            .await
            .map_err(|e| (e, pending.clone(), service_code.clone()))?
            .map(|r| r.id),
    };
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
        origin: crate::server::service::Origin {
            location: match crate::server::service::location_from_form(
                post.value("location_address").unwrap_or(""),
            ) {
                Ok(l) => l,
                Err(e) => return Err((e, pending, service_code.clone())),
            },
            requester_id,
            ..Default::default()
        },
    };
    let receipt = taka
        .submit(new, staff.as_ref())
        .await
        .map_err(|e| (AppError::from(e), pending, service_code.clone()))?;
    Ok((receipt.reference, receipt.tracking_code))
}

// `POST /uploads?service=&field=`: one file, sent by the request form's island as soon as
// it is chosen (so it can show progress, and a form that comes back keeps it).

#[derive(Deserialize)]
pub(super) struct UploadQuery {
    #[serde(default)]
    service: String,
    #[serde(default)]
    field: String,
}

pub(super) async fn upload(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let (parts, body) = req.into_parts();
    let (lang, client) = lang_and_client(&parts);
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
        if let crate::server::service::files::Scan::Infected(_) = f.scan {
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
    let status = crate::server::error::error_status(&e);
    (
        status,
        Json(json!({"error": {"code": e.code(), "message": i18n_text::app_error(l, &e), "fields": fields}})),
    )
        .into_response()
}
