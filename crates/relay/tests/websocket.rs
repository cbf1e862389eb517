//! The WebSocket side against raw tokio-tungstenite clients: handshake and
//! refusals, subscriptions of every kind, client events, presence,
//! keepalive, slow consumers and shutdown.

mod common;

use std::time::Duration;

use common::{Seen, TestRelay, app, config, open};
use futures_util::{SinkExt, StreamExt};
use pusher_protocol::message::AppEvent;
use pusher_protocol::{ChannelName, Message};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message as Ws;

#[tokio::test]
async fn handshake_gives_a_socket_id_and_the_activity_timeout() {
    let relay = TestRelay::default().await;
    let mut ws = open(
        relay.addr,
        "/app/test-key?protocol=7&client=js&version=8.4.0",
    )
    .await;
    let Some(Ok(Ws::Text(text))) = ws.next().await else {
        panic!("no handshake")
    };
    let Message::ConnectionEstablished(established) = Message::decode(&text).unwrap() else {
        panic!("not a handshake: {text}")
    };
    assert_eq!(established.activity_timeout, Some(120));
    assert!(pusher_protocol::SocketId::parse(established.socket_id).is_ok());
    // data is a JSON string, as Pusher sends it.
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(raw["data"].is_string());
    relay.wait_for_connections(1).await;
}

#[tokio::test]
async fn refusals_close_with_pushers_codes() {
    let relay = TestRelay::default().await;
    for (path, code) in [
        ("/app/wrong-key?protocol=7", 4001),
        ("/app/test-key", 4008),
        ("/app/test-key?protocol=seven", 4006),
        ("/app/test-key?protocol=6", 4007),
    ] {
        let mut ws = open(relay.addr, path).await;
        let Some(Ok(Ws::Text(text))) = ws.next().await else {
            panic!("{path}: no error frame")
        };
        let Message::Error(error) = Message::decode(&text).unwrap() else {
            panic!("{path}: expected pusher:error, got {text}")
        };
        assert_eq!(error.code, Some(code), "{path}");
        let Some(Ok(Ws::Close(Some(frame)))) = ws.next().await else {
            panic!("{path}: no close frame")
        };
        assert_eq!(u16::from(frame.code), code, "{path}");
    }
    assert_eq!(relay.relay.connection_count(), 0);
}

