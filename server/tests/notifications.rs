//! Service levels and notifications on a real database (SQLite and PostgreSQL) with mail
//! delivered over a real SMTP conversation to a sink started by the test.

mod common;

use app::domain::{Action, Channel, Lang, SlaStage, SlaState, Status};
use app::server::Taka;
use app::server::mailer::Mailer;
use app::server::service::{NewRequest, StaffContext};
use chrono::TimeZone;
use common::TestApp;
use common::smtp::SmtpSink;
use std::collections::BTreeMap;

/// Monday 2026-11-23 09:00 in Riga (UTC+2 in winter).
fn monday_9() -> i64 {
    chrono::Utc
        .with_ymd_and_hms(2026, 11, 23, 7, 0, 0)
        .single()
        .map(|t| t.timestamp())
        .expect("time")
}
const HOUR: i64 = 3600;

fn tree_request(lang: Lang, email: &str) -> NewRequest {
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
        contact_name: "Anna Bērziņa".into(),
        contact_email: email.into(),
        contact_phone: String::new(),
        lang,
        channel: Channel::Web,
        idempotency: None,
        files: Default::default(),
        origin: Default::default(),
    }
}

async fn act(t: &Taka, ctx: &StaffContext, reference: &str, action: Action, target: Option<i64>) {
    let v = t
        .staff_request(ctx, reference, Lang::Lv)
        .await
        .expect("view")
        .version;
    t.staff_act(ctx, reference, v, action, target)
        .await
        .expect("act");
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&app.taka.db.read)
        .await
        .expect("user");
    id
}

async fn event_actions(app: &TestApp, reference: &str) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT e.action FROM request_events e JOIN requests r ON r.id = e.request_id
         WHERE r.reference = $1 ORDER BY e.id",
    )
    .bind(reference)
    .fetch_all(&app.taka.db.read)
    .await
    .expect("events");
    rows.into_iter().map(|r| r.0).collect()
}

fn text_of(m: &common::smtp::Received) -> (String, String, String, String) {
    let p = m.parsed();
    (
        p.subject().unwrap_or_default().to_string(),
        p.body_text(0).map(|b| b.to_string()).unwrap_or_default(),
        p.body_html(0).map(|b| b.to_string()).unwrap_or_default(),
        p.header_raw("Content-Language")
            .unwrap_or_default()
            .trim()
            .to_string(),
    )
}

