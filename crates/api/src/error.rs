//! The error codes, as data: [`ErrorCode`] is the closed list of every
//! code a Kinboard client can be handed, serialised as a stable snake_case
//! string, and [`ErrorReply`] the body the server sends with it
//! (`{"error": {"code", "message"}}`).
//!
//! The server sends the first group; the desktop core adds the second for
//! failures that never reached a server (an unreachable address, a reply
//! it cannot read). Clients match the code, never the message: the message
//! is a sentence for people and may change.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Why something failed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // ---- sent by the server
    /// No valid bearer token: missing, expired, revoked or unknown (401).
    Unauthorized,
    /// Wrong email or password (401).
    InvalidCredentials,
    /// The caller may not do this here, e.g. a kitchen screen changing
    /// family settings (403).
    Forbidden,
    /// A kitchen screen must send the parent PIN for this action (403).
    PinRequired,
    /// The parent PIN sent was not the family's (403).
    WrongPin,
    /// The family has no parent PIN yet, so a kitchen screen cannot do
    /// what needs one (403).
    NoPinSet,
    /// This household makes no more accounts: further parents join with
    /// an invite code (403).
    SignupClosed,
    /// Too many wrong tries in a row; `Retry-After` says when to try again (429).
    TooManyAttempts,
    /// The thing does not exist, or belongs to another family (404).
    NotFound,
    /// The route exists but not with this method; `Allow` lists those it has (405).
    MethodNotAllowed,
    /// The body is not the JSON (or form) the route takes (400).
    BadRequest,
    /// A field's value is not acceptable; the message says which and why (422).
    Invalid,
    /// The request contradicts the current state, e.g. pausing a timer
    /// that has run out (409).
    Conflict,
    /// An account with this email exists already (409).
    EmailTaken,
    /// Removing these stars would take the balance below zero (409).
    InsufficientStars,
    /// The family's only parent cannot be removed (409).
    LastParent,
    /// The chore is not on today's schedule in the family's time zone (409).
    NotDueToday,
    /// This child has done this chore today already (409).
    AlreadyDoneToday,
    /// The undo window for this screen has passed; a parent can still undo (403).
    UndoExpired,
    /// Already undone (or never counted: rejected) (409).
    AlreadyUndone,
    /// An undo entry: it is itself the taking back of another (409).
    NotUndoable,
    /// The completion or redemption is not waiting for a parent: approved,
    /// rejected or undone already (409).
    NotPending,
    /// This child has had this reward as often as its weekly limit allows (409).
    RewardLimitReached,
    /// This `Idempotency-Key` was sent before with a different request (422).
    IdempotencyKeyReused,
    /// The body's content type is not JSON (or a form, where one is taken) (415).
    UnsupportedMediaType,
    /// The body is larger than the route accepts (413).
    PayloadTooLarge,
    /// The server failed; the details are in its log, not in the reply (500).
    Internal,

    // ---- raised by the desktop core
    /// No answer from the server: refused, reset, no route, DNS or TLS.
    Network,
    /// The server did not answer in time.
    Timeout,
    /// The server answered something this app cannot read (another
    /// program on that address, or another version of Kinboard).
    BadReply,
    /// No one is signed in on this screen.
    NotSignedIn,
    /// The account belongs to no family yet.
    NoFamily,
    /// Something answers at that address, but not a Kinboard household
    /// server.
    NotKinboard,
    /// A Kinboard server of an API generation this app does not speak.
    IncompatibleServer,
    /// A server address that is not `http(s)://host[:port]`.
    InvalidAddress,
    /// This computer could not host the household server (its port is
    /// taken, say).
    HostFailed,
    /// A file could not be saved on this computer.
    SaveFailed,
    /// The server's certificate is not one this screen knows: it is the
    /// first contact with this household server, and a person compares the
    /// error's check code with the one a parent's screen shows before
    /// trusting it.
    CertificateUnconfirmed,
    /// The server shows another certificate than the one this screen
    /// trusted before: something may stand in for it on the network.
    /// Refused; nothing was sent.
    CertificateChanged,
    /// A household server found on the network that speaks plain HTTP:
    /// passwords, tokens and the PIN would cross the network readable.
    Unencrypted,
}

impl ErrorCode {
    /// Every code, in declaration order (for documentation and for the
    /// page's list of sentences).
    pub fn all() -> impl Iterator<Item = Self> {
        <Self as strum::IntoEnumIterator>::iter()
    }

