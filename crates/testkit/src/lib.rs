//! Test support shared by Kinboard's integration tests.
//!
//! * [`FaultProxy`]: a TCP proxy between a client and a server that a test
//!   can cut (connections reset, new ones refused), turn into a silent
//!   blackhole (nothing forwarded, nothing closed — as a dead Wi-Fi link
//!   looks), and restore.
//! * [`eventually`] (and [`within`], which returns the timeout instead of
//!   panicking): wait for a condition with a deadline instead of sleeping
//!   for a fixed time — the one polling loop of every test suite here.
//! * [`bus`]: run a test again in a child process on a private D-Bus
//!   session bus with the services it needs.
//! * [`procfs`]: a process's children, read from `/proc`.

pub mod bus;
pub mod netns;
pub mod procfs;
mod proxy;

pub use proxy::{FaultProxy, LinkMode};

use std::future::Future;
use std::time::Duration;

/// What a condition check answers: done (with a value), or not yet (with
/// why, for the message when the wait runs out).
pub trait Outcome {
    type Value;
    fn into_outcome(self) -> Result<Self::Value, String>;
}

impl<T> Outcome for Option<T> {
    type Value = T;
    fn into_outcome(self) -> Result<T, String> {
        self.ok_or_else(|| "not yet".to_owned())
    }
}

impl<T, E: std::fmt::Display> Outcome for Result<T, E> {
    type Value = T;
    fn into_outcome(self) -> Result<T, String> {
        self.map_err(|e| e.to_string())
    }
}

/// A wait that ran out: what was waited for, and the last answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedOut {
    pub what: String,
    pub after: Duration,
    pub last: String,
}

impl std::fmt::Display for TimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "timed out after {:?} waiting for {} (last: {})",
            self.after, self.what, self.last
        )
    }
}

impl std::error::Error for TimedOut {}

/// Checks `check` until it is done, first every 10 ms and then less often
/// (up to every 100 ms, for checks that cost a round trip), and gives up
/// after `timeout` with the last reason it was not done.
///
/// The deadline is wall-clock time, and so is `after`: on paused tokio
/// time the sleeps return at once, and work on real threads (the blocking
/// pool, other processes) still gets its whole `timeout`.
pub async fn within<O, F, Fut>(
    what: &str,
    timeout: Duration,
    mut check: F,
) -> Result<O::Value, TimedOut>
where
    O: Outcome,
    F: FnMut() -> Fut,
    Fut: Future<Output = O>,
{
    let deadline = std::time::Instant::now() + timeout;
    let mut pause = Duration::from_millis(10);
    loop {
        let last = match check().await.into_outcome() {
            Ok(value) => return Ok(value),
            Err(why) => why,
        };
        if std::time::Instant::now() >= deadline {
            return Err(TimedOut {
                what: what.to_owned(),
                after: timeout,
                last,
            });
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}

/// [`within`], panicking when the wait runs out: the tests' one way of
/// waiting for something instead of sleeping for a fixed time.
pub async fn eventually<O, F, Fut>(what: &str, timeout: Duration, check: F) -> O::Value
where
    O: Outcome,
    F: FnMut() -> Fut,
    Fut: Future<Output = O>,
{
    match within(what, timeout, check).await {
        Ok(value) => value,
        Err(e) => panic!("{e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_wait_ends_when_the_condition_holds_and_says_why_when_it_never_does() {
        let start = tokio::time::Instant::now();
        let real = std::time::Instant::now();
        let mut n = 0;
        let got = eventually("the third look", Duration::from_secs(1), || {
            n += 1;
            let ready = n == 3;
            async move { ready.then_some(n) }
        })
        .await;
        assert_eq!(got, 3);
        assert!(start.elapsed() < Duration::from_millis(100));
        let err = within("never", Duration::from_secs(1), || async {
            Err::<(), _>("still 4, want 5")
        })
        .await
        .unwrap_err();
        assert_eq!(err.last, "still 4, want 5");
        assert!(err.to_string().contains("waiting for never"), "{err}");
        assert!(start.elapsed() >= Duration::from_secs(1));
        // On paused time the wait still lasts its second of wall-clock time.
        assert!(real.elapsed() >= Duration::from_secs(1));
    }
}
