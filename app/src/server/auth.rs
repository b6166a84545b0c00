//! Who is asking: the one place that turns a request's headers into the signed-in staff
//! member, used by pages, server functions, the CSV downloads and the JSON API alike.

use super::service::StaffContext;
use super::{Taka, session_token};
use crate::domain::Lang;
use crate::error::AppError;
use axum::http::HeaderMap;

/// What the caller is about to do, for tokens limited to reading analytics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anything the staff member's role allows.
    Any,
    /// Reading analytics (summary, breakdowns, CSV): also open to analytics-only tokens.
    AnalyticsRead,
}

/// The staff member behind `Authorization: Bearer <token>` (a personal API token) or the
/// session cookie. A bad bearer token is not retried as a cookie. `Unauthorized` when
/// neither names an active staff member; `Forbidden` when an analytics-only token is used
/// for anything else.
pub async fn signed_in_staff(
    taka: &Taka,
    headers: &HeaderMap,
    lang: Lang,
    access: Access,
) -> Result<StaffContext, AppError> {
    if let Some(value) = headers.get(axum::http::header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(AppError::Unauthorized)?;
        let ctx = taka
            .staff_for_token(token, lang)
            .await?
            .ok_or(AppError::Unauthorized)?;
        if ctx.analytics_only && access != Access::AnalyticsRead {
            return Err(AppError::Forbidden);
        }
        return Ok(ctx);
    }
    let session =
        session_token(headers, taka.policy().secure_cookies).ok_or(AppError::Unauthorized)?;
    taka.staff_for_session(&session, lang)
        .await?
        .ok_or(AppError::Unauthorized)
}
