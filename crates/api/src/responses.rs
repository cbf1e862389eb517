//! The bodies the server answers with, one type per route. Every reply
//! also carries `serverTime` (ms since epoch), added by the server's
//! reply writer and left out of these types: clients read it from every
//! reply to estimate their clock offset.
//!
//! A mutation's reply says what it did to the family's revision: its
//! `revision` is the family's revision after it, and `events` the events
//! it broadcast, each with its own revision — none when the action was
//! already in effect, two when it moved stars too. A client applies them
//! as it applies the channel's events, and infers nothing.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::events::ReplyEvent;
use crate::model::{
    Chore, Completion, CompletionStatus, Family, FamilyRole, Invite, Kiosk, Member, Pairing,
    Parent, PendingInvite, Redemption, Reward, StarEntry, Template, Timer, User, WeekStars,
    WeeklyStars,
};

/// `POST /api/auth/sign-up` and `sign-in`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionResponse {
    /// The bearer token for every later request.
    pub token: String,
    pub user: User,
}

/// `POST /api/auth/sign-out`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignedOut {
    pub signed_out: bool,
}

/// `GET /api/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MeResponse {
    /// `null` for a kitchen screen's device token.
    pub user: Option<User>,
    pub families: Vec<FamilyRole>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FamilyResponse {
    pub family: Family,
    /// What a change broadcast (none for a read).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<ReplyEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MemberResponse {
    pub member: Member,
    pub revision: i64,
    /// What the change broadcast, as the channel carries it.
    #[serde(default)]
    pub events: Vec<ReplyEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MembersResponse {
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InviteResponse {
    pub invite: Invite,
    pub revision: i64,
    /// What the change broadcast, as the channel carries it.
    #[serde(default)]
    pub events: Vec<ReplyEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AcceptInviteResponse {
    pub family: FamilyRole,
}

/// A kitchen screen's device and its bearer token, shown once (only its
/// hash is stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KioskCreated {
    pub kiosk: Kiosk,
    pub token: String,
    /// `kiosk:added`.
    #[serde(default)]
    pub events: Vec<ReplyEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KiosksResponse {
    pub kiosks: Vec<Kiosk>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KioskResponse {
    pub kiosk: Kiosk,
    /// `kiosk:revoked`, when this revoked it.
    #[serde(default)]
    pub events: Vec<ReplyEvent>,
}

/// `GET /api/families/{familyId}/parents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ParentsResponse {
    pub parents: Vec<Parent>,
}

/// `GET /api/families/{familyId}/invites`: the ones still open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InvitesResponse {
    pub invites: Vec<PendingInvite>,
}

/// `GET /api/tls`: the certificate a server serves HTTPS with, for a
/// device to pin and a person to compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TlsInfo {
    /// SHA-256 of the certificate (DER), lower-case hex.
    pub fingerprint: String,
    /// The fingerprint's first 60 bits as `XXXX-XXXX-XXXX` (Crockford's
    /// base32), to read off one screen and compare with another.
    pub code: String,
}

/// `GET /api/info`: what answers at this address, asked before anything
/// else so that a device can tell a Kinboard household server of a
/// version it speaks from anything else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServerInfo {
    /// Always [`PRODUCT`](crate::PRODUCT).
    pub product: String,
    /// The server's version.
    pub version: String,
    /// The API generation it speaks ([`API_VERSION`](crate::API_VERSION)).
    pub api: u32,
    /// The household's name, for a list of the servers found on the
    /// network (the first family's; none before one exists).
    pub household: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PairingResponse {
    pub pairing: Pairing,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TemplateResponse {
    pub template: Template,
    pub revision: i64,
    /// What the change broadcast, as the channel carries it.
    #[serde(default)]
    pub events: Vec<ReplyEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TemplatesResponse {
    pub templates: Vec<Template>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeletedResponse {
    /// The id of what was deleted.
    pub deleted: String,
    pub revision: i64,
    /// What the change broadcast, as the channel carries it.
    #[serde(default)]
    pub events: Vec<ReplyEvent>,
}

/// Every timer route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TimerResponse {
    /// The timer after the action.
    pub timer: Timer,
    /// The family's revision after the action (unchanged when it was
    /// already in effect).
    pub revision: i64,
    /// What the action broadcast: none when it changed nothing; a
    /// confirmation that awarded stars has two.
    #[serde(default)]
    pub events: Vec<ReplyEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChoreResponse {
    pub chore: Chore,
    pub revision: i64,
    /// What the change broadcast, as the channel carries it.
    #[serde(default)]
    pub events: Vec<ReplyEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChoresResponse {
    pub chores: Vec<Chore>,
}

/// `POST /api/chores/{choreId}/complete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChoreCompletedResponse {
    pub chore_id: String,
    pub completed_by: String,
    /// The completion, for undoing it.
    #[serde(default)]
    pub completion_id: String,
    /// `approved`, or `pending` while it waits for a parent.
    #[serde(default = "crate::responses::approved")]
    pub status: crate::CompletionStatus,
    pub stars_awarded: i64,
    /// The child's balance afterwards.
    pub new_balance: i64,
    pub revision: i64,
    /// `chore:completed`, then `stars:updated` when stars were awarded.
    #[serde(default)]
    pub events: Vec<ReplyEvent>,
}

fn approved() -> crate::CompletionStatus {
    crate::CompletionStatus::Approved
}

/// `POST /api/completions/{completionId}/undo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompletionUndone {
    pub completion_id: String,
    pub chore_id: String,
    pub member_id: String,
    pub status: crate::CompletionStatus,
    /// The child's balance afterwards.
    pub new_balance: i64,
    pub revision: i64,
    /// `chore:undone`, then `stars:updated` when stars moved back.
    #[serde(default)]
    pub events: Vec<ReplyEvent>,
}

/// `POST /api/families/{familyId}/members/{memberId}/stars`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StarsChanged {
    pub member_id: String,
    pub new_balance: i64,
    pub entry: StarEntry,
    pub revision: i64,
    /// `stars:updated`.
    #[serde(default)]
    pub events: Vec<ReplyEvent>,
}

/// `GET /api/families/{familyId}/members/{memberId}/stars`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StarsResponse {
    pub member_id: String,
    pub balance: i64,
    /// Stars earned since Monday 00:00 in the family's time zone.
    pub weekly: i64,
    pub week_start: i64,
    /// The latest 100 ledger entries, newest first.
    pub entries: Vec<StarEntry>,
    /// Stars earned per week, oldest first, ending with this week
    /// (`?weeks=`, 12 unless asked, at most 104).
    #[serde(default)]
    pub per_week: Vec<WeekStars>,
}

/// One of a parent's signed-in sessions, as `GET /api/sessions` lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    /// Names the session for ending it (never its token).
    pub id: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// The session this request came with.
    pub current: bool,
}

