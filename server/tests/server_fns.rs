//! Server functions answer a refusal with the status it means (as the JSON API does), not
//! with 500: monitoring can tell a typo from an outage.

mod common;

use common::TestApp;

async fn post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let resp = app
        .http
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .form(form)
        .send()
        .await
        .expect("post");
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap_or_default())
}

async fn refusals_have_their_status(app: &TestApp) {
    // Invalid input: 422, with the field errors in the body.
    let (status, body) = post(
        app,
        "/fn/submit",
        &[("service_code", "VNP-STAVATLAUJA"), ("contact_name", "")],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("Invalid"), "{body}");
    // A wrong tracking code: 404, the same as an unknown reference.
    let (status, _) = post(
        app,
        "/fn/track",
        &[("reference", "PP-2026-000001"), ("code", "AAAAA-AAAAA")],
    )
    .await;
    assert_eq!(status, 404);
    // The refusal in words, in the request's language, for a form island to show.
    let resp = app
        .http
        .post(app.url("/fn/track"))
        .header("accept-language", "en")
        .header("content-type", "application/x-www-form-urlencoded")
        .form(&[("reference", "PP-2026-000001"), ("code", "AAAAA-AAAAA")])
        .send()
        .await
        .expect("post");
    let words = resp
        .headers()
        .get("taka-error")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            urlencoding::decode(v)
                .map(|t| t.into_owned())
                .unwrap_or_default()
        });
    assert_eq!(words.as_deref(), Some("Not found."));
    // Arguments that do not decode: 400.
    let (status, _) = post(app, "/fn/staff_action", &[("version", "not a number")]).await;
    assert_eq!(status, 400);
    // Signed out: 401.
    let (status, _) = post(app, "/fn/queue", &[]).await;
    assert!(status == 401 || status == 400, "{status}");
    // A bad password: 401; nothing here is a 5xx.
    let (status, _) = post(
        app,
        "/fn/sign_in",
        &[("username", "sniedzejs"), ("password", "wrong")],
    )
    .await;
    assert_eq!(status, 401);
}

both_backends!(refusals_have_their_status);
