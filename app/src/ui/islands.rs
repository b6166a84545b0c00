//! Everything that runs in the browser. Pages are rendered on the server only; these
//! islands are the parts people act on, and the only components compiled into the WASM.
//! An island's props travel in the page as JSON, so they are plain serialisable values.
//!
//! Each island renders the same on the server and in the browser: an error that a form
//! post without JavaScript brought back (`initial_error`) is passed in as a prop, because
//! the browser cannot read it from the request the way the server does.

use super::common::shown_error;
use super::request_form::RequestForm;
use super::staff::RequestDetails;
use crate::error::AppError;
use crate::fns::{StaffAction, get_staff_request};
use crate::i18n::*;
use crate::model::{ServiceDetail, StaffRequestView};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Whether this page has rendered an island (server side; one per request, from the shell).
#[derive(Clone, Default)]
pub struct IslandsOnPage(pub std::sync::Arc<std::sync::atomic::AtomicBool>);

/// Leptos's island loader starts the WASM in `requestIdleCallback` without a timeout: a
/// busy phone that gives no idle time would keep the forms plain posts. Idle callbacks made
/// without a timeout get one second. (No `<`, `>` or `&` in it, so the text is the same
/// escaped or not.)
#[cfg(feature = "ssr")]
const IDLE_WITHIN_A_SECOND: &str = "(function(){var r=window.requestIdleCallback;if(r){window.requestIdleCallback=function(c,o){return r.call(window,c,o||{timeout:1000})}}})();";

/// Placed beside every island a page renders: it notes that the page has one. The loader
/// itself is written once, by the shell ([`IslandLoader`]). "The first island adds the
/// script" lost the script in 4 of 30 renders of the request form (measured with curl): a
/// `Suspense` may build its children more than once and keep the last.
#[component]
pub fn IslandScripts() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(flag) = use_context::<IslandsOnPage>() {
        flag.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The script that loads the WASM and hydrates the page's islands, on the pages that can have
/// them (decided by the address, before any `Suspense` resolves, so every render agrees):
/// staff pages, a request form, tracking, "My requests". The home page, the catalogue, a
/// service, a receipt and the privacy pages load no WASM at all.
/// Whether the page at `path` may render an island.
pub fn may_have_islands(path: &str) -> bool {
    path == "/staff"
        || path.starts_with("/staff/")
        || matches!(path, "/track" | "/track/data" | "/my")
        || (path.starts_with("/services/") && path.ends_with("/request"))
}

#[component]
pub fn IslandLoader() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        let flag = use_context::<IslandsOnPage>();
        let options = use_context::<crate::server::AppState>().map(|s| s.leptos_options);
        let path = use_context::<axum::http::request::Parts>()
            .map(|p| p.uri.path().to_string())
            .unwrap_or_default();
        move || {
            let any = may_have_islands(&path)
                || flag
                    .as_ref()
                    .is_some_and(|f| f.0.load(std::sync::atomic::Ordering::Relaxed));
            match (any, options.clone()) {
                (true, Some(options)) => view! {
                    <script nonce=leptos::nonce::use_nonce()>{IDLE_WITHIN_A_SECOND}</script>
                    <HydrationScripts options islands=true />
                }
                .into_any(),
                _ => ().into_any(),
            }
        }
    }
    #[cfg(not(feature = "ssr"))]
    ()
}

/// The first call of every island. Islands hydrate without the page's context: in the browser each one makes its own
/// i18n context, which takes the page's language from `<html lang>` (set by the server).
/// On the server the page's context is already there and is used as it is.
pub(crate) fn island_i18n() {
    if use_context::<leptos_i18n::I18nContext<Locale>>().is_none() {
        let ctx = leptos_i18n::context::init_i18n_context_with_options::<Locale>(
            leptos_i18n::context::I18nContextOptions::default().enable_cookie(false),
        );
        provide_context(ctx);
    }
}

