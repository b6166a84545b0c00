//! The dashboard's weekly trend and lead-time distribution (SQLite and PostgreSQL): equal
//! to an independent recount from the request rows, consistent with the summary, and
//! refused for scopes the viewer may not see.

mod common;

use app::domain::analytics::Scope;
use app::domain::{Lang, Role};
use app::error::AppError;
use app::fns::analytics::LeadBucket;
use app::server::generate::{Plan, generate};
use app::server::service::NewUser;
use app::server::service::analytics::day_start;
use app::server::service::local_date;
use chrono::{Datelike, Duration};
use common::{DEMO_PASSWORD, TestApp};

const PLAN: Plan = Plan {
    requests: 2000,
    institutions: 6,
    services: 30,
    years: 1,
    seed: 11,
};

#[derive(sqlx::FromRow)]
struct Raw {
    submitted_at: i64,
    registered_at: Option<i64>,
    decided_at: Option<i64>,
    fulfilled_at: Option<i64>,
}

/// Weeks and buckets recounted from the rows, compared with the service layer's.
async fn weekly_and_distribution_equal_a_recount(app: &TestApp) {
    generate(&app.taka, PLAN).await.expect("generate");
    app.taka
        .create_user(NewUser {
            username: "valsts".into(),
            display_name: "valsts".into(),
            email: None,
            password: DEMO_PASSWORD.into(),
            role: Role::PortfolioOwner,
            institution_code: "GEN003".into(),
            service_codes: vec![],
        })
        .await
        .expect("user");
    let lead = app.staff("valsts").await;
    let today = local_date(app.taka.now());
    let from = today - Duration::days(89);
    let (a, b) = (day_start(from), day_start(today + Duration::days(1)));
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let first = monday - Duration::days(77);
    for scope in [Scope::Country, Scope::Institution("GEN004".into())] {
        let more = app
            .taka
            .analytics_more(&lead, &scope, &from.to_string(), &today.to_string())
            .await
            .expect("more");
        let filter = match &scope {
            Scope::Institution(code) => format!(
                "WHERE institution_id = (SELECT id FROM institutions WHERE code = '{code}')"
            ),
            _ => String::new(),
        };
        let rows: Vec<Raw> = sqlx::query_as(&format!(
            "SELECT submitted_at, registered_at, decided_at, fulfilled_at FROM requests {filter}"
        ))
        .fetch_all(&app.taka.db.read)
        .await
        .expect("rows");

        // Weeks: the 12 ISO weeks up to today, by the local date of each event.
        assert_eq!(more.weekly.len(), 12, "{scope}");
        let mut received = [0i64; 12];
        let mut fulfilled = [0i64; 12];
        let week_of = |ts: i64| {
            let d = local_date(ts);
            (d >= first && d <= today).then(|| ((d - first).num_days() / 7) as usize)
        };
        for r in &rows {
            if let Some(i) = week_of(r.submitted_at) {
                received[i] += 1;
            }
            if let Some(i) = r.fulfilled_at.and_then(week_of) {
                fulfilled[i] += 1;
            }
        }
        for (i, w) in more.weekly.iter().enumerate() {
            let m = first + Duration::days(7 * i as i64);
            assert_eq!(w.monday, m.to_string());
            let iso = m.iso_week();
            assert_eq!(w.label, format!("{}-W{:02}", iso.year(), iso.week()));
            assert_eq!(w.received, received[i], "{scope} week {}", w.label);
            assert_eq!(w.fulfilled, fulfilled[i], "{scope} week {}", w.label);
        }
        assert!(
            received.iter().sum::<i64>() > 0,
            "{scope}: the weeks have requests"
        );

        // Distribution: whole calendar days, events inside the period.
        let mut decide = [0i64; 7];
        let mut total = [0i64; 7];
        let bucket = |days: i64| -> Option<usize> {
            if days < 0 {
                None
            } else if days < 1 {
                Some(0)
            } else if days <= 2 {
                Some(1)
            } else if days <= 5 {
                Some(2)
            } else if days <= 10 {
                Some(3)
            } else if days <= 20 {
                Some(4)
            } else if days <= 30 {
                Some(5)
            } else {
                Some(6)
            }
        };
        for r in &rows {
            if let Some(d) = r.decided_at.filter(|t| *t >= a && *t < b) {
                let start = r.registered_at.unwrap_or(r.submitted_at);
                if let Some(i) = bucket((d - start) / 86_400) {
                    decide[i] += 1;
                }
            }
            if let Some(f) = r.fulfilled_at.filter(|t| *t >= a && *t < b)
                && let Some(i) = bucket((f - r.submitted_at) / 86_400)
            {
                total[i] += 1;
            }
        }
        assert_eq!(more.distribution.len(), 7);
        let labels: Vec<String> = more.distribution.iter().map(LeadBucket::label).collect();
        assert_eq!(
            labels,
            ["< 1", "1–2", "3–5", "6–10", "11–20", "21–30", "> 30"]
        );
        for (i, bk) in more.distribution.iter().enumerate() {
            assert_eq!(bk.decide, decide[i], "{scope} decide {}", bk.label());
            assert_eq!(bk.total, total[i], "{scope} total {}", bk.label());
        }
        assert!(decide.iter().sum::<i64>() > 0, "{scope}: decisions counted");
        // The same requests the lead-time table counts.
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
        assert_eq!(
            more.distribution.iter().map(|b| b.decide).sum::<i64>(),
            s.lead_times.decide_days.count
        );
        assert_eq!(
            more.distribution.iter().map(|b| b.total).sum::<i64>(),
            s.lead_times.total_days.count
        );
    }
}

