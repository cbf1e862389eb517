//! Broadcasting family events after commit, fire-and-forget.
//!
//! A service commits, then hands its events to the [`EventQueue`] without
//! waiting. The queue has a fixed number of lanes, each a bounded channel
//! drained by one task; a family always maps to the same lane, so its events
//! leave in commit order, while a slow relay only ever delays events — never
//! a request. A publish that fails for a passing reason (the engine
//! unreachable, a 5xx) is tried again with backoff, holding the lane so the
//! order stands. Nothing is lost silently: an event dropped by a full lane
//! or given up after its retries is logged, and the family is owed one
//! `family:resync {revision}`, published as soon as the lane can, which
//! makes every device behind that revision reload once — a lost last event
//! leaves no gap for a device to notice.
//!
//! Where events go is a [`Broadcaster`]: the embedded relay in this process
//! ([`embedded`]) or any Pusher HTTP API ([`pusher_http`]: Pusher's cloud, a
//! self-hosted engine, a standalone `kinboard-relay`).
//!
//! A lane also carries the closing of sockets whose access ended
//! ([`EventQueue::enqueue_close`]), behind the family's events queued
//! before it, so the last thing such a socket hears is why.

pub mod embedded;
pub mod pusher_http;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use std::collections::HashMap;

use kinboard_api::FamilyEvent;
use kinboard_api::events::FamilyResync;
use thiserror::Error;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

/// A boxed future, so [`Broadcaster`] stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pub use kinboard_api::family_channel;

/// One event for one family's channel; `data` is the JSON payload text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEvent {
    pub family_id: String,
    pub name: &'static str,
    pub data: String,
    /// The family revision the event carries.
    pub revision: i64,
}

impl OutgoingEvent {
    pub fn channel(&self) -> String {
        family_channel(&self.family_id)
    }
}

#[derive(Debug, Error)]
pub enum BroadcastError {
    #[error("invalid channel name: {0}")]
    Channel(#[from] pusher_protocol::NameError),
    #[error("relay refused the event: {0}")]
    Relay(String),
    #[error("relay unreachable: {0}")]
    Unreachable(#[from] reqwest::Error),
    #[error("relay answered {status}: {body}")]
    Status { status: u16, body: String },
}

impl BroadcastError {
    /// Whether trying again soon may work: the engine unreachable,
    /// overloaded or failing, rather than refusing this event. An engine
    /// that hangs is not waited for again (the lane would stall behind it
    /// for a timeout per try): the family is owed a resync instead.
    fn is_passing(&self) -> bool {
        match self {
            Self::Unreachable(e) => !e.is_timeout(),
            Self::Status { status, .. } => *status >= 500 || *status == 429,
            Self::Channel(_) | Self::Relay(_) => false,
        }
    }
}

/// Pauses before each retry of a failed publish; after the last, the
/// events are given up and the family owed a resync.
const RETRY_PAUSES: [Duration; 3] = [
    Duration::from_millis(100),
    Duration::from_millis(400),
    Duration::from_millis(1600),
];

/// How often a lane tries an owed resync again while none gets through.
const RESYNC_RETRY: Duration = Duration::from_secs(1);

/// Somewhere events can be published.
pub trait Broadcaster: Send + Sync + 'static {
    /// Publishes events of one lane, in order. The default publishes them one
    /// by one; a transport with a batch call may do better. Returns one
    /// result per failed event so each failure is logged with its event;
    /// the events after a failed one count as failed too (never sent ahead
    /// of it).
    fn publish_batch<'a>(
        &'a self,
        events: &'a [OutgoingEvent],
    ) -> BoxFuture<'a, Vec<(usize, BroadcastError)>> {
        Box::pin(async move {
            // Stops at the first failure: what follows is not sent before
            // it, so a retry from there keeps the family's order.
            for (i, event) in events.iter().enumerate() {
                if let Err(e) = self.publish(event).await {
                    let mut failures = vec![(i, e)];
                    failures.extend((i + 1..events.len()).map(|j| {
                        (
                            j,
                            BroadcastError::Relay("not sent: an earlier event failed".into()),
                        )
                    }));
                    return failures;
                }
            }
            Vec::new()
        })
    }

    fn publish<'a>(&'a self, event: &'a OutgoingEvent)
    -> BoxFuture<'a, Result<(), BroadcastError>>;

    /// Closes these sockets of `family_id`'s channel (their access ended)
    /// after what was published to them: the embedded relay's own. A
    /// Pusher HTTP API has no call for one socket; it ends users instead
    /// ([`Self::end_users`]).
    fn close_sockets(&self, _family_id: &str, _socket_ids: &[String]) {}

    /// Ends every connection of these Pusher users (devices signed in with
    /// `pusher:signin`) whose access ended: the HTTP API's
    /// `terminate_connections`, on Pusher's cloud and self-hosted engines.
    /// The embedded relay has none signed in, and closes sockets itself.
    fn end_users<'a>(&'a self, _user_ids: &'a [String]) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

