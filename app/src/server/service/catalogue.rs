//! The service catalogue: institutions, services, life situations.

use super::Taka;
use super::shared::{parse_fields, targets_of};
use crate::domain::{InstitutionKind, Lang};
use crate::error::AppError;
use crate::model::{Catalogue, InstitutionInfo, LifeSituation, ServiceDetail, ServiceSummary};
use crate::server::error::ServiceResult;
use std::collections::BTreeMap;

/// Columns shared by the catalogue queries. A service's texts come whole from one language:
/// the one asked for, else English, else Latvian (always there); `text_lang` says which.
const SERVICE_SELECT: &str = "
    SELECT s.id, s.code, s.version, s.retention_days, s.asks_location, s.sla_register_hours, s.sla_decide_days, s.sla_fulfil_days, s.sla_target_pct, s.fields_json,
           COALESCE(st.name, se.name, sl.name) AS name,
           COALESCE(st.summary, se.summary, sl.summary) AS summary,
           COALESCE(st.description, se.description, sl.description) AS description,
           COALESCE(st.conditions, se.conditions, sl.conditions) AS conditions,
           COALESCE(st.documents_json, se.documents_json, sl.documents_json) AS documents_json,
           COALESCE(NULLIF(st.result, ''), NULLIF(se.result, ''), sl.result) AS result,
           COALESCE(NULLIF(st.fees, ''), NULLIF(se.fees, ''), sl.fees) AS fees,
           COALESCE(NULLIF(st.legal_basis, ''), NULLIF(se.legal_basis, ''), sl.legal_basis) AS legal_basis,
           COALESCE(NULLIF(st.contact, ''), NULLIF(se.contact, ''), sl.contact) AS contact,
           CASE WHEN st.service_id IS NOT NULL THEN st.lang
                WHEN se.service_id IS NOT NULL THEN se.lang ELSE sl.lang END AS text_lang,
           i.code AS inst_code, i.kind AS inst_kind, i.sector, i.municipality,
           COALESCE(it.name, il.name) AS inst_name
    FROM services s
    JOIN service_texts sl ON sl.service_id = s.id AND sl.lang = 'lv'
    LEFT JOIN service_texts st ON st.service_id = s.id AND st.lang = $1
    LEFT JOIN service_texts se ON se.service_id = s.id AND se.lang = 'en'
    JOIN institutions i ON i.id = s.institution_id
    JOIN institution_texts il ON il.institution_id = i.id AND il.lang = 'lv'
    LEFT JOIN institution_texts it ON it.institution_id = i.id AND it.lang = $1
    WHERE s.active = 1";

#[derive(sqlx::FromRow)]
struct ServiceRow {
    id: i64,
    code: String,
    version: i64,
    retention_days: i64,
    asks_location: i64,
    sla_register_hours: i64,
    sla_decide_days: i64,
    sla_fulfil_days: i64,
    sla_target_pct: i64,
    fields_json: String,
    name: String,
    summary: String,
    description: String,
    conditions: String,
    documents_json: String,
    result: String,
    fees: String,
    legal_basis: String,
    contact: String,
    text_lang: String,
    inst_code: String,
    inst_kind: String,
    sector: Option<String>,
    municipality: Option<String>,
    inst_name: String,
}

impl ServiceRow {
    fn targets(&self) -> crate::domain::Targets {
        targets_of(
            self.sla_register_hours,
            self.sla_decide_days,
            self.sla_fulfil_days,
            self.sla_target_pct,
        )
    }
    /// Working days to the result when every stage takes its full time (registration
    /// hours rounded up to whole 8-hour days).
    fn sla_days(&self) -> i64 {
        let t = self.targets();
        i64::from(t.register_hours.div_ceil(8) + t.decide_days + t.fulfil_days)
    }
    fn institution(&self) -> InstitutionInfo {
        InstitutionInfo {
            code: self.inst_code.clone(),
            name: self.inst_name.clone(),
            kind: InstitutionKind::parse(&self.inst_kind).unwrap_or(InstitutionKind::State),
            sector: self.sector.clone(),
            municipality: self.municipality.clone(),
        }
    }
}

impl Taka {
    pub async fn catalogue(&self, lang: Lang) -> ServiceResult<Catalogue> {
        let sql = format!("{SERVICE_SELECT} ORDER BY inst_name, name");
        let rows: Vec<ServiceRow> = sqlx::query_as(&sql)
            .bind(lang.code())
            .fetch_all(&self.db.read)
            .await?;
        let links = self.life_situation_links().await?;
        let life_situations = self.life_situations(lang).await?;
        let services = rows
            .iter()
            .map(|r| ServiceSummary {
                code: r.code.clone(),
                name: r.name.clone(),
                summary: r.summary.clone(),
                institution: r.institution(),
                sla_days: r.sla_days(),
                sla: r.targets(),
                life_situations: links.get(&r.id).cloned().unwrap_or_default(),
                text_lang: Lang::parse(&r.text_lang).unwrap_or_default(),
                asks_location: r.asks_location == 1,
            })
            .collect();
        Ok(Catalogue {
            services,
            life_situations,
        })
    }

    pub async fn service_detail(&self, code: &str, lang: Lang) -> ServiceResult<ServiceDetail> {
        let sql = format!("{SERVICE_SELECT} AND s.code = $2");
        let row: ServiceRow = sqlx::query_as(&sql)
            .bind(lang.code())
            .bind(code)
            .fetch_optional(&self.db.read)
            .await?
            .ok_or(AppError::NotFound)?;
        let codes = self
            .life_situation_links()
            .await?
            .remove(&row.id)
            .unwrap_or_default();
        let life_situations = self
            .life_situations(lang)
            .await?
            .into_iter()
            .filter(|l| codes.contains(&l.code))
            .collect();
        Ok(ServiceDetail {
            version: row.version,
            code: row.code.clone(),
            name: row.name.clone(),
            summary: row.summary.clone(),
            description: row.description.clone(),
            conditions: row.conditions.clone(),
            documents: serde_json::from_str(&row.documents_json).unwrap_or_default(),
            institution: row.institution(),
            sla_days: row.sla_days(),
            sla: row.targets(),
            fields: parse_fields(&row.fields_json)?,
            life_situations,
            retention_years: ((row.retention_days + 182) / 365).max(1),
            result: row.result.clone(),
            fees: row.fees.clone(),
            legal_basis: row.legal_basis.clone(),
            contact: row.contact.clone(),
            text_lang: Lang::parse(&row.text_lang).unwrap_or_default(),
            asks_location: row.asks_location == 1,
        })
    }

    /// Every life situation in `lang` (Latvian where missing), in catalogue order.
    pub(crate) async fn life_situations(&self, lang: Lang) -> ServiceResult<Vec<LifeSituation>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT l.code, COALESCE(t.name, tl.name)
             FROM life_situations l
             JOIN life_situation_texts tl ON tl.life_situation_id = l.id AND tl.lang = 'lv'
             LEFT JOIN life_situation_texts t ON t.life_situation_id = l.id AND t.lang = $1
             ORDER BY l.position, l.code",
        )
        .bind(lang.code())
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(code, name)| LifeSituation { code, name })
            .collect())
    }

    async fn life_situation_links(&self) -> ServiceResult<BTreeMap<i64, Vec<String>>> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT sl.service_id, l.code FROM service_life_situations sl
             JOIN life_situations l ON l.id = sl.life_situation_id ORDER BY l.position",
        )
        .fetch_all(&self.db.read)
        .await?;
        let mut map: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for (id, code) in rows {
            map.entry(id).or_default().push(code);
        }
        Ok(map)
    }
}
