//! The events on a family's channel, `private-family-{familyId}`.
//!
//! [`FamilyEvent`] is every event the server broadcasts, each with the
//! family `revision` it brings a device to. On the channel an event
//! travels as Pusher does it: its [`name`](FamilyEvent::name) and its
//! payload as a JSON string ([`FamilyEvent::data`]); in the reply to the
//! action that caused it, as `{"event": name, "data": payload}`, so the
//! device that acted applies exactly what everyone else receives.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::{
    Chore, CompletionStatus, Family, Kiosk, Member, Parent, PendingInvite, Redemption, Reward,
    Template, Timer,
};

/// The prefix of a family's private channel; the family id follows.
pub const FAMILY_CHANNEL_PREFIX: &str = "private-family-";

/// `private-family-{familyId}`.
pub fn family_channel(family_id: &str) -> String {
    format!("{FAMILY_CHANNEL_PREFIX}{family_id}")
}

/// `timer:started`, `timer:updated`, `timer:expired`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TimerChanged {
    pub timer: Timer,
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimerCancelled {
    pub timer_id: String,
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimerCompleted {
    pub timer: Timer,
    /// The stars the confirmation awarded (a `stars:updated` follows
    /// when there were any).
    pub stars_awarded: i64,
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChoreCompleted {
    pub chore_id: String,
    /// The child who did it.
    pub completed_by: String,
    pub completed_at: i64,
    #[serde(default)]
    pub completion_id: String,
    /// `approved` (stars awarded) or `pending` (waiting for a parent).
    #[serde(default = "approved")]
    pub status: CompletionStatus,
    /// The family's local date it counts for, `YYYY-MM-DD`.
    #[serde(default)]
    pub day: String,
    pub revision: i64,
}

/// `chore:approved` (its stars follow in `stars:updated`) and
/// `chore:rejected` (nothing awarded; the chore is not done).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChoreDecided {
    pub completion_id: String,
    pub chore_id: String,
    pub member_id: String,
    pub revision: i64,
}

/// `reward:added`, `reward:updated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RewardChanged {
    pub reward: Reward,
    pub revision: i64,
}

/// `reward:removed`: off the catalogue (its redemptions stay in the ledger).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RewardRemoved {
    pub reward_id: String,
    pub revision: i64,
}

/// `reward:redeemed`: a child spent stars (`approved`; the balance follows
/// in `stars:updated`) or asked for a reward a parent decides on
/// (`pending`; nothing spent, no `stars:updated`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RewardRedeemed {
    pub redemption: Redemption,
    pub revision: i64,
}

/// `reward:approved`: a redemption that waited for a parent is spent (the
/// balance follows in `stars:updated`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RewardApproved {
    pub redemption: Redemption,
    pub revision: i64,
}

/// `reward:rejected`: a parent turned a redemption down; nothing spent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RewardRejected {
    pub redemption_id: String,
    pub reward_id: String,
    pub member_id: String,
    pub revision: i64,
}

/// `reward:undone`: a redemption taken back, its stars given back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RewardUndone {
    pub redemption_id: String,
    pub reward_id: String,
    pub member_id: String,
    pub revision: i64,
}

fn approved() -> CompletionStatus {
    CompletionStatus::Approved
}

/// `chore:undone`: a completion taken back, its stars reversed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChoreUndone {
    pub completion_id: String,
    pub chore_id: String,
    pub member_id: String,
    /// The child's balance afterwards.
    pub new_balance: i64,
    /// The chore's latest completion that still counts, if any: what the
    /// board shows now.
    pub last_completion: Option<LastCompletion>,
    pub revision: i64,
}

/// A chore's latest completion that counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LastCompletion {
    pub completion_id: String,
    pub completed_by: String,
    pub completed_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StarsUpdated {
    pub member_id: String,
    pub new_balance: i64,
    /// Stars earned this week (since Monday 00:00 in the family's zone;
    /// rewards, undos and what they undid left out): spending moves the
    /// balance, not this. Left out by servers older than rewards, whose
    /// weekly stars moved with the balance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekly_stars: Option<i64>,
    pub revision: i64,
}

/// `family:updated`: its name, time zone, PIN, approval or night changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FamilyUpdated {
    pub family: Family,
    pub revision: i64,
}

