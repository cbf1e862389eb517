//! Stars: a ledger of additions and removals with a reason, each member's
//! balance (kept on the member row, updated in the same transaction as the
//! ledger), and weekly stars, which count from Monday 00:00 in the family's
//! time zone.

use chrono::{Datelike, Duration, TimeZone};
use kinboard_api::events::StarsUpdated;
use kinboard_api::{
    FamilyEvent, StarEntry, StarsChanged, StarsRequest, StarsResponse, WeeklyStars,
};

use crate::clock::now_ms;
use crate::domain::access::Access;
use crate::domain::families::load_family;
use crate::domain::members::{load_member, member_in_family};
use crate::error::ApiError;
use crate::ids::new_id;
use crate::revision::{FamilyTx, IdempotencyKey, IdempotencyScope};
use crate::state::AppState;
use crate::validate::{self, MAX_STAR_CHANGE};

/// Awards stars inside a transaction that has an event of its own (a
/// confirmed timer, a completed chore): the ledger entry and balance move,
/// and `stars:updated` follows under a revision of its own, so a client
/// never takes it for a duplicate of the first event.
pub async fn award(
    tx: &mut FamilyTx,
    member_id: &str,
    amount: i64,
    reason: &str,
) -> Result<(StarEntry, i64), ApiError> {
    let (entry, balance) = write_entry(tx, member_id, amount, reason).await?;
    announce_balance(tx, member_id, balance).await?;
    Ok((entry, balance))
}

/// `stars:updated` with `balance`, under a revision of its own (after the
/// event of the change that moved the stars).
pub async fn announce_balance(
    tx: &mut FamilyTx,
    member_id: &str,
    balance: i64,
) -> Result<(), ApiError> {
    let revision = tx.next_revision().await?;
    emit_balance(tx, member_id, balance, revision);
    Ok(())
}

fn emit_balance(tx: &mut FamilyTx, member_id: &str, balance: i64, revision: i64) {
    tx.emit(FamilyEvent::StarsUpdated(StarsUpdated {
        member_id: member_id.to_owned(),
        new_balance: balance,
        revision,
    }));
}

