//! The HTTP application: Leptos pages and server functions, the JSON API, the language
//! switch and static files, in one axum router.

use super::service::languages::LangScope;
use super::{AppState, LANG_COOKIE, api};
use crate::domain::Lang;
use crate::{App, shell};
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use serde::Deserialize;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

/// The page routes, listed once per process. Listing them runs the app with resource
/// loading suppressed by a process-wide flag (leptos issue #4773): a page rendered by
/// another router of the same process at that moment (the tests spawn one per test, in
/// parallel) would wait forever for its data.
static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();

pub fn router(state: AppState) -> Router {
    let routes = ROUTES.get_or_init(|| generate_route_list(App)).clone();
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            provide_request_nonce();
        }
    };
    let options = state.leptos_options.clone();
    Router::new()
        .route("/lang/{code}", get(set_language))
        .route("/healthz", get(health))
        .route("/staff/analytics.csv", get(super::analytics_csv::csv))
        .route("/staff/admin/audit.csv", get(super::audit_csv::csv))
        .route("/track", axum::routing::post(super::tracking::open))
        .route("/track/data.json", get(super::tracking::export_json))
        .route("/signin/start", get(super::signin::start))
        .route("/signin/callback", get(super::signin::callback))
        .route("/signout", axum::routing::post(super::signin::sign_out))
        .route(
            "/staff/profile/password",
            axum::routing::post(super::profile::password),
        )
        .route(
            "/staff/profile/tokens",
            axum::routing::post(super::profile::create),
        )
        .route(
            "/staff/admin/partners",
            axum::routing::post(super::partners::create),
        )
        .merge(super::files::routes())
        .nest("/api/v1", api::router())
        .nest("/open311/v2", super::open311::router())
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(axum::middleware::from_fn(server_fn_status))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            page_language,
        ))
        .layer(axum::middleware::from_fn(codes_out_of_addresses))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            same_origin_only,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            client_address,
        ))
        .layer(CompressionLayer::new().br(true).gzip(true))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn health(axum::extract::State(taka): axum::extract::State<super::Taka>) -> Response {
    match sqlx::query("SELECT 1").execute(&taka.db.read).await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

/// `GET /lang/{code}?back=/path`: remember the language in the cookie leptos_i18n reads,
/// and return to the page (only local paths, so it cannot redirect elsewhere).
async fn set_language(Path(code): Path<String>, Query(q): Query<Back>) -> Response {
    let back = q
        .back
        .filter(|b| {
            b.starts_with('/')
                && !b.starts_with("//")
                && !b.contains('\\')
                && !b.chars().any(|c| c.is_control() || c.is_whitespace())
        })
        .unwrap_or_else(|| "/".to_string());
    let mut resp = axum::response::Redirect::to(&back).into_response();
    if let Some(lang) = Lang::parse(&code) {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.code()
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    resp
}

/// The languages a page offers and the one it is in (request extension; the header's
/// language switch reads it).
#[derive(Clone, Debug)]
pub struct PageLangs {
    pub offered: Vec<Lang>,
    pub lang: Lang,
}

/// What a path is about, for its languages: a service's page and form, a request's
/// tracking page and receipt (`?ref=`), or the portal.
fn page_scope(path: &str, query: Option<&str>) -> LangScope {
    let mut parts = path.trim_matches('/').split('/');
    match (parts.next(), parts.next()) {
        (Some("services"), Some(code)) if !code.is_empty() => LangScope::Service(
            urlencoding::decode(code)
                .map(|c| c.into_owned())
                .unwrap_or_default(),
        ),
        (Some("track" | "receipt"), None) => query
            .unwrap_or("")
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == "ref")
            .and_then(|(_, v)| urlencoding::decode(v).ok())
            .map(|r| LangScope::Request(r.into_owned()))
            .unwrap_or(LangScope::Portal),
        _ => LangScope::Portal,
    }
}

/// Decides the language of every page and server function once: the visitor's choice
/// when this page offers it (else English or Latvian), and on a first visit the best
/// offered language for `Accept-Language`. The request is then told only that language
/// (its language cookie and `Accept-Language` rewritten), so leptos_i18n, the server
/// functions and the mail to a new request agree; the browser keeps its own cookie.
async fn page_language(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path();
    // Static files (the WASM, styles, scripts, icons) have no language: no query for them.
    let static_file = [
        ".js",
        ".css",
        ".svg",
        ".ico",
        ".png",
        ".wasm",
        ".webmanifest",
    ]
    .iter()
    .any(|ext| path.ends_with(ext));
    if static_file
        || path.starts_with("/pkg/")
        || path.starts_with("/api/")
        || path.starts_with("/open311/")
        || path == "/healthz"
    {
        return next.run(req).await;
    }
    let scope = page_scope(path, req.uri().query());
    let offered = match state.taka.offered_languages(&scope).await {
        Ok(o) => o,
        Err(e) => {
            tracing::warn!("languages offered: {e}");
            Lang::ALL.to_vec()
        }
    };
    let headers = req.headers();
    let chosen = super::cookie(headers, LANG_COOKIE).and_then(|c| Lang::parse(&c));
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let lang = Lang::for_page(chosen, accept, &offered);
    if chosen.is_some_and(|c| c != lang) {
        let cookies = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .map(str::trim)
            .filter(|c| !c.is_empty() && !c.starts_with(&format!("{LANG_COOKIE}=")))
            .collect::<Vec<_>>()
            .join("; ");
        req.headers_mut().remove(header::COOKIE);
        if let Ok(v) = HeaderValue::from_str(&cookies)
            && !cookies.is_empty()
        {
            req.headers_mut().insert(header::COOKIE, v);
        }
    }
    req.headers_mut().insert(
        header::ACCEPT_LANGUAGE,
        HeaderValue::from_static(lang.code()),
    );
    req.extensions_mut().insert(PageLangs { offered, lang });
    next.run(req).await
}

/// A server function's refusal answers with the status its error means (422 for invalid
/// input, 404, 409, 429, ...), as the JSON API does; the server-function machinery itself
/// answers every error with 500, which would make a typo look like an outage.
///
/// The refusal in words, in the request's language, goes in header `Taka-Error`
/// (percent-encoded UTF-8), so a form island shows it without carrying translations; each
/// refused field's message in `Taka-Field-Errors` (percent-encoded JSON, name → text).
async fn server_fn_status(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let lang = super::request_lang(req.headers());
    let resp = next.run(req).await;
    if resp.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !resp
            .headers()
            .contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 256 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    if let Ok(e) = serde_json::from_slice::<crate::error::AppError>(&bytes) {
        let status = super::error::error_status(&e);
        if status.is_client_error() {
            tracing::info!(code = e.code(), %status, "server function refused the input");
        }
        parts.status = status;
        let locale = crate::i18n_text::locale(lang);
        let text = crate::i18n_text::app_error(locale, &e);
        if let Ok(v) = HeaderValue::from_str(&urlencoding::encode(&text)) {
            parts.headers.insert("taka-error", v);
        }
        // Each refused field's message, for the form island to put at its field.
        if let Some(fields) = e.field_errors() {
            let messages: std::collections::BTreeMap<&str, String> = fields
                .iter()
                .map(|(name, err)| (name.as_str(), crate::i18n_text::field_error(locale, err)))
                .collect();
            if let Ok(json) = serde_json::to_string(&messages)
                && let Ok(v) = HeaderValue::from_str(&urlencoding::encode(&json))
            {
                parts.headers.insert("taka-field-errors", v);
            }
        }
        if let Some(seconds) = e.retry_after() {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Links made before codes left addresses (`/track?reference=..&code=..`, still in mail
/// sent earlier, and `/receipt?ref=..&code=..`) are sent on to `/track?ref=..#code=..`:
/// the code moves to the fragment, which the browser keeps to itself from then on.
async fn codes_out_of_addresses(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path();
    if req.method() == axum::http::Method::GET && (path == "/track" || path == "/receipt") {
        let query = req.uri().query().unwrap_or("");
        let pairs: Vec<(String, String)> = query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .filter_map(|(k, v)| Some((k.to_string(), urlencoding::decode(v).ok()?.into_owned())))
            .collect();
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        if let Some(code) = get("code") {
            let reference = get("ref").or_else(|| get("reference")).unwrap_or_default();
            let to = format!(
                "/track?ref={}#code={}",
                urlencoding::encode(&reference),
                urlencoding::encode(&code)
            );
            return axum::response::Redirect::to(&to).into_response();
        }
    }
    next.run(req).await
}

/// The nonce of this response's Content-Security-Policy (request extension).
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// Gives the page being rendered the nonce of its response, for its inline scripts (the
/// island loader). Called in the render context of every page.
pub fn provide_request_nonce() {
    let nonce = leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(n)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(n));
    }
}

/// Whether responses to `path` must not be stored by the browser or a proxy: staff pages,
/// tracking and receipts, server functions and the API show personal data, tracking codes
/// or tokens. The catalogue and static files may be kept.
fn sensitive(path: &str) -> bool {
    ["/staff", "/track", "/receipt", "/fn/", "/api/"]
        .iter()
        .any(|p| path.starts_with(p))
}

/// Headers every response carries (OWASP ASVS 14.4): a Content-Security-Policy whose only
/// inline script is the one with this response's nonce, no framing, no MIME sniffing, no
/// referrer to other sites (codes never travel in URLs; same-origin referrers let a form
/// without JavaScript come back to its page), nothing sensitive stored in caches, and
/// HSTS when cookies are secure (served over HTTPS).
async fn security_headers(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let nonce = hex::encode(rand::random::<[u8; 16]>());
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let no_store = sensitive(req.uri().path());
    // Pages that show a tracking code and have no form that needs to find its way back:
    // no referrer at all, not even to ourselves. (`/staff/welcome?t=` has a form, so its
    // one-time token may go back to us, never elsewhere: `same-origin`.)
    let no_referrer = matches!(
        req.uri().path(),
        "/receipt" | "/track/data" | "/track/data.json"
    );
    let mut resp = next.run(req).await;
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    let h = resp.headers_mut();
    // A download sets its own, stricter policy (`server::files`).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Ok(v) = HeaderValue::from_str(&csp)
    {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static(if no_referrer {
            "no-referrer"
        } else {
            "same-origin"
        }),
    );
    if no_store {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.taka.policy().secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000"),
        );
    }
    resp
}

/// The client's address, as a request extension: the connection's peer, or, when the peer
/// is a trusted proxy, the nearest address in `X-Forwarded-For` that is not one.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub std::net::IpAddr);

async fn client_address(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let ip = client_ip(peer, &forwarded, &state.settings.trusted_proxies);
    req.extensions_mut().insert(ClientIp(ip));
    next.run(req).await
}

/// Who the client is: `peer` unless it is a trusted proxy; then `X-Forwarded-For` read from
/// the right, skipping trusted proxies (anything left of the first untrusted address could
/// have been written by the client itself). Unknown: the unspecified address.
pub fn client_ip(
    peer: Option<std::net::IpAddr>,
    forwarded: &str,
    trusted: &[std::net::IpAddr],
) -> std::net::IpAddr {
    let unknown = std::net::IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED);
    let Some(peer) = peer else { return unknown };
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut last = peer;
    for hop in forwarded.rsplit(',') {
        let Ok(ip) = hop.trim().parse::<std::net::IpAddr>() else {
            return last;
        };
        if !trusted.contains(&ip) {
            return ip;
        }
        last = ip;
    }
    last
}

/// The client of this request, for the service layer (address and browser name).
pub fn client_of(parts: &axum::http::request::Parts) -> super::service::Client {
    super::service::Client {
        ip: parts
            .extensions
            .get::<ClientIp>()
            .map(|c| c.0)
            .unwrap_or(std::net::IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)),
        user_agent: parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(200)
            .collect(),
    }
}