/// What a lane carries: an event, or sockets to close after the events
/// before it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LaneItem {
    Event(OutgoingEvent),
    Close {
        family_id: String,
        sockets: Vec<String>,
        /// Pusher users to disconnect wherever they are.
        users: Vec<String>,
    },
}

/// How many events a lane hands its broadcaster at once (the Pusher HTTP
/// API's batch limit).
const MAX_BATCH: usize = 10;

/// The bounded, per-family-ordered queue in front of a [`Broadcaster`].
pub struct EventQueue {
    lanes: Mutex<Vec<mpsc::Sender<LaneItem>>>,
    lane_count: usize,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    owed: Arc<Owed>,
    /// Per lane, the ends of access waiting for room: nothing queued
    /// after one may overtake it, so the lane counts as full meanwhile.
    closes_waiting: Arc<Vec<std::sync::atomic::AtomicUsize>>,
}

/// Families owed a `family:resync`, with the highest revision lost, and a
/// wake-up per lane to send them.
struct Owed {
    revisions: Mutex<HashMap<String, i64>>,
    wake: Vec<Notify>,
}

impl Owed {
    fn note(&self, family_id: &str, revision: i64, lane: usize) {
        {
            let mut owed = self.revisions.lock().unwrap_or_else(|e| e.into_inner());
            let at = owed.entry(family_id.to_owned()).or_insert(revision);
            *at = (*at).max(revision);
        }
        if let Some(wake) = self.wake.get(lane) {
            wake.notify_one();
        }
    }

    /// Takes the resyncs owed to families of `lane`.
    fn take(&self, lane: usize, lanes: usize) -> Vec<(String, i64)> {
        let mut owed = self.revisions.lock().unwrap_or_else(|e| e.into_inner());
        let mine: Vec<String> = owed
            .keys()
            .filter(|family| lane_of(family, lanes) == lane)
            .cloned()
            .collect();
        mine.into_iter()
            .filter_map(|family| owed.remove_entry(&family))
            .collect()
    }

    fn any_for(&self, lane: usize, lanes: usize) -> bool {
        let owed = self.revisions.lock().unwrap_or_else(|e| e.into_inner());
        owed.keys().any(|family| lane_of(family, lanes) == lane)
    }
}

impl EventQueue {
    /// Starts `lanes` lane tasks, each buffering up to `capacity` events.
    pub fn start(broadcaster: &Arc<dyn Broadcaster>, lanes: usize, capacity: usize) -> Self {
        let lanes = lanes.max(1);
        let owed = Arc::new(Owed {
            revisions: Mutex::new(HashMap::new()),
            wake: (0..lanes).map(|_| Notify::new()).collect(),
        });
        let mut senders = Vec::with_capacity(lanes);
        let mut tasks = Vec::with_capacity(lanes);
        for lane in 0..lanes {
            let (tx, rx) = mpsc::channel(capacity.max(1));
            senders.push(tx);
            let lane = Lane {
                broadcaster: Arc::clone(broadcaster),
                owed: Arc::clone(&owed),
                index: lane,
                count: lanes,
            };
            tasks.push(tokio::spawn(lane.run(rx)));
        }
        Self {
            lanes: Mutex::new(senders),
            lane_count: lanes,
            tasks: Mutex::new(tasks),
            owed,
            closes_waiting: Arc::new((0..lanes).map(|_| Default::default()).collect()),
        }
    }

