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
    /// Whether a kitchen screen's chore completions wait for a parent.
    #[serde(default)]
    pub chore_approval: ChoreApproval,
    /// While wrong PINs keep the PIN locked: until when (ms epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_locked_until: Option<i64>,
    /// When the kitchen screens dim for the night, in the family's time
    /// zone; none when they never do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub night: Option<NightHours>,
    pub revision: i64,
    pub created_at: i64,
}

/// The family's night, when kitchen screens go dark and quiet: from
/// `from` to `to`, local times `HH:MM` in the family's time zone (`to`
/// before `from` runs across midnight, as 21:00–07:00 does).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NightHours {
    #[schema(example = "21:00", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub from: String,
    #[schema(example = "07:00", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub to: String,
}

impl NightHours {
    /// Minutes after midnight of an `HH:MM` time, if it is one.
    pub fn minute_of_day(time: &str) -> Option<u16> {
        let (h, m) = time.split_once(':')?;
        if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some(h * 60 + m)
    }

    /// Whether the local time `minute` (after midnight) falls in this
    /// night; false when either end is not a time.
    pub fn contains(&self, minute: u16) -> bool {
        match (
            Self::minute_of_day(&self.from),
            Self::minute_of_day(&self.to),
        ) {
            (Some(from), Some(to)) if from <= to => (from..to).contains(&minute),
            (Some(from), Some(to)) => minute >= from || minute < to,
            _ => false,
        }
    }
}

/// Who turns a completed chore into stars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChoreApproval {
    /// Stars at once, whoever marks it done.
    #[default]
    Auto,
    /// A kitchen screen's completion waits for a parent to approve it
    /// (a parent's own is approved as it is made).
    Parent,
}

impl ChoreApproval {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Parent => "parent",
        }
    }
}

impl TryFrom<String> for ChoreApproval {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "auto" => Ok(Self::Auto),
            "parent" => Ok(Self::Parent),
            _ => Err(format!("unknown chore approval {s:?}")),
        }
    }
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
    /// The days of the week it is due; empty, every day.
    #[serde(default)]
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "Option<String>"))]
    pub days: Weekdays,
    /// Whether it is due today in the family's time zone, when the server
    /// answered (a client judges later days from `days` itself).
    #[serde(default)]
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub due_today: bool,
    /// The latest completion that counts (not undone, not rejected).
    #[serde(default)]
    pub last_completion_id: Option<String>,
    pub last_completed_at: Option<i64>,
    pub last_completed_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Days of the week as ISO numbers (1 = Monday … 7 = Sunday), ascending
/// and without repeats; none means every day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct Weekdays(Vec<u8>);

impl Weekdays {
    /// Every day of the week.
    pub const EVERY_DAY: Self = Self(Vec::new());

    /// Checks days as a client sent them: each 1 to 7.
    pub fn from_iso(days: &[i64]) -> Result<Self, String> {
        let mut out = Vec::with_capacity(days.len());
        for &day in days {
            match u8::try_from(day) {
                Ok(d @ 1..=7) => out.push(d),
                _ => {
                    return Err(format!(
                        "{day} is not a day of the week (1 = Monday … 7 = Sunday)"
                    ));
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        // All seven is every day: one way to say it.
        if out.len() == 7 {
            out.clear();
        }
        Ok(Self(out))
    }

    /// Whether a chore with these days is due on ISO weekday `iso`.
    pub fn includes(&self, iso: u8) -> bool {
        self.0.is_empty() || self.0.contains(&iso)
    }

    /// The days, ascending; empty for every day.
    pub fn days(&self) -> &[u8] {
        &self.0
    }

    /// The column the server keeps them in: `"1,3,5"`, or none.
    pub fn to_column(&self) -> Option<String> {
        (!self.0.is_empty()).then(|| {
            self.0
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(",")
        })
    }
}

impl TryFrom<Option<String>> for Weekdays {
    type Error = String;

    fn try_from(column: Option<String>) -> Result<Self, String> {
        let Some(column) = column.filter(|c| !c.trim().is_empty()) else {
            return Ok(Self::EVERY_DAY);
        };
        let days = column
            .split(',')
            .map(|d| d.trim().parse::<i64>().map_err(|e| format!("{d:?}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_iso(&days)
    }
}

/// Where a chore completion stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompletionStatus {
    /// Counted, its stars awarded.
    Approved,
    /// Waiting for a parent.
    Pending,
    /// Turned down by a parent: nothing awarded.
    Rejected,
    /// Taken back: its stars reversed in the ledger.
    Undone,
}

impl CompletionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::Pending => "pending",
            Self::Rejected => "rejected",
            Self::Undone => "undone",
        }
    }

    /// Whether it counts as done (once per chore, child and day).
    pub fn counts(self) -> bool {
        matches!(self, Self::Approved | Self::Pending)
    }
}

impl TryFrom<String> for CompletionStatus {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "approved" => Ok(Self::Approved),
            "pending" => Ok(Self::Pending),
            "rejected" => Ok(Self::Rejected),
            "undone" => Ok(Self::Undone),
            _ => Err(format!("unknown completion status {s:?}")),
        }
    }
}

