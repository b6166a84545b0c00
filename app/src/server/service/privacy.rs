//! A request's personal data (GDPR Articles 5, 15, 17, 20, 30): retention run by the
//! background job, anonymisation that keeps statistics and the shape of the history,
//! erasure on a data subject's request and legal holds, the requester's export of
//! everything held, and the record of every staff view of personal data.

use super::shared::{RequestRow, labelled_answers};
use super::{StaffContext, Taka, local_time_text, rfc3339};
use crate::domain::privacy::{self, ErasureBlock};
use crate::domain::{FieldError, FieldErrors, Lang};
use crate::error::AppError;
use crate::model::{DataExport, PersonalDataView};
use crate::server::error::ServiceResult;

/// Longest reason for an erasure or a legal hold.
const MAX_REASON: usize = 1000;

impl Taka {
    /// Remove a request's personal data inside `tx`: contact details, answers, decision
    /// and result texts, every comment in the history, the rating's comment and the text
    /// of messages about it. Statuses, times, service-level figures and rollups stay, as
    /// does each history entry (its comment becomes empty).
    async fn forget(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        row: &RequestRow,
        kind: &str,
        by: Option<i64>,
        reason: Option<&str>,
    ) -> ServiceResult<()> {
        let at = self.now();
        sqlx::query(
            "UPDATE requests SET contact_name = '', contact_email = NULL, contact_phone = NULL,
                values_json = '{}', decision_reason = NULL, result = NULL, anonymised_at = $1,
                requester_id = NULL, requester_seen_event = NULL,
                version = version + 1
             WHERE id = $2",
        )
        .bind(at)
        .bind(row.id)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "UPDATE request_events SET comment = NULL WHERE request_id = $1 AND comment IS NOT NULL",
        )
        .bind(row.id)
        .execute(&mut **tx)
        .await?;
        // Its files go too: the attachment rows stay as "erased", and contents no other
        // request or upload uses are deleted.
        let blobs: Vec<(i64,)> = sqlx::query_as(
            "SELECT DISTINCT blob_id FROM attachments WHERE request_id = $1 AND blob_id IS NOT NULL",
        )
        .bind(row.id)
        .fetch_all(&mut **tx)
        .await?;
        sqlx::query(
            "UPDATE attachments SET blob_id = NULL, name = '', sha256 = '', field = NULL, state = 'erased'
             WHERE request_id = $1",
        )
        .bind(row.id)
        .execute(&mut **tx)
        .await?;
        for (blob_id,) in blobs {
            let unused = "NOT EXISTS (SELECT 1 FROM attachments a WHERE a.blob_id = $1)
                 AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.blob_id = $1)";
            sqlx::query(&format!(
                "DELETE FROM blob_chunks WHERE blob_id = $1 AND {unused}"
            ))
            .bind(blob_id)
            .execute(&mut **tx)
            .await?;
            sqlx::query(&format!("DELETE FROM blobs WHERE id = $1 AND {unused}"))
                .bind(blob_id)
                .execute(&mut **tx)
                .await?;
        }
        sqlx::query("UPDATE feedback SET comment = NULL WHERE request_id = $1")
            .bind(row.id)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "UPDATE outbox SET recipient = '', body_text = '', body_html = ''
             WHERE request_id = $1 AND channel <> 'webhook'",
        )
        .bind(row.id)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO privacy_log (request_id, institution_id, at, user_id, kind, reason)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(row.id)
        .bind(row.institution_id)
        .bind(at)
        .bind(by)
        .bind(kind)
        .bind(reason)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The background job: anonymise every request whose service's retention has run out
    /// since it ended, unless a legal hold keeps it. Returns how many.
    pub async fn apply_retention(&self) -> ServiceResult<u64> {
        let now = self.now();
        // Candidates by the widest test in SQL; the rule itself decides (domain::privacy).
        let due: Vec<(String, i64)> = sqlx::query_as(
            "SELECT r.reference, s.retention_days FROM requests r JOIN services s ON s.id = r.service_id
             WHERE r.anonymised_at IS NULL AND r.legal_hold IS NULL
               AND r.status IN ('closed', 'withdrawn', 'refused', 'fulfilled')
               AND COALESCE(r.closed_at, r.fulfilled_at, r.decided_at, r.updated_at) < $1 - s.retention_days * 86400
             ORDER BY r.id LIMIT 1000",
        )
        .bind(now)
        .fetch_all(&self.db.read)
        .await?;
        let mut done = 0;
        for (reference, days) in due {
            let row = self.load_request(&reference).await?;
            let ended = row
                .closed_at
                .or(row.fulfilled_at)
                .or(row.decided_at)
                .unwrap_or(row.submitted_at);
            if !privacy::retention_over(
                row.status()?,
                ended,
                days,
                now,
                row.legal_hold.is_some(),
                row.anonymised_at.is_some(),
            ) {
                continue;
            }
            let mut tx = self.db.write.begin().await?;
            self.forget(&mut tx, &row, "anonymised", None, None).await?;
            tx.commit().await?;
            done += 1;
        }
        Ok(done)
    }

    /// Erase a request's personal data on its data subject's request, with the reason
    /// recorded. Refused while a legal hold keeps it or the request is still open.
    pub async fn erase_personal_data(
        &self,
        ctx: &StaffContext,
        reference: &str,
        reason: &str,
    ) -> ServiceResult<()> {
        let row = self.load_in_scope_for_privacy(ctx, reference).await?;
        let reason = checked_reason(reason)?;
        if let Some(block) = privacy::erasure_block(
            row.status()?,
            row.legal_hold.is_some(),
            row.anonymised_at.is_some(),
        ) {
            return Err(AppError::ErasureRefused(block).into());
        }
        let mut tx = self.db.write.begin().await?;
        self.forget(&mut tx, &row, "erased", Some(ctx.user.id), Some(&reason))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Place (`Some(reason)`) or lift (`None`) a legal hold on a request's data.
    pub async fn set_legal_hold(
        &self,
        ctx: &StaffContext,
        reference: &str,
        reason: Option<&str>,
    ) -> ServiceResult<()> {
        let row = self.load_in_scope_for_privacy(ctx, reference).await?;
        if row.anonymised_at.is_some() {
            return Err(AppError::ErasureRefused(ErasureBlock::AlreadyGone).into());
        }
        let reason = reason.map(checked_reason).transpose()?;
        let mut tx = self.db.write.begin().await?;
        sqlx::query("UPDATE requests SET legal_hold = $1 WHERE id = $2")
            .bind(reason.as_deref())
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO privacy_log (request_id, institution_id, at, user_id, kind, reason)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(row.id)
        .bind(row.institution_id)
        .bind(self.now())
        .bind(ctx.user.id)
        .bind(if reason.is_some() { "hold" } else { "released" })
        .bind(reason.as_deref())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn load_in_scope_for_privacy(
        &self,
        ctx: &StaffContext,
        reference: &str,
    ) -> ServiceResult<RequestRow> {
        if !privacy::may_manage_personal_data(ctx.user.role) {
            return Err(AppError::Forbidden.into());
        }
        let row = self.load_request(reference.trim()).await?;
        if !ctx.can_see(row.service_id, row.institution_id) {
            return Err(AppError::Forbidden.into());
        }
        Ok(row)
    }

    /// Record that a staff member opened a request's personal data.
    pub(crate) async fn record_personal_data_view(
        &self,
        ctx: &StaffContext,
        row: &RequestRow,
    ) -> ServiceResult<()> {
        sqlx::query(
            "INSERT INTO personal_data_views (user_id, request_id, institution_id, at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(ctx.user.id)
        .bind(row.id)
        .bind(row.institution_id)
        .bind(self.now())
        .execute(&self.db.write)
        .await?;
        Ok(())
    }

    /// The newest staff views of personal data in the user's institution (portfolio owners
    /// and administrators), optionally of one request.
    pub async fn personal_data_views(
        &self,
        ctx: &StaffContext,
        reference: Option<&str>,
    ) -> ServiceResult<Vec<PersonalDataView>> {
        if !privacy::may_read_view_log(ctx.user.role) {
            return Err(AppError::Forbidden.into());
        }
        let reference = reference
            .map(|r| r.trim().to_ascii_uppercase())
            .filter(|r| !r.is_empty());
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT v.at, u.display_name, u.username, r.reference
             FROM personal_data_views v JOIN users u ON u.id = v.user_id
             JOIN requests r ON r.id = v.request_id
             WHERE v.institution_id = $1 AND ($2 IS NULL OR r.reference = $2)
             ORDER BY v.id DESC LIMIT 500",
        )
        .bind(ctx.institution_id)
        .bind(reference)
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, name, username, reference)| PersonalDataView {
                at_text: local_time_text(ctx.lang, at),
                staff: format!("{name} ({username})"),
                reference,
            })
            .collect())
    }

    /// Everything held about a request, for its requester (Articles 15 and 20): what they
    /// gave, what happened, what they were sent, and what is done with it.
    pub async fn export_request(
        &self,
        reference: &str,
        proof: impl Into<crate::server::service::Proof>,
        lang: Lang,
    ) -> ServiceResult<DataExport> {
        let row = self.authorise_requester(reference, &proof.into()).await?;
        let view = self.tracking_view(&row, lang).await?;
        let answers = labelled_answers(&row, lang)?;
        let messages: Vec<(String, String, Option<i64>, String)> = sqlx::query_as(
            "SELECT template, subject, sent_at, status FROM outbox
             WHERE request_id = $1 AND user_id IS NULL AND channel <> 'webhook' ORDER BY id",
        )
        .bind(row.id)
        .fetch_all(&self.db.read)
        .await?;
        let rating: Option<(i64, Option<String>)> =
            sqlx::query_as("SELECT score, comment FROM feedback WHERE request_id = $1")
                .bind(row.id)
                .fetch_optional(&self.db.read)
                .await?;
        let (retention_days,): (i64,) =
            sqlx::query_as("SELECT retention_days FROM services WHERE id = $1")
                .bind(row.service_id)
                .fetch_one(&self.db.read)
                .await?;
        Ok(DataExport {
            reference: row.reference.clone(),
            service_name: view.service_name.clone(),
            institution_name: view.institution_name.clone(),
            status: view.status,
            submitted_at: rfc3339(row.submitted_at),
            channel: row.channel.clone(),
            language: row.lang.clone(),
            contact_name: row.contact_name.clone(),
            contact_email: row.contact_email.clone(),
            contact_phone: row.contact_phone.clone(),
            answers,
            timeline: view.timeline,
            attachments: view.attachments,
            rating: rating.as_ref().map(|r| r.0),
            rating_comment: rating.and_then(|r| r.1),
            messages: messages
                .into_iter()
                .map(
                    |(template, subject, sent_at, status)| crate::model::ExportedMessage {
                        kind: template,
                        subject,
                        sent_at: sent_at.map(rfc3339),
                        status,
                    },
                )
                .collect(),
            retention_days,
            anonymised: row.anonymised_at.is_some(),
            exported_at: rfc3339(self.now()),
        })
    }
}

fn checked_reason(reason: &str) -> ServiceResult<String> {
    let reason = reason.trim();
    let mut errors = FieldErrors::new();
    if reason.is_empty() {
        errors.insert("reason".into(), FieldError::Required);
    } else if reason.chars().count() > MAX_REASON {
        errors.insert("reason".into(), FieldError::TooLong { max: MAX_REASON });
    }
    if errors.is_empty() {
        Ok(reason.to_string())
    } else {
        Err(AppError::Invalid(errors).into())
    }
}
