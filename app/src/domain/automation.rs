//! Automation per service, as pure rules: what the system does on its own when a request
//! arrives, is approved or waits. The service layer runs these steps through the lifecycle
//! as `Actor::System`, and records the rule that fired with each step.

use super::Contact;
use super::fields::{CleanValues, FieldError, FieldErrors, FieldSpec, FieldType};
use serde::{Deserialize, Serialize};

/// How an approved request finds its provider.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignRule {
    /// Staff assign by hand.
    #[default]
    None,
    /// The service's providers in turn.
    RoundRobin,
    /// The provider with the fewest open requests (ties: the longest-serving account).
    LeastOpen,
}

impl AssignRule {
    pub const ALL: [AssignRule; 3] = [
        AssignRule::None,
        AssignRule::RoundRobin,
        AssignRule::LeastOpen,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            AssignRule::None => "none",
            AssignRule::RoundRobin => "round_robin",
            AssignRule::LeastOpen => "least_open",
        }
    }
    pub fn parse(s: &str) -> Option<AssignRule> {
        AssignRule::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// How an answer is compared with a condition's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareOp {
    /// Text, choice, yes/no, date: the same value; multiple choice: one of the chosen.
    Equals,
    NotEquals,
    /// Numbers only.
    Below,
    AtMost,
    Above,
    AtLeast,
}

impl CompareOp {
    pub const ALL: [CompareOp; 6] = [
        CompareOp::Equals,
        CompareOp::NotEquals,
        CompareOp::Below,
        CompareOp::AtMost,
        CompareOp::Above,
        CompareOp::AtLeast,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Equals => "equals",
            CompareOp::NotEquals => "not_equals",
            CompareOp::Below => "below",
            CompareOp::AtMost => "at_most",
            CompareOp::Above => "above",
            CompareOp::AtLeast => "at_least",
        }
    }
    pub fn parse(s: &str) -> Option<CompareOp> {
        CompareOp::ALL.into_iter().find(|o| o.as_str() == s)
    }
    fn numeric(self) -> bool {
        !matches!(self, CompareOp::Equals | CompareOp::NotEquals)
    }
}

/// One condition on a request's answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub field: String,
    pub op: CompareOp,
    pub value: String,
}

impl Condition {
    /// Whether the answers (validated and normalised) meet the condition. A missing answer
    /// meets only `NotEquals`.
    pub fn holds(&self, values: &CleanValues) -> bool {
        let Some(answer) = values.get(&self.field) else {
            return self.op == CompareOp::NotEquals;
        };
        let chosen = || answer.split(',').any(|v| v == self.value);
        match self.op {
            CompareOp::Equals => answer == &self.value || chosen(),
            CompareOp::NotEquals => answer != &self.value && !chosen(),
            op => {
                let (Ok(a), Ok(b)) = (answer.parse::<i64>(), self.value.trim().parse::<i64>())
                else {
                    return false;
                };
                match op {
                    CompareOp::Below => a < b,
                    CompareOp::AtMost => a <= b,
                    CompareOp::Above => a > b,
                    _ => a >= b,
                }
            }
        }
    }
}

/// What the system does for one service, set by its owner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Automation {
    /// Register every request as it arrives.
    pub auto_register: bool,
    /// Hand approved requests to a provider.
    pub assign: AssignRule,
    /// Approve on arrival when every condition holds (an empty list never approves).
    pub auto_approve: bool,
    pub approve_when: Vec<Condition>,
    /// Remind the requester when a request for information has waited this many working
    /// days (once per request for information).
    pub remind_information_days: Option<u32>,
    /// Remind the assignee when a stage has used [`ASSIGNEE_REMINDER_PCT`] of its time,
    /// before the at-risk point.
    pub remind_assignee: bool,
}

/// The share of a stage's working time at which the assignee is reminded (the at-risk
/// point is `sla::RISK_PCT`).
pub const ASSIGNEE_REMINDER_PCT: i64 = 60;

