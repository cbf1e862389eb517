//! One WebSocket, from the upgrade at `/app/{key}` to its close: the
//! handshake checks, the reader (this task) that turns client frames into
//! registry calls, and the writer task that drains the socket's
//! [`Outbox`](crate::outbox::Outbox).
//!
//! The reader owns the socket's subscriptions and keepalive timers; the
//! writer owns the sink. They meet only at the outbox: the reader (and any
//! broadcast) pushes frames or asks for a close, the writer sends them.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use pusher_protocol::message::{AppEvent, Subscribe, SubscriptionErrorData};
use pusher_protocol::names::{self, MAX_USER_ID_LEN, MAX_USER_INFO_BYTES};
use pusher_protocol::{ChannelKind, ChannelName, Message, SocketId, close_code, server};
use serde::Deserialize;
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::Shared;
use crate::outbox::{Close, Next};
use crate::rate::TokenBucket;
use crate::registry::{Conn, NewMember};

/// WebSocket close codes the relay uses besides Pusher's own.
const MESSAGE_TOO_BIG: u16 = 1009;
const PROTOCOL_ERROR: u16 = 1002;
const INVALID_PAYLOAD: u16 = 1007;

/// `GET /app/{key}?protocol=7…`: upgrades with small per-socket buffers.
pub(crate) async fn upgrade(
    State(shared): State<Arc<Shared>>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
    ws: WebSocketUpgrade,
) -> Response {
    let protocol = query.as_deref().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "protocol")
            .map(|(_, v)| v.into_owned())
    });
    let config = &shared.config;
    ws.read_buffer_size(config.ws_read_buffer_bytes)
        // Write each frame straight through: a buffer that only fills on a
        // burst is still a buffer per socket, and latency matters more.
        .write_buffer_size(0)
        .max_message_size(config.max_frame_bytes)
        .max_frame_size(config.max_frame_bytes)
        .on_upgrade(move |socket| run(socket, shared, key, protocol))
}

async fn run(socket: WebSocket, shared: Arc<Shared>, key: String, protocol: Option<String>) {
    let refusal = if key != shared.config.app.key {
        Some(Close::new(close_code::APP_NOT_FOUND))
    } else if let Err(refusal) = server::check_protocol(protocol.as_deref()) {
        Some(Close {
            code: refusal.code,
            reason: refusal.reason,
        })
    } else if shared.is_shutting_down() {
        Some(Close::new(close_code::RECONNECT))
    } else {
        None
    };
    if let Some(close) = refusal {
        tracing::debug!(code = close.code, "refusing a socket");
        return refuse(socket, close, shared.config.close_timeout).await;
    }
    let config = &shared.config;
    let Some(conn) = shared
        .registry
        .register(config.send_queue, config.max_connections)
    else {
        tracing::warn!(
            max = config.max_connections,
            "connection limit reached; refusing with 4100"
        );
        return refuse(
            socket,
            Close::new(close_code::OVER_CAPACITY),
            config.close_timeout,
        )
        .await;
    };
    let socket_id = shared.registry.socket_id(conn.id);
    tracing::debug!(%socket_id, "socket connected");
    let _ = conn.outbox.push(
        server::connection_established(&socket_id, config.activity_timeout_secs())
            .encode()
            .into(),
    );

    let (sink, stream) = socket.split();
    let writer = tokio::spawn(write_loop(sink, Arc::clone(&conn), config.close_timeout));
    let mut session = Session {
        bucket: TokenBucket::new(config.client_events_per_second, Instant::now()),
        shared: Arc::clone(&shared),
        conn,
        socket_id,
        subscriptions: Vec::new(),
    };
    session.run(stream, writer).await;
}

/// Tells a refused client why (a `pusher:error` with the code, as Pusher
/// does) and closes with that code.
async fn refuse(mut socket: WebSocket, close: Close, close_timeout: Duration) {
    let error = server::error(Some(close.code), close.reason).encode();
    let _ = tokio::time::timeout(close_timeout, async {
        socket.send(WsMessage::Text(error.into())).await?;
        socket
            .send(WsMessage::Close(Some(close_frame(close))))
            .await?;
        // Wait for the client's close reply so it sees a clean close.
        while let Some(Ok(_)) = socket.recv().await {}
        Ok::<_, axum::Error>(())
    })
    .await;
}

