//! Issue 9, automation per service, on SQLite and PostgreSQL: who may change a service's
//! automation (checked against its form, audited); approval on arrival through the
//! lifecycle as the system, with the rule in the history; assignment of approved requests
//! in turn or to the least busy provider; the demo's automated institution. Reminders and
//! duplicates: `reminders_and_duplicates.rs`.

mod common;

use app::domain::automation::{AssignRule, Automation, CompareOp, Condition};
use app::domain::{Action, ActionKind, Channel, FieldError, Lang, Role, Status};
use app::error::AppError;
use app::server::Taka;
use app::server::service::{NewRequest, NewUser, StaffContext};
use common::{DEMO_PASSWORD, TestApp, app_err};
use std::collections::BTreeMap;

const TREES: &str = "VNP-KOKU-CIRSANA";

fn tree_request(trees: &str, email: &str) -> NewRequest {
    let values: BTreeMap<String, String> = [
        ("cadastre", "96010010001"),
        ("tree_count", trees),
        ("species", "Bērzs"),
        ("reason", "Koki apdraud māju."),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    NewRequest {
        service_code: TREES.into(),
        values,
        contact_name: "Anna Bērziņa".into(),
        contact_email: email.into(),
        contact_phone: String::new(),
        lang: Lang::Lv,
        channel: Channel::Web,
        idempotency: None,
        files: Default::default(),
        origin: Default::default(),
    }
}

fn cond(field: &str, op: CompareOp, value: &str) -> Condition {
    Condition {
        field: field.into(),
        op,
        value: value.into(),
    }
}

/// Approve requests for at most 4 birches on arrival, handing them out by `assign`.
fn approving(assign: AssignRule, auto_register: bool) -> Automation {
    Automation {
        auto_register,
        assign,
        auto_approve: true,
        approve_when: vec![
            cond("tree_count", CompareOp::Below, "5"),
            cond("species", CompareOp::Equals, "Bērzs"),
        ],
        ..Automation::default()
    }
}

async fn user_id(t: &Taka, username: &str) -> i64 {
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&t.db.read)
        .await
        .expect("user");
    id
}

async fn service_id(t: &Taka, code: &str) -> i64 {
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM services WHERE code = $1")
        .bind(code)
        .fetch_one(&t.db.read)
        .await
        .expect("service");
    id
}

/// A request's history as (action, actor kind, rule).
async fn history(t: &Taka, reference: &str) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as(
        "SELECT e.action, e.actor_kind, e.rule FROM request_events e
         JOIN requests r ON r.id = e.request_id WHERE r.reference = $1 ORDER BY e.id",
    )
    .bind(reference)
    .fetch_all(&t.db.read)
    .await
    .expect("history")
}

async fn assignee_of(t: &Taka, reference: &str) -> Option<i64> {
    let (a,): (Option<i64>,) =
        sqlx::query_as("SELECT assignee_id FROM requests WHERE reference = $1")
            .bind(reference)
            .fetch_one(&t.db.read)
            .await
            .expect("request");
    a
}

/// The messages in the outbox made with `template`: (recipient, opened text body).
async fn mails(t: &Taka, template: &str) -> Vec<(String, String)> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT recipient, body_text FROM outbox WHERE template = $1 ORDER BY id")
            .bind(template)
            .fetch_all(&t.db.read)
            .await
            .expect("outbox");
    rows.into_iter()
        .map(|(to, body)| (to, t.secret().open(&body).unwrap_or(body)))
        .collect()
}

async fn act(t: &Taka, ctx: &StaffContext, reference: &str, action: Action) {
    let v = t
        .staff_request(ctx, reference, Lang::Lv)
        .await
        .expect("view")
        .version;
    t.staff_act(ctx, reference, v, action, None)
        .await
        .expect("act");
}

