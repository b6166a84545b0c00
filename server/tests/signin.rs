//! Citizen sign-in through OpenID Connect (issue 12), against a real provider: npm
//! `oidc-provider` (end2end/oidc, installed by scripts/setup.sh), started here for each
//! scenario. Over HTTP as a browser goes: the portal's start, the provider's login page,
//! the callback. Then "My requests", claiming, code-free tracking and acting, what changed
//! since the last visit; and every refusal: a wrong state, an answer for another browser,
//! a replayed code, an expired token, a wrong issuer, a cancelled sign-in.

mod common;

use common::{Backend, TestApp, parking_request};
use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};

const CLIENT_ID: &str = "taka";
const CLIENT_SECRET: &str = "taka-test-secret";

/// A running provider, stopped when dropped.
struct Provider {
    child: Child,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Start the provider on `port`, sending people back to `app`'s callback.
async fn provider(port: u16, app: &TestApp, env: &[(&str, String)]) -> Provider {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../end2end/oidc");
    let mut cmd = Command::new("node");
    cmd.arg("provider.mjs")
        .current_dir(dir)
        .env("OIDC_PORT", port.to_string())
        .env("OIDC_CLIENT_ID", CLIENT_ID)
        .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
        .env("OIDC_REDIRECT_URIS", app.url("/signin/callback"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd
        .spawn()
        .expect("node end2end/oidc/provider.mjs (scripts/setup.sh installs it)");
    let provider = Provider { child };
    let discovery = format!("http://127.0.0.1:{port}/.well-known/openid-configuration");
    for _ in 0..200 {
        if reqwest::get(&discovery)
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return provider;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the OpenID provider did not start on port {port}");
}

/// A portal whose requesters sign in with the provider at `port`.
async fn portal(backend: Backend, port: u16) -> TestApp {
    TestApp::spawn_with(backend, |taka, addr| {
        let oidc = app::server::oidc::Oidc::new(app::server::oidc::OidcConfig {
            issuer: format!("http://127.0.0.1:{port}"),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uri: format!("{addr}/signin/callback"),
            scopes: "openid profile email".into(),
            person_claim: "personal_code".into(),
            display_name: "Test ID".into(),
        })
        .expect("config");
        taka.with_oidc(oidc)
    })
    .await
}

/// A browser: its own cookies per host and port (the portal's are `Secure`, which a
/// cookie store would keep from plain HTTP), redirects followed by hand.
struct Browser {
    http: reqwest::Client,
    jar: BTreeMap<String, BTreeMap<String, String>>,
}

fn origin(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.split('/').next().unwrap_or_default().to_string()
}

impl Browser {
    fn new() -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .expect("client"),
            jar: BTreeMap::new(),
        }
    }

    fn cookie_header(&self, url: &str) -> String {
        self.jar
            .get(&origin(url))
            .map(|c| {
                c.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default()
    }

    fn cookie(&self, url: &str, name: &str) -> Option<String> {
        self.jar
            .get(&origin(url))
            .and_then(|c| c.get(name).cloned())
    }

    fn keep(&mut self, url: &str, resp: &reqwest::Response) {
        let jar = self.jar.entry(origin(url)).or_default();
        for v in resp.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap_or_default();
            let Some((name, rest)) = v.split(';').next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let gone = rest.is_empty()
                || v.to_ascii_lowercase().contains("max-age=0")
                || v.contains("1970");
            if gone {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_string(), rest.to_string());
            }
        }
    }

    async fn get(&mut self, url: &str) -> reqwest::Response {
        let resp = self
            .http
            .get(url)
            .header("cookie", self.cookie_header(url))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        self.keep(url, &resp);
        resp
    }

    async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let resp = self
            .http
            .post(url)
            .header("cookie", self.cookie_header(url))
            .header("accept", "text/html")
            .header("referer", url)
            .form(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        self.keep(url, &resp);
        resp
    }

    async fn text(&mut self, url: &str) -> String {
        let resp = self.get(url).await;
        assert_eq!(resp.status(), 200, "GET {url}");
        resp.text().await.expect("body")
    }

    /// Begin at the portal, sign in at the provider as `user`, and return the address the
    /// provider sends the browser back to (the portal's callback, not yet opened).
    async fn through_provider(&mut self, app: &TestApp, user: &str) -> String {
        let resp = self.get(&app.url("/signin/start?back=/my")).await;
        assert_eq!(resp.status(), 303, "start");
        let mut url = location(&resp, &app.addr);
        // To the provider's login page (or straight back, when already signed in there).
        let page = loop {
            if url.starts_with(&app.addr) {
                return url;
            }
            let resp = self.get(&url).await;
            if resp.status().is_redirection() {
                url = absolute(&url, &location(&resp, ""));
                continue;
            }
            assert_eq!(resp.status(), 200, "provider page {url}");
            break resp.text().await.expect("login page");
        };
        let action = page
            .split("action=\"")
            .nth(1)
            .and_then(|a| a.split('"').next())
            .expect("the login form")
            .to_string();
        let resp = self
            .post(&absolute(&url, &action), &[("username", user)])
            .await;
        assert!(resp.status().is_redirection(), "login: {}", resp.status());
        let mut url = absolute(&url, &location(&resp, ""));
        while !url.starts_with(&app.addr) {
            let resp = self.get(&url).await;
            assert!(resp.status().is_redirection(), "{url}: {}", resp.status());
            url = absolute(&url, &location(&resp, ""));
        }
        url
    }

    /// Sign in as `user` and land on "My requests".
    async fn sign_in(&mut self, app: &TestApp, user: &str) {
        let callback = self.through_provider(app, user).await;
        let resp = self.get(&callback).await;
        assert_eq!(resp.status(), 303);
        assert_eq!(location(&resp, ""), "/my", "signed in, back to My requests");
        let set = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(app::server::REQUESTER_COOKIE))
            .expect("a session cookie")
            .to_string();
        assert!(
            set.contains("HttpOnly") && set.contains("Secure") && set.contains("SameSite=Lax"),
            "{set}"
        );
    }
}

fn location(resp: &reqwest::Response, base: &str) -> String {
    let l = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no Location ({})", resp.status()))
        .to_string();
    if l.starts_with('/') && !base.is_empty() {
        format!("{base}{l}")
    } else {
        l
    }
}

fn absolute(from: &str, to: &str) -> String {
    if to.starts_with("http") {
        return to.to_string();
    }
    let (scheme, rest) = from.split_once("://").expect("absolute url");
    let host = rest.split('/').next().unwrap_or_default();
    format!("{scheme}://{host}{to}")
}

/// The refusal a finished sign-in was sent back with (`/my?refused=REASON`).
fn refusal(resp: &reqwest::Response) -> String {
    assert_eq!(resp.status(), 303);
    let l = location(resp, "");
    l.strip_prefix("/my?refused=")
        .unwrap_or_else(|| panic!("not a refusal: {l}"))
        .to_string()
}

/// The web form of the parking permit, as a browser posts it.
async fn submit_form(b: &mut Browser, app: &TestApp, plate: &str) -> String {
    let form = [
        ("service_code", "VNP-STAVATLAUJA"),
        ("values[plate]", plate),
        ("values[address]", "Rīgas iela 2, Valmiera"),
        ("values[zone]", "a"),
        ("contact_name", "Anna Bērziņa"),
        ("contact_email", "anna@example.lv"),
        ("contact_phone", ""),
    ];
    let resp = b.post(&app.url("/fn/submit"), &form).await;
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let l = location(&resp, "");
    let reference = l
        .strip_prefix("/receipt?ref=")
        .unwrap_or_else(|| panic!("{l}"))
        .to_string();
    // The receipt is where the browser goes next.
    b.text(&app.url(&l)).await;
    reference
}

async fn my_requests_claims_and_code_free_tracking(backend: Backend) {
    let port = free_port();
    let app = portal(backend, port).await;
    let _provider = provider(port, &app, &[]).await;
    // Made anonymously before signing in, to be claimed later.
    let anonymous = app
        .taka
        .submit(parking_request("anna@example.lv"), None)
        .await
        .expect("anonymous request");
    let others = app
        .taka
        .submit(parking_request("someone@example.lv"), None)
        .await
        .expect("another's request");

    // Not signed in: the page offers the provider, and lists nothing.
    let mut anna = Browser::new();
    let offer = anna.text(&app.url("/my")).await;
    assert!(offer.contains("/signin/start?back=/my") && offer.contains("Test ID"));

    anna.sign_in(&app, "anna").await;
    let my = anna.text(&app.url("/my")).await;
    assert!(my.contains("Anna Bērziņa"), "signed in by name");
    assert!(!my.contains(&anonymous.reference), "not claimed yet");

    // The form starts with what the provider said (editable fields, not fixed text).
    let form = anna
        .text(&app.url("/services/VNP-STAVATLAUJA/request"))
        .await;
    assert!(
        form.contains("value=\"anna@example.lv\""),
        "e-mail prefilled"
    );
    assert!(form.contains("value=\"Anna Bērziņa\""), "name prefilled");
    assert!(form.contains("data-testid=\"prefilled\""));

    // Two requests made while signed in are hers.
    let first = submit_form(&mut anna, &app, "AB-1001").await;
    let second = submit_form(&mut anna, &app, "AB-1002").await;
    let my = anna.text(&app.url("/my")).await;
    assert!(my.contains(&first) && my.contains(&second), "both listed");
    assert!(!my.contains(&anonymous.reference) && !my.contains(&others.reference));

    // Claiming: a wrong code is refused and changes nothing; the right one adds it.
    let wrong = anna
        .post(
            &app.url("/fn/claim_request"),
            &[("reference", &anonymous.reference), ("code", "AAAAA-AAAAA")],
        )
        .await;
    assert!(
        location(&wrong, "").contains("__err="),
        "refused in words on the page"
    );
    let ok = anna
        .post(
            &app.url("/fn/claim_request"),
            &[
                ("reference", &anonymous.reference),
                ("code", &anonymous.tracking_code),
            ],
        )
        .await;
    assert_eq!(
        location(&ok, ""),
        format!("/my?claimed={}", anonymous.reference)
    );
    let my = anna.text(&app.url("/my")).await;
    for r in [&first, &second, &anonymous.reference] {
        assert!(my.contains(r.as_str()), "{r} listed");
    }

    // Tracking and acting without a code: the page, the data export, a withdrawal.
    let track = anna
        .text(&app.url(&format!("/track?ref={}", anonymous.reference)))
        .await;
    assert!(track.contains("name=\"action\""), "the requester's forms");
    assert!(
        !track.contains(&anonymous.tracking_code),
        "no code needed or shown"
    );
    let export = anna
        .get(&app.url(&format!("/track/data.json?ref={}", anonymous.reference)))
        .await;
    assert_eq!(export.status(), 200);
    let withdraw = anna
        .post(
            &app.url("/fn/requester_action"),
            &[
                ("reference", anonymous.reference.as_str()),
                ("action", "withdraw"),
                ("text", "Vairs nevajag"),
            ],
        )
        .await;
    assert!(withdraw.status().is_redirection(), "{}", withdraw.status());
    assert!(!location(&withdraw, "").contains("__err="));
    let (status,): (String,) = sqlx::query_as("SELECT status FROM requests WHERE reference = $1")
        .bind(&anonymous.reference)
        .fetch_one(&app.taka.db.read)
        .await
        .expect("status");
    assert_eq!(status, "withdrawn");

    // What changed since the last visit: staff act on her first request.
    anna.text(&app.url(&format!("/track?ref={first}"))).await;
    let owner = app.staff("saimnieks").await;
    let view = app
        .taka
        .staff_request(&owner, &first, app::domain::Lang::Lv)
        .await
        .expect("staff view");
    let action = if view.status == app::domain::Status::Submitted {
        app::domain::Action::Register { note: None }
    } else {
        app::domain::Action::StartAssessment
    };
    app.taka
        .staff_act(&owner, &first, view.version, action, None)
        .await
        .expect("staff act");
    let my = anna.text(&app.url("/my")).await;
    assert_eq!(
        my.matches("data-testid=\"new-updates\"").count(),
        1,
        "one request changed"
    );
    let track = anna.text(&app.url(&format!("/track?ref={first}"))).await;
    assert!(
        track.contains("data-testid=\"news\""),
        "the change is shown as new"
    );
    let again = anna.text(&app.url(&format!("/track?ref={first}"))).await;
    assert!(!again.contains("data-testid=\"news\""), "and only once");
    let my = anna.text(&app.url("/my")).await;
    assert!(!my.contains("data-testid=\"new-updates\""));

    // Another person sees none of hers, and cannot take one over even with its code.
    let mut janis = Browser::new();
    janis.sign_in(&app, "janis").await;
    let his = janis.text(&app.url("/my")).await;
    assert!(his.contains("Jānis Kalniņš"));
    for r in [&first, &second, &anonymous.reference] {
        assert!(!his.contains(r.as_str()), "{r} is not his");
    }
    let theirs = janis.text(&app.url(&format!("/track?ref={first}"))).await;
    assert!(!theirs.contains("name=\"action\""), "not his to follow");
    let taken = janis
        .post(
            &app.url("/fn/claim_request"),
            &[
                ("reference", &anonymous.reference),
                ("code", &anonymous.tracking_code),
            ],
        )
        .await;
    assert!(location(&taken, "").contains("__err="), "already someone's");

    // Only keyed hashes of who they are: no subject, no personal code in the database.
    let rows: Vec<(String, Option<String>, String)> =
        sqlx::query_as("SELECT subject_hash, person_hash, name FROM requesters ORDER BY id")
            .fetch_all(&app.taka.db.read)
            .await
            .expect("requesters");
    assert_eq!(rows.len(), 2);
    for (subject, person, _) in &rows {
        for secret in ["anna-sub", "janis-sub", "010190-12345", "020285-54321"] {
            assert!(
                !subject.contains(secret) && !person.clone().unwrap_or_default().contains(secret)
            );
        }
        assert_eq!(subject.len(), 64, "an HMAC-SHA-256 in hex");
        assert!(person.is_some(), "the personal code's hash, for matching");
    }

    // Signing out ends the session on the server, not only in this browser.
    let token = anna
        .cookie(&app.addr, app::server::REQUESTER_COOKIE)
        .expect("session");
    let out = anna.post(&app.url("/signout"), &[]).await;
    assert_eq!(location(&out, ""), "/");
    assert!(
        anna.cookie(&app.addr, app::server::REQUESTER_COOKIE)
            .is_none()
    );
    let replayed = Browser::new()
        .http
        .get(app.url("/my"))
        .header(
            "cookie",
            format!("{}={token}", app::server::REQUESTER_COOKIE),
        )
        .send()
        .await
        .expect("my");
    let text = replayed.text().await.expect("body");
    assert!(text.contains("/signin/start") && !text.contains(&first));

    // The same person again is the same requester, with the same list.
    anna.sign_in(&app, "anna").await;
    let my = anna.text(&app.url("/my")).await;
    assert!(my.contains(&first) && my.contains(&second));
    assert_eq!(app.count("requesters").await, 2);
    app.cleanup().await;
}

async fn refusals(backend: Backend) {
    let port = free_port();
    let app = portal(backend, port).await;
    let _provider = provider(port, &app, &[]).await;

    // A wrong state: refused, and the real one still works afterwards only once.
    let mut b = Browser::new();
    let callback = b.through_provider(&app, "anna").await;
    let forged = callback.replace("state=", "state=x");
    assert_eq!(refusal(&b.get(&forged).await), "state");
    // The answer opened in another browser (a forged link sent to a victim): refused.
    let mut other = Browser::new();
    assert_eq!(refusal(&other.get(&callback).await), "state");
    // The refused attempts cleared this browser's state cookie: sign in afresh.
    let mut b = Browser::new();
    let callback = b.through_provider(&app, "anna").await;
    let state_cookie = b
        .cookie(&app.addr, app::server::SIGNIN_COOKIE)
        .expect("state cookie");
    let resp = b.get(&callback).await;
    assert_eq!(location(&resp, ""), "/my");
    // Replayed: the same answer again (with the state cookie put back) is refused ...
    b.jar
        .entry(origin(&app.addr))
        .or_default()
        .insert(app::server::SIGNIN_COOKIE.into(), state_cookie);
    assert_eq!(refusal(&b.get(&callback).await), "state");
    // ... and its code in a new sign-in of this browser is refused by the provider.
    let code = callback
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("code="))
        .expect("code")
        .to_string();
    let fresh = b.through_provider(&app, "anna").await;
    let state = fresh
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("state="))
        .expect("state")
        .to_string();
    let replay = app.url(&format!("/signin/callback?code={code}&state={state}"));
    assert_eq!(refusal(&b.get(&replay).await), "code");

    // Cancelled at the provider.
    let mut c = Browser::new();
    let start = c.get(&app.url("/signin/start")).await;
    let auth = location(&start, "");
    let state = auth
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("state="))
        .expect("state")
        .to_string();
    let denied = c
        .get(&app.url(&format!(
            "/signin/callback?error=access_denied&state={state}"
        )))
        .await;
    assert_eq!(refusal(&denied), "denied");

    // The refusal page says why, in the person's language, with 400.
    let page = c
        .http
        .get(app.url("/my?refused=code"))
        .header("accept-language", "en")
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 400);
    assert!(
        page.text()
            .await
            .expect("body")
            .contains("did not accept this sign-in")
    );
    assert_eq!(
        app.count("requester_sessions").await,
        1,
        "only the one good sign-in"
    );
    app.cleanup().await;

    // An expired token: a provider whose clock is five minutes behind issues ID tokens
    // that expired four minutes ago.
    let port = free_port();
    let app = portal(backend, port).await;
    let _late = provider(port, &app, &[("OIDC_CLOCK_SKEW", "-300".into())]).await;
    let mut b = Browser::new();
    let callback = b.through_provider(&app, "anna").await;
    assert_eq!(refusal(&b.get(&callback).await), "expired");
    assert_eq!(app.count("requester_sessions").await, 0);
    app.cleanup().await;

    // A wrong issuer: the provider names itself differently from the portal's setting.
    let port = free_port();
    let app = portal(backend, port).await;
    let _other = provider(
        port,
        &app,
        &[("OIDC_ISSUER", format!("http://localhost:{port}"))],
    )
    .await;
    let mut b = Browser::new();
    let start = b.get(&app.url("/signin/start")).await;
    assert_eq!(refusal(&start), "issuer");
    assert_eq!(app.count("requester_sessions").await, 0);
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_my_requests_claims_and_code_free_tracking() {
    my_requests_claims_and_code_free_tracking(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_my_requests_claims_and_code_free_tracking() {
    my_requests_claims_and_code_free_tracking(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_refusals() {
    refusals(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_refusals() {
    refusals(Backend::Postgres).await;
}
