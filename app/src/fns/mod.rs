//! Server functions: the UI's doorway to the service layer. Each one finds out who is
//! asking (on the server), calls one use case, and returns a view or an `AppError`.

// A form's fields are a server function's arguments (the request form has eight); the
// code the macro generates for the browser does not carry an item-level `allow`.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use crate::model::{
    Catalogue, Queue, QueueFilter, ServiceDetail, SessionUser, StaffRequestView, TrackingView,
};
use leptos::prelude::*;
use std::collections::BTreeMap;

pub mod admin;
pub mod analytics;
pub mod editor;
pub mod institution;
pub mod partners;
pub mod requesters;

#[cfg(feature = "ssr")]
pub(crate) mod ctx {
    use crate::domain::Lang;
    use crate::error::AppError;
    use crate::server::service::StaffContext;
    use crate::server::{AppState, Taka, request_lang};
    use axum::http::HeaderMap;
    use leptos::prelude::*;

    pub fn state() -> Result<AppState, AppError> {
        use_context::<AppState>().ok_or(AppError::Internal)
    }

    pub fn taka() -> Result<Taka, AppError> {
        Ok(state()?.taka)
    }

    pub async fn headers() -> Result<HeaderMap, AppError> {
        leptos_axum::extract::<HeaderMap>()
            .await
            .map_err(|_| AppError::Internal)
    }

    pub async fn lang() -> Result<Lang, AppError> {
        Ok(request_lang(&headers().await?))
    }

    /// The signed-in staff member, or `Unauthorized`.
    pub async fn staff() -> Result<(Taka, StaffContext, Lang), AppError> {
        staff_for(crate::server::auth::Access::Any).await
    }

    /// The signed-in staff member, for `access` (analytics-only tokens read analytics).
    pub async fn staff_for(
        access: crate::server::auth::Access,
    ) -> Result<(Taka, StaffContext, Lang), AppError> {
        let headers = headers().await?;
        let lang = request_lang(&headers);
        let taka = taka()?;
        let ctx = crate::server::auth::signed_in_staff(&taka, &headers, lang, access).await?;
        Ok((taka, ctx, lang))
    }

    /// Who sent this request (address after trusted proxies, browser name).
    pub fn client() -> crate::server::service::Client {
        use_context::<axum::http::request::Parts>()
            .map(|p| crate::server::web::client_of(&p))
            .unwrap_or_else(crate::server::service::Client::local)
    }

    /// Count this request against `limit` for its client address.
    pub async fn limit(taka: &Taka, limit: crate::server::service::Limit) -> Result<(), AppError> {
        Ok(taka.hit_client(limit, client().ip).await?)
    }

    /// Whether cookies are `Secure` with the `__Host-` prefix.
    pub fn secure() -> bool {
        use_context::<AppState>().is_none_or(|s| s.taka.policy().secure_cookies)
    }

    pub fn set_cookie(value: String) {
        if let (Some(resp), Ok(v)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            axum::http::HeaderValue::from_str(&value),
        ) {
            resp.append_header(axum::http::header::SET_COOKIE, v);
        }
    }
}

#[server(prefix = "/fn", endpoint = "catalogue")]
pub async fn get_catalogue() -> Result<Catalogue, AppError> {
    Ok(ctx::taka()?.catalogue(ctx::lang().await?).await?)
}

#[server(prefix = "/fn", endpoint = "service")]
pub async fn get_service(code: String) -> Result<ServiceDetail, AppError> {
    Ok(ctx::taka()?
        .service_detail(&code, ctx::lang().await?)
        .await?)
}