    /// Queues an event without waiting. Never fails the caller: a full or
    /// closed queue is logged and the event dropped.
    pub fn enqueue(&self, event: OutgoingEvent) {
        let family_id = event.family_id.clone();
        self.send(&family_id, LaneItem::Event(event));
    }

    /// Closes `socket_ids` (of `family_id`'s channel) once the family's
    /// events queued before are published.
    pub fn enqueue_close(&self, family_id: &str, socket_ids: Vec<String>, users: Vec<String>) {
        if !socket_ids.is_empty() || !users.is_empty() {
            let item = LaneItem::Close {
                family_id: family_id.to_owned(),
                sockets: socket_ids,
                users,
            };
            self.send(family_id, item);
        }
    }

    fn send(&self, family_id: &str, item: LaneItem) {
        let lane = lane_of(family_id, self.lane_count);
        let sender = {
            let lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
            lanes.get(lane).cloned()
        };
        let dropped = |item: &LaneItem, reason: &str| match item {
            LaneItem::Event(event) => {
                tracing::error!(event = event.name, channel = %event.channel(), "broadcast dropped: {reason}");
            }
            LaneItem::Close { sockets, users, .. } => {
                tracing::error!(
                    sockets = sockets.len(),
                    users = users.len(),
                    family = family_id,
                    "closing sockets dropped: {reason}"
                );
            }
        };
        let Some(sender) = sender else {
            return dropped(&item, "the queue is closed");
        };
        use std::sync::atomic::Ordering::SeqCst;
        let sent = if self.closes_waiting[lane].load(SeqCst) > 0 {
            Err(mpsc::error::TrySendError::Full(item))
        } else {
            sender.try_send(item)
        };
        if let Err(e) = sent {
            match e {
                // Ending a device's access is never dropped: it waits for
                // room, behind what the lane holds, and what comes after
                // it waits behind it.
                mpsc::error::TrySendError::Full(item @ LaneItem::Close { .. }) => {
                    let waiting = Arc::clone(&self.closes_waiting);
                    waiting[lane].fetch_add(1, SeqCst);
                    tokio::spawn(async move {
                        if sender.send(item).await.is_err() {
                            tracing::error!("closing sockets dropped: the queue is closed");
                        }
                        waiting[lane].fetch_sub(1, SeqCst);
                    });
                }
                mpsc::error::TrySendError::Full(item) => {
                    dropped(
                        &item,
                        "the queue is full; the family will be told to reload",
                    );
                    if let LaneItem::Event(event) = &item {
                        self.owed.note(&event.family_id, event.revision, lane);
                    }
                }
                mpsc::error::TrySendError::Closed(item) => dropped(&item, "the queue is closed"),
            }
        }
    }

    /// Stops accepting events and waits (up to `grace`) for queued ones to
    /// be published.
    pub async fn close(&self, grace: Duration) {
        self.lanes.lock().unwrap_or_else(|e| e.into_inner()).clear();
        let tasks: Vec<_> =
            std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        let drain = futures_util::future::join_all(tasks);
        if tokio::time::timeout(grace, drain).await.is_err() {
            tracing::warn!(
                "broadcast queue not drained within {grace:?}; remaining events dropped"
            );
        }
    }
}

/// One lane's task: publishes what the lane carries, in order, and the
/// resyncs its families are owed.
struct Lane {
    broadcaster: Arc<dyn Broadcaster>,
    owed: Arc<Owed>,
    index: usize,
    count: usize,
}

impl Lane {
    async fn run(self, mut rx: mpsc::Receiver<LaneItem>) {
        let mut items = Vec::with_capacity(MAX_BATCH);
        let mut batch = Vec::with_capacity(MAX_BATCH);
        // When an owed resync goes out even though the lane is not empty.
        let mut resync_due: Option<tokio::time::Instant> = None;
        loop {
            let owed = self.owed.any_for(self.index, self.count);
            tokio::select! {
                received = rx.recv_many(&mut items, MAX_BATCH) => {
                    if received == 0 {
                        break;
                    }
                }
                () = self.owed.wake[self.index].notified() => {}
                () = tokio::time::sleep(RESYNC_RETRY), if owed => {}
            }
            for item in items.drain(..) {
                match item {
                    LaneItem::Event(event) => batch.push(event),
                    LaneItem::Close {
                        family_id,
                        sockets,
                        users,
                    } => {
                        // What was queued before goes out first.
                        self.publish(&mut batch).await;
                        if !sockets.is_empty() {
                            self.broadcaster.close_sockets(&family_id, &sockets);
                        }
                        if !users.is_empty() {
                            self.broadcaster.end_users(&users).await;
                        }
                    }
                }
            }
            self.publish(&mut batch).await;
            // Behind whatever the lane still holds, so a device reloads
            // once, after the events that did get through — but a lane that
            // never empties sends it every so often all the same.
            if self.owed.any_for(self.index, self.count) {
                let now = tokio::time::Instant::now();
                let due = *resync_due.get_or_insert(now + RESYNC_RETRY);
                if rx.is_empty() || now >= due {
                    self.resync().await;
                    resync_due = None;
                }
            } else {
                resync_due = None;
            }
        }
        // Closing: what is owed goes out if it can.
        self.resync().await;
    }

