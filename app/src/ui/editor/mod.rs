//! The service editor: the list of services one may edit (and creating one), and one
//! service's editor (form fields, texts per language, targets and grouping, automation,
//! publishing). Every form is a `PostForm` naming the published version and the draft
//! revision the page showed; a field has its own page (`field.rs`); versions, differences
//! and the preview are in `versions.rs`.

mod field;
mod versions;

pub use field::FieldPage;
pub use versions::{PreviewPage, VersionsPage};

use super::common::{ErrorNotice, TextArea, TextInput, no_js_error};
use super::islands::PostForm;
use super::staff::RequireStaff;
use crate::domain::automation::{AssignRule, CompareOp};
use crate::domain::service_draft::ServiceTexts;
use crate::domain::{FieldError, FieldType};
use crate::error::AppError;
use crate::fns::editor::{
    AddServiceField, CreateLifeSituation, CreateService, DiscardServiceDraft, MoveServiceField,
    PublishService, RemoveServiceField, SaveServiceAutomation, SaveServiceSettings,
    SaveServiceTexts, SetServiceListed, get_editable_services, get_service_editor,
};
use crate::i18n::*;
use crate::i18n_text;
use crate::model::{DraftView, ServiceState};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_i18n::{t, t_string, td_string};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The field error `name` of a refusal, if any.
pub(super) fn field_err(e: &Option<AppError>, name: &str) -> Signal<Option<FieldError>> {
    let found = e
        .as_ref()
        .and_then(|e| e.field_errors())
        .and_then(|f| f.get(name).cloned());
    Signal::derive(move || found.clone())
}

/// A language named in itself.
pub(super) fn lang_name(code: &str) -> &'static str {
    crate::domain::Lang::parse(code)
        .map(|l| td_string!(crate::i18n_text::locale(l), lang.name))
        .unwrap_or("?")
}

pub(super) fn type_name(l: Locale, kind: FieldType) -> String {
    match kind {
        FieldType::Text => td_string!(l, editor.type_text),
        FieldType::LongText => td_string!(l, editor.type_long_text),
        FieldType::Number => td_string!(l, editor.type_number),
        FieldType::Date => td_string!(l, editor.type_date),
        FieldType::Choice => td_string!(l, editor.type_choice),
        FieldType::MultiChoice => td_string!(l, editor.type_multi_choice),
        FieldType::YesNo => td_string!(l, editor.type_yes_no),
        FieldType::Email => td_string!(l, editor.type_email),
        FieldType::Phone => td_string!(l, editor.type_phone),
        FieldType::File => td_string!(l, editor.type_file),
    }
    .to_string()
}

fn state_name(l: Locale, s: ServiceState) -> String {
    match s {
        ServiceState::Draft => td_string!(l, editor.state_draft),
        ServiceState::Published => td_string!(l, editor.state_published),
        ServiceState::Withdrawn => td_string!(l, editor.state_withdrawn),
    }
    .to_string()
}

/// The hidden inputs every edit carries.
pub(super) fn edit_keys(code: &str, version: i64, revision: i64) -> impl IntoView + use<> {
    view! {
        <input type="hidden" name="code" value=code.to_string() />
        <input type="hidden" name="version" value=version.to_string() />
        <input type="hidden" name="revision" value=revision.to_string() />
    }
}

/// [`edit_keys`] for `v`, as often as a page needs them.
pub(super) fn keys_of(v: &DraftView) -> impl Fn() -> AnyView + Clone + Send + 'static {
    let (code, version, revision) = (v.code.clone(), v.version, v.revision);
    move || edit_keys(&code, version, revision).into_any()
}

/// A refusal shown above the forms: a conflict in the editor's words, field errors by
/// their fields, anything else as it is.
#[component]
pub(super) fn EditorError(error: Option<AppError>) -> impl IntoView {
    let i18n = use_i18n();
    error.map(|e| match e {
        AppError::Conflict => view! {
            <div class="notice error" role="alert"><p>{t!(i18n, editor.conflict)}</p></div>
        }
        .into_any(),
        e => view! { <ErrorNotice error=e /> }.into_any(),
    })
}

