//! The work queue: what is waiting, late or at risk, with filters.

use super::RequireStaff;
use super::request::SlaTag;
use crate::domain::Status;
use crate::fns::get_queue;
use crate::i18n::*;
use crate::i18n_text;
use crate::model::{QueueFilter, QueueItem};
use crate::ui::common::{ErrorNotice, StatusBadge};
use leptos::prelude::*;
use leptos_i18n::{t, t_string};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

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
        <Title text=t_string!(i18n, staff.queue_title).to_string() />
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
    let i18n = use_i18n();
    view! {
        <p>
            <a href=format!("/staff/requests/{}", item.reference)>{item.reference.clone()}</a>
            " · " {item.service_name.clone()} " · " {crate::i18n_text::iso_date(i18n.get_locale_untracked(), &item.submitted_on)} " "
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
                                <td>{crate::i18n_text::iso_date(i18n.get_locale_untracked(), &r.submitted_on)}</td>
                                <td>
                                    {match (r.stage_due.clone(), r.stage_due_iso.clone()) {
                                        (Some(due), Some(iso)) => view! { <time datetime=iso>{due}</time> }.into_any(),
                                        _ => view! { <span>{crate::i18n_text::iso_date(i18n.get_locale_untracked(), &r.due_on)}</span> }.into_any(),
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
