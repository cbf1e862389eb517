//! Timers: the state machine ([`transition`], a pure function of the
//! timer, the action and `now`), the queries, and the services — start
//! (from a template or one-off), pause, resume, extend, cancel, sync,
//! confirm, each followed by its event — and expiry, which the scheduler
//! drives through [`expire_due`].
//!
//! The server stores absolute times: a running timer has `endsAt`, a paused
//! one `remainingMs`. An action is decided on the timer as this instance
//! last saw it and written only if the row is still exactly that (a
//! guarded update, in one statement batch on SQLite); anything else is
//! decided again on the stored row, inside the family's transaction.

use kinboard_api::events::{TimerCancelled, TimerChanged, TimerCompleted};
use kinboard_api::{EntryKind, FamilyEvent, StartTimerRequest, Timer, TimerResponse, TimerState};

use crate::clock::now_ms;
use crate::domain::access::{Access, Caller, family_access};
use crate::domain::members::member_in_family;
use crate::domain::stars::{NewEntry, award};
use crate::domain::templates::load_template;
use crate::error::ApiError;
use crate::ids::new_id;
use crate::revision::{Bind, FamilyTx, GuardedWrite, IdempotencyKey, IdempotencyScope};
use crate::state::AppState;
use crate::validate::{self, MAX_TIMER_MS};

const COLUMNS: &str = "id, family_id, member_id, label, state, duration_ms, ends_at, remaining_ms, \
                       stars, template_id, started_at, updated_at";

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
    pub fn name(self) -> &'static str {
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

/// What happened to a timer, and so which event announces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Updated,
    Cancelled,
    Completed,
    Expired,
}

impl Change {
    /// The event announcing `timer` after this change, at `revision`.
    pub fn event(self, timer: &Timer, revision: i64) -> FamilyEvent {
        let changed = || TimerChanged {
            timer: timer.clone(),
            revision,
        };
        match self {
            Self::Updated => FamilyEvent::TimerUpdated(changed()),
            Self::Expired => FamilyEvent::TimerExpired(changed()),
            Self::Cancelled => FamilyEvent::TimerCancelled(TimerCancelled {
                timer_id: timer.id.clone(),
                revision,
            }),
            Self::Completed => FamilyEvent::TimerCompleted(TimerCompleted {
                timer: timer.clone(),
                stars_awarded: timer.stars,
                revision,
            }),
        }
    }
}

/// The outcome of [`transition`]: nothing to do, or what changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Unchanged,
    Changed(Change),
}

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
            Transition::Changed(Change::Updated)
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
            Transition::Changed(Change::Updated)
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
            Transition::Changed(Change::Updated)
        }
        (TimerAction::Cancel, Cancelled) | (TimerAction::Confirm, Completed) => {
            Transition::Unchanged
        }
        (TimerAction::Cancel, Running | Paused | Expired) => {
            timer.state = Cancelled;
            timer.ends_at = None;
            timer.remaining_ms = None;
            Transition::Changed(Change::Cancelled)
        }
        (TimerAction::Confirm, Running | Paused | Expired) => {
            timer.state = Completed;
            timer.ends_at = None;
            timer.remaining_ms = None;
            Transition::Changed(Change::Completed)
        }
        (TimerAction::Sync, Running) if overdue => {
            timer.state = Expired;
            Transition::Changed(Change::Expired)
        }
        // A finished timer has left every dashboard; re-announcing it would
        // bump the revision and broadcast for nothing. The caller still
        // gets the stored timer back.
        (TimerAction::Sync, Completed | Cancelled) => Transition::Unchanged,
        (TimerAction::Sync, _) => Transition::Changed(Change::Updated),
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

