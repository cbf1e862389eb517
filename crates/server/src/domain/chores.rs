//! Chores: parents keep the list (title, stars, the child it is usually
//! for, the days of the week it is due); anyone in the family, kitchen
//! screens included, marks one done — on a day it is due, once per child
//! and day in the family's time zone — which records who did it, awards
//! its stars and emits `chore:completed` then `stars:updated`. Where the
//! family's parents approve chores, a kitchen screen's completion waits as
//! `pending` until a parent approves it (stars then: `chore:approved`) or
//! rejects it (`chore:rejected`). A completion can be undone (by the
//! screen that made it for [`UNDO_WINDOW_MS`], by a parent at any time):
//! its stars go back in a new ledger entry and `chore:undone` then
//! `stars:updated` follow.

use kinboard_api::events::{
    ChoreChanged, ChoreCompleted, ChoreDecided, ChoreRemoved, ChoreUndone, LastCompletion,
};
use kinboard_api::{
    Chore, ChoreApproval, ChoreCompletedResponse, ChoreRequest, ChoreResponse, Completion,
    CompletionDecided, CompletionStatus, CompletionUndone, DeletedResponse, EntryKind, FamilyEvent,
    Role, StarEntry, UpdateChoreRequest, Weekdays,
};

use crate::calendar::local_day;
use crate::clock::now_ms;
use crate::domain::access::{Access, Caller, family_access};
use crate::domain::families::load_family;
use crate::domain::members::member_in_family;
pub use crate::domain::stars::UNDO_WINDOW_MS;
use crate::domain::stars::{
    NewEntry, announce_balance, award, balance_of, may_undo, reverse_entry,
};
use crate::error::ApiError;
use crate::ids::new_id;
use crate::revision::{FamilyTx, IdempotencyKey, IdempotencyScope};
use crate::state::AppState;
use crate::validate;

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

/// Changes a chore's title, stars, child or days (parents).
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

