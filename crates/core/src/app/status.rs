//! How the desktop services the app leans on — the notification server
//! and the keyring — are doing, as the UI shows it: the session view
//! carries it, and every change goes to the view sink. A service that is
//! missing is reported in words, never a reason to fail.

use serde::Serialize;
use utoipa::ToSchema;

/// Whether one desktop service works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum ServiceStatus {
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DesktopStatus {
    pub notifications: ServiceStatus,
    pub keyring: ServiceStatus,
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
