//! [`SyncEngine`]: the rules that keep one family's dashboard in step with
//! the server, as a state machine with no I/O and no clock, in the manner
//! of `pusher-protocol`'s client.
//!
//! The driver feeds it what happens, each with the time it happened
//! ([`Now`]): the connection's state, the family channel subscribed or
//! refused, its events, snapshots it asked for, the replies to this
//! device's own actions, Refresh, and its own wake-ups. After every input
//! the driver drains [`SyncEngine::poll_output`] (fetch a snapshot, ask
//! for the channel again, reconnect, raise an expiry notice or an approval
//! notice, answer a Refresh), then [`SyncEngine::poll_view`] (a new view, when it changed),
//! and sleeps until [`SyncEngine::poll_timeout`].
//!
//! The rules:
//! * after every subscription (first or after a reconnect) the snapshot is
//!   reloaded: Pusher has no replay;
//! * events apply in revision order ([`Store`]); a gap waits
//!   [`EngineConfig::gap_wait`] for the missing event, then reloads;
//! * a reload is judged against what the store knew when it was sent
//!   ([`ReloadMark`]); one reload is in flight at a time, and a request
//!   made meanwhile is queued behind it (it may have been sent before what
//!   asked for the new one);
//! * a failed reload while subscribed is retried with a backoff;
//! * a failed channel authorisation is asked again with a backoff while
//!   the socket stays up, except when the server refused the session (401)
//!   or the family (403): that goes to the banner, and only Refresh tries
//!   again;
//! * every timer run raises one expiry notice, at its local deadline,
//!   online or not ([`ExpiryTracker`]);
//! * on a parent's device, a completion that starts waiting for a parent
//!   raises one approval notice (those waiting at the first snapshot were
//!   there before this device watched);
//! * a new day or week in the family's time zone rebuilds the view.
//!
//! Nothing here wakes up while the connection is steady: no polling.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kinboard_api::{Dashboard, ErrorCode, FamilyEvent, ReplyEvent, Role};
use pusher_client::State;

use crate::calendar;
use crate::error::CoreError;
use crate::expiry::ExpiryTracker;
use crate::notify::{ApprovalNeeded, TimerExpired};
use crate::store::{FamilyState, ReloadMark, Store, Versioned};
use crate::view::{ConnectionStatus, DashboardView, LastError, ViewContext};

/// The moment an input happened, on both clocks the engine needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// For the engine's own deadlines.
    pub instant: Instant,
    /// This device's wall clock, ms since the epoch.
    pub local_ms: i64,
    /// The estimated `server − local` offset.
    pub server_offset_ms: i64,
}

impl Now {
    /// The server's wall clock now.
    pub fn server_ms(&self) -> i64 {
        self.local_ms + self.server_offset_ms
    }

    /// The instant the local wall clock reads `local_ms`.
    fn at_local(&self, local_ms: i64) -> Instant {
        self.instant + Duration::from_millis(u64::try_from(local_ms - self.local_ms).unwrap_or(0))
    }
}

/// Who is waiting for a Refresh to be answered (the driver's name for it).
pub type WaiterId = u64;

/// What the driver must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Fetch the dashboard snapshot and hand it to
    /// [`SyncEngine::handle_snapshot`]. Never asked again before that.
    FetchSnapshot,
    /// Subscribe to the family channel again (it failed on this connection).
    Resubscribe,
    /// The connection is down and the person asked for a refresh: try now,
    /// skipping the backoff.
    Reconnect,
    /// A timer ran out.
    Notify(TimerExpired),
    /// A chore a kitchen screen marked done waits for a parent (on a
    /// parent's device; once per completion).
    Approval(ApprovalNeeded),
    /// A Refresh is answered: the snapshot taken after it was applied, or
    /// why not.
    Answer {
        waiter: WaiterId,
        result: Result<(), CoreError>,
    },
}

