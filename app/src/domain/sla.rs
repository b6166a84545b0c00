//! Service levels: which stage's clock runs, when it is due, when it is at risk, and how
//! pauses move it. Pure: a calendar and instants in, a new clock out.
//!
//! A request has at most one running clock. Registration is measured in working hours
//! from arrival, the decision in working days from registration, fulfilment in working
//! days from approval. While the institution waits for the requester the clock stands
//! still; the working time left is kept and continues when they answer.

use serde::{Deserialize, Serialize};

/// The measured stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaStage {
    Register,
    Decide,
    Fulfil,
}

impl SlaStage {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaStage::Register => "register",
            SlaStage::Decide => "decide",
            SlaStage::Fulfil => "fulfil",
        }
    }
    pub fn parse(s: &str) -> Option<SlaStage> {
        [SlaStage::Register, SlaStage::Decide, SlaStage::Fulfil]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// Where a request stands against its service level (also in the JSON API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum SlaState {
    OnTime,
    AtRisk,
    Breached,
    Paused,
    /// Finished with every stage on time.
    Met,
    /// Finished, and at least one stage was late.
    Missed,
}

impl SlaState {
    pub const ALL: [SlaState; 6] = [
        SlaState::OnTime,
        SlaState::AtRisk,
        SlaState::Breached,
        SlaState::Paused,
        SlaState::Met,
        SlaState::Missed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            SlaState::OnTime => "on_time",
            SlaState::AtRisk => "at_risk",
            SlaState::Breached => "breached",
            SlaState::Paused => "paused",
            SlaState::Met => "met",
            SlaState::Missed => "missed",
        }
    }
    pub fn parse(s: &str) -> Option<SlaState> {
        SlaState::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// A service's targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Targets {
    pub register_hours: u32,
    pub decide_days: u32,
    pub fulfil_days: u32,
    /// Share of requests that must meet the targets, percent.
    pub target_pct: u32,
}

/// At this share of a stage's working time used, a request is at risk (percent).
pub const RISK_PCT: i64 = 80;

/// The running clock of a request, as stored with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SlaClock {
    pub stage: Option<SlaStage>,
    pub started_at: Option<i64>,
    pub due_at: Option<i64>,
    /// Working seconds the stage has in all.
    pub budget: Option<i64>,
    pub risk_at: Option<i64>,
    pub paused_at: Option<i64>,
    /// Working seconds that were left when the clock was paused.
    pub paused_remaining: Option<i64>,
    /// Alerts already raised for this stage: 0 none, 1 at risk, 2 breached.
    pub alert: i64,
    /// Some stage was late.
    pub breached: bool,
    pub done_at: Option<i64>,
}

impl SlaClock {
    /// The state at `now`.
    pub fn state(&self, now: i64) -> SlaState {
        match (self.stage, self.due_at) {
            (None, _) | (_, None) => {
                if self.breached {
                    SlaState::Missed
                } else {
                    SlaState::Met
                }
            }
            (Some(_), Some(_)) if self.paused_at.is_some() => SlaState::Paused,
            (Some(_), Some(due)) if now > due || self.alert >= 2 => SlaState::Breached,
            (Some(_), Some(_)) if self.risk_at.is_some_and(|r| now >= r) => SlaState::AtRisk,
            _ => SlaState::OnTime,
        }
    }
}

#[cfg(feature = "ssr")]
pub use clock::*;

#[cfg(feature = "ssr")]
mod clock {
    use super::*;
    use crate::domain::Status;
    use crate::domain::calendar::Calendar;
    use chrono::DateTime;

    fn utc(ts: i64) -> DateTime<chrono::Utc> {
        DateTime::from_timestamp(ts, 0).unwrap_or_default()
    }

    /// The working-time budget of a stage that starts at `at`, and its deadline.
    pub fn stage_deadline(cal: &Calendar, t: &Targets, stage: SlaStage, at: i64) -> (i64, i64) {
        let due = match stage {
            SlaStage::Register => {
                cal.add_working_seconds(utc(at), i64::from(t.register_hours) * 3600)
            }
            SlaStage::Decide => cal.add_working_days(utc(at), t.decide_days),
            SlaStage::Fulfil => cal.add_working_days(utc(at), t.fulfil_days),
        }
        .timestamp();
        let budget = cal.working_seconds_between(utc(at), utc(due));
        (due, budget)
    }

