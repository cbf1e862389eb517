//! `/api/realtime` and `/api/pusher/auth`: where the Pusher-protocol
//! server is, and authorising the family channel for a socket.

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::routing::{get, post};
use kinboard_api::{
    ErrorReply, PusherAuthForm, PusherAuthResponse, PusherUserAuthForm, PusherUserAuthResponse,
    RealtimeResponse,
};

use crate::domain::access::Caller;
use crate::domain::realtime;
use crate::error::ApiError;
use crate::http::{ApiForm, Reply, bearer};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/pusher/auth", post(pusher_auth))
        .route("/api/pusher/user-auth", post(pusher_user_auth))
        .route("/api/realtime", get(realtime))
}

/// Authorises a socket for `private-family-{familyId}` of a family the
/// caller belongs to.
#[utoipa::path(post, path = "/api/pusher/auth", tag = "realtime",
    request_body(content = PusherAuthForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = PusherAuthResponse), (status = 400, description = "malformed socket_id", body = ErrorReply),
        (status = 401, body = ErrorReply), (status = 403, description = "not a channel of the caller's families", body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn pusher_auth(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    ApiForm(form): ApiForm<PusherAuthForm>,
) -> Result<Reply, ApiError> {
    // The token the socket is let in on: ending it closes the socket.
    let token = bearer(&parts).ok_or(ApiError::Unauthorized)?;
    Reply::ok(
        realtime::authorize_channel(&state, &caller, token, form.socket_id, form.channel_name)
            .await?,
    )
}

/// Signs a socket's device in (`pusher:signin`), so that a Pusher engine
/// can be told to end that device's connections when its access ends.
#[utoipa::path(post, path = "/api/pusher/user-auth", tag = "realtime",
    request_body(content = PusherUserAuthForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = PusherUserAuthResponse), (status = 400, description = "malformed socket_id", body = ErrorReply),
        (status = 401, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn pusher_user_auth(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    ApiForm(form): ApiForm<PusherUserAuthForm>,
) -> Result<Reply, ApiError> {
    let token = bearer(&parts).ok_or(ApiError::Unauthorized)?;
    Reply::ok(realtime::authenticate_user(&state, &caller, token, form.socket_id).await?)
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
    Reply::ok(realtime::connection_details(&state, &public))
}
