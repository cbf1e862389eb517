//! Chores: parents keep the list (title, stars, the child it is usually
//! for); anyone in the family, kitchen screens included, marks one done,
//! which records who did it, awards its stars and emits `chore:completed`
//! then `stars:updated`.

use kinboard_api::events::{ChoreChanged, ChoreCompleted, ChoreRemoved};
use kinboard_api::{
    Chore, ChoreCompletedResponse, ChoreRequest, ChoreResponse, DeletedResponse, FamilyEvent,
    UpdateChoreRequest,
};

use crate::clock::now_ms;
use crate::domain::access::{Access, Caller, family_access};
use crate::domain::members::member_in_family;
use crate::domain::stars::award;
use crate::error::ApiError;
use crate::ids::new_id;
use crate::revision::{FamilyTx, IdempotencyKey, IdempotencyScope};
use crate::state::AppState;
use crate::validate;

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

/// Adds a chore (parents).
pub async fn create_chore(
    state: &AppState,
    access: &Access,
    req: &ChoreRequest,
) -> Result<ChoreResponse, ApiError> {
    access.require_parent()?;
    create_chore_in(state, &access.family_id, req).await
}

/// Adds a chore to `family_id`, whoever asks (the demo's seeding).
pub async fn create_chore_in(
    state: &AppState,
    family_id: &str,
    req: &ChoreRequest,
) -> Result<ChoreResponse, ApiError> {
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
    let revision = tx.revision();
    tx.emit(FamilyEvent::ChoreAdded(ChoreChanged {
        chore: chore.clone(),
        revision,
    }));
    let events = tx.events();
    tx.commit(state).await?;
    Ok(ChoreResponse {
        chore,
        revision,
        events,
    })
}

async fn chore_for(
    state: &AppState,
    caller: &Caller,
    chore_id: &str,
) -> Result<(Chore, Access), ApiError> {
    let chore = load_chore(&state.db.reader, chore_id).await?;
    let access = family_access(state, caller, &chore.family_id)
        .await
        .map_err(|_| ApiError::NotFound("chore"))?;
    Ok((chore, access))
}

/// Changes a chore's title, stars or child (parents).
pub async fn update_chore(
    state: &AppState,
    caller: &Caller,
    chore_id: &str,
    req: &UpdateChoreRequest,
) -> Result<ChoreResponse, ApiError> {
    let (chore, access) = chore_for(state, caller, chore_id).await?;
    access.require_parent()?;
    let title = req
        .title
        .as_deref()
        .map(|t| validate::text("title", t, 80))
        .transpose()?;
    let stars = req.stars.map(|s| validate::stars("stars", s)).transpose()?;
    if title.is_none() && stars.is_none() && req.member_id.is_none() {
        return Err(ApiError::invalid(
            "send a title, stars or memberId to change",
        ));
    }
    let mut tx = FamilyTx::begin(state, &chore.family_id).await?;
    // Read again inside the family's transaction, which serialises the
    // family's writers: a row read before it could be older than a PATCH
    // that committed meanwhile, and writing it back would undo that one.
    let mut chore = load_chore(tx.conn(), chore_id).await?;
    if let Some(title) = title {
        chore.title = title;
    }
    if let Some(stars) = stars {
        chore.stars = stars;
    }
    match &req.member_id {
        Some(Some(member_id)) => {
            member_in_family(tx.conn(), &chore.family_id, member_id).await?;
            chore.member_id = Some(member_id.clone());
        }
        Some(None) => chore.member_id = None,
        None => {}
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
    let revision = tx.revision();
    tx.emit(FamilyEvent::ChoreUpdated(ChoreChanged {
        chore: chore.clone(),
        revision,
    }));
    let events = tx.events();
    tx.commit(state).await?;
    Ok(ChoreResponse {
        chore,
        revision,
        events,
    })
}

/// Deletes a chore and its completions (parents).
pub async fn delete_chore(
    state: &AppState,
    caller: &Caller,
    chore_id: &str,
) -> Result<DeletedResponse, ApiError> {
    let (chore, access) = chore_for(state, caller, chore_id).await?;
    access.require_parent()?;
    let mut tx = FamilyTx::begin(state, &chore.family_id).await?;
    sqlx::query("DELETE FROM chore_completions WHERE chore_id = $1")
        .bind(&chore.id)
        .execute(tx.conn())
        .await?;
    sqlx::query("DELETE FROM chores WHERE id = $1")
        .bind(&chore.id)
        .execute(tx.conn())
        .await?;
    let revision = tx.revision();
    tx.emit(FamilyEvent::ChoreRemoved(ChoreRemoved {
        chore_id: chore.id.clone(),
        revision,
    }));
    let events = tx.events();
    tx.commit(state).await?;
    Ok(DeletedResponse {
        deleted: chore.id,
        revision,
        events,
    })
}

/// Marks a chore done by a child and awards its stars (kitchen screens too).
pub async fn complete_chore(
    state: &AppState,
    caller: &Caller,
    chore_id: &str,
    member_id: &str,
    idempotency: Option<&IdempotencyKey>,
) -> Result<ChoreCompletedResponse, ApiError> {
    let (chore, _access) = chore_for(state, caller, chore_id).await?;
    let mut tx = FamilyTx::begin(state, &chore.family_id).await?;
    let scope =
        idempotency.map(|i| IdempotencyScope::new(caller.principal(), "complete", chore_id, i));
    if let Some(scope) = &scope
        && let Some(reply) = tx.replay(scope).await?
    {
        tx.unchanged().await?;
        return Ok(reply);
    }
    let member = member_in_family(tx.conn(), &chore.family_id, member_id).await?;
    let chore = load_chore(tx.conn(), chore_id).await?;
    let completed_at = now_ms();
    sqlx::query("INSERT INTO chore_completions (id, chore_id, family_id, member_id, completed_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(new_id("cmp"))
        .bind(&chore.id)
        .bind(&chore.family_id)
        .bind(&member.id)
        .bind(completed_at)
        .execute(tx.conn())
        .await?;
    let revision = tx.revision();
    tx.emit(FamilyEvent::ChoreCompleted(ChoreCompleted {
        chore_id: chore.id.clone(),
        completed_by: member.id.clone(),
        completed_at,
        revision,
    }));
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
    let reply = ChoreCompletedResponse {
        chore_id: chore.id,
        completed_by: member.id,
        stars_awarded: chore.stars,
        new_balance,
        revision: tx.revision(),
        events: tx.events(),
    };
    if let Some(scope) = &scope {
        tx.remember(scope, &reply).await?;
    }
    tx.commit(state).await?;
    Ok(reply)
}