    /// When the stage's remaining working time drops to (100 − RISK_PCT) % of its budget.
    fn risk_instant(cal: &Calendar, from: i64, remaining: i64, budget: i64) -> i64 {
        let reserve = budget * (100 - RISK_PCT) / 100;
        if remaining <= reserve {
            from
        } else {
            cal.add_working_seconds(utc(from), remaining - reserve)
                .timestamp()
        }
    }

    /// A fresh clock for `stage` from `at`.
    pub fn start(
        cal: &Calendar,
        t: &Targets,
        stage: SlaStage,
        at: i64,
        prior: &SlaClock,
    ) -> SlaClock {
        let (due, budget) = stage_deadline(cal, t, stage, at);
        SlaClock {
            stage: Some(stage),
            started_at: Some(at),
            due_at: Some(due),
            budget: Some(budget),
            risk_at: Some(risk_instant(cal, at, budget, budget)),
            paused_at: None,
            paused_remaining: None,
            alert: 0,
            breached: prior.breached,
            done_at: None,
        }
    }

    /// The clock for a new request (auto-registering services start with the decision).
    pub fn on_submit(cal: &Calendar, t: &Targets, status: Status, at: i64) -> SlaClock {
        let stage = if status == Status::Submitted {
            SlaStage::Register
        } else {
            SlaStage::Decide
        };
        start(cal, t, stage, at, &SlaClock::default())
    }

    /// The clock after a request moved from `from` to `to` at `at`.
    pub fn after_transition(
        cal: &Calendar,
        t: &Targets,
        clock: &SlaClock,
        from: Status,
        to: Status,
        at: i64,
    ) -> SlaClock {
        let late = clock.breached
            || clock.stage.is_some()
                && clock
                    .due_at
                    .is_some_and(|d| at > d && clock.paused_at.is_none());
        let stopped = SlaClock {
            breached: late,
            done_at: Some(at),
            ..SlaClock::default()
        };
        match (from, to) {
            (Status::Submitted, Status::Registered) => start(
                cal,
                t,
                SlaStage::Decide,
                at,
                &SlaClock {
                    breached: late,
                    ..*clock
                },
            ),
            (_, Status::AwaitingInformation) => {
                let remaining = clock
                    .due_at
                    .map(|d| cal.working_seconds_between(utc(at), utc(d)))
                    .unwrap_or(0);
                SlaClock {
                    paused_at: Some(at),
                    paused_remaining: Some(remaining),
                    ..*clock
                }
            }
            (Status::AwaitingInformation, _) if clock.paused_at.is_some() => {
                let remaining = clock.paused_remaining.unwrap_or(0);
                let budget = clock.budget.unwrap_or(0);
                // Late before the pause: the deadline stays where it was.
                let due = if remaining > 0 {
                    cal.add_working_seconds(utc(at), remaining).timestamp()
                } else {
                    clock.due_at.unwrap_or(at)
                };
                SlaClock {
                    due_at: Some(due),
                    risk_at: Some(risk_instant(cal, at, remaining, budget)),
                    paused_at: None,
                    paused_remaining: None,
                    ..*clock
                }
            }
            (_, Status::Approved) => start(
                cal,
                t,
                SlaStage::Fulfil,
                at,
                &SlaClock {
                    breached: late,
                    ..*clock
                },
            ),
            (_, Status::Refused | Status::Fulfilled | Status::Withdrawn) => stopped,
            (_, Status::Closed) if clock.stage.is_some() => stopped,
            _ => *clock,
        }
    }

    /// The date the requester can expect the result: the running stage's deadline (or,
    /// while paused, now plus the time left) and then the full later stages.
    pub fn expected_by(cal: &Calendar, t: &Targets, clock: &SlaClock, now: i64) -> Option<i64> {
        let stage = clock.stage?;
        let mut at = match (clock.paused_at, clock.paused_remaining) {
            (Some(_), Some(left)) => cal.add_working_seconds(utc(now), left.max(0)),
            _ => utc(clock.due_at?),
        };
        if stage == SlaStage::Register {
            at = cal.add_working_days(at, t.decide_days);
        }
        if stage != SlaStage::Fulfil {
            at = cal.add_working_days(at, t.fulfil_days);
        }
        Some(at.timestamp())
    }

