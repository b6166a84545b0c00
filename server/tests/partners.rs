//! Partner systems on a real database (SQLite and PostgreSQL): keys managed by portfolio
//! owners, webhooks registered through the API and delivered through the outbox to a real
//! HTTP server started by the test (down for a while, then up: each event arrives exactly
//! once, with the same id on every attempt), the dead-letter list, and Open311's answers
//! (JSON and XML, a wrong key refused, no personal data in public requests, the place on
//! the staff page).

mod common;

use app::domain::{Action, Lang, Status};
use app::server::demo::DEMO_PARTNER_KEY;
use app::server::webhook;
use common::{TestApp, app_err, parking_request};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// What the receiver saw: headers that matter and the body.
#[derive(Clone, Debug)]
struct Seen {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

/// A webhook receiver on `port`: records every call; answers 500 to the first `fail_first`
/// calls, then 200.
async fn receiver(
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    fail_first: usize,
) -> tokio::task::JoinHandle<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind receiver");
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let seen = seen.clone();
            async move {
                let h = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string()
                };
                let mut list = seen.lock().expect("lock");
                list.push(Seen {
                    id: h("webhook-id"),
                    timestamp: h("webhook-timestamp"),
                    signature: h("webhook-signature"),
                    body,
                });
                if list.len() <= fail_first {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::OK
                }
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    })
}

/// A port nothing listens on (yet).
async fn free_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    l.local_addr().expect("addr").port()
}

