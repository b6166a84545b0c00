//! `taka generate`: a realistic data set at national scale, written straight into the
//! database in bulk (the service layer would take hours for a million requests).
//!
//! Shape: institutions are mostly municipalities plus state institutions in sectors, one
//! of them a lead institution for the country; service popularity follows a Zipf-like
//! curve; fewer requests arrive at weekends and volume grows over the years; older
//! requests have gone further (most are finished, a few are still open); lead times are
//! skewed (most quick, a long tail); one in eight decisions is a refusal; four in ten
//! fulfilled requests are rated, mostly well. Deterministic for a given seed.
//!
//! - `catalogue`: institutions and services, with their popularity;
//! - `requests`: the requests and their histories, written in batches.

mod catalogue;
mod requests;

use super::Taka;
use super::db::Backend;
use super::error::ServiceResult;

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

/// Generate into `taka`'s database. Returns the number of requests written.
pub async fn generate(taka: &Taka, plan: Plan) -> ServiceResult<u64> {
    let mut rng = Rng(plan.seed ^ 0x9E37_79B9_7F4A_7C15);
    let now = taka.now();
    let db = &taka.db.write;
    let institutions = plan.institutions.max(1);
    let services = plan.services.max(institutions);

    let inst_ids = catalogue::institutions(taka, institutions, now).await?;
    let (svcs, cumulative) = catalogue::services(taka, &mut rng, &inst_ids, services, now).await?;
    let written = requests::write(taka, &mut rng, &svcs, &cumulative, plan, now).await?;
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
