//! A file field of a request form. Without JavaScript it is a plain file input that the
//! form posts as `multipart/form-data` (`/submit`); files a post already delivered before
//! it came back with an error are listed as kept boxes (`upload[FIELD][TOKEN]`), so
//! nothing is sent twice. With JavaScript (inside the request form's island) each chosen
//! file is sent at once to `/uploads`, with a progress bar, a thumbnail for photos, its
//! name and size, and a button to remove it before the form is sent.

use crate::domain::FieldSpec;
use crate::domain::files::{FileKind, human_bytes};
use crate::i18n::*;
use crate::model::PendingFile;
use leptos::prelude::*;
use leptos_i18n::{t, t_string};

/// One file chosen in the browser.
#[derive(Clone)]
struct Chosen {
    key: u32,
    name: String,
    size: f64,
    thumb: Option<String>,
    progress: RwSignal<u32>,
    /// The upload's token once the server has the file, or why it refused it.
    outcome: RwSignal<Option<Result<String, String>>>,
}

/// What the `accept` attribute says: MIME types and name endings.
pub fn accept_attr(kinds: &[FileKind]) -> String {
    kinds
        .iter()
        .flat_map(|k| {
            std::iter::once(k.mime().to_string())
                .chain(k.extensions().iter().map(|e| format!(".{e}")))
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[component]
pub fn FileField(
    spec: FieldSpec,
    id: String,
    label: String,
    req_text: Signal<String>,
    hint_view: Option<AnyView>,
    error_view: AnyView,
    required: bool,
    invalid: Signal<Option<&'static str>>,
    described: Signal<Option<String>>,
    service_code: String,
    pending: Vec<PendingFile>,
    live: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let kinds = spec.file_kinds();
    let accept = accept_attr(&kinds);
    let many = spec.max_file_count() > 1;
    let field = spec.name.clone();
    let limits = {
        let types = kinds
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join(", ");
        let size = human_bytes(spec.max_file_bytes());
        let count = spec.max_file_count();
        move || {
            t_string!(
                i18n,
                service.file_limits,
                types = types.clone(),
                size = size.clone(),
                count = count
            )
        }
    };
    let chosen = RwSignal::new(Vec::<Chosen>::new());
    let limits_id = format!("{id}-limits");
    let limits_for_input = limits_id.clone();
    let kept = pending
        .into_iter()
        .filter(|p| p.field == field)
        .map(|p| {
            let box_id = format!("{id}-kept-{}", &p.token[..p.token.len().min(8)]);
            view! {
                <li>
                    <input type="checkbox" id=box_id.clone() checked=true
                        name=format!("upload[{}][{}]", p.field, p.token) value="on" />
                    <label for=box_id>{p.name}" " {move || t_string!(i18n, service.file_kept)}</label>
                </li>
            }
        })
        .collect_view();
    let name = format!("file[{field}]");
    let upload_url = format!(
        "/uploads?service={}&field={}",
        urlencoding::encode(&service_code),
        urlencoding::encode(&field)
    );
    // Said in the page's language when an upload fails or the network is gone.
    let words = (
        t_string!(i18n, common.send_failed).to_string(),
        t_string!(i18n, common.offline).to_string(),
    );
    let on_change = {
        let upload_url = upload_url.clone();
        move |ev: leptos::ev::Event| {
            #[cfg(feature = "hydrate")]
            browser::chosen(&ev, &upload_url, chosen, &words);
            #[cfg(not(feature = "hydrate"))]
            let _ = (&ev, &upload_url, &words);
        }
    };
    let field_for_list = field.clone();
    let list = move || {
        let field = field_for_list.clone();
        chosen
            .get()
            .into_iter()
            .map(|c| {
                let key = c.key;
                let name = c.name.clone();
                let remove_label = name.clone();
                let field = field.clone();
                let outcome = c.outcome;
                view! {
                    <li class="file-item">
                        {c.thumb.clone().map(|src| view! { <img class="thumb" src=src alt="" width="48" height="48" /> })}
                        <span class="file-name">{name.clone()}</span>
                        " "<span class="file-size">{human_bytes(c.size as u64)}</span>
                        {move || match outcome.get() {
                            None => view! {
                                <progress max="100" value=move || c.progress.get()
                                    aria-label=format!("{} {}", t_string!(i18n, service.file_sending), name)></progress>
                            }.into_any(),
                            Some(Ok(token)) => view! {
                                <input type="hidden" name=format!("upload[{field}][{token}]") value="on" />
                                <span class="file-ok">{t!(i18n, service.file_ready)}</span>
                            }.into_any(),
                            Some(Err(message)) => view! { <span class="field-error" role="alert">{message}</span> }.into_any(),
                        }}
                        <button type="button" class="button link"
                            on:click=move |_| chosen.update(|v| v.retain(|c| c.key != key))>
                            {move || t_string!(i18n, service.file_remove, name = remove_label.clone())}
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <div class="field file-field" class:has-error=move || invalid.get().is_some()>
            <label for=id.clone()>{label}" "<span class="req">{req_text}</span></label>
            {hint_view}
            <p class="hint" id=limits_id.clone()>{limits}</p>
            <ul class="files kept">{kept}</ul>
            <input type="file" id=id.clone() accept=accept multiple=many
                name=move || (!live.get()).then(|| name.clone())
                required=move || required && !live.get()
                aria-invalid=invalid
                aria-describedby=move || match described.get() {
                    Some(d) => format!("{d} {limits_for_input}"),
                    None => limits_for_input.clone(),
                }
                on:change=on_change />
            <ul class="files" aria-live="polite">{list}</ul>
            {error_view}
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::Chosen;
    use leptos::prelude::*;
    use web_sys::wasm_bindgen::JsCast;
    use web_sys::wasm_bindgen::closure::Closure;

    /// Files were chosen: send each at once, and clear the input so more can be added.
    pub fn chosen(
        ev: &leptos::ev::Event,
        url: &str,
        list: RwSignal<Vec<Chosen>>,
        words: &(String, String),
    ) {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(files) = input.files() else {
            return;
        };
        for i in 0..files.length() {
            let Some(file) = files.get(i) else { continue };
            let key = list.with_untracked(|v| v.iter().map(|c| c.key).max().unwrap_or(0) + 1);
            let photo = file.type_().starts_with("image/") && file.type_() != "image/heic";
            let thumb = photo
                .then(|| web_sys::Url::create_object_url_with_blob(&file).ok())
                .flatten();
            let item = Chosen {
                key,
                name: file.name(),
                size: file.size(),
                thumb,
                progress: RwSignal::new(0),
                outcome: RwSignal::new(None),
            };
            send(&file, url, item.progress, item.outcome, words.clone());
            list.update(|v| v.push(item));
        }
        input.set_value("");
    }

    /// One upload with `XMLHttpRequest` (fetch cannot report upload progress).
    fn send(
        file: &web_sys::File,
        url: &str,
        progress: RwSignal<u32>,
        outcome: RwSignal<Option<Result<String, String>>>,
        (failed_text, offline): (String, String),
    ) {
        let failed = move || outcome.set(Some(Err(failed_text.clone())));
        let (Ok(xhr), Ok(data)) = (web_sys::XmlHttpRequest::new(), web_sys::FormData::new()) else {
            return failed();
        };
        if data
            .append_with_blob_and_filename("file", file, &file.name())
            .is_err()
            || xhr.open("POST", url).is_err()
        {
            return failed();
        }
        if let Ok(up) = xhr.upload() {
            let on_progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(
                move |e: web_sys::ProgressEvent| {
                    if e.length_computable() && e.total() > 0.0 {
                        progress.set((e.loaded() / e.total() * 100.0).round() as u32);
                    }
                },
            );
            up.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
            on_progress.forget();
        }
        let done_xhr = xhr.clone();
        let on_done = Closure::once(move || {
            let status = done_xhr.status().unwrap_or(0);
            let body = done_xhr.response_text().ok().flatten().unwrap_or_default();
            let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let result = if status == 201 {
                json["token"].as_str().map(str::to_string).ok_or(offline)
            } else if status == 0 {
                Err(offline)
            } else {
                let fields = json["error"]["fields"].as_object();
                let message = fields
                    .and_then(|f| f.values().next())
                    .and_then(|v| v.as_str())
                    .or(json["error"]["message"].as_str())
                    .unwrap_or_default()
                    .to_string();
                Err(message)
            };
            outcome.set(Some(result));
        });
        xhr.set_onloadend(Some(on_done.as_ref().unchecked_ref()));
        on_done.forget();
        if xhr.send_with_opt_form_data(Some(&data)).is_err() {
            failed();
        }
    }
}

/// A request's files as a list of downloads (`href` gives each one's address); files
/// waiting for the virus scanner or refused by it say so instead of offering a link.
#[component]
pub fn AttachmentList(
    items: Vec<crate::model::AttachmentView>,
    href: Box<dyn Fn(&crate::model::AttachmentView) -> String + Send + Sync>,
    #[prop(optional)] staff: bool,
) -> impl IntoView {
    use crate::model::Visibility;
    let i18n = use_i18n();
    if items.is_empty() {
        return view! { <p>{t!(i18n, track.files_none)}</p> }.into_any();
    }
    let rows = items
        .into_iter()
        .map(|a| {
            let size = human_bytes(a.size.max(0) as u64);
            let tag = match a.visibility {
                Visibility::Result => Some(t_string!(i18n, track.file_result)),
                Visibility::Internal if staff => Some(t_string!(i18n, event.internal)),
                _ => None,
            };
            let body = match a.state.as_str() {
                "ok" => view! {
                    <a href=href(&a) download="">{a.name.clone()}</a>
                    " "<span class="file-size">{size}</span>
                }
                .into_any(),
                "quarantined" => view! {
                    <span>{a.name.clone()}</span>" "<span class="tag">{t!(i18n, track.file_checking)}</span>
                }
                .into_any(),
                "infected" => view! {
                    <span>{a.name.clone()}</span>" "<span class="tag danger">{t!(i18n, track.file_refused)}</span>
                }
                .into_any(),
                _ => view! { <span class="tag">{t!(i18n, track.file_erased)}</span> }.into_any(),
            };
            view! {
                <li>
                    {body}
                    {tag.map(|t| view! { " "<span class="tag">{t}</span> })}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="attachments">{rows}</ul> }.into_any()
}