/// The requester hears, in their language, of receipt, a question, the decision and the
/// result; a colleague hears of an assignment; staff see the delivery on the request.
async fn requester_is_told_in_their_language(app: &TestApp) {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url(), "Taka <noreply@taka.test>").expect("mailer");
    let t = app
        .taka
        .clone()
        .with_public_url("https://portals.example.lv");
    let provider = app.staff("sniedzejs").await;
    let owner = app.staff("saimnieks").await;

    let en = t
        .submit(tree_request(Lang::En, "anna@example.lv"), None)
        .await
        .expect("submit");
    assert_eq!(t.drain_outbox(&mailer).await.expect("deliver"), 1);
    let mails = sink.messages();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["anna@example.lv".to_string()]);
    let (subject, text, html, lang) = text_of(&mails[0]);
    assert!(subject.contains(&en.reference), "{subject}");
    assert!(text.contains("Hello"), "{text}");
    assert!(
        text.contains(&en.tracking_code),
        "the receipt carries the code"
    );
    // The code rides in the fragment, which never reaches a server or a log.
    assert!(text.contains(&format!(
        "https://portals.example.lv/track?ref={}#code={}",
        en.reference, en.tracking_code
    )));
    assert!(html.contains("<a href=\"https://portals.example.lv/track?ref="));
    assert!(html.contains("#code="), "{html}");
    assert_eq!(lang, "en");

    let r = &en.reference;
    act(&t, &provider, r, Action::Register { note: None }, None).await;
    act(&t, &provider, r, Action::StartAssessment, None).await;
    act(
        &t,
        &provider,
        r,
        Action::RequestInformation {
            reason: "Which trees exactly?\nPlease mark them on a plan.".into(),
        },
        None,
    )
    .await;
    t.requester_act(
        r,
        &en.tracking_code,
        Action::ProvideInformation {
            answer: "The three birches by the house.".into(),
        },
        Lang::En,
    )
    .await
    .expect("answer");
    act(&t, &provider, r, Action::Approve { note: None }, None).await;
    let colleague = user_id(app, "sniedzejs2").await;
    act(
        &t,
        &owner,
        r,
        Action::Assign { to_self: false },
        Some(colleague),
    )
    .await;
    act(
        &t,
        &provider,
        r,
        Action::Fulfil {
            result: "Permit no. 12 issued.".into(),
        },
        None,
    )
    .await;
    assert_eq!(t.drain_outbox(&mailer).await.expect("deliver"), 4);
    let mails = sink.messages();
    let by_subject: Vec<(Vec<String>, String, String, String)> = mails[1..]
        .iter()
        .map(|m| {
            let (s, text, html, _) = text_of(m);
            (m.to.clone(), s, text, html)
        })
        .collect();
    // The question (with its line break kept in HTML), the decision, the hand-over to the
    // colleague (in Latvian, the staff language), and the result with a rating link.
    assert!(by_subject[0].2.contains("Which trees exactly?"));
    assert!(by_subject[0].3.contains("Which trees exactly?<br>"));
    assert!(by_subject[0].2.contains(&format!("/track?ref={r}")));
    assert!(
        !by_subject[0].2.contains(&en.tracking_code),
        "only the receipt carries the code"
    );
    assert_eq!(
        by_subject[1].1,
        format!("Your request {r} has been approved")
    );
    assert_eq!(by_subject[2].0, vec!["sniedzejs2@demo.taka.lv".to_string()]);
    assert!(by_subject[2].2.contains("Labdien"), "staff mail in Latvian");
    assert!(
        by_subject[2]
            .2
            .contains(&format!("https://portals.example.lv/staff/requests/{r}"))
    );
    assert!(by_subject[3].2.contains("Permit no. 12 issued."));
    assert_eq!(by_subject[3].0, vec!["anna@example.lv".to_string()]);

    // A Latvian request refused with a reason: the reason reaches the requester in Latvian.
    let lv = t
        .submit(tree_request(Lang::Lv, "janis@example.lv"), None)
        .await
        .expect("submit");
    act(
        &t,
        &provider,
        &lv.reference,
        Action::Register { note: None },
        None,
    )
    .await;
    act(&t, &provider, &lv.reference, Action::StartAssessment, None).await;
    act(
        &t,
        &provider,
        &lv.reference,
        Action::Refuse {
            reason: "Zemes gabals nav novadā.".into(),
        },
        None,
    )
    .await;
    assert_eq!(t.drain_outbox(&mailer).await.expect("deliver"), 2);
    let last = sink
        .messages()
        .into_iter()
        .rfind(|m| m.to == ["janis@example.lv"])
        .expect("refusal");
    let (subject, text, _, lang) = text_of(&last);
    assert_eq!(lang, "lv");
    assert!(text.contains("Zemes gabals nav novadā."), "{text}");
    assert!(subject.contains(&lv.reference));
    assert!(text.contains("Labdien"));

    // Staff see each message and its delivery on the request (addresses partly hidden).
    let view = t.staff_request(&provider, r, Lang::Lv).await.expect("view");
    let templates: Vec<&str> = view
        .deliveries
        .iter()
        .map(|d| d.template.as_str())
        .collect();
    assert_eq!(
        templates,
        [
            "receipt",
            "information_requested",
            "approved",
            "assigned",
            "fulfilled"
        ]
    );
    assert!(view.deliveries.iter().all(|d| d.status == "sent"));
    assert_eq!(view.deliveries[0].recipient, "a***@example.lv");
    // The colleague also has it in the app.
    let colleague_ctx = app.staff("sniedzejs2").await;
    let (items, unread) = t
        .notifications(&colleague_ctx, Lang::Lv)
        .await
        .expect("notifications");
    assert_eq!(unread, 1);
    assert_eq!(items[0].kind, "assigned");
    assert_eq!(items[0].reference.as_deref(), Some(r.as_str()));
    t.mark_notifications_read(&colleague_ctx)
        .await
        .expect("read");
    assert_eq!(
        t.notifications(&colleague_ctx, Lang::Lv)
            .await
            .expect("n")
            .1,
        0
    );
    // Sent bodies are not kept (the receipt held the tracking code).
    let (kept,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND (body_text <> '' OR body_html <> '')",
    )
    .fetch_one(&app.taka.db.read)
    .await
    .expect("count");
    assert_eq!(kept, 0);
    sink.stop().await;
}

