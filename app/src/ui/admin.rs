//! Administration pages for portfolio owners and administrators: the institution's staff
//! (invite, change role and services, deactivate, send a reset link) and the audit log of
//! configuration changes; and the pages a mail leads to: setting a password through a
//! one-time link, asking for a reset. Forms are `PostForm`s: plain posts without
//! JavaScript, sent in place with it.

use super::common::{ErrorNotice, TextInput, no_js_error};
use super::islands::PostForm;
use super::staff::RequireStaff;
use crate::domain::{FieldError, Role};
use crate::error::AppError;
use crate::fns::admin::{
    DeactivateStaff, ForgotPassword, InviteStaff, SendStaffReset, SetStaffRole, UseAccountLink,
    get_account_link, get_audit_log, get_staff_list,
};
use crate::i18n::*;
use crate::i18n_text;
use crate::model::{AuditFilter, StaffAccount};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_i18n::{t, t_string};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The field error `name` of a refusal, if any.
fn field(e: &Option<AppError>, name: &str) -> Option<FieldError> {
    e.as_ref()
        .and_then(|e| e.field_errors())
        .and_then(|f| f.get(name).cloned())
}

/// A fixed field error as the signal `TextInput` takes.
fn sig(e: Option<FieldError>) -> Signal<Option<FieldError>> {
    Signal::derive(move || e.clone())
}

/// Role choice: the roles this administrator may give.
#[component]
fn RoleSelect(me: Role, current: Option<Role>, error: Option<FieldError>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let options = Role::ALL
        .into_iter()
        .filter(|r| *r != Role::Admin || me == Role::Admin)
        .map(|r| view! { <option value=r.as_str() selected=current == Some(r)>{i18n_text::role(l, r)}</option> })
        .collect_view();
    let invalid = error.is_some().then_some("true");
    let has_error = error.is_some();
    view! {
        <div class="field" class:has-error=has_error>
            <label for="a-role">{t!(i18n, admin.role)}</label>
            <select id="a-role" name="role" required=true aria-invalid=invalid
                aria-describedby=has_error.then_some("a-role-error")>
                {options}
            </select>
            {error.map(|e| view! { <p class="field-error" id="a-role-error">{i18n_text::field_error(l, &e)}</p> })}
        </div>
    }
}

/// Service checkboxes `services[CODE]`, for providers and service owners.
#[component]
fn ServiceChoice(
    services: Vec<(String, String)>,
    chosen: Vec<String>,
    error: Option<FieldError>,
) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let has_error = error.is_some();
    view! {
        <fieldset class="field" class:has-error=has_error
            aria-describedby=has_error.then_some("a-services-error")>
            <legend>{t!(i18n, admin.services)}</legend>
            <p class="hint">{t!(i18n, admin.services_hint)}</p>
            {services.into_iter().map(|(code, name)| {
                let checked = chosen.contains(&code);
                view! {
                    <label class="choice">
                        <input type="checkbox" name=format!("services[{code}]") value="on" checked=checked />
                        " " {name}
                    </label>
                }
            }).collect_view()}
            {error.map(|e| view! { <p class="field-error" id="a-services-error">{i18n_text::field_error(l, &e)}</p> })}
        </fieldset>
    }
}

/// `/staff/admin/staff`: the institution's staff and the invitation form.
#[component]
pub fn StaffAdminPage() -> impl IntoView {
    view! { <RequireStaff signed_in=|user| view! { <StaffAdmin me=user.role /> } /> }
}

