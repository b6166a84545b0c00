//! Serialisable views shared by the server functions, the JSON API and the UI.
//! These never carry secrets (password hashes, tracking-code hashes).

use crate::domain::{
    ActionKind, Channel, FieldError, FieldSpec, InstitutionKind, Lang, Role, SlaStage, SlaState,
    Stage, Status, Targets,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod developers;
mod editor;
mod partners;
mod requester;
pub use developers::*;
pub use editor::*;
pub use partners::*;
pub use requester::*;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstitutionInfo {
    pub code: String,
    pub name: String,
    pub kind: InstitutionKind,
    pub sector: Option<String>,
    pub municipality: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifeSituation {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceSummary {
    pub code: String,
    pub name: String,
    pub summary: String,
    pub institution: InstitutionInfo,
    /// Working days from arrival to result when every stage takes its full time.
    pub sla_days: i64,
    pub sla: Targets,
    pub life_situations: Vec<String>,
    /// The language the texts are in: the one asked for, or a fallback (English, Latvian).
    #[serde(default)]
    pub text_lang: Lang,
    /// The request says where (an address, or coordinates through Open311 and the API).
    #[serde(default)]
    pub asks_location: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    pub services: Vec<ServiceSummary>,
    pub life_situations: Vec<LifeSituation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceDetail {
    pub code: String,
    pub name: String,
    pub summary: String,
    pub description: String,
    pub conditions: String,
    pub documents: Vec<String>,
    pub institution: InstitutionInfo,
    pub sla_days: i64,
    pub sla: Targets,
    pub fields: Vec<FieldSpec>,
    pub life_situations: Vec<LifeSituation>,
    /// Years after a request ends that its personal data is kept (nearest whole year, at least 1).
    pub retention_years: i64,
    /// The version of the form (each published change makes a new one).
    pub version: i64,
    /// What the requester receives, what it costs, the law it rests on, whom to ask
    /// (empty: not given).
    #[serde(default)]
    pub result: String,
    #[serde(default)]
    pub fees: String,
    #[serde(default)]
    pub legal_basis: String,
    #[serde(default)]
    pub contact: String,
    /// The language the texts are in: the one asked for, or a fallback (English, Latvian).
    #[serde(default)]
    pub text_lang: Lang,
    /// The request says where (an address, or coordinates through Open311 and the API).
    #[serde(default)]
    pub asks_location: bool,
}

/// What the requester gets after submitting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    pub reference: String,
    pub tracking_code: String,
    pub status: Status,
    pub service_name: String,
    pub institution_name: String,
    pub submitted_at: i64,
    pub expected_by: String,
    pub expected_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: i64,
    /// `YYYY-MM-DD HH:MM` in the institution's time zone.
    pub at_text: String,
    /// RFC 3339 (UTC), for `<time datetime>`.
    pub at_iso: String,
    pub action: ActionKind,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub comment: Option<String>,
    /// Staff name on the staff view; on the requester's view only the role.
    pub actor: Option<String>,
    pub actor_role: Option<Role>,
    pub actor_kind: String,
    pub visible_to_requester: bool,
    /// The automation rule behind a step the system took (`Rule::as_str`).
    #[serde(default)]
    pub rule: Option<String>,
}

/// The requester's view of a request, proved by the tracking code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackingView {
    pub reference: String,
    pub submitted_on: String,
    pub service_code: String,
    pub service_name: String,
    pub institution_name: String,
    pub status: Status,
    pub stage: Stage,
    pub submitted_at: i64,
    pub expected_by: String,
    pub sla: SlaView,
    /// Role of the person handling it now, if anyone is assigned.
    pub handler_role: Option<Role>,
    pub decision_reason: Option<String>,
    pub result: Option<String>,
    pub rating: Option<i64>,
    pub timeline: Vec<TimelineEntry>,
    /// Actions the requester can take now.
    pub actions: Vec<ActionKind>,
    /// The latest question the requester must answer, when awaiting information.
    pub open_question: Option<String>,
    /// The version of the service's form the request was made under.
    pub service_version: i64,
    /// Files the requester may see: their own and the documents staff gave them.
    pub attachments: Vec<AttachmentView>,
    /// How many of the last timeline entries are new to the requester since they last
    /// opened the tracking page (0 outside such a visit).
    #[serde(default)]
    pub new_updates: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub institution_code: String,
    pub institution_name: String,
}

/// What a profile form post did, shown once on the profile page it redirects to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ProfileNotice {
    /// A new API token: shown this once, never again.
    TokenCreated(String),
    TokenRefused(crate::error::AppError),
    PasswordChanged,
    PasswordRefused(crate::error::AppError),
    /// A new partner's key (partners page): shown this once, never again.
    PartnerCreated {
        name: String,
        key: String,
    },
    PartnerRefused(crate::error::AppError),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueFilter {
    pub status: Option<Status>,
    pub service: Option<String>,
    pub mine: bool,
    /// Include closed, withdrawn and refused requests.
    pub all: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueItem {
    pub reference: String,
    pub service_code: String,
    pub service_name: String,
    pub status: Status,
    pub channel: Channel,
    pub contact_name: String,
    pub assignee: Option<String>,
    pub submitted_at: i64,
    pub updated_at: i64,
    pub due_at: i64,
    /// Local dates for display.
    pub submitted_on: String,
    pub due_on: String,
    /// Past its expected date and still open.
    pub overdue: bool,
    pub sla_state: SlaState,
    /// Deadline of the running stage, local `YYYY-MM-DD HH:MM`.
    pub stage_due: Option<String>,
    pub stage_due_iso: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queue {
    pub items: Vec<QueueItem>,
    pub total_open: i64,
    /// The oldest open request in scope (waiting longest).
    pub oldest_open: Option<QueueItem>,
    /// The newest request in scope.
    pub newest: Option<QueueItem>,
    pub services: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffMember {
    pub id: i64,
    pub display_name: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffRequestView {
    pub reference: String,
    pub version: i64,
    pub service_code: String,
    pub service_name: String,
    pub institution_name: String,
    pub channel: Channel,
    pub lang: Lang,
    pub contact_name: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    /// Field label and value, in form order.
    pub values: Vec<(String, String)>,
    pub status: Status,
    pub stage: Stage,
    pub assignee: Option<StaffMember>,
    /// The named owner of the service (responsible for all its requests).
    pub service_owner: Option<String>,
    pub decision_reason: Option<String>,
    pub result: Option<String>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub submitted_at: i64,
    pub submitted_on: String,
    pub due_at: i64,
    pub expected_by: String,
    pub overdue: bool,
    pub sla: SlaView,
    /// Messages sent (or being sent) about this request.
    pub deliveries: Vec<Delivery>,
    pub timeline: Vec<TimelineEntry>,
    /// Every file of the request, internal ones too.
    pub attachments: Vec<AttachmentView>,
    pub actions: Vec<ActionKind>,
    /// Who the request can be assigned or escalated to.
    pub colleagues: Vec<StaffMember>,
    /// Whether this user may assign the request to someone else (not only take it).
    pub can_assign_others: bool,
    /// Its personal data is gone (retention or erasure).
    pub anonymised: bool,
    /// Why its data is kept whatever the retention, if a legal hold is placed.
    pub legal_hold: Option<String>,
    /// Whether this user may erase its personal data or place a legal hold.
    pub may_manage_personal_data: bool,
    /// The reference of another open request of the same contact for the same service,
    /// when it was submitted (only if this user may see that one too).
    #[serde(default)]
    pub duplicate_of: Option<String>,
    /// Where the request is about (coordinates, an address, or both).
    #[serde(default)]
    pub location: Option<crate::domain::partners::Location>,
}

/// Per-field messages, keyed by field name.
pub type FieldMessages = BTreeMap<String, FieldError>;

/// A request against its service level, for pages and the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaView {
    pub state: SlaState,
    /// The stage whose clock runs (none when finished).
    pub stage: Option<SlaStage>,
    /// That stage's deadline, local `YYYY-MM-DD HH:MM`.
    pub stage_due: Option<String>,
    /// Working minutes left in the stage (negative: overdue by).
    pub time_left_minutes: Option<i64>,
    /// When the requester can expect the result (or when the clock stopped).
    pub expected_by: i64,
    pub expected_on: String,
    pub expected_iso: String,
}

/// One outgoing message about a request, as staff see its delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub template: String,
    pub recipient: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_text: String,
    pub sent_text: Option<String>,
}

/// A staff member's in-app notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffNotification {
    pub id: i64,
    /// `assigned`, `at_risk`, `breached` or `compliance`.
    pub kind: String,
    pub reference: Option<String>,
    pub service_name: String,
    pub detail: Option<String>,
    pub at_text: String,
    pub at_iso: String,
    pub read: bool,
}

/// A personal API token as its owner sees it (the secret is shown only once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_text: String,
    pub last_used_text: Option<String>,
    pub revoked: bool,
    /// When it stops working (`YYYY-MM-DD`), `None` for tokens made before tokens expired.
    pub expires_text: Option<String>,
    pub expired: bool,
    /// It may only read analytics.
    pub analytics_only: bool,
}

/// One of a staff member's signed-in sessions, as they see it in their profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffSession {
    pub id: i64,
    /// The session of this very page.
    pub current: bool,
    pub started: String,
    pub last_seen: String,
    /// The browser's own description of itself.
    pub browser: String,
    pub address: String,
}

/// A count in the chosen period and in the period of the same length before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Compared {
    pub current: i64,
    pub previous: i64,
}

