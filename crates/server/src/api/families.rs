//! `/api/families` and `/api/families/{id}`: families, their name and
//! time zone, and the parent PIN.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use kinboard_api::{
    CreateFamilyRequest, ErrorReply, FamilyResponse, PinRequest, UpdateFamilyRequest,
};

use crate::domain::access::{Caller, family_access};
use crate::domain::families::{self, FamilyChanged};
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
        .route("/api/families/{family_id}/pin", put(set_pin))
}

fn changed(change: FamilyChanged) -> FamilyResponse {
    FamilyResponse {
        family: change.family,
        events: change.events,
    }
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
    Reply::created(FamilyResponse {
        family,
        events: Vec::new(),
    })
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
        events: Vec::new(),
    })
}

/// Renames a family or changes its time zone (parents); `family:updated`.
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
    Reply::ok(changed(
        families::update_family(&state, &access, &req).await?,
    ))
}

/// Sets the parent PIN kitchen screens must send for confirmations,
/// cancellations and star changes (parents); replacing one needs
/// `currentPin` or the parent's `password`. `family:updated`.
#[utoipa::path(put, path = "/api/families/{familyId}/pin", tag = "families",
    params(("familyId" = String, Path)), request_body = PinRequest,
    responses((status = 200, body = FamilyResponse), (status = 401, description = "wrong password", body = ErrorReply),
        (status = 403, description = "a kitchen screen, or the wrong current PIN", body = ErrorReply),
        (status = 404, body = ErrorReply), (status = 422, body = ErrorReply), (status = 429, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn set_pin(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    ApiJson(req): ApiJson<PinRequest>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    Reply::ok(changed(families::set_pin(&state, &access, req).await?))
}
