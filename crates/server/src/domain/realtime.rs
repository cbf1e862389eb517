//! The family channel's side of the realtime connection: which channel a
//! caller may subscribe to, signed for its socket (and noted, to close it
//! when that access ends), and where clients find the Pusher-protocol
//! server.

use kinboard_api::events::FAMILY_CHANNEL_PREFIX;
use kinboard_api::{PusherAuthResponse, PusherUserAuthResponse, RealtimeResponse, Scheme};
use pusher_protocol::{ChannelName, SocketId};

use crate::config::RealtimeConfig;
use crate::domain::access::{Caller, family_access};
use crate::error::ApiError;
use crate::ids::token_hash;
use crate::sockets::Grant;
use crate::state::AppState;

/// Authorises `socket_id` for `private-family-{familyId}` of a family the
/// caller belongs to; every other channel is refused. The grant is kept
/// (`state.sockets`), so that the socket can be closed when `token` or the
/// caller's access to the family ends.
pub async fn authorize_channel(
    state: &AppState,
    caller: &Caller,
    token: &str,
    socket_id: Option<String>,
    channel: Option<String>,
) -> Result<PusherAuthResponse, ApiError> {
    let socket_id =
        socket_id.ok_or_else(|| ApiError::BadRequest("socket_id is required".into()))?;
    let socket_id = SocketId::parse(socket_id)
        .map_err(|e| ApiError::BadRequest(format!("malformed socket_id: {e}")))?;
    let channel = channel.unwrap_or_default();
    let refused = || ApiError::forbidden("not allowed to subscribe to this channel");
    let family_id = channel
        .strip_prefix(FAMILY_CHANNEL_PREFIX)
        .filter(|id| !id.is_empty())
        .ok_or_else(refused)?;
    let name = ChannelName::parse(channel.as_str()).map_err(|_| refused())?;
    // Exactly one of the caller's families, found by its whole id: a prefix
    // or an id with extra characters names no family and is refused.
    family_access(state, caller, family_id)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => refused(),
            other => other,
        })?;
    let auth = state.app.authorize_channel(&socket_id, &name, None);
    state.sockets.record(Grant {
        socket_id: socket_id.as_str().to_owned(),
        family_id: family_id.to_owned(),
        token_hash: token_hash(token),
        caller: caller.clone(),
    });
    // Noted first, checked again after: access that ended meanwhile either
    // found the grant to close, or is seen here (the checks above may have
    // read a cache from before it ended).
    if !still_allowed(state, caller, token, family_id).await? {
        state.sockets.forget(socket_id.as_str(), family_id);
        return Err(ApiError::Unauthorized);
    }
    Ok(PusherAuthResponse { auth: auth.auth })
}

/// Signs a socket's device in for Pusher's user authentication: the user
/// it names ([`crate::sockets::pusher_user_id`]) is what the engine is
/// told to disconnect when that device's access ends.
pub async fn authenticate_user(
    state: &AppState,
    caller: &Caller,
    token: &str,
    socket_id: Option<String>,
) -> Result<PusherUserAuthResponse, ApiError> {
    let socket_id =
        socket_id.ok_or_else(|| ApiError::BadRequest("socket_id is required".into()))?;
    let socket_id = SocketId::parse(socket_id)
        .map_err(|e| ApiError::BadRequest(format!("malformed socket_id: {e}")))?;
    let user_data = serde_json::json!({
        "id": crate::sockets::pusher_user_id(caller, &token_hash(token)),
    })
    .to_string();
    let signed = state.app.authenticate_user(&socket_id, &user_data);
    Ok(PusherUserAuthResponse {
        auth: signed.auth,
        user_data: signed.user_data,
    })
}

/// Whether `caller`'s access to `family_id` on `token` still holds, read
/// from the database itself.
async fn still_allowed(
    state: &AppState,
    caller: &Caller,
    token: &str,
    family_id: &str,
) -> Result<bool, ApiError> {
    let (allowed,): (i64,) = match caller {
        Caller::User { user_id } => sqlx::query_as(
            "SELECT COUNT(*) FROM sessions s JOIN memberships m ON m.user_id = s.user_id \
             WHERE s.token_hash = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > $3 \
             AND m.family_id = $4",
        )
        .bind(token_hash(token))
        .bind(user_id)
        .bind(crate::clock::now_ms())
        .bind(family_id)
        .fetch_one(&state.db.writer)
        .await?,
        Caller::Kiosk { kiosk_id, .. } => sqlx::query_as(
            "SELECT COUNT(*) FROM kiosks WHERE id = $1 AND family_id = $2 AND revoked_at IS NULL",
        )
        .bind(kiosk_id)
        .bind(family_id)
        .fetch_one(&state.db.writer)
        .await?,
    };
    Ok(allowed > 0)
}

/// How to connect: key plus host/port/scheme (embedded or self-hosted
/// relay) or cluster (Pusher's cloud), and the auth endpoint, for a
/// client that reached this server at `public`.
pub fn connection_details(state: &AppState, public: &url::Url) -> RealtimeResponse {
    let base = public.as_str().trim_end_matches('/');
    let auth_endpoint = format!("{base}/api/pusher/auth");
    let user_auth_endpoint = Some(format!("{base}/api/pusher/user-auth"));
    let key = state.app.key.clone();
    match &state.realtime {
        RealtimeConfig::Embedded => RealtimeResponse {
            key,
            cluster: None,
            host: public.host_str().map(str::to_owned),
            port: public.port_or_known_default(),
            scheme: Scheme::parse(public.scheme()),
            auth_endpoint,
            // It closes an ended device's sockets itself.
            user_auth_endpoint: None,
        },
        RealtimeConfig::PusherCloud { cluster } => RealtimeResponse {
            key,
            cluster: Some(cluster.clone()),
            host: None,
            port: None,
            scheme: None,
            auth_endpoint,
            user_auth_endpoint,
        },
        RealtimeConfig::SelfHosted { host, port, scheme } => RealtimeResponse {
            key,
            cluster: None,
            host: Some(host.clone()),
            port: Some(*port),
            scheme: Some(*scheme),
            auth_endpoint,
            user_auth_endpoint,
        },
    }
}