#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// How long a revision gap may stay open before the snapshot is reloaded.
    pub gap_wait: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            gap_wait: Duration::from_millis(300),
        }
    }
}

/// Retry delays of a failed reload while subscribed, and of a failed
/// channel authorisation while connected: 0.5 s doubling to 30 s.
pub fn retry_delay(attempt: u32) -> Duration {
    Duration::from_millis(500u64.saturating_mul(1 << attempt.min(6))).min(Duration::from_secs(30))
}

/// Why the family channel failed, as the banner says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRefusal {
    /// The auth endpoint's (or the relay's) HTTP status, when it gave one.
    pub status: Option<u16>,
    pub message: String,
}

impl SubscriptionRefusal {
    /// The session is gone (401) or may not see the family (403): asking
    /// again gets the same answer.
    pub fn is_final(&self) -> bool {
        matches!(self.status, Some(401 | 403))
    }

    fn code(&self) -> ErrorCode {
        match self.status {
            Some(401) => ErrorCode::Unauthorized,
            Some(403) => ErrorCode::Forbidden,
            _ => ErrorCode::Network,
        }
    }
}

/// The reload in flight and who waits for it.
#[derive(Debug)]
struct Reload {
    /// What the store knew when it was sent.
    mark: ReloadMark,
    waiters: Vec<WaiterId>,
}

/// One family's sync rules; see the module docs.
#[derive(Debug)]
pub struct SyncEngine {
    config: EngineConfig,
    role: Role,
    /// The family as `/api/me` named it, until the first snapshot.
    family: FamilyState,
    /// The account signed in (none on a kitchen screen).
    user_id: Option<String>,
    store: Store,
    connection: State,
    subscribed: bool,
    synced: bool,
    last_synced_at: Option<i64>,
    last_error: Option<LastError>,
    reload: Option<Reload>,
    /// Another reload is wanted after the one in flight, by these waiters.
    reload_next: Option<Vec<WaiterId>>,
    retries: u32,
    retry_at: Option<Instant>,
    gap_deadline: Option<Instant>,
    /// The family channel failed on this connection.
    subscription_failed: bool,
    resubscribes: u32,
    resubscribe_at: Option<Instant>,
    /// The next midnight in the family's zone, and that zone.
    day_boundary: Option<Instant>,
    boundary_zone: String,
    expiry: ExpiryTracker,
    expiry_at: Option<Instant>,
    /// Completions waiting for a parent as last seen; `None` until the
    /// first snapshot (those waiting already were not news to announce).
    pending_seen: Option<HashSet<String>>,
    /// Completions and redemptions this device's own actions made.
    made_here: HashSet<String>,
    outputs: VecDeque<Output>,
    view: Arc<DashboardView>,
    view_changed: bool,
}

impl SyncEngine {
    pub fn new(family: FamilyState, role: Role, config: EngineConfig) -> Self {
        Self {
            config,
            role,
            family,
            user_id: None,
            store: Store::new(),
            connection: State::Initialized,
            subscribed: false,
            synced: false,
            last_synced_at: None,
            last_error: None,
            reload: None,
            reload_next: None,
            retries: 0,
            retry_at: None,
            gap_deadline: None,
            subscription_failed: false,
            resubscribes: 0,
            resubscribe_at: None,
            day_boundary: None,
            boundary_zone: String::new(),
            expiry: ExpiryTracker::new(),
            expiry_at: None,
            pending_seen: None,
            made_here: HashSet::new(),
            outputs: VecDeque::new(),
            view: Arc::new(DashboardView::empty(role)),
            view_changed: false,
        }
    }

