//! Broadcasting family events after commit, fire-and-forget.
//!
//! A service commits, then hands its events to the [`EventQueue`] without
//! waiting. The queue has a fixed number of lanes, each a bounded channel
//! drained by one task; a family always maps to the same lane, so its events
//! leave in commit order, while a slow relay only ever delays events — never
//! a request. A full lane drops the event (clients recover through the
//! revision gap and a snapshot refetch); every drop and every failed publish
//! is logged with its event name and channel.
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

use thiserror::Error;
use tokio::sync::mpsc;
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

/// Somewhere events can be published.
pub trait Broadcaster: Send + Sync + 'static {
    /// Publishes events of one lane, in order. The default publishes them one
    /// by one; a transport with a batch call may do better. Returns one
    /// result per failed event so each failure is logged with its event.
    fn publish_batch<'a>(
        &'a self,
        events: &'a [OutgoingEvent],
    ) -> BoxFuture<'a, Vec<(usize, BroadcastError)>> {
        Box::pin(async move {
            let mut failures = Vec::new();
            for (i, event) in events.iter().enumerate() {
                if let Err(e) = self.publish(event).await {
                    failures.push((i, e));
                }
            }
            failures
        })
    }

    fn publish<'a>(&'a self, event: &'a OutgoingEvent)
    -> BoxFuture<'a, Result<(), BroadcastError>>;

    /// Closes these sockets of `family_id`'s channel (their access ended)
    /// after what was published to them. A Pusher HTTP API has no call for
    /// one socket: there they stay open until they reconnect, and are then
    /// refused.
    fn close_sockets(&self, _family_id: &str, _socket_ids: &[String]) {}
}

/// What a lane carries: an event, or sockets to close after the events
/// before it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LaneItem {
    Event(OutgoingEvent),
    Close {
        family_id: String,
        sockets: Vec<String>,
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
}

impl EventQueue {
    /// Starts `lanes` lane tasks, each buffering up to `capacity` events.
    pub fn start(broadcaster: &Arc<dyn Broadcaster>, lanes: usize, capacity: usize) -> Self {
        let lanes = lanes.max(1);
        let mut senders = Vec::with_capacity(lanes);
        let mut tasks = Vec::with_capacity(lanes);
        for _ in 0..lanes {
            let (tx, rx) = mpsc::channel(capacity.max(1));
            senders.push(tx);
            tasks.push(tokio::spawn(run_lane(Arc::clone(broadcaster), rx)));
        }
        Self {
            lanes: Mutex::new(senders),
            lane_count: lanes,
            tasks: Mutex::new(tasks),
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
    pub fn enqueue_close(&self, family_id: &str, socket_ids: Vec<String>) {
        if !socket_ids.is_empty() {
            let item = LaneItem::Close {
                family_id: family_id.to_owned(),
                sockets: socket_ids,
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
            LaneItem::Close { sockets, .. } => {
                tracing::error!(
                    sockets = sockets.len(),
                    family = family_id,
                    "closing sockets dropped: {reason}"
                );
            }
        };
        let Some(sender) = sender else {
            return dropped(&item, "the queue is closed");
        };
        if let Err(e) = sender.try_send(item) {
            match e {
                mpsc::error::TrySendError::Full(item) => dropped(&item, "the queue is full"),
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

async fn run_lane(broadcaster: Arc<dyn Broadcaster>, mut rx: mpsc::Receiver<LaneItem>) {
    let mut items = Vec::with_capacity(MAX_BATCH);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut items, MAX_BATCH).await > 0 {
        for item in items.drain(..) {
            match item {
                LaneItem::Event(event) => batch.push(event),
                LaneItem::Close { family_id, sockets } => {
                    // What was queued before goes out first.
                    publish(broadcaster.as_ref(), &mut batch).await;
                    broadcaster.close_sockets(&family_id, &sockets);
                }
            }
        }
        publish(broadcaster.as_ref(), &mut batch).await;
    }
}

async fn publish(broadcaster: &dyn Broadcaster, batch: &mut Vec<OutgoingEvent>) {
    if batch.is_empty() {
        return;
    }
    for (i, error) in broadcaster.publish_batch(batch).await {
        let event = &batch[i];
        tracing::error!(
            event = event.name,
            channel = %event.channel(),
            error = %error,
            "broadcast failed"
        );
    }
    batch.clear();
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
}
