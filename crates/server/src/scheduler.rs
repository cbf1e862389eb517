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
//!
//! A database that keeps failing (read-only, full, gone) makes it back off
//! ([`retry_after`]) instead of trying a due timer again every
//! millisecond; it logs the first failure of a run, then at each doubling,
//! then about once an hour, and says when it works again.

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

/// The pause after `failures` failed rounds in a row: 100 ms doubling to
/// 30 s.
pub fn retry_after(failures: u32) -> Duration {
    Duration::from_millis(100)
        .saturating_mul(2_u32.saturating_pow(failures.saturating_sub(1).min(16)))
        .min(Duration::from_secs(30))
}

/// Whether the `failures`th failure in a row is logged: the first, each
/// doubling while the pause grows, then about once an hour.
fn worth_logging(failures: u32) -> bool {
    (failures.is_power_of_two() && failures <= 256) || failures.is_multiple_of(120)
}

pub async fn run(state: AppState, poll: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut next_prune = Instant::now();
    let mut failures: u32 = 0;
    loop {
        state.scheduler_wake.planning();
        match expire_due(&state, now_ms()).await {
            Ok(_) => {
                if failures > 0 {
                    tracing::info!(failures, "expiring timers works again");
                }
                failures = 0;
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                if worth_logging(failures) {
                    tracing::error!(error = %e, failures, retry_in = ?retry_after(failures), "expiring timers failed");
                }
            }
        }
        if Instant::now() >= next_prune {
            next_prune = Instant::now() + PRUNE_EVERY;
            match prune_idempotency_keys(&state, now_ms()).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(pruned = n, "forgot stale idempotency keys"),
                Err(e) => tracing::error!(error = %e, "pruning idempotency keys failed"),
            }
            match crate::throttle::prune(&state, now_ms()).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(pruned = n, "forgot quiet attempt counts"),
                Err(e) => tracing::error!(error = %e, "pruning attempt counts failed"),
            }
        }
        let wait = match next_deadline(&state).await {
            Ok(Some(deadline)) => {
                let ms = u64::try_from(deadline - now_ms()).unwrap_or(0);
                Duration::from_millis(ms).clamp(Duration::from_millis(1), poll)
            }
            Ok(None) => poll,
            Err(e) => {
                if failures == 0 || worth_logging(failures) {
                    tracing::error!(error = %e, "reading the next timer deadline failed");
                }
                poll
            }
        };
        // A due timer that cannot be expired is due again at once: wait
        // the failure's pause instead.
        let wait = if failures > 0 {
            wait.max(retry_after(failures))
        } else {
            wait
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

#[cfg(test)]
mod tests {
    use super::retry_after;
    use std::time::Duration;

    #[test]
    fn a_failing_database_is_tried_again_ever_less_often() {
        let pauses: Vec<Duration> = (1..=12).map(retry_after).collect();
        assert_eq!(pauses[0], Duration::from_millis(100));
        assert_eq!(pauses[1], Duration::from_millis(200));
        assert!(pauses.windows(2).all(|w| w[1] >= w[0]));
        assert_eq!(retry_after(50), Duration::from_secs(30));
        assert_eq!(retry_after(u32::MAX), Duration::from_secs(30));
        // A minute of failures is a handful of tries, not sixty thousand.
        let mut spent = Duration::ZERO;
        let mut tries = 0;
        while spent < Duration::from_secs(60) {
            tries += 1;
            spent += retry_after(tries);
        }
        assert!(tries < 15, "{tries} tries in a minute");
    }
}
