//! The family transaction: every mutation of a family runs inside one, which
//! bumps the family's `revision` as its first statement, collects the
//! events to broadcast, and queues them only after the commit.
//!
//! Bumping first is deliberate. On PostgreSQL it takes the family row's
//! lock, so a family's mutations are serialised and revisions follow commit
//! order with no gaps; on SQLite it makes the transaction a writer from its
//! first statement, so it never has to upgrade a read snapshot (which fails
//! with `SQLITE_BUSY_SNAPSHOT`). A mutation that turns out to change
//! nothing rolls back, and its bump with it: the revision stays unchanged.
//!
//! The commonest write — one row changed under a guard, one event — has a
//! shorter form, [`FamilyTx::commit_guarded`], with the same guarantees:
//! on SQLite it is a single statement batch instead of four hand-offs to
//! the database thread.
//!
//! Committing, and queueing the events after it, run as a task of their
//! own: a request dropped half-way (a client that hangs up) can neither
//! stop a commit part-way nor leave a committed change unannounced.
//!
//! Idempotency keys live here too: a keyed request's first reply is stored
//! in the same transaction as its change, so a retry either finds both or
//! neither, and kept for [`IDEMPOTENCY_TTL`].

use std::time::Duration;

use kinboard_api::FamilyEvent;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{Any, AnyConnection, Row, Transaction};

use crate::broadcast::OutgoingEvent;
use crate::clock::now_ms;
use crate::db::Backend;
use crate::error::ApiError;
use crate::state::AppState;

/// Work to do once a transaction committed (caches, wake-ups), run with
/// its commit so a dropped request cannot skip it.
pub type AfterCommit = Box<dyn FnOnce() + Send + 'static>;

pub struct FamilyTx {
    tx: Transaction<'static, Any>,
    family_id: String,
    first_revision: i64,
    revision: i64,
    events: Vec<FamilyEvent>,
    after: Vec<AfterCommit>,
}

/// A value bound to one `$n` of a [`GuardedWrite`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bind {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
}

/// One `UPDATE` that changes its row only if the row is still what the
/// caller decided on (the guard is in its `WHERE`), with its binds for
/// `$1`…`$n`; `batch` is the same statement in SQLite's one-batch form,
/// made by [`guarded_write!`](crate::guarded_write) at compile time.
#[derive(Debug, Clone)]
pub struct GuardedWrite {
    pub sql: &'static str,
    pub batch: &'static str,
    pub binds: Vec<Bind>,
}

/// The SQL of a [`GuardedWrite`]: the statement and its one-batch form,
/// `BEGIN IMMEDIATE; statement; bump the family's revision if it changed a
/// row; COMMIT`, where `$family` is the bind that follows the statement's
/// own (`$13` after twelve).
#[macro_export]
macro_rules! guarded_write {
    ($statement:expr, family = $family:literal) => {
        (
            $statement,
            concat!(
                "BEGIN IMMEDIATE; ",
                $statement,
                "; UPDATE families SET revision = revision + 1 WHERE id = ",
                $family,
                " AND changes() = 1 RETURNING revision; COMMIT;"
            ),
        )
    };
}

impl GuardedWrite {
    pub fn bind_all<'q>(
        &'q self,
        mut query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
        for bind in &self.binds {
            query = match bind {
                Bind::Text(v) => query.bind(v.as_str()),
                Bind::OptText(v) => query.bind(v.as_deref()),
                Bind::Int(v) => query.bind(*v),
                Bind::OptInt(v) => query.bind(*v),
            };
        }
        query
    }
}

impl FamilyTx {
    /// Begins a transaction on `family_id` and bumps its revision; a 404 when
    /// the family does not exist.
    pub async fn begin(state: &AppState, family_id: &str) -> Result<Self, ApiError> {
        let mut tx = state.db.writer.begin().await?;
        let revision = bump(&mut tx, family_id)
            .await?
            .ok_or(ApiError::NotFound("family"))?;
        Ok(Self {
            tx,
            family_id: family_id.to_owned(),
            first_revision: revision,
            revision,
            events: Vec::new(),
            after: Vec::new(),
        })
    }

    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    pub fn family_id(&self) -> &str {
        &self.family_id
    }

    /// The revision this transaction commits as (the latest bump).
    pub fn revision(&self) -> i64 {
        self.revision
    }

