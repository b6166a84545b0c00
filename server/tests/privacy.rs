//! GDPR duties over the service layer and HTTP, on SQLite and PostgreSQL: retention that
//! keeps statistics and the shape of the history, erasure and legal holds, the history's
//! append-only guard, the requester's export, the record of staff views, and the privacy
//! and accessibility pages in both languages.

mod common;

use app::domain::privacy::ErasureBlock;
use app::domain::{Action, Lang};
use app::error::AppError;
use common::TestApp;

async fn one(app: &TestApp, sql: &str, reference: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .bind(reference)
        .fetch_one(&app.taka.db.read)
        .await
        .expect(sql);
    n
}

/// Retention anonymises a request that ended long enough ago: contact details, answers and
/// comments go; statuses, times, the number of history entries and the figures stay. A
/// legal hold keeps one; an open one is not touched.
async fn retention_keeps_figures_not_people(app: &TestApp) {
    let t = &app.taka;
    sqlx::query("UPDATE services SET retention_days = 10 WHERE code = 'VNP-STAVATLAUJA'")
        .execute(&t.db.write)
        .await
        .expect("retention");
    let gone = t
        .submit(common::parking_request("anna@example.lv"), None)
        .await
        .expect("submit");
    let held = t
        .submit(common::parking_request("anna@example.lv"), None)
        .await
        .expect("submit");
    let open = t
        .submit(common::parking_request("anna@example.lv"), None)
        .await
        .expect("submit");
    for r in [&gone, &held] {
        t.requester_act(
            &r.reference,
            &r.tracking_code,
            Action::Withdraw {
                reason: Some("Pārdomāju, Anna".into()),
            },
            Lang::Lv,
        )
        .await
        .expect("withdraw");
    }
    let owner = app.staff("saimnieks").await;
    t.set_legal_hold(&owner, &held.reference, Some("Tiesvedība Nr. 7"))
        .await
        .expect("hold");
    let events_before = one(
        app,
        "SELECT COUNT(*) FROM request_events e JOIN requests r ON r.id = e.request_id WHERE r.reference = $1",
        &gone.reference,
    )
    .await;
    let (received, withdrawn): (i64, i64) = sqlx::query_as(
        "SELECT CAST(SUM(received) AS BIGINT), CAST(SUM(withdrawn) AS BIGINT) FROM stats_day",
    )
    .fetch_one(&t.db.read)
    .await
    .expect("stats");

    // Nine days on nothing goes; eleven days on the ended request without a hold goes.
    assert_eq!(
        app.taka_at(t.now() + 9 * 86_400)
            .apply_retention()
            .await
            .expect("run"),
        0
    );
    let later = app.taka_at(t.now() + 11 * 86_400);
    assert_eq!(later.apply_retention().await.expect("run"), 1);
    assert_eq!(later.apply_retention().await.expect("again"), 0, "once");

    let (name, email, phone, values, status): (String, Option<String>, Option<String>, String, String) =
        sqlx::query_as(
            "SELECT contact_name, contact_email, contact_phone, values_json, status FROM requests WHERE reference = $1",
        )
        .bind(&gone.reference)
        .fetch_one(&t.db.read)
        .await
        .expect("row");
    assert_eq!(
        (name.as_str(), email, phone, values.as_str()),
        ("", None, None, "{}")
    );
    assert_eq!(status, "withdrawn", "the status stays");
    let events_after = one(
        app,
        "SELECT COUNT(*) FROM request_events e JOIN requests r ON r.id = e.request_id WHERE r.reference = $1",
        &gone.reference,
    )
    .await;
    assert_eq!(
        events_before, events_after,
        "the shape of the history stays"
    );
    let comments = one(
        app,
        "SELECT COUNT(*) FROM request_events e JOIN requests r ON r.id = e.request_id WHERE r.reference = $1 AND e.comment IS NOT NULL",
        &gone.reference,
    )
    .await;
    assert_eq!(comments, 0, "comments go");
    let (outbox_text,): (String,) = sqlx::query_as(
        "SELECT o.body_text || o.recipient FROM outbox o JOIN requests r ON r.id = o.request_id WHERE r.reference = $1",
    )
    .bind(&gone.reference)
    .fetch_one(&t.db.read)
    .await
    .expect("outbox");
    assert_eq!(outbox_text, "", "the receipt's text and address go");
    let (received2, withdrawn2): (i64, i64) = sqlx::query_as(
        "SELECT CAST(SUM(received) AS BIGINT), CAST(SUM(withdrawn) AS BIGINT) FROM stats_day",
    )
    .fetch_one(&t.db.read)
    .await
    .expect("stats");
    assert_eq!(
        (received, withdrawn),
        (received2, withdrawn2),
        "figures stay"
    );
    let logged = one(
        app,
        "SELECT COUNT(*) FROM privacy_log p JOIN requests r ON r.id = p.request_id WHERE r.reference = $1 AND p.kind = 'anonymised'",
        &gone.reference,
    )
    .await;
    assert_eq!(logged, 1);
    // The held and the open request keep their data.
    for r in [&held, &open] {
        let kept = one(
            app,
            "SELECT COUNT(*) FROM requests WHERE reference = $1 AND contact_name = 'Anna Bērziņa'",
            &r.reference,
        )
        .await;
        assert_eq!(kept, 1, "{}", r.reference);
    }
    // The requester still sees the status, nothing personal.
    let view = t
        .track(&gone.reference, &gone.tracking_code, Lang::Lv)
        .await
        .expect("track");
    assert!(view.timeline.iter().all(|e| e.comment.is_none()));
}

