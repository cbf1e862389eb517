//! Chores: parents keep the list (title, stars, the child it is usually
//! for, the days of the week it is due); anyone in the family, kitchen
//! screens included, marks one done — on a day it is due, once per child
//! and day in the family's time zone — which records who did it, awards
//! its stars and emits `chore:completed` then `stars:updated`. A
//! completion can be undone (by the screen that made it for
//! [`UNDO_WINDOW_MS`], by a parent at any time): its stars go back in a new
//! ledger entry and `chore:undone` then `stars:updated` follow.

use kinboard_api::events::{
    ChoreChanged, ChoreCompleted, ChoreRemoved, ChoreUndone, LastCompletion,
};
use kinboard_api::{
    Chore, ChoreCompletedResponse, ChoreRequest, ChoreResponse, CompletionStatus, CompletionUndone,
    DeletedResponse, FamilyEvent, Role, UpdateChoreRequest, Weekdays,
};

use crate::calendar::local_day;
use crate::clock::now_ms;
use crate::domain::access::{Access, Caller, family_access};
use crate::domain::families::load_family;
use crate::domain::members::member_in_family;
use crate::domain::stars::{announce_balance, award, entry_amount, write_entry};
use crate::error::ApiError;
use crate::ids::new_id;
use crate::revision::{FamilyTx, IdempotencyKey, IdempotencyScope};
use crate::state::AppState;
use crate::validate;

/// How long the screen that marked a chore done may undo it; a parent
/// may at any time.
pub const UNDO_WINDOW_MS: i64 = 10_000;

/// A chore and its latest completion that counts (approved, or pending a
/// parent): rejected and undone ones are history, not "done".
const SELECT: &str = "SELECT c.id, c.family_id, c.title, c.stars, c.member_id, c.days, c.created_at, c.updated_at, \
    l.id AS last_completion_id, l.completed_at AS last_completed_at, l.member_id AS last_completed_by \
    FROM chores c LEFT JOIN chore_completions l ON l.id = \
    (SELECT x.id FROM chore_completions x WHERE x.chore_id = c.id AND x.status IN ('approved', 'pending') \
     ORDER BY x.completed_at DESC, x.id DESC LIMIT 1)";

/// Sets each chore's `dueToday` as of `now_ms` in `time_zone`.
pub fn mark_due<'a>(chores: impl IntoIterator<Item = &'a mut Chore>, time_zone: &str, now_ms: i64) {
    let (_, weekday) = local_day(time_zone, now_ms);
    for chore in chores {
        chore.due_today = chore.days.includes(weekday);
    }
}