    /// The code as it travels.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden => "forbidden",
            Self::PinRequired => "pin_required",
            Self::WrongPin => "wrong_pin",
            Self::NoPinSet => "no_pin_set",
            Self::SignupClosed => "signup_closed",
            Self::TooManyAttempts => "too_many_attempts",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::BadRequest => "bad_request",
            Self::Invalid => "invalid",
            Self::Conflict => "conflict",
            Self::EmailTaken => "email_taken",
            Self::InsufficientStars => "insufficient_stars",
            Self::LastParent => "last_parent",
            Self::NotDueToday => "not_due_today",
            Self::AlreadyDoneToday => "already_done_today",
            Self::UndoExpired => "undo_expired",
            Self::AlreadyUndone => "already_undone",
            Self::NotUndoable => "not_undoable",
            Self::NotPending => "not_pending",
            Self::RewardLimitReached => "reward_limit_reached",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Internal => "internal",
            Self::Network => "network",
            Self::Timeout => "timeout",
            Self::BadReply => "bad_reply",
            Self::NotSignedIn => "not_signed_in",
            Self::NoFamily => "no_family",
            Self::NotKinboard => "not_kinboard",
            Self::IncompatibleServer => "incompatible_server",
            Self::InvalidAddress => "invalid_address",
            Self::HostFailed => "host_failed",
            Self::SaveFailed => "save_failed",
            Self::CertificateUnconfirmed => "certificate_unconfirmed",
            Self::CertificateChanged => "certificate_changed",
            Self::Unencrypted => "unencrypted",
        }
    }

    /// The HTTP status the server answers this code with; `None` for the
    /// codes only the desktop core raises.
    pub fn http_status(self) -> Option<u16> {
        Some(match self {
            Self::Unauthorized | Self::InvalidCredentials => 401,
            Self::Forbidden
            | Self::PinRequired
            | Self::WrongPin
            | Self::NoPinSet
            | Self::SignupClosed
            | Self::UndoExpired => 403,
            Self::TooManyAttempts => 429,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::BadRequest => 400,
            Self::Invalid | Self::IdempotencyKeyReused => 422,
            Self::Conflict
            | Self::EmailTaken
            | Self::InsufficientStars
            | Self::LastParent
            | Self::NotDueToday
            | Self::AlreadyDoneToday
            | Self::AlreadyUndone
            | Self::NotUndoable
            | Self::NotPending
            | Self::RewardLimitReached => 409,
            Self::UnsupportedMediaType => 415,
            Self::PayloadTooLarge => 413,
            Self::Internal => 500,
            Self::Network
            | Self::Timeout
            | Self::BadReply
            | Self::NotSignedIn
            | Self::NoFamily
            | Self::NotKinboard
            | Self::IncompatibleServer
            | Self::InvalidAddress
            | Self::HostFailed
            | Self::SaveFailed
            | Self::CertificateUnconfirmed
            | Self::CertificateChanged
            | Self::Unencrypted => return None,
        })
    }

    /// Whether the server sends this code (the others are the core's own).
    pub fn is_sent_by_server(self) -> bool {
        self.http_status().is_some()
    }

    /// The code for an error reply in the API's format whose code this
    /// version does not know (a newer server's): the nearest by status.
    pub fn for_status(status: u16) -> Self {
        match status {
            400 => Self::BadRequest,
            401 => Self::Unauthorized,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            409 => Self::Conflict,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            422 => Self::Invalid,
            429 => Self::TooManyAttempts,
            502..=504 => Self::Network,
            _ => Self::Internal,
        }
    }

    /// The code for an error reply that is not the API's at all (another
    /// program's page on that address, a proxy's): the server is not what
    /// answered, so its status says nothing about the request — except a
    /// gateway that could not reach the server.
    pub fn for_foreign_reply(status: u16) -> Self {
        match status {
            502..=504 => Self::Network,
            _ => Self::BadReply,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `{"error": {"code", "message"}}`, the body of every error reply (plus
/// `serverTime`, as on every reply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorReply {
    pub error: ErrorBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// A sentence for people; never matched by clients.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_travels_as_its_own_name() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::all() {
            assert!(seen.insert(code.as_str()), "{code} spelt twice");
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, serde_json::Value::String(code.as_str().into()));
            let back: ErrorCode = serde_json::from_value(json).unwrap();
            assert_eq!(back, code);
        }
        assert_eq!(seen.len(), ErrorCode::all().count());
    }

    #[test]
    fn server_codes_have_a_status_and_client_codes_none() {
        assert_eq!(ErrorCode::WrongPin.http_status(), Some(403));
        assert_eq!(ErrorCode::TooManyAttempts.http_status(), Some(429));
        assert!(ErrorCode::Internal.is_sent_by_server());
        assert!(!ErrorCode::Network.is_sent_by_server());
        assert!(!ErrorCode::BadReply.is_sent_by_server());
    }

    #[test]
    fn an_unknown_code_is_judged_by_its_status_and_a_foreign_reply_is_a_bad_reply() {
        assert_eq!(ErrorCode::for_status(401), ErrorCode::Unauthorized);
        assert_eq!(ErrorCode::for_status(503), ErrorCode::Network);
        assert_eq!(ErrorCode::for_status(500), ErrorCode::Internal);
        // Another web server's 404 page, a proxy's 401: not Kinboard's word.
        assert_eq!(ErrorCode::for_foreign_reply(404), ErrorCode::BadReply);
        assert_eq!(ErrorCode::for_foreign_reply(401), ErrorCode::BadReply);
        assert_eq!(ErrorCode::for_foreign_reply(502), ErrorCode::Network);
    }

    #[test]
    fn an_unknown_code_does_not_parse() {
        let body = r#"{"error":{"code":"teapot","message":"short and stout"}}"#;
        assert!(serde_json::from_str::<ErrorReply>(body).is_err());
    }
}