/// Nobody sees the charts of a scope they may not see; bad input is refused.
async fn scopes_are_refused(app: &TestApp) {
    let t = &app.taka;
    let (from, to) = ("2026-01-01", "2026-03-31");
    for who in ["sniedzejs", "saimnieks"] {
        let ctx = app.staff(who).await;
        for scope in [
            Scope::Service("PMLP-PASE".into()),
            Scope::Institution("VNP".into()),
            Scope::Country,
            Scope::Sector("interior".into()),
        ] {
            assert_eq!(
                common::app_err(t.analytics_more(&ctx, &scope, from, to).await),
                AppError::Forbidden,
                "{who} {scope}"
            );
        }
        assert!(
            t.analytics_more(&ctx, &Scope::Service("VNP-PIRMSSKOLA".into()), from, to)
                .await
                .is_ok(),
            "{who}"
        );
    }
    let head = app.staff("vaditajs").await;
    assert!(
        t.analytics_more(&head, &Scope::Institution("VNP".into()), from, to)
            .await
            .is_ok()
    );
    for scope in [
        Scope::Institution("PMLP".into()),
        Scope::Country,
        Scope::Municipality("valmiera".into()),
    ] {
        assert_eq!(
            common::app_err(t.analytics_more(&head, &scope, from, to).await),
            AppError::Forbidden,
            "{scope}"
        );
    }
    assert_eq!(
        common::app_err(
            t.analytics_more(&head, &Scope::Service("NAV-TADA".into()), from, to)
                .await
        ),
        AppError::NotFound
    );
    assert!(matches!(
        common::app_err(
            t.analytics_more(&head, &Scope::Institution("VNP".into()), "x", to)
                .await
        ),
        AppError::Invalid(_)
    ));
    assert!(matches!(
        common::app_err(
            t.analytics_more(&head, &Scope::Institution("VNP".into()), to, from)
                .await
        ),
        AppError::Invalid(_)
    ));
    // Days at chrono's limits are refused as invalid, not a panic (the previous period and
    // the weeks before them would overflow).
    for (a, b) in [
        ("-262143-01-01", "-262143-01-05"),
        ("+262142-12-27", "+262142-12-31"),
        ("0001-01-01", "0001-01-05"),
        ("9999-12-27", "9999-12-31"),
    ] {
        assert!(matches!(
            common::app_err(
                t.analytics_more(&head, &Scope::Institution("VNP".into()), a, b)
                    .await
            ),
            AppError::Invalid(_)
        ));
        assert!(matches!(
            common::app_err(
                t.analytics_summary(
                    &head,
                    Some(&Scope::Institution("VNP".into()).to_string()),
                    a,
                    b,
                    Lang::En
                )
                .await
            ),
            AppError::Invalid(_)
        ));
    }
}

both_backends!(weekly_and_distribution_equal_a_recount, scopes_are_refused);