    /// Publishes `batch`, trying failed events again while the failure may
    /// pass; events given up are logged and their families owed a resync.
    async fn publish(&self, batch: &mut Vec<OutgoingEvent>) {
        let mut pending: Vec<OutgoingEvent> = std::mem::take(batch);
        let mut pauses = RETRY_PAUSES.iter();
        while !pending.is_empty() {
            let failures = self.broadcaster.publish_batch(&pending).await;
            if failures.is_empty() {
                break;
            }
            let passing = failures.iter().any(|(_, e)| e.is_passing());
            let pause = pauses.next().filter(|_| passing);
            for (i, error) in &failures {
                let event = &pending[*i];
                tracing::error!(
                    event = event.name,
                    channel = %event.channel(),
                    revision = event.revision,
                    error = %error,
                    retry_in = ?pause,
                    "broadcast failed"
                );
            }
            let failed: Vec<usize> = failures.iter().map(|(i, _)| *i).collect();
            let mut retry: Vec<OutgoingEvent> = pending
                .into_iter()
                .enumerate()
                .filter(|(i, _)| failed.contains(i))
                .map(|(_, event)| event)
                .collect();
            match pause {
                Some(pause) => {
                    tokio::time::sleep(*pause).await;
                    pending = std::mem::take(&mut retry);
                }
                None => {
                    for event in &retry {
                        self.owed.note(&event.family_id, event.revision, self.index);
                    }
                    break;
                }
            }
        }
        batch.clear();
    }

    /// Publishes the resyncs owed to this lane's families; one that fails
    /// stays owed, for the next round.
    async fn resync(&self) {
        for (family_id, revision) in self.owed.take(self.index, self.count) {
            let event = FamilyEvent::FamilyResync(FamilyResync { revision });
            let outgoing = OutgoingEvent {
                family_id,
                name: event.name(),
                data: event.data(),
                revision,
            };
            match self.broadcaster.publish(&outgoing).await {
                Ok(()) => tracing::info!(
                    channel = %outgoing.channel(),
                    revision,
                    "told the family to reload after lost events"
                ),
                Err(e) if !e.is_passing() => {
                    // Refused for good: trying again would only repeat it.
                    tracing::error!(channel = %outgoing.channel(), revision, error = %e, "could not tell the family to reload");
                }
                Err(e) => {
                    tracing::warn!(channel = %outgoing.channel(), revision, error = %e, "could not tell the family to reload yet");
                    // Noted without a wake-up: the lane tries again in a while.
                    let mut owed = self
                        .owed
                        .revisions
                        .lock()
                        .unwrap_or_else(|e| e.into_inner());
                    let at = owed.entry(outgoing.family_id).or_insert(revision);
                    *at = (*at).max(revision);
                }
            }
        }
    }
}

