//! [`ExpiryWake`]: how a changed timer reaches the sleeping expiry
//! scheduler. Any instance's write path calls it; the scheduler reads it.

use std::sync::atomic::{AtomicI64, Ordering};

use kinboard_api::{Timer, TimerState};
use tokio::sync::Notify;

/// How a changed timer reaches the sleeping scheduler.
///
/// The scheduler records when it will next look (ms epoch), and
/// [`ExpiryWake::PLANNING`] while it is reading the deadlines; a change
/// wakes it only when the timer now ends before that. A change the
/// scheduler's read missed is never lost: either it sees `PLANNING` and
/// wakes it, or the recorded look is at or before the timer's end, when
/// the scheduler reads the deadlines again anyway.
pub struct ExpiryWake {
    pub(crate) notify: Notify,
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

    pub(crate) fn planning(&self) {
        self.next_look_at.store(Self::PLANNING, Ordering::SeqCst);
    }

    pub(crate) fn planned(&self, at: i64) {
        self.next_look_at.store(at, Ordering::SeqCst);
    }
}

impl Default for ExpiryWake {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

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
