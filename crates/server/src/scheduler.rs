//! The expiry scheduler: sleeps until the earliest running timer's end
//! (or until woken because a timer changed, or at most `poll`, so timers
//! another instance started are found), then expires what is due.
//! Exactly-once across instances comes from [`expire_due`]'s conditional
//! update, not from here.

use std::time::Duration;

use tokio::sync::watch;

use crate::api::timers::{expire_due, next_deadline};
use crate::clock::now_ms;
use crate::state::AppState;

pub async fn run(state: AppState, poll: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(e) = expire_due(&state, now_ms()).await {
            tracing::error!(error = %e, "expiring timers failed");
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
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = state.scheduler_wake.notified() => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}
