//! Issue 9, staff administration, on SQLite and PostgreSQL: an invitation goes out over a
//! real SMTP conversation and its link makes a working account (once); a role change and
//! a deactivation (which ends a live session at once) are refused or allowed by role,
//! institution and own account; the forgotten-password link; every change in the audit
//! log, which nobody can rewrite.

mod common;

use app::domain::{FieldError, Lang, Role};
use app::error::AppError;
use app::model::{AuditFilter, StaffInvite};
use app::server::mailer::Mailer;
use app::server::service::Client;
use common::smtp::SmtpSink;
use common::{DEMO_PASSWORD, TestApp};

fn invite(username: &str, role: &str, services: &[&str]) -> StaffInvite {
    StaffInvite {
        username: username.into(),
        display_name: "Inese Jaunā".into(),
        email: format!("{username}@vnp.example.lv"),
        role: role.into(),
        services: services.iter().map(|s| s.to_string()).collect(),
        lang: "lv".into(),
    }
}

/// The one-time link in a delivered message.
fn link_in(m: &common::smtp::Received) -> String {
    let p = m.parsed();
    let text = p.body_text(0).map(|b| b.to_string()).unwrap_or_default();
    text.split_whitespace()
        .find(|w| w.contains("/staff/welcome?t="))
        .expect("a link in the message")
        .to_string()
}

fn field_of(e: AppError, field: &str) -> Option<FieldError> {
    match e {
        AppError::Invalid(f) => f.get(field).cloned(),
        _ => None,
    }
}

