//! The JSON API and the plain-HTML form posts over real HTTP, on SQLite and PostgreSQL.

mod common;

use common::TestApp;
use serde_json::{Value, json};

fn body() -> Value {
    json!({
        "service_code": "VNP-STAVATLAUJA",
        "values": {"plate": "KL-1234", "address": "Rīgas iela 1", "zone": "b"},
        "contact": {"name": "Jānis Kalniņš", "email": "janis@example.lv"},
        "language": "en"
    })
}

async fn catalogue_in_two_languages(app: &TestApp) {
    let lv: Value = app
        .http
        .get(app.url("/api/v1/services"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let list = lv.as_array().expect("array");
    assert_eq!(list.len(), 11);
    let parking = list
        .iter()
        .find(|s| s["code"] == "VNP-STAVATLAUJA")
        .expect("parking");
    assert_eq!(parking["name"], "Iedzīvotāja transportlīdzekļa stāvatļauja");
    assert_eq!(parking["institution"]["code"], "VNP");

    let en: Value = app
        .http
        .get(app.url("/api/v1/services/VNP-STAVATLAUJA"))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(en["name"], "Resident parking permit");
    let fields = en["fields"].as_array().expect("fields");
    let zone = fields.iter().find(|f| f["name"] == "zone").expect("zone");
    assert_eq!(zone["type"], "choice");
    assert_eq!(zone["required"], true);
    assert_eq!(zone["label"], "Zone");
    assert_eq!(zone["options"][0]["value"], "a");
    assert_eq!(zone["options"][0]["label"], "Zone A (centre)");
    // Service-level targets (the demo's parking permit: 5 days split 3 + 2, 90 %).
    assert_eq!(en["sla"]["register_working_hours"], 8);
    assert_eq!(en["sla"]["decide_working_days"], 3);
    assert_eq!(en["sla"]["fulfil_working_days"], 2);
    assert_eq!(en["sla"]["target_share"], 0.9);

    let missing = app
        .http
        .get(app.url("/api/v1/services/NOPE"))
        .send()
        .await
        .expect("get");
    assert_eq!(missing.status(), 404);
    let err: Value = missing.json().await.expect("json");
    assert_eq!(err["error"]["code"], "not_found");
    assert_eq!(err["error"]["message"], "Nav atrasts.");
}

async fn submit_and_track(app: &TestApp) {
    let resp = app
        .http
        .post(app.url("/api/v1/requests"))
        .json(&body())
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.expect("json");
    let reference = created["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let code = created["tracking_code"].as_str().expect("code").to_string();
    assert_eq!(created["status"], "registered");
    // The expected date (RFC 3339) is a working day on Latvia's calendar, after today.
    let due = chrono::DateTime::parse_from_rfc3339(created["expected_by"].as_str().expect("date"))
        .expect("RFC 3339")
        .with_timezone(&chrono_tz_riga())
        .date_naive();
    assert!(
        app::server::service::calendar().is_working_day(due),
        "{due}"
    );
    assert!(due > chrono::Utc::now().date_naive());

    let resp = app
        .http
        .get(app.url(&format!("/api/v1/requests/{reference}")))
        .header("x-tracking-code", &code)
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 200);
    let tracked: Value = resp.json().await.expect("json");
    assert_eq!(tracked["reference"], reference.as_str());
    assert_eq!(tracked["service_code"], "VNP-STAVATLAUJA");
    assert_eq!(tracked["stage"], "processing");
    assert_eq!(tracked["expected_by"], created["expected_by"]);
    assert!(
        ["on_time", "at_risk", "breached"].contains(&tracked["sla_state"].as_str().expect("state")),
        "{}",
        tracked["sla_state"]
    );
    assert!(
        tracked["submitted_at"]
            .as_str()
            .expect("time")
            .contains('T')
    );
    let history = tracked["history"].as_array().expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["status"], "submitted");
    assert_eq!(history[1]["status"], "registered");

    // Wrong code and unknown reference: the same 404.
    let wrong = app
        .http
        .get(app.url(&format!("/api/v1/requests/{reference}")))
        .header("x-tracking-code", "AAAAA-AAAAA")
        .send()
        .await
        .expect("get");
    let unknown = app
        .http
        .get(app.url("/api/v1/requests/PP-2099-999999"))
        .header("x-tracking-code", &code)
        .send()
        .await
        .expect("get");
    assert_eq!(wrong.status(), 404);
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        wrong.text().await.expect("body"),
        unknown.text().await.expect("body")
    );

    // The channel is recorded as API.
    let (channel,): (String,) = sqlx::query_as("SELECT channel FROM requests WHERE reference = $1")
        .bind(&reference)
        .fetch_one(&app.taka.db.read)
        .await
        .expect("row");
    assert_eq!(channel, "api");
}