/// Submit a request. Field values arrive as `values[name]`; contact details separately.
/// `in_person` is honoured only for signed-in staff whose scope includes the service.
#[server(prefix = "/fn", endpoint = "submit")]
pub async fn submit_request(
    service_code: String,
    #[server(default)] values: BTreeMap<String, String>,
    // Multiple-choice boxes: `multi[FIELD][OPTION]=on`.
    #[server(default)] multi: BTreeMap<String, BTreeMap<String, String>>,
    contact_name: String,
    #[server(default)] contact_email: String,
    #[server(default)] contact_phone: String,
    #[server(default)] in_person: Option<String>,
    // Files the browser uploaded ahead (`upload[FIELD][TOKEN]=on`).
    #[server(default)] upload: BTreeMap<String, BTreeMap<String, String>>,
    // For services that ask where: an address or a place, in words.
    #[server(default)] location_address: String,
) -> Result<(), AppError> {
    use crate::domain::Channel;
    use crate::server::service::NewRequest;
    let lang = ctx::lang().await?;
    let (taka, staff) = if in_person.is_some() {
        let (taka, staff, _) = ctx::staff().await?;
        (taka, Some(staff))
    } else {
        (ctx::taka()?, None)
    };
    let mut values = values;
    for (field, chosen) in multi {
        values
            .entry(field)
            .or_insert_with(|| chosen.into_keys().collect::<Vec<_>>().join(","));
    }
    // Made while signed in: it goes into the requester's list.
    let requester_id = match staff {
        Some(_) => None,
        None => crate::server::signed_in_requester(&taka, &ctx::headers().await?)
            .await?
            .map(|r| r.id),
    };
    let new = NewRequest {
        service_code,
        values,
        contact_name,
        contact_email,
        contact_phone,
        lang,
        channel: if staff.is_some() {
            Channel::InPerson
        } else {
            Channel::Web
        },
        idempotency: None,
        files: upload
            .into_iter()
            .map(|(field, tokens)| (field, tokens.into_keys().collect()))
            .collect(),
        origin: crate::server::service::Origin {
            location: crate::server::service::location_from_form(&location_address)?,
            requester_id,
            ..Default::default()
        },
    };
    if staff.is_none() {
        ctx::limit(&taka, crate::server::service::Limit::Submit).await?;
    }
    let receipt = taka.submit(new, staff.as_ref()).await?;
    // The code goes to the receipt in a cookie, never in the URL.
    let headers = ctx::headers().await?;
    ctx::set_cookie(crate::server::tracking_cookie(
        &headers,
        ctx::secure(),
        &receipt.reference,
        &receipt.tracking_code,
    ));
    leptos_axum::redirect(&format!(
        "/receipt?ref={}",
        urlencoding::encode(&receipt.reference)
    ));
    Ok(())
}

