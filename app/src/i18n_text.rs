//! Texts for domain values (statuses, roles, errors, ...) in a given locale. The UI and the
//! JSON API both use these, so a status or an error reads the same everywhere. All wording
//! lives in `locales/*.json`.

use crate::domain::automation::Rule;
use crate::domain::privacy::ErasureBlock;
use crate::domain::{ActionKind, Channel, FieldError, LifecycleError, Role, Stage, Status};
use crate::error::{AppError, Quota};
use crate::i18n::Locale;
use leptos_i18n::td_string;

pub fn field_error(l: Locale, e: &FieldError) -> String {
    match e {
        FieldError::Required => td_string!(l, field_errors.required).to_string(),
        FieldError::TooLong { max } => td_string!(l, field_errors.too_long, count = *max),
        FieldError::TooShort { min } => td_string!(l, field_errors.too_short, count = *min),
        FieldError::Taken => td_string!(l, field_errors.taken).to_string(),
        FieldError::NotANumber => td_string!(l, field_errors.not_a_number).to_string(),
        FieldError::OutOfRange { .. } => td_string!(l, field_errors.out_of_range).to_string(),
        FieldError::InvalidDate => td_string!(l, field_errors.invalid_date).to_string(),
        FieldError::DateOutOfRange { earliest, latest } => match (earliest, latest) {
            (Some(from), Some(to)) => {
                td_string!(l, field_errors.date_between, earliest = from, latest = to)
            }
            (Some(from), None) => td_string!(l, field_errors.date_not_before, earliest = from),
            (None, Some(to)) => td_string!(l, field_errors.date_not_after, latest = to),
            (None, None) => td_string!(l, field_errors.date_out_of_range).to_string(),
        },
        FieldError::InvalidChoice => td_string!(l, field_errors.invalid_choice).to_string(),
        FieldError::InvalidYesNo => td_string!(l, field_errors.invalid_yes_no).to_string(),
        FieldError::InvalidEmail => td_string!(l, field_errors.invalid_email).to_string(),
        FieldError::InvalidPhone => td_string!(l, field_errors.invalid_phone).to_string(),
        FieldError::UnknownField => td_string!(l, field_errors.unknown_field).to_string(),
        FieldError::WrongPassword => td_string!(l, field_errors.wrong_password).to_string(),
        FieldError::CommonPassword => td_string!(l, field_errors.common_password).to_string(),
        FieldError::OwnAccount => td_string!(l, field_errors.own_account).to_string(),
        FieldError::LinkExpired => td_string!(l, field_errors.link_expired).to_string(),
        FieldError::InUse => td_string!(l, field_errors.in_use).to_string(),
        FieldError::TooManyFiles { max } => {
            td_string!(l, field_errors.too_many_files, count = *max)
        }
        FieldError::FileTooLarge { max } => td_string!(
            l,
            field_errors.file_too_large,
            max = crate::domain::files::human_bytes(*max)
        ),
        FieldError::FilesTooLarge { max } => td_string!(
            l,
            field_errors.files_too_large,
            max = crate::domain::files::human_bytes(*max)
        ),
        FieldError::FileNotAccepted { name, allowed } => td_string!(
            l,
            field_errors.file_not_accepted,
            name = name,
            allowed = allowed
        ),
        FieldError::FileMismatch { name, claimed } => td_string!(
            l,
            field_errors.file_mismatch,
            name = name,
            claimed = claimed
        ),
        FieldError::FileInfected { name } => {
            td_string!(l, field_errors.file_infected, name = name)
        }
        FieldError::FileGone => td_string!(l, field_errors.file_gone).to_string(),
        FieldError::InvalidUrl => td_string!(l, field_errors.invalid_url).to_string(),
        FieldError::InvalidSecret => td_string!(l, field_errors.invalid_secret).to_string(),
    }
}

