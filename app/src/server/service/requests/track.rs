//! The requester's view of a request: found by reference and tracking code, with the
//! visible timeline; and the link to it that messages carry.

use crate::domain::{ActionKind, Actor, Lang, Role, Status, lifecycle};
use crate::error::AppError;
use crate::model::{TimelineEntry, TrackingView};
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::service::Proof;
use crate::server::service::shared::RequestRow;
use crate::server::service::{self, Taka, local_date_string};

#[derive(sqlx::FromRow)]
struct EventRow {
    at: i64,
    action: String,
    from_status: Option<String>,
    to_status: String,
    comment: Option<String>,
    actor_kind: String,
    actor_name: Option<String>,
    actor_role: Option<String>,
    visible_to_requester: i64,
    rule: Option<String>,
}

impl EventRow {
    fn into_entry(self, show_names: bool, lang: Lang) -> TimelineEntry {
        TimelineEntry {
            at: self.at,
            at_text: service::local_time_text(lang, self.at),
            at_iso: service::rfc3339(self.at),
            action: ActionKind::parse(&self.action).unwrap_or(ActionKind::RecordAction),
            from_status: self.from_status.as_deref().and_then(Status::parse),
            to_status: Status::parse(&self.to_status).unwrap_or(Status::Submitted),
            comment: self.comment,
            actor: if show_names { self.actor_name } else { None },
            actor_role: self.actor_role.as_deref().and_then(Role::parse),
            actor_kind: self.actor_kind,
            visible_to_requester: self.visible_to_requester != 0,
            rule: self.rule,
        }
    }
}

impl Taka {
    /// Find a request by reference and its requester's proof: the tracking code, or being
    /// its signed-in requester. A wrong proof and an unknown reference give the same answer.
    pub(crate) async fn authorise_requester(
        &self,
        reference: &str,
        proof: &Proof,
    ) -> ServiceResult<RequestRow> {
        let reference = reference.trim().to_ascii_uppercase();
        match (self.load_request(&reference).await, proof) {
            (Ok(row), Proof::Person(id)) if row.requester_id == Some(*id) => Ok(row),
            (Ok(row), Proof::Code(code)) if self.code_matches(&row.tracking_hash, code) => {
                if !row.tracking_hash.starts_with("h1:") {
                    // Written before codes were keyed: key it now that the code is known.
                    sqlx::query("UPDATE requests SET tracking_hash = $1 WHERE id = $2 AND tracking_hash = $3")
                        .bind(self.code_hash(code))
                        .bind(row.id)
                        .bind(&row.tracking_hash)
                        .execute(&self.db.write)
                        .await?;
                }
                Ok(row)
            }
            (Ok(_), _) | (Err(ServiceError::App(AppError::NotFound)), _) => {
                Err(AppError::NotFound.into())
            }
            (Err(e), _) => Err(e),
        }
    }

    /// The requester's view: status, stage, expected date and the visible timeline.
    pub async fn track(
        &self,
        reference: &str,
        proof: impl Into<Proof>,
        lang: Lang,
    ) -> ServiceResult<TrackingView> {
        Ok(self.open_tracking(reference, proof, lang).await?.1)
    }

    /// The requester opens the tracking page: the view, with how much changed since their
    /// last visit (`new_updates`), which is now this one.
    pub async fn visit(
        &self,
        reference: &str,
        proof: impl Into<Proof>,
        lang: Lang,
    ) -> ServiceResult<TrackingView> {
        let (row, mut view) = self.open_tracking(reference, proof, lang).await?;
        view.new_updates = self.mark_seen(row.id).await?;
        Ok(view)
    }

    /// The request, once the proof is checked, and its requester's view.
    async fn open_tracking(
        &self,
        reference: &str,
        proof: impl Into<Proof>,
        lang: Lang,
    ) -> ServiceResult<(RequestRow, TrackingView)> {
        let row = self.authorise_requester(reference, &proof.into()).await?;
        let view = self.tracking_view(&row, lang).await?;
        Ok((row, view))
    }

    pub(crate) async fn tracking_view(
        &self,
        row: &RequestRow,
        lang: Lang,
    ) -> ServiceResult<TrackingView> {
        let status = row.status()?;
        let timeline = self.timeline(row.id, true, lang).await?;
        let sla = self
            .sla_view(
                row.institution_id,
                row.service_id,
                &row.clock.clock(),
                row.due_at,
                lang,
            )
            .await?;
        let (service_name, institution_name) = self.names_for(&row.service_code, lang).await?;
        let handler_role = match row.assignee_id {
            Some(uid) => sqlx::query_as::<_, (String,)>("SELECT role FROM users WHERE id = $1")
                .bind(uid)
                .fetch_optional(&self.db.read)
                .await?
                .and_then(|(r,)| Role::parse(&r)),
            None => None,
        };
        let rating: Option<(i64,)> =
            sqlx::query_as("SELECT score FROM feedback WHERE request_id = $1")
                .bind(row.id)
                .fetch_optional(&self.db.read)
                .await?;
        let open_question = (status == Status::AwaitingInformation)
            .then(|| {
                timeline
                    .iter()
                    .rev()
                    .find(|e| e.action == ActionKind::RequestInformation)
                    .and_then(|e| e.comment.clone())
            })
            .flatten();
        Ok(TrackingView {
            service_version: row.service_version,
            reference: row.reference.clone(),
            submitted_on: local_date_string(row.submitted_at),
            service_code: row.service_code.clone(),
            service_name,
            institution_name,
            status,
            stage: status.stage(),
            submitted_at: row.submitted_at,
            expected_by: sla.expected_on.clone(),
            sla,
            handler_role,
            decision_reason: row.decision_reason.clone(),
            result: row.result.clone(),
            rating: rating.map(|r| r.0),
            timeline,
            actions: lifecycle::available_actions(status, Actor::Requester),
            open_question,
            attachments: self.attachments_of(row.id, false).await?,
            new_updates: 0,
        })
    }

    /// The history of a request; `requester_only` keeps the events the requester may see.
    pub(crate) async fn timeline(
        &self,
        request_id: i64,
        requester_only: bool,
        lang: Lang,
    ) -> ServiceResult<Vec<TimelineEntry>> {
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT e.at, e.action, e.from_status, e.to_status, e.comment, e.actor_kind,
                    u.display_name AS actor_name, u.role AS actor_role, e.visible_to_requester,
                    e.rule
             FROM request_events e LEFT JOIN users u ON u.id = e.actor_user_id
             WHERE e.request_id = $1 AND ($2 = 0 OR e.visible_to_requester = 1)
             ORDER BY e.id",
        )
        .bind(request_id)
        .bind(i64::from(requester_only))
        .fetch_all(&self.db.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| r.into_entry(!requester_only, lang))
            .collect())
    }

    /// `/track?ref=...`, and for the receipt, the one message that may carry the code,
    /// `#code=...`: a fragment never reaches a server, a log or a `Referer`; the tracking
    /// page's small script (`public/track.js`) moves it into the form and sends it.
    pub(crate) fn tracking_link(&self, reference: &str, code: Option<&str>) -> String {
        let mut link = format!(
            "{}/track?ref={}",
            self.public_url(),
            urlencoding::encode(reference)
        );
        if let Some(code) = code {
            link.push_str("#code=");
            link.push_str(&urlencoding::encode(code));
        }
        link
    }
}
