//! `/api/families/{familyId}/members/{memberId}/stars`: a child's stars,
//! their history (per week, and the ledger as CSV), adding or removing
//! some; `/api/star-entries/{entryId}/undo`: taking a change back.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kinboard_api::{ErrorReply, StarEntryUndone, StarsChanged, StarsRequest, StarsResponse};
use serde::Deserialize;

use crate::domain::access::{Caller, family_access};
use crate::domain::stars;
use crate::error::ApiError;
use crate::http::{IdempotentJson, PinHeader, Reply};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/families/{family_id}/members/{member_id}/stars",
            post(change_stars).get(get_stars),
        )
        .route(
            "/api/families/{family_id}/members/{member_id}/stars.csv",
            get(get_stars_csv),
        )
        .route("/api/star-entries/{entry_id}/undo", post(undo_entry))
}

/// `?weeks=`: how many weeks of history.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    weeks: Option<u32>,
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

/// A child's balance, weekly stars, latest ledger entries and the stars
/// earned in each of the last weeks.
#[utoipa::path(get, path = "/api/families/{familyId}/members/{memberId}/stars", tag = "stars",
    params(("familyId" = String, Path), ("memberId" = String, Path),
        ("weeks" = Option<u32>, Query, description = "weeks of history in perWeek, 1 to 104 (12 unless asked)")),
    responses((status = 200, body = StarsResponse), (status = 400, body = ErrorReply), (status = 404, body = ErrorReply),
        (status = 422, body = ErrorReply)), security(("bearer" = [])))]
pub async fn get_stars(
    State(state): State<AppState>,
    caller: Caller,
    Path((family_id, member_id)): Path<(String, String)>,
    query: Result<Query<HistoryQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Reply, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let access = family_access(&state, &caller, &family_id).await?;
    let weeks = query.weeks.unwrap_or(12);
    Reply::ok(stars::member_stars(&state, &access, &member_id, weeks).await?)
}

/// A child's ledger as CSV, newest first: when, stars, kind, reason, by,
/// undone.
#[utoipa::path(get, path = "/api/families/{familyId}/members/{memberId}/stars.csv", tag = "stars",
    params(("familyId" = String, Path), ("memberId" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn get_stars_csv(
    State(state): State<AppState>,
    caller: Caller,
    Path((family_id, member_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    let csv = stars::ledger_csv(&state, &access, &member_id).await?;
    let disposition = format!("attachment; filename=\"stars-{member_id}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        csv,
    )
        .into_response())
}

/// Takes a star change back: its stars reversed in a new ledger entry.
#[utoipa::path(post, path = "/api/star-entries/{entryId}/undo", tag = "stars",
    params(("entryId" = String, Path)),
    responses((status = 200, body = StarEntryUndone),
        (status = 403, description = "a kitchen screen past its undo window, or not the one that made it", body = ErrorReply),
        (status = 404, body = ErrorReply),
        (status = 409, description = "undone already, an undo itself, or its stars were spent", body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn undo_entry(
    State(state): State<AppState>,
    caller: Caller,
    Path(entry_id): Path<String>,
) -> Result<Reply, ApiError> {
    Reply::ok(stars::undo_entry(&state, &caller, &entry_id).await?)
}
