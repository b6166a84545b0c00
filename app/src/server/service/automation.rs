//! Automation per service: its settings (who may change them, checked against the form,
//! audited), and the steps the system takes by them, through the lifecycle like a person:
//! approving on arrival, handing an approved request to a provider, and spotting a second
//! open request from the same contact. Reminders run with the sweep (`sla/reminders.rs`).
//!
//! An automated step that fails never fails what caused it (a submission, an approval): it
//! is logged and the request stays where it is, for staff to take on.

use super::shared::{
    ActingAs, AuditEntry, RequestRow, automation_from, parse_fields, record_audit,
};
use super::{StaffContext, Taka};
use crate::domain::admin::may_edit_services;
use crate::domain::automation::{self, AssignRule, Automation, Rule};
use crate::domain::{Action, Contact, Status};
use crate::error::AppError;
use crate::server::error::{ServiceError, ServiceResult};

/// Statuses in which a request no longer waits for anyone (`Status::is_open` is false), as
/// SQL parameters `$first ..= $first + 3`.
fn closed_statuses(first: usize) -> (String, Vec<&'static str>) {
    let closed: Vec<&'static str> = Status::ALL
        .into_iter()
        .filter(|s| !s.is_open())
        .map(Status::as_str)
        .collect();
    let params: Vec<String> = (0..closed.len())
        .map(|i| format!("${}", first + i))
        .collect();
    (params.join(", "), closed)
}

/// Another open request of the same contact for the same service.
pub(crate) struct OpenDuplicate {
    pub id: i64,
    pub reference: String,
    /// Made with the same e-mail address: only then may a message to that address name it.
    pub same_email: bool,
}