/// Counters of one period (see `AnalyticsSummary`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PeriodCounts {
    pub received: i64,
    pub fulfilled: i64,
    pub refused: i64,
    pub approved: i64,
    pub withdrawn: i64,
    /// Requests whose service-level clock stopped in the period, and those of them on time.
    pub sla_judged: i64,
    pub sla_met: i64,
    pub ratings: i64,
    pub rating_sum: i64,
}

/// Lead times of the requests that completed a stage in the period. Registration in whole
/// hours, the rest in whole days (nearest-rank percentiles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LeadTimes {
    pub register_hours: crate::domain::analytics::Spread,
    pub decide_days: crate::domain::analytics::Spread,
    pub fulfil_days: crate::domain::analytics::Spread,
    pub total_days: crate::domain::analytics::Spread,
}

/// One step of a trend (a calendar month, local time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TrendPoint {
    /// `YYYY-MM`.
    pub label: String,
    pub received: i64,
    pub fulfilled: i64,
    pub refused: i64,
}

/// One part of the scope (an institution, a service) with its own figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Breakdown {
    #[cfg_attr(feature = "ssr", schema(value_type = String, example = "institution:VNP"))]
    pub scope: crate::domain::analytics::Scope,
    pub name: String,
    pub counts: PeriodCounts,
    pub backlog: i64,
}

