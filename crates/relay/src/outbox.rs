//! One socket's bounded send queue: the frames waiting for the socket's
//! writer task, and the close the socket is heading for.
//!
//! Broadcasts push into it without waiting; a socket whose queue is full is
//! a slow consumer and is closed with 4100 rather than allowed to grow. The
//! queue holds shared frames ([`Utf8Bytes`] is reference-counted), so a
//! broadcast is one allocation however many sockets queue it.

use std::collections::VecDeque;
use std::sync::Mutex;

use axum::extract::ws::Utf8Bytes;
use pusher_protocol::close_code;
use tokio::sync::Notify;

/// Why and how a socket closes: the close code and reason sent to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Close {
    pub(crate) code: u16,
    pub(crate) reason: &'static str,
}

impl Close {
    pub(crate) fn new(code: u16) -> Self {
        Self {
            code,
            reason: close_code::describe(code),
        }
    }
}

/// What the writer does next.
#[derive(Debug)]
pub(crate) enum Next {
    Frame(Utf8Bytes),
    Close(Close),
}

/// Why a frame was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PushError {
    /// The socket is already closing; the frame is dropped.
    Closing,
    /// The queue was full: the socket is now closing with 4100.
    Overflow,
}

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<Utf8Bytes>,
    closing: Option<Close>,
    /// A close that waits for the queue to drain.
    finishing: Option<Close>,
}

/// Queues beyond this many slots are given back once they drain, so a burst
/// does not leave every idle socket holding its high-water mark.
const KEEP_CAPACITY: usize = 8;

#[derive(Debug)]
pub(crate) struct Outbox {
    state: Mutex<State>,
    capacity: usize,
    /// Wakes the one writer task. `notify_one` keeps a permit when the
    /// writer is not waiting yet, so no push is missed between its check of
    /// the queue and its wait.
    wake: Notify,
}

impl Outbox {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            state: Mutex::new(State::default()),
            capacity: capacity.max(1),
            wake: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock leaves a queue of frames, which
        // is still a valid queue.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a frame, or starts closing the socket with 4100 if the queue
    /// is full.
    pub(crate) fn push(&self, frame: Utf8Bytes) -> Result<(), PushError> {
        let mut state = self.lock();
        if state.closing.is_some() || state.finishing.is_some() {
            return Err(PushError::Closing);
        }
        if state.queue.len() >= self.capacity {
            state.closing = Some(Close::new(close_code::OVER_CAPACITY));
            // The frames will never be sent: free them now.
            state.queue = VecDeque::new();
            drop(state);
            self.wake.notify_one();
            return Err(PushError::Overflow);
        }
        state.queue.push_back(frame);
        drop(state);
        self.wake.notify_one();
        Ok(())
    }

    /// Starts closing the socket with `close`, dropping queued frames. The
    /// first close wins; returns whether this one did.
    pub(crate) fn close(&self, close: Close) -> bool {
        let mut state = self.lock();
        if state.closing.is_some() {
            return false;
        }
        state.closing = Some(close);
        state.queue = VecDeque::new();
        drop(state);
        self.wake.notify_one();
        true
    }

    /// Closes the socket with `close` once the frames queued so far are
    /// sent (nothing more is queued meanwhile): what the client was told
    /// last reaches it before the close. Returns whether this close will be
    /// the one.
    pub(crate) fn finish(&self, close: Close) -> bool {
        let mut state = self.lock();
        if state.closing.is_some() || state.finishing.is_some() {
            return false;
        }
        state.finishing = Some(close);
        drop(state);
        self.wake.notify_one();
        true
    }

    /// The writer's next step: a close as soon as one is asked for (queued
    /// frames are dropped then), otherwise the oldest frame, and a
    /// [`finish`](Self::finish)'s close once none is left.
    pub(crate) async fn next(&self) -> Next {
        loop {
            {
                let mut state = self.lock();
                if let Some(close) = state.closing {
                    return Next::Close(close);
                }
                if let Some(frame) = state.queue.pop_front() {
                    if state.queue.is_empty() && state.queue.capacity() > KEEP_CAPACITY {
                        state.queue = VecDeque::new();
                    }
                    return Next::Frame(frame);
                }
                if let Some(close) = state.finishing {
                    return Next::Close(close);
                }
            }
            self.wake.notified().await;
        }
    }

    /// Resolves once a close is asked for: lets the writer abandon a send
    /// that a client who stopped reading will never take.
    pub(crate) async fn closing(&self) -> Close {
        loop {
            if let Some(close) = self.lock().closing {
                return close;
            }
            self.wake.notified().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_come_out_in_order() {
        let outbox = Outbox::new(4);
        outbox.push("a".into()).unwrap();
        outbox.push("b".into()).unwrap();
        for want in ["a", "b"] {
            match outbox.next().await {
                Next::Frame(f) => assert_eq!(f.as_str(), want),
                Next::Close(c) => panic!("unexpected close {c:?}"),
            }
        }
    }

    #[tokio::test]
    async fn a_full_queue_closes_with_4100_and_drops_its_frames() {
        let outbox = Outbox::new(2);
        outbox.push("a".into()).unwrap();
        outbox.push("b".into()).unwrap();
        assert_eq!(outbox.push("c".into()), Err(PushError::Overflow));
        assert_eq!(outbox.push("d".into()), Err(PushError::Closing));
        match outbox.next().await {
            Next::Close(c) => assert_eq!(c.code, 4100),
            Next::Frame(f) => panic!("unexpected frame {f}"),
        }
    }

    #[tokio::test]
    async fn a_finish_sends_what_is_queued_then_closes() {
        let outbox = Outbox::new(4);
        outbox.push("a".into()).unwrap();
        outbox.push("b".into()).unwrap();
        assert!(outbox.finish(Close::new(4009)));
        assert_eq!(outbox.push("late".into()), Err(PushError::Closing));
        for want in ["a", "b"] {
            match outbox.next().await {
                Next::Frame(f) => assert_eq!(f.as_str(), want),
                Next::Close(c) => panic!("closed before {want}: {c:?}"),
            }
        }
        match outbox.next().await {
            Next::Close(c) => assert_eq!(c.code, 4009),
            Next::Frame(f) => panic!("unexpected frame {f}"),
        }
    }

    #[tokio::test]
    async fn the_first_close_wins() {
        let outbox = Outbox::new(2);
        assert!(outbox.close(Close::new(4200)));
        assert!(!outbox.close(Close::new(4201)));
        assert_eq!(outbox.closing().await.code, 4200);
        assert_eq!(outbox.push("late".into()), Err(PushError::Closing));
    }
}
