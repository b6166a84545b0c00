//! Everything staff see on one request: its values, people, service level, messages and
//! history, and the actions their role allows.

use crate::domain::{Action, Channel, Lang, Role, lifecycle};
use crate::error::AppError;
use crate::model::{StaffMember, StaffRequestView};
use crate::server::error::ServiceResult;
use crate::server::service::StaffContext;
use crate::server::service::shared::{RequestRow, labelled_answers};
use crate::server::service::{self, Taka, local_date_string};

impl Taka {
    pub(super) async fn load_in_scope(
        &self,
        ctx: &StaffContext,
        reference: &str,
    ) -> ServiceResult<RequestRow> {
        let row = self.load_request(reference.trim()).await?;
        if !ctx.can_see(row.service_id, row.institution_id) {
            return Err(AppError::Forbidden.into());
        }
        Ok(row)
    }

    /// Everything staff see on a request page; only actions the role allows are listed.
    pub async fn staff_request(
        &self,
        ctx: &StaffContext,
        reference: &str,
        lang: Lang,
    ) -> ServiceResult<StaffRequestView> {
        let row = self.load_in_scope(ctx, reference).await?;
        // Every staff view of a request's personal data is recorded (who, when, which).
        self.record_personal_data_view(ctx, &row).await?;
        let status = row.status()?;
        let (service_name, institution_name) = self.names_for(&row.service_code, lang).await?;
        let values = labelled_answers(&row, lang)?;
        let colleagues = self.colleagues(row.service_id, row.institution_id).await?;
        let assignee = row
            .assignee_id
            .and_then(|id| colleagues.iter().find(|c| c.id == id).cloned());
        let assignee = match (assignee, row.assignee_id) {
            (Some(a), _) => Some(a),
            (None, Some(id)) => self.staff_member(id).await?,
            (None, None) => None,
        };
        let rating: Option<(i64, Option<String>)> =
            sqlx::query_as("SELECT score, comment FROM feedback WHERE request_id = $1")
                .bind(row.id)
                .fetch_optional(&self.db.read)
                .await?;
        let owner: Option<(String,)> = sqlx::query_as(
            "SELECT u.display_name FROM services s JOIN users u ON u.id = s.owner_user_id WHERE s.id = $1",
        )
        .bind(row.service_id)
        .fetch_optional(&self.db.read)
        .await?;
        let sla = self
            .sla_view(
                row.institution_id,
                row.service_id,
                &row.clock.clock(),
                row.due_at,
                lang,
            )
            .await?;
        // A possible duplicate is named only to those who may open it.
        let duplicate_of = match row.duplicate_of {
            Some(id) => sqlx::query_as::<_, (String, i64, i64)>(
                "SELECT reference, service_id, institution_id FROM requests WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&self.db.read)
            .await?
            .filter(|(_, service_id, institution_id)| ctx.can_see(*service_id, *institution_id))
            .map(|(reference, _, _)| reference),
            None => None,
        };
        let actions = if ctx.user.role.handles_requests() {
            lifecycle::available_actions(status, ctx.actor())
        } else {
            Vec::new()
        };
        Ok(StaffRequestView {
            reference: row.reference.clone(),
            version: row.version,
            service_code: row.service_code.clone(),
            service_name,
            institution_name,
            channel: Channel::parse(&row.channel).unwrap_or(Channel::Web),
            lang: Lang::parse(&row.lang).unwrap_or_default(),
            contact_name: row.contact_name.clone(),
            contact_email: row.contact_email.clone(),
            contact_phone: row.contact_phone.clone(),
            values,
            status,
            stage: status.stage(),
            assignee,
            service_owner: owner.map(|o| o.0),
            decision_reason: row.decision_reason.clone(),
            result: row.result.clone(),
            rating: rating.as_ref().map(|r| r.0),
            rating_comment: rating.and_then(|r| r.1),
            submitted_at: row.submitted_at,
            submitted_on: local_date_string(row.submitted_at),
            due_at: row.due_at,
            expected_by: sla.expected_on.clone(),
            overdue: matches!(sla.state, crate::domain::SlaState::Breached),
            sla,
            deliveries: self.deliveries(row.id, lang).await?,
            timeline: self.timeline(row.id, false, lang).await?,
            attachments: self.attachments_of(row.id, true).await?,
            actions,
            colleagues: colleagues
                .into_iter()
                .filter(|c| c.id != ctx.user.id)
                .collect(),
            can_assign_others: lifecycle::apply(
                status,
                &Action::Assign { to_self: false },
                ctx.actor(),
            )
            .is_ok(),
            anonymised: row.anonymised_at.is_some(),
            legal_hold: row.legal_hold.clone(),
            may_manage_personal_data: crate::domain::privacy::may_manage_personal_data(
                ctx.user.role,
            ),
            duplicate_of,
            location: self.request_location(row.id).await?,
        })
    }

    /// Staff who can take a request of this service: its providers and owner, and the
    /// institution's portfolio owners.
    pub(super) async fn colleagues(
        &self,
        service_id: i64,
        institution_id: i64,
    ) -> ServiceResult<Vec<StaffMember>> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT u.id, u.display_name, u.role FROM users u
             WHERE u.active = 1 AND (
                 u.id IN (SELECT user_id FROM user_services WHERE service_id = $1)
                 OR (u.role = 'portfolio_owner' AND u.institution_id = $2))
             ORDER BY u.display_name",
        )
        .bind(service_id)
        .bind(institution_id)
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, display_name, role)| {
                Role::parse(&role)
                    .filter(|r| r.handles_requests())
                    .map(|role| StaffMember {
                        id,
                        display_name,
                        role,
                    })
            })
            .collect())
    }

    async fn staff_member(&self, id: i64) -> ServiceResult<Option<StaffMember>> {
        let row: Option<(i64, String, String)> =
            sqlx::query_as("SELECT id, display_name, role FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.db.read)
                .await?;
        Ok(row.and_then(|(id, display_name, role)| {
            Role::parse(&role).map(|role| StaffMember {
                id,
                display_name,
                role,
            })
        }))
    }

    /// Messages about a request and how their delivery went (recipients partly hidden).
    pub(crate) async fn deliveries(
        &self,
        request_id: i64,
        lang: Lang,
    ) -> ServiceResult<Vec<crate::model::Delivery>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            template: String,
            recipient: String,
            status: String,
            attempts: i64,
            last_error: Option<String>,
            created_at: i64,
            sent_at: Option<i64>,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT template, recipient, status, attempts, last_error, created_at, sent_at
             FROM outbox WHERE request_id = $1 AND channel <> 'webhook' ORDER BY id",
        )
        .bind(request_id)
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| crate::model::Delivery {
                recipient: mask_address(&r.recipient),
                template: r.template,
                status: r.status,
                attempts: r.attempts,
                last_error: r.last_error,
                created_text: service::local_time_text(lang, r.created_at),
                sent_text: r.sent_at.map(|t| service::local_time_text(lang, t)),
            })
            .collect())
    }
}

/// `j***@example.lv`: enough for staff to recognise an address, not to copy it.
fn mask_address(a: &str) -> String {
    match a.split_once('@') {
        Some((user, domain)) => {
            let first: String = user.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}