/// With the SMTP server down the message waits and is retried with back-off; when the
/// server is back it is delivered once.
async fn retry_after_the_server_was_down(app: &TestApp) {
    let sink = SmtpSink::start().await;
    let (addr, received) = sink.stop().await;
    let mailer = Mailer::smtp(&format!("smtp://{addr}"), "noreply@taka.test").expect("mailer");
    let t = app.taka_at(monday_9());
    let receipt = t
        .submit(tree_request(Lang::Lv, "anna@example.lv"), None)
        .await
        .expect("submit");
    assert_eq!(t.deliver_outbox(&mailer).await.expect("round"), 1);
    let (status, attempts, error, next): (String, i64, Option<String>, i64) =
        sqlx::query_as("SELECT status, attempts, last_error, next_attempt_at FROM outbox")
            .fetch_one(&app.taka.db.read)
            .await
            .expect("row");
    assert_eq!((status.as_str(), attempts), ("pending", 1));
    assert!(error.is_some());
    assert_eq!(next, monday_9() + 30, "first retry after 30 s");
    // Staff see that it has not gone yet, and why.
    let provider = app.staff("sniedzejs").await;
    let view = t
        .staff_request(&provider, &receipt.reference, Lang::Lv)
        .await
        .expect("view");
    assert_eq!(view.deliveries[0].status, "pending");
    assert!(view.deliveries[0].last_error.is_some());

    // Down again at the second attempt: the wait doubles.
    t.clock().set(monday_9() + 31);
    assert_eq!(t.deliver_outbox(&mailer).await.expect("round"), 1);
    let (attempts, next): (i64, i64) =
        sqlx::query_as("SELECT attempts, next_attempt_at FROM outbox")
            .fetch_one(&app.taka.db.read)
            .await
            .expect("row");
    assert_eq!((attempts, next), (2, monday_9() + 31 + 60));

    let sink = SmtpSink::start_on(addr, received).await;
    assert_eq!(
        t.deliver_outbox(&mailer).await.expect("round"),
        0,
        "not due yet"
    );
    t.clock().set(monday_9() + 100);
    assert_eq!(t.drain_outbox(&mailer).await.expect("round"), 1);
    assert_eq!(sink.messages().len(), 1);
    assert_eq!(t.drain_outbox(&mailer).await.expect("round"), 0);
    assert_eq!(sink.messages().len(), 1);
    let (status,): (String,) = sqlx::query_as("SELECT status FROM outbox")
        .fetch_one(&app.taka.db.read)
        .await
        .expect("row");
    assert_eq!(status, "sent");
    sink.stop().await;
}

