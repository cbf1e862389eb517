//! A plain Pusher subscriber of a family's private channel — no
//! `kinboard-core` in between — noting every event it hears, for tests
//! that count what the server (or a relay in front of it) really sent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::household::Household;

/// The family's channel as heard by a subscriber of its own, authorised
/// with the household's parent token through `/api/pusher/auth`.
pub struct FamilyListener {
    heard: Arc<Mutex<Vec<(String, Value)>>>,
    _client: pusher_client::PusherClient,
}

impl FamilyListener {
    /// Subscribes through what `base`'s `/api/realtime` says, and waits
    /// until the subscription is live.
    pub async fn subscribe(base: &str, household: &Household) -> Self {
        let realtime: Value = reqwest::get(format!("{base}/api/realtime"))
            .await
            .expect("realtime")
            .json()
            .await
            .expect("JSON");
        let bearer = format!("Bearer {}", household.token);
        let authorizer = pusher_client::HttpAuthorizer::with_headers(
            realtime["authEndpoint"]
                .as_str()
                .expect("authEndpoint")
                .to_owned(),
            move || {
                let mut headers = reqwest::header::HeaderMap::new();
                headers.insert(
                    reqwest::header::AUTHORIZATION,
                    bearer.parse().expect("a header"),
                );
                headers
            },
        );
        let host = realtime["host"].as_str().unwrap_or("127.0.0.1").to_owned();
        let port = u16::try_from(realtime["port"].as_u64().expect("port")).expect("a port");
        let tls = realtime["scheme"].as_str() == Some("https");
        let client = pusher_client::PusherClient::connect(
            pusher_client::ClientOptions::new(
                pusher_client::Endpoint::host(host, port, tls),
                realtime["key"].as_str().expect("key"),
            )
            .authorizer(authorizer),
        );
        let mut subscription = client
            .subscribe(&format!("private-family-{}", household.family_id))
            .expect("subscribe");
        match tokio::time::timeout(Duration::from_secs(10), subscription.next()).await {
            Ok(Some(pusher_client::SubscriptionEvent::Subscribed { .. })) => {}
            other => panic!("the listener was not subscribed: {other:?}"),
        }
        let heard = Arc::new(Mutex::new(Vec::new()));
        let noted = heard.clone();
        tokio::spawn(async move {
            while let Some(event) = subscription.next().await {
                if let pusher_client::SubscriptionEvent::Event(event) = event {
                    let data = event.json::<Value>().unwrap_or(Value::Null);
                    noted
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push((event.event, data));
                }
            }
        });
        Self {
            heard,
            _client: client,
        }
    }

    /// Every event heard so far: its name and data, in order.
    pub fn events(&self) -> Vec<(String, Value)> {
        self.heard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// How many events called `name` were heard.
    pub fn count(&self, name: &str) -> usize {
        self.events().iter().filter(|(n, _)| n == name).count()
    }
}