/// A child marking a chore done: what the board shows as done (today's
/// that count) or waiting for a parent (pending ones, from any day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct Completion {
    pub id: String,
    pub chore_id: String,
    /// The child who did it.
    pub member_id: String,
    pub completed_at: i64,
    /// The family's local date it counts for, `YYYY-MM-DD`.
    pub day: String,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub status: CompletionStatus,
}

/// What a ledger entry is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// Stars a parent gave or took away.
    #[default]
    Manual,
    /// A chore's stars.
    Chore,
    /// A confirmed timer's stars.
    Timer,
    /// Stars spent on a reward (and given back when that is undone):
    /// spending, so weekly stars and the history leave it out.
    Reward,
    /// The reversal of another entry.
    Undo,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Chore => "chore",
            Self::Timer => "timer",
            Self::Reward => "reward",
            Self::Undo => "undo",
        }
    }
}

impl TryFrom<String> for EntryKind {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "manual" => Ok(Self::Manual),
            "chore" => Ok(Self::Chore),
            "timer" => Ok(Self::Timer),
            "reward" => Ok(Self::Reward),
            "undo" => Ok(Self::Undo),
            _ => Err(format!("unknown ledger entry kind {s:?}")),
        }
    }
}

/// Something a child can spend stars on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct Reward {
    pub id: String,
    pub family_id: String,
    pub title: String,
    /// Stars it costs, at least 1.
    pub cost: i64,
    /// How many times each child may have it per week (from Monday 00:00
    /// in the family's zone); none, as often as the stars allow.
    pub weekly_limit: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A child spending stars on a reward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct Redemption {
    pub id: String,
    pub reward_id: String,
    pub member_id: String,
    /// The reward's title and cost when it was redeemed.
    pub title: String,
    pub cost: i64,
    /// `approved` (spent), or `pending` while it waits for a parent.
    #[serde(default = "crate::model::approved")]
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub status: CompletionStatus,
    /// The ledger entry that holds its stars (undoing it gives them back);
    /// none while it waits for a parent.
    pub star_entry_id: Option<String>,
    pub created_at: i64,
}

fn approved() -> CompletionStatus {
    CompletionStatus::Approved
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
    #[serde(default)]
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub kind: EntryKind,
    /// Who wrote it: a parent's or a kitchen screen's name (none for
    /// entries older than that record, and for the server's own).
    #[serde(default)]
    pub by: Option<String>,
    /// The entry this one takes back (an undo).
    #[serde(default)]
    pub reverses: Option<String>,
    /// When another entry took this one back.
    #[serde(default)]
    pub undone_at: Option<i64>,
    pub created_at: i64,
}

/// Stars earned in one week (rewards left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WeekStars {
    /// Monday 00:00 in the family's time zone.
    pub week_start: i64,
    pub stars: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WeeklyStars {
    pub member_id: String,
    /// Net stars earned since `weekStart` (rewards are spending and do not
    /// count).
    pub stars: i64,
    /// Monday 00:00 of this week in the family's time zone.
    pub week_start: i64,
}

#[cfg(test)]
mod tests {
    use super::NightHours;

    fn night(from: &str, to: &str) -> NightHours {
        NightHours {
            from: from.into(),
            to: to.into(),
        }
    }

    #[test]
    fn times_of_day_are_two_digits_each_and_in_range() {
        assert_eq!(NightHours::minute_of_day("00:00"), Some(0));
        assert_eq!(NightHours::minute_of_day("21:30"), Some(1290));
        assert_eq!(NightHours::minute_of_day("23:59"), Some(1439));
        for bad in [
            "24:00", "7:00", "07:0", "07:60", "-1:00", "0a:00", "", "0700", "07:00:00",
        ] {
            assert_eq!(NightHours::minute_of_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_night_runs_across_midnight_or_within_a_day() {
        let n = night("21:00", "07:00");
        assert!(n.contains(21 * 60) && n.contains(0) && n.contains(6 * 60 + 59));
        assert!(!n.contains(7 * 60) && !n.contains(12 * 60) && !n.contains(20 * 60 + 59));
        let nap = night("13:00", "15:00");
        assert!(nap.contains(13 * 60) && nap.contains(14 * 60 + 59));
        assert!(!nap.contains(15 * 60) && !nap.contains(12 * 60));
        assert!(!night("25:00", "07:00").contains(0));
    }
}
