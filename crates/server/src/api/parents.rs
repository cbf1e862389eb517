//! `/api/families/{id}/parents` and `/api/…/invites`: who the parents
//! are, removing one, and inviting another.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{delete, get, post};
use kinboard_api::{
    AcceptInviteResponse, DeletedResponse, ErrorReply, InviteResponse, InvitesResponse,
    ParentsResponse,
};

use crate::domain::access::{Caller, family_access};
use crate::domain::parents;
use crate::error::ApiError;
use crate::http::{ClientAddr, Reply};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/families/{family_id}/parents", get(list_parents))
        .route(
            "/api/families/{family_id}/parents/{user_id}",
            delete(remove_parent),
        )
        .route(
            "/api/families/{family_id}/invites",
            post(create_invite).get(list_invites),
        )
        .route("/api/invites/{invite_id}", delete(revoke_invite))
        .route("/api/invites/{code}/accept", post(accept_invite))
}

/// The family's parents (parents).
#[utoipa::path(get, path = "/api/families/{familyId}/parents", tag = "parents",
    params(("familyId" = String, Path)),
    responses((status = 200, body = ParentsResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn list_parents(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    Reply::ok(ParentsResponse {
        parents: parents::list_parents(&state, &access).await?,
    })
}

/// Removes a parent (parents): another parent's sessions all end and the
/// invites they made are revoked; the last parent cannot be removed.
/// `invite:closed` as needed, then `parent:removed`.
#[utoipa::path(delete, path = "/api/families/{familyId}/parents/{userId}", tag = "parents",
    params(("familyId" = String, Path), ("userId" = String, Path)),
    responses((status = 200, body = DeletedResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply),
        (status = 409, description = "the last parent", body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn remove_parent(
    State(state): State<AppState>,
    caller: Caller,
    Path((family_id, user_id)): Path<(String, String)>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    Reply::ok(parents::remove_parent(&state, &access, &user_id).await?)
}

/// A one-time code another parent accepts within 48 hours (parents); the
/// code is in this reply only. `invite:created`, without it.
#[utoipa::path(post, path = "/api/families/{familyId}/invites", tag = "parents",
    params(("familyId" = String, Path)),
    responses((status = 201, body = InviteResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn create_invite(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    Reply::created(parents::create_invite(&state, &access).await?)
}

/// The invites still open (parents), never their codes.
#[utoipa::path(get, path = "/api/families/{familyId}/invites", tag = "parents",
    params(("familyId" = String, Path)),
    responses((status = 200, body = InvitesResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn list_invites(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    Reply::ok(InvitesResponse {
        invites: parents::list_invites(&state, &access).await?,
    })
}

/// Revokes an open invite (parents); `invite:closed`. Revoking one that
/// no longer works changes nothing.
#[utoipa::path(delete, path = "/api/invites/{inviteId}", tag = "parents",
    params(("inviteId" = String, Path)),
    responses((status = 200, body = DeletedResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn revoke_invite(
    State(state): State<AppState>,
    caller: Caller,
    Path(invite_id): Path<String>,
) -> Result<Reply, ApiError> {
    Reply::ok(parents::revoke_invite(&state, &caller, &invite_id).await?)
}

/// Joins the invite's family as a parent: `invite:closed`, then
/// `parent:added`. Accepting for a family one belongs to uses the code up
/// and changes nothing else.
#[utoipa::path(post, path = "/api/invites/{code}/accept", tag = "parents",
    params(("code" = String, Path)),
    responses((status = 200, body = AcceptInviteResponse), (status = 403, body = ErrorReply),
        (status = 404, description = "unknown, used, revoked or expired code", body = ErrorReply),
        (status = 422, body = ErrorReply),
        (status = 429, description = "too many wrong codes from this address; Retry-After says when to try again", body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn accept_invite(
    State(state): State<AppState>,
    caller: Caller,
    ClientAddr(from): ClientAddr,
    Path(code): Path<String>,
) -> Result<Reply, ApiError> {
    Reply::ok(parents::accept_invite(&state, &caller, &code, from).await?)
}
