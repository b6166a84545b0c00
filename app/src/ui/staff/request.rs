//! A request as staff see it, with the actions they may take.

use super::RequireStaff;
use crate::domain::{ActionKind, SlaState};
use crate::error::AppError;
use crate::fns::{StaffAction, get_staff_request};
use crate::i18n::*;
use crate::i18n_text;
use crate::model::{Delivery, StaffRequestView};
use crate::ui::common::{ErrorNotice, StatusBadge, Timeline, no_js_error};
use crate::ui::islands::{IslandScripts, StaffRequestIsland};
use leptos::prelude::*;
use leptos_i18n::{t, t_string};
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

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
                        <StaffRequestIsland r=r.clone() initial_error={no_js_error::<StaffAction>()} />
                        <StaffFiles r=r.clone() />
                        <crate::ui::privacy::StaffPrivacySection r=r />
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
        {r.duplicate_of.clone().map(|d| view! {
            <p class="notice">
                {t!(i18n, automation.possible_duplicate)} " "
                <a href=format!("/staff/requests/{}", urlencoding::encode(&d))>{d.clone()}</a>
            </p>
        })}
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
                    <dt>{t!(i18n, staff.language)}</dt><dd>{r.lang.code().to_ascii_uppercase()}</dd>
                    <dt>{t!(i18n, staff.col_submitted)}</dt><dd>{crate::i18n_text::iso_date(i18n.get_locale_untracked(), &r.submitted_on)}</dd>
                    <dt>{t!(i18n, staff.col_due)}</dt>
                    <dd>{crate::i18n_text::iso_date(i18n.get_locale_untracked(), &r.expected_by)}</dd>
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
                {r.location.clone().map(|l| {
                    let link = l.map_link();
                    view! {
                        <h2 id="loc-h">{t!(i18n, staff.location)}</h2>
                        <dl class="facts" aria-labelledby="loc-h">
                            {l.address.clone().map(|a| view! { <dt>{t!(i18n, staff.address)}</dt><dd>{a}</dd> })}
                            {l.coordinates_text().map(|c| view! {
                                <dt>{t!(i18n, staff.coordinates)}</dt>
                                <dd>
                                    <span data-testid="coordinates">{c}</span> " "
                                    {link.map(|href| view! { <a href=href rel="noopener noreferrer" data-testid="map-link">{t!(i18n, staff.open_map)}</a> })}
                                </dd>
                            })}
                        </dl>
                    }
                })}
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

/// The request's files, and staff adding documents: results the requester downloads from
/// the tracking page, or internal files. A plain multipart form (works without
/// JavaScript); the server checks who may.
#[component]
fn StaffFiles(r: StaffRequestView) -> impl IntoView {
    let i18n = use_i18n();
    let action = format!(
        "/staff/requests/{}/files",
        urlencoding::encode(&r.reference)
    );
    let may_attach = !r.actions.is_empty();
    view! {
        <section aria-labelledby="files-h" id="files">
            <h2 id="files-h">{t!(i18n, track.files)}</h2>
            <crate::ui::file_field::AttachmentList items=r.attachments.clone() staff=true
                href=Box::new(|a| format!("/staff/files/{}", a.id)) />
            {may_attach.then(|| view! {
                <form method="post" action=action enctype="multipart/form-data" class="card">
                    <h3>{t!(i18n, staff.attach_title)}</h3>
                    <div class="field">
                        <label for="staff-files">{t!(i18n, staff.attach_files)}</label>
                        <input type="file" id="staff-files" name="files" multiple=true required=true
                            accept=crate::ui::file_field::accept_attr(&crate::domain::files::FileKind::ALL) />
                    </div>
                    <fieldset class="field">
                        <legend>{t!(i18n, staff.attach_for)}</legend>
                        <label class="choice"><input type="radio" name="visibility" value="result" checked=true />" " {t!(i18n, staff.attach_result)}</label>
                        <label class="choice"><input type="radio" name="visibility" value="internal" />" " {t!(i18n, staff.attach_internal)}</label>
                    </fieldset>
                    <div class="field">
                        <label for="staff-files-note">{t!(i18n, staff.attach_note)}" "<span class="req">{t!(i18n, common.optional)}</span></label>
                        <input type="text" id="staff-files-note" name="note" maxlength="1000" />
                    </div>
                    <button type="submit" class="button">{t!(i18n, staff.attach_submit)}</button>
                </form>
            })}
        </section>
    }
}

/// A request's standing against its service level, as a tag.
#[component]
pub(super) fn SlaTag(state: SlaState) -> impl IntoView {
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
