//! Stars: a ledger of additions and removals with a reason, a kind and who
//! wrote it; each member's balance (kept on the member row, updated in the
//! same transaction as the ledger, never below zero); weekly stars, which
//! count what was earned from Monday 00:00 in the family's time zone
//! (spending on rewards is not earning); the history per week and as CSV;
//! and undoing an entry, which writes its reversal (the ledger is never
//! edited).

use kinboard_api::events::StarsUpdated;
use kinboard_api::{
    EntryKind, FamilyEvent, Role, StarEntry, StarEntryUndone, StarsChanged, StarsRequest,
    StarsResponse, WeekStars, WeeklyStars,
};

pub use crate::calendar::week_start;
use crate::clock::now_ms;
use crate::domain::access::{Access, Caller, family_access};
use crate::domain::families::load_family;
use crate::domain::members::{load_member, member_in_family};
use crate::error::ApiError;
use crate::ids::new_id;
use crate::revision::{FamilyTx, IdempotencyKey, IdempotencyScope};
use crate::state::AppState;
use crate::validate::{self, MAX_STAR_CHANGE};

/// How long the screen that changed stars may undo it; a parent may at
/// any time.
pub const UNDO_WINDOW_MS: i64 = 10_000;

/// A ledger entry about to be written: how many stars, why, what for and
/// whose action it was (a user's or a kitchen screen's id).
pub struct NewEntry<'a> {
    pub member_id: &'a str,
    pub amount: i64,
    pub reason: &'a str,
    pub kind: EntryKind,
    pub by: &'a str,
    /// The entry this one takes back.
    pub reverses: Option<&'a str>,
}

/// Awards stars inside a transaction that has an event of its own (a
/// confirmed timer, a completed chore): the ledger entry and balance move,
/// and `stars:updated` follows under a revision of its own, so a client
/// never takes it for a duplicate of the first event.
pub async fn award(tx: &mut FamilyTx, entry: NewEntry<'_>) -> Result<(StarEntry, i64), ApiError> {
    let member_id = entry.member_id.to_owned();
    let (entry, balance) = write_entry(tx, entry).await?;
    announce_balance(tx, &member_id, balance).await?;
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
    emit_balance(tx, member_id, balance, revision).await
}

/// `stars:updated` under `revision`, with the week's stars as they stand
/// inside the transaction.
async fn emit_balance(
    tx: &mut FamilyTx,
    member_id: &str,
    balance: i64,
    revision: i64,
) -> Result<(), ApiError> {
    let family_id = tx.family_id().to_owned();
    let zone = load_family(tx.conn(), &family_id).await?.time_zone;
    let weekly_stars = earned_since(tx.conn(), member_id, week_start(&zone, now_ms())).await?;
    tx.emit(FamilyEvent::StarsUpdated(StarsUpdated {
        member_id: member_id.to_owned(),
        new_balance: balance,
        weekly_stars: Some(weekly_stars),
        revision,
    }));
    Ok(())
}

/// The entries that count as earned (`e` is the entry): not spending on a
/// reward, not an undo, and not undone — an undone chore was never earned,
/// in the week it was done, whenever it was undone.
const EARNED: &str = "e.kind <> 'reward' AND e.reverses IS NULL \
    AND NOT EXISTS (SELECT 1 FROM star_entries r WHERE r.reverses = e.id)";

/// What a member earned since `since`.
async fn earned_since(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    member_id: &str,
    since: i64,
) -> Result<i64, ApiError> {
    let (stars,): (i64,) = sqlx::query_as(&format!(
        "SELECT CAST(COALESCE(SUM(e.amount), 0) AS BIGINT) FROM star_entries e \
         WHERE e.member_id = $1 AND e.created_at >= $2 AND {EARNED}"
    ))
    .bind(member_id)
    .bind(since)
    .fetch_one(conn)
    .await?;
    Ok(stars)
}