pub fn app_error(l: Locale, e: &AppError) -> String {
    match e {
        AppError::NotFound => td_string!(l, errors.not_found),
        AppError::Unauthorized => td_string!(l, errors.unauthorized),
        AppError::Forbidden => td_string!(l, errors.forbidden),
        AppError::Invalid(_) => td_string!(l, errors.invalid),
        AppError::Lifecycle(LifecycleError::ReasonRequired(_)) => {
            td_string!(l, field_errors.required)
        }
        AppError::Lifecycle(LifecycleError::TextTooLong) => td_string!(l, errors.bad_request),
        AppError::Lifecycle(LifecycleError::InvalidRating) => {
            td_string!(l, field_errors.invalid_choice)
        }
        AppError::Lifecycle(_) => td_string!(l, errors.lifecycle),
        AppError::Conflict => td_string!(l, errors.conflict),
        AppError::IdempotencyMismatch => td_string!(l, errors.idempotency),
        AppError::BadCredentials => td_string!(l, errors.bad_credentials),
        AppError::TooManyAttempts(seconds) => {
            return td_string!(l, errors.too_many_attempts, count = seconds.div_ceil(60))
                .to_string();
        }
        AppError::ErasureRefused(ErasureBlock::LegalHold) => td_string!(l, errors.erasure_hold),
        AppError::ErasureRefused(ErasureBlock::StillOpen) => td_string!(l, errors.erasure_open),
        AppError::ErasureRefused(ErasureBlock::AlreadyGone) => td_string!(l, errors.erasure_gone),
        AppError::BadRequest => td_string!(l, errors.bad_request),
        AppError::TooLarge(quota, max) => {
            let max = crate::domain::files::human_bytes(*max);
            return match quota {
                Quota::File => td_string!(l, errors.file_quota, max = max),
                Quota::Request => td_string!(l, errors.request_quota, max = max),
                Quota::Day => td_string!(l, errors.daily_quota, max = max),
            };
        }
        AppError::NotReady => td_string!(l, errors.not_ready),
        AppError::Internal => td_string!(l, errors.internal),
        AppError::Transport(_) => td_string!(l, errors.transport),
    }
    .to_string()
}

pub fn too_large(l: Locale, kb: usize) -> String {
    td_string!(l, errors.too_large, kb = kb)
}

pub fn malformed(l: Locale) -> String {
    td_string!(l, errors.malformed).to_string()
}

pub fn status(l: Locale, s: Status) -> &'static str {
    match s {
        Status::Submitted => td_string!(l, status.submitted),
        Status::Registered => td_string!(l, status.registered),
        Status::UnderAssessment => td_string!(l, status.under_assessment),
        Status::AwaitingInformation => td_string!(l, status.awaiting_information),
        Status::Approved => td_string!(l, status.approved),
        Status::Refused => td_string!(l, status.refused),
        Status::InFulfilment => td_string!(l, status.in_fulfilment),
        Status::Fulfilled => td_string!(l, status.fulfilled),
        Status::Closed => td_string!(l, status.closed),
        Status::Withdrawn => td_string!(l, status.withdrawn),
    }
}

pub fn status_help(l: Locale, s: Status) -> &'static str {
    match s {
        Status::Submitted => td_string!(l, status_help.submitted),
        Status::Registered => td_string!(l, status_help.registered),
        Status::UnderAssessment => td_string!(l, status_help.under_assessment),
        Status::AwaitingInformation => td_string!(l, status_help.awaiting_information),
        Status::Approved => td_string!(l, status_help.approved),
        Status::Refused => td_string!(l, status_help.refused),
        Status::InFulfilment => td_string!(l, status_help.in_fulfilment),
        Status::Fulfilled => td_string!(l, status_help.fulfilled),
        Status::Closed => td_string!(l, status_help.closed),
        Status::Withdrawn => td_string!(l, status_help.withdrawn),
    }
}

pub fn stage(l: Locale, s: Stage) -> &'static str {
    match s {
        Stage::Requesting => td_string!(l, stage.requesting),
        Stage::Processing => td_string!(l, stage.processing),
        Stage::Delivery => td_string!(l, stage.delivery),
        Stage::Evaluation => td_string!(l, stage.evaluation),
    }
}

