//! The request lifecycle as a pure state machine: no I/O, no clock, no database.
//!
//! `apply(status, action, actor)` answers whether `actor` may take `action` on a request
//! in `status`, and if so which status follows and whether the requester sees the event.
//! Everything that changes a request's status goes through here.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a request is in its life. The order follows the four stages of the brief.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Status {
    Submitted,
    Registered,
    UnderAssessment,
    AwaitingInformation,
    Approved,
    Refused,
    InFulfilment,
    Fulfilled,
    Closed,
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::Submitted,
        Status::Registered,
        Status::UnderAssessment,
        Status::AwaitingInformation,
        Status::Approved,
        Status::Refused,
        Status::InFulfilment,
        Status::Fulfilled,
        Status::Closed,
        Status::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Registered => "registered",
            Status::UnderAssessment => "under_assessment",
            Status::AwaitingInformation => "awaiting_information",
            Status::Approved => "approved",
            Status::Refused => "refused",
            Status::InFulfilment => "in_fulfilment",
            Status::Fulfilled => "fulfilled",
            Status::Closed => "closed",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The stage of the brief this status belongs to.
    pub fn stage(self) -> Stage {
        match self {
            Status::Submitted | Status::Withdrawn => Stage::Requesting,
            Status::Registered
            | Status::UnderAssessment
            | Status::AwaitingInformation
            | Status::Refused => Stage::Processing,
            Status::Approved | Status::InFulfilment => Stage::Delivery,
            Status::Fulfilled | Status::Closed => Stage::Evaluation,
        }
    }

    /// No further transition is possible.
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Closed | Status::Withdrawn)
    }

    /// Still waiting for someone to act (counts in a backlog).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Status::Closed | Status::Withdrawn | Status::Refused | Status::Fulfilled
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The four stages of a request (apstrādes posmi).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Stage {
    Requesting,
    Processing,
    Delivery,
    Evaluation,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Requesting => "requesting",
            Stage::Processing => "processing",
            Stage::Delivery => "delivery",
            Stage::Evaluation => "evaluation",
        }
    }
    pub fn number(self) -> u8 {
        match self {
            Stage::Requesting => 1,
            Stage::Processing => 2,
            Stage::Delivery => 3,
            Stage::Evaluation => 4,
        }
    }
}

/// Staff roles from the brief. Providers and owners are scoped to services,
/// portfolio owners and administrators to a whole institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Provider,
    Owner,
    PortfolioOwner,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Provider,
        Role::Owner,
        Role::PortfolioOwner,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Provider => "provider",
            Role::Owner => "owner",
            Role::PortfolioOwner => "portfolio_owner",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
    /// Whether the role's scope is a list of services (otherwise: the whole institution).
    pub fn scoped_to_services(self) -> bool {
        matches!(self, Role::Provider | Role::Owner)
    }
    /// Whether the role works on requests at all (administrators only read).
    pub fn handles_requests(self) -> bool {
        !matches!(self, Role::Admin)
    }
}

/// Who is acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "role")]
pub enum Actor {
    /// The person who asked for the service (proved by the tracking code).
    Requester,
    /// A staff member with a role (scope is checked by the service layer).
    Staff(Role),
    /// The system itself (automatic steps).
    System,
}

impl Actor {
    pub const ALL: [Actor; 6] = [
        Actor::Requester,
        Actor::Staff(Role::Provider),
        Actor::Staff(Role::Owner),
        Actor::Staff(Role::PortfolioOwner),
        Actor::Staff(Role::Admin),
        Actor::System,
    ];
    pub fn kind_str(self) -> &'static str {
        match self {
            Actor::Requester => "requester",
            Actor::Staff(_) => "staff",
            Actor::System => "system",
        }
    }
}

