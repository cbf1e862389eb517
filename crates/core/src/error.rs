//! The crate's one error type, [`CoreError`], and how it reaches the UI:
//! a code from the closed list of [`ErrorCode`]s (the server's, passed on
//! as it sent it, or the core's own for failures that never reached a
//! server) plus a message for people, serialised as `{code, message}`
//! (with `retryAfter` when the server said when to try again, and the
//! certificate seen when one was refused).

use kinboard_api::ErrorCode;
use kinboard_api::certificate::check_code;
use serde::ser::SerializeStruct;
use thiserror::Error;

/// Everything the core's calls can fail with.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum CoreError {
    /// No answer: connection refused or reset, DNS, TLS.
    #[error("the server is unreachable: {0}")]
    Network(String),
    #[error("the server took too long to answer")]
    Timeout,
    /// The server answered with an error (`{"error":{"code","message"}}`).
    #[error("{message}")]
    Api {
        status: u16,
        code: ErrorCode,
        message: String,
        /// When to try again (`Retry-After`, seconds), when the server said.
        retry_after: Option<u64>,
    },
    /// The server answered something this client does not understand.
    #[error("unexpected reply from the server: {0}")]
    Decode(String),
    #[error("not signed in")]
    NotSignedIn,
    #[error("this account belongs to no family")]
    NoFamily,
    #[error("invalid server address: {0}")]
    InvalidUrl(String),
    #[error("credential store: {0}")]
    Credentials(String),
    #[error("the dashboard has shut down")]
    Closed,
    /// Hosting the household on this computer failed: the reason, which
    /// the page puts in its own sentence.
    #[error("{0}")]
    Host(String),
    /// Something answers at that address, but not a Kinboard server.
    #[error("{0}")]
    NotKinboard(String),
    /// A Kinboard server this version cannot talk to.
    #[error("{0}")]
    Incompatible(String),
    /// A file could not be written on this computer (an export).
    #[error("could not save the file: {0}")]
    Save(String),
    /// The server's certificate is one this screen has never trusted:
    /// first contact, to be confirmed by a person comparing check codes.
    #[error(
        "this household server's certificate is new to this screen: trust it only if a parent's screen shows the check code {}",
        check_code(fingerprint)
    )]
    CertificateUnconfirmed { fingerprint: String },
    /// The server shows another certificate than the pinned one; nothing
    /// was sent to it.
    #[error(
        "the household server's certificate has changed (this screen trusts {}, the server shows {}): something on the network may be standing in for it, so nothing was sent",
        check_code(expected),
        check_code(found)
    )]
    CertificateChanged { expected: String, found: String },
    /// A household server that speaks plain HTTP, found on the network.
    #[error("{0}")]
    Unencrypted(String),
}

impl CoreError {
    /// What a kitchen screen hears when it asks for a parent's action: the
    /// server would refuse its token too, but it need not be asked.
    pub(crate) fn parents_only() -> Self {
        Self::Api {
            status: 403,
            code: ErrorCode::Forbidden,
            message: "only a parent's screen can do this".into(),
            retry_after: None,
        }
    }

    /// The code the UI matches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Network(_) => ErrorCode::Network,
            Self::Timeout => ErrorCode::Timeout,
            Self::Api { code, .. } => *code,
            Self::Decode(_) => ErrorCode::BadReply,
            Self::NotSignedIn => ErrorCode::NotSignedIn,
            Self::NoFamily => ErrorCode::NoFamily,
            Self::InvalidUrl(_) => ErrorCode::InvalidAddress,
            // The supervisor falls back to memory instead: this never
            // reaches the page as such.
            Self::Credentials(_) => ErrorCode::Internal,
            Self::Closed => ErrorCode::Internal,
            Self::Host(_) => ErrorCode::HostFailed,
            Self::NotKinboard(_) => ErrorCode::NotKinboard,
            Self::Incompatible(_) => ErrorCode::IncompatibleServer,
            Self::Save(_) => ErrorCode::SaveFailed,
            Self::CertificateUnconfirmed { .. } => ErrorCode::CertificateUnconfirmed,
            Self::CertificateChanged { .. } => ErrorCode::CertificateChanged,
            Self::Unencrypted(_) => ErrorCode::Unencrypted,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether trying the same request again (with the same idempotency key)
    /// may succeed: the request may not have arrived, or the server was
    /// briefly unable to answer.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Network(_) | Self::Timeout => true,
            Self::Api { status, .. } => matches!(status, 502..=504),
            _ => false,
        }
    }

    /// The session is no longer valid: the shell should sign out.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Self::NotSignedIn) || self.code() == ErrorCode::Unauthorized
    }
}

