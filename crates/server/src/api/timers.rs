//! Timers: start (from a template or one-off), pause, resume, extend,
//! cancel, sync, confirm — each followed by its event — and expiry, which
//! the scheduler drives through [`expire_due`].
//!
//! The server stores absolute times: a running timer has `endsAt`, a paused
//! one `remainingMs`. [`transition`] is the whole state machine as a pure
//! function of the timer, the action and `now`; the handlers wrap it in a
//! family transaction (on SQLite, the common case in one statement batch).

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::api::families::member_in_family;
use crate::api::stars::award;
use crate::api::templates::load_template;
use crate::auth::{Access, Caller, family_access};
use crate::broadcast::OutgoingEvent;
use crate::clock::now_ms;
use crate::db::Backend;
use crate::error::ApiError;
use crate::http::{Idempotency, IdempotentJson, PinHeader, Reply};
use crate::ids::new_id;
use crate::revision::{FamilyTx, IdempotencyScope};
use crate::state::AppState;
use crate::validate::{self, MAX_TIMER_MS};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/families/{family_id}/timers", post(start_timer))
        .route("/api/timers/{timer_id}/pause", post(pause))
        .route("/api/timers/{timer_id}/resume", post(resume))
        .route("/api/timers/{timer_id}/extend", post(extend))
        .route("/api/timers/{timer_id}/cancel", post(cancel))
        .route("/api/timers/{timer_id}/sync", post(sync))
        .route("/api/timers/{timer_id}/confirm", post(confirm))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TimerState {
    Running,
    Paused,
    Expired,
    Completed,
    Cancelled,
}

impl TimerState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Expired => "expired",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }
}