/// A worker that claimed messages and died leaves them leased; after the lease another
/// process sends them, once. Two workers at once never send one message twice, and
/// a restarted process does not send again what was sent.
async fn no_duplicate_after_a_restart(app: &TestApp) {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url(), "noreply@taka.test").expect("mailer");
    let t = app.taka_at(monday_9());
    for i in 0..6 {
        t.submit(tree_request(Lang::Lv, &format!("p{i}@example.lv")), None)
            .await
            .expect("submit");
    }
    // A worker claims two messages and is killed before sending.
    sqlx::query(
        "UPDATE outbox SET locked_until = $1, attempts = attempts + 1
         WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT 2)",
    )
    .bind(monday_9() + app::server::mailer::LEASE_SECONDS)
    .execute(&app.taka.db.write)
    .await
    .expect("claim");
    // Two fresh processes deliver at once: the four free messages, each once.
    let a = app.taka_at(monday_9());
    let b = app.taka_at(monday_9());
    let (na, nb) = tokio::join!(a.drain_outbox(&mailer), b.drain_outbox(&mailer));
    assert_eq!(na.expect("a") + nb.expect("b"), 4);
    assert_eq!(sink.messages().len(), 4);
    // After the dead worker's lease the other two go, once.
    a.clock()
        .set(monday_9() + app::server::mailer::LEASE_SECONDS + 1);
    b.clock()
        .set(monday_9() + app::server::mailer::LEASE_SECONDS + 1);
    let (na, nb) = tokio::join!(a.drain_outbox(&mailer), b.drain_outbox(&mailer));
    assert_eq!(na.expect("a") + nb.expect("b"), 2);
    // A restarted process finds nothing to send.
    let restarted = app.taka_at(monday_9() + 7 * 86_400);
    assert_eq!(restarted.drain_outbox(&mailer).await.expect("drain"), 0);
    let mut to: Vec<String> = sink.messages().iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        (0..6)
            .map(|i| format!("p{i}@example.lv"))
            .collect::<Vec<_>>()
    );
    // The same cause never writes a second message.
    let (dupes,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM (SELECT dedupe_key FROM outbox GROUP BY dedupe_key HAVING COUNT(*) > 1) d",
    )
    .fetch_one(&app.taka.db.read)
    .await
    .expect("count");
    assert_eq!(dupes, 0);
    sink.stop().await;
}

/// The clock runs on working time; the sweep marks at risk, then breached, exactly once
/// (also with two sweeps racing), records it in the history and tells the right people.
async fn sweep_marks_risk_and_breach_once(app: &TestApp) {
    let t = app.taka_at(monday_9());
    let receipt = t
        .submit(tree_request(Lang::Lv, ""), None)
        .await
        .expect("submit");
    let r = &receipt.reference;
    let view = t
        .track(r, &receipt.tracking_code, Lang::Lv)
        .await
        .expect("track");
    assert_eq!(view.sla.state, SlaState::OnTime);
    assert_eq!(view.sla.stage, Some(SlaStage::Register));
    // 8 working hours from Monday 09:00 is Monday 17:00.
    assert_eq!(view.sla.stage_due.as_deref(), Some("23.11.2026. 17:00"));

    t.clock().set(monday_9() + 6 * HOUR);
    assert_eq!(t.sla_sweep().await.expect("sweep").at_risk, 0, "75 % used");
    t.clock().set(monday_9() + 6 * HOUR + 30 * 60);
    let s = t.sla_sweep().await.expect("sweep");
    assert_eq!((s.at_risk, s.breached), (1, 0));
    assert_eq!(t.sla_sweep().await.expect("again").at_risk, 0, "once");
    // Nobody is assigned yet: the service owner hears of the risk.
    let owner = app.staff("saimnieks").await;
    let (items, _) = t.notifications(&owner, Lang::Lv).await.expect("n");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].kind, "at_risk");

    // Tuesday 10:00: late. Two processes sweep at once; one records it.
    let a = app.taka_at(monday_9() + 25 * HOUR);
    let b = app.taka_at(monday_9() + 25 * HOUR);
    let (sa, sb) = tokio::join!(a.sla_sweep(), b.sla_sweep());
    assert_eq!(sa.expect("a").breached + sb.expect("b").breached, 1);
    let events = event_actions(app, r).await;
    assert_eq!(
        events,
        ["submit", "sla_at_risk", "sla_breached", "sla_escalated"]
    );
    let (items, unread) = a.notifications(&owner, Lang::Lv).await.expect("n");
    assert_eq!(unread, 2);
    assert_eq!(items[0].kind, "breached");
    let view = a
        .track(r, &receipt.tracking_code, Lang::Lv)
        .await
        .expect("track");
    assert_eq!(view.sla.state, SlaState::Breached);
    // The staff queue and page show it overdue by Tuesday's 1.5 working hours.
    let provider = app.staff("sniedzejs").await;
    let page = a.staff_request(&provider, r, Lang::Lv).await.expect("page");
    assert_eq!(page.sla.time_left_minutes, Some(-90));
    assert!(page.overdue);
    // The requester does not see internal service-level events.
    assert!(
        view.timeline
            .iter()
            .all(|e| !e.action.as_str().starts_with("sla_"))
    );
    // Registering late starts the decision clock; the request stays "missed" in the end.
    act(&a, &provider, r, Action::Register { note: None }, None).await;
    let page = a.staff_request(&provider, r, Lang::Lv).await.expect("page");
    assert_eq!(page.sla.stage, Some(SlaStage::Decide));
    assert_eq!(page.sla.state, SlaState::OnTime);
    act(&a, &provider, r, Action::StartAssessment, None).await;
    act(
        &a,
        &provider,
        r,
        Action::Refuse {
            reason: "Nav pamata.".into(),
        },
        None,
    )
    .await;
    let page = a.staff_request(&provider, r, Lang::Lv).await.expect("page");
    assert_eq!(page.sla.state, SlaState::Missed);
}

