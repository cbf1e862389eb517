//! Stars: a ledger of additions and removals with a reason, each member's
//! balance (kept on the member row, updated in the same transaction as the
//! ledger), and weekly stars, which count from Monday 00:00 in the family's
//! time zone.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;
use chrono::{Datelike, Duration, TimeZone};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::api::families::{load_family, load_member, member_in_family};
use crate::auth::{Caller, family_access};
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::http::{IdempotentJson, PinHeader, Reply};
use crate::ids::new_id;
use crate::revision::{FamilyTx, IdempotencyScope};
use crate::state::AppState;
use crate::validate::{self, MAX_STAR_CHANGE};

pub const STARS_UPDATED: &str = "stars:updated";

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/families/{family_id}/members/{member_id}/stars",
        post(change_stars).get(get_stars),
    )
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StarsRequest {
    /// Positive adds, negative removes; never 0, at most 1000 either way.
    pub amount: i64,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct StarEntry {
    pub id: String,
    pub member_id: String,
    pub amount: i64,
    pub reason: String,
    pub created_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StarsChanged {
    pub member_id: String,
    pub new_balance: i64,
    pub entry: StarEntry,
    pub revision: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StarsResponse {
    pub member_id: String,
    pub balance: i64,
    /// Stars earned since Monday 00:00 in the family's time zone.
    pub weekly: i64,
    pub week_start: i64,
    /// The latest 100 ledger entries, newest first.
    pub entries: Vec<StarEntry>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WeeklyStars {
    pub member_id: String,
    pub stars: i64,
    /// Monday 00:00 of this week in the family's time zone (ms epoch).
    pub week_start: i64,
}

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
    let revision = tx.next_revision().await?;
    emit_balance(tx, member_id, balance, revision)?;
    Ok((entry, balance))
}

fn emit_balance(
    tx: &mut FamilyTx,
    member_id: &str,
    balance: i64,
    revision: i64,
) -> Result<(), ApiError> {
    tx.emit(
        STARS_UPDATED,
        &json!({ "memberId": member_id, "newBalance": balance, "revision": revision }),
    )
}

/// The ledger entry and the balance move; refuses a negative balance.
async fn write_entry(
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
        return Err(ApiError::conflict(format!(
            "not enough stars: the balance would become {balance}"
        )));
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

/// Adds or removes stars (parents, or a kiosk with the PIN).
#[utoipa::path(post, path = "/api/families/{familyId}/members/{memberId}/stars", tag = "stars",
    params(("familyId" = String, Path), ("memberId" = String, Path),
        ("X-Kinboard-Pin" = Option<String>, Header, description = "parent PIN (kiosks)"),
        ("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key replays the first reply")),
    request_body = StarsRequest,
    responses((status = 200, body = StarsChanged), (status = 403), (status = 404), (status = 409, description = "balance would go negative"), (status = 422)),
    security(("bearer" = [])))]
pub async fn change_stars(
    State(state): State<AppState>,
    caller: Caller,
    PinHeader(pin): PinHeader,
    Path((family_id, member_id)): Path<(String, String)>,
    IdempotentJson {
        idempotency,
        body: req,
    }: IdempotentJson<StarsRequest>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    if req.amount == 0 || req.amount.abs() > MAX_STAR_CHANGE {
        return Err(ApiError::invalid(format!(
            "amount must be between -{MAX_STAR_CHANGE} and {MAX_STAR_CHANGE} and not 0"
        )));
    }
    let reason = validate::text("reason", &req.reason, 200)?;
    // Another family's child is a 404 for everyone, before any PIN question.
    let member = load_member(&state.db.reader, &member_id).await?;
    if member.family_id != family_id {
        return Err(ApiError::NotFound("member"));
    }
    access.require_parent_or_pin(&state, pin.as_deref()).await?;
    let mut tx = FamilyTx::begin(&state, &family_id).await?;
    let scope = idempotency
        .as_ref()
        .map(|i| IdempotencyScope::new(caller.principal(), "stars", &member_id, i));
    if let Some(scope) = &scope
        && let Some(reply) = tx.replay(scope).await?
    {
        tx.unchanged().await?;
        return Ok(reply);
    }
    member_in_family(tx.conn(), &family_id, &member_id).await?;
    let (entry, new_balance) = write_entry(&mut tx, &member_id, req.amount, &reason).await?;
    let revision = tx.revision();
    emit_balance(&mut tx, &member_id, new_balance, revision)?;
    let reply = Reply::ok(StarsChanged {
        member_id,
        new_balance,
        entry,
        revision: tx.revision(),
    })?;
    if let Some(scope) = &scope {
        tx.remember(scope, &reply).await?;
    }
    tx.commit(&state).await?;
    Ok(reply)
}

/// A member's balance, weekly stars and latest ledger entries.
#[utoipa::path(get, path = "/api/families/{familyId}/members/{memberId}/stars", tag = "stars",
    params(("familyId" = String, Path), ("memberId" = String, Path)),
    responses((status = 200, body = StarsResponse), (status = 404)), security(("bearer" = [])))]
pub async fn get_stars(
    State(state): State<AppState>,
    caller: Caller,
    Path((family_id, member_id)): Path<(String, String)>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id).await?;
    let member = load_member(&state.db.reader, &member_id).await?;
    if member.family_id != family_id {
        return Err(ApiError::NotFound("member"));
    }
    let family = load_family(&state.db.reader, &family_id).await?;
    let week_start = week_start(&family.time_zone, now_ms());
    let weekly = weekly_stars(&state, &family_id, week_start)
        .await?
        .into_iter()
        .find(|w| w.member_id == member_id)
        .map_or(0, |w| w.stars);
    let entries: Vec<StarEntry> = sqlx::query_as(
        "SELECT id, member_id, amount, reason, created_at FROM star_entries WHERE member_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT 100",
    )
    .bind(&member_id)
    .fetch_all(&state.db.reader)
    .await?;
    Reply::ok(StarsResponse {
        member_id,
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
    state: &AppState,
    family_id: &str,
    week_start: i64,
) -> Result<Vec<WeeklyStars>, ApiError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT m.id, CAST(COALESCE(SUM(e.amount), 0) AS BIGINT) FROM members m \
         LEFT JOIN star_entries e ON e.member_id = m.id AND e.created_at >= $2 \
         WHERE m.family_id = $1 GROUP BY m.id, m.created_at ORDER BY m.created_at, m.id",
    )
    .bind(family_id)
    .bind(week_start)
    .fetch_all(&state.db.reader)
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
