//! Personal data pages: the privacy notice and the accessibility statement (per language,
//! public), the requester's view of everything held about their request, the staff
//! section for erasure and legal holds, and the record of staff views.

use super::common::{ErrorNotice, StatusBadge, Timeline, no_js_error};
use super::islands::PostForm;
use super::staff::RequireStaff;
use crate::error::AppError;
use crate::fns::{ErasePersonalData, LegalHold, get_my_data, get_personal_data_views};
use crate::i18n::*;
use crate::model::StaffRequestView;
use leptos::prelude::*;
use leptos_i18n::{t, t_string};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn PrivacyPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, privacy.title).to_string() />
        <article class="prose-page">
            <h1>{t!(i18n, privacy.title)}</h1>
            <p class="lead">{t!(i18n, privacy.intro)}</p>
            <h2>{t!(i18n, privacy.what_h)}</h2><p>{t!(i18n, privacy.what)}</p>
            <h2>{t!(i18n, privacy.why_h)}</h2><p>{t!(i18n, privacy.why)}</p>
            <h2>{t!(i18n, privacy.who_h)}</h2><p>{t!(i18n, privacy.who)}</p>
            <h2>{t!(i18n, privacy.keep_h)}</h2><p>{t!(i18n, privacy.keep)}</p>
            <h2>{t!(i18n, privacy.rights_h)}</h2><p>{t!(i18n, privacy.rights)}</p>
            <h2>{t!(i18n, privacy.complain_h)}</h2><p>{t!(i18n, privacy.complain)}</p>
        </article>
    }
}

#[component]
pub fn AccessibilityPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, accessibility.title).to_string() />
        <article class="prose-page">
            <h1>{t!(i18n, accessibility.title)}</h1>
            <p class="lead">{t!(i18n, accessibility.intro)}</p>
            <h2>{t!(i18n, accessibility.status_h)}</h2><p>{t!(i18n, accessibility.status)}</p>
            <h2>{t!(i18n, accessibility.checked_h)}</h2><p>{t!(i18n, accessibility.checked)}</p>
            <h2>{t!(i18n, accessibility.limits_h)}</h2><p>{t!(i18n, accessibility.limits)}</p>
            <h2>{t!(i18n, accessibility.feedback_h)}</h2><p>{t!(i18n, accessibility.feedback)}</p>
            <h2>{t!(i18n, accessibility.enforcement_h)}</h2><p>{t!(i18n, accessibility.enforcement)}</p>
        </article>
    }
}

