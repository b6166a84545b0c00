//! The demo catalogue: institutions, life situations and services with their texts in
//! every language and their forms, read from `catalogue.json`, and a staff user per role.

use super::DEMO_PASSWORD;
use crate::domain::automation::Automation;
use crate::domain::{FieldSpec, Role};
use crate::server::Taka;
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::service::NewUser;
use serde::Deserialize;

/// A text per language code (`lv`, `en`, ...).
pub(super) type Texts<T> = std::collections::BTreeMap<String, T>;

#[derive(Debug, Clone, Deserialize)]
pub(super) struct Institution {
    pub code: String,
    /// `municipality` or `state`.
    pub kind: String,
    pub sector: String,
    pub municipality: Option<String>,
    pub name: Texts<String>,
    /// The languages it offers (Latvian always); all when not given.
    #[serde(default)]
    pub languages: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct LifeSituation {
    pub code: String,
    pub name: Texts<String>,
}

/// What a service page says, in one language.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct ServiceTexts {
    pub name: String,
    pub summary: String,
    pub description: String,
    pub conditions: String,
    pub documents: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct DemoService {
    pub code: String,
    /// The code of the institution providing it.
    pub institution: String,
    /// One figure per service: split between deciding and fulfilling.
    pub sla_days: i64,
    pub auto_register: bool,
    /// What the system does on its own (`auto_register` above is the one that counts).
    #[serde(default)]
    pub automation: Automation,
    /// The request says where (reports about a public place; public through Open311).
    #[serde(default)]
    pub asks_location: bool,
    /// Codes of the life situations it belongs to.
    pub situations: Vec<String>,
    pub texts: Texts<ServiceTexts>,
    /// The form, as stored in `services.fields_json`.
    pub fields: Vec<FieldSpec>,
}

/// Everything in `catalogue.json`, in order (the order the demo requests draw from).
#[derive(Debug, Clone, Deserialize)]
pub(super) struct Catalogue {
    pub institutions: Vec<Institution>,
    pub life_situations: Vec<LifeSituation>,
    pub services: Vec<DemoService>,
    /// Names the demo requesters go by.
    pub requester_names: Vec<String>,
}

impl Catalogue {
    /// The catalogue built into the program.
    pub fn parse() -> ServiceResult<Catalogue> {
        serde_json::from_str(include_str!("catalogue.json"))
            .map_err(|e| ServiceError::Internal(format!("demo catalogue: {e}")))
    }
}

/// Institutions, services, life situations and staff, without requests (tests use this).
pub async fn load_catalogue(taka: &Taka) -> ServiceResult<()> {
    let catalogue = Catalogue::parse()?;
    let now = taka.now();
    let db = &taka.db.write;
    for inst in &catalogue.institutions {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO institutions (code, kind, sector, municipality, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(inst.code.as_str())
        .bind(inst.kind.as_str())
        .bind(inst.sector.as_str())
        .bind(inst.municipality.as_deref())
        .bind(now)
        .fetch_one(db)
        .await?;
        let languages = match &inst.languages {
            Some(l) => l.join(","),
            None => crate::domain::Lang::ALL.map(|l| l.code()).join(","),
        };
        sqlx::query("UPDATE institutions SET languages = $1 WHERE id = $2")
            .bind(&languages)
            .bind(id)
            .execute(db)
            .await?;
        for (lang, name) in &inst.name {
            sqlx::query(
                "INSERT INTO institution_texts (institution_id, lang, name) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(lang)
            .bind(name.as_str())
            .execute(db)
            .await?;
        }
    }
    for (pos, situation) in catalogue.life_situations.iter().enumerate() {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO life_situations (code, position) VALUES ($1, $2) RETURNING id",
        )
        .bind(situation.code.as_str())
        .bind(pos as i64)
        .fetch_one(db)
        .await?;
        for (lang, name) in &situation.name {
            sqlx::query("INSERT INTO life_situation_texts (life_situation_id, lang, name) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(lang)
                .bind(name.as_str())
                .execute(db)
                .await?;
        }
    }
    for s in &catalogue.services {
        crate::domain::fields::check_schema(&s.fields).map_err(ServiceError::Internal)?;
        let (inst_id,): (i64,) = sqlx::query_as("SELECT id FROM institutions WHERE code = $1")
            .bind(s.institution.as_str())
            .fetch_one(db)
            .await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO services (code, institution_id, sla_register_hours, sla_decide_days, sla_fulfil_days,
                sla_target_pct, fields_json, auto_register, automation_json, active, created_at,
                asks_location)
             VALUES ($1, $2, 8, $3, $4, 90, $5, $6, $8, 1, $7, $9) RETURNING id",
        )
        .bind(s.code.as_str())
        .bind(inst_id)
        // The demo states one figure per service: split between deciding and fulfilling.
        .bind((s.sla_days + 1) / 2)
        .bind(s.sla_days / 2)
        .bind(serde_json::to_string(&s.fields).map_err(|e| ServiceError::Internal(e.to_string()))?)
        .bind(i64::from(s.auto_register))
        .bind(now)
        .bind(automation_json(s)?)
        .bind(i64::from(s.asks_location))
        .fetch_one(db)
        .await?;
        for (lang, t) in &s.texts {
            sqlx::query(
                "INSERT INTO service_texts (service_id, lang, name, summary, description, conditions, documents_json)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(lang)
            .bind(t.name.as_str())
            .bind(t.summary.as_str())
            .bind(t.description.as_str())
            .bind(t.conditions.as_str())
            .bind(serde_json::to_string(&t.documents).unwrap_or_else(|_| "[]".into()))
            .execute(db)
            .await?;
        }
        for sit in &s.situations {
            sqlx::query(
                "INSERT INTO service_life_situations (service_id, life_situation_id)
                 SELECT $1, id FROM life_situations WHERE code = $2",
            )
            .bind(id)
            .bind(sit.as_str())
            .execute(db)
            .await?;
        }
    }

    let vnp: Vec<String> = catalogue
        .services
        .iter()
        .filter(|s| s.institution == "VNP")
        .map(|s| s.code.clone())
        .collect();
    let pmlp: Vec<String> = catalogue
        .services
        .iter()
        .filter(|s| s.institution == "PMLP")
        .map(|s| s.code.clone())
        .collect();
    for (username, name, role, inst, svcs) in [
        (
            "sniedzejs",
            "Laima Sniedzēja",
            Role::Provider,
            "VNP",
            vnp.clone(),
        ),
        (
            "sniedzejs2",
            "Pēteris Kociņš",
            Role::Provider,
            "VNP",
            vnp.clone(),
        ),
        (
            "saimnieks",
            "Gatis Saimnieks",
            Role::Owner,
            "VNP",
            vnp.clone(),
        ),
        (
            "vaditajs",
            "Rita Vadītāja",
            Role::PortfolioOwner,
            "VNP",
            vec![],
        ),
        (
            "admins",
            "Aivars Administrators",
            Role::Admin,
            "VNP",
            vec![],
        ),
        (
            "pmlp.sniedzejs",
            "Sandra Kalēja",
            Role::Provider,
            "PMLP",
            pmlp.clone(),
        ),
        (
            "pmlp.ozols",
            "Andris Ozols",
            Role::Provider,
            "PMLP",
            pmlp.clone(),
        ),
        (
            "pmlp.saimnieks",
            "Uldis Vanags",
            Role::Owner,
            "PMLP",
            pmlp.clone(),
        ),
        (
            "pmlp.vaditajs",
            "Maija Strautiņa",
            Role::PortfolioOwner,
            "PMLP",
            vec![],
        ),
    ] {
        taka.create_user(NewUser {
            username: username.into(),
            display_name: name.into(),
            email: Some(format!("{}@demo.taka.lv", username.replace('.', "-"))),
            password: DEMO_PASSWORD.into(),
            role,
            institution_code: inst.into(),
            service_codes: svcs,
        })
        .await?;
    }
    // Every service has one named owner (pakalpojuma saimnieks).
    for (owner, inst) in [("saimnieks", "VNP"), ("pmlp.saimnieks", "PMLP")] {
        sqlx::query(
            "UPDATE services SET owner_user_id = (SELECT id FROM users WHERE username = $1)
             WHERE institution_id = (SELECT id FROM institutions WHERE code = $2)",
        )
        .bind(owner)
        .bind(inst)
        .execute(db)
        .await?;
    }
    // One partner system, whose key the README shows: the city's app reports problems in
    // public places and hears about them (Open311, the API, webhooks).
    let (vnp_id,): (i64,) = sqlx::query_as("SELECT id FROM institutions WHERE code = 'VNP'")
        .fetch_one(db)
        .await?;
    taka.create_partner_with_key(
        vnp_id,
        None,
        DEMO_PARTNER_NAME,
        &["VNP-PROBLEMA".to_string(), "VNP-KOKU-CIRSANA".to_string()],
        DEMO_PARTNER_KEY,
    )
    .await?;
    Ok(())
}

/// The demo partner's key (README): for demonstration only, like the demo passwords.
pub const DEMO_PARTNER_KEY: &str = "tkp_demo_valmiera_city_app_2026";
pub const DEMO_PARTNER_NAME: &str = "Valmieras pilsētas lietotne";

/// A demo service's automation as stored, in step with its `auto_register`, and checked
/// against its form as an owner's change would be.
fn automation_json(s: &DemoService) -> ServiceResult<String> {
    let automation = Automation {
        auto_register: s.auto_register,
        ..s.automation.clone()
    };
    automation
        .check(&s.fields)
        .map_err(|e| ServiceError::Internal(format!("{}: automation {e:?}", s.code)))?;
    serde_json::to_string(&automation).map_err(|e| ServiceError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LocalText;

    /// Every language the product speaks.
    fn both(t: &LocalText, what: &str) {
        for lang in crate::domain::Lang::ALL.map(|l| l.code()) {
            assert!(
                t.0.get(lang).is_some_and(|s| !s.trim().is_empty()),
                "{what}: no {lang} text"
            );
        }
    }

    #[test]
    fn catalogue_parses_with_texts_in_every_language() {
        let c = Catalogue::parse().expect("catalogue.json");
        assert_eq!(c.institutions.len(), 2);
        assert_eq!(c.services.len(), 11);
        // Problem reports ask where; they are what Open311 makes public (issue 12).
        let located: Vec<&str> = c
            .services
            .iter()
            .filter(|s| s.asks_location)
            .map(|s| s.code.as_str())
            .collect();
        assert_eq!(located, ["VNP-PROBLEMA"]);
        assert_eq!(c.life_situations.len(), 6);
        assert_eq!(c.requester_names.len(), 16);
        // The state institution runs with automation switched on (README, issue 9).
        let pmlp: Vec<&DemoService> = c
            .services
            .iter()
            .filter(|s| s.institution == "PMLP")
            .collect();
        for s in &pmlp {
            assert!(s.auto_register && s.automation.auto_register, "{}", s.code);
            assert_eq!(
                s.automation.assign,
                crate::domain::automation::AssignRule::LeastOpen
            );
            assert_eq!(s.automation.remind_information_days, Some(5));
            assert!(s.automation.remind_assignee);
        }
        assert!(pmlp.iter().any(|s| s.automation.auto_approve));
        for i in &c.institutions {
            both(&LocalText(i.name.clone()), &i.code);
        }
        for l in &c.life_situations {
            both(&LocalText(l.name.clone()), &l.code);
        }
        let mut codes = std::collections::BTreeSet::new();
        for s in &c.services {
            assert!(codes.insert(&s.code), "{} twice", s.code);
            assert!(
                c.institutions.iter().any(|i| i.code == s.institution),
                "{}: unknown institution",
                s.code
            );
            for sit in &s.situations {
                assert!(
                    c.life_situations.iter().any(|l| &l.code == sit),
                    "{}: unknown life situation {sit}",
                    s.code
                );
            }
            for lang in crate::domain::Lang::ALL.map(|l| l.code()) {
                let t = s
                    .texts
                    .get(lang)
                    .unwrap_or_else(|| panic!("{}: no {lang} texts", s.code));
                for (what, text) in [
                    ("name", &t.name),
                    ("summary", &t.summary),
                    ("description", &t.description),
                    ("conditions", &t.conditions),
                ] {
                    assert!(!text.trim().is_empty(), "{}: no {lang} {what}", s.code);
                }
            }
            for (lang, t) in &s.texts {
                assert_eq!(
                    t.documents.len(),
                    s.texts["lv"].documents.len(),
                    "{}: documents in {lang}",
                    s.code
                );
            }
            crate::domain::fields::check_schema(&s.fields).expect("field schema");
            automation_json(s).expect("automation fits the form");
            for f in &s.fields {
                both(&f.label, &f.name);
                if let Some(help) = &f.help {
                    both(help, &f.name);
                }
                for o in &f.options {
                    both(&o.label, &o.value);
                }
            }
        }
    }
}
