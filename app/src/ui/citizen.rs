//! The citizen side: no account needed.

use super::common::{ErrorNotice, StatusBadge, TextInput, Timeline, no_js_error};
use super::islands::{IslandScripts, PostForm, RequestFormIsland};
use crate::domain::{ActionKind, FieldError, Stage, Status};
use crate::error::AppError;
use crate::fns::{RequesterAction, SubmitRequest, get_catalogue, get_service, track_request};
use crate::i18n::*;
use crate::i18n_text;
use crate::model::{ServiceDetail, ServiceSummary, TrackingView};
use leptos::prelude::*;
use leptos_i18n::{t, t_string};
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text="" />
        <section class="hero">
            <h1>{t!(i18n, home.title)}</h1>
            <p class="lead">{t!(i18n, home.intro)}</p>
            <p><A href="/services" attr:class="button primary">{t!(i18n, home.browse)}</A></p>
        </section>
        <section class="card" aria-labelledby="track-h">
            <h2 id="track-h">{t!(i18n, home.track_title)}</h2>
            <p>{t!(i18n, home.track_intro)}</p>
            <TrackForm reference=String::new() />
        </section>
    }
}

/// The tracking form: posted (never a GET, so the code stays out of addresses and logs)
/// to `/track`, which keeps the code in a cookie and shows the request. A receipt mail's link
/// carries the code after `#`; `track.js` puts it in the field and sends the form.
#[component]
fn TrackForm(reference: String) -> impl IntoView {
    let i18n = use_i18n();
    let no_error = Signal::derive(|| None::<FieldError>);
    view! {
        <script src="/track.js" defer=true></script>
        <form method="post" action="/track" class="track-form" data-track-form="">
            <TextInput name="ref".into() label=t_string!(i18n, track.reference).to_string() required=true
                hint=t_string!(i18n, track.reference_hint).to_string() value=reference error=no_error />
            <TextInput name="code".into() label=t_string!(i18n, track.code).to_string() required=true
                autocomplete="off" hint=t_string!(i18n, track.code_hint).to_string() error=no_error />
            <button type="submit" class="button primary">{t!(i18n, track.submit)}</button>
        </form>
    }
}

#[component]
pub fn CataloguePage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let by_situation = move || query.read().get("by").as_deref() == Some("situation");
    // Pages are rendered on the server only: data is awaited in place, not kept in a
    // Resource (which would also be serialised into the page for a hydration that the
    // islands do not need).
    let catalogue = get_catalogue;
    view! {
        <Title text=t_string!(i18n, catalogue.title).to_string() />
        <h1>{t!(i18n, catalogue.title)}</h1>
        <nav class="tabs" aria-label=move || t_string!(i18n, catalogue.group_view)>
            <a href="/services" aria-current=move || (!by_situation()).then_some("page")>{t!(i18n, catalogue.by_institution)}</a>
            <a href="/services?by=situation" aria-current=move || by_situation().then_some("page")>{t!(i18n, catalogue.by_situation)}</a>
        </nav>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match catalogue().await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(cat) if cat.services.is_empty() => view! { <p>{t!(i18n, catalogue.empty)}</p> }.into_any(),
                    Ok(cat) => {
                        let groups: Vec<(String, String, Vec<ServiceSummary>)> = if by_situation() {
                            cat.life_situations.iter().map(|ls| {
                                let list = cat.services.iter().filter(|s| s.life_situations.contains(&ls.code)).cloned().collect();
                                (ls.code.clone(), ls.name.clone(), list)
                            }).filter(|(_, _, l): &(String, String, Vec<ServiceSummary>)| !l.is_empty()).collect()
                        } else {
                            let mut groups: Vec<(String, String, Vec<ServiceSummary>)> = Vec::new();
                            for s in &cat.services {
                                match groups.iter_mut().find(|g| g.0 == s.institution.code) {
                                    Some(g) => g.2.push(s.clone()),
                                    None => groups.push((s.institution.code.clone(), s.institution.name.clone(), vec![s.clone()])),
                                }
                            }
                            groups
                        };
                        groups.into_iter().map(|(code, name, list)| {
                            let hid = format!("g-{code}");
                            let labelled_by = hid.clone();
                            view! {
                                <section class="group" aria-labelledby=labelled_by>
                                    <h2 id=hid>{name}</h2>
                                    <ul class="service-list">
                                        {list.into_iter().map(|s| view! { <ServiceCard service=s /> }).collect_view()}
                                    </ul>
                                </section>
                            }
                        }).collect_view().into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn ServiceCard(service: ServiceSummary) -> impl IntoView {
    let i18n = use_i18n();
    let days = service.sla_days;
    // A fallback text says which language it is in, for screen readers' pronunciation.
    let text_lang = (service.text_lang != crate::i18n_text::lang(i18n.get_locale_untracked()))
        .then_some(service.text_lang.code());
    view! {
        <li class="service-card">
            <h3 lang=text_lang><a href=format!("/services/{}", service.code)>{service.name}</a></h3>
            <p lang=text_lang>{service.summary}</p>
            <p class="meta">
                <span>{service.institution.name}</span>
                " · "
                <span>{move || t_string!(i18n, catalogue.expected, count = days)}</span>
            </p>
        </li>
    }
}

/// The service named in the path, read on the server.
fn service_loader()
-> impl Fn() -> std::pin::Pin<Box<dyn Future<Output = Result<ServiceDetail, AppError>> + Send>>
+ Clone
+ Send
+ Sync
+ 'static {
    let code = use_params_map()
        .read_untracked()
        .get("code")
        .unwrap_or_default();
    move || Box::pin(get_service(code.clone()))
}

#[component]
pub fn ServicePage() -> impl IntoView {
    let i18n = use_i18n();
    let service = service_loader();
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let service = service();
                Suspend::new(async move {
                match service.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(s) => view! {
                        <Title text=s.name.clone() />
                        <ServiceArticle s=s apply=true />
                    }.into_any(),
                }
            })}}
        </Suspense>
    }
}

