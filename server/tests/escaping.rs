//! Markup in data stays data: a service name, a staff member's name, a token name and a
//! requester's text carrying `<script>`, `"` and `'` are shown escaped on every page that
//! shows them (citizen and staff), and CSV downloads carry them as quoted cells of a
//! `text/csv` attachment.

mod common;

use app::domain::Action;
use common::{DEMO_PASSWORD, TestApp};

const PAYLOAD: &str = r#"<script>alert("x'")</script></title><script>alert(1)</script>"#;
const SHOWN: &str = "&lt;script&gt;alert(";

/// The payload appears only escaped: never as a tag, and inside a tag's attribute never
/// with a bare `"` that would end the attribute.
fn assert_inert(page: &str, body: &str) {
    assert!(
        !body.contains("<script>alert") && !body.contains("</title><script>"),
        "{page}: the payload is live markup"
    );
    for (at, _) in body.match_indices(SHOWN) {
        let before = &body[..at];
        let in_tag = before.rfind('<') > before.rfind('>');
        // Up to the payload's closing tag a bare `"` would end the attribute.
        let rest = &body[at + SHOWN.len()..];
        let upto = rest.find("&lt;/script&gt;").unwrap_or(rest.len());
        if in_tag {
            assert!(
                !rest[..upto].contains('"'),
                "{page}: a quote in an attribute is not escaped: {}",
                &rest[..upto]
            );
        }
    }
}

async fn get_html(app: &TestApp, cookie: Option<&str>, path: &str) -> String {
    let mut req = app.http.get(app.url(path)).header("accept", "text/html");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let resp = req.send().await.expect("get");
    assert!(
        resp.status().is_success(),
        "{path}: {} (expected a page)",
        resp.status()
    );
    let body = resp.text().await.expect("body");
    assert_inert(path, &body);
    body
}

/// The session cookie (`name=value`) from the real sign-in form.
async fn sign_in(app: &TestApp, username: &str) -> String {
    let signed = app
        .http
        .post(app.url("/fn/sign_in"))
        .header("accept", "text/html")
        .header("referer", app.url("/staff"))
        .form(&[("username", username), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .expect("sign in");
    signed.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_string()
}

async fn escaped_everywhere(app: &TestApp) {
    // The service's name in both languages, and a staff member's name.
    sqlx::query(
        "UPDATE service_texts SET name = $1 WHERE service_id = \
         (SELECT id FROM services WHERE code = 'VNP-KOKU-CIRSANA')",
    )
    .bind(format!("Koki {PAYLOAD}"))
    .execute(&app.taka.db.write)
    .await
    .expect("service name");
    sqlx::query("UPDATE users SET display_name = $1 WHERE username = 'sniedzejs'")
        .bind(format!("Jana {PAYLOAD}"))
        .execute(&app.taka.db.write)
        .await
        .expect("staff name");
    app.taka
        .create_token(
            "sniedzejs",
            &format!("report {PAYLOAD}"),
            90,
            app::server::service::TokenScope::Full,
        )
        .await
        .expect("token");

    // A requester's name and answer.
    let (reference, code) = app
        .submit_api(&serde_json::json!({
            "service_code": "VNP-KOKU-CIRSANA",
            "values": {"cadastre": "96010010001", "tree_count": 2, "species": "Bērzs",
                       "reason": format!("Koks {PAYLOAD}")},
            "contact": {"name": format!("Anna {PAYLOAD}"), "email": "anna@example.lv"},
            "language": "lv"
        }))
        .await;

    // The provider takes it, so their name shows as its assignee.
    let staff = app.staff("sniedzejs").await;
    for action in [
        Action::Register { note: None },
        Action::StartAssessment,
        Action::Approve {
            note: Some(format!("OK {PAYLOAD}")),
        },
        Action::Assign { to_self: true },
    ] {
        let version = app
            .taka
            .staff_request(&staff, &reference, app::domain::Lang::Lv)
            .await
            .expect("view")
            .version;
        app.taka
            .staff_act(&staff, &reference, version, action, None)
            .await
            .expect("act");
    }

    // Citizen pages.
    let catalogue = get_html(app, None, "/services").await;
    assert!(catalogue.contains(SHOWN), "the catalogue shows the name");
    get_html(app, None, "/services?by=situation").await;
    let service = get_html(app, None, "/services/VNP-KOKU-CIRSANA").await;
    assert!(service.contains(SHOWN));
    // leptos_meta writes <title> unescaped; the page title is escaped by us.
    assert!(
        service.contains("<title>Koki &lt;script&gt;"),
        "the title is escaped"
    );
    get_html(app, None, "/services/VNP-KOKU-CIRSANA/request").await;
    let tracking = common::tracking_cookie(&reference, &code);
    let track = get_html(app, Some(&tracking), &format!("/track?ref={reference}")).await;
    assert!(track.contains(SHOWN), "the tracking page shows the service");
    get_html(app, Some(&tracking), &format!("/receipt?ref={reference}")).await;

    // Staff pages, signed in through the real sign-in form.
    let cookie = sign_in(app, "sniedzejs").await;
    let c = Some(cookie.as_str());
    let queue = get_html(app, c, "/staff?all=1").await;
    assert!(
        queue.contains(&format!("Anna {SHOWN}")),
        "queue shows the requester"
    );
    let page = get_html(app, c, &format!("/staff/requests/{reference}")).await;
    assert!(
        page.contains(&format!("Koks {SHOWN}")),
        "the answer is shown"
    );
    assert!(
        page.contains(&format!("Jana {SHOWN}")),
        "the assignee is shown"
    );
    get_html(app, c, "/staff/notifications").await;
    let profile = get_html(app, c, "/staff/profile").await;
    assert!(profile.contains(&format!("report {SHOWN}")), "token name");
    get_html(app, c, "/staff/new?service=VNP-KOKU-CIRSANA").await;

    // The service owner's analytics: the service's name in breakdowns and lists.
    let head = sign_in(app, "vaditajs").await;
    let h = Some(head.as_str());
    let dash = get_html(app, h, "/staff/analytics").await;
    assert!(dash.contains(SHOWN), "the breakdown names the service");
    let list = get_html(app, h, "/staff/analytics/requests?figure=received").await;
    assert!(list.contains(SHOWN), "the list names the service");
    get_html(app, h, &format!("/staff/requests/{reference}")).await;

    // CSV downloads: an attachment of type text/csv, the payload a quoted cell.
    for path in [
        "/staff/analytics.csv?table=parts",
        "/staff/analytics.csv?table=requests&figure=received",
    ] {
        let resp = app
            .http
            .get(app.url(path))
            .header("cookie", head.as_str())
            .send()
            .await
            .expect("csv");
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        let ctype = resp.headers()["content-type"].to_str().unwrap_or_default();
        assert!(ctype.starts_with("text/csv"), "{path}: {ctype}");
        let disposition = resp.headers()["content-disposition"]
            .to_str()
            .unwrap_or_default();
        assert!(
            disposition.starts_with("attachment"),
            "{path}: {disposition}"
        );
        let body = resp.text().await.expect("body");
        assert!(
            body.contains(
                r#""Koki <script>alert(""x'"")</script></title><script>alert(1)</script>""#
            ),
            "{path}: the name is one quoted cell: {body}"
        );
    }
}

both_backends!(escaped_everywhere);
