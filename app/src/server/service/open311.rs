//! What Open311 GeoReport v2 shows of requests (`server/open311.rs` is the transport).
//! Only requests of services that ask for a place (`asks_location`: reports about a street,
//! a park, a light) are public, and of them only where they stand: reference, service,
//! status, dates and the place. Never the requester, their answers or their files.

use super::{Taka, new_token};
use crate::domain::{Lang, Status};
use crate::server::error::ServiceResult;

/// The most requests one answer lists (the specification's suggestion).
pub const MAX_RESULTS: i64 = 1000;
/// Without dates, the last this many days (the specification's suggestion).
pub const DEFAULT_DAYS: i64 = 90;

/// One request as the public sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublicRequest {
    pub reference: String,
    pub status: String,
    pub service_code: String,
    pub service_name: String,
    pub institution_name: String,
    pub submitted_at: i64,
    pub updated_at: i64,
    pub due_at: i64,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub address: Option<String>,
}

impl PublicRequest {
    pub fn status(&self) -> Option<Status> {
        Status::parse(&self.status)
    }
}

/// The standard filters of `GET /requests`.
#[derive(Debug, Clone, Default)]
pub struct PublicFilter {
    /// `service_request_id`: these references only (the dates then do not apply).
    pub references: Vec<String>,
    pub service_codes: Vec<String>,
    pub start: Option<i64>,
    pub end: Option<i64>,
    /// `status`: `Some(true)` open, `Some(false)` closed.
    pub open: Option<bool>,
}

/// A fresh Open311 token: a random public name for a request, not its tracking code.
pub fn new_public_token() -> String {
    format!("o311_{}", &new_token()[..32])
}

impl Taka {
    /// Public requests matching `f`, newest first, at most `MAX_RESULTS`.
    pub async fn public_requests(
        &self,
        f: &PublicFilter,
        lang: Lang,
    ) -> ServiceResult<Vec<PublicRequest>> {
        let mut sql = String::from(
            "SELECT r.reference, r.status, s.code AS service_code,
                    COALESCE(st.name, se.name, sl.name) AS service_name,
                    COALESCE(it.name, il.name) AS institution_name,
                    r.submitted_at, r.updated_at, r.due_at, r.latitude, r.longitude, r.address
             FROM requests r JOIN services s ON s.id = r.service_id
             JOIN service_texts sl ON sl.service_id = s.id AND sl.lang = 'lv'
             LEFT JOIN service_texts st ON st.service_id = s.id AND st.lang = $1
             LEFT JOIN service_texts se ON se.service_id = s.id AND se.lang = 'en'
             JOIN institution_texts il ON il.institution_id = r.institution_id AND il.lang = 'lv'
             LEFT JOIN institution_texts it ON it.institution_id = r.institution_id AND it.lang = $1
             WHERE s.asks_location = 1",
        );
        // Parameters in order: $1 the language, then the texts, then the two dates.
        let mut texts: Vec<&str> = Vec::new();
        for (column, values) in [("r.reference", &f.references), ("s.code", &f.service_codes)] {
            if values.is_empty() {
                continue;
            }
            let marks: Vec<String> = (0..values.len())
                .map(|i| format!("${}", 2 + texts.len() + i))
                .collect();
            sql.push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
            texts.extend(values.iter().map(String::as_str));
        }
        let mut numbers: Vec<i64> = Vec::new();
        if f.references.is_empty() {
            let end = f.end.unwrap_or(i64::MAX / 2);
            let start = f
                .start
                .unwrap_or_else(|| f.end.unwrap_or(self.now()) - DEFAULT_DAYS * 86_400);
            let at = 2 + texts.len();
            sql.push_str(&format!(
                " AND r.submitted_at >= ${at} AND r.submitted_at <= ${}",
                at + 1
            ));
            numbers.extend([start, end]);
        }
        match f.open {
            Some(true) => {
                sql.push_str(" AND r.status NOT IN ('closed', 'withdrawn', 'refused', 'fulfilled')")
            }
            Some(false) => {
                sql.push_str(" AND r.status IN ('closed', 'withdrawn', 'refused', 'fulfilled')")
            }
            None => {}
        }
        sql.push_str(&format!(
            " ORDER BY r.submitted_at DESC, r.id DESC LIMIT {MAX_RESULTS}"
        ));
        let mut q = sqlx::query_as::<_, PublicRequest>(&sql).bind(lang.code());
        for t in &texts {
            q = q.bind(t);
        }
        for n in &numbers {
            q = q.bind(n);
        }
        Ok(q.fetch_all(&self.db.read).await?)
    }

    /// The reference of the request Open311 named `token`, if any.
    pub async fn reference_for_token(&self, token: &str) -> ServiceResult<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT reference FROM requests WHERE public_token = $1")
                .bind(token)
                .fetch_optional(&self.db.read)
                .await?;
        Ok(row.map(|(r,)| r))
    }

    /// Where a request is about, for its staff page (`None`: nowhere given).
    pub async fn request_location(
        &self,
        request_id: i64,
    ) -> ServiceResult<Option<crate::domain::partners::Location>> {
        let row: Option<(Option<f64>, Option<f64>, Option<String>)> =
            sqlx::query_as("SELECT latitude, longitude, address FROM requests WHERE id = $1")
                .bind(request_id)
                .fetch_optional(&self.db.read)
                .await?;
        Ok(row.and_then(|(lat, long, address)| {
            let l = crate::domain::partners::Location { lat, long, address };
            (!l.is_empty()).then_some(l)
        }))
    }
}