fn close_frame(close: Close) -> CloseFrame {
    CloseFrame {
        code: close.code,
        reason: close.reason.into(),
    }
}

/// Sends what the outbox holds until it asks for a close; then sends the
/// close frame, giving up after `close_timeout` on a client that does not
/// read.
async fn write_loop(
    mut sink: SplitSink<WebSocket, WsMessage>,
    conn: Arc<Conn>,
    close_timeout: Duration,
) {
    let close = loop {
        match conn.outbox.next().await {
            Next::Frame(frame) => {
                tokio::select! {
                    biased;
                    sent = sink.send(WsMessage::Text(frame)) => {
                        if sent.is_err() {
                            // The peer is gone: stop queueing for it.
                            conn.outbox.close(Close::new(1006));
                            return;
                        }
                    }
                    // A client that stopped reading blocks the send; a
                    // close (4100, 4200…) must still get through.
                    close = conn.outbox.closing() => break close,
                }
            }
            Next::Close(close) => break close,
        }
    };
    if close.code == 1006 {
        return;
    }
    let _ = tokio::time::timeout(
        close_timeout,
        sink.send(WsMessage::Close(Some(close_frame(close)))),
    )
    .await;
}

/// How the reader's loop ended.
enum End {
    /// The writer finished: a close was sent, or the peer is gone.
    WriterDone,
    /// The client sent a close frame.
    PeerClosed,
    /// The stream ended or failed; nothing more can be read.
    PeerGone,
}

/// A subscription as the socket holds it: the channel and, on presence
/// channels, the user it joined as.
struct Subscription {
    channel: ChannelName,
    user_id: Option<String>,
}

struct Session {
    shared: Arc<Shared>,
    conn: Arc<Conn>,
    socket_id: SocketId,
    /// A socket has a handful of channels; a vector is smaller than a map.
    subscriptions: Vec<Subscription>,
    bucket: TokenBucket,
}

impl Session {
    async fn run(&mut self, mut stream: SplitStream<WebSocket>, mut writer: JoinHandle<()>) {
        let end = self.read_loop(&mut stream, &mut writer).await;
        // Out of the registry first, so broadcasts stop at once and
        // presence peers hear that the user left.
        self.shared.registry.deregister(
            self.conn.id,
            self.subscriptions
                .iter()
                .map(|s| (s.channel.as_str(), s.user_id.as_deref())),
        );
        self.shared.notify_if_drained();
        let close_timeout = self.shared.config.close_timeout;
        match end {
            End::PeerClosed => {
                writer.abort();
                // Reading on flushes tungstenite's close reply.
                let _ = tokio::time::timeout(close_timeout, stream.next()).await;
            }
            End::PeerGone => writer.abort(),
            End::WriterDone => {
                // Our close frame is out: give the client a moment to answer
                // it, so it sees a clean close rather than a dropped socket.
                let _ = tokio::time::timeout(close_timeout, async {
                    while let Some(Ok(_)) = stream.next().await {}
                })
                .await;
            }
        }
        tracing::debug!(socket_id = %self.socket_id, "socket closed");
    }

