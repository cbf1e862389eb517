//! Time zones as a household picks one: this computer's own (the default
//! of a new family) and the list of IANA names to choose from.

/// This computer's IANA time zone: `TZ` when it names one (it rules for
/// every program started with it), else the system's setting, else UTC.
pub fn local_time_zone() -> String {
    let named = |zone: &str| {
        zone.parse::<chrono_tz::Tz>()
            .ok()
            .map(|tz| tz.name().to_owned())
    };
    if let Some(zone) = std::env::var("TZ")
        .ok()
        .and_then(|tz| named(tz.trim_start_matches(':')))
    {
        return zone;
    }
    iana_time_zone::get_timezone()
        .ok()
        .and_then(|zone| named(&zone))
        .unwrap_or_else(|| "UTC".to_owned())
}

/// Every IANA zone name, sorted: "Africa/Abidjan" … "Zulu".
pub fn time_zones() -> Vec<&'static str> {
    let mut zones: Vec<&'static str> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
    zones.sort_unstable();
    zones
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_holds_the_zones_families_pick() {
        let zones = time_zones();
        for zone in ["Europe/Madrid", "America/New_York", "Asia/Tokyo", "UTC"] {
            assert!(zones.contains(&zone), "{zone}");
        }
        assert!(zones.windows(2).all(|w| w[0] < w[1]));
        // Whatever the machine says, the answer is one of them.
        assert!(zones.contains(&local_time_zone().as_str()));
    }
}