/// `/staff/admin/services`: the services one may edit, and a form to create one.
#[component]
pub fn ServicesPage() -> impl IntoView {
    view! { <RequireStaff signed_in=|user| view! { <ServicesList heads=crate::domain::admin::may_administer(user.role) /> } /> }
}

#[component]
fn ServicesList(heads: bool) -> impl IntoView {
    let i18n = use_i18n();
    let list = Resource::new(|| (), |_| get_editable_services());
    let error = no_js_error::<CreateService>();
    let situation_error = no_js_error::<CreateLifeSituation>();
    let situation_added = use_query_map().read_untracked().get("situation").is_some();
    let situations = heads.then(|| view! {
        <section id="situations" aria-labelledby="sit-h">
            <h2 id="sit-h">{t!(i18n, editor.new_situation)}</h2>
            <p>{t!(i18n, editor.new_situation_intro)}</p>
            {situation_added.then(|| view! { <div class="notice ok" role="status"><p>{t!(i18n, institution.saved)}</p></div> })}
            {situation_error.clone().filter(|e| e.field_errors().is_none()).map(|e| view! { <ErrorNotice error=e /> })}
            <PostForm action=CreateLifeSituation::PATH.to_string()>
                <TextInput name="situation_code".into() required=true label=t_string!(i18n, editor.code).to_string()
                    hint=t_string!(i18n, editor.field_name_hint).to_string() autocomplete="off" error=field_err(&situation_error, "situation_code") />
                <TextInput name="situation_lv".into() required=true label=format!("{} ({})", t_string!(i18n, editor.name), lang_name("lv"))
                    autocomplete="off" error=field_err(&situation_error, "situation_lv") />
                <TextInput name="situation_en".into() label=format!("{} ({})", t_string!(i18n, editor.name), lang_name("en"))
                    autocomplete="off" error=field_err(&situation_error, "situation_en") />
                <button type="submit" class="button">{t!(i18n, editor.add_situation)}</button>
            </PostForm>
        </section>
    });
    view! {
        <Title text=t_string!(i18n, editor.services_title).to_string() />
        <h1>{t!(i18n, editor.services_title)}</h1>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let error = error.clone();
                Suspend::new(async move {
                    let list = match list.await {
                        Ok(list) => list,
                        Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                    };
                    let l = i18n.get_locale_untracked();
                    view! {
                        <div class="table-wrap" role="region" aria-labelledby="svc-cap" tabindex="0">
                            <table data-testid="services">
                                <caption id="svc-cap">{t!(i18n, editor.services_caption)}</caption>
                                <thead><tr>
                                    <th scope="col">{t!(i18n, editor.service)}</th>
                                    <th scope="col">{t!(i18n, editor.code)}</th>
                                    <th scope="col">{t!(i18n, editor.state)}</th>
                                    <th scope="col">{t!(i18n, editor.version)}</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|s| view! {
                                        <tr>
                                            <th scope="row"><a href=format!("/staff/admin/services/{}", s.code)>{s.name.clone()}</a></th>
                                            <td>{s.code.clone()}</td>
                                            <td>
                                                {state_name(l, s.state)}
                                                {s.changed.then(|| format!(" · {}", td_string!(l, editor.unpublished_changes)))}
                                            </td>
                                            <td>{(s.version > 0).then(|| s.version.to_string())}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <h2>{t!(i18n, editor.create)}</h2>
                        <p>{t!(i18n, editor.create_intro)}</p>
                        {error.clone().filter(|e| e.field_errors().is_none()).map(|e| view! { <ErrorNotice error=e /> })}
                        <PostForm action=CreateService::PATH.to_string()>
                            <TextInput name="code".into() required=true label=t_string!(i18n, editor.code).to_string()
                                hint=t_string!(i18n, editor.code_hint).to_string() autocomplete="off" error=field_err(&error, "code") />
                            <TextInput name="name_lv".into() required=true label=format!("{} ({})", t_string!(i18n, editor.name), lang_name("lv"))
                                autocomplete="off" error=field_err(&error, "name_lv") />
                            <TextInput name="name_en".into() label=format!("{} ({})", t_string!(i18n, editor.name), lang_name("en"))
                                autocomplete="off" error=field_err(&error, "name_en") />
                            <button type="submit" class="button primary">{t!(i18n, editor.create_button)}</button>
                        </PostForm>
                    }.into_any()
                })
            }}
        </Suspense>
        {situations}
    }
}

