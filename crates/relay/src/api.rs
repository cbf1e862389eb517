//! The HTTP API under `/apps/{app_id}`: trigger and batch-trigger events,
//! and query channels and presence users, every request verified with the
//! app's signature. Answers are shaped as pusher-http-node expects; errors
//! are plain text with the reason, as Pusher's are.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use pusher_protocol::names::MAX_BATCH_EVENTS;
use pusher_protocol::{ChannelKind, ChannelName, NameError, RequestAuthError, SocketId};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use thiserror::Error;

use crate::Shared;
use crate::publish::{self, PublishError, PublishEvent};
use crate::registry::ChannelStats;

/// Why an API request failed; each maps to a status and a plain-text reason.
#[derive(Debug, Error)]
pub(crate) enum ApiError {
    #[error("{0}")]
    Unauthorized(#[from] RequestAuthError),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    NotFound(String),
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
        }
    }
}

impl From<PublishError> for ApiError {
    fn from(e: PublishError) -> Self {
        if e.is_too_large() {
            Self::TooLarge(e.to_string())
        } else {
            Self::BadRequest(e.to_string())
        }
    }
}

impl From<NameError> for ApiError {
    fn from(e: NameError) -> Self {
        PublishError::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status == StatusCode::UNAUTHORIZED {
            tracing::debug!(error = %self, "API request refused");
        }
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{self}\n"),
        )
            .into_response()
    }
}

/// A request that passed the signature check: its decoded query and body.
struct Verified {
    query: Vec<(String, String)>,
    body: Bytes,
}

impl Verified {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The attributes asked for with `info=a,b`.
    fn info(&self) -> Info {
        Info::parse(self.param("info"))
    }

    fn json<T: for<'de> Deserialize<'de>>(&self) -> Result<T, ApiError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| ApiError::BadRequest(format!("request body is not valid: {e}")))
    }
}

/// Reads the body (bounded in size and time), then checks the app id and
/// the signature over the method, the path, the URL-decoded query and the
/// body.
async fn verify(
    shared: &Shared,
    method: &str,
    app_id: &str,
    uri: &axum::http::Uri,
    body: Body,
) -> Result<Verified, ApiError> {
    let app = &shared.config.app;
    if app_id != app.app_id {
        return Err(ApiError::NotFound(format!("unknown app id {app_id:?}")));
    }
    let body = read_body(shared, body).await?;
    let query: Vec<(String, String)> = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    app.verify_request(method, uri.path(), &query, &body, now)?;
    Ok(Verified { query, body })
}

