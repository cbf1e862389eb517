//! One app per profile: a second launch of a profile that already runs
//! brings the running window forward and exits, so one profile never has
//! two apps sharing its database and ringing two alarms per expiry. The
//! running instance owns a session-bus name of its profile's own
//! (tauri-plugin-single-instance), so `--profile` still keeps several
//! side by side. Without a session bus, every launch runs.

use tauri::{AppHandle, Wry};

/// The D-Bus name prefix the running instance of `profile` owns (the
/// plugin appends `.SingleInstance`). Profile names are letters, digits,
/// `-` and `_` (see `cli`), all allowed in a bus name's element; the
/// prefix keeps the element from starting with a digit.
pub(crate) fn bus_id(profile: &str) -> String {
    format!(
        "{}.profile_{profile}",
        kinboard_core::app::profile::IDENTIFIER
    )
}

/// The plugin that makes this launch the profile's only instance.
pub(crate) fn only_one(profile: &str) -> tauri::plugin::TauriPlugin<Wry> {
    tauri_plugin_single_instance::Builder::new()
        .dbus_id(bus_id(profile))
        .callback(|app: &AppHandle, argv, _cwd| {
            tracing::info!(?argv, "launched again: bringing the window forward");
            crate::window::show(app);
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_profile_has_a_valid_bus_name_of_its_own() {
        let names: Vec<String> = ["default", "kitchen-2", "kitchen_2", "2nd"]
            .iter()
            .map(|p| format!("{}.SingleInstance", bus_id(p)))
            .collect();
        for name in &names {
            zbus::names::WellKnownName::try_from(name.as_str())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let unique: std::collections::HashSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
        assert_eq!(
            names[0],
            "org.kinboard.desktop.profile_default.SingleInstance"
        );
    }
}