#[component]
fn StaffAdmin(me: Role) -> impl IntoView {
    let i18n = use_i18n();
    let list = Resource::new(|| (), |_| get_staff_list());
    let error = no_js_error::<InviteStaff>();
    let invite_url = InviteStaff::PATH.to_string();
    view! {
        <Title text=t_string!(i18n, admin.staff_title).to_string() />
        <h1>{t!(i18n, admin.staff_title)}</h1>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let error = error.clone();
                let invite_url = invite_url.clone();
                Suspend::new(async move {
                    let (list, services) = match list.await {
                        Ok(both) => both,
                        Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                    };
                    view! {
                        <StaffTable list=list />
                        <h2 id="inv-h">{t!(i18n, admin.invite)}</h2>
                        <p>{t!(i18n, admin.invite_intro)}</p>
                        {error.clone().filter(|e| e.field_errors().is_none()).map(|e| view! { <ErrorNotice error=e /> })}
                        <PostForm action=invite_url>
                            <TextInput name="display_name".into() required=true label=t_string!(i18n, admin.display_name).to_string()
                                autocomplete="off" error=sig(field(&error, "display_name")) />
                            <TextInput name="email".into() required=true kind="email" label=t_string!(i18n, admin.email).to_string()
                                autocomplete="off" error=sig(field(&error, "email")) />
                            <TextInput name="username".into() required=true label=t_string!(i18n, admin.username).to_string()
                                autocomplete="off" hint=t_string!(i18n, admin.username_hint).to_string()
                                error=sig(field(&error, "username")) />
                            <RoleSelect me=me current=Some(Role::Provider) error=field(&error, "role") />
                            <ServiceChoice services=services chosen=vec![] error=field(&error, "services") />
                            <button type="submit" class="button primary">{t!(i18n, admin.send_invite)}</button>
                        </PostForm>
                    }.into_any()
                })
            }}
        </Suspense>
    }
}

#[component]
fn StaffTable(list: Vec<StaffAccount>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <div class="table-wrap" role="region" aria-labelledby="staff-cap" tabindex="0">
            <table data-testid="staff">
                <caption id="staff-cap">{t!(i18n, admin.staff_caption)}</caption>
                <thead><tr>
                    <th scope="col">{t!(i18n, admin.display_name)}</th>
                    <th scope="col">{t!(i18n, admin.username)}</th>
                    <th scope="col">{t!(i18n, admin.role)}</th>
                    <th scope="col">{t!(i18n, admin.services)}</th>
                    <th scope="col">{t!(i18n, admin.state)}</th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|m| {
                        let state = if !m.active {
                            t_string!(i18n, admin.deactivated)
                        } else if m.invited {
                            t_string!(i18n, admin.invited)
                        } else {
                            t_string!(i18n, admin.active)
                        };
                        let services = m.services.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>().join(", ");
                        view! {
                            <tr>
                                <th scope="row"><a href=format!("/staff/admin/staff/{}", m.id)>{m.display_name.clone()}</a></th>
                                <td>{m.username.clone()}</td>
                                <td>{i18n_text::role(l, m.role)}</td>
                                <td>{services}</td>
                                <td>{state}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// `/staff/admin/staff/:id`: one colleague: role and services, a reset link, deactivation.
#[component]
pub fn StaffAccountPage() -> impl IntoView {
    view! { <RequireStaff signed_in=|user| view! { <StaffAccountView me=user.role /> } /> }
}

#[component]
fn StaffAccountView(me: Role) -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id: i64 = params
        .read_untracked()
        .get("id")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let list = Resource::new(|| (), |_| get_staff_list());
    let error = no_js_error::<SetStaffRole>()
        .or_else(no_js_error::<DeactivateStaff>)
        .or_else(no_js_error::<SendStaffReset>);
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let error = error.clone();
                Suspend::new(async move {
                    let (list, services) = match list.await {
                        Ok(both) => both,
                        Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                    };
                    let Some(m) = list.into_iter().find(|m| m.id == id) else {
                        return view! { <ErrorNotice error=AppError::NotFound /> }.into_any();
                    };
                    let chosen: Vec<String> = m.services.iter().map(|(c, _)| c.clone()).collect();
                    let hidden = move || view! { <input type="hidden" name="user_id" value=id.to_string() /> };
                    let title = m.display_name.clone();
                    view! {
                        <Title text=title.clone() />
                        <h1>{m.display_name.clone()}</h1>
                        <p class="lead">{m.username.clone()} {m.email.clone().map(|e| format!(" · {e}"))}</p>
                        {error.clone().filter(|e| e.field_errors().is_none()).map(|e| view! { <ErrorNotice error=e /> })}
                        {field(&error, "account").map(|e| view! {
                            <div class="notice error" role="alert"><p>{i18n_text::field_error(i18n.get_locale_untracked(), &e)}</p></div>
                        })}
                        {if !m.active {
                            view! { <p data-testid="deactivated"><strong>{t!(i18n, admin.deactivated)}</strong></p> }.into_any()
                        } else {
                            view! {
                                <h2>{t!(i18n, admin.change_role)}</h2>
                                <PostForm action=SetStaffRole::PATH.to_string()>
                                    {hidden()}
                                    <RoleSelect me=me current=Some(m.role) error=field(&error, "role") />
                                    <ServiceChoice services=services chosen=chosen error=field(&error, "services") />
                                    <button type="submit" class="button primary">{t!(i18n, admin.save_role)}</button>
                                </PostForm>
                                <h2>{t!(i18n, admin.password)}</h2>
                                <PostForm action=SendStaffReset::PATH.to_string()>
                                    {hidden()}
                                    <p>{t!(i18n, admin.reset_intro)}</p>
                                    <button type="submit" class="button">{t!(i18n, admin.send_reset)}</button>
                                </PostForm>
                                <h2>{t!(i18n, admin.deactivate)}</h2>
                                <PostForm action=DeactivateStaff::PATH.to_string()>
                                    {hidden()}
                                    <p>{t!(i18n, admin.deactivate_intro)}</p>
                                    <button type="submit" class="button danger">{t!(i18n, admin.deactivate)}</button>
                                </PostForm>
                            }.into_any()
                        }}
                        <p><a href="/staff/admin/staff">{t!(i18n, admin.back)}</a></p>
                    }.into_any()
                })
            }}
        </Suspense>
    }
}

