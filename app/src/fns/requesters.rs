//! The signed-in requester's server functions: who is signed in (to fill in forms), "My
//! requests", and claiming an anonymous request with its code. Signing in and out are
//! plain HTTP routes (`server/signin.rs`): they redirect to and from the provider.

use crate::error::AppError;
use crate::model::{MyRequests, RequesterView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ctx;

/// The signed-in requester, if any: forms are filled in with what the provider said.
#[server(prefix = "/fn", endpoint = "requester")]
pub async fn current_requester() -> Result<Option<RequesterView>, AppError> {
    let taka = ctx::taka()?;
    let headers = ctx::headers().await?;
    Ok(crate::server::signed_in_requester(&taka, &headers)
        .await?
        .map(|r| r.view()))
}

/// "My requests", or `Unauthorized` when nobody is signed in.
#[server(prefix = "/fn", endpoint = "my_requests")]
pub async fn get_my_requests() -> Result<MyRequests, AppError> {
    let taka = ctx::taka()?;
    let headers = ctx::headers().await?;
    let requester = crate::server::signed_in_requester(&taka, &headers)
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok(taka.my_requests(&requester, ctx::lang().await?).await?)
}

/// Add an anonymous request to "My requests" with its reference and tracking code.
#[server(prefix = "/fn", endpoint = "claim_request")]
pub async fn claim_request(reference: String, code: String) -> Result<(), AppError> {
    let taka = ctx::taka()?;
    let headers = ctx::headers().await?;
    let requester = crate::server::signed_in_requester(&taka, &headers)
        .await?
        .ok_or(AppError::Unauthorized)?;
    // Guessing codes here costs what it costs on the tracking form.
    ctx::limit(&taka, crate::server::service::Limit::Track).await?;
    let reference = taka.claim_request(&requester, &reference, &code).await?;
    leptos_axum::redirect(&format!("/my?claimed={}", urlencoding::encode(&reference)));
    Ok(())
}
