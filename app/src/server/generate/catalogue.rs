//! Generated institutions (mostly municipalities, some state institutions in sectors) and
//! their services, with a Zipf-like popularity.

use super::Rng;
use crate::domain;
use crate::server::Taka;
use crate::server::error::{ServiceError, ServiceResult};

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

/// A generated service, as the request generator needs it.
pub(super) struct GenService {
    pub(super) id: i64,
    pub(super) institution_id: i64,
    pub(super) weight: f64,
    pub(super) decide_days: i64,
    pub(super) fulfil_days: i64,
    pub(super) auto_register: bool,
}

/// Institutions: one in five a state institution in a sector; the first is the lead
/// institution for the whole country. Returns their ids.
pub(super) async fn institutions(
    taka: &Taka,
    institutions: u32,
    now: i64,
) -> ServiceResult<Vec<i64>> {
    let db = &taka.db.write;
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
    Ok(inst_ids)
}

/// Services, spread over the institutions; popularity ∝ 1 / rank^0.9. Returns them and
/// the cumulative share of requests up to each.
pub(super) async fn services(
    taka: &Taka,
    rng: &mut Rng,
    inst_ids: &[i64],
    services: u32,
    now: i64,
) -> ServiceResult<(Vec<GenService>, Vec<f64>)> {
    let db = &taka.db.write;
    let institutions = inst_ids.len() as u32;
    let fields = serde_json::to_string(&[domain::FieldSpec {
        name: "details".into(),
        label: domain::LocalText::new("Pieprasījuma apraksts", "What you request"),
        kind: domain::FieldType::LongText,
        required: true,
        ..Default::default()
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
    Ok((svcs, cumulative))
}
