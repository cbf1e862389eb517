//! The Pusher HTTP API broadcaster: signed `POST /apps/{id}/batch_events`
//! to Pusher's cloud (`https://api-{cluster}.pusher.com`) or to a
//! self-hosted Pusher-compatible engine (`{scheme}://{host}:{port}`), and
//! `POST /apps/{id}/users/{user}/terminate_connections` when a device's
//! access ends.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pusher_protocol::{AppCredentials, ChannelName};
use serde::Serialize;
use url::Url;

use super::{BoxFuture, BroadcastError, Broadcaster, OutgoingEvent};

/// How long one publish may take before it counts as failed. Publishing
/// never blocks a request, but a lane waits for it, so keep it bounded.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Tries of one `terminate_connections` before it is given up.
const TERMINATE_ATTEMPTS: u32 = 3;

pub struct PusherHttpBroadcaster {
    client: reqwest::Client,
    base: Url,
    app: AppCredentials,
}

#[derive(Serialize)]
struct BatchItem<'a> {
    name: &'a str,
    channel: String,
    data: &'a str,
}

#[derive(Serialize)]
struct Batch<'a> {
    batch: Vec<BatchItem<'a>>,
}

impl PusherHttpBroadcaster {
    /// `base` is the API origin, e.g. `https://api-eu.pusher.com` or
    /// `http://127.0.0.1:6001`.
    pub fn new(base: Url, app: AppCredentials) -> Self {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .unwrap_or_default();
        Self { client, base, app }
    }

    /// A signed POST of `body` to `path` on the API.
    async fn post(&self, path: &str, body: Vec<u8>) -> Result<(), BroadcastError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let query = self.app.sign_request("POST", path, &[], &body, now);
        let mut url = self.base.clone();
        url.set_path(path);
        url.query_pairs_mut().clear().extend_pairs(query.iter());
        let response = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            let body = response.text().await.unwrap_or_default();
            Err(BroadcastError::Status {
                status: status.as_u16(),
                body: body.chars().take(200).collect(),
            })
        }
    }

    /// Disconnects every connection of `user_id`, tried a few times: a
    /// device whose access ended must not keep hearing the family.
    async fn terminate(&self, user_id: &str) {
        let path = format!(
            "/apps/{}/users/{}/terminate_connections",
            self.app.app_id,
            url::form_urlencoded::byte_serialize(user_id.as_bytes()).collect::<String>()
        );
        let mut pause = Duration::from_millis(100);
        for attempt in 1..=TERMINATE_ATTEMPTS {
            match self.post(&path, b"{}".to_vec()).await {
                Ok(()) => return,
                Err(e) if attempt == TERMINATE_ATTEMPTS => {
                    tracing::error!(user = user_id, error = %e, "could not end the user's connections; they are refused when they next subscribe");
                }
                Err(e) => {
                    tracing::warn!(user = user_id, error = %e, attempt, "ending the user's connections failed; trying again");
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
            }
        }
    }

    async fn send_batch(&self, events: &[OutgoingEvent]) -> Result<(), BroadcastError> {
        let mut batch = Vec::with_capacity(events.len());
        for event in events {
            // Validate here so a bad id fails loudly instead of as a 400.
            let channel = ChannelName::parse(event.channel())?;
            batch.push(BatchItem {
                name: event.name,
                channel: channel.into_string(),
                data: &event.data,
            });
        }
        let body = serde_json::to_vec(&Batch { batch })
            .map_err(|e| BroadcastError::Relay(e.to_string()))?;
        let path = format!("/apps/{}/batch_events", self.app.app_id);
        self.post(&path, body).await
    }
}

impl Broadcaster for PusherHttpBroadcaster {
    fn publish<'a>(
        &'a self,
        event: &'a OutgoingEvent,
    ) -> BoxFuture<'a, Result<(), BroadcastError>> {
        Box::pin(self.send_batch(std::slice::from_ref(event)))
    }

    fn publish_batch<'a>(
        &'a self,
        events: &'a [OutgoingEvent],
    ) -> BoxFuture<'a, Vec<(usize, BroadcastError)>> {
        Box::pin(async move {
            match self.send_batch(events).await {
                Ok(()) => Vec::new(),
                Err(e) => {
                    // One request carried them all, so each failed the same way.
                    let message = e.to_string();
                    let mut failures = vec![(0, e)];
                    failures.extend(
                        (1..events.len()).map(|i| (i, BroadcastError::Relay(message.clone()))),
                    );
                    failures
                }
            }
        })
    }

    fn end_users<'a>(&'a self, user_ids: &'a [String]) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            for user_id in user_ids {
                self.terminate(user_id).await;
            }
        })
    }
}
