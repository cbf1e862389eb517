//! The one error type of the HTTP API and the services behind it.
//!
//! Every failure a handler can meet becomes an [`ApiError`]; its
//! `IntoResponse` writes `{"error":{"code","message"},"serverTime"}` with a
//! fitting status. Internal errors (database, I/O) are logged here and never
//! shown to clients; constraint violations become 4xx, because they are the
//! client's doing (a duplicate email, a reference to something gone).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use thiserror::Error;

use crate::clock::now_ms;

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("a valid bearer token is required")]
    Unauthorized,
    #[error("wrong email or password")]
    BadCredentials,
    #[error("{0}")]
    Forbidden(String),
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
    #[error(
        "this Idempotency-Key was already used for a different request; send a new key with a new request"
    )]
    IdempotencyKeyReused,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("{0}")]
    TooManyRequests(String),
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

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized | Self::BadCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Database(e) => match constraint_kind(e) {
                Some(Constraint::Unique) => StatusCode::CONFLICT,
                Some(Constraint::Other) => StatusCode::UNPROCESSABLE_ENTITY,
                None => StatusCode::INTERNAL_SERVER_ERROR,
            },
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::BadCredentials => "bad_credentials",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::BadRequest(_) => "bad_request",
            Self::Invalid(_) => "invalid",
            Self::Conflict(_) => "conflict",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::TooManyRequests(_) => "too_many_requests",
            Self::Database(e) => match constraint_kind(e) {
                Some(Constraint::Unique) => "conflict",
                Some(Constraint::Other) => "invalid",
                None => "internal",
            },
            Self::Internal(_) => "internal",
        }
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
            "error": { "code": self.code(), "message": self.public_message() },
            "serverTime": now_ms(),
        });
        (status, axum::Json(body)).into_response()
    }
}
