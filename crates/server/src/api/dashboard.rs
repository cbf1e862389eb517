//! `/api/families/{familyId}/dashboard`: the snapshot a screen loads after
//! every (re)subscription.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use kinboard_api::{Dashboard, ErrorReply};

use crate::domain::access::{Caller, family_access};
use crate::domain::dashboard::snapshot;
use crate::error::ApiError;
use crate::http::Reply;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/families/{family_id}/dashboard", get(dashboard))
}

#[utoipa::path(get, path = "/api/families/{familyId}/dashboard", tag = "dashboard",
    params(("familyId" = String, Path)),
    responses((status = 200, body = Dashboard, description = "plus serverTime"), (status = 404, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn dashboard(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    Reply::ok(snapshot(&state, &family_id, access.role).await?)
}
