//! The staff side: sign-in, the work queue, a request's page, registration at the desk.

use super::common::{ErrorNotice, StatusBadge, TextInput, Timeline, no_js_error};
use super::islands::{IslandScripts, RequestFormIsland, StaffRequestIsland};
use crate::domain::{ActionKind, FieldError, SlaState, Status};
use crate::error::AppError;
use crate::fns::{
    MarkNotificationsRead, SignIn, SignOut, StaffAction, SubmitRequest, current_user,
    get_notifications, get_queue, get_service, get_staff_request, my_services,
};
use crate::i18n::*;
use crate::i18n_text;
use crate::model::{Delivery, QueueFilter, QueueItem, SessionUser, StaffRequestView};
use leptos::prelude::*;
use leptos_i18n::{t, t_string};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

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
    view! {
        <Title text=move || t_string!(i18n, staff.sign_in_title).to_string() />
        <h1>{t!(i18n, staff.sign_in_title)}</h1>
        <ActionForm action=sign_in attr:class="narrow">
            {move || error().map(|e| view! { <ErrorNotice error=e /> })}
            <TextInput name="username".into() label=t_string!(i18n, staff.username).to_string() required=true
                autocomplete="username" error=none />
            <TextInput name="password".into() label=t_string!(i18n, staff.password).to_string() required=true
                kind="password" autocomplete="current-password" error=none />
            <button type="submit" class="button primary">{t!(i18n, staff.sign_in)}</button>
        </ActionForm>
    }
}

#[component]
pub fn StaffHome() -> impl IntoView {
    view! { <RequireStaff signed_in=|_user| view! { <QueueView /> } /> }
}