/// A service's request form (citizens, and staff registering a visit at the desk).
#[island(lazy)]
pub fn RequestFormIsland(
    service: ServiceDetail,
    in_person: bool,
    initial_error: Option<AppError>,
    pending: Vec<crate::model::PendingFile>,
    /// The signed-in requester, whose details fill in the contact fields.
    contact: Option<crate::model::RequesterView>,
) -> impl IntoView {
    island_i18n();
    view! { <RequestForm service=service in_person=in_person initial_error=initial_error pending=pending contact=contact /> }
}

/// A form rendered on the server that posts to `action` (a server function) and works the
/// same without JavaScript; with it, [`PostFormIsland`] sends it in the background. What
/// the island says while it works is put on the form in the page's language
/// (`data-sending`, `data-failed`, `data-offline`), so the island carries no translations
/// and takes no props: it needs neither serde nor i18n, which keeps the WASM of a page with
/// only such forms (the tracking page) small.
#[component]
pub fn PostForm(
    action: String,
    /// The requester's forms: no field marking, so the tracking page's WASM stays small.
    #[prop(optional)]
    plain: bool,
    /// The form carries files: it posts `multipart/form-data` (with JavaScript too).
    #[prop(optional)]
    multipart: bool,
    children: Children,
) -> impl IntoView {
    use leptos_i18n::td_string;
    let l = use_i18n().get_locale_untracked();
    view! {
        <form
            method="post"
            action=action
            enctype=multipart.then_some("multipart/form-data")
            data-sending=td_string!(l, common.sending)
            data-failed=td_string!(l, common.send_failed)
            data-offline=td_string!(l, common.offline)
        >
            {if plain {
                view! { <PostFormIsland>{children()}</PostFormIsland> }.into_any()
            } else {
                view! { <FieldsPostFormIsland>{children()}</FieldsPostFormIsland> }.into_any()
            }}
        </form>
        <IslandScripts />
    }
}

/// The live part of a [`PostForm`]: a refusal is shown in place in the words the server
/// chose (header `Taka-Error`), the typed text stays, a second click does not send twice,
/// and after a success the page shows the new state. It sends with `fetch`, not the
/// server-function client.
#[island(lazy)]
pub fn PostFormIsland(children: Children) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    let fields = browser::FieldMarks::NONE;
    #[cfg(not(feature = "hydrate"))]
    let fields = ();
    post_form_body(children, fields)
}

/// A [`PostFormIsland`] that also puts each refused field's message at its field (staff
/// forms); its own lazy chunk, so requesters' pages do not load that code.
#[island(lazy)]
pub fn FieldsPostFormIsland(children: Children) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    let fields = browser::FieldMarks {
        clear: browser::clear_fields,
        mark: browser::mark_fields,
    };
    #[cfg(not(feature = "hydrate"))]
    let fields = ();
    post_form_body(children, fields)
}

#[cfg(feature = "hydrate")]
type Marks = browser::FieldMarks;
#[cfg(not(feature = "hydrate"))]
type Marks = ();