async fn invitation_makes_a_working_account(app: &TestApp) {
    let t = &app.taka;
    let head = app.staff("vaditajs").await;
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url(), "Taka <noreply@taka.test>").expect("mailer");

    // Bad input: each field says what is wrong, nothing is written.
    let before = app.count("users").await;
    let mut bad = invite("has space", "provider", &[]);
    bad.email = "not-an-email".into();
    bad.display_name = " ".into();
    match common::app_err(t.invite_staff(&head, &bad).await) {
        AppError::Invalid(f) => {
            assert_eq!(f.get("username"), Some(&FieldError::Required));
            assert_eq!(f.get("email"), Some(&FieldError::InvalidEmail));
            assert_eq!(f.get("display_name"), Some(&FieldError::Required));
            assert_eq!(f.get("services"), Some(&FieldError::Required));
        }
        other => panic!("{other:?}"),
    }
    let foreign = invite("x.sveshais", "provider", &["PMLP-PASE"]);
    assert_eq!(
        field_of(
            common::app_err(t.invite_staff(&head, &foreign).await),
            "services"
        ),
        Some(FieldError::InvalidChoice),
        "another institution's service"
    );
    let taken = invite("sniedzejs", "portfolio_owner", &[]);
    assert_eq!(
        field_of(
            common::app_err(t.invite_staff(&head, &taken).await),
            "username"
        ),
        Some(FieldError::Taken)
    );
    assert_eq!(app.count("users").await, before);

    // The invitation: an account without a password, a mail with a one-time link.
    let id = t
        .invite_staff(&head, &invite("inese", "provider", &["VNP-STAVATLAUJA"]))
        .await
        .expect("invite");
    assert_eq!(t.drain_outbox(&mailer).await.expect("deliver"), 1);
    let mail = sink
        .received
        .lock()
        .expect("lock")
        .last()
        .cloned()
        .expect("mail");
    assert_eq!(mail.to, vec!["inese@vnp.example.lv".to_string()]);
    let subject = mail.parsed().subject().unwrap_or_default().to_string();
    assert!(subject.contains("Uzaicinājums"), "{subject}");
    let link = link_in(&mail);
    let token = link.split("t=").nth(1).expect("token").to_string();
    let listed = t.list_staff(&head, Lang::Lv).await.expect("list");
    let me = listed.iter().find(|m| m.id == id).expect("listed");
    assert!(me.invited && me.active && me.role == Role::Provider);
    // No password works before the link is used.
    assert_eq!(
        common::app_err(t.sign_in("inese", "", &Client::local()).await),
        AppError::BadCredentials
    );
    assert_eq!(
        t.account_link(&token).await.expect("link"),
        Some(("Inese Jaunā".into(), "inese".into()))
    );
    // A weak password is refused and the link still works; a good one uses it up.
    assert_eq!(
        field_of(
            common::app_err(t.use_account_link(&token, "short").await),
            "password"
        ),
        Some(FieldError::TooShort { min: 12 })
    );
    assert_eq!(
        t.use_account_link(&token, "kalnu-upe-rudenī-42")
            .await
            .expect("set"),
        "inese"
    );
    t.sign_in("inese", "kalnu-upe-rudenī-42", &Client::local())
        .await
        .expect("the new account signs in");
    assert_eq!(
        field_of(
            common::app_err(t.use_account_link(&token, "cits-garš-teikums-7").await),
            "link"
        ),
        Some(FieldError::LinkExpired),
        "a used link is spent"
    );
    assert_eq!(
        field_of(
            common::app_err(t.use_account_link("nonsense", "cits-garš-teikums-7").await),
            "link"
        ),
        Some(FieldError::LinkExpired)
    );

    // An invitation expires after 72 hours.
    t.invite_staff(&head, &invite("late", "provider", &["VNP-STAVATLAUJA"]))
        .await
        .expect("invite");
    t.drain_outbox(&mailer).await.expect("deliver");
    let late = link_in(sink.received.lock().expect("lock").last().expect("mail"));
    let late = late.split("t=").nth(1).expect("token");
    let later = app.taka_at(t.now() + app::server::service::INVITE_SECONDS + 1);
    assert_eq!(later.account_link(late).await.expect("link"), None);

    // Forgotten password: the same answer whoever asks; a link only for a real account.
    let sent = sink.received.lock().expect("lock").len();
    t.forgot_password("nobody@example.lv", &Client::local(), Lang::En)
        .await
        .expect("same answer");
    t.forgot_password("inese@vnp.example.lv", &Client::local(), Lang::En)
        .await
        .expect("sent");
    t.drain_outbox(&mailer).await.expect("deliver");
    let received = sink.received.lock().expect("lock").clone();
    assert_eq!(received.len(), sent + 1, "one mail, for the real account");
    let reset = received.last().expect("mail");
    assert!(
        reset
            .parsed()
            .subject()
            .unwrap_or_default()
            .contains("new password"),
        "in the language asked"
    );
    let reset_token = link_in(reset)
        .split("t=")
        .nth(1)
        .expect("token")
        .to_string();
    t.use_account_link(&reset_token, "jauns-ziemas-rīts-9")
        .await
        .expect("reset");
    t.sign_in("inese", "jauns-ziemas-rīts-9", &Client::local())
        .await
        .expect("signs in with the new one");

    // The audit log has each step, with who did it; nobody can rewrite it.
    let log = t
        .audit_log(&head, &AuditFilter::default())
        .await
        .expect("log");
    let actions: Vec<(&str, &str)> = log
        .iter()
        .filter(|r| r.entity_key == "inese")
        .map(|r| (r.action.as_str(), r.actor_kind.as_str()))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("password_set", "system"),
            ("password_set", "system"),
            ("invited", "staff")
        ]
    );
    let invited = log
        .iter()
        .find(|r| r.action == "invited" && r.entity_key == "inese")
        .expect("row");
    assert_eq!(invited.actor.as_deref(), Some("Rita Vadītāja"));
    assert!(
        invited
            .after
            .as_deref()
            .unwrap_or("")
            .contains("VNP-STAVATLAUJA")
    );
    assert!(!invited.after.as_deref().unwrap_or("").contains("hash"));
    for sql in ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"] {
        assert!(
            sqlx::query(sql).execute(&app.taka.db.write).await.is_err(),
            "{sql} must be refused"
        );
    }
    // The same as CSV for the head; refused to a provider.
    let csv = |user: &'static str| async move {
        let (session, _) = app
            .taka
            .sign_in(user, DEMO_PASSWORD, &Client::local())
            .await
            .expect("sign in");
        let resp = app
            .http
            .get(app.url("/staff/admin/audit.csv?entity=user"))
            .header(
                "cookie",
                format!("{}={session}", app::server::SESSION_COOKIE),
            )
            .send()
            .await
            .expect("csv");
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap_or_default())
    };
    let (status, text) = csv("vaditajs").await;
    assert_eq!(status, 200);
    assert!(text.starts_with('\u{feff}'), "Excel's byte-order mark");
    assert!(
        text.lines().any(|l| l.contains(";inese;invited;")),
        "{text}"
    );
    assert_eq!(csv("sniedzejs").await.0, 403);
    // Another institution's head sees none of it.
    let other = app.staff("pmlp.vaditajs").await;
    let theirs = t
        .audit_log(&other, &AuditFilter::default())
        .await
        .expect("log");
    assert!(theirs.iter().all(|r| r.entity_key != "inese"));
    let bad_filter = AuditFilter {
        from: "99999-01-01".into(),
        ..Default::default()
    };
    assert_eq!(
        field_of(
            common::app_err(t.audit_log(&head, &bad_filter).await),
            "from"
        ),
        Some(FieldError::InvalidDate)
    );
}

