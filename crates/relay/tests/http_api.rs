//! The HTTP API with signed requests, as the official server libraries
//! send them: triggers, batches, channel queries, and every way a request
//! can be wrong.

mod common;

use common::{TestRelay, app, now, raw_http, signed_request};
use pusher_protocol::{AppCredentials, Message};
use serde_json::{Value, json};

fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[tokio::test]
async fn trigger_reaches_every_channel_named() {
    let relay = TestRelay::default().await;
    let mut a = relay.client().await;
    let mut b = relay.client().await;
    a.subscribe("one").await;
    b.subscribe("private-two").await;
    let body =
        json!({"name":"hello","channels":["one","private-two"],"data":"{\"n\":1}"}).to_string();
    let (status, reply) = relay.api("POST", "/apps/42/events", &[], &body).await;
    assert_eq!((status, parse(&reply)), (200, json!({})));
    assert_eq!(a.event("hello").await.data.as_deref(), Some(r#"{"n":1}"#));
    assert_eq!(
        b.event("hello").await.channel.as_deref(),
        Some("private-two")
    );

    // The single-channel form.
    let body = json!({"name":"solo","channel":"one","data":"x"}).to_string();
    assert_eq!(
        relay.api("POST", "/apps/42/events", &[], &body).await.0,
        200
    );
    assert_eq!(a.event("solo").await.data.as_deref(), Some("x"));
}

#[tokio::test]
async fn socket_id_is_excluded() {
    let relay = TestRelay::default().await;
    let mut origin = relay.client().await;
    let mut other = relay.client().await;
    origin.subscribe("private-family-1").await;
    other.subscribe("private-family-1").await;
    let body = json!({
        "name": "stars:updated",
        "channels": ["private-family-1"],
        "data": "{}",
        "socket_id": origin.socket_id.as_str(),
    })
    .to_string();
    assert_eq!(
        relay.api("POST", "/apps/42/events", &[], &body).await.0,
        200
    );
    other.event("stars:updated").await;
    origin.expect_nothing_pending().await;
}

#[tokio::test]
async fn trigger_info_reports_counts() {
    let relay = TestRelay::default().await;
    let mut a = relay.client().await;
    a.subscribe_as("presence-room", Some(r#"{"user_id":"1"}"#))
        .await;
    let body = json!({
        "name": "e", "channels": ["presence-room"], "data": "{}",
        "info": "user_count,subscription_count",
    })
    .to_string();
    let (status, reply) = relay.api("POST", "/apps/42/events", &[], &body).await;
    assert_eq!(status, 200);
    assert_eq!(
        parse(&reply),
        json!({"channels":{"presence-room":{"user_count":1,"subscription_count":1}}})
    );
}

#[tokio::test]
async fn batch_triggers_each_event() {
    let relay = TestRelay::default().await;
    let mut a = relay.client().await;
    a.subscribe("one").await;
    a.subscribe("two").await;
    let body = json!({"batch":[
        {"name":"first","channel":"one","data":"1"},
        {"name":"second","channel":"two","data":"2"},
    ]})
    .to_string();
    let (status, reply) = relay.api("POST", "/apps/42/batch_events", &[], &body).await;
    assert_eq!((status, parse(&reply)), (200, json!({})));
    assert_eq!(a.event("first").await.data.as_deref(), Some("1"));
    assert_eq!(a.event("second").await.data.as_deref(), Some("2"));

    // More than 10 events, or one bad event, sends nothing.
    let eleven: Vec<Value> = (0..11)
        .map(|i| json!({"name":"n","channel":"one","data":i.to_string()}))
        .collect();
    let body = json!({ "batch": eleven }).to_string();
    let (status, reply) = relay.api("POST", "/apps/42/batch_events", &[], &body).await;
    assert_eq!(status, 400, "{reply}");
    let body = json!({"batch":[
        {"name":"never","channel":"one","data":"1"},
        {"name":"bad","channel":"bad channel","data":"2"},
    ]})
    .to_string();
    assert_eq!(
        relay
            .api("POST", "/apps/42/batch_events", &[], &body)
            .await
            .0,
        400
    );
    a.expect_nothing_pending().await;
}

#[tokio::test]
async fn wrong_secret_and_expired_timestamps_get_401() {
    let relay = TestRelay::default().await;
    let body = json!({"name":"e","channels":["c"],"data":"{}"}).to_string();
    let wrong = AppCredentials::new("42", "test-key", "not-the-secret");
    let (status, reply) = signed_request(
        relay.addr,
        &wrong,
        "POST",
        "/apps/42/events",
        &[],
        &body,
        now(),
    )
    .await;
    assert_eq!(status, 401);
    assert!(reply.starts_with("Invalid signature"), "{reply}");

    let (status, reply) = signed_request(
        relay.addr,
        &app(),
        "POST",
        "/apps/42/events",
        &[],
        &body,
        now() - 3600,
    )
    .await;
    assert_eq!(status, 401);
    assert!(reply.starts_with("Timestamp expired"), "{reply}");

    // Unsigned, and signed for another key.
    let (status, _) = common::http(relay.addr, "POST", "/apps/42/events", &body).await;
    assert_eq!(status, 401);
    let other_key = AppCredentials::new("42", "other-key", "test-secret");
    let (status, reply) = signed_request(
        relay.addr,
        &other_key,
        "GET",
        "/apps/42/channels",
        &[],
        "",
        now(),
    )
    .await;
    assert_eq!(status, 401, "{reply}");

    // A tampered query parameter breaks the signature.
    let query = app().sign_request(
        "GET",
        "/apps/42/channels",
        &[("filter_by_prefix".into(), "presence-".into())],
        b"",
        now(),
    );
    let tampered: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query.iter().map(|(k, v)| {
            (
                k.as_str(),
                if k == "filter_by_prefix" {
                    "private-"
                } else {
                    v.as_str()
                },
            )
        }))
        .finish();
    let (status, _) = common::http(
        relay.addr,
        "GET",
        &format!("/apps/42/channels?{tampered}"),
        "",
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn oversized_events_get_413() {
    let relay = TestRelay::default().await;
    let mut listener = relay.client().await;
    listener.subscribe("c").await;
    let data = "x".repeat(10 * 1024 + 1);
    let body = json!({"name":"big","channels":["c"],"data":data}).to_string();
    let (status, reply) = relay.api("POST", "/apps/42/events", &[], &body).await;
    assert_eq!(status, 413, "{reply}");
    assert!(reply.contains("10240"), "{reply}");
    // Exactly 10 KB is fine.
    let data = "x".repeat(10 * 1024);
    let body = json!({"name":"big","channels":["c"],"data":data}).to_string();
    assert_eq!(
        relay.api("POST", "/apps/42/events", &[], &body).await.0,
        200
    );
    listener.event("big").await;
    // A body over the request limit is refused before it is parsed.
    let body = "y".repeat(300 * 1024);
    assert_eq!(
        relay.api("POST", "/apps/42/events", &[], &body).await.0,
        413
    );
}

#[tokio::test]
async fn malformed_requests_get_400_with_a_reason() {
    let relay = TestRelay::default().await;
    let cases = [
        ("not json", "request body is not valid"),
        (r#"{"channels":["c"],"data":"x"}"#, "missing field `name`"),
        (r#"{"name":"e","data":"x"}"#, "channels or channel"),
        (
            r#"{"name":"e","channels":[],"data":"x"}"#,
            "at least one channel",
        ),
        (
            r#"{"name":"e","channels":["bad channel"],"data":"x"}"#,
            "position 3",
        ),
        (
            r#"{"name":"","channels":["c"],"data":"x"}"#,
            "event name is empty",
        ),
        (
            r#"{"name":"e","channels":["c"],"data":"x","socket_id":"nope"}"#,
            "socket id",
        ),
    ];
    for (body, reason) in cases {
        let (status, reply) = relay.api("POST", "/apps/42/events", &[], body).await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert!(reply.contains(reason), "{body}: {reply}");
    }
    let channels: Vec<String> = (0..101).map(|i| format!("c{i}")).collect();
    let body = json!({"name":"e","channels":channels,"data":"x"}).to_string();
    let (status, reply) = relay.api("POST", "/apps/42/events", &[], &body).await;
    assert_eq!(status, 400);
    assert!(reply.contains("at most 100"), "{reply}");
    // Another app id.
    let (status, _) = relay.api("POST", "/apps/7/events", &[], "{}").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_truncated_body_does_not_disturb_the_relay() {
    let relay = TestRelay::default().await;
    let mut listener = relay.client().await;
    listener.subscribe("c").await;
    let query = app().sign_request("POST", "/apps/42/events", &[], b"{\"name\":\"e\"}", now());
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    // Promises 500 bytes, sends 12, and hangs up its side.
    let request = format!(
        "POST /apps/42/events?{query} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{{\"name\":\"e\"}}"
    );
    let (status, _) = raw_http(relay.addr, request.as_bytes(), true).await;
    // The client may or may not see the 400 (it hung up); either way the
    // relay goes on.
    assert!(status == 400 || status == 0, "{status}");
    // Garbage that is not HTTP at all.
    let (status, _) = raw_http(relay.addr, b"\x00\x01\x02 nonsense\r\n\r\n", true).await;
    assert!(status == 400 || status == 0, "{status}");
    relay.trigger("c", "after", "{}").await;
    listener.event("after").await;
}

#[tokio::test]
async fn channel_queries_answer_like_pusher() {
    let relay = TestRelay::default().await;
    let mut a = relay.client().await;
    let mut b = relay.client().await;
    a.subscribe("news").await;
    b.subscribe("news").await;
    a.subscribe_as("presence-room", Some(r#"{"user_id":"ada"}"#))
        .await;
    b.subscribe_as("presence-room", Some(r#"{"user_id":"ada"}"#))
        .await;

    let (status, reply) = relay.api("GET", "/apps/42/channels", &[], "").await;
    assert_eq!(status, 200);
    assert_eq!(
        parse(&reply),
        json!({"channels":{"news":{},"presence-room":{}}})
    );

    let params = [("filter_by_prefix", "presence-"), ("info", "user_count")];
    let (status, reply) = relay.api("GET", "/apps/42/channels", &params, "").await;
    assert_eq!(status, 200);
    assert_eq!(
        parse(&reply),
        json!({"channels":{"presence-room":{"user_count":1}}})
    );

    // user_count without the presence prefix is a 400, as on Pusher.
    let (status, _) = relay
        .api("GET", "/apps/42/channels", &[("info", "user_count")], "")
        .await;
    assert_eq!(status, 400);

    let (status, reply) = relay
        .api(
            "GET",
            "/apps/42/channels/news",
            &[("info", "subscription_count")],
            "",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        parse(&reply),
        json!({"occupied":true,"subscription_count":2})
    );

    let (status, reply) = relay
        .api(
            "GET",
            "/apps/42/channels/presence-room",
            &[("info", "user_count,subscription_count")],
            "",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        parse(&reply),
        json!({"occupied":true,"user_count":1,"subscription_count":2})
    );

    let (status, reply) = relay.api("GET", "/apps/42/channels/empty", &[], "").await;
    assert_eq!((status, parse(&reply)), (200, json!({"occupied":false})));

    let (status, _) = relay
        .api(
            "GET",
            "/apps/42/channels/news",
            &[("info", "user_count")],
            "",
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = relay
        .api("GET", "/apps/42/channels/news/users", &[], "")
        .await;
    assert_eq!(status, 400);
    let (status, reply) = relay
        .api("GET", "/apps/42/channels/presence-room/users", &[], "")
        .await;
    assert_eq!(
        (status, parse(&reply)),
        (200, json!({"users":[{"id":"ada"}]}))
    );

    // The counts follow unsubscribes.
    b.send(&Message::Unsubscribe {
        channel: "news".into(),
    })
    .await;
    b.expect_nothing_pending().await;
    let (_, reply) = relay
        .api(
            "GET",
            "/apps/42/channels/news",
            &[("info", "subscription_count")],
            "",
        )
        .await;
    assert_eq!(parse(&reply)["subscription_count"], 1);
}

#[tokio::test]
async fn a_signed_in_users_sockets_are_ended_and_no_others() {
    let relay = TestRelay::default().await;
    let sign_in = |client: &common::Client, user: &str| {
        let user_data = json!({ "id": user }).to_string();
        let signed = app().authenticate_user(&client.socket_id, &user_data);
        Message::Signin {
            auth: signed.auth,
            user_data: signed.user_data,
        }
    };
    let mut kitchen = relay.client().await;
    let mut kitchen_again = relay.client().await;
    let mut parent = relay.client().await;
    for (client, user) in [
        (&mut kitchen, "kiosk-k1"),
        (&mut kitchen_again, "kiosk-k1"),
        (&mut parent, "session-abc"),
    ] {
        let signin = sign_in(client, user);
        client.send(&signin).await;
        match client.recv().await {
            Message::SigninSuccess { user_data } => {
                assert_eq!(parse(&user_data)["id"], user);
            }
            other => panic!("expected signin_success, got {other:?}"),
        }
        client.subscribe("private-family-f1").await;
    }
    // A signin signed for another socket, or with another secret, is refused.
    let mut forger = relay.client().await;
    let mut stolen = sign_in(&kitchen, "kiosk-k1");
    forger.send(&stolen).await;
    assert!(
        matches!(forger.recv().await, Message::Error(e) if e.message.contains("signin refused"))
    );
    let user_data = json!({ "id": "kiosk-k1" }).to_string();
    let wrong = AppCredentials::new("42", "test-key", "not-the-secret")
        .authenticate_user(&forger.socket_id, &user_data);
    stolen = Message::Signin {
        auth: wrong.auth,
        user_data,
    };
    forger.send(&stolen).await;
    assert!(
        matches!(forger.recv().await, Message::Error(e) if e.message.contains("signin refused"))
    );
    forger.subscribe("private-family-f1").await;

    // Unsigned: refused, nothing closed.
    let (status, _) = raw_http(
        relay.addr,
        b"POST /apps/42/users/kiosk-k1/terminate_connections HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
        false,
    )
    .await;
    assert_eq!(status, 401);
    let (status, reply) = relay
        .api(
            "POST",
            "/apps/42/users/kiosk-k1/terminate_connections",
            &[],
            "{}",
        )
        .await;
    assert_eq!((status, parse(&reply)), (200, json!({})));
    assert_eq!(kitchen.closed().await, Some(4009));
    assert_eq!(kitchen_again.closed().await, Some(4009));
    // The others stay, and still hear the family.
    relay
        .trigger("private-family-f1", "stars:updated", "{}")
        .await;
    assert_eq!(
        parent.event("stars:updated").await.data.as_deref(),
        Some("{}")
    );
    assert_eq!(
        forger.event("stars:updated").await.data.as_deref(),
        Some("{}")
    );
    // A user with no socket here: nothing to do, and said so the same way.
    let (status, _) = relay
        .api(
            "POST",
            "/apps/42/users/nobody/terminate_connections",
            &[],
            "{}",
        )
        .await;
    assert_eq!(status, 200);
}
