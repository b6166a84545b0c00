//! Issue 9, the service editor, on SQLite and PostgreSQL, through the same form posts the
//! browser sends: a service owner creates a service, builds its form with every field type
//! and a conditional field, publishes it; requests follow the form (the conditional field
//! is asked only when its condition holds); a change republished makes version 2 while
//! the earlier request keeps version 1's words; two editors on one draft cannot overwrite
//! each other; withdrawal and the audit log; who may do what.

mod common;

use app::domain::{FieldError, Lang};
use app::error::AppError;
use app::model::AuditFilter;
use app::server::service::NewRequest;
use common::TestApp;
use std::collections::BTreeMap;

const CODE: &str = "VNP-SUNU-REGISTRS";

/// A form post as the browser sends it; the status and where it leads.
async fn post(app: &TestApp, cookie: &str, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let resp = app
        .http
        .post(app.url(path))
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .expect("post");
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, location)
}

/// The draft's current version and revision, as the editor page would carry them.
async fn keys(app: &TestApp, who: &str) -> (String, String) {
    let ctx = app.staff(who).await;
    let v = app
        .taka
        .service_draft(&ctx, CODE, Lang::Lv)
        .await
        .expect("draft");
    (v.version.to_string(), v.revision.to_string())
}

/// One edit through its form; must succeed.
async fn edit(app: &TestApp, c: &str, path: &str, form: &[(&str, &str)]) {
    let (version, revision) = keys(app, "saimnieks").await;
    let mut all = vec![
        ("code", CODE),
        ("version", version.as_str()),
        ("revision", revision.as_str()),
    ];
    all.extend_from_slice(form);
    let (status, location) = post(app, c, path, &all).await;
    assert!(
        status < 400 && !location.is_empty(),
        "{path} {form:?}: {status} {location}"
    );
}

fn dog(values: &[(&str, &str)]) -> NewRequest {
    NewRequest {
        service_code: CODE.into(),
        values: values
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        contact_name: "Anna Bērziņa".into(),
        contact_email: "anna@example.lv".into(),
        contact_phone: String::new(),
        lang: Lang::Lv,
        channel: app::domain::Channel::Web,
        idempotency: None,
        files: Default::default(),
        origin: Default::default(),
    }
}