/// `member:added`, `member:updated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MemberChanged {
    pub member: Member,
    pub revision: i64,
}

/// `member:removed`: the child is off the board; their ledger stays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberRemoved {
    pub member_id: String,
    pub revision: i64,
}

/// `template:added`, `template:updated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TemplateChanged {
    pub template: Template,
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateRemoved {
    pub template_id: String,
    pub revision: i64,
}

/// `chore:added`, `chore:updated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChoreChanged {
    pub chore: Chore,
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChoreRemoved {
    pub chore_id: String,
    pub revision: i64,
}

/// `parent:added`: someone joined with an invite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ParentAdded {
    pub parent: Parent,
    pub revision: i64,
}

/// `parent:removed`: their sessions are ended too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParentRemoved {
    pub user_id: String,
    pub revision: i64,
}

/// `kiosk:added`: a kitchen screen was paired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KioskAdded {
    pub kiosk: Kiosk,
    pub revision: i64,
}

/// `kiosk:revoked`: its token no longer works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KioskRevoked {
    pub kiosk_id: String,
    pub revision: i64,
}

/// `invite:created`: never with its code, which only its maker sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InviteCreated {
    pub invite: PendingInvite,
    pub revision: i64,
}

/// `invite:closed`: accepted or revoked; it works no more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InviteClosed {
    pub invite_id: String,
    pub revision: i64,
}

/// `pin:locked`: wrong PINs used up a round of attempts; actions that need
/// the PIN are refused until `lockedUntil` (ms epoch). Parents are told so
/// they know someone is guessing, and on which screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PinLocked {
    pub locked_until: i64,
    /// The kitchen screen the last wrong PIN came from, when it was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kiosk_id: Option<String>,
    pub revision: i64,
}

/// `family:resync`: events up to `revision` could not be delivered (the
/// broadcast lane overflowed, or the Pusher engine kept failing); a device
/// behind it reloads the dashboard once. It stands in for the lost events
/// and is no change of its own: its revision is theirs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FamilyResync {
    pub revision: i64,
}

/// Every event the server broadcasts on a family's channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "event", content = "data")]
pub enum FamilyEvent {
    #[serde(rename = "timer:started")]
    TimerStarted(TimerChanged),
    /// Paused, resumed, extended, or re-announced.
    #[serde(rename = "timer:updated")]
    TimerUpdated(TimerChanged),
    #[serde(rename = "timer:expired")]
    TimerExpired(TimerChanged),
    #[serde(rename = "timer:cancelled")]
    TimerCancelled(TimerCancelled),
    #[serde(rename = "timer:completed")]
    TimerCompleted(TimerCompleted),
    #[serde(rename = "chore:completed")]
    ChoreCompleted(ChoreCompleted),
    #[serde(rename = "chore:undone")]
    ChoreUndone(ChoreUndone),
    #[serde(rename = "chore:approved")]
    ChoreApproved(ChoreDecided),
    #[serde(rename = "chore:rejected")]
    ChoreRejected(ChoreDecided),
    #[serde(rename = "stars:updated")]
    StarsUpdated(StarsUpdated),
    #[serde(rename = "family:updated")]
    FamilyUpdated(FamilyUpdated),
    #[serde(rename = "member:added")]
    MemberAdded(MemberChanged),
    #[serde(rename = "member:updated")]
    MemberUpdated(MemberChanged),
    #[serde(rename = "member:removed")]
    MemberRemoved(MemberRemoved),
    #[serde(rename = "template:added")]
    TemplateAdded(TemplateChanged),
    #[serde(rename = "template:updated")]
    TemplateUpdated(TemplateChanged),
    #[serde(rename = "template:removed")]
    TemplateRemoved(TemplateRemoved),
    #[serde(rename = "chore:added")]
    ChoreAdded(ChoreChanged),
    #[serde(rename = "chore:updated")]
    ChoreUpdated(ChoreChanged),
    #[serde(rename = "chore:removed")]
    ChoreRemoved(ChoreRemoved),
    #[serde(rename = "parent:added")]
    ParentAdded(ParentAdded),
    #[serde(rename = "parent:removed")]
    ParentRemoved(ParentRemoved),
    #[serde(rename = "kiosk:added")]
    KioskAdded(KioskAdded),
    #[serde(rename = "kiosk:revoked")]
    KioskRevoked(KioskRevoked),
    #[serde(rename = "invite:created")]
    InviteCreated(InviteCreated),
    #[serde(rename = "invite:closed")]
    InviteClosed(InviteClosed),
    #[serde(rename = "reward:added")]
    RewardAdded(RewardChanged),
    #[serde(rename = "reward:updated")]
    RewardUpdated(RewardChanged),
    #[serde(rename = "reward:removed")]
    RewardRemoved(RewardRemoved),
    #[serde(rename = "reward:redeemed")]
    RewardRedeemed(RewardRedeemed),
    #[serde(rename = "reward:undone")]
    RewardUndone(RewardUndone),
    #[serde(rename = "reward:approved")]
    RewardApproved(RewardApproved),
    #[serde(rename = "reward:rejected")]
    RewardRejected(RewardRejected),
    #[serde(rename = "pin:locked")]
    PinLocked(PinLocked),
    #[serde(rename = "family:resync")]
    FamilyResync(FamilyResync),
}

