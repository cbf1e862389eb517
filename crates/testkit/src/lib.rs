//! Test support shared by Kinboard's integration tests.
//!
//! * [`FaultProxy`]: a TCP proxy between a client and a server that a test
//!   can cut (connections reset, new ones refused), turn into a silent
//!   blackhole (nothing forwarded, nothing closed — as a dead Wi-Fi link
//!   looks), and restore.
//! * [`eventually`]: wait for a condition with a deadline instead of
//!   sleeping for a fixed time.

mod proxy;

pub use proxy::{FaultProxy, LinkMode};

use std::future::Future;
use std::time::Duration;

/// Polls `check` until it returns `Some`, or panics with `what` after `timeout`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