impl TryFrom<String> for TimerState {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        Ok(match s.as_str() {
            "running" => Self::Running,
            "paused" => Self::Paused,
            "expired" => Self::Expired,
            "completed" => Self::Completed,
            "cancelled" => Self::Cancelled,
            _ => return Err(format!("unknown timer state {s:?}")),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Timer {
    pub id: String,
    pub family_id: String,
    pub member_id: String,
    pub label: String,
    #[sqlx(try_from = "String")]
    pub state: TimerState,
    /// Total length including extensions.
    pub duration_ms: i64,
    /// When a running timer ends (ms epoch); when an expired one ran out.
    pub ends_at: Option<i64>,
    /// Time left of a paused timer.
    pub remaining_ms: Option<i64>,
    /// Stars awarded to the member on confirmation.
    pub stars: i64,
    pub template_id: Option<String>,
    pub started_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, family_id, member_id, label, state, duration_ms, ends_at, remaining_ms, \
                       stars, template_id, started_at, updated_at";

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartTimerRequest {
    pub member_id: String,
    /// Start from this template…
    pub template_id: Option<String>,
    /// …or one-off with a label, a length and stars.
    pub label: Option<String>,
    pub duration_seconds: Option<i64>,
    pub stars: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendRequest {
    /// 1 s to 24 h; the timer may not end up with more than 24 h left.
    pub seconds: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimerResponse {
    pub timer: Timer,
    /// The family's revision after the action (unchanged when the action
    /// was already in effect).
    pub revision: i64,
}

/// What a timer action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerAction {
    Pause,
    Resume,
    Extend { ms: i64 },
    Cancel,
    Sync,
    Confirm,
}

impl TimerAction {
    fn name(self) -> &'static str {
        match self {
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::Extend { .. } => "extend",
            Self::Cancel => "cancel",
            Self::Sync => "sync",
            Self::Confirm => "confirm",
        }
    }
}

/// The outcome of [`transition`]: nothing to do, or the event to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Unchanged,
    Changed(&'static str),
}

pub const STARTED: &str = "timer:started";
pub const UPDATED: &str = "timer:updated";
pub const CANCELLED: &str = "timer:cancelled";
pub const COMPLETED: &str = "timer:completed";
pub const EXPIRED: &str = "timer:expired";

/// Applies `action` to `timer` at `now`. A running timer whose end has
/// passed counts as run out even before the scheduler has marked it.
pub fn transition(
    timer: &mut Timer,
    action: TimerAction,
    now: i64,
) -> Result<Transition, ApiError> {
    use TimerState::*;
    let overdue = timer.state == Running && timer.ends_at.is_some_and(|end| end <= now);
    let finished =
        |state: TimerState| ApiError::conflict(format!("the timer is {}", state.as_str()));
    let run_out = || ApiError::conflict("the timer has already run out");
    let outcome = match (action, timer.state) {
        (TimerAction::Pause, Paused) => Transition::Unchanged,
        (TimerAction::Pause, Running) if !overdue => {
            timer.remaining_ms = Some(timer.ends_at.unwrap_or(now) - now);
            timer.ends_at = None;
            timer.state = Paused;
            Transition::Changed(UPDATED)
        }
        (TimerAction::Pause | TimerAction::Resume, Running | Expired)
            if overdue || timer.state == Expired =>
        {
            return Err(run_out());
        }
        (TimerAction::Resume, Running) => Transition::Unchanged,
        (TimerAction::Resume, Paused) => {
            timer.ends_at = Some(now + timer.remaining_ms.unwrap_or(0));
            timer.remaining_ms = None;
            timer.state = Running;
            Transition::Changed(UPDATED)
        }
        (TimerAction::Extend { ms }, Running | Paused | Expired) => {
            let left = if timer.state == Paused {
                timer.remaining_ms.unwrap_or(0) + ms
            } else if overdue || timer.state == Expired {
                // Extending a timer that ran out restarts it.
                ms
            } else {
                timer.ends_at.unwrap_or(now) - now + ms
            };
            if left > MAX_TIMER_MS {
                return Err(ApiError::invalid(format!(
                    "a timer may not have more than {} seconds left",
                    MAX_TIMER_MS / 1000
                )));
            }
            if timer.state == Paused {
                timer.remaining_ms = Some(left);
            } else {
                timer.state = Running;
                timer.ends_at = Some(now + left);
                timer.remaining_ms = None;
            }
            timer.duration_ms += ms;
            Transition::Changed(UPDATED)
        }
        (TimerAction::Cancel, Cancelled) | (TimerAction::Confirm, Completed) => {
            Transition::Unchanged
        }
        (TimerAction::Cancel, Running | Paused | Expired) => {
            timer.state = Cancelled;
            timer.ends_at = None;
            timer.remaining_ms = None;
            Transition::Changed(CANCELLED)
        }
        (TimerAction::Confirm, Running | Paused | Expired) => {
            timer.state = Completed;
            timer.ends_at = None;
            timer.remaining_ms = None;
            Transition::Changed(COMPLETED)
        }
        (TimerAction::Sync, Running) if overdue => {
            timer.state = Expired;
            Transition::Changed(EXPIRED)
        }
        // A finished timer has left every dashboard; re-announcing it would
        // bump the revision and broadcast for nothing. The caller still
        // gets the stored timer back.
        (TimerAction::Sync, Completed | Cancelled) => Transition::Unchanged,
        (TimerAction::Sync, _) => Transition::Changed(UPDATED),
        (_, state) => return Err(finished(state)),
    };
    if outcome != Transition::Unchanged {
        timer.updated_at = now;
    }
    Ok(outcome)
}

pub async fn load_timer(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    timer_id: &str,
) -> Result<Timer, ApiError> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM timers WHERE id = $1"))
        .bind(timer_id)
        .fetch_optional(conn)
        .await?
        .ok_or(ApiError::NotFound("timer"))
}

/// Timers that are running or paused, or expired and not yet confirmed.
pub async fn active_timers(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    family_id: &str,
) -> Result<Vec<Timer>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM timers WHERE family_id = $1 AND state IN ('running', 'paused', 'expired') \
         ORDER BY started_at, id"
    ))
    .bind(family_id)
    .fetch_all(conn)
    .await?)
}