/// A request this browser follows: by reference, with the code from `code` or, when that
/// is empty, from the tracking cookie (the receipt and the tracking form put it there).
/// Also returns the code, for the page's forms.
#[server(prefix = "/fn", endpoint = "track")]
pub async fn track_request(
    reference: String,
    #[server(default)] code: String,
) -> Result<(TrackingView, String), AppError> {
    use crate::server::service::Proof;
    let taka = ctx::taka()?;
    let headers = ctx::headers().await?;
    let proof = crate::server::requester_proof(&taka, &headers, &reference, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    // Counted whichever way the code came: the cookie is the client's to write too.
    ctx::limit(&taka, crate::server::service::Limit::Track).await?;
    let view = taka.visit(&reference, &proof, ctx::lang().await?).await?;
    // A signed-in requester's forms need no code.
    let code = match proof {
        Proof::Code(code) => crate::domain::normalise_tracking_code(&code),
        Proof::Person(_) => String::new(),
    };
    Ok((view, code))
}

/// The requester answers, withdraws or rates.
#[server(prefix = "/fn", endpoint = "requester_action")]
pub async fn requester_action(
    reference: String,
    #[server(default)] code: String,
    action: String,
    #[server(default)] text: String,
    #[server(default)] score: Option<u8>,
) -> Result<(), AppError> {
    use crate::domain::{Action, ActionKind};
    let text = text.trim().to_string();
    let optional = (!text.is_empty()).then(|| text.clone());
    let action = match ActionKind::parse(&action) {
        Some(ActionKind::ProvideInformation) => Action::ProvideInformation { answer: text },
        Some(ActionKind::Withdraw) => Action::Withdraw { reason: optional },
        Some(ActionKind::Rate) => Action::Rate {
            score: score.unwrap_or(0),
            comment: optional,
        },
        _ => return Err(AppError::BadRequest),
    };
    let taka = ctx::taka()?;
    ctx::limit(&taka, crate::server::service::Limit::Track).await?;
    let headers = ctx::headers().await?;
    let proof = crate::server::requester_proof(&taka, &headers, &reference, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    taka.requester_act(&reference, proof, action, ctx::lang().await?)
        .await?;
    Ok(())
}

#[server(prefix = "/fn", endpoint = "me")]
pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    match ctx::staff().await {
        Ok((_, staff, _)) => Ok(Some(staff.user)),
        Err(AppError::Unauthorized) => Ok(None),
        Err(e) => Err(e),
    }
}

#[server(prefix = "/fn", endpoint = "sign_in")]
pub async fn sign_in(username: String, password: String) -> Result<(), AppError> {
    let state = ctx::state()?;
    let (token, _) = state
        .taka
        .sign_in(&username, &password, &ctx::client())
        .await?;
    ctx::set_cookie(crate::server::session_cookie(
        &token,
        crate::server::service::SESSION_SECONDS,
        ctx::secure(),
    ));
    leptos_axum::redirect("/staff");
    Ok(())
}

#[server(prefix = "/fn", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    let state = ctx::state()?;
    let headers = ctx::headers().await?;
    if let Some(token) = crate::server::session_token(&headers, ctx::secure()) {
        state.taka.sign_out(&token).await?;
    }
    ctx::set_cookie(crate::server::session_cookie("", 0, ctx::secure()));
    leptos_axum::redirect("/staff");
    Ok(())
}

/// The signed-in staff member's live sessions.
#[server(prefix = "/fn", endpoint = "sessions")]
pub async fn get_sessions() -> Result<Vec<crate::model::StaffSession>, AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    Ok(taka.list_sessions(&staff).await?)
}

/// End one of the signed-in staff member's sessions (from the profile page).
#[server(prefix = "/fn", endpoint = "end_session")]
pub async fn end_session(id: i64) -> Result<(), AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    taka.end_session(&staff, id).await?;
    if staff.session_id == Some(id) {
        ctx::set_cookie(crate::server::session_cookie("", 0, ctx::secure()));
        leptos_axum::redirect("/staff");
    }
    Ok(())
}

#[server(prefix = "/fn", endpoint = "queue")]
pub async fn get_queue(filter: QueueFilter) -> Result<Queue, AppError> {
    let (taka, staff, lang) = ctx::staff().await?;
    Ok(taka.queue(&staff, &filter, lang).await?)
}

#[server(prefix = "/fn", endpoint = "staff_request")]
pub async fn get_staff_request(reference: String) -> Result<StaffRequestView, AppError> {
    let (taka, staff, lang) = ctx::staff().await?;
    Ok(taka.staff_request(&staff, &reference, lang).await?)
}

#[server(prefix = "/fn", endpoint = "my_services")]
pub async fn my_services() -> Result<Vec<(String, String)>, AppError> {
    let (taka, staff, lang) = ctx::staff().await?;
    Ok(taka.services_in_scope(&staff, lang).await?)
}

