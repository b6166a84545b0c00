//! The authorisation matrix (issues 11 and 9): every kind of caller × every server function,
//! page and API route that reads or changes a request, staff data, services or analytics, asserting
//! allow or refuse for each cell, over real HTTP on SQLite and PostgreSQL.
//!
//! "Allowed" means the server let the caller through to the use case: the answer is not
//! 401, 403 or 404 (a 409 or 422 after the check still counts as allowed — the caller was
//! authorised, the input was not acceptable). For pages, allowed means the page shows the
//! protected content (a marker), since a refused page still answers 200 with a sign-in form
//! or a notice.

mod common;

use app::server::service::TokenScope;
use common::TestApp;
use serde_json::json;

/// Callers, in the order of the columns below.
const CALLERS: [&str; 11] = [
    "anonymous",
    "requester, right code",
    "requester, wrong code",
    "provider",
    "service owner",
    "portfolio owner",
    "administrator",
    "staff of another institution",
    "deactivated staff",
    "token holder",
    "analytics-only token",
];

/// What a caller sends: a cookie header, a bearer token, a tracking code.
#[derive(Clone, Default)]
struct Caller {
    cookie: Option<String>,
    bearer: Option<String>,
    code: String,
}

enum Target {
    /// A server function (form post); `{code}` and `{ref}` in values are filled in.
    Fn(&'static str, Vec<(&'static str, &'static str)>),
    /// A page and the text that shows its protected content.
    Page(&'static str, &'static str),
    /// An API route: method, path.
    Api(&'static str, &'static str),
}

const Y: bool = true;
const N: bool = false;

async fn matrix(app: &TestApp) {
    let t = &app.taka;
    // The request everything is tried on: the demo's parking permit, Anna's, at VNP.
    let (reference, code) = app
        .submit_api(&json!({
            "service_code": "VNP-STAVATLAUJA",
            "values": {"plate": "KL-1234", "address": "Rīgas iela 1, Valmiera", "zone": "a"},
            "contact": {"name": "Anna Bērziņa", "email": "anna@example.lv"},
            "language": "lv"
        }))
        .await;

    // A result document and an internal file on it, attached by its provider.
    let provider = app.staff("sniedzejs").await;
    let mut files = Vec::new();
    for (visibility, text) in [
        (app::model::Visibility::Result, "matrix-result"),
        (app::model::Visibility::Internal, "matrix-internal"),
    ] {
        let body = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(
            format!("%PDF-1.4\n% {text}\n"),
        ))]);
        let stored = t
            .store_file(
                "files",
                "doc.pdf",
                body,
                &[app::domain::files::FileKind::Pdf],
                1 << 20,
                &t.uploader("192.0.2.1".parse().expect("ip")),
            )
            .await
            .expect("stored");
        let claimed = app::server::service::files::ClaimedFile::from_stored(&stored, "");
        t.staff_attach(&provider, &reference, &[claimed], visibility, None)
            .await
            .expect("attach");
    }
    let ids: Vec<(String,)> = sqlx::query_as("SELECT public_id FROM attachments ORDER BY id")
        .fetch_all(&t.db.read)
        .await
        .expect("ids");
    files.extend(ids.into_iter().map(|(id,)| id));
    let (result_id, internal_id) = (files[0].clone(), files[1].clone());

    let deactivated = app.session_cookie("sniedzejs2").await;
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE username = 'sniedzejs2'")
        .fetch_one(&t.db.read)
        .await
        .expect("id");
    // The session was live; deactivation ends it (the cookie stays in the browser).
    t.deactivate_user(id).await.expect("deactivate");
    let (provider_id,): (i64,) =
        sqlx::query_as("SELECT id FROM users WHERE username = 'sniedzejs'")
            .fetch_one(&t.db.read)
            .await
            .expect("provider");
    let (owner_id,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE username = 'vaditajs'")
        .fetch_one(&t.db.read)
        .await
        .expect("id");
    let full = t
        .create_token_for(owner_id, "matrix", 30, TokenScope::Full)
        .await
        .expect("token");
    let reader = t
        .create_token_for(owner_id, "matrix reader", 30, TokenScope::Analytics)
        .await
        .expect("token");
    let tracking = |c: &str| common::tracking_cookie(&reference, c);
    let callers = [
        Caller::default(),
        Caller {
            cookie: Some(tracking(&code)),
            code: code.clone(),
            ..Default::default()
        },
        Caller {
            cookie: Some(tracking("AAAAA-AAAAA")),
            code: "AAAAA-AAAAA".into(),
            ..Default::default()
        },
        Caller {
            cookie: Some(app.session_cookie("sniedzejs").await),
            ..Default::default()
        },
        Caller {
            cookie: Some(app.session_cookie("saimnieks").await),
            ..Default::default()
        },
        Caller {
            cookie: Some(app.session_cookie("vaditajs").await),
            ..Default::default()
        },
        Caller {
            cookie: Some(app.session_cookie("admins").await),
            ..Default::default()
        },
        Caller {
            cookie: Some(app.session_cookie("pmlp.vaditajs").await),
            ..Default::default()
        },
        Caller {
            cookie: Some(deactivated),
            ..Default::default()
        },
        Caller {
            bearer: Some(full),
            ..Default::default()
        },
        Caller {
            bearer: Some(reader),
            ..Default::default()
        },
    ];

    // Columns: anon, right, wrong, provider, owner, portfolio, admin, other inst,
    // deactivated, token, analytics token.
    let rows: Vec<(Target, [bool; 11])> = vec![
        // The requester's side: the code decides, nobody else gets in.
        (
            Target::Fn(
                "/fn/track",
                vec![("reference", "{ref}"), ("code", "{code}")],
            ),
            [N, Y, N, N, N, N, N, N, N, N, N],
        ),
        (
            Target::Fn(
                "/fn/requester_action",
                vec![
                    ("reference", "{ref}"),
                    ("code", "{code}"),
                    ("action", "rate"),
                    ("score", "5"),
                ],
            ),
            [N, Y, N, N, N, N, N, N, N, N, N],
        ),
        (
            Target::Fn("/fn/my_data", vec![("reference", "{ref}")]),
            [N, Y, N, N, N, N, N, N, N, N, N],
        ),
        // A signed-in requester's own list and claims: nobody here is signed in as one
        // (tests/signin.rs signs in through a real provider); a code does not stand in.
        (Target::Fn("/fn/my_requests", vec![]), [N; 11]),
        (
            Target::Fn(
                "/fn/claim_request",
                vec![("reference", "{ref}"), ("code", "{code}")],
            ),
            [N; 11],
        ),
        (
            Target::Page("/track?ref={ref}", "name=\"action\""),
            [N, Y, N, N, N, N, N, N, N, N, N],
        ),
        (
            Target::Page("/receipt?ref={ref}", "data-testid=\"tracking-code\""),
            [N, Y, N, N, N, N, N, N, N, N, N],
        ),
        (
            Target::Page("/track/data?ref={ref}", "Anna Bērziņa"),
            [N, Y, N, N, N, N, N, N, N, N, N],
        ),
        (
            Target::Api("GET", "/api/v1/requests/{ref}"),
            [N, Y, N, N, N, N, N, N, N, N, N],
        ),
        // Files: the requester gets results (never internal files) with the code; staff
        // within scope get both.
        (
            Target::Page("/track/files/{result}?ref={ref}", "matrix-result"),
            [N, Y, N, N, N, N, N, N, N, N, N],
        ),
        (
            Target::Api("GET", "/api/v1/requests/{ref}/attachments/{result}"),
            [N, Y, N, N, N, N, N, N, N, N, N],
        ),
        (
            Target::Page("/track/files/{internal}?ref={ref}", "matrix-internal"),
            [N, N, N, N, N, N, N, N, N, N, N],
        ),
        (
            Target::Page("/staff/files/{result}", "matrix-result"),
            [N, N, N, Y, Y, Y, Y, N, N, Y, N],
        ),
        (
            Target::Page("/staff/files/{internal}", "matrix-internal"),
            [N, N, N, Y, Y, Y, Y, N, N, Y, N],
        ),
        // Staff: within the institution and scope; tokens act as their owner (here a
        // portfolio owner) unless limited to analytics.
        (
            Target::Fn("/fn/staff_request", vec![("reference", "{ref}")]),
            [N, N, N, Y, Y, Y, Y, N, N, Y, N],
        ),
        (
            Target::Page("/staff/requests/{ref}", "Anna Bērziņa"),
            [N, N, N, Y, Y, Y, Y, N, N, Y, N],
        ),
        (
            Target::Fn(
                "/fn/staff_action",
                vec![
                    ("reference", "{ref}"),
                    ("version", "999"),
                    ("action", "start_assessment"),
                ],
            ),
            [N, N, N, Y, Y, Y, N, N, N, Y, N],
        ),
        (
            Target::Page("/staff", "href=\"/staff/notifications\""),
            [N, N, N, Y, Y, Y, Y, Y, N, Y, N],
        ),
        (
            Target::Fn("/fn/notifications", vec![]),
            [N, N, N, Y, Y, Y, Y, Y, N, Y, N],
        ),
        (
            Target::Fn("/fn/sessions", vec![]),
            [N, N, N, Y, Y, Y, Y, Y, N, Y, N],
        ),
        (
            Target::Fn("/fn/tokens", vec![]),
            [N, N, N, Y, Y, Y, Y, Y, N, Y, N],
        ),
        (
            Target::Page("/staff/profile", "data-testid=\"sessions\""),
            [N, N, N, Y, Y, Y, Y, Y, N, Y, N],
        ),
        // Personal data: erasure and holds by those answerable (an open request is refused
        // with 409 after the check); the record of views for heads and administrators.
        (
            Target::Fn(
                "/fn/erase_personal_data",
                vec![("reference", "{ref}"), ("reason", "Datu subjekta lūgums")],
            ),
            [N, N, N, N, Y, Y, N, N, N, Y, N],
        ),
        (
            Target::Fn(
                "/fn/legal_hold",
                vec![("reference", "{ref}"), ("lift", "1")],
            ),
            [N, N, N, N, Y, Y, N, N, N, Y, N],
        ),
        (
            Target::Fn("/fn/personal_data_views", vec![]),
            [N, N, N, N, N, Y, Y, Y, N, Y, N],
        ),
        // Analytics: every staff role reads its own scope; both kinds of token read.
        (
            Target::Fn("/fn/analytics", vec![]),
            [N, N, N, Y, Y, Y, Y, Y, N, Y, Y],
        ),
        (
            Target::Api("GET", "/api/v1/analytics/summary"),
            [N, N, N, Y, Y, Y, Y, Y, N, Y, Y],
        ),
        (
            Target::Api("GET", "/api/v1/tokens"),
            [N, N, N, Y, Y, Y, Y, Y, N, Y, N],
        ),
        // Administration: portfolio owners and administrators, their own institution
        // (the other institution's head gets its own list and log, never VNP's accounts).
        (
            Target::Fn("/fn/staff_list", vec![]),
            [N, N, N, N, N, Y, Y, Y, N, Y, N],
        ),
        (
            Target::Page("/staff/admin/staff", "sniedzejs2"),
            [N, N, N, N, N, Y, Y, N, N, Y, N],
        ),
        (
            Target::Fn("/fn/audit_log", vec![("filter[entity]", "user")]),
            [N, N, N, N, N, Y, Y, Y, N, Y, N],
        ),
        (
            Target::Page("/staff/admin/audit", "data-testid=\"audit\""),
            [N, N, N, N, N, Y, Y, Y, N, Y, N],
        ),
        (
            Target::Fn("/fn/send_staff_reset", vec![("user_id", "{provider}")]),
            [N, N, N, N, N, Y, Y, N, N, Y, N],
        ),
        (
            Target::Fn(
                "/fn/set_staff_role",
                vec![
                    ("user_id", "{provider}"),
                    ("role", "provider"),
                    ("services[VNP-STAVATLAUJA]", "on"),
                ],
            ),
            [N, N, N, N, N, Y, Y, N, N, Y, N],
        ),
        // Institution settings and calendar: its portfolio owner and administrator (the
        // other institution's head gets their own).
        (
            Target::Fn("/fn/institution_settings", vec![("year", "2026")]),
            [N, N, N, N, N, Y, Y, Y, N, Y, N],
        ),
        (
            Target::Page("/staff/admin/institution", "data-testid=\"calendar-days\""),
            [N, N, N, N, N, Y, Y, Y, N, Y, N],
        ),
        (
            Target::Fn("/fn/save_week", vec![("week[0]", "bad")]),
            [N, N, N, N, N, Y, Y, Y, N, Y, N],
        ),
        // The service editor: the service's owner, the institution's portfolio owner and
        // administrator; nobody else sees a draft (another institution's head: not found).
        (
            Target::Fn("/fn/editable_services", vec![]),
            [N, N, N, N, Y, Y, Y, Y, N, Y, N],
        ),
        (
            Target::Fn("/fn/create_service", vec![("code", ""), ("name_lv", "")]),
            [N, N, N, N, Y, Y, Y, Y, N, Y, N],
        ),
        (
            Target::Fn("/fn/service_editor", vec![("code", "VNP-STAVATLAUJA")]),
            [N, N, N, N, Y, Y, Y, N, N, Y, N],
        ),
        (
            Target::Page(
                "/staff/admin/services/VNP-STAVATLAUJA",
                "data-testid=\"editor-status\"",
            ),
            [N, N, N, N, Y, Y, Y, N, N, Y, N],
        ),
        (
            Target::Fn(
                "/fn/save_service_texts",
                vec![
                    ("code", "VNP-STAVATLAUJA"),
                    ("version", "1"),
                    ("revision", "0"),
                    ("texts[lv][fees]", "Bez maksas"),
                ],
            ),
            [N, N, N, N, Y, Y, Y, N, N, Y, N],
        ),
        (
            Target::Fn(
                "/fn/publish_service",
                vec![
                    ("code", "VNP-STAVATLAUJA"),
                    ("version", "1"),
                    ("revision", "99"),
                ],
            ),
            [N, N, N, N, Y, Y, Y, N, N, Y, N],
        ),
        (
            Target::Fn("/fn/service_versions", vec![("code", "VNP-STAVATLAUJA")]),
            [N, N, N, N, Y, Y, Y, N, N, Y, N],
        ),
        (
            Target::Page(
                "/staff/admin/services/VNP-STAVATLAUJA/preview",
                "data-testid=\"preview-form\"",
            ),
            [N, N, N, N, Y, Y, Y, N, N, Y, N],
        ),
    ];

    let mut cells = 0;
    let mut wrong = Vec::new();
    for (target, expected) in &rows {
        for (i, caller) in callers.iter().enumerate() {
            let fill = |s: &str| {
                s.replace("{ref}", &reference)
                    .replace("{result}", &result_id)
                    .replace("{internal}", &internal_id)
                    .replace("{provider}", &provider_id.to_string())
                    .replace("{code}", &caller.code)
            };
            let mut req = match target {
                Target::Fn(path, form) => {
                    let form: Vec<(String, String)> =
                        form.iter().map(|(k, v)| (k.to_string(), fill(v))).collect();
                    app.http.post(app.url(path)).form(&form)
                }
                Target::Page(path, _) => app.http.get(app.url(&fill(path))),
                Target::Api(method, path) => {
                    let url = app.url(&fill(path));
                    match *method {
                        "GET" => app.http.get(url),
                        other => panic!("method {other}"),
                    }
                    .header("x-tracking-code", &caller.code)
                }
            };
            if let Some(c) = &caller.cookie {
                req = req.header("cookie", c);
            }
            if let Some(b) = &caller.bearer {
                req = req.header("authorization", format!("Bearer {b}"));
            }
            let resp = req
                .send()
                .await
                .unwrap_or_else(|e| panic!("{} as {}: {e}", describe(target), CALLERS[i]));
            let status = resp.status().as_u16();
            let allowed = match target {
                Target::Page(_, marker) => {
                    status == 200 && resp.text().await.unwrap_or_default().contains(marker)
                }
                _ => !matches!(status, 401 | 403 | 404) && status < 500,
            };
            assert_ne!(status, 429, "the matrix must not hit abuse limits");
            assert_ne!(
                status,
                400,
                "{}: the test's arguments must decode",
                describe(target)
            );
            assert!(
                status < 500,
                "{} as {}: {status}",
                describe(target),
                CALLERS[i]
            );
            cells += 1;
            if allowed != expected[i] {
                wrong.push(format!(
                    "{} as {}: {} (status {status})",
                    describe(target),
                    CALLERS[i],
                    if allowed { "allowed" } else { "refused" }
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(cells, rows.len() * CALLERS.len());
    eprintln!(
        "authorisation matrix: {cells} cells ({} targets × {} callers)",
        rows.len(),
        CALLERS.len()
    );
}

fn describe(t: &Target) -> String {
    match t {
        Target::Fn(p, _) => format!("POST {p}"),
        Target::Page(p, _) => format!("page {p}"),
        Target::Api(m, p) => format!("{m} {p}"),
    }
}

both_backends!(matrix);