/// `/staff/admin/services/:code`: one service's editor.
#[component]
pub fn ServiceEditorPage() -> impl IntoView {
    view! { <RequireStaff signed_in=|_user| view! { <ServiceEditor /> } /> }
}

#[component]
fn ServiceEditor() -> impl IntoView {
    let i18n = use_i18n();
    let code = use_params_map()
        .read_untracked()
        .get("code")
        .unwrap_or_default();
    let published = use_query_map().read_untracked().get("published");
    let view_data = Resource::new(move || code.clone(), get_service_editor);
    let error = no_js_error::<SaveServiceTexts>()
        .or_else(no_js_error::<SaveServiceSettings>)
        .or_else(no_js_error::<SaveServiceAutomation>)
        .or_else(no_js_error::<AddServiceField>)
        .or_else(no_js_error::<MoveServiceField>)
        .or_else(no_js_error::<RemoveServiceField>)
        .or_else(no_js_error::<PublishService>)
        .or_else(no_js_error::<DiscardServiceDraft>)
        .or_else(no_js_error::<SetServiceListed>);
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let error = error.clone();
                let published = published.clone();
                Suspend::new(async move {
                    match view_data.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(v) => view! { <Editor v=v error=error published=published /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Editor(v: DraftView, error: Option<AppError>, published: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let name = v
        .draft
        .texts
        .get("lv")
        .map(|t| t.name.clone())
        .unwrap_or_default();
    let name = v
        .draft
        .texts
        .get(crate::ui::common::lang_now().code())
        .map(|t| t.name.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or(name);
    let base = format!("/staff/admin/services/{}", v.code);
    let status = format!(
        "{} · {} · {}",
        state_name(l, v.state),
        if v.version > 0 {
            td_string!(l, editor.version_n, n = v.version)
        } else {
            td_string!(l, editor.never_published).to_string()
        },
        if v.changed {
            td_string!(l, editor.unpublished_changes)
        } else {
            td_string!(l, editor.no_changes)
        }
    );
    // Field errors go to their forms; the rest above them.
    let general = error.clone().filter(|e| e.field_errors().is_none());
    let form_error = error
        .as_ref()
        .and_then(|e| e.field_errors())
        .map(|_| AppError::Invalid(Default::default()));
    view! {
        <Title text=name.clone() />
        <h1>{name.clone()}</h1>
        <p class="lead" data-testid="editor-status">{v.code.clone()} " · " {status}</p>
        {published.map(|n| view! {
            <div class="notice ok" role="status"><p>{td_string!(l, editor.published_notice, n = n)}</p></div>
        })}
        <EditorError error=general />
        {form_error.map(|e| view! { <ErrorNotice error=e /> })}
        <nav class="tabs" aria-label=t_string!(i18n, editor.sections).to_string()>
            <a href="#fields">{t!(i18n, editor.fields)}</a>
            <a href="#texts">{t!(i18n, editor.texts)}</a>
            <a href="#settings">{t!(i18n, editor.settings)}</a>
            <a href="#automation">{t!(i18n, editor.automation)}</a>
            <a href="#publish">{t!(i18n, editor.publishing)}</a>
            <a href=format!("{base}/preview")>{t!(i18n, editor.preview)}</a>
            <a href=format!("{base}/versions")>{t!(i18n, editor.versions)}</a>
        </nav>
        <Fields v=v.clone() error=error.clone() />
        <Texts v=v.clone() error=error.clone() />
        <Settings v=v.clone() error=error.clone() />
        <AutomationForm v=v.clone() error=error.clone() />
        <Publishing v=v />
        <p><a href="/staff/admin/services">{t!(i18n, editor.back)}</a></p>
    }
}

#[component]
fn Fields(v: DraftView, error: Option<AppError>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let lang = crate::ui::common::lang_now();
    let count = v.draft.fields.len();
    let all_fields = v.draft.fields.clone();
    let items = v
        .draft
        .fields
        .clone()
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let label = f.label.get(lang).to_string();
            let mut facts = vec![
                type_name(l, f.kind),
                if f.required {
                    td_string!(l, common.required).to_string()
                } else {
                    td_string!(l, common.optional).to_string()
                },
            ];
            if let Some(c) = &f.show_if {
                let (field, value) = crate::ui::request_form::condition_words(&all_fields, c)
                    .unwrap_or_else(|| (c.field.clone(), c.equals.clone()));
                facts.push(td_string!(l, editor.shown_when, field = field, value = value));
            }
            let edit_href = format!("/staff/admin/services/{}/fields/{}", v.code, f.name);
            let keys = keys_of(&v);
            let name = f.name.clone();
            let mover = {
                let keys = keys.clone();
                move |dir: &'static str, text: String| {
                let name = name.clone();
                let keys = keys.clone();
                view! {
                    <PostForm action=MoveServiceField::PATH.to_string()>
                        {keys()}
                        <input type="hidden" name="name" value=name />
                        <input type="hidden" name="dir" value=dir />
                        <button type="submit" class="button small">{text}</button>
                    </PostForm>
                }
            }};
            let up = (i > 0).then(|| mover("up", td_string!(l, editor.move_up).to_string()));
            let down = (i + 1 < count).then(|| mover("down", td_string!(l, editor.move_down).to_string()));
            view! {
                <li>
                    <p><strong>{label.clone()}</strong> " " <code>{f.name.clone()}</code></p>
                    <p class="hint">{facts.join(" · ")}</p>
                    <div class="actions">
                        <a class="button small" href=edit_href>
                            {t!(i18n, editor.edit)} <span class="visually-hidden">{format!(" {label}")}</span>
                        </a>
                        {up}
                        {down}
                        <PostForm action=RemoveServiceField::PATH.to_string()>
                            {keys()}
                            <input type="hidden" name="name" value=f.name.clone() />
                            <button type="submit" class="button small danger">{t!(i18n, editor.remove)}</button>
                        </PostForm>
                    </div>
                </li>
            }
        })
        .collect_view();
    let langs = v.langs.clone();
    view! {
        <section id="fields" aria-labelledby="fields-h">
            <h2 id="fields-h">{t!(i18n, editor.fields)}</h2>
            {(count == 0).then(|| view! { <p>{t!(i18n, editor.no_fields)}</p> })}
            {field_err(&error, "field").get_untracked().map(|e| view! {
                <div class="notice error" role="alert"><p>{i18n_text::field_error(l, &e)}</p></div>
            })}
            <ol class="field-list" data-testid="fields">{items}</ol>
            <h3>{t!(i18n, editor.add_field)}</h3>
            <PostForm action=AddServiceField::PATH.to_string()>
                {edit_keys(&v.code, v.version, v.revision)}
                <div class="field">
                    <label for="af-kind">{t!(i18n, editor.field_type)}</label>
                    <select id="af-kind" name="kind">
                        {FieldType::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{type_name(l, k)}</option> }).collect_view()}
                    </select>
                </div>
                <TextInput name="name".into() required=true label=t_string!(i18n, editor.field_name).to_string()
                    hint=t_string!(i18n, editor.field_name_hint).to_string() autocomplete="off" error=field_err(&error, "name") />
                {langs.into_iter().map(|lang| view! {
                    <TextInput name=format!("label[{lang}]") required={lang == "lv"}
                        label=format!("{} ({})", t_string!(i18n, editor.label), lang_name(&lang))
                        autocomplete="off" error=field_err(&error, &format!("label[{lang}]")) />
                }).collect_view()}
                <button type="submit" class="button primary">{t!(i18n, editor.add_field_button)}</button>
            </PostForm>
        </section>
    }
}

