//! The sync engine: one task per dashboard that owns the [`Store`] and
//! keeps it in step with the server, and publishes each new
//! [`DashboardView`].
//!
//! Inputs: the family channel's subscription (events, and `Subscribed`
//! after every (re)connect), the Pusher connection state, snapshot
//! fetches it starts itself, commands from the handle (refresh, replies
//! to actions), and its own timers (the gap wait, the fetch retry, the
//! day boundary). It reloads the snapshot after every `Subscribed` (Pusher
//! has no replay), when a gap outlives the wait, when an event cannot be
//! applied, and on Refresh. Nothing here runs on a schedule while the
//! connection is steady: no polling.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use pusher_client::{PusherClient, State, Subscription, SubscriptionEvent};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use super::reply::{self, Reply};
use crate::api::ApiClient;
use crate::api::wire::Snapshot;
use crate::calendar;
use crate::error::CoreError;
use crate::expiry::ExpiryWatcher;
use crate::store::{FamilyState, Store, Versioned};
use crate::view::{ConnectionStatus, DashboardView, LastError, Role, ViewContext};

pub(crate) enum Command {
    /// Reload everything; answers when a snapshot taken after the request
    /// is applied (or failed).
    Refresh(oneshot::Sender<Result<(), CoreError>>),
    /// Apply the reply to an action; answers once the view includes it.
    Reply(Reply, oneshot::Sender<()>),
}

type Fetch = Pin<Box<dyn Future<Output = Result<Snapshot, CoreError>> + Send>>;
type Waiters = Vec<oneshot::Sender<Result<(), CoreError>>>;

pub(crate) struct Engine {
    pub(crate) api: ApiClient,
    pub(crate) family: FamilyState,
    pub(crate) role: Role,
    pub(crate) pusher: PusherClient,
    pub(crate) subscription: Subscription,
    pub(crate) view: watch::Sender<Arc<DashboardView>>,
    pub(crate) gap_wait: Duration,
    pub(crate) store: Store,
    pub(crate) expiry: ExpiryWatcher,
}

/// Retry delays of a failed reload while subscribed: 0.5 s doubling to 30 s.
fn retry_delay(attempt: u32) -> Duration {
    Duration::from_millis(500u64.saturating_mul(1 << attempt.min(6))).min(Duration::from_secs(30))
}

struct Run {
    pusher_state: watch::Receiver<State>,
    subscribed: bool,
    synced: bool,
    last_synced_at: Option<i64>,
    last_error: Option<LastError>,
    fetch: Option<Fetch>,
    fetch_again: bool,
    current: Waiters,
    next: Waiters,
    gap_deadline: Option<Instant>,
    retry_at: Option<Instant>,
    retries: u32,
    boundary: Option<Instant>,
    /// The next local timer deadline the expiry watcher waits for.
    expiry_at: Option<Instant>,
}

