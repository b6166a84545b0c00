//! A staff member acts on a request.

use crate::domain::{Action, Status, lifecycle};
use crate::error::AppError;
use crate::server::error::ServiceResult;
use crate::server::service::StaffContext;
use crate::server::service::Taka;

impl Taka {
    /// A staff member acts on a request. `version` is the one their page showed, so a
    /// change made meanwhile by someone else is refused instead of overwritten.
    pub async fn staff_act(
        &self,
        ctx: &StaffContext,
        reference: &str,
        version: i64,
        action: Action,
        target_user: Option<i64>,
    ) -> ServiceResult<Status> {
        let row = self.load_in_scope(ctx, reference).await?;
        let needs_target = matches!(
            action,
            Action::Assign { to_self: false } | Action::Escalate { .. }
        );
        let target = if needs_target {
            let colleagues = self.colleagues(row.service_id, row.institution_id).await?;
            match target_user.filter(|t| colleagues.iter().any(|c| c.id == *t)) {
                Some(t) => Some(t),
                None => {
                    // Check the role first, so a provider learns they may not, not that a name is missing.
                    lifecycle::apply(row.status()?, &action, ctx.actor())?;
                    let mut errors = crate::domain::FieldErrors::new();
                    errors.insert("assignee".into(), crate::domain::FieldError::Required);
                    return Err(AppError::Invalid(errors).into());
                }
            }
        } else {
            None
        };
        let t = self
            .transition(&row, version, action, ctx.acting(), target)
            .await?;
        Ok(t.to)
    }
}
