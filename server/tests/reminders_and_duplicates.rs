//! Issue 9, automation per service, on SQLite and PostgreSQL, the parts that follow a
//! request over time or across requests: the sweep reminds the requester and the assignee,
//! once each; a second open request from the same contact is flagged to staff and named
//! only in the mail to that contact.

mod common;

use app::domain::automation::Automation;
use app::domain::{Action, ActionKind, Channel, Lang, Status};
use app::server::Taka;
use app::server::service::{NewRequest, StaffContext};
use chrono::TimeZone;
use common::TestApp;
use std::collections::BTreeMap;

const TREES: &str = "VNP-KOKU-CIRSANA";
const HOUR: i64 = 3600;
/// Monday 2026-11-23 09:00 in Riga (a full working week follows).
fn monday_9() -> i64 {
    chrono::Utc
        .with_ymd_and_hms(2026, 11, 23, 7, 0, 0)
        .single()
        .map(|t| t.timestamp())
        .expect("time")
}

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

/// The sweep reminds the requester once when a question has waited the service's working
/// days, and the assignee once at 60 % of a stage, before the at-risk point.
async fn reminders_go_once(app: &TestApp) {
    let t = app.taka_at(monday_9());
    let owner = app.staff("saimnieks").await;
    let provider = app.staff("sniedzejs").await;
    let automation = Automation {
        auto_register: true,
        remind_information_days: Some(2),
        remind_assignee: true,
        ..Automation::default()
    };
    t.set_automation(&owner, TREES, &automation)
        .await
        .expect("set");
    let r = t
        .submit(tree_request("7", "anna@example.lv"), None)
        .await
        .expect("submit");
    let reference = &r.reference;
    act(&t, &provider, reference, Action::StartAssessment).await;
    act(
        &t,
        &provider,
        reference,
        Action::RequestInformation {
            reason: "Lūdzu, pievienojiet zemes robežu plānu.".into(),
        },
    )
    .await;

    // Asked on Monday; two working days have passed at the end of Wednesday.
    t.clock().set(monday_9() + 2 * 24 * HOUR + 3 * HOUR);
    assert_eq!(
        t.sla_sweep().await.expect("sweep").reminders,
        0,
        "Wednesday noon"
    );
    t.clock().set(monday_9() + 3 * 24 * HOUR);
    assert_eq!(t.sla_sweep().await.expect("sweep").reminders, 1, "Thursday");
    assert_eq!(t.sla_sweep().await.expect("again").reminders, 0, "once");
    let sent = mails(&t, "information_reminder").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "anna@example.lv");
    assert!(sent[0].1.contains("zemes robežu plānu") && sent[0].1.contains(reference.as_str()));
    let view = t
        .track(reference, &r.tracking_code, Lang::Lv)
        .await
        .expect("track");
    let reminder = view
        .timeline
        .iter()
        .find(|e| e.action == ActionKind::Reminder)
        .expect("the requester sees the reminder");
    assert_eq!(reminder.rule.as_deref(), Some("information_reminder"));
    assert_eq!(reminder.to_status, Status::AwaitingInformation);

    // Answered, approved, taken: the fulfilment stage runs with an assignee.
    t.requester_act(
        reference,
        &r.tracking_code,
        Action::ProvideInformation {
            answer: "Plāns pievienots.".into(),
        },
        Lang::Lv,
    )
    .await
    .expect("answer");
    act(&t, &provider, reference, Action::Approve { note: None }).await;
    act(&t, &provider, reference, Action::Assign { to_self: true }).await;
    let start = t.now();
    let (mut reminded_at, mut at_risk_at) = (None, None);
    for step in 1..=200 {
        t.clock().set(start + step * 3 * HOUR);
        let s = t.sla_sweep().await.expect("sweep");
        if s.reminders > 0 {
            assert!(reminded_at.is_none(), "reminded twice");
            assert!(at_risk_at.is_none(), "reminded after the at-risk point");
            let v = t
                .staff_request(&provider, reference, Lang::Lv)
                .await
                .expect("view");
            assert_eq!(v.sla.state, app::domain::SlaState::OnTime);
            reminded_at = Some(step);
        }
        if s.at_risk > 0 {
            at_risk_at = Some(step);
            break;
        }
    }
    let (reminded, risk) = (reminded_at.expect("reminded"), at_risk_at.expect("at risk"));
    assert!(reminded < risk);
    let (notes, _) = t.notifications(&provider, Lang::Lv).await.expect("notes");
    assert_eq!(notes.iter().filter(|n| n.kind == "reminder").count(), 1);
    let sent = mails(&t, "assignee_reminder").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "sniedzejs@demo.taka.lv");
    let staff_view = t
        .staff_request(&provider, reference, Lang::Lv)
        .await
        .expect("view");
    let reminders: Vec<(Option<String>, bool)> = staff_view
        .timeline
        .iter()
        .filter(|e| e.action == ActionKind::Reminder)
        .map(|e| (e.rule.clone(), e.visible_to_requester))
        .collect();
    assert_eq!(
        reminders,
        [
            (Some("information_reminder".into()), true),
            (Some("assignee_reminder".into()), false)
        ]
    );
}

