//! The sync engine: one task per dashboard that owns the [`Store`] and
//! keeps it in step with the server, and publishes each new
//! [`DashboardView`].
//!
//! Inputs: the family channel's subscription (events, and `Subscribed`
//! after every (re)connect), the Pusher connection state, snapshot
//! fetches it starts itself, commands from the handle (refresh, replies
//! to actions), and its own timers (the gap wait, the fetch retry, the
//! day boundary, the resubscription backoff). It reloads the snapshot
//! after every `Subscribed` (Pusher has no replay), when a gap outlives
//! the wait, when an event cannot be applied, and on Refresh. A failed
//! channel authorisation is tried again with a backoff while the socket
//! stays up (the connection would otherwise only retry it on its next
//! reconnect), except when the server refused the session (401) or the
//! family (403): that goes to the banner, and only Refresh tries again.
//! Nothing here runs on a schedule while the connection is steady: no
//! polling.

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
use crate::store::{FamilyState, ReloadMark, Store, Versioned};
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

/// Retry delays of a failed reload while subscribed, and of a failed
/// channel authorisation while connected: 0.5 s doubling to 30 s.
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
    /// What the store knew when the reload in flight was sent.
    fetch_mark: Option<ReloadMark>,
    fetch_again: bool,
    current: Waiters,
    next: Waiters,
    gap_deadline: Option<Instant>,
    retry_at: Option<Instant>,
    retries: u32,
    /// The family channel's last outcome on this connection was a failure.
    subscription_failed: bool,
    /// When to ask for the failed channel again.
    resubscribe_at: Option<Instant>,
    resubscribes: u32,
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
            fetch_mark: None,
            fetch_again: false,
            current: Vec::new(),
            next: Vec::new(),
            gap_deadline: None,
            retry_at: None,
            retries: 0,
            subscription_failed: false,
            resubscribe_at: None,
            resubscribes: 0,
            boundary: None,
            expiry_at: None,
        };
        loop {
            self.settle(&mut run);
            self.publish(&mut run);
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Command::Refresh(reply)) => {
                        // The person asked: skip the backoffs, and try a
                        // refused channel once more.
                        if *run.pusher_state.borrow() != State::Connected {
                            self.pusher.reconnect();
                        } else if run.subscription_failed {
                            self.resubscribe(&mut run);
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
                        run.subscription_failed = false;
                        run.resubscribe_at = None;
                        run.resubscribes = 0;
                        self.request_fetch(&mut run, None);
                    }
                    Some(SubscriptionEvent::Failed(failure)) => {
                        let error = subscription_error(&failure);
                        run.subscribed = false;
                        run.synced = false;
                        run.subscription_failed = true;
                        if is_refusal(&error) {
                            // Asking again gets the same answer: no loop.
                            tracing::warn!(%failure, "family channel refused");
                            run.resubscribe_at = None;
                        } else {
                            let delay = retry_delay(run.resubscribes);
                            tracing::warn!(%failure, ?delay, "family channel subscription failed: trying again");
                            run.resubscribe_at = Some(Instant::now() + delay);
                            run.resubscribes = run.resubscribes.saturating_add(1);
                        }
                        run.last_error = Some(error);
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
                        // The next connection asks for the channel anew.
                        run.subscription_failed = false;
                        run.resubscribe_at = None;
                    }
                }
                result = async { run.fetch.as_mut().expect("guarded").await }, if run.fetch.is_some() => {
                    run.fetch = None;
                    let mark = run.fetch_mark.take().expect("a mark per fetch");
                    self.fetched(&mut run, result, mark);
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
                () = sleep_until(run.resubscribe_at) => {
                    run.resubscribe_at = None;
                    if run.subscription_failed && *run.pusher_state.borrow() == State::Connected {
                        self.resubscribe(&mut run);
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
        self.start_fetch(run);
    }

    /// Sends a reload, noting what the store knows at this moment: the
    /// snapshot that comes back reflects at least that.
    fn start_fetch(&mut self, run: &mut Run) {
        let api = self.api.clone();
        let family_id = self.family.id.clone();
        run.fetch_mark = Some(self.store.reload_mark());
        run.fetch = Some(Box::pin(async move { api.dashboard(&family_id).await }));
    }

    /// Asks for the family channel again after it failed on this
    /// connection. The client retries a failed channel when it is
    /// subscribed to again; the new stream replaces the old one, whose
    /// drop removes only its own listener. Nothing is lost in the swap: a
    /// failed channel carries no events, and a new listener of a channel
    /// that meanwhile succeeded is told `Subscribed` (so it reloads).
    fn resubscribe(&mut self, run: &mut Run) {
        run.subscription_failed = false;
        run.resubscribe_at = None;
        match self.pusher.subscribe(self.subscription.channel().as_str()) {
            Ok(subscription) => self.subscription = subscription,
            Err(e) => tracing::warn!(error = %e, "family channel: cannot subscribe again"),
        }
    }

    fn fetched(&mut self, run: &mut Run, result: Result<Snapshot, CoreError>, mark: ReloadMark) {
        let outcome = match result {
            Ok(snapshot) => {
                self.store.apply_reload(snapshot, mark);
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
            self.start_fetch(run);
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
/// family (the relay refusing with either status means the same); anything
/// else is the network's or a passing server error.
fn subscription_error(failure: &pusher_client::SubscriptionFailure) -> LastError {
    let status = match failure {
        pusher_client::SubscriptionFailure::Refused { status, .. } => *status,
        pusher_client::SubscriptionFailure::Authorization(error) => error.status,
    };
    let code = match status {
        Some(401) => "unauthorized",
        Some(403) => "forbidden",
        _ => "network",
    };
    LastError {
        code: code.into(),
        message: failure.to_string(),
        action: "refresh".into(),
    }
}

/// Whether a subscription failure is the server saying no, which asking
/// again will not change.
fn is_refusal(error: &LastError) -> bool {
    matches!(error.code.as_str(), "unauthorized" | "forbidden")
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::{is_refusal, retry_delay, subscription_error};
    use pusher_client::{AuthorizeError, SubscriptionFailure};
    use std::time::Duration;

    #[test]
    fn only_a_401_or_403_stops_the_channel_retries() {
        // Built as the HTTP authorizer reports them.
        let auth = |error: AuthorizeError| {
            subscription_error(&SubscriptionFailure::Authorization(error.into()))
        };
        let answered = |status, body: &str| AuthorizeError::Status {
            status,
            body: body.into(),
        };
        let unauthorized = auth(answered(401, "session expired"));
        assert_eq!(unauthorized.code, "unauthorized");
        assert!(unauthorized.message.contains("session expired"));
        assert!(is_refusal(&unauthorized));
        assert!(is_refusal(&auth(answered(403, "not yours"))));
        for passing in [
            answered(500, "disrupted"),
            answered(503, "busy"),
            // A body that merely mentions a status is not a refusal.
            answered(502, "upstream answered 401"),
            AuthorizeError::Transport("connection reset".into()),
            AuthorizeError::InvalidResponse("not JSON".into()),
        ] {
            let error = auth(passing.clone());
            assert_eq!(error.code, "network", "{passing}");
            assert!(!is_refusal(&error), "{passing}");
        }
        let relay = |status| {
            subscription_error(&SubscriptionFailure::Refused {
                status,
                message: "no".into(),
            })
        };
        assert!(is_refusal(&relay(Some(403))));
        assert!(!is_refusal(&relay(None)));
    }

    #[test]
    fn reload_retries_back_off_to_thirty_seconds() {
        assert_eq!(retry_delay(0), Duration::from_millis(500));
        assert_eq!(retry_delay(1), Duration::from_secs(1));
        assert_eq!(retry_delay(5), Duration::from_secs(16));
        assert_eq!(retry_delay(6), Duration::from_secs(30));
        assert_eq!(retry_delay(40), Duration::from_secs(30));
    }
}
