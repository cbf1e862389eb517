//! Where notices go — a timer ran out, a chore waits for a parent: the
//! [`Notifier`] trait (the Tauri shell implements it with notify-rust), a
//! [`RecordingNotifier`] for tests and headless runs, and [`NoNotifier`].

use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::Notify;

/// A timer ran out; raised once per timer run per device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimerExpired {
    /// The family it belongs to (a parent may have several on screen in turn).
    pub family_id: String,
    pub timer_id: String,
    pub label: String,
    pub member_id: String,
    /// The child's name, when known.
    pub member_name: Option<String>,
    /// Server time the timer ended at.
    pub ends_at: i64,
    /// The stars confirming it awards.
    pub stars: i64,
}

/// A kitchen screen marked a chore done and it waits for a parent; raised
/// on a parent's device once per completion, when it arrives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalNeeded {
    /// The family it belongs to.
    pub family_id: String,
    pub completion_id: String,
    pub chore_label: String,
    pub member_id: String,
    /// The child's name, when known.
    pub member_name: Option<String>,
    /// The stars approving it awards.
    pub stars: i64,
}

/// Receives notices. Called from a tokio task: keep it quick (hand
/// blocking work, like a D-Bus call, to `spawn_blocking`).
pub trait Notifier: Send + Sync + 'static {
    fn timer_expired(&self, notice: &TimerExpired);

    /// A chore waits for a parent's approval (parents' devices only).
    fn approval_needed(&self, notice: &ApprovalNeeded);
}

/// Drops every notice.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoNotifier;

impl Notifier for NoNotifier {
    fn timer_expired(&self, _notice: &TimerExpired) {}

    fn approval_needed(&self, _notice: &ApprovalNeeded) {}
}

/// Keeps every notice, in order.
#[derive(Debug, Clone, Default)]
pub struct RecordingNotifier {
    inner: Arc<(Mutex<Vec<TimerExpired>>, Notify)>,
    approvals: Arc<Mutex<Vec<ApprovalNeeded>>>,
}

impl RecordingNotifier {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn notices(&self) -> Vec<TimerExpired> {
        self.inner
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// How many notices were raised for `timer_id`.
    pub fn count_for(&self, timer_id: &str) -> usize {
        self.notices()
            .iter()
            .filter(|n| n.timer_id == timer_id)
            .count()
    }

    /// The approval notices, in order.
    pub fn approvals(&self) -> Vec<ApprovalNeeded> {
        self.approvals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Waits until a notice arrives after this call.
    pub async fn changed(&self) {
        self.inner.1.notified().await;
    }
}

impl Notifier for RecordingNotifier {
    fn timer_expired(&self, notice: &TimerExpired) {
        self.inner
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(notice.clone());
        self.inner.1.notify_waiters();
    }

    fn approval_needed(&self, notice: &ApprovalNeeded) {
        self.approvals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(notice.clone());
        self.inner.1.notify_waiters();
    }
}
