//! Partner systems (`ui::partners`): the page, revoking a key, sending a dead letter again.
//! Creating a partner is a plain form post (`server/partners.rs`): its key is shown once.

use crate::error::AppError;
use crate::model::PartnersPage;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ctx;

#[server(prefix = "/fn", endpoint = "partners")]
pub async fn get_partners() -> Result<PartnersPage, AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    Ok(taka.partners_page(&staff).await?)
}

/// Revoke partner `id`'s key; its webhooks stop.
#[server(prefix = "/fn", endpoint = "revoke_partner")]
pub async fn revoke_partner(id: i64) -> Result<(), AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    taka.revoke_partner(&staff, id).await?;
    leptos_axum::redirect("/staff/admin/partners?saved=1");
    Ok(())
}

/// Send a webhook delivery that gave up once more.
#[server(prefix = "/fn", endpoint = "retry_delivery")]
pub async fn retry_delivery(id: i64) -> Result<(), AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    taka.retry_delivery(&staff, id).await?;
    leptos_axum::redirect("/staff/admin/partners?saved=1#dead-h");
    Ok(())
}