/// An event as a reply lists it: one this version knows, or one it does
/// not (a newer server's), kept by name and payload so that the client can
/// still order it by its revision and reload for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ReplyEvent {
    Known(FamilyEvent),
    Unknown {
        event: String,
        data: serde_json::Value,
    },
}

/// A known event matches both forms, so the schema says `anyOf` (derived,
/// an untagged enum would say `oneOf`, which a known event breaks).
impl utoipa::PartialSchema for ReplyEvent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Type};
        let unknown = ObjectBuilder::new()
            .description(Some("an event of a newer server: its name and payload"))
            .property("event", ObjectBuilder::new().schema_type(Type::String))
            .property(
                "data",
                ObjectBuilder::new().schema_type(utoipa::openapi::schema::SchemaType::AnyValue),
            )
            .required("event")
            .required("data");
        AnyOfBuilder::new()
            .item(utoipa::openapi::Ref::from_schema_name("FamilyEvent"))
            .item(unknown)
            .into()
    }
}

impl ToSchema for ReplyEvent {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        schemas.push((
            "FamilyEvent".into(),
            <FamilyEvent as utoipa::PartialSchema>::schema(),
        ));
        <FamilyEvent as ToSchema>::schemas(schemas);
    }
}

/// Read as the channel's events are: the name first, then the payload
/// straight into its type.
impl<'de> Deserialize<'de> for ReplyEvent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Listed {
            event: String,
            data: Box<serde_json::value::RawValue>,
        }
        let listed = Listed::deserialize(deserializer)?;
        match FamilyEvent::parse(&listed.event, listed.data.get()) {
            Ok(known) => Ok(Self::Known(known)),
            Err(_) => Ok(Self::Unknown {
                data: serde_json::from_str(listed.data.get()).map_err(serde::de::Error::custom)?,
                event: listed.event,
            }),
        }
    }
}

impl ReplyEvent {
    /// The events a transaction broadcast, as its reply lists them.
    pub fn all(events: &[FamilyEvent]) -> Vec<Self> {
        events.iter().cloned().map(Self::Known).collect()
    }
}

/// Only the revision of an event, which every event carries: enough to
/// order one this client does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionOnly {
    pub revision: i64,
}

/// Why a channel event could not be read as a [`FamilyEvent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventError {
    /// A name this version does not know (a newer server's); the revision
    /// it carries, when it has one, still orders it.
    Unknown { name: String, revision: Option<i64> },
    /// A known name whose payload does not fit.
    Malformed { name: String, reason: String },
}

impl std::fmt::Display for EventError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unknown { name, .. } => write!(f, "unknown event {name}"),
            Self::Malformed { name, reason } => write!(f, "malformed {name} event: {reason}"),
        }
    }
}

impl std::error::Error for EventError {}

