//! `/api/families/{familyId}/kiosks`, `/api/kiosks/*` and the pairing
//! routes: kitchen screens' device tokens, and pairing a screen with a
//! one-time code a parent makes (`POST …/kiosk-pairings`) and the screen
//! trades for its own token (`POST /api/kiosk-pairings/claim`, no sign-in:
//! the code is the proof).

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{delete, post};
use kinboard_api::{
    ClaimRequest, ErrorReply, KioskCreated, KioskRequest, KioskResponse, KiosksResponse,
    PairingResponse,
};

use crate::domain::access::{Caller, family_access};
use crate::domain::kiosks;
use crate::error::ApiError;
use crate::http::{ApiJson, ClientAddr, Reply};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/families/{family_id}/kiosks",
            post(create_kiosk).get(list_kiosks),
        )
        .route("/api/kiosks/{kiosk_id}", delete(revoke_kiosk))
        .route(
            "/api/families/{family_id}/kiosk-pairings",
            post(create_pairing),
        )
        .route("/api/kiosk-pairings/claim", post(claim_pairing))
}

/// Creates a kitchen screen's device token for the family (parents).
#[utoipa::path(post, path = "/api/families/{familyId}/kiosks", tag = "kiosks",
    params(("familyId" = String, Path)), request_body = KioskRequest,
    responses((status = 201, body = KioskCreated), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply),
        (status = 422, body = ErrorReply)), security(("bearer" = [])))]
pub async fn create_kiosk(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    ApiJson(req): ApiJson<KioskRequest>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    Reply::created(kiosks::create_kiosk(&state, &access, &req.name).await?)
}

#[utoipa::path(get, path = "/api/families/{familyId}/kiosks", tag = "kiosks",
    params(("familyId" = String, Path)),
    responses((status = 200, body = KiosksResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn list_kiosks(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    Reply::ok(KiosksResponse {
        kiosks: kiosks::list_kiosks(&state, &access).await?,
    })
}

/// Revokes a kitchen screen's token; the device gets 401 from then on
/// (parents). `kiosk:revoked`.
#[utoipa::path(delete, path = "/api/kiosks/{kioskId}", tag = "kiosks",
    params(("kioskId" = String, Path)),
    responses((status = 200, body = KioskResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn revoke_kiosk(
    State(state): State<AppState>,
    caller: Caller,
    Path(kiosk_id): Path<String>,
) -> Result<Reply, ApiError> {
    Reply::ok(kiosks::revoke_kiosk(&state, &caller, &kiosk_id).await?)
}

/// Makes a one-time code that pairs a kitchen screen with the family (parents).
#[utoipa::path(post, path = "/api/families/{familyId}/kiosk-pairings", tag = "kiosks",
    params(("familyId" = String, Path)), request_body = KioskRequest,
    responses((status = 201, body = PairingResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply),
        (status = 422, body = ErrorReply)), security(("bearer" = [])))]
pub async fn create_pairing(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    ApiJson(req): ApiJson<KioskRequest>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    Reply::created(PairingResponse {
        pairing: kiosks::create_pairing(&state, &access, &req.name).await?,
    })
}

/// Trades a pairing code for a kiosk token. An unknown, used or expired
/// code is a 404, the same for each, so an answer tells a guesser nothing.
#[utoipa::path(post, path = "/api/kiosk-pairings/claim", tag = "kiosks",
    request_body = ClaimRequest,
    responses((status = 201, body = KioskCreated), (status = 404, description = "unknown, used or expired code", body = ErrorReply),
        (status = 422, body = ErrorReply),
        (status = 429, description = "too many wrong codes from this address; Retry-After says when to try again", body = ErrorReply)))]
pub async fn claim_pairing(
    State(state): State<AppState>,
    ClientAddr(from): ClientAddr,
    ApiJson(req): ApiJson<ClaimRequest>,
) -> Result<Reply, ApiError> {
    Reply::created(kiosks::claim_pairing(&state, &req.code, from).await?)
}
