//! The bodies clients send, one type per route that takes one. Fields are
//! camelCase; unknown fields are refused, so a typo is an error rather
//! than silently ignored.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /api/auth/sign-up`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignUpRequest {
    pub email: String,
    /// At least 8 characters.
    pub password: String,
    pub name: String,
    /// An open invite's code: where sign-up is closed (once a household
    /// has its first parent), only a parent-to-be with one may make an
    /// account. The invite is accepted separately.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_code: Option<String>,
}

/// `POST /api/auth/sign-in`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
}

/// `POST /api/families`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateFamilyRequest {
    pub name: String,
    /// IANA time zone, default `UTC`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// `PATCH /api/families/{familyId}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateFamilyRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// `"auto"` or `"parent"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chore_approval: Option<crate::ChoreApproval>,
    /// When kitchen screens dim, or `null` for never; left out, it stays.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<crate::NightHours>)]
    pub night: Option<Option<crate::NightHours>>,
}

/// `POST /api/families/{familyId}/members`: a child's profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemberRequest {
    pub name: String,
    /// `#rrggbb`; a palette colour when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

/// `PATCH /api/members/{memberId}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateMemberRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

/// `PUT /api/families/{familyId}/pin`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct PinRequest {
    /// 4 to 8 digits.
    pub pin: String,
    /// When the family has a PIN already, the caller proves they may
    /// change it with the current PIN or their account password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_pin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// `POST /api/families/{familyId}/kiosks` and `…/kiosk-pairings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KioskRequest {
    /// What the kitchen screen is called ("Kitchen").
    pub name: String,
}

/// `POST /api/kiosk-pairings/claim`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// As shown on the parent's screen; case, spaces and the dash do not matter.
    pub code: String,
}

/// `POST /api/families/{familyId}/templates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TemplateRequest {
    pub label: String,
    /// 1 s to 24 h.
    pub duration_seconds: i64,
    #[serde(default)]
    pub stars: i64,
}

/// `PATCH /api/templates/{templateId}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateTemplateRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stars: Option<i64>,
}

/// `POST /api/families/{familyId}/chores`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChoreRequest {
    pub title: String,
    #[serde(default)]
    pub stars: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    /// ISO days of the week it is due (1 = Monday … 7 = Sunday); left out
    /// or empty, every day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<Vec<i64>>,
}

/// `PATCH /api/chores/{choreId}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateChoreRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stars: Option<i64>,
    /// A child's id, or `null` for any child; left out, it stays.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub member_id: Option<Option<String>>,
    /// The days it is due (`[]` for every day); left out, they stay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<Vec<i64>>,
}

/// A field that may be left out (`None`), or sent as `null`
/// (`Some(None)`) to clear what it names.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `POST /api/chores/{choreId}/complete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompleteChoreRequest {
    /// The child who did it.
    pub member_id: String,
}

/// `POST /api/families/{familyId}/members/{memberId}/stars`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StarsRequest {
    /// Positive adds, negative removes; never 0, at most 1000 either way.
    pub amount: i64,
    pub reason: String,
}

/// `POST /api/families/{familyId}/timers`: from a template, or one-off
/// with a label, a length and stars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartTimerRequest {
    pub member_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stars: Option<i64>,
}

impl StartTimerRequest {
    pub fn from_template(member_id: &str, template_id: &str) -> Self {
        Self {
            member_id: member_id.to_owned(),
            template_id: Some(template_id.to_owned()),
            label: None,
            duration_seconds: None,
            stars: None,
        }
    }

    pub fn one_off(member_id: &str, label: &str, duration_seconds: i64, stars: i64) -> Self {
        Self {
            member_id: member_id.to_owned(),
            template_id: None,
            label: Some(label.to_owned()),
            duration_seconds: Some(duration_seconds),
            stars: Some(stars),
        }
    }
}

/// `POST /api/timers/{timerId}/extend`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendRequest {
    /// 1 s to 24 h; the timer may not end up with more than 24 h left.
    pub seconds: i64,
}

/// `POST /api/pusher/auth`, a form as Pusher's clients send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PusherAuthForm {
    pub socket_id: Option<String>,
    pub channel_name: Option<String>,
}

/// `POST /api/pusher/user-auth`, a form as Pusher's clients send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PusherUserAuthForm {
    pub socket_id: Option<String>,
}

/// `POST /api/families/{familyId}/rewards`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RewardRequest {
    pub title: String,
    /// Stars it costs, 1 to 1,000.
    pub cost: i64,
    /// Times per child per week, 1 to 100; left out, no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekly_limit: Option<i64>,
}

/// `PATCH /api/rewards/{rewardId}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateRewardRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<i64>,
    /// A limit, or `null` for none; left out, it stays.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub weekly_limit: Option<Option<i64>>,
}

/// `POST /api/rewards/{rewardId}/redeem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RedeemRequest {
    /// The child spending their stars.
    pub member_id: String,
}

/// `POST /api/auth/password`: every other session ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}
