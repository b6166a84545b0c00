//! The request form of a service, built from its field schema (citizens, and staff at the
//! desk): conditional fields hidden in the browser until asked, explained in words without
//! JavaScript; multiple choice as boxes.

use super::common::{ErrorNotice, SchemaField, TextInput, shown_error};
use crate::domain::fields::ShowIf;
use crate::domain::{FieldError, FieldSpec, FieldType};
use crate::error::AppError;
use crate::fns::SubmitRequest;
use crate::i18n::*;
use crate::model::{PendingFile, ServiceDetail};
use leptos::prelude::*;
use leptos_i18n::{t, t_string, td_string};
use std::collections::BTreeMap;

/// The request form of a service, built from its field schema. A plain form post without
/// WASM; with WASM (inside `RequestFormIsland`) the same server function is called in place.
#[component]
pub fn RequestForm(
    service: ServiceDetail,
    in_person: bool,
    initial_error: Option<AppError>,
    /// Files a post without JavaScript already delivered (the form came back).
    #[prop(optional)]
    pending: Vec<PendingFile>,
    /// The signed-in requester: the contact fields start with their details (editable).
    contact: Option<crate::model::RequesterView>,
) -> impl IntoView {
    let prefilled = contact.is_some();
    let contact = contact.unwrap_or_default();
    let i18n = use_i18n();
    let submit = ServerAction::<SubmitRequest>::new();
    let error = shown_error(submit, initial_error);
    let field_error = {
        let error = error.clone();
        move |name: &'static str| -> Signal<Option<FieldError>> {
            let error = error.clone();
            Signal::derive(move || {
                error().and_then(|e| e.field_errors().and_then(|f| f.get(name).cloned()))
            })
        }
    };
    // Answers to the fields that conditions name, as the person fills the form in; a
    // conditional field hides while its condition does not hold. Only where JavaScript
    // runs: without it every field shows, with its condition in words.
    let answers = RwSignal::new(BTreeMap::<String, String>::new());
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    let condition_text = |c: &ShowIf| condition_text(&service.fields, c);
    let files = service.fields.iter().any(|f| f.kind == FieldType::File);
    let fields = service
        .fields
        .iter()
        .cloned()
        .map(|spec| {
            let name = spec.name.clone();
            let error = error.clone();
            let err = Signal::derive(move || {
                error().and_then(|e| e.field_errors().and_then(|f| f.get(&name).cloned()))
            });
            let condition = spec.show_if.as_ref().and_then(condition_text);
            let show_if = spec.show_if.clone();
            let hidden = Signal::derive(move || {
                live.get() && show_if.as_ref().is_some_and(|c| !c.holds(&answers.read()))
            });
            view! {
                <SchemaField spec=spec error=err condition=condition hidden=hidden
                    service_code=service.code.clone() pending=pending.clone() live=live />
            }
        })
        .collect_view();
    view! {
        // `data-live` once the island runs: tests wait for it rather than for the network.
        <ActionForm action=submit attr:class="request-form" attr:data-live=move || live.get().then_some("")>
            {move || error().map(|e| view! { <ErrorNotice error=e /> })}
            <input type="hidden" name="service_code" value=service.code.clone() />
            {in_person.then(|| view! { <input type="hidden" name="in_person" value="1" /> })}
            <fieldset on:change=move |ev| remember_answer(&ev, answers)>
                <legend>{t!(i18n, service.details)}</legend>
                {fields}
            </fieldset>
            {service.asks_location.then(|| view! {
                <fieldset>
                    <legend>{t!(i18n, service.location)}</legend>
                    <TextInput name="location_address".into() label=t_string!(i18n, service.location_address).to_string()
                        required=true autocomplete="street-address" error=field_error("location_address") />
                </fieldset>
            })}
            <fieldset>
                <legend>{t!(i18n, service.contact)}</legend>
                <p class="hint">{t!(i18n, service.contact_hint)}</p>
                {prefilled.then(|| view! { <p class="hint" data-testid="prefilled">{t!(i18n, service.contact_prefilled)}</p> })}
                <TextInput name="contact_name".into() label=t_string!(i18n, service.contact_name).to_string()
                    required=true autocomplete="name" error=field_error("contact_name")
                    value=contact.name.clone() />
                <TextInput name="contact_email".into() label=t_string!(i18n, service.contact_email).to_string()
                    kind="email" autocomplete="email" error=field_error("contact_email") value=contact.email.clone().unwrap_or_default() />
                <TextInput name="contact_phone".into() label=t_string!(i18n, service.contact_phone).to_string()
                    kind="tel" autocomplete="tel" error=field_error("contact_phone") value=contact.phone.clone().unwrap_or_default() />
            </fieldset>
            // With files, a post without JavaScript carries them: multipart, to `/submit`.
            <button type="submit" class="button primary" disabled=move || submit.pending().get()
                formaction=files.then(|| format!("/submit?service={}", urlencoding::encode(&service.code)))
                formenctype=files.then_some("multipart/form-data")>
                {t!(i18n, service.submit)}
            </button>
        </ActionForm>
    }
}

