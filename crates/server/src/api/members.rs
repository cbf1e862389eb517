//! `/api/families/{id}/members` and `/api/members/{id}`: the children on
//! the family's board.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{patch, post};
use kinboard_api::{
    DeletedResponse, ErrorReply, MemberRequest, MemberResponse, MembersResponse,
    UpdateMemberRequest,
};

use crate::domain::access::{Caller, family_access};
use crate::domain::members;
use crate::error::ApiError;
use crate::http::{ApiJson, Reply};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/families/{family_id}/members",
            post(add_member).get(list_members),
        )
        .route(
            "/api/members/{member_id}",
            patch(update_member).delete(remove_member),
        )
}

/// Adds a child (parents); `member:added`.
#[utoipa::path(post, path = "/api/families/{familyId}/members", tag = "members",
    params(("familyId" = String, Path)), request_body = MemberRequest,
    responses((status = 201, body = MemberResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply),
        (status = 422, body = ErrorReply)), security(("bearer" = [])))]
pub async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    ApiJson(req): ApiJson<MemberRequest>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    Reply::created(members::add_member(&state, &access, &req.name, req.color.as_deref()).await?)
}

/// The children on the board (removed ones are not).
#[utoipa::path(get, path = "/api/families/{familyId}/members", tag = "members",
    params(("familyId" = String, Path)),
    responses((status = 200, body = MembersResponse), (status = 404, body = ErrorReply)), security(("bearer" = [])))]
pub async fn list_members(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id).await?;
    Reply::ok(MembersResponse {
        members: members::members_of(&state.db.reader, &family_id).await?,
    })
}

/// Renames a child or changes their colour (parents); `member:updated`.
#[utoipa::path(patch, path = "/api/members/{memberId}", tag = "members",
    params(("memberId" = String, Path)), request_body = UpdateMemberRequest,
    responses((status = 200, body = MemberResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply),
        (status = 422, body = ErrorReply)), security(("bearer" = [])))]
pub async fn update_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(member_id): Path<String>,
    ApiJson(req): ApiJson<UpdateMemberRequest>,
) -> Result<Reply, ApiError> {
    Reply::ok(members::update_member(&state, &caller, &member_id, &req).await?)
}

/// Takes a child off the board (parents): their running timers are
/// cancelled and their chores become anyone's; their star ledger stays.
/// `timer:cancelled`, `chore:updated` as needed, then `member:removed`.
#[utoipa::path(delete, path = "/api/members/{memberId}", tag = "members",
    params(("memberId" = String, Path)),
    responses((status = 200, body = DeletedResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(member_id): Path<String>,
) -> Result<Reply, ApiError> {
    Reply::ok(members::remove_member(&state, &caller, &member_id).await?)
}