async fn idempotency_keys(app: &TestApp) {
    let send = |key: &'static str, b: Value| {
        app.http
            .post(app.url("/api/v1/requests"))
            .header("idempotency-key", key)
            .json(&b)
            .send()
    };
    let first = send("key-1", body()).await.expect("post");
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    let again = send("key-1", body()).await.expect("post");
    assert_eq!(again.status(), 201);
    let again: Value = again.json().await.expect("json");
    assert_eq!(first["reference"], again["reference"]);
    assert_eq!(first["tracking_code"], again["tracking_code"]);
    assert_eq!(app.count("requests").await, 1);

    let mut other = body();
    other["values"]["zone"] = json!("a");
    let conflict = send("key-1", other).await.expect("post");
    assert_eq!(conflict.status(), 409);
    let err: Value = conflict.json().await.expect("json");
    assert_eq!(err["error"]["code"], "idempotency_key_reused");
    assert_eq!(app.count("requests").await, 1);

    // Concurrent retries with one key still make one request.
    let (a, b, c) = tokio::join!(
        send("key-2", body()),
        send("key-2", body()),
        send("key-2", body())
    );
    let mut refs = std::collections::BTreeSet::new();
    for r in [a, b, c] {
        let r = r.expect("post");
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.expect("json");
        refs.insert(v["reference"].as_str().expect("ref").to_string());
    }
    assert_eq!(refs.len(), 1);
    assert_eq!(app.count("requests").await, 2);
}

