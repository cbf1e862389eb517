//! Rewards: a family's catalogue of what stars buy (title, cost, an
//! optional limit per child per week), kept by parents; a child redeeming
//! one, which spends its stars in the ledger — never below zero, never
//! past the weekly limit, whatever arrives at once — and, on a kitchen
//! screen, needs the parent PIN, or, in a family where parents approve,
//! waits for a parent without it (nothing is spent until one approves);
//! and a redemption taken back, which gives the stars back. Every change
//! is an event: `reward:added`, `reward:updated`, `reward:removed`,
//! `reward:redeemed`, `reward:approved`, `reward:rejected` and
//! `reward:undone` (spending and giving back followed by `stars:updated`).

use kinboard_api::events::{
    RewardApproved, RewardChanged, RewardRedeemed, RewardRejected, RewardRemoved, RewardUndone,
};
use kinboard_api::{
    ChoreApproval, CompletionStatus, DeletedResponse, EntryKind, FamilyEvent, RedeemResponse,
    Redemption, RedemptionDecided, Reward, RewardRequest, RewardResponse, Role, StarEntryUndone,
    UpdateRewardRequest,
};

use crate::clock::now_ms;
use crate::domain::access::{Access, Caller, family_access};
use crate::domain::chores::Decision;
use crate::domain::families::load_family;
use crate::domain::members::member_in_family;
use crate::domain::stars::{
    NewEntry, announce_balance, balance_of, family_member, reverse_entry, week_start, write_entry,
};
use crate::error::ApiError;
use crate::ids::new_id;
use crate::revision::{FamilyTx, IdempotencyKey, IdempotencyScope};
use crate::state::AppState;
use crate::validate::{self, MAX_REWARD_COST, MAX_WEEKLY_LIMIT};

/// The longest reward title.
pub const MAX_TITLE: usize = 80;

const COLUMNS: &str = "id, family_id, title, cost, weekly_limit, created_at, updated_at";
const REDEMPTION_COLUMNS: &str =
    "id, reward_id, member_id, title, cost, status, star_entry_id, created_at";

/// The family's catalogue, oldest first.
pub async fn rewards_of(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    family_id: &str,
) -> Result<Vec<Reward>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM rewards WHERE family_id = $1 AND removed_at IS NULL ORDER BY created_at, id"
    ))
    .bind(family_id)
    .fetch_all(conn)
    .await?)
}

/// Redemptions spent since `since` (not undone) and every one waiting for
/// a parent, of the children on the board, oldest first.
pub async fn redemptions_since(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    family_id: &str,
    since: i64,
) -> Result<Vec<Redemption>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {REDEMPTION_COLUMNS} FROM reward_redemptions x \
         WHERE x.family_id = $1 AND x.undone_at IS NULL \
         AND ((x.status = 'approved' AND x.created_at >= $2) OR x.status = 'pending') \
         AND EXISTS (SELECT 1 FROM members m WHERE m.id = x.member_id AND m.removed_at IS NULL) \
         ORDER BY x.created_at, x.id"
    ))
    .bind(family_id)
    .bind(since)
    .fetch_all(conn)
    .await?)
}

async fn load_reward(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    reward_id: &str,
) -> Result<Reward, ApiError> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM rewards WHERE id = $1 AND removed_at IS NULL"
    ))
    .bind(reward_id)
    .fetch_optional(conn)
    .await?
    .ok_or(ApiError::NotFound("reward"))
}

/// A reward and the caller's access to its family (a 404 for anyone
/// outside it).
async fn reward_for(
    state: &AppState,
    caller: &Caller,
    reward_id: &str,
) -> Result<(Reward, Access), ApiError> {
    let reward = load_reward(&state.db.reader, reward_id).await?;
    let access = family_access(state, caller, &reward.family_id)
        .await
        .map_err(|_| ApiError::NotFound("reward"))?;
    Ok((reward, access))
}

fn title(value: &str) -> Result<String, ApiError> {
    validate::text("title", value, MAX_TITLE)
}

fn cost(value: i64) -> Result<i64, ApiError> {
    validate::within("cost", value, 1, MAX_REWARD_COST)
}

fn weekly_limit(value: Option<i64>) -> Result<Option<i64>, ApiError> {
    value
        .map(|v| validate::within("weeklyLimit", v, 1, MAX_WEEKLY_LIMIT))
        .transpose()
}

/// Adds a reward to the catalogue (parents).
pub async fn create_reward(
    state: &AppState,
    access: &Access,
    req: &RewardRequest,
) -> Result<RewardResponse, ApiError> {
    access.require_parent()?;
    create_reward_in(state, &access.family_id, req).await
}

