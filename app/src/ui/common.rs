//! Small components used on several pages.

use crate::domain::automation::Rule;
use crate::domain::{ActionKind, FieldError, FieldSpec, FieldType, Status};
use crate::error::AppError;
use crate::i18n::*;
use crate::i18n_text;
use crate::model::TimelineEntry;
use leptos::prelude::*;
use leptos_i18n::{t, t_string};

/// The language the page is in, as the domain knows it.
pub fn lang_now() -> crate::domain::Lang {
    i18n_text::lang(use_i18n().get_locale_untracked())
}

/// The error a form post without JavaScript came back with for server function `S` (the
/// server reads it from the request; islands get it as a prop).
pub fn no_js_error<S>() -> Option<AppError>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    ServerAction::<S>::new()
        .value()
        .get_untracked()
        .and_then(|r| r.err())
}

/// The error to show: the last action's, or before any action the one a form post
/// without JavaScript came back with.
pub fn shown_error<S>(
    act: ServerAction<S>,
    initial: Option<AppError>,
) -> impl Fn() -> Option<AppError> + Send + Sync + Clone + 'static
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    move || {
        if act.version().get() == 0 {
            initial.clone()
        } else {
            act.value().get().and_then(|r| r.err())
        }
    }
}

/// An error from the server, in words.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    let fields = error.field_errors().map(|f| f.len()).unwrap_or(0);
    let text = move || i18n_text::app_error(i18n.get_locale(), &error);
    view! {
        <div class="notice error" role="alert">
            <p>{text}</p>
            {(fields > 0).then(|| view! { <p>{t!(i18n, common.errors_summary)}</p> })}
        </div>
    }
}

/// A status in plain words, styled by stage.
#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <span class=format!("badge status-{}", status.as_str())>
            {move || i18n_text::status(i18n.get_locale(), status)}
        </span>
    }
}

/// The error message of one field, tied to its input by id.
fn field_error_text(err: &Option<FieldError>) -> Option<String> {
    let i18n = use_i18n();
    err.as_ref()
        .map(|e| i18n_text::field_error(i18n.get_locale(), e))
}

/// `aria-describedby` for an input: its hint, and its error while there is one.
fn described_by(
    hint_id: Option<String>,
    err_id: String,
    error: Signal<Option<FieldError>>,
) -> impl Fn() -> Option<String> + Send + Sync + Clone + 'static {
    move || {
        let ids: Vec<&str> = hint_id
            .as_deref()
            .into_iter()
            .chain(error.get().is_some().then_some(err_id.as_str()))
            .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// A labelled text input with its error and hint tied to it for screen readers.
#[component]
pub fn TextInput(
    name: String,
    label: String,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<String>,
    #[prop(into, optional)] value: Option<String>,
    #[prop(into)] error: Signal<Option<FieldError>>,
) -> impl IntoView {
    let ids = FieldIds::new(&name, hint.is_some(), error);
    let control = view! {
        <input
            id=ids.id.clone()
            name=name
            type=kind.unwrap_or("text")
            required=required
            autocomplete=autocomplete
            value=value
            aria-invalid=move || error.get().is_some().then_some("true")
            aria-describedby=ids.described.clone()
        />
    };
    field_frame(ids, label, required, hint, error, control.into_any())
}

/// A labelled text area with its error and hint tied to it for screen readers.
#[component]
pub fn TextArea(
    name: String,
    label: String,
    #[prop(optional)] required: bool,
    #[prop(optional_no_strip)] hint: Option<String>,
    #[prop(into, optional)] value: String,
    #[prop(optional)] rows: Option<u32>,
    #[prop(into)] error: Signal<Option<FieldError>>,
) -> impl IntoView {
    let ids = FieldIds::new(&name, hint.is_some(), error);
    let control = view! {
        <textarea
            id=ids.id.clone()
            name=name
            rows=rows.unwrap_or(4)
            required=required
            aria-invalid=move || error.get().is_some().then_some("true")
            aria-describedby=ids.described.clone()
        >{value}</textarea>
    };
    field_frame(ids, label, required, hint, error, control.into_any())
}

/// The ids that tie a control to its label, hint and error (`f-NAME`, brackets as `-`).
struct FieldIds<F> {
    id: String,
    described: F,
}

impl FieldIds<()> {
    fn new(
        name: &str,
        has_hint: bool,
        error: Signal<Option<FieldError>>,
    ) -> FieldIds<impl Fn() -> Option<String> + Send + Sync + Clone + use<>> {
        let id = format!("f-{}", name.replace(['[', ']'], "-"));
        let described = described_by(
            has_hint.then(|| format!("{id}-hint")),
            format!("{id}-error"),
            error,
        );
        FieldIds { id, described }
    }
}

/// Label (with "required"/"optional"), hint, the control, and the error paragraph a form
/// island or the server fills.
fn field_frame<F>(
    ids: FieldIds<F>,
    label: String,
    required: bool,
    hint: Option<String>,
    error: Signal<Option<FieldError>>,
    control: AnyView,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = ids.id;
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=id.clone()>
                {label}
                " "
                <span class="req">
                    {move || if required { t_string!(i18n, common.required) } else { t_string!(i18n, common.optional) }}
                </span>
            </label>
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
            {control}
            <p class="field-error" id=format!("{id}-error") hidden=move || error.get().is_none()>
                {move || field_error_text(&error.get())}
            </p>
        </div>
    }
}

