//! The family transaction: every mutation of a family runs inside one, which
//! bumps the family's `revision` as its first statement, collects the
//! events to broadcast, and queues them only after the commit. (The one
//! exception keeps the same guarantees: on SQLite a timer action that
//! changes one row runs as a single statement batch, see
//! `api::timers::store_in_one_batch`.)
//!
//! Bumping first is deliberate. On PostgreSQL it takes the family row's
//! lock, so a family's mutations are serialised and revisions follow commit
//! order with no gaps; on SQLite it makes the transaction a writer from its
//! first statement, so it never has to upgrade a read snapshot (which fails
//! with `SQLITE_BUSY_SNAPSHOT`). A mutation that turns out to change
//! nothing rolls back, and its bump with it: the revision stays unchanged.
//!
//! Idempotency keys live here too: a keyed request's first reply is stored
//! in the same transaction as its change, so a retry either finds both or
//! neither, and kept for [`IDEMPOTENCY_TTL`].

use std::time::Duration;

use serde::Serialize;
use sqlx::{Any, AnyConnection, Transaction};

use crate::broadcast::OutgoingEvent;
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::http::{Idempotency, Reply};
use crate::state::AppState;

pub struct FamilyTx {
    tx: Transaction<'static, Any>,
    family_id: String,
    first_revision: i64,
    revision: i64,
    events: Vec<OutgoingEvent>,
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
        })
    }

    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
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

    /// Queues `payload` as event `name`, to be broadcast after the commit.
    pub fn emit(&mut self, name: &'static str, payload: &impl Serialize) -> Result<(), ApiError> {
        let data = serde_json::to_string(payload).map_err(|e| ApiError::Internal(e.to_string()))?;
        self.events.push(OutgoingEvent {
            family_id: self.family_id.clone(),
            name,
            data,
        });
        Ok(())
    }

    /// The stored first reply for `scope`, when this is a retry of the same
    /// request; [`ApiError::IdempotencyKeyReused`] when the key was used for
    /// a different one (the caller's transaction then rolls back).
    pub async fn replay(&mut self, scope: &IdempotencyScope) -> Result<Option<Reply>, ApiError> {
        let row: Option<(i64, String, Option<String>)> = sqlx::query_as(
            "SELECT status, body, request_hash FROM idempotency_keys WHERE scope = $1",
        )
        .bind(&scope.scope)
        .fetch_optional(&mut *self.tx)
        .await?;
        let Some((status, body, request_hash)) = row else {
            return Ok(None);
        };
        // Keys stored before fingerprints were kept have none to compare.
        if request_hash.is_some_and(|hash| hash != scope.fingerprint) {
            return Err(ApiError::IdempotencyKeyReused);
        }
        Reply::from_stored(u16::try_from(status).unwrap_or(200), &body).map(Some)
    }

    /// Stores `reply` as the answer to every retry of `scope`.
    pub async fn remember(
        &mut self,
        scope: &IdempotencyScope,
        reply: &Reply,
    ) -> Result<(), ApiError> {
        sqlx::query(
            "INSERT INTO idempotency_keys (scope, status, body, created_at, request_hash) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&scope.scope)
        .bind(i64::from(reply.status().as_u16()))
        .bind(reply.body_text())
        .bind(now_ms())
        .bind(&scope.fingerprint)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Commits, then queues the events in order. Returns the final revision.
    pub async fn commit(self, state: &AppState) -> Result<i64, ApiError> {
        let lock = state.family_lock(&self.family_id).lock().await;
        self.tx.commit().await?;
        for event in self.events {
            state.events.enqueue(event);
        }
        drop(lock);
        Ok(self.revision)
    }

    /// Rolls back because nothing changed; returns the unchanged revision.
    pub async fn unchanged(self) -> Result<i64, ApiError> {
        self.tx.rollback().await?;
        Ok(self.first_revision - 1)
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

/// Where a keyed request's first reply is remembered: under who sent the
/// key, for what action on what, and with the request's fingerprint.
pub struct IdempotencyScope {
    scope: String,
    fingerprint: String,
}

impl IdempotencyScope {
    pub fn new(principal: &str, action: &str, target: &str, idempotency: &Idempotency) -> Self {
        Self {
            scope: format!("{principal}:{action}:{target}:{}", idempotency.key),
            fingerprint: idempotency.fingerprint.clone(),
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