/// Refuse a state-changing request that a browser sent from another site (OWASP ASVS
/// 4.2.2, 13.2.3): `Sec-Fetch-Site` must be `same-origin` (or `none`, typed by the user),
/// else `Origin` must be ours. A bearer-token call, and a request with neither header (not
/// from a browser), carry no ambient credentials to abuse and go on. A browser's post
/// without cookies is checked too, which stops login CSRF; so are forced sign-out and posts
/// from same-site sibling hosts.
async fn same_origin_only(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let h = req.headers();
    let bearer = h
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    let verdict = bearer
        || cross_site_verdict(
            h.get("sec-fetch-site").and_then(|v| v.to_str().ok()),
            h.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
            h.get(header::HOST).and_then(|v| v.to_str().ok()),
            state.taka.public_url(),
        );
    if verdict {
        return next.run(req).await;
    }
    let lang = super::request_lang(h);
    tracing::info!(path = %req.uri().path(), "refused a cross-site request");
    let text = crate::i18n_text::app_error(
        crate::i18n_text::locale(lang),
        &crate::error::AppError::Forbidden,
    );
    (StatusCode::FORBIDDEN, text).into_response()
}

/// Whether a state-changing request may go on, from its `Sec-Fetch-Site` and `Origin`
/// headers, the `Host` it was sent to and our public address.
pub fn cross_site_verdict(
    fetch_site: Option<&str>,
    origin: Option<&str>,
    host: Option<&str>,
    public_url: &str,
) -> bool {
    if let Some(site) = fetch_site {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = origin else {
        // Neither header: not a browser (every browser we support sends one on a post).
        return true;
    };
    if origin == "null" {
        return false;
    }
    let authority = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    let public = public_url.trim_end_matches('/');
    origin == public || host.is_some_and(|h| h.eq_ignore_ascii_case(authority))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn client_address_trusts_only_configured_proxies() {
        let proxy = ip("10.0.0.1");
        let trusted = [proxy, ip("10.0.0.2")];
        // Not from a proxy: the header is the client's own words, ignored.
        assert_eq!(
            client_ip(Some(ip("203.0.113.9")), "1.2.3.4", &trusted),
            ip("203.0.113.9")
        );
        // Through the proxy: the nearest untrusted hop.
        assert_eq!(
            client_ip(Some(proxy), "1.2.3.4, 198.51.100.7", &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(Some(proxy), "198.51.100.7, 10.0.0.2", &trusted),
            ip("198.51.100.7")
        );
        // Garbage stops the walk at the last trusted hop.
        assert_eq!(client_ip(Some(proxy), "junk", &trusted), proxy);
        assert_eq!(client_ip(Some(proxy), "", &trusted), proxy);
        assert_eq!(client_ip(None, "1.2.3.4", &trusted), ip("::"));
    }

    #[test]
    fn cross_site_posts_are_refused() {
        let public = "https://portals.example.lv";
        let host = Some("portals.example.lv");
        assert!(cross_site_verdict(Some("same-origin"), None, host, public));
        assert!(cross_site_verdict(Some("none"), None, host, public));
        assert!(!cross_site_verdict(
            Some("same-site"),
            Some("https://x.example.lv"),
            host,
            public
        ));
        assert!(!cross_site_verdict(
            Some("cross-site"),
            Some(public),
            host,
            public
        ));
        assert!(cross_site_verdict(None, Some(public), host, public));
        assert!(cross_site_verdict(
            None,
            Some("http://127.0.0.1:3000"),
            Some("127.0.0.1:3000"),
            public
        ));
        assert!(!cross_site_verdict(
            None,
            Some("https://evil.example"),
            host,
            public
        ));
        assert!(!cross_site_verdict(None, Some("null"), host, public));
        assert!(cross_site_verdict(None, None, host, public));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        /// Any `X-Forwarded-For`, `Sec-Fetch-Site`, `Origin` and `Host`: an answer, no panic;
        /// and a client that is not a trusted proxy is never told who it is by a header.
        #[test]
        fn request_headers_never_panic(
            forwarded in proptest::prelude::any::<String>(),
            site in proptest::option::of(proptest::prelude::any::<String>()),
            origin in proptest::option::of(proptest::prelude::any::<String>()),
            host in proptest::option::of(proptest::prelude::any::<String>()),
        ) {
            let peer = ip("203.0.113.1");
            proptest::prop_assert_eq!(client_ip(Some(peer), &forwarded, &[ip("10.0.0.1")]), peer);
            let _ = client_ip(Some(ip("10.0.0.1")), &forwarded, &[ip("10.0.0.1")]);
            let _ = cross_site_verdict(site.as_deref(), origin.as_deref(), host.as_deref(), "https://x.lv");
        }
    }
}