/// A second open request from the same contact for the same service is flagged to staff;
/// only the mail to the same address names the first one; the receipt page never does.
async fn duplicates_are_flagged_without_telling_anyone_else(app: &TestApp) {
    let t = &app.taka;
    let provider = app.staff("sniedzejs").await;
    let parking = |email: &str, phone: &str| NewRequest {
        contact_phone: phone.into(),
        ..common::parking_request(email)
    };
    let first = t
        .submit(parking("anna@example.lv", ""), None)
        .await
        .expect("first");
    let again = t
        .submit(parking("ANNA@Example.lv", ""), None)
        .await
        .expect("again");
    let other = t
        .submit(parking("peteris@example.lv", ""), None)
        .await
        .expect("other");
    let dup_of = |reference: String| {
        let provider = provider.clone();
        async move {
            t.staff_request(&provider, &reference, Lang::Lv)
                .await
                .expect("view")
                .duplicate_of
        }
    };
    assert_eq!(
        dup_of(again.reference.clone()).await,
        Some(first.reference.clone())
    );
    assert_eq!(dup_of(first.reference.clone()).await, None);
    assert_eq!(dup_of(other.reference.clone()).await, None);

    // The receipt mail to that address names the open request; the others do not.
    let receipts = mails(t, "receipt").await;
    assert_eq!(receipts.len(), 3);
    assert!(!receipts[0].1.contains("atvērts pieprasījums"));
    assert!(
        receipts[1].1.contains(&first.reference),
        "{}",
        receipts[1].1
    );
    assert!(
        receipts[1]
            .1
            .contains(&format!("/track?ref={}", first.reference))
    );
    assert!(!receipts[2].1.contains(&first.reference));
    // The receipt page shows nothing of it.
    let page = app
        .http
        .get(app.url(&format!("/receipt?ref={}", again.reference)))
        .header("accept", "text/html")
        .header(
            "cookie",
            common::tracking_cookie(&again.reference, &again.tracking_code),
        )
        .send()
        .await
        .expect("receipt page");
    assert!(page.status().is_success());
    let html = page.text().await.expect("html");
    assert!(html.contains(&again.reference));
    assert!(
        !html.contains(&first.reference),
        "the page names the other request"
    );

    // The same phone from another address: flagged for staff, not named in the mail.
    let by_phone = t
        .submit(parking("liga@example.lv", "+371 2000 0001"), None)
        .await
        .expect("phone");
    let same_phone = t
        .submit(parking("janis@example.lv", "+37120000001"), None)
        .await
        .expect("same phone");
    assert_eq!(
        dup_of(same_phone.reference.clone()).await,
        Some(by_phone.reference.clone())
    );
    let receipts = mails(t, "receipt").await;
    assert!(!receipts[4].1.contains(&by_phone.reference));

    // Once the first request is withdrawn, a new one is not a duplicate.
    for r in [&first, &again] {
        t.requester_act(
            &r.reference,
            &r.tracking_code,
            Action::Withdraw { reason: None },
            Lang::Lv,
        )
        .await
        .expect("withdraw");
    }
    let later = t
        .submit(parking("anna@example.lv", ""), None)
        .await
        .expect("later");
    assert_eq!(dup_of(later.reference).await, None);
}

both_backends!(
    reminders_go_once,
    duplicates_are_flagged_without_telling_anyone_else,
);