/// The figures for a scope and period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AnalyticsSummary {
    #[cfg_attr(feature = "ssr", schema(value_type = String, example = "institution:VNP"))]
    pub scope: crate::domain::analytics::Scope,
    pub scope_name: String,
    /// Local dates, inclusive.
    pub from: String,
    pub to: String,
    pub previous_from: String,
    pub previous_to: String,
    pub current: PeriodCounts,
    pub previous: PeriodCounts,
    pub lead_times: LeadTimes,
    /// Open now, and their age in whole days.
    pub backlog: i64,
    pub backlog_age_days: crate::domain::analytics::Spread,
    /// Requests received in the period per channel.
    pub channels: Vec<(Channel, i64)>,
    /// The backlog by status (open now).
    pub statuses: Vec<(Status, i64)>,
    pub trend: Vec<TrendPoint>,
    /// The next level down: institutions of a wider scope, services of an institution.
    pub parts: Vec<Breakdown>,
    /// For the whole country: the sectors and municipalities, one level above institutions.
    pub groups: Vec<Breakdown>,
}

/// One request behind an analytics figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FigureRequest {
    pub reference: String,
    pub service_name: String,
    pub institution_code: String,
    pub channel: Channel,
    pub status: Status,
    pub submitted_on: String,
    /// When the event the figure counts happened (local date).
    pub event_on: String,
    /// Whether the viewer may open the request itself.
    pub can_open: bool,
}

/// Received and fulfilled in one ISO week (Monday to Sunday, local dates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekPoint {
    /// `2026-W07`.
    pub label: String,
    /// The week's Monday (`YYYY-MM-DD`).
    pub monday: String,
    pub received: i64,
    pub fulfilled: i64,
}

/// One bucket of the lead-time distribution, in whole calendar days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadBucket {
    /// Smallest and largest whole number of days in the bucket (`None`: no upper end).
    pub min: i64,
    pub max: Option<i64>,
    /// Requests decided in the period taking this long from registration (submission when
    /// not registered) to decision — the "decision" stage of the lead-time table.
    pub decide: i64,
    /// Requests fulfilled in the period taking this long from submission to fulfilment.
    pub total: i64,
}

impl LeadBucket {
    /// The bucket's edges: `[0, 1, 3, 6, 11, 21, 31]` → `< 1`, `1–2`, `3–5`, `6–10`,
    /// `11–20`, `21–30`, `> 30` days.
    pub const EDGES: [i64; 7] = [0, 1, 3, 6, 11, 21, 31];