pub fn role(l: Locale, r: Role) -> &'static str {
    match r {
        Role::Provider => td_string!(l, role.provider),
        Role::Owner => td_string!(l, role.owner),
        Role::PortfolioOwner => td_string!(l, role.portfolio_owner),
        Role::Admin => td_string!(l, role.admin),
    }
}

pub fn channel(l: Locale, c: Channel) -> &'static str {
    match c {
        Channel::Web => td_string!(l, channel.web),
        Channel::InPerson => td_string!(l, channel.in_person),
        Channel::Api => td_string!(l, channel.api),
    }
}

/// The label of a button that takes an action.
pub fn action(l: Locale, a: ActionKind) -> &'static str {
    match a {
        ActionKind::Submit => td_string!(l, action.submit),
        ActionKind::Register => td_string!(l, action.register),
        ActionKind::StartAssessment => td_string!(l, action.start_assessment),
        ActionKind::RequestInformation => td_string!(l, action.request_information),
        ActionKind::ProvideInformation => td_string!(l, action.provide_information),
        ActionKind::Approve => td_string!(l, action.approve),
        ActionKind::Refuse => td_string!(l, action.refuse),
        ActionKind::Assign => td_string!(l, action.assign),
        ActionKind::Escalate => td_string!(l, action.escalate),
        ActionKind::RecordAction => td_string!(l, action.record_action),
        ActionKind::Fulfil => td_string!(l, action.fulfil),
        ActionKind::Rate => td_string!(l, action.rate),
        ActionKind::Close => td_string!(l, action.close),
        ActionKind::Withdraw => td_string!(l, action.withdraw),
        ActionKind::SlaAtRisk
        | ActionKind::SlaBreached
        | ActionKind::SlaEscalated
        | ActionKind::Reminder
        | ActionKind::Attach
        | ActionKind::FileRefused => event(l, a),
    }
}

/// How an event reads in a history.
pub fn event(l: Locale, a: ActionKind) -> &'static str {
    match a {
        ActionKind::Submit => td_string!(l, event.submit),
        ActionKind::Register => td_string!(l, event.register),
        ActionKind::StartAssessment => td_string!(l, event.start_assessment),
        ActionKind::RequestInformation => td_string!(l, event.request_information),
        ActionKind::ProvideInformation => td_string!(l, event.provide_information),
        ActionKind::Approve => td_string!(l, event.approve),
        ActionKind::Refuse => td_string!(l, event.refuse),
        ActionKind::Assign => td_string!(l, event.assign),
        ActionKind::Escalate => td_string!(l, event.escalate),
        ActionKind::RecordAction => td_string!(l, event.record_action),
        ActionKind::Fulfil => td_string!(l, event.fulfil),
        ActionKind::Rate => td_string!(l, event.rate),
        ActionKind::Close => td_string!(l, event.close),
        ActionKind::Withdraw => td_string!(l, event.withdraw),
        ActionKind::SlaAtRisk => td_string!(l, event.sla_at_risk),
        ActionKind::SlaBreached => td_string!(l, event.sla_breached),
        ActionKind::SlaEscalated => td_string!(l, event.sla_escalated),
        ActionKind::Reminder => td_string!(l, event.reminder),
        ActionKind::Attach => td_string!(l, event.attach),
        ActionKind::FileRefused => td_string!(l, event.file_refused),
    }
}

/// The name of an automation rule, as a history shows what fired.
pub fn rule(l: Locale, r: Rule) -> &'static str {
    match r {
        Rule::AutoRegister => td_string!(l, automation.rule_auto_register),
        Rule::AutoApprove => td_string!(l, automation.rule_auto_approve),
        Rule::AssignRoundRobin => td_string!(l, automation.rule_assign_round_robin),
        Rule::AssignLeastOpen => td_string!(l, automation.rule_assign_least_open),
        Rule::InformationReminder => td_string!(l, automation.rule_information_reminder),
        Rule::AssigneeReminder => td_string!(l, automation.rule_assignee_reminder),
    }
}

