//! Operations: `GET /healthz` (the database answers), `GET /api/info`
//! (what answers here) and `GET /api/openapi.json`.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use kinboard_api::{ErrorReply, Health, ServerInfo};
use utoipa::OpenApi;

use crate::error::ApiError;
use crate::http::Reply;
use crate::openapi::ApiDoc;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/info", get(info))
        .route("/api/tls", get(tls))
        .route("/api/openapi.json", get(openapi))
}

#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, body = Health), (status = 500, body = ErrorReply)))]
pub async fn healthz(State(state): State<AppState>) -> Result<Reply, ApiError> {
    sqlx::query("SELECT 1").execute(&state.db.reader).await?;
    Reply::ok(Health {
        status: "ok".into(),
    })
}

/// What answers at this address: Kinboard, its version and API
/// generation, and the household's name (unauthenticated: a device asks
/// before it joins, and lists the servers it found by these names).
#[utoipa::path(get, path = "/api/info", tag = "ops", responses((status = 200, body = ServerInfo)))]
pub async fn info(State(state): State<AppState>) -> Result<Reply, ApiError> {
    Reply::ok(crate::domain::families::server_info(&state).await?)
}

/// The certificate this server serves HTTPS with: its SHA-256
/// fingerprint and the short code a person compares (unauthenticated, like
/// `/api/info`); 404 when it serves plain HTTP.
#[utoipa::path(get, path = "/api/tls", tag = "ops",
    responses((status = 200, body = kinboard_api::TlsInfo), (status = 404, description = "this server serves no TLS", body = ErrorReply)))]
pub async fn tls(State(state): State<AppState>) -> Result<Reply, ApiError> {
    let fingerprint = state
        .tls_fingerprint
        .clone()
        .ok_or(ApiError::NotFound("TLS certificate"))?;
    Reply::ok(kinboard_api::TlsInfo {
        code: kinboard_api::certificate::check_code(&fingerprint),
        fingerprint,
    })
}

#[utoipa::path(get, path = "/api/openapi.json", tag = "ops", responses((status = 200, description = "this document")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