/// Only owners of the service and the heads of its institution change its automation;
/// settings that do not fit the form are refused per setting with nothing written; a
/// change is in the audit log with before and after.
async fn settings_are_guarded_checked_and_audited(app: &TestApp) {
    let t = &app.taka;
    let svc = service_id(t, TREES).await;
    let wanted = approving(AssignRule::RoundRobin, true);

    let provider = app.staff("sniedzejs").await;
    assert!(matches!(
        app_err(t.set_automation(&provider, TREES, &wanted).await),
        AppError::Forbidden
    ));
    let foreign_owner = app.staff("pmlp.saimnieks").await;
    assert!(matches!(
        app_err(t.set_automation(&foreign_owner, TREES, &wanted).await),
        AppError::NotFound
    ));
    // An owner of another service of the same institution.
    t.create_user(NewUser {
        username: "berni.saimnieks".into(),
        display_name: "Ilze Bērziņa".into(),
        email: None,
        password: DEMO_PASSWORD.into(),
        role: Role::Owner,
        institution_code: "VNP".into(),
        service_codes: vec!["VNP-BERNA-PABALSTS".into()],
    })
    .await
    .expect("owner of another service");
    let other_owner = app.staff("berni.saimnieks").await;
    let audits = app.count("audit_log").await;
    assert!(matches!(
        app_err(t.set_automation(&other_owner, TREES, &wanted).await),
        AppError::NotFound
    ));
    let mut analytics_token = app.staff("saimnieks").await;
    analytics_token.analytics_only = true;
    assert!(matches!(
        app_err(t.set_automation(&analytics_token, TREES, &wanted).await),
        AppError::Forbidden
    ));

    // Conditions on a field the form lacks, a word compared as a number, a reminder
    // after no days: each setting says what is wrong, nothing is written.
    let owner = app.staff("saimnieks").await;
    let mut bad = wanted.clone();
    bad.approve_when = vec![
        cond("no_such_field", CompareOp::Equals, "x"),
        cond("species", CompareOp::Below, "5"),
    ];
    bad.remind_information_days = Some(0);
    match app_err(t.set_automation(&owner, TREES, &bad).await) {
        AppError::Invalid(f) => {
            assert!(f.contains_key("approve_when"), "{f:?}");
            assert!(matches!(
                f.get("remind_information_days"),
                Some(FieldError::OutOfRange { .. })
            ));
        }
        e => panic!("expected field errors, got {e:?}"),
    }
    let empty = Automation {
        auto_approve: true,
        ..Automation::default()
    };
    match app_err(t.set_automation(&owner, TREES, &empty).await) {
        AppError::Invalid(f) => assert_eq!(f.get("approve_when"), Some(&FieldError::Required)),
        e => panic!("expected field errors, got {e:?}"),
    }
    assert_eq!(
        t.automation_of(svc).await.expect("read"),
        Automation::default()
    );
    assert_eq!(app.count("audit_log").await, audits, "nothing written");

    // The service's owner; and the institution's head.
    t.set_automation(&owner, TREES, &wanted)
        .await
        .expect("owner");
    assert_eq!(t.automation_of(svc).await.expect("read"), wanted);
    let (column,): (i64,) = sqlx::query_as("SELECT auto_register FROM services WHERE id = $1")
        .bind(svc)
        .fetch_one(&t.db.read)
        .await
        .expect("column");
    assert_eq!(column, 1, "auto_register kept in step");
    let (actor, action, before, after): (Option<i64>, String, Option<String>, Option<String>) =
        sqlx::query_as(
            "SELECT actor_user_id, action, before_json, after_json FROM audit_log
             WHERE entity = 'service' AND entity_key = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(TREES)
        .fetch_one(&t.db.read)
        .await
        .expect("audit");
    assert_eq!(actor, Some(owner.user.id));
    assert_eq!(action, "automation_changed");
    assert!(before.is_some_and(|b| b.contains("\"assign\":\"none\"")));
    assert!(after.is_some_and(|a| a.contains("round_robin") && a.contains("tree_count")));
    let head = app.staff("vaditajs").await;
    t.set_automation(&head, TREES, &Automation::default())
        .await
        .expect("portfolio owner");
    assert_eq!(app.count("audit_log").await, audits + 2);
}

/// A request that meets the conditions is approved by the system on arrival, each step in
/// the history with its rule, and handed to the service's providers in turn; one that
/// does not stays registered.
async fn approval_on_arrival_and_turns(app: &TestApp) {
    let t = &app.taka;
    let owner = app.staff("saimnieks").await;
    t.set_automation(&owner, TREES, &approving(AssignRule::RoundRobin, true))
        .await
        .expect("set");
    let (first, second) = (
        user_id(t, "sniedzejs").await,
        user_id(t, "sniedzejs2").await,
    );

    let r1 = t
        .submit(tree_request("3", "anna@example.lv"), None)
        .await
        .expect("submit");
    assert_eq!(r1.status, Status::InFulfilment, "approved and handed over");
    let sys = |action: &str, rule: &str| {
        (
            action.to_string(),
            "system".to_string(),
            Some(rule.to_string()),
        )
    };
    assert_eq!(
        history(t, &r1.reference).await,
        [
            ("submit".to_string(), "requester".to_string(), None),
            sys("register", "auto_register"),
            sys("start_assessment", "auto_approve"),
            sys("approve", "auto_approve"),
            sys("assign", "assign_round_robin"),
        ]
    );
    assert_eq!(assignee_of(t, &r1.reference).await, Some(first));
    // The requester is told of the decision, and sees the rule in their history.
    assert_eq!(mails(t, "approved").await.len(), 1);
    let view = t
        .track(&r1.reference, &r1.tracking_code, Lang::Lv)
        .await
        .expect("track");
    let approve = view
        .timeline
        .iter()
        .find(|e| e.action == ActionKind::Approve)
        .expect("approval shown");
    assert_eq!(approve.rule.as_deref(), Some("auto_approve"));
    assert!(view.timeline.iter().all(|e| e.action != ActionKind::Assign));
    // The API shows the rule too.
    let api: serde_json::Value = app
        .http
        .get(app.url(&format!("/api/v1/requests/{}", r1.reference)))
        .header("x-tracking-code", &r1.tracking_code)
        .send()
        .await
        .expect("api")
        .json()
        .await
        .expect("json");
    let rules: Vec<&str> = api["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|e| e["rule"].as_str())
        .collect();
    assert_eq!(rules, ["auto_register", "auto_approve", "auto_approve"]);

    // Turns: the other provider, then the first again.
    let r2 = t
        .submit(tree_request("1", "peteris@example.lv"), None)
        .await
        .expect("submit");
    let r3 = t
        .submit(tree_request("4", "liga@example.lv"), None)
        .await
        .expect("submit");
    assert_eq!(assignee_of(t, &r2.reference).await, Some(second));
    assert_eq!(assignee_of(t, &r3.reference).await, Some(first));

    // Too many trees: registered as it arrived, and left for staff.
    let r4 = t
        .submit(tree_request("9", "janis@example.lv"), None)
        .await
        .expect("submit");
    assert_eq!(r4.status, Status::Registered);
    assert_eq!(
        history(t, &r4.reference).await,
        [
            ("submit".to_string(), "requester".to_string(), None),
            sys("register", "auto_register"),
        ]
    );
    assert_eq!(assignee_of(t, &r4.reference).await, None);
}

/// Approval on arrival registers first when the service does not; the least busy provider
/// gets each approved request, also one a person approved.
async fn least_open_and_staff_approvals(app: &TestApp) {
    let t = &app.taka;
    let owner = app.staff("saimnieks").await;
    t.set_automation(&owner, TREES, &approving(AssignRule::LeastOpen, false))
        .await
        .expect("set");
    let (first, second) = (
        user_id(t, "sniedzejs").await,
        user_id(t, "sniedzejs2").await,
    );
    let mut refs = Vec::new();
    for email in ["a@example.lv", "b@example.lv", "c@example.lv"] {
        let r = t
            .submit(tree_request("2", email), None)
            .await
            .expect("submit");
        refs.push(r.reference);
    }
    let rules: Vec<Option<String>> = history(t, &refs[0])
        .await
        .into_iter()
        .map(|e| e.2)
        .collect();
    assert_eq!(
        rules,
        [
            None,
            Some("auto_register".into()),
            Some("auto_approve".into()),
            Some("auto_approve".into()),
            Some("assign_least_open".into())
        ]
    );
    // Both had none: the longest-serving; then the other; then equal again.
    assert_eq!(assignee_of(t, &refs[0]).await, Some(first));
    assert_eq!(assignee_of(t, &refs[1]).await, Some(second));
    assert_eq!(assignee_of(t, &refs[2]).await, Some(first));

    // No approval on arrival now; the owner approves by hand, and the rule still assigns:
    // to the provider with one open request against two.
    let manual = Automation {
        auto_approve: false,
        approve_when: Vec::new(),
        ..approving(AssignRule::LeastOpen, false)
    };
    t.set_automation(&owner, TREES, &manual).await.expect("set");
    let r = t
        .submit(tree_request("2", "d@example.lv"), None)
        .await
        .expect("submit");
    assert_eq!(r.status, Status::Submitted);
    act(t, &owner, &r.reference, Action::Register { note: None }).await;
    act(t, &owner, &r.reference, Action::StartAssessment).await;
    act(t, &owner, &r.reference, Action::Approve { note: None }).await;
    assert_eq!(assignee_of(t, &r.reference).await, Some(second));
    let last = history(t, &r.reference).await.pop().expect("event");
    assert_eq!(
        last,
        (
            "assign".to_string(),
            "system".to_string(),
            Some("assign_least_open".to_string())
        )
    );
    // The provider hears of it.
    let p2 = app.staff("sniedzejs2").await;
    let (notes, _) = t.notifications(&p2, Lang::Lv).await.expect("notes");
    assert_eq!(notes.iter().filter(|n| n.kind == "assigned").count(), 2);
}

/// The demo's state institution runs with automation: a statement about oneself in two
/// copies is approved and handed to one of its providers on arrival; the whole demo still
/// reaches every status.
async fn the_demo_runs_with_automation(app: &TestApp) {
    let t = &app.taka;
    let values = |copies: &str| -> BTreeMap<String, String> {
        [
            ("personal_code", "010101-10000"),
            ("kind", "residence"),
            ("about_self", "yes"),
            ("copies", copies),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    let statement = |copies: &str, email: &str| NewRequest {
        service_code: "PMLP-IZZINA".into(),
        values: values(copies),
        contact_name: "Anna Bērziņa".into(),
        contact_email: email.into(),
        contact_phone: String::new(),
        lang: Lang::En,
        channel: Channel::Web,
        idempotency: None,
        files: Default::default(),
        origin: Default::default(),
    };
    let approved = t
        .submit(statement("2", "anna@example.lv"), None)
        .await
        .expect("submit");
    assert_eq!(approved.status, Status::InFulfilment);
    let providers = [
        user_id(t, "pmlp.sniedzejs").await,
        user_id(t, "pmlp.ozols").await,
    ];
    assert!(
        assignee_of(t, &approved.reference)
            .await
            .is_some_and(|a| providers.contains(&a))
    );
    let waiting = t
        .submit(statement("4", "peteris@example.lv"), None)
        .await
        .expect("submit");
    assert_eq!(waiting.status, Status::Registered);

    let made = app::server::demo::load_requests(t).await.expect("demo");
    assert_eq!(made, 56);
    let statuses: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT status FROM requests")
        .fetch_all(&t.db.read)
        .await
        .expect("statuses");
    assert_eq!(statuses.len(), Status::ALL.len(), "{statuses:?}");
    let (automated,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM request_events WHERE rule = 'assign_least_open'")
            .fetch_one(&t.db.read)
            .await
            .expect("count");
    assert!(automated > 1, "demo requests were assigned by the rule");
}

both_backends!(
    settings_are_guarded_checked_and_audited,
    approval_on_arrival_and_turns,
    least_open_and_staff_approvals,
    the_demo_runs_with_automation,
);
