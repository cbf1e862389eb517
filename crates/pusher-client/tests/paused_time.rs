//! The client's timers on paused tokio time: keepalive pings, the pong
//! timeout, the close-code policy and the reconnect backoff, each checked
//! to the millisecond of virtual time while the tests take milliseconds of
//! real time.
//!
//! A [`PipeConnector`] hands the client one end of a `tokio::io::duplex`
//! pipe per attempt and the test the other, where a scripted server speaks
//! WebSocket through tokio-tungstenite. With no real socket anywhere, the
//! runtime is idle whenever the client waits for a timer, and paused time
//! jumps straight to it.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use pusher_client::{ClientOptions, ConnectFuture, Connector, Endpoint, PusherClient, Transport};
use pusher_protocol::{ClientConfig, ConnectionState, Message, SocketId, SplitMix64, server};
use tokio::io::DuplexStream;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

const SEED: u64 = 11;

/// One connection attempt, as the server side sees it.
struct Dial {
    at: Instant,
    /// The server's end of the pipe; `None` when the attempt was refused.
    pipe: Option<DuplexStream>,
}

/// Gives the client in-memory pipes, or refuses them while `refuse` is set.
struct PipeConnector {
    dials: mpsc::UnboundedSender<Dial>,
    refuse: Arc<AtomicBool>,
}

impl Connector for PipeConnector {
    fn connect(&self, host: &str, port: u16) -> ConnectFuture {
        assert_eq!((host, port), ("pipe.test", 80), "dials the endpoint");
        let at = Instant::now();
        if self.refuse.load(Ordering::SeqCst) {
            self.dials.send(Dial { at, pipe: None }).ok();
            return Box::pin(async { Err(io::ErrorKind::ConnectionRefused.into()) });
        }
        let (client, server) = tokio::io::duplex(64 * 1024);
        self.dials
            .send(Dial {
                at,
                pipe: Some(server),
            })
            .ok();
        Box::pin(async move { Ok(Box::new(client) as Box<dyn Transport>) })
    }
}

/// The test's side of every attempt.
struct ScriptedServer {
    dials: mpsc::UnboundedReceiver<Dial>,
    refuse: Arc<AtomicBool>,
}

impl ScriptedServer {
    /// A client on pipes to a new scripted server.
    fn start(config: ClientConfig) -> (Self, PusherClient) {
        let (tx, dials) = mpsc::unbounded_channel();
        let refuse = Arc::new(AtomicBool::new(false));
        let connector = PipeConnector {
            dials: tx,
            refuse: refuse.clone(),
        };
        let mut options = ClientOptions::new(Endpoint::host("pipe.test", 80, false), "key")
            .config(config)
            .connector(connector);
        options.jitter_seed = Some(SEED);
        (Self { dials, refuse }, PusherClient::connect(options))
    }

    fn refuse(&self, refuse: bool) {
        self.refuse.store(refuse, Ordering::SeqCst);
    }

    async fn next_dial(&mut self) -> Dial {
        self.dials.recv().await.expect("the client is running")
    }

    /// Waits for the next attempt and completes its WebSocket handshake.
    async fn accept(&mut self) -> (Instant, Peer) {
        let dial = self.next_dial().await;
        let pipe = dial.pipe.expect("an accepted attempt");
        let ws = tokio_tungstenite::accept_async(pipe)
            .await
            .expect("WebSocket handshake");
        (dial.at, Peer { ws })
    }

    /// Whether the client has dialled since the last look.
    fn dialled(&mut self) -> bool {
        self.dials.try_recv().is_ok()
    }
}

/// The server end of one WebSocket.
struct Peer {
    ws: WebSocketStream<DuplexStream>,
}

impl Peer {
    async fn send(&mut self, message: &Message) {
        self.ws
            .send(WsMessage::text(message.encode()))
            .await
            .expect("send to the client");
    }

    async fn handshake(&mut self, socket_id: &str, activity_timeout: u64) {
        let id = SocketId::parse(socket_id).unwrap();
        self.send(&server::connection_established(&id, activity_timeout))
            .await;
    }