/// A service as the citizen reads it (the catalogue page, and the editor's preview).
#[component]
pub fn ServiceArticle(s: ServiceDetail, apply: bool) -> impl IntoView {
    let i18n = use_i18n();
    let days = s.sla_days;
    let sla = s.sla;
    let retention = s.retention_years;
    let docs = s.documents.clone();
    let texts = [
        (
            t_string!(i18n, service.result).to_string(),
            s.result.clone(),
        ),
        (t_string!(i18n, service.fees).to_string(), s.fees.clone()),
        (
            t_string!(i18n, service.legal_basis).to_string(),
            s.legal_basis.clone(),
        ),
        (
            t_string!(i18n, service.service_contact).to_string(),
            s.contact.clone(),
        ),
    ];
    let fallback =
        (s.text_lang != crate::i18n_text::lang(i18n.get_locale_untracked())).then_some(s.text_lang);
    let text_lang = fallback.map(|l| l.code());
    view! {
        <article class="service">
                                {fallback.map(|l| view! {
                                    <p class="notice fallback">
                                        {if l == crate::domain::Lang::En {
                                            t_string!(i18n, service.fallback_en)
                                        } else {
                                            t_string!(i18n, service.fallback_lv)
                                        }}
                                    </p>
                                })}
                                <h1 lang=text_lang>{s.name.clone()}</h1>
                                <p class="lead" lang=text_lang>{s.summary.clone()}</p>
                                <dl class="facts">
                                    <dt>{t!(i18n, service.institution)}</dt><dd>{s.institution.name.clone()}</dd>
                                    <dt>{t!(i18n, service.expected)}</dt><dd>{move || t_string!(i18n, common.working_days, count = days)}</dd>
                                    <dt>{t!(i18n, sla.targets)}</dt>
                                    <dd>
                                        <ul class="plain">
                                            <li>{move || t_string!(i18n, sla.register_hours, count = sla.register_hours)}</li>
                                            <li>{move || t_string!(i18n, sla.decide_days, count = sla.decide_days)}</li>
                                            <li>{move || t_string!(i18n, sla.fulfil_days, count = sla.fulfil_days)}</li>
                                            <li>{move || t_string!(i18n, sla.target_share, pct = sla.target_pct)}</li>
                                        </ul>
                                    </dd>
                                    <dt>{t!(i18n, service.retention)}</dt>
                                    <dd>
                                        {move || t_string!(i18n, service.retention_years, count = retention)}
                                        " " <a href="/privacy">{t!(i18n, privacy.link)}</a>
                                    </dd>
                                </dl>
                                {apply.then(|| view! { <p><a class="button primary" href=format!("/services/{}/request", s.code)>{t!(i18n, service.apply)}</a></p> })}
                                <h2>{t!(i18n, service.description)}</h2>
                                <p class="prose" lang=text_lang>{s.description.clone()}</p>
                                <h2>{t!(i18n, service.conditions)}</h2>
                                <p class="prose" lang=text_lang>{s.conditions.clone()}</p>
                                <h2>{t!(i18n, service.documents)}</h2>
                                {if docs.is_empty() {
                                    view! { <p>{t!(i18n, service.no_documents)}</p> }.into_any()
                                } else {
                                    view! { <ul lang=text_lang>{docs.into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}</ul> }.into_any()
                                }}
                                {texts.into_iter().filter(|(_, text)| !text.is_empty()).map(|(heading, text)| view! {
                                    <h2>{heading}</h2>
                                    <p class="prose" lang=text_lang>{text}</p>
                                }).collect_view()}
                                {(!s.life_situations.is_empty()).then(|| view! {
                                    <h2>{t!(i18n, service.situations)}</h2>
                                    <ul class="chips">{s.life_situations.iter().map(|l| view! { <li>{l.name.clone()}</li> }).collect_view()}</ul>
                                })}
                            </article>
    }
}