    /// The buckets, empty.
    pub fn empty() -> Vec<LeadBucket> {
        Self::EDGES
            .iter()
            .enumerate()
            .map(|(i, min)| LeadBucket {
                min: *min,
                max: Self::EDGES.get(i + 1).map(|next| next - 1),
                decide: 0,
                total: 0,
            })
            .collect()
    }

    /// The index of the bucket holding `days` (negative values are not counted).
    pub fn index(days: i64) -> Option<usize> {
        if days < 0 {
            return None;
        }
        Self::EDGES.iter().rposition(|e| days >= *e)
    }

    /// `< 1`, `1–2`, ..., `> 30`.
    pub fn label(&self) -> String {
        match self.max {
            Some(0) => "< 1".into(),
            Some(max) if max == self.min => self.min.to_string(),
            Some(max) => format!("{}–{max}", self.min),
            None => format!("> {}", self.min - 1),
        }
    }
}

/// What the dashboard adds to the summary: the weekly trend and the lead-time distribution.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AnalyticsMore {
    /// The last 12 ISO weeks up to the period's last day (the last one may be partial).
    pub weekly: Vec<WeekPoint>,
    pub distribution: Vec<LeadBucket>,
}

/// One staff view of a request's personal data, as the portfolio owner sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonalDataView {
    pub at_text: String,
    pub staff: String,
    pub reference: String,
}

/// A message sent to the requester about their request (its text is not kept once sent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedMessage {
    pub kind: String,
    pub subject: String,
    pub sent_at: Option<String>,
    pub status: String,
}

/// Everything held about a request, for its requester (GDPR Articles 15 and 20).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataExport {
    pub reference: String,
    pub service_name: String,
    pub institution_name: String,
    pub status: Status,
    pub submitted_at: String,
    pub channel: String,
    pub language: String,
    pub contact_name: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    /// Field label and answer, in form order.
    pub answers: Vec<(String, String)>,
    pub timeline: Vec<TimelineEntry>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub messages: Vec<ExportedMessage>,
    /// The request's files the requester may see (each downloadable with the code).
    pub attachments: Vec<AttachmentView>,
    /// Days after the request ends that its personal data is kept.
    pub retention_days: i64,
    pub anonymised: bool,
    pub exported_at: String,
}

/// A colleague as the staff administration page lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffAccount {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    /// `(code, name)` of the services a provider or service owner works on.
    pub services: Vec<(String, String)>,
    pub active: bool,
    /// Invited and not yet set a password.
    pub invited: bool,
    /// The one looking at the list.
    pub is_me: bool,
}

/// An invitation (and the form that sends it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StaffInvite {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: String,
    #[serde(default)]
    pub services: Vec<String>,
    /// The language of the invitation e-mail.
    #[serde(default)]
    pub lang: String,
}

/// One configuration change in the audit log, for reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub at_text: String,
    /// Who: a staff member's name; `None` for the command line or the system
    /// (`actor_kind` `cli` / `system`).
    pub actor: Option<String>,
    pub actor_kind: String,
    pub entity: String,
    pub entity_key: String,
    pub action: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Filters of the audit log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    /// `service`, `user`, `calendar`, ... (empty: all).
    pub entity: String,
    /// Only this account's changes (a user name; empty: anyone).
    pub actor: String,
    /// Dates `YYYY-MM-DD`, inclusive (empty: open).
    pub from: String,
    pub to: String,
}

/// Who sees an attachment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// The requester's own files (with the request or an answer): requester and staff.
    Requester,
    /// A document staff hand to the requester (a permit, a decision letter).
    Result,
    /// Staff only.
    Internal,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Requester => "requester",
            Visibility::Result => "result",
            Visibility::Internal => "internal",
        }
    }
    pub fn parse(s: &str) -> Option<Visibility> {
        [
            Visibility::Requester,
            Visibility::Result,
            Visibility::Internal,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// One attachment as a list shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttachmentView {
    pub id: String,
    pub field: Option<String>,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub visibility: Visibility,
    /// 'ok', 'quarantined' (waiting for the virus scanner), 'infected' (refused), 'erased'.
    pub state: String,
    pub created_at: i64,
}

/// A file a form post without JavaScript already delivered, kept for the form it came
/// back to: its field, the upload's token and its name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingFile {
    pub field: String,
    pub token: String,
    pub name: String,
}