impl Engine {
    pub(crate) async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut run = Run {
            pusher_state: self.pusher.state(),
            subscribed: false,
            synced: false,
            last_synced_at: None,
            last_error: None,
            fetch: None,
            fetch_again: false,
            current: Vec::new(),
            next: Vec::new(),
            gap_deadline: None,
            retry_at: None,
            retries: 0,
            boundary: None,
            expiry_at: None,
        };
        loop {
            self.settle(&mut run);
            self.publish(&mut run);
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Command::Refresh(reply)) => {
                        if *run.pusher_state.borrow() != State::Connected {
                            // The person asked: skip the reconnect backoff.
                            self.pusher.reconnect();
                        }
                        self.request_fetch(&mut run, Some(reply));
                    }
                    Some(Command::Reply(r, done)) => {
                        let (changes, known) = reply::changes(&self.store, r);
                        self.offer_all(&mut run, changes);
                        self.store.note_revision(known);
                        self.settle(&mut run);
                        self.publish(&mut run);
                        let _ = done.send(());
                    }
                    None => break,
                },
                event = self.subscription.next() => match event {
                    Some(SubscriptionEvent::Subscribed { .. }) => {
                        run.subscribed = true;
                        run.synced = false;
                        run.retries = 0;
                        self.request_fetch(&mut run, None);
                    }
                    Some(SubscriptionEvent::Failed(failure)) => {
                        tracing::warn!(%failure, "family channel subscription failed");
                        run.last_error = Some(subscription_error(&failure));
                    }
                    Some(SubscriptionEvent::Event(e)) => {
                        let at = self.server_now();
                        if let Some(v) = Versioned::from_event(&e.event, e.data.as_deref().unwrap_or("null"), at) {
                            self.offer_all(&mut run, vec![v]);
                        }
                    }
                    Some(_) => {}
                    None => break,
                },
                changed = run.pusher_state.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    if *run.pusher_state.borrow_and_update() != State::Connected {
                        run.subscribed = false;
                        run.synced = false;
                        run.retry_at = None;
                    }
                }
                result = async { run.fetch.as_mut().expect("guarded").await }, if run.fetch.is_some() => {
                    run.fetch = None;
                    self.fetched(&mut run, result);
                }
                () = sleep_until(run.gap_deadline) => {
                    run.gap_deadline = None;
                    if self.store.has_gap() {
                        tracing::debug!(revision = self.store.revision(), pending = self.store.pending(), "revision gap: reloading");
                        self.request_fetch(&mut run, None);
                    }
                }
                () = sleep_until(run.retry_at) => {
                    run.retry_at = None;
                    if run.subscribed && !run.synced {
                        self.request_fetch(&mut run, None);
                    }
                }
                () = sleep_until(run.expiry_at) => {
                    // A timer's local deadline: raised even while offline.
                    run.expiry_at = self.expiry.check(&self.view.borrow());
                }
                () = sleep_until(run.boundary) => {
                    // A new day (chores open again) or week (weekly stars
                    // restart) in the family's zone: no request needed.
                    run.boundary = None;
                    let tz = self.time_zone().to_owned();
                    self.store.start_week(calendar::week_start(&tz, self.server_now()));
                }
            }
        }
        self.pusher.disconnect();
    }

    fn server_now(&self) -> i64 {
        self.api.clock().now_ms() + self.api.server_offset_ms().unwrap_or(0)
    }

    fn time_zone(&self) -> &str {
        self.store
            .family()
            .map_or(self.family.time_zone.as_str(), |f| f.time_zone.as_str())
    }

    fn offer_all(&mut self, run: &mut Run, changes: Vec<Versioned>) {
        let before = self.store.revision();
        for change in changes {
            self.store.offer(change);
        }
        if self.store.revision() != before && run.synced {
            run.last_synced_at = Some(self.api.clock().now_ms());
        }
    }

    /// Starts a reload, or queues one after the reload in flight (which
    /// may have been sent before whatever asked for this one).
    fn request_fetch(
        &mut self,
        run: &mut Run,
        waiter: Option<oneshot::Sender<Result<(), CoreError>>>,
    ) {
        run.gap_deadline = None;
        if run.fetch.is_some() {
            run.fetch_again = true;
            run.next.extend(waiter);
            return;
        }
        run.current.extend(waiter);
        let api = self.api.clone();
        let family_id = self.family.id.clone();
        run.fetch = Some(Box::pin(async move { api.dashboard(&family_id).await }));
    }

    fn fetched(&mut self, run: &mut Run, result: Result<Snapshot, CoreError>) {
        let outcome = match result {
            Ok(snapshot) => {
                self.store.apply_snapshot(snapshot);
                if run.subscribed {
                    run.synced = true;
                }
                run.retries = 0;
                run.last_synced_at = Some(self.api.clock().now_ms());
                run.last_error = None;
                Ok(())
            }
            Err(e) => {
                tracing::warn!(error = %e, "dashboard reload failed");
                run.last_error = Some(LastError {
                    code: e.code().to_owned(),
                    message: e.to_string(),
                    action: "refresh".into(),
                });
                if run.subscribed && !e.is_unauthorized() {
                    run.retry_at = Some(Instant::now() + retry_delay(run.retries));
                    run.retries = run.retries.saturating_add(1);
                }
                Err(e)
            }
        };
        for waiter in run.current.drain(..) {
            let _ = waiter.send(outcome.clone());
        }
        if std::mem::take(&mut run.fetch_again) {
            let next = std::mem::take(&mut run.next);
            run.current = next;
            let api = self.api.clone();
            let family_id = self.family.id.clone();
            run.fetch = Some(Box::pin(async move { api.dashboard(&family_id).await }));
        }
    }

    /// Re-arms the engine's own timers after any input.
    fn settle(&mut self, run: &mut Run) {
        if self.store.needs_snapshot() && run.fetch.is_none() {
            self.request_fetch(run, None);
        }
        if !self.store.has_gap() || !self.store.is_loaded() {
            run.gap_deadline = None;
        } else if run.gap_deadline.is_none() && run.fetch.is_none() {
            run.gap_deadline = Some(Instant::now() + self.gap_wait);
        }
        if run.boundary.is_none() && self.store.is_loaded() {
            let now = self.server_now();
            let next = calendar::next_day_start(self.time_zone(), now);
            let wait = Duration::from_millis(u64::try_from(next - now).unwrap_or(0));
            run.boundary = Some(Instant::now() + wait);
        }
    }

    fn status(&self, run: &Run) -> ConnectionStatus {
        match *run.pusher_state.borrow() {
            State::Connected if run.subscribed && run.synced => ConnectionStatus::Live,
            State::Connected | State::Connecting | State::Initialized => {
                ConnectionStatus::Reconnecting
            }
            State::Unavailable | State::Disconnected | State::Failed => ConnectionStatus::Offline,
        }
    }

    /// Sends the view when it differs from the last one, and lets the
    /// expiry watcher see it.
    fn publish(&mut self, run: &mut Run) {
        let view = DashboardView::build(
            &self.store,
            ViewContext {
                role: self.role,
                family: Some(&self.family),
                connection: self.status(run),
                last_synced_at: run.last_synced_at,
                server_offset_ms: self.api.server_offset_ms().unwrap_or(0),
                last_error: run.last_error.clone(),
                server_now_ms: self.server_now(),
            },
        );
        let changed = self.view.send_if_modified(|current| {
            if **current == view {
                false
            } else {
                *current = Arc::new(view);
                true
            }
        });
        if changed {
            let view = self.view.borrow().clone();
            run.expiry_at = self.expiry.check(&view);
        }
    }
}

/// A failed subscription as the banner shows it: the auth endpoint's
/// 401 means the session is gone, 403 that this account may not see the
/// family; anything else is the network's doing.
fn subscription_error(failure: &pusher_client::SubscriptionFailure) -> LastError {
    let text = failure.to_string();
    let code = if text.contains("answered 401") {
        "unauthorized"
    } else if text.contains("answered 403") {
        "forbidden"
    } else {
        "network"
    };
    LastError {
        code: code.into(),
        message: text,
        action: "refresh".into(),
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::retry_delay;
    use std::time::Duration;

    #[test]
    fn reload_retries_back_off_to_thirty_seconds() {
        assert_eq!(retry_delay(0), Duration::from_millis(500));
        assert_eq!(retry_delay(1), Duration::from_secs(1));
        assert_eq!(retry_delay(5), Duration::from_secs(16));
        assert_eq!(retry_delay(6), Duration::from_secs(30));
        assert_eq!(retry_delay(40), Duration::from_secs(30));
    }
}
