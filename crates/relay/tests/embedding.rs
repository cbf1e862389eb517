//! The relay as a library inside another axum app: its router merged next
//! to the host's routes, and events published in-process.

mod common;

use axum::Router;
use axum::routing::get;
use common::{Client, config};
use kinboard_relay::{PublishError, PublishEvent, Relay};
use pusher_protocol::{ChannelName, SocketId};

fn event(channel: &str, name: &str, data: &str, socket_id: Option<SocketId>) -> PublishEvent {
    PublishEvent {
        channels: vec![ChannelName::parse(channel).unwrap()],
        name: name.into(),
        data: data.into(),
        socket_id,
    }
}

#[tokio::test]
async fn a_host_router_serves_the_relay_and_publishes_in_process() {
    let relay = Relay::new(config());
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(relay.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (status, body) = common::http(addr, "GET", "/healthz", "").await;
    assert_eq!((status, body.as_str()), (200, "ok"));

    let mut origin = Client::connect(addr).await;
    let mut other = Client::connect(addr).await;
    origin.subscribe("private-family-9").await;
    other.subscribe("private-family-9").await;

    relay
        .publish(event(
            "private-family-9",
            "chore:completed",
            r#"{"revision":5}"#,
            Some(origin.socket_id.clone()),
        ))
        .unwrap();
    let got = other.event("chore:completed").await;
    assert_eq!(got.data.as_deref(), Some(r#"{"revision":5}"#));
    origin.expect_nothing_pending().await;
    assert_eq!(relay.connection_count(), 2);

    // The same limits as the HTTP API.
    let too_big = relay
        .publish(event(
            "private-family-9",
            "e",
            &"x".repeat(10 * 1024 + 1),
            None,
        ))
        .unwrap_err();
    assert!(too_big.is_too_large());
    let unnamed = relay
        .publish(event("private-family-9", "", "{}", None))
        .unwrap_err();
    assert!(matches!(unnamed, PublishError::Invalid(_)));
    let none = PublishEvent {
        channels: Vec::new(),
        ..event("x", "e", "{}", None)
    };
    assert_eq!(relay.publish(none), Err(PublishError::NoChannels));
    other.expect_nothing_pending().await;

    // Shutting down closes the host's sockets with 4200.
    let shutdown = tokio::spawn({
        let relay = relay.clone();
        async move { relay.shutdown().await }
    });
    assert_eq!(origin.closed().await, Some(4200));
    assert_eq!(other.closed().await, Some(4200));
    shutdown.await.unwrap();
    assert_eq!(relay.connection_count(), 0);
}
