//! Children (members): their profiles on the board — name, colour, star
//! balance — added, renamed, recoloured and removed by parents. A removed
//! child leaves the board, their running timers are cancelled and the
//! chores meant for them become anyone's, but their row stays, so that the
//! star ledger and the history still say who earned what.

use kinboard_api::events::{ChoreChanged, MemberChanged, MemberRemoved, TimerCancelled};
use kinboard_api::{
    CHILD_COLORS, DeletedResponse, FamilyEvent, Member, MemberResponse, UpdateMemberRequest,
};

use crate::clock::now_ms;
use crate::domain::access::{Access, Caller, family_access};
use crate::domain::chores::load_chore;
use crate::error::ApiError;
use crate::ids::new_id;
use crate::revision::FamilyTx;
use crate::state::AppState;
use crate::validate;

/// The longest child's name.
pub const MAX_CHILD_NAME: usize = 40;

const COLUMNS: &str = "id, family_id, name, color, balance, created_at";

/// A member, removed or not (the ledger's history names removed ones).
pub async fn load_member(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    member_id: &str,
) -> Result<Member, ApiError> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM members WHERE id = $1"))
        .bind(member_id)
        .fetch_optional(conn)
        .await?
        .ok_or(ApiError::NotFound("member"))
}

/// A child on `family_id`'s board, read inside the family's transaction:
/// a 404 (never a leak) when the id names another family's child or one
/// who was removed, since nothing new may be done for them.
pub async fn member_in_family(
    conn: &mut sqlx::AnyConnection,
    family_id: &str,
    member_id: &str,
) -> Result<Member, ApiError> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM members WHERE id = $1 AND family_id = $2 AND removed_at IS NULL"
    ))
    .bind(member_id)
    .bind(family_id)
    .fetch_optional(conn)
    .await?
    .ok_or(ApiError::NotFound("member"))
}

/// The children on the family's board, oldest first.
pub async fn members_of(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    family_id: &str,
) -> Result<Vec<Member>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM members WHERE family_id = $1 AND removed_at IS NULL \
         ORDER BY created_at, id"
    ))
    .bind(family_id)
    .fetch_all(conn)
    .await?)
}

/// One of [`CHILD_COLORS`], by its `#rrggbb` (any case).
pub fn child_color(value: &str) -> Result<String, ApiError> {
    let value = value.trim().to_ascii_lowercase();
    if CHILD_COLORS.iter().any(|(_, hex)| *hex == value) {
        return Ok(value);
    }
    let known: Vec<&str> = CHILD_COLORS.iter().map(|(_, hex)| *hex).collect();
    Err(ApiError::invalid(format!(
        "color must be one of the board's colours: {}",
        known.join(", ")
    )))
}

/// Adds a child (parents).
pub async fn add_member(
    state: &AppState,
    access: &Access,
    name: &str,
    color: Option<&str>,
) -> Result<MemberResponse, ApiError> {
    access.require_parent()?;
    add_member_in(state, &access.family_id, name, color).await
}

/// Adds a child to `family_id`, whoever asks (the demo's seeding). Without
/// a colour the child gets the first one no child on the board has.
pub async fn add_member_in(
    state: &AppState,
    family_id: &str,
    name: &str,
    color: Option<&str>,
) -> Result<MemberResponse, ApiError> {
    let name = validate::text("name", name, MAX_CHILD_NAME)?;
    let color = color.map(child_color).transpose()?;
    let mut tx = FamilyTx::begin(state, family_id).await?;
    let color = match color {
        Some(c) => c,
        None => {
            let taken: Vec<(String,)> = sqlx::query_as(
                "SELECT color FROM members WHERE family_id = $1 AND removed_at IS NULL",
            )
            .bind(family_id)
            .fetch_all(tx.conn())
            .await?;
            let free = CHILD_COLORS
                .iter()
                .map(|(_, hex)| *hex)
                .find(|hex| !taken.iter().any(|(t,)| t == hex));
            free.unwrap_or(CHILD_COLORS[taken.len() % CHILD_COLORS.len()].1)
                .to_owned()
        }
    };
    let member = Member {
        id: new_id("mem"),
        family_id: family_id.to_owned(),
        name,
        color,
        balance: 0,
        created_at: now_ms(),
    };
    sqlx::query(&format!(
        "INSERT INTO members ({COLUMNS}) VALUES ($1, $2, $3, $4, 0, $5)"
    ))
    .bind(&member.id)
    .bind(&member.family_id)
    .bind(&member.name)
    .bind(&member.color)
    .bind(member.created_at)
    .execute(tx.conn())
    .await?;
    let revision = tx.revision();
    tx.emit(FamilyEvent::MemberAdded(MemberChanged {
        member: member.clone(),
        revision,
    }));
    let events = tx.events();
    tx.commit(state).await?;
    Ok(MemberResponse {
        member,
        revision,
        events,
    })
}