#[component]
fn Texts(v: DraftView, error: Option<AppError>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let label = move |name: &str| -> String {
        match name {
            "name" => td_string!(l, editor.name),
            "summary" => td_string!(l, editor.summary),
            "description" => td_string!(l, editor.description),
            "conditions" => td_string!(l, editor.conditions),
            "documents" => td_string!(l, editor.documents),
            "result" => td_string!(l, editor.result),
            "fees" => td_string!(l, editor.fees),
            "legal_basis" => td_string!(l, editor.legal_basis),
            _ => td_string!(l, editor.contact),
        }
        .to_string()
    };
    let sets = v
        .langs
        .iter()
        .map(|lang| {
            let texts = v.draft.texts.get(lang).cloned().unwrap_or_default();
            let inputs = ServiceTexts::NAMES
                .iter()
                .map(|name| {
                    let key = format!("texts[{lang}][{name}]");
                    let value = texts.get(name);
                    let err = field_err(&error, &key);
                    if *name == "name" {
                        view! { <TextInput name=key label=label(name) required={lang == "lv"} value=value autocomplete="off" error=err /> }.into_any()
                    } else {
                        let hint = (*name == "documents").then(|| td_string!(l, editor.one_per_line).to_string());
                        view! { <TextArea name=key label=label(name) value=value hint=hint error=err /> }.into_any()
                    }
                })
                .collect_view();
            view! {
                <fieldset lang=lang.clone()>
                    <legend>{lang_name(lang)}</legend>
                    {inputs}
                </fieldset>
            }
        })
        .collect_view();
    view! {
        <section id="texts" aria-labelledby="texts-h">
            <h2 id="texts-h">{t!(i18n, editor.texts)}</h2>
            <p>{t!(i18n, editor.texts_intro)}</p>
            <PostForm action=SaveServiceTexts::PATH.to_string()>
                {edit_keys(&v.code, v.version, v.revision)}
                {sets}
                <button type="submit" class="button primary">{t!(i18n, editor.save_texts)}</button>
            </PostForm>
        </section>
    }
}