/// The history can only lose comments: every other change, and deletion, is refused by
/// the database itself.
async fn history_stays_append_only(app: &TestApp) {
    let t = &app.taka;
    t.submit(common::parking_request("anna@example.lv"), None)
        .await
        .expect("submit");
    for sql in [
        "UPDATE request_events SET comment = 'changed'",
        "UPDATE request_events SET to_status = 'closed'",
        "UPDATE request_events SET at = at + 1, comment = NULL",
        "DELETE FROM request_events",
    ] {
        assert!(
            sqlx::query(sql).execute(&t.db.write).await.is_err(),
            "{sql}"
        );
    }
    sqlx::query("UPDATE request_events SET comment = NULL")
        .execute(&t.db.write)
        .await
        .expect("forgetting a comment is allowed");
}

/// Erasure on a data subject's request: by those answerable for the service, with a
/// reason, never while a hold keeps the data or the request is open.
async fn erasure_and_holds(app: &TestApp) {
    let t = &app.taka;
    let r = t
        .submit(common::parking_request("anna@example.lv"), None)
        .await
        .expect("submit");
    let provider = app.staff("sniedzejs").await;
    let owner = app.staff("saimnieks").await;
    let head = app.staff("vaditajs").await;
    let admin = app.staff("admins").await;
    let stranger = app.staff("pmlp.saimnieks").await;
    let reason = "Datu subjekta pieprasījums, 2026-11-27";
    for who in [&provider, &admin, &stranger] {
        assert_eq!(
            common::app_err(t.erase_personal_data(who, &r.reference, reason).await),
            AppError::Forbidden,
            "{}",
            who.user.username
        );
        assert_eq!(
            common::app_err(t.set_legal_hold(who, &r.reference, Some("x")).await),
            AppError::Forbidden
        );
    }
    assert_eq!(
        common::app_err(t.erase_personal_data(&owner, &r.reference, reason).await),
        AppError::ErasureRefused(ErasureBlock::StillOpen)
    );
    t.requester_act(
        &r.reference,
        &r.tracking_code,
        Action::Withdraw { reason: None },
        Lang::Lv,
    )
    .await
    .expect("withdraw");
    assert!(matches!(
        common::app_err(t.erase_personal_data(&owner, &r.reference, "  ").await),
        AppError::Invalid(f) if f.contains_key("reason")
    ));
    t.set_legal_hold(&head, &r.reference, Some("Audits"))
        .await
        .expect("hold");
    assert_eq!(
        common::app_err(t.erase_personal_data(&owner, &r.reference, reason).await),
        AppError::ErasureRefused(ErasureBlock::LegalHold)
    );
    t.set_legal_hold(&head, &r.reference, None)
        .await
        .expect("lift");
    t.erase_personal_data(&owner, &r.reference, reason)
        .await
        .expect("erase");
    assert_eq!(
        common::app_err(t.erase_personal_data(&owner, &r.reference, reason).await),
        AppError::ErasureRefused(ErasureBlock::AlreadyGone)
    );
    let kinds: Vec<(String,)> = sqlx::query_as(
        "SELECT p.kind FROM privacy_log p JOIN requests r ON r.id = p.request_id WHERE r.reference = $1 ORDER BY p.id",
    )
    .bind(&r.reference)
    .fetch_all(&t.db.read)
    .await
    .expect("log");
    let kinds: Vec<&str> = kinds.iter().map(|(k,)| k.as_str()).collect();
    assert_eq!(kinds, ["hold", "released", "erased"]);
    let erased_reason = one(
        app,
        "SELECT COUNT(*) FROM privacy_log p JOIN requests r ON r.id = p.request_id WHERE r.reference = $1 AND p.kind = 'erased' AND p.reason = 'Datu subjekta pieprasījums, 2026-11-27'",
        &r.reference,
    )
    .await;
    assert_eq!(erased_reason, 1, "the reason is recorded");
    let view = t
        .staff_request(&owner, &r.reference, Lang::Lv)
        .await
        .expect("view");
    assert!(view.anonymised && view.contact_name.is_empty() && view.values.is_empty());
}