/// When a conditional field is asked, in words: "Answer only if “Has a car” is “Yes”."
pub fn condition_text(fields: &[FieldSpec], c: &ShowIf) -> Option<String> {
    let l = use_i18n().get_locale_untracked();
    let (field, value) = condition_words(fields, c)?;
    Some(td_string!(
        l,
        service.answer_if,
        field = field,
        value = value
    ))
}

/// The question a condition names and the answer it waits for, as people read them.
pub fn condition_words(fields: &[FieldSpec], c: &ShowIf) -> Option<(String, String)> {
    let l = use_i18n().get_locale_untracked();
    let lang = crate::ui::common::lang_now();
    let other = fields.iter().find(|f| f.name == c.field)?;
    let value = match other.kind {
        FieldType::YesNo if c.equals == "yes" => td_string!(l, common.yes).to_string(),
        FieldType::YesNo => td_string!(l, common.no).to_string(),
        _ => other
            .options
            .iter()
            .find(|o| o.value == c.equals)
            .map(|o| o.label.get(lang).to_string())
            .unwrap_or_else(|| c.equals.clone()),
    };
    Some((other.label.get(lang).to_string(), value))
}

/// Keep the answer a change event carries (`values[NAME]`, or a box of a multiple choice
/// `multi[NAME][OPTION]`) in `answers`, as the server will read it.
fn remember_answer(ev: &leptos::ev::Event, answers: RwSignal<BTreeMap<String, String>>) {
    #[cfg(feature = "hydrate")]
    {
        use js_sys::Reflect;
        let Some(target) = ev.target() else { return };
        let get = |key: &str| Reflect::get(&target, &key.into()).ok();
        let Some(name) = get("name").and_then(|v| v.as_string()) else {
            return;
        };
        let kind = get("type").and_then(|v| v.as_string()).unwrap_or_default();
        let checked = get("checked").and_then(|v| v.as_bool()).unwrap_or(false);
        let parts: Vec<&str> = name.split(['[', ']']).filter(|p| !p.is_empty()).collect();
        answers.update(|a| match parts.as_slice() {
            ["values", field] => {
                let value = if kind == "checkbox" {
                    if checked {
                        "yes".to_string()
                    } else {
                        "no".to_string()
                    }
                } else {
                    get("value").and_then(|v| v.as_string()).unwrap_or_default()
                };
                a.insert((*field).to_string(), value);
            }
            ["multi", field, option] => {
                let entry = a.entry((*field).to_string()).or_default();
                let mut chosen: Vec<String> = entry
                    .split(',')
                    .filter(|p| !p.is_empty() && p != option)
                    .map(String::from)
                    .collect();
                if checked {
                    chosen.push((*option).to_string());
                }
                *entry = chosen.join(",");
            }
            _ => {}
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, answers);
}
