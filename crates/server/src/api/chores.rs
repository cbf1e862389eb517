//! `/api/families/{familyId}/chores`, `/api/chores/*` and
//! `/api/completions/*`: the chore list (parents), marking a chore done
//! (anyone in the family), approving or rejecting it (parents) and undoing
//! it.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, patch, post};
use kinboard_api::{
    ChoreCompletedResponse, ChoreRequest, ChoreResponse, ChoresResponse, CompleteChoreRequest,
    CompletionDecided, CompletionUndone, DeletedResponse, ErrorReply, UpdateChoreRequest,
};

use crate::clock::now_ms;
use crate::domain::access::{Caller, family_access};
use crate::domain::chores::{self, Decision};
use crate::domain::families::load_family;
use crate::error::ApiError;
use crate::http::{ApiJson, IdempotentJson, Reply};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/families/{family_id}/chores",
            get(list_chores).post(create_chore),
        )
        .route(
            "/api/chores/{chore_id}",
            patch(update_chore).delete(delete_chore),
        )
        .route("/api/chores/{chore_id}/complete", post(complete_chore))
        .route(
            "/api/completions/{completion_id}/undo",
            post(undo_completion),
        )
        .route(
            "/api/completions/{completion_id}/approve",
            post(approve_completion),
        )
        .route(
            "/api/completions/{completion_id}/reject",
            post(reject_completion),
        )
}

#[utoipa::path(get, path = "/api/families/{familyId}/chores", tag = "chores",
    params(("familyId" = String, Path)),
    responses((status = 200, body = ChoresResponse), (status = 404, body = ErrorReply)), security(("bearer" = [])))]
pub async fn list_chores(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id).await?;
    let zone = load_family(&state.db.reader, &family_id).await?.time_zone;
    let mut chores = chores::chores_of(&state.db.reader, &family_id).await?;
    chores::mark_due(&mut chores, &zone, now_ms());
    Reply::ok(ChoresResponse { chores })
}

#[utoipa::path(post, path = "/api/families/{familyId}/chores", tag = "chores",
    params(("familyId" = String, Path)), request_body = ChoreRequest,
    responses((status = 201, body = ChoreResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply),
        (status = 422, body = ErrorReply)), security(("bearer" = [])))]
pub async fn create_chore(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    ApiJson(req): ApiJson<ChoreRequest>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    Reply::created(chores::create_chore(&state, &access, &req).await?)
}

#[utoipa::path(patch, path = "/api/chores/{choreId}", tag = "chores",
    params(("choreId" = String, Path)), request_body = UpdateChoreRequest,
    responses((status = 200, body = ChoreResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply),
        (status = 422, body = ErrorReply)), security(("bearer" = [])))]
pub async fn update_chore(
    State(state): State<AppState>,
    caller: Caller,
    Path(chore_id): Path<String>,
    ApiJson(req): ApiJson<UpdateChoreRequest>,
) -> Result<Reply, ApiError> {
    Reply::ok(chores::update_chore(&state, &caller, &chore_id, &req).await?)
}

#[utoipa::path(delete, path = "/api/chores/{choreId}", tag = "chores",
    params(("choreId" = String, Path)),
    responses((status = 200, body = DeletedResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn delete_chore(
    State(state): State<AppState>,
    caller: Caller,
    Path(chore_id): Path<String>,
) -> Result<Reply, ApiError> {
    Reply::ok(chores::delete_chore(&state, &caller, &chore_id).await?)
}

/// Marks a chore done by a child (kitchen screens too): its stars at once,
/// or, where parents approve chores, a kitchen screen's waits for one.
#[utoipa::path(post, path = "/api/chores/{choreId}/complete", tag = "chores",
    params(("choreId" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key replays the first reply")),
    request_body = CompleteChoreRequest,
    responses((status = 200, body = ChoreCompletedResponse), (status = 404, body = ErrorReply),
        (status = 409, description = "not due today, or done today already by this child", body = ErrorReply), (status = 422, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn complete_chore(
    State(state): State<AppState>,
    caller: Caller,
    Path(chore_id): Path<String>,
    IdempotentJson { idempotency, body }: IdempotentJson<CompleteChoreRequest>,
) -> Result<Reply, ApiError> {
    let reply = chores::complete_chore(
        &state,
        &caller,
        &chore_id,
        &body.member_id,
        idempotency.as_ref(),
    )
    .await?;
    Reply::ok(reply)
}

/// Takes a chore completion back: its stars leave the balance again.
#[utoipa::path(post, path = "/api/completions/{completionId}/undo", tag = "chores",
    params(("completionId" = String, Path)),
    responses((status = 200, body = CompletionUndone),
        (status = 403, description = "a kitchen screen past its undo window, or not the one that marked it", body = ErrorReply),
        (status = 404, body = ErrorReply), (status = 409, description = "undone already, or its stars were spent", body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn undo_completion(
    State(state): State<AppState>,
    caller: Caller,
    Path(completion_id): Path<String>,
) -> Result<Reply, ApiError> {
    Reply::ok(chores::undo_completion(&state, &caller, &completion_id).await?)
}

/// A parent approves a completion waiting for one: its stars are awarded.
#[utoipa::path(post, path = "/api/completions/{completionId}/approve", tag = "chores",
    params(("completionId" = String, Path)),
    responses((status = 200, body = CompletionDecided), (status = 403, description = "kitchen screens may not", body = ErrorReply),
        (status = 404, body = ErrorReply), (status = 409, description = "not waiting for a parent", body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn approve_completion(
    State(state): State<AppState>,
    caller: Caller,
    Path(completion_id): Path<String>,
) -> Result<Reply, ApiError> {
    Reply::ok(chores::decide_completion(&state, &caller, &completion_id, Decision::Approve).await?)
}

/// A parent rejects a completion waiting for one: nothing is awarded.
#[utoipa::path(post, path = "/api/completions/{completionId}/reject", tag = "chores",
    params(("completionId" = String, Path)),
    responses((status = 200, body = CompletionDecided), (status = 403, description = "kitchen screens may not", body = ErrorReply),
        (status = 404, body = ErrorReply), (status = 409, description = "not waiting for a parent", body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn reject_completion(
    State(state): State<AppState>,
    caller: Caller,
    Path(completion_id): Path<String>,
) -> Result<Reply, ApiError> {
    Reply::ok(chores::decide_completion(&state, &caller, &completion_id, Decision::Reject).await?)
}
