//! Every response carries the browser-side defences (OWASP ASVS 14.4): a
//! Content-Security-Policy whose one inline script is the island loader with this
//! response's nonce, no framing, no MIME sniffing, and no caching of anything that shows a
//! tracking code, personal data or a token.

mod common;

use common::TestApp;

/// The `nonce-…` of a Content-Security-Policy.
fn nonce_of(csp: &str) -> Option<String> {
    csp.split(['\'', ' '])
        .find_map(|p| p.strip_prefix("nonce-"))
        .map(str::to_string)
}

async fn headers_on_every_kind_of_answer(app: &TestApp) {
    let (reference, code) = app
        .submit_api(&serde_json::json!({
            "service_code": "VNP-STAVATLAUJA",
            "values": {"plate": "KL-1234", "address": "Rīgas iela 1, Valmiera", "zone": "a"},
            "contact": {"name": "Anna Bērziņa", "email": "anna@example.lv"},
            "language": "lv"
        }))
        .await;

    let mut nonces = Vec::new();
    for (path, no_store) in [
        // A tracking page whose request can be withdrawn: it loads the form island.
        (format!("/track?ref={reference}"), true),
        (format!("/receipt?ref={reference}"), true),
        ("/services".to_string(), false),
        ("/staff".to_string(), true),
        ("/no-such-page".to_string(), false),
    ] {
        let resp = app
            .http
            .get(app.url(&path))
            .header("cookie", common::tracking_cookie(&reference, &code))
            .send()
            .await
            .expect("get");
        let h = resp.headers().clone();
        let header = |name: &str| {
            h.get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let csp = header("content-security-policy");
        for directive in [
            "default-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        let nonce = nonce_of(&csp).unwrap_or_else(|| panic!("{path}: no nonce in {csp}"));
        assert!(nonce.len() >= 22, "{path}: a short nonce {nonce}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(
            header("strict-transport-security"),
            "max-age=63072000",
            "{path}: HSTS with secure cookies"
        );
        let referrer = if path.starts_with("/receipt") {
            "no-referrer"
        } else {
            "same-origin"
        };
        assert_eq!(header("referrer-policy"), referrer, "{path}");
        assert_eq!(
            header("cache-control") == "no-store",
            no_store,
            "{path}: cache-control {:?}",
            header("cache-control")
        );
        // Every inline script carries this response's nonce; scripts from files need none.
        let body = resp.text().await.expect("body");
        let mut inline = 0;
        for tag in body.split("<script").skip(1) {
            let open = tag.split('>').next().unwrap_or_default();
            // leptos_i18n leaves an empty `<script></script>`: with no text it runs nothing,
            // so the browser does not check it against the policy.
            let empty = tag.starts_with("></script>");
            if !open.contains("src=") && !empty {
                inline += 1;
                assert!(
                    open.contains(&format!("nonce=\"{nonce}\"")),
                    "{path}: inline script without the nonce: <script{}",
                    tag.chars().take(300).collect::<String>()
                );
            }
        }
        if path.starts_with("/track") {
            assert!(inline > 0, "the tracking page loads its island");
        }
        nonces.push(nonce);
    }
    // A new nonce for every response.
    let mut unique = nonces.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), nonces.len(), "{nonces:?}");

    // Answers of the API and server functions are not stored either.
    let api = app
        .http
        .get(app.url(&format!("/api/v1/requests/{reference}")))
        .header("x-tracking-code", code)
        .send()
        .await
        .expect("api");
    assert_eq!(
        api.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
}

both_backends!(headers_on_every_kind_of_answer);
