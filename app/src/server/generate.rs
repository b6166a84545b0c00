//! `taka generate`: a realistic data set at national scale, written straight into the
//! database in bulk (the service layer would take hours for a million requests).
//!
//! Shape: institutions are mostly municipalities plus state institutions in sectors, one
//! of them a lead institution for the country; service popularity follows a Zipf-like
//! curve; fewer requests arrive at weekends and volume grows over the years; older
//! requests have gone further (most are finished, a few are still open); lead times are
//! skewed (most quick, a long tail); one in eight decisions is a refusal; four in ten
//! fulfilled requests are rated, mostly well. Deterministic for a given seed.

use super::Taka;
use super::db::Backend;
use super::error::{ServiceError, ServiceResult};
use crate::domain::{self, Channel, Status};
use chrono::{Datelike, TimeZone};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub requests: u64,
    pub institutions: u32,
    pub services: u32,
    pub years: u32,
    pub seed: u64,
}

/// A small, fast, deterministic generator (PCG-style LCG with an xorshift output).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let x = self.0;
        (x ^ (x >> 22)) >> 11
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 42) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// Skewed positive value with the given median: exp(normal(ln median, sigma)).
    fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        // Box–Muller.
        let (u1, u2) = (self.unit().max(1e-12), self.unit());
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        median * (sigma * z).exp()
    }
}

const SECTORS: [&str; 8] = [
    "interior",
    "health",
    "education",
    "welfare",
    "transport",
    "environment",
    "justice",
    "economy",
];

const SERVICE_KINDS: [(&str, &str); 16] = [
    ("Dzīvesvietas deklarēšana", "Declaration of residence"),
    ("Būvatļauja", "Building permit"),
    ("Sociālais pabalsts", "Social benefit"),
    ("Izziņa", "Certificate"),
    ("Licences izsniegšana", "Issue of a licence"),
    ("Reģistrācija", "Registration"),
    ("Atļauja pasākumam", "Event permit"),
    ("Vietas piešķiršana izglītības iestādē", "Place at a school"),
    ("Nodokļa atvieglojums", "Tax relief"),
    ("Koku ciršanas atļauja", "Tree felling permit"),
    ("Transportlīdzekļa atļauja", "Vehicle permit"),
    ("Palīdzība dzīvokļa jautājumā", "Housing assistance"),
    ("Dokumenta kopija", "Copy of a document"),
    ("Sūdzības izskatīšana", "Handling of a complaint"),
    ("Pieslēgums komunālajiem tīkliem", "Utility connection"),
    ("Atzinums", "Opinion"),
];

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

struct GenService {
    id: i64,
    institution_id: i64,
    weight: f64,
    decide_days: i64,
    fulfil_days: i64,
    auto_register: bool,
}

