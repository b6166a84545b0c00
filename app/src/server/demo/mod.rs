//! Demo data: one municipality and one state institution (whose services run with
//! automation switched on), ten services, a staff user per role, and requests in every
//! status, made through the service layer itself so they follow the same rules as real
//! ones. Loaded only into an empty database, only on request.
//!
//! - `catalogue.json`: the institutions, life situations and services with their Latvian
//!   and English texts and forms, and the requesters' names: data, not code;
//! - `catalogue`: writing that catalogue and a staff user per role into the database;
//! - `requests`: requests in every status, made through the service layer.

mod catalogue;
mod requests;

pub use catalogue::{DEMO_PARTNER_KEY, DEMO_PARTNER_NAME, load_catalogue};

use super::Taka;
use super::error::ServiceResult;

/// The password of every demo account. Demo data only; never used otherwise.
pub const DEMO_PASSWORD: &str = "demo-parole-2026";

/// Whether the database has no institutions yet.
pub async fn is_empty(taka: &Taka) -> ServiceResult<bool> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM institutions")
        .fetch_one(&taka.db.read)
        .await?;
    Ok(n == 0)
}

/// Load the demo data into an empty database. Returns the number of requests made.
pub async fn load(taka: &Taka) -> ServiceResult<usize> {
    if !is_empty(taka).await? {
        return Ok(0);
    }
    load_catalogue(taka).await?;
    load_requests(taka).await
}

/// The demo requests in every status, into a database that has the demo catalogue.
/// Returns the number of requests made.
pub async fn load_requests(taka: &Taka) -> ServiceResult<usize> {
    let catalogue = catalogue::Catalogue::parse()?;
    requests::make_requests(
        taka,
        &catalogue.services,
        &catalogue.requester_names,
        taka.now(),
    )
    .await
}