#[tokio::test]
async fn public_subscription_receives_events() {
    let relay = TestRelay::default().await;
    let mut client = relay.client().await;
    let reply = client.subscribe("news").await;
    assert_eq!(
        reply,
        Message::SubscriptionSucceeded {
            channel: "news".into(),
            presence: None
        }
    );
    // pusher-js sends auth:"" on public channels.
    client
        .send_json(json!({"event":"pusher:subscribe","data":{"auth":"","channel":"weather"}}))
        .await;
    client.recv().await;
    relay.trigger("news", "headline", r#"{"title":"hi"}"#).await;
    let event = client.event("headline").await;
    assert_eq!(event.channel.as_deref(), Some("news"));
    assert_eq!(event.data.as_deref(), Some(r#"{"title":"hi"}"#));
}

#[tokio::test]
async fn private_subscription_with_a_good_signature() {
    let relay = TestRelay::default().await;
    let mut client = relay.client().await;
    client.subscribe("private-family-1").await;
    relay
        .trigger("private-family-1", "timer:started", r#"{"revision":1}"#)
        .await;
    assert_eq!(
        client.event("timer:started").await.data.as_deref(),
        Some(r#"{"revision":1}"#)
    );
}

#[tokio::test]
async fn bad_signature_is_refused_and_the_socket_lives_on() {
    let relay = TestRelay::default().await;
    let mut client = relay.client().await;
    client
        .subscribe_raw("private-family-1", Some("test-key:deadbeef".into()), None)
        .await;
    let Message::Error(error) = client.recv().await else {
        panic!("expected pusher:error")
    };
    assert_eq!(error.code, None);
    assert!(
        error.message.starts_with(&format!(
            "Invalid signature: Expected HMAC SHA256 hex digest of {}:private-family-1, but got deadbeef",
            client.socket_id
        )),
        "{}",
        error.message
    );
    let Message::SubscriptionError { channel, error } = client.recv().await else {
        panic!("expected pusher:subscription_error")
    };
    assert_eq!(channel, "private-family-1");
    assert_eq!(error.status, Some(401));

    // A signature for another socket is refused too; no auth at all as well.
    let other = pusher_protocol::SocketId::parse("1.2").unwrap();
    let stolen = app()
        .authorize_channel(
            &other,
            &ChannelName::parse("private-family-1").unwrap(),
            None,
        )
        .auth;
    client
        .subscribe_raw("private-family-1", Some(stolen), None)
        .await;
    assert!(matches!(client.recv().await, Message::Error(_)));
    assert!(matches!(
        client.recv().await,
        Message::SubscriptionError { .. }
    ));
    client.subscribe_raw("presence-room", None, None).await;
    assert!(matches!(client.recv().await, Message::Error(_)));
    assert!(matches!(
        client.recv().await,
        Message::SubscriptionError { .. }
    ));

    // Still connected, and nothing leaks to the refused channel.
    client.subscribe("private-family-1").await;
    relay.trigger("private-family-1", "ok", "{}").await;
    client.event("ok").await;
}

fn channel_data(user: &str) -> String {
    json!({ "user_id": user, "user_info": { "name": user } }).to_string()
}

#[tokio::test]
async fn presence_members_are_announced_once_per_user() {
    let relay = TestRelay::default().await;
    let mut watcher = relay.client().await;
    let reply = watcher
        .subscribe_as("presence-room", Some(&channel_data("bob")))
        .await;
    let Message::SubscriptionSucceeded {
        presence: Some(presence),
        ..
    } = reply
    else {
        panic!("no presence data: {reply:?}")
    };
    assert_eq!(presence.ids, ["bob"]);
    assert_eq!(presence.count, 1);

    // Ada joins from two sockets: one member_added.
    let mut ada1 = relay.client().await;
    let mut ada2 = relay.client().await;
    let reply = ada1
        .subscribe_as("presence-room", Some(&channel_data("ada")))
        .await;
    let Message::SubscriptionSucceeded {
        presence: Some(presence),
        ..
    } = reply
    else {
        panic!()
    };
    assert_eq!(presence.count, 2);
    assert_eq!(presence.hash["ada"]["name"], "ada");
    ada2.subscribe_as("presence-room", Some(&channel_data("ada")))
        .await;
    match watcher.recv().await {
        Message::MemberAdded {
            user_id, user_info, ..
        } => {
            assert_eq!(user_id, "ada");
            assert_eq!(user_info.unwrap()["name"], "ada");
        }
        other => panic!("expected member_added, got {other:?}"),
    }
    watcher.expect_nothing_pending().await;
    // The first Ada socket heard nothing about its twin.
    ada1.expect_nothing_pending().await;

    let (status, body) = relay
        .api("GET", "/apps/42/channels/presence-room/users", &[], "")
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        json!({"users":[{"id":"ada"},{"id":"bob"}]})
    );

    // One Ada socket leaves: nothing. The other goes: one member_removed.
    ada1.send(&Message::Unsubscribe {
        channel: "presence-room".into(),
    })
    .await;
    ada1.expect_nothing_pending().await;
    watcher.expect_nothing_pending().await;
    drop(ada2);
    match watcher.recv().await {
        Message::MemberRemoved { user_id, .. } => assert_eq!(user_id, "ada"),
        other => panic!("expected member_removed, got {other:?}"),
    }
}

#[tokio::test]
async fn client_events_reach_peers_but_never_the_sender() {
    let relay = TestRelay::default().await;
    let mut sender = relay.client().await;
    let mut peer = relay.client().await;
    sender
        .subscribe_as("presence-chat", Some(&channel_data("ada")))
        .await;
    peer.subscribe_as("presence-chat", Some(&channel_data("bob")))
        .await;
    sender.recv().await; // bob's member_added
    sender
        .send(&Message::ClientEvent(AppEvent {
            event: "client-typing".into(),
            channel: Some("presence-chat".into()),
            data: Some(r#"{"typing":true}"#.into()),
            user_id: None,
        }))
        .await;
    let event = peer.event("client-typing").await;
    assert_eq!(event.data.as_deref(), Some(r#"{"typing":true}"#));
    // On presence channels the relay says who sent it.
    assert_eq!(event.user_id.as_deref(), Some("ada"));
    sender.expect_nothing_pending().await;
}

#[tokio::test]
async fn client_events_are_refused_where_not_allowed() {
    let relay = TestRelay::default().await;
    let mut client = relay.client().await;
    client.subscribe("news").await;
    for channel in ["news", "private-not-subscribed"] {
        client
            .send_json(json!({"event":"client-x","channel":channel,"data":{}}))
            .await;
        let Message::Error(error) = client.recv().await else {
            panic!("expected pusher:error for {channel}")
        };
        assert!(
            error.message.starts_with("Client event rejected"),
            "{}",
            error.message
        );
    }
}

#[tokio::test]
async fn client_events_are_rate_limited_with_4301() {
    let mut config = config();
    config.client_events_per_second = 3;
    let relay = TestRelay::start(config).await;
    let mut sender = relay.client().await;
    let mut peer = relay.client().await;
    sender.subscribe("private-chat").await;
    peer.subscribe("private-chat").await;
    let sent = 10;
    for i in 0..sent {
        sender
            .send_json(json!({"event":"client-n","channel":"private-chat","data":{"i":i}}))
            .await;
    }
    // A burst of 3 passes; even if sending the 10 took a whole second, at
    // most 3 more tokens came back. Every refusal is a 4301 pusher:error
    // and the socket stays open: the ping's pong comes after them.
    sender.send(&Message::Ping).await;
    let mut refused = 0;
    loop {
        match sender.recv().await {
            Message::Error(error) => {
                assert_eq!(error.code, Some(4301), "{}", error.message);
                refused += 1;
            }
            Message::Pong => break,
            other => panic!("expected 4301 or the pong, got {other:?}"),
        }
    }
    assert!((4..sent).contains(&refused), "{refused} refused");
    for _ in 0..sent - refused {
        peer.event("client-n").await;
    }
    peer.expect_nothing_pending().await;
}

#[tokio::test]
async fn an_idle_client_is_pinged_and_closed_with_4201_without_a_pong() {
    let mut config = config();
    config.activity_timeout = Duration::from_millis(300);
    config.pong_timeout = Duration::from_secs(1);
    let relay = TestRelay::start(config).await;

    // A client that answers pings stays, however long the silent one takes.
    let mut polite = relay.client().await;
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let polite = tokio::spawn(async move {
        let mut pings = 0;
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                message = polite.recv() => {
                    assert_eq!(message, Message::Ping);
                    pings += 1;
                    polite.send(&Message::Pong).await;
                }
            }
        }
        (polite, pings)
    });

    // A client that does not is closed with 4201.
    let mut silent = relay.client().await;
    assert_eq!(silent.recv().await, Message::Ping);
    assert_eq!(silent.closed().await, Some(4201));
    relay.wait_for_connections(1).await;

    stop.send(()).unwrap();
    let (mut polite, pings) = polite.await.unwrap();
    assert!(pings >= 2, "{pings} pings");
    polite.subscribe("still-here").await;
}

#[tokio::test]
async fn a_client_that_never_reads_is_closed_with_4100_and_others_are_served() {
    let mut config = config();
    config.send_queue = 8;
    // The 4100 close waits behind the frames already in the socket buffers
    // until the slow client reads again; give it longer than the test can
    // take on a loaded machine.
    config.close_timeout = Duration::from_secs(60);
    let relay = TestRelay::start(config).await;
    let mut slow = relay.client().await;
    slow.subscribe("firehose").await;
    let mut healthy = relay.client().await;
    healthy.subscribe("firehose").await;

    let total = 2000;
    // The healthy client reports progress; the publisher never runs more
    // than a few events ahead of it, so only the slow one falls behind.
    let (progress, mut received) = tokio::sync::watch::channel(0usize);
    let reader = tokio::spawn(async move {
        for i in 0..total {
            let event = healthy.event("bulk").await;
            assert!(event.data.unwrap().starts_with(&format!("{i}:")));
            progress.send_replace(i + 1);
        }
        healthy
    });
    // 2000 × 8 KB is far more than socket buffers and the queue hold.
    let payload = "x".repeat(8 * 1024);
    for i in 0..total {
        while i - *received.borrow_and_update() > 4 {
            received.changed().await.unwrap();
        }
        relay
            .relay
            .publish(kinboard_relay::PublishEvent {
                channels: vec![ChannelName::parse("firehose").unwrap()],
                name: "bulk".into(),
                data: format!("{i}:{payload}"),
                socket_id: None,
            })
            .unwrap();
    }
    let mut healthy = tokio::time::timeout(common::DEADLINE, reader)
        .await
        .expect("the healthy client got everything")
        .unwrap();
    // The slow client finally reads: what was in flight, then 4100.
    assert_eq!(slow.closed().await, Some(4100));
    healthy.expect_nothing_pending().await;
    relay.wait_for_connections(1).await;
}

#[tokio::test]
async fn shutdown_closes_every_socket_with_4200() {
    let mut relay = TestRelay::default().await;
    let mut clients = Vec::new();
    for _ in 0..20 {
        let mut client = relay.client().await;
        client.subscribe("news").await;
        clients.push(client);
    }
    relay.wait_for_connections(20).await;
    let addr = relay.addr;
    let closes = tokio::spawn(async move {
        let mut codes = Vec::new();
        for mut client in clients {
            codes.push(client.closed().await);
        }
        codes
    });
    relay.stop().await;
    let codes = closes.await.unwrap();
    assert!(codes.iter().all(|c| *c == Some(4200)), "{codes:?}");
    assert_eq!(relay.relay.connection_count(), 0);
    // The listener is gone.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn bad_frames_get_a_clear_error_and_the_socket_stays() {
    let relay = TestRelay::default().await;
    let mut client = relay.client().await;
    let cases = [
        "not json",
        "[1,2,3]",
        r#"{"data":{}}"#,
        r#"{"event":"pusher:subscribe"}"#,
        r#"{"event":"pusher:subscribe","data":{"chan":"x"}}"#,
        r#"{"event":"pusher:brand_new","data":{}}"#,
        r#"{"event":"my-event","channel":"news","data":{}}"#,
        r#"{"event":"pusher:signin","data":{"auth":"a","user_data":"{}"}}"#,
    ];
    for text in cases {
        client.send_text(text).await;
        match client.recv().await {
            Message::Error(error) => {
                assert_eq!(error.code, None, "{text}");
                assert!(!error.message.is_empty(), "{text}");
            }
            other => panic!("{text}: expected pusher:error, got {other:?}"),
        }
    }
    client.ws.send(Ws::binary(vec![1, 2, 3])).await.unwrap();
    assert!(matches!(client.recv().await, Message::Error(_)));
    client.subscribe("news").await;
}

#[tokio::test]
async fn invalid_channel_names_are_refused() {
    let relay = TestRelay::default().await;
    let mut client = relay.client().await;
    let long = "a".repeat(201);
    for name in [
        "",
        "has space",
        "#server-to-user-1",
        "private-",
        long.as_str(),
    ] {
        client.subscribe_raw(name, None, None).await;
        let Message::Error(error) = client.recv().await else {
            panic!("{name:?}: expected pusher:error")
        };
        assert!(!error.message.is_empty());
        let Message::SubscriptionError { channel, error } = client.recv().await else {
            panic!("{name:?}: expected subscription_error")
        };
        assert_eq!(channel, name);
        assert_eq!(error.status, Some(400));
    }
    client.subscribe("fine").await;
}

#[tokio::test]
async fn a_huge_frame_closes_only_its_socket_with_1009() {
    let relay = TestRelay::default().await;
    let mut other = relay.client().await;
    other.subscribe("news").await;
    let mut abuser = relay.client().await;
    let huge = format!(
        r#"{{"event":"client-x","channel":"news","data":"{}"}}"#,
        "x".repeat(1024 * 1024)
    );
    // The relay may close before the whole frame is written.
    let _ = abuser.ws.send(Ws::text(huge)).await;
    match abuser.next().await {
        Err(Seen::Closed(Some(frame))) => assert_eq!(u16::from(frame.code), 1009),
        Err(Seen::Ended) => {}
        other => panic!("expected a close, got {other:?}"),
    }
    relay.trigger("news", "still", "{}").await;
    other.event("still").await;
    relay.wait_for_connections(1).await;
}

#[tokio::test]
async fn a_subscribe_flood_is_bounded() {
    let mut config = config();
    config.max_channels_per_connection = 10;
    let relay = TestRelay::start(config).await;
    let mut flooder = relay.client().await;
    let mut bystander = relay.client().await;
    bystander.subscribe("calm").await;
    for i in 0..50 {
        flooder
            .subscribe_raw(&format!("flood-{i}"), None, None)
            .await;
    }
    let mut succeeded = 0;
    let mut refused = 0;
    while succeeded + refused < 50 {
        match flooder.recv().await {
            Message::SubscriptionSucceeded { .. } => succeeded += 1,
            Message::SubscriptionError { error, .. } => {
                assert_eq!(error.status, Some(400));
                refused += 1;
            }
            Message::Error(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((succeeded, refused), (10, 40));
    let (_, body) = relay.api("GET", "/apps/42/channels", &[], "").await;
    let channels: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(channels["channels"].as_object().unwrap().len(), 11);
    relay.trigger("calm", "ok", "{}").await;
    bystander.event("ok").await;
}

#[tokio::test]
async fn subscribing_twice_answers_twice_and_counts_once() {
    let relay = TestRelay::default().await;
    let mut client = relay.client().await;
    client.subscribe("news").await;
    client.subscribe("news").await;
    relay.trigger("news", "once", "{}").await;
    client.event("once").await;
    client.expect_nothing_pending().await;
}

#[tokio::test]
async fn a_relay_without_public_channels_or_client_events_refuses_both() {
    let mut locked = config();
    locked.public_channels = false;
    locked.client_events = false;
    let relay = TestRelay::start(locked).await;
    let mut client = relay.client().await;
    client.subscribe_raw("news", None, None).await;
    let Message::Error(said) = client.recv().await else {
        panic!("expected pusher:error")
    };
    assert!(said.message.contains("public channels"), "{}", said.message);
    let Message::SubscriptionError { channel, error } = client.recv().await else {
        panic!("expected pusher:subscription_error")
    };
    assert_eq!((channel.as_str(), error.status), ("news", Some(403)));
    // A private channel is still served; a client event on it is refused.
    client.subscribe("private-family-1").await;
    client
        .send_json(json!({"event":"client-x","channel":"private-family-1","data":{}}))
        .await;
    let Message::Error(error) = client.recv().await else {
        panic!("expected pusher:error")
    };
    assert!(error.message.contains("not enabled"), "{}", error.message);
    // And nothing reached the channel.
    let mut peer = relay.client().await;
    peer.subscribe("private-family-1").await;
    client
        .send_json(json!({"event":"client-y","channel":"private-family-1","data":{}}))
        .await;
    client.recv().await;
    peer.expect_nothing_pending().await;
}

#[tokio::test]
async fn a_terminated_socket_hears_what_was_queued_then_closes() {
    let relay = TestRelay::default().await;
    let mut client = relay.client().await;
    client.subscribe("private-family-1").await;
    let mut other = relay.client().await;
    other.subscribe("private-family-1").await;
    relay
        .trigger("private-family-1", "kiosk:revoked", r#"{"revision":9}"#)
        .await;
    // Only with the channel it is on: a guessed socket id of another
    // channel's closes nothing.
    assert!(
        !relay
            .relay
            .terminate(client.socket_id.as_str(), "private-family-2")
    );
    assert!(
        relay
            .relay
            .terminate(client.socket_id.as_str(), "private-family-1")
    );
    // The last word first, then the close (4200: reconnect, and ask again).
    assert_eq!(
        client.event("kiosk:revoked").await.data.as_deref(),
        Some(r#"{"revision":9}"#)
    );
    assert_eq!(client.closed().await, Some(4200));
    // The others stay; an unknown or foreign socket id closes nothing.
    assert_eq!(
        other.event("kiosk:revoked").await.channel.as_deref(),
        Some("private-family-1")
    );
    other.expect_nothing_pending().await;
    assert!(!relay.relay.terminate("99999.1", "private-family-1"));
    assert!(!relay.relay.terminate("not a socket id", "private-family-1"));
}