impl FamilyEvent {
    /// Every event name, as on the channel.
    pub const NAMES: [&'static str; 35] = [
        "timer:started",
        "timer:updated",
        "timer:expired",
        "timer:cancelled",
        "timer:completed",
        "chore:completed",
        "chore:undone",
        "stars:updated",
        "family:updated",
        "member:added",
        "member:updated",
        "member:removed",
        "template:added",
        "template:updated",
        "template:removed",
        "chore:added",
        "chore:updated",
        "chore:removed",
        "parent:added",
        "parent:removed",
        "kiosk:added",
        "kiosk:revoked",
        "invite:created",
        "invite:closed",
        "chore:approved",
        "chore:rejected",
        "reward:added",
        "reward:updated",
        "reward:removed",
        "reward:redeemed",
        "reward:undone",
        "reward:approved",
        "reward:rejected",
        "pin:locked",
        "family:resync",
    ];

    /// The event's name on the channel.
    pub fn name(&self) -> &'static str {
        match self {
            Self::TimerStarted(_) => "timer:started",
            Self::TimerUpdated(_) => "timer:updated",
            Self::TimerExpired(_) => "timer:expired",
            Self::TimerCancelled(_) => "timer:cancelled",
            Self::TimerCompleted(_) => "timer:completed",
            Self::ChoreCompleted(_) => "chore:completed",
            Self::ChoreUndone(_) => "chore:undone",
            Self::StarsUpdated(_) => "stars:updated",
            Self::FamilyUpdated(_) => "family:updated",
            Self::MemberAdded(_) => "member:added",
            Self::MemberUpdated(_) => "member:updated",
            Self::MemberRemoved(_) => "member:removed",
            Self::TemplateAdded(_) => "template:added",
            Self::TemplateUpdated(_) => "template:updated",
            Self::TemplateRemoved(_) => "template:removed",
            Self::ChoreAdded(_) => "chore:added",
            Self::ChoreUpdated(_) => "chore:updated",
            Self::ChoreRemoved(_) => "chore:removed",
            Self::ParentAdded(_) => "parent:added",
            Self::ParentRemoved(_) => "parent:removed",
            Self::KioskAdded(_) => "kiosk:added",
            Self::KioskRevoked(_) => "kiosk:revoked",
            Self::InviteCreated(_) => "invite:created",
            Self::InviteClosed(_) => "invite:closed",
            Self::ChoreApproved(_) => "chore:approved",
            Self::ChoreRejected(_) => "chore:rejected",
            Self::RewardAdded(_) => "reward:added",
            Self::RewardUpdated(_) => "reward:updated",
            Self::RewardRemoved(_) => "reward:removed",
            Self::RewardRedeemed(_) => "reward:redeemed",
            Self::RewardUndone(_) => "reward:undone",
            Self::RewardApproved(_) => "reward:approved",
            Self::RewardRejected(_) => "reward:rejected",
            Self::PinLocked(_) => "pin:locked",
            Self::FamilyResync(_) => "family:resync",
        }
    }

    /// The family revision this event brings a device to.
    pub fn revision(&self) -> i64 {
        match self {
            Self::TimerStarted(e) | Self::TimerUpdated(e) | Self::TimerExpired(e) => e.revision,
            Self::TimerCancelled(e) => e.revision,
            Self::TimerCompleted(e) => e.revision,
            Self::ChoreCompleted(e) => e.revision,
            Self::ChoreUndone(e) => e.revision,
            Self::StarsUpdated(e) => e.revision,
            Self::FamilyUpdated(e) => e.revision,
            Self::MemberAdded(e) | Self::MemberUpdated(e) => e.revision,
            Self::MemberRemoved(e) => e.revision,
            Self::TemplateAdded(e) | Self::TemplateUpdated(e) => e.revision,
            Self::TemplateRemoved(e) => e.revision,
            Self::ChoreAdded(e) | Self::ChoreUpdated(e) => e.revision,
            Self::ChoreRemoved(e) => e.revision,
            Self::ParentAdded(e) => e.revision,
            Self::ParentRemoved(e) => e.revision,
            Self::KioskAdded(e) => e.revision,
            Self::KioskRevoked(e) => e.revision,
            Self::InviteCreated(e) => e.revision,
            Self::InviteClosed(e) => e.revision,
            Self::ChoreApproved(e) | Self::ChoreRejected(e) => e.revision,
            Self::RewardAdded(e) | Self::RewardUpdated(e) => e.revision,
            Self::RewardRemoved(e) => e.revision,
            Self::RewardRedeemed(e) => e.revision,
            Self::RewardUndone(e) => e.revision,
            Self::RewardApproved(e) => e.revision,
            Self::RewardRejected(e) => e.revision,
            Self::PinLocked(e) => e.revision,
            Self::FamilyResync(e) => e.revision,
        }
    }

    /// The payload as the channel carries it: a JSON string.
    pub fn data(&self) -> String {
        // Written straight from the payload (no intermediate JSON tree):
        // every broadcast goes through here.
        let text = match self {
            Self::TimerStarted(e) | Self::TimerUpdated(e) | Self::TimerExpired(e) => {
                serde_json::to_string(e)
            }
            Self::TimerCancelled(e) => serde_json::to_string(e),
            Self::TimerCompleted(e) => serde_json::to_string(e),
            Self::ChoreCompleted(e) => serde_json::to_string(e),
            Self::ChoreUndone(e) => serde_json::to_string(e),
            Self::StarsUpdated(e) => serde_json::to_string(e),
            Self::FamilyUpdated(e) => serde_json::to_string(e),
            Self::MemberAdded(e) | Self::MemberUpdated(e) => serde_json::to_string(e),
            Self::MemberRemoved(e) => serde_json::to_string(e),
            Self::TemplateAdded(e) | Self::TemplateUpdated(e) => serde_json::to_string(e),
            Self::TemplateRemoved(e) => serde_json::to_string(e),
            Self::ChoreAdded(e) | Self::ChoreUpdated(e) => serde_json::to_string(e),
            Self::ChoreRemoved(e) => serde_json::to_string(e),
            Self::ParentAdded(e) => serde_json::to_string(e),
            Self::ParentRemoved(e) => serde_json::to_string(e),
            Self::KioskAdded(e) => serde_json::to_string(e),
            Self::KioskRevoked(e) => serde_json::to_string(e),
            Self::InviteCreated(e) => serde_json::to_string(e),
            Self::InviteClosed(e) => serde_json::to_string(e),
            Self::ChoreApproved(e) | Self::ChoreRejected(e) => serde_json::to_string(e),
            Self::RewardAdded(e) | Self::RewardUpdated(e) => serde_json::to_string(e),
            Self::RewardRemoved(e) => serde_json::to_string(e),
            Self::RewardRedeemed(e) => serde_json::to_string(e),
            Self::RewardUndone(e) => serde_json::to_string(e),
            Self::RewardApproved(e) => serde_json::to_string(e),
            Self::RewardRejected(e) => serde_json::to_string(e),
            Self::PinLocked(e) => serde_json::to_string(e),
            Self::FamilyResync(e) => serde_json::to_string(e),
        };
        text.unwrap_or_else(|_| "{}".to_owned())
    }

    /// Reads an event from the channel: its name and its JSON payload,
    /// parsed once, straight into the payload's type (every device reads
    /// every event through here).
    pub fn parse(name: &str, data: &str) -> Result<Self, EventError> {
        fn payload<T: serde::de::DeserializeOwned>(
            name: &str,
            data: &str,
        ) -> Result<T, EventError> {
            serde_json::from_str(data).map_err(|e| EventError::Malformed {
                name: name.to_owned(),
                reason: e.to_string(),
            })
        }
        Ok(match name {
            "timer:started" => Self::TimerStarted(payload(name, data)?),
            "timer:updated" => Self::TimerUpdated(payload(name, data)?),
            "timer:expired" => Self::TimerExpired(payload(name, data)?),
            "timer:cancelled" => Self::TimerCancelled(payload(name, data)?),
            "timer:completed" => Self::TimerCompleted(payload(name, data)?),
            "chore:completed" => Self::ChoreCompleted(payload(name, data)?),
            "chore:undone" => Self::ChoreUndone(payload(name, data)?),
            "stars:updated" => Self::StarsUpdated(payload(name, data)?),
            "family:updated" => Self::FamilyUpdated(payload(name, data)?),
            "member:added" => Self::MemberAdded(payload(name, data)?),
            "member:updated" => Self::MemberUpdated(payload(name, data)?),
            "member:removed" => Self::MemberRemoved(payload(name, data)?),
            "template:added" => Self::TemplateAdded(payload(name, data)?),
            "template:updated" => Self::TemplateUpdated(payload(name, data)?),
            "template:removed" => Self::TemplateRemoved(payload(name, data)?),
            "chore:added" => Self::ChoreAdded(payload(name, data)?),
            "chore:updated" => Self::ChoreUpdated(payload(name, data)?),
            "chore:removed" => Self::ChoreRemoved(payload(name, data)?),
            "parent:added" => Self::ParentAdded(payload(name, data)?),
            "parent:removed" => Self::ParentRemoved(payload(name, data)?),
            "kiosk:added" => Self::KioskAdded(payload(name, data)?),
            "kiosk:revoked" => Self::KioskRevoked(payload(name, data)?),
            "invite:created" => Self::InviteCreated(payload(name, data)?),
            "invite:closed" => Self::InviteClosed(payload(name, data)?),
            "chore:approved" => Self::ChoreApproved(payload(name, data)?),
            "chore:rejected" => Self::ChoreRejected(payload(name, data)?),
            "reward:added" => Self::RewardAdded(payload(name, data)?),
            "reward:updated" => Self::RewardUpdated(payload(name, data)?),
            "reward:removed" => Self::RewardRemoved(payload(name, data)?),
            "reward:redeemed" => Self::RewardRedeemed(payload(name, data)?),
            "reward:undone" => Self::RewardUndone(payload(name, data)?),
            "reward:approved" => Self::RewardApproved(payload(name, data)?),
            "reward:rejected" => Self::RewardRejected(payload(name, data)?),
            "pin:locked" => Self::PinLocked(payload(name, data)?),
            "family:resync" => Self::FamilyResync(payload(name, data)?),
            _ => {
                let revision = serde_json::from_str::<RevisionOnly>(data)
                    .ok()
                    .map(|r| r.revision);
                return Err(EventError::Unknown {
                    name: name.to_owned(),
                    revision,
                });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{TimerState, Weekdays};

    fn timer() -> Timer {
        Timer {
            id: "tmr_1".into(),
            family_id: "fam_1".into(),
            member_id: "mem_1".into(),
            label: "Homework".into(),
            state: TimerState::Running,
            duration_ms: 60_000,
            ends_at: Some(61_000),
            remaining_ms: None,
            stars: 2,
            template_id: None,
            started_at: 1_000,
            updated_at: 1_000,
        }
    }

    fn every_event() -> Vec<FamilyEvent> {
        let changed = TimerChanged {
            timer: timer(),
            revision: 4,
        };
        let mut events = vec![
            FamilyEvent::TimerStarted(changed.clone()),
            FamilyEvent::TimerUpdated(changed.clone()),
            FamilyEvent::TimerExpired(changed),
            FamilyEvent::TimerCancelled(TimerCancelled {
                timer_id: "tmr_1".into(),
                revision: 5,
            }),
            FamilyEvent::TimerCompleted(TimerCompleted {
                timer: timer(),
                stars_awarded: 2,
                revision: 6,
            }),
            FamilyEvent::ChoreCompleted(ChoreCompleted {
                chore_id: "chr_1".into(),
                completed_by: "mem_1".into(),
                completed_at: 9,
                completion_id: "cmp_1".into(),
                status: CompletionStatus::Approved,
                day: "2026-12-04".into(),
                revision: 7,
            }),
            FamilyEvent::ChoreUndone(ChoreUndone {
                completion_id: "cmp_1".into(),
                chore_id: "chr_1".into(),
                member_id: "mem_1".into(),
                new_balance: 2,
                last_completion: Some(LastCompletion {
                    completion_id: "cmp_0".into(),
                    completed_by: "mem_2".into(),
                    completed_at: 5,
                }),
                revision: 8,
            }),
            FamilyEvent::StarsUpdated(StarsUpdated {
                member_id: "mem_1".into(),
                new_balance: 3,
                weekly_stars: Some(3),
                revision: 8,
            }),
        ];
        events.extend(settings_events());
        events.extend(reward_events());
        events
    }

    /// One of each approval and reward event, from revision 25 on.
    pub(crate) fn reward_events() -> Vec<FamilyEvent> {
        let decided = |revision| ChoreDecided {
            completion_id: "cmp_2".into(),
            chore_id: "chr_1".into(),
            member_id: "mem_1".into(),
            revision,
        };
        let reward = Reward {
            id: "rwd_1".into(),
            family_id: "fam_1".into(),
            title: "Ice cream".into(),
            cost: 5,
            weekly_limit: Some(2),
            created_at: 10,
            updated_at: 10,
        };
        vec![
            FamilyEvent::ChoreApproved(decided(25)),
            FamilyEvent::ChoreRejected(decided(26)),
            FamilyEvent::RewardAdded(RewardChanged {
                reward: reward.clone(),
                revision: 27,
            }),
            FamilyEvent::RewardUpdated(RewardChanged {
                reward,
                revision: 28,
            }),
            FamilyEvent::RewardRemoved(RewardRemoved {
                reward_id: "rwd_1".into(),
                revision: 29,
            }),
            FamilyEvent::RewardRedeemed(RewardRedeemed {
                redemption: redemption(CompletionStatus::Pending, None),
                revision: 30,
            }),
            FamilyEvent::RewardUndone(RewardUndone {
                redemption_id: "rdm_1".into(),
                reward_id: "rwd_1".into(),
                member_id: "mem_1".into(),
                revision: 31,
            }),
            FamilyEvent::RewardApproved(RewardApproved {
                redemption: redemption(CompletionStatus::Approved, Some("str_9")),
                revision: 32,
            }),
            FamilyEvent::RewardRejected(RewardRejected {
                redemption_id: "rdm_1".into(),
                reward_id: "rwd_1".into(),
                member_id: "mem_1".into(),
                revision: 33,
            }),
        ]
    }

    fn redemption(status: CompletionStatus, entry: Option<&str>) -> Redemption {
        Redemption {
            id: "rdm_1".into(),
            reward_id: "rwd_1".into(),
            member_id: "mem_1".into(),
            title: "Ice cream".into(),
            cost: 5,
            status,
            star_entry_id: entry.map(str::to_owned),
            created_at: 11,
        }
    }

    /// One of each settings event, from revision 9 on.
    pub(crate) fn settings_events() -> Vec<FamilyEvent> {
        let family = Family {
            id: "fam_1".into(),
            name: "Rivera".into(),
            time_zone: "Europe/Madrid".into(),
            has_pin: true,
            chore_approval: crate::ChoreApproval::Parent,
            pin_locked_until: Some(12),
            night: Some(crate::NightHours {
                from: "21:00".into(),
                to: "07:00".into(),
            }),
            revision: 9,
            created_at: 1,
        };
        let member = Member {
            id: "mem_2".into(),
            family_id: "fam_1".into(),
            name: "Leo".into(),
            color: "#17bebb".into(),
            balance: 0,
            created_at: 2,
        };
        let template = Template {
            id: "tpl_1".into(),
            family_id: "fam_1".into(),
            label: "Reading".into(),
            duration_ms: 900_000,
            stars: 2,
            created_at: 3,
            updated_at: 3,
        };
        let chore = Chore {
            id: "chr_2".into(),
            family_id: "fam_1".into(),
            title: "Feed the cat".into(),
            stars: 1,
            member_id: Some("mem_2".into()),
            days: Weekdays::from_iso(&[1, 3, 5]).unwrap(),
            due_today: true,
            last_completion_id: None,
            last_completed_at: None,
            last_completed_by: None,
            created_at: 4,
            updated_at: 4,
        };
        let kiosk = Kiosk {
            id: "ksk_1".into(),
            family_id: "fam_1".into(),
            name: "Kitchen".into(),
            created_at: 5,
            revoked_at: None,
            last_seen_at: Some(6),
        };
        vec![
            FamilyEvent::FamilyUpdated(FamilyUpdated {
                family,
                revision: 9,
            }),
            FamilyEvent::MemberAdded(MemberChanged {
                member: member.clone(),
                revision: 10,
            }),
            FamilyEvent::MemberUpdated(MemberChanged {
                member,
                revision: 11,
            }),
            FamilyEvent::MemberRemoved(MemberRemoved {
                member_id: "mem_2".into(),
                revision: 12,
            }),
            FamilyEvent::TemplateAdded(TemplateChanged {
                template: template.clone(),
                revision: 13,
            }),
            FamilyEvent::TemplateUpdated(TemplateChanged {
                template,
                revision: 14,
            }),
            FamilyEvent::TemplateRemoved(TemplateRemoved {
                template_id: "tpl_1".into(),
                revision: 15,
            }),
            FamilyEvent::ChoreAdded(ChoreChanged {
                chore: chore.clone(),
                revision: 16,
            }),
            FamilyEvent::ChoreUpdated(ChoreChanged {
                chore,
                revision: 17,
            }),
            FamilyEvent::ChoreRemoved(ChoreRemoved {
                chore_id: "chr_2".into(),
                revision: 18,
            }),
            FamilyEvent::ParentAdded(ParentAdded {
                parent: Parent {
                    id: "usr_2".into(),
                    name: "Ben".into(),
                    joined_at: 7,
                },
                revision: 19,
            }),
            FamilyEvent::ParentRemoved(ParentRemoved {
                user_id: "usr_2".into(),
                revision: 20,
            }),
            FamilyEvent::KioskAdded(KioskAdded {
                kiosk,
                revision: 21,
            }),
            FamilyEvent::KioskRevoked(KioskRevoked {
                kiosk_id: "ksk_1".into(),
                revision: 22,
            }),
            FamilyEvent::InviteCreated(InviteCreated {
                invite: PendingInvite {
                    id: "inv_1".into(),
                    created_by: "usr_1".into(),
                    created_at: 8,
                    expires_at: 9,
                },
                revision: 23,
            }),
            FamilyEvent::InviteClosed(InviteClosed {
                invite_id: "inv_1".into(),
                revision: 24,
            }),
            FamilyEvent::PinLocked(PinLocked {
                locked_until: 10,
                kiosk_id: Some("ksk_1".into()),
                revision: 25,
            }),
            FamilyEvent::FamilyResync(FamilyResync { revision: 26 }),
        ]
    }

    #[test]
    fn every_event_reads_back_from_its_name_and_data() {
        let events = every_event();
        // One of each, no more: a new event without a sample fails here.
        let mut names: Vec<&str> = events.iter().map(FamilyEvent::name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FamilyEvent::NAMES.len());
        assert_eq!(events.len(), FamilyEvent::NAMES.len());
        for event in events {
            assert!(FamilyEvent::NAMES.contains(&event.name()));
            let back = FamilyEvent::parse(event.name(), &event.data()).unwrap();
            assert_eq!(back, event);
        }
    }

    #[test]
    fn payloads_are_camel_case_as_documented() {
        let stars = FamilyEvent::StarsUpdated(StarsUpdated {
            member_id: "mem_1".into(),
            new_balance: 3,
            weekly_stars: Some(1),
            revision: 8,
        });
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&stars.data()).unwrap(),
            serde_json::json!({"memberId": "mem_1", "newBalance": 3, "weeklyStars": 1, "revision": 8})
        );
        assert_eq!(
            serde_json::to_value(&stars).unwrap()["event"],
            "stars:updated"
        );
    }

    #[test]
    fn a_reply_keeps_an_event_it_does_not_know() {
        let listed: Vec<ReplyEvent> = serde_json::from_value(serde_json::json!([
            {"event": "stars:updated", "data": {"memberId": "m", "newBalance": 2, "weeklyStars": 2, "revision": 5}},
            {"event": "calendar:added", "data": {"entryId": "c", "revision": 6}},
        ]))
        .unwrap();
        assert!(matches!(&listed[0], ReplyEvent::Known(e) if e.revision() == 5));
        assert!(
            matches!(&listed[1], ReplyEvent::Unknown { event, .. } if event == "calendar:added")
        );
        // Known ones travel exactly as the channel's.
        let known = serde_json::to_value(&listed[0]).unwrap();
        assert_eq!(known["event"], "stars:updated");
    }

    #[test]
    fn unknown_and_malformed_events_say_which() {
        assert_eq!(
            FamilyEvent::parse("calendar:added", r#"{"revision": 12}"#),
            Err(EventError::Unknown {
                name: "calendar:added".into(),
                revision: Some(12)
            })
        );
        assert!(matches!(
            FamilyEvent::parse("timer:cancelled", r#"{"revision": 3}"#),
            Err(EventError::Malformed { .. })
        ));
        assert!(matches!(
            FamilyEvent::parse("timer:cancelled", "not json"),
            Err(EventError::Malformed { .. })
        ));
    }
}