async fn store_timer(conn: &mut sqlx::AnyConnection, timer: &Timer) -> Result<(), ApiError> {
    sqlx::query(
        "UPDATE timers SET state = $1, duration_ms = $2, ends_at = $3, remaining_ms = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(timer.state.as_str())
    .bind(timer.duration_ms)
    .bind(timer.ends_at)
    .bind(timer.remaining_ms)
    .bind(timer.updated_at)
    .bind(&timer.id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Starts a timer for a child, from a template or one-off.
#[utoipa::path(post, path = "/api/families/{familyId}/timers", tag = "timers",
    params(("familyId" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key replays the first reply")),
    request_body = StartTimerRequest,
    responses((status = 201, body = TimerResponse), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn start_timer(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    IdempotentJson { idempotency, body }: IdempotentJson<StartTimerRequest>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    start(&state, &access, &body, idempotency.as_ref()).await
}

/// The start service: validates, inserts, bumps, emits `timer:started`.
pub async fn start(
    state: &AppState,
    access: &Access,
    req: &StartTimerRequest,
    idempotency: Option<&Idempotency>,
) -> Result<Reply, ApiError> {
    let one_off = (
        req.label.is_some(),
        req.duration_seconds.is_some(),
        req.stars.is_some(),
    );
    let (label, duration_ms, stars) = match (&req.template_id, one_off) {
        (Some(_), (false, false, false)) => (String::new(), 0, 0),
        (Some(_), _) => {
            return Err(ApiError::invalid(
                "give either templateId or label and durationSeconds, not both",
            ));
        }
        (None, _) => (
            validate::text("label", req.label.as_deref().unwrap_or(""), 80)?,
            validate::duration_seconds(
                "durationSeconds",
                req.duration_seconds.ok_or_else(|| {
                    ApiError::invalid("durationSeconds is required without templateId")
                })?,
            )?,
            validate::stars("stars", req.stars.unwrap_or(0))?,
        ),
    };
    let family_id = &access.family_id;
    let mut tx = FamilyTx::begin(state, family_id).await?;
    let scope = idempotency
        .map(|i| IdempotencyScope::new(access.caller.principal(), "start", family_id, i));
    if let Some(scope) = &scope
        && let Some(reply) = tx.replay(scope).await?
    {
        tx.unchanged().await?;
        return Ok(reply);
    }
    let member = member_in_family(tx.conn(), family_id, &req.member_id).await?;
    let (label, duration_ms, stars) = match &req.template_id {
        Some(template_id) => {
            let template = load_template(tx.conn(), template_id).await?;
            if template.family_id != *family_id {
                return Err(ApiError::NotFound("template"));
            }
            (template.label, template.duration_ms, template.stars)
        }
        None => (label, duration_ms, stars),
    };
    let now = now_ms();
    let timer = Timer {
        id: new_id("tmr"),
        family_id: family_id.clone(),
        member_id: member.id,
        label,
        state: TimerState::Running,
        duration_ms,
        ends_at: Some(now + duration_ms),
        remaining_ms: None,
        stars,
        template_id: req.template_id.clone(),
        started_at: now,
        updated_at: now,
    };
    sqlx::query(&format!(
        "INSERT INTO timers ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(&timer.id)
    .bind(&timer.family_id)
    .bind(&timer.member_id)
    .bind(&timer.label)
    .bind(timer.state.as_str())
    .bind(timer.duration_ms)
    .bind(timer.ends_at)
    .bind(timer.remaining_ms)
    .bind(timer.stars)
    .bind(&timer.template_id)
    .bind(timer.started_at)
    .bind(timer.updated_at)
    .execute(tx.conn())
    .await?;
    let revision = tx.revision();
    tx.emit(STARTED, &json!({ "timer": timer, "revision": revision }))?;
    let started = timer.clone();
    let reply = Reply::created(TimerResponse { timer, revision })?;
    if let Some(scope) = &scope {
        tx.remember(scope, &reply).await?;
    }
    tx.commit(state).await?;
    state.scheduler_wake.timer_changed(&started);
    state.timers.insert(started.id.clone(), started);
    Ok(reply)
}

/// The timer as last seen by this instance, or as stored. Only a hint:
/// [`act`] trusts it only through a guarded update.
async fn known_timer(state: &AppState, timer_id: &str) -> Result<Timer, ApiError> {
    if let Some(timer) = state.timers.get(&timer_id.to_owned()) {
        return Ok(timer);
    }
    let timer = load_timer(&state.db.reader, timer_id).await?;
    state.timers.insert(timer.id.clone(), timer.clone());
    Ok(timer)
}

/// The update that writes `new` only if the stored row still is `seen`
/// (every column an action reads or writes); its `$1`–`$12` are bound by
/// [`bind_guarded_update`].
macro_rules! guarded_timer_update {
    () => {
        "UPDATE timers SET state = $1, duration_ms = $2, ends_at = $3, remaining_ms = $4, updated_at = $5 \
         WHERE id = $6 AND state = $7 AND duration_ms = $8 AND ends_at IS NOT DISTINCT FROM $9 \
         AND remaining_ms IS NOT DISTINCT FROM $10 AND updated_at = $11 AND template_id IS NOT DISTINCT FROM $12"
    };
}

fn bind_guarded_update<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    seen: &'q Timer,
    new: &'q Timer,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    query
        .bind(new.state.as_str())
        .bind(new.duration_ms)
        .bind(new.ends_at)
        .bind(new.remaining_ms)
        .bind(new.updated_at)
        .bind(&new.id)
        .bind(seen.state.as_str())
        .bind(seen.duration_ms)
        .bind(seen.ends_at)
        .bind(seen.remaining_ms)
        .bind(seen.updated_at)
        .bind(&seen.template_id)
}

/// Writes `new` only if the stored row still is `seen`. Returns whether it
/// was.
async fn store_timer_if(
    conn: &mut sqlx::AnyConnection,
    seen: &Timer,
    new: &Timer,
) -> Result<bool, ApiError> {
    let done = bind_guarded_update(sqlx::query(guarded_timer_update!()), seen, new)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The action service: pause, resume, extend, cancel, sync or confirm.
pub async fn act(
    state: &AppState,
    caller: &Caller,
    pin: Option<&str>,
    timer_id: &str,
    action: TimerAction,
    idempotency: Option<&Idempotency>,
) -> Result<Reply, ApiError> {
    let seen = known_timer(state, timer_id).await?;
    let family_id = seen.family_id.clone();
    let access = family_access(state, caller, &family_id)
        .await
        .map_err(|_| ApiError::NotFound("timer"))?;
    if matches!(action, TimerAction::Cancel | TimerAction::Confirm) {
        access.require_parent_or_pin(state, pin).await?;
    }
    let scope =
        idempotency.map(|i| IdempotencyScope::new(caller.principal(), action.name(), timer_id, i));
    if scope.is_none() && state.db.backend == Backend::Sqlite {
        let mut timer = seen.clone();
        if let Ok(Transition::Changed(event)) = transition(&mut timer, action, now_ms())
            && event != COMPLETED
            && let Some(revision) = store_in_one_batch(state, &seen, timer.clone(), event).await?
        {
            return Reply::ok(TimerResponse { timer, revision });
        }
    }
    let mut tx = FamilyTx::begin(state, &family_id).await?;
    if let Some(scope) = &scope
        && let Some(reply) = tx.replay(scope).await?
    {
        tx.unchanged().await?;
        return Ok(reply);
    }
    // Fast path: decide on the timer as this instance last saw it, and
    // write only if the row is still exactly that (saves a read). Anything
    // else — a stale copy, a no-op, a refusal — is decided on the stored
    // row, read under the family lock this transaction now holds.
    let now = now_ms();
    let mut timer = seen.clone();
    let fast = match transition(&mut timer, action, now) {
        Ok(Transition::Changed(event)) => store_timer_if(tx.conn(), &seen, &timer)
            .await?
            .then_some(event),
        _ => None,
    };
    let event = match fast {
        Some(event) => event,
        None => {
            timer = load_timer(tx.conn(), timer_id).await?;
            state.timers.insert(timer.id.clone(), timer.clone());
            match transition(&mut timer, action, now)? {
                Transition::Unchanged => {
                    let revision = tx.unchanged().await?;
                    return Reply::ok(TimerResponse { timer, revision });
                }
                Transition::Changed(event) => {
                    store_timer(tx.conn(), &timer).await?;
                    event
                }
            }
        }
    };
    let stored = timer.clone();
    let revision = tx.revision();
    match event {
        COMPLETED => {
            tx.emit(
                COMPLETED,
                &json!({ "timer": timer, "starsAwarded": timer.stars, "revision": revision }),
            )?;
            if timer.stars > 0 {
                award(
                    &mut tx,
                    &timer.member_id,
                    timer.stars,
                    &format!("timer: {}", timer.label),
                )
                .await?;
            }
        }
        other => tx.emit(other, &event_data(other, &timer, revision))?,
    }
    let reply = Reply::ok(TimerResponse {
        timer,
        revision: tx.revision(),
    })?;
    if let Some(scope) = &scope {
        tx.remember(scope, &reply).await?;
    }
    tx.commit(state).await?;
    state.scheduler_wake.timer_changed(&stored);
    state.timers.insert(stored.id.clone(), stored);
    Ok(reply)
}

/// The payload of every timer event but `timer:completed` (which also
/// carries the stars awarded).
fn event_data(event: &str, timer: &Timer, revision: i64) -> serde_json::Value {
    if event == CANCELLED {
        json!({ "timerId": timer.id, "revision": revision })
    } else {
        json!({ "timer": timer, "revision": revision })
    }
}

/// The guarded update of [`store_timer_if`] and the family's revision bump
/// (`$13` is the family), run on SQLite as one statement batch in a
/// transaction of its own. The bump only happens when the guarded update
/// matched (`changes() = 1`).
const ONE_BATCH_UPDATE: &str = concat!(
    "BEGIN IMMEDIATE; ",
    guarded_timer_update!(),
    "; UPDATE families SET revision = revision + 1 WHERE id = $13 AND changes() = 1 RETURNING revision; \
     COMMIT;"
);

/// SQLite's path for the common action — one row changed, one event — in
/// a single hand-off to the database. sqlx runs a SQLite connection on a
/// thread of its own and hands it each statement in turn, so a
/// [`FamilyTx`] costs four hand-offs (BEGIN, bump, update, COMMIT), and
/// with one writer connection those hand-offs are what every other action
/// queues behind; one batch does the same work in one.
///
/// Returns the new revision once the change is committed and its event
/// queued, or `None` when the row is no longer `seen` (nothing was
/// changed; the caller decides again on the stored row).
///
/// It runs as a task of its own: a request dropped half-way (a client that
/// hangs up) must neither stop the batch part-way on the shared connection
/// nor leave a committed change without its broadcast.
async fn store_in_one_batch(
    state: &AppState,
    seen: &Timer,
    new: Timer,
    event: &'static str,
) -> Result<Option<i64>, ApiError> {
    let state = state.clone();
    let seen = seen.clone();
    let task = tokio::spawn(async move {
        // Held from before the commit until the event is queued, as in
        // `FamilyTx::commit`, so the family's events leave in revision order.
        let family_lock = state.family_lock(&new.family_id).lock().await;
        let mut conn = state.db.writer.acquire().await?;
        let batch = bind_guarded_update(sqlx::query(ONE_BATCH_UPDATE), &seen, &new)
            .bind(&new.family_id)
            .fetch_all(&mut *conn)
            .await;
        let rows = match batch {
            Ok(rows) => rows,
            Err(error) => {
                // The batch stopped at a failing statement, perhaps inside
                // its transaction: end that before the connection is reused,
                // or drop the connection if even that fails.
                if sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
                    conn.close_on_drop();
                }
                return Err(ApiError::from(error));
            }
        };
        drop(conn);
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let revision: i64 = row.try_get(0)?;
        let data = serde_json::to_string(&event_data(event, &new, revision))
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        state.events.enqueue(OutgoingEvent {
            family_id: new.family_id.clone(),
            name: event,
            data,
        });
        drop(family_lock);
        state.scheduler_wake.timer_changed(&new);
        state.timers.insert(new.id.clone(), new);
        Ok(Some(revision))
    });
    task.await
        .map_err(|e| ApiError::Internal(format!("timer update task: {e}")))?
}

macro_rules! timer_action {
    ($name:ident, $path:literal, $doc:literal, $action:expr) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "timers",
            params(("timerId" = String, Path), ("X-Kinboard-Pin" = Option<String>, Header, description = "parent PIN (kiosks: cancel and confirm)")),
            responses((status = 200, body = TimerResponse), (status = 403), (status = 404), (status = 409)),
            security(("bearer" = [])))]
        pub async fn $name(
            State(state): State<AppState>,
            caller: Caller,
            PinHeader(pin): PinHeader,
            Path(timer_id): Path<String>,
        ) -> Result<Reply, ApiError> {
            act(&state, &caller, pin.as_deref(), &timer_id, $action, None).await
        }
    };
}

timer_action!(
    pause,
    "/api/timers/{timerId}/pause",
    "Pauses a running timer; pausing a paused one changes nothing.",
    TimerAction::Pause
);
timer_action!(
    resume,
    "/api/timers/{timerId}/resume",
    "Resumes a paused timer; resuming a running one changes nothing.",
    TimerAction::Resume
);
timer_action!(
    cancel,
    "/api/timers/{timerId}/cancel",
    "Cancels a timer (parents, or a kiosk with the PIN).",
    TimerAction::Cancel
);
timer_action!(
    sync,
    "/api/timers/{timerId}/sync",
    "Re-announces the authoritative timer to every device (`timer:updated`, or `timer:expired` when it has run out); a completed or cancelled timer is returned as it is, with nothing broadcast.",
    TimerAction::Sync
);
timer_action!(
    confirm,
    "/api/timers/{timerId}/confirm",
    "Completes a timer and awards its stars (parents, or a kiosk with the PIN); emits `timer:completed`, then `stars:updated`.",
    TimerAction::Confirm
);

/// Adds time; extending a timer that ran out restarts it.
#[utoipa::path(post, path = "/api/timers/{timerId}/extend", tag = "timers",
    params(("timerId" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key replays the first reply")),
    request_body = ExtendRequest,
    responses((status = 200, body = TimerResponse), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn extend(
    State(state): State<AppState>,
    caller: Caller,
    Path(timer_id): Path<String>,
    IdempotentJson {
        idempotency,
        body: req,
    }: IdempotentJson<ExtendRequest>,
) -> Result<Reply, ApiError> {
    let ms = validate::duration_seconds("seconds", req.seconds)?;
    act(
        &state,
        &caller,
        None,
        &timer_id,
        TimerAction::Extend { ms },
        idempotency.as_ref(),
    )
    .await
}

/// Marks every timer whose end has passed as expired and emits
/// `timer:expired` for each. Safe with several instances on one database:
/// the conditional update lets exactly one of them win each timer.
/// Returns how many this call expired.
pub async fn expire_due(state: &AppState, now: i64) -> Result<usize, ApiError> {
    let due: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, family_id FROM timers WHERE state = 'running' AND ends_at <= $1 ORDER BY ends_at LIMIT 200",
    )
    .bind(now)
    .fetch_all(&state.db.reader)
    .await?;
    let mut expired = 0;
    for (timer_id, family_id) in due {
        let mut tx = FamilyTx::begin(state, &family_id).await?;
        let won = sqlx::query(
            "UPDATE timers SET state = 'expired', updated_at = $1 WHERE id = $2 AND state = 'running' AND ends_at <= $1",
        )
        .bind(now)
        .bind(&timer_id)
        .execute(tx.conn())
        .await?;
        if won.rows_affected() == 0 {
            // Another instance (or a pause/extend) got there first.
            tx.unchanged().await?;
            continue;
        }
        let timer = load_timer(tx.conn(), &timer_id).await?;
        let revision = tx.revision();
        tx.emit(EXPIRED, &json!({ "timer": timer, "revision": revision }))?;
        tx.commit(state).await?;
        state.timers.insert(timer.id.clone(), timer);
        expired += 1;
    }
    Ok(expired)
}

/// The earliest end of any running timer, for the scheduler's next wake-up.
pub async fn next_deadline(state: &AppState) -> Result<Option<i64>, ApiError> {
    let (next,): (Option<i64>,) =
        sqlx::query_as("SELECT MIN(ends_at) FROM timers WHERE state = 'running'")
            .fetch_one(&state.db.reader)
            .await?;
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(ends_at: i64) -> Timer {
        Timer {
            id: "tmr_1".into(),
            family_id: "fam_1".into(),
            member_id: "mem_1".into(),
            label: "Homework".into(),
            state: TimerState::Running,
            duration_ms: 60_000,
            ends_at: Some(ends_at),
            remaining_ms: None,
            stars: 2,
            template_id: None,
            started_at: ends_at - 60_000,
            updated_at: ends_at - 60_000,
        }
    }

    #[test]
    fn pause_then_resume_keeps_the_time_left() {
        let mut t = running(10_000);
        assert_eq!(
            transition(&mut t, TimerAction::Pause, 4_000).unwrap(),
            Transition::Changed(UPDATED)
        );
        assert_eq!(
            (t.state, t.ends_at, t.remaining_ms),
            (TimerState::Paused, None, Some(6_000))
        );
        assert_eq!(
            transition(&mut t, TimerAction::Pause, 5_000).unwrap(),
            Transition::Unchanged
        );
        assert_eq!(
            transition(&mut t, TimerAction::Resume, 20_000).unwrap(),
            Transition::Changed(UPDATED)
        );
        assert_eq!(
            (t.state, t.ends_at, t.remaining_ms),
            (TimerState::Running, Some(26_000), None)
        );
        assert_eq!(
            transition(&mut t, TimerAction::Resume, 21_000).unwrap(),
            Transition::Unchanged
        );
    }

    #[test]
    fn extending_an_expired_timer_restarts_it() {
        let mut t = running(10_000);
        t.state = TimerState::Expired;
        transition(&mut t, TimerAction::Extend { ms: 5_000 }, 30_000).unwrap();
        assert_eq!(
            (t.state, t.ends_at, t.duration_ms),
            (TimerState::Running, Some(35_000), 65_000)
        );
    }

    #[test]
    fn an_overdue_running_timer_counts_as_run_out() {
        let mut t = running(10_000);
        assert!(matches!(
            transition(&mut t, TimerAction::Pause, 10_000),
            Err(ApiError::Conflict(_))
        ));
        assert_eq!(
            transition(&mut t, TimerAction::Sync, 10_000).unwrap(),
            Transition::Changed(EXPIRED)
        );
        assert_eq!(t.state, TimerState::Expired);
    }

    #[test]
    fn absurd_extensions_are_refused() {
        let mut t = running(10_000);
        let before = t.clone();
        assert!(matches!(
            transition(&mut t, TimerAction::Extend { ms: MAX_TIMER_MS }, 0),
            Err(ApiError::Invalid(_))
        ));
        assert_eq!(t, before);
    }

    #[test]
    fn finished_timers_refuse_everything_but_their_own_action() {
        let mut t = running(10_000);
        transition(&mut t, TimerAction::Cancel, 1_000).unwrap();
        for action in [TimerAction::Cancel, TimerAction::Sync] {
            let before = t.clone();
            assert_eq!(
                transition(&mut t, action, 2_000).unwrap(),
                Transition::Unchanged,
                "{action:?}"
            );
            assert_eq!(t, before, "{action:?}");
        }
        for action in [
            TimerAction::Pause,
            TimerAction::Resume,
            TimerAction::Confirm,
            TimerAction::Extend { ms: 1_000 },
        ] {
            assert!(
                matches!(
                    transition(&mut t, action, 3_000),
                    Err(ApiError::Conflict(_))
                ),
                "{action:?}"
            );
        }
        let mut t = running(10_000);
        assert_eq!(
            transition(&mut t, TimerAction::Confirm, 1_000).unwrap(),
            Transition::Changed(COMPLETED)
        );
        for action in [TimerAction::Confirm, TimerAction::Sync] {
            assert_eq!(
                transition(&mut t, action, 2_000).unwrap(),
                Transition::Unchanged,
                "{action:?}"
            );
        }
        assert!(matches!(
            transition(&mut t, TimerAction::Cancel, 3_000),
            Err(ApiError::Conflict(_))
        ));
    }
}
