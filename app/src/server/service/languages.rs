//! Which languages a page offers. Every institution chooses the languages it serves in
//! (Latvian always, `institutions.languages`); a service's pages, its form and the tracking
//! of its requests offer that institution's languages, and the rest of the portal the
//! languages any institution offers.

use super::Taka;
use crate::domain::Lang;
use crate::server::error::ServiceResult;

/// What a page is about, for the languages it offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LangScope {
    /// The catalogue, help pages, staff pages: every language some institution offers.
    Portal,
    /// A service's page and form, by service code.
    Service(String),
    /// A request's tracking page or receipt, by reference.
    Request(String),
}

impl Taka {
    /// The languages offered on a page about `scope`, in the product's order. An unknown
    /// service or reference offers what the portal offers (its page says "not found").
    pub async fn offered_languages(&self, scope: &LangScope) -> ServiceResult<Vec<Lang>> {
        let row: Option<(String,)> = match scope {
            LangScope::Portal => None,
            LangScope::Service(code) => sqlx::query_as(
                "SELECT i.languages FROM services s JOIN institutions i ON i.id = s.institution_id
                     WHERE s.code = $1",
            )
            .bind(code)
            .fetch_optional(&self.db.read)
            .await?,
            LangScope::Request(reference) => sqlx::query_as(
                "SELECT i.languages FROM requests r JOIN institutions i ON i.id = r.institution_id
                     WHERE r.reference = $1",
            )
            .bind(reference.trim().to_uppercase())
            .fetch_optional(&self.db.read)
            .await?,
        };
        if let Some((codes,)) = row {
            return Ok(Lang::list(&codes));
        }
        let all: Vec<(String,)> = sqlx::query_as("SELECT languages FROM institutions")
            .fetch_all(&self.db.read)
            .await?;
        let joined = all.into_iter().map(|(c,)| c).collect::<Vec<_>>().join(",");
        Ok(Lang::list(&joined))
    }

    /// The languages `institution_id` offers.
    pub async fn institution_languages(&self, institution_id: i64) -> ServiceResult<Vec<Lang>> {
        let codes: Option<(String,)> =
            sqlx::query_as("SELECT languages FROM institutions WHERE id = $1")
                .bind(institution_id)
                .fetch_optional(&self.db.read)
                .await?;
        Ok(Lang::list(&codes.map(|(c,)| c).unwrap_or_default()))
    }
}
