//! The backend's JSON, as this client reads it: responses of the routes in
//! issue 4's contract and the payloads of the seven channel events in
//! DESIGN.md. Copies, not the server's types: the core never links the
//! server. Unknown fields are ignored so the server can grow.

use serde::{Deserialize, Serialize};

/// A timer as the server sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timer {
    pub id: String,
    pub member_id: String,
    pub label: String,
    pub state: TimerState,
    pub duration_ms: i64,
    pub ends_at: Option<i64>,
    pub remaining_ms: Option<i64>,
    pub stars: i64,
    pub template_id: Option<String>,
    #[serde(default)]
    pub started_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimerState {
    Running,
    Paused,
    Expired,
    Completed,
    Cancelled,
}

impl TimerState {
    /// Whether a timer in this state is still on the dashboard.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Running | Self::Paused | Self::Expired)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Family {
    pub id: String,
    pub name: String,
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub id: String,
    pub name: String,
    pub color: String,
    pub balance: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    pub id: String,
    pub label: String,
    pub duration_ms: i64,
    pub stars: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Chore {
    pub id: String,
    pub title: String,
    pub stars: i64,
    pub member_id: Option<String>,
    pub last_completed_at: Option<i64>,
    pub last_completed_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WeeklyStars {
    pub member_id: String,
    pub stars: i64,
    pub week_start: i64,
}

/// `GET /api/families/{id}/dashboard`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub revision: i64,
    pub family: Family,
    pub members: Vec<Member>,
    pub templates: Vec<Template>,
    pub active_timers: Vec<Timer>,
    pub chores: Vec<Chore>,
    pub weekly_stars: Vec<WeeklyStars>,
}

/// `GET /api/realtime`: where the Pusher-protocol server is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Realtime {
    pub key: String,
    pub cluster: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    /// `http` or `https` (`ws` / `wss` accepted too).
    pub scheme: Option<String>,
    pub auth_endpoint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
}

/// `POST /api/auth/sign-in` and `sign-up`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SessionReply {
    pub token: String,
    pub user: User,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FamilyRole {
    pub id: String,
    pub name: String,
    /// `parent` or `kiosk`.
    pub role: String,
}

/// `GET /api/me`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Me {
    /// `None` for a kiosk device.
    pub user: Option<User>,
    pub families: Vec<FamilyRole>,
}

/// Timer routes: `{timer, revision}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TimerReply {
    pub timer: Timer,
    pub revision: i64,
}

/// `POST /api/families/{id}/members/{memberId}/stars`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StarsReply {
    pub member_id: String,
    pub new_balance: i64,
    pub revision: i64,
}

/// `POST /api/chores/{id}/complete`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChoreCompletedReply {
    pub chore_id: String,
    pub completed_by: String,
    pub stars_awarded: i64,
    pub new_balance: i64,
    pub revision: i64,
}

/// `{family}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FamilyReply {
    pub family: Family,
}

/// `{member, …}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MemberReply {
    pub member: Member,
}

/// `{template, revision}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TemplateReply {
    pub template: Template,
}

/// `{chore, revision}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ChoreReply {
    pub chore: Chore,
}

/// `{kiosk, token}`: a kiosk device's bearer token, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct KioskReply {
    pub token: String,
}

/// A one-time code a parent makes for pairing a kitchen screen: the
/// screen trades it for its own kiosk token (`POST /api/kiosk-pairings/claim`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KioskPairing {
    pub code: String,
    /// The kiosk's name once paired ("Kitchen").
    pub name: String,
    /// When the code stops working (ms epoch, server time).
    pub expires_at: i64,
}

/// `{pairing}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct KioskPairingReply {
    pub pairing: KioskPairing,
}

/// The kiosk device a claim made.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KioskDevice {
    pub id: String,
    pub family_id: String,
    pub name: String,
}

/// `{kiosk, token}` for a claimed pairing code.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct KioskClaimReply {
    pub kiosk: KioskDevice,
    pub token: String,
}

/// `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ErrorReply {
    pub(crate) error: ErrorBody,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ErrorBody {
    pub(crate) code: String,
    pub(crate) message: String,
}

/// The payloads of the channel events (DESIGN.md, "Events").
pub mod event {
    use super::Timer;
    use serde::Deserialize;

    pub const TIMER_STARTED: &str = "timer:started";
    pub const TIMER_UPDATED: &str = "timer:updated";
    pub const TIMER_CANCELLED: &str = "timer:cancelled";
    pub const TIMER_COMPLETED: &str = "timer:completed";
    pub const TIMER_EXPIRED: &str = "timer:expired";
    pub const CHORE_COMPLETED: &str = "chore:completed";
    pub const STARS_UPDATED: &str = "stars:updated";

    /// `timer:started`, `timer:updated`, `timer:expired`.
    #[derive(Debug, Clone, Deserialize)]
    pub struct TimerEvent {
        pub timer: Timer,
        pub revision: i64,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct TimerCancelled {
        pub timer_id: String,
        pub revision: i64,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct TimerCompleted {
        pub timer: Timer,
        #[serde(default)]
        pub stars_awarded: i64,
        pub revision: i64,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ChoreCompleted {
        pub chore_id: String,
        pub completed_by: String,
        pub revision: i64,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct StarsUpdated {
        pub member_id: String,
        pub new_balance: i64,
        pub revision: i64,
    }

    /// Any event: only its revision, for events this client does not know.
    #[derive(Debug, Clone, Deserialize)]
    pub struct Revision {
        pub revision: i64,
    }
}