async fn register(app: &TestApp, key: &str, body: &Value) -> (u16, Value) {
    let resp = app
        .http
        .post(app.url("/api/v1/webhooks"))
        .header("x-api-key", key)
        .header("accept-language", "en")
        .json(body)
        .send()
        .await
        .expect("register");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn outbox_rows(app: &TestApp) -> Vec<(String, i64, String)> {
    sqlx::query_as(
        "SELECT status, attempts, event_id FROM outbox WHERE channel = 'webhook' ORDER BY id",
    )
    .fetch_all(&app.taka.db.read)
    .await
    .expect("outbox")
}

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn webhooks_arrive_once_after_the_receiver_was_down(app: &TestApp) {
    let boss = app.staff("vaditajs").await;
    let key = app
        .taka
        .create_partner(&boss, "Parking app", &["VNP-STAVATLAUJA".to_string()])
        .await
        .expect("partner");
    assert!(key.starts_with("tkp_"));
    let port = free_port().await;
    let url = format!("http://127.0.0.1:{port}/hook");

    // Refusals first: no key, a wrong key, a bad address, a service not the partner's.
    let body = json!({"url": url, "secret": SECRET,
        "events": ["request.created", "request.status_changed"], "services": ["VNP-STAVATLAUJA"]});
    assert_eq!(register(app, "tkp_wrong", &body).await.0, 401);
    assert_eq!(register(app, "", &body).await.0, 401);
    let (status, err) = register(
        app,
        &key,
        &json!({"url": "ftp://x.lv/h", "secret": "short", "events": ["nope"], "services": ["PMLP-PASE"]}),
    )
    .await;
    assert_eq!(status, 422, "{err}");
    for field in ["url", "secret", "events", "services"] {
        assert!(err["error"]["fields"][field].is_string(), "{field}: {err}");
    }
    let (status, created) = register(app, &key, &body).await;
    assert_eq!(status, 201, "{created}");
    let hook_id = created["id"].as_str().expect("id").to_string();
    let listed: Value = app
        .http
        .get(app.url("/api/v1/webhooks"))
        .header("x-api-key", &key)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(listed["webhooks"][0]["id"], hook_id.as_str());
    assert!(
        listed.to_string().find("whsec").is_none(),
        "the secret is never shown"
    );

    // The receiver is down: the request goes in and changes all the same.
    let t0 = 1_800_000_000;
    let taka = app.taka_at(t0);
    let receipt = taka
        .submit(parking_request("anna@example.lv"), None)
        .await
        .expect("submit");
    let provider = app.staff("sniedzejs").await;
    let v = taka
        .staff_request(&provider, &receipt.reference, Lang::Lv)
        .await
        .expect("view")
        .version;
    taka.staff_act(
        &provider,
        &receipt.reference,
        v,
        Action::StartAssessment,
        None,
    )
    .await
    .expect("assess");
    let client = webhook::client(true);
    assert_eq!(taka.drain_webhooks(&client).await.expect("round"), 2);
    let rows = outbox_rows(app).await;
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter().all(|(s, a, _)| s == "pending" && *a == 1),
        "{rows:?}"
    );

    // Up again, but the retry is not due yet.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = receiver(port, seen.clone(), 0).await;
    assert_eq!(taka.drain_webhooks(&client).await.expect("round"), 0);
    assert!(seen.lock().expect("lock").is_empty());
    // After the back-off: each event once.
    taka.clock().set(t0 + 31);
    assert_eq!(taka.drain_webhooks(&client).await.expect("round"), 2);
    taka.clock().set(t0 + 7200);
    assert_eq!(taka.drain_webhooks(&client).await.expect("round"), 0);
    let got = seen.lock().expect("lock").clone();
    assert_eq!(got.len(), 2, "{got:?}");
    let first: Value = serde_json::from_str(&got[0].body).expect("json");
    assert_eq!(first["type"], "request.created");
    assert_eq!(first["data"]["reference"], receipt.reference.as_str());
    assert_eq!(got[0].id, first["id"].as_str().expect("id"));
    let second: Value = serde_json::from_str(&got[1].body).expect("json");
    assert_eq!(second["type"], "request.status_changed");
    assert_eq!(second["data"]["status"], "under_assessment");
    assert_eq!(second["data"]["previous_status"], "registered");
    // No personal data goes to partners.
    for g in &got {
        assert!(
            !g.body.contains("anna") && !g.body.contains("KL-1234"),
            "{}",
            g.body
        );
        let ts: i64 = g.timestamp.parse().expect("timestamp");
        assert_eq!(g.signature, webhook::signature(SECRET, &g.id, ts, &g.body));
    }
    let rows = outbox_rows(app).await;
    assert!(rows.iter().all(|(s, _, _)| s == "sent"), "{rows:?}");
    server.abort();

    // A receiver that fails once: the retry carries the same id, and it arrives once.
    let port2 = free_port().await;
    let seen2 = Arc::new(Mutex::new(Vec::new()));
    let server2 = receiver(port2, seen2.clone(), 1).await;
    let (status, _) = register(
        app,
        &key,
        &json!({"url": format!("http://127.0.0.1:{port2}/hook"), "secret": "a-plain-secret-of-thirty-characters",
            "events": ["request.status_changed"], "services": ["VNP-STAVATLAUJA"]}),
    )
    .await;
    assert_eq!(status, 201);
    let v = taka
        .staff_request(&provider, &receipt.reference, Lang::Lv)
        .await
        .expect("view")
        .version;
    taka.staff_act(
        &provider,
        &receipt.reference,
        v,
        Action::Approve { note: None },
        None,
    )
    .await
    .expect("approve");
    taka.clock().set(t0 + 7300);
    taka.drain_webhooks(&client).await.expect("round");
    taka.clock().set(t0 + 7400);
    taka.drain_webhooks(&client).await.expect("round");
    taka.clock().set(t0 + 20_000);
    taka.drain_webhooks(&client).await.expect("round");
    let got2 = seen2.lock().expect("lock").clone();
    assert_eq!(got2.len(), 2, "one failure, one success: {got2:?}");
    assert_eq!(got2[0].id, got2[1].id, "the same event id on every attempt");
    assert_eq!(got2[0].body, got2[1].body);
    server2.abort();

    // Deleting a webhook stops it.
    let resp = app
        .http
        .delete(app.url(&format!("/api/v1/webhooks/{hook_id}")))
        .header("x-api-key", &key)
        .send()
        .await
        .expect("delete");
    assert_eq!(resp.status().as_u16(), 204);
    let listed = app.taka.partner_webhooks(1, Lang::En).await.expect("list");
    assert!(listed.iter().all(|w| w.id != hook_id));
}

