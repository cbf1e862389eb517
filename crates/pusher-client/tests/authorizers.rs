//! The two authorisers on their own: [`HttpAuthorizer`]'s deadline against
//! an endpoint that never answers (on paused time, so the default 10 s
//! costs nothing), and [`LocalAuthorizer`]'s presence `channel_data`.

use std::time::Duration;

use pusher_client::{AuthorizeError, ChannelAuthorizer, HttpAuthorizer, LocalAuthorizer};
use pusher_protocol::{AppCredentials, ChannelName, SocketId};
use tokio::net::TcpListener;
use tokio::time::Instant;

fn app() -> AppCredentials {
    AppCredentials::new("1", "test-key", "test-secret")
}

fn socket() -> SocketId {
    SocketId::parse("1234.5678").unwrap()
}

fn channel(name: &str) -> ChannelName {
    ChannelName::parse(name).unwrap()
}

/// An auth endpoint that accepts connections and never says a word.
async fn hung_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/auth", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    url
}

#[tokio::test(start_paused = true)]
async fn a_hung_auth_endpoint_fails_after_the_default_timeout() {
    let authorizer = HttpAuthorizer::new(hung_endpoint().await);
    let started = Instant::now();
    // The outer bound only turns a hang into a failure of this test.
    let result = tokio::time::timeout(
        Duration::from_secs(600),
        authorizer.authorize(&channel("private-family-1"), &socket()),
    )
    .await
    .expect("the authoriser gives up by itself");
    match result {
        Err(AuthorizeError::Transport(reason)) => {
            assert!(reason.contains("timed out"), "{reason}")
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    let waited = started.elapsed();
    assert!(
        waited >= HttpAuthorizer::DEFAULT_TIMEOUT
            && waited < HttpAuthorizer::DEFAULT_TIMEOUT + Duration::from_secs(1),
        "gave up after {waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_timeout_is_configurable_and_beats_the_http_clients_own() {
    // A client configured with a long timeout of its own: the
    // authoriser's deadline is the one that counts.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap();
    let authorizer = HttpAuthorizer::new(hung_endpoint().await)
        .http_client(http)
        .timeout(Duration::from_secs(2));
    let started = Instant::now();
    let result = authorizer
        .authorize(&channel("private-family-1"), &socket())
        .await;
    assert!(
        matches!(&result, Err(AuthorizeError::Transport(r)) if r.contains("timed out")),
        "{result:?}"
    );
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
}

#[tokio::test]
async fn local_presence_authorisation_carries_the_user_and_verifies() {
    let presence = channel("presence-kitchen");
    let authorizer =
        LocalAuthorizer::new(app()).presence_user("ada", Some(serde_json::json!({"name": "Ada"})));
    let auth = authorizer.authorize(&presence, &socket()).await.unwrap();
    let data = auth.channel_data.as_deref().expect("presence channel_data");
    let parsed: serde_json::Value = serde_json::from_str(data).unwrap();
    assert_eq!(
        parsed,
        serde_json::json!({"user_id": "ada", "user_info": {"name": "Ada"}})
    );
    app()
        .verify_channel_auth(&socket(), &presence, Some(&auth.auth), Some(data))
        .expect("signed over the channel_data");

    // Private channels take no channel_data, user or not.
    let private = channel("private-family-1");
    let auth = authorizer.authorize(&private, &socket()).await.unwrap();
    assert_eq!(auth.channel_data, None);
    app()
        .verify_channel_auth(&socket(), &private, Some(&auth.auth), None)
        .unwrap();
}

#[tokio::test]
async fn local_presence_without_a_user_is_refused_saying_why() {
    let result = LocalAuthorizer::new(app())
        .authorize(&channel("presence-kitchen"), &socket())
        .await;
    match result {
        Err(AuthorizeError::Status { status: 403, body }) => {
            assert!(body.contains("presence_user"), "{body}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}
