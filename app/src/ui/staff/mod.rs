//! The staff side: sign-in, the work queue, a request's page, registration at the desk.

use super::common::{ErrorNotice, TextInput};
use crate::domain::FieldError;
use crate::error::AppError;
use crate::fns::{MarkNotificationsRead, SignIn, SignOut, current_user, get_notifications};
use crate::i18n::*;
use crate::i18n_text;
use crate::model::SessionUser;
use leptos::prelude::*;
use leptos_i18n::{t, t_string};
use leptos_meta::Title;

mod desk;
mod queue;
mod request;

pub use desk::InPersonPage;
pub use queue::StaffHome;
pub use request::{RequestDetails, StaffRequestPage};

/// Renders `signed_in` for a signed-in user, else the sign-in form.
#[component]
pub(crate) fn RequireStaff<F, V>(signed_in: F) -> impl IntoView
where
    F: Fn(SessionUser) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    let i18n = use_i18n();
    // Signing in or out re-reads who is signed in (with WASM the page does not reload).
    let sign_in = ServerAction::<SignIn>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let me = Resource::new(
        move || (sign_in.version().get(), sign_out.version().get()),
        |_| current_user(),
    );
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {
                let signed_in = signed_in.clone();
                move || {
                    let signed_in = signed_in.clone();
                    Suspend::new(async move {
                        match me.await {
                            Ok(Some(user)) => view! { <StaffBar user=user.clone() sign_out=sign_out /> {signed_in(user)} }.into_any(),
                            Ok(None) | Err(AppError::Unauthorized) => view! { <SignInForm sign_in=sign_in /> }.into_any(),
                            Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        }
                    })
                }
            }
        </Suspense>
    }
}

#[component]
fn StaffBar(user: SessionUser, sign_out: ServerAction<SignOut>) -> impl IntoView {
    let i18n = use_i18n();
    let role = user.role;
    let name = user.display_name.clone();
    view! {
        <div class="staff-bar">
            <p>
                {move || t_string!(i18n, staff.signed_in_as, name = name.clone())}
                " · " {move || i18n_text::role(i18n.get_locale(), role)} " · " {user.institution_name.clone()}
            </p>
            <nav aria-label=move || t_string!(i18n, nav.staff)>
                <a href="/staff">{t!(i18n, nav.queue)}</a>
                <a href="/staff/notifications">{t!(i18n, nav.notifications)}</a>
                <a href="/staff/analytics">{t!(i18n, nav.analytics)}</a>
                <a href="/staff/profile" rel="external">{t!(i18n, nav.profile)}</a>
                {role.handles_requests().then(|| view! { <a href="/staff/new">{t!(i18n, nav.in_person)}</a> })}
                {crate::domain::privacy::may_read_view_log(role).then(|| view! { <a href="/staff/privacy">{t!(i18n, views.nav)}</a> })}
                {crate::domain::admin::may_edit_services(role).then(|| view! {
                    <a href="/staff/admin/services">{t!(i18n, editor.nav)}</a>
                })}
                {crate::domain::admin::may_administer(role).then(|| view! {
                    <a href="/staff/admin/staff">{t!(i18n, admin.nav_staff)}</a>
                    <a href="/staff/admin/institution">{t!(i18n, institution.nav)}</a>
                    <a href="/staff/admin/partners" rel="external">{t!(i18n, partners.nav)}</a>
                    <a href="/staff/admin/audit">{t!(i18n, admin.nav_audit)}</a>
                })}
                <ActionForm action=sign_out attr:class="inline">
                    <button type="submit" class="link">{t!(i18n, nav.sign_out)}</button>
                </ActionForm>
            </nav>
        </div>
    }
}

#[component]
fn SignInForm(sign_in: ServerAction<SignIn>) -> impl IntoView {
    let i18n = use_i18n();
    let error = move || sign_in.value().get().and_then(|r| r.err());
    let none = Signal::derive(|| None::<FieldError>);
    let welcome = leptos_router::hooks::use_query_map()
        .read_untracked()
        .get("welcome")
        .is_some();
    view! {
        <Title text=t_string!(i18n, staff.sign_in_title).to_string() />
        <h1>{t!(i18n, staff.sign_in_title)}</h1>
        {welcome.then(|| view! { <div class="notice ok" role="status"><p>{t!(i18n, admin.password_set)}</p></div> })}
        <ActionForm action=sign_in attr:class="narrow">
            {move || error().map(|e| view! { <ErrorNotice error=e /> })}
            <TextInput name="username".into() label=t_string!(i18n, staff.username).to_string() required=true
                autocomplete="username" error=none />
            <TextInput name="password".into() label=t_string!(i18n, staff.password).to_string() required=true
                kind="password" autocomplete="current-password" error=none />
            <button type="submit" class="button primary">{t!(i18n, staff.sign_in)}</button>
        </ActionForm>
        <p><a href="/staff/forgot">{t!(i18n, admin.forgot_link)}</a></p>
    }
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    view! { <RequireStaff signed_in=|_user| view! { <NotificationsView /> } /> }
}

#[component]
fn NotificationsView() -> impl IntoView {
    let i18n = use_i18n();
    let mark = ServerAction::<MarkNotificationsRead>::new();
    let list = Resource::new(move || mark.version().get(), |_| get_notifications());
    view! {
        <Title text=t_string!(i18n, notifications.title).to_string() />
        <h1>{t!(i18n, notifications.title)}</h1>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok((items, unread)) => view! {
                        <p class="lead">{move || t_string!(i18n, notifications.unread, count = unread)}</p>
                        {(unread > 0).then(|| view! {
                            <ActionForm action=mark attr:class="inline">
                                <button type="submit" class="button">{t!(i18n, notifications.mark_read)}</button>
                            </ActionForm>
                        })}
                        {if items.is_empty() {
                            view! { <p>{t!(i18n, notifications.empty)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="notifications">
                                    {items.into_iter().map(|n| {
                                        let kind = n.kind.clone();
                                        view! {
                                            <li class:unread=!n.read>
                                                <time datetime=n.at_iso.clone()>{n.at_text.clone()}</time>
                                                " "
                                                <strong>{move || i18n_text::notification(i18n.get_locale(), &kind)}</strong>
                                                {(!n.read).then(|| view! { " " <span class="tag risk">{t!(i18n, notifications.unread_tag)}</span> })}
                                                <br />
                                                {n.reference.clone().map(|r| view! { <a href=format!("/staff/requests/{r}")>{r.clone()}</a> " · " })}
                                                {n.service_name.clone()}
                                                {n.detail.clone().map(|d| format!(" · {d}"))}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