impl Taka {
    /// What the system does for service `service_id`.
    pub async fn automation_of(&self, service_id: i64) -> ServiceResult<Automation> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT auto_register, automation_json FROM services WHERE id = $1")
                .bind(service_id)
                .fetch_optional(&self.db.read)
                .await?;
        let (auto_register, json) = row.ok_or(AppError::NotFound)?;
        Ok(automation_from(auto_register, &json))
    }

    /// Store a service's automation inside the caller's transaction: both columns together.
    pub(crate) async fn write_automation(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        service_id: i64,
        automation: &Automation,
    ) -> ServiceResult<()> {
        let json =
            serde_json::to_string(automation).map_err(|e| ServiceError::Internal(e.to_string()))?;
        sqlx::query("UPDATE services SET auto_register = $1, automation_json = $2 WHERE id = $3")
            .bind(i64::from(automation.auto_register))
            .bind(json)
            .bind(service_id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Change service `code`'s automation. Its service owners, and the portfolio owners and
    /// administrators of its institution; the conditions are checked against its current
    /// form (errors per setting, nothing written); recorded in the audit log.
    pub async fn set_automation(
        &self,
        ctx: &StaffContext,
        code: &str,
        automation: &Automation,
    ) -> ServiceResult<()> {
        if ctx.analytics_only || !may_edit_services(ctx.user.role) {
            return Err(AppError::Forbidden.into());
        }
        self.store_automation(Some(ctx), code, automation).await
    }

    /// `taka service automation CODE --json ...`: the same change from the command line.
    pub async fn set_automation_cli(
        &self,
        code: &str,
        automation: &Automation,
    ) -> ServiceResult<()> {
        self.store_automation(None, code, automation).await
    }

    async fn store_automation(
        &self,
        ctx: Option<&StaffContext>,
        code: &str,
        automation: &Automation,
    ) -> ServiceResult<()> {
        #[derive(sqlx::FromRow)]
        struct Svc {
            id: i64,
            institution_id: i64,
            fields_json: String,
            auto_register: i64,
            automation_json: String,
        }
        let svc: Option<Svc> = sqlx::query_as(
            "SELECT id, institution_id, fields_json, auto_register, automation_json
             FROM services WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(&self.db.read)
        .await?;
        let Some(svc) = svc else {
            return Err(AppError::NotFound.into());
        };
        // Another institution's (or another owner's) service is not there for them.
        if ctx.is_some_and(|c| !c.can_see(svc.id, svc.institution_id)) {
            return Err(AppError::NotFound.into());
        }
        let fields = parse_fields(&svc.fields_json)?;
        automation.check(&fields).map_err(AppError::Invalid)?;
        let before = automation_from(svc.auto_register, &svc.automation_json);
        let json = |a: &Automation| serde_json::to_value(a).ok();
        let entry = match ctx {
            Some(ctx) => AuditEntry::by(ctx, "service", code.to_string(), "automation_changed"),
            None => AuditEntry {
                actor: None,
                actor_kind: "cli",
                institution_id: Some(svc.institution_id),
                entity: "service",
                entity_key: code.to_string(),
                action: "automation_changed",
                before: None,
                after: None,
            },
        }
        .change(json(&before), json(automation));
        let mut tx = self.db.write.begin().await?;
        self.write_automation(&mut tx, svc.id, automation).await?;
        record_audit(&mut tx, self.now(), entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A request that has just arrived and meets its service's approval conditions: the
    /// system registers it (if the service does not already), starts the assessment and
    /// approves it, each step through the lifecycle. Never fails the submission.
    pub(crate) async fn approve_on_arrival(&self, reference: &str) {
        let steps = [
            (Action::Register { note: None }, Rule::AutoRegister),
            (Action::StartAssessment, Rule::AutoApprove),
            (Action::Approve { note: None }, Rule::AutoApprove),
        ];
        for (action, rule) in steps {
            let step = async {
                let row = self.load_request(reference).await?;
                if action.kind() == crate::domain::ActionKind::Register
                    && row.status()? != Status::Submitted
                {
                    return Ok(());
                }
                self.transition(
                    &row,
                    row.version,
                    action.clone(),
                    ActingAs::system(rule),
                    None,
                )
                .await
                .map(|_| ())
            };
            if let Err(e) = step.await {
                tracing::warn!(%reference, rule = rule.as_str(), error = ?e, "automated step failed; left for staff");
                return;
            }
        }
    }

    /// A request was just approved: if its service hands approved requests to a provider,
    /// the system assigns it by the service's rule. Nobody to hand it to, or a change
    /// meanwhile: it stays for staff (logged). Never fails the approval.
    pub(crate) async fn assign_by_rule(&self, reference: &str) {
        if let Err(e) = self.try_assign_by_rule(reference).await {
            tracing::warn!(%reference, error = ?e, "automatic assignment failed; left for staff");
        }
    }

    async fn try_assign_by_rule(&self, reference: &str) -> ServiceResult<()> {
        let row = self.load_request(reference).await?;
        if row.status()? != Status::Approved || row.assignee_id.is_some() {
            return Ok(());
        }
        let automation = self.automation_of(row.service_id).await?;
        let Some(rule) = automation.assign_rule() else {
            return Ok(());
        };
        let Some(to) = self.provider_by_rule(&row, automation.assign).await? else {
            tracing::info!(%reference, rule = rule.as_str(), "no active provider to assign to");
            return Ok(());
        };
        self.change_status(
            &row,
            row.version,
            Action::Assign { to_self: false },
            ActingAs::system(rule),
            Some(to),
        )
        .await?;
        Ok(())
    }

    /// The provider the service's rule chooses: among active providers linked to the
    /// service, in id order, the next after the one the rule chose last (round robin), or
    /// the one with the fewest open requests (least open).
    async fn provider_by_rule(
        &self,
        row: &RequestRow,
        rule: AssignRule,
    ) -> ServiceResult<Option<i64>> {
        let (closed, statuses) = closed_statuses(2);
        let sql = format!(
            "SELECT u.id, (SELECT COUNT(*) FROM requests r
                           WHERE r.assignee_id = u.id AND r.status NOT IN ({closed})) AS open
             FROM users u JOIN user_services us ON us.user_id = u.id
             WHERE us.service_id = $1 AND u.role = 'provider' AND u.active = 1
             ORDER BY u.id"
        );
        let mut q = sqlx::query_as::<_, (i64, i64)>(&sql).bind(row.service_id);
        for s in statuses {
            q = q.bind(s);
        }
        let providers: Vec<(i64, i64)> = q.fetch_all(&self.db.read).await?;
        Ok(match rule {
            AssignRule::None => None,
            AssignRule::LeastOpen => automation::least_open(&providers),
            AssignRule::RoundRobin => {
                // The request the rule last handed over in this service, and who holds it.
                let last: Option<(Option<i64>,)> = sqlx::query_as(
                    "SELECT r.assignee_id FROM request_events e JOIN requests r ON r.id = e.request_id
                     WHERE e.rule = $1 AND r.service_id = $2
                     ORDER BY e.id DESC LIMIT 1",
                )
                .bind(Rule::AssignRoundRobin.as_str())
                .bind(row.service_id)
                .fetch_optional(&self.db.read)
                .await?;
                let ids: Vec<i64> = providers.iter().map(|p| p.0).collect();
                automation::next_in_turn(&ids, last.and_then(|l| l.0))
            }
        })
    }

    /// Another open request for service `service_id` from the same contact (the same
    /// e-mail address in any case, or the same phone number), newest first, preferring one
    /// with the same address. The one rule for duplicates: submissions flag with it.
    pub(crate) async fn open_duplicate(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        service_id: i64,
        contact: &Contact,
    ) -> ServiceResult<Option<OpenDuplicate>> {
        let (email, phone) = automation::contact_keys(contact);
        if email.is_empty() && phone.is_empty() {
            return Ok(None);
        }
        let (closed, statuses) = closed_statuses(4);
        let sql = format!(
            "SELECT id, reference,
                    CASE WHEN LOWER(contact_email) = $2 THEN 1 ELSE 0 END AS same_email
             FROM requests
             WHERE service_id = $1 AND status NOT IN ({closed})
               AND (LOWER(contact_email) = $2 OR contact_phone = $3)
             ORDER BY same_email DESC, id DESC LIMIT 1"
        );
        let mut q = sqlx::query_as::<_, (i64, String, i64)>(&sql)
            .bind(service_id)
            .bind(email)
            .bind(phone);
        for s in statuses {
            q = q.bind(s);
        }
        let found = q.fetch_optional(&mut **tx).await?;
        Ok(found.map(|(id, reference, same_email)| OpenDuplicate {
            id,
            reference,
            same_email: same_email != 0,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_statuses_are_the_ones_not_open() {
        let (sql, statuses) = closed_statuses(3);
        assert_eq!(sql, "$3, $4, $5, $6");
        assert_eq!(statuses, ["refused", "fulfilled", "closed", "withdrawn"]);
    }

    #[test]
    fn settings_read_the_register_column() {
        let a = automation_from(1, r#"{"assign":"least_open","auto_register":false}"#);
        assert!(a.auto_register, "the column decides");
        assert_eq!(a.assign, AssignRule::LeastOpen);
        assert_eq!(automation_from(0, "not json"), Automation::default());
    }
}
