//! `/api/auth/*`, `/api/sessions` and `/api/me`: sign-up, sign-in,
//! sign-out, changing the password, a parent's sessions and ending them,
//! and who the caller is.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::routing::{delete, get, post};
use kinboard_api::{
    ChangePasswordRequest, ErrorReply, MeResponse, SessionResponse, SessionsEnded,
    SessionsResponse, SignInRequest, SignUpRequest, SignedOut,
};

use crate::domain::access::Caller;
use crate::domain::accounts;
use crate::error::ApiError;
use crate::http::{ApiJson, ClientAddr, Reply, bearer};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/sign-up", post(sign_up))
        .route("/api/auth/sign-in", post(sign_in))
        .route("/api/auth/sign-out", post(sign_out))
        .route("/api/auth/password", post(change_password))
        .route("/api/sessions", get(list_sessions))
        .route("/api/sessions/{session_id}", delete(end_session))
        .route("/api/me", get(me))
}

/// Changes the password; every other session of the account ends.
#[utoipa::path(post, path = "/api/auth/password", tag = "accounts", request_body = ChangePasswordRequest,
    responses((status = 200, body = SessionsEnded), (status = 401, description = "not the current password", body = ErrorReply),
        (status = 403, description = "kitchen screens have no password", body = ErrorReply), (status = 422, body = ErrorReply),
        (status = 429, description = "too many wrong passwords for this account; Retry-After says when to try again", body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> Result<Reply, ApiError> {
    let token = bearer(&parts).ok_or(ApiError::Unauthorized)?;
    Reply::ok(accounts::change_password(&state, &caller, token, req).await?)
}

/// The caller's sessions still open (never their tokens).
#[utoipa::path(get, path = "/api/sessions", tag = "accounts",
    responses((status = 200, body = SessionsResponse), (status = 401, body = ErrorReply), (status = 403, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn list_sessions(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
) -> Result<Reply, ApiError> {
    let token = bearer(&parts).ok_or(ApiError::Unauthorized)?;
    Reply::ok(accounts::list_sessions(&state, &caller, token).await?)
}

/// Ends one of the caller's sessions: its token works no more, its
/// sockets close.
#[utoipa::path(delete, path = "/api/sessions/{sessionId}", tag = "accounts",
    params(("sessionId" = String, Path)),
    responses((status = 200, body = SessionsEnded), (status = 401, body = ErrorReply), (status = 404, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn end_session(
    State(state): State<AppState>,
    caller: Caller,
    Path(session_id): Path<String>,
) -> Result<Reply, ApiError> {
    Reply::ok(accounts::end_session(&state, &caller, &session_id).await?)
}

/// Creates an account and signs it in.
#[utoipa::path(post, path = "/api/auth/sign-up", tag = "accounts", request_body = SignUpRequest,
    responses((status = 201, body = SessionResponse),
        (status = 403, description = "sign-up is closed: this household has its first parent, and no open invite code came with the request", body = ErrorReply),
        (status = 404, description = "the invite code is unknown, used, revoked or expired", body = ErrorReply),
        (status = 409, description = "email taken", body = ErrorReply),
        (status = 422, body = ErrorReply),
        (status = 429, description = "too many wrong invite codes from this address", body = ErrorReply)))]
pub async fn sign_up(
    State(state): State<AppState>,
    ClientAddr(from): ClientAddr,
    ApiJson(req): ApiJson<SignUpRequest>,
) -> Result<Reply, ApiError> {
    Reply::created(accounts::sign_up(&state, req, from).await?)
}

/// Signs in with email and password.
#[utoipa::path(post, path = "/api/auth/sign-in", tag = "accounts", request_body = SignInRequest,
    responses((status = 200, body = SessionResponse), (status = 401, description = "wrong email or password", body = ErrorReply),
        (status = 429, description = "too many wrong passwords for this account, or failures from this address; Retry-After says when to try again", body = ErrorReply)))]
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(from): ClientAddr,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<Reply, ApiError> {
    Reply::ok(accounts::sign_in(&state, &req.email, req.password, from).await?)
}

/// Revokes the session whose token the request carries (a kitchen
/// screen's token: that kitchen screen, unpaired).
#[utoipa::path(post, path = "/api/auth/sign-out", tag = "accounts",
    responses((status = 200, body = SignedOut), (status = 401, body = ErrorReply)), security(("bearer" = [])))]
pub async fn sign_out(State(state): State<AppState>, parts: Parts) -> Result<Reply, ApiError> {
    let token = bearer(&parts).ok_or(ApiError::Unauthorized)?;
    accounts::sign_out(&state, token).await?;
    Reply::ok(SignedOut { signed_out: true })
}

/// The caller and every family they belong to, with their role in each.
#[utoipa::path(get, path = "/api/me", tag = "accounts",
    responses((status = 200, body = MeResponse), (status = 401, body = ErrorReply)), security(("bearer" = [])))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<Reply, ApiError> {
    Reply::ok(accounts::me(&state, &caller).await?)
}