/// A staff member acts on a request. `version` is the one their page showed.
#[server(prefix = "/fn", endpoint = "staff_action")]
pub async fn staff_action(
    reference: String,
    version: i64,
    action: String,
    #[server(default)] text: String,
    #[server(default)] assignee: Option<i64>,
    #[server(default)] visible: Option<String>,
    #[server(default)] to_self: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::{Action, ActionKind};
    let (taka, staff, _) = ctx::staff().await?;
    let text = text.trim().to_string();
    let optional = (!text.is_empty()).then(|| text.clone());
    let action = match ActionKind::parse(&action) {
        Some(ActionKind::Register) => Action::Register { note: optional },
        Some(ActionKind::StartAssessment) => Action::StartAssessment,
        Some(ActionKind::RequestInformation) => Action::RequestInformation { reason: text },
        Some(ActionKind::Approve) => Action::Approve { note: optional },
        Some(ActionKind::Refuse) => Action::Refuse { reason: text },
        Some(ActionKind::Assign) => Action::Assign {
            to_self: to_self.is_some(),
        },
        Some(ActionKind::Escalate) => Action::Escalate { reason: text },
        Some(ActionKind::RecordAction) => Action::RecordAction {
            note: text,
            visible_to_requester: visible.is_some(),
        },
        Some(ActionKind::Fulfil) => Action::Fulfil { result: text },
        Some(ActionKind::Close) => Action::Close { note: optional },
        _ => return Err(AppError::BadRequest),
    };
    taka.staff_act(&staff, &reference, version, action, assignee)
        .await?;
    Ok(())
}

/// The signed-in staff member's notifications and the unread count.
#[server(prefix = "/fn", endpoint = "notifications")]
pub async fn get_notifications() -> Result<(Vec<crate::model::StaffNotification>, i64), AppError> {
    let (taka, staff, lang) = ctx::staff().await?;
    Ok(taka.notifications(&staff, lang).await?)
}

/// Mark every notification of the signed-in staff member read.
#[server(prefix = "/fn", endpoint = "notifications_read")]
pub async fn mark_notifications_read() -> Result<(), AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    taka.mark_notifications_read(&staff).await?;
    Ok(())
}

/// The signed-in staff member's personal API tokens.
#[server(prefix = "/fn", endpoint = "tokens")]
pub async fn get_tokens() -> Result<Vec<crate::model::ApiToken>, AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    Ok(taka.list_tokens(&staff).await?)
}

/// Revoke one of the signed-in staff member's tokens.
#[server(prefix = "/fn", endpoint = "revoke_token")]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    taka.revoke_token(&staff, id).await?;
    Ok(())
}

/// Everything held about a request, for its requester: the code comes from the tracking
/// cookie (as on the tracking page).
#[server(prefix = "/fn", endpoint = "my_data")]
pub async fn get_my_data(reference: String) -> Result<crate::model::DataExport, AppError> {
    let taka = ctx::taka()?;
    let headers = ctx::headers().await?;
    let proof = crate::server::requester_proof(&taka, &headers, &reference, "")
        .await?
        .ok_or(AppError::NotFound)?;
    ctx::limit(&taka, crate::server::service::Limit::Track).await?;
    Ok(taka
        .export_request(&reference, proof, ctx::lang().await?)
        .await?)
}

/// Erase a request's personal data on its data subject's request (owners, portfolio owners).
#[server(prefix = "/fn", endpoint = "erase_personal_data")]
pub async fn erase_personal_data(reference: String, reason: String) -> Result<(), AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    taka.erase_personal_data(&staff, &reference, &reason)
        .await?;
    Ok(())
}

/// Place a legal hold on a request's data (with a reason), or lift it (`lift` set).
#[server(prefix = "/fn", endpoint = "legal_hold")]
pub async fn legal_hold(
    reference: String,
    #[server(default)] reason: String,
    #[server(default)] lift: Option<String>,
) -> Result<(), AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    let reason = lift.is_none().then_some(reason.as_str());
    taka.set_legal_hold(&staff, &reference, reason).await?;
    Ok(())
}

/// The record of staff views of personal data in the user's institution.
#[server(prefix = "/fn", endpoint = "personal_data_views")]
pub async fn get_personal_data_views(
    #[server(default)] reference: String,
) -> Result<Vec<crate::model::PersonalDataView>, AppError> {
    let (taka, staff, _) = ctx::staff().await?;
    Ok(taka
        .personal_data_views(&staff, Some(reference.as_str()))
        .await?)
}
