//! The crate's one error type, [`CoreError`], and how it reaches the UI: a
//! short stable `code` (the vocabulary of `ui/js/errors.js`) plus a message,
//! serialised as `{code, message}`.

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
        code: String,
        message: String,
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
    #[error("unknown command {0}")]
    UnknownCommand(String),
    #[error("invalid arguments for {command}: {message}")]
    InvalidArguments { command: String, message: String },
    #[error("the dashboard has shut down")]
    Closed,
}

impl CoreError {
    /// The stable code the UI maps to a sentence.
    pub fn code(&self) -> &str {
        match self {
            Self::Network(_) => "network",
            Self::Timeout => "timeout",
            Self::Api { code, message, .. } => api_code(code, message),
            Self::Decode(_) => "server",
            Self::NotSignedIn => "unauthorized",
            Self::NoFamily => "not_found",
            Self::InvalidUrl(_) | Self::InvalidArguments { .. } => "invalid",
            Self::Credentials(_) | Self::UnknownCommand(_) | Self::Closed => "internal",
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
        matches!(self, Self::NotSignedIn) || self.status() == Some(401)
    }
}

/// The server's codes, refined where the UI has a better sentence. The
/// server says `forbidden` for both a missing and a wrong parent PIN; the
/// UI distinguishes them, so the message decides.
fn api_code<'a>(code: &'a str, message: &str) -> &'a str {
    match code {
        "bad_credentials" => "invalid_credentials",
        "forbidden" if message.contains("wrong parent PIN") => "wrong_pin",
        "forbidden" if message.contains("needs the parent PIN") => "pin_required",
        other => other,
    }
}

impl serde::Serialize for CoreError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("CoreError", 2)?;
        s.serialize_field("code", self.code())?;
        s.serialize_field("message", &self.to_string())?;
        s.end()
    }
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

    fn api(status: u16, code: &str, message: &str) -> CoreError {
        CoreError::Api {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    #[test]
    fn serialises_as_code_and_message() {
        let json = serde_json::to_value(api(404, "not_found", "timer not found")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "not_found", "message": "timer not found"})
        );
        let json = serde_json::to_value(CoreError::Network("connection refused".into())).unwrap();
        assert_eq!(json["code"], "network");
    }

    #[test]
    fn pin_errors_get_their_own_codes() {
        assert_eq!(
            api(403, "forbidden", "wrong parent PIN").code(),
            "wrong_pin"
        );
        assert_eq!(
            api(
                403,
                "forbidden",
                "this action needs the parent PIN (X-Kinboard-Pin header)"
            )
            .code(),
            "pin_required"
        );
        assert_eq!(
            api(403, "forbidden", "a kiosk may not do this").code(),
            "forbidden"
        );
        assert_eq!(
            api(401, "bad_credentials", "wrong email or password").code(),
            "invalid_credentials"
        );
    }

    #[test]
    fn only_transport_failures_and_gateway_errors_are_retried() {
        assert!(CoreError::Timeout.is_retryable());
        assert!(CoreError::Network("reset".into()).is_retryable());
        assert!(api(503, "unavailable", "x").is_retryable());
        assert!(!api(409, "conflict", "x").is_retryable());
        assert!(!api(500, "internal", "x").is_retryable());
        assert!(api(401, "unauthorized", "x").is_unauthorized());
    }
}
