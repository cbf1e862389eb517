//! What a rejected command gives the webview: `{code, message}`, with the
//! codes of `ui/js/errors.js` — the core's own for its errors, and a few
//! for the shell's (`server` when the embedded server cannot start).

use kinboard_core::CoreError;
use kinboard_core::kinboard_api::ErrorCode;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct CommandError {
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
}

impl CommandError {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl From<CoreError> for CommandError {
    fn from(e: CoreError) -> Self {
        Self {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_keep_their_code_and_serialise_as_the_ui_expects() {
        let e = CommandError::from(CoreError::NotSignedIn);
        assert_eq!(e.code, ErrorCode::NotSignedIn);
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "not_signed_in", "message": "not signed in"})
        );
        let e = CommandError::from(CoreError::Network("connection refused".into()));
        assert_eq!(e.code, ErrorCode::Network);
    }
}