/// What can be done to a request. The payload carries the text a person gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    /// Register and classify a submitted request.
    Register { note: Option<String> },
    /// Begin assessing conformity and justification.
    StartAssessment,
    /// Ask the requester for more information (reason required).
    RequestInformation { reason: String },
    /// The requester answers a request for information.
    ProvideInformation { answer: String },
    /// Decide to provide the service.
    Approve { note: Option<String> },
    /// Decide to refuse (reason required).
    Refuse { reason: String },
    /// Hand the request to a provider for fulfilment (`to_self`: the actor takes it).
    Assign { to_self: bool },
    /// Hand the request over to another provider (reason required).
    Escalate { reason: String },
    /// Record an action taken during fulfilment.
    RecordAction {
        note: String,
        visible_to_requester: bool,
    },
    /// Record the result: the service is delivered.
    Fulfil { result: String },
    /// The requester rates the delivered service (1–5), which closes the request.
    Rate { score: u8, comment: Option<String> },
    /// Staff close a fulfilled or refused request.
    Close { note: Option<String> },
    /// The requester withdraws before a decision.
    Withdraw { reason: Option<String> },
}

/// The kind of an action, without its payload: used for menus, history and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ActionKind {
    Submit,
    Register,
    StartAssessment,
    RequestInformation,
    ProvideInformation,
    Approve,
    Refuse,
    Assign,
    Escalate,
    RecordAction,
    Fulfil,
    Rate,
    Close,
    Withdraw,
    /// Recorded by the service-level sweep (not actions anyone takes).
    SlaAtRisk,
    SlaBreached,
    SlaEscalated,
    /// An automated reminder was sent (to the requester or the assignee), recorded by the
    /// system; not an action anyone takes.
    Reminder,
    /// Files were attached (the comment names them); recorded, not a change of status.
    Attach,
    /// The virus scanner refused a file (the comment names it and what was found).
    FileRefused,
}

impl ActionKind {
    /// Events the system records about service levels.
    pub const SLA_EVENTS: [ActionKind; 3] = [
        ActionKind::SlaAtRisk,
        ActionKind::SlaBreached,
        ActionKind::SlaEscalated,
    ];

    /// Events the system records that change nothing (service levels, reminders).
    pub const SYSTEM_EVENTS: [ActionKind; 6] = [
        ActionKind::SlaAtRisk,
        ActionKind::SlaBreached,
        ActionKind::SlaEscalated,
        ActionKind::Reminder,
        ActionKind::Attach,
        ActionKind::FileRefused,
    ];