async fn bad_input_is_refused_clearly(app: &TestApp) {
    let post = |b: reqwest::RequestBuilder| b.send();
    let url = app.url("/api/v1/requests");

    let malformed = post(
        app.http
            .post(&url)
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await
    .expect("post");
    assert_eq!(malformed.status(), 400);
    let err: Value = malformed.json().await.expect("json");
    assert_eq!(err["error"]["code"], "malformed_json");

    let wrong_shape = post(app.http.post(&url).json(&json!({"service_code": 5})))
        .await
        .expect("post");
    assert_eq!(wrong_shape.status(), 400);

    let mut unknown = body();
    unknown["service_code"] = json!("NOPE");
    let r = post(app.http.post(&url).json(&unknown))
        .await
        .expect("post");
    assert_eq!(r.status(), 404);

    let mut invalid = body();
    invalid["values"] = json!({"plate": "", "zone": "z", "address": ["x"]});
    invalid["contact"]["email"] = json!("nope");
    let r = post(
        app.http
            .post(&url)
            .header("accept-language", "en")
            .json(&invalid),
    )
    .await
    .expect("post");
    assert_eq!(r.status(), 422);
    let err: Value = r.json().await.expect("json");
    assert_eq!(err["error"]["code"], "invalid_fields");
    assert_eq!(
        err["error"]["fields"]["address"],
        "Choose one of the options."
    );
    let mut invalid2 = body();
    invalid2["values"] = json!({"plate": "", "zone": "z"});
    invalid2["contact"]["email"] = json!("nope");
    let r = post(app.http.post(&url).json(&invalid2))
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    let err: Value = r.json().await.expect("json");
    let fields = err["error"]["fields"].as_object().expect("fields");
    assert_eq!(
        fields["plate"], "This field is required.",
        "the body's language decides"
    );
    assert!(fields.contains_key("zone"));
    assert!(fields.contains_key("address"));
    assert!(fields.contains_key("contact_email"));

    let huge = json!({"service_code": "VNP-STAVATLAUJA", "values": {"plate": "x".repeat(100_000)}, "contact": {"name": "A"}});
    let r = post(app.http.post(&url).json(&huge)).await.expect("post");
    assert_eq!(r.status(), 413);
    let err: Value = r.json().await.expect("json");
    assert_eq!(err["error"]["code"], "too_large");

    assert_eq!(app.count("requests").await, 0, "nothing was written");
}

/// Without JavaScript a form posts to the server function and is redirected: to the receipt
/// on success, back to the form with the error encoded on failure.
async fn plain_form_posts(app: &TestApp) {
    let form = [
        ("service_code", "VNP-STAVATLAUJA"),
        ("values[plate]", "KL-1"),
        ("values[address]", "Rīgas iela 2"),
        ("values[zone]", "a"),
        ("contact_name", "Līga Ozola"),
        ("contact_email", ""),
        ("contact_phone", ""),
    ];
    let referer = app.url("/services/VNP-STAVATLAUJA/request");
    let ok = app
        .http
        .post(app.url("/fn/submit"))
        .header("accept", "text/html")
        .header("referer", &referer)
        .form(&form)
        .send()
        .await
        .expect("post");
    assert!(ok.status().is_redirection(), "{}", ok.status());
    let location = ok.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(location.starts_with("/receipt?ref=PP-"), "{location}");
    assert_eq!(app.count("requests").await, 1);

    let bad = app
        .http
        .post(app.url("/fn/submit"))
        .header("accept", "text/html")
        .header("referer", &referer)
        .form(&[("service_code", "VNP-STAVATLAUJA"), ("contact_name", "")])
        .send()
        .await
        .expect("post");
    assert!(bad.status().is_redirection());
    let location = bad.headers()["location"].to_str().expect("location");
    assert!(
        location.starts_with(&referer) && location.contains("__err="),
        "{location}"
    );
    assert_eq!(app.count("requests").await, 1);

    // Staff sign-in sets an HttpOnly, SameSite session cookie.
    let signed = app
        .http
        .post(app.url("/fn/sign_in"))
        .header("accept", "text/html")
        .header("referer", app.url("/staff"))
        .form(&[
            ("username", "sniedzejs"),
            ("password", common::DEMO_PASSWORD),
        ])
        .send()
        .await
        .expect("post");
    let cookie = signed.headers()["set-cookie"].to_str().expect("cookie");
    assert!(
        cookie.starts_with("__Host-taka_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    // Server functions check the session: without one the queue is refused.
    let queue = app
        .http
        .post(app.url("/fn/queue"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("filter[all]=true")
        .send()
        .await
        .expect("post");
    assert!(queue.status().is_client_error() || queue.status().is_server_error());
    let text = queue.text().await.expect("body");
    assert!(text.contains("Unauthorized"), "{text}");
}

/// The OpenAPI document names every route of `/api/v1`, and every route it names answers:
/// each documented operation, called with made-up parameters and no credentials, reaches
/// its handler (not the "no such route" fallback, not 405); a path or method it does not
/// name does not. The `/developers` page shows each operation. (Schemathesis checks the
/// answers against the document in `make test`'s browser step.)
async fn openapi_matches_the_routes(app: &TestApp) {
    let resp = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let doc: Value = resp.json().await.expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    let mut operations = vec![];
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            operations.push((method.to_uppercase(), path.clone()));
        }
    }
    assert_eq!(operations.len(), 12, "{operations:?}");
    let page = app
        .http
        .get(app.url("/developers"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("html");
    for (method, path) in &operations {
        // Path parameters filled with a value no record has.
        let concrete: String = path
            .split('/')
            .map(|part| {
                if part.starts_with('{') {
                    "nothing-here"
                } else {
                    part
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let resp = app
            .http
            .request(m, app.url(&format!("/api/v1{concrete}")))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .expect("call");
        let status = resp.status().as_u16();
        assert_ne!(status, 405, "{method} {path}");
        let body = resp.text().await.expect("body");
        assert!(!body.contains("no_such_route"), "{method} {path}: {body}");
        assert!(
            page.contains(&format!("{method} {path}")),
            "/developers lacks {method} {path}"
        );
    }
    // What the document does not name is not there.
    let missing = app
        .http
        .get(app.url("/api/v1/requests"))
        .send()
        .await
        .expect("get");
    assert_eq!(missing.status(), 405);
    let nowhere = app
        .http
        .get(app.url("/api/v1/no/such/route"))
        .send()
        .await
        .expect("get");
    assert_eq!(nowhere.status(), 404);
    let body: Value = nowhere.json().await.expect("json");
    assert_eq!(body["error"]["code"], "no_such_route");
}

both_backends!(
    catalogue_in_two_languages,
    submit_and_track,
    idempotency_keys,
    bad_input_is_refused_clearly,
    plain_form_posts,
    openapi_matches_the_routes
);

/// Riga's offset for a date near now (the test needs only the calendar day).
fn chrono_tz_riga() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(2 * 3600).expect("offset")
}
