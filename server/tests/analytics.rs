//! Analytics on a generated data set (SQLite and PostgreSQL): the figures equal an
//! independent recount, scopes are enforced for every role, and the JSON API answers a
//! personal token.

mod common;

use app::domain::analytics::{Scope, Spread, percentile};
use app::domain::{Action, Channel, Lang, Role};
use app::error::AppError;
use app::server::generate::{Plan, generate};
use app::server::service::NewUser;
use app::server::service::analytics::day_start;
use common::{DEMO_PASSWORD, TestApp};
use serde_json::Value;

fn tree_request() -> app::server::service::NewRequest {
    app::server::service::NewRequest {
        service_code: "VNP-KOKU-CIRSANA".into(),
        values: [
            ("cadastre", "96010010001"),
            ("tree_count", "3"),
            ("species", "Bērzs"),
            ("reason", "Koki apdraud māju."),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        contact_name: "Anna Bērziņa".into(),
        contact_email: String::new(),
        contact_phone: String::new(),
        lang: Lang::Lv,
        channel: Channel::Web,
        idempotency: None,
        files: Default::default(),
        origin: Default::default(),
    }
}

const PLAN: Plan = Plan {
    requests: 3000,
    institutions: 6,
    services: 30,
    years: 1,
    seed: 7,
};

async fn user(app: &TestApp, username: &str, role: Role, inst: &str, services: Vec<String>) {
    app.taka
        .create_user(NewUser {
            username: username.into(),
            display_name: username.into(),
            email: None,
            password: DEMO_PASSWORD.into(),
            role,
            institution_code: inst.into(),
            service_codes: services,
        })
        .await
        .expect("user");
}

#[derive(sqlx::FromRow)]
struct Raw {
    submitted_at: i64,
    registered_at: Option<i64>,
    decided_at: Option<i64>,
    decision: Option<String>,
    fulfilled_at: Option<i64>,
    closed_at: Option<i64>,
    status: String,
    sla_done_at: Option<i64>,
    sla_breached: i64,
    rating: Option<i64>,
    channel: String,
}

fn spread_of(mut values: Vec<i64>) -> Spread {
    values.sort();
    let mut hist: Vec<(i64, i64)> = Vec::new();
    for v in values {
        match hist.last_mut() {
            Some((last, n)) if *last == v => *n += 1,
            _ => hist.push((v, 1)),
        }
    }
    Spread {
        count: hist.iter().map(|h| h.1).sum(),
        median: percentile(&hist, 50),
        p90: percentile(&hist, 90),
    }
}

/// The dashboard's figures equal a recount from the raw rows, done here independently.
async fn figures_equal_a_recount(app: &TestApp) {
    let made = generate(&app.taka, PLAN).await.expect("generate");
    assert_eq!(made, 3000);
    assert_eq!(app.count("requests").await, 3000);
    assert!(app.count("request_events").await > 3000 * 2);
    user(app, "valsts", Role::PortfolioOwner, "GEN003", vec![]).await;
    let lead = app.staff("valsts").await;
    // Live changes go through the service layer and must keep the rollups exact too.
    let t = &app.taka;
    let provider = app.staff("sniedzejs").await;
    let act = |reference: String, action: Action| {
        let provider = provider.clone();
        async move {
            let v = t
                .staff_request(&provider, &reference, Lang::Lv)
                .await
                .expect("view")
                .version;
            t.staff_act(&provider, &reference, v, action, None)
                .await
                .expect("act");
        }
    };
    let mut receipts = Vec::new();
    for _ in 0..3 {
        receipts.push(t.submit(tree_request(), None).await.expect("submit"));
    }
    for r in &receipts {
        act(r.reference.clone(), Action::Register { note: None }).await;
        act(r.reference.clone(), Action::StartAssessment).await;
    }
    act(
        receipts[0].reference.clone(),
        Action::Approve { note: None },
    )
    .await;
    act(
        receipts[0].reference.clone(),
        Action::Assign { to_self: true },
    )
    .await;
    act(
        receipts[0].reference.clone(),
        Action::Fulfil {
            result: "Atļauja izsniegta.".into(),
        },
    )
    .await;
    t.requester_act(
        &receipts[0].reference,
        &receipts[0].tracking_code,
        Action::Rate {
            score: 4,
            comment: None,
        },
        Lang::Lv,
    )
    .await
    .expect("rate");
    act(
        receipts[1].reference.clone(),
        Action::Refuse {
            reason: "Nav pamata.".into(),
        },
    )
    .await;
    t.requester_act(
        &receipts[2].reference,
        &receipts[2].tracking_code,
        Action::Withdraw { reason: None },
        Lang::Lv,
    )
    .await
    .expect("withdraw");

    let today = app::server::service::local_date(app.taka.now());
    let from = today - chrono::Duration::days(119);
    let (a, b) = (
        day_start(from),
        day_start(today + chrono::Duration::days(1)),
    );
    for scope in [Scope::Country, Scope::Institution("GEN004".into())] {
        let s = app
            .taka
            .analytics_summary(
                &lead,
                Some(&scope.to_string()),
                &from.to_string(),
                &today.to_string(),
                Lang::Lv,
            )
            .await
            .expect("summary");
        let filter = match &scope {
            Scope::Institution(code) => format!(
                "WHERE institution_id = (SELECT id FROM institutions WHERE code = '{code}')"
            ),
            _ => String::new(),
        };
        let rows: Vec<Raw> = sqlx::query_as(&format!(
            "SELECT submitted_at, registered_at, decided_at, decision, fulfilled_at, closed_at, status,
                    sla_done_at, sla_breached, rating, channel FROM requests {filter}"
        ))
        .fetch_all(&app.taka.db.read)
        .await
        .expect("rows");
        let inside = |t: Option<i64>| t.is_some_and(|t| t >= a && t < b);
        let count = |f: &dyn Fn(&Raw) -> bool| rows.iter().filter(|r| f(r)).count() as i64;
        let c = &s.current;
        assert_eq!(
            c.received,
            count(&|r| inside(Some(r.submitted_at))),
            "{scope}"
        );
        assert!(c.received > 0, "{scope}: the period has requests");
        assert_eq!(c.fulfilled, count(&|r| inside(r.fulfilled_at)));
        assert_eq!(
            c.refused,
            count(&|r| inside(r.decided_at) && r.decision.as_deref() == Some("refused"))
        );
        assert_eq!(
            c.approved,
            count(&|r| inside(r.decided_at) && r.decision.as_deref() == Some("approved"))
        );
        assert_eq!(
            c.withdrawn,
            count(&|r| inside(r.closed_at) && r.status == "withdrawn")
        );
        assert_eq!(c.sla_judged, count(&|r| inside(r.sla_done_at)));
        assert_eq!(
            c.sla_met,
            count(&|r| inside(r.sla_done_at) && r.sla_breached == 0)
        );
        assert_eq!(
            c.ratings,
            count(&|r| inside(r.closed_at) && r.rating.is_some())
        );
        assert_eq!(
            c.rating_sum,
            rows.iter()
                .filter(|r| inside(r.closed_at))
                .filter_map(|r| r.rating)
                .sum::<i64>()
        );
        let lead_times =
            |end: fn(&Raw) -> Option<i64>, start: fn(&Raw) -> Option<i64>, unit: i64| {
                spread_of(
                    rows.iter()
                        .filter(|r| inside(end(r)))
                        .filter_map(|r| Some((end(r)? - start(r)?) / unit))
                        .filter(|v| *v >= 0)
                        .collect(),
                )
            };
        assert_eq!(
            s.lead_times.register_hours,
            lead_times(|r| r.registered_at, |r| Some(r.submitted_at), 3600)
        );
        assert_eq!(
            s.lead_times.decide_days,
            lead_times(
                |r| r.decided_at,
                |r| r.registered_at.or(Some(r.submitted_at)),
                86_400
            )
        );
        assert_eq!(
            s.lead_times.fulfil_days,
            lead_times(|r| r.fulfilled_at, |r| r.decided_at, 86_400)
        );
        assert_eq!(
            s.lead_times.total_days,
            lead_times(|r| r.fulfilled_at, |r| Some(r.submitted_at), 86_400)
        );
        let open = [
            "submitted",
            "registered",
            "under_assessment",
            "awaiting_information",
            "approved",
            "in_fulfilment",
        ];
        let now = app.taka.now();
        let backlog = spread_of(
            rows.iter()
                .filter(|r| open.contains(&r.status.as_str()))
                .map(|r| (now - r.submitted_at) / 86_400)
                .collect(),
        );
        assert_eq!(s.backlog_age_days, backlog);
        assert_eq!(s.backlog, backlog.count);
        for (channel, n) in &s.channels {
            assert_eq!(
                *n,
                count(&|r| inside(Some(r.submitted_at)) && r.channel == channel.as_str())
            );
        }
        // The months add up to the period, and the parts to the whole.
        assert_eq!(s.trend.iter().map(|p| p.received).sum::<i64>(), c.received);
        assert_eq!(
            s.trend.iter().map(|p| p.fulfilled).sum::<i64>(),
            c.fulfilled
        );
        assert_eq!(
            s.parts.iter().map(|p| p.counts.received).sum::<i64>(),
            c.received
        );
        assert_eq!(s.parts.iter().map(|p| p.backlog).sum::<i64>(), s.backlog);
        if scope == Scope::Country {
            // Every institution is in exactly one municipality or (state) sector.
            assert_eq!(
                s.groups.iter().map(|g| g.counts.received).sum::<i64>(),
                c.received
            );
            assert!(s.groups.iter().any(|g| matches!(g.scope, Scope::Sector(_))));
            assert!(
                s.groups
                    .iter()
                    .any(|g| matches!(g.scope, Scope::Municipality(_)))
            );
        } else {
            assert!(s.groups.is_empty());
        }
        // The requests behind each figure are exactly as many as the figure says.
        for (figure, expected) in [
            ("received", c.received),
            ("fulfilled", c.fulfilled),
            ("refused", c.refused),
            ("withdrawn", c.withdrawn),
            ("late", c.sla_judged - c.sla_met),
            ("open", s.backlog),
        ] {
            let (items, total) = app
                .taka
                .analytics_requests(
                    &lead,
                    Some(&scope.to_string()),
                    &from.to_string(),
                    &today.to_string(),
                    figure,
                    50,
                    Lang::Lv,
                )
                .await
                .expect("list");
            assert_eq!(total, expected, "{scope} {figure}");
            assert_eq!(items.len() as i64, expected.min(50));
        }
        // The previous period is the same length, just before.
        let pa = day_start(from - chrono::Duration::days(120));
        assert_eq!(
            s.previous.received,
            rows.iter()
                .filter(|r| r.submitted_at >= pa && r.submitted_at < a)
                .count() as i64
        );
    }
}

/// A service owner sees their services; an institution head their institution; a lead
/// institution its sector or the country. Nobody sees more.
async fn scopes_are_enforced(app: &TestApp) {
    generate(&app.taka, PLAN).await.expect("generate");
    let t = &app.taka;
    let (from, to) = ("2026-01-01", "2026-03-31");
    let see = |ctx: app::server::service::StaffContext, scope: &'static str| async move {
        t.analytics_summary(&ctx, Some(scope), from, to, Lang::Lv)
            .await
    };
    // Provider and owner of the municipality's services: those only.
    for who in ["sniedzejs", "saimnieks"] {
        assert!(
            see(app.staff(who).await, "service:VNP-PIRMSSKOLA")
                .await
                .is_ok(),
            "{who}"
        );
        for scope in [
            "service:PMLP-PASE",
            "institution:VNP",
            "country",
            "sector:interior",
        ] {
            assert_eq!(
                common::app_err(see(app.staff(who).await, scope).await),
                AppError::Forbidden,
                "{who} {scope}"
            );
        }
    }
    // The municipality's head: the municipality and its services, not the country.
    let head = app.staff("vaditajs").await;
    assert!(see(head.clone(), "institution:VNP").await.is_ok());
    assert!(see(head.clone(), "service:VNP-KOKU-CIRSANA").await.is_ok());
    for scope in [
        "institution:PMLP",
        "service:PMLP-PASE",
        "country",
        "municipality:valmiera",
    ] {
        assert_eq!(
            common::app_err(see(head.clone(), scope).await),
            AppError::Forbidden,
            "{scope}"
        );
    }
    // With no scope given, each starts where they belong.
    let s = t
        .analytics_summary(&head, None, from, to, Lang::Lv)
        .await
        .expect("default");
    assert_eq!(s.scope, Scope::Institution("VNP".into()));
    // The generated country lead (GEN003, the first generated institution) sees everything.
    user(app, "valsts", Role::PortfolioOwner, "GEN003", vec![]).await;
    let lead = app.staff("valsts").await;
    for scope in [
        "country",
        "sector:interior",
        "municipality:valmiera",
        "institution:VNP",
        "service:PMLP-PASE",
    ] {
        assert!(see(lead.clone(), scope).await.is_ok(), "{scope}");
    }
    let s = t
        .analytics_summary(&lead, None, from, to, Lang::Lv)
        .await
        .expect("default");
    assert_eq!(s.scope, Scope::Country);
    // A sector lead: PMLP leads the interior sector.
    sqlx::query("UPDATE institutions SET lead_scope = 'sector:interior' WHERE code = 'PMLP'")
        .execute(&t.db.write)
        .await
        .expect("lead");
    let sector = app.staff("pmlp.vaditajs").await;
    assert!(see(sector.clone(), "sector:interior").await.is_ok());
    assert!(see(sector.clone(), "institution:PMLP").await.is_ok());
    for scope in [
        "country",
        "institution:VNP",
        "sector:health",
        "service:VNP-PIRMSSKOLA",
    ] {
        assert_eq!(
            common::app_err(see(sector.clone(), scope).await),
            AppError::Forbidden,
            "{scope}"
        );
    }
    // Bad input is refused, field by field.
    for (scope, from, to, field) in [
        ("galaxy:x", "2026-01-01", "2026-01-31", "scope"),
        ("country", "2026-02-30", "2026-03-01", "from"),
        ("country", "2026-03-01", "2026-02-01", "to"),
        ("country", "2010-01-01", "2026-02-01", "to"),
    ] {
        match common::app_err(
            t.analytics_summary(&lead, Some(scope), from, to, Lang::Lv)
                .await,
        ) {
            AppError::Invalid(f) => assert!(f.contains_key(field), "{scope} {from} {to}: {f:?}"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        common::app_err(see(lead.clone(), "institution:NOPE").await),
        AppError::NotFound
    );
    // The list behind a figure obeys the same scopes, and refuses unknown figures.
    let provider = app.staff("sniedzejs").await;
    assert_eq!(
        common::app_err(
            t.analytics_requests(
                &provider,
                Some("institution:PMLP"),
                from,
                to,
                "received",
                10,
                Lang::Lv
            )
            .await
        ),
        AppError::Forbidden
    );
    match common::app_err(
        t.analytics_requests(&provider, None, from, to, "everything", 10, Lang::Lv)
            .await,
    ) {
        AppError::Invalid(f) => assert!(f.contains_key("figure")),
        other => panic!("{other:?}"),
    }
}

/// A personal token opens the JSON API with its owner's scope; it is stored hashed,
/// listed without the secret, and stops working when revoked.
async fn tokens_open_the_api(app: &TestApp) {
    let t = &app.taka;
    let token = t
        .create_token(
            "vaditajs",
            "monthly report",
            90,
            app::server::service::TokenScope::Full,
        )
        .await
        .expect("token");
    assert!(token.starts_with("taka_") && token.len() == 69);
    let (stored,): (String,) = sqlx::query_as("SELECT token_hash FROM api_tokens")
        .fetch_one(&t.db.read)
        .await
        .expect("row");
    assert_ne!(stored, token);
    assert!(!stored.contains(&token[5..]));
    assert!(
        t.create_token("nobody", "x", 90, app::server::service::TokenScope::Full)
            .await
            .is_err()
    );
    assert!(
        t.create_token("vaditajs", "  ", 90, app::server::service::TokenScope::Full)
            .await
            .is_err()
    );

    let url = app.url("/api/v1/analytics/summary?from=2026-01-01&to=2026-12-31");
    let get = |auth: Option<String>| {
        let mut r = app.http.get(&url).header("accept-language", "en");
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        r.send()
    };
    let ok = get(Some(format!("Bearer {token}"))).await.expect("get");
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.expect("json");
    assert_eq!(body["scope"], "institution:VNP");
    assert!(body["current"]["received"].is_i64());
    assert!(body["derived"]["current"].is_object());
    assert!(body["lead_times"]["decide_days"]["count"].is_i64());
    for bad in [
        None,
        Some("Bearer taka_wrong".to_string()),
        Some(format!("Basic {token}")),
    ] {
        let r = get(bad.clone()).await.expect("get");
        assert_eq!(r.status(), 401, "{bad:?}");
        let e: Value = r.json().await.expect("json");
        assert_eq!(e["error"]["code"], "unauthorized");
    }
    // Another scope than the token's owner may see: 403. Bad dates: 422 with the field.
    let r = app
        .http
        .get(app.url("/api/v1/analytics/summary?scope=country"))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 403);
    let r = app
        .http
        .get(app.url("/api/v1/analytics/summary?from=yesterday"))
        .header("authorization", format!("Bearer {token}"))
        .header("accept-language", "lv")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.expect("json");
    assert!(e["error"]["fields"]["from"].is_string());

    // Listed without the secret; revoked, it no longer works.
    let list: Value = app
        .http
        .get(app.url("/api/v1/tokens"))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(list[0]["name"], "monthly report");
    assert!(!list.to_string().contains(&token[5..]));
    let id = list[0]["id"].as_i64().expect("id");
    let other = t
        .create_token("saimnieks", "x", 90, app::server::service::TokenScope::Full)
        .await
        .expect("token");
    let r = app
        .http
        .delete(app.url(&format!("/api/v1/tokens/{id}")))
        .header("authorization", format!("Bearer {other}"))
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 404, "someone else's token cannot be revoked");
    let r = app
        .http
        .delete(app.url(&format!("/api/v1/tokens/{id}")))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    assert_eq!(
        get(Some(format!("Bearer {token}")))
            .await
            .expect("get")
            .status(),
        401
    );
}

both_backends!(
    figures_equal_a_recount,
    scopes_are_enforced,
    tokens_open_the_api
);
