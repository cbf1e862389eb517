//! Waiting for a condition with a deadline instead of sleeping: the
//! workspace's one polling loop (`kinboard_testkit::within`), with the
//! end-to-end tests' `anyhow` results — a check's error is "not yet,
//! because…", and the last one explains a timeout.

use std::future::Future;
use std::time::Duration;

use anyhow::{Result, anyhow};

/// Checks `check` until it returns `Ok(Some(value))`; an error other than
/// "not yet" ends the wait only at the deadline, with its message.
pub async fn until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    kinboard_testkit::within(what, timeout, || {
        let answer = check();
        async move {
            match answer.await {
                Ok(Some(value)) => Ok(value),
                Ok(None) => Err("not yet".to_owned()),
                Err(e) => Err(format!("{e:#}")),
            }
        }
    })
    .await
    .map_err(|e| anyhow!("{e}"))
}
