//! Requests: submitting, tracking, and every change of status (one `transition` for all).
//!
//! - `submit`: a new request through any channel, with its receipt (and idempotent replays);
//! - `track`: the requester's view of a request, behind its tracking code;
//! - `transition`: every change of status, and who is told about it.

mod submit;
mod track;
mod transition;

use super::rollup;
use super::shared::ActingAs;
use crate::domain::automation::Rule;
use crate::domain::{ActionKind, Channel, Lang, Status};
use crate::server::error::ServiceResult;
use std::collections::BTreeMap;

/// A request as submitted through any channel.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub service_code: String,
    pub values: BTreeMap<String, String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub lang: Lang,
    pub channel: Channel,
    pub idempotency: Option<IdempotencyKey>,
    /// Files uploaded ahead of the form, by field: the tokens the uploads gave.
    pub files: BTreeMap<String, Vec<String>>,
    /// Where it came from and what it is about, beyond the form.
    pub origin: Origin,
}

/// The place a form without coordinates gives: an address or a place, in words (errors on
/// `location_address`).
pub fn location_from_form(
    address: &str,
) -> Result<crate::domain::partners::Location, crate::error::AppError> {
    crate::domain::partners::Location::parse("", "", address).map_err(|errors| {
        crate::error::AppError::Invalid(
            errors
                .into_iter()
                .map(|(_, e)| ("location_address".to_string(), e))
                .collect(),
        )
    })
}

/// What a channel knows of a request beyond its form: the place (Open311's `lat`/`long`
/// or an address) and the partner system that sent it.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub location: crate::domain::partners::Location,
    pub partner_id: Option<i64>,
    /// Open311's token for the request (a public random name).
    pub public_token: Option<String>,
    /// The signed-in requester making it (web form while signed in).
    pub requester_id: Option<i64>,
}

/// An API client's `Idempotency-Key` with a hash of the body it came with.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    pub body_hash: String,
}

/// Add what a change contributes to the analytics rollups, inside its transaction.
async fn record_rollups(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    place: rollup::Place,
    before: Option<&rollup::Facts>,
    after: &rollup::Facts,
) -> ServiceResult<()> {
    let mut acc = rollup::Accumulator::default();
    acc.add(place, &rollup::events(before, after));
    acc.write(tx).await
}

/// One event of a request's history, about to be written.
struct NewEvent<'a> {
    by: ActingAs,
    action: ActionKind,
    from: Option<Status>,
    to: Status,
    comment: Option<&'a str>,
    visible: bool,
}

/// Append events to a request's history, in one statement.
async fn insert_events(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    request_id: i64,
    at: i64,
    events: &[NewEvent<'_>],
) -> ServiceResult<()> {
    let rows: Vec<String> = (0..events.len())
        .map(|i| {
            let p: Vec<String> = (1..=10).map(|k| format!("${}", i * 10 + k)).collect();
            format!("({})", p.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO request_events (request_id, at, actor_kind, actor_user_id, action, from_status, to_status, comment, visible_to_requester, rule)
         VALUES {}",
        rows.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for e in events {
        q = q
            .bind(request_id)
            .bind(at)
            .bind(e.by.actor.kind_str())
            .bind(e.by.user_id)
            .bind(e.action.as_str())
            .bind(e.from.map(Status::as_str))
            .bind(e.to.as_str())
            .bind(e.comment)
            .bind(i64::from(e.visible))
            .bind(e.by.rule.map(Rule::as_str));
    }
    q.execute(&mut **tx).await?;
    Ok(())
}
