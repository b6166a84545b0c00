//! What staff reach with a personal token: analytics and their own tokens.

use super::{ApiError, ApiResult, refused, staff_from};
use crate::error::AppError;
use crate::model::{AnalyticsSummary, ApiToken, PeriodCounts};
use crate::server::auth::Access;
use crate::server::{Taka, accept_language};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// `country`, `sector:NAME`, `municipality:NAME`, `institution:CODE` or
    /// `service:CODE` (default: the caller's institution).
    scope: Option<String>,
    /// First day, `YYYY-MM-DD` (default: 29 days before `to`).
    #[param(format = Date)]
    from: Option<String>,
    /// Last day, `YYYY-MM-DD` (default: today).
    #[param(format = Date)]
    to: Option<String>,
}

/// The summary with the shares and averages its counts give.
#[derive(Serialize, ToSchema)]
pub struct AnalyticsOut {
    #[serde(flatten)]
    summary: AnalyticsSummary,
    derived: DerivedPair,
}

#[derive(Serialize, ToSchema)]
pub struct DerivedPair {
    current: Derived,
    previous: Derived,
}

/// Shares and averages of a period (null where there is nothing to divide).
#[derive(Serialize, ToSchema)]
pub struct Derived {
    /// Of the requests whose clock stopped, the share on time (0 to 1).
    sla_share: Option<f64>,
    /// Refused among those decided (0 to 1).
    refusal_rate: Option<f64>,
    /// Mean of the requesters' ratings (1 to 5).
    average_rating: Option<f64>,
}

fn derived(c: &PeriodCounts) -> Derived {
    let share = |a: i64, b: i64| (b > 0).then(|| a as f64 / b as f64);
    Derived {
        sla_share: share(c.sla_met, c.sla_judged),
        refusal_rate: share(c.refused, c.refused + c.approved),
        average_rating: share(c.rating_sum, c.ratings),
    }
}

/// The figures of a scope and period, compared with the period of the same length before.
#[utoipa::path(
    get,
    path = "/analytics/summary",
    tag = "analytics",
    security(("staff_token" = [])),
    params(SummaryQuery, super::doc::AcceptLanguage),
    responses(
        (status = 200, description = "The figures", body = AnalyticsOut),
        (status = 400, description = "The query cannot be read (a parameter given twice, ...)", body = super::ErrorBody),
        (status = 401, description = "No token, or a wrong, revoked or expired one", body = super::ErrorBody),
        (status = 403, description = "The scope is wider than the caller may see", body = super::ErrorBody),
        (status = 422, description = "A scope or date that cannot be read", body = super::ErrorBody),
    ),
)]
pub async fn analytics_summary(
    State(taka): State<Taka>,
    headers: HeaderMap,
    query: Result<Query<SummaryQuery>, QueryRejection>,
) -> ApiResult<Json<AnalyticsOut>> {
    let lang = accept_language(&headers);
    let staff = staff_from(&taka, &headers, lang, Access::AnalyticsRead).await?;
    let Query(q) = query.map_err(|_| ApiError::new(AppError::BadRequest, lang))?;
    // Default period: the 30 days up to today.
    let today = crate::server::service::local_date(taka.now());
    let to = q.to.unwrap_or_else(|| today.to_string());
    let from = q
        .from
        .unwrap_or_else(|| (today - chrono::Duration::days(29)).to_string());
    let summary = taka
        .analytics_summary(&staff, q.scope.as_deref(), &from, &to, lang)
        .await
        .map_err(refused(lang))?;
    Ok(Json(AnalyticsOut {
        derived: DerivedPair {
            current: derived(&summary.current),
            previous: derived(&summary.previous),
        },
        summary,
    }))
}

/// The caller's own API tokens (never their secrets).
#[utoipa::path(
    get,
    path = "/tokens",
    tag = "tokens",
    security(("staff_token" = [])),
    params(super::doc::AcceptLanguage),
    responses(
        (status = 200, description = "The tokens, newest first", body = Vec<ApiToken>),
        (status = 401, description = "No token, or a wrong, revoked or expired one", body = super::ErrorBody),
    ),
)]
pub async fn list_tokens(
    State(taka): State<Taka>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<ApiToken>>> {
    let lang = accept_language(&headers);
    let staff = staff_from(&taka, &headers, lang, Access::Any).await?;
    Ok(Json(taka.list_tokens(&staff).await.map_err(refused(lang))?))
}

/// Revoke one of the caller's tokens (it stops working at once).
#[utoipa::path(
    delete,
    path = "/tokens/{id}",
    tag = "tokens",
    security(("staff_token" = [])),
    params(
        ("id" = String, Path, description = "The token's `id`"),
        super::doc::AcceptLanguage,
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No token, or a wrong, revoked or expired one", body = super::ErrorBody),
        (status = 404, description = "The caller has no token with this id", body = super::ErrorBody),
    ),
)]
pub async fn revoke_token(
    State(taka): State<Taka>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let lang = accept_language(&headers);
    let staff = staff_from(&taka, &headers, lang, Access::Any).await?;
    // Any text is a path; one that is not a number names no token.
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::new(AppError::NotFound, lang))?;
    taka.revoke_token(&staff, id).await.map_err(refused(lang))?;
    Ok(StatusCode::NO_CONTENT)
}
