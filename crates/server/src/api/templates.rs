//! `/api/families/{familyId}/templates` and `/api/templates/*`: timer
//! templates, kept by parents.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, patch};
use kinboard_api::{
    DeletedResponse, ErrorReply, TemplateRequest, TemplateResponse, TemplatesResponse,
    UpdateTemplateRequest,
};

use crate::domain::access::{Caller, family_access};
use crate::domain::templates;
use crate::error::ApiError;
use crate::http::{ApiJson, Reply};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/families/{family_id}/templates",
            get(list_templates).post(create_template),
        )
        .route(
            "/api/templates/{template_id}",
            patch(update_template).delete(delete_template),
        )
}

#[utoipa::path(get, path = "/api/families/{familyId}/templates", tag = "templates",
    params(("familyId" = String, Path)),
    responses((status = 200, body = TemplatesResponse), (status = 404, body = ErrorReply)), security(("bearer" = [])))]
pub async fn list_templates(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id).await?;
    Reply::ok(TemplatesResponse {
        templates: templates::templates_of(&state.db.reader, &family_id).await?,
    })
}

#[utoipa::path(post, path = "/api/families/{familyId}/templates", tag = "templates",
    params(("familyId" = String, Path)), request_body = TemplateRequest,
    responses((status = 201, body = TemplateResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply),
        (status = 422, body = ErrorReply)), security(("bearer" = [])))]
pub async fn create_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    ApiJson(req): ApiJson<TemplateRequest>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    Reply::created(templates::create_template(&state, &access, &req).await?)
}

#[utoipa::path(patch, path = "/api/templates/{templateId}", tag = "templates",
    params(("templateId" = String, Path)), request_body = UpdateTemplateRequest,
    responses((status = 200, body = TemplateResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply),
        (status = 422, body = ErrorReply)), security(("bearer" = [])))]
pub async fn update_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(template_id): Path<String>,
    ApiJson(req): ApiJson<UpdateTemplateRequest>,
) -> Result<Reply, ApiError> {
    Reply::ok(templates::update_template(&state, &caller, &template_id, &req).await?)
}

#[utoipa::path(delete, path = "/api/templates/{templateId}", tag = "templates",
    params(("templateId" = String, Path)),
    responses((status = 200, body = DeletedResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn delete_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(template_id): Path<String>,
) -> Result<Reply, ApiError> {
    Reply::ok(templates::delete_template(&state, &caller, &template_id).await?)
}