/// The start service: validates, inserts, bumps, emits `timer:started`.
pub async fn start(
    state: &AppState,
    access: &Access,
    req: &StartTimerRequest,
    idempotency: Option<&IdempotencyKey>,
) -> Result<TimerResponse, ApiError> {
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
    tx.emit(FamilyEvent::TimerStarted(TimerChanged {
        timer: timer.clone(),
        revision,
    }));
    tx.after_commit(stored(state, &timer));
    let reply = TimerResponse {
        timer,
        revision,
        events: tx.events(),
    };
    if let Some(scope) = &scope {
        tx.remember(scope, &reply).await?;
    }
    tx.commit(state).await?;
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

/// The update that writes a timer's new state only if the stored row
/// still is the one the action was decided on (every column an action
/// reads or writes), and its one-batch form.
const GUARDED_UPDATE: (&str, &str) = crate::guarded_write!(
    "UPDATE timers SET state = $1, duration_ms = $2, ends_at = $3, remaining_ms = $4, updated_at = $5 \
     WHERE id = $6 AND state = $7 AND duration_ms = $8 AND ends_at IS NOT DISTINCT FROM $9 \
     AND remaining_ms IS NOT DISTINCT FROM $10 AND updated_at = $11 AND template_id IS NOT DISTINCT FROM $12",
    family = "$13"
);

/// [`GUARDED_UPDATE`] from `seen` to `new`.
fn guarded_update(seen: &Timer, new: &Timer) -> GuardedWrite {
    GuardedWrite {
        sql: GUARDED_UPDATE.0,
        batch: GUARDED_UPDATE.1,
        binds: vec![
            Bind::Text(new.state.as_str().to_owned()),
            Bind::Int(new.duration_ms),
            Bind::OptInt(new.ends_at),
            Bind::OptInt(new.remaining_ms),
            Bind::Int(new.updated_at),
            Bind::Text(new.id.clone()),
            Bind::Text(seen.state.as_str().to_owned()),
            Bind::Int(seen.duration_ms),
            Bind::OptInt(seen.ends_at),
            Bind::OptInt(seen.remaining_ms),
            Bind::Int(seen.updated_at),
            Bind::OptText(seen.template_id.clone()),
        ],
    }
}

/// Writes `new` inside `tx` only if the stored row still is `seen`.
/// Returns whether it was.
async fn store_timer_if(tx: &mut FamilyTx, seen: &Timer, new: &Timer) -> Result<bool, ApiError> {
    let write = guarded_update(seen, new);
    let done = write
        .bind_all(sqlx::query(write.sql))
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The action service: pause, resume, extend, cancel, sync or confirm.
///
/// Without an idempotency key, an action that changes one row and sends
/// one event (all but a confirmation, which awards stars too) is tried
/// first as a guarded write committed on its own
/// ([`FamilyTx::commit_guarded`]). Everything else — a key to replay or
/// remember, a stale copy, a no-op, a refusal — goes through the family's
/// transaction, deciding on the stored row when the copy was stale.
pub async fn act(
    state: &AppState,
    caller: &Caller,
    pin: Option<&str>,
    timer_id: &str,
    action: TimerAction,
    idempotency: Option<&IdempotencyKey>,
) -> Result<TimerResponse, ApiError> {
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
    let now = now_ms();
    // Whether the copy was already tried as a guard (and found stale).
    let mut copy_tried = false;
    if scope.is_none() {
        let mut timer = seen.clone();
        if let Ok(Transition::Changed(change)) = transition(&mut timer, action, now)
            && change != Change::Completed
        {
            let new = timer.clone();
            let written = FamilyTx::commit_guarded(
                state,
                &family_id,
                guarded_update(&seen, &timer),
                move |revision| change.event(&new, revision),
                stored(state, &timer),
            )
            .await?;
            copy_tried = true;
            if let Some((revision, event)) = written {
                return Ok(TimerResponse {
                    timer,
                    revision,
                    events: vec![kinboard_api::ReplyEvent::Known(event)],
                });
            }
        }
    }
    let mut tx = FamilyTx::begin(state, &family_id).await?;
    if let Some(scope) = &scope
        && let Some(reply) = tx.replay(scope).await?
    {
        tx.unchanged().await?;
        return Ok(reply);
    }
    // Decide on the timer as this instance last saw it, and write only if
    // the row is still exactly that (saves a read), unless that copy was
    // just found stale. Anything else — a stale copy, a no-op, a refusal —
    // is decided on the stored row, read under the family lock this
    // transaction now holds.
    let mut timer = seen.clone();
    let fast = match transition(&mut timer, action, now) {
        Ok(Transition::Changed(change)) if !copy_tried => store_timer_if(&mut tx, &seen, &timer)
            .await?
            .then_some(change),
        _ => None,
    };
    let change = match fast {
        Some(change) => change,
        None => {
            timer = load_timer(tx.conn(), timer_id).await?;
            state.timers.insert(timer.id.clone(), timer.clone());
            match transition(&mut timer, action, now)? {
                Transition::Unchanged => {
                    let revision = tx.unchanged().await?;
                    return Ok(TimerResponse {
                        timer,
                        revision,
                        events: Vec::new(),
                    });
                }
                Transition::Changed(change) => {
                    store_timer(tx.conn(), &timer).await?;
                    change
                }
            }
        }
    };
    let revision = tx.revision();
    tx.emit(change.event(&timer, revision));
    if change == Change::Completed && timer.stars > 0 {
        let reason = format!("timer: {}", timer.label);
        award(
            &mut tx,
            NewEntry {
                member_id: &timer.member_id,
                amount: timer.stars,
                reason: &reason,
                kind: EntryKind::Timer,
                by: caller.principal(),
                reverses: None,
            },
        )
        .await?;
    }
    let reply = TimerResponse {
        timer: timer.clone(),
        revision: tx.revision(),
        events: tx.events(),
    };
    if let Some(scope) = &scope {
        tx.remember(scope, &reply).await?;
    }
    tx.after_commit(stored(state, &timer));
    tx.commit(state).await?;
    Ok(reply)
}

/// What follows a committed change of `timer`: the scheduler hears of its
/// new end, and this instance's copy is the stored one.
fn stored(state: &AppState, timer: &Timer) -> impl FnOnce() + Send + 'static {
    let (state, timer) = (state.clone(), timer.clone());
    move || {
        state.scheduler_wake.timer_changed(&timer);
        state.timers.insert(timer.id.clone(), timer);
    }
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
        tx.emit(Change::Expired.event(&timer, revision));
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
            Transition::Changed(Change::Updated)
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
            Transition::Changed(Change::Updated)
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
            Transition::Changed(Change::Expired)
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
            Transition::Changed(Change::Completed)
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