/// Waiting for the requester stops the clock; answering resumes it with the time left.
async fn the_clock_pauses_while_waiting_for_the_requester(app: &TestApp) {
    let t = app.taka_at(monday_9());
    let provider = app.staff("sniedzejs").await;
    let receipt = t
        .submit(tree_request(Lang::Lv, ""), None)
        .await
        .expect("submit");
    let r = &receipt.reference;
    act(&t, &provider, r, Action::Register { note: None }, None).await;
    act(&t, &provider, r, Action::StartAssessment, None).await;
    let before = t.staff_request(&provider, r, Lang::Lv).await.expect("page");
    let left_before = before.sla.time_left_minutes.expect("left");
    act(
        &t,
        &provider,
        r,
        Action::RequestInformation {
            reason: "Lūdzu plānu.".into(),
        },
        None,
    )
    .await;
    // A month passes: paused, never late, nothing swept.
    t.clock().set(monday_9() + 30 * 86_400);
    assert_eq!(t.sla_sweep().await.expect("sweep").breached, 0);
    let view = t
        .track(r, &receipt.tracking_code, Lang::Lv)
        .await
        .expect("track");
    assert_eq!(view.sla.state, SlaState::Paused);
    t.requester_act(
        r,
        &receipt.tracking_code,
        Action::ProvideInformation {
            answer: "Plāns pievienots.".into(),
        },
        Lang::Lv,
    )
    .await
    .expect("answer");
    let after = t.staff_request(&provider, r, Lang::Lv).await.expect("page");
    assert_eq!(after.sla.state, SlaState::OnTime);
    assert_eq!(
        after.sla.time_left_minutes,
        Some(left_before),
        "the same working time is left"
    );
    assert_eq!(after.status, Status::UnderAssessment);
}

/// A service whose share on time falls below target is escalated to the institution's
/// portfolio owner, once a week.
async fn compliance_below_target_reaches_the_portfolio_owner(app: &TestApp) {
    let t = app.taka_at(monday_9());
    let provider = app.staff("sniedzejs").await;
    for _ in 0..5 {
        let rc = t
            .submit(tree_request(Lang::Lv, ""), None)
            .await
            .expect("submit");
        act(
            &t,
            &provider,
            &rc.reference,
            Action::Register { note: None },
            None,
        )
        .await;
    }
    // The decision is due within 10 working days (Monday 7 December, 17:00); three weeks
    // later every one is late.
    t.clock().set(monday_9() + 21 * 86_400);
    let s = t.sla_sweep().await.expect("sweep");
    assert_eq!(s.breached, 5);
    assert_eq!(s.services, 1);
    assert_eq!(
        t.sla_sweep().await.expect("again").services,
        0,
        "once a week"
    );
    let head = app.staff("vaditajs").await;
    let (items, _) = t.notifications(&head, Lang::Lv).await.expect("n");
    let compliance: Vec<_> = items.iter().filter(|n| n.kind == "compliance").collect();
    assert_eq!(compliance.len(), 1);
    assert_eq!(compliance[0].detail.as_deref(), Some("0 %"));
}