    /// Every kind that `apply` handles (Submit creates a request and is not a transition).
    pub const TRANSITIONS: [ActionKind; 13] = [
        ActionKind::Register,
        ActionKind::StartAssessment,
        ActionKind::RequestInformation,
        ActionKind::ProvideInformation,
        ActionKind::Approve,
        ActionKind::Refuse,
        ActionKind::Assign,
        ActionKind::Escalate,
        ActionKind::RecordAction,
        ActionKind::Fulfil,
        ActionKind::Rate,
        ActionKind::Close,
        ActionKind::Withdraw,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Submit => "submit",
            ActionKind::Register => "register",
            ActionKind::StartAssessment => "start_assessment",
            ActionKind::RequestInformation => "request_information",
            ActionKind::ProvideInformation => "provide_information",
            ActionKind::Approve => "approve",
            ActionKind::Refuse => "refuse",
            ActionKind::Assign => "assign",
            ActionKind::Escalate => "escalate",
            ActionKind::RecordAction => "record_action",
            ActionKind::Fulfil => "fulfil",
            ActionKind::Rate => "rate",
            ActionKind::Close => "close",
            ActionKind::Withdraw => "withdraw",
            ActionKind::SlaAtRisk => "sla_at_risk",
            ActionKind::SlaBreached => "sla_breached",
            ActionKind::SlaEscalated => "sla_escalated",
            ActionKind::Reminder => "reminder",
            ActionKind::Attach => "attach",
            ActionKind::FileRefused => "file_refused",
        }
    }

    pub fn parse(s: &str) -> Option<ActionKind> {
        std::iter::once(ActionKind::Submit)
            .chain(ActionKind::TRANSITIONS)
            .chain(ActionKind::SYSTEM_EVENTS)
            .find(|k| k.as_str() == s)
    }

    /// The status an action of this kind may start from, and where it leads.
    /// This table is the whole lifecycle.
    fn edge(self, from: Status) -> Option<Status> {
        use Status::*;
        match (self, from) {
            (ActionKind::Register, Submitted) => Some(Registered),
            (ActionKind::StartAssessment, Registered) => Some(UnderAssessment),
            (ActionKind::RequestInformation, UnderAssessment) => Some(AwaitingInformation),
            (ActionKind::ProvideInformation, AwaitingInformation) => Some(UnderAssessment),
            (ActionKind::Approve, UnderAssessment) => Some(Approved),
            (ActionKind::Refuse, UnderAssessment) => Some(Refused),
            (ActionKind::Assign, Approved | InFulfilment) => Some(InFulfilment),
            (ActionKind::Escalate, Approved | InFulfilment) => Some(InFulfilment),
            (ActionKind::RecordAction, InFulfilment) => Some(InFulfilment),
            (ActionKind::Fulfil, InFulfilment) => Some(Fulfilled),
            (ActionKind::Rate, Fulfilled) => Some(Closed),
            (ActionKind::Close, Fulfilled | Refused) => Some(Closed),
            (
                ActionKind::Withdraw,
                Submitted | Registered | UnderAssessment | AwaitingInformation,
            ) => Some(Withdrawn),
            _ => None,
        }
    }

    /// Who may take an action of this kind (scope aside).
    pub fn permits(self, actor: Actor) -> bool {
        match self {
            ActionKind::Submit => match actor {
                Actor::Requester => true,
                Actor::Staff(role) => role.handles_requests(),
                Actor::System => false,
            },
            ActionKind::ProvideInformation | ActionKind::Rate | ActionKind::Withdraw => {
                actor == Actor::Requester
            }
            // What a service's automation may do, the system does as a person would.
            ActionKind::Register
            | ActionKind::StartAssessment
            | ActionKind::Approve
            | ActionKind::Assign => match actor {
                Actor::System => true,
                Actor::Staff(role) => role.handles_requests(),
                Actor::Requester => false,
            },
            ActionKind::SlaAtRisk
            | ActionKind::SlaBreached
            | ActionKind::SlaEscalated
            | ActionKind::Reminder
            | ActionKind::Attach
            | ActionKind::FileRefused => false,
            _ => matches!(actor, Actor::Staff(role) if role.handles_requests()),
        }
    }

    /// Whether the requester sees this event on the tracking page.
    pub fn visible_to_requester_by_default(self) -> bool {
        !matches!(
            self,
            ActionKind::Assign
                | ActionKind::RecordAction
                | ActionKind::SlaAtRisk
                | ActionKind::SlaBreached
                | ActionKind::SlaEscalated
                | ActionKind::Reminder
        )
    }
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Register { .. } => ActionKind::Register,
            Action::StartAssessment => ActionKind::StartAssessment,
            Action::RequestInformation { .. } => ActionKind::RequestInformation,
            Action::ProvideInformation { .. } => ActionKind::ProvideInformation,
            Action::Approve { .. } => ActionKind::Approve,
            Action::Refuse { .. } => ActionKind::Refuse,
            Action::Assign { .. } => ActionKind::Assign,
            Action::Escalate { .. } => ActionKind::Escalate,
            Action::RecordAction { .. } => ActionKind::RecordAction,
            Action::Fulfil { .. } => ActionKind::Fulfil,
            Action::Rate { .. } => ActionKind::Rate,
            Action::Close { .. } => ActionKind::Close,
            Action::Withdraw { .. } => ActionKind::Withdraw,
        }
    }

    /// The text recorded with the event, if any.
    pub fn comment(&self) -> Option<&str> {
        let text = match self {
            Action::Register { note } | Action::Approve { note } | Action::Close { note } => {
                note.as_deref()
            }
            Action::RequestInformation { reason }
            | Action::Refuse { reason }
            | Action::Escalate { reason } => Some(reason.as_str()),
            Action::ProvideInformation { answer } => Some(answer.as_str()),
            Action::RecordAction { note, .. } => Some(note.as_str()),
            Action::Fulfil { result } => Some(result.as_str()),
            Action::Rate { comment, .. } => comment.as_deref(),
            Action::Withdraw { reason } => reason.as_deref(),
            Action::StartAssessment | Action::Assign { .. } => None,
        };
        text.map(str::trim).filter(|t| !t.is_empty())
    }

    fn required_text_missing(&self) -> bool {
        match self {
            Action::RequestInformation { reason }
            | Action::Refuse { reason }
            | Action::Escalate { reason } => reason.trim().is_empty(),
            Action::ProvideInformation { answer } => answer.trim().is_empty(),
            Action::RecordAction { note, .. } => note.trim().is_empty(),
            Action::Fulfil { result } => result.trim().is_empty(),
            _ => false,
        }
    }
}

