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

use serde::Serialize;
use sqlx::{Any, AnyConnection, Transaction};

use crate::broadcast::OutgoingEvent;
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::http::Reply;
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

    /// The stored first reply for `scope`, when this is a retry.
    pub async fn replay(&mut self, scope: &str) -> Result<Option<Reply>, ApiError> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT status, body FROM idempotency_keys WHERE scope = $1")
                .bind(scope)
                .fetch_optional(&mut *self.tx)
                .await?;
        row.map(|(status, body)| Reply::from_stored(u16::try_from(status).unwrap_or(200), &body))
            .transpose()
    }

    /// Stores `reply` as the answer to every retry of `scope`.
    pub async fn remember(&mut self, scope: &str, reply: &Reply) -> Result<(), ApiError> {
        sqlx::query("INSERT INTO idempotency_keys (scope, status, body, created_at) VALUES ($1, $2, $3, $4)")
            .bind(scope)
            .bind(i64::from(reply.status().as_u16()))
            .bind(reply.body_text())
            .bind(now_ms())
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

/// The scope an idempotency key is remembered under: who sent it, for what.
pub fn idempotency_scope(principal: &str, action: &str, target: &str, key: &str) -> String {
    format!("{principal}:{action}:{target}:{key}")
}