async fn dead_letters_wait_for_staff(app: &TestApp) {
    let boss = app.staff("vaditajs").await;
    let key = app
        .taka
        .create_partner(&boss, "Unreachable", &["VNP-STAVATLAUJA".to_string()])
        .await
        .expect("partner");
    let port = free_port().await;
    let (status, _) = register(
        app,
        &key,
        &json!({"url": format!("http://127.0.0.1:{port}/hook"), "secret": SECRET,
            "events": ["request.created"], "services": ["VNP-STAVATLAUJA"]}),
    )
    .await;
    assert_eq!(status, 201);
    let t0 = 1_800_000_000;
    let taka = app.taka_at(t0);
    taka.submit(parking_request(""), None)
        .await
        .expect("submit");
    let client = webhook::client(true);
    let mut at = t0;
    for _ in 0..webhook::MAX_ATTEMPTS {
        taka.drain_webhooks(&client).await.expect("round");
        at += 3601;
        taka.clock().set(at);
    }
    let rows = outbox_rows(app).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "failed", "{rows:?}");
    let page = app.taka.partners_page(&boss).await.expect("page");
    assert_eq!(page.dead_letters.len(), 1);
    let dead = &page.dead_letters[0];
    assert_eq!(dead.event, "request.created");
    assert!(dead.last_error.is_some());
    // Another institution's portfolio owner neither sees nor retries it; a provider may not
    // open the page at all.
    let other = app.staff("pmlp.vaditajs").await;
    assert!(
        app.taka
            .partners_page(&other)
            .await
            .expect("page")
            .dead_letters
            .is_empty()
    );
    assert_eq!(
        app_err(app.taka.retry_delivery(&other, dead.id).await),
        app::error::AppError::NotFound
    );
    let provider = app.staff("sniedzejs").await;
    assert_eq!(
        app_err(app.taka.partners_page(&provider).await),
        app::error::AppError::Forbidden
    );
    assert_eq!(
        app_err(
            app.taka
                .create_partner(&provider, "X", &["VNP-STAVATLAUJA".into()])
                .await
        ),
        app::error::AppError::Forbidden
    );
    // Sent again: it arrives with the event id it always had.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = receiver(port, seen.clone(), 0).await;
    taka.retry_delivery(&boss, dead.id).await.expect("retry");
    taka.drain_webhooks(&client).await.expect("round");
    let got = seen.lock().expect("lock").clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].id, dead.event_id);
    assert_eq!(outbox_rows(app).await[0].0, "sent");
    server.abort();
    // A revoked partner's key is refused and its webhooks end.
    let partner = page
        .partners
        .iter()
        .find(|p| p.name == "Unreachable")
        .expect("listed");
    app.taka
        .revoke_partner(&boss, partner.id)
        .await
        .expect("revoke");
    let (status, _) = register(
        app,
        &key,
        &json!({"url": "https://x.lv/h", "secret": SECRET, "events": ["request.created"], "services": ["VNP-STAVATLAUJA"]}),
    )
    .await;
    assert_eq!(status, 401);
}

async fn get(app: &TestApp, path: &str) -> (u16, String, String) {
    let resp = app
        .http
        .get(app.url(path))
        .header("accept-language", "en")
        .send()
        .await
        .expect("get");
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ct, resp.text().await.expect("text"))
}

async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let resp = app
        .http
        .post(app.url(path))
        .header("accept-language", "en")
        .form(form)
        .send()
        .await
        .expect("post");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("text"))
}