    /// Bumps once more, for a second event in the same transaction (e.g. a
    /// confirmed timer followed by the stars it awarded): each event has its
    /// own revision, so a client never mistakes the second for a duplicate.
    pub async fn next_revision(&mut self) -> Result<i64, ApiError> {
        self.revision = bump(&mut self.tx, &self.family_id)
            .await?
            .ok_or(ApiError::NotFound("family"))?;
        Ok(self.revision)
    }

    /// The revision the next event to [`emit`](Self::emit) carries: the
    /// transaction's own for the first, a fresh bump for each after it.
    pub async fn revision_for_event(&mut self) -> Result<i64, ApiError> {
        if self.events.is_empty() {
            Ok(self.revision)
        } else {
            self.next_revision().await
        }
    }

    /// Queues `event`, to be broadcast after the commit.
    pub fn emit(&mut self, event: FamilyEvent) {
        self.events.push(event);
    }

    /// Runs `work` once the transaction committed and its events are
    /// queued (not if it rolls back).
    pub fn after_commit(&mut self, work: impl FnOnce() + Send + 'static) {
        self.after.push(Box::new(work));
    }

    /// The events queued so far, as the action's reply lists them.
    pub fn events(&self) -> Vec<kinboard_api::ReplyEvent> {
        kinboard_api::ReplyEvent::all(&self.events)
    }

    /// The stored first reply for `scope`, when this is a retry of the same
    /// request; [`ApiError::IdempotencyKeyReused`] when the key was used for
    /// a different one (the caller's transaction then rolls back).
    pub async fn replay<T: DeserializeOwned>(
        &mut self,
        scope: &IdempotencyScope,
    ) -> Result<Option<T>, ApiError> {
        let row: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT body, request_hash FROM idempotency_keys WHERE scope = $1")
                .bind(&scope.scope)
                .fetch_optional(&mut *self.tx)
                .await?;
        let Some((body, request_hash)) = row else {
            return Ok(None);
        };
        // Keys stored before fingerprints were kept have none to compare.
        if request_hash.is_some_and(|hash| hash != scope.fingerprint) {
            return Err(ApiError::IdempotencyKeyReused);
        }
        serde_json::from_str(&body)
            .map(Some)
            .map_err(|e| ApiError::Internal(format!("stored reply: {e}")))
    }