/// The family of a child a parent names, or a 404 for anyone outside it.
async fn member_for_parent(
    state: &AppState,
    caller: &Caller,
    member_id: &str,
) -> Result<Member, ApiError> {
    let member = load_member(&state.db.reader, member_id).await?;
    family_access(state, caller, &member.family_id)
        .await
        .map_err(|_| ApiError::NotFound("member"))?
        .require_parent()?;
    Ok(member)
}

/// Renames a child or changes their colour (parents).
pub async fn update_member(
    state: &AppState,
    caller: &Caller,
    member_id: &str,
    req: &UpdateMemberRequest,
) -> Result<MemberResponse, ApiError> {
    let family_id = member_for_parent(state, caller, member_id).await?.family_id;
    let name = req
        .name
        .as_deref()
        .map(|n| validate::text("name", n, MAX_CHILD_NAME))
        .transpose()?;
    let color = req.color.as_deref().map(child_color).transpose()?;
    if name.is_none() && color.is_none() {
        return Err(ApiError::invalid("send a name or a color to change"));
    }
    let mut tx = FamilyTx::begin(state, &family_id).await?;
    // Read again inside the family's transaction, which serialises the
    // family's writers: a row read before it could be older than a PATCH
    // that committed meanwhile, and writing it back would undo that one.
    let mut member = member_in_family(tx.conn(), &family_id, member_id).await?;
    if let Some(name) = name {
        member.name = name;
    }
    if let Some(color) = color {
        member.color = color;
    }
    sqlx::query("UPDATE members SET name = $1, color = $2 WHERE id = $3")
        .bind(&member.name)
        .bind(&member.color)
        .bind(member_id)
        .execute(tx.conn())
        .await?;
    let revision = tx.revision();
    tx.emit(FamilyEvent::MemberUpdated(MemberChanged {
        member: member.clone(),
        revision,
    }));
    let events = tx.events();
    tx.commit(state).await?;
    Ok(MemberResponse {
        member,
        revision,
        events,
    })
}

/// Takes a child off the board (parents): their timers still going are
/// cancelled (`timer:cancelled` each), their chores and rewards waiting for
/// a parent are turned down, the chores meant for them become anyone's
/// (`chore:updated` each), then `member:removed` (which takes what waited
/// off every screen). Their ledger stays. Removing a removed child is a 404, like any unknown child.
pub async fn remove_member(
    state: &AppState,
    caller: &Caller,
    member_id: &str,
) -> Result<DeletedResponse, ApiError> {
    let family_id = member_for_parent(state, caller, member_id).await?.family_id;
    let mut tx = FamilyTx::begin(state, &family_id).await?;
    member_in_family(tx.conn(), &family_id, member_id).await?;
    let now = now_ms();
    sqlx::query("UPDATE members SET removed_at = $1 WHERE id = $2")
        .bind(now)
        .bind(member_id)
        .execute(tx.conn())
        .await?;
    let cancelled: Vec<(String,)> = sqlx::query_as(
        "UPDATE timers SET state = 'cancelled', updated_at = $1 \
         WHERE member_id = $2 AND state IN ('running', 'paused', 'expired') RETURNING id",
    )
    .bind(now)
    .bind(member_id)
    .fetch_all(tx.conn())
    .await?;
    // What they did or asked for that waits for a parent waits no more:
    // nobody is left to give the stars to (or take them from).
    for table in ["chore_completions", "reward_redemptions"] {
        sqlx::query(&format!(
            "UPDATE {table} SET status = 'rejected', decided_at = $1 WHERE member_id = $2 AND status = 'pending'"
        ))
        .bind(now)
        .bind(member_id)
        .execute(tx.conn())
        .await?;
    }
    let unassigned: Vec<(String,)> = sqlx::query_as(
        "UPDATE chores SET member_id = NULL, updated_at = $1 WHERE member_id = $2 RETURNING id",
    )
    .bind(now)
    .bind(member_id)
    .fetch_all(tx.conn())
    .await?;
    for (timer_id,) in cancelled {
        let revision = tx.revision_for_event().await?;
        let (cache, evicted) = (state.clone(), timer_id.clone());
        tx.after_commit(move || cache.timers.remove(&evicted));
        tx.emit(FamilyEvent::TimerCancelled(TimerCancelled {
            timer_id,
            revision,
        }));
    }
    // The chores handed back to "any child" are announced with their
    // dueToday, judged in the family's zone.
    let zone = if unassigned.is_empty() {
        String::new()
    } else {
        crate::domain::families::load_family(tx.conn(), &family_id)
            .await?
            .time_zone
    };
    for (chore_id,) in unassigned {
        let revision = tx.revision_for_event().await?;
        let mut chore = load_chore(tx.conn(), &chore_id).await?;
        crate::domain::chores::mark_due([&mut chore], &zone, now_ms());
        tx.emit(FamilyEvent::ChoreUpdated(ChoreChanged { chore, revision }));
    }
    let revision = tx.revision_for_event().await?;
    tx.emit(FamilyEvent::MemberRemoved(MemberRemoved {
        member_id: member_id.to_owned(),
        revision,
    }));
    let events = tx.events();
    tx.commit(state).await?;
    Ok(DeletedResponse {
        deleted: member_id.to_owned(),
        revision,
        events,
    })
}
