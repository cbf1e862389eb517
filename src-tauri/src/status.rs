//! How the desktop services the app leans on — the notification server
//! and the keyring — are doing, as the UI shows it: `get_session` carries
//! it, and the `desktop` event brings every change. A service that is
//! missing is reported in words, never a reason to fail.

use serde::Serialize;

/// The event that carries a changed [`DesktopStatus`] to the webview.
pub(crate) const DESKTOP_EVENT: &str = "desktop";

/// Whether one desktop service works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub(crate) enum ServiceStatus {
    /// Not known yet (not probed).
    Unknown,
    Available,
    /// Deliberately not used (the demo keeps its token in memory).
    NotUsed,
    Unavailable {
        reason: String,
    },
}

/// Every desktop service at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DesktopStatus {
    pub(crate) notifications: ServiceStatus,
    pub(crate) keyring: ServiceStatus,
}

impl Default for DesktopStatus {
    fn default() -> Self {
        Self {
            notifications: ServiceStatus::Unknown,
            keyring: ServiceStatus::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_the_ui_reads_it() {
        let status = DesktopStatus {
            notifications: ServiceStatus::Unavailable {
                reason: "no bus".into(),
            },
            keyring: ServiceStatus::Available,
        };
        assert_eq!(
            serde_json::to_value(&status).unwrap(),
            serde_json::json!({
                "notifications": {"state": "unavailable", "reason": "no bus"},
                "keyring": {"state": "available"}
            })
        );
        assert_eq!(
            serde_json::to_value(ServiceStatus::NotUsed).unwrap(),
            serde_json::json!({"state": "notUsed"})
        );
    }
}