    async fn read_loop(
        &mut self,
        stream: &mut SplitStream<WebSocket>,
        writer: &mut JoinHandle<()>,
    ) -> End {
        let activity = self.shared.config.activity_timeout;
        let pong = self.shared.config.pong_timeout;
        let mut last_seen = Instant::now();
        let mut ping_sent: Option<Instant> = None;
        let timer = tokio::time::sleep_until(last_seen + activity);
        tokio::pin!(timer);
        loop {
            let deadline = match ping_sent {
                None => last_seen + activity,
                Some(at) => at + pong,
            };
            if timer.deadline() != deadline {
                timer.as_mut().reset(deadline);
            }
            tokio::select! {
                biased;
                _ = &mut *writer => return End::WriterDone,
                frame = stream.next() => {
                    let frame = match frame {
                        None => return End::PeerGone,
                        Some(Ok(frame)) => frame,
                        Some(Err(e)) => return self.read_failed(&e, writer).await,
                    };
                    // Any frame proves the client is alive.
                    last_seen = Instant::now();
                    ping_sent = None;
                    match frame {
                        WsMessage::Text(text) => self.handle_text(&text),
                        WsMessage::Binary(_) => self.reply_error(
                            None,
                            "binary frames are not supported; send JSON text frames",
                        ),
                        WsMessage::Ping(_) | WsMessage::Pong(_) => {}
                        WsMessage::Close(_) => return End::PeerClosed,
                    }
                }
                () = &mut timer => {
                    if ping_sent.is_none() {
                        self.reply(&Message::Ping);
                        ping_sent = Some(Instant::now());
                    } else {
                        tracing::debug!(socket_id = %self.socket_id, "no pong; closing with 4201");
                        self.conn.outbox.close(Close::new(close_code::PONG_NOT_RECEIVED));
                        return self.await_writer(writer).await;
                    }
                }
            }
        }
    }

    /// The stream failed. A frame over the size limit gets 1009, a
    /// malformed one 1002 or 1007, so the client learns why; an I/O error
    /// means the peer is gone. Either way nothing more is read.
    async fn read_failed(&mut self, error: &axum::Error, writer: &mut JoinHandle<()>) -> End {
        // axum wraps tungstenite's error without exposing its kind; its
        // message names it.
        let text = error.to_string();
        let close = if text.starts_with("Space limit exceeded") {
            Close {
                code: MESSAGE_TOO_BIG,
                reason: "frame too large",
            }
        } else if text.starts_with("WebSocket protocol error") {
            Close {
                code: PROTOCOL_ERROR,
                reason: "protocol error",
            }
        } else if text.starts_with("UTF-8 encoding error") {
            Close {
                code: INVALID_PAYLOAD,
                reason: "text frame is not UTF-8",
            }
        } else {
            tracing::debug!(socket_id = %self.socket_id, %error, "socket dropped");
            return End::PeerGone;
        };
        tracing::debug!(socket_id = %self.socket_id, %error, code = close.code, "bad frame; closing");
        self.conn.outbox.close(close);
        self.await_writer(writer).await;
        End::PeerGone
    }

    async fn await_writer(&self, writer: &mut JoinHandle<()>) -> End {
        // The writer gives up on its own after close_timeout.
        let _ = writer.await;
        End::WriterDone
    }

    fn reply(&self, message: &Message) {
        let _ = self.conn.outbox.push(message.encode().into());
    }

    fn reply_error(&self, code: Option<u16>, message: impl Into<String>) {
        self.reply(&server::error(code, message));
    }

    /// Refuses a subscription: a `pusher:error` (what pusher-js surfaces)
    /// and a `pusher:subscription_error` on the channel (what tells it
    /// which subscription failed). The socket stays open.
    fn refuse_subscription(&self, channel: &str, status: u16, message: String) {
        self.reply_error(None, message.clone());
        let kind = if status == 401 {
            "AuthError"
        } else {
            "SubscriptionError"
        };
        self.reply(&Message::SubscriptionError {
            channel: channel.to_owned(),
            error: SubscriptionErrorData {
                kind: kind.to_owned(),
                error: message,
                status: Some(status),
            },
        });
    }

    fn handle_text(&mut self, text: &str) {
        let message = match Message::decode(text) {
            Ok(message) => message,
            Err(e) => return self.reply_error(None, e.to_string()),
        };
        match message {
            Message::Ping => self.reply(&Message::Pong),
            Message::Pong => {}
            Message::Subscribe(subscribe) => self.subscribe(subscribe),
            Message::Unsubscribe { channel } => self.unsubscribe(&channel),
            Message::ClientEvent(event) => self.client_event(event),
            Message::Signin { auth, user_data } => self.signin(&auth, user_data),
            other => self.reply_error(
                None,
                format!(
                    "unsupported event {:?}: clients may send pusher:subscribe, pusher:unsubscribe, pusher:signin, pusher:ping, pusher:pong and client- events",
                    other.event_name()
                ),
            ),
        }
    }

