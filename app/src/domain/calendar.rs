//! Business calendars: working hours per weekday, public holidays and transferred working
//! days, in an institution's time zone. Pure arithmetic (no clock, no I/O); the data comes
//! from the database so an administrator can edit it, and other countries are more data.
//!
//! Groundwork for service levels (issue 3): deadlines are "N working days" or "N working
//! hours" from an instant, and elapsed working time between two instants.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};

/// Working hours of one day, local time, `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Hours {
    pub fn new(start: (u32, u32), end: (u32, u32)) -> Option<Hours> {
        let start = NaiveTime::from_hms_opt(start.0, start.1, 0)?;
        let end = NaiveTime::from_hms_opt(end.0, end.1, 0)?;
        (start < end).then_some(Hours { start, end })
    }
}

#[derive(Debug, Clone)]
pub struct Calendar {
    pub tz: Tz,
    /// Normal working hours, Monday first; `None` for a day off.
    pub week: [Option<Hours>; 7],
    /// Days off although their weekday is a working day (public holidays, moved holidays).
    pub holidays: BTreeSet<NaiveDate>,
    /// Working days although their weekday is not (transferred working Saturdays), with hours.
    pub working_days: BTreeMap<NaiveDate, Hours>,
}

/// How far ahead any search goes: ten years of days. A calendar with no working days at
/// all gives up here instead of looping.
const HORIZON_DAYS: u32 = 3660;

impl Calendar {
    /// Monday to Friday, 08:30–17:00, Europe/Riga, with Latvia's public holidays of the
    /// given years (transferred working days must be added as data: the Cabinet of
    /// Ministers announces them each year).
    pub fn latvia(years: std::ops::RangeInclusive<i32>) -> Calendar {
        let day = Hours::new((8, 30), (17, 0));
        Calendar {
            tz: chrono_tz::Europe::Riga,
            week: [day, day, day, day, day, None, None],
            holidays: years.flat_map(latvian_public_holidays).collect(),
            working_days: BTreeMap::new(),
        }
    }

    /// The working hours of a local date, if it is a working day.
    pub fn hours_on(&self, date: NaiveDate) -> Option<Hours> {
        if let Some(h) = self.working_days.get(&date) {
            return Some(*h);
        }
        if self.holidays.contains(&date) {
            return None;
        }
        self.week[date.weekday().num_days_from_monday() as usize]
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.hours_on(date).is_some()
    }

    /// A local wall-clock time as an instant. In the spring-forward gap the clock is moved
    /// on by the gap; in the autumn overlap the earlier instant is taken.
    fn instant(&self, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        let local = date.and_time(time);
        (0..=2)
            .find_map(|h| {
                self.tz
                    .from_local_datetime(&(local + Duration::hours(h)))
                    .earliest()
            })
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_else(|| local.and_utc())
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    /// Working time between two instants, in seconds (0 if `to` is not after `from`).
    pub fn working_seconds_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if to <= from {
            return 0;
        }
        let mut total = 0;
        let mut day = self.local_date(from);
        let last = self.local_date(to);
        while day <= last {
            if let Some(h) = self.hours_on(day) {
                let start = self.instant(day, h.start).max(from);
                let end = self.instant(day, h.end).min(to);
                if end > start {
                    total += (end - start).num_seconds();
                }
            }
            match day.succ_opt() {
                Some(d) => day = d,
                None => break,
            }
        }
        total
    }

    /// The instant at which `seconds` of working time after `from` have passed. Time
    /// outside working hours does not count: a request received on Saturday evening with
    /// an 8-hour target is due at the end of Monday's working day.
    pub fn add_working_seconds(&self, from: DateTime<Utc>, seconds: i64) -> DateTime<Utc> {
        let mut left = seconds.max(0);
        let mut day = self.local_date(from);
        for _ in 0..HORIZON_DAYS {
            if let Some(h) = self.hours_on(day) {
                let start = self.instant(day, h.start).max(from);
                let end = self.instant(day, h.end);
                if end > start {
                    let available = (end - start).num_seconds();
                    if left <= available {
                        return start + Duration::seconds(left);
                    }
                    left -= available;
                }
            }
            match day.succ_opt() {
                Some(d) => day = d,
                None => break,
            }
        }
        from + Duration::days(i64::from(HORIZON_DAYS))
    }

