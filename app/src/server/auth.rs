//! Who is asking: the one place that turns a request's headers into the signed-in staff
//! member, used by pages, server functions, the CSV downloads and the JSON API alike.

use super::service::StaffContext;
use super::{SESSION_COOKIE, Taka, cookie};
use crate::domain::Lang;
use crate::error::AppError;
use axum::http::HeaderMap;

/// The staff member behind `Authorization: Bearer <token>` (a personal API token) or the
/// session cookie. A bad bearer token is not retried as a cookie. `Unauthorized` when
/// neither names an active staff member.
pub async fn signed_in_staff(
    taka: &Taka,
    headers: &HeaderMap,
    lang: Lang,
) -> Result<StaffContext, AppError> {
    if let Some(value) = headers.get(axum::http::header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(AppError::Unauthorized)?;
        return taka
            .staff_for_token(token, lang)
            .await?
            .ok_or(AppError::Unauthorized);
    }
    let session = cookie(headers, SESSION_COOKIE).ok_or(AppError::Unauthorized)?;
    taka.staff_for_session(&session, lang)
        .await?
        .ok_or(AppError::Unauthorized)
}
