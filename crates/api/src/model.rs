//! The things a family's data is made of, as they travel: families and
//! their members, accounts, kitchen screens, timer templates, timers,
//! chores and the star ledger. Times are ms since the Unix epoch, server
//! time; ids are opaque strings made by the server.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A caller's standing in a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// An account: everything in the family.
    Parent,
    /// A kitchen screen's device token: timers and chores, the parent PIN
    /// for confirmations, cancellations and stars.
    Kiosk,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Parent => "parent",
            Self::Kiosk => "kiosk",
        }
    }
}

impl TryFrom<String> for Role {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "parent" => Ok(Self::Parent),
            "kiosk" => Ok(Self::Kiosk),
            _ => Err(format!("unknown role {s:?}")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub created_at: i64,
}

/// A family as `/api/me` lists it, with the caller's role there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct FamilyRole {
    pub id: String,
    pub name: String,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Family {
    pub id: String,
    pub name: String,
    /// IANA zone: days (chores) and weeks (weekly stars) begin at midnight
    /// here.
    pub time_zone: String,
    /// Whether a parent PIN is set (kitchen screens need one for parent
    /// actions).
    pub has_pin: bool,
    pub revision: i64,
    pub created_at: i64,
}

/// A child's profile (no login of its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub id: String,
    pub family_id: String,
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
    /// Current star balance.
    pub balance: i64,
    pub created_at: i64,
}

/// The colours a child's profile may have, with their names: chosen to
/// tell apart on the board, light or dark.
pub const CHILD_COLORS: [(&str, &str); 10] = [
    ("tomato", "#e4572e"),
    ("teal", "#17bebb"),
    ("sunflower", "#ffc914"),
    ("leaf", "#76b041"),
    ("violet", "#7e5bef"),
    ("pink", "#f25f9c"),
    ("sea", "#2e86ab"),
    ("orange", "#ff8c42"),
    ("plum", "#9b5de5"),
    ("slate", "#5c6b7a"),
];

/// A one-time code another parent accepts to join the family: the code
/// itself is shown once, to the parent who made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Invite {
    pub id: String,
    /// As `ABCDE-FGHJK-…`; case, spaces and dashes do not matter.
    pub code: String,
    pub family_id: String,
    pub expires_at: i64,
}

/// An invite still waiting to be accepted, as every parent sees it: who
/// made it and until when, never its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct PendingInvite {
    pub id: String,
    /// The parent who made it (a user id).
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A parent of the family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct Parent {
    /// The account's user id.
    pub id: String,
    pub name: String,
    /// When they joined the family.
    pub joined_at: i64,
}

/// A kitchen screen's device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct Kiosk {
    pub id: String,
    pub family_id: String,
    pub name: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    /// When it last made a request (to the minute).
    pub last_seen_at: Option<i64>,
}

/// A one-time code a parent makes for pairing a kitchen screen: the screen
/// trades it for its own kiosk token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Pairing {
    /// The code to type on the kitchen screen, as `ABCDE-FGHJK`.
    pub code: String,
    /// What the kitchen screen will be called once paired ("Kitchen").
    pub name: String,
    /// When the code stops working.
    pub expires_at: i64,
}

/// "Homework, 25 minutes, 3 stars": a timer to start in one tap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct Template {
    pub id: String,
    pub family_id: String,
    pub label: String,
    pub duration_ms: i64,
    pub stars: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TimerState {
    Running,
    Paused,
    /// Ran out; waits for a parent to confirm (or extend) it.
    Expired,
    /// Confirmed; its stars were awarded.
    Completed,
    Cancelled,
}

impl TimerState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Expired => "expired",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Whether a timer in this state is still on the dashboard.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Running | Self::Paused | Self::Expired)
    }
}

impl TryFrom<String> for TimerState {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        Ok(match s.as_str() {
            "running" => Self::Running,
            "paused" => Self::Paused,
            "expired" => Self::Expired,
            "completed" => Self::Completed,
            "cancelled" => Self::Cancelled,
            _ => return Err(format!("unknown timer state {s:?}")),
        })
    }
}

/// A chore timer. The server keeps absolute times: a running timer has
/// `endsAt`, a paused one `remainingMs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct Timer {
    pub id: String,
    pub family_id: String,
    /// The child it runs for.
    pub member_id: String,
    pub label: String,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub state: TimerState,
    /// Total length, extensions included.
    pub duration_ms: i64,
    /// When a running timer ends; when an expired one ran out.
    pub ends_at: Option<i64>,
    /// Time left of a paused timer.
    pub remaining_ms: Option<i64>,
    /// Stars awarded to the child when a parent confirms it.
    pub stars: i64,
    pub template_id: Option<String>,
    pub started_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct Chore {
    pub id: String,
    pub family_id: String,
    pub title: String,
    pub stars: i64,
    /// The child it is usually for, if any; anyone may complete it.
    pub member_id: Option<String>,
    pub last_completed_at: Option<i64>,
    pub last_completed_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One line of a child's star ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct StarEntry {
    pub id: String,
    pub member_id: String,
    /// Positive for stars earned or given, negative for stars taken away.
    pub amount: i64,
    pub reason: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WeeklyStars {
    pub member_id: String,
    /// Net stars since `weekStart`.
    pub stars: i64,
    /// Monday 00:00 of this week in the family's time zone.
    pub week_start: i64,
}