async fn owner_builds_a_service(app: &TestApp) {
    let t = &app.taka;
    let owner = app.session_cookie("saimnieks").await;
    let (status, location) = post(
        app,
        &owner,
        "/fn/create_service",
        &[
            ("code", "vnp-sunu-registrs"),
            ("name_lv", "Suņu reģistrācija"),
            ("name_en", "Dog registration"),
        ],
    )
    .await;
    assert!(status < 400, "{status} {location}");
    assert_eq!(location, format!("/staff/admin/services/{CODE}"));
    // Taken codes and bad names are refused by field, nothing written.
    let before = app.count("services").await;
    let (status, _) = post(
        app,
        &owner,
        "/fn/create_service",
        &[("code", CODE), ("name_lv", "")],
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(app.count("services").await, before);
    // A form island marks the refused fields from the words the server sends.
    let resp = app
        .http
        .post(app.url("/fn/create_service"))
        .header("cookie", &owner)
        .form(&[("code", "a b"), ("name_lv", "")])
        .send()
        .await
        .expect("post");
    let header = resp
        .headers()
        .get("taka-field-errors")
        .and_then(|h| h.to_str().ok())
        .map(|h| {
            urlencoding::decode(h)
                .map(|d| d.into_owned())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let messages: BTreeMap<String, String> = serde_json::from_str(&header).unwrap_or_default();
    assert_eq!(
        messages.get("name_lv").map(String::as_str),
        Some("Šis lauks ir obligāts."),
        "{header}"
    );
    assert!(messages.contains_key("code"), "{header}");
    // Not in the catalogue while a draft.
    assert!(common::app_err(t.service_detail(CODE, Lang::Lv).await) == AppError::NotFound);

    // Every field type, and a conditional one.
    for (name, kind, lv, en) in [
        ("dog_name", "text", "Suņa vārds", "Dog's name"),
        ("story", "long_text", "Par suni", "About the dog"),
        ("age", "number", "Vecums (gadi)", "Age (years)"),
        ("born", "date", "Dzimšanas datums", "Date of birth"),
        ("size", "choice", "Izmērs", "Size"),
        ("needs", "multi_choice", "Vajadzības", "Needs"),
        ("chipped", "yes_no", "Suns ir čipots", "The dog is chipped"),
        ("chip", "text", "Čipa numurs", "Chip number"),
        (
            "vet_email",
            "email",
            "Veterinārārsta e-pasts",
            "Vet's e-mail",
        ),
        ("phone", "phone", "Tālrunis", "Phone"),
    ] {
        edit(
            app,
            &owner,
            "/fn/add_service_field",
            &[
                ("name", name),
                ("kind", kind),
                ("label[lv]", lv),
                ("label[en]", en),
            ],
        )
        .await;
    }
    let save = |name: &'static str,
                kind: &'static str,
                lv: &'static str,
                extra: Vec<(&'static str, &'static str)>| {
        let mut form = vec![
            ("original", name),
            ("name", name),
            ("kind", kind),
            ("label[lv]", lv),
            ("required", "on"),
        ];
        form.extend(extra);
        form
    };
    edit(
        app,
        &owner,
        "/fn/save_service_field",
        &save(
            "age",
            "number",
            "Vecums (gadi)",
            vec![("min", "0"), ("max", "30")],
        ),
    )
    .await;
    edit(
        app,
        &owner,
        "/fn/save_service_field",
        &save(
            "born",
            "date",
            "Dzimšanas datums",
            vec![("earliest", "1990-01-01"), ("latest", "2030-12-31")],
        ),
    )
    .await;
    edit(
        app,
        &owner,
        "/fn/save_service_field",
        &save(
            "size",
            "choice",
            "Izmērs",
            vec![("options", "small | Mazs | Small\nbig | Liels | Big")],
        ),
    )
    .await;
    edit(
        app,
        &owner,
        "/fn/save_service_field",
        &save(
            "chip",
            "text",
            "Čipa numurs",
            vec![
                ("show_if_field", "chipped"),
                ("show_if_equals", "yes"),
                ("max_chars", "15"),
            ],
        ),
    )
    .await;
    // A condition on a later field or an impossible answer is refused, by field.
    let (version, revision) = keys(app, "saimnieks").await;
    let mut bad = vec![
        ("code", CODE),
        ("version", version.as_str()),
        ("revision", revision.as_str()),
    ];
    bad.extend(save(
        "chip",
        "text",
        "Čipa numurs",
        vec![("show_if_field", "chipped"), ("show_if_equals", "maybe")],
    ));
    assert_eq!(
        post(app, &owner, "/fn/save_service_field", &bad).await.0,
        422
    );
    let ctx = app.staff("saimnieks").await;
    let refused = t
        .edit_service(
            &ctx,
            CODE,
            5,
            revision.parse().unwrap_or(0),
            app::domain::service_draft::DraftEdit::MoveField {
                name: "chip".into(),
                up: false,
            },
        )
        .await;
    assert_eq!(
        common::app_err(refused),
        AppError::Conflict,
        "based on a version that is not the published one"
    );
    edit(
        app,
        &owner,
        "/fn/save_service_texts",
        &[
            ("texts[lv][summary]", "Suņa reģistrācija pašvaldībā."),
            ("texts[en][summary]", "Registering a dog."),
            ("texts[lv][fees]", "Bez maksas"),
        ],
    )
    .await;
    edit(
        app,
        &owner,
        "/fn/save_service_automation",
        &[
            ("auto_register", "on"),
            ("assign", "none"),
            ("auto_approve", "on"),
            ("cond[0][field]", "chipped"),
            ("cond[0][op]", "equals"),
            ("cond[0][value]", "yes"),
            ("cond[1][field]", "age"),
            ("cond[1][op]", "below"),
            ("cond[1][value]", "20"),
        ],
    )
    .await;

    // Two editors on one revision: the second is told, nothing is lost.
    let (version, revision) = keys(app, "saimnieks").await;
    let form = |fees: &'static str| {
        vec![
            ("code", CODE),
            ("version", version.as_str()),
            ("revision", revision.as_str()),
            ("texts[lv][fees]", fees),
        ]
    };
    let head = app.session_cookie("vaditajs").await;
    assert!(
        !post(app, &head, "/fn/save_service_texts", &form("2 eiro"))
            .await
            .1
            .is_empty()
    );
    assert_eq!(
        post(app, &owner, "/fn/save_service_texts", &form("3 eiro"))
            .await
            .0,
        409
    );
    let draft = t
        .service_draft(&ctx, CODE, Lang::Lv)
        .await
        .expect("draft")
        .draft;
    assert_eq!(draft.texts["lv"].fees, "2 eiro");
    assert_eq!(draft.fields.len(), 10);

    // Preview as a citizen sees it, before publishing.
    let page = app
        .http
        .get(app.url(&format!("/staff/admin/services/{CODE}/preview")))
        .header("cookie", &owner)
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(
        page.contains("Čipa numurs") && page.contains("name=\"multi[needs][a]\""),
        "preview"
    );
    assert!(
        page.contains("Atbildiet tikai tad, ja “Suns ir čipots” ir “Jā”."),
        "condition in words"
    );

    // Publish: version 1, in the catalogue and the API.
    let (version, revision) = keys(app, "saimnieks").await;
    let (status, location) = post(
        app,
        &owner,
        "/fn/publish_service",
        &[
            ("code", CODE),
            ("version", &version),
            ("revision", &revision),
        ],
    )
    .await;
    assert!(status < 400, "{status}");
    assert_eq!(
        location,
        format!("/staff/admin/services/{CODE}?published=1")
    );
    let detail = t.service_detail(CODE, Lang::En).await.expect("listed");
    assert_eq!(
        (detail.version, detail.name.as_str(), detail.fees.as_str()),
        (1, "Dog registration", "2 eiro")
    );
    let api: serde_json::Value = app
        .http
        .get(app.url(&format!("/api/v1/services/{CODE}")))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let chip = api["fields"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["name"] == "chip"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        chip["show_if"],
        serde_json::json!({"field": "chipped", "equals": "yes"}),
        "{api}"
    );

    // The form as published: the conditional field only when asked; every type checked.
    let base = [
        ("dog_name", "Reksis"),
        ("age", "3"),
        ("born", "2023-05-01"),
        ("size", "big"),
        ("needs", "b,a"),
    ];
    let mut with = base.to_vec();
    with.extend([("chipped", "yes")]);
    let e = common::app_err(t.submit(dog(&with), None).await);
    assert_eq!(
        e.field_errors().and_then(|f| f.get("chip").cloned()),
        Some(FieldError::Required)
    );
    let mut without = base.to_vec();
    without.extend([("chip", "999")]);
    let r1 = t
        .submit(dog(&without), None)
        .await
        .expect("not asked: dropped");
    let mut bad_date = with.clone();
    bad_date.extend([("chip", "123"), ("born", "1980-01-01")]);
    let e = common::app_err(t.submit(dog(&bad_date), None).await);
    assert!(matches!(
        e.field_errors().and_then(|f| f.get("born").cloned()),
        Some(FieldError::DateOutOfRange { .. })
    ));
    let mut ok = with.clone();
    ok.push(("chip", "123456"));
    let r2 = t.submit(dog(&ok), None).await.expect("submit");
    let view = t
        .staff_request(&ctx, &r1.reference, Lang::Lv)
        .await
        .expect("view");
    assert!(
        !view.values.iter().any(|(l, _)| l == "Čipa numurs"),
        "{:?}",
        view.values
    );
    assert!(
        view.values
            .iter()
            .any(|(l, v)| l == "Vajadzības" && v == "A, B"),
        "{:?}",
        view.values
    );

    // The owner's automation: a chipped young dog is approved on arrival, by the system,
    // with the rule in the history; the other waits, registered.
    let approved = t
        .staff_request(&ctx, &r2.reference, Lang::Lv)
        .await
        .expect("view");
    assert!(
        approved
            .timeline
            .iter()
            .any(|e| e.action == app::domain::ActionKind::Approve
                && e.actor_kind == "system"
                && e.rule.as_deref() == Some("auto_approve")),
        "{:?}",
        approved.timeline
    );
    assert_eq!(view.status, app::domain::Status::Registered);
    // Change a label and republish: version 2; the earlier request keeps version 1's words.
    edit(
        app,
        &owner,
        "/fn/save_service_field",
        &save("dog_name", "text", "Suņa vārds un uzvārds", vec![]),
    )
    .await;
    let (version, revision) = keys(app, "saimnieks").await;
    assert!(
        !post(
            app,
            &owner,
            "/fn/publish_service",
            &[
                ("code", CODE),
                ("version", &version),
                ("revision", &revision)
            ]
        )
        .await
        .1
        .is_empty()
    );
    let old = t
        .staff_request(&ctx, &r2.reference, Lang::Lv)
        .await
        .expect("view");
    assert!(
        old.values
            .iter()
            .any(|(l, v)| l == "Suņa vārds" && v == "Reksis"),
        "{:?}",
        old.values
    );
    let versions = t
        .service_versions(&ctx, CODE, Some(1), Some(2), Lang::Lv)
        .await
        .expect("versions");
    assert_eq!(versions.versions.len(), 2);
    assert!(
        versions
            .changes
            .iter()
            .any(|c| c.key == "dog_name" && c.what == "changed"),
        "{:?}",
        versions.changes
    );

    // Withdrawn: out of the catalogue, open requests go on; then back.
    assert!(
        !post(app, &owner, "/fn/set_service_listed", &[("code", CODE)])
            .await
            .1
            .is_empty()
    );
    assert_eq!(
        common::app_err(t.service_detail(CODE, Lang::Lv).await),
        AppError::NotFound
    );
    assert!(common::app_err(t.submit(dog(&ok), None).await) != AppError::Internal);
    assert!(t.staff_request(&ctx, &r2.reference, Lang::Lv).await.is_ok());
    assert!(
        !post(
            app,
            &owner,
            "/fn/set_service_listed",
            &[("code", CODE), ("listed", "1")]
        )
        .await
        .1
        .is_empty()
    );
    assert!(t.service_detail(CODE, Lang::Lv).await.is_ok());

    // Who may: a provider cannot edit; another institution's head cannot see the service.
    let provider = app.session_cookie("sniedzejs").await;
    assert_eq!(
        post(app, &provider, "/fn/service_editor", &[("code", CODE)])
            .await
            .0,
        403
    );
    let stranger = app.session_cookie("pmlp.vaditajs").await;
    assert_eq!(
        post(app, &stranger, "/fn/service_editor", &[("code", CODE)])
            .await
            .0,
        404
    );

    // The audit log has each step.
    let log = t
        .audit_log(
            &app.staff("vaditajs").await,
            &AuditFilter {
                entity: "service".into(),
                ..Default::default()
            },
        )
        .await
        .expect("log");
    let actions: Vec<&str> = log
        .iter()
        .filter(|r| r.entity_key == CODE)
        .map(|r| r.action.as_str())
        .collect();
    for a in [
        "service_created",
        "service_published",
        "service_withdrawn",
        "service_restored",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "service_published")
            .count(),
        2
    );
}

async fn unpublished_drafts_can_go(app: &TestApp) {
    let t = &app.taka;
    let ctx = app.staff("vaditajs").await;
    t.create_service(&ctx, "VNP-TEST", "Tests", "")
        .await
        .expect("create");
    let v = t
        .service_draft(&ctx, "VNP-TEST", Lang::Lv)
        .await
        .expect("draft");
    assert_eq!(
        common::app_err(t.publish_service(&ctx, "VNP-TEST", 0, v.revision).await)
            .field_errors()
            .map(|f| f.contains_key("fields")),
        Some(true),
        "no fields: not publishable"
    );
    t.discard_draft(&ctx, "VNP-TEST", v.revision)
        .await
        .expect("discard");
    assert_eq!(
        common::app_err(t.service_draft(&ctx, "VNP-TEST", Lang::Lv).await),
        AppError::NotFound
    );
    // A new life situation to group services under: institution heads only, codes unique.
    let owner = app.staff("saimnieks").await;
    assert_eq!(
        common::app_err(
            t.create_life_situation(&owner, "pets", "Mājdzīvnieki", "Pets")
                .await
        ),
        AppError::Forbidden
    );
    t.create_life_situation(&ctx, "pets", "Mājdzīvnieki", "Pets")
        .await
        .expect("created");
    let again = common::app_err(t.create_life_situation(&ctx, "PETS", "Cits", "").await);
    assert_eq!(
        again
            .field_errors()
            .and_then(|f| f.get("situation_code").cloned()),
        Some(FieldError::Taken)
    );
    let v = t
        .service_draft(&ctx, "VNP-STAVATLAUJA", Lang::En)
        .await
        .expect("draft");
    assert!(v.situations.iter().any(|(c, n)| c == "pets" && n == "Pets"));
    // A published service's draft goes, the service stays.
    let edit = app::domain::service_draft::DraftEdit::Texts(
        [(
            "lv".to_string(),
            [("fees".to_string(), "Bez maksas".to_string())].into(),
        )]
        .into(),
    );
    let r = t
        .edit_service(&ctx, "VNP-STAVATLAUJA", 1, 0, edit)
        .await
        .expect("edit");
    t.discard_draft(&ctx, "VNP-STAVATLAUJA", r)
        .await
        .expect("discard");
    assert!(t.service_detail("VNP-STAVATLAUJA", Lang::Lv).await.is_ok());
}

/// Institution settings and its calendar: names, signature (in the requester's mail),
/// languages; a day set in the browser copies the shared national calendar first, so
/// another institution's calendar stays as it was; bad input changes nothing.
async fn institution_settings_and_calendar(app: &TestApp) {
    let t = &app.taka;
    let head = app.session_cookie("vaditajs").await;
    let provider = app.session_cookie("sniedzejs").await;
    let form = [
        ("names[lv]", "Valmieras novada pašvaldība"),
        ("names[en]", "Valmiera Municipality"),
        (
            "signatures[lv]",
            "Klientu centrs: 64207120, darba dienās 8–17",
        ),
        ("contacts[lv]", "Lāčplēša iela 2, Valmiera"),
        ("languages[lv]", "on"),
        ("languages[en]", "on"),
    ];
    assert_eq!(
        post(app, &provider, "/fn/save_institution", &form).await.0,
        403
    );
    let (status, location) = post(app, &head, "/fn/save_institution", &form).await;
    assert!(
        status < 400 && location.contains("saved=1"),
        "{status} {location}"
    );
    let (status, _) = post(app, &head, "/fn/save_institution", &[("names[lv]", " ")]).await;
    assert_eq!(status, 422, "the Latvian name is required");
    let ctx = app.staff("vaditajs").await;
    let s = t.institution_settings(&ctx, 2026).await.expect("settings");
    assert_eq!(s.names["en"], "Valmiera Municipality");
    assert_eq!(s.languages, vec!["lv", "en"]);
    assert!(s.calendar.shared, "VNP starts on the national calendar");

    // The signature signs the requester's receipt.
    let sink = common::smtp::SmtpSink::start().await;
    let mailer =
        app::server::mailer::Mailer::smtp(&sink.url(), "Taka <noreply@taka.test>").expect("mailer");
    t.submit(common::parking_request("anna@example.lv"), None)
        .await
        .expect("submit");
    t.drain_outbox(&mailer).await.expect("deliver");
    let received = sink.received.lock().expect("lock").clone();
    let receipt = received.last().expect("a receipt").parsed();
    let text = receipt
        .body_text(0)
        .map(|b| b.to_string())
        .unwrap_or_default()
        .replace("\r\n", "\n");
    assert!(
        text.contains("Valmieras novada pašvaldība\nKlientu centrs: 64207120"),
        "{text}"
    );

    // Calendar: bad input refused, nothing copied; a holiday copies the national calendar.
    let before = app.count("calendars").await;
    assert_eq!(
        post(
            app,
            &head,
            "/fn/save_calendar_day",
            &[("day", "2026-02-30"), ("kind", "holiday")]
        )
        .await
        .0,
        422
    );
    assert_eq!(
        post(app, &head, "/fn/save_week", &[("week[0]", "8-17")])
            .await
            .0,
        422
    );
    assert_eq!(app.count("calendars").await, before, "nothing written");
    assert_eq!(
        post(
            app,
            &provider,
            "/fn/save_calendar_day",
            &[("day", "2026-06-01"), ("kind", "holiday")]
        )
        .await
        .0,
        403
    );
    let (status, _) = post(
        app,
        &head,
        "/fn/save_calendar_day",
        &[
            ("day", "2026-06-01"),
            ("kind", "holiday"),
            ("note", "Pilsētas svētki"),
        ],
    )
    .await;
    assert!(status < 400, "{status}");
    let s = t.institution_settings(&ctx, 2026).await.expect("settings");
    assert!(!s.calendar.shared);
    assert!(
        s.calendar
            .days
            .iter()
            .any(|d| d.0 == "2026-06-01" && d.1 == "holiday")
    );
    assert!(
        s.calendar.days.iter().any(|d| d.0 == "2026-11-18"),
        "the copy keeps the national holidays"
    );
    let national = t.calendar_days("LV", 2026).await.expect("days");
    assert!(
        !national.iter().any(|d| d.0 == "2026-06-01"),
        "the national calendar is unchanged"
    );
    let week: Vec<(&str, &str)> = (0..7)
        .map(|i| {
            (
                [
                    "week[0]", "week[1]", "week[2]", "week[3]", "week[4]", "week[5]", "week[6]",
                ][i],
                if i < 4 {
                    "08:00-17:00"
                } else if i == 4 {
                    "08:00-14:00"
                } else {
                    ""
                },
            )
        })
        .collect();
    assert!(post(app, &head, "/fn/save_week", &week).await.0 < 400);
    let s = t.institution_settings(&ctx, 2026).await.expect("settings");
    assert_eq!(s.calendar.week[4], "08:00-14:00");
    assert_eq!(s.calendar.week[5], "");
    let log = t
        .audit_log(&ctx, &AuditFilter::default())
        .await
        .expect("log");
    for a in ["settings_changed", "calendar_copied", "day_set", "week_set"] {
        assert!(log.iter().any(|r| r.action == a), "{a}");
    }
}

/// A service can run on its own calendar (a seven-day one here) while the institution's
/// other services keep the institution's; an unknown calendar is refused.
async fn a_service_runs_on_its_own_calendar(app: &TestApp) {
    let t = &app.taka;
    let ctx = app.staff("vaditajs").await;
    let every_day: [Option<String>; 7] = std::array::from_fn(|_| Some("08:00-16:00".to_string()));
    t.create_calendar("SEPTINI", "Europe/Riga", &every_day)
        .await
        .expect("calendar");
    let code = "VNP-STAVATLAUJA";
    let v = t.service_draft(&ctx, code, Lang::Lv).await.expect("draft");
    let settings = |calendar: &str| app::domain::service_draft::DraftEdit::Settings {
        targets: v.draft.targets,
        calendar: Some(calendar.to_string()),
        life_situations: v.draft.life_situations.clone(),
        asks_location: v.draft.asks_location,
    };
    let e = common::app_err(t.edit_service(&ctx, code, 1, 0, settings("NAV-TADA")).await);
    assert_eq!(
        e.field_errors().and_then(|f| f.get("calendar").cloned()),
        Some(FieldError::InvalidChoice)
    );
    let r = t
        .edit_service(&ctx, code, 1, 0, settings("SEPTINI"))
        .await
        .expect("edit");
    assert_eq!(
        t.publish_service(&ctx, code, 1, r).await.expect("publish"),
        2
    );
    let ids = |c: &'static str| async move {
        let row: (i64, i64) =
            sqlx::query_as("SELECT id, institution_id FROM services WHERE code = $1")
                .bind(c)
                .fetch_one(&t.db.read)
                .await
                .expect("service");
        row
    };
    let (own, inst) = ids(code).await;
    let (other, _) = ids("VNP-PIRMSSKOLA").await;
    assert!(
        t.calendar_for(own, inst).await.expect("cal").week[5].is_some(),
        "Saturdays count"
    );
    assert!(
        t.calendar_for(other, inst).await.expect("cal").week[5].is_none(),
        "the institution's"
    );
    // Back to the institution's: version 3, and the difference names the calendar. The
    // owner also makes the service ask where (the editor's switch).
    let back = app::domain::service_draft::DraftEdit::Settings {
        targets: v.draft.targets,
        calendar: None,
        life_situations: v.draft.life_situations.clone(),
        asks_location: true,
    };
    let r = t.edit_service(&ctx, code, 2, 0, back).await.expect("edit");
    assert_eq!(
        t.publish_service(&ctx, code, 2, r).await.expect("publish"),
        3
    );
    assert!(t.calendar_for(own, inst).await.expect("cal").week[5].is_none());
    let versions = t
        .service_versions(&ctx, code, Some(2), Some(3), Lang::Lv)
        .await
        .expect("versions");
    assert!(
        versions.changes.iter().any(|c| c.area == "calendar"),
        "{:?}",
        versions.changes
    );
    assert!(
        versions.changes.iter().any(|c| c.area == "location"),
        "{:?}",
        versions.changes
    );
    let (asks,): (i64,) = sqlx::query_as("SELECT asks_location FROM services WHERE code = $1")
        .bind(code)
        .fetch_one(&t.db.read)
        .await
        .expect("asks");
    assert_eq!(asks, 1, "published: the form now asks where");
    assert!(
        t.service_draft(&ctx, code, Lang::Lv)
            .await
            .expect("draft")
            .draft
            .asks_location,
        "and the next draft starts from it"
    );
}

both_backends!(
    a_service_runs_on_its_own_calendar,
    owner_builds_a_service,
    unpublished_drafts_can_go,
    institution_settings_and_calendar
);
