//! Days and weeks in the family's time zone: a chore counts as done for
//! the day it was completed on, and weekly stars restart on Monday 00:00,
//! both in the family's zone (as the server counts weekly stars). Pure
//! functions of a zone name and a time.

use chrono::{Datelike, Days, NaiveDate, TimeZone};
use chrono_tz::Tz;

fn zone(time_zone: &str) -> Tz {
    time_zone.parse().unwrap_or(chrono_tz::UTC)
}

/// The first instant of `date` in `tz`; `earliest` covers zones whose
/// clocks jump at midnight.
fn midnight(tz: Tz, date: NaiveDate) -> Option<i64> {
    let naive = date.and_hms_opt(0, 0, 0)?;
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            // Midnight itself was skipped: the day starts an hour later.
            tz.from_local_datetime(&(naive + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.timestamp_millis())
}

fn local_date(tz: Tz, at_ms: i64) -> Option<NaiveDate> {
    tz.timestamp_millis_opt(at_ms)
        .single()
        .map(|t| t.date_naive())
}

/// The ISO weekday (1 = Monday … 7 = Sunday) of `at_ms` in the zone: the
/// days a chore is due are judged by it.
pub fn weekday(time_zone: &str, at_ms: i64) -> u8 {
    local_date(zone(time_zone), at_ms)
        .and_then(|d| u8::try_from(d.weekday().number_from_monday()).ok())
        .unwrap_or(1)
}

/// The local date of `at_ms`, `YYYY-MM-DD`, as the server names the day
/// a chore completion counts for.
pub fn date(time_zone: &str, at_ms: i64) -> String {
    local_date(zone(time_zone), at_ms)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// 00:00 of the day containing `at_ms`.
pub fn day_start(time_zone: &str, at_ms: i64) -> i64 {
    let tz = zone(time_zone);
    local_date(tz, at_ms)
        .and_then(|d| midnight(tz, d))
        .unwrap_or(at_ms)
}

/// 00:00 of the day after the one containing `at_ms`.
pub fn next_day_start(time_zone: &str, at_ms: i64) -> i64 {
    let tz = zone(time_zone);
    local_date(tz, at_ms)
        .and_then(|d| d.checked_add_days(Days::new(1)))
        .and_then(|d| midnight(tz, d))
        .unwrap_or(at_ms + 86_400_000)
}

/// Monday 00:00 of the week containing `at_ms`.
pub fn week_start(time_zone: &str, at_ms: i64) -> i64 {
    let tz = zone(time_zone);
    local_date(tz, at_ms)
        .and_then(|d| d.checked_sub_days(Days::new(u64::from(d.weekday().num_days_from_monday()))))
        .and_then(|d| midnight(tz, d))
        .unwrap_or(at_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Wednesday 2026-01-07 12:00 UTC.
    const WED_NOON: i64 = 1_767_787_200_000;
    const MON_UTC: i64 = 1_767_571_200_000;

    #[test]
    fn days_and_weeks_follow_the_zone() {
        assert_eq!(week_start("UTC", WED_NOON), MON_UTC);
        assert_eq!(week_start("Europe/Berlin", WED_NOON), MON_UTC - 3_600_000);
        assert_eq!(day_start("UTC", WED_NOON), WED_NOON - 12 * 3_600_000);
        assert_eq!(next_day_start("UTC", WED_NOON), WED_NOON + 12 * 3_600_000);
        // 23:30 UTC is already tomorrow in Berlin.
        let late = WED_NOON + 11 * 3_600_000 + 1_800_000;
        assert_eq!(day_start("Europe/Berlin", late), WED_NOON + 11 * 3_600_000);
        // An unknown zone counts as UTC.
        assert_eq!(
            day_start("Nowhere/Special", WED_NOON),
            day_start("UTC", WED_NOON)
        );
    }

    #[test]
    fn a_day_with_a_clock_change_is_not_24_hours() {
        // Europe/London springs forward on 2026-03-29: that day has 23 hours.
        let noon = 1_774_785_600_000; // 2026-03-29 12:00 UTC (13:00 BST)
        let start = day_start("Europe/London", noon);
        assert_eq!(
            next_day_start("Europe/London", noon) - start,
            23 * 3_600_000
        );
    }
}