    /// `pusher:signin`: signed by the app for this socket and this
    /// `user_data` (a JSON object with a string `id`), the socket is that
    /// user's from now on — the HTTP API can end all of one user's sockets.
    /// A signin that fails gets a `pusher:error`; the socket stays, as a
    /// user of nobody.
    fn signin(&mut self, auth: &str, user_data: String) {
        if let Err(e) =
            self.shared
                .config
                .app
                .verify_user_auth(&self.socket_id, Some(auth), &user_data)
        {
            return self.reply_error(None, format!("signin refused: {e}"));
        }
        let id = serde_json::from_str::<Value>(&user_data)
            .ok()
            .and_then(|v| v.get("id")?.as_str().map(str::to_owned))
            .filter(|id| !id.is_empty());
        let Some(id) = id else {
            return self.reply_error(
                None,
                "signin refused: user_data must be a JSON object with a string id",
            );
        };
        tracing::debug!(socket_id = %self.socket_id, user = %id, "signed in");
        *self.conn.user.lock().unwrap_or_else(|e| e.into_inner()) = Some(id);
        self.reply(&Message::SigninSuccess { user_data });
    }

    fn subscription(&self, channel: &str) -> Option<&Subscription> {
        self.subscriptions
            .iter()
            .find(|s| s.channel.as_str() == channel)
    }

    fn subscribe(&mut self, request: Subscribe) {
        let channel = match ChannelName::parse(request.channel.as_str()) {
            Ok(channel) => channel,
            Err(e) => return self.refuse_subscription(&request.channel, 400, e.to_string()),
        };
        if channel.kind() == ChannelKind::Public && !self.shared.config.public_channels {
            return self.refuse_subscription(
                channel.as_str(),
                403,
                "public channels are not enabled on this relay".to_owned(),
            );
        }
        let known = self.subscription(channel.as_str()).is_some();
        let max = self.shared.config.max_channels_per_connection;
        if !known && self.subscriptions.len() >= max {
            return self.refuse_subscription(
                channel.as_str(),
                400,
                format!("a socket may be subscribed to at most {max} channels"),
            );
        }
        if channel.kind().requires_auth()
            && let Err(e) = self.shared.config.app.verify_channel_auth(
                &self.socket_id,
                &channel,
                request.auth.as_deref(),
                request.channel_data.as_deref(),
            )
        {
            return self.refuse_subscription(channel.as_str(), 401, e.to_string());
        }
        let member = if channel.kind() == ChannelKind::Presence {
            match parse_channel_data(request.channel_data.as_deref().unwrap_or_default()) {
                Ok(member) => Some(member),
                Err(message) => return self.refuse_subscription(channel.as_str(), 400, message),
            }
        } else {
            None
        };
        if known {
            // Already in: the registry answers again and changes nothing.
            let _ = self.shared.registry.subscribe(&self.conn, &channel, member);
            return;
        }
        let user_id = member.as_ref().map(|m| m.user_id.clone());
        match self.shared.registry.subscribe(&self.conn, &channel, member) {
            Ok(()) => self.subscriptions.push(Subscription { channel, user_id }),
            Err(e) => self.refuse_subscription(channel.as_str(), 403, e.to_string()),
        }
    }

    fn unsubscribe(&mut self, channel: &str) {
        if let Some(i) = self
            .subscriptions
            .iter()
            .position(|s| s.channel.as_str() == channel)
        {
            let sub = self.subscriptions.swap_remove(i);
            self.shared
                .registry
                .unsubscribe(self.conn.id, channel, sub.user_id.as_deref());
        }
    }