/// Marks a chore done by a child (kitchen screens too): its stars at once,
/// or, in a family where parents approve, a kitchen screen's completion
/// waits as `pending` for a parent.
pub async fn complete_chore(
    state: &AppState,
    caller: &Caller,
    chore_id: &str,
    member_id: &str,
    idempotency: Option<&IdempotencyKey>,
) -> Result<ChoreCompletedResponse, ApiError> {
    let (chore, access) = chore_for(state, caller, chore_id).await?;
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
    let status = if family.chore_approval == ChoreApproval::Parent && access.role == Role::Kiosk {
        CompletionStatus::Pending
    } else {
        CompletionStatus::Approved
    };
    let completion_id = new_id("cmp");
    sqlx::query(
        "INSERT INTO chore_completions (id, chore_id, family_id, member_id, completed_at, day, status, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&completion_id)
    .bind(&chore.id)
    .bind(&chore.family_id)
    .bind(&member.id)
    .bind(completed_at)
    .bind(&day)
    .bind(status.as_str())
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
        status,
        day,
        revision,
    }));
    let (stars_awarded, new_balance) = if status == CompletionStatus::Approved {
        award_completion(
            &mut tx,
            &chore,
            &member.id,
            &completion_id,
            caller.principal(),
        )
        .await?
    } else {
        (0, member.balance)
    };
    let reply = ChoreCompletedResponse {
        chore_id: chore.id,
        completed_by: member.id,
        completion_id,
        status,
        stars_awarded,
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

/// Awards a completion's stars (when the chore has any) and links the
/// ledger entry to it; the stars awarded and the balance after.
async fn award_completion(
    tx: &mut FamilyTx,
    chore: &Chore,
    member_id: &str,
    completion_id: &str,
    by: &str,
) -> Result<(i64, i64), ApiError> {
    if chore.stars <= 0 {
        return Ok((0, balance_of(tx.conn(), member_id).await?));
    }
    let reason = format!("chore: {}", chore.title);
    let (entry, balance) = award(
        tx,
        NewEntry {
            member_id,
            amount: chore.stars,
            reason: &reason,
            kind: EntryKind::Chore,
            by,
            reverses: None,
        },
    )
    .await?;
    sqlx::query("UPDATE chore_completions SET star_entry_id = $1 WHERE id = $2")
        .bind(&entry.id)
        .bind(completion_id)
        .execute(tx.conn())
        .await?;
    Ok((chore.stars, balance))
}

/// A completion as the approval and undo rules need it.
struct StoredCompletion {
    chore_id: String,
    family_id: String,
    member_id: String,
    completed_at: i64,
    created_by: Option<String>,
}

async fn load_completion(
    state: &AppState,
    caller: &Caller,
    completion_id: &str,
) -> Result<(StoredCompletion, Access), ApiError> {
    type Row = (String, String, String, i64, Option<String>);
    let found: Option<Row> = sqlx::query_as(
        "SELECT chore_id, family_id, member_id, completed_at, created_by \
         FROM chore_completions WHERE id = $1",
    )
    .bind(completion_id)
    .fetch_optional(&state.db.reader)
    .await?;
    let (chore_id, family_id, member_id, completed_at, created_by) =
        found.ok_or(ApiError::NotFound("completion"))?;
    let access = family_access(state, caller, &family_id)
        .await
        .map_err(|_| ApiError::NotFound("completion"))?;
    Ok((
        StoredCompletion {
            chore_id,
            family_id,
            member_id,
            completed_at,
            created_by,
        },
        access,
    ))
}

/// Today's completions that count in `family_id` (`today` as the family's
/// local date) and every one still waiting for a parent, of the children
/// on the board.
pub async fn completions_of(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    family_id: &str,
    today: &str,
) -> Result<Vec<Completion>, ApiError> {
    Ok(sqlx::query_as(
        "SELECT x.id, x.chore_id, x.member_id, x.completed_at, COALESCE(x.day, '') AS day, x.status \
         FROM chore_completions x JOIN members m ON m.id = x.member_id AND m.removed_at IS NULL \
         WHERE x.family_id = $1 AND (x.status = 'pending' OR (x.day = $2 AND x.status = 'approved')) \
         ORDER BY x.completed_at, x.id",
    )
    .bind(family_id)
    .bind(today)
    .fetch_all(conn)
    .await?)
}

/// A parent's decision on a pending completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

/// A parent approves a pending completion (its stars are awarded now,
/// `chore:approved` then `stars:updated`) or rejects it (nothing awarded,
/// the chore is not done: `chore:rejected`). Kitchen screens may not.
pub async fn decide_completion(
    state: &AppState,
    caller: &Caller,
    completion_id: &str,
    decision: Decision,
) -> Result<CompletionDecided, ApiError> {
    let (completion, access) = load_completion(state, caller, completion_id).await?;
    access.require_parent()?;
    let status = match decision {
        Decision::Approve => CompletionStatus::Approved,
        Decision::Reject => CompletionStatus::Rejected,
    };
    let mut tx = FamilyTx::begin(state, &completion.family_id).await?;
    // A child taken off the board has nobody to give the stars to (their
    // waiting completions were turned down with them).
    member_in_family(tx.conn(), &completion.family_id, &completion.member_id).await?;
    // Only a pending one, checked and changed in one statement inside the
    // family's transaction: two parents deciding at once, one wins.
    let decided = sqlx::query(
        "UPDATE chore_completions SET status = $1, decided_by = $2, decided_at = $3 \
         WHERE id = $4 AND status = 'pending'",
    )
    .bind(status.as_str())
    .bind(caller.principal())
    .bind(now_ms())
    .bind(completion_id)
    .execute(tx.conn())
    .await?;
    if decided.rows_affected() == 0 {
        tx.unchanged().await?;
        return Err(ApiError::NotPending);
    }
    let chore = load_chore(tx.conn(), &completion.chore_id).await?;
    let revision = tx.revision();
    let event = ChoreDecided {
        completion_id: completion_id.to_owned(),
        chore_id: chore.id.clone(),
        member_id: completion.member_id.clone(),
        revision,
    };
    let (stars_awarded, new_balance) = match decision {
        Decision::Approve => {
            tx.emit(FamilyEvent::ChoreApproved(event));
            award_completion(
                &mut tx,
                &chore,
                &completion.member_id,
                completion_id,
                caller.principal(),
            )
            .await?
        }
        Decision::Reject => {
            tx.emit(FamilyEvent::ChoreRejected(event));
            (0, balance_of(tx.conn(), &completion.member_id).await?)
        }
    };
    let reply = CompletionDecided {
        completion_id: completion_id.to_owned(),
        chore_id: chore.id,
        member_id: completion.member_id,
        status,
        stars_awarded,
        new_balance,
        revision: tx.revision(),
        events: tx.events(),
    };
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
    let (completion, access) = load_completion(state, caller, completion_id).await?;
    Ok(undo_loaded(state, &access, completion_id, completion)
        .await?
        .0)
}

/// [`undo_completion`] on behalf of the caller of `access`; with the
/// ledger entry that reversed its stars, when it had any.
pub async fn undo_completion_by(
    state: &AppState,
    access: &Access,
    completion_id: &str,
) -> Result<(CompletionUndone, Option<StarEntry>), ApiError> {
    let (completion, _) = load_completion(state, &access.caller, completion_id).await?;
    undo_loaded(state, access, completion_id, completion).await
}

async fn undo_loaded(
    state: &AppState,
    access: &Access,
    completion_id: &str,
    completion: StoredCompletion,
) -> Result<(CompletionUndone, Option<StarEntry>), ApiError> {
    may_undo(
        access,
        completion.created_by.as_deref(),
        completion.completed_at,
    )?;
    let mut tx = FamilyTx::begin(state, &completion.family_id).await?;
    // Read again inside the family's transaction: a parent's approval that
    // committed since is a parent's to take back, not the kitchen screen's.
    let (decided_by,): (Option<String>,) =
        sqlx::query_as("SELECT decided_by FROM chore_completions WHERE id = $1")
            .bind(completion_id)
            .fetch_one(tx.conn())
            .await?;
    if access.role == Role::Kiosk && decided_by.is_some() {
        tx.unchanged().await?;
        return Err(ApiError::UndoExpired);
    }
    let undone = sqlx::query(
        "UPDATE chore_completions SET status = 'undone', undone_at = $1 \
         WHERE id = $2 AND status IN ('approved', 'pending')",
    )
    .bind(now_ms())
    .bind(completion_id)
    .execute(tx.conn())
    .await?;
    if undone.rows_affected() == 0 {
        tx.unchanged().await?;
        return Err(ApiError::AlreadyUndone);
    }
    let chore = load_chore(tx.conn(), &completion.chore_id).await?;
    // The star entry as it is now, inside the transaction.
    let (star_entry,): (Option<String>,) =
        sqlx::query_as("SELECT star_entry_id FROM chore_completions WHERE id = $1")
            .bind(completion_id)
            .fetch_one(tx.conn())
            .await?;
    let reversal = match star_entry {
        Some(entry) => Some(reverse_entry(&mut tx, &entry, access.caller.principal()).await?),
        None => None,
    };
    let new_balance = match &reversal {
        Some((_, balance)) => *balance,
        None => balance_of(tx.conn(), &completion.member_id).await?,
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
        member_id: completion.member_id.clone(),
        new_balance,
        last_completion,
        revision,
    }));
    if reversal.is_some() {
        announce_balance(&mut tx, &completion.member_id, new_balance).await?;
    }
    let reply = CompletionUndone {
        completion_id: completion_id.to_owned(),
        chore_id: chore.id,
        member_id: completion.member_id,
        status: CompletionStatus::Undone,
        new_balance,
        revision: tx.revision(),
        events: tx.events(),
    };
    tx.commit(state).await?;
    Ok((reply, reversal.map(|(entry, _)| entry)))
}
