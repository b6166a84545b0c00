//! Scopes: where a staff member starts, what they may see, and a scope resolved to the
//! institutions (or service) it covers.

use super::Resolved;
use crate::domain::analytics::Scope;
use crate::domain::{Lang, Role};
use crate::error::AppError;
use crate::server::error::ServiceResult;
use crate::server::service::{StaffContext, Taka};

/// The institution a staff member belongs to, as analytics needs it.
#[derive(sqlx::FromRow)]
struct Home {
    lead_scope: Option<String>,
}

#[derive(sqlx::FromRow)]
struct InstitutionRow {
    id: i64,
    sector: Option<String>,
    municipality: Option<String>,
}

impl Taka {
    /// The scope a staff member starts on: their lead scope, their institution, or their
    /// first service.
    pub async fn default_scope(&self, ctx: &StaffContext) -> ServiceResult<Scope> {
        if let Some(lead) = self.lead_scope(ctx).await? {
            return Ok(lead);
        }
        if !ctx.user.role.scoped_to_services() {
            return Ok(Scope::Institution(ctx.user.institution_code.clone()));
        }
        let first: Option<(String,)> = match ctx.service_ids.first() {
            Some(id) => {
                sqlx::query_as("SELECT code FROM services WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.db.read)
                    .await?
            }
            None => None,
        };
        first
            .map(|(c,)| Scope::Service(c))
            .ok_or_else(|| AppError::Forbidden.into())
    }

    /// The wider scope an institution head of a lead institution oversees.
    async fn lead_scope(&self, ctx: &StaffContext) -> ServiceResult<Option<Scope>> {
        if !matches!(ctx.user.role, Role::PortfolioOwner | Role::Admin) {
            return Ok(None);
        }
        let home: Option<Home> =
            sqlx::query_as("SELECT lead_scope FROM institutions WHERE id = $1")
                .bind(ctx.institution_id)
                .fetch_optional(&self.db.read)
                .await?;
        Ok(home
            .and_then(|h| h.lead_scope)
            .and_then(|s| Scope::parse(&s)))
    }

    async fn institution(&self, code: &str) -> ServiceResult<InstitutionRow> {
        sqlx::query_as("SELECT id, sector, municipality FROM institutions WHERE code = $1")
            .bind(code)
            .fetch_optional(&self.db.read)
            .await?
            .ok_or_else(|| AppError::NotFound.into())
    }

    /// Whether `lead` covers institution `inst`.
    fn lead_covers(lead: &Scope, inst: &InstitutionRow) -> bool {
        match lead {
            Scope::Country => true,
            Scope::Sector(s) => inst.sector.as_deref() == Some(s.as_str()),
            Scope::Municipality(m) => inst.municipality.as_deref() == Some(m.as_str()),
            Scope::Institution(_) | Scope::Service(_) => false,
        }
    }

    /// Resolve `scope` and check that `ctx` may see it. Unknown and forbidden scopes are
    /// told apart only for scopes the user could see in principle.
    pub(super) async fn resolve_scope(
        &self,
        ctx: &StaffContext,
        scope: &Scope,
        lang: Lang,
    ) -> ServiceResult<Resolved> {
        let lead = self.lead_scope(ctx).await?;
        let institution_wide = !ctx.user.role.scoped_to_services();
        match scope {
            Scope::Service(code) => {
                let row: Option<(i64, i64)> =
                    sqlx::query_as("SELECT id, institution_id FROM services WHERE code = $1")
                        .bind(code)
                        .fetch_optional(&self.db.read)
                        .await?;
                let (id, inst_id) = row.ok_or(AppError::NotFound)?;
                let inst: InstitutionRow = sqlx::query_as(
                    "SELECT id, sector, municipality FROM institutions WHERE id = $1",
                )
                .bind(inst_id)
                .fetch_one(&self.db.read)
                .await?;
                let allowed = ctx.can_see(id, inst_id)
                    || lead.as_ref().is_some_and(|l| Self::lead_covers(l, &inst));
                if !allowed {
                    return Err(AppError::Forbidden.into());
                }
                let (name, _) = self.names_for(code, lang).await?;
                Ok(Resolved {
                    name,
                    institutions: Some(vec![inst_id]),
                    service: Some(id),
                })
            }
            Scope::Institution(code) => {
                let inst = self.institution(code).await?;
                let allowed = (institution_wide && inst.id == ctx.institution_id)
                    || lead.as_ref().is_some_and(|l| Self::lead_covers(l, &inst));
                if !allowed {
                    return Err(AppError::Forbidden.into());
                }
                Ok(Resolved {
                    name: self.institution_name(inst.id, lang).await?,
                    institutions: Some(vec![inst.id]),
                    service: None,
                })
            }
            Scope::Sector(_) | Scope::Municipality(_) | Scope::Country => {
                let allowed = match (&lead, scope) {
                    (Some(Scope::Country), _) => true,
                    (Some(l), s) => l == s,
                    (None, _) => false,
                };
                if !allowed {
                    return Err(AppError::Forbidden.into());
                }
                let institutions = match scope {
                    Scope::Country => None,
                    Scope::Sector(s) => Some(self.institutions_where("sector", s).await?),
                    Scope::Municipality(m) => {
                        Some(self.institutions_where("municipality", m).await?)
                    }
                    _ => None,
                };
                if institutions.as_ref().is_some_and(Vec::is_empty) {
                    return Err(AppError::NotFound.into());
                }
                let value = match scope {
                    Scope::Sector(v) | Scope::Municipality(v) => v.clone(),
                    _ => String::new(),
                };
                Ok(Resolved {
                    name: value,
                    institutions,
                    service: None,
                })
            }
        }
    }

    /// Whether `ctx` may look at `scope` (for links to wider and narrower views).
    pub async fn can_see_scope(&self, ctx: &StaffContext, scope: &Scope) -> bool {
        self.resolve_scope(ctx, scope, Lang::Lv).await.is_ok()
    }

    async fn institutions_where(&self, column: &str, value: &str) -> ServiceResult<Vec<i64>> {
        // `column` is one of two fixed names, never input.
        let column = if column == "sector" {
            "sector"
        } else {
            "municipality"
        };
        let rows: Vec<(i64,)> = sqlx::query_as(&format!(
            "SELECT id FROM institutions WHERE {column} = $1 ORDER BY id"
        ))
        .bind(value)
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn institution_name(&self, id: i64, lang: Lang) -> ServiceResult<String> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT COALESCE(it.name, il.name) FROM institutions i
             JOIN institution_texts il ON il.institution_id = i.id AND il.lang = 'lv'
             LEFT JOIN institution_texts it ON it.institution_id = i.id AND it.lang = $2
             WHERE i.id = $1",
        )
        .bind(id)
        .bind(lang.code())
        .fetch_optional(&self.db.read)
        .await?;
        Ok(row.map(|r| r.0).unwrap_or_default())
    }
}
