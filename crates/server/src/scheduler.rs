//! The expiry scheduler: sleeps until the earliest running timer's end
//! (or until woken because a timer changed, or at most `poll`, so timers
//! another instance started are found), then expires what is due.
//! Exactly-once across instances comes from [`expire_due`]'s conditional
//! update, not from here.
//!
//! Changes wake it only when they bring its next look forward
//! ([`ExpiryWake`]): under a stream of pauses and extensions it would
//! otherwise re-read the deadlines after every one.
//!
//! The same loop prunes stale idempotency keys, on its first round and
//! then every [`PRUNE_EVERY`].

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use crate::api::timers::{Timer, TimerState, expire_due, next_deadline};
use crate::clock::now_ms;
use crate::revision::prune_idempotency_keys;
use crate::state::AppState;

/// How often stale idempotency keys are pruned. Keys live a day, so an
/// hour late costs a little space and nothing else.
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// How a changed timer reaches the sleeping scheduler.
///
/// The scheduler records when it will next look (ms epoch), and
/// [`ExpiryWake::PLANNING`] while it is reading the deadlines; a change
/// wakes it only when the timer now ends before that. A change the
/// scheduler's read missed is never lost: either it sees `PLANNING` and
/// wakes it, or the recorded look is at or before the timer's end, when
/// the scheduler reads the deadlines again anyway.
pub struct ExpiryWake {
    notify: Notify,
    next_look_at: AtomicI64,
}

impl ExpiryWake {
    const PLANNING: i64 = i64::MIN;

    pub fn new() -> Self {
        Self {
            notify: Notify::new(),
            next_look_at: AtomicI64::new(Self::PLANNING),
        }
    }

    /// `timer` was just stored: wake the scheduler if it now runs out
    /// before the scheduler's next look.
    pub fn timer_changed(&self, timer: &Timer) {
        if timer.state != TimerState::Running {
            return;
        }
        let next_look_at = self.next_look_at.load(Ordering::SeqCst);
        if timer
            .ends_at
            .is_none_or(|end| next_look_at == Self::PLANNING || end < next_look_at)
        {
            self.notify.notify_one();
        }
    }

    fn planning(&self) {
        self.next_look_at.store(Self::PLANNING, Ordering::SeqCst);
    }

    fn planned(&self, at: i64) {
        self.next_look_at.store(at, Ordering::SeqCst);
    }
}

impl Default for ExpiryWake {
    fn default() -> Self {
        Self::new()
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn running(ends_at: i64) -> Timer {
        Timer {
            id: "t".into(),
            family_id: "f".into(),
            member_id: "m".into(),
            label: "Reading".into(),
            state: TimerState::Running,
            duration_ms: 60_000,
            ends_at: Some(ends_at),
            remaining_ms: None,
            stars: 1,
            template_id: None,
            started_at: 0,
            updated_at: 0,
        }
    }

    /// Whether a wake-up is waiting for the scheduler.
    async fn woken(wake: &ExpiryWake) -> bool {
        tokio::time::timeout(Duration::ZERO, wake.notify.notified())
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn a_change_while_the_scheduler_reads_the_deadlines_always_wakes_it() {
        let wake = ExpiryWake::new();
        wake.planning();
        wake.timer_changed(&running(i64::MAX - 1));
        assert!(woken(&wake).await);
    }

    #[tokio::test]
    async fn only_a_timer_ending_before_the_next_look_wakes_the_scheduler() {
        let wake = ExpiryWake::new();
        wake.planned(10_000);
        wake.timer_changed(&running(10_000));
        wake.timer_changed(&running(20_000));
        assert!(!woken(&wake).await, "the scheduler looks at 10 s anyway");
        wake.timer_changed(&running(9_999));
        assert!(woken(&wake).await);
    }

    #[tokio::test]
    async fn a_timer_that_stopped_running_does_not_wake_the_scheduler() {
        let wake = ExpiryWake::new();
        wake.planning();
        let mut paused = running(5_000);
        paused.state = TimerState::Paused;
        paused.ends_at = None;
        paused.remaining_ms = Some(5_000);
        wake.timer_changed(&paused);
        assert!(!woken(&wake).await);
    }
}
