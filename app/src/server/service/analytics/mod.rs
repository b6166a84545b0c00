//! Analytics: the figures of a scope and period, and who may see which scope.
//!
//! This is the straightforward computation, straight from the request rows (every figure
//! is keyed by the time its event happened: received by `submitted_at`, fulfilled by
//! `fulfilled_at`, and so on). It is the reference any faster path must equal.
//!
//! - `scope`: which scope a staff member starts on and may see, resolved to institutions;
//! - `summary`: the figures of a scope and period against the period before;
//! - `rollups`: reading the rollup tables (counters and lead-time histograms);
//! - `breakdown`: the next level down (institutions or services, sectors, municipalities);
//! - `lists`: the requests behind a figure.

mod breakdown;
mod charts;
mod lists;
mod rollups;
mod scope;
mod summary;

use crate::domain::{FieldError, FieldErrors, Status};
use chrono::NaiveDate;

/// The longest period one query may cover.
pub const MAX_PERIOD_DAYS: i64 = 5 * 366;

/// A scope resolved against the database.
#[derive(Debug, Clone)]
struct Resolved {
    name: String,
    /// `None`: every institution.
    institutions: Option<Vec<i64>>,
    service: Option<i64>,
}

pub use super::day_start;

/// A day as the filters give it, `YYYY-MM-DD`, in the years 1900 to 2200. Days further out
/// are refused as invalid: date arithmetic on them (the previous period, the weeks before)
/// would reach chrono's limits and panic, and no request is that old or that far ahead.
fn parse_day(s: &str) -> Option<NaiveDate> {
    use chrono::Datelike;
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=2200).contains(&d.year()))
}

/// The period `from..=to` a filter asks for. A day that does not parse is an error on its
/// field; with `bounded`, so is a period that runs backwards or is longer than
/// [`MAX_PERIOD_DAYS`]. `None` when any error was added to `errors`.
fn period(
    from: &str,
    to: &str,
    bounded: bool,
    errors: &mut FieldErrors,
) -> Option<(NaiveDate, NaiveDate)> {
    let (from, to) = (parse_day(from), parse_day(to));
    if from.is_none() {
        errors.insert("from".into(), FieldError::InvalidDate);
    }
    if to.is_none() {
        errors.insert("to".into(), FieldError::InvalidDate);
    }
    let (from, to) = (from?, to?);
    if bounded && (to < from || (to - from).num_days() >= MAX_PERIOD_DAYS) {
        errors.insert(
            "to".into(),
            FieldError::OutOfRange {
                min: None,
                max: Some(MAX_PERIOD_DAYS),
            },
        );
        return None;
    }
    Some((from, to))
}

fn open_statuses() -> String {
    Status::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The scope as a SQL condition on `r`, with its parameters after the query's own.
struct Filter {
    institutions: Option<Vec<i64>>,
    service: Option<i64>,
}

type AnyQueryAs<'q, O> = sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>;

impl Filter {
    fn of(r: &Resolved) -> Filter {
        Filter {
            institutions: r.institutions.clone(),
            service: r.service,
        }
    }

    /// `sql` with `{F}` replaced by the condition, its parameters numbered from `first`.
    fn sql(&self, sql: &str, first: usize) -> String {
        let condition = if self.service.is_some() {
            format!("r.service_id = ${first}")
        } else {
            match &self.institutions {
                None => "1 = 1".into(),
                Some(ids) => {
                    let p: Vec<String> =
                        (0..ids.len()).map(|i| format!("${}", first + i)).collect();
                    format!("r.institution_id IN ({})", p.join(", "))
                }
            }
        };
        sql.replace("{F}", &condition)
    }

    /// Bind the condition's parameters (after the query's own).
    fn bind<'q, O>(&self, mut q: AnyQueryAs<'q, O>) -> AnyQueryAs<'q, O> {
        if let Some(s) = self.service {
            return q.bind(s);
        }
        if let Some(ids) = &self.institutions {
            for id in ids {
                q = q.bind(*id);
            }
        }
        q
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Filter dates: any text, and date-shaped text with extreme years, is a day in
        /// 1900-2200 or a refusal.
        #[test]
        fn filter_dates_parse_or_refuse(s in prop_oneof![any::<String>(), "[+-]?[0-9]{1,7}-[0-9]{1,3}-[0-9]{1,3}"]) {
            if let Some(d) = super::parse_day(&s) {
                use chrono::Datelike;
                prop_assert!((1900..=2200).contains(&d.year()));
            }
        }
    }
}