#[component]
pub fn RequestPage() -> impl IntoView {
    let i18n = use_i18n();
    let service = service_loader();
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let service = service();
                Suspend::new(async move {
                match service.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(s) => {
                        let name = s.name.clone();
                        // Signed in: the contact fields start with what the provider said.
                        let contact = crate::fns::requesters::current_requester().await.ok().flatten();
                        view! {
                            <Title text=name.clone() />
                            <h1>{move || t_string!(i18n, service.form_title, name = name.clone())}</h1>
                            <RequestFormIsland service=s in_person=false initial_error={no_js_error::<SubmitRequest>()}
                                pending=pending_now() contact=contact />
                            <IslandScripts />
                        }.into_any()
                    }
                }
            })}}
        </Suspense>
    }
}

/// The `ref` query parameter (the only one the receipt and tracking pages take).
fn query_reference() -> Memo<String> {
    let query = use_query_map();
    Memo::new(move |_| {
        query
            .read()
            .get("ref")
            .unwrap_or_default()
            .trim()
            .to_string()
    })
}

#[component]
pub fn ReceiptPage() -> impl IntoView {
    let i18n = use_i18n();
    let reference = query_reference();
    let view_res = move || track_request(reference.get_untracked(), String::new());
    view! {
        <Title text=t_string!(i18n, receipt.title).to_string() />
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match view_res().await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok((v, code)) => {
                        let track_href = format!("/track?ref={}", urlencoding::encode(&v.reference));
                        view! {
                            <article class="receipt">
                                <h1>{t!(i18n, receipt.title)}</h1>
                                <p>{t!(i18n, receipt.intro)}</p>
                                <dl class="facts big">
                                    <dt>{t!(i18n, receipt.reference)}</dt><dd class="mono" data-testid="reference">{v.reference.clone()}</dd>
                                    <dt>{t!(i18n, receipt.code)}</dt><dd class="mono" data-testid="tracking-code">{code}</dd>
                                </dl>
                                <p class="hint">{t!(i18n, receipt.code_hint)}</p>
                                <dl class="facts">
                                    <dt>{t!(i18n, receipt.service)}</dt><dd>{v.service_name.clone()}</dd>
                                    <dt>{t!(i18n, receipt.institution)}</dt><dd>{v.institution_name.clone()}</dd>
                                    <dt>{t!(i18n, receipt.submitted)}</dt><dd>{crate::i18n_text::iso_date(i18n.get_locale_untracked(), &v.submitted_on)}</dd>
                                    <dt>{t!(i18n, receipt.expected)}</dt><dd>{crate::i18n_text::iso_date(i18n.get_locale_untracked(), &v.expected_by)}</dd>
                                    <dt>{t!(i18n, receipt.status)}</dt><dd><StatusBadge status=v.status /></dd>
                                </dl>
                                <p class="no-print actions-row">
                                    <a class="button primary" href=track_href>{t!(i18n, receipt.track)}</a>
                                    <button type="button" class="button" data-print="">{t!(i18n, common.print)}</button>
                                    // A one-line script file (no inline script, no WASM on this page).
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

#[component]
pub fn TrackPage() -> impl IntoView {
    let i18n = use_i18n();
    let reference = query_reference();
    // A refused tracking form (wrong code, too many tries) comes back here with its reason.
    let query = use_query_map();
    let refused: Option<AppError> = query.with_untracked(|q| match q.get("refused").as_deref() {
        Some("limit") => Some(AppError::TooManyAttempts(
            q.get("retry")
                .and_then(|r| r.parse::<u32>().ok())
                .unwrap_or(60)
                .clamp(1, 3600),
        )),
        Some(_) => Some(AppError::NotFound),
        None => None,
    });
    #[cfg(feature = "ssr")]
    if let (Some(e), Some(resp)) = (
        refused.as_ref(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(status) = axum::http::StatusCode::from_u16(e.status()) {
            resp.set_status(status);
        }
        if let Some(seconds) = e.retry_after() {
            resp.insert_header(axum::http::header::RETRY_AFTER, seconds.into());
        }
    }
    let tracked = move || {
        let r = reference.get_untracked();
        let refused = refused.clone();
        async move {
            match refused {
                Some(e) => Some(Err(e)),
                None if r.is_empty() => None,
                None => match track_request(r, String::new()).await {
                    // No code in this browser for the reference: just the form.
                    Err(AppError::NotFound) => None,
                    other => Some(other),
                },
            }
        }
    };
    view! {
        <Title text=t_string!(i18n, track.title).to_string() />
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let tracked = tracked.clone();
                Suspend::new(async move {
                match tracked().await {
                    None => view! {
                        <h1>{t!(i18n, track.title)}</h1>
                        <TrackForm reference=reference.get_untracked() />
                    }.into_any(),
                    Some(Err(AppError::NotFound)) => view! {
                        <h1>{t!(i18n, track.title)}</h1>
                        <div class="notice error" role="alert"><p>{t!(i18n, track.not_found)}</p></div>
                        <TrackForm reference=reference.get_untracked() />
                    }.into_any(),
                    Some(Err(e)) => view! {
                        <h1>{t!(i18n, track.title)}</h1>
                        <ErrorNotice error=e />
                        <TrackForm reference=reference.get_untracked() />
                    }.into_any(),
                    Some(Ok((v, code))) => view! { <TrackingDetails view=v code=code /> }.into_any(),
                }
            })}}
        </Suspense>
    }
}

/// A request as its requester sees it. Rendered on the server; only the three forms
/// (answer, rate, withdraw) are islands.
#[component]
fn TrackingDetails(view: TrackingView, code: String) -> impl IntoView {
    let i18n = use_i18n();
    let v = view;
    let status = v.status;
    let stage = v.stage;
    let reference = v.reference.clone();
    let institution = v.institution_name.clone();
    let handler = v.handler_role;
    // Without JavaScript a refused action comes back as a page: its error is shown on top.
    let no_js = no_js_error::<RequesterAction>();
    let action_url = <RequesterAction as leptos::server_fn::ServerFn>::PATH.to_string();
    // The hidden values every requester action sends besides its own fields.
    let hidden = |action: ActionKind| {
        view! {
            <input type="hidden" name="reference" value=reference.clone() />
            <input type="hidden" name="code" value=code.clone() />
            <input type="hidden" name="action" value=action.as_str() />
        }
    };
    let (answer_hidden, rate_hidden, withdraw_hidden) = (
        hidden(ActionKind::ProvideInformation),
        hidden(ActionKind::Rate),
        hidden(ActionKind::Withdraw),
    );
    // What changed since the requester last opened this page.
    let news: Vec<crate::model::TimelineEntry> = v
        .timeline
        .iter()
        .skip(v.timeline.len().saturating_sub(v.new_updates))
        .cloned()
        .collect();
    let news_count = news.len();
    let heading_ref = reference.clone();
    let data_ref = reference.clone();
    let files_ref = reference.clone();
    let answer_url = "/track/answer".to_string();
    view! {
        <h1>{move || t_string!(i18n, track.heading, reference = heading_ref.clone())}</h1>
        {no_js.map(|e| view! { <ErrorNotice error=e /> })}
        {(!news.is_empty()).then(|| view! {
            <section class="notice info" aria-labelledby="news-h" data-testid="news">
                <h2 id="news-h">{t!(i18n, track.news_heading)}</h2>
                <p>{move || t_string!(i18n, track.news_count, n = news_count)}</p>
                <Timeline entries=news />
            </section>
        })}
        <section class="status-panel" aria-labelledby="status-h">
            <h2 id="status-h" class="visually-hidden">{t!(i18n, track.status)}</h2>
            <p class="status-line"><StatusBadge status=status /></p>
            <p>{move || i18n_text::status_help(i18n.get_locale(), status)}</p>
            <StageBar stage=stage status=status />
            <dl class="facts">
                <dt>{t!(i18n, track.submitted)}</dt><dd>{crate::i18n_text::iso_date(i18n.get_locale_untracked(), &v.submitted_on)}</dd>
                <dt>{t!(i18n, track.expected)}</dt>
                <dd>
                    <time datetime=v.sla.expected_iso.clone()>{crate::i18n_text::iso_date(i18n.get_locale_untracked(), &v.expected_by)}</time>
                    {(v.sla.state == crate::domain::SlaState::Paused).then(|| view! { <br /><small>{t!(i18n, sla.paused_note)}</small> })}
                </dd>
                <dt>{t!(i18n, track.handler)}</dt>
                <dd>{move || match handler {
                    Some(role) => format!("{} — {}", i18n_text::role(i18n.get_locale(), role), institution.clone()),
                    None => t_string!(i18n, track.handler_team, institution = institution.clone()),
                }}</dd>
                <dt>{t!(i18n, receipt.service)}</dt><dd>{v.service_name.clone()}</dd>
            </dl>
            {v.decision_reason.clone().filter(|_| status == Status::Refused).map(|r| view! {
                <h3>{t!(i18n, track.decision_reason)}</h3><p class="prose">{r}</p>
            })}
            {v.result.clone().map(|r| view! { <h3>{t!(i18n, track.result)}</h3><p class="prose">{r}</p> })}
            {v.rating.map(|score| view! { <p>{move || t_string!(i18n, track.your_rating, score = score)}</p> })}
        </section>

        {v.actions.contains(&ActionKind::ProvideInformation).then(|| view! {
            <section class="card" aria-labelledby="answer-h">
                <h2 id="answer-h">{t!(i18n, track.answer_title)}</h2>
                {v.open_question.clone().map(|q| view! { <p><strong>{t!(i18n, track.question)}</strong> " " {q}</p> })}
                {
                    let action = answer_url.clone();
                    view! {
                <PostForm action plain=true multipart=true>
                    {answer_hidden}
                    <div class="field">
                        <label for="answer">{t!(i18n, track.answer_label)}</label>
                        <textarea id="answer" name="text" rows="4" required=true maxlength="4000"></textarea>
                    </div>
                    <div class="field">
                        <label for="answer-files">{t!(i18n, track.answer_files)}" "<span class="req">{t!(i18n, common.optional)}</span></label>
                        <p class="hint" id="answer-files-hint">{move || t_string!(i18n, track.answer_files_hint, size = crate::domain::files::human_bytes(crate::domain::files::DEFAULT_MAX_FILE_BYTES))}</p>
                        <input type="file" id="answer-files" name="files" multiple=true aria-describedby="answer-files-hint"
                            accept=super::file_field::accept_attr(&crate::domain::files::FileKind::ALL) />
                    </div>
                    <button type="submit" class="button primary">{t!(i18n, track.answer_submit)}</button>
                </PostForm>
                    }
                }
            </section>
        })}

        {v.actions.contains(&ActionKind::Rate).then(|| view! {
            <section class="card" aria-labelledby="rate-h">
                <h2 id="rate-h">{t!(i18n, track.rate_title)}</h2>
                {
                    let action = action_url.clone();
                    view! {
                <PostForm action plain=true>
                    {rate_hidden}
                    <fieldset class="rating">
                        <legend>{t!(i18n, track.rate_score)}</legend>
                        {(1..=5u8).map(|n| {
                            let id = format!("score-{n}");
                            view! {
                                <input type="radio" id=id.clone() name="score" value=n.to_string() required=true />
                                <label for=id>{n}</label>
                            }
                        }).collect_view()}
                    </fieldset>
                    <div class="field">
                        <label for="rate-comment">{t!(i18n, track.rate_comment)}</label>
                        <textarea id="rate-comment" name="text" rows="3" maxlength="4000"></textarea>
                    </div>
                    <button type="submit" class="button primary">{t!(i18n, track.rate_submit)}</button>
                </PostForm>
                    }
                }
            </section>
        })}

        <section aria-labelledby="files-h" id="files">
            <h2 id="files-h">{t!(i18n, track.files)}</h2>
            <super::file_field::AttachmentList items=v.attachments.clone()
                href=Box::new(move |a| format!("/track/files/{}?ref={}", a.id, urlencoding::encode(&files_ref))) />
        </section>

        <section aria-labelledby="history-h">
            <h2 id="history-h">{t!(i18n, track.timeline)}</h2>
            <Timeline entries=v.timeline.clone() />
        </section>

        {v.actions.contains(&ActionKind::Withdraw).then(|| view! {
            <section class="card subtle" aria-labelledby="withdraw-h">
                <h2 id="withdraw-h">{t!(i18n, track.withdraw_title)}</h2>
                <p>{t!(i18n, track.withdraw_intro)}</p>
                {
                    let action = action_url.clone();
                    view! {
                <PostForm action plain=true>
                    {withdraw_hidden}
                    <div class="field">
                        <label for="withdraw-reason">{t!(i18n, track.withdraw_reason)}</label>
                        <input id="withdraw-reason" name="text" type="text" maxlength="4000" />
                    </div>
                    <button type="submit" class="button danger">{t!(i18n, track.withdraw_submit)}</button>
                </PostForm>
                    }
                }
            </section>
        })}

        <section aria-labelledby="data-h">
            <h2 id="data-h">{t!(i18n, track.data_h)}</h2>
            <p>{t!(i18n, track.data_intro)}</p>
            <p class="actions-row">
                <a class="button" href=format!("/track/data?ref={}", urlencoding::encode(&data_ref))>{t!(i18n, track.data_view)}</a>
                <a class="button" href=format!("/track/data.json?ref={}", urlencoding::encode(&data_ref)) download="">{t!(i18n, track.data_json)}</a>
                <a href="/privacy">{t!(i18n, privacy.link)}</a>
            </p>
        </section>
    }
}

/// The four stages, with the current one marked.
#[component]
fn StageBar(stage: Stage, status: Status) -> impl IntoView {
    let i18n = use_i18n();
    let stages = [
        Stage::Requesting,
        Stage::Processing,
        Stage::Delivery,
        Stage::Evaluation,
    ];
    let finished = status == Status::Closed;
    view! {
        <ol class="stages" aria-label=move || t_string!(i18n, track.stage)>
            {stages.into_iter().map(|s| {
                let current = s == stage;
                let done = s.number() < stage.number() || (finished && current);
                view! {
                    <li class:current=current class:done=done aria-current=current.then_some("step")>
                        <span class="n">{s.number()}</span>
                        <span>{move || i18n_text::stage(i18n.get_locale(), s)}</span>
                    </li>
                }
            }).collect_view()}
        </ol>
        <p class="visually-hidden">
            {move || t_string!(i18n, track.stage_of, n = stage.number(), name = i18n_text::stage(i18n.get_locale(), stage))}
        </p>
    }
}

/// Files a form post without JavaScript delivered before it came back with an error
/// (a cookie the server reads while rendering the page).
fn pending_now() -> Vec<crate::model::PendingFile> {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>()
            .map(|p| crate::server::files::pending_files(&p.headers))
            .unwrap_or_default()
            .into_iter()
            .map(|(field, token, name)| crate::model::PendingFile { field, token, name })
            .collect()
    }
    #[cfg(not(feature = "ssr"))]
    Vec::new()
}
