//! Waiting for a condition with a deadline instead of sleeping: the
//! condition is polled every 100 ms and the last failure explains a
//! timeout.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

/// Polls `check` until it returns `Ok(Some(value))`, an error other than
/// "not yet" ends the wait only at the deadline, with its message.
pub async fn until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        let last = match check().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => "not yet".to_owned(),
            Err(e) => format!("{e:#}"),
        };
        if Instant::now() >= deadline {
            bail!("timed out after {timeout:?} waiting for {what} ({last})");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
