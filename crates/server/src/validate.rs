//! Input checks shared by the resource modules. Each returns the cleaned
//! value or a 422 whose message names the field and the rule.

use crate::error::ApiError;

/// The longest a timer may run: longer is a typo, not a chore.
pub const MAX_TIMER_MS: i64 = 24 * 3600 * 1000;
pub const MAX_STARS_PER_ITEM: i64 = 100;
pub const MAX_STAR_CHANGE: i64 = 1000;

/// Trimmed, non-empty, at most `max` characters, no control characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::invalid(format!("{field} must not be empty")));
    }
    if value.chars().count() > max {
        return Err(ApiError::invalid(format!(
            "{field} must be at most {max} characters"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(ApiError::invalid(format!(
            "{field} must not contain control characters"
        )));
    }
    Ok(value.to_owned())
}

pub fn email(value: &str) -> Result<String, ApiError> {
    let value = value.trim().to_lowercase();
    let valid = value.len() <= 254
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
        })
        && !value.chars().any(char::is_whitespace);
    if valid {
        Ok(value)
    } else {
        Err(ApiError::invalid("email must be a valid email address"))
    }
}

pub fn password(value: &str) -> Result<(), ApiError> {
    if value.chars().count() < 8 {
        return Err(ApiError::invalid("password must be at least 8 characters"));
    }
    if value.len() > 1024 {
        return Err(ApiError::invalid("password must be at most 1024 bytes"));
    }
    Ok(())
}

/// A parent PIN: 4 to 8 digits.
pub fn pin(value: &str) -> Result<(), ApiError> {
    if (4..=8).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ApiError::invalid("pin must be 4 to 8 digits"))
    }
}

/// A timer length in seconds → ms: 1 s to 24 h.
pub fn duration_seconds(field: &str, seconds: i64) -> Result<i64, ApiError> {
    if seconds < 1 || seconds.saturating_mul(1000) > MAX_TIMER_MS {
        return Err(ApiError::invalid(format!(
            "{field} must be between 1 and {} seconds",
            MAX_TIMER_MS / 1000
        )));
    }
    Ok(seconds * 1000)
}

pub fn stars(field: &str, value: i64) -> Result<i64, ApiError> {
    if (0..=MAX_STARS_PER_ITEM).contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::invalid(format!(
            "{field} must be between 0 and {MAX_STARS_PER_ITEM}"
        )))
    }
}

/// `#rrggbb`.
pub fn color(value: &str) -> Result<String, ApiError> {
    let ok = value.len() == 7
        && value.starts_with('#')
        && value[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(ApiError::invalid("color must look like #rrggbb"))
    }
}

pub fn time_zone(value: &str) -> Result<String, ApiError> {
    value
        .parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| {
            ApiError::invalid(format!(
                "unknown time zone {value:?}; use an IANA name like Europe/Berlin"
            ))
        })
}

/// A family's night: two `HH:MM` times that differ.
pub fn night(night: &kinboard_api::NightHours) -> Result<kinboard_api::NightHours, ApiError> {
    use kinboard_api::NightHours;
    let (Some(from), Some(to)) = (
        NightHours::minute_of_day(&night.from),
        NightHours::minute_of_day(&night.to),
    ) else {
        return Err(ApiError::invalid(
            "night.from and night.to are times of day like 21:00 and 07:00",
        ));
    };
    if from == to {
        return Err(ApiError::invalid(
            "the night must end at another time than it starts",
        ));
    }
    Ok(night.clone())
}

/// The most a reward may cost.
pub const MAX_REWARD_COST: i64 = 1000;
/// The highest weekly limit a reward may have.
pub const MAX_WEEKLY_LIMIT: i64 = 100;

/// A whole number in `min..=max`, or a 422 naming the field.
pub fn within(field: &str, value: i64, min: i64, max: i64) -> Result<i64, ApiError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::invalid(format!(
            "{field} must be between {min} and {max}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_outside_one_second_to_a_day_are_refused() {
        assert!(duration_seconds("d", 0).is_err());
        assert!(duration_seconds("d", -5).is_err());
        assert!(duration_seconds("d", 86_401).is_err());
        assert!(duration_seconds("d", i64::MAX).is_err());
        assert_eq!(duration_seconds("d", 60).unwrap(), 60_000);
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text("label", "  Homework ", 10).unwrap(), "Homework");
        assert!(text("label", "   ", 10).is_err());
        assert!(text("label", &"x".repeat(11), 10).is_err());
        assert!(text("label", "a\u{0}b", 10).is_err());
    }

    #[test]
    fn pins_colors_emails_and_zones() {
        assert!(pin("1234").is_ok());
        assert!(pin("12a4").is_err());
        assert!(pin("123").is_err());
        assert_eq!(color("#AABBCC").unwrap(), "#aabbcc");
        assert!(color("red").is_err());
        assert_eq!(email(" Ann@Example.org ").unwrap(), "ann@example.org");
        assert!(email("ann@").is_err());
        assert_eq!(time_zone("Europe/Berlin").unwrap(), "Europe/Berlin");
        assert!(time_zone("Mars/Olympus").is_err());
    }
}