    /// Stores `reply` as the answer to every retry of `scope`.
    pub async fn remember(
        &mut self,
        scope: &IdempotencyScope,
        reply: &impl Serialize,
    ) -> Result<(), ApiError> {
        let body = serde_json::to_string(reply).map_err(|e| ApiError::Internal(e.to_string()))?;
        // `status` is no longer read: the route decides the status of a
        // replay as of a first answer.
        sqlx::query(
            "INSERT INTO idempotency_keys (scope, status, body, created_at, request_hash) VALUES ($1, 200, $2, $3, $4)",
        )
        .bind(&scope.scope)
        .bind(body)
        .bind(now_ms())
        .bind(&scope.fingerprint)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Commits, then queues the events in order. Returns the final revision.
    pub async fn commit(self, state: &AppState) -> Result<i64, ApiError> {
        let state = state.clone();
        let task = tokio::spawn(async move {
            // Held from before the commit until the events are queued, so a
            // family's events leave in the order its transactions committed.
            let lock = state.family_lock(&self.family_id).lock().await;
            self.tx.commit().await?;
            for event in &self.events {
                state.events.enqueue(outgoing(&self.family_id, event));
            }
            drop(lock);
            for work in self.after {
                work();
            }
            Ok(self.revision)
        });
        task.await
            .map_err(|e| ApiError::Internal(format!("commit task: {e}")))?
    }

    /// Rolls back because nothing changed; returns the unchanged revision.
    pub async fn unchanged(self) -> Result<i64, ApiError> {
        self.tx.rollback().await?;
        Ok(self.first_revision - 1)
    }

    /// Commits `write` and a revision bump together, and queues the event
    /// `event(revision)`, if the write's guard still holds; `None` (nothing
    /// changed, nothing bumped) when it does not.
    ///
    /// sqlx runs a SQLite connection on a thread of its own and hands it
    /// each statement in turn, so a [`FamilyTx`] costs four hand-offs
    /// (BEGIN, bump, update, COMMIT), and with one writer connection those
    /// hand-offs are what every other write queues behind. On SQLite this is
    /// one batch — `BEGIN IMMEDIATE; write; bump where changes() = 1;
    /// COMMIT` — in one hand-off; on PostgreSQL the same statements as
    /// [`FamilyTx::begin`] (bump first, for the row lock), then the write.
    pub async fn commit_guarded(
        state: &AppState,
        family_id: &str,
        write: GuardedWrite,
        event: impl FnOnce(i64) -> FamilyEvent + Send + 'static,
        after: impl FnOnce() + Send + 'static,
    ) -> Result<Option<(i64, FamilyEvent)>, ApiError> {
        if state.db.backend != Backend::Sqlite {
            let mut tx = Self::begin(state, family_id).await?;
            let done = write
                .bind_all(sqlx::query(write.sql))
                .execute(tx.conn())
                .await?;
            if done.rows_affected() == 0 {
                tx.unchanged().await?;
                return Ok(None);
            }
            let revision = tx.revision();
            let event = event(revision);
            tx.emit(event.clone());
            tx.after_commit(after);
            tx.commit(state).await?;
            return Ok(Some((revision, event)));
        }
        let state = state.clone();
        let family_id = family_id.to_owned();
        let task = tokio::spawn(async move {
            // The writer connection first, then the family lock, as a
            // [`FamilyTx`] takes them (it holds its connection when it
            // commits): the other order deadlocks against one.
            let mut conn = state.db.writer.acquire().await?;
            let lock = state.family_lock(&family_id).lock().await;
            let rows = write
                .bind_all(sqlx::query(write.batch))
                .bind(&family_id)
                .fetch_all(&mut *conn)
                .await;
            let rows = match rows {
                Ok(rows) => rows,
                Err(error) => {
                    // The batch stopped at a failing statement, perhaps inside
                    // its transaction: end that before the connection is
                    // reused, or drop the connection if even that fails.
                    if sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
                        conn.close_on_drop();
                    }
                    return Err(ApiError::from(error));
                }
            };
            let Some(row) = rows.first() else {
                return Ok(None);
            };
            let revision: i64 = row.try_get(0)?;
            let event = event(revision);
            state.events.enqueue(outgoing(&family_id, &event));
            drop(lock);
            drop(conn);
            after();
            Ok(Some((revision, event)))
        });
        task.await
            .map_err(|e| ApiError::Internal(format!("guarded write task: {e}")))?
    }
}

fn outgoing(family_id: &str, event: &FamilyEvent) -> OutgoingEvent {
    OutgoingEvent {
        family_id: family_id.to_owned(),
        name: event.name(),
        data: event.data(),
        revision: event.revision(),
    }
}

async fn bump(conn: &mut AnyConnection, family_id: &str) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as(
        "UPDATE families SET revision = revision + 1 WHERE id = $1 RETURNING revision",
    )
    .bind(family_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(r,)| r))
}

/// An `Idempotency-Key` and the fingerprint of the request it came with.
/// A retry with the same key and the same request replays the first reply;
/// the same key with a different request is refused, since replaying
/// another request's reply would tell the client its change was applied.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    /// Hex SHA-256 of the method, the path and the body as canonical JSON.
    pub fingerprint: String,
}

/// Where a keyed request's first reply is remembered: under who sent the
/// key, for what action on what, and with the request's fingerprint.
pub struct IdempotencyScope {
    scope: String,
    fingerprint: String,
}

impl IdempotencyScope {
    /// `key` as `principal` sent it for `action` on `target`, with the
    /// request's fingerprint.
    pub fn new(principal: &str, action: &str, target: &str, key: &IdempotencyKey) -> Self {
        Self {
            scope: format!("{principal}:{action}:{target}:{}", key.key),
            fingerprint: key.fingerprint.clone(),
        }
    }
}

/// How long a first reply is kept for retries. Retries come within seconds
/// or minutes; a day covers a device that was offline overnight.
pub const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 3600);

/// Forgets first replies older than [`IDEMPOTENCY_TTL`] (run by the
/// scheduler). Safe with several instances: each just deletes what is due.
/// Returns how many were forgotten.
pub async fn prune_idempotency_keys(state: &AppState, now: i64) -> Result<u64, ApiError> {
    let ttl = i64::try_from(IDEMPOTENCY_TTL.as_millis()).unwrap_or(i64::MAX);
    let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(now.saturating_sub(ttl))
        .execute(&state.db.writer)
        .await?;
    Ok(done.rows_affected())
}