/// "Automatically (rule: ...)": who took a step that a service's automation took.
pub fn automatically(l: Locale, r: Rule) -> String {
    td_string!(l, automation.automatically, rule = rule(l, r))
}

/// A request's standing against its service level.
pub fn sla_state(l: Locale, s: crate::domain::SlaState) -> &'static str {
    use crate::domain::SlaState;
    match s {
        SlaState::OnTime => td_string!(l, sla.on_time),
        SlaState::AtRisk => td_string!(l, sla.at_risk),
        SlaState::Breached => td_string!(l, sla.breached),
        SlaState::Paused => td_string!(l, sla.paused),
        SlaState::Met => td_string!(l, sla.met),
        SlaState::Missed => td_string!(l, sla.missed),
    }
}

/// The measured stage a service-level clock belongs to.
pub fn sla_stage(l: Locale, s: crate::domain::SlaStage) -> &'static str {
    use crate::domain::SlaStage;
    match s {
        SlaStage::Register => td_string!(l, sla.stage_register),
        SlaStage::Decide => td_string!(l, sla.stage_decide),
        SlaStage::Fulfil => td_string!(l, sla.stage_fulfil),
    }
}

/// A staff notification's headline.
pub fn notification(l: Locale, kind: &str) -> &'static str {
    match kind {
        "assigned" => td_string!(l, notifications.kind_assigned),
        "at_risk" => td_string!(l, notifications.kind_at_risk),
        "breached" => td_string!(l, notifications.kind_breached),
        "reminder" => td_string!(l, notifications.kind_reminder),
        _ => td_string!(l, notifications.kind_compliance),
    }
}

/// What a message in the outbox is about.
pub fn mail_kind(l: Locale, template: &str) -> &'static str {
    match template {
        "receipt" => td_string!(l, mail_kind.receipt),
        "information_requested" => td_string!(l, mail_kind.information_requested),
        "approved" => td_string!(l, mail_kind.approved),
        "refused" => td_string!(l, mail_kind.refused),
        "fulfilled" => td_string!(l, mail_kind.fulfilled),
        "closed" => td_string!(l, mail_kind.closed),
        "assigned" => td_string!(l, mail_kind.assigned),
        "at_risk" => td_string!(l, mail_kind.at_risk),
        "breached" => td_string!(l, mail_kind.breached),
        "information_reminder" => td_string!(l, mail_kind.information_reminder),
        "assignee_reminder" => td_string!(l, mail_kind.assignee_reminder),
        _ => td_string!(l, mail_kind.compliance),
    }
}

/// A message's delivery state.
pub fn delivery(l: Locale, status: &str) -> &'static str {
    match status {
        "sent" => td_string!(l, delivery.sent),
        "failed" => td_string!(l, delivery.failed),
        _ => td_string!(l, delivery.pending),
    }
}

/// A calendar date (and time) written as `l` writes it: the pattern in `format.date` /
/// `format.datetime` with `YYYY`, `MM`, `DD`, `hh`, `mm` replaced.
pub fn date_time(l: Locale, parts: DateParts) -> String {
    let pattern = if parts.time.is_some() {
        td_string!(l, format.datetime)
    } else {
        td_string!(l, format.date)
    };
    fill_date(pattern, parts)
}

/// A date's parts, and its time of day (hours, minutes) when one is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateParts {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub time: Option<(u32, u32)>,
}

/// A `YYYY-MM-DD` date as `l` writes it; anything else is returned as it is.
pub fn iso_date(l: Locale, iso: &str) -> String {
    let mut it = iso.trim().splitn(3, '-');
    let parsed = (|| {
        let year = it.next()?.parse().ok()?;
        let month = it.next()?.parse().ok().filter(|m| (1..=12).contains(m))?;
        let day = it.next()?.parse().ok().filter(|d| (1..=31).contains(d))?;
        Some(DateParts {
            year,
            month,
            day,
            time: None,
        })
    })();
    match parsed {
        Some(p) => date_time(l, p),
        None => iso.to_string(),
    }
}

