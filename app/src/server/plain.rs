//! Server-rendered staff pages outside the hydrated app (analytics, profile): the document
//! around them and who is signed in. They add nothing to the browser bundle and work
//! without JavaScript; their texts come from the same i18n layer.

use super::notify::html_escape as esc;
use super::service::StaffContext;
use super::{SESSION_COOKIE, Taka, cookie};
use crate::domain::Lang;
use crate::i18n::Locale;
use axum::http::HeaderMap;
use leptos_i18n::td_string;

/// The signed-in staff member behind the session cookie, if any.
pub async fn staff(taka: &Taka, headers: &HeaderMap, lang: Lang) -> Option<StaffContext> {
    let token = cookie(headers, SESSION_COOKIE)?;
    taka.staff_for_session(&token, lang).await.ok().flatten()
}

/// A whole page: header, language links back to `back`, the staff navigation with
/// `current` marked, and `body` (already HTML) as the main content.
pub fn page(l: Locale, title: &str, back: &str, current: &str, body: &str) -> String {
    let lang = match l {
        Locale::lv => "lv",
        Locale::en => "en",
    };
    let back = urlencoding::encode(back);
    let nav: String = [
        ("/staff", td_string!(l, nav.queue)),
        ("/staff/notifications", td_string!(l, nav.notifications)),
        ("/staff/analytics", td_string!(l, nav.analytics)),
        ("/staff/profile", td_string!(l, nav.profile)),
    ]
    .iter()
    .map(|(href, label)| {
        let here = if *href == current {
            " aria-current=\"page\""
        } else {
            ""
        };
        format!("<li><a href=\"{href}\"{here}>{}</a></li>", esc(label))
    })
    .collect();
    format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\"><link rel=\"stylesheet\" href=\"/pkg/taka.css\"><title>{title} — {app}</title></head><body>\
<a class=\"skip\" href=\"#main\">{skip}</a>\
<header class=\"site-header\"><div class=\"bar\"><a href=\"/\" class=\"brand\"><span class=\"logo\" aria-hidden=\"true\">◆</span>{app}</a>\
<nav class=\"lang\" aria-label=\"{language}\"><ul><li><a href=\"/lang/lv?back={back}\" hreflang=\"lv\" lang=\"lv\">LV</a></li><li><a href=\"/lang/en?back={back}\" hreflang=\"en\" lang=\"en\">EN</a></li></ul></nav></div>\
<nav aria-label=\"{main_nav}\"><ul>{nav}</ul></nav></header>\
<main id=\"main\">{body}</main></body></html>",
        title = esc(title),
        app = esc(td_string!(l, app.name)),
        skip = esc(td_string!(l, app.skip)),
        language = esc(td_string!(l, app.language)),
        main_nav = esc(td_string!(l, app.main_nav)),
    )
}
