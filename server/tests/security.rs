//! Issue 11 over real HTTP and the service layer, on SQLite and PostgreSQL: sign-in
//! throttling, cross-site posts, cookies, abuse limits with 429 and Retry-After, tracking
//! codes keyed at rest and kept out of addresses, idempotency without codes, sealed
//! outbox bodies, sessions (idle end, list, end, password change, deactivation) and
//! API tokens (expiry, analytics-only scope).

mod common;

use app::error::AppError;
use app::server::service::{Client, TokenScope};
use common::{DEMO_PASSWORD, TestApp};
use serde_json::{Value, json};

fn client(ip: &str) -> Client {
    Client {
        ip: ip.parse().expect("ip"),
        user_agent: "test".into(),
    }
}

fn parking(email: &str) -> Value {
    json!({
        "service_code": "VNP-STAVATLAUJA",
        "values": {"plate": "KL-1234", "address": "Rīgas iela 1, Valmiera", "zone": "a"},
        "contact": {"name": "Anna Bērziņa", "email": email},
        "language": "lv"
    })
}

async fn submit(app: &TestApp, email: &str) -> (String, String) {
    app.submit_api(&parking(email)).await
}

/// Failures count per client address and user name, before the password is checked, in
/// one atomic step: parallel guesses cannot pass the count, nobody elsewhere can lock a
/// colleague out, and an over-long user name is refused without being stored.
async fn sign_in_throttling(app: &TestApp) {
    let t = &app.taka;
    let attacker = client("203.0.113.7");
    for _ in 0..10 {
        let r = t.sign_in("saimnieks", "guess-guess", &attacker).await;
        assert_eq!(common::app_err(r), AppError::BadCredentials);
    }
    // The eleventh try from there is refused even with the right password...
    let r = t.sign_in("saimnieks", DEMO_PASSWORD, &attacker).await;
    assert!(matches!(common::app_err(r), AppError::TooManyAttempts(s) if (1..=900).contains(&s)));
    // ...but the owner of the account, elsewhere, signs in.
    t.sign_in("saimnieks", DEMO_PASSWORD, &client("198.51.100.20"))
        .await
        .expect("the real user is not locked out");

    // 24 guesses at once from one address: exactly 10 reach the password check.
    let guesser = client("203.0.113.8");
    let tries = (0..24).map(|_| {
        let t = t.clone();
        let c = guesser.clone();
        tokio::spawn(async move { t.sign_in("vaditajs", "wrong-password", &c).await })
    });
    let mut checked = 0;
    let mut limited = 0;
    for r in futures_results(tries).await {
        match common::app_err(r) {
            AppError::BadCredentials => checked += 1,
            AppError::TooManyAttempts(_) => limited += 1,
            e => panic!("{e:?}"),
        }
    }
    assert_eq!((checked, limited), (10, 14));

    // A user name of 10,000 characters: refused, nothing counted or stored.
    let before = app.count("rate_limits").await;
    let long = "a".repeat(10_000);
    let r = t.sign_in(&long, "x", &client("203.0.113.9")).await;
    assert_eq!(common::app_err(r), AppError::BadCredentials);
    assert_eq!(app.count("rate_limits").await, before);
    // Counters hold no addresses or names in the clear.
    let keys: Vec<(String,)> = sqlx::query_as("SELECT key FROM rate_limits")
        .fetch_all(&t.db.read)
        .await
        .expect("keys");
    assert!(
        keys.iter()
            .all(|(k,)| !k.contains("203.0.113") && !k.contains("saimnieks"))
    );
}

async fn futures_results<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await.expect("task"));
    }
    out
}

