//! Pairing a kitchen screen: a parent makes a one-time code
//! (`POST /api/families/{familyId}/kiosk-pairings`), reads it to the screen,
//! and the screen trades it for its own kiosk token
//! (`POST /api/kiosk-pairings/claim`, no sign-in: the code is the proof).
//! No parent password is ever typed on a shared screen, and no long token
//! is typed at all.
//!
//! A code is 10 characters from a 32-letter alphabet without look-alikes
//! (50 bits), lives 10 minutes and works once; only its SHA-256 is stored.
//! Even odds of guessing one live code within its lifetime would take
//! about 10^12 requests a second, so claims need no rate limit of their
//! own.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::families::{Kiosk, insert_kiosk};
use crate::auth::{Caller, family_access};
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::http::{ApiJson, Reply};
use crate::ids::{new_invite_code, token_hash};
use crate::revision::FamilyTx;
use crate::state::AppState;
use crate::validate;

/// How long a pairing code works.
pub const PAIRING_TTL_MS: i64 = 10 * 60 * 1000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/families/{family_id}/kiosk-pairings",
            post(create_pairing),
        )
        .route("/api/kiosk-pairings/claim", post(claim_pairing))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PairingRequest {
    /// What the kiosk will be called ("Kitchen").
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Pairing {
    /// The code to type on the kitchen screen, as `ABCDE-FGHJK`.
    pub code: String,
    pub name: String,
    pub expires_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PairingResponse {
    pub pairing: Pairing,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ClaimRequest {
    pub code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimResponse {
    pub kiosk: Kiosk,
    /// The screen's bearer token; shown once, only its hash is stored.
    pub token: String,
}

/// The code as stored: upper case, without the separator or spaces a
/// person may type.
fn canonical(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn shown(code: &str) -> String {
    let (a, b) = code.split_at(code.len() / 2);
    format!("{a}-{b}")
}

/// Makes a one-time code that pairs a kitchen screen with the family (parents).
#[utoipa::path(post, path = "/api/families/{familyId}/kiosk-pairings", tag = "families",
    params(("familyId" = String, Path)), request_body = PairingRequest,
    responses((status = 201, body = PairingResponse), (status = 403), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn create_pairing(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    ApiJson(req): ApiJson<PairingRequest>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id)
        .await?
        .require_parent()?;
    let name = validate::text("name", &req.name, 60)?;
    let code = new_invite_code();
    let now = now_ms();
    let pairing = Pairing {
        code: shown(&code),
        name,
        expires_at: now + PAIRING_TTL_MS,
    };
    let mut tx = FamilyTx::begin(&state, &family_id).await?;
    sqlx::query(
        "INSERT INTO kiosk_pairings (code_hash, family_id, name, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash(&code))
    .bind(&family_id)
    .bind(&pairing.name)
    .bind(caller.principal())
    .bind(now)
    .bind(pairing.expires_at)
    .execute(tx.conn())
    .await?;
    tx.commit(&state).await?;
    Reply::created(PairingResponse { pairing })
}

/// Trades a pairing code for a kiosk token. An unknown, used or expired
/// code is a 404, the same for each, so an answer tells a guesser nothing.
#[utoipa::path(post, path = "/api/kiosk-pairings/claim", tag = "families",
    request_body = ClaimRequest,
    responses((status = 201, body = ClaimResponse), (status = 404, description = "unknown, used or expired code"), (status = 422)))]
pub async fn claim_pairing(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ClaimRequest>,
) -> Result<Reply, ApiError> {
    let code = canonical(&req.code);
    if code.is_empty() || code.len() > 32 {
        return Err(ApiError::invalid(
            "code must be the 10 letters and digits shown",
        ));
    }
    let hash = token_hash(&code);
    let now = now_ms();
    let found: Option<(String, String)> = sqlx::query_as(
        "SELECT family_id, name FROM kiosk_pairings WHERE code_hash = $1 AND kiosk_id IS NULL AND expires_at > $2",
    )
    .bind(&hash)
    .bind(now)
    .fetch_optional(&state.db.reader)
    .await?;
    let (family_id, name) = found.ok_or(ApiError::NotFound("pairing code"))?;
    let mut tx = FamilyTx::begin(&state, &family_id).await?;
    let (kiosk, token) = insert_kiosk(&mut tx, &family_id, &name).await?;
    // The conditional update makes a code single-use even when two screens
    // race with it: the loser rolls back, its kiosk with it.
    let claimed = sqlx::query(
        "UPDATE kiosk_pairings SET kiosk_id = $1 WHERE code_hash = $2 AND kiosk_id IS NULL AND expires_at > $3",
    )
    .bind(&kiosk.id)
    .bind(&hash)
    .bind(now)
    .execute(tx.conn())
    .await?;
    if claimed.rows_affected() == 0 {
        tx.unchanged().await?;
        return Err(ApiError::NotFound("pairing code"));
    }
    tx.commit(&state).await?;
    tracing::info!(kiosk = %kiosk.id, family = %family_id, "kitchen screen paired");
    Reply::created(ClaimResponse { kiosk, token })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_shown_in_halves_and_read_back_however_typed() {
        assert_eq!(shown("ABCDEFGHJK"), "ABCDE-FGHJK");
        assert_eq!(canonical("abcde-fghjk"), "ABCDEFGHJK");
        assert_eq!(canonical(" ABCDE FGHJK\n"), "ABCDEFGHJK");
    }
}