async fn open311_speaks_json_and_xml(app: &TestApp) {
    let (status, ct, body) = get(app, "/open311/v2/discovery.xml").await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/xml"), "{ct}");
    assert!(body.contains("<specification>http://wiki.open311.org/GeoReport_v2</specification>"));
    let (_, ct, body) = get(app, "/open311/v2/services.json").await;
    assert!(ct.starts_with("application/json"));
    let services: Value = serde_json::from_str(&body).expect("json");
    let problem = services
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["service_code"] == "VNP-PROBLEMA")
        .expect("the problem report service");
    assert_eq!(problem["metadata"], true);
    let (_, _, xml) = get(app, "/open311/v2/services/VNP-PROBLEMA.xml").await;
    assert!(xml.starts_with("<?xml"));
    assert!(xml.contains("<service_definition><service_code>VNP-PROBLEMA</service_code>"));
    assert!(xml.contains("<code>problem</code><datatype>singlevaluelist</datatype>"));
    assert!(
        !xml.contains("<code>photos</code>"),
        "files are not Open311 attributes"
    );
    let (status, _, _) = get(app, "/open311/v2/services/NOPE.json").await;
    assert_eq!(status, 404);

    // A wrong key: 403 in the format asked for.
    let (status, body) = post_form(
        app,
        "/open311/v2/requests.xml",
        &[("api_key", "tkp_wrong"), ("service_code", "VNP-PROBLEMA")],
    )
    .await;
    assert_eq!(status, 403);
    assert!(body.contains("<errors><error><code>403</code>"), "{body}");
    // A service the partner was not given: refused.
    let (status, _) = post_form(
        app,
        "/open311/v2/requests.json",
        &[
            ("api_key", DEMO_PARTNER_KEY),
            ("service_code", "VNP-STAVATLAUJA"),
            ("address_string", "x"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    // Missing place and bad coordinates are named.
    let (status, body) = post_form(
        app,
        "/open311/v2/requests.json",
        &[
            ("api_key", DEMO_PARTNER_KEY),
            ("service_code", "VNP-PROBLEMA"),
            ("lat", "95"),
            ("long", "24"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("lat: "), "{body}");
    let (status, body) = post_form(
        app,
        "/open311/v2/requests.json",
        &[
            ("api_key", DEMO_PARTNER_KEY),
            ("service_code", "VNP-PROBLEMA"),
            ("lat", "57.538"),
            ("long", "25.4263"),
            ("address_string", "Rīgas iela 10, Valmiera"),
            ("attribute[problem]", "light"),
            ("description", "The street light at the bus stop is out."),
            ("email", "janis@example.lv"),
            ("first_name", "Jānis"),
            ("last_name", "Kalniņš"),
        ],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let created: Value = serde_json::from_str(&body).expect("json");
    let id = created[0]["service_request_id"]
        .as_str()
        .expect("id")
        .to_string();
    let token = created[0]["token"].as_str().expect("token").to_string();
    let (_, _, body) = get(app, &format!("/open311/v2/tokens/{token}.json")).await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json")[0]["service_request_id"],
        id.as_str()
    );
    // The public view: where and how far, never who.
    let (_, _, body) = get(app, &format!("/open311/v2/requests/{id}.json")).await;
    let one: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(one[0]["status"], "open");
    assert_eq!(one[0]["lat"], 57.538);
    assert_eq!(one[0]["address"], "Rīgas iela 10, Valmiera");
    for secret in ["janis", "Jānis", "Kalniņš", "bus stop"] {
        assert!(!body.contains(secret), "{secret} in {body}");
    }
    let (_, _, xml) = get(
        app,
        "/open311/v2/requests.xml?service_code=VNP-PROBLEMA&status=open",
    )
    .await;
    assert!(
        xml.contains(&format!("<service_request_id>{id}</service_request_id>")),
        "{xml}"
    );
    assert!(!xml.contains("Kalniņš"));
    let (_, _, closed) = get(
        app,
        "/open311/v2/requests.json?status=closed&service_code=VNP-PROBLEMA",
    )
    .await;
    assert!(!closed.contains(&id));
    let (status, _, _) = get(app, "/open311/v2/requests.json?start_date=yesterday").await;
    assert_eq!(status, 400);
    // Requests of services that do not ask for a place are not public at all.
    let receipt = app
        .taka
        .submit(parking_request("anna@example.lv"), None)
        .await
        .expect("submit");
    let (status, _, _) = get(
        app,
        &format!("/open311/v2/requests/{}.json", receipt.reference),
    )
    .await;
    assert_eq!(status, 404);

    // Staff see the place: coordinates with a map link, the address as text.
    let provider = app.staff("sniedzejs").await;
    let view = app
        .taka
        .staff_request(&provider, &id, Lang::En)
        .await
        .expect("staff view");
    assert_eq!(
        view.status,
        Status::Registered,
        "the service registers on its own"
    );
    let place = view.location.expect("location");
    assert_eq!(
        place.coordinates_text().as_deref(),
        Some("57.538000, 25.426300")
    );
    assert!(
        place
            .map_link()
            .is_some_and(|u| u.starts_with("https://www.openstreetmap.org/"))
    );
    assert_eq!(view.contact_name, "Jānis Kalniņš");
    let page = app
        .http
        .get(app.url(&format!("/staff/requests/{id}")))
        .header("cookie", app.session_cookie("sniedzejs").await)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("57.538000, 25.426300"),
        "coordinates on the staff page"
    );
    assert!(page.contains("https://www.openstreetmap.org/?mlat=57.538000&amp;mlon=25.426300"));
}

both_backends!(
    webhooks_arrive_once_after_the_receiver_was_down,
    dead_letters_wait_for_staff,
    open311_speaks_json_and_xml,
);