/// A post a browser sends from another site is refused before anything runs (login CSRF,
/// forced sign-out, sibling hosts); our own pages' posts and bearer-token calls go on.
async fn cross_site_posts_refused(app: &TestApp) {
    let form = [("username", "sniedzejs"), ("password", DEMO_PASSWORD)];
    let sign_in = |site: Option<&'static str>, origin: Option<&'static str>| {
        let mut req = app
            .http
            .post(app.url("/fn/sign_in"))
            .header("accept", "text/html")
            .header("referer", app.url("/staff"))
            .form(&form);
        if let Some(s) = site {
            req = req.header("sec-fetch-site", s);
        }
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        req.send()
    };
    for (site, origin) in [
        (Some("cross-site"), Some("https://evil.example")),
        (Some("same-site"), Some("https://other.portals.example.lv")),
        (None, Some("https://evil.example")),
        (None, Some("null")),
    ] {
        let resp = sign_in(site, origin).await.expect("post");
        assert_eq!(resp.status(), 403, "{site:?} {origin:?}");
        assert!(resp.headers().get("set-cookie").is_none());
    }
    let resp = sign_in(Some("cross-site"), None).await.expect("post");
    assert_eq!(
        resp.status(),
        403,
        "a browser's post without cookies is checked too"
    );
    let before = app.count("requests").await;
    let resp = app
        .http
        .post(app.url("/api/v1/requests"))
        .header("sec-fetch-site", "cross-site")
        .json(&parking("anna@example.lv"))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 403);
    assert_eq!(app.count("requests").await, before, "nothing written");

    // Our own page's post: signed in, with a secure, host-only session cookie.
    let resp = sign_in(Some("same-origin"), Some("http://example.invalid"))
        .await
        .expect("post");
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let cookie = resp.headers()["set-cookie"].to_str().expect("cookie");
    for part in [
        "__Host-taka_session=",
        "; Path=/",
        "; HttpOnly",
        "; SameSite=Lax",
        "; Secure",
    ] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    // The plain name is not accepted where cookies are secure (a plain-HTTP page could set it).
    let pair = cookie.split(';').next().expect("pair");
    let token = pair.split_once('=').expect("value").1;
    let plain = app
        .http
        .get(app.url("/staff/profile"))
        .header("cookie", format!("taka_session={token}"))
        .send()
        .await
        .expect("get");
    let body = plain.text().await.expect("body");
    assert!(
        !body.contains("data-testid=\"sessions\""),
        "not signed in with the plain name"
    );
    let secure = app
        .http
        .get(app.url("/staff/profile"))
        .header("cookie", pair)
        .send()
        .await
        .expect("get");
    assert!(
        secure
            .text()
            .await
            .expect("body")
            .contains("data-testid=\"sessions\"")
    );
}

/// Submission, tracking and receipt mails have limits per client or recipient; over them
/// the answer is 429 with Retry-After and a localised message, and nothing is written.
async fn abuse_limits(app: &TestApp) {
    // Tracking: 120 look-ups in 15 minutes per address, wrong codes or right.
    let (reference, code) = submit(app, "anna@example.lv").await;
    // A refusal sends the form to the tracking page with its reason; that page answers
    // with the status the reason means.
    let follow = |resp: reqwest::Response| async move {
        assert_eq!(resp.status(), 303);
        let to = resp.headers()["location"]
            .to_str()
            .expect("location")
            .to_string();
        assert!(!to.contains("code"), "{to}");
        app.http
            .get(app.url(&to))
            .header("accept-language", "en")
            .send()
            .await
            .expect("get")
    };
    let mut last = None;
    for _ in 0..120 {
        let resp = app
            .http
            .post(app.url("/track"))
            .form(&[("ref", reference.as_str()), ("code", "AAAAA-AAAAA")])
            .send()
            .await
            .expect("post");
        last = Some(resp);
    }
    let refused = follow(last.expect("tried")).await;
    assert_eq!(refused.status(), 404);
    let resp = app
        .http
        .post(app.url("/track"))
        .form(&[("ref", reference.as_str()), ("code", code.as_str())])
        .send()
        .await
        .expect("post");
    let resp = follow(resp).await;
    assert_eq!(resp.status(), 429, "even the right code waits");
    let retry: u32 = resp.headers()["retry-after"]
        .to_str()
        .expect("retry")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&retry));
    let page = resp.text().await.expect("page");
    assert!(page.contains("Too many attempts"), "a localised page");
    let api = app
        .http
        .get(app.url(&format!("/api/v1/requests/{reference}")))
        .header("x-tracking-code", &code)
        .send()
        .await
        .expect("get");
    assert_eq!(api.status(), 429);
    assert!(api.headers().contains_key("retry-after"));
    let body: Value = api.json().await.expect("json");
    assert_eq!(body["error"]["code"], "too_many_attempts");

    // Submissions: 30 an hour per address without a token (one made above).
    let before = app.count("requests").await;
    for i in 1..30 {
        submit(app, &format!("p{i}@example.lv")).await;
    }
    let resp = app
        .http
        .post(app.url("/api/v1/requests"))
        .json(&parking("late@example.lv"))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    assert_eq!(app.count("requests").await, before + 29);

    // Receipt mails: 5 an hour to one address, however the requests arrive.
    let t = &app.taka;
    let target = "victim@example.lv";
    for _ in 0..8 {
        t.submit(common::parking_request(target), None)
            .await
            .expect("submit");
    }
    let (mails,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE recipient = $1 AND template = 'receipt'")
            .bind(target)
            .fetch_one(&t.db.read)
            .await
            .expect("count");
    assert_eq!(mails, 5);
}

