//! pusher-client against a real kinboard-relay on loopback: channels of
//! every kind, events, presence, client events, authorisation through an
//! HTTP endpoint, and recovery from relay restarts and silent links.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap as AxumHeaders, StatusCode};
use axum::routing::post;
use axum::{Form, Json, Router};
use kinboard_relay::{PublishEvent, Relay, RelayConfig};
use kinboard_testkit::{FaultProxy, eventually};
use pusher_client::{
    AuthorizeError, AuthorizeFuture, ChannelAuthorization, ChannelAuthorizer, ClientOptions,
    Endpoint, HttpAuthorizer, LocalAuthorizer, PusherClient, SubscriptionEvent,
    SubscriptionFailure,
};
use pusher_protocol::{
    AppCredentials, Backoff, ChannelName, ClientConfig, ConnectionState, SocketId, SplitMix64,
};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const WAIT: Duration = Duration::from_secs(10);

fn app() -> AppCredentials {
    AppCredentials::new("1", "test-key", "test-secret")
}

/// A relay serving on a listener, stoppable with a graceful 4200 shutdown.
struct RunningRelay {
    relay: Relay,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningRelay {
    async fn start_on(addr: SocketAddr) -> Self {
        let listener = TcpListener::bind(addr).await.expect("bind relay");
        let addr = listener.local_addr().unwrap();
        let mut config = RelayConfig::new(app());
        config.shutdown_spread = Duration::from_millis(50);
        let relay = Relay::new(config);
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(kinboard_relay::serve(listener, relay.clone(), async {
            stopped.await.ok();
        }));
        Self {
            relay,
            addr,
            stop: Some(stop),
            task,
        }
    }

    async fn start() -> Self {
        Self::start_on("127.0.0.1:0".parse().unwrap()).await
    }

    async fn stop(mut self) {
        self.stop.take().unwrap().send(()).ok();
        self.task.await.unwrap().unwrap();
    }

    fn publish(&self, channel: &str, event: &str, data: &str, except: Option<SocketId>) {
        self.relay
            .publish(PublishEvent {
                channels: vec![ChannelName::parse(channel).unwrap()],
                name: event.into(),
                data: data.into(),
                socket_id: except,
            })
            .unwrap();
    }
}

/// An auth endpoint like a backend's: it accepts one bearer token at a
/// time and records the tokens it was shown.
#[derive(Clone, Default)]
struct AuthEndpoint {
    accepted_token: Arc<Mutex<String>>,
    seen_tokens: Arc<Mutex<Vec<String>>>,
}

#[derive(serde::Deserialize)]
struct AuthForm {
    socket_id: String,
    channel_name: String,
}

async fn authorize(
    State(endpoint): State<AuthEndpoint>,
    headers: AxumHeaders,
    Form(form): Form<AuthForm>,
) -> Result<Json<ChannelAuthorization>, (StatusCode, String)> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    endpoint.seen_tokens.lock().unwrap().push(token.clone());
    if token != *endpoint.accepted_token.lock().unwrap() {
        return Err((StatusCode::UNAUTHORIZED, "bad token".into()));
    }
    if form.channel_name.contains("forbidden") {
        return Err((StatusCode::FORBIDDEN, "not your channel".into()));
    }
    let socket_id =
        SocketId::parse(form.socket_id).map_err(|e| (StatusCode::BAD_REQUEST, e.to_string()))?;
    let channel = ChannelName::parse(form.channel_name)
        .map_err(|e| (StatusCode::BAD_REQUEST, e.to_string()))?;
    let channel_data = channel
        .as_str()
        .starts_with("presence-")
        .then(|| format!(r#"{{"user_id":"{token}","user_info":{{"name":"{token}"}}}}"#));
    Ok(Json(app().authorize_channel(
        &socket_id,
        &channel,
        channel_data.as_deref(),
    )))
}

impl AuthEndpoint {
    async fn start(token: &str) -> (Self, String) {
        let endpoint = Self::default();
        *endpoint.accepted_token.lock().unwrap() = token.into();
        let router = Router::new()
            .route("/auth", post(authorize))
            .with_state(endpoint.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/auth", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        (endpoint, url)
    }
}

/// A client whose auth headers come from a token cell read at call time.
fn client(
    addr: SocketAddr,
    auth_url: &str,
    token: Arc<Mutex<String>>,
    config: ClientConfig,
) -> PusherClient {
    let authorizer = HttpAuthorizer::with_headers(auth_url, move || {
        let mut headers = HeaderMap::new();
        let value = format!("Bearer {}", token.lock().unwrap());
        headers.insert(AUTHORIZATION, HeaderValue::from_str(&value).unwrap());
        headers
    });
    let mut options =
        ClientOptions::new(Endpoint::host("127.0.0.1", addr.port(), false), "test-key")
            .authorizer(authorizer)
            .config(config);
    options.jitter_seed = Some(7);
    PusherClient::connect(options)
}

/// A client authorised by `authorizer` instead of the HTTP endpoint.
fn client_with(addr: SocketAddr, authorizer: impl ChannelAuthorizer) -> PusherClient {
    let mut options =
        ClientOptions::new(Endpoint::host("127.0.0.1", addr.port(), false), "test-key")
            .authorizer(authorizer);
    options.jitter_seed = Some(7);
    PusherClient::connect(options)
}

/// Fails its first call as a backend that is briefly down would, then
/// signs properly; counts the calls.
struct FailsOnce {
    calls: Arc<AtomicUsize>,
    inner: LocalAuthorizer,
}

impl ChannelAuthorizer for FailsOnce {
    fn authorize(&self, channel: &ChannelName, socket_id: &SocketId) -> AuthorizeFuture {
        if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            return Box::pin(async {
                Err(AuthorizeError::Status {
                    status: 503,
                    body: "backend restarting".into(),
                })
            });
        }
        self.inner.authorize(channel, socket_id)
    }
}

async fn next_event(sub: &mut pusher_client::Subscription) -> SubscriptionEvent {
    tokio::time::timeout(WAIT, sub.next())
        .await
        .expect("an event in time")
        .expect("subscription open")
}

async fn next_app_event(sub: &mut pusher_client::Subscription) -> pusher_client::ChannelEvent {
    loop {
        if let SubscriptionEvent::Event(e) = next_event(sub).await {
            return e;
        }
    }
}

#[tokio::test]
async fn public_private_and_presence_channels_receive_events() {
    let relay = RunningRelay::start().await;
    let (_endpoint, url) = AuthEndpoint::start("ada").await;
    let token = Arc::new(Mutex::new("ada".to_string()));
    let client = client(relay.addr, &url, token, ClientConfig::default());

    let mut public = client.subscribe("news").unwrap();
    let mut private = client.subscribe("private-family-1").unwrap();
    let mut presence = client.subscribe("presence-kitchen").unwrap();
    assert_eq!(public.subscribed().await.unwrap(), None);
    assert_eq!(private.subscribed().await.unwrap(), None);
    let members = presence
        .subscribed()
        .await
        .unwrap()
        .expect("presence members");
    assert_eq!(members.me.as_deref(), Some("ada"));
    assert!(members.all.contains_key("ada"));
    assert_eq!(*client.state().borrow(), ConnectionState::Connected);

    relay.publish("news", "headline", r#"{"n":1}"#, None);
    relay.publish(
        "private-family-1",
        "timer:started",
        r#"{"revision":2}"#,
        None,
    );
    let e = next_app_event(&mut public).await;
    assert_eq!(
        (e.event.as_str(), e.data.as_deref()),
        ("headline", Some(r#"{"n":1}"#))
    );
    let e = next_app_event(&mut private).await;
    assert_eq!(e.event, "timer:started");
    assert_eq!(e.json::<serde_json::Value>().unwrap()["revision"], 2);
    relay.stop().await;
}

#[tokio::test]
async fn events_larger_than_the_read_buffer_arrive_whole_and_in_order() {
    let relay = RunningRelay::start().await;
    let (_endpoint, url) = AuthEndpoint::start("ada").await;
    let token = Arc::new(Mutex::new("ada".to_string()));
    let client = client(relay.addr, &url, token, ClientConfig::default());
    let mut news = client.subscribe("news").unwrap();
    news.subscribed().await.unwrap();

    // The largest event Pusher allows, full of quotes: escaped inside the
    // frame's JSON it is several times the client's 4 KiB read buffer.
    let max = pusher_protocol::names::MAX_EVENT_DATA_BYTES;
    let body =
        |fill: &str, count: usize| serde_json::json!({ "text": fill.repeat(count) }).to_string();
    // A quote is `\"` in the data and `\\\"` in the frame.
    let big_quotes = body("\"", (max - 16) / 2);
    let big_letters = body("k", max - 16);
    assert!(big_quotes.len() <= max && big_letters.len() <= max);
    relay.publish("news", "big", &big_quotes, None);
    relay.publish("news", "small", "{}", None);
    relay.publish("news", "big-again", &big_letters, None);
    for (name, data) in [
        ("big", big_quotes.as_str()),
        ("small", "{}"),
        ("big-again", big_letters.as_str()),
    ] {
        let e = next_app_event(&mut news).await;
        assert_eq!(e.event, name);
        assert_eq!(e.data.as_deref(), Some(data));
    }
    relay.stop().await;
}

#[tokio::test]
async fn presence_members_come_and_go_and_client_events_reach_peers_only() {
    let relay = RunningRelay::start().await;
    let (endpoint, url) = AuthEndpoint::start("ada").await;
    let ada = client(
        relay.addr,
        &url,
        Arc::new(Mutex::new("ada".into())),
        ClientConfig::default(),
    );
    let mut ada_room = ada.subscribe("presence-kitchen").unwrap();
    ada_room.subscribed().await.unwrap();

    // Bo's token is accepted too once the endpoint switches; one user at a time is enough here.
    *endpoint.accepted_token.lock().unwrap() = "bo".into();
    let bo = client(
        relay.addr,
        &url,
        Arc::new(Mutex::new("bo".into())),
        ClientConfig::default(),
    );
    let mut bo_room = bo.subscribe("presence-kitchen").unwrap();
    let members = bo_room.subscribed().await.unwrap().unwrap();
    assert_eq!(members.count(), 2);
    match next_event(&mut ada_room).await {
        SubscriptionEvent::MemberAdded(m) => assert_eq!(m.id, "bo"),
        other => panic!("expected member_added, got {other:?}"),
    }

    // A client event reaches Ada, with Bo's user id, and never echoes to Bo.
    bo.trigger("presence-kitchen", "client-wave", r#"{"hi":true}"#)
        .await
        .unwrap();
    let e = next_app_event(&mut ada_room).await;
    assert_eq!(e.event, "client-wave");
    assert_eq!(e.user_id.as_deref(), Some("bo"));
    relay.publish("presence-kitchen", "marker", "{}", None);
    let e = next_app_event(&mut bo_room).await;
    assert_eq!(
        e.event, "marker",
        "Bo saw no echo of its own client event before the marker"
    );

    // Bo leaves: Ada sees member_removed.
    drop(bo_room);
    drop(bo);
    loop {
        match next_event(&mut ada_room).await {
            SubscriptionEvent::MemberRemoved(m) => {
                assert_eq!(m.id, "bo");
                break;
            }
            SubscriptionEvent::Event(_) => continue,
            other => panic!("expected member_removed, got {other:?}"),
        }
    }
    relay.stop().await;
}

#[tokio::test]
async fn socket_id_exclusion_skips_the_sender() {
    let relay = RunningRelay::start().await;
    let (_endpoint, url) = AuthEndpoint::start("t").await;
    let token = Arc::new(Mutex::new("t".to_string()));
    let a = client(relay.addr, &url, token.clone(), ClientConfig::default());
    let b = client(relay.addr, &url, token, ClientConfig::default());
    let mut a_news = a.subscribe("news").unwrap();
    let mut b_news = b.subscribe("news").unwrap();
    a_news.subscribed().await.unwrap();
    b_news.subscribed().await.unwrap();
    let a_socket = a.socket_id().expect("connected");
    relay.publish("news", "from-a", "{}", Some(a_socket));
    relay.publish("news", "for-all", "{}", None);
    assert_eq!(next_app_event(&mut b_news).await.event, "from-a");
    assert_eq!(next_app_event(&mut b_news).await.event, "for-all");
    assert_eq!(
        next_app_event(&mut a_news).await.event,
        "for-all",
        "A never got its own"
    );
    relay.stop().await;
}

#[tokio::test]
async fn a_refused_authorisation_fails_that_channel_only() {
    let relay = RunningRelay::start().await;
    let (_endpoint, url) = AuthEndpoint::start("t").await;
    let c = client(
        relay.addr,
        &url,
        Arc::new(Mutex::new("t".into())),
        ClientConfig::default(),
    );
    let mut forbidden = c.subscribe("private-forbidden").unwrap();
    match forbidden.subscribed().await {
        Err(SubscriptionFailure::Authorization(failure)) => {
            assert_eq!(failure.status, Some(403), "{failure}");
            assert!(failure.reason.contains("not your channel"), "{failure}");
        }
        other => panic!("expected an authorisation failure, got {other:?}"),
    }
    let mut news = c.subscribe("news").unwrap();
    news.subscribed().await.unwrap();
    assert_eq!(*c.state().borrow(), ConnectionState::Connected);
    relay.stop().await;
}

#[tokio::test]
async fn a_wrong_signature_is_refused_by_the_relay_and_the_socket_lives_on() {
    let relay = RunningRelay::start().await;
    let wrong = AppCredentials::new("1", "test-key", "not-the-secret");
    let c = client_with(relay.addr, LocalAuthorizer::new(wrong));
    let mut family = c.subscribe("private-family-1").unwrap();
    match family.subscribed().await {
        Err(SubscriptionFailure::Refused {
            status: Some(401),
            message,
        }) => assert!(message.starts_with("Invalid signature"), "{message}"),
        other => panic!("expected the relay's refusal, got {other:?}"),
    }
    // The same socket goes on serving other channels.
    let socket = c.socket_id().expect("still connected");
    let mut news = c.subscribe("news").unwrap();
    news.subscribed().await.unwrap();
    assert_eq!(*c.state().borrow(), ConnectionState::Connected);
    assert_eq!(c.socket_id(), Some(socket));
    assert_eq!(relay.relay.connection_count(), 1);
    relay.publish("news", "still-here", "{}", None);
    assert_eq!(next_app_event(&mut news).await.event, "still-here");
    relay.stop().await;
}

#[tokio::test]
async fn a_failed_authorisation_is_asked_again_after_a_reconnect() {
    let relay = RunningRelay::start().await;
    let addr = relay.addr;
    let calls = Arc::new(AtomicUsize::new(0));
    let c = client_with(
        addr,
        FailsOnce {
            calls: calls.clone(),
            inner: LocalAuthorizer::new(app()),
        },
    );
    let mut family = c.subscribe("private-family-1").unwrap();
    match family.subscribed().await {
        Err(SubscriptionFailure::Authorization(failure)) => {
            assert_eq!(failure.status, Some(503), "{failure}")
        }
        other => panic!("expected the first call to fail, got {other:?}"),
    }
    assert_eq!(*c.state().borrow(), ConnectionState::Connected);
    let first_socket = c.socket_id().unwrap();

    // The relay restarts (its sockets close with 4200); on the new
    // connection the channel is authorised again, and this time it works.
    relay.stop().await;
    let relay = RunningRelay::start_on(addr).await;
    family.subscribed().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_ne!(c.socket_id(), Some(first_socket));
    relay.publish("private-family-1", "timer:updated", "{}", None);
    assert_eq!(next_app_event(&mut family).await.event, "timer:updated");
    relay.stop().await;
}

#[tokio::test]
async fn a_hung_auth_endpoint_fails_the_subscription_not_the_connection() {
    let relay = RunningRelay::start().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/auth", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream); // accepted, never answered
        }
    });
    let authorizer = HttpAuthorizer::new(url).timeout(Duration::from_millis(300));
    let c = client_with(relay.addr, authorizer);
    let mut family = c.subscribe("private-family-1").unwrap();
    let outcome = tokio::time::timeout(WAIT, family.subscribed())
        .await
        .expect("the subscription is not left pending");
    match outcome {
        Err(SubscriptionFailure::Authorization(failure)) => {
            assert_eq!(failure.status, None, "{failure}");
            assert!(failure.reason.contains("timed out"), "{failure}")
        }
        other => panic!("expected an authorisation timeout, got {other:?}"),
    }
    let mut news = c.subscribe("news").unwrap();
    news.subscribed().await.unwrap();
    assert_eq!(*c.state().borrow(), ConnectionState::Connected);
    relay.stop().await;
}

#[tokio::test]
async fn a_local_authorizer_joins_presence_channels_as_its_user() {
    let relay = RunningRelay::start().await;
    let ada = client_with(
        relay.addr,
        LocalAuthorizer::new(app()).presence_user("ada", Some(serde_json::json!({"name": "Ada"}))),
    );
    let mut room = ada.subscribe("presence-kitchen").unwrap();
    let members = room.subscribed().await.unwrap().expect("presence members");
    assert_eq!(members.me.as_deref(), Some("ada"));
    assert_eq!(
        members.all.get("ada"),
        Some(&Some(serde_json::json!({"name": "Ada"})))
    );

    // Without a user, presence is refused before reaching the relay.
    let anonymous = client_with(relay.addr, LocalAuthorizer::new(app()));
    let mut room = anonymous.subscribe("presence-kitchen").unwrap();
    match room.subscribed().await {
        Err(SubscriptionFailure::Authorization(failure)) => {
            assert!(failure.reason.contains("presence_user"), "{failure}")
        }
        other => panic!("expected a clear refusal, got {other:?}"),
    }
    relay.stop().await;
}

#[tokio::test]
async fn subscriptions_come_back_after_a_relay_restart_with_a_fresh_token() {
    let relay = RunningRelay::start().await;
    let addr = relay.addr;
    let (endpoint, url) = AuthEndpoint::start("token-1").await;
    let token = Arc::new(Mutex::new("token-1".to_string()));
    let c = client(addr, &url, token.clone(), ClientConfig::default());
    let mut family = c.subscribe("private-family-1").unwrap();
    family.subscribed().await.unwrap();

    // The token is rotated while the relay restarts on the same port.
    *token.lock().unwrap() = "token-2".into();
    *endpoint.accepted_token.lock().unwrap() = "token-2".into();
    relay.stop().await;
    let relay = RunningRelay::start_on(addr).await;

    // Subscribed again by itself, authorised with the new token (pusher-js#190).
    family.subscribed().await.unwrap();
    assert_eq!(
        endpoint
            .seen_tokens
            .lock()
            .unwrap()
            .last()
            .map(String::as_str),
        Some("token-2")
    );
    relay.publish("private-family-1", "timer:updated", "{}", None);
    assert_eq!(next_app_event(&mut family).await.event, "timer:updated");
    relay.stop().await;
}

#[tokio::test]
async fn a_4200_close_reconnects_at_once() {
    // With this seed and a 30 s backoff, a backed-off retry would wait long:
    // proof that the quick return below is the 4200 policy, not luck.
    let backoff = Backoff {
        base: Duration::from_secs(30),
        cap: Duration::from_secs(30),
    };
    let mut probe = SplitMix64::new(7);
    assert!(backoff.delay(0, &mut probe) > Duration::from_secs(3));

    let old = RunningRelay::start().await;
    let new = RunningRelay::start().await;
    let proxy = FaultProxy::start(old.addr).await.unwrap();
    let (_endpoint, url) = AuthEndpoint::start("t").await;
    let config = ClientConfig {
        backoff,
        ..ClientConfig::default()
    };
    let c = client(proxy.addr(), &url, Arc::new(Mutex::new("t".into())), config);
    let mut news = c.subscribe("news").unwrap();
    news.subscribed().await.unwrap();

    // New connections go to the new relay; the old one closes with 4200.
    proxy.set_upstream(new.addr);
    let started = tokio::time::Instant::now();
    old.stop().await;
    news.subscribed().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "back within {:?}",
        started.elapsed()
    );
    new.publish("news", "after", "{}", None);
    assert_eq!(next_app_event(&mut news).await.event, "after");
    new.stop().await;
}

#[tokio::test]
async fn a_silent_link_is_detected_by_the_pong_timeout() {
    let relay = RunningRelay::start().await;
    let proxy = FaultProxy::start(relay.addr).await.unwrap();
    let (_endpoint, url) = AuthEndpoint::start("t").await;
    let config = ClientConfig {
        activity_timeout: Duration::from_millis(300),
        pong_timeout: Duration::from_millis(300),
        backoff: Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(300),
        },
        ..ClientConfig::default()
    };
    let c = client(proxy.addr(), &url, Arc::new(Mutex::new("t".into())), config);
    let mut news = c.subscribe("news").unwrap();
    news.subscribed().await.unwrap();
    let first_socket = c.socket_id().unwrap();

    proxy.blackhole();
    let mut state = c.state();
    tokio::time::timeout(WAIT, state.wait_for(|s| *s != ConnectionState::Connected))
        .await
        .expect("the dead link is noticed")
        .unwrap();
    proxy.restore();
    news.subscribed().await.unwrap();
    let second_socket = c.socket_id().unwrap();
    assert_ne!(first_socket, second_socket, "a new connection");
    relay.publish("news", "after", "{}", None);
    assert_eq!(next_app_event(&mut news).await.event, "after");
    relay.stop().await;
}

#[tokio::test]
async fn dropping_the_last_handle_closes_the_connection() {
    let relay = RunningRelay::start().await;
    let (_endpoint, url) = AuthEndpoint::start("t").await;
    let c = client(
        relay.addr,
        &url,
        Arc::new(Mutex::new("t".into())),
        ClientConfig::default(),
    );
    let clone = c.clone();
    let mut news = c.subscribe("news").unwrap();
    news.subscribed().await.unwrap();
    assert_eq!(relay.relay.connection_count(), 1);
    drop(c);
    // One handle left: still connected.
    assert_eq!(*clone.state().borrow(), ConnectionState::Connected);
    drop(clone);
    // The subscription alone does not keep it alive.
    eventually("the socket to close", WAIT, || async {
        (relay.relay.connection_count() == 0).then_some(())
    })
    .await;
    assert!(
        tokio::time::timeout(WAIT, news.next())
            .await
            .unwrap()
            .is_none()
    );
    relay.stop().await;
}

#[tokio::test]
async fn invalid_channel_names_are_refused_up_front() {
    let relay = RunningRelay::start().await;
    let (_endpoint, url) = AuthEndpoint::start("t").await;
    let c = client(
        relay.addr,
        &url,
        Arc::new(Mutex::new("t".into())),
        ClientConfig::default(),
    );
    assert!(c.subscribe("has space").is_err());
    assert!(c.subscribe("#server-to-user-1").is_err());
    assert!(
        c.trigger("news", "client-x", "{}").await.is_err(),
        "public channels take no client events"
    );
    relay.stop().await;
}

/// Signs the user in with the app's secret after `delay`, logging when.
struct SlowSignin {
    delay: Duration,
    fail: bool,
    log: Arc<Mutex<Vec<&'static str>>>,
}

impl pusher_client::UserAuthenticator for SlowSignin {
    fn authenticate(&self, socket_id: &SocketId) -> pusher_client::SigninFuture {
        let (delay, fail, log) = (self.delay, self.fail, self.log.clone());
        let socket_id = socket_id.clone();
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            log.lock().unwrap().push("signed in");
            if fail {
                return Err(AuthorizeError::Status {
                    status: 401,
                    body: "revoked".into(),
                });
            }
            Ok(app().authenticate_user(&socket_id, r#"{"id":"kiosk-k1"}"#))
        })
    }
}

/// Authorises locally, logging when it was asked and whether the server
/// had confirmed the sign-in by then.
struct LoggingAuthorizer {
    log: Arc<Mutex<Vec<&'static str>>>,
    signed_in: Arc<Mutex<Option<tokio::sync::watch::Receiver<Option<String>>>>>,
}

impl ChannelAuthorizer for LoggingAuthorizer {
    fn authorize(&self, channel: &ChannelName, socket_id: &SocketId) -> AuthorizeFuture {
        let confirmed = self
            .signed_in
            .lock()
            .unwrap()
            .as_ref()
            .is_some_and(|w| w.borrow().is_some());
        self.log.lock().unwrap().push(if confirmed {
            "channel asked, signed in"
        } else {
            "channel asked"
        });
        LocalAuthorizer::new(app()).authorize(channel, socket_id)
    }
}

#[tokio::test]
async fn channels_are_asked_for_once_the_user_is_signed_in_and_all_the_same_when_it_fails() {
    let relay = RunningRelay::start().await;
    for fail in [false, true] {
        let log = Arc::new(Mutex::new(Vec::new()));
        let watch = Arc::new(Mutex::new(None));
        let client = PusherClient::connect(
            ClientOptions::new(
                Endpoint::host("127.0.0.1", relay.addr.port(), false),
                "test-key",
            )
            .authorizer(LoggingAuthorizer {
                log: log.clone(),
                signed_in: watch.clone(),
            })
            .user_authenticator(SlowSignin {
                delay: Duration::from_millis(300),
                fail,
                log: log.clone(),
            }),
        );
        *watch.lock().unwrap() = Some(client.signed_in());
        let mut family = client.subscribe("private-family-1").unwrap();
        // Well within the wait for an unconfirmed sign-in (5 s).
        tokio::time::timeout(Duration::from_secs(3), family.subscribed())
            .await
            .expect("subscribed")
            .unwrap();
        // A device whose access ends while it signs in is not let into a
        // channel unnamed: the channel waits for the server's confirmation
        // (or, when the sign-in fails, for that).
        let expected = if fail {
            ["signed in", "channel asked"]
        } else {
            ["signed in", "channel asked, signed in"]
        };
        assert_eq!(log.lock().unwrap()[..2], expected, "fail: {fail}");
        let signed_in = client.signed_in().borrow().clone();
        if fail {
            assert_eq!(signed_in, None);
        } else {
            assert_eq!(signed_in.as_deref(), Some(r#"{"id":"kiosk-k1"}"#));
        }
        client.disconnect();
    }
    relay.stop().await;
}
