//! The family's calendar: which day it is where the family lives. Chores
//! are due on days of the week and count once a day, both judged in the
//! family's time zone, not the server's.

use chrono::Datelike;

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

#[cfg(test)]
mod tests {
    use super::local_day;

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