/// `/track/data?ref=`: everything held about a request this browser follows (the code is
/// in its tracking cookie), readable and printable; the same as JSON at
/// `/track/data.json?ref=`.
#[component]
pub fn MyDataPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let reference = query.read_untracked().get("ref").unwrap_or_default();
    let data = Resource::new(move || reference.clone(), get_my_data);
    view! {
        <Title text=t_string!(i18n, export.title).to_string() />
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(AppError::NotFound) => view! {
                        <h1>{t!(i18n, export.title)}</h1>
                        <div class="notice error" role="alert"><p>{t!(i18n, track.not_found)}</p></div>
                        <p><a href="/track">{t!(i18n, nav.track)}</a></p>
                    }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(d) => {
                        let none = move || t_string!(i18n, common.none).to_string();
                        let json_href = format!("/track/data.json?ref={}", urlencoding::encode(&d.reference));
                        let years = ((d.retention_days + 182) / 365).max(1);
                        view! {
                            <article class="receipt">
                                <h1>{t!(i18n, export.heading)} " " <span class="mono">{d.reference.clone()}</span></h1>
                                <p class="lead">{t!(i18n, export.intro)}</p>
                                {d.anonymised.then(|| view! { <div class="notice" role="status"><p>{t!(i18n, export.anonymised)}</p></div> })}
                                <dl class="facts">
                                    <dt>{t!(i18n, receipt.service)}</dt><dd>{d.service_name.clone()}</dd>
                                    <dt>{t!(i18n, receipt.institution)}</dt><dd>{d.institution_name.clone()}</dd>
                                    <dt>{t!(i18n, receipt.status)}</dt><dd><StatusBadge status=d.status /></dd>
                                    <dt>{t!(i18n, service.retention)}</dt><dd>{move || t_string!(i18n, service.retention_years, count = years)}</dd>
                                </dl>
                                <h2>{t!(i18n, service.contact)}</h2>
                                <dl class="facts">
                                    <dt>{t!(i18n, service.contact_name)}</dt><dd>{if d.contact_name.is_empty() { none() } else { d.contact_name.clone() }}</dd>
                                    <dt>{t!(i18n, service.contact_email)}</dt><dd>{d.contact_email.clone().unwrap_or_else(none)}</dd>
                                    <dt>{t!(i18n, service.contact_phone)}</dt><dd>{d.contact_phone.clone().unwrap_or_else(none)}</dd>
                                </dl>
                                <h2>{t!(i18n, export.answers)}</h2>
                                {if d.answers.is_empty() {
                                    view! { <p>{none()}</p> }.into_any()
                                } else {
                                    view! {
                                        <dl class="facts">
                                            {d.answers.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd class="prose">{v.clone()}</dd> }).collect_view()}
                                        </dl>
                                    }.into_any()
                                }}
                                <h2>{t!(i18n, export.history)}</h2>
                                <Timeline entries=d.timeline.clone() />
                                <h2>{t!(i18n, export.messages)}</h2>
                                {if d.messages.is_empty() {
                                    view! { <p>{none()}</p> }.into_any()
                                } else {
                                    view! {
                                        <ul>
                                            {d.messages.iter().map(|m| view! {
                                                <li>{m.subject.clone()} " — " {m.sent_at.clone().unwrap_or_else(|| m.status.clone())}</li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                                {d.rating.map(|score| view! {
                                    <h2>{t!(i18n, export.rating)}</h2>
                                    <p>{score} " / 5" {d.rating_comment.clone().map(|c| format!(" — {c}"))}</p>
                                })}
                                <p class="hint">{t!(i18n, export.prepared)} " " <time datetime=d.exported_at.clone()>{d.exported_at.clone()}</time></p>
                                <p class="no-print actions-row">
                                    <a class="button primary" href=json_href download="">{t!(i18n, export.json)}</a>
                                    <button type="button" class="button" data-print="">{t!(i18n, common.print)}</button>
                                    <script src="/print.js" defer=true></script>
                                </p>
                            </article>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// On the staff request page: the state of the request's personal data and, for owners
/// and portfolio owners, erasure on a data subject's request and legal holds.
#[component]
pub fn StaffPrivacySection(r: StaffRequestView) -> impl IntoView {
    let i18n = use_i18n();
    let erase_url = <ErasePersonalData as leptos::server_fn::ServerFn>::PATH.to_string();
    let hold_url = <LegalHold as leptos::server_fn::ServerFn>::PATH.to_string();
    let error = no_js_error::<ErasePersonalData>().or_else(no_js_error::<LegalHold>);
    let reference = StoredValue::new(r.reference.clone());
    let hidden =
        move || view! { <input type="hidden" name="reference" value=reference.get_value() /> };
    view! {
        <section class="privacy-panel" aria-labelledby="pd-h">
            <h2 id="pd-h">{t!(i18n, staffprivacy.heading)}</h2>
            {error.map(|e| view! { <ErrorNotice error=e /> })}
            {r.anonymised.then(|| view! { <p>{t!(i18n, export.anonymised)}</p> })}
            {r.legal_hold.clone().map(|reason| view! {
                <p data-testid="legal-hold"><strong>{t!(i18n, staffprivacy.hold)}</strong> " " {reason}</p>
            })}
            {(r.may_manage_personal_data && !r.anonymised).then(|| {
                let held = r.legal_hold.is_some();
                view! {
                    {if held {
                        view! {
                            <PostForm action=hold_url.clone()>
                                {hidden()}
                                <input type="hidden" name="lift" value="1" />
                                <button type="submit" class="button">{t!(i18n, staffprivacy.hold_lift)}</button>
                            </PostForm>
                        }.into_any()
                    } else {
                        view! {
                            <PostForm action=hold_url.clone()>
                                {hidden()}
                                <div class="field">
                                    <label for="hold-reason">{t!(i18n, staffprivacy.hold_reason)}</label>
                                    <input id="hold-reason" name="reason" required=true maxlength="1000" />
                                </div>
                                <button type="submit" class="button">{t!(i18n, staffprivacy.hold_place)}</button>
                            </PostForm>
                        }.into_any()
                    }}
                    <PostForm action=erase_url.clone()>
                        {hidden()}
                        <div class="field">
                            <label for="erase-reason">{t!(i18n, staffprivacy.erase_reason)}</label>
                            <p class="hint" id="erase-hint">{t!(i18n, staffprivacy.erase_hint)}</p>
                            <textarea id="erase-reason" name="reason" required=true maxlength="1000" aria-describedby="erase-hint"></textarea>
                        </div>
                        <button type="submit" class="button danger">{t!(i18n, staffprivacy.erase)}</button>
                    </PostForm>
                }
            })}
        </section>
    }
}

/// `/staff/privacy`: every staff view of personal data in the institution, newest first
/// (portfolio owners and administrators).
#[component]
pub fn ViewsPage() -> impl IntoView {
    view! { <RequireStaff signed_in=|_user| view! { <ViewsList /> } /> }
}

#[component]
fn ViewsList() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let reference = query.read_untracked().get("ref").unwrap_or_default();
    let shown = reference.clone();
    let views = Resource::new(move || reference.clone(), get_personal_data_views);
    view! {
        <Title text=t_string!(i18n, views.title).to_string() />
        <h1>{t!(i18n, views.title)}</h1>
        <p>{t!(i18n, views.intro)}</p>
        <form method="get" action="/staff/privacy" class="narrow">
            <div class="field">
                <label for="views-ref">{t!(i18n, views.filter)}</label>
                <input id="views-ref" name="ref" value=shown autocomplete="off" />
            </div>
            <button type="submit" class="button">{t!(i18n, views.show)}</button>
        </form>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match views.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p>{t!(i18n, views.none)}</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap" role="region" aria-labelledby="views-h" tabindex="0">
                            <table>
                                <caption id="views-h">{t!(i18n, views.title)}</caption>
                                <thead><tr>
                                    <th scope="col">{t!(i18n, views.col_at)}</th>
                                    <th scope="col">{t!(i18n, views.col_staff)}</th>
                                    <th scope="col">{t!(i18n, views.col_request)}</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|v| view! {
                                        <tr>
                                            <td>{v.at_text}</td>
                                            <td>{v.staff}</td>
                                            <th scope="row"><a href=format!("/staff/requests/{}", v.reference)>{v.reference.clone()}</a></th>
                                        </tr>
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
