//! Server-only code: persistence, the service layer, the JSON API, sessions and demo data.

pub mod analytics_csv;
pub mod api;
pub mod audit_csv;
pub mod auth;
pub mod clamd;
pub mod csv;
pub mod db;
pub mod demo;
pub mod error;
pub mod files;
pub mod generate;
pub mod mailer;
pub mod notify;
pub mod oidc;
pub mod open311;
pub mod partners;
pub mod profile;
pub mod secret;
pub mod service;
pub mod signin;
pub mod tracking;
pub mod web;
pub mod webhook;

use axum::http::HeaderMap;
use leptos::config::LeptosOptions;
use std::sync::Arc;

pub use service::Taka;

/// Settings the running server needs beyond the database and the service layer's policy.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Reverse proxies whose `X-Forwarded-For` names the client (`TAKA_TRUSTED_PROXIES`);
    /// from anyone else the header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// Everything a handler or server function can reach.
#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub taka: Taka,
    pub settings: Arc<Settings>,
}

/// The staff session cookie over HTTPS: `__Host-` makes the browser refuse it unless it
/// is `Secure`, set by this host for `/`, so a sibling host or a plain-HTTP page cannot
/// plant one.
pub const SESSION_COOKIE: &str = "__Host-taka_session";
/// The same cookie where secure cookies are turned off (plain-HTTP development).
pub const SESSION_COOKIE_PLAIN: &str = "taka_session";
/// The requests this browser is following: `REF~CODE` pairs, so codes never travel in URLs.
pub const TRACKING_COOKIE: &str = "__Host-taka_tracking";
pub const TRACKING_COOKIE_PLAIN: &str = "taka_tracking";
/// A one-time notice for the page a form post redirects to (a new API token, a changed
/// password): sealed with the server secret, read once and cleared, two minutes at most.
pub const NOTICE_COOKIE: &str = "__Host-taka_notice";
pub const NOTICE_COOKIE_PLAIN: &str = "taka_notice";
/// A signed-in requester's session (citizen sign-in through OpenID Connect).
pub const REQUESTER_COOKIE: &str = "__Host-taka_person";
pub const REQUESTER_COOKIE_PLAIN: &str = "taka_person";
/// The `state` of a sign-in under way, so the provider's answer is taken only in the
/// browser that began it.
pub const SIGNIN_COOKIE: &str = "__Host-taka_signin";
pub const SIGNIN_COOKIE_PLAIN: &str = "taka_signin";
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

/// A `Set-Cookie` value for the staff session (HttpOnly, SameSite=Lax; `max_age` 0 clears
/// it); `Secure` with the `__Host-` name unless secure cookies are off.
pub fn session_cookie(token: &str, max_age: i64, secure: bool) -> String {
    set_cookie(session_cookie_name(secure), token, max_age, secure)
}

/// A cookie's name: the `__Host-` one with secure cookies, else the plain one.
fn cookie_name(secure: bool, host: &'static str, plain: &'static str) -> &'static str {
    if secure { host } else { plain }
}

pub fn session_cookie_name(secure: bool) -> &'static str {
    cookie_name(secure, SESSION_COOKIE, SESSION_COOKIE_PLAIN)
}

/// The session token the request carries, under the one name this server uses.
pub fn session_token(headers: &HeaderMap, secure: bool) -> Option<String> {
    cookie(headers, session_cookie_name(secure))
}

pub fn notice_cookie_name(secure: bool) -> &'static str {
    cookie_name(secure, NOTICE_COOKIE, NOTICE_COOKIE_PLAIN)
}

/// A `Set-Cookie` carrying `sealed` (from `Secret::seal`) as the one-time notice; an empty
/// value clears it.
pub fn notice_cookie(sealed: &str, secure: bool) -> String {
    let max_age = if sealed.is_empty() {
        0
    } else {
        service::NOTICE_SECONDS
    };
    set_cookie(notice_cookie_name(secure), sealed, max_age, secure)
}

/// A `Set-Cookie` for the requester's session (`max_age` 0 clears it).
pub fn requester_cookie(token: &str, max_age: i64, secure: bool) -> String {
    let name = cookie_name(secure, REQUESTER_COOKIE, REQUESTER_COOKIE_PLAIN);
    set_cookie(name, token, max_age, secure)
}

/// A `Set-Cookie` for the sign-in under way (`max_age` 0 clears it).
pub fn signin_cookie(state: &str, max_age: i64, secure: bool) -> String {
    let name = cookie_name(secure, SIGNIN_COOKIE, SIGNIN_COOKIE_PLAIN);
    set_cookie(name, state, max_age, secure)
}

/// The sign-in `state` this browser keeps.
pub fn signin_state(headers: &HeaderMap, secure: bool) -> Option<String> {
    cookie(
        headers,
        cookie_name(secure, SIGNIN_COOKIE, SIGNIN_COOKIE_PLAIN),
    )
}

/// The requester's session token this browser carries.
pub fn requester_token(headers: &HeaderMap, secure: bool) -> Option<String> {
    cookie(
        headers,
        cookie_name(secure, REQUESTER_COOKIE, REQUESTER_COOKIE_PLAIN),
    )
}

