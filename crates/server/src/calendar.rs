//! The family's calendar: which day it is where the family lives, and
//! when its week began. Chores are due on days of the week and count once
//! a day, weekly stars count from Monday 00:00 — all judged in the
//! family's time zone, not the server's.

use chrono::{Datelike, Days, NaiveDate, TimeZone};

/// The family's local date at `now_ms` (`YYYY-MM-DD`) and its ISO weekday
/// (1 = Monday … 7 = Sunday). An unknown zone counts as UTC.
pub fn local_day(time_zone: &str, now_ms: i64) -> (String, u8) {
    let tz: chrono_tz::Tz = time_zone.parse().unwrap_or(chrono_tz::UTC);
    let date = chrono::DateTime::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .with_timezone(&tz)
        .date_naive();
    // number_from_monday is 1..=7: always fits.
    let weekday = u8::try_from(date.weekday().number_from_monday()).unwrap_or(1);
    (date.format("%Y-%m-%d").to_string(), weekday)
}

/// The first instant of `date` in `tz`: its midnight, or, where the
/// clocks jump over midnight, the moment they land on.
fn midnight(tz: chrono_tz::Tz, date: NaiveDate) -> Option<i64> {
    let start = date.and_hms_opt(0, 0, 0)?;
    // A gap is at most an hour or two: the first local time after it is
    // the day's start.
    (0..=3)
        .find_map(|h| {
            tz.from_local_datetime(&(start + chrono::Duration::hours(h)))
                .earliest()
        })
        .map(|t| t.timestamp_millis())
}

/// Monday 00:00 of the week containing `now_ms`, in `time_zone`, as ms
/// epoch (an unknown zone counts as UTC).
pub fn week_start(time_zone: &str, now_ms: i64) -> i64 {
    let tz: chrono_tz::Tz = time_zone.parse().unwrap_or(chrono_tz::UTC);
    let Some(now) = chrono::DateTime::from_timestamp_millis(now_ms) else {
        return now_ms;
    };
    let today = now.with_timezone(&tz).date_naive();
    today
        .checked_sub_days(Days::new(u64::from(today.weekday().num_days_from_monday())))
        .and_then(|monday| midnight(tz, monday))
        .unwrap_or(now_ms)
}

#[cfg(test)]
mod tests {
    use super::{local_day, midnight, week_start};

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_when_the_clocks_land() {
        // Havana moves from UTC−5 to UTC−4 at 00:00 on Sunday 2026-03-08:
        // that day begins at 01:00 local, 05:00 UTC.
        let tz: chrono_tz::Tz = "America/Havana".parse().unwrap();
        let sunday = chrono::NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        assert_eq!(midnight(tz, sunday), Some(1_772_946_000_000));
        // An ordinary Monday there: 00:00 local, 04:00 UTC.
        let monday = chrono::NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        assert_eq!(midnight(tz, monday), Some(1_773_028_800_000));
        // Wednesday 2026-03-11 12:00 UTC: that week began on the Monday.
        assert_eq!(
            week_start("America/Havana", 1_773_230_400_000),
            1_773_028_800_000
        );
    }

    #[test]
    fn the_day_turns_at_the_familys_midnight() {
        // Sunday 2026-03-29 22:30 UTC: already Monday in Madrid (UTC+2
        // since 02:00 that night), still Sunday in New York.
        let t = 1_774_823_400_000;
        assert_eq!(local_day("UTC", t), ("2026-03-29".into(), 7));
        assert_eq!(local_day("Europe/Madrid", t), ("2026-03-30".into(), 1));
        assert_eq!(local_day("America/New_York", t), ("2026-03-29".into(), 7));
        // The same instant a week before, when Madrid was still UTC+1:
        // 23:30 there, so still Sunday.
        let week = 7 * 86_400_000;
        assert_eq!(
            local_day("Europe/Madrid", t - week),
            ("2026-03-22".into(), 7)
        );
        assert_eq!(local_day("Mars/Olympus", t), ("2026-03-29".into(), 7));
    }
}