/// Codes are stored keyed with the server secret, never travel in an address, and old
/// unkeyed hashes are keyed on first use.
async fn tracking_codes_at_rest_and_in_transit(app: &TestApp) {
    let t = &app.taka;
    let (reference, code) = submit(app, "anna@example.lv").await;
    let (stored,): (String,) =
        sqlx::query_as("SELECT tracking_hash FROM requests WHERE reference = $1")
            .bind(&reference)
            .fetch_one(&t.db.read)
            .await
            .expect("hash");
    assert!(stored.starts_with("h1:"), "{stored}");
    assert!(!stored.contains(&app::server::service::sha256_hex(&code)));

    // The tracking form: the code goes to a cookie, the address carries the reference only.
    let resp = app
        .http
        .post(app.url("/track"))
        .form(&[
            ("ref", reference.to_lowercase().as_str()),
            ("code", code.to_lowercase().as_str()),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 303);
    let to = resp.headers()["location"].to_str().expect("location");
    assert_eq!(to, format!("/track?ref={reference}"));
    let cookie = resp.headers()["set-cookie"].to_str().expect("cookie");
    assert!(
        cookie.starts_with(&format!("__Host-taka_tracking={reference}~{code}")),
        "{cookie}"
    );
    assert!(cookie.contains("HttpOnly") && cookie.contains("Secure"));
    let page = app
        .http
        .get(app.url(to))
        .header("cookie", cookie.split(';').next().expect("pair"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("page");
    assert!(page.contains("data-testid=\"status\"") || page.contains(&reference));
    assert!(
        page.contains("name=\"action\""),
        "the requester's forms are there"
    );
    // Without the cookie: the form, nothing about the request.
    let bare = app
        .http
        .get(app.url(to))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("page");
    assert!(bare.contains("data-track-form"));
    assert!(!bare.contains("name=\"action\""));

    // Old links with the code in the address are moved to the fragment.
    for old in [
        format!("/track?reference={reference}&code={code}"),
        format!("/receipt?ref={reference}&code={code}"),
    ] {
        let resp = app.http.get(app.url(&old)).send().await.expect("get");
        assert!(resp.status().is_redirection());
        assert_eq!(
            resp.headers()["location"].to_str().expect("location"),
            format!("/track?ref={reference}#code={code}")
        );
    }

    // The form without JavaScript: the receipt's address has no code.
    let resp = app
        .http
        .post(app.url("/fn/submit"))
        .header("accept", "text/html")
        .header("referer", app.url("/services/VNP-STAVATLAUJA/request"))
        .form(&[
            ("service_code", "VNP-STAVATLAUJA"),
            ("values[plate]", "KL-1234"),
            ("values[address]", "Rīgas iela 1"),
            ("values[zone]", "a"),
            ("contact_name", "Anna Bērziņa"),
        ])
        .send()
        .await
        .expect("post");
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let to = resp.headers()["location"].to_str().expect("location");
    assert!(
        to.starts_with("/receipt?ref=") && !to.contains("code"),
        "{to}"
    );

    // A row written before codes were keyed still opens, and is keyed on the way.
    let (legacy_ref, legacy_code) = submit(app, "anna@example.lv").await;
    sqlx::query("UPDATE requests SET tracking_hash = $1 WHERE reference = $2")
        .bind(app::server::service::sha256_hex(&legacy_code))
        .bind(&legacy_ref)
        .execute(&t.db.write)
        .await
        .expect("legacy");
    t.track(&legacy_ref, &legacy_code, app::domain::Lang::Lv)
        .await
        .expect("legacy code works");
    let (now_stored,): (String,) =
        sqlx::query_as("SELECT tracking_hash FROM requests WHERE reference = $1")
            .bind(&legacy_ref)
            .fetch_one(&t.db.read)
            .await
            .expect("hash");
    assert!(now_stored.starts_with("h1:"));
}

/// An idempotent retry gets the same code without the code being stored; records go after
/// a day. Unsent mail is sealed: its body in the database does not show the code.
async fn idempotency_and_outbox_keep_no_codes(app: &TestApp) {
    let send = || {
        app.http
            .post(app.url("/api/v1/requests"))
            .header("idempotency-key", "order-4711")
            .json(&parking("anna@example.lv"))
            .send()
    };
    let first: Value = send().await.expect("post").json().await.expect("json");
    let again: Value = send().await.expect("post").json().await.expect("json");
    assert_eq!(first["reference"], again["reference"]);
    assert_eq!(first["tracking_code"], again["tracking_code"]);
    let code = first["tracking_code"].as_str().expect("code");
    let t = &app.taka;
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT key_hash, body_hash FROM idempotency_keys")
            .fetch_all(&t.db.read)
            .await
            .expect("rows");
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].0.contains("order-4711"));
    let (text, html): (String, String) = sqlx::query_as(
        "SELECT body_text, body_html FROM outbox WHERE template = 'receipt' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&t.db.read)
    .await
    .expect("outbox");
    assert!(text.starts_with("sealed1:") && html.starts_with("sealed1:"));
    assert!(!text.contains(code) && !html.contains(code));
    assert!(t.secret().open(&text).expect("opens").contains(code));

    // A day later the key is forgotten: the same key makes a new request.
    let later = app.taka_at(t.now() + 24 * 3600 + 60);
    assert_eq!(
        later.forget_old_idempotency_keys().await.expect("forget"),
        1
    );
    assert_eq!(app.count("idempotency_keys").await, 0);
}

/// Sessions end when idle; staff see and end theirs; a password change ends the others;
/// deactivation ends sessions and tokens at once. Tokens expire and may only read analytics.
async fn sessions_and_tokens(app: &TestApp) {
    let start = app.taka.now();
    let t = app.taka_at(start);
    let (a, _) = t
        .sign_in("sniedzejs", DEMO_PASSWORD, &client("198.51.100.1"))
        .await
        .expect("a");
    let (b, _) = t
        .sign_in("sniedzejs", DEMO_PASSWORD, &client("198.51.100.2"))
        .await
        .expect("b");
    let lv = app::domain::Lang::Lv;
    // Used after 20 minutes, a session lives on at 45; one unused since sign-in is over.
    t.clock().set(start + 20 * 60);
    let ctx_a = t.staff_for_session(&a, lv).await.expect("a").expect("live");
    t.clock().set(start + 45 * 60);
    assert!(
        t.staff_for_session(&b, lv).await.expect("b").is_none(),
        "idle"
    );
    let ctx_a2 = t
        .staff_for_session(&a, lv)
        .await
        .expect("a")
        .expect("a was used at 20 min");
    assert_eq!(ctx_a.session_id, ctx_a2.session_id);
    t.clock().set(start + 12 * 3600 + 1);
    assert!(
        t.staff_for_session(&a, lv).await.expect("a").is_none(),
        "absolute end"
    );

    // The list, and ending one.
    let t = app.taka.clone();
    let (c, _) = t
        .sign_in("sniedzejs", DEMO_PASSWORD, &client("198.51.100.3"))
        .await
        .expect("c");
    let (d, _) = t
        .sign_in("sniedzejs", DEMO_PASSWORD, &client("198.51.100.4"))
        .await
        .expect("d");
    let ctx_c = t.staff_for_session(&c, lv).await.expect("c").expect("live");
    let list = t.list_sessions(&ctx_c).await.expect("list");
    assert!(list.len() >= 2);
    assert_eq!(list.iter().filter(|s| s.current).count(), 1);
    assert!(list.iter().any(|s| s.address == "198.51.100.4"));
    let ctx_d = t.staff_for_session(&d, lv).await.expect("d").expect("live");
    let other = app.staff("saimnieks").await;
    let d_id = ctx_d.session_id.expect("id");
    assert_eq!(
        common::app_err(t.end_session(&other, d_id).await),
        AppError::NotFound,
        "not theirs"
    );
    t.end_session(&ctx_c, d_id).await.expect("end d");
    assert!(t.staff_for_session(&d, lv).await.expect("d").is_none());

    // Password change: the current password must be right, the new one good; others end.
    let (e, _) = t
        .sign_in("sniedzejs", DEMO_PASSWORD, &client("198.51.100.5"))
        .await
        .expect("e");
    let refused = common::app_err(
        t.change_password(&ctx_c, "wrong", "a-much-better-passphrase")
            .await,
    );
    assert!(matches!(refused, AppError::Invalid(f) if f.contains_key("current")));
    for weak in ["short", "password1234", "aaaaaaaaaaaaaaaa"] {
        let r = common::app_err(t.change_password(&ctx_c, DEMO_PASSWORD, weak).await);
        assert!(
            matches!(r, AppError::Invalid(f) if f.contains_key("new")),
            "{weak}"
        );
    }
    t.change_password(&ctx_c, DEMO_PASSWORD, "a-much-better-passphrase")
        .await
        .expect("changed");
    assert!(
        t.staff_for_session(&e, lv).await.expect("e").is_none(),
        "others end"
    );
    assert!(
        t.staff_for_session(&c, lv).await.expect("c").is_some(),
        "this one stays"
    );

    // Tokens: expiry, analytics-only scope, and deactivation.
    let uid = ctx_c.user.id;
    let full = t
        .create_token_for(uid, "full", 30, TokenScope::Full)
        .await
        .expect("full");
    let reader = t
        .create_token_for(other.user.id, "reader", 1, TokenScope::Analytics)
        .await
        .expect("reader");
    assert!(matches!(
        common::app_err(t.create_token_for(uid, "x", 0, TokenScope::Full).await),
        AppError::Invalid(f) if f.contains_key("days")
    ));
    let get = |path: &str, token: &str| {
        app.http
            .get(app.url(path))
            .header("authorization", format!("Bearer {token}"))
            .send()
    };
    assert_eq!(
        get("/api/v1/analytics/summary", &reader)
            .await
            .expect("get")
            .status(),
        200
    );
    assert_eq!(
        get("/api/v1/tokens", &reader).await.expect("get").status(),
        403
    );
    assert_eq!(
        get("/api/v1/tokens", &full).await.expect("get").status(),
        200
    );
    let tomorrow = app.taka_at(t.now() + 86_400 + 1);
    assert!(
        tomorrow
            .staff_for_token(&reader, lv)
            .await
            .expect("lookup")
            .is_none(),
        "expired"
    );
    let listed = tomorrow.list_tokens(&other).await.expect("list");
    assert!(
        listed
            .iter()
            .any(|k| k.name == "reader" && k.expired && k.analytics_only)
    );

    t.deactivate_user(uid).await.expect("deactivate");
    assert!(t.staff_for_session(&c, lv).await.expect("c").is_none());
    assert_eq!(
        get("/api/v1/tokens", &full).await.expect("get").status(),
        401
    );
    assert_eq!(
        common::app_err(
            t.sign_in(
                "sniedzejs",
                "a-much-better-passphrase",
                &client("198.51.100.6")
            )
            .await
        ),
        AppError::BadCredentials
    );
}

/// The first `name=value` of a `Set-Cookie` for `name` in `resp`.
fn set_cookie_of(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
}

/// The profile's plain form posts (no JavaScript) answer with a redirect and leave a
/// sealed one-time notice: the new token is on the next page load only, in no address;
/// a reload shows nothing; someone else's or a forged notice shows nothing; a refused
/// password change is reported on the page and changes nothing.
async fn profile_forms_show_once(app: &TestApp) {
    let session = |user: &'static str| async move {
        let (token, _) = app
            .taka
            .sign_in(user, DEMO_PASSWORD, &client("198.51.100.20"))
            .await
            .expect("sign in");
        format!("{}={token}", app::server::SESSION_COOKIE)
    };
    let me = session("sniedzejs").await;
    let post = |path: &'static str, cookie: String, form: Vec<(&'static str, &'static str)>| {
        app.http
            .post(app.url(path))
            .header("cookie", cookie)
            .header("sec-fetch-site", "same-origin")
            .form(&form)
            .send()
    };
    let page = |cookie: String| async move {
        let resp = app
            .http
            .get(app.url("/staff/profile"))
            .header("cookie", cookie)
            .send()
            .await
            .expect("profile");
        assert_eq!(resp.status(), 200);
        let cleared = set_cookie_of(&resp, app::server::NOTICE_COOKIE);
        (resp.text().await.expect("text"), cleared)
    };
    let token_in = |html: &str| {
        html.split("class=\"token\">")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .map(str::to_string)
    };

    let resp = post(
        "/staff/profile/tokens",
        me.clone(),
        vec![("name", "Atskaites"), ("days", "30"), ("scope", "full")],
    )
    .await
    .expect("post");
    assert_eq!(resp.status(), 303);
    let location = resp.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(location.starts_with("/staff/profile"), "{location}");
    let notice = set_cookie_of(&resp, app::server::NOTICE_COOKIE).expect("notice cookie");
    let sealed = notice
        .split_once('=')
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    assert!(
        sealed.starts_with("sealed1:"),
        "the token is not in the cookie in the clear"
    );
    assert!(!location.contains("taka_"));

    // Someone else signed in on the same browser does not see it; a forged one is nothing.
    let other = session("saimnieks").await;
    let (html, _) = page(format!("{other}; {notice}")).await;
    assert_eq!(token_in(&html), None);
    let forged = format!("{}=sealed1:{}", app::server::NOTICE_COOKIE, "ab".repeat(60));
    let (html, _) = page(format!("{me}; {forged}")).await;
    assert_eq!(token_in(&html), None);

    let (html, cleared) = page(format!("{me}; {notice}")).await;
    let token = token_in(&html).expect("the new token is shown");
    assert!(
        token.starts_with(app::server::service::TOKEN_PREFIX),
        "{token}"
    );
    assert_eq!(
        cleared.as_deref(),
        Some(format!("{}=", app::server::NOTICE_COOKIE).as_str()),
        "the notice is cleared as it is shown"
    );
    let api = app
        .http
        .get(app.url("/api/v1/tokens"))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("api");
    assert_eq!(api.status(), 200, "the shown token works");
    let (html, _) = page(me.clone()).await;
    assert_eq!(token_in(&html), None, "a reload shows no token");

    // A refused token (no name) and a refused password change are reported, nothing changes.
    let resp = post("/staff/profile/tokens", me.clone(), vec![("name", " ")])
        .await
        .expect("post");
    let notice = set_cookie_of(&resp, app::server::NOTICE_COOKIE).expect("notice");
    let (html, _) = page(format!("{me}; {notice}")).await;
    assert!(html.contains("role=\"alert\""), "refusal shown");
    assert_eq!(token_in(&html), None);

    let resp = post(
        "/staff/profile/password",
        me.clone(),
        vec![
            ("current", "not-my-password"),
            ("new", "a-much-better-passphrase"),
        ],
    )
    .await
    .expect("post");
    assert_eq!(resp.status(), 303);
    let notice = set_cookie_of(&resp, app::server::NOTICE_COOKIE).expect("notice");
    let (html, _) = page(format!("{me}; {notice}")).await;
    assert!(
        html.contains("aria-invalid=\"true\""),
        "the field is marked"
    );
    app.taka
        .sign_in("sniedzejs", DEMO_PASSWORD, &client("198.51.100.21"))
        .await
        .expect("the password is unchanged");

    let resp = post(
        "/staff/profile/password",
        me.clone(),
        vec![
            ("current", DEMO_PASSWORD),
            ("new", "a-much-better-passphrase"),
        ],
    )
    .await
    .expect("post");
    let notice = set_cookie_of(&resp, app::server::NOTICE_COOKIE).expect("notice");
    let (html, _) = page(format!("{me}; {notice}")).await;
    assert!(html.contains("Parole nomainīta."), "change confirmed");
    assert!(!html.contains("aria-invalid=\"true\""));
    app.taka
        .sign_in(
            "sniedzejs",
            "a-much-better-passphrase",
            &client("198.51.100.22"),
        )
        .await
        .expect("the new password works");
}

both_backends!(
    profile_forms_show_once,
    sign_in_throttling,
    cross_site_posts_refused,
    abuse_limits,
    tracking_codes_at_rest_and_in_transit,
    idempotency_and_outbox_keep_no_codes,
    sessions_and_tokens,
);
