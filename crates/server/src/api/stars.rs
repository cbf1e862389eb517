//! `/api/families/{familyId}/members/{memberId}/stars`: a child's stars,
//! and adding or removing some.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;
use kinboard_api::{ErrorReply, StarsChanged, StarsRequest, StarsResponse};

use crate::domain::access::{Caller, family_access};
use crate::domain::stars;
use crate::error::ApiError;
use crate::http::{IdempotentJson, PinHeader, Reply};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/families/{family_id}/members/{member_id}/stars",
        post(change_stars).get(get_stars),
    )
}

/// Adds or removes stars (parents, or a kitchen screen with the PIN).
#[utoipa::path(post, path = "/api/families/{familyId}/members/{memberId}/stars", tag = "stars",
    params(("familyId" = String, Path), ("memberId" = String, Path),
        ("X-Kinboard-Pin" = Option<String>, Header, description = "parent PIN (kitchen screens)"),
        ("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key replays the first reply")),
    request_body = StarsRequest,
    responses((status = 200, body = StarsChanged), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply),
        (status = 409, description = "the balance would go below zero", body = ErrorReply), (status = 422, body = ErrorReply),
        (status = 429, description = "too many wrong PINs", body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn change_stars(
    State(state): State<AppState>,
    caller: Caller,
    PinHeader(pin): PinHeader,
    Path((family_id, member_id)): Path<(String, String)>,
    IdempotentJson { idempotency, body }: IdempotentJson<StarsRequest>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    let reply = stars::change_stars(
        &state,
        &access,
        pin.as_deref(),
        &member_id,
        &body,
        idempotency.as_ref(),
    )
    .await?;
    Reply::ok(reply)
}

/// A child's balance, weekly stars and latest ledger entries.
#[utoipa::path(get, path = "/api/families/{familyId}/members/{memberId}/stars", tag = "stars",
    params(("familyId" = String, Path), ("memberId" = String, Path)),
    responses((status = 200, body = StarsResponse), (status = 404, body = ErrorReply)), security(("bearer" = [])))]
pub async fn get_stars(
    State(state): State<AppState>,
    caller: Caller,
    Path((family_id, member_id)): Path<(String, String)>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    Reply::ok(stars::member_stars(&state, &access, &member_id).await?)
}
