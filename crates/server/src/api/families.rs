//! `/api/families/*`, `/api/members/*` and `/api/invites/*`: families,
//! their children, invites and the parent PIN.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, patch, post, put};
use kinboard_api::{
    AcceptInviteResponse, CreateFamilyRequest, ErrorReply, FamilyResponse, InviteResponse,
    MemberRequest, MemberResponse, MembersResponse, PinRequest, UpdateFamilyRequest,
    UpdateMemberRequest,
};

use crate::domain::access::{Caller, family_access};
use crate::domain::families;
use crate::error::ApiError;
use crate::http::{ApiJson, Reply};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/families", post(create_family))
        .route(
            "/api/families/{family_id}",
            get(get_family).patch(update_family),
        )
        .route(
            "/api/families/{family_id}/members",
            post(add_member).get(list_members),
        )
        .route("/api/members/{member_id}", patch(update_member))
        .route("/api/families/{family_id}/invites", post(create_invite))
        .route("/api/invites/{code}/accept", post(accept_invite))
        .route("/api/families/{family_id}/pin", put(set_pin))
}

/// Creates a family; the caller becomes its first parent.
#[utoipa::path(post, path = "/api/families", tag = "families", request_body = CreateFamilyRequest,
    responses((status = 201, body = FamilyResponse), (status = 403, body = ErrorReply), (status = 422, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn create_family(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateFamilyRequest>,
) -> Result<Reply, ApiError> {
    let family = families::create_family_for(&state, &caller, &req).await?;
    Reply::created(FamilyResponse { family })
}

#[utoipa::path(get, path = "/api/families/{familyId}", tag = "families",
    params(("familyId" = String, Path)),
    responses((status = 200, body = FamilyResponse), (status = 404, body = ErrorReply)), security(("bearer" = [])))]
pub async fn get_family(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id).await?;
    Reply::ok(FamilyResponse {
        family: families::load_family(&state.db.reader, &family_id).await?,
    })
}

/// Renames a family or changes its time zone (parents).
#[utoipa::path(patch, path = "/api/families/{familyId}", tag = "families",
    params(("familyId" = String, Path)), request_body = UpdateFamilyRequest,
    responses((status = 200, body = FamilyResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply),
        (status = 422, body = ErrorReply)), security(("bearer" = [])))]
pub async fn update_family(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    ApiJson(req): ApiJson<UpdateFamilyRequest>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    let family = families::update_family(&state, &access, &req).await?;
    Reply::ok(FamilyResponse { family })
}

/// Adds a child profile (parents).
#[utoipa::path(post, path = "/api/families/{familyId}/members", tag = "families",
    params(("familyId" = String, Path)), request_body = MemberRequest,
    responses((status = 201, body = MemberResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply),
        (status = 422, body = ErrorReply)), security(("bearer" = [])))]
pub async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    ApiJson(req): ApiJson<MemberRequest>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id)
        .await?
        .require_parent()?;
    Reply::created(families::add_member(&state, &family_id, &req.name, req.color.as_deref()).await?)
}

#[utoipa::path(get, path = "/api/families/{familyId}/members", tag = "families",
    params(("familyId" = String, Path)),
    responses((status = 200, body = MembersResponse), (status = 404, body = ErrorReply)), security(("bearer" = [])))]
pub async fn list_members(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id).await?;
    Reply::ok(MembersResponse {
        members: families::members_of(&state.db.reader, &family_id).await?,
    })
}

/// Renames a child profile or changes its colour (parents).
#[utoipa::path(patch, path = "/api/members/{memberId}", tag = "families",
    params(("memberId" = String, Path)), request_body = UpdateMemberRequest,
    responses((status = 200, body = MemberResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply),
        (status = 422, body = ErrorReply)), security(("bearer" = [])))]
pub async fn update_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(member_id): Path<String>,
    ApiJson(req): ApiJson<UpdateMemberRequest>,
) -> Result<Reply, ApiError> {
    Reply::ok(families::update_member(&state, &caller, &member_id, &req).await?)
}

/// Creates a one-time code another parent can accept within 7 days.
#[utoipa::path(post, path = "/api/families/{familyId}/invites", tag = "families",
    params(("familyId" = String, Path)),
    responses((status = 201, body = InviteResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn create_invite(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    Reply::created(families::create_invite(&state, &access).await?)
}

/// Joins the invite's family as a parent. Accepting a family one already
/// belongs to is a no-op.
#[utoipa::path(post, path = "/api/invites/{code}/accept", tag = "families",
    params(("code" = String, Path)),
    responses((status = 200, body = AcceptInviteResponse), (status = 403, body = ErrorReply),
        (status = 404, description = "unknown, used or expired code", body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn accept_invite(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Reply, ApiError> {
    Reply::ok(families::accept_invite(&state, &caller, &code).await?)
}

/// Sets or replaces the parent PIN kitchen screens must send for
/// confirmations, cancellations and star changes (parents).
#[utoipa::path(put, path = "/api/families/{familyId}/pin", tag = "families",
    params(("familyId" = String, Path)), request_body = PinRequest,
    responses((status = 200, body = FamilyResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply),
        (status = 422, body = ErrorReply)), security(("bearer" = [])))]
pub async fn set_pin(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    ApiJson(req): ApiJson<PinRequest>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    let family = families::set_pin(&state, &access, req.pin).await?;
    Reply::ok(FamilyResponse { family })
}
