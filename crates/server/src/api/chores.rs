//! Chores: list, create, update, delete (parents), and complete (anyone in
//! the family, kiosks included), which records who did it, awards the
//! chore's stars and emits `chore:completed` then `stars:updated`.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, patch, post};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::api::families::member_in_family;
use crate::api::stars::award;
use crate::api::templates::DeletedResponse;
use crate::auth::{Caller, family_access};
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::http::{ApiJson, IdempotentJson, Reply};
use crate::ids::new_id;
use crate::revision::{FamilyTx, IdempotencyScope};
use crate::state::AppState;
use crate::validate;

pub const CHORE_COMPLETED: &str = "chore:completed";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/families/{family_id}/chores",
            get(list_chores).post(create_chore),
        )
        .route(
            "/api/chores/{chore_id}",
            patch(update_chore).delete(delete_chore),
        )
        .route("/api/chores/{chore_id}/complete", post(complete_chore))
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Chore {
    pub id: String,
    pub family_id: String,
    pub title: String,
    pub stars: i64,
    /// The child it is usually for, if any; anyone may complete it.
    pub member_id: Option<String>,
    pub last_completed_at: Option<i64>,
    pub last_completed_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChoreRequest {
    pub title: String,
    #[serde(default)]
    pub stars: i64,
    pub member_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateChoreRequest {
    pub title: Option<String>,
    pub stars: Option<i64>,
    pub member_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompleteRequest {
    /// The child who did it.
    pub member_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChoreResponse {
    pub chore: Chore,
    pub revision: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChoresResponse {
    pub chores: Vec<Chore>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompletedResponse {
    pub chore_id: String,
    pub completed_by: String,
    pub stars_awarded: i64,
    /// The child's balance afterwards.
    pub new_balance: i64,
    pub revision: i64,
}

const SELECT: &str = "SELECT c.id, c.family_id, c.title, c.stars, c.member_id, c.created_at, c.updated_at, \
    (SELECT MAX(x.completed_at) FROM chore_completions x WHERE x.chore_id = c.id) AS last_completed_at, \
    (SELECT x.member_id FROM chore_completions x WHERE x.chore_id = c.id ORDER BY x.completed_at DESC, x.id DESC LIMIT 1) AS last_completed_by \
    FROM chores c";

pub async fn load_chore(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    chore_id: &str,
) -> Result<Chore, ApiError> {
    sqlx::query_as(&format!("{SELECT} WHERE c.id = $1"))
        .bind(chore_id)
        .fetch_optional(conn)
        .await?
        .ok_or(ApiError::NotFound("chore"))
}

pub async fn chores_of(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    family_id: &str,
) -> Result<Vec<Chore>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE c.family_id = $1 ORDER BY c.created_at, c.id"
    ))
    .bind(family_id)
    .fetch_all(conn)
    .await?)
}

#[utoipa::path(get, path = "/api/families/{familyId}/chores", tag = "chores",
    params(("familyId" = String, Path)),
    responses((status = 200, body = ChoresResponse), (status = 404)), security(("bearer" = [])))]
pub async fn list_chores(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id).await?;
    Reply::ok(ChoresResponse {
        chores: chores_of(&state.db.reader, &family_id).await?,
    })
}

#[utoipa::path(post, path = "/api/families/{familyId}/chores", tag = "chores",
    params(("familyId" = String, Path)), request_body = ChoreRequest,
    responses((status = 201, body = ChoreResponse), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn create_chore(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    ApiJson(req): ApiJson<ChoreRequest>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id)
        .await?
        .require_parent()?;
    let (chore, revision) = create_chore_in(&state, &family_id, &req).await?;
    Reply::created(ChoreResponse { chore, revision })
}