fn weekdays(days: Option<&[i64]>) -> Result<Option<Weekdays>, ApiError> {
    days.map(|d| Weekdays::from_iso(d).map_err(|e| ApiError::invalid(format!("days: {e}"))))
        .transpose()
}

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
    let days = weekdays(req.days.as_deref())?.unwrap_or_default();
    let mut tx = FamilyTx::begin(state, family_id).await?;
    if let Some(member_id) = &req.member_id {
        member_in_family(tx.conn(), family_id, member_id).await?;
    }
    let family = load_family(tx.conn(), family_id).await?;
    let now = now_ms();
    let mut chore = Chore {
        id: new_id("chr"),
        family_id: family_id.to_owned(),
        title,
        stars,
        member_id: req.member_id.clone(),
        days,
        due_today: false,
        last_completion_id: None,
        last_completed_at: None,
        last_completed_by: None,
        created_at: now,
        updated_at: now,
    };
    mark_due([&mut chore], &family.time_zone, now);
    sqlx::query(
        "INSERT INTO chores (id, family_id, title, stars, member_id, days, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&chore.id)
    .bind(&chore.family_id)
    .bind(&chore.title)
    .bind(chore.stars)
    .bind(&chore.member_id)
    .bind(chore.days.to_column())
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
    let days = weekdays(req.days.as_deref())?;
    if title.is_none() && stars.is_none() && req.member_id.is_none() && days.is_none() {
        return Err(ApiError::invalid(
            "send a title, stars, memberId or days to change",
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
    if let Some(days) = days {
        chore.days = days;
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
    let family = load_family(tx.conn(), &chore.family_id).await?;
    let updated_at = chore.updated_at;
    mark_due([&mut chore], &family.time_zone, updated_at);
    sqlx::query(
        "UPDATE chores SET title = $1, stars = $2, member_id = $3, days = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(&chore.title)
    .bind(chore.stars)
    .bind(&chore.member_id)
    .bind(chore.days.to_column())
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
    let family = load_family(tx.conn(), &chore.family_id).await?;
    let completed_at = now_ms();
    // The server decides what is due and what was done, in the family's
    // day: a second tap, another screen, a retry with a new key, all the
    // same day, award nothing more. The family's writers are serialised by
    // its transaction; the unique index is the backstop.
    let (day, weekday) = local_day(&family.time_zone, completed_at);
    if !chore.days.includes(weekday) {
        return Err(ApiError::NotDueToday);
    }
    let done: Option<(String,)> = sqlx::query_as(
        "SELECT x.id FROM chore_completions x WHERE x.chore_id = $1 AND x.member_id = $2 AND x.day = $3 \
         AND x.status IN ('approved', 'pending')",
    )
    .bind(&chore.id)
    .bind(&member.id)
    .bind(&day)
    .fetch_optional(tx.conn())
    .await?;
    if done.is_some() {
        return Err(ApiError::AlreadyDoneToday);
    }
    let completion_id = new_id("cmp");
    sqlx::query(
        "INSERT INTO chore_completions (id, chore_id, family_id, member_id, completed_at, day, status, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, 'approved', $7)",
    )
    .bind(&completion_id)
    .bind(&chore.id)
    .bind(&chore.family_id)
    .bind(&member.id)
    .bind(completed_at)
    .bind(&day)
    .bind(caller.principal())
    .execute(tx.conn())
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => ApiError::AlreadyDoneToday,
        _ => ApiError::from(e),
    })?;
    let revision = tx.revision();
    tx.emit(FamilyEvent::ChoreCompleted(ChoreCompleted {
        chore_id: chore.id.clone(),
        completed_by: member.id.clone(),
        completed_at,
        completion_id: completion_id.clone(),
        status: CompletionStatus::Approved,
        revision,
    }));
    let new_balance = if chore.stars > 0 {
        let (entry, balance) = award(
            &mut tx,
            &member.id,
            chore.stars,
            &format!("chore: {}", chore.title),
        )
        .await?;
        sqlx::query("UPDATE chore_completions SET star_entry_id = $1 WHERE id = $2")
            .bind(&entry.id)
            .bind(&completion_id)
            .execute(tx.conn())
            .await?;
        balance
    } else {
        member.balance
    };
    let reply = ChoreCompletedResponse {
        chore_id: chore.id,
        completed_by: member.id,
        completion_id,
        status: CompletionStatus::Approved,
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

/// Takes a chore completion back: the screen that made it may within
/// [`UNDO_WINDOW_MS`], a parent at any time. Its stars leave the balance in
/// a new ledger entry (the ledger is never edited); `chore:undone` then
/// `stars:updated` follow.
pub async fn undo_completion(
    state: &AppState,
    caller: &Caller,
    completion_id: &str,
) -> Result<CompletionUndone, ApiError> {
    type Row = (
        String,
        String,
        String,
        String,
        i64,
        Option<String>,
        Option<String>,
    );
    let found: Option<Row> = sqlx::query_as(
        "SELECT chore_id, family_id, member_id, status, completed_at, created_by, star_entry_id \
         FROM chore_completions WHERE id = $1",
    )
    .bind(completion_id)
    .fetch_optional(&state.db.reader)
    .await?;
    let (chore_id, family_id, member_id, _, completed_at, created_by, star_entry) =
        found.ok_or(ApiError::NotFound("completion"))?;
    let access = family_access(state, caller, &family_id)
        .await
        .map_err(|_| ApiError::NotFound("completion"))?;
    let now = now_ms();
    if access.role == Role::Kiosk
        && (created_by.as_deref() != Some(caller.principal())
            || now - completed_at > UNDO_WINDOW_MS)
    {
        return Err(ApiError::UndoExpired);
    }
    let mut tx = FamilyTx::begin(state, &family_id).await?;
    let undone = sqlx::query(
        "UPDATE chore_completions SET status = 'undone', undone_at = $1 \
         WHERE id = $2 AND status IN ('approved', 'pending')",
    )
    .bind(now)
    .bind(completion_id)
    .execute(tx.conn())
    .await?;
    if undone.rows_affected() == 0 {
        tx.unchanged().await?;
        return Err(ApiError::AlreadyUndone);
    }
    let chore = load_chore(tx.conn(), &chore_id).await?;
    let awarded = match &star_entry {
        Some(entry) => entry_amount(tx.conn(), entry).await?,
        None => 0,
    };
    let reason = format!("undone: chore: {}", chore.title);
    let new_balance = if awarded != 0 {
        write_entry(&mut tx, &member_id, -awarded, &reason).await?.1
    } else {
        let (balance,): (i64,) = sqlx::query_as("SELECT balance FROM members WHERE id = $1")
            .bind(&member_id)
            .fetch_one(tx.conn())
            .await?;
        balance
    };
    let revision = tx.revision();
    let last_completion = chore.last_completion_id.clone().and_then(|id| {
        Some(LastCompletion {
            completion_id: id,
            completed_by: chore.last_completed_by.clone()?,
            completed_at: chore.last_completed_at?,
        })
    });
    tx.emit(FamilyEvent::ChoreUndone(ChoreUndone {
        completion_id: completion_id.to_owned(),
        chore_id: chore.id.clone(),
        member_id: member_id.clone(),
        new_balance,
        last_completion,
        revision,
    }));
    if awarded != 0 {
        announce_balance(&mut tx, &member_id, new_balance).await?;
    }
    let reply = CompletionUndone {
        completion_id: completion_id.to_owned(),
        chore_id: chore.id,
        member_id,
        status: CompletionStatus::Undone,
        new_balance,
        revision: tx.revision(),
        events: tx.events(),
    };
    tx.commit(state).await?;
    Ok(reply)
}
