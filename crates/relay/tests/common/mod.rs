//! What the relay's integration tests share: a relay on 127.0.0.1:0, a raw
//! tokio-tungstenite client that speaks the protocol, and a raw HTTP/1.1
//! client for signed API calls. Every wait has a deadline; nothing sleeps
//! for a fixed time.

#![allow(dead_code, unreachable_pub)] // each test file uses a different part

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use kinboard_relay::{Relay, RelayConfig, serve};
use pusher_protocol::{AppCredentials, ChannelName, Message, SocketId};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message as Ws;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any single expected thing may take before a test fails.
pub const DEADLINE: Duration = Duration::from_secs(10);

pub fn app() -> AppCredentials {
    AppCredentials::new("42", "test-key", "test-secret")
}

pub fn config() -> RelayConfig {
    let mut config = RelayConfig::new(app());
    // Tests that close sockets should not wait long for peers that never
    // answer.
    config.close_timeout = Duration::from_secs(2);
    config.shutdown_spread = Duration::from_millis(200);
    config
}

pub struct TestRelay {
    pub relay: Relay,
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestRelay {
    pub async fn start(config: RelayConfig) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let relay = Relay::new(config);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, relay.clone(), async move {
            let _ = stopped.await;
        }));
        Self {
            relay,
            addr,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub async fn default() -> Self {
        Self::start(config()).await
    }

    /// Stops `serve` (which closes every socket with 4200) and waits for it.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(DEADLINE, task)
                .await
                .expect("serve returns after shutdown")
                .unwrap()
                .unwrap();
        }
    }

    pub async fn client(&self) -> Client {
        Client::connect(self.addr).await
    }

    /// Waits until the relay holds `n` sockets.
    pub async fn wait_for_connections(&self, n: usize) {
        kinboard_testkit::eventually("the connection count", DEADLINE, || async {
            let count = self.relay.connection_count();
            if count == n {
                Ok(())
            } else {
                Err(format!("{count} connections, want {n}"))
            }
        })
        .await;
    }

    pub async fn api(
        &self,
        method: &str,
        path: &str,
        params: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        signed_request(self.addr, &app(), method, path, params, body, now()).await
    }

    pub async fn trigger(&self, channel: &str, event: &str, data: &str) {
        let body = json!({ "name": event, "channels": [channel], "data": data }).to_string();
        let (status, reply) = self.api("POST", "/apps/42/events", &[], &body).await;
        assert_eq!(status, 200, "{reply}");
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What a client saw instead of the frame it waited for.
#[derive(Debug)]
pub enum Seen {
    Closed(Option<CloseFrame>),
    Ended,
}

pub struct Client {
    pub ws: Socket,
    pub socket_id: SocketId,
}

impl Client {
    /// Connects with protocol 7 and waits for the handshake.
    pub async fn connect(addr: SocketAddr) -> Self {
        let ws = open(addr, "/app/test-key?protocol=7&client=js&version=8.4.0").await;
        let mut client = Self {
            ws,
            socket_id: SocketId::from_parts(0, 0),
        };
        match client.recv().await {
            Message::ConnectionEstablished(established) => {
                assert!(established.activity_timeout.unwrap() >= 1);
                client.socket_id = SocketId::parse(established.socket_id).unwrap();
            }
            other => panic!("expected connection_established, got {other:?}"),
        }
        client
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Ws::text(text)).await.unwrap();
    }

    pub async fn send(&mut self, message: &Message) {
        self.send_text(&message.encode()).await;
    }

    pub async fn send_json(&mut self, value: Value) {
        self.send_text(&value.to_string()).await;
    }

    /// The next protocol frame, or what ended the socket.
    pub async fn next(&mut self) -> Result<Message, Seen> {
        loop {
            let frame = tokio::time::timeout(DEADLINE, self.ws.next())
                .await
                .expect("timed out waiting for a frame");
            match frame {
                Some(Ok(Ws::Text(text))) => {
                    return Ok(Message::decode(&text).unwrap_or_else(|e| {
                        panic!("relay sent an undecodable frame {text}: {e}")
                    }));
                }
                Some(Ok(Ws::Close(frame))) => return Err(Seen::Closed(frame)),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Err(Seen::Ended),
            }
        }
    }

    pub async fn recv(&mut self) -> Message {
        match self.next().await {
            Ok(message) => message,
            Err(seen) => panic!("expected a frame, socket {seen:?}"),
        }
    }

    /// Reads until the socket closes; returns the close code.
    pub async fn closed(&mut self) -> Option<u16> {
        loop {
            match self.next().await {
                Ok(_) => {}
                Err(Seen::Closed(frame)) => return frame.map(|f| u16::from(f.code)),
                Err(Seen::Ended) => return None,
            }
        }
    }

    /// Proves nothing is queued for this socket: a ping's pong is the next
    /// frame (the relay answers in order, so anything queued before would
    /// arrive first).
    pub async fn expect_nothing_pending(&mut self) {
        self.send(&Message::Ping).await;
        match self.recv().await {
            Message::Pong => {}
            other => panic!("expected nothing before the pong, got {other:?}"),
        }
    }

    pub async fn subscribe_raw(
        &mut self,
        channel: &str,
        auth: Option<String>,
        data: Option<String>,
    ) {
        self.send(&Message::Subscribe(pusher_protocol::message::Subscribe {
            channel: channel.into(),
            auth,
            channel_data: data,
        }))
        .await;
    }

    /// Subscribes (signing private and presence channels) and waits for
    /// `subscription_succeeded`; returns it.
    pub async fn subscribe(&mut self, channel: &str) -> Message {
        self.subscribe_as(channel, None).await
    }

    pub async fn subscribe_as(&mut self, channel: &str, channel_data: Option<&str>) -> Message {
        let name = ChannelName::parse(channel).unwrap();
        let auth = name.kind().requires_auth().then(|| {
            app()
                .authorize_channel(&self.socket_id, &name, channel_data)
                .auth
        });
        self.subscribe_raw(channel, auth, channel_data.map(str::to_owned))
            .await;
        let mut reply = self.recv().await;
        while reply == Message::Ping {
            self.send(&Message::Pong).await;
            reply = self.recv().await;
        }
        match &reply {
            Message::SubscriptionSucceeded { channel: c, .. } if c == channel => reply,
            other => panic!("expected subscription_succeeded for {channel}, got {other:?}"),
        }
    }

    /// Reads frames until an application or client event named `event`.
    pub async fn event(&mut self, event: &str) -> pusher_protocol::AppEvent {
        loop {
            match self.recv().await {
                Message::Event(e) | Message::ClientEvent(e) if e.event == event => return e,
                Message::Event(_) | Message::ClientEvent(_) => {}
                Message::Ping => self.send(&Message::Pong).await,
                _ => {}
            }
        }
    }
}