/// `GET /api/sessions`: the caller's sessions still open, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionsResponse {
    pub sessions: Vec<SessionInfo>,
}

/// `DELETE /api/sessions/{id}` and `POST /api/auth/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionsEnded {
    /// How many sessions ended (their tokens work no more, their sockets
    /// are closed).
    pub ended: i64,
}

/// `POST /api/completions/{completionId}/approve` and `…/reject`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompletionDecided {
    pub completion_id: String,
    pub chore_id: String,
    pub member_id: String,
    /// `approved` or `rejected`.
    pub status: CompletionStatus,
    pub stars_awarded: i64,
    /// The child's balance afterwards.
    pub new_balance: i64,
    pub revision: i64,
    /// `chore:approved` then `stars:updated`, or `chore:rejected`.
    #[serde(default)]
    pub events: Vec<ReplyEvent>,
}

/// `POST /api/star-entries/{entryId}/undo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StarEntryUndone {
    pub member_id: String,
    pub new_balance: i64,
    /// The new entry that reverses the undone one.
    pub entry: StarEntry,
    pub revision: i64,
    /// `stars:updated`, after `chore:undone` or `reward:undone` when the
    /// entry was a chore's or a reward's.
    #[serde(default)]
    pub events: Vec<ReplyEvent>,
}

