//! HTTP plumbing shared by every resource module: the JSON reply that
//! always carries `serverTime`, body extractors whose rejections speak the
//! API's error format, and the small header extractors (`X-Kinboard-Pin`,
//! `Idempotency-Key`).

use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::clock::now_ms;
use crate::error::ApiError;

/// A JSON reply: the body's fields plus `serverTime`, so every response
/// lets a client estimate its clock offset.
pub struct Reply {
    status: StatusCode,
    body: serde_json::Value,
}

impl Reply {
    pub fn ok(body: impl Serialize) -> Result<Self, ApiError> {
        Self::with_status(StatusCode::OK, body)
    }

    pub fn created(body: impl Serialize) -> Result<Self, ApiError> {
        Self::with_status(StatusCode::CREATED, body)
    }

    pub fn with_status(status: StatusCode, body: impl Serialize) -> Result<Self, ApiError> {
        let body = serde_json::to_value(body).map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(Self { status, body })
    }

    /// A stored reply (an idempotent replay).
    pub fn from_stored(status: u16, body: &str) -> Result<Self, ApiError> {
        let status = StatusCode::from_u16(status).map_err(|e| ApiError::Internal(e.to_string()))?;
        let body = serde_json::from_str(body).map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(Self { status, body })
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The body without `serverTime`, as stored for idempotent replays.
    pub fn body_text(&self) -> String {
        self.body.to_string()
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut body = self.body;
        if let serde_json::Value::Object(map) = &mut body {
            map.insert("serverTime".into(), now_ms().into());
        }
        (self.status, axum::Json(body)).into_response()
    }
}

/// `axum::Json` whose rejections are [`ApiError`]s with a clear message.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
            "expected a request with Content-Type: application/json".into(),
        ),
        JsonRejection::JsonSyntaxError(e) => {
            ApiError::BadRequest(format!("malformed JSON: {}", e.body_text()))
        }
        JsonRejection::JsonDataError(e) => {
            ApiError::Invalid(format!("invalid request body: {}", e.body_text()))
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        other => ApiError::BadRequest(other.body_text()),
    }
}

/// `axum::Form` with the API's error format.
pub struct ApiForm<T>(pub T);

impl<S, T> FromRequest<S> for ApiForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(Self(value)),
            Err(FormRejection::InvalidFormContentType(_)) => Err(ApiError::UnsupportedMediaType(
                "expected Content-Type: application/x-www-form-urlencoded".into(),
            )),
            // Over the body limit is the client's size problem, not a
            // malformed form: the same 413 as for JSON.
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge)
            }
            Err(rejection) => Err(ApiError::BadRequest(rejection.body_text())),
        }
    }
}

/// The parent PIN a kiosk sends with actions that need it.
pub struct PinHeader(pub Option<String>);

pub const PIN_HEADER: &str = "x-kinboard-pin";

impl<S: Send + Sync> FromRequestParts<S> for PinHeader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(header_text(parts, PIN_HEADER)?))
    }
}

/// `Idempotency-Key`: a retry carrying the same key replays the first reply.
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let key = header_text(parts, "idempotency-key")?;
        if let Some(k) = &key
            && (k.is_empty() || k.len() > 200)
        {
            return Err(ApiError::BadRequest(
                "Idempotency-Key must be 1 to 200 characters".into(),
            ));
        }
        Ok(Self(key))
    }
}

fn header_text(parts: &Parts, name: &str) -> Result<Option<String>, ApiError> {
    parts
        .headers
        .get(name)
        .map(|v| {
            v.to_str()
                .map(str::to_owned)
                .map_err(|_| ApiError::BadRequest(format!("header {name} is not text")))
        })
        .transpose()
}
