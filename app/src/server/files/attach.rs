//! Files with the requester's answer (`POST /track/answer`) and staff documents
//! (`POST /staff/requests/{reference}/files`).

use super::*;

// The requester's answer with files, and staff documents.

fn any_file(part: &str) -> Option<(String, Vec<FileKind>, u64)> {
    (part == "files").then(|| {
        (
            "files".to_string(),
            FileKind::ALL.to_vec(),
            crate::domain::files::DEFAULT_MAX_FILE_BYTES,
        )
    })
}

pub(super) async fn answer_form(
    State(state): State<AppState>,
    req: axum::extract::Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let headers = parts.headers.clone();
    let (lang, client) = lang_and_client(&parts);
    let taka = state.taka.clone();
    let mut reference = String::new();
    let result = async {
        taka.hit_client(crate::server::service::Limit::Track, client.ip)
            .await?;
        let mp = multipart_of(&state, parts, body).await?;
        let uploader = taka.uploader(client.ip);
        let post = read_multipart(&taka, mp, &uploader, any_file, TooLarge::FieldError).await?;
        reference = post
            .value("reference")
            .unwrap_or("")
            .trim()
            .to_ascii_uppercase();
        let proof = crate::server::requester_proof(
            &taka,
            &headers,
            &reference,
            post.value("code").unwrap_or(""),
        )
        .await?
        .ok_or(AppError::NotFound)?;
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
        taka.requester_attach(&reference, &proof, &files).await?;
        taka.requester_act(
            &reference,
            &proof,
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

pub(super) async fn staff_attach_form(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    req: axum::extract::Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let headers = parts.headers.clone();
    let (lang, client) = lang_and_client(&parts);
    let taka = state.taka.clone();
    let page = format!("/staff/requests/{}", urlencoding::encode(reference.trim()));
    let result = async {
        let ctx: StaffContext = crate::server::auth::signed_in_staff(
            &taka,
            &headers,
            lang,
            crate::server::auth::Access::Any,
        )
        .await?;
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