pub async fn create_chore_in(
    state: &AppState,
    family_id: &str,
    req: &ChoreRequest,
) -> Result<(Chore, i64), ApiError> {
    let title = validate::text("title", &req.title, 80)?;
    let stars = validate::stars("stars", req.stars)?;
    let mut tx = FamilyTx::begin(state, family_id).await?;
    if let Some(member_id) = &req.member_id {
        member_in_family(tx.conn(), family_id, member_id).await?;
    }
    let now = now_ms();
    let chore = Chore {
        id: new_id("chr"),
        family_id: family_id.to_owned(),
        title,
        stars,
        member_id: req.member_id.clone(),
        last_completed_at: None,
        last_completed_by: None,
        created_at: now,
        updated_at: now,
    };
    sqlx::query(
        "INSERT INTO chores (id, family_id, title, stars, member_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&chore.id)
    .bind(&chore.family_id)
    .bind(&chore.title)
    .bind(chore.stars)
    .bind(&chore.member_id)
    .bind(chore.created_at)
    .bind(chore.updated_at)
    .execute(tx.conn())
    .await?;
    let revision = tx.commit(state).await?;
    Ok((chore, revision))
}

async fn chore_for(
    state: &AppState,
    caller: &Caller,
    chore_id: &str,
) -> Result<(Chore, crate::auth::Access), ApiError> {
    let chore = load_chore(&state.db.reader, chore_id).await?;
    let access = family_access(state, caller, &chore.family_id)
        .await
        .map_err(|_| ApiError::NotFound("chore"))?;
    Ok((chore, access))
}

#[utoipa::path(patch, path = "/api/chores/{choreId}", tag = "chores",
    params(("choreId" = String, Path)), request_body = UpdateChoreRequest,
    responses((status = 200, body = ChoreResponse), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn update_chore(
    State(state): State<AppState>,
    caller: Caller,
    Path(chore_id): Path<String>,
    ApiJson(req): ApiJson<UpdateChoreRequest>,
) -> Result<Reply, ApiError> {
    let (chore, access) = chore_for(&state, &caller, &chore_id).await?;
    access.require_parent()?;
    let title = req
        .title
        .as_deref()
        .map(|t| validate::text("title", t, 80))
        .transpose()?;
    let stars = req.stars.map(|s| validate::stars("stars", s)).transpose()?;
    let mut tx = FamilyTx::begin(&state, &chore.family_id).await?;
    // Read again inside the family's transaction, which serialises the
    // family's writers: a row read before it could be older than a PATCH
    // that committed meanwhile, and writing it back would undo that one.
    let mut chore = load_chore(tx.conn(), &chore_id).await?;
    if let Some(title) = title {
        chore.title = title;
    }
    if let Some(stars) = stars {
        chore.stars = stars;
    }
    if let Some(member_id) = &req.member_id {
        member_in_family(tx.conn(), &chore.family_id, member_id).await?;
        chore.member_id = Some(member_id.clone());
    }
    chore.updated_at = now_ms();
    sqlx::query(
        "UPDATE chores SET title = $1, stars = $2, member_id = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(&chore.title)
    .bind(chore.stars)
    .bind(&chore.member_id)
    .bind(chore.updated_at)
    .bind(&chore.id)
    .execute(tx.conn())
    .await?;
    let revision = tx.commit(&state).await?;
    Reply::ok(ChoreResponse { chore, revision })
}

#[utoipa::path(delete, path = "/api/chores/{choreId}", tag = "chores",
    params(("choreId" = String, Path)),
    responses((status = 200, body = DeletedResponse), (status = 404)), security(("bearer" = [])))]
pub async fn delete_chore(
    State(state): State<AppState>,
    caller: Caller,
    Path(chore_id): Path<String>,
) -> Result<Reply, ApiError> {
    let (chore, access) = chore_for(&state, &caller, &chore_id).await?;
    access.require_parent()?;
    let mut tx = FamilyTx::begin(&state, &chore.family_id).await?;
    sqlx::query("DELETE FROM chore_completions WHERE chore_id = $1")
        .bind(&chore.id)
        .execute(tx.conn())
        .await?;
    sqlx::query("DELETE FROM chores WHERE id = $1")
        .bind(&chore.id)
        .execute(tx.conn())
        .await?;
    let revision = tx.commit(&state).await?;
    Reply::ok(DeletedResponse {
        deleted: chore.id,
        revision,
    })
}

/// Marks a chore done by a child and awards its stars (kiosks too).
#[utoipa::path(post, path = "/api/chores/{choreId}/complete", tag = "chores",
    params(("choreId" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key replays the first reply")),
    request_body = CompleteRequest,
    responses((status = 200, body = CompletedResponse), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn complete_chore(
    State(state): State<AppState>,
    caller: Caller,
    Path(chore_id): Path<String>,
    IdempotentJson {
        idempotency,
        body: req,
    }: IdempotentJson<CompleteRequest>,
) -> Result<Reply, ApiError> {
    let (chore, _access) = chore_for(&state, &caller, &chore_id).await?;
    let mut tx = FamilyTx::begin(&state, &chore.family_id).await?;
    let scope = idempotency
        .as_ref()
        .map(|i| IdempotencyScope::new(caller.principal(), "complete", &chore_id, i));
    if let Some(scope) = &scope
        && let Some(reply) = tx.replay(scope).await?
    {
        tx.unchanged().await?;
        return Ok(reply);
    }
    let member = member_in_family(tx.conn(), &chore.family_id, &req.member_id).await?;
    let chore = load_chore(tx.conn(), &chore_id).await?;
    sqlx::query("INSERT INTO chore_completions (id, chore_id, family_id, member_id, completed_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(new_id("cmp"))
        .bind(&chore.id)
        .bind(&chore.family_id)
        .bind(&member.id)
        .bind(now_ms())
        .execute(tx.conn())
        .await?;
    let revision = tx.revision();
    tx.emit(
        CHORE_COMPLETED,
        &json!({ "choreId": chore.id, "completedBy": member.id, "revision": revision }),
    )?;
    let new_balance = if chore.stars > 0 {
        award(
            &mut tx,
            &member.id,
            chore.stars,
            &format!("chore: {}", chore.title),
        )
        .await?
        .1
    } else {
        member.balance
    };
    let reply = Reply::ok(CompletedResponse {
        chore_id: chore.id,
        completed_by: member.id,
        stars_awarded: chore.stars,
        new_balance,
        revision: tx.revision(),
    })?;
    if let Some(scope) = &scope {
        tx.remember(scope, &reply).await?;
    }
    tx.commit(&state).await?;
    Ok(reply)
}
