//! Timer templates ("Homework, 25 minutes, 3 stars"): parents keep them;
//! anyone in the family starts timers from them.

use kinboard_api::events::{TemplateChanged, TemplateRemoved};
use kinboard_api::{
    DeletedResponse, FamilyEvent, Template, TemplateRequest, TemplateResponse,
    UpdateTemplateRequest,
};

use crate::clock::now_ms;
use crate::domain::access::{Access, Caller, family_access};
use crate::error::ApiError;
use crate::ids::new_id;
use crate::revision::FamilyTx;
use crate::state::AppState;
use crate::validate;

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

/// Adds a template to the family (parents).
pub async fn create_template(
    state: &AppState,
    access: &Access,
    req: &TemplateRequest,
) -> Result<TemplateResponse, ApiError> {
    access.require_parent()?;
    create_template_in(state, &access.family_id, req).await
}

/// Adds a template to `family_id`, whoever asks (the demo's seeding).
pub async fn create_template_in(
    state: &AppState,
    family_id: &str,
    req: &TemplateRequest,
) -> Result<TemplateResponse, ApiError> {
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
    let revision = tx.revision();
    tx.emit(FamilyEvent::TemplateAdded(TemplateChanged {
        template: template.clone(),
        revision,
    }));
    let events = tx.events();
    tx.commit(state).await?;
    Ok(TemplateResponse {
        template,
        revision,
        events,
    })
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

/// Changes a template's label, length or stars (parents).
pub async fn update_template(
    state: &AppState,
    caller: &Caller,
    template_id: &str,
    req: &UpdateTemplateRequest,
) -> Result<TemplateResponse, ApiError> {
    let family_id = template_for_parent(state, caller, template_id)
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
    if label.is_none() && duration_ms.is_none() && stars.is_none() {
        return Err(ApiError::invalid(
            "send a label, durationSeconds or stars to change",
        ));
    }
    let mut tx = FamilyTx::begin(state, &family_id).await?;
    // Read again inside the family's transaction, which serialises the
    // family's writers: a row read before it could be older than a PATCH
    // that committed meanwhile, and writing it back would undo that one.
    let mut template = load_template(tx.conn(), template_id).await?;
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
    let revision = tx.revision();
    tx.emit(FamilyEvent::TemplateUpdated(TemplateChanged {
        template: template.clone(),
        revision,
    }));
    let events = tx.events();
    tx.commit(state).await?;
    Ok(TemplateResponse {
        template,
        revision,
        events,
    })
}

/// Deletes a template (parents); timers started from it keep running.
pub async fn delete_template(
    state: &AppState,
    caller: &Caller,
    template_id: &str,
) -> Result<DeletedResponse, ApiError> {
    let template = template_for_parent(state, caller, template_id).await?;
    let mut tx = FamilyTx::begin(state, &template.family_id).await?;
    // Timers started from it keep running; they just lose the link.
    sqlx::query("UPDATE timers SET template_id = NULL WHERE template_id = $1")
        .bind(&template.id)
        .execute(tx.conn())
        .await?;
    sqlx::query("DELETE FROM templates WHERE id = $1")
        .bind(&template.id)
        .execute(tx.conn())
        .await?;
    let revision = tx.revision();
    tx.emit(FamilyEvent::TemplateRemoved(TemplateRemoved {
        template_id: template.id.clone(),
        revision,
    }));
    let events = tx.events();
    tx.commit(state).await?;
    Ok(DeletedResponse {
        deleted: template.id,
        revision,
        events,
    })
}
