//! Generated requests and their histories, written straight into the database in batches.

use super::Plan;
use super::Rng;
use super::catalogue::GenService;
use crate::domain::{self, Channel, Status};
use crate::server::Taka;
use crate::server::error::{ServiceError, ServiceResult};
use chrono::{Datelike, TimeZone};

const NAMES: [&str; 12] = [
    "Anna Ozola",
    "Jānis Bērziņš",
    "Līga Kalniņa",
    "Andris Liepa",
    "Inese Krūmiņa",
    "Mārtiņš Zariņš",
    "Ilze Vītola",
    "Edgars Balodis",
    "Kristīne Eglīte",
    "Raivis Siliņš",
    "Dace Jansone",
    "Oskars Lapiņš",
];

/// Write `plan.requests` requests over `plan.years` up to `now`, continuing each year's
/// reference counter. Returns how many were written.
pub(super) async fn write(
    taka: &Taka,
    rng: &mut Rng,
    svcs: &[GenService],
    cumulative: &[f64],
    plan: Plan,
    now: i64,
) -> ServiceResult<u64> {
    let db = &taka.db.write;
    // Reference numbers: continue each year's counter.
    let span = i64::from(plan.years.max(1)) * 365 * 86_400;
    let start = now - span;
    let mut counters: std::collections::BTreeMap<i32, i64> = std::collections::BTreeMap::new();
    let first_year = crate::server::service::local_date(start).year();
    for y in first_year..=crate::server::service::local_date(now).year() {
        let v: Option<(i64,)> = sqlx::query_as("SELECT value FROM counters WHERE name = $1")
            .bind(format!("reference-{y}"))
            .fetch_optional(db)
            .await?;
        counters.insert(y, v.map(|x| x.0).unwrap_or(0));
    }

    let (max_id,): (Option<i64>,) = sqlx::query_as("SELECT MAX(id) FROM requests")
        .fetch_one(db)
        .await?;
    let mut next_id = max_id.unwrap_or(0) + 1;
    let batch = 400usize;
    let mut written = 0u64;
    let mut rows: Vec<Row> = Vec::with_capacity(batch);
    let mut events: Vec<Event> = Vec::with_capacity(batch * 6);
    while written < plan.requests {
        rows.clear();
        events.clear();
        let n = batch.min((plan.requests - written) as usize);
        for _ in 0..n {
            let row = make_request(
                rng,
                svcs,
                cumulative,
                start,
                span,
                now,
                next_id,
                &mut counters,
            );
            row.events(&mut events);
            rows.push(row);
            next_id += 1;
        }
        let mut tx = taka.db.write.begin().await?;
        insert_requests(&mut tx, &rows).await?;
        insert_events(&mut tx, &events).await?;
        tx.commit().await?;
        written += n as u64;
    }
    for (year, value) in counters {
        sqlx::query(
            "INSERT INTO counters (name, value) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET value = CASE WHEN counters.value > $2 THEN counters.value ELSE $2 END",
        )
        .bind(format!("reference-{year}"))
        .bind(value)
        .execute(db)
        .await?;
    }
    Ok(written)
}

struct Row {
    id: i64,
    reference: String,
    service_id: i64,
    institution_id: i64,
    channel: &'static str,
    lang: &'static str,
    name: &'static str,
    status: Status,
    submitted_at: i64,
    registered_at: Option<i64>,
    decided_at: Option<i64>,
    decision: Option<&'static str>,
    fulfilled_at: Option<i64>,
    closed_at: Option<i64>,
    rating: Option<i64>,
    sla_stage: Option<&'static str>,
    stage_due_at: Option<i64>,
    sla_breached: bool,
    sla_done_at: Option<i64>,
    due_at: i64,
}

struct Event {
    request_id: i64,
    at: i64,
    action: &'static str,
    from: Option<Status>,
    to: Status,
}

