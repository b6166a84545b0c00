//! Staff administration and the audit log for the browser (`ui::admin`), and the pages
//! anyone reaches from a mail: setting a password through a one-time link, asking for a
//! reset. Each checks on the server who is asking; the rules are in the service layer.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::StaffInvite;
use crate::model::{AuditFilter, AuditRow, StaffAccount};
use leptos::prelude::*;
use std::collections::BTreeMap;

#[cfg(feature = "ssr")]
use super::ctx;

/// Everyone in the administrator's institution, and the institution's services (`(code,
/// name)`, for the scope checkboxes): one call, so a page waits for one resource.
#[server(prefix = "/fn", endpoint = "staff_list")]
pub async fn get_staff_list() -> Result<(Vec<StaffAccount>, Vec<(String, String)>), AppError> {
    let (taka, staff, lang) = ctx::staff().await?;
    let list = taka.list_staff(&staff, lang).await?;
    let services = taka.services_in_scope(&staff, lang).await?;
    Ok((list, services))
}

/// Invite a colleague by e-mail. Services arrive as checkboxes `services[CODE]=on`; the
/// invitation is written in the inviting page's language unless `lang` names another.
#[server(prefix = "/fn", endpoint = "invite_staff")]
pub async fn invite_staff(
    username: String,
    display_name: String,
    email: String,
    role: String,
    #[server(default)] services: BTreeMap<String, String>,
    #[server(default)] lang: String,
) -> Result<(), AppError> {
    let (taka, staff, page_lang) = ctx::staff().await?;
    let invite = StaffInvite {
        username,
        display_name,
        email,
        role,
        services: services.into_keys().collect(),
        lang: if lang.is_empty() {
            page_lang.code().to_string()
        } else {
            lang
        },
    };
    taka.invite_staff(&staff, &invite).await?;
    Ok(())
}

/// Give a colleague another role and service scope.
#[server(prefix = "/fn", endpoint = "set_staff_role")]
pub async fn set_staff_role(
    user_id: i64,
    role: String,
    #[server(default)] services: BTreeMap<String, String>,
) -> Result<(), AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    let services: Vec<String> = services.into_keys().collect();
    Ok(taka
        .set_staff_role(&staff, user_id, &role, &services)
        .await?)
}

/// Deactivate a colleague (their sessions and tokens end at once).
#[server(prefix = "/fn", endpoint = "deactivate_staff")]
pub async fn deactivate_staff(user_id: i64) -> Result<(), AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    Ok(taka.deactivate_staff(&staff, user_id).await?)
}

/// Send a colleague a password-reset link.
#[server(prefix = "/fn", endpoint = "send_staff_reset")]
pub async fn send_staff_reset(user_id: i64) -> Result<(), AppError> {
    let (taka, staff, lang) = ctx::staff().await?;
    Ok(taka.send_staff_reset(&staff, user_id, lang).await?)
}

/// The institution's configuration changes.
#[server(prefix = "/fn", endpoint = "audit_log")]
pub async fn get_audit_log(filter: AuditFilter) -> Result<Vec<AuditRow>, AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    Ok(taka.audit_log(&staff, &filter).await?)
}

/// "Forgot my password": the same answer whether or not the account exists.
#[server(prefix = "/fn", endpoint = "forgot_password")]
pub async fn forgot_password(who: String) -> Result<(), AppError> {
    let taka = ctx::taka()?;
    let lang = ctx::lang().await?;
    Ok(taka.forgot_password(&who, &ctx::client(), lang).await?)
}

/// Whom a one-time link is for (display name, user name), if it still works.
#[server(prefix = "/fn", endpoint = "account_link")]
pub async fn get_account_link(token: String) -> Result<Option<(String, String)>, AppError> {
    let taka = ctx::taka()?;
    Ok(taka.account_link(&token).await?)
}

/// Set one's password through a one-time link; then to the sign-in page.
#[server(prefix = "/fn", endpoint = "use_account_link")]
pub async fn use_account_link(token: String, password: String) -> Result<(), AppError> {
    let taka = ctx::taka()?;
    ctx::limit(&taka, crate::server::service::Limit::SignInClient).await?;
    taka.use_account_link(&token, &password).await?;
    leptos_axum::redirect("/staff?welcome=1");
    Ok(())
}
