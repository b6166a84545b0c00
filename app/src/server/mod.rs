//! Server-only code: persistence, the service layer, the JSON API, sessions and demo data.

pub mod analytics_csv;
pub mod api;
pub mod auth;
pub mod db;
pub mod demo;
pub mod error;
pub mod generate;
pub mod mailer;
pub mod notify;
pub mod pages;
pub mod profile;
pub mod service;
pub mod web;

use axum::http::HeaderMap;
use leptos::config::LeptosOptions;
use std::sync::Arc;

pub use service::Taka;

/// Settings the running server needs beyond the database.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Mark cookies `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
}

/// Everything a handler or server function can reach.
#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub taka: Taka,
    pub settings: Arc<Settings>,
}

pub const SESSION_COOKIE: &str = "taka_session";
/// The cookie leptos_i18n reads and writes for the chosen language.
pub const LANG_COOKIE: &str = "i18n_pref_locale";

/// The value of cookie `name` in the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The language of this request: the chosen language cookie, else Accept-Language.
pub fn request_lang(headers: &HeaderMap) -> crate::domain::Lang {
    if let Some(lang) = cookie(headers, LANG_COOKIE).and_then(|c| crate::domain::Lang::parse(&c)) {
        return lang;
    }
    accept_language(headers)
}

/// The language asked for by Accept-Language alone (the JSON API ignores cookies).
pub fn accept_language(headers: &HeaderMap) -> crate::domain::Lang {
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(crate::domain::Lang::from_accept_language)
        .unwrap_or_default()
}

/// A `Set-Cookie` value for the staff session (HttpOnly, SameSite=Lax; `max_age` 0 clears it).
pub fn session_cookie(token: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cookies_and_languages() {
        let mut h = HeaderMap::new();
        h.insert(
            "cookie",
            HeaderValue::from_static("a=1; i18n_pref_locale=en; taka_session=abc"),
        );
        assert_eq!(cookie(&h, "taka_session").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "missing"), None);
        assert_eq!(request_lang(&h), crate::domain::Lang::En);
        let mut h = HeaderMap::new();
        h.insert(
            "accept-language",
            HeaderValue::from_static("en-US,en;q=0.9"),
        );
        assert_eq!(request_lang(&h), crate::domain::Lang::En);
        assert_eq!(request_lang(&HeaderMap::new()), crate::domain::Lang::Lv);
        assert!(
            session_cookie("t", 60, true).contains("HttpOnly; SameSite=Lax; Max-Age=60; Secure")
        );
    }
}