/// Generate into `taka`'s database. Returns the number of requests written.
pub async fn generate(taka: &Taka, plan: Plan) -> ServiceResult<u64> {
    let mut rng = Rng(plan.seed ^ 0x9E37_79B9_7F4A_7C15);
    let now = taka.now();
    let db = &taka.db.write;
    let institutions = plan.institutions.max(1);
    let services = plan.services.max(institutions);

    // Institutions: one in five a state institution in a sector; the first is the lead
    // institution for the whole country.
    let (base,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM institutions")
        .fetch_one(db)
        .await?;
    let mut inst_ids = Vec::new();
    for i in 0..institutions {
        let n = base + i64::from(i) + 1;
        let state = i % 5 == 0;
        let code = format!("GEN{n:03}");
        let (kind, sector, municipality, lv, en) = if state {
            let sector = SECTORS[(i as usize / 5) % SECTORS.len()];
            (
                "state",
                sector.to_string(),
                None,
                format!("Valsts iestāde {n} ({sector})"),
                format!("State institution {n} ({sector})"),
            )
        } else {
            (
                "municipality",
                "local_government".to_string(),
                Some(format!("m{n:03}")),
                format!("{n}. novada pašvaldība"),
                format!("Municipality no. {n}"),
            )
        };
        let lead = (i == 0).then_some("country");
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO institutions (code, kind, sector, municipality, created_at, lead_scope)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&code)
        .bind(kind)
        .bind(&sector)
        .bind(&municipality)
        .bind(now)
        .bind(lead)
        .fetch_one(db)
        .await?;
        for (lang, name) in [("lv", &lv), ("en", &en)] {
            sqlx::query(
                "INSERT INTO institution_texts (institution_id, lang, name) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(lang)
            .bind(name)
            .execute(db)
            .await?;
        }
        inst_ids.push(id);
    }

    // Services, spread over the institutions; popularity ∝ 1 / rank^0.9.
    let fields = serde_json::to_string(&[domain::FieldSpec {
        name: "details".into(),
        label: domain::LocalText::new("Pieprasījuma apraksts", "What you request"),
        help: None,
        kind: domain::FieldType::LongText,
        required: true,
        options: Vec::new(),
        min: None,
        max: None,
        max_chars: None,
    }])
    .map_err(|e| ServiceError::Internal(e.to_string()))?;
    let mut svcs: Vec<GenService> = Vec::new();
    for k in 0..services {
        let inst = inst_ids[(k % institutions) as usize];
        let (kind_lv, kind_en) =
            SERVICE_KINDS[(k as usize / institutions as usize + k as usize) % SERVICE_KINDS.len()];
        let decide = 3 + rng.below(12) as i64;
        let fulfil = 2 + rng.below(10) as i64;
        let auto = rng.below(3) == 0;
        let code = format!("GEN{}-S{k:04}", inst);
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO services (code, institution_id, fields_json, auto_register, active, created_at,
                sla_register_hours, sla_decide_days, sla_fulfil_days, sla_target_pct)
             VALUES ($1, $2, $3, $4, 1, $5, 8, $6, $7, 90) RETURNING id",
        )
        .bind(&code)
        .bind(inst)
        .bind(&fields)
        .bind(i64::from(auto))
        .bind(now)
        .bind(decide)
        .bind(fulfil)
        .fetch_one(db)
        .await?;
        for (lang, name) in [
            ("lv", format!("{kind_lv} Nr. {k}")),
            ("en", format!("{kind_en} no. {k}")),
        ] {
            sqlx::query(
                "INSERT INTO service_texts (service_id, lang, name, summary, description, conditions, documents_json)
                 VALUES ($1, $2, $3, '', '', '', '[]')",
            )
            .bind(id)
            .bind(lang)
            .bind(name)
            .execute(db)
            .await?;
        }
        svcs.push(GenService {
            id,
            institution_id: inst,
            weight: 1.0 / f64::from(k + 1).powf(0.9),
            decide_days: decide,
            fulfil_days: fulfil,
            auto_register: auto,
        });
    }
    // Shuffle popularity across institutions so no one institution gets all the big ones.
    for i in (1..svcs.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        let (wi, wj) = (svcs[i].weight, svcs[j].weight);
        svcs[i].weight = wj;
        svcs[j].weight = wi;
    }
    let total_weight: f64 = svcs.iter().map(|s| s.weight).sum();
    let mut cumulative = Vec::with_capacity(svcs.len());
    let mut acc = 0.0;
    for s in &svcs {
        acc += s.weight / total_weight;
        cumulative.push(acc);
    }

    // Reference numbers: continue each year's counter.
    let span = i64::from(plan.years.max(1)) * 365 * 86_400;
    let start = now - span;
    let mut counters: std::collections::BTreeMap<i32, i64> = std::collections::BTreeMap::new();
    let first_year = super::service::local_date(start).year();
    for y in first_year..=super::service::local_date(now).year() {
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
                &mut rng,
                &svcs,
                &cumulative,
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
    taka.rebuild_rollups().await?;
    if taka.db.backend == Backend::Postgres {
        // Explicit ids were written: move the identity sequences past them.
        for table in ["requests", "request_events"] {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))
            .execute(db)
            .await?;
        }
        sqlx::query("ANALYZE").execute(db).await?;
    } else {
        sqlx::query("ANALYZE").execute(db).await?;
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
    let year = super::service::local_date(submitted_at).year();
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