async fn read_body(shared: &Shared, body: Body) -> Result<Bytes, ApiError> {
    let max = shared.config.max_http_body_bytes;
    let deadline = tokio::time::Instant::now() + shared.config.http_body_timeout;
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    loop {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .map_err(|_| ApiError::BadRequest("timed out reading the request body".into()))?;
        let Some(chunk) = chunk else { break };
        let chunk = chunk
            .map_err(|e| ApiError::BadRequest(format!("could not read the request body: {e}")))?;
        if buf.len() + chunk.len() > max {
            return Err(ApiError::TooLarge(format!(
                "request body is over the limit of {max} bytes"
            )));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.into())
}

/// Which channel attributes a request asked for.
#[derive(Debug, Clone, Copy, Default)]
struct Info {
    user_count: bool,
    subscription_count: bool,
}

impl Info {
    fn parse(text: Option<&str>) -> Self {
        let mut info = Self::default();
        for attribute in text.unwrap_or_default().split(',').map(str::trim) {
            match attribute {
                "user_count" => info.user_count = true,
                "subscription_count" => info.subscription_count = true,
                _ => {}
            }
        }
        info
    }

    fn any(self) -> bool {
        self.user_count || self.subscription_count
    }

    /// The attributes of one channel, as the API reports them.
    fn attributes(self, stats: ChannelStats) -> Map<String, Value> {
        let mut map = Map::new();
        if self.user_count
            && let Some(users) = stats.user_count
        {
            map.insert("user_count".into(), users.into());
        }
        if self.subscription_count {
            map.insert("subscription_count".into(), stats.subscription_count.into());
        }
        map
    }
}

/// The `data` of an event: a string, as the libraries send it; any other
/// JSON value is taken as its JSON text.
fn data_text(data: Value) -> String {
    match data {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

#[derive(Deserialize)]
struct TriggerBody {
    name: String,
    data: Value,
    #[serde(default)]
    channels: Option<Vec<String>>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    socket_id: Option<String>,
    #[serde(default)]
    info: Option<String>,
}

impl TriggerBody {
    fn into_event(self) -> Result<(PublishEvent, Info), ApiError> {
        let names = match (self.channels, self.channel) {
            (Some(channels), _) => channels,
            (None, Some(channel)) => vec![channel],
            (None, None) => {
                return Err(ApiError::BadRequest(
                    "an event needs channels or channel".into(),
                ));
            }
        };
        let channels = names
            .into_iter()
            .map(ChannelName::parse)
            .collect::<Result<Vec<_>, _>>()?;
        let socket_id = self.socket_id.map(SocketId::parse).transpose()?;
        let event = PublishEvent {
            channels,
            name: self.name,
            data: data_text(self.data),
            socket_id,
        };
        publish::validate(&event)?;
        Ok((event, Info::parse(self.info.as_deref())))
    }
}

/// The `channels` answer of a trigger that asked for `info`.
fn trigger_info(shared: &Shared, event: &PublishEvent, info: Info) -> Map<String, Value> {
    event
        .channels
        .iter()
        .map(|channel| {
            let stats = shared
                .registry
                .channel_stats(channel.as_str())
                .unwrap_or(ChannelStats {
                    subscription_count: 0,
                    user_count: (channel.kind() == ChannelKind::Presence).then_some(0),
                });
            (channel.to_string(), Value::Object(info.attributes(stats)))
        })
        .collect()
}

/// `POST /apps/{app_id}/events`
pub(crate) async fn trigger(
    State(shared): State<Arc<Shared>>,
    Path(app_id): Path<String>,
    OriginalUri(uri): OriginalUri,
    body: Body,
) -> Result<Response, ApiError> {
    let request = verify(&shared, "POST", &app_id, &uri, body).await?;
    let (event, info) = request.json::<TriggerBody>()?.into_event()?;
    publish::fan_out(&shared.registry, &event);
    let reply = if info.any() {
        json!({ "channels": trigger_info(&shared, &event, info) })
    } else {
        json!({})
    };
    Ok(Json(reply).into_response())
}

#[derive(Deserialize)]
struct BatchBody {
    batch: Vec<TriggerBody>,
}

/// `POST /apps/{app_id}/batch_events`: all events are checked before any
/// is sent.
pub(crate) async fn batch(
    State(shared): State<Arc<Shared>>,
    Path(app_id): Path<String>,
    OriginalUri(uri): OriginalUri,
    body: Body,
) -> Result<Response, ApiError> {
    let request = verify(&shared, "POST", &app_id, &uri, body).await?;
    let batch = request.json::<BatchBody>()?.batch;
    if batch.len() > MAX_BATCH_EVENTS {
        return Err(ApiError::BadRequest(format!(
            "a batch may hold at most {MAX_BATCH_EVENTS} events; this one holds {}",
            batch.len()
        )));
    }
    let events = batch
        .into_iter()
        .map(TriggerBody::into_event)
        .collect::<Result<Vec<_>, _>>()?;
    for (event, _) in &events {
        publish::fan_out(&shared.registry, event);
    }
    let reply = if events.iter().any(|(_, info)| info.any()) {
        let items: Vec<Value> = events
            .iter()
            .map(|(event, info)| {
                // One channel per batch item; report its attributes flat.
                trigger_info(&shared, event, *info)
                    .into_iter()
                    .next()
                    .map_or_else(|| json!({}), |(_, v)| v)
            })
            .collect();
        json!({ "batch": items })
    } else {
        json!({})
    };
    Ok(Json(reply).into_response())
}

/// `GET /apps/{app_id}/channels[?filter_by_prefix=…&info=user_count]`
pub(crate) async fn channels(
    State(shared): State<Arc<Shared>>,
    Path(app_id): Path<String>,
    OriginalUri(uri): OriginalUri,
    body: Body,
) -> Result<Response, ApiError> {
    let request = verify(&shared, "GET", &app_id, &uri, body).await?;
    let prefix = request.param("filter_by_prefix").unwrap_or_default();
    let info = request.info();
    if info.user_count && !prefix.starts_with("presence-") {
        return Err(ApiError::BadRequest(
            "info=user_count may only be asked for presence channels (filter_by_prefix=presence-)"
                .into(),
        ));
    }
    let list: BTreeMap<String, Value> = shared
        .registry
        .channels(prefix)
        .into_iter()
        .map(|(name, stats)| (name, Value::Object(info.attributes(stats))))
        .collect();
    Ok(Json(json!({ "channels": list })).into_response())
}

/// `GET /apps/{app_id}/channels/{channel}[?info=user_count,subscription_count]`
pub(crate) async fn channel(
    State(shared): State<Arc<Shared>>,
    Path((app_id, name)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    body: Body,
) -> Result<Response, ApiError> {
    let request = verify(&shared, "GET", &app_id, &uri, body).await?;
    let channel = ChannelName::parse(name)?;
    let info = request.info();
    let presence = channel.kind() == ChannelKind::Presence;
    if info.user_count && !presence {
        return Err(ApiError::BadRequest(format!(
            "info=user_count may only be asked for presence channels, not {channel}"
        )));
    }
    let stats = shared.registry.channel_stats(channel.as_str());
    let mut reply = Map::new();
    reply.insert("occupied".into(), stats.is_some().into());
    let stats = stats.unwrap_or(ChannelStats {
        subscription_count: 0,
        user_count: presence.then_some(0),
    });
    reply.extend(info.attributes(stats));
    Ok(Json(Value::Object(reply)).into_response())
}

/// `GET /apps/{app_id}/channels/{channel}/users`: presence channels only.
pub(crate) async fn users(
    State(shared): State<Arc<Shared>>,
    Path((app_id, name)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    body: Body,
) -> Result<Response, ApiError> {
    verify(&shared, "GET", &app_id, &uri, body).await?;
    let channel = ChannelName::parse(name)?;
    if channel.kind() != ChannelKind::Presence {
        return Err(ApiError::BadRequest(format!(
            "users are only listed for presence channels, not {channel}"
        )));
    }
    let users: Vec<Value> = shared
        .registry
        .users(channel.as_str())
        .into_iter()
        .map(|id| json!({ "id": id }))
        .collect();
    Ok(Json(json!({ "users": users })).into_response())
}

/// `POST /apps/{app_id}/users/{user_id}/terminate_connections`: closes
/// every socket signed in as that user with 4009 (its access ended: the
/// client does not reconnect on its own), after the frames already queued
/// for it — what it was told last reaches it first.
pub(crate) async fn terminate_connections(
    State(shared): State<Arc<Shared>>,
    Path((app_id, user_id)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    body: Body,
) -> Result<Response, ApiError> {
    verify(&shared, "POST", &app_id, &uri, body).await?;
    let sockets = shared.registry.connections_of(&user_id);
    tracing::info!(user = %user_id, sockets = sockets.len(), "ending a user's connections");
    for conn in sockets {
        shared.end_connection(conn, pusher_protocol::close_code::UNAUTHORIZED);
    }
    Ok(Json(json!({})).into_response())
}