/// `POST /api/redemptions/{redemptionId}/approve` and `…/reject`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RedemptionDecided {
    pub redemption_id: String,
    pub member_id: String,
    /// `approved` or `rejected`.
    pub status: CompletionStatus,
    /// The child's balance afterwards.
    pub new_balance: i64,
    pub revision: i64,
    /// `reward:approved` then `stars:updated`, or `reward:rejected`.
    #[serde(default)]
    pub events: Vec<ReplyEvent>,
}

/// `GET /api/families/{familyId}/rewards`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RewardsResponse {
    pub rewards: Vec<Reward>,
}

/// A reward added or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RewardResponse {
    pub reward: Reward,
    pub revision: i64,
    #[serde(default)]
    pub events: Vec<ReplyEvent>,
}

/// `POST /api/rewards/{rewardId}/redeem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RedeemResponse {
    pub redemption_id: String,
    /// `approved`: the stars are spent; `pending`: a parent decides.
    pub status: CompletionStatus,
    pub redemption: Redemption,
    /// The entry that holds the stars (undo it within 10 s on this
    /// screen); none while it waits for a parent.
    pub entry: Option<StarEntry>,
    pub new_balance: i64,
    pub revision: i64,
    /// `reward:redeemed`, then `stars:updated` when stars were spent.
    #[serde(default)]
    pub events: Vec<ReplyEvent>,
}

/// `GET /api/families/{familyId}/dashboard`: everything a screen shows,
/// read in one transaction so the revision and the data agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    /// The family revision this snapshot reflects; apply events above it.
    pub revision: i64,
    pub family: Family,
    pub members: Vec<Member>,
    pub templates: Vec<Template>,
    /// Running, paused, and expired-but-unconfirmed timers.
    pub active_timers: Vec<Timer>,
    pub chores: Vec<Chore>,
    pub weekly_stars: Vec<WeeklyStars>,
    /// What the family settings show.
    #[serde(default)]
    pub parents: Vec<Parent>,
    /// Every kitchen screen not revoked.
    #[serde(default)]
    pub kiosks: Vec<Kiosk>,
    /// Invites still open (never their codes).
    #[serde(default)]
    pub invites: Vec<PendingInvite>,
    /// Today's completions that count, and every one still waiting for a
    /// parent.
    #[serde(default)]
    pub completions: Vec<Completion>,
    /// The catalogue.
    #[serde(default)]
    pub rewards: Vec<Reward>,
    /// This week's redemptions that count, and every one waiting for a
    /// parent, oldest first.
    #[serde(default)]
    pub redemptions: Vec<Redemption>,
}

/// How a Pusher-protocol client reaches the family channel's server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    #[serde(alias = "ws")]
    Http,
    #[serde(alias = "wss")]
    Https,
}

impl Scheme {
    /// `http`/`ws` or `https`/`wss`, any case.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "http" | "ws" => Some(Self::Http),
            "https" | "wss" => Some(Self::Https),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }

    pub fn is_tls(self) -> bool {
        self == Self::Https
    }

    pub fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }
}

/// `GET /api/realtime`: where the Pusher-protocol server is, and where to
/// authorise the family channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RealtimeResponse {
    pub key: String,
    /// Pusher's cloud.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// A self-hosted or embedded relay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<Scheme>,
    /// Absolute URL of `POST /api/pusher/auth`.
    pub auth_endpoint: String,
    /// Absolute URL of `POST /api/pusher/user-auth`, where a connection
    /// signs its device in (`pusher:signin`) so that the server can end
    /// that device's connections when its access ends. Given for Pusher's
    /// cloud and self-hosted engines; the embedded relay closes them
    /// itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_auth_endpoint: Option<String>,
}

/// `POST /api/pusher/user-auth`: the `pusher:signin` a connection sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub struct PusherUserAuthResponse {
    /// `key:signature` of `socket_id::user::user_data`.
    pub auth: String,
    /// `{"id": …}`: the device, as the Pusher engine knows it.
    pub user_data: String,
}

/// `POST /api/pusher/auth`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PusherAuthResponse {
    /// `key:signature`.
    pub auth: String,
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
}