    fn client_event(&mut self, event: AppEvent) {
        if !self.shared.config.client_events {
            return self.reply_error(
                None,
                format!(
                    "Client event rejected - client events are not enabled on this relay ({})",
                    event.event
                ),
            );
        }
        let Some(channel) = event.channel.as_deref() else {
            return self.reply_error(None, format!("client event {} has no channel", event.event));
        };
        let Some(sub) = self.subscription(channel) else {
            return self.reply_error(
                None,
                format!("Client event rejected - not subscribed to channel {channel}"),
            );
        };
        let (kind, user_id) = (sub.channel.kind(), sub.user_id.clone());
        if !kind.allows_client_events() {
            return self.reply_error(
                None,
                format!(
                    "Client event rejected - client events are only allowed on private and presence channels, not {channel}"
                ),
            );
        }
        if let Err(e) = names::validate_event_name(&event.event)
            .and_then(|()| names::validate_event_data(event.data.as_deref().unwrap_or_default()))
        {
            return self.reply_error(None, format!("Client event rejected - {e}"));
        }
        if !self.bucket.take(Instant::now()) {
            return self.reply_error(
                Some(close_code::CLIENT_EVENT_RATE_LIMIT),
                format!(
                    "Client event rejected - rate limit of {} per second exceeded",
                    self.shared.config.client_events_per_second
                ),
            );
        }
        let frame = Message::ClientEvent(AppEvent {
            event: event.event,
            channel: Some(channel.to_owned()),
            data: event.data,
            // Peers on a presence channel learn who sent it.
            user_id,
        })
        .encode();
        // Never echoed to the sender.
        self.shared
            .registry
            .broadcast(channel, &frame.into(), Some(self.conn.id));
    }
}

/// A presence subscription's `channel_data`: `{"user_id", "user_info"?}`,
/// where `user_id` may be a string or a number.
fn parse_channel_data(text: &str) -> Result<NewMember, String> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum UserId {
        Text(String),
        Number(serde_json::Number),
    }
    #[derive(Deserialize)]
    struct ChannelData {
        user_id: UserId,
        #[serde(default)]
        user_info: Option<Value>,
    }
    let data: ChannelData = serde_json::from_str(text)
        .map_err(|e| format!("channel_data must be JSON with a user_id: {e}"))?;
    let user_id = match data.user_id {
        UserId::Text(s) => s,
        UserId::Number(n) => n.to_string(),
    };
    if user_id.is_empty() || user_id.chars().count() > MAX_USER_ID_LEN {
        return Err(format!(
            "user_id must be 1 to {MAX_USER_ID_LEN} characters long"
        ));
    }
    if let Some(info) = &data.user_info {
        let size = info.to_string().len();
        if size > MAX_USER_INFO_BYTES {
            return Err(format!(
                "user_info is {size} bytes; the limit is {MAX_USER_INFO_BYTES}"
            ));
        }
    }
    Ok(NewMember {
        user_id,
        user_info: data.user_info,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_data_accepts_string_and_number_ids() {
        let m =
            parse_channel_data(r#"{"user_id":10,"user_info":{"name":"Mr. Channels"}}"#).unwrap();
        assert_eq!(m.user_id, "10");
        assert_eq!(m.user_info.unwrap()["name"], "Mr. Channels");
        let m = parse_channel_data(r#"{"user_id":"ada"}"#).unwrap();
        assert_eq!(m.user_id, "ada");
        assert!(m.user_info.is_none());
    }

    #[test]
    fn channel_data_limits() {
        assert!(parse_channel_data("").is_err());
        assert!(parse_channel_data(r#"{"user_info":{}}"#).is_err());
        assert!(parse_channel_data(r#"{"user_id":""}"#).is_err());
        let long = format!(r#"{{"user_id":"{}"}}"#, "u".repeat(129));
        assert!(parse_channel_data(&long).is_err());
        let big = format!(r#"{{"user_id":"u","user_info":"{}"}}"#, "i".repeat(1100));
        assert!(
            parse_channel_data(&big)
                .unwrap_err()
                .contains("limit is 1024")
        );
    }
}