/// The signed-in requester, if this browser has a live session.
pub async fn signed_in_requester(
    taka: &Taka,
    headers: &HeaderMap,
) -> Result<Option<service::Requester>, crate::error::AppError> {
    match requester_token(headers, taka.policy().secure_cookies) {
        Some(token) => Ok(taka.requester_for_session(&token).await?),
        None => Ok(None),
    }
}

/// How this browser proves `reference` is its requester's: a code it was given (`given`,
/// when not empty), else the tracking cookie's code for it, else the signed-in requester.
pub async fn requester_proof(
    taka: &Taka,
    headers: &HeaderMap,
    reference: &str,
    given: &str,
) -> Result<Option<service::Proof>, crate::error::AppError> {
    if !given.trim().is_empty() {
        return Ok(Some(service::Proof::code(given)));
    }
    if let Some(code) = tracked_code(headers, taka.policy().secure_cookies, reference) {
        return Ok(Some(service::Proof::Code(code)));
    }
    Ok(signed_in_requester(taka, headers)
        .await?
        .map(|r| service::Proof::Person(r.id)))
}

fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Most requests one browser follows at once without typing their codes again.
const TRACKED_MAX: usize = 5;
/// How long the browser keeps them.
const TRACKED_SECONDS: i64 = 2 * 3600;

/// The `(reference, code)` pairs in the tracking cookie, newest first.
pub fn tracked(headers: &HeaderMap, secure: bool) -> Vec<(String, String)> {
    let name = if secure {
        TRACKING_COOKIE
    } else {
        TRACKING_COOKIE_PLAIN
    };
    cookie(headers, name)
        .map(|v| {
            v.split('.')
                .filter_map(|pair| pair.split_once('~'))
                .filter(|(r, c)| plain_token(r) && plain_token(c))
                .map(|(r, c)| (r.to_string(), c.to_string()))
                .take(TRACKED_MAX)
                .collect()
        })
        .unwrap_or_default()
}

/// The code this browser holds for `reference`, if any.
pub fn tracked_code(headers: &HeaderMap, secure: bool, reference: &str) -> Option<String> {
    let reference = reference.trim().to_ascii_uppercase();
    tracked(headers, secure)
        .into_iter()
        .find(|(r, _)| *r == reference)
        .map(|(_, c)| c)
}

/// A `Set-Cookie` adding `(reference, code)` to the ones this browser follows.
pub fn tracking_cookie(headers: &HeaderMap, secure: bool, reference: &str, code: &str) -> String {
    let reference = reference.trim().to_ascii_uppercase();
    let code = crate::domain::normalise_tracking_code(code);
    let mut pairs = vec![(reference.clone(), code)];
    pairs.extend(
        tracked(headers, secure)
            .into_iter()
            .filter(|(r, _)| *r != reference),
    );
    let value = pairs
        .iter()
        .filter(|(r, c)| plain_token(r) && plain_token(c))
        .take(TRACKED_MAX)
        .map(|(r, c)| format!("{r}~{c}"))
        .collect::<Vec<_>>()
        .join(".");
    let name = if secure {
        TRACKING_COOKIE
    } else {
        TRACKING_COOKIE_PLAIN
    };
    set_cookie(name, &value, TRACKED_SECONDS, secure)
}

/// Only letters, digits and `-`, at most 40: nothing that could break a cookie.
fn plain_token(s: &str) -> bool {
    !s.is_empty() && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
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
        assert!(session_cookie("t", 60, true).starts_with(
            "__Host-taka_session=t; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        ));
        assert!(session_cookie("t", 60, false).starts_with("taka_session=t;"));
        assert!(!session_cookie("t", 60, false).contains("Secure"));
    }

    #[test]
    fn tracking_cookie_keeps_five_newest() {
        let mut h = HeaderMap::new();
        for i in 0..7 {
            let set = tracking_cookie(&h, true, &format!("pp-2026-00000{i}"), "abcde-fghjk");
            let value = set.split(';').next().unwrap_or_default().to_string();
            h.insert("cookie", HeaderValue::from_str(&value).unwrap());
        }
        let t = tracked(&h, true);
        assert_eq!(t.len(), 5);
        assert_eq!(
            t[0],
            ("PP-2026-000006".to_string(), "ABCDE-FGHJK".to_string())
        );
        assert_eq!(
            tracked_code(&h, true, "pp-2026-000004").as_deref(),
            Some("ABCDE-FGHJK")
        );
        assert_eq!(tracked_code(&h, true, "PP-2026-000001"), None);
        assert!(
            tracked(&h, false).is_empty(),
            "the plain name is another cookie"
        );
        // A planted value with cookie syntax in it is ignored.
        h.insert(
            "cookie",
            HeaderValue::from_static("__Host-taka_tracking=A~B;C.x~y=z"),
        );
        assert_eq!(tracked(&h, true), vec![("A".to_string(), "B".to_string())]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        /// Any cookie header: the tracked pairs are plain tokens, five at most, no panic.
        #[test]
        fn any_cookie_header_is_read_safely(raw in proptest::prelude::any::<String>()) {
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&format!("__Host-taka_tracking={raw}")) {
                h.insert("cookie", v);
            }
            let t = tracked(&h, true);
            proptest::prop_assert!(t.len() <= 5);
            for (r, c) in &t {
                proptest::prop_assert!(plain_token(r) && plain_token(c));
            }
            let _ = tracking_cookie(&h, true, &raw, &raw);
        }
    }
}