pub async fn open(addr: SocketAddr, path: &str) -> Socket {
    let url = format!("ws://{addr}{path}");
    let (ws, _) = tokio::time::timeout(DEADLINE, tokio_tungstenite::connect_async(url))
        .await
        .expect("timed out connecting")
        .expect("WebSocket handshake");
    ws
}

/// A signed HTTP API request, as pusher-http-node sends it.
pub async fn signed_request(
    addr: SocketAddr,
    app: &AppCredentials,
    method: &str,
    path: &str,
    params: &[(&str, &str)],
    body: &str,
    timestamp: u64,
) -> (u16, String) {
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let query = app.sign_request(method, path, &params, body.as_bytes(), timestamp);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    http(addr, method, &format!("{path}?{query}"), body).await
}

/// One HTTP/1.1 request on a fresh connection; returns the status and body.
pub async fn http(addr: SocketAddr, method: &str, target: &str, body: &str) -> (u16, String) {
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    raw_http(addr, request.as_bytes(), false).await
}

/// Sends raw bytes (optionally shutting down the write side after them)
/// and parses whatever HTTP response comes back.
pub async fn raw_http(addr: SocketAddr, request: &[u8], half_close: bool) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    if half_close {
        stream.shutdown().await.unwrap();
    }
    let mut response = Vec::new();
    tokio::time::timeout(DEADLINE, stream.read_to_end(&mut response))
        .await
        .expect("timed out reading the response")
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}