impl Row {
    fn events(&self, out: &mut Vec<Event>) {
        let mut status = Status::Submitted;
        let mut push = |at: i64, action: &'static str, to: Status, out: &mut Vec<Event>| {
            out.push(Event {
                request_id: self.id,
                at,
                action,
                from: (action != "submit").then_some(status),
                to,
            });
            status = to;
        };
        push(self.submitted_at, "submit", Status::Submitted, out);
        if let Some(t) = self.registered_at {
            push(t, "register", Status::Registered, out);
        }
        if let (Some(t), Some(d)) = (self.decided_at, self.decision) {
            push(t, "start_assessment", Status::UnderAssessment, out);
            if d == "refused" {
                push(t, "refuse", Status::Refused, out);
            } else {
                push(t, "approve", Status::Approved, out);
            }
        } else if self.status == Status::UnderAssessment {
            push(
                self.submitted_at + 3600,
                "start_assessment",
                Status::UnderAssessment,
                out,
            );
        }
        if let Some(t) = self.fulfilled_at {
            push(t, "fulfil", Status::Fulfilled, out);
        }
        match (self.status, self.closed_at) {
            (Status::Withdrawn, Some(t)) => push(t, "withdraw", Status::Withdrawn, out),
            (Status::Closed, Some(t)) if self.rating.is_some() => {
                push(t, "rate", Status::Closed, out)
            }
            (Status::Closed, Some(t)) => push(t, "close", Status::Closed, out),
            _ => {}
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn make_request(
    rng: &mut Rng,
    svcs: &[GenService],
    cumulative: &[f64],
    start: i64,
    span: i64,
    now: i64,
    id: i64,
    counters: &mut std::collections::BTreeMap<i32, i64>,
) -> Row {
    let pick = rng.unit();
    let k = cumulative
        .partition_point(|c| *c < pick)
        .min(svcs.len() - 1);
    let svc = &svcs[k];
    // Arrival: volume grows ~30 % over the span (sqrt warps towards recent), weekends quiet.
    let mut submitted_at;
    loop {
        let u = rng.unit();
        let x = (u * (1.0 + 0.3 * u)) / 1.3;
        submitted_at = start + (x * span as f64) as i64;
        let day = chrono_tz::Europe::Riga
            .timestamp_opt(submitted_at, 0)
            .single()
            .map(|d| d.weekday().num_days_from_monday())
            .unwrap_or(0);
        if day < 5 || rng.below(5) == 0 {
            break;
        }
    }
    let year = crate::server::service::local_date(submitted_at).year();
    let number = counters.entry(year).or_insert(0);
    *number += 1;
    let reference = domain::format_reference(year, *number);
    let channel = match rng.below(10) {
        0..=6 => Channel::Web,
        7 | 8 => Channel::InPerson,
        _ => Channel::Api,
    }
    .as_str();

    let hour = 3600;
    let day = 86_400;
    let register = if svc.auto_register {
        0
    } else {
        (rng.lognormal(3.0, 1.2) * hour as f64) as i64
    };
    let decide = (rng.lognormal(svc.decide_days as f64 * 0.45, 0.7) * day as f64) as i64;
    let fulfil = (rng.lognormal(svc.fulfil_days as f64 * 0.45, 0.7) * day as f64) as i64;
    let refused = rng.below(8) == 0;
    let withdrawn = !refused && rng.below(33) == 0;
    let rated = rng.below(10) < 4;
    let rating = match rng.below(100) {
        0..=44 => 5,
        45..=74 => 4,
        75..=86 => 3,
        87..=93 => 2,
        _ => 1,
    };

    let registered_at = submitted_at + register;
    let decided_at = registered_at + decide;
    let fulfilled_at = decided_at + fulfil;
    let mut row = Row {
        id,
        reference,
        service_id: svc.id,
        institution_id: svc.institution_id,
        channel,
        lang: if rng.below(5) == 0 { "en" } else { "lv" },
        name: NAMES[rng.below(NAMES.len() as u64) as usize],
        status: Status::Submitted,
        submitted_at,
        registered_at: None,
        decided_at: None,
        decision: None,
        fulfilled_at: None,
        closed_at: None,
        rating: None,
        sla_stage: Some("register"),
        stage_due_at: Some(submitted_at + 8 * hour + 16 * hour),
        sla_breached: register > 24 * hour,
        sla_done_at: None,
        due_at: submitted_at + (svc.decide_days + svc.fulfil_days + 1) * day * 7 / 5,
    };
    let decide_late = decide > svc.decide_days * day * 7 / 5;
    let fulfil_late = fulfil > svc.fulfil_days * day * 7 / 5;
    if withdrawn && registered_at + decide / 2 < now {
        row.status = Status::Withdrawn;
        row.registered_at = Some(registered_at);
        row.closed_at = Some(registered_at + decide / 2);
        row.sla_stage = None;
        row.sla_done_at = row.closed_at;
        return row;
    }
    if registered_at >= now {
        return row;
    }
    row.registered_at = Some(registered_at);
    row.status = Status::Registered;
    row.sla_stage = Some("decide");
    row.stage_due_at = Some(registered_at + svc.decide_days * day * 7 / 5);
    if decided_at >= now {
        if rng.below(3) > 0 {
            row.status = Status::UnderAssessment;
        }
        return row;
    }
    row.decided_at = Some(decided_at);
    row.sla_breached |= decide_late;
    if refused {
        row.decision = Some("refused");
        row.status = Status::Refused;
        row.sla_stage = None;
        row.stage_due_at = None;
        row.sla_done_at = Some(decided_at);
        if decided_at + 5 * day < now {
            row.status = Status::Closed;
            row.closed_at = Some(decided_at + 5 * day);
        }
        return row;
    }
    row.decision = Some("approved");
    row.status = Status::Approved;
    row.sla_stage = Some("fulfil");
    row.stage_due_at = Some(decided_at + svc.fulfil_days * day * 7 / 5);
    if fulfilled_at >= now {
        row.status = Status::InFulfilment;
        return row;
    }
    row.fulfilled_at = Some(fulfilled_at);
    row.status = Status::Fulfilled;
    row.sla_breached |= fulfil_late;
    row.sla_stage = None;
    row.stage_due_at = None;
    row.sla_done_at = Some(fulfilled_at);
    let closes = fulfilled_at + (rng.lognormal(2.0, 0.8) * day as f64) as i64;
    if closes < now && (rated || rng.below(2) == 0) {
        row.status = Status::Closed;
        row.closed_at = Some(closes);
        row.rating = rated.then_some(rating);
    }
    row
}

async fn insert_requests(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    rows: &[Row],
) -> ServiceResult<()> {
    const COLS: usize = 22;
    let values: Vec<String> = (0..rows.len())
        .map(|i| {
            let p: Vec<String> = (1..=COLS + 1)
                .map(|k| format!("${}", i * (COLS + 1) + k))
                .collect();
            format!("({})", p.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO requests (id, reference, tracking_hash, service_id, institution_id, channel, lang,
            contact_name, values_json, status, submitted_at, updated_at, due_at, registered_at,
            decided_at, decision, fulfilled_at, closed_at, rating, sla_stage, stage_due_at, sla_breached,
            sla_done_at)
         VALUES {}",
        values.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for r in rows {
        q = q
            .bind(r.id)
            .bind(&r.reference)
            .bind(format!("{:064x}", r.id.wrapping_mul(0x9E37_79B9) as u64))
            .bind(r.service_id)
            .bind(r.institution_id)
            .bind(r.channel)
            .bind(r.lang)
            .bind(r.name)
            .bind(r#"{"details":"Ģenerēts pieprasījums."}"#)
            .bind(r.status.as_str())
            .bind(r.submitted_at)
            .bind(
                r.closed_at
                    .or(r.fulfilled_at)
                    .or(r.decided_at)
                    .or(r.registered_at)
                    .unwrap_or(r.submitted_at),
            )
            .bind(r.due_at)
            .bind(r.registered_at)
            .bind(r.decided_at)
            .bind(r.decision)
            .bind(r.fulfilled_at)
            .bind(r.closed_at)
            .bind(r.rating)
            .bind(r.sla_stage)
            .bind(r.stage_due_at)
            .bind(i64::from(r.sla_breached))
            .bind(r.sla_done_at);
    }
    q.execute(&mut **tx).await.map_err(ServiceError::from)?;
    Ok(())
}

async fn insert_events(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    events: &[Event],
) -> ServiceResult<()> {
    for chunk in events.chunks(1000) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p: Vec<String> = (1..=5).map(|k| format!("${}", i * 5 + k)).collect();
                format!(
                    "({}, 'system', {}, 1)",
                    p[..2].join(", "),
                    p[2..].join(", ")
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO request_events (request_id, at, actor_kind, action, from_status, to_status, visible_to_requester)
             VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for e in chunk {
            q = q
                .bind(e.request_id)
                .bind(e.at)
                .bind(e.action)
                .bind(e.from.map(Status::as_str))
                .bind(e.to.as_str());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