    /// Working seconds left before the running stage is due (negative: overdue by).
    pub fn time_left(cal: &Calendar, clock: &SlaClock, now: i64) -> Option<i64> {
        clock.stage?;
        if let Some(left) = clock.paused_remaining.filter(|_| clock.paused_at.is_some()) {
            return Some(left);
        }
        let due = clock.due_at?;
        Some(if due >= now {
            cal.working_seconds_between(utc(now), utc(due))
        } else {
            -cal.working_seconds_between(utc(due), utc(now))
        })
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::domain::Status;
    use crate::domain::calendar::{Calendar, Hours};
    use chrono::{NaiveDate, TimeZone};

    fn riga(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
        chrono_tz::Europe::Riga
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .map(|t| t.timestamp())
            .unwrap_or_default()
    }
    fn cal() -> Calendar {
        Calendar::latvia(2025..=2027)
    }
    const T: Targets = Targets {
        register_hours: 8,
        decide_days: 5,
        fulfil_days: 3,
        target_pct: 95,
    };

    #[test]
    fn submitted_on_friday_evening_is_due_for_registration_on_monday() {
        let c = cal();
        // Friday 2026-11-27 18:00: nothing counts until Monday 08:30; 8 hours → 16:30.
        let clock = on_submit(&c, &T, Status::Submitted, riga(2026, 11, 27, 18, 0));
        assert_eq!(clock.stage, Some(SlaStage::Register));
        assert_eq!(clock.due_at, Some(riga(2026, 11, 30, 16, 30)));
        assert_eq!(clock.budget, Some(8 * 3600));
        // 80 % used at 14:54 Monday (6 h 24 min of working time).
        assert_eq!(clock.risk_at, Some(riga(2026, 11, 30, 14, 54)));
        assert_eq!(clock.state(riga(2026, 11, 30, 9, 0)), SlaState::OnTime);
        assert_eq!(clock.state(riga(2026, 11, 30, 15, 0)), SlaState::AtRisk);
        assert_eq!(clock.state(riga(2026, 11, 30, 16, 31)), SlaState::Breached);
    }

    #[test]
    fn auto_registered_requests_start_with_the_decision() {
        let clock = on_submit(&cal(), &T, Status::Registered, riga(2026, 11, 23, 10, 0));
        assert_eq!(clock.stage, Some(SlaStage::Decide));
        // Monday + 5 working days = the end of Monday 30 November.
        assert_eq!(clock.due_at, Some(riga(2026, 11, 30, 17, 0)));
    }

    #[test]
    fn stages_follow_the_lifecycle() {
        let c = cal();
        let mut clock = on_submit(&c, &T, Status::Submitted, riga(2026, 11, 23, 9, 0));
        clock = after_transition(
            &c,
            &T,
            &clock,
            Status::Submitted,
            Status::Registered,
            riga(2026, 11, 23, 10, 0),
        );
        assert_eq!(clock.stage, Some(SlaStage::Decide));
        clock = after_transition(
            &c,
            &T,
            &clock,
            Status::Registered,
            Status::UnderAssessment,
            riga(2026, 11, 24, 10, 0),
        );
        assert_eq!(
            clock.stage,
            Some(SlaStage::Decide),
            "assessment is part of deciding"
        );
        clock = after_transition(
            &c,
            &T,
            &clock,
            Status::UnderAssessment,
            Status::Approved,
            riga(2026, 11, 25, 10, 0),
        );
        assert_eq!(clock.stage, Some(SlaStage::Fulfil));
        assert_eq!(
            clock.due_at,
            Some(riga(2026, 11, 30, 17, 0)),
            "3 working days after Wednesday"
        );
        clock = after_transition(
            &c,
            &T,
            &clock,
            Status::Approved,
            Status::InFulfilment,
            riga(2026, 11, 26, 10, 0),
        );
        assert_eq!(clock.stage, Some(SlaStage::Fulfil));
        clock = after_transition(
            &c,
            &T,
            &clock,
            Status::InFulfilment,
            Status::Fulfilled,
            riga(2026, 11, 27, 10, 0),
        );
        assert_eq!(clock.stage, None);
        assert_eq!(clock.state(riga(2027, 1, 1, 0, 0)), SlaState::Met);
    }

    #[test]
    fn a_late_stage_makes_the_request_missed_even_if_later_stages_are_on_time() {
        let c = cal();
        let clock = on_submit(&c, &T, Status::Submitted, riga(2026, 11, 23, 9, 0));
        // Registered on Wednesday: the 8-hour target (Monday 17:00) is long gone.
        let clock = after_transition(
            &c,
            &T,
            &clock,
            Status::Submitted,
            Status::Registered,
            riga(2026, 11, 25, 9, 0),
        );
        assert!(clock.breached);
        assert_eq!(
            clock.state(riga(2026, 11, 25, 9, 1)),
            SlaState::OnTime,
            "the new stage is on time"
        );
        let clock = after_transition(
            &c,
            &T,
            &clock,
            Status::UnderAssessment,
            Status::Refused,
            riga(2026, 11, 26, 9, 0),
        );
        assert_eq!(clock.state(riga(2026, 11, 26, 9, 1)), SlaState::Missed);
    }

    #[test]
    fn pauses_keep_the_time_left_across_holidays() {
        let c = cal();
        // Decide stage starts Monday 2026-11-16 09:00, 5 working days: due Tuesday 24th
        // 17:00 (Wednesday 18 November is Proclamation Day).
        let clock = start(
            &c,
            &T,
            SlaStage::Decide,
            riga(2026, 11, 16, 9, 0),
            &SlaClock::default(),
        );
        assert_eq!(clock.due_at, Some(riga(2026, 11, 24, 17, 0)));
        assert_eq!(clock.budget, Some(50 * 3600 + 1800));
        // Paused Friday 20th at 17:00: left are Monday and Tuesday, 2 × 8.5 h.
        let paused = after_transition(
            &c,
            &T,
            &clock,
            Status::UnderAssessment,
            Status::AwaitingInformation,
            riga(2026, 11, 20, 17, 0),
        );
        assert_eq!(paused.paused_remaining, Some(17 * 3600));
        assert_eq!(
            paused.state(riga(2026, 12, 1, 0, 0)),
            SlaState::Paused,
            "no breach while paused"
        );
        // Answered on Christmas Eve (a holiday) at noon: the clock resumes at the next
        // working morning, Monday 28 December, and runs its 17 hours to Tuesday 17:00.
        let resumed = after_transition(
            &c,
            &T,
            &paused,
            Status::AwaitingInformation,
            Status::UnderAssessment,
            riga(2026, 12, 24, 12, 0),
        );
        assert_eq!(resumed.paused_at, None);
        assert_eq!(resumed.due_at, Some(riga(2026, 12, 29, 17, 0)));
        assert_eq!(resumed.stage, Some(SlaStage::Decide));
        // At risk once 20 % of 50.5 h (10 h 6 min) is left: Monday 15:24.
        assert_eq!(resumed.risk_at, Some(riga(2026, 12, 28, 15, 24)));
        assert_eq!(resumed.state(riga(2026, 12, 28, 9, 0)), SlaState::OnTime);
        assert_eq!(resumed.state(riga(2026, 12, 29, 9, 0)), SlaState::AtRisk);
    }

    #[test]
    fn transferred_working_saturday_shortens_the_wait() {
        let mut c = cal();
        let saturday = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default();
        c.working_days
            .insert(saturday, Hours::new((9, 0), (13, 0)).expect("valid hours"));
        // 8 working hours from Friday 16:00: 1 h Friday, 4 h Saturday, 3 h Monday.
        let clock = on_submit(&c, &T, Status::Submitted, riga(2026, 11, 27, 16, 0));
        assert_eq!(clock.due_at, Some(riga(2026, 11, 30, 11, 30)));
    }

    #[test]
    fn daylight_saving_change_does_not_shift_working_hours() {
        let c = cal();
        // Clocks go back on Sunday 2026-10-25. Submitted Friday 23rd at 16:00: 1 h Friday,
        // 7 h Monday from 08:30 local (now UTC+2) → 15:30 local.
        let clock = on_submit(&c, &T, Status::Submitted, riga(2026, 10, 23, 16, 0));
        assert_eq!(clock.due_at, Some(riga(2026, 10, 26, 15, 30)));
    }

    #[test]
    fn expected_date_adds_the_later_stages() {
        let c = cal();
        let clock = on_submit(&c, &T, Status::Submitted, riga(2026, 11, 23, 9, 0));
        // Registration due Monday 17:00; + 5 working days = Monday 30 November;
        // + 3 = Thursday 3 December, end of day.
        assert_eq!(
            expected_by(&c, &T, &clock, riga(2026, 11, 23, 9, 0)),
            Some(riga(2026, 12, 3, 17, 0))
        );
        assert_eq!(
            time_left(&c, &clock, riga(2026, 11, 23, 9, 0)),
            Some(8 * 3600)
        );
        // Tuesday 10:00: overdue by Tuesday's 1.5 working hours.
        assert_eq!(
            time_left(&c, &clock, riga(2026, 11, 24, 10, 0)),
            Some(-5400)
        );
    }
}