/// The requester sees and downloads everything held (with the code in their cookie only);
/// each staff view of personal data is recorded and shown to the institution's head.
async fn export_and_view_log(app: &TestApp) {
    let t = &app.taka;
    let r = t
        .submit(common::parking_request("anna@example.lv"), None)
        .await
        .expect("submit");
    let cookie = common::tracking_cookie(&r.reference, &r.tracking_code);
    let resp = app
        .http
        .get(app.url(&format!("/track/data.json?ref={}", r.reference)))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .expect("cd")
            .starts_with("attachment")
    );
    let data: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(data["contact_name"], "Anna Bērziņa");
    assert_eq!(data["contact_phone"], "+37120000000");
    assert!(data["answers"].to_string().contains("KL-1234"));
    assert!(data["timeline"].as_array().is_some_and(|a| !a.is_empty()));
    assert_eq!(data["messages"][0]["kind"], "receipt");
    let page = app
        .http
        .get(app.url(&format!("/track/data?ref={}", r.reference)))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("page");
    assert!(page.contains("Anna Bērziņa") && page.contains("KL-1234"));
    // Without the code: nothing.
    let bare = app
        .http
        .get(app.url(&format!("/track/data.json?ref={}", r.reference)))
        .send()
        .await
        .expect("get");
    assert_eq!(bare.status(), 404);
    let wrong = common::tracking_cookie(&r.reference, "AAAAA-AAAAA");
    let resp = app
        .http
        .get(app.url(&format!("/track/data?ref={}", r.reference)))
        .header("cookie", wrong)
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("page");
    assert!(!resp.contains("Anna Bērziņa"));

    // Staff views are recorded; the head sees them, a provider may not, another
    // institution's head sees none of them.
    let provider = app.staff("sniedzejs").await;
    t.staff_request(&provider, &r.reference, Lang::Lv)
        .await
        .expect("view");
    t.staff_request(&provider, &r.reference, Lang::Lv)
        .await
        .expect("view");
    let head = app.staff("vaditajs").await;
    let log = t
        .personal_data_views(&head, Some(&r.reference))
        .await
        .expect("log");
    assert_eq!(log.len(), 2);
    assert!(log[0].staff.contains("sniedzejs"));
    assert_eq!(
        common::app_err(t.personal_data_views(&provider, None).await),
        AppError::Forbidden
    );
    let other = app.staff("pmlp.vaditajs").await;
    assert!(
        t.personal_data_views(&other, None)
            .await
            .expect("log")
            .is_empty()
    );
}

async fn privacy_and_accessibility_pages(app: &TestApp) {
    for (path, lang, heading) in [
        ("/privacy", "lv", "Privātuma paziņojums"),
        ("/privacy", "en", "Privacy notice"),
        ("/accessibility", "lv", "Paziņojums par piekļūstamību"),
        ("/accessibility", "en", "Accessibility statement"),
    ] {
        let resp = app
            .http
            .get(app.url(path))
            .header("cookie", format!("i18n_pref_locale={lang}"))
            .send()
            .await
            .expect("get");
        assert_eq!(resp.status(), 200, "{path} {lang}");
        let body = resp.text().await.expect("body");
        let h1 = body.split("<h1").nth(1).unwrap_or_default();
        assert!(
            h1.contains(heading),
            "{path} {lang}: {}",
            &h1[..h1.len().min(200)]
        );
        assert!(
            body.contains("href=\"/privacy\"") && body.contains("href=\"/accessibility\""),
            "footer links"
        );
    }
    let service = app
        .http
        .get(app.url("/services/VNP-STAVATLAUJA"))
        .header("cookie", "i18n_pref_locale=en")
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("page");
    assert!(
        service.contains("5 years after the request ends"),
        "retention on the service page: {}",
        service
            .split("Personal data kept")
            .nth(1)
            .unwrap_or("(no heading)")
            .chars()
            .take(300)
            .collect::<String>()
    );
}

both_backends!(
    retention_keeps_figures_not_people,
    history_stays_append_only,
    erasure_and_holds,
    export_and_view_log,
    privacy_and_accessibility_pages,
);