/// The outcome of an allowed action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub from: Status,
    pub to: Status,
    pub action: ActionKind,
    pub visible_to_requester: bool,
}

/// Maximum length of any free text attached to an action.
pub const MAX_COMMENT_CHARS: usize = 4000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum LifecycleError {
    #[error("action {action:?} is not possible while the request is {status}")]
    NotInThisStatus { action: ActionKind, status: Status },
    #[error("{actor:?} may not {action:?}")]
    NotPermitted { action: ActionKind, actor: Actor },
    #[error("a reason is required for {0:?}")]
    ReasonRequired(ActionKind),
    #[error("the text is too long")]
    TextTooLong,
    #[error("a rating must be between 1 and 5")]
    InvalidRating,
}

/// Decide whether `actor` may take `action` on a request in `status`.
pub fn apply(status: Status, action: &Action, actor: Actor) -> Result<Transition, LifecycleError> {
    let kind = action.kind();
    let to = kind.edge(status).ok_or(LifecycleError::NotInThisStatus {
        action: kind,
        status,
    })?;
    // Handing a request to someone else is the owner's or the institution head's call (or
    // the service's assignment rule, run by the system); a provider may take it for
    // themselves, or escalate it with a reason. The system has no self to take it for.
    let assigns_other = matches!(action, Action::Assign { to_self: false });
    let assigns_self = matches!(action, Action::Assign { to_self: true });
    if !kind.permits(actor)
        || (assigns_other
            && !matches!(
                actor,
                Actor::Staff(Role::Owner | Role::PortfolioOwner) | Actor::System
            ))
        || (assigns_self && actor == Actor::System)
    {
        return Err(LifecycleError::NotPermitted {
            action: kind,
            actor,
        });
    }
    if action.required_text_missing() {
        return Err(LifecycleError::ReasonRequired(kind));
    }
    if action
        .comment()
        .is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS)
    {
        return Err(LifecycleError::TextTooLong);
    }
    let visible = match action {
        Action::RecordAction {
            visible_to_requester,
            ..
        } => *visible_to_requester,
        Action::Rate { score, .. } => {
            if !(1..=5).contains(score) {
                return Err(LifecycleError::InvalidRating);
            }
            true
        }
        _ => kind.visible_to_requester_by_default(),
    };
    Ok(Transition {
        from: status,
        to,
        action: kind,
        visible_to_requester: visible,
    })
}

/// The actions `actor` could take now (used to build menus: only these are shown).
pub fn available_actions(status: Status, actor: Actor) -> Vec<ActionKind> {
    ActionKind::TRANSITIONS
        .into_iter()
        .filter(|k| k.edge(status).is_some() && k.permits(actor))
        .collect()
}

#[cfg(test)]
mod tests;
