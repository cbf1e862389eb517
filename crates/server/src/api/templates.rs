//! Timer templates ("Homework, 25 minutes, 3 stars"): list, create, update,
//! delete. Parents manage them; anyone in the family starts timers from them.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, patch};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Caller, family_access};
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::http::{ApiJson, Reply};
use crate::ids::new_id;
use crate::revision::FamilyTx;
use crate::state::AppState;
use crate::validate;

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

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    pub id: String,
    pub family_id: String,
    pub label: String,
    pub duration_ms: i64,
    pub stars: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TemplateRequest {
    pub label: String,
    pub duration_seconds: i64,
    #[serde(default)]
    pub stars: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateTemplateRequest {
    pub label: Option<String>,
    pub duration_seconds: Option<i64>,
    pub stars: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateResponse {
    pub template: Template,
    pub revision: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplatesResponse {
    pub templates: Vec<Template>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeletedResponse {
    pub deleted: String,
    pub revision: i64,
}

const COLUMNS: &str = "id, family_id, label, duration_ms, stars, created_at, updated_at";

pub async fn load_template(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    template_id: &str,
) -> Result<Template, ApiError> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM templates WHERE id = $1"))
        .bind(template_id)
        .fetch_optional(conn)
        .await?
        .ok_or(ApiError::NotFound("template"))
}

pub async fn templates_of(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    family_id: &str,
) -> Result<Vec<Template>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM templates WHERE family_id = $1 ORDER BY created_at, id"
    ))
    .bind(family_id)
    .fetch_all(conn)
    .await?)
}

#[utoipa::path(get, path = "/api/families/{familyId}/templates", tag = "templates",
    params(("familyId" = String, Path)),
    responses((status = 200, body = TemplatesResponse), (status = 404)), security(("bearer" = [])))]
pub async fn list_templates(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id).await?;
    Reply::ok(TemplatesResponse {
        templates: templates_of(&state.db.reader, &family_id).await?,
    })
}

#[utoipa::path(post, path = "/api/families/{familyId}/templates", tag = "templates",
    params(("familyId" = String, Path)), request_body = TemplateRequest,
    responses((status = 201, body = TemplateResponse), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn create_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    ApiJson(req): ApiJson<TemplateRequest>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id)
        .await?
        .require_parent()?;
    let (template, revision) = create_template_in(&state, &family_id, &req).await?;
    Reply::created(TemplateResponse { template, revision })
}

pub async fn create_template_in(
    state: &AppState,
    family_id: &str,
    req: &TemplateRequest,
) -> Result<(Template, i64), ApiError> {
    let now = now_ms();
    let template = Template {
        id: new_id("tpl"),
        family_id: family_id.to_owned(),
        label: validate::text("label", &req.label, 80)?,
        duration_ms: validate::duration_seconds("durationSeconds", req.duration_seconds)?,
        stars: validate::stars("stars", req.stars)?,
        created_at: now,
        updated_at: now,
    };
    let mut tx = FamilyTx::begin(state, family_id).await?;
    sqlx::query(&format!(
        "INSERT INTO templates ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(&template.id)
    .bind(&template.family_id)
    .bind(&template.label)
    .bind(template.duration_ms)
    .bind(template.stars)
    .bind(template.created_at)
    .bind(template.updated_at)
    .execute(tx.conn())
    .await?;
    let revision = tx.commit(state).await?;
    Ok((template, revision))
}

async fn template_for_parent(
    state: &AppState,
    caller: &Caller,
    template_id: &str,
) -> Result<Template, ApiError> {
    let template = load_template(&state.db.reader, template_id).await?;
    family_access(state, caller, &template.family_id)
        .await
        .map_err(|_| ApiError::NotFound("template"))?
        .require_parent()?;
    Ok(template)
}

#[utoipa::path(patch, path = "/api/templates/{templateId}", tag = "templates",
    params(("templateId" = String, Path)), request_body = UpdateTemplateRequest,
    responses((status = 200, body = TemplateResponse), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn update_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(template_id): Path<String>,
    ApiJson(req): ApiJson<UpdateTemplateRequest>,
) -> Result<Reply, ApiError> {
    let family_id = template_for_parent(&state, &caller, &template_id)
        .await?
        .family_id;
    let label = req
        .label
        .as_deref()
        .map(|l| validate::text("label", l, 80))
        .transpose()?;
    let duration_ms = req
        .duration_seconds
        .map(|s| validate::duration_seconds("durationSeconds", s))
        .transpose()?;
    let stars = req.stars.map(|s| validate::stars("stars", s)).transpose()?;
    let mut tx = FamilyTx::begin(&state, &family_id).await?;
    // Read again inside the family's transaction, which serialises the
    // family's writers: a row read before it could be older than a PATCH
    // that committed meanwhile, and writing it back would undo that one.
    let mut template = load_template(tx.conn(), &template_id).await?;
    if let Some(label) = label {
        template.label = label;
    }
    if let Some(duration_ms) = duration_ms {
        template.duration_ms = duration_ms;
    }
    if let Some(stars) = stars {
        template.stars = stars;
    }
    template.updated_at = now_ms();
    sqlx::query("UPDATE templates SET label = $1, duration_ms = $2, stars = $3, updated_at = $4 WHERE id = $5")
        .bind(&template.label)
        .bind(template.duration_ms)
        .bind(template.stars)
        .bind(template.updated_at)
        .bind(&template.id)
        .execute(tx.conn())
        .await?;
    let revision = tx.commit(&state).await?;
    Reply::ok(TemplateResponse { template, revision })
}

#[utoipa::path(delete, path = "/api/templates/{templateId}", tag = "templates",
    params(("templateId" = String, Path)),
    responses((status = 200, body = DeletedResponse), (status = 404)), security(("bearer" = [])))]
pub async fn delete_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(template_id): Path<String>,
) -> Result<Reply, ApiError> {
    let template = template_for_parent(&state, &caller, &template_id).await?;
    let mut tx = FamilyTx::begin(&state, &template.family_id).await?;
    // Timers started from it keep running; they just lose the link.
    sqlx::query("UPDATE timers SET template_id = NULL WHERE template_id = $1")
        .bind(&template.id)
        .execute(tx.conn())
        .await?;
    sqlx::query("DELETE FROM templates WHERE id = $1")
        .bind(&template.id)
        .execute(tx.conn())
        .await?;
    let revision = tx.commit(&state).await?;
    Reply::ok(DeletedResponse {
        deleted: template.id,
        revision,
    })
}
