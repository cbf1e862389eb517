//! HTTP plumbing shared by every handler: the JSON reply that always
//! carries `serverTime`, the bearer-token extractor ([`Caller`]), body
//! extractors whose rejections speak the API's error format, the
//! `X-Kinboard-Pin` header, and [`IdempotentJson`]: a JSON body with its
//! `Idempotency-Key` and a fingerprint of the request the key was sent
//! with, and the client's address ([`ClientAddr`]) that rate limits count.

use axum::body::Bytes;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use kinboard_api::{IDEMPOTENCY_HEADER, PIN_HEADER};

use crate::clock::now_ms;
use crate::domain::access::authenticate;
use crate::error::ApiError;
use crate::principal::Caller;
use crate::revision::IdempotencyKey;
use crate::state::AppState;

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

    pub fn status(&self) -> StatusCode {
        self.status
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

/// The bearer token of a request, if it has one.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or(ApiError::Unauthorized)?;
        authenticate(state, token).await
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
        let (parts, body) = req.into_parts();
        require_json(&parts.headers)?;
        let bytes = read_body(Request::from_parts(parts, body), state).await?;
        parse_json(&bytes).map(Self)
    }
}

/// 415 unless the request says it carries JSON.
fn require_json(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    if is_json(headers) {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(
            "expected a request with Content-Type: application/json".into(),
        ))
    }
}

/// The whole body, within the route's limit (413 beyond it).
async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest(rejection.body_text())
        }
    })
}

/// A JSON body read into `T`, with the API's errors; a NUL character in
/// any string is refused first (PostgreSQL's text cannot hold it, and no
/// name or note needs it).
fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if has_nul(bytes) {
        return Err(ApiError::invalid(
            "text may not contain NUL characters (\\u0000)",
        ));
    }
    axum::Json::<T>::from_bytes(bytes)
        .map(|axum::Json(value)| value)
        .map_err(|rejection| json_rejection(&rejection))
}

/// `application/json`, or any `application/…+json`, as axum takes them.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Whether a JSON text carries a NUL character: the escape `\u0000` after
/// an odd number of backslashes (an even number is a backslash itself).
fn has_nul(json: &[u8]) -> bool {
    json.windows(6).enumerate().any(|(i, w)| {
        w.eq_ignore_ascii_case(b"\\u0000")
            && json[..i].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 0
    })
}

/// Refuses a path that carries a NUL character (`%00`): no id has one,
/// and PostgreSQL's text cannot hold it.
pub async fn refuse_nul_in_path(request: Request, next: axum::middleware::Next) -> Response {
    let path = request.uri().path();
    if path
        .as_bytes()
        .windows(3)
        .any(|w| w.eq_ignore_ascii_case(b"%00"))
    {
        return ApiError::NotFound("route").into_response();
    }
    next.run(request).await
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

/// The address a request comes from, as rate limits count it (see
/// [`crate::throttle::client_address`]).
pub struct ClientAddr(pub std::net::IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0);
        Ok(Self(crate::throttle::client_address(
            &state.access,
            peer,
            &parts.headers,
        )))
    }
}

/// The parent PIN a kiosk sends with actions that need it.
pub struct PinHeader(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for PinHeader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(header_text(parts, PIN_HEADER)?))
    }
}

/// [`ApiJson`] plus the request's `Idempotency-Key`, if it has one: what
/// the non-idempotent actions (start, extend, stars, complete) extract.
pub struct IdempotentJson<T> {
    pub idempotency: Option<IdempotencyKey>,
    pub body: T,
}

impl<S, T> FromRequest<S> for IdempotentJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let Some(key) = idempotency_key(&parts)? else {
            let ApiJson(body) =
                ApiJson::from_request(Request::from_parts(parts, body), state).await?;
            return Ok(Self {
                idempotency: None,
                body,
            });
        };
        // Read once: the body is both parsed and fingerprinted.
        require_json(&parts.headers)?;
        let bytes = read_body(Request::from_parts(parts.clone(), body), state).await?;
        let body = parse_json(&bytes)?;
        Ok(Self {
            idempotency: Some(IdempotencyKey {
                key,
                fingerprint: request_fingerprint(&parts.method, parts.uri.path(), &bytes),
            }),
            body,
        })
    }
}

fn idempotency_key(parts: &Parts) -> Result<Option<String>, ApiError> {
    let key = header_text(parts, IDEMPOTENCY_HEADER)?;
    if let Some(k) = &key
        && (k.is_empty() || k.len() > 200)
    {
        return Err(ApiError::BadRequest(
            "Idempotency-Key must be 1 to 200 characters".into(),
        ));
    }
    Ok(key)
}

/// What identifies a request for idempotency. The body counts as canonical
/// JSON (keys sorted, no whitespace), so a retry that encodes the same
/// values differently is still the same request.
pub fn request_fingerprint(method: &Method, path: &str, body: &[u8]) -> String {
    let body = serde_json::from_slice(body).map_or_else(
        |_| String::from_utf8_lossy(body).into_owned(),
        |value| canonical_json(value).to_string(),
    );
    let mut hash = Sha256::new();
    for part in [method.as_str(), path, &body] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hex::encode(hash.finalize())
}

/// `value` with every object's keys in sorted order (whatever order
/// serde_json's map keeps, it keeps the insertion order or sorts).
fn canonical_json(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, canonical_json(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical_json).collect()),
        other => other,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_follow_the_request_not_its_encoding() {
        let post =
            |path: &str, body: &str| request_fingerprint(&Method::POST, path, body.as_bytes());
        let a = post("/api/x", r#"{"a":1,"b":{"c":[1,2],"d":"e"}}"#);
        assert_eq!(
            a,
            post("/api/x", r#"{ "b": { "d": "e", "c": [1, 2] }, "a": 1 }"#)
        );
        assert_ne!(a, post("/api/x", r#"{"a":2,"b":{"c":[1,2],"d":"e"}}"#));
        assert_ne!(a, post("/api/x", r#"{"a":1,"b":{"c":[2,1],"d":"e"}}"#));
        assert_ne!(a, post("/api/y", r#"{"a":1,"b":{"c":[1,2],"d":"e"}}"#));
        assert_ne!(
            a,
            request_fingerprint(
                &Method::PUT,
                "/api/x",
                br#"{"a":1,"b":{"c":[1,2],"d":"e"}}"#
            )
        );
    }
}