/// Role changes and deactivation by role, institution and own account; deactivation ends
/// a live session at once.
async fn roles_and_deactivation(app: &TestApp) {
    let t = &app.taka;
    let head = app.staff("vaditajs").await;
    let admin = app.staff("admins").await;
    let owner = app.staff("saimnieks").await;
    let provider = app.staff("sniedzejs").await;
    let pmlp_head = app.staff("pmlp.vaditajs").await;
    let id = |ctx: &app::server::service::StaffContext| ctx.user.id;

    assert_eq!(
        common::app_err(t.list_staff(&owner, Lang::Lv).await),
        AppError::Forbidden
    );
    assert_eq!(
        common::app_err(
            t.set_staff_role(
                &provider,
                id(&owner),
                "provider",
                &["VNP-STAVATLAUJA".into()]
            )
            .await
        ),
        AppError::Forbidden
    );
    assert_eq!(
        common::app_err(t.deactivate_staff(&pmlp_head, id(&provider)).await),
        AppError::NotFound,
        "another institution's staff are not found"
    );
    assert_eq!(
        common::app_err(
            t.set_staff_role(&head, id(&admin), "provider", &["VNP-STAVATLAUJA".into()])
                .await
        ),
        AppError::Forbidden,
        "a portfolio owner does not touch administrators"
    );
    assert_eq!(
        field_of(
            common::app_err(t.deactivate_staff(&head, id(&head)).await),
            "account"
        ),
        Some(FieldError::OwnAccount)
    );
    assert_eq!(
        field_of(
            common::app_err(t.set_staff_role(&head, id(&provider), "owner", &[]).await),
            "services"
        ),
        Some(FieldError::Required)
    );

    // The provider becomes the owner of one service.
    t.set_staff_role(&head, id(&provider), "owner", &["VNP-KOKU-CIRSANA".into()])
        .await
        .expect("role");
    let now = app.staff("sniedzejs").await;
    assert_eq!(now.user.role, Role::Owner);
    assert_eq!(now.service_ids.len(), 1);

    // Deactivation ends a live session at once and stops sign-in.
    let (session, _) = t
        .sign_in("sniedzejs2", DEMO_PASSWORD, &Client::local())
        .await
        .expect("sign in");
    assert!(
        t.staff_for_session(&session, Lang::Lv)
            .await
            .expect("s")
            .is_some()
    );
    let victim = app.staff("sniedzejs2").await;
    t.deactivate_staff(&admin, id(&victim))
        .await
        .expect("deactivate");
    assert!(
        t.staff_for_session(&session, Lang::Lv)
            .await
            .expect("s")
            .is_none()
    );
    assert_eq!(
        common::app_err(
            t.sign_in("sniedzejs2", DEMO_PASSWORD, &Client::local())
                .await
        ),
        AppError::BadCredentials
    );
    let log = t
        .audit_log(
            &admin,
            &AuditFilter {
                entity: "user".into(),
                ..Default::default()
            },
        )
        .await
        .expect("log");
    let row = |who: &str, action: &str| {
        log.iter()
            .find(|r| r.entity_key == who && r.action == action)
            .cloned()
    };
    let changed = row("sniedzejs", "role_changed").expect("role change logged");
    assert!(
        changed
            .before
            .as_deref()
            .unwrap_or("")
            .contains("\"provider\"")
    );
    assert!(
        changed
            .after
            .as_deref()
            .unwrap_or("")
            .contains("VNP-KOKU-CIRSANA")
    );
    assert_eq!(
        row("sniedzejs2", "deactivated").and_then(|r| r.actor),
        Some("Aivars Administrators".into())
    );
    // Filtered by who made the change.
    let by_admin = t
        .audit_log(
            &head,
            &AuditFilter {
                actor: "admins".into(),
                ..Default::default()
            },
        )
        .await
        .expect("log");
    assert!(
        !by_admin.is_empty()
            && by_admin
                .iter()
                .all(|r| r.actor.as_deref() == Some("Aivars Administrators"))
    );
}