    /// The end of the `days`-th working day after the day of `from`. The day a request
    /// arrives does not count, whatever the hour; `days = 0` is the end of that day's
    /// working hours (or of the next working day when it arrives on a day off).
    pub fn add_working_days(&self, from: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        let mut day = self.local_date(from);
        let mut left = days;
        let mut steps = 0;
        while (left > 0 || !self.is_working_day(day)) && steps < HORIZON_DAYS {
            day = match day.succ_opt() {
                Some(d) => d,
                None => break,
            };
            if self.is_working_day(day) {
                left = left.saturating_sub(1);
            }
            steps += 1;
        }
        let end = self.hours_on(day).map(|h| h.end).unwrap_or(NaiveTime::MIN);
        self.instant(day, end)
    }
}

/// Western Easter Sunday (anonymous Gregorian algorithm).
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
}

/// Latvia's public holidays (Law on Public Holidays, Commemoration Days and Celebration
/// Days) that can fall on a working day: fixed dates, Good Friday and Easter Monday, and
/// 4 May and 18 November moved to the next Monday when they fall on a weekend.
pub fn latvian_public_holidays(year: i32) -> Vec<NaiveDate> {
    let date = |m, d| NaiveDate::from_ymd_opt(year, m, d);
    let moved_to_monday = |d: Option<NaiveDate>| {
        d.map(|d| match d.weekday() {
            Weekday::Sat => d + Duration::days(2),
            Weekday::Sun => d + Duration::days(1),
            _ => d,
        })
    };
    let easter = easter_sunday(year);
    let mut days: Vec<NaiveDate> = [
        date(1, 1),
        easter.map(|e| e - Duration::days(2)),
        easter,
        easter.map(|e| e + Duration::days(1)),
        date(5, 1),
        date(5, 4),
        moved_to_monday(date(5, 4)),
        date(6, 23),
        date(6, 24),
        date(11, 18),
        moved_to_monday(date(11, 18)),
        date(12, 24),
        date(12, 25),
        date(12, 26),
        date(12, 31),
    ]
    .into_iter()
    .flatten()
    .collect();
    days.sort();
    days.dedup();
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    /// A Riga wall-clock time as an instant.
    fn riga(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        chrono_tz::Europe::Riga
            .with_ymd_and_hms(y, m, day, h, min, 0)
            .earliest()
            .unwrap()
            .with_timezone(&Utc)
    }
    fn cal() -> Calendar {
        Calendar::latvia(2025..=2027)
    }
    const WORKDAY: i64 = 8 * 3600 + 30 * 60;

    #[test]
    fn easter_dates() {
        assert_eq!(easter_sunday(2025), Some(d(2025, 4, 20)));
        assert_eq!(easter_sunday(2026), Some(d(2026, 4, 5)));
        assert_eq!(easter_sunday(2027), Some(d(2027, 3, 28)));
    }

    #[test]
    fn latvian_holidays_include_moved_days() {
        let h2026 = latvian_public_holidays(2026);
        for day in [
            d(2026, 4, 3),
            d(2026, 4, 6),
            d(2026, 5, 4),
            d(2026, 6, 23),
            d(2026, 11, 18),
            d(2026, 12, 31),
        ] {
            assert!(h2026.contains(&day), "{day}");
        }
        // 4 May 2025 was a Sunday: the holiday moved to Monday 5 May.
        assert!(latvian_public_holidays(2025).contains(&d(2025, 5, 5)));
        // 18 November 2028 is a Saturday: Monday 20 November is off.
        assert!(latvian_public_holidays(2028).contains(&d(2028, 11, 20)));
    }

    #[test]
    fn weekends_and_holidays_are_skipped() {
        let c = cal();
        // Friday 2026-11-27 16:00 + 2 working hours: 1 h on Friday, 1 h on Monday.
        assert_eq!(
            c.add_working_seconds(riga(2026, 11, 27, 16, 0), 7200),
            riga(2026, 11, 30, 9, 30)
        );
        // Tuesday 17 Nov 2026 + 1 working day skips the 18 Nov holiday: end of Thursday 19th.
        assert_eq!(
            c.add_working_days(riga(2026, 11, 17, 10, 0), 1),
            riga(2026, 11, 19, 17, 0)
        );
        // Over Christmas and New Year: 23 Dec 2026 (Wed) + 4 working days is Mon 4 Jan 2027
        // (24–27 Dec, 31 Dec and 1–3 Jan are off; 28, 29, 30 Dec count).
        assert_eq!(
            c.add_working_days(riga(2026, 12, 23, 9, 0), 3),
            riga(2026, 12, 30, 17, 0)
        );
        assert_eq!(
            c.add_working_days(riga(2026, 12, 23, 9, 0), 4),
            riga(2027, 1, 4, 17, 0)
        );
    }

    #[test]
    fn transferred_working_saturday_counts() {
        let mut c = cal();
        let sat = d(2026, 11, 28);
        c.working_days
            .insert(sat, Hours::new((8, 30), (17, 0)).unwrap());
        assert!(c.is_working_day(sat));
        assert_eq!(
            c.add_working_days(riga(2026, 11, 27, 12, 0), 1),
            riga(2026, 11, 28, 17, 0)
        );
        assert_eq!(
            c.working_seconds_between(riga(2026, 11, 27, 17, 0), riga(2026, 11, 30, 8, 30)),
            WORKDAY
        );
    }

    #[test]
    fn requests_outside_working_hours_start_next_working_morning() {
        let c = cal();
        // Saturday evening, 8 working hours: Monday 16:30.
        assert_eq!(
            c.add_working_seconds(riga(2026, 11, 28, 20, 0), 8 * 3600),
            riga(2026, 11, 30, 16, 30)
        );
        // Before opening on a working day: counts from 08:30.
        assert_eq!(
            c.add_working_seconds(riga(2026, 11, 30, 6, 0), 3600),
            riga(2026, 11, 30, 9, 30)
        );
        // After closing: from the next morning.
        assert_eq!(
            c.add_working_seconds(riga(2026, 11, 30, 18, 0), 3600),
            riga(2026, 12, 1, 9, 30)
        );
        // Zero working time from inside working hours is now; from outside, the next opening.
        assert_eq!(
            c.add_working_seconds(riga(2026, 11, 30, 10, 0), 0),
            riga(2026, 11, 30, 10, 0)
        );
        assert_eq!(
            c.add_working_seconds(riga(2026, 11, 28, 10, 0), 0),
            riga(2026, 11, 30, 8, 30)
        );
        // A day count from a Sunday: the first working day is Monday.
        assert_eq!(
            c.add_working_days(riga(2026, 11, 29, 10, 0), 1),
            riga(2026, 11, 30, 17, 0)
        );
        assert_eq!(
            c.add_working_days(riga(2026, 11, 29, 10, 0), 0),
            riga(2026, 11, 30, 17, 0)
        );
    }

    #[test]
    fn elapsed_working_time_and_pauses_over_holidays() {
        let c = cal();
        // A full week: five working days.
        assert_eq!(
            c.working_seconds_between(riga(2026, 11, 30, 0, 0), riga(2026, 12, 7, 0, 0)),
            5 * WORKDAY
        );
        // The week of 18 November 2026 has four.
        assert_eq!(
            c.working_seconds_between(riga(2026, 11, 16, 0, 0), riga(2026, 11, 23, 0, 0)),
            4 * WORKDAY
        );
        // A pause from Tue 17 Nov 12:00 to Thu 19 Nov 12:00 spans the holiday: 5 + 3.5 hours.
        let paused =
            c.working_seconds_between(riga(2026, 11, 17, 12, 0), riga(2026, 11, 19, 12, 0));
        assert_eq!(paused, 5 * 3600 + 3 * 3600 + 30 * 60);
        assert_eq!(
            c.working_seconds_between(riga(2026, 11, 19, 12, 0), riga(2026, 11, 17, 12, 0)),
            0
        );
    }

    #[test]
    fn daylight_saving_changes_keep_local_hours() {
        let c = cal();
        // Clocks go forward on Sunday 29 March 2026; Monday still opens at 08:30 local,
        // which is now 05:30 UTC instead of 06:30.
        let friday = riga(2026, 3, 27, 16, 0);
        let due = c.add_working_seconds(friday, 2 * 3600);
        assert_eq!(due, riga(2026, 3, 30, 9, 30));
        assert_eq!(due, Utc.with_ymd_and_hms(2026, 3, 30, 6, 30, 0).unwrap());
        // A Friday-to-Monday span over the change counts only working time.
        assert_eq!(
            c.working_seconds_between(friday, riga(2026, 3, 30, 9, 30)),
            2 * 3600
        );
        // Clocks go back on Sunday 25 October 2026.
        assert_eq!(
            c.add_working_days(riga(2026, 10, 23, 12, 0), 1),
            riga(2026, 10, 26, 17, 0)
        );
        assert_eq!(
            riga(2026, 10, 26, 17, 0),
            Utc.with_ymd_and_hms(2026, 10, 26, 15, 0, 0).unwrap()
        );
    }

    #[test]
    fn a_calendar_without_working_days_does_not_loop() {
        let c = Calendar {
            week: [None; 7],
            ..cal()
        };
        let from = riga(2026, 1, 5, 10, 0);
        assert!(c.add_working_seconds(from, 60) > from);
        assert!(c.add_working_days(from, 1) >= from);
        assert_eq!(
            c.working_seconds_between(from, from + Duration::days(30)),
            0
        );
    }
}