#[component]
fn Settings(v: DraftView, error: Option<AppError>) -> impl IntoView {
    let i18n = use_i18n();
    let t = v.draft.targets;
    let number = move |name: &'static str, label: String, value: u32| {
        view! {
            <TextInput name=name.into() label=label required=true value=value.to_string()
                autocomplete="off" error=field_err(&error.clone(), name) />
        }
    };
    view! {
        <section id="settings" aria-labelledby="settings-h">
            <h2 id="settings-h">{t!(i18n, editor.settings)}</h2>
            <PostForm action=SaveServiceSettings::PATH.to_string()>
                {edit_keys(&v.code, v.version, v.revision)}
                <fieldset>
                    <legend>{t!(i18n, editor.targets)}</legend>
                    {number("register_hours", t_string!(i18n, editor.register_hours).to_string(), t.register_hours)}
                    {number("decide_days", t_string!(i18n, editor.decide_days).to_string(), t.decide_days)}
                    {number("fulfil_days", t_string!(i18n, editor.fulfil_days).to_string(), t.fulfil_days)}
                    {number("target_pct", t_string!(i18n, editor.target_pct).to_string(), t.target_pct)}
                    <div class="field">
                        <label for="st-calendar">{t!(i18n, editor.calendar)}</label>
                        <select id="st-calendar" name="calendar" aria-describedby="st-calendar-hint">
                            <option value="" selected=v.draft.calendar.is_none()>{t!(i18n, editor.calendar_institution)}</option>
                            {v.calendars.iter().map(|c| view! {
                                <option value=c.clone() selected=v.draft.calendar.as_deref() == Some(c.as_str())>{c.clone()}</option>
                            }).collect_view()}
                        </select>
                        <p class="hint" id="st-calendar-hint">{t!(i18n, editor.calendar_note)}</p>
                    </div>
                </fieldset>
                <fieldset class="field" aria-describedby="ls-hint">
                    <legend>{t!(i18n, editor.situations)}</legend>
                    <p class="hint" id="ls-hint">{t!(i18n, editor.situations_hint)}</p>
                    {v.situations.iter().map(|(code, name)| view! {
                        <label class="choice">
                            <input type="checkbox" name=format!("situations[{code}]") value="on"
                                checked=v.draft.life_situations.contains(code) />
                            " " {name.clone()}
                        </label>
                    }).collect_view()}
                </fieldset>
                <div class="field">
                    <label class="choice">
                        <input type="checkbox" name="asks_location" value="on" checked=v.draft.asks_location
                            aria-describedby="st-location-hint" />
                        " " {t!(i18n, editor.asks_location)}
                    </label>
                    <p class="hint" id="st-location-hint">{t!(i18n, editor.asks_location_hint)}</p>
                </div>
                <button type="submit" class="button primary">{t!(i18n, editor.save_settings)}</button>
            </PostForm>
        </section>
    }
}

