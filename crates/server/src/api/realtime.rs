//! Realtime for clients: `POST /api/pusher/auth` authorises a socket for
//! exactly its own family's private channel, and `GET /api/realtime` tells
//! a client where and how to connect, so no client has settings baked in.

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Caller, family_access};
use crate::config::{RealtimeConfig, Scheme};
use crate::error::ApiError;
use crate::http::{ApiForm, Reply};
use crate::state::AppState;
use pusher_protocol::{ChannelName, SocketId};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/pusher/auth", post(pusher_auth))
        .route("/api/realtime", get(realtime))
}

/// The channel prefix a family id follows.
pub const FAMILY_CHANNEL_PREFIX: &str = "private-family-";

#[derive(Debug, Deserialize, ToSchema)]
pub struct PusherAuthForm {
    pub socket_id: Option<String>,
    pub channel_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PusherAuthResponse {
    /// `key:signature`.
    pub auth: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RealtimeResponse {
    pub key: String,
    /// Pusher's cloud.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// A self-hosted or embedded relay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<Scheme>,
    /// Absolute URL of `POST /api/pusher/auth`.
    pub auth_endpoint: String,
}

/// Authorises a socket for `private-family-{familyId}` of a family the
/// caller belongs to.
#[utoipa::path(post, path = "/api/pusher/auth", tag = "realtime",
    request_body(content = PusherAuthForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = PusherAuthResponse), (status = 400, description = "malformed socket_id"),
        (status = 401), (status = 403, description = "not a channel of the caller's families")),
    security(("bearer" = [])))]
pub async fn pusher_auth(
    State(state): State<AppState>,
    caller: Caller,
    ApiForm(form): ApiForm<PusherAuthForm>,
) -> Result<Reply, ApiError> {
    let socket_id = form
        .socket_id
        .ok_or_else(|| ApiError::BadRequest("socket_id is required".into()))?;
    let socket_id = SocketId::parse(socket_id)
        .map_err(|e| ApiError::BadRequest(format!("malformed socket_id: {e}")))?;
    let channel = form.channel_name.unwrap_or_default();
    let refused = || ApiError::forbidden("not allowed to subscribe to this channel");
    let family_id = channel
        .strip_prefix(FAMILY_CHANNEL_PREFIX)
        .filter(|id| !id.is_empty())
        .ok_or_else(refused)?;
    let name = ChannelName::parse(channel.as_str()).map_err(|_| refused())?;
    // Exactly one of the caller's families, found by its whole id: a prefix
    // or an id with extra characters names no family and is refused.
    family_access(&state, &caller, family_id)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => refused(),
            other => other,
        })?;
    let auth = state.app.authorize_channel(&socket_id, &name, None);
    Reply::ok(PusherAuthResponse { auth: auth.auth })
}

/// How to connect: key plus host/port/scheme (embedded or self-hosted
/// relay) or cluster (Pusher's cloud), and the auth endpoint.
#[utoipa::path(get, path = "/api/realtime", tag = "realtime",
    responses((status = 200, body = RealtimeResponse)))]
pub async fn realtime(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Reply, ApiError> {
    let public = state.public_base(&headers);
    let auth_endpoint = format!("{}/api/pusher/auth", public.as_str().trim_end_matches('/'));
    let key = state.app.key.clone();
    let response = match &state.realtime {
        RealtimeConfig::Embedded => RealtimeResponse {
            key,
            cluster: None,
            host: public.host_str().map(str::to_owned),
            port: public.port_or_known_default(),
            scheme: Scheme::parse(public.scheme()),
            auth_endpoint,
        },
        RealtimeConfig::PusherCloud { cluster } => RealtimeResponse {
            key,
            cluster: Some(cluster.clone()),
            host: None,
            port: None,
            scheme: None,
            auth_endpoint,
        },
        RealtimeConfig::SelfHosted { host, port, scheme } => RealtimeResponse {
            key,
            cluster: None,
            host: Some(host.clone()),
            port: Some(*port),
            scheme: Some(*scheme),
            auth_endpoint,
        },
    };
    Reply::ok(response)
}