/// The calendar is data: making a Monday a holiday moves a deadline that crosses it, and
/// bad input changes nothing.
async fn calendar_edits_move_deadlines(app: &TestApp) {
    // Friday 4 December 16:00: 1 h on Friday, 7 h on Monday → Monday 15:30.
    let friday_16 = monday_9() + 11 * 86_400 + 7 * HOUR;
    let t = app.taka_at(friday_16);
    let a = t
        .submit(tree_request(Lang::Lv, ""), None)
        .await
        .expect("submit");
    let code = a.tracking_code.clone();
    let due = |v: app::model::TrackingView| v.sla.stage_due;
    assert_eq!(
        due(t.track(&a.reference, &code, Lang::Lv).await.expect("t")).as_deref(),
        Some("07.12.2026. 15:30")
    );
    t.set_calendar_day("LV", "2026-12-07", "holiday", None, Some("test"))
        .await
        .expect("edit");
    let b = t
        .submit(tree_request(Lang::Lv, ""), None)
        .await
        .expect("submit");
    assert_eq!(
        due(t
            .track(&b.reference, &b.tracking_code, Lang::Lv)
            .await
            .expect("t"))
        .as_deref(),
        Some("08.12.2026. 15:30")
    );
    for (day, kind, hours) in [
        ("2026-13-01", "holiday", None),
        ("2026-12-12", "party", None),
        ("2026-12-12", "working", Some("17:00-09:00")),
    ] {
        assert!(
            t.set_calendar_day("LV", day, kind, hours, None)
                .await
                .is_err()
        );
    }
    assert!(
        t.set_calendar_day("XX", "2026-12-12", "holiday", None, None)
            .await
            .is_err()
    );
    // Service targets are data too; nonsense is refused and changes nothing.
    let bad = app::domain::Targets {
        register_hours: 0,
        decide_days: 3,
        fulfil_days: 2,
        target_pct: 101,
    };
    assert!(
        t.set_service_targets("VNP-KOKU-CIRSANA", bad)
            .await
            .is_err()
    );
    let good = app::domain::Targets {
        register_hours: 4,
        decide_days: 3,
        fulfil_days: 2,
        target_pct: 95,
    };
    assert!(t.set_service_targets("NOPE", good).await.is_err());
    let before = t
        .service_detail("VNP-KOKU-CIRSANA", Lang::Lv)
        .await
        .expect("detail");
    assert_ne!(before.sla, good);
    t.set_service_targets("VNP-KOKU-CIRSANA", good)
        .await
        .expect("targets");
    let d = t
        .service_detail("VNP-KOKU-CIRSANA", Lang::Lv)
        .await
        .expect("detail");
    assert_eq!(d.sla, good);
    assert_eq!(
        t.calendar_days("LV", 2026)
            .await
            .expect("days")
            .iter()
            .filter(|d| d.0 == "2026-12-12")
            .count(),
        0
    );
    // A transferred working Saturday with short hours counts.
    t.set_calendar_day(
        "LV",
        "2026-12-12",
        "working",
        Some("09:00-13:00"),
        Some("pārceltā darba diena"),
    )
    .await
    .expect("edit");
    let c = app.taka_at(friday_16 + 7 * 86_400);
    let rc = c
        .submit(tree_request(Lang::Lv, ""), None)
        .await
        .expect("submit");
    // With the new 4-hour target, from Friday 11th 16:00: 1 h on Friday and 3 h on the
    // working Saturday → Saturday 12 December 12:00.
    assert_eq!(
        due(c
            .track(&rc.reference, &rc.tracking_code, Lang::Lv)
            .await
            .expect("t"))
        .as_deref(),
        Some("12.12.2026. 12:00")
    );
}

both_backends!(
    requester_is_told_in_their_language,
    retry_after_the_server_was_down,
    no_duplicate_after_a_restart,
    sweep_marks_risk_and_breach_once,
    the_clock_pauses_while_waiting_for_the_requester,
    compliance_below_target_reaches_the_portfolio_owner,
    calendar_edits_move_deadlines,
);