#[component]
fn QueueView() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        QueueFilter {
            status: q.get("status").and_then(|s| Status::parse(&s)),
            service: q.get("service").filter(|s| !s.is_empty()),
            mine: q.get("mine").is_some(),
            all: q.get("all").is_some(),
        }
    });
    let queue = Resource::new(move || filter.get(), get_queue);
    view! {
        <Title text=move || t_string!(i18n, staff.queue_title).to_string() />
        <h1>{t!(i18n, staff.queue_title)}</h1>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                let f = filter.get_untracked();
                match queue.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(q) => {
                        let total = q.total_open;
                        view! {
                            <p class="lead">{move || t_string!(i18n, staff.open_count, count = total)}</p>
                            <div class="glance">
                                {q.oldest_open.clone().map(|item| view! {
                                    <div class="card"><h2>{t!(i18n, staff.oldest)}</h2><GlanceItem item=item /></div>
                                })}
                                {q.newest.clone().map(|item| view! {
                                    <div class="card"><h2>{t!(i18n, staff.newest)}</h2><GlanceItem item=item /></div>
                                })}
                            </div>
                            <form method="get" action="/staff" class="filters">
                                <fieldset>
                                    <legend>{t!(i18n, staff.filters)}</legend>
                                    <div class="field">
                                        <label for="flt-status">{t!(i18n, staff.status)}</label>
                                        <select id="flt-status" name="status">
                                            <option value="">{t!(i18n, staff.all_statuses)}</option>
                                            {Status::ALL.into_iter().map(|s| view! {
                                                <option value=s.as_str() selected=f.status == Some(s)>{move || i18n_text::status(i18n.get_locale(), s)}</option>
                                            }).collect_view()}
                                        </select>
                                    </div>
                                    <div class="field">
                                        <label for="flt-service">{t!(i18n, staff.service)}</label>
                                        <select id="flt-service" name="service">
                                            <option value="">{t!(i18n, staff.all_services)}</option>
                                            {q.services.iter().map(|(code, name)| view! {
                                                <option value=code.clone() selected=f.service.as_deref() == Some(code.as_str())>{name.clone()}</option>
                                            }).collect_view()}
                                        </select>
                                    </div>
                                    <div class="field checkbox">
                                        <input type="checkbox" id="flt-mine" name="mine" value="1" checked=f.mine />
                                        <label for="flt-mine">{t!(i18n, staff.only_mine)}</label>
                                    </div>
                                    <div class="field checkbox">
                                        <input type="checkbox" id="flt-all" name="all" value="1" checked=f.all />
                                        <label for="flt-all">{t!(i18n, staff.include_finished)}</label>
                                    </div>
                                    <button type="submit" class="button">{t!(i18n, staff.apply)}</button>
                                </fieldset>
                            </form>
                            {if q.items.is_empty() {
                                view! { <p>{t!(i18n, staff.empty)}</p> }.into_any()
                            } else {
                                view! { <QueueTable items=q.items.clone() /> }.into_any()
                            }}
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn GlanceItem(item: QueueItem) -> impl IntoView {
    view! {
        <p>
            <a href=format!("/staff/requests/{}", item.reference)>{item.reference.clone()}</a>
            " · " {item.service_name.clone()} " · " {item.submitted_on.clone()} " "
            <StatusBadge status=item.status />
        </p>
    }
}

#[component]
fn QueueTable(items: Vec<QueueItem>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="table-wrap" role="region" aria-labelledby="queue-caption" tabindex="0">
            <table class="queue">
                <caption id="queue-caption" class="visually-hidden">{t!(i18n, staff.queue_title)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, staff.col_reference)}</th>
                        <th scope="col">{t!(i18n, staff.col_service)}</th>
                        <th scope="col">{t!(i18n, staff.col_status)}</th>
                        <th scope="col">{t!(i18n, staff.col_requester)}</th>
                        <th scope="col">{t!(i18n, staff.col_assignee)}</th>
                        <th scope="col">{t!(i18n, staff.col_submitted)}</th>
                        <th scope="col">{t!(i18n, sla.col)}</th>
                    </tr>
                </thead>
                <tbody>
                    {items.into_iter().map(|r| {
                        let overdue = r.overdue;
                        view! {
                            <tr class:overdue=overdue>
                                <th scope="row"><a href=format!("/staff/requests/{}", r.reference)>{r.reference.clone()}</a></th>
                                <td>{r.service_name.clone()}</td>
                                <td><StatusBadge status=r.status /></td>
                                <td>{r.contact_name.clone()}</td>
                                <td>{r.assignee.clone().unwrap_or_else(|| t_string!(i18n, common.none).to_string())}</td>
                                <td>{r.submitted_on.clone()}</td>
                                <td>
                                    {match (r.stage_due.clone(), r.stage_due_iso.clone()) {
                                        (Some(due), Some(iso)) => view! { <time datetime=iso>{due}</time> }.into_any(),
                                        _ => view! { <span>{r.due_on.clone()}</span> }.into_any(),
                                    }}
                                    " " <SlaTag state=r.sla_state />
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn StaffRequestPage() -> impl IntoView {
    view! { <RequireStaff signed_in=|_user| view! { <StaffRequestView /> } /> }
}

#[component]
fn StaffRequestView() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let request = Resource::new(
        move || params.read().get("reference").unwrap_or_default(),
        get_staff_request,
    );
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match request.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(r) => view! {
                        <Title text=r.reference.clone() />
                        <StaffRequestIsland r=r initial_error={no_js_error::<StaffAction>()} />
                        <IslandScripts />
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn RequestDetails<E, D>(
    r: StaffRequestView,
    act: ServerAction<StaffAction>,
    error: E,
    done: D,
) -> impl IntoView
where
    E: Fn() -> Option<AppError> + Send + Sync + Clone + 'static,
    D: Fn() -> bool + Send + Sync + Copy + 'static,
{
    let i18n = use_i18n();
    let act_error = error;
    let channel = r.channel;
    let status = r.status;
    let sla = r.sla.clone();
    let actions = r.actions.clone();
    view! {
        <h1>{r.reference.clone()} " " <StatusBadge status=status /></h1>
        <p class="lead">{r.service_name.clone()} " · " {r.institution_name.clone()}</p>
        {move || done().then(|| view! { <div class="notice ok" role="status"><p>{t!(i18n, staff.updated)}</p></div> })}
        {move || act_error().map(|e| view! { <ErrorNotice error=e /> })}
        <div class="columns">
            <section aria-labelledby="req-h">
                <h2 id="req-h">{t!(i18n, staff.contact)}</h2>
                <dl class="facts">
                    <dt>{t!(i18n, staff.col_requester)}</dt><dd>{r.contact_name.clone()}</dd>
                    {r.contact_email.clone().map(|e| view! { <dt>{t!(i18n, service.contact_email)}</dt><dd><a href=format!("mailto:{e}")>{e.clone()}</a></dd> })}
                    {r.contact_phone.clone().map(|p| view! { <dt>{t!(i18n, service.contact_phone)}</dt><dd><a href=format!("tel:{p}")>{p.clone()}</a></dd> })}
                    <dt>{t!(i18n, staff.channel)}</dt><dd>{move || i18n_text::channel(i18n.get_locale(), channel)}</dd>
                    <dt>{t!(i18n, staff.language)}</dt><dd>{r.lang.code().to_uppercase()}</dd>
                    <dt>{t!(i18n, staff.col_submitted)}</dt><dd>{r.submitted_on.clone()}</dd>
                    <dt>{t!(i18n, staff.col_due)}</dt>
                    <dd>{r.expected_by.clone()}</dd>
                    <dt>{t!(i18n, sla.title)}</dt>
                    <dd><SlaTag state=sla.state /></dd>
                    {sla.stage.map(|st| view! {
                        <dt>{t!(i18n, sla.stage)}</dt><dd>{move || i18n_text::sla_stage(i18n.get_locale(), st)}</dd>
                    })}
                    {sla.stage_due.clone().filter(|_| sla.stage.is_some()).map(|d| view! { <dt>{t!(i18n, sla.stage_due)}</dt><dd>{d}</dd> })}
                    {sla.time_left_minutes.map(|m| {
                        let (h, min) = (m.abs() / 60, m.abs() % 60);
                        view! {
                            <dt>{move || if m < 0 { t_string!(i18n, sla.overdue_by) } else { t_string!(i18n, sla.time_left) }}</dt>
                            <dd>{move || t_string!(i18n, sla.duration, hours = h, minutes = min)}</dd>
                        }
                    })}
                    <dt>{t!(i18n, staff.assigned_to)}</dt>
                    <dd>{r.assignee.clone().map(|a| a.display_name).unwrap_or_else(|| t_string!(i18n, staff.unassigned).to_string())}</dd>
                    {r.service_owner.clone().map(|o| view! { <dt>{t!(i18n, staff.service_owner)}</dt><dd>{o}</dd> })}
                    {r.rating.map(|s| view! { <dt>{t!(i18n, staff.rating)}</dt><dd>{format!("{s}/5")} {r.rating_comment.clone().map(|c| format!(" — {c}"))}</dd> })}
                </dl>
                <h2>{t!(i18n, staff.values)}</h2>
                <dl class="facts">
                    {r.values.iter().map(|(label, value)| view! { <dt>{label.clone()}</dt><dd class="prose">{value.clone()}</dd> }).collect_view()}
                </dl>
                {r.decision_reason.clone().map(|d| view! { <h3>{t!(i18n, track.decision_reason)}</h3><p class="prose">{d}</p> })}
                {r.result.clone().map(|d| view! { <h3>{t!(i18n, track.result)}</h3><p class="prose">{d}</p> })}
            </section>
            <section aria-labelledby="act-h">
                <h2 id="act-h">{t!(i18n, staff.actions)}</h2>
                {if actions.is_empty() {
                    view! { <p>{t!(i18n, staff.no_actions)}</p> }.into_any()
                } else {
                    actions.iter().map(|a| view! { <ActionBox kind=*a r=r.clone() act=act /> }).collect_view().into_any()
                }}
            </section>
        </div>
        <section aria-labelledby="hist-h">
            <h2 id="hist-h">{t!(i18n, staff.timeline)}</h2>
            <Timeline entries=r.timeline.clone() staff=true />
        </section>
        <Deliveries items=r.deliveries.clone() />
    }
}

/// A request's standing against its service level, as a tag.
#[component]
fn SlaTag(state: SlaState) -> impl IntoView {
    let i18n = use_i18n();
    let class = match state {
        SlaState::Breached | SlaState::Missed => "tag warn",
        SlaState::AtRisk => "tag risk",
        _ => "tag",
    };
    view! { <span class=class>{move || i18n_text::sla_state(i18n.get_locale(), state)}</span> }
}

/// The messages sent about a request and how their delivery went.
#[component]
fn Deliveries(items: Vec<Delivery>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section aria-labelledby="mail-h">
            <h2 id="mail-h">{t!(i18n, delivery.title)}</h2>
            {if items.is_empty() {
                view! { <p>{t!(i18n, delivery.none)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" role="region" aria-labelledby="mail-h" tabindex="0">
                        <table>
                            <thead><tr>
                                <th scope="col">{t!(i18n, delivery.col_message)}</th>
                                <th scope="col">{t!(i18n, delivery.col_to)}</th>
                                <th scope="col">{t!(i18n, delivery.col_status)}</th>
                                <th scope="col">{t!(i18n, delivery.col_attempts)}</th>
                                <th scope="col">{t!(i18n, delivery.col_when)}</th>
                            </tr></thead>
                            <tbody>
                                {items.into_iter().map(|d| {
                                    let template = d.template.clone();
                                    let status = d.status.clone();
                                    let failed = status == "failed";
                                    view! {
                                        <tr>
                                            <th scope="row">{move || i18n_text::mail_kind(i18n.get_locale(), &template)}</th>
                                            <td>{d.recipient.clone()}</td>
                                            <td>
                                                <span class=if failed { "tag warn" } else { "tag" }>{move || i18n_text::delivery(i18n.get_locale(), &status)}</span>
                                                {d.last_error.clone().map(|e| view! { <br /><small>{e}</small> })}
                                            </td>
                                            <td>{d.attempts}</td>
                                            <td>{d.sent_text.clone().unwrap_or(d.created_text.clone())}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
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
        <Title text=move || t_string!(i18n, notifications.title).to_string() />
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

/// One action as a small form: hidden reference, version and action, plus what it needs.
#[component]
fn ActionBox(
    kind: ActionKind,
    r: StaffRequestView,
    act: ServerAction<StaffAction>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = format!("act-{}", kind.as_str());
    let label = move || i18n_text::action(i18n.get_locale(), kind);
    let danger = kind == ActionKind::Refuse;
    let hidden = {
        let (reference, version) = (r.reference.clone(), r.version.to_string());
        move || {
            view! {
                <input type="hidden" name="reference" value=reference.clone() />
                <input type="hidden" name="version" value=version.clone() />
                <input type="hidden" name="action" value=kind.as_str() />
            }
        }
    };
    let person_select = {
        let colleagues = r.colleagues.clone();
        move |select_id: String, escalate: bool| {
            view! {
                <div class="field">
                    <label for=select_id.clone()>
                        {move || if escalate { t_string!(i18n, staff.escalate_to) } else { t_string!(i18n, staff.assignee) }}
                    </label>
                    <select id=select_id name="assignee" required=true>
                        <option value="">{t!(i18n, common.choose)}</option>
                        {colleagues.iter().map(|c| {
                            let role = c.role;
                            view! { <option value=c.id.to_string()>{c.display_name.clone()} " (" {move || i18n_text::role(i18n.get_locale(), role)} ")"</option> }
                        }).collect_view()}
                    </select>
                </div>
            }
        }
    };
    let heading_id = id.clone();
    let who_id = format!("{id}-who");
    let body = if kind == ActionKind::Assign {
        // Taking it oneself and assigning it to someone else are separate forms.
        let hidden_other = hidden.clone();
        let others = r.can_assign_others.then(|| {
            view! {
                <ActionForm action=act>
                    {hidden_other()}
                    {person_select(who_id.clone(), false)}
                    <button type="submit" class="button primary">{label}</button>
                </ActionForm>
            }
        });
        view! {
            <ActionForm action=act>
                {hidden()}
                <input type="hidden" name="to_self" value="1" />
                <button type="submit" class="button primary">{t!(i18n, staff.take)}</button>
            </ActionForm>
            {others}
        }
        .into_any()
    } else {
        let (text_label, text_required) = match kind {
            ActionKind::RequestInformation | ActionKind::Refuse | ActionKind::Escalate => {
                (Some(t_string!(i18n, staff.reason)), true)
            }
            ActionKind::Fulfil => (Some(t_string!(i18n, staff.result)), true),
            ActionKind::RecordAction => (Some(t_string!(i18n, staff.note)), true),
            ActionKind::Register | ActionKind::Approve | ActionKind::Close => {
                (Some(t_string!(i18n, staff.note)), false)
            }
            _ => (None, false),
        };
        let text_id = format!("{id}-text");
        view! {
            <ActionForm action=act>
                {hidden()}
                {(kind == ActionKind::Escalate).then(|| person_select(who_id.clone(), true))}
                {text_label.map(|l| view! {
                    <div class="field">
                        <label for=text_id.clone()>{l}</label>
                        <textarea id=text_id.clone() name="text" rows="3" required=text_required maxlength="4000"></textarea>
                    </div>
                })}
                {(kind == ActionKind::RecordAction).then(|| view! {
                    <div class="field checkbox">
                        <input type="checkbox" id="act-visible" name="visible" value="1" />
                        <label for="act-visible">{t!(i18n, staff.visible)}</label>
                    </div>
                })}
                <button type="submit" class="button" class:primary=!danger class:danger=danger>{label}</button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <section class="action-box" class:danger=danger aria-labelledby=heading_id.clone()>
            <h3 id=heading_id.clone()>{label}</h3>
            {body}
        </section>
    }
}

#[component]
pub fn InPersonPage() -> impl IntoView {
    view! { <RequireStaff signed_in=|_user| view! { <InPersonForm /> } /> }
}

#[component]
fn InPersonForm() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let chosen = Memo::new(move |_| query.read().get("service").unwrap_or_default());
    let services = Resource::new(|| (), |_| my_services());
    let service = Resource::new(
        move || chosen.get(),
        |code| async move {
            if code.is_empty() {
                None
            } else {
                Some(get_service(code).await)
            }
        },
    );
    view! {
        <Title text=move || t_string!(i18n, staff.in_person_title).to_string() />
        <h1>{t!(i18n, staff.in_person_title)}</h1>
        <p>{t!(i18n, staff.in_person_intro)}</p>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                let list = match services.await {
                    Ok(l) => l,
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                };
                let current = chosen.get_untracked();
                let chooser = view! {
                    <form method="get" action="/staff/new" class="inline-form">
                        <div class="field">
                            <label for="svc">{t!(i18n, staff.choose_service)}</label>
                            <select id="svc" name="service" required=true>
                                <option value="">{t!(i18n, common.choose)}</option>
                                {list.iter().map(|(code, name)| view! {
                                    <option value=code.clone() selected=*code == current>{name.clone()}</option>
                                }).collect_view()}
                            </select>
                        </div>
                        <button type="submit" class="button">{t!(i18n, staff.next_step)}</button>
                    </form>
                };
                let form = match service.await {
                    Some(Ok(s)) => Some(view! { <h2>{s.name.clone()}</h2><RequestFormIsland service=s in_person=true initial_error={no_js_error::<SubmitRequest>()} /><IslandScripts /> }.into_any()),
                    Some(Err(e)) => Some(view! { <ErrorNotice error=e /> }.into_any()),
                    None => None,
                };
                view! { {chooser} {form} }.into_any()
            })}
        </Suspense>
    }
}