/// The ledger entry and the balance move; refuses a negative balance.
pub async fn write_entry(
    tx: &mut FamilyTx,
    new: NewEntry<'_>,
) -> Result<(StarEntry, i64), ApiError> {
    let NewEntry {
        member_id,
        amount,
        reason,
        kind,
        by,
        reverses,
    } = new;
    let entry = StarEntry {
        id: new_id("str"),
        member_id: member_id.to_owned(),
        amount,
        reason: reason.chars().take(200).collect(),
        kind,
        by: None,
        reverses: reverses.map(str::to_owned),
        undone_at: None,
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
    let mut entry = entry;
    entry.by = writer_name(tx.conn(), by).await?;
    sqlx::query(
        "INSERT INTO star_entries (id, family_id, member_id, amount, reason, kind, created_by, reverses, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&entry.id)
    .bind(&family_id)
    .bind(&entry.member_id)
    .bind(entry.amount)
    .bind(&entry.reason)
    .bind(kind.as_str())
    .bind(by)
    .bind(reverses)
    .bind(entry.created_at)
    .execute(tx.conn())
    .await
    .map_err(|e| match &e {
        // Another undo of the same entry got there first.
        sqlx::Error::Database(d) if d.is_unique_violation() => ApiError::AlreadyUndone,
        _ => ApiError::from(e),
    })?;
    Ok((entry, balance))
}

/// The name of whoever `principal` is: a parent's or a kitchen screen's.
async fn writer_name(
    conn: &mut sqlx::AnyConnection,
    principal: &str,
) -> Result<Option<String>, ApiError> {
    let (name,): (Option<String>,) = sqlx::query_as(
        "SELECT COALESCE((SELECT name FROM users WHERE id = $1), (SELECT name FROM kiosks WHERE id = $1))",
    )
    .bind(principal)
    .fetch_one(conn)
    .await?;
    Ok(name)
}

/// A member's balance as it stands (inside a transaction, as written).
pub async fn balance_of(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    member_id: &str,
) -> Result<i64, ApiError> {
    let (balance,): (i64,) = sqlx::query_as("SELECT balance FROM members WHERE id = $1")
        .bind(member_id)
        .fetch_one(conn)
        .await?;
    Ok(balance)
}

/// A ledger entry as the undo rules need it.
pub struct StoredEntry {
    pub id: String,
    pub family_id: String,
    pub member_id: String,
    pub amount: i64,
    pub reason: String,
    pub kind: EntryKind,
    pub created_by: Option<String>,
    pub reverses: Option<String>,
    pub undone_at: Option<i64>,
    pub created_at: i64,
}

pub async fn load_entry(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    entry_id: &str,
) -> Result<StoredEntry, ApiError> {
    type Row = (
        String,
        String,
        String,
        i64,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<i64>,
        i64,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT e.id, e.family_id, e.member_id, e.amount, e.reason, e.kind, e.created_by, e.reverses, \
         (SELECT MIN(r.created_at) FROM star_entries r WHERE r.reverses = e.id) AS undone_at, e.created_at \
         FROM star_entries e WHERE e.id = $1",
    )
    .bind(entry_id)
    .fetch_optional(conn)
    .await?;
    let (
        id,
        family_id,
        member_id,
        amount,
        reason,
        kind,
        created_by,
        reverses,
        undone_at,
        created_at,
    ) = row.ok_or(ApiError::NotFound("star entry"))?;
    Ok(StoredEntry {
        id,
        family_id,
        member_id,
        amount,
        reason,
        kind: EntryKind::try_from(kind).map_err(ApiError::Internal)?,
        created_by,
        reverses,
        undone_at,
        created_at,
    })
}

/// Whether `access` may undo what `created_by` did at `created_at`: a
/// parent at any time; a kitchen screen its own, for [`UNDO_WINDOW_MS`].
pub fn may_undo(
    access: &Access,
    created_by: Option<&str>,
    created_at: i64,
) -> Result<(), ApiError> {
    if access.role == Role::Kiosk
        && (created_by != Some(access.caller.principal()) || now_ms() - created_at > UNDO_WINDOW_MS)
    {
        return Err(ApiError::UndoExpired);
    }
    Ok(())
}

/// Writes the reversal of `entry` inside `tx` (never an edit of it):
/// the same kind for a reward's stars (still spending, not earning), an
/// undo entry otherwise. Refuses an entry that is an undo itself, or one
/// undone already.
pub async fn reverse_entry(
    tx: &mut FamilyTx,
    entry_id: &str,
    by: &str,
) -> Result<(StarEntry, i64), ApiError> {
    // Read again inside the family's transaction: two undos at once
    // serialise here, and the second finds it undone.
    let entry = load_entry(tx.conn(), entry_id).await?;
    if entry.reverses.is_some() {
        return Err(ApiError::NotUndoable);
    }
    if entry.undone_at.is_some() {
        return Err(ApiError::AlreadyUndone);
    }
    let kind = if entry.kind == EntryKind::Reward {
        EntryKind::Reward
    } else {
        EntryKind::Undo
    };
    let reason = format!("undone: {}", entry.reason);
    write_entry(
        tx,
        NewEntry {
            member_id: &entry.member_id,
            amount: -entry.amount,
            reason: &reason,
            kind,
            by,
            reverses: Some(&entry.id),
        },
    )
    .await
}

/// `POST /api/star-entries/{entryId}/undo`: the screen that wrote it
/// within [`UNDO_WINDOW_MS`], a parent at any time. A chore's stars are
/// undone with its completion, a reward's with its redemption (their
/// events first); `stars:updated` follows.
pub async fn undo_entry(
    state: &AppState,
    caller: &Caller,
    entry_id: &str,
) -> Result<StarEntryUndone, ApiError> {
    let entry = load_entry(&state.db.reader, entry_id).await?;
    let access = family_access(state, caller, &entry.family_id)
        .await
        .map_err(|_| ApiError::NotFound("star entry"))?;
    may_undo(&access, entry.created_by.as_deref(), entry.created_at)?;
    // An undo is not undone (a reward's stars given back included), and
    // nothing is undone twice; the transaction below checks again.
    if entry.reverses.is_some() {
        return Err(ApiError::NotUndoable);
    }
    if entry.undone_at.is_some() {
        return Err(ApiError::AlreadyUndone);
    }
    match entry.kind {
        EntryKind::Chore => {
            let completion: Option<(String,)> =
                sqlx::query_as("SELECT id FROM chore_completions WHERE star_entry_id = $1")
                    .bind(&entry.id)
                    .fetch_optional(&state.db.reader)
                    .await?;
            if let Some((completion_id,)) = completion {
                let (undone, reversal) =
                    crate::domain::chores::undo_completion_by(state, &access, &completion_id)
                        .await?;
                return reversal
                    .map(|entry| StarEntryUndone {
                        member_id: undone.member_id,
                        new_balance: undone.new_balance,
                        entry,
                        revision: undone.revision,
                        events: undone.events,
                    })
                    .ok_or(ApiError::AlreadyUndone);
            }
        }
        EntryKind::Reward => {
            return crate::domain::rewards::undo_redemption_of(state, &access, &entry.id).await;
        }
        _ => {}
    }
    let mut tx = FamilyTx::begin(state, &entry.family_id).await?;
    let (reversal, new_balance) = match reverse_entry(&mut tx, &entry.id, caller.principal()).await
    {
        Ok(done) => done,
        Err(e) => {
            tx.unchanged().await?;
            return Err(e);
        }
    };
    let revision = tx.revision();
    emit_balance(&mut tx, &entry.member_id, new_balance, revision).await?;
    let reply = StarEntryUndone {
        member_id: entry.member_id,
        new_balance,
        entry: reversal,
        revision: tx.revision(),
        events: tx.events(),
    };
    tx.commit(state).await?;
    Ok(reply)
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
    // unsigned_abs: i64::MIN has no positive twin to compare.
    if req.amount == 0 || req.amount.unsigned_abs() > MAX_STAR_CHANGE.unsigned_abs() {
        return Err(ApiError::invalid(format!(
            "amount must be between -{MAX_STAR_CHANGE} and {MAX_STAR_CHANGE} and not 0"
        )));
    }
    let reason = validate::text("reason", &req.reason, 200)?;
    // Another family's child is a 404 for everyone, before any PIN question.
    family_member(state, access, member_id).await?;
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
    let (entry, new_balance) = write_entry(
        &mut tx,
        NewEntry {
            member_id,
            amount: req.amount,
            reason: &reason,
            kind: EntryKind::Manual,
            by: access.caller.principal(),
            reverses: None,
        },
    )
    .await?;
    let revision = tx.revision();
    emit_balance(&mut tx, member_id, new_balance, revision).await?;
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

/// Ledger entries with the name of whoever wrote them (a parent or a
/// kitchen screen).
const ENTRIES: &str = "SELECT e.id, e.member_id, e.amount, e.reason, e.kind, \
    COALESCE(u.name, k.name) AS \"by\", e.reverses, \
    (SELECT MIN(r.created_at) FROM star_entries r WHERE r.reverses = e.id) AS undone_at, \
    e.created_at FROM star_entries e \
    LEFT JOIN users u ON u.id = e.created_by LEFT JOIN kiosks k ON k.id = e.created_by \
    WHERE e.member_id = $1 ORDER BY e.created_at DESC, e.id DESC";

/// The most weeks of history one request may ask for (two years).
pub const MAX_HISTORY_WEEKS: u32 = 104;
/// The most ledger lines a CSV export holds.
const MAX_EXPORT: i64 = 100_000;

/// A member of `access`'s family (a 404 for anyone else's).
pub(crate) async fn family_member(
    state: &AppState,
    access: &Access,
    member_id: &str,
) -> Result<kinboard_api::Member, ApiError> {
    let member = load_member(&state.db.reader, member_id).await?;
    if member.family_id != access.family_id {
        return Err(ApiError::NotFound("member"));
    }
    Ok(member)
}

/// A member's balance, weekly stars, latest ledger entries and the stars
/// earned in each of the last `weeks` weeks.
pub async fn member_stars(
    state: &AppState,
    access: &Access,
    member_id: &str,
    weeks: u32,
) -> Result<StarsResponse, ApiError> {
    if !(1..=MAX_HISTORY_WEEKS).contains(&weeks) {
        return Err(ApiError::invalid(format!(
            "weeks must be between 1 and {MAX_HISTORY_WEEKS}"
        )));
    }
    let member = family_member(state, access, member_id).await?;
    let family = load_family(&state.db.reader, &access.family_id).await?;
    let now = now_ms();
    let week_start = week_start(&family.time_zone, now);
    let starts = week_starts(&family.time_zone, now, weeks);
    let earned: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT e.created_at, e.amount FROM star_entries e WHERE e.member_id = $1 AND e.created_at >= $2 AND {EARNED}"
    ))
    .bind(member_id)
    .bind(starts[0])
    .fetch_all(&state.db.reader)
    .await?;
    let mut per_week: Vec<WeekStars> = starts
        .iter()
        .map(|&week_start| WeekStars {
            week_start,
            stars: 0,
        })
        .collect();
    for (at, amount) in earned {
        // The last week that starts at or before the entry.
        let i = starts.partition_point(|&start| start <= at);
        if i > 0 {
            per_week[i - 1].stars += amount;
        }
    }
    let weekly = per_week.last().map_or(0, |w| w.stars);
    let entries: Vec<StarEntry> = sqlx::query_as(&format!("{ENTRIES} LIMIT 100"))
        .bind(member_id)
        .fetch_all(&state.db.reader)
        .await?;
    Ok(StarsResponse {
        member_id: member_id.to_owned(),
        balance: member.balance,
        weekly,
        week_start,
        entries,
        per_week,
    })
}

/// The ledger of a member as CSV (newest first): when (UTC, RFC 3339),
/// amount, kind, reason, by, undone.
pub async fn ledger_csv(
    state: &AppState,
    access: &Access,
    member_id: &str,
) -> Result<String, ApiError> {
    family_member(state, access, member_id).await?;
    let entries: Vec<StarEntry> = sqlx::query_as(&format!("{ENTRIES} LIMIT {MAX_EXPORT}"))
        .bind(member_id)
        .fetch_all(&state.db.reader)
        .await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| ApiError::Internal(format!("csv: {e}"));
    out.write_record(["when", "stars", "kind", "reason", "by", "undone"])
        .map_err(csv_error)?;
    let time = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    for e in entries {
        out.write_record([
            time(e.created_at),
            e.amount.to_string(),
            e.kind.as_str().to_owned(),
            // A spreadsheet runs a cell that starts with = + - @ as a
            // formula: a reason typed by a person is text.
            defuse_formula(&e.reason),
            defuse_formula(e.by.as_deref().unwrap_or("")),
            e.undone_at.map(time).unwrap_or_default(),
        ])
        .map_err(csv_error)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| ApiError::Internal(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ApiError::Internal(format!("csv: {e}")))
}

fn defuse_formula(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The starts of the `weeks` weeks ending with the one containing `now_ms`,
/// oldest first, in `time_zone` (a week across a DST change is an hour
/// shorter or longer, and starts at its own Monday midnight).
pub fn week_starts(time_zone: &str, now_ms: i64, weeks: u32) -> Vec<i64> {
    let mut starts = Vec::with_capacity(weeks as usize);
    let mut start = week_start(time_zone, now_ms);
    for _ in 0..weeks {
        starts.push(start);
        // Any time in the previous week: a day before this Monday.
        start = week_start(time_zone, start - 86_400_000);
    }
    starts.reverse();
    starts
}

/// Each member's stars earned since `week_start` (members with none get 0;
/// rewards are spending and do not count).
pub async fn weekly_stars(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    family_id: &str,
    week_start: i64,
) -> Result<Vec<WeeklyStars>, ApiError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT m.id, CAST(COALESCE(SUM(e.amount), 0) AS BIGINT) FROM members m \
         LEFT JOIN star_entries e ON e.member_id = m.id AND e.created_at >= $2 AND {EARNED} \
         WHERE m.family_id = $1 AND m.removed_at IS NULL \
         GROUP BY m.id, m.created_at ORDER BY m.created_at, m.id"
    ))
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
    use super::{week_start, week_starts};

    #[test]
    fn weeks_of_history_start_on_their_own_mondays_across_a_dst_change() {
        // Wednesday 2026-04-08 12:00 UTC; Madrid moved to UTC+2 on 29 March.
        let now = 1_775_649_600_000;
        let starts = week_starts("Europe/Madrid", now, 3);
        // Mondays 23 March (UTC+1: 22 March 23:00 UTC), 30 March and 6
        // April (UTC+2: 22:00 UTC the day before).
        assert_eq!(
            starts,
            [1_774_220_400_000, 1_774_821_600_000, 1_775_426_400_000]
        );
        // The week with the change in it is an hour shorter.
        assert_eq!(starts[1] - starts[0], 7 * 86_400_000 - 3_600_000);
        assert_eq!(starts[2] - starts[1], 7 * 86_400_000);
        assert_eq!(*starts.last().unwrap(), week_start("Europe/Madrid", now));
    }

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