/// FNV-1a: stable and cheap; any hash works as long as a family always
/// lands in the same lane.
fn lane_of(family_id: &str, lanes: usize) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in family_id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % lanes as u64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc::UnboundedSender;

    struct Recorder(UnboundedSender<OutgoingEvent>);

    impl Broadcaster for Recorder {
        fn publish<'a>(
            &'a self,
            event: &'a OutgoingEvent,
        ) -> BoxFuture<'a, Result<(), BroadcastError>> {
            let _ = self.0.send(event.clone());
            Box::pin(async { Ok(()) })
        }
    }

    fn event(family: &str, n: usize) -> OutgoingEvent {
        OutgoingEvent {
            family_id: family.into(),
            name: "timer:updated",
            data: n.to_string(),
            revision: i64::try_from(n).unwrap(),
        }
    }

    #[tokio::test]
    async fn keeps_each_familys_order() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let queue = EventQueue::start(&(Arc::new(Recorder(tx)) as Arc<dyn Broadcaster>), 4, 1000);
        for n in 0..200 {
            queue.enqueue(event(if n % 2 == 0 { "fam_a" } else { "fam_b" }, n));
        }
        queue.close(Duration::from_secs(5)).await;
        let mut last: std::collections::HashMap<String, i64> = Default::default();
        let mut count = 0;
        while let Ok(ev) = rx.try_recv() {
            let n: i64 = ev.data.parse().unwrap();
            let prev = last.insert(ev.family_id.clone(), n).unwrap_or(-1);
            assert!(n > prev, "{} out of order: {n} after {prev}", ev.family_id);
            count += 1;
        }
        assert_eq!(count, 200);
    }

    #[tokio::test]
    async fn a_full_lane_drops_instead_of_blocking() {
        struct Stuck;
        impl Broadcaster for Stuck {
            fn publish<'a>(
                &'a self,
                _event: &'a OutgoingEvent,
            ) -> BoxFuture<'a, Result<(), BroadcastError>> {
                Box::pin(std::future::pending())
            }
        }
        let queue = EventQueue::start(&(Arc::new(Stuck) as Arc<dyn Broadcaster>), 1, 2);
        // Far more than the capacity: enqueue must return every time.
        for n in 0..100 {
            queue.enqueue(event("fam_a", n));
        }
        queue.close(Duration::from_millis(10)).await;
    }

    #[tokio::test]
    async fn a_full_lane_still_ends_users_after_what_it_holds() {
        /// Publishes once let through; records who was ended, and when.
        struct Gate {
            open: tokio::sync::Notify,
            log: Mutex<Vec<String>>,
        }
        impl Broadcaster for Gate {
            fn publish<'a>(
                &'a self,
                event: &'a OutgoingEvent,
            ) -> BoxFuture<'a, Result<(), BroadcastError>> {
                Box::pin(async move {
                    self.open.notified().await;
                    self.log
                        .lock()
                        .unwrap()
                        .push(format!("event {}", event.data));
                    Ok(())
                })
            }
            fn end_users<'a>(&'a self, user_ids: &'a [String]) -> BoxFuture<'a, ()> {
                Box::pin(async move {
                    let mut log = self.log.lock().unwrap();
                    log.extend(user_ids.iter().map(|u| format!("ended {u}")));
                })
            }
        }
        let gate = Arc::new(Gate {
            open: tokio::sync::Notify::new(),
            log: Mutex::new(Vec::new()),
        });
        let queue = EventQueue::start(&(gate.clone() as Arc<dyn Broadcaster>), 1, 2);
        for n in 0..5 {
            queue.enqueue(event("fam_a", n));
        }
        // The lane is full: the end of a device's access waits for room.
        queue.enqueue_close("fam_a", Vec::new(), vec!["kiosk-k1".into()]);
        for _ in 0..50 {
            gate.open.notify_one();
            tokio::task::yield_now().await;
            if gate
                .log
                .lock()
                .unwrap()
                .iter()
                .any(|l| l.starts_with("ended"))
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let log = gate.log.lock().unwrap().clone();
        assert_eq!(
            log.last().map(String::as_str),
            Some("ended kiosk-k1"),
            "{log:?}"
        );
        assert!(log.iter().any(|l| l.starts_with("event")), "{log:?}");
    }

    /// Fails with a 503 while `down` is set; records what got through.
    struct Flaky {
        down: std::sync::atomic::AtomicBool,
        attempts: std::sync::atomic::AtomicUsize,
        through: UnboundedSender<OutgoingEvent>,
    }

    impl Broadcaster for Flaky {
        fn publish<'a>(
            &'a self,
            event: &'a OutgoingEvent,
        ) -> BoxFuture<'a, Result<(), BroadcastError>> {
            use std::sync::atomic::Ordering;
            self.attempts.fetch_add(1, Ordering::SeqCst);
            let result = if self.down.load(Ordering::SeqCst) {
                Err(BroadcastError::Status {
                    status: 503,
                    body: "down".into(),
                })
            } else {
                let _ = self.through.send(event.clone());
                Ok(())
            };
            Box::pin(async move { result })
        }
    }

    fn flaky(down: bool) -> (Arc<Flaky>, mpsc::UnboundedReceiver<OutgoingEvent>) {
        let (through, rx) = mpsc::unbounded_channel();
        let flaky = Arc::new(Flaky {
            down: std::sync::atomic::AtomicBool::new(down),
            attempts: std::sync::atomic::AtomicUsize::new(0),
            through,
        });
        (flaky, rx)
    }

    #[tokio::test(start_paused = true)]
    async fn a_publish_failing_for_a_while_is_tried_again_and_lands_once() {
        use std::sync::atomic::Ordering;
        let (relay, mut through) = flaky(true);
        let queue = EventQueue::start(&(relay.clone() as Arc<dyn Broadcaster>), 1, 100);
        queue.enqueue(event("fam_a", 1));
        // The first attempt and the first retry fail; the next one lands.
        while relay.attempts.load(Ordering::SeqCst) < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        relay.down.store(false, Ordering::SeqCst);
        let landed = through.recv().await.unwrap();
        assert_eq!((landed.name, landed.revision), ("timer:updated", 1));
        queue.close(Duration::from_secs(5)).await;
        assert!(
            through.try_recv().is_err(),
            "once, and no resync: nothing was lost"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn events_given_up_become_one_resync_with_the_highest_revision_lost() {
        use std::sync::atomic::Ordering;
        let (relay, mut through) = flaky(true);
        let queue = EventQueue::start(&(relay.clone() as Arc<dyn Broadcaster>), 2, 100);
        for n in 1..=3 {
            queue.enqueue(event("fam_a", n));
        }
        // Every retry fails (a batch of three, one attempt each, four
        // times): given up; the resync waits for the engine to come back.
        while relay.attempts.load(Ordering::SeqCst) < 12 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        relay.down.store(false, Ordering::SeqCst);
        let resync = through.recv().await.unwrap();
        assert_eq!(
            (resync.name, resync.data.as_str()),
            ("family:resync", r#"{"revision":3}"#)
        );
        assert_eq!(resync.channel(), "private-family-fam_a");
        queue.close(Duration::from_secs(5)).await;
        assert!(
            through.try_recv().is_err(),
            "one resync, none of the lost events"
        );
    }

    #[tokio::test]
    async fn a_full_lane_owes_the_family_a_resync_sent_behind_what_it_kept() {
        struct Gated {
            gate: tokio::sync::Semaphore,
            through: UnboundedSender<OutgoingEvent>,
        }
        impl Broadcaster for Gated {
            fn publish<'a>(
                &'a self,
                event: &'a OutgoingEvent,
            ) -> BoxFuture<'a, Result<(), BroadcastError>> {
                Box::pin(async move {
                    self.gate.acquire().await.unwrap().forget();
                    let _ = self.through.send(event.clone());
                    Ok(())
                })
            }
        }
        let (through, mut rx) = mpsc::unbounded_channel();
        let relay = Arc::new(Gated {
            gate: tokio::sync::Semaphore::new(0),
            through,
        });
        let queue = EventQueue::start(&(relay.clone() as Arc<dyn Broadcaster>), 1, 2);
        queue.enqueue(event("fam_a", 1));
        // The lane takes the first and waits on the gate; two more fill it.
        while queue.lanes.lock().unwrap()[0].capacity() < 2 {
            tokio::task::yield_now().await;
        }
        for n in 2..=9 {
            queue.enqueue(event("fam_a", n));
        }
        relay.gate.add_permits(100);
        let mut got = Vec::new();
        while let Some(e) = rx.recv().await {
            got.push((e.name, e.revision));
            if e.name == "family:resync" {
                break;
            }
        }
        // Kept: the one in flight and the two the lane had room for; then
        // one resync with the highest revision dropped.
        assert_eq!(
            got,
            [
                ("timer:updated", 1),
                ("timer:updated", 2),
                ("timer:updated", 3),
                ("family:resync", 9)
            ]
        );
        queue.close(Duration::from_secs(5)).await;
    }
}