/// Adds a reward to `family_id`, whoever asks (the demo's seeding).
pub async fn create_reward_in(
    state: &AppState,
    family_id: &str,
    req: &RewardRequest,
) -> Result<RewardResponse, ApiError> {
    let now = now_ms();
    let reward = Reward {
        id: new_id("rwd"),
        family_id: family_id.to_owned(),
        title: title(&req.title)?,
        cost: cost(req.cost)?,
        weekly_limit: weekly_limit(req.weekly_limit)?,
        created_at: now,
        updated_at: now,
    };
    let mut tx = FamilyTx::begin(state, family_id).await?;
    sqlx::query(
        "INSERT INTO rewards (id, family_id, title, cost, weekly_limit, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&reward.id)
    .bind(&reward.family_id)
    .bind(&reward.title)
    .bind(reward.cost)
    .bind(reward.weekly_limit)
    .bind(reward.created_at)
    .bind(reward.updated_at)
    .execute(tx.conn())
    .await?;
    commit_reward(state, tx, reward, FamilyEvent::RewardAdded).await
}

async fn commit_reward(
    state: &AppState,
    mut tx: FamilyTx,
    reward: Reward,
    event: fn(RewardChanged) -> FamilyEvent,
) -> Result<RewardResponse, ApiError> {
    let revision = tx.revision();
    tx.emit(event(RewardChanged {
        reward: reward.clone(),
        revision,
    }));
    let events = tx.events();
    tx.commit(state).await?;
    Ok(RewardResponse {
        reward,
        revision,
        events,
    })
}

/// Changes a reward's title, cost or weekly limit (parents).
pub async fn update_reward(
    state: &AppState,
    caller: &Caller,
    reward_id: &str,
    req: &UpdateRewardRequest,
) -> Result<RewardResponse, ApiError> {
    let (reward, access) = reward_for(state, caller, reward_id).await?;
    access.require_parent()?;
    let new_title = req.title.as_deref().map(title).transpose()?;
    let new_cost = req.cost.map(cost).transpose()?;
    let new_limit = req.weekly_limit.map(weekly_limit).transpose()?;
    if new_title.is_none() && new_cost.is_none() && new_limit.is_none() {
        return Err(ApiError::invalid(
            "send a title, a cost or a weeklyLimit to change",
        ));
    }
    let mut tx = FamilyTx::begin(state, &reward.family_id).await?;
    // Read again inside the family's transaction (see chores' update).
    let mut reward = load_reward(tx.conn(), reward_id).await?;
    if let Some(t) = new_title {
        reward.title = t;
    }
    if let Some(c) = new_cost {
        reward.cost = c;
    }
    if let Some(l) = new_limit {
        reward.weekly_limit = l;
    }
    reward.updated_at = now_ms();
    sqlx::query(
        "UPDATE rewards SET title = $1, cost = $2, weekly_limit = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(&reward.title)
    .bind(reward.cost)
    .bind(reward.weekly_limit)
    .bind(reward.updated_at)
    .bind(&reward.id)
    .execute(tx.conn())
    .await?;
    commit_reward(state, tx, reward, FamilyEvent::RewardUpdated).await
}

/// Takes a reward off the catalogue (parents); what was spent on it stays
/// in the ledger, named as it was, and what waited for a parent is turned
/// down (`reward:removed` takes it off every screen).
pub async fn delete_reward(
    state: &AppState,
    caller: &Caller,
    reward_id: &str,
) -> Result<DeletedResponse, ApiError> {
    let (reward, access) = reward_for(state, caller, reward_id).await?;
    access.require_parent()?;
    let mut tx = FamilyTx::begin(state, &reward.family_id).await?;
    let removed =
        sqlx::query("UPDATE rewards SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL")
            .bind(now_ms())
            .bind(&reward.id)
            .execute(tx.conn())
            .await?;
    if removed.rows_affected() == 0 {
        tx.unchanged().await?;
        return Err(ApiError::NotFound("reward"));
    }
    // Asked for and not yet given: off the list, it is not given.
    sqlx::query(
        "UPDATE reward_redemptions SET status = 'rejected', decided_at = $1 WHERE reward_id = $2 AND status = 'pending'",
    )
    .bind(now_ms())
    .bind(&reward.id)
    .execute(tx.conn())
    .await?;
    let revision = tx.revision();
    tx.emit(FamilyEvent::RewardRemoved(RewardRemoved {
        reward_id: reward.id.clone(),
        revision,
    }));
    let events = tx.events();
    tx.commit(state).await?;
    Ok(DeletedResponse {
        deleted: reward.id,
        revision,
        events,
    })
}

/// A child spends stars on a reward: a parent's screen at once, a kitchen
/// screen with the parent PIN — or, where parents approve, without it,
/// as a redemption that waits for a parent (nothing spent yet). Refused with nothing written when the
/// stars do not reach (409 `insufficient_stars`) or the child has had it
/// as often as its weekly limit allows (409 `reward_limit_reached`); the
/// family's transaction serialises redemptions, so neither holds only
/// for the first of many at once.
pub async fn redeem(
    state: &AppState,
    caller: &Caller,
    pin: Option<&str>,
    reward_id: &str,
    member_id: &str,
    idempotency: Option<&IdempotencyKey>,
) -> Result<RedeemResponse, ApiError> {
    let (reward, access) = reward_for(state, caller, reward_id).await?;
    // Another family's child is a 404 for everyone, before any PIN question.
    family_member(state, &access, member_id).await?;
    // Where parents approve, a kitchen screen may ask without the PIN: the
    // redemption waits, and nothing is spent until a parent approves it.
    let family = load_family(&state.db.reader, &reward.family_id).await?;
    let asks = access.role == Role::Kiosk
        && pin.is_none()
        && family.chore_approval == ChoreApproval::Parent;
    if !asks {
        access.require_parent_or_pin(state, pin).await?;
    }
    let mut tx = FamilyTx::begin(state, &reward.family_id).await?;
    let scope =
        idempotency.map(|i| IdempotencyScope::new(caller.principal(), "redeem", reward_id, i));
    if let Some(scope) = &scope
        && let Some(reply) = tx.replay(scope).await?
    {
        tx.unchanged().await?;
        return Ok(reply);
    }
    let member = member_in_family(tx.conn(), &reward.family_id, member_id).await?;
    let reward = load_reward(tx.conn(), reward_id).await?;
    let now = now_ms();
    if let Some(limit) = reward.weekly_limit {
        let (had,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM reward_redemptions WHERE member_id = $1 AND reward_id = $2 \
             AND created_at >= $3 AND undone_at IS NULL AND status IN ('approved', 'pending')",
        )
        .bind(&member.id)
        .bind(&reward.id)
        .bind(week_start(&family.time_zone, now))
        .fetch_one(tx.conn())
        .await?;
        if had >= limit {
            return Err(ApiError::RewardLimitReached);
        }
    }
    let status = if asks {
        // Not enough stars now is not enough later: refused at once.
        if member.balance < reward.cost {
            return Err(ApiError::InsufficientStars {
                balance: member.balance - reward.cost,
            });
        }
        CompletionStatus::Pending
    } else {
        CompletionStatus::Approved
    };
    let (entry, new_balance) = match status {
        CompletionStatus::Approved => {
            let (entry, balance) = spend(
                &mut tx,
                &member.id,
                (&reward.title, reward.cost),
                caller.principal(),
            )
            .await?;
            (Some(entry), balance)
        }
        _ => (None, member.balance),
    };
    let redemption = Redemption {
        id: new_id("rdm"),
        reward_id: reward.id.clone(),
        member_id: member.id.clone(),
        title: reward.title.clone(),
        cost: reward.cost,
        status,
        star_entry_id: entry.as_ref().map(|e| e.id.clone()),
        created_at: now,
    };
    sqlx::query(
        "INSERT INTO reward_redemptions (id, reward_id, family_id, member_id, title, cost, status, created_by, star_entry_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&redemption.id)
    .bind(&redemption.reward_id)
    .bind(&reward.family_id)
    .bind(&redemption.member_id)
    .bind(&redemption.title)
    .bind(redemption.cost)
    .bind(status.as_str())
    .bind(caller.principal())
    .bind(&redemption.star_entry_id)
    .bind(redemption.created_at)
    .execute(tx.conn())
    .await?;
    let revision = tx.revision();
    tx.emit(FamilyEvent::RewardRedeemed(RewardRedeemed {
        redemption: redemption.clone(),
        revision,
    }));
    if entry.is_some() {
        announce_balance(&mut tx, &member.id, new_balance).await?;
    }
    let reply = RedeemResponse {
        redemption_id: redemption.id.clone(),
        status,
        redemption,
        entry,
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

/// Spends `cost` stars on the reward called `title` from `member_id`'s
/// balance (never below zero).
async fn spend(
    tx: &mut FamilyTx,
    member_id: &str,
    (title, cost): (&str, i64),
    by: &str,
) -> Result<(kinboard_api::StarEntry, i64), ApiError> {
    let reason = format!("reward: {title}");
    write_entry(
        tx,
        NewEntry {
            member_id,
            amount: -cost,
            reason: &reason,
            kind: EntryKind::Reward,
            by,
            reverses: None,
        },
    )
    .await
}

/// A parent approves a redemption that waits (its stars are spent now,
/// `reward:approved` then `stars:updated`; refused when they no longer
/// reach) or rejects it (`reward:rejected`, nothing spent). Kitchen
/// screens may not.
pub async fn decide_redemption(
    state: &AppState,
    caller: &Caller,
    redemption_id: &str,
    decision: Decision,
) -> Result<RedemptionDecided, ApiError> {
    let found: Option<(String, String)> =
        sqlx::query_as("SELECT family_id, member_id FROM reward_redemptions WHERE id = $1")
            .bind(redemption_id)
            .fetch_optional(&state.db.reader)
            .await?;
    let (family_id, member_id) = found.ok_or(ApiError::NotFound("redemption"))?;
    let access = family_access(state, caller, &family_id)
        .await
        .map_err(|_| ApiError::NotFound("redemption"))?;
    access.require_parent()?;
    let mut tx = FamilyTx::begin(state, &family_id).await?;
    member_in_family(tx.conn(), &family_id, &member_id).await?;
    let mut redemption: Redemption = sqlx::query_as(&format!(
        "SELECT {REDEMPTION_COLUMNS} FROM reward_redemptions WHERE id = $1"
    ))
    .bind(redemption_id)
    .fetch_one(tx.conn())
    .await?;
    if redemption.status != CompletionStatus::Pending {
        tx.unchanged().await?;
        return Err(ApiError::NotPending);
    }
    let revision = tx.revision();
    let (status, new_balance) = match decision {
        Decision::Approve => {
            let (entry, balance) = spend(
                &mut tx,
                &member_id,
                (&redemption.title, redemption.cost),
                caller.principal(),
            )
            .await?;
            redemption.status = CompletionStatus::Approved;
            redemption.star_entry_id = Some(entry.id.clone());
            tx.emit(FamilyEvent::RewardApproved(RewardApproved {
                redemption: redemption.clone(),
                revision,
            }));
            announce_balance(&mut tx, &member_id, balance).await?;
            (CompletionStatus::Approved, balance)
        }
        Decision::Reject => {
            tx.emit(FamilyEvent::RewardRejected(RewardRejected {
                redemption_id: redemption.id.clone(),
                reward_id: redemption.reward_id.clone(),
                member_id: member_id.clone(),
                revision,
            }));
            (
                CompletionStatus::Rejected,
                balance_of(tx.conn(), &member_id).await?,
            )
        }
    };
    sqlx::query(
        "UPDATE reward_redemptions SET status = $1, star_entry_id = $2, decided_by = $3, decided_at = $4 \
         WHERE id = $5 AND status = 'pending'",
    )
    .bind(status.as_str())
    .bind(&redemption.star_entry_id)
    .bind(caller.principal())
    .bind(now_ms())
    .bind(&redemption.id)
    .execute(tx.conn())
    .await?;
    let reply = RedemptionDecided {
        redemption_id: redemption.id,
        member_id,
        status,
        new_balance,
        revision: tx.revision(),
        events: tx.events(),
    };
    tx.commit(state).await?;
    Ok(reply)
}

/// Takes back the redemption whose stars are ledger entry `entry_id`
/// (the undo rules are checked by the caller): the stars come back in a
/// new entry, `reward:undone` then `stars:updated`.
pub async fn undo_redemption_of(
    state: &AppState,
    access: &Access,
    entry_id: &str,
) -> Result<StarEntryUndone, ApiError> {
    let mut tx = FamilyTx::begin(state, &access.family_id).await?;
    let found: Option<(String, String, String)> = sqlx::query_as(
        "SELECT id, reward_id, member_id FROM reward_redemptions WHERE star_entry_id = $1 AND family_id = $2",
    )
    .bind(entry_id)
    .bind(&access.family_id)
    .fetch_optional(tx.conn())
    .await?;
    let (redemption_id, reward_id, member_id) = match found {
        Some(found) => found,
        None => {
            tx.unchanged().await?;
            return Err(ApiError::NotFound("redemption"));
        }
    };
    let (entry, new_balance) =
        match reverse_entry(&mut tx, entry_id, access.caller.principal()).await {
            Ok(done) => done,
            Err(e) => {
                tx.unchanged().await?;
                return Err(e);
            }
        };
    sqlx::query("UPDATE reward_redemptions SET undone_at = $1 WHERE id = $2")
        .bind(entry.created_at)
        .bind(&redemption_id)
        .execute(tx.conn())
        .await?;
    let revision = tx.revision();
    tx.emit(FamilyEvent::RewardUndone(RewardUndone {
        redemption_id,
        reward_id,
        member_id: member_id.clone(),
        revision,
    }));
    announce_balance(&mut tx, &member_id, new_balance).await?;
    let reply = StarEntryUndone {
        member_id,
        new_balance,
        entry,
        revision: tx.revision(),
        events: tx.events(),
    };
    tx.commit(state).await?;
    Ok(reply)
}