    /// The account signed in here, so the settings can say "you".
    pub fn for_user(mut self, user_id: Option<String>) -> Self {
        self.user_id = user_id;
        self
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The view as of the last input.
    pub fn view(&self) -> &Arc<DashboardView> {
        &self.view
    }

    // ------------------------------------------------------------- inputs

    /// The Pusher connection's state changed.
    pub fn handle_connection(&mut self, now: Now, state: State) {
        self.connection = state;
        if state != State::Connected {
            self.subscribed = false;
            self.synced = false;
            self.retry_at = None;
            // The next connection asks for the channel anew.
            self.subscription_failed = false;
            self.resubscribe_at = None;
        }
        self.settle(now);
    }

    /// The family channel is subscribed (again): reload, since events
    /// sent while it was not are gone.
    pub fn handle_subscribed(&mut self, now: Now) {
        self.subscribed = true;
        self.synced = false;
        self.retries = 0;
        self.subscription_failed = false;
        self.resubscribe_at = None;
        self.resubscribes = 0;
        self.request_reload(None);
        self.settle(now);
    }

    /// The family channel was refused or its authorisation failed.
    pub fn handle_subscription_failed(&mut self, now: Now, refusal: SubscriptionRefusal) {
        self.subscribed = false;
        self.synced = false;
        self.subscription_failed = true;
        if refusal.is_final() {
            tracing::warn!(message = %refusal.message, "family channel refused");
            self.resubscribe_at = None;
        } else {
            let delay = retry_delay(self.resubscribes);
            tracing::warn!(message = %refusal.message, ?delay, "family channel subscription failed: trying again");
            self.resubscribe_at = Some(now.instant + delay);
            self.resubscribes = self.resubscribes.saturating_add(1);
        }
        self.last_error = Some(LastError {
            code: refusal.code(),
            message: refusal.message,
            action: "refresh".into(),
        });
        self.settle(now);
    }

    /// An event on the family channel.
    pub fn handle_event(&mut self, now: Now, name: &str, data: &str) {
        if let Some(change) = Versioned::from_event(name, data) {
            self.offer_all(now, vec![change]);
        }
        self.settle(now);
    }

    /// The reply to this device's own action: the events it caused (each
    /// with its revision, none when it changed nothing) and the revision
    /// the server reached.
    pub fn handle_reply(&mut self, now: Now, events: Vec<ReplyEvent>, revision: i64) {
        let changes = events
            .into_iter()
            .filter_map(|listed| match listed {
                ReplyEvent::Known(event) => {
                    self.note_made_here(&event);
                    Some(Versioned::from(event))
                }
                ReplyEvent::Unknown { event, data } => {
                    Versioned::from_event(&event, &data.to_string())
                }
            })
            .collect();
        self.offer_all(now, changes);
        self.store.note_revision(revision);
        self.settle(now);
    }

    /// Remembers what this device's own action made (a chore marked done,
    /// a reward redeemed): the screen that made something may undo it.
    fn note_made_here(&mut self, event: &FamilyEvent) {
        let id = match event {
            FamilyEvent::ChoreCompleted(e) => &e.completion_id,
            FamilyEvent::RewardRedeemed(e) => &e.redemption.id,
            _ => return,
        };
        // A kitchen screen's undo window is seconds: a few hundred ids
        // are plenty to remember.
        if self.made_here.len() >= 512 {
            self.made_here.clear();
        }
        self.made_here.insert(id.clone());
    }

    /// The snapshot asked for by [`Output::FetchSnapshot`].
    pub fn handle_snapshot(&mut self, now: Now, result: Result<Dashboard, CoreError>) {
        let Some(reload) = self.reload.take() else {
            tracing::warn!("a snapshot nobody asked for: ignored");
            return;
        };
        let outcome = match result {
            Ok(snapshot) => {
                self.store.apply_reload(snapshot, reload.mark);
                if self.subscribed {
                    self.synced = true;
                }
                self.retries = 0;
                self.retry_at = None;
                self.last_synced_at = Some(now.local_ms);
                self.last_error = None;
                Ok(())
            }
            Err(e) => {
                tracing::warn!(error = %e, "dashboard reload failed");
                self.last_error = Some(LastError {
                    code: e.code(),
                    message: e.to_string(),
                    action: "refresh".into(),
                });
                if self.subscribed && !e.is_unauthorized() {
                    self.retry_at = Some(now.instant + retry_delay(self.retries));
                    self.retries = self.retries.saturating_add(1);
                }
                Err(e)
            }
        };
        for waiter in reload.waiters {
            self.outputs.push_back(Output::Answer {
                waiter,
                result: outcome.clone(),
            });
        }
        if let Some(waiters) = self.reload_next.take() {
            self.start_reload(waiters);
        }
        self.settle(now);
    }

    /// The person pressed Refresh: skip the backoffs, ask a refused
    /// channel once more, and reload; `waiter` is answered when a snapshot
    /// taken after now is applied.
    pub fn handle_refresh(&mut self, now: Now, waiter: WaiterId) {
        if self.connection != State::Connected {
            self.outputs.push_back(Output::Reconnect);
        } else if self.subscription_failed {
            self.subscription_failed = false;
            self.resubscribe_at = None;
            self.outputs.push_back(Output::Resubscribe);
        }
        self.request_reload(Some(waiter));
        self.settle(now);
    }

    /// A deadline from [`Self::poll_timeout`] passed (or any wake-up: what
    /// is not due yet waits).
    pub fn handle_timeout(&mut self, now: Now) {
        let due = |at: Option<Instant>| at.is_some_and(|at| at <= now.instant);
        if due(self.gap_deadline) {
            self.gap_deadline = None;
            if self.store.has_gap() {
                tracing::debug!(
                    revision = self.store.revision(),
                    pending = self.store.pending(),
                    "revision gap: reloading"
                );
                self.request_reload(None);
            }
        }
        if due(self.retry_at) {
            self.retry_at = None;
            if self.subscribed && !self.synced {
                self.request_reload(None);
            }
        }
        if due(self.resubscribe_at) {
            self.resubscribe_at = None;
            if self.subscription_failed && self.connection == State::Connected {
                self.subscription_failed = false;
                self.outputs.push_back(Output::Resubscribe);
            }
        }
        if due(self.day_boundary) {
            // A new day (chores open again) or week (weekly stars restart)
            // in the family's zone: no request needed.
            self.day_boundary = None;
            let tz = self.time_zone().to_owned();
            self.store.start_day(&calendar::date(&tz, now.server_ms()));
            self.store
                .start_week(calendar::week_start(&tz, now.server_ms()));
        }
        if due(self.expiry_at) {
            // A timer's local deadline: raised even while offline.
            self.expiry_at = None;
            self.check_expiry(now);
        }
        self.settle(now);
    }

    // ------------------------------------------------------------ outputs

    /// The next thing the driver must do.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// The view, when it changed since the last call.
    pub fn poll_view(&mut self) -> Option<Arc<DashboardView>> {
        std::mem::take(&mut self.view_changed).then(|| self.view.clone())
    }

    /// When to call [`Self::handle_timeout`] next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.gap_deadline,
            self.retry_at,
            self.resubscribe_at,
            self.day_boundary,
            self.expiry_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    // ------------------------------------------------------------ inside

    fn time_zone(&self) -> &str {
        self.store
            .family()
            .map_or(self.family.time_zone.as_str(), |f| f.time_zone.as_str())
    }

    fn offer_all(&mut self, now: Now, changes: Vec<Versioned>) {
        let before = self.store.revision();
        for change in changes {
            self.store.offer(change);
        }
        if self.store.revision() != before && self.synced {
            self.last_synced_at = Some(now.local_ms);
        }
    }

    /// Starts a reload, or queues one after the reload in flight (which
    /// may have been sent before whatever asked for this one).
    fn request_reload(&mut self, waiter: Option<WaiterId>) {
        self.gap_deadline = None;
        if self.reload.is_some() {
            self.reload_next.get_or_insert_with(Vec::new).extend(waiter);
            return;
        }
        self.start_reload(waiter.into_iter().collect());
    }

    fn start_reload(&mut self, waiters: Vec<WaiterId>) {
        self.reload = Some(Reload {
            mark: self.store.reload_mark(),
            waiters,
        });
        self.outputs.push_back(Output::FetchSnapshot);
    }

    /// Re-arms the deadlines and rebuilds the view after any input.
    fn settle(&mut self, now: Now) {
        if self.store.needs_snapshot() && self.reload.is_none() {
            self.request_reload(None);
        }
        if self.store.take_access_changed() {
            // A parent removed or a kitchen screen revoked, maybe this
            // device's own: the server's answer to a reload says.
            self.request_reload(None);
        }
        if !self.store.has_gap() || !self.store.is_loaded() {
            self.gap_deadline = None;
        } else if self.gap_deadline.is_none() && self.reload.is_none() {
            self.gap_deadline = Some(now.instant + self.config.gap_wait);
        }
        if self.boundary_zone != self.time_zone() {
            // The family moved to another zone: its days end elsewhen.
            self.day_boundary = None;
        }
        if self.day_boundary.is_none() && self.store.is_loaded() {
            let next = calendar::next_day_start(self.time_zone(), now.server_ms());
            self.day_boundary = Some(now.at_local(next - now.server_offset_ms));
            self.boundary_zone = self.time_zone().to_owned();
        }
        self.publish(now);
    }

    fn status(&self) -> ConnectionStatus {
        match self.connection {
            State::Connected if self.subscribed && self.synced => ConnectionStatus::Live,
            State::Connected | State::Connecting | State::Initialized => {
                ConnectionStatus::Reconnecting
            }
            State::Unavailable | State::Disconnected | State::Failed => ConnectionStatus::Offline,
        }
    }

    /// Rebuilds the view; when it differs, it is the one to show and the
    /// expiry tracker looks at it.
    fn publish(&mut self, now: Now) {
        let view = DashboardView::build(
            &self.store,
            ViewContext {
                role: self.role,
                family: Some(&self.family),
                connection: self.status(),
                last_synced_at: self.last_synced_at,
                server_offset_ms: now.server_offset_ms,
                last_error: self.last_error.clone(),
                server_now_ms: now.server_ms(),
                user_id: self.user_id.as_deref(),
                made_here: Some(&self.made_here),
            },
        );
        if *self.view != view {
            self.view = Arc::new(view);
            self.view_changed = true;
            self.check_expiry(now);
            self.check_approvals();
        }
    }

    /// Announces completions that started waiting for a parent since the
    /// last view (a parent's device only: a kitchen screen cannot approve).
    fn check_approvals(&mut self) {
        if !self.store.is_loaded() {
            return;
        }
        let now: HashSet<String> = self
            .view
            .pending
            .iter()
            .map(|p| p.completion_id.clone())
            .collect();
        if let Some(seen) = &self.pending_seen
            && self.role == Role::Parent
        {
            for p in self
                .view
                .pending
                .iter()
                .filter(|p| !seen.contains(&p.completion_id))
            {
                tracing::info!(completion = %p.completion_id, chore = %p.chore_label, "a chore waits for a parent");
                self.outputs.push_back(Output::Approval(ApprovalNeeded {
                    family_id: self.family.id.clone(),
                    completion_id: p.completion_id.clone(),
                    chore_label: p.chore_label.clone(),
                    member_id: p.member_id.clone(),
                    member_name: self.view.member(&p.member_id).map(|m| m.name.clone()),
                    stars: p.stars,
                }));
            }
        }
        self.pending_seen = Some(now);
    }

    fn check_expiry(&mut self, now: Now) {
        let (due, next) = self.expiry.update(&self.view, now.local_ms);
        for notice in due {
            tracing::info!(timer = %notice.timer_id, label = %notice.label, "timer expired");
            self.outputs.push_back(Output::Notify(notice));
        }
        self.expiry_at = next.map(|at| now.at_local(at));
    }
}

#[cfg(test)]
mod tests;