/// One field of a service's form, rendered from its schema.
#[component]
pub fn SchemaField(
    spec: FieldSpec,
    #[prop(into)] error: Signal<Option<FieldError>>,
    /// For a conditional field: when it is asked, in words (shown with the hint).
    #[prop(optional_no_strip)]
    condition: Option<String>,
    /// Hidden while its condition does not hold (set only where JavaScript runs).
    #[prop(optional, into)]
    hidden: Signal<bool>,
    /// For file fields: the service (where uploads go), files a form post already
    /// delivered, and whether JavaScript runs (then files are sent as they are chosen).
    #[prop(optional)]
    service_code: String,
    #[prop(optional)] pending: Vec<crate::model::PendingFile>,
    #[prop(optional)] live: Option<RwSignal<bool>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let lang = lang_now();
    let name = format!("values[{}]", spec.name);
    let id = format!("f-{}", spec.name);
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let label = spec.label.get(lang).to_string();
    let hint = match (
        spec.help.as_ref().map(|h| h.get(lang).to_string()),
        condition,
    ) {
        (Some(h), Some(c)) => Some(format!("{c} {h}")),
        (h, c) => h.or(c),
    };
    // A conditional field is required only when asked: the server decides, since without
    // JavaScript the browser cannot know whether it is asked.
    let conditional = spec.show_if.is_some();
    let required_text = spec.required;
    let required = spec.required && !conditional;
    let described = described_by(
        hint.is_some().then(|| hint_id.clone()),
        err_id.clone(),
        error,
    );
    let invalid = move || error.get().is_some().then_some("true");
    let req_text = move || {
        if required_text {
            t_string!(i18n, common.required)
        } else {
            t_string!(i18n, common.optional)
        }
    };
    let error_view = {
        let err_id = err_id.clone();
        move || {
            view! {
                <p class="field-error" id=err_id.clone() hidden=move || error.get().is_none()>
                    {move || field_error_text(&error.get())}
                </p>
            }
        }
    };
    let hint_view = hint
        .clone()
        .map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> });
    let max_chars = spec.max_chars();

    let inner = match spec.kind {
        FieldType::File => view! {
            <super::file_field::FileField spec=spec.clone() id=id.clone() label=label
                req_text=Signal::derive(move || req_text().to_string())
                hint_view=hint_view.map(|v| v.into_any()) error_view=error_view().into_any()
                required=required invalid=Signal::derive(invalid) described=Signal::derive(described)
                service_code=service_code pending=pending
                live=live.unwrap_or_else(|| RwSignal::new(false)) />
        }
        .into_any(),
        FieldType::YesNo => view! {
            <div class="field checkbox" class:has-error=move || error.get().is_some()>
                <input type="checkbox" id=id.clone() name=name value="yes" required=required
                    aria-invalid=invalid aria-describedby=described />
                <label for=id.clone()>{label}" "<span class="req">{req_text}</span></label>
                {hint_view}
                {error_view()}
            </div>
        }
        .into_any(),
        FieldType::Choice => {
            let options = spec
                .options
                .iter()
                .map(|o| {
                    let text = o.label.get(lang).to_string();
                    view! { <option value=o.value.clone()>{text}</option> }
                })
                .collect_view();
            view! {
                <div class="field" class:has-error=move || error.get().is_some()>
                    <label for=id.clone()>{label}" "<span class="req">{req_text}</span></label>
                    {hint_view}
                    <select id=id.clone() name=name required=required aria-invalid=invalid aria-describedby=described>
                        <option value="">{move || t_string!(i18n, common.choose)}</option>
                        {options}
                    </select>
                    {error_view()}
                </div>
            }
            .into_any()
        }
        FieldType::MultiChoice => {
            let field_name = spec.name.clone();
            let options = spec
                .options
                .iter()
                .map(|o| {
                    let text = o.label.get(lang).to_string();
                    let oid = format!("{id}-{}", o.value);
                    view! {
                        <label class="choice">
                            <input type="checkbox" id=oid name=format!("multi[{field_name}][{}]", o.value) value="on" />
                            " " {text}
                        </label>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="field" class:has-error=move || error.get().is_some()
                    aria-invalid=invalid aria-describedby=described>
                    <legend>{label}" "<span class="req">{req_text}</span></legend>
                    {hint_view}
                    {options}
                    {error_view()}
                </fieldset>
            }
            .into_any()
        }
        FieldType::LongText => view! {
            <div class="field" class:has-error=move || error.get().is_some()>
                <label for=id.clone()>{label}" "<span class="req">{req_text}</span></label>
                {hint_view}
                <textarea id=id.clone() name=name rows="5" required=required maxlength=max_chars
                    aria-invalid=invalid aria-describedby=described></textarea>
                {error_view()}
            </div>
        }
        .into_any(),
        kind => {
            let (input_type, inputmode, autocomplete) = match kind {
                FieldType::Number => ("text", Some("numeric"), None),
                FieldType::Date => ("date", None, None),
                FieldType::Email => ("email", None, Some("email")),
                FieldType::Phone => ("tel", None, Some("tel")),
                _ => ("text", None, None),
            };
            let pattern = (kind == FieldType::Number).then_some("-?[0-9 ]+");
            let (earliest, latest) = (spec.earliest.clone(), spec.latest.clone());
            view! {
                <div class="field" class:has-error=move || error.get().is_some()>
                    <label for=id.clone()>{label}" "<span class="req">{req_text}</span></label>
                    {hint_view}
                    <input id=id.clone() name=name type=input_type inputmode=inputmode autocomplete=autocomplete
                        pattern=pattern required=required maxlength=max_chars min=earliest max=latest
                        aria-invalid=invalid aria-describedby=described />
                    {error_view()}
                </div>
            }
            .into_any()
        }
    };
    if conditional {
        view! { <div class="conditional" hidden=move || hidden.get()>{inner}</div> }.into_any()
    } else {
        inner
    }
}

/// A request's history, newest last.
#[component]
pub fn Timeline(entries: Vec<TimelineEntry>, #[prop(optional)] staff: bool) -> impl IntoView {
    let i18n = use_i18n();
    let items = entries
        .into_iter()
        .map(|e| {
            // A step a service's automation took names its rule, for staff and requester alike.
            let rule = (e.actor_kind == "system")
                .then(|| e.rule.as_deref().and_then(Rule::parse))
                .flatten();
            let who = if let Some(rule) = rule {
                Some(i18n_text::automatically(i18n.get_locale_untracked(), rule))
            } else if staff {
                match (e.actor.clone(), e.actor_kind.as_str()) {
                    (Some(name), _) => Some(name),
                    (None, "requester") => Some(t_string!(i18n, event.by_requester).to_string()),
                    (None, "system") => Some(t_string!(i18n, event.by_system).to_string()),
                    _ => None,
                }
            } else {
                e.actor_role.map(|r| i18n_text::role(i18n.get_locale_untracked(), r).to_string())
            };
            let internal = staff && !e.visible_to_requester;
            let action = e.action;
            let to = e.to_status;
            view! {
                <li class:internal=internal>
                    <time datetime=e.at_iso.clone()>{e.at_text.clone()}</time>
                    <div>
                        <strong>{move || i18n_text::event(i18n.get_locale(), action)}</strong>
                        " → "
                        <StatusBadge status=to />
                        {who.map(|w| view! { <span class="who">" · " {w}</span> })}
                        {internal.then(|| view! { <span class="tag">{t!(i18n, event.internal)}</span> })}
                        {(action == ActionKind::RequestInformation).then(|| view! { " " <span class="tag">{t!(i18n, event.clock_paused)}</span> })}
                        {(action == ActionKind::ProvideInformation).then(|| view! { " " <span class="tag">{t!(i18n, event.clock_resumed)}</span> })}
                        {e.comment.clone().map(|c| view! { <p class="comment">{c}</p> })}
                    </div>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="timeline">{items}</ol> }
}