/// Whether a running stage with `remaining` of its `budget` working seconds left has used
/// [`ASSIGNEE_REMINDER_PCT`] of its time (the assignee is reminded once then).
pub fn assignee_reminder_due(remaining: i64, budget: i64) -> bool {
    budget > 0 && remaining * 100 <= budget * (100 - ASSIGNEE_REMINDER_PCT)
}

/// When a requester asked for information at `paused_at` is reminded: at the end of the
/// `days`-th working day after that day, on the institution's calendar.
#[cfg(feature = "ssr")]
pub fn information_reminder_at(cal: &super::calendar::Calendar, paused_at: i64, days: u32) -> i64 {
    let from = chrono::DateTime::from_timestamp(paused_at, 0).unwrap_or_default();
    cal.add_working_days(from, days).timestamp()
}

/// The longest wait for information a reminder can be set to, in working days.
pub const MAX_REMINDER_DAYS: u32 = 60;

/// The rule behind an automated step, recorded in the request's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    AutoRegister,
    AutoApprove,
    AssignRoundRobin,
    AssignLeastOpen,
    InformationReminder,
    AssigneeReminder,
}

impl Rule {
    pub const ALL: [Rule; 6] = [
        Rule::AutoRegister,
        Rule::AutoApprove,
        Rule::AssignRoundRobin,
        Rule::AssignLeastOpen,
        Rule::InformationReminder,
        Rule::AssigneeReminder,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::AutoRegister => "auto_register",
            Rule::AutoApprove => "auto_approve",
            Rule::AssignRoundRobin => "assign_round_robin",
            Rule::AssignLeastOpen => "assign_least_open",
            Rule::InformationReminder => "information_reminder",
            Rule::AssigneeReminder => "assignee_reminder",
        }
    }
    pub fn parse(s: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl Automation {
    /// Whether a request with these answers is approved on arrival.
    pub fn approves(&self, values: &CleanValues) -> bool {
        self.auto_approve
            && !self.approve_when.is_empty()
            && self.approve_when.iter().all(|c| c.holds(values))
    }

    /// The assignment rule as the rule recorded in history (none when staff assign).
    pub fn assign_rule(&self) -> Option<Rule> {
        match self.assign {
            AssignRule::None => None,
            AssignRule::RoundRobin => Some(Rule::AssignRoundRobin),
            AssignRule::LeastOpen => Some(Rule::AssignLeastOpen),
        }
    }

    /// Check the settings against the form they act on. Errors are keyed `approve_when`
    /// (a condition names a missing field, compares a non-number with a number operator,
    /// or has an invalid value) and `remind_information_days`.
    pub fn check(&self, fields: &[FieldSpec]) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.auto_approve && self.approve_when.is_empty() {
            errors.insert("approve_when".into(), FieldError::Required);
        }
        for c in &self.approve_when {
            let Some(f) = fields.iter().find(|f| f.name == c.field) else {
                errors.insert("approve_when".into(), FieldError::UnknownField);
                continue;
            };
            let ok = if c.op.numeric() {
                f.kind == FieldType::Number && c.value.trim().parse::<i64>().is_ok()
            } else {
                match f.kind {
                    FieldType::Choice | FieldType::MultiChoice => {
                        f.options.iter().any(|o| o.value == c.value)
                    }
                    FieldType::YesNo => c.value == "yes" || c.value == "no",
                    FieldType::Number => c.value.trim().parse::<i64>().is_ok(),
                    _ => !c.value.trim().is_empty() && c.value.chars().count() <= 300,
                }
            };
            if !ok {
                errors.insert("approve_when".into(), FieldError::InvalidChoice);
            }
        }
        if self
            .remind_information_days
            .is_some_and(|d| d == 0 || d > MAX_REMINDER_DAYS)
        {
            errors.insert(
                "remind_information_days".into(),
                FieldError::OutOfRange {
                    min: Some(1),
                    max: Some(i64::from(MAX_REMINDER_DAYS)),
                },
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// What makes two requests come from the same contact: the e-mail address in lower case,
/// or the phone number (already normalised by `Contact::parse`); empty where not given.
pub fn contact_keys(contact: &Contact) -> (String, String) {
    let key = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_string();
    (key(&contact.email).to_lowercase(), key(&contact.phone))
}

/// The next provider in turn after `last` (the one the rule chose last time), among
/// `providers` in a stable order.
pub fn next_in_turn(providers: &[i64], last: Option<i64>) -> Option<i64> {
    let first = providers.first().copied()?;
    let Some(last) = last else { return Some(first) };
    Some(
        providers
            .iter()
            .copied()
            .find(|p| *p > last)
            .unwrap_or(first),
    )
}

/// The provider with the fewest open requests; ties go to the lowest id.
pub fn least_open(open_counts: &[(i64, i64)]) -> Option<i64> {
    open_counts
        .iter()
        .min_by_key(|(id, n)| (*n, *id))
        .map(|(id, _)| *id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fields::{ChoiceOption, LocalText};

    fn field(name: &str, kind: FieldType) -> FieldSpec {
        FieldSpec {
            name: name.into(),
            label: LocalText::new(name, name),
            kind,
            ..FieldSpec::default()
        }
    }
    fn values(pairs: &[(&str, &str)]) -> CleanValues {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
    fn cond(field: &str, op: CompareOp, value: &str) -> Condition {
        Condition {
            field: field.into(),
            op,
            value: value.into(),
        }
    }

    #[test]
    fn conditions_compare_as_their_type() {
        let v = values(&[("resident", "yes"), ("length", "5"), ("zones", "a,c")]);
        assert!(cond("resident", CompareOp::Equals, "yes").holds(&v));
        assert!(!cond("resident", CompareOp::Equals, "no").holds(&v));
        assert!(cond("resident", CompareOp::NotEquals, "no").holds(&v));
        assert!(cond("length", CompareOp::Below, "6").holds(&v));
        assert!(!cond("length", CompareOp::Below, "5").holds(&v));
        assert!(cond("length", CompareOp::AtMost, "5").holds(&v));
        assert!(cond("length", CompareOp::AtLeast, "5").holds(&v));
        assert!(!cond("length", CompareOp::Above, "5").holds(&v));
        assert!(
            !cond("length", CompareOp::Above, "x").holds(&v),
            "not a number never holds"
        );
        assert!(
            cond("zones", CompareOp::Equals, "c").holds(&v),
            "one of the chosen"
        );
        assert!(!cond("zones", CompareOp::Equals, "b").holds(&v));
        assert!(!cond("zones", CompareOp::NotEquals, "a").holds(&v));
        assert!(!cond("missing", CompareOp::Equals, "yes").holds(&v));
        assert!(cond("missing", CompareOp::NotEquals, "yes").holds(&v));
        assert!(!cond("resident", CompareOp::Below, "3").holds(&v));
    }

    #[test]
    fn approval_needs_every_condition_and_at_least_one() {
        let v = values(&[("resident", "yes"), ("length", "5")]);
        let mut a = Automation {
            auto_approve: true,
            ..Automation::default()
        };
        assert!(!a.approves(&v), "no conditions: never");
        a.approve_when = vec![
            cond("resident", CompareOp::Equals, "yes"),
            cond("length", CompareOp::Below, "10"),
        ];
        assert!(a.approves(&v));
        a.approve_when.push(cond("length", CompareOp::Above, "7"));
        assert!(!a.approves(&v));
        a.approve_when.pop();
        a.auto_approve = false;
        assert!(!a.approves(&v), "switched off");
    }

    #[test]
    fn settings_are_checked_against_the_form() {
        let mut choice = field("zone", FieldType::Choice);
        choice.options = vec![ChoiceOption {
            value: "a".into(),
            label: LocalText::new("A", "A"),
        }];
        let fields = vec![
            field("resident", FieldType::YesNo),
            field("length", FieldType::Number),
            field("note", FieldType::Text),
            choice,
        ];
        let ok = Automation {
            auto_approve: true,
            approve_when: vec![
                cond("resident", CompareOp::Equals, "yes"),
                cond("length", CompareOp::Below, "10"),
                cond("zone", CompareOp::Equals, "a"),
            ],
            remind_information_days: Some(5),
            ..Automation::default()
        };
        assert_eq!(ok.check(&fields), Ok(()));
        for bad in [
            cond("nope", CompareOp::Equals, "yes"),
            cond("resident", CompareOp::Equals, "maybe"),
            cond("note", CompareOp::Below, "3"),
            cond("length", CompareOp::Below, "ten"),
            cond("zone", CompareOp::Equals, "b"),
            cond("note", CompareOp::Equals, " "),
        ] {
            let a = Automation {
                approve_when: vec![bad.clone()],
                ..ok.clone()
            };
            assert!(
                a.check(&fields).unwrap_err().contains_key("approve_when"),
                "{bad:?}"
            );
        }
        let empty = Automation {
            auto_approve: true,
            ..Automation::default()
        };
        assert_eq!(
            empty.check(&fields).unwrap_err()["approve_when"],
            FieldError::Required
        );
        for days in [0, MAX_REMINDER_DAYS + 1] {
            let a = Automation {
                remind_information_days: Some(days),
                ..Automation::default()
            };
            assert!(
                a.check(&fields)
                    .unwrap_err()
                    .contains_key("remind_information_days")
            );
        }
    }

    #[test]
    fn providers_take_turns_and_the_least_busy_is_chosen() {
        assert_eq!(next_in_turn(&[], None), None);
        assert_eq!(next_in_turn(&[3, 5, 9], None), Some(3));
        assert_eq!(next_in_turn(&[3, 5, 9], Some(3)), Some(5));
        assert_eq!(next_in_turn(&[3, 5, 9], Some(9)), Some(3));
        assert_eq!(
            next_in_turn(&[3, 5, 9], Some(4)),
            Some(5),
            "last one left the service"
        );
        assert_eq!(least_open(&[]), None);
        assert_eq!(least_open(&[(3, 2), (5, 1), (9, 1)]), Some(5));
    }

    #[test]
    fn the_same_contact_is_found_by_address_in_any_case_or_by_phone() {
        let c = Contact {
            name: "Anna".into(),
            email: Some(" Anna@Example.LV ".into()),
            phone: Some("+37120000000".into()),
        };
        assert_eq!(
            contact_keys(&c),
            ("anna@example.lv".to_string(), "+37120000000".to_string())
        );
        assert_eq!(
            contact_keys(&Contact::default()),
            (String::new(), String::new())
        );
    }

    #[test]
    fn assignees_are_reminded_after_sixty_percent() {
        assert!(!assignee_reminder_due(41, 100));
        assert!(assignee_reminder_due(40, 100));
        assert!(assignee_reminder_due(0, 100));
        assert!(!assignee_reminder_due(0, 0), "no budget, no reminder");
        const { assert!(ASSIGNEE_REMINDER_PCT < crate::domain::sla::RISK_PCT) };
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn requesters_are_reminded_after_working_days() {
        use chrono::TimeZone;
        let cal = crate::domain::calendar::Calendar::latvia(2026..=2026);
        // Asked on Friday 2026-11-13: the days after are Mon 16, Tue 17, (Wed 18 is a public
        // holiday), Thu 19, Fri 20 and Mon 23, the fifth.
        let asked = chrono_tz::Europe::Riga
            .with_ymd_and_hms(2026, 11, 13, 10, 0, 0)
            .unwrap()
            .timestamp();
        let at = information_reminder_at(&cal, asked, 5);
        let day = chrono_tz::Europe::Riga
            .timestamp_opt(at, 0)
            .unwrap()
            .date_naive();
        assert_eq!(day.to_string(), "2026-11-23");
    }

    #[test]
    fn names_round_trip() {
        for r in Rule::ALL {
            assert_eq!(Rule::parse(r.as_str()), Some(r));
        }
        for o in CompareOp::ALL {
            assert_eq!(CompareOp::parse(o.as_str()), Some(o));
        }
        for a in AssignRule::ALL {
            assert_eq!(AssignRule::parse(a.as_str()), Some(a));
        }
        let json = serde_json::to_string(&Automation::default()).unwrap_or_default();
        let back: Automation = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, Automation::default());
        let old: Automation = serde_json::from_str("{}").unwrap_or_default();
        assert_eq!(old, Automation::default(), "missing keys read as defaults");
    }
}
