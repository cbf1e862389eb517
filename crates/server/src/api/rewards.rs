//! `/api/families/{familyId}/rewards`, `/api/rewards/*` and
//! `/api/redemptions/*`: the catalogue (parents keep it), redeeming a
//! reward (anyone in the family; a kitchen screen with the parent PIN, or
//! asking a parent where parents approve) and a parent's decision on one
//! that waits.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, patch, post};
use kinboard_api::{
    DeletedResponse, ErrorReply, RedeemRequest, RedeemResponse, RedemptionDecided, RewardRequest,
    RewardResponse, RewardsResponse, UpdateRewardRequest,
};

use crate::domain::access::{Caller, family_access};
use crate::domain::chores::Decision;
use crate::domain::rewards;
use crate::error::ApiError;
use crate::http::{ApiJson, IdempotentJson, PinHeader, Reply};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/families/{family_id}/rewards",
            get(list_rewards).post(create_reward),
        )
        .route(
            "/api/rewards/{reward_id}",
            patch(update_reward).delete(delete_reward),
        )
        .route("/api/rewards/{reward_id}/redeem", post(redeem))
        .route(
            "/api/redemptions/{redemption_id}/approve",
            post(approve_redemption),
        )
        .route(
            "/api/redemptions/{redemption_id}/reject",
            post(reject_redemption),
        )
}

#[utoipa::path(get, path = "/api/families/{familyId}/rewards", tag = "rewards",
    params(("familyId" = String, Path)),
    responses((status = 200, body = RewardsResponse), (status = 404, body = ErrorReply)), security(("bearer" = [])))]
pub async fn list_rewards(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id).await?;
    Reply::ok(RewardsResponse {
        rewards: rewards::rewards_of(&state.db.reader, &family_id).await?,
    })
}

#[utoipa::path(post, path = "/api/families/{familyId}/rewards", tag = "rewards",
    params(("familyId" = String, Path)), request_body = RewardRequest,
    responses((status = 201, body = RewardResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply),
        (status = 422, body = ErrorReply)), security(("bearer" = [])))]
pub async fn create_reward(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    ApiJson(req): ApiJson<RewardRequest>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    Reply::created(rewards::create_reward(&state, &access, &req).await?)
}

#[utoipa::path(patch, path = "/api/rewards/{rewardId}", tag = "rewards",
    params(("rewardId" = String, Path)), request_body = UpdateRewardRequest,
    responses((status = 200, body = RewardResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply),
        (status = 422, body = ErrorReply)), security(("bearer" = [])))]
pub async fn update_reward(
    State(state): State<AppState>,
    caller: Caller,
    Path(reward_id): Path<String>,
    ApiJson(req): ApiJson<UpdateRewardRequest>,
) -> Result<Reply, ApiError> {
    Reply::ok(rewards::update_reward(&state, &caller, &reward_id, &req).await?)
}

#[utoipa::path(delete, path = "/api/rewards/{rewardId}", tag = "rewards",
    params(("rewardId" = String, Path)),
    responses((status = 200, body = DeletedResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn delete_reward(
    State(state): State<AppState>,
    caller: Caller,
    Path(reward_id): Path<String>,
) -> Result<Reply, ApiError> {
    Reply::ok(rewards::delete_reward(&state, &caller, &reward_id).await?)
}

/// A child spends stars on a reward.
#[utoipa::path(post, path = "/api/rewards/{rewardId}/redeem", tag = "rewards",
    params(("rewardId" = String, Path),
        ("X-Kinboard-Pin" = Option<String>, Header, description = "parent PIN (kitchen screens)"),
        ("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key replays the first reply")),
    request_body = RedeemRequest,
    responses((status = 200, description = "spent (approved), or waiting for a parent (pending)", body = RedeemResponse),
        (status = 403, description = "a kitchen screen without the parent PIN (where parents do not approve), or a wrong one", body = ErrorReply),
        (status = 404, body = ErrorReply),
        (status = 409, description = "not enough stars, or over the weekly limit", body = ErrorReply),
        (status = 422, body = ErrorReply), (status = 429, description = "too many wrong PINs", body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn redeem(
    State(state): State<AppState>,
    caller: Caller,
    PinHeader(pin): PinHeader,
    Path(reward_id): Path<String>,
    IdempotentJson { idempotency, body }: IdempotentJson<RedeemRequest>,
) -> Result<Reply, ApiError> {
    let reply = rewards::redeem(
        &state,
        &caller,
        pin.as_deref(),
        &reward_id,
        &body.member_id,
        idempotency.as_ref(),
    )
    .await?;
    Reply::ok(reply)
}

/// A parent approves a redemption that waits: its stars are spent.
#[utoipa::path(post, path = "/api/redemptions/{redemptionId}/approve", tag = "rewards",
    params(("redemptionId" = String, Path)),
    responses((status = 200, body = RedemptionDecided), (status = 403, description = "kitchen screens may not", body = ErrorReply),
        (status = 404, body = ErrorReply),
        (status = 409, description = "not waiting for a parent, or the stars no longer reach", body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn approve_redemption(
    State(state): State<AppState>,
    caller: Caller,
    Path(redemption_id): Path<String>,
) -> Result<Reply, ApiError> {
    Reply::ok(rewards::decide_redemption(&state, &caller, &redemption_id, Decision::Approve).await?)
}

/// A parent rejects a redemption that waits: nothing is spent.
#[utoipa::path(post, path = "/api/redemptions/{redemptionId}/reject", tag = "rewards",
    params(("redemptionId" = String, Path)),
    responses((status = 200, body = RedemptionDecided), (status = 403, description = "kitchen screens may not", body = ErrorReply),
        (status = 404, body = ErrorReply), (status = 409, description = "not waiting for a parent", body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn reject_redemption(
    State(state): State<AppState>,
    caller: Caller,
    Path(redemption_id): Path<String>,
) -> Result<Reply, ApiError> {
    Reply::ok(rewards::decide_redemption(&state, &caller, &redemption_id, Decision::Reject).await?)
}