/// `/staff/admin/audit`: configuration changes, newest first, with filters.
#[component]
pub fn AuditPage() -> impl IntoView {
    view! { <RequireStaff signed_in=|_user| view! { <AuditView /> } /> }
}

#[component]
fn AuditView() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let filter = {
        let q = query.read_untracked();
        AuditFilter {
            entity: q.get("entity").unwrap_or_default(),
            actor: q.get("actor").unwrap_or_default(),
            from: q.get("from").unwrap_or_default(),
            to: q.get("to").unwrap_or_default(),
        }
    };
    let shown = filter.clone();
    let csv_href = format!(
        "/staff/admin/audit.csv?entity={}&actor={}&from={}&to={}",
        urlencoding::encode(&filter.entity),
        urlencoding::encode(&filter.actor),
        urlencoding::encode(&filter.from),
        urlencoding::encode(&filter.to)
    );
    let rows = Resource::new(move || filter.clone(), get_audit_log);
    let entity_option = move |value: &'static str, label: String| {
        view! { <option value=value selected=shown.entity == value>{label}</option> }
    };
    view! {
        <Title text=t_string!(i18n, admin.audit_title).to_string() />
        <h1>{t!(i18n, admin.audit_title)}</h1>
        <p>{t!(i18n, admin.audit_intro)}</p>
        <form method="get" action="/staff/admin/audit" class="filters">
            <div class="field">
                <label for="au-entity">{t!(i18n, admin.entity)}</label>
                <select id="au-entity" name="entity">
                    {entity_option("", t_string!(i18n, admin.entity_all).to_string())}
                    {entity_option("user", t_string!(i18n, admin.entity_user).to_string())}
                    {entity_option("service", t_string!(i18n, admin.entity_service).to_string())}
                    {entity_option("calendar", t_string!(i18n, admin.entity_calendar).to_string())}
                    {entity_option("institution", t_string!(i18n, admin.entity_institution).to_string())}
                    {entity_option("life_situation", t_string!(i18n, admin.entity_life_situation).to_string())}
                    {entity_option("partner", t_string!(i18n, admin.entity_partner).to_string())}
                </select>
            </div>
            <div class="field">
                <label for="au-actor">{t!(i18n, admin.actor)}</label>
                <input id="au-actor" name="actor" value=shown.actor.clone() autocomplete="off" />
            </div>
            <div class="field">
                <label for="au-from">{t!(i18n, admin.from)}</label>
                <input id="au-from" name="from" type="date" value=shown.from.clone() />
            </div>
            <div class="field">
                <label for="au-to">{t!(i18n, admin.to)}</label>
                <input id="au-to" name="to" type="date" value=shown.to.clone() />
            </div>
            <button type="submit" class="button">{t!(i18n, admin.show)}</button>
        </form>
        <p><a href=csv_href download="">{t!(i18n, admin.csv)}</a></p>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p>{t!(i18n, admin.audit_none)}</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap" role="region" aria-labelledby="au-cap" tabindex="0">
                            <table data-testid="audit">
                                <caption id="au-cap">{t!(i18n, admin.audit_title)}</caption>
                                <thead><tr>
                                    <th scope="col">{t!(i18n, admin.when)}</th>
                                    <th scope="col">{t!(i18n, admin.actor)}</th>
                                    <th scope="col">{t!(i18n, admin.what)}</th>
                                    <th scope="col">{t!(i18n, admin.change)}</th>
                                    <th scope="col">{t!(i18n, admin.before)}</th>
                                    <th scope="col">{t!(i18n, admin.after)}</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|r| {
                                        let actor = r.actor.clone().unwrap_or_else(|| {
                                            if r.actor_kind == "cli" {
                                                t_string!(i18n, admin.actor_cli).to_string()
                                            } else {
                                                t_string!(i18n, admin.actor_system).to_string()
                                            }
                                        });
                                        view! {
                                            <tr>
                                                <td>{r.at_text.clone()}</td>
                                                <td>{actor}</td>
                                                <th scope="row">{format!("{}: {}", r.entity, r.entity_key)}</th>
                                                <td>{r.action.clone()}</td>
                                                <td><code class="wrap">{r.before.clone()}</code></td>
                                                <td><code class="wrap">{r.after.clone()}</code></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/staff/welcome?t=`: choose a password through a one-time link (invitation or reset).
#[component]
pub fn WelcomePage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let token = query.read_untracked().get("t").unwrap_or_default();
    let shown_token = token.clone();
    let link = Resource::new(move || token.clone(), get_account_link);
    let error = no_js_error::<UseAccountLink>();
    view! {
        <Title text=t_string!(i18n, admin.welcome_title).to_string() />
        <h1>{t!(i18n, admin.welcome_title)}</h1>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let error = error.clone();
                let shown_token = shown_token.clone();
                Suspend::new(async move {
                    match link.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(None) => view! {
                            <div class="notice error" role="alert">
                                <p>{i18n_text::field_error(i18n.get_locale_untracked(), &FieldError::LinkExpired)}</p>
                            </div>
                            <p><a href="/staff/forgot">{t!(i18n, admin.forgot_link)}</a></p>
                        }.into_any(),
                        Ok(Some((name, username))) => view! {
                            <p class="lead">{name} " · " {t!(i18n, admin.username)} ": " <strong>{username}</strong></p>
                            {error.clone().filter(|e| e.field_errors().is_none()).map(|e| view! { <ErrorNotice error=e /> })}
                            <PostForm action=UseAccountLink::PATH.to_string()>
                                <input type="hidden" name="token" value=shown_token.clone() />
                                <TextInput name="password".into() required=true kind="password" autocomplete="new-password"
                                    label=t_string!(i18n, profile.new_password).to_string()
                                    hint=t_string!(i18n, profile.new_password_hint).to_string()
                                    error=sig(field(&error, "password").or_else(|| field(&error, "link"))) />
                                <button type="submit" class="button primary">{t!(i18n, admin.set_password)}</button>
                            </PostForm>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// `/staff/forgot`: ask for a password-reset link.
#[component]
pub fn ForgotPage() -> impl IntoView {
    let i18n = use_i18n();
    let sent = use_query_map().read_untracked().get("sent").is_some();
    let error = no_js_error::<ForgotPassword>();
    view! {
        <Title text=t_string!(i18n, admin.forgot_title).to_string() />
        <h1>{t!(i18n, admin.forgot_title)}</h1>
        {sent.then(|| view! { <div class="notice ok" role="status"><p>{t!(i18n, admin.forgot_sent)}</p></div> })}
        {error.map(|e| view! { <ErrorNotice error=e /> })}
        <p>{t!(i18n, admin.forgot_intro)}</p>
        <PostForm action=ForgotPassword::PATH.to_string()>
            <TextInput name="who".into() required=true label=t_string!(i18n, admin.forgot_who).to_string() autocomplete="username" error=sig(None) />
            <button type="submit" class="button primary">{t!(i18n, admin.send_reset_self)}</button>
        </PostForm>
    }
}