#[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
fn post_form_body(children: Children, fields: Marks) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // What to say while sending; the browser reads it from the form once.
    let sending = RwSignal::new(String::new());
    let anchor = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(el) = anchor.get() {
            browser::take_over(&el, busy, error, sending, fields);
        }
    });
    view! {
        <div class="post-form" node_ref=anchor>
            {move || error.get().map(|text| view! { <div class="notice error" role="alert"><p>{text}</p></div> })}
            {children()}
            <p class="form-status" role="status">{move || busy.get().then(|| sending.get())}</p>
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use leptos::task::spawn_local;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::wasm_bindgen::JsCast;
    use web_sys::{FormData, Headers, HtmlFormElement, RequestInit, Response, UrlSearchParams};

    /// Sends the form around `el` with `fetch` from now on; when anything needed for that
    /// is missing, the browser posts it as it would without JavaScript.
    ///
    /// The listener is leptos's window listener (submit events bubble to it).
    pub fn take_over(
        el: &web_sys::HtmlDivElement,
        busy: RwSignal<bool>,
        error: RwSignal<Option<String>>,
        sending: RwSignal<String>,
        fields: FieldMarks,
    ) {
        let Some(form) = el
            .closest("form")
            .ok()
            .flatten()
            .and_then(|f| f.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        let data = form.dataset();
        let text = move |key: &str| data.get(key).unwrap_or_default();
        sending.set(text("sending"));
        let (failed, offline) = (text("failed"), text("offline"));
        let _ = window_event_listener_untyped("submit", move |ev: web_sys::Event| {
            let ours = ev
                .target()
                .is_some_and(|t| t.unchecked_ref::<web_sys::Node>().is_same_node(Some(&form)));
            if !ours {
                return;
            }
            if busy.get_untracked() {
                ev.prevent_default();
                return;
            }
            let Some(promise) = request(&form) else {
                return;
            };
            ev.prevent_default();
            busy.set(true);
            error.set(None);
            let (failed, offline) = (failed.clone(), offline.clone());
            let form = form.clone();
            (fields.clear)(&form);
            spawn_local(async move {
                let response = JsFuture::from(promise)
                    .await
                    .ok()
                    .and_then(|r| r.dyn_into::<Response>().ok());
                let text = match response {
                    Some(r) if r.ok() => {
                        let location = window().location();
                        // A server function that sends the browser on (`leptos_axum::redirect`)
                        // answers a fetch with 200 and a `Location` header.
                        let next = r.headers().get("location").ok().flatten();
                        let here = format!(
                            "{}{}",
                            location.pathname().unwrap_or_default(),
                            location.search().unwrap_or_default()
                        );
                        let _ = match next {
                            Some(next) => {
                                let _ = location.assign(&next);
                                // Sent on to a part of this very page (`#section`): the
                                // browser only scrolls, so load it again to show the change.
                                if next.contains('#')
                                    && next.split('#').next() == Some(here.as_str())
                                {
                                    let _ = location.reload();
                                }
                                Ok(())
                            }
                            None if r.redirected() => location.assign(&r.url()),
                            None => location.reload(),
                        };
                        return;
                    }
                    Some(r) => {
                        (fields.mark)(&form, &r);
                        r.headers()
                            .get("taka-error")
                            .ok()
                            .flatten()
                            .and_then(|t| js_sys::decode_uri_component(&t).ok())
                            .and_then(|t| t.as_string())
                            .unwrap_or(failed)
                    }
                    None => offline,
                };
                error.set(Some(text));
                busy.set(false);
            });
        });
    }

    /// What a form does with refused fields: marks them ([`mark_fields`]) or nothing.
    #[derive(Clone, Copy)]
    pub struct FieldMarks {
        pub clear: fn(&HtmlFormElement),
        pub mark: fn(&HtmlFormElement, &Response),
    }

    impl FieldMarks {
        pub const NONE: FieldMarks = FieldMarks {
            clear: |_| {},
            mark: |_, _| {},
        };
    }

    /// Each refused field's message (header `Taka-Field-Errors`: a JSON object of input
    /// name to text, in the page's language) goes where the server would put it without
    /// JavaScript: the input's error paragraph (`{id}-error`), with `aria-invalid`.
    pub fn mark_fields(form: &HtmlFormElement, r: &Response) {
        let Some(raw) = r.headers().get("taka-field-errors").ok().flatten() else {
            return;
        };
        let Some(json) = js_sys::decode_uri_component(&raw)
            .ok()
            .and_then(|t| t.as_string())
        else {
            return;
        };
        let Ok(map) = js_sys::JSON::parse(&json) else {
            return;
        };
        let entries = js_sys::Object::entries(map.unchecked_ref());
        let mut first: Option<web_sys::HtmlElement> = None;
        for entry in entries.iter() {
            let pair: js_sys::Array = entry.unchecked_into();
            let (Some(name), Some(text)) = (pair.get(0).as_string(), pair.get(1).as_string())
            else {
                continue;
            };
            let selector = format!("[name=\"{}\"]", name.replace(['"', '\\'], ""));
            let Some(input) = form.query_selector(&selector).ok().flatten() else {
                continue;
            };
            let _ = input.set_attribute("aria-invalid", "true");
            let id = input.id();
            if let Some(p) = form.query_selector(&format!("#{id}-error")).ok().flatten() {
                p.set_text_content(Some(&text));
                let _ = p.remove_attribute("hidden");
                let described = input.get_attribute("aria-describedby").unwrap_or_default();
                if !described.split(' ').any(|d| d == format!("{id}-error")) {
                    let joined = format!("{described} {id}-error");
                    let _ = input.set_attribute("aria-describedby", joined.trim());
                }
            }
            if first.is_none() {
                first = input.dyn_into::<web_sys::HtmlElement>().ok();
            }
        }
        if let Some(el) = first {
            let _ = el.focus();
        }
    }

    /// Errors marked by an earlier attempt go when the form is sent again.
    pub fn clear_fields(form: &HtmlFormElement) {
        if let Ok(list) = form.query_selector_all("[aria-invalid=\"true\"]") {
            for i in 0..list.length() {
                if let Some(el) = list
                    .item(i)
                    .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                {
                    let _ = el.remove_attribute("aria-invalid");
                }
            }
        }
        if let Ok(list) = form.query_selector_all(".field-error") {
            for i in 0..list.length() {
                if let Some(el) = list
                    .item(i)
                    .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                {
                    let _ = el.set_attribute("hidden", "");
                }
            }
        }
    }

    /// The form as a url-encoded POST asking for JSON (so the server function answers
    /// instead of redirecting back as it does for a plain form post).
    fn request(form: &HtmlFormElement) -> Option<js_sys::Promise> {
        let data = FormData::new_with_form(form).ok()?;
        let headers = Headers::new().ok()?;
        headers.set("Accept", "application/json").ok()?;
        let init = RequestInit::new();
        init.set_method("POST");
        // A form with files goes as it is (multipart); the others as a server function's
        // arguments.
        if form.get_attribute("enctype").as_deref() == Some("multipart/form-data") {
            init.set_body(&data);
        } else {
            let body = UrlSearchParams::new_with_str_sequence_sequence(&data).ok()?;
            init.set_body(&body);
        }
        init.set_headers(&headers);
        // Not `form.action`: a field named "action" (the requester's forms have one)
        // shadows that property, and the binding then reads an element as a string.
        let action = form.get_attribute("action")?;
        Some(window().fetch_with_str_and_init(&action, &init))
    }
}

/// A request as staff see it, with the actions they may take; after an action the request
/// is read again and shown in place.
#[island(lazy)]
pub fn StaffRequestIsland(r: StaffRequestView, initial_error: Option<AppError>) -> impl IntoView {
    island_i18n();
    let act = ServerAction::<StaffAction>::new();
    let current = RwSignal::new(r);
    Effect::new(move |_| {
        if act.version().get() > 0 {
            let reference = current.with_untracked(|v| v.reference.clone());
            spawn_local(async move {
                if let Ok(v) = get_staff_request(reference).await {
                    current.set(v);
                }
            });
        }
    });
    let error = shown_error(act, initial_error);
    let done = move || matches!(act.value().get(), Some(Ok(())));
    view! { {move || view! { <RequestDetails r=current.get() act=act error=error.clone() done=done /> }} }
}

#[cfg(test)]
mod loader_tests {
    #[test]
    fn citizens_reading_pages_load_no_wasm() {
        for path in [
            "/",
            "/services",
            "/services/VNP-STAVATLAUJA",
            "/receipt",
            "/privacy",
        ] {
            assert!(!super::may_have_islands(path), "{path}");
        }
        for path in [
            "/services/VNP-STAVATLAUJA/request",
            "/track",
            "/my",
            "/staff",
            "/staff/requests/X",
        ] {
            assert!(super::may_have_islands(path), "{path}");
        }
        assert!(!super::may_have_islands("/staffing"));
    }
}
