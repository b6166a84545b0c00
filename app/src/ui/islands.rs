//! Everything that runs in the browser. Pages are rendered on the server only; these
//! islands are the parts people act on, and the only components compiled into the WASM.
//! An island's props travel in the page as JSON, so they are plain serialisable values.
//!
//! Each island renders the same on the server and in the browser: an error that a form
//! post without JavaScript brought back (`initial_error`) is passed in as a prop, because
//! the browser cannot read it from the request the way the server does.

use super::citizen::RequestForm;
use super::common::{ErrorNotice, shown_error};
use super::staff::RequestDetails;
use crate::domain::ActionKind;
use crate::error::AppError;
use crate::fns::{RequesterAction, StaffAction, get_staff_request};
use crate::i18n::*;
use crate::model::{ServiceDetail, StaffRequestView};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Whether this page has added the script that loads the WASM yet (server side).
#[derive(Clone, Default)]
pub struct IslandsOnPage(pub std::sync::Arc<std::sync::atomic::AtomicBool>);

/// Placed beside every island a page renders: the first one on the page adds the script
/// that loads the WASM and hydrates the page's islands. Pages without islands (the
/// catalogue, a service, a receipt) load no WASM at all.
#[component]
pub fn IslandScripts() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        let first = use_context::<IslandsOnPage>()
            .map(|f| !f.0.swap(true, std::sync::atomic::Ordering::Relaxed))
            .unwrap_or(false);
        let options = use_context::<crate::server::AppState>().map(|s| s.leptos_options);
        match (first, options) {
            (true, Some(options)) => view! { <HydrationScripts options islands=true /> }.into_any(),
            _ => ().into_any(),
        }
    }
    #[cfg(not(feature = "ssr"))]
    ().into_any()
}

/// The first call of every island. Islands hydrate without the page's context: in the browser each one makes its own
/// i18n context, which takes the page's language from `<html lang>` (set by the server).
/// On the server the page's context is already there and is used as it is.
pub(crate) fn island_i18n() {
    if use_context::<leptos_i18n::I18nContext<Locale>>().is_none() {
        let ctx = leptos_i18n::context::init_i18n_context_with_options::<Locale>(
            leptos_i18n::context::I18nContextOptions::default().enable_cookie(false),
        );
        provide_context(ctx);
    }
}

/// A service's request form (citizens, and staff registering a visit at the desk).
#[island(lazy)]
pub fn RequestFormIsland(
    service: ServiceDetail,
    in_person: bool,
    initial_error: Option<AppError>,
) -> impl IntoView {
    island_i18n();
    view! { <RequestForm service=service in_person=in_person initial_error=initial_error /> }
}

/// One of the requester's actions on the tracking page (answer, rate, withdraw). The form's
/// fields and button are rendered on the server and come in as `children`, so they add
/// nothing to the WASM; the island sends the form through the server function, shows a
/// refusal in place, and after a success shows the request again as it now stands.
#[island(lazy)]
pub fn RequesterActionForm(
    reference: String,
    code: String,
    action: ActionKind,
    initial_error: Option<AppError>,
    children: Children,
) -> impl IntoView {
    island_i18n();
    let act = ServerAction::<RequesterAction>::new();
    Effect::new(move |_| {
        if matches!(act.value().get(), Some(Ok(()))) {
            let _ = window().location().reload();
        }
    });
    let error = shown_error(act, initial_error);
    view! {
        <ActionForm action=act>
            {move || error().map(|e| view! { <ErrorNotice error=e /> })}
            <input type="hidden" name="reference" value=reference />
            <input type="hidden" name="code" value=code />
            <input type="hidden" name="action" value=action.as_str() />
            {children()}
        </ActionForm>
    }
}

/// A request as staff see it, with the actions they may take; after an action the request
/// is read again and shown in place.
#[island(lazy)]
pub fn StaffRequestIsland(r: StaffRequestView, initial_error: Option<AppError>) -> impl IntoView {
    island_i18n();
    let act = ServerAction::<StaffAction>::new();
    let current = RwSignal::new(r);
    Effect::new(move |_| {
        if act.version().get() > 0 {
            let reference = current.with_untracked(|v| v.reference.clone());
            spawn_local(async move {
                if let Ok(v) = get_staff_request(reference).await {
                    current.set(v);
                }
            });
        }
    });
    let error = shown_error(act, initial_error);
    let done = move || matches!(act.value().get(), Some(Ok(())));
    view! { {move || view! { <RequestDetails r=current.get() act=act error=error.clone() done=done /> }} }
}