#[component]
fn AutomationForm(v: DraftView, error: Option<AppError>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let lang = crate::ui::common::lang_now();
    let a = v.draft.automation.clone();
    let op_name = move |op: CompareOp| -> String {
        match op {
            CompareOp::Equals => td_string!(l, editor.op_equals),
            CompareOp::NotEquals => td_string!(l, editor.op_not_equals),
            CompareOp::Below => td_string!(l, editor.op_below),
            CompareOp::AtMost => td_string!(l, editor.op_at_most),
            CompareOp::Above => td_string!(l, editor.op_above),
            CompareOp::AtLeast => td_string!(l, editor.op_at_least),
        }
        .to_string()
    };
    let assign_name = move |r: AssignRule| -> String {
        match r {
            AssignRule::None => td_string!(l, editor.assign_none),
            AssignRule::RoundRobin => td_string!(l, editor.assign_round_robin),
            AssignRule::LeastOpen => td_string!(l, editor.assign_least_open),
        }
        .to_string()
    };
    // The conditions set, and empty rows up to three.
    let rows = (0..a.approve_when.len().max(3))
        .map(|i| {
            let c = a.approve_when.get(i).cloned();
            let fields = v
                .draft
                .fields
                .iter()
                .map(|f| {
                    let chosen = c.as_ref().is_some_and(|c| c.field == f.name);
                    view! { <option value=f.name.clone() selected=chosen>{f.label.get(lang).to_string()}</option> }
                })
                .collect_view();
            let ops = CompareOp::ALL
                .into_iter()
                .map(|op| {
                    let chosen = c.as_ref().is_some_and(|c| c.op == op);
                    view! { <option value=op.as_str() selected=chosen>{op_name(op)}</option> }
                })
                .collect_view();
            let n = i + 1;
            view! {
                <fieldset class="condition">
                    <legend>{td_string!(l, editor.condition_n, n = n)}</legend>
                    <div class="field">
                        <label for=format!("c{i}-field")>{t!(i18n, editor.condition_field)}</label>
                        <select id=format!("c{i}-field") name=format!("cond[{i}][field]")>
                            <option value="">{t!(i18n, editor.condition_none)}</option>
                            {fields}
                        </select>
                    </div>
                    <div class="field">
                        <label for=format!("c{i}-op")>{t!(i18n, editor.condition_op)}</label>
                        <select id=format!("c{i}-op") name=format!("cond[{i}][op]")>{ops}</select>
                    </div>
                    <div class="field">
                        <label for=format!("c{i}-value")>{t!(i18n, editor.condition_value)}</label>
                        <input id=format!("c{i}-value") name=format!("cond[{i}][value]") autocomplete="off"
                            value=c.map(|c| c.value).unwrap_or_default() />
                    </div>
                </fieldset>
            }
        })
        .collect_view();
    let approve_error = field_err(&error, "approve_when").get_untracked();
    let has_approve_error = approve_error.is_some();
    view! {
        <section id="automation" aria-labelledby="automation-h">
            <h2 id="automation-h">{t!(i18n, editor.automation)}</h2>
            <p>{t!(i18n, editor.automation_intro)}</p>
            <PostForm action=SaveServiceAutomation::PATH.to_string()>
                {edit_keys(&v.code, v.version, v.revision)}
                <div class="field checkbox">
                    <input type="checkbox" id="au-register" name="auto_register" value="on" checked=a.auto_register />
                    <label for="au-register">{t!(i18n, editor.auto_register)}</label>
                </div>
                <div class="field">
                    <label for="au-assign">{t!(i18n, editor.assign)}</label>
                    <select id="au-assign" name="assign">
                        {AssignRule::ALL.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=a.assign == r>{assign_name(r)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <fieldset class:has-error=has_approve_error>
                    <legend>{t!(i18n, editor.auto_approve_legend)}</legend>
                    <div class="field checkbox">
                        <input type="checkbox" id="au-approve" name="auto_approve" value="on" checked=a.auto_approve />
                        <label for="au-approve">{t!(i18n, editor.auto_approve)}</label>
                    </div>
                    <p class="hint">{t!(i18n, editor.auto_approve_hint)}</p>
                    {approve_error.map(|e| view! { <p class="field-error" role="alert">{i18n_text::field_error(l, &e)}</p> })}
                    {rows}
                </fieldset>
                <TextInput name="remind_information_days".into() label=t_string!(i18n, editor.remind_information_days).to_string()
                    hint=t_string!(i18n, editor.remind_information_hint).to_string()
                    value=a.remind_information_days.map(|d| d.to_string()).unwrap_or_default()
                    autocomplete="off" error=field_err(&error, "remind_information_days") />
                <div class="field checkbox">
                    <input type="checkbox" id="au-remind" name="remind_assignee" value="on" checked=a.remind_assignee />
                    <label for="au-remind">{t!(i18n, editor.remind_assignee)}</label>
                </div>
                <button type="submit" class="button primary">{t!(i18n, editor.save_automation)}</button>
            </PostForm>
        </section>
    }
}

#[component]
fn Publishing(v: DraftView) -> impl IntoView {
    let i18n = use_i18n();
    let keys = keys_of(&v);
    let keys2 = keys.clone();
    view! {
        <section id="publish" aria-labelledby="publish-h">
            <h2 id="publish-h">{t!(i18n, editor.publishing)}</h2>
            {if v.changed {
                view! {
                    <p>{t!(i18n, editor.publish_intro)}</p>
                    <PostForm action=PublishService::PATH.to_string()>
                        {keys()}
                        <button type="submit" class="button primary">{t!(i18n, editor.publish)}</button>
                    </PostForm>
                    <PostForm action=DiscardServiceDraft::PATH.to_string()>
                        {keys2()}
                        <button type="submit" class="button danger">
                            {if v.version == 0 { t!(i18n, editor.delete_service).into_any() } else { t!(i18n, editor.discard).into_any() }}
                        </button>
                    </PostForm>
                }.into_any()
            } else {
                view! { <p>{t!(i18n, editor.nothing_to_publish)}</p> }.into_any()
            }}
            {match v.state {
                ServiceState::Published => Some(view! {
                    <p>{t!(i18n, editor.withdraw_intro)}</p>
                    <PostForm action=SetServiceListed::PATH.to_string()>
                        <input type="hidden" name="code" value=v.code.clone() />
                        <button type="submit" class="button">{t!(i18n, editor.withdraw)}</button>
                    </PostForm>
                }.into_any()),
                ServiceState::Withdrawn => Some(view! {
                    <PostForm action=SetServiceListed::PATH.to_string()>
                        <input type="hidden" name="code" value=v.code.clone() />
                        <input type="hidden" name="listed" value="1" />
                        <button type="submit" class="button">{t!(i18n, editor.restore)}</button>
                    </PostForm>
                }.into_any()),
                ServiceState::Draft => None,
            }}
        </section>
    }
}