fn fill_date(pattern: &str, p: DateParts) -> String {
    let (h, m) = p.time.unwrap_or((0, 0));
    pattern
        .replace("YYYY", &format!("{:04}", p.year))
        .replace("MM", &format!("{:02}", p.month))
        .replace("DD", &format!("{:02}", p.day))
        .replace("hh", &format!("{h:02}"))
        .replace("mm", &format!("{m:02}"))
}

/// A whole number as `l` writes it (`12 345` in Latvian, `12,345` in English, `1234` but
/// `12 345` in Polish and Estonian).
pub fn number(l: Locale, n: i64) -> String {
    group(l, &n.unsigned_abs().to_string(), n < 0)
}

/// A number with `digits` decimals as `l` writes it (`12,5` in Latvian).
pub fn decimal(l: Locale, x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let text = format!("{:.*}", digits, x.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let negative = x < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    let mut out = group(l, int, negative);
    if !frac.is_empty() {
        out.push_str(td_string!(l, format.decimal));
        out.push_str(frac);
    }
    out
}

fn group(l: Locale, digits: &str, negative: bool) -> String {
    let sep = td_string!(l, format.group);
    let min: usize = td_string!(l, format.min_grouping).parse().unwrap_or(1);
    let mut out = String::with_capacity(digits.len() + 4);
    if negative {
        out.push('\u{2212}');
    }
    if digits.len() < 4 + min - 1 {
        out.push_str(digits);
        return out;
    }
    let first = digits.len() % 3;
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (i + 3 - first).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(c);
    }
    out
}

/// Yes or no in `l`.
pub fn yes_no(l: Locale, yes: bool) -> &'static str {
    if yes {
        td_string!(l, common.yes)
    } else {
        td_string!(l, common.no)
    }
}

// `locale(Lang) -> Locale` and `lang(Locale) -> Lang`, generated from the locale files.
include!(concat!(env!("OUT_DIR"), "/lang_locale.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_per_language() {
        assert_eq!(number(Locale::lv, 1234567), "1\u{a0}234\u{a0}567");
        assert_eq!(number(Locale::en, 1234567), "1,234,567");
        assert_eq!(number(Locale::en, 999), "999");
        assert_eq!(number(Locale::en, -1000), "\u{2212}1,000");
        assert_eq!(decimal(Locale::lv, 12.345, 1), "12,3");
        assert_eq!(decimal(Locale::en, 1234.5, 2), "1,234.50");
        assert_eq!(decimal(Locale::en, -0.01, 1), "0.0");
        assert_eq!(decimal(Locale::en, f64::NAN, 1), "");
        let p = DateParts {
            year: 2026,
            month: 3,
            day: 7,
            time: Some((9, 5)),
        };
        assert_eq!(date_time(Locale::lv, p), "07.03.2026. 09:05");
        assert_eq!(
            date_time(Locale::en, DateParts { time: None, ..p }),
            "07/03/2026"
        );
        assert_eq!(iso_date(Locale::lv, "2026-11-28"), "28.11.2026.");
        assert_eq!(iso_date(Locale::lv, "2026-13-28"), "2026-13-28");
        assert_eq!(iso_date(Locale::lv, "soon"), "soon");
        for l in crate::domain::Lang::ALL {
            let text = date_time(locale(l), p);
            assert!(
                text.contains("2026") && text.contains("07") && text.contains("09:05"),
                "{l:?}: {text}"
            );
            let n = number(locale(l), 1_234_567);
            assert_eq!(
                n.chars().filter(|c| c.is_ascii_digit()).count(),
                7,
                "{l:?}: {n}"
            );
        }
    }
}
