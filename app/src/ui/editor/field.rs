//! `/staff/admin/services/:code/fields/:name`: everything about one form field — name,
//! type, labels and help per language, required, the bounds and options its type has, and
//! the condition under which it is asked.

use super::{EditorError, edit_keys, field_err, lang_name, type_name};
use crate::domain::FieldType;
use crate::domain::service_draft::format_options;
use crate::error::AppError;
use crate::fns::editor::{SaveServiceField, get_service_editor};
use crate::i18n::*;
use crate::model::DraftView;
use crate::ui::common::{ErrorNotice, TextArea, TextInput, no_js_error};
use crate::ui::islands::PostForm;
use crate::ui::staff::RequireStaff;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_i18n::{t, t_string};
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn FieldPage() -> impl IntoView {
    view! { <RequireStaff signed_in=|_user| view! { <FieldEditor /> } /> }
}

#[component]
fn FieldEditor() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let code = params.read_untracked().get("code").unwrap_or_default();
    let name = params.read_untracked().get("name").unwrap_or_default();
    let data = Resource::new(move || code.clone(), get_service_editor);
    let error = no_js_error::<SaveServiceField>();
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || {
                let error = error.clone();
                let name = name.clone();
                Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(v) => view! { <FieldForm v=v name=name error=error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn FieldForm(v: DraftView, name: String, error: Option<AppError>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let lang = crate::ui::common::lang_now();
    let Some(pos) = v.draft.fields.iter().position(|f| f.name == name) else {
        return view! { <ErrorNotice error=AppError::NotFound /> }.into_any();
    };
    let f = v.draft.fields[pos].clone();
    let title = f.label.get(lang).to_string();
    let langs: Vec<&str> = v.langs.iter().map(String::as_str).collect();
    let back = format!("/staff/admin/services/{}#fields", v.code);
    // A condition may name any earlier field.
    let earlier: Vec<_> = v.draft.fields[..pos].to_vec();
    let general = error.clone().filter(|e| e.field_errors().is_none());
    let kind = f.kind;
    let opt_num = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    let labels = v
        .langs
        .iter()
        .map(|lg| {
            let label_key = format!("label[{lg}]");
            let help_key = format!("help[{lg}]");
            view! {
                <fieldset lang=lg.clone()>
                    <legend>{lang_name(lg)}</legend>
                    <TextInput name=label_key.clone() required={lg == "lv"} label=t_string!(i18n, editor.label).to_string()
                        value=f.label.0.get(lg).cloned().unwrap_or_default() autocomplete="off" error=field_err(&error, &label_key) />
                    <TextArea name=help_key.clone() label=t_string!(i18n, editor.help).to_string() rows=2
                        value=f.help.as_ref().and_then(|h| h.0.get(lg).cloned()).unwrap_or_default()
                        hint=None error=field_err(&error, &help_key) />
                </fieldset>
            }
        })
        .collect_view();
    let bounds = match kind {
        FieldType::Number => view! {
            <TextInput name="min".into() label=t_string!(i18n, editor.min).to_string() value=opt_num(f.min) autocomplete="off" error=field_err(&error, "min") />
            <TextInput name="max".into() label=t_string!(i18n, editor.max).to_string() value=opt_num(f.max) autocomplete="off" error=field_err(&error, "max") />
        }
        .into_any(),
        FieldType::Date => view! {
            <TextInput name="earliest".into() kind="date" label=t_string!(i18n, editor.earliest).to_string()
                value=f.earliest.clone().unwrap_or_default() error=field_err(&error, "earliest") />
            <TextInput name="latest".into() kind="date" label=t_string!(i18n, editor.latest).to_string()
                value=f.latest.clone().unwrap_or_default() error=field_err(&error, "latest") />
        }
        .into_any(),
        FieldType::Text | FieldType::LongText => view! {
            <TextInput name="max_chars".into() label=t_string!(i18n, editor.max_chars).to_string()
                value=f.max_chars.map(|m| m.to_string()).unwrap_or_default() autocomplete="off" error=field_err(&error, "max_chars") />
        }
        .into_any(),
        FieldType::File => {
            let boxes = crate::domain::files::FileKind::ALL
                .iter()
                .map(|k| {
                    let on = f.accept.is_empty() || f.accept.iter().any(|m| m == k.mime());
                    view! {
                        <label class="choice">
                            <input type="checkbox" name=format!("accept[{}]", k.mime()) value="on" checked=on />
                            " " {k.label()}
                        </label>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="field">
                    <legend>{t!(i18n, editor.file_kinds)}</legend>
                    {boxes}
                </fieldset>
                <TextInput name="max_mb".into() label=t_string!(i18n, editor.file_max_mb).to_string()
                    value=(f.max_file_bytes() / 1_000_000).to_string() autocomplete="off" error=field_err(&error, "max_mb") />
                <TextInput name="max_files".into() label=t_string!(i18n, editor.file_max_files).to_string()
                    value=f.max_file_count().to_string() autocomplete="off" error=field_err(&error, "max_files") />
            }
            .into_any()
        }
        k if k.has_options() => view! {
            <TextArea name="options".into() label=t_string!(i18n, editor.options).to_string() required=true rows=5
                hint=Some(t_string!(i18n, editor.options_hint).to_string())
                value=format_options(&f.options, &langs) error=field_err(&error, "options") />
        }
        .into_any(),
        _ => ().into_any(),
    };
    let show_if = f.show_if.clone();
    let cond_field = show_if
        .as_ref()
        .map(|c| c.field.clone())
        .unwrap_or_default();
    let cond_error = field_err(&error, "show_if").get_untracked();
    let has_cond_error = cond_error.is_some();
    view! {
        <Title text=title.clone() />
        <h1>{title.clone()}</h1>
        <p class="lead">{type_name(l, kind)} " · " <code>{f.name.clone()}</code></p>
        <EditorError error=general />
        <PostForm action=SaveServiceField::PATH.to_string()>
            {edit_keys(&v.code, v.version, v.revision)}
            <input type="hidden" name="original" value=f.name.clone() />
            <TextInput name="name".into() required=true label=t_string!(i18n, editor.field_name).to_string()
                hint=t_string!(i18n, editor.field_name_hint).to_string() value=f.name.clone() autocomplete="off" error=field_err(&error, "name") />
            <div class="field">
                <label for="fe-kind">{t!(i18n, editor.field_type)}</label>
                <select id="fe-kind" name="kind" aria-describedby="fe-kind-hint">
                    {FieldType::ALL.into_iter().map(|k| view! { <option value=k.as_str() selected=k == kind>{type_name(l, k)}</option> }).collect_view()}
                </select>
                <p class="hint" id="fe-kind-hint">{t!(i18n, editor.type_hint)}</p>
            </div>
            <div class="field checkbox">
                <input type="checkbox" id="fe-required" name="required" value="on" checked=f.required />
                <label for="fe-required">{t!(i18n, editor.required)}</label>
            </div>
            {labels}
            {bounds}
            <fieldset class:has-error=has_cond_error>
                <legend>{t!(i18n, editor.condition)}</legend>
                <p class="hint">{t!(i18n, editor.condition_hint)}</p>
                {cond_error.map(|e| view! { <p class="field-error" role="alert">{crate::i18n_text::field_error(l, &e)}</p> })}
                <div class="field">
                    <label for="fe-if">{t!(i18n, editor.condition_field)}</label>
                    <select id="fe-if" name="show_if_field">
                        <option value="">{t!(i18n, editor.always_shown)}</option>
                        {earlier.iter().map(|e| view! {
                            <option value=e.name.clone() selected=e.name == cond_field>{e.label.get(lang).to_string()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <TextInput name="show_if_equals".into() label=t_string!(i18n, editor.condition_value).to_string()
                    hint=t_string!(i18n, editor.condition_value_hint).to_string()
                    value=show_if.map(|c| c.equals).unwrap_or_default() autocomplete="off" error=field_err(&error, "show_if_equals") />
            </fieldset>
            <button type="submit" class="button primary">{t!(i18n, editor.save_field)}</button>
        </PostForm>
        <p><a href=back>{t!(i18n, editor.back_to_service)}</a></p>
    }
    .into_any()
}
