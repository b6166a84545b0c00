//! The service layer on a real database: the lifecycle end to end, refusals that change
//! nothing, concurrent staff, and scope for every role. Each runs on SQLite and PostgreSQL.

mod common;

use app::domain::{Action, Channel, FieldError, Lang, LifecycleError, Status};
use app::error::AppError;
use app::model::QueueFilter;
use app::server::error::ServiceError;
use app::server::service::{Client, NewRequest};
use common::TestApp;
use std::collections::BTreeMap;

fn app_err<T: std::fmt::Debug>(r: Result<T, ServiceError>) -> AppError {
    match r {
        Err(ServiceError::App(e)) => e,
        other => panic!("expected an AppError, got {other:?}"),
    }
}

fn parking_request() -> NewRequest {
    let values: BTreeMap<String, String> = [
        ("plate", "KL-1234"),
        ("address", "Rīgas iela 1, Valmiera"),
        ("zone", "a"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    NewRequest {
        service_code: "VNP-STAVATLAUJA".into(),
        values,
        contact_name: "Anna Bērziņa".into(),
        contact_email: "anna@example.lv".into(),
        contact_phone: String::new(),
        lang: Lang::Lv,
        channel: Channel::Web,
        idempotency: None,
        files: Default::default(),
        origin: Default::default(),
    }
}

fn tree_request() -> NewRequest {
    let values: BTreeMap<String, String> = [
        ("cadastre", "96010010001"),
        ("tree_count", "3"),
        ("species", "Bērzs"),
        ("reason", "Koki apdraud māju."),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    NewRequest {
        service_code: "VNP-KOKU-CIRSANA".into(),
        values,
        ..parking_request()
    }
}

async fn full_lifecycle_with_history(app: &TestApp) {
    let t = &app.taka;
    let receipt = t.submit(tree_request(), None).await.expect("submit");
    assert!(
        receipt.reference.starts_with("PP-"),
        "{}",
        receipt.reference
    );
    assert_eq!(
        receipt.status,
        Status::Submitted,
        "tree felling is not auto-registered"
    );
    let p = app.staff("sniedzejs").await;

    let step = |a: Action| {
        let p = p.clone();
        let r = receipt.reference.clone();
        async move {
            let v = t.staff_request(&p, &r, Lang::Lv).await.expect("view");
            t.staff_act(&p, &r, v.version, a, None).await.expect("act")
        }
    };
    assert_eq!(
        step(Action::Register {
            note: Some("Klasificēts".into())
        })
        .await,
        Status::Registered
    );
    assert_eq!(step(Action::StartAssessment).await, Status::UnderAssessment);
    assert_eq!(
        step(Action::RequestInformation {
            reason: "Pievienojiet plānu".into()
        })
        .await,
        Status::AwaitingInformation
    );

    let view = t
        .track(&receipt.reference, &receipt.tracking_code, Lang::En)
        .await
        .expect("track");
    assert_eq!(view.open_question.as_deref(), Some("Pievienojiet plānu"));
    t.requester_act(
        &receipt.reference,
        &receipt.tracking_code,
        Action::ProvideInformation {
            answer: "Plāns pievienots".into(),
        },
        Lang::Lv,
    )
    .await
    .expect("answer");

    assert_eq!(step(Action::Approve { note: None }).await, Status::Approved);
    assert_eq!(
        step(Action::Assign { to_self: true }).await,
        Status::InFulfilment
    );
    assert_eq!(
        step(Action::RecordAction {
            note: "Apsekots".into(),
            visible_to_requester: false
        })
        .await,
        Status::InFulfilment
    );
    assert_eq!(
        step(Action::Fulfil {
            result: "Atļauja izsniegta".into()
        })
        .await,
        Status::Fulfilled
    );
    let view = t
        .requester_act(
            &receipt.reference,
            &receipt.tracking_code,
            Action::Rate {
                score: 5,
                comment: Some("Paldies".into()),
            },
            Lang::Lv,
        )
        .await
        .expect("rate");
    assert_eq!(view.status, Status::Closed);
    assert_eq!(view.rating, Some(5));
    assert_eq!(view.result.as_deref(), Some("Atļauja izsniegta"));

    // The staff history has every event; the requester's hides internal ones.
    let staff_view = t
        .staff_request(&p, &receipt.reference, Lang::Lv)
        .await
        .expect("view");
    assert_eq!(staff_view.timeline.len(), 10);
    assert!(staff_view.timeline.iter().all(|e| !e.at_text.is_empty()));
    assert_eq!(
        staff_view.service_owner.as_deref(),
        Some("Gatis Saimnieks"),
        "each service has a named owner"
    );
    let internal: Vec<_> = staff_view
        .timeline
        .iter()
        .filter(|e| !e.visible_to_requester)
        .collect();
    assert_eq!(internal.len(), 2, "assign and the internal note");
    assert_eq!(view.timeline.len(), 8);
    assert!(
        view.timeline.iter().all(|e| e.actor.is_none()),
        "no staff names on the requester's view"
    );
    let statuses: Vec<Status> = staff_view.timeline.iter().map(|e| e.to_status).collect();
    assert_eq!(statuses.first(), Some(&Status::Submitted));
    assert_eq!(statuses.last(), Some(&Status::Closed));
    assert_eq!(staff_view.timeline[1].from_status, Some(Status::Submitted));
    assert_eq!(
        staff_view.timeline[1].actor.as_deref(),
        Some("Laima Sniedzēja")
    );
    assert_eq!(app.count("feedback").await, 1);

    // The history cannot be rewritten.
    let tampered = sqlx::query("UPDATE request_events SET comment = 'x'")
        .execute(&t.db.write)
        .await;
    assert!(tampered.is_err(), "request_events must be append-only");
    let deleted = sqlx::query("DELETE FROM request_events")
        .execute(&t.db.write)
        .await;
    assert!(deleted.is_err(), "request_events must be append-only");
}

async fn invalid_transitions_change_nothing(app: &TestApp) {
    let t = &app.taka;
    let receipt = t.submit(parking_request(), None).await.expect("submit");
    assert_eq!(
        receipt.status,
        Status::Registered,
        "parking permits are registered automatically"
    );
    let p = app.staff("sniedzejs").await;
    let before = t
        .staff_request(&p, &receipt.reference, Lang::Lv)
        .await
        .expect("view");
    let events = app.count("request_events").await;

    // Approving before the assessment started.
    let e = app_err(
        t.staff_act(
            &p,
            &receipt.reference,
            before.version,
            Action::Approve { note: None },
            None,
        )
        .await,
    );
    assert!(
        matches!(
            e,
            AppError::Lifecycle(LifecycleError::NotInThisStatus { .. })
        ),
        "{e:?}"
    );
    // Refusing without a reason (after starting the assessment).
    t.staff_act(
        &p,
        &receipt.reference,
        before.version,
        Action::StartAssessment,
        None,
    )
    .await
    .expect("start");
    let mid = t
        .staff_request(&p, &receipt.reference, Lang::Lv)
        .await
        .expect("view");
    let e = app_err(
        t.staff_act(
            &p,
            &receipt.reference,
            mid.version,
            Action::Refuse {
                reason: "  ".into(),
            },
            None,
        )
        .await,
    );
    assert!(
        matches!(e, AppError::Lifecycle(LifecycleError::ReasonRequired(_))),
        "{e:?}"
    );
    // A provider may not hand it to someone else without escalating.
    t.staff_act(
        &p,
        &receipt.reference,
        mid.version,
        Action::Approve { note: None },
        None,
    )
    .await
    .expect("approve");
    let approved = t
        .staff_request(&p, &receipt.reference, Lang::Lv)
        .await
        .expect("view");
    let colleague = approved.colleagues.first().expect("a colleague").id;
    let e = app_err(
        t.staff_act(
            &p,
            &receipt.reference,
            approved.version,
            Action::Assign { to_self: false },
            Some(colleague),
        )
        .await,
    );
    assert!(
        matches!(e, AppError::Lifecycle(LifecycleError::NotPermitted { .. })),
        "{e:?}"
    );
    // Escalation needs a target in scope.
    let e = app_err(
        t.staff_act(
            &p,
            &receipt.reference,
            approved.version,
            Action::Escalate {
                reason: "Atvaļinājums".into(),
            },
            Some(999_999),
        )
        .await,
    );
    assert!(
        matches!(e, AppError::Invalid(ref f) if f.get("assignee") == Some(&FieldError::Required)),
        "{e:?}"
    );
    // The requester cannot withdraw after the decision.
    let e = app_err(
        t.requester_act(
            &receipt.reference,
            &receipt.tracking_code,
            Action::Withdraw { reason: None },
            Lang::Lv,
        )
        .await,
    );
    assert!(matches!(e, AppError::Lifecycle(_)), "{e:?}");

    let after = t
        .staff_request(&p, &receipt.reference, Lang::Lv)
        .await
        .expect("view");
    assert_eq!(after.status, Status::Approved);
    assert_eq!(
        after.version, approved.version,
        "refused actions leave the version alone"
    );
    assert_eq!(
        app.count("request_events").await,
        events + 2,
        "only the two allowed actions were recorded"
    );

    // Escalating to a colleague works and records the reason.
    t.staff_act(
        &p,
        &receipt.reference,
        after.version,
        Action::Escalate {
            reason: "Atvaļinājums".into(),
        },
        Some(colleague),
    )
    .await
    .expect("escalate");
    let escalated = t
        .staff_request(&p, &receipt.reference, Lang::Lv)
        .await
        .expect("view");
    assert_eq!(escalated.assignee.map(|a| a.id), Some(colleague));
    assert_eq!(
        escalated
            .timeline
            .last()
            .and_then(|e| e.comment.clone())
            .as_deref(),
        Some("Atvaļinājums")
    );
}

async fn concurrent_staff_cannot_both_win(app: &TestApp) {
    let t = app.taka.clone();
    let receipt = t.submit(tree_request(), None).await.expect("submit");
    let a = app.staff("sniedzejs").await;
    let b = app.staff("sniedzejs2").await;
    let v = t
        .staff_request(&a, &receipt.reference, Lang::Lv)
        .await
        .expect("view")
        .version;
    // Both saw the same version; both act at once.
    let (ra, rb) = tokio::join!(
        {
            let t = t.clone();
            let r = receipt.reference.clone();
            async move {
                t.staff_act(
                    &a,
                    &r,
                    v,
                    Action::Register {
                        note: Some("A".into()),
                    },
                    None,
                )
                .await
            }
        },
        {
            let t = t.clone();
            let r = receipt.reference.clone();
            async move {
                t.staff_act(
                    &b,
                    &r,
                    v,
                    Action::Register {
                        note: Some("B".into()),
                    },
                    None,
                )
                .await
            }
        }
    );
    let wins = [ra.is_ok(), rb.is_ok()].iter().filter(|x| **x).count();
    assert_eq!(
        wins, 1,
        "exactly one of two concurrent actions succeeds: {ra:?} {rb:?}"
    );
    let loser = if ra.is_ok() { rb } else { ra };
    assert!(matches!(app_err(loser), AppError::Conflict));
    let (events,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM request_events e JOIN requests r ON r.id = e.request_id WHERE r.reference = $1",
    )
    .bind(&receipt.reference)
    .fetch_one(&t.db.read)
    .await
    .expect("count");
    assert_eq!(events, 2, "submit + one registration");

    // Many concurrent submissions get distinct references.
    let mut handles = Vec::new();
    for _ in 0..12 {
        let t = t.clone();
        handles.push(tokio::spawn(async move {
            t.submit(parking_request(), None).await.map(|r| r.reference)
        }));
    }
    let mut refs = std::collections::BTreeSet::new();
    for h in handles {
        refs.insert(h.await.expect("join").expect("submit"));
    }
    assert_eq!(refs.len(), 12);
}

async fn scope_is_enforced_for_every_role(app: &TestApp) {
    let t = &app.taka;
    let vnp = t.submit(parking_request(), None).await.expect("submit");
    let pmlp_values: BTreeMap<String, String> =
        [("personal_code", "010101-10000"), ("kind", "residence")]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
    let pmlp = t
        .submit(
            NewRequest {
                service_code: "PMLP-IZZINA".into(),
                values: pmlp_values,
                ..parking_request()
            },
            None,
        )
        .await
        .expect("submit");

    for (user, sees_vnp, sees_pmlp, acts) in [
        ("sniedzejs", true, false, true),
        ("saimnieks", true, false, true),
        ("vaditajs", true, false, true),
        ("admins", true, false, false),
        ("pmlp.sniedzejs", false, true, true),
        ("pmlp.saimnieks", false, true, true),
        ("pmlp.vaditajs", false, true, true),
    ] {
        let ctx = app.staff(user).await;
        for (receipt, sees) in [(&vnp, sees_vnp), (&pmlp, sees_pmlp)] {
            let view = t.staff_request(&ctx, &receipt.reference, Lang::Lv).await;
            if sees {
                let view = view
                    .unwrap_or_else(|e| panic!("{user} should see {}: {e:?}", receipt.reference));
                assert_eq!(!view.actions.is_empty(), acts, "{user} actions");
            } else {
                assert!(
                    matches!(app_err(view), AppError::Forbidden),
                    "{user} must not see {}",
                    receipt.reference
                );
                // Nor change it.
                let r = t
                    .staff_act(&ctx, &receipt.reference, 1, Action::StartAssessment, None)
                    .await;
                assert!(
                    matches!(app_err(r), AppError::Forbidden),
                    "{user} must not change {}",
                    receipt.reference
                );
            }
            let queue = t
                .queue(
                    &ctx,
                    &QueueFilter {
                        all: true,
                        ..Default::default()
                    },
                    Lang::Lv,
                )
                .await
                .expect("queue");
            assert_eq!(
                queue.items.iter().any(|i| i.reference == receipt.reference),
                sees,
                "{user} queue"
            );
        }
        if !acts {
            let v = t
                .staff_request(&ctx, &vnp.reference, Lang::Lv)
                .await
                .expect("view");
            let r = t
                .staff_act(
                    &ctx,
                    &vnp.reference,
                    v.version,
                    Action::StartAssessment,
                    None,
                )
                .await;
            assert!(
                matches!(
                    app_err(r),
                    AppError::Lifecycle(LifecycleError::NotPermitted { .. })
                ),
                "{user} reads only"
            );
        }
    }

    // A provider scoped to one service does not see another service of the same institution.
    t.create_user(app::server::service::NewUser {
        username: "only.parking".into(),
        display_name: "Only Parking".into(),
        email: None,
        password: common::DEMO_PASSWORD.into(),
        role: app::domain::Role::Provider,
        institution_code: "VNP".into(),
        service_codes: vec!["VNP-STAVATLAUJA".into()],
    })
    .await
    .expect("user");
    let narrow = app.staff("only.parking").await;
    let tree = t.submit(tree_request(), None).await.expect("submit");
    assert!(
        t.staff_request(&narrow, &vnp.reference, Lang::Lv)
            .await
            .is_ok()
    );
    assert!(matches!(
        app_err(t.staff_request(&narrow, &tree.reference, Lang::Lv).await),
        AppError::Forbidden
    ));
    // In-person registration is limited to the scope too.
    let r = t
        .submit(
            NewRequest {
                channel: Channel::InPerson,
                ..tree_request()
            },
            Some(&narrow),
        )
        .await;
    assert!(matches!(app_err(r), AppError::Forbidden));
    let ok = t
        .submit(
            NewRequest {
                channel: Channel::InPerson,
                ..parking_request()
            },
            Some(&narrow),
        )
        .await
        .expect("desk");
    let view = t
        .staff_request(&narrow, &ok.reference, Lang::Lv)
        .await
        .expect("view");
    assert_eq!(view.channel, Channel::InPerson);
}

async fn sessions_and_passwords(app: &TestApp) {
    let t = &app.taka;
    assert!(matches!(
        app_err(
            t.sign_in("sniedzejs", "wrong-password", &Client::local())
                .await
        ),
        AppError::BadCredentials
    ));
    assert!(matches!(
        app_err(
            t.sign_in("nobody", "wrong-password", &Client::local())
                .await
        ),
        AppError::BadCredentials
    ));
    let (token, user) = t
        .sign_in("sniedzejs", common::DEMO_PASSWORD, &Client::local())
        .await
        .expect("sign in");
    assert_eq!(user.username, "sniedzejs");
    let (hash,): (String,) =
        sqlx::query_as("SELECT password_hash FROM users WHERE username = 'sniedzejs'")
            .fetch_one(&t.db.read)
            .await
            .expect("hash");
    assert!(
        hash.starts_with("$argon2id$"),
        "passwords are stored as Argon2id hashes"
    );
    assert!(
        t.staff_for_session(&token, Lang::Lv)
            .await
            .expect("lookup")
            .is_some()
    );
    assert!(
        t.staff_for_session(&"0".repeat(64), Lang::Lv)
            .await
            .expect("lookup")
            .is_none()
    );
    t.sign_out(&token).await.expect("sign out");
    assert!(
        t.staff_for_session(&token, Lang::Lv)
            .await
            .expect("lookup")
            .is_none()
    );
}

async fn invalid_submissions_write_nothing(app: &TestApp) {
    let t = &app.taka;
    let before = app.count("requests").await;
    let mut bad = tree_request();
    bad.values.insert("tree_count".into(), "many".into());
    bad.values.remove("species");
    bad.values.insert("extra".into(), "x".into());
    bad.contact_email = "not-an-address".into();
    bad.contact_name = " ".into();
    let e = app_err(t.submit(bad, None).await);
    let fields = e.field_errors().expect("field errors").clone();
    assert_eq!(fields.get("tree_count"), Some(&FieldError::NotANumber));
    assert_eq!(fields.get("species"), Some(&FieldError::Required));
    assert_eq!(fields.get("extra"), Some(&FieldError::UnknownField));
    assert_eq!(fields.get("contact_email"), Some(&FieldError::InvalidEmail));
    assert_eq!(fields.get("contact_name"), Some(&FieldError::Required));
    let unknown = app_err(
        t.submit(
            NewRequest {
                service_code: "NOPE".into(),
                ..tree_request()
            },
            None,
        )
        .await,
    );
    assert_eq!(unknown, AppError::NotFound);
    assert_eq!(app.count("requests").await, before);
    assert_eq!(
        app.count("counters").await,
        0,
        "no reference number was used up"
    );
    // A wrong tracking code and an unknown reference look the same.
    let ok = t.submit(tree_request(), None).await.expect("submit");
    assert_eq!(
        app_err(t.track(&ok.reference, "AAAAA-AAAAA", Lang::Lv).await),
        AppError::NotFound
    );
    assert_eq!(
        app_err(t.track("PP-2099-999999", &ok.tracking_code, Lang::Lv).await),
        AppError::NotFound
    );
    // Codes are accepted however they are typed.
    let typed = ok.tracking_code.to_lowercase().replace('-', " ");
    assert!(
        t.track(&ok.reference.to_lowercase(), &typed, Lang::Lv)
            .await
            .is_ok()
    );
}

both_backends!(
    full_lifecycle_with_history,
    invalid_transitions_change_nothing,
    concurrent_staff_cannot_both_win,
    scope_is_enforced_for_every_role,
    sessions_and_passwords,
    invalid_submissions_write_nothing,
);