impl serde::Serialize for CoreError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let retry_after = match self {
            Self::Api { retry_after, .. } => *retry_after,
            _ => None,
        };
        let certificate = match self {
            Self::CertificateUnconfirmed { fingerprint: found }
            | Self::CertificateChanged { found, .. } => Some(CertificateSeen {
                code: check_code(found),
                fingerprint: found.clone(),
            }),
            _ => None,
        };
        let mut s = serializer.serialize_struct("CoreError", 4)?;
        s.serialize_field("code", &self.code())?;
        s.serialize_field("message", &self.to_string())?;
        if let Some(seconds) = retry_after {
            s.serialize_field("retryAfter", &seconds)?;
        } else {
            s.skip_field("retryAfter")?;
        }
        if let Some(certificate) = certificate {
            s.serialize_field("certificate", &certificate)?;
        } else {
            s.skip_field("certificate")?;
        }
        s.end()
    }
}

/// The certificate a server showed, in a certificate error: its
/// fingerprint (to trust it with) and its check code (to compare).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct CertificateSeen {
    pub fingerprint: String,
    pub code: String,
}

impl From<reqwest::Error> for CoreError {
    fn from(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            Self::Timeout
        } else if e.is_decode() {
            Self::Decode(e.to_string())
        } else {
            Self::Network(e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: ErrorCode, message: &str) -> CoreError {
        CoreError::Api {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    #[test]
    fn serialises_as_code_and_message() {
        let json = serde_json::to_value(api(404, ErrorCode::NotFound, "timer not found")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "not_found", "message": "timer not found"})
        );
        let json = serde_json::to_value(CoreError::Network("connection refused".into())).unwrap();
        assert_eq!(json["code"], "network");
        let locked = CoreError::Api {
            status: 429,
            code: ErrorCode::TooManyAttempts,
            message: "too many wrong PINs".into(),
            retry_after: Some(42),
        };
        assert_eq!(
            serde_json::to_value(locked).unwrap(),
            serde_json::json!({"code": "too_many_attempts", "message": "too many wrong PINs", "retryAfter": 42})
        );
    }

    #[test]
    fn the_servers_code_is_passed_on_whatever_the_message_says() {
        // A message that reads like another code changes nothing.
        assert_eq!(
            api(403, ErrorCode::Forbidden, "wrong parent PIN").code(),
            ErrorCode::Forbidden
        );
        assert_eq!(
            api(403, ErrorCode::WrongPin, "anything").code(),
            ErrorCode::WrongPin
        );
        assert_eq!(
            CoreError::Decode("not JSON".into()).code(),
            ErrorCode::BadReply
        );
    }

    #[test]
    fn only_transport_failures_and_gateway_errors_are_retried() {
        assert!(CoreError::Timeout.is_retryable());
        assert!(CoreError::Network("reset".into()).is_retryable());
        assert!(api(503, ErrorCode::Network, "x").is_retryable());
        assert!(!api(409, ErrorCode::Conflict, "x").is_retryable());
        assert!(!api(500, ErrorCode::Internal, "x").is_retryable());
        assert!(api(401, ErrorCode::Unauthorized, "x").is_unauthorized());
        assert!(!api(401, ErrorCode::InvalidCredentials, "x").is_unauthorized());
    }
}