/// The ledger entry and the balance move; refuses a negative balance.
pub async fn write_entry(
    tx: &mut FamilyTx,
    member_id: &str,
    amount: i64,
    reason: &str,
) -> Result<(StarEntry, i64), ApiError> {
    let entry = StarEntry {
        id: new_id("str"),
        member_id: member_id.to_owned(),
        amount,
        reason: reason.chars().take(200).collect(),
        created_at: now_ms(),
    };
    let (balance, family_id): (i64, String) = sqlx::query_as(
        "UPDATE members SET balance = balance + $1 WHERE id = $2 RETURNING balance, family_id",
    )
    .bind(amount)
    .bind(member_id)
    .fetch_one(tx.conn())
    .await?;
    if balance < 0 {
        return Err(ApiError::InsufficientStars { balance });
    }
    sqlx::query(
        "INSERT INTO star_entries (id, family_id, member_id, amount, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&entry.id)
    .bind(&family_id)
    .bind(&entry.member_id)
    .bind(entry.amount)
    .bind(&entry.reason)
    .bind(entry.created_at)
    .execute(tx.conn())
    .await?;
    Ok((entry, balance))
}

/// The amount of one ledger entry.
pub async fn entry_amount(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    entry_id: &str,
) -> Result<i64, ApiError> {
    let (amount,): (i64,) = sqlx::query_as("SELECT amount FROM star_entries WHERE id = $1")
        .bind(entry_id)
        .fetch_one(conn)
        .await?;
    Ok(amount)
}

/// Adds or removes stars (parents, or a kitchen screen with the PIN).
pub async fn change_stars(
    state: &AppState,
    access: &Access,
    pin: Option<&str>,
    member_id: &str,
    req: &StarsRequest,
    idempotency: Option<&IdempotencyKey>,
) -> Result<StarsChanged, ApiError> {
    let family_id = access.family_id.as_str();
    if req.amount == 0 || req.amount.abs() > MAX_STAR_CHANGE {
        return Err(ApiError::invalid(format!(
            "amount must be between -{MAX_STAR_CHANGE} and {MAX_STAR_CHANGE} and not 0"
        )));
    }
    let reason = validate::text("reason", &req.reason, 200)?;
    // Another family's child is a 404 for everyone, before any PIN question.
    let member = load_member(&state.db.reader, member_id).await?;
    if member.family_id != family_id {
        return Err(ApiError::NotFound("member"));
    }
    access.require_parent_or_pin(state, pin).await?;
    let mut tx = FamilyTx::begin(state, family_id).await?;
    let scope = idempotency
        .map(|i| IdempotencyScope::new(access.caller.principal(), "stars", member_id, i));
    if let Some(scope) = &scope
        && let Some(reply) = tx.replay(scope).await?
    {
        tx.unchanged().await?;
        return Ok(reply);
    }
    member_in_family(tx.conn(), family_id, member_id).await?;
    let (entry, new_balance) = write_entry(&mut tx, member_id, req.amount, &reason).await?;
    let revision = tx.revision();
    emit_balance(&mut tx, member_id, new_balance, revision);
    let reply = StarsChanged {
        member_id: member_id.to_owned(),
        new_balance,
        entry,
        revision: tx.revision(),
        events: tx.events(),
    };
    if let Some(scope) = &scope {
        tx.remember(scope, &reply).await?;
    }
    tx.commit(state).await?;
    Ok(reply)
}

/// A member's balance, weekly stars and latest ledger entries.
pub async fn member_stars(
    state: &AppState,
    access: &Access,
    member_id: &str,
) -> Result<StarsResponse, ApiError> {
    let family_id = access.family_id.as_str();
    let member = load_member(&state.db.reader, member_id).await?;
    if member.family_id != family_id {
        return Err(ApiError::NotFound("member"));
    }
    let family = load_family(&state.db.reader, family_id).await?;
    let week_start = week_start(&family.time_zone, now_ms());
    let weekly = weekly_stars(&state.db.reader, family_id, week_start)
        .await?
        .into_iter()
        .find(|w| w.member_id == member_id)
        .map_or(0, |w| w.stars);
    let entries: Vec<StarEntry> = sqlx::query_as(
        "SELECT id, member_id, amount, reason, created_at FROM star_entries WHERE member_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT 100",
    )
    .bind(member_id)
    .fetch_all(&state.db.reader)
    .await?;
    Ok(StarsResponse {
        member_id: member_id.to_owned(),
        balance: member.balance,
        weekly,
        week_start,
        entries,
    })
}

/// Monday 00:00 of the week containing `now_ms`, in `time_zone`, as ms epoch.
pub fn week_start(time_zone: &str, now_ms: i64) -> i64 {
    let tz: chrono_tz::Tz = time_zone.parse().unwrap_or(chrono_tz::UTC);
    let Some(now) = tz.timestamp_millis_opt(now_ms).single() else {
        return now_ms;
    };
    let monday = now.date_naive() - Duration::days(i64::from(now.weekday().num_days_from_monday()));
    let midnight = monday.and_hms_opt(0, 0, 0).unwrap_or_default();
    // `earliest` covers zones whose clocks jump at midnight.
    tz.from_local_datetime(&midnight)
        .earliest()
        .map_or(now_ms, |t| t.timestamp_millis())
}

/// Each member's net stars since `week_start` (members with none get 0).
pub async fn weekly_stars(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    family_id: &str,
    week_start: i64,
) -> Result<Vec<WeeklyStars>, ApiError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT m.id, CAST(COALESCE(SUM(e.amount), 0) AS BIGINT) FROM members m \
         LEFT JOIN star_entries e ON e.member_id = m.id AND e.created_at >= $2 \
         WHERE m.family_id = $1 AND m.removed_at IS NULL \
         GROUP BY m.id, m.created_at ORDER BY m.created_at, m.id",
    )
    .bind(family_id)
    .bind(week_start)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(member_id, stars)| WeeklyStars {
            member_id,
            stars,
            week_start,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::week_start;

    #[test]
    fn weeks_start_on_monday_midnight_in_the_family_zone() {
        // Wednesday 2026-01-07 12:00 UTC.
        let now = 1_767_787_200_000;
        // Monday 2026-01-05 00:00 UTC.
        assert_eq!(week_start("UTC", now), 1_767_571_200_000);
        // Berlin is UTC+1 in January: Monday 00:00 there is Sunday 23:00 UTC.
        assert_eq!(
            week_start("Europe/Berlin", now),
            1_767_571_200_000 - 3_600_000
        );
        // Sunday 23:30 UTC is already Monday in Berlin: a new week there.
        let sunday_late = 1_767_571_200_000 + 6 * 86_400_000 + 84_600_000;
        assert_eq!(
            week_start("Europe/Berlin", sunday_late),
            1_767_571_200_000 + 7 * 86_400_000 - 3_600_000
        );
    }
}
