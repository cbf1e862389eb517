//! The one error type of the HTTP API and the services behind it.
//!
//! Every failure a handler can meet becomes an [`ApiError`]; its
//! `IntoResponse` writes `{"error":{"code","message"},"serverTime"}` with a
//! fitting status. Internal errors (database, I/O) are logged here and never
//! shown to clients; constraint violations become 4xx, because they are the
//! client's doing (a duplicate email, a reference to something gone).

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kinboard_api::{ErrorBody, ErrorCode};
use serde_json::json;
use thiserror::Error;

use crate::clock::now_ms;

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("a valid bearer token is required")]
    Unauthorized,
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("that is not this account's password")]
    WrongPassword,
    #[error("the family's only parent cannot be removed; invite another parent first")]
    LastParent,
    #[error("this chore is not on today's schedule")]
    NotDueToday,
    #[error("this child has done this chore today already")]
    AlreadyDoneToday,
    #[error("it is too late to undo this from this screen; a parent can still undo it")]
    UndoExpired,
    #[error("this was undone already")]
    AlreadyUndone,
    #[error("this entry takes back another; it cannot be undone itself")]
    NotUndoable,
    #[error("this completion is not waiting for a parent")]
    NotPending,
    #[error("this child has had this reward as often as this week allows")]
    RewardLimitReached,
    #[error("{0}")]
    Forbidden(String),
    #[error("this action needs the parent PIN (X-Kinboard-Pin header)")]
    PinRequired,
    #[error("wrong parent PIN")]
    WrongPin,
    #[error("the family has no parent PIN set; a parent can set one")]
    NoPinSet,
    #[error("{message}")]
    TooManyAttempts {
        message: String,
        retry_after: Duration,
    },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("this method is not allowed on this route (the Allow header lists those that are)")]
    MethodNotAllowed,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("this household makes no new accounts; ask a parent for an invite code")]
    SignupClosed,
    #[error("not enough stars: the balance would become {balance}")]
    InsufficientStars { balance: i64 },
    #[error(
        "this Idempotency-Key was already used for a different request; send a new key with a new request"
    )]
    IdempotencyKeyReused,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(message.into())
    }

    /// What a kitchen screen hears when it tries a parent's action.
    pub fn parents_only() -> Self {
        Self::forbidden("a kitchen screen may not do this")
    }

    /// The code clients match on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthorized => ErrorCode::Unauthorized,
            Self::InvalidCredentials | Self::WrongPassword => ErrorCode::InvalidCredentials,
            Self::LastParent => ErrorCode::LastParent,
            Self::NotDueToday => ErrorCode::NotDueToday,
            Self::AlreadyDoneToday => ErrorCode::AlreadyDoneToday,
            Self::UndoExpired => ErrorCode::UndoExpired,
            Self::AlreadyUndone => ErrorCode::AlreadyUndone,
            Self::NotUndoable => ErrorCode::NotUndoable,
            Self::NotPending => ErrorCode::NotPending,
            Self::RewardLimitReached => ErrorCode::RewardLimitReached,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::PinRequired => ErrorCode::PinRequired,
            Self::WrongPin => ErrorCode::WrongPin,
            Self::NoPinSet => ErrorCode::NoPinSet,
            Self::TooManyAttempts { .. } => ErrorCode::TooManyAttempts,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Self::BadRequest(_) => ErrorCode::BadRequest,
            Self::Invalid(_) => ErrorCode::Invalid,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::EmailTaken => ErrorCode::EmailTaken,
            Self::SignupClosed => ErrorCode::SignupClosed,
            Self::InsufficientStars { .. } => ErrorCode::InsufficientStars,
            Self::IdempotencyKeyReused => ErrorCode::IdempotencyKeyReused,
            Self::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            Self::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            Self::Database(e) => match constraint_kind(e) {
                Some(Constraint::Unique) => ErrorCode::Conflict,
                Some(Constraint::Other) => ErrorCode::Invalid,
                None => ErrorCode::Internal,
            },
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn status(&self) -> StatusCode {
        self.code()
            .http_status()
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// What the client is told. Internal details stay in the log.
    fn public_message(&self) -> String {
        match self {
            Self::Database(e) => match constraint_kind(e) {
                Some(Constraint::Unique) => "that already exists".to_owned(),
                Some(Constraint::Other) => {
                    "the request refers to something that does not exist".to_owned()
                }
                None => "internal server error".to_owned(),
            },
            Self::Internal(_) => "internal server error".to_owned(),
            other => other.to_string(),
        }
    }
}

enum Constraint {
    Unique,
    Other,
}

fn constraint_kind(e: &sqlx::Error) -> Option<Constraint> {
    let sqlx::Error::Database(db) = e else {
        return None;
    };
    match db.kind() {
        sqlx::error::ErrorKind::UniqueViolation => Some(Constraint::Unique),
        sqlx::error::ErrorKind::ForeignKeyViolation
        | sqlx::error::ErrorKind::NotNullViolation
        | sqlx::error::ErrorKind::CheckViolation => Some(Constraint::Other),
        _ => None,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let body = json!({
            "error": ErrorBody { code: self.code(), message: self.public_message() },
            "serverTime": now_ms(),
        });
        let mut response = (status, axum::Json(body)).into_response();
        if let Self::TooManyAttempts { retry_after, .. } = &self {
            // Whole seconds, rounded up: never tell a client to come back early.
            let seconds = retry_after.as_millis().div_ceil(1000).max(1);
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_answers_with_its_codes_status() {
        for (error, status) in [
            (ApiError::Unauthorized, 401),
            (ApiError::WrongPin, 403),
            (ApiError::PinRequired, 403),
            (ApiError::InsufficientStars { balance: -1 }, 409),
            (ApiError::NotFound("timer"), 404),
            (ApiError::Internal("boom".into()), 500),
        ] {
            assert_eq!(error.status().as_u16(), status, "{error}");
            assert_eq!(error.code().http_status(), Some(status));
        }
    }

    #[test]
    fn a_lockout_says_when_to_come_back() {
        let response = ApiError::TooManyAttempts {
            message: "too many wrong PINs".into(),
            retry_after: Duration::from_millis(1_500),
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }
}