    /// The next Pusher message, or `None` once the client closed the socket.
    async fn recv(&mut self) -> Option<Message> {
        loop {
            match self.ws.next().await? {
                Ok(WsMessage::Text(text)) => return Some(Message::decode(&text).unwrap()),
                Ok(WsMessage::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }

    async fn close(&mut self, code: u16) {
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: "".into(),
        };
        self.ws.close(Some(frame)).await.ok();
    }
}

/// Virtual durations land on tokio's millisecond timer ticks.
#[track_caller]
fn assert_near(actual: Duration, expected: Duration) {
    let slack = Duration::from_millis(2);
    assert!(
        actual >= expected && actual <= expected + slack,
        "expected {expected:?}, got {actual:?}"
    );
}

async fn connected(client: &PusherClient) {
    client.wait_for(ConnectionState::Connected).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn keepalive_pings_after_the_activity_timeout_and_reconnects_without_a_pong() {
    let real = std::time::Instant::now();
    let (mut server, client) = ScriptedServer::start(ClientConfig::default());
    let (_, mut peer) = server.accept().await;
    let t0 = Instant::now();
    peer.handshake("1.1", 120).await;
    connected(&client).await;

    // 120 s of silence: the client pings.
    assert_eq!(peer.recv().await, Some(Message::Ping));
    assert_near(t0.elapsed(), Duration::from_secs(120));

    // No pong within 30 s: the socket is dropped and a new one dialled at once.
    let (at, mut second) = server.accept().await;
    assert_near(at - t0, Duration::from_secs(150));
    assert_eq!(peer.recv().await, None, "the dead socket is closed");
    assert_ne!(*client.state().borrow(), ConnectionState::Connected);
    second.handshake("2.2", 120).await;
    connected(&client).await;
    assert_eq!(client.socket_id().unwrap().as_str(), "2.2");

    assert!(
        real.elapsed() < Duration::from_secs(10),
        "150 virtual seconds took {:?} of real time",
        real.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn the_shorter_activity_timeout_wins_and_a_pong_in_time_keeps_the_socket() {
    let (mut server, client) = ScriptedServer::start(ClientConfig::default());
    let (_, mut peer) = server.accept().await;
    let t0 = Instant::now();
    peer.handshake("1.1", 30).await; // soketi's 30 s, under the client's 120 s
    connected(&client).await;
    assert_eq!(peer.recv().await, Some(Message::Ping));
    assert_near(t0.elapsed(), Duration::from_secs(30));

    // The peer is slow but within the pong timeout.
    tokio::time::sleep(Duration::from_secs(29)).await;
    let answered = Instant::now();
    peer.send(&Message::Pong).await;
    assert_eq!(peer.recv().await, Some(Message::Ping));
    assert_near(answered.elapsed(), Duration::from_secs(30));
    assert!(!server.dialled(), "no reconnect");
    assert_eq!(*client.state().borrow(), ConnectionState::Connected);

    // A server ping is answered, and counts as activity.
    peer.send(&Message::Ping).await;
    assert_eq!(peer.recv().await, Some(Message::Pong));
}

#[tokio::test(start_paused = true)]
async fn reconnect_delays_follow_the_jittered_backoff() {
    let config = ClientConfig::default();
    let backoff = config.backoff;
    let (mut server, client) = ScriptedServer::start(config);
    server.refuse(true);

    // Every attempt is refused: the gaps between dials are the backoff
    // delays drawn from the same seed, attempt after attempt.
    let mut rng = SplitMix64::new(SEED);
    let expected: Vec<Duration> = (0..8).map(|a| backoff.delay(a, &mut rng)).collect();
    let mut previous = server.next_dial().await.at;
    let started = previous;
    for (attempt, delay) in expected.iter().enumerate() {
        let dial = server.next_dial().await;
        assert!(dial.pipe.is_none());
        let gap = dial.at - previous;
        assert!(
            gap >= *delay && gap <= *delay + Duration::from_millis(2),
            "attempt {attempt}: waited {gap:?}, backoff says {delay:?}"
        );
        assert!(gap <= backoff.ceiling(attempt as u32) + Duration::from_millis(2));
        previous = dial.at;
    }
    assert!(started.elapsed() > Duration::from_secs(10));
    assert_eq!(*client.state().borrow(), ConnectionState::Unavailable);

    // The server comes back; after a handshake the count starts over, so
    // a dropped socket is retried within the first ceiling (1 s).
    server.refuse(false);
    let (_, mut peer) = server.accept().await;
    peer.handshake("1.1", 120).await;
    connected(&client).await;
    let dropped = Instant::now();
    drop(peer);
    let dial = server.next_dial().await;
    assert!(
        dial.at - dropped <= backoff.ceiling(0) + Duration::from_millis(2),
        "{:?}",
        dial.at - dropped
    );
}

#[tokio::test(start_paused = true)]
async fn close_codes_on_virtual_time() {
    let (mut server, client) = ScriptedServer::start(ClientConfig::default());

    // 4200 on an established socket: back at once.
    let (_, mut peer) = server.accept().await;
    peer.handshake("1.1", 120).await;
    connected(&client).await;
    let closed = Instant::now();
    peer.close(4200).await;
    let (at, mut peer) = server.accept().await;
    assert_near(at - closed, Duration::ZERO);

    // 4200 before the handshake (a relay shutting down): backed off, and
    // the wait grows with each refused attempt instead of a 0 ms loop.
    let mut waited = Duration::ZERO;
    for _ in 0..6 {
        let closed = Instant::now();
        peer.close(4200).await;
        let (at, next) = server.accept().await;
        waited += at - closed;
        peer = next;
    }
    assert!(waited > Duration::from_secs(5), "waited {waited:?} in all");

    // 4100 (over capacity): never sooner than 1 s, even for the luckiest draw.
    peer.handshake("2.2", 120).await;
    connected(&client).await;
    let closed = Instant::now();
    peer.close(4100).await;
    let (at, mut peer) = server.accept().await;
    let gap = at - closed;
    assert!(
        gap >= Duration::from_secs(1) && gap <= Duration::from_millis(2002),
        "{gap:?}"
    );

    // 4009 (unauthorised): never retried.
    peer.handshake("3.3", 120).await;
    connected(&client).await;
    peer.close(4009).await;
    client
        .wait_for(ConnectionState::Disconnected)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(!server.dialled(), "no retry in an hour");
}

/// Signs in at once with a fixed signature (the scripted server checks
/// nothing).
struct InstantSignin;

impl pusher_client::UserAuthenticator for InstantSignin {
    fn authenticate(&self, _socket_id: &SocketId) -> pusher_client::SigninFuture {
        Box::pin(async {
            Ok(pusher_protocol::UserAuthentication {
                auth: "key:sig".into(),
                user_data: r#"{"id":"kiosk-k1"}"#.into(),
            })
        })
    }
}

#[tokio::test(start_paused = true)]
async fn an_unconfirmed_signin_holds_the_channels_five_seconds_and_no_longer() {
    let (tx, dials) = mpsc::unbounded_channel();
    let refuse = Arc::new(AtomicBool::new(false));
    let mut server = ScriptedServer {
        dials,
        refuse: refuse.clone(),
    };
    let options = ClientOptions::new(Endpoint::host("pipe.test", 80, false), "key")
        .connector(PipeConnector { dials: tx, refuse })
        .authorizer(pusher_client::LocalAuthorizer::new(
            pusher_protocol::AppCredentials::new("1", "key", "secret"),
        ))
        .user_authenticator(InstantSignin);
    let client = PusherClient::connect(options);
    let _family = client.subscribe("private-family-1").unwrap();
    let (_, mut peer) = server.accept().await;
    peer.handshake("1.1", 120).await;
    let t0 = Instant::now();
    match peer.recv().await {
        Some(Message::Signin { user_data, .. }) => assert_eq!(user_data, r#"{"id":"kiosk-k1"}"#),
        other => panic!("expected pusher:signin first, got {other:?}"),
    }
    // The server never confirms: the channel is asked for after the wait.
    match peer.recv().await {
        Some(Message::Subscribe(s)) => assert_eq!(s.channel, "private-family-1"),
        other => panic!("expected the subscription, got {other:?}"),
    }
    assert_near(t0.elapsed(), Duration::from_secs(5));
}