/// A published change to a form makes a new version; a request made before keeps its
/// answers with the old labels and options; two editors based on the same version cannot
/// both publish; only those answerable for the service may; the API and the audit log say so.
async fn forms_are_versioned(app: &TestApp) {
    let t = &app.taka;
    let code = "VNP-STAVATLAUJA";
    let owner = app.staff("saimnieks").await;
    let head = app.staff("vaditajs").await;
    let first = t
        .submit(common::parking_request("anna@example.lv"), None)
        .await
        .expect("submit");
    let earlier = first.reference.clone();
    let before = t
        .staff_request(&owner, &earlier, Lang::Lv)
        .await
        .expect("view")
        .values;
    let (mut fields, version) = t.current_form(code).await.expect("form");
    assert_eq!(version, 1);
    let plate = fields
        .iter_mut()
        .find(|f| f.name == "plate")
        .expect("plate");
    plate.label = app::domain::LocalText::new("Auto numurs", "Car plate");
    let zone = fields.iter_mut().find(|f| f.name == "zone").expect("zone");
    for o in &mut zone.options {
        o.label = app::domain::LocalText::new(&format!("Zona {}", o.value), "Zone");
    }

    let provider = app.staff("sniedzejs").await;
    assert_eq!(
        common::app_err(t.publish_form(&provider, code, &fields, 1).await),
        AppError::Forbidden
    );
    let other = app.staff("pmlp.saimnieks").await;
    assert_eq!(
        common::app_err(t.publish_form(&other, code, &fields, 1).await),
        AppError::NotFound
    );
    let mut broken = fields.clone();
    broken.push(broken[0].clone());
    assert!(matches!(
        common::app_err(t.publish_form(&owner, code, &broken, 1).await),
        AppError::Invalid(_)
    ));
    assert_eq!(
        t.publish_form(&owner, code, &fields, 1)
            .await
            .expect("publish"),
        2
    );
    assert_eq!(
        common::app_err(t.publish_form(&head, code, &fields, 1).await),
        AppError::Conflict,
        "based on a version someone already replaced"
    );

    // The earlier request: the same answers, in the words of its own version.
    let after = t
        .staff_request(&owner, &earlier, Lang::Lv)
        .await
        .expect("view")
        .values;
    assert_eq!(after, before);
    assert!(!after.iter().any(|(label, _)| label == "Auto numurs"));
    let second = t
        .submit(common::parking_request("anna@example.lv"), None)
        .await
        .expect("submit");
    let later = second.reference.clone();
    let answers = t
        .staff_request(&owner, &later, Lang::Lv)
        .await
        .expect("view")
        .values;
    assert!(
        answers
            .iter()
            .any(|(label, value)| label == "Auto numurs" && value == "KL-1234")
    );
    assert!(answers.iter().any(|(_, value)| value == "Zona a"));

    // Partners see the versions: the service's, and the one each request was made under.
    let get = |path: String, code: String| async move {
        app.http
            .get(app.url(&path))
            .header("x-tracking-code", code)
            .send()
            .await
            .expect("get")
            .json::<serde_json::Value>()
            .await
            .expect("json")
    };
    assert_eq!(
        get(format!("/api/v1/services/{code}"), String::new()).await["version"],
        2
    );
    for (receipt, version) in [(&first, 1), (&second, 2)] {
        let tracked = get(
            format!("/api/v1/requests/{}", receipt.reference),
            receipt.tracking_code.clone(),
        )
        .await;
        assert_eq!(tracked["service_version"], version, "{tracked}");
    }
    let log = t
        .audit_log(
            &head,
            &AuditFilter {
                entity: "service".into(),
                ..Default::default()
            },
        )
        .await
        .expect("log");
    let row = log
        .iter()
        .find(|r| r.action == "form_published")
        .expect("logged");
    assert_eq!(row.entity_key, code);
    assert!(row.after.as_deref().unwrap_or("").contains("Auto numurs"));
    assert!(
        row.before
            .as_deref()
            .unwrap_or("")
            .contains("\"version\":1")
    );
}

both_backends!(
    invitation_makes_a_working_account,
    roles_and_deactivation,
    forms_are_versioned
);
