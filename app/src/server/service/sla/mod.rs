//! Service levels at run time: calendars from the database, each request's clock kept with
//! the request, and the sweep that marks requests at risk or breached and escalates.
//!
//! The sweep is safe to run in many processes at once: every alert is an
//! `UPDATE requests SET sla_alert = n WHERE ... sla_alert < n`, and only the process whose
//! update changed the row writes the event and the notifications, in the same transaction.
//!
//! - `calendars`: business calendars from the database (cached), and editing them;
//! - `targets`: a service's targets, and a request's service-level figures for pages;
//! - `sweep`: marking requests at risk or breached, escalating, and service compliance;
//! - `reminders`: reminders by a service's automation (requester, assignee), from the sweep.

mod calendars;
mod reminders;
mod sweep;
mod targets;

pub use calendars::{CalendarCache, format_hours, parse_hours};
pub use sweep::SweepReport;

/// The calendar every institution without its own uses.
pub const DEFAULT_CALENDAR: &str = "LV";
/// The window over which a service's compliance is judged.
pub const COMPLIANCE_WINDOW_DAYS: i64 = 30;
/// Fewer finished requests than this in the window say nothing about a service.
pub const COMPLIANCE_MIN_REQUESTS: i64 = 5;
