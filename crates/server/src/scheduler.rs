//! The expiry scheduler: sleeps until the earliest running timer's end
//! (or until woken because a timer changed, or at most `poll`, so timers
//! another instance started are found), then expires what is due.
//! Exactly-once across instances comes from [`expire_due`]'s conditional
//! update, not from here.
//!
//! Changes wake it only when they bring its next look forward
//! ([`ExpiryWake`](crate::wake::ExpiryWake)): under a stream of pauses and
//! extensions it would otherwise re-read the deadlines after every one.
//!
//! The same loop prunes stale idempotency keys, on its first round and
//! then every [`PRUNE_EVERY`].

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::clock::now_ms;
use crate::domain::timers::{expire_due, next_deadline};
use crate::revision::prune_idempotency_keys;
use crate::state::AppState;

/// How often stale idempotency keys are pruned. Keys live a day, so an
/// hour late costs a little space and nothing else.
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);

pub async fn run(state: AppState, poll: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut next_prune = Instant::now();
    loop {
        state.scheduler_wake.planning();
        if let Err(e) = expire_due(&state, now_ms()).await {
            tracing::error!(error = %e, "expiring timers failed");
        }
        if Instant::now() >= next_prune {
            next_prune = Instant::now() + PRUNE_EVERY;
            match prune_idempotency_keys(&state, now_ms()).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(pruned = n, "forgot stale idempotency keys"),
                Err(e) => tracing::error!(error = %e, "pruning idempotency keys failed"),
            }
        }
        let wait = match next_deadline(&state).await {
            Ok(Some(deadline)) => {
                let ms = u64::try_from(deadline - now_ms()).unwrap_or(0);
                Duration::from_millis(ms).clamp(Duration::from_millis(1), poll)
            }
            Ok(None) => poll,
            Err(e) => {
                tracing::error!(error = %e, "reading the next timer deadline failed");
                poll
            }
        };
        state
            .scheduler_wake
            .planned(now_ms().saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX)));
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = state.scheduler_wake.notify.notified() => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}
