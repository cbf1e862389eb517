//! The client connection state machine, with pusher-js's state names.
//!
//! [`ClientConnection`] owns everything a Pusher client decides: when to
//! open a socket, the handshake, keepalive, the close-code policy, reconnect
//! backoff, and the subscriptions it re-establishes after every reconnect.
//! It performs no I/O and never reads the clock.
//!
//! # Driving it
//! Feed inputs with the `handle_*` methods, each given `now`. After every
//! input, drain the outputs in this order:
//! 1. [`ClientConnection::poll_transmit`] until `None`: open a socket, send a
//!    text frame, or close the socket;
//! 2. [`ClientConnection::poll_event`] until `None`: state changes, channel
//!    events, and requests to authorise a channel;
//! 3. [`ClientConnection::poll_timeout`]: when to call
//!    [`ClientConnection::handle_timeout`] next.
//!
//! When the machine emits [`Transmit::Close`] the socket is gone as far as it
//! is concerned: the driver drops it and does not report its closure.

mod backoff;

pub use backoff::{Backoff, RandomSource, SplitMix64};

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use serde_json::Value;
use thiserror::Error;

use crate::auth::{ChannelAuthorization, UserAuthentication};
use crate::close_code::{self, CloseAction, close_action};
use crate::message::{
    AppEvent, ConnectionEstablished, DecodeError, ErrorData, Message, PresenceData, Subscribe,
    event,
};
use crate::names::{ChannelKind, ChannelName, NameError, SocketId, validate_event_data};

/// Connection states, named as pusher-js names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionState {
    /// Created; `connect` not yet requested.
    Initialized,
    /// Opening a socket, waiting for the handshake, or waiting to retry.
    Connecting,
    /// Handshake done: the socket id is known and channels can be used.
    Connected,
    /// Still trying, but for longer than the unavailable timeout.
    Unavailable,
    /// Disconnected on request, or refused by the server for good.
    Disconnected,
    /// No transport can work (reported by the driver).
    Failed,
}

impl ConnectionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initialized => "initialized",
            Self::Connecting => "connecting",
            Self::Connected => "connected",
            Self::Unavailable => "unavailable",
            Self::Disconnected => "disconnected",
            Self::Failed => "failed",
        }
    }
}

impl std::fmt::Display for ConnectionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Timing and retry settings.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Ping after this much silence, or after the server's `activity_timeout`
    /// if that is shorter.
    pub activity_timeout: Duration,
    /// Reconnect when a ping gets no reply within this.
    pub pong_timeout: Duration,
    /// `connecting` becomes `unavailable` after this long without a connection.
    pub unavailable_timeout: Duration,
    /// The first attempt's deadline for the handshake; it doubles per failed
    /// attempt up to `handshake_timeout_cap`, as pusher-js does (15, 30, 60 s).
    pub handshake_timeout: Duration,
    pub handshake_timeout_cap: Duration,
    /// Delay before each retry after a dropped socket or a failed attempt.
    pub backoff: Backoff,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            activity_timeout: Duration::from_secs(120),
            pong_timeout: Duration::from_secs(30),
            unavailable_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(15),
            handshake_timeout_cap: Duration::from_secs(60),
            backoff: Backoff::default(),
        }
    }
}

/// What the driver must do with the socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transmit {
    /// Open a new WebSocket to the server.
    Connect,
    /// Send this text frame on the open socket.
    Frame(String),
    /// Close the socket (and do not report its closure).
    Close,
}

/// A presence channel member.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: String,
    pub info: Option<Value>,
}

/// The members of a presence channel.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Members {
    /// This client's own user id, from its `channel_data`.
    pub me: Option<String>,
    /// Every member by user id.
    pub all: BTreeMap<String, Option<Value>>,
}

impl Members {
    fn from_presence(me: Option<String>, data: PresenceData) -> Self {
        let mut all: BTreeMap<String, Option<Value>> =
            data.ids.into_iter().map(|id| (id, None)).collect();
        for (id, info) in data.hash {
            let info = (!info.is_null()).then_some(info);
            all.insert(id, info);
        }
        Self { me, all }
    }

    pub fn count(&self) -> usize {
        self.all.len()
    }
}

/// The caller's answer when it could not authorise a channel: why, and
/// the status of the auth endpoint's refusal when it answered one (a 401
/// or 403 will be the same next time; a 5xx or a timeout may not).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{reason}")]
pub struct AuthorizationError {
    pub status: Option<u16>,
    pub reason: String,
}

impl AuthorizationError {
    /// The auth endpoint answered `status`.
    pub fn refused(status: u16, reason: impl Into<String>) -> Self {
        Self {
            status: Some(status),
            reason: reason.into(),
        }
    }
}

impl From<String> for AuthorizationError {
    fn from(reason: String) -> Self {
        Self {
            status: None,
            reason,
        }
    }
}

impl From<&str> for AuthorizationError {
    fn from(reason: &str) -> Self {
        reason.to_owned().into()
    }
}

/// Why a subscription failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SubscriptionFailure {
    #[error("authorisation failed: {0}")]
    Authorization(AuthorizationError),
    #[error("the server refused the subscription ({status:?}): {message}")]
    Refused {
        status: Option<u16>,
        message: String,
    },
}

/// Problems with the connection, reported as [`Event::Error`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConnectionError {
    #[error("server error {code:?}: {message}")]
    Server { code: Option<u16>, message: String },
    #[error("No activity timeout specified in handshake")]
    NoActivityTimeout,
    #[error("invalid socket id in handshake: {0}")]
    InvalidSocketId(NameError),
    #[error("undecodable frame: {0}")]
    Decode(DecodeError),
    #[error("closed with {code} ({reason}); not retrying")]
    Refused { code: u16, reason: &'static str },
    #[error("no pong within {0:?}; reconnecting")]
    PongTimeout(Duration),
    #[error("no handshake within {0:?}; retrying")]
    HandshakeTimeout(Duration),
    #[error("transport failed: {0}")]
    Transport(String),
}

/// Why a client event could not be sent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TriggerError {
    #[error("client event names must start with \"client-\", got {0:?}")]
    NotAClientEvent(String),
    #[error("client events are only allowed on private and presence channels, not {0}")]
    ChannelKindForbids(String),
    #[error("not subscribed to {0}")]
    NotSubscribed(String),
    #[error("not connected")]
    NotConnected,
    #[error(transparent)]
    Invalid(#[from] NameError),
}

/// What the machine tells its driver.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    StateChanged {
        previous: ConnectionState,
        current: ConnectionState,
    },
    /// A reconnect is scheduled after this delay.
    ConnectingIn(Duration),
    /// The handshake completed.
    Connected {
        socket_id: SocketId,
    },
    /// Authorise `channel` for `socket_id` and answer with
    /// [`ClientConnection::handle_authorization`]. Asked again after every
    /// reconnect, so a refreshed credential is always the one used.
    AuthorizeChannel {
        channel: ChannelName,
        socket_id: SocketId,
    },
    SubscriptionSucceeded {
        channel: ChannelName,
        members: Option<Members>,
    },
    SubscriptionError {
        channel: ChannelName,
        error: SubscriptionFailure,
    },
    /// An application or client event on a subscribed channel.
    ChannelEvent {
        channel: ChannelName,
        event: String,
        data: Option<String>,
        user_id: Option<String>,
    },
    MemberAdded {
        channel: ChannelName,
        member: Member,
    },
    MemberRemoved {
        channel: ChannelName,
        member: Member,
    },
    /// The server took this connection's `pusher:signin`, as this user.
    SignedIn {
        user_data: String,
    },
    Error(ConnectionError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    Reconnect = 0,
    Handshake = 1,
    Activity = 2,
    Pong = 3,
    Unavailable = 4,
}

const TIMERS: [Timer; 5] = [
    Timer::Reconnect,
    Timer::Handshake,
    Timer::Activity,
    Timer::Pong,
    Timer::Unavailable,
];

/// Deadlines by timer kind; the next wake-up is the earliest.
#[derive(Debug, Default)]
struct TimerTable([Option<Instant>; 5]);

impl TimerTable {
    fn set(&mut self, timer: Timer, at: Instant) {
        self.0[timer as usize] = Some(at);
    }
    fn stop(&mut self, timer: Timer) {
        self.0[timer as usize] = None;
    }
    fn get(&self, timer: Timer) -> Option<Instant> {
        self.0[timer as usize]
    }
    fn next(&self) -> Option<Instant> {
        self.0.iter().flatten().min().copied()
    }
    fn clear(&mut self) {
        self.0 = [None; 5];
    }
}

/// Where the socket is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Socket {
    None,
    /// `Transmit::Connect` issued, not yet open.
    Opening,
    /// Open, waiting for `pusher:connection_established`.
    AwaitingHandshake,
    Established {
        socket_id: SocketId,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Subscription {
    /// Waiting for a connection.
    Idle,
    /// Waiting for the driver's authorisation for this socket.
    Authorizing {
        socket_id: SocketId,
    },
    /// `pusher:subscribe` sent.
    Pending {
        me: Option<String>,
    },
    Subscribed,
    /// Refused; asked again on the next connection or subscribe call.
    Failed,
}

#[derive(Debug)]
struct ChannelState {
    status: Subscription,
    members: Option<Members>,
}

/// A Pusher client connection with no I/O: see the module docs.
pub struct ClientConnection {
    config: ClientConfig,
    random: Box<dyn RandomSource + Send>,
    state: ConnectionState,
    socket: Socket,
    /// Consecutive failed attempts since the last handshake.
    attempt: u32,
    /// The server's activity timeout from the last handshake.
    server_activity_timeout: Option<Duration>,
    timers: TimerTable,
    channels: BTreeMap<ChannelName, ChannelState>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
}

impl std::fmt::Debug for ClientConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConnection")
            .field("state", &self.state)
            .field("socket", &self.socket)
            .field("attempt", &self.attempt)
            .field("channels", &self.channels.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl ClientConnection {
    pub fn new(config: ClientConfig, random: impl RandomSource + Send + 'static) -> Self {
        Self {
            config,
            random: Box::new(random),
            state: ConnectionState::Initialized,
            socket: Socket::None,
            attempt: 0,
            server_activity_timeout: None,
            timers: TimerTable::default(),
            channels: BTreeMap::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn state(&self) -> ConnectionState {
        self.state
    }

    /// The socket id of the current connection, once the handshake is done.
    pub fn socket_id(&self) -> Option<&SocketId> {
        match &self.socket {
            Socket::Established { socket_id } => Some(socket_id),
            _ => None,
        }
    }

    /// Whether `channel` is subscribed right now.
    pub fn is_subscribed(&self, channel: &ChannelName) -> bool {
        self.channels
            .get(channel)
            .is_some_and(|c| c.status == Subscription::Subscribed)
    }

    /// The members of a subscribed presence channel.
    pub fn members(&self, channel: &ChannelName) -> Option<&Members> {
        self.channels.get(channel)?.members.as_ref()
    }

    /// The channels the client wants, subscribed or not.
    pub fn channels(&self) -> impl Iterator<Item = &ChannelName> {
        self.channels.keys()
    }

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// Connect requested: from `initialized` or `disconnected`, start connecting.
    pub fn handle_connect(&mut self, now: Instant) {
        match self.state {
            ConnectionState::Initialized
            | ConnectionState::Disconnected
            | ConnectionState::Failed => {
                self.attempt = 0;
                self.set_state(ConnectionState::Connecting);
                self.timers
                    .set(Timer::Unavailable, now + self.config.unavailable_timeout);
                self.start_attempt(now);
            }
            _ => {}
        }
    }

    /// Disconnect requested: close the socket and stop retrying. Wanted
    /// channels are kept and come back on the next connect.
    pub fn handle_disconnect(&mut self, _now: Instant) {
        self.drop_socket();
        self.timers.clear();
        self.set_state(ConnectionState::Disconnected);
    }

    /// The driver cannot use any transport (e.g. a `wss` URL without TLS support).
    pub fn handle_transport_failed(&mut self, _now: Instant, reason: impl Into<String>) {
        self.drop_socket();
        self.timers.clear();
        self.events
            .push_back(Event::Error(ConnectionError::Transport(reason.into())));
        self.set_state(ConnectionState::Failed);
    }

    /// The socket requested by [`Transmit::Connect`] is open.
    pub fn handle_socket_opened(&mut self, _now: Instant) {
        if self.socket == Socket::Opening {
            self.socket = Socket::AwaitingHandshake;
        }
    }

    /// The socket closed, with the close frame's code or `None` when it
    /// dropped without one.
    pub fn handle_socket_closed(&mut self, now: Instant, code: Option<u16>) {
        if self.socket == Socket::None {
            return;
        }
        let established = matches!(self.socket, Socket::Established { .. });
        self.socket = Socket::None;
        self.reset_connection_timers();
        self.reset_channels();
        match close_action(code) {
            CloseAction::GiveUp => {
                let code = code.unwrap_or(1006);
                self.timers.clear();
                self.events
                    .push_back(Event::Error(ConnectionError::Refused {
                        code,
                        reason: close_code::describe(code),
                    }));
                self.set_state(ConnectionState::Disconnected);
            }
            // A server that refuses every new socket with 4200 (a relay
            // shutting down does) would otherwise be redialled in a 0 ms
            // loop: only a connection that got as far as the handshake
            // earns an immediate return.
            CloseAction::ReconnectNow if established => {
                self.schedule_reconnect(now, Duration::ZERO)
            }
            CloseAction::ReconnectNow | CloseAction::Backoff => self.schedule_backoff(now),
            CloseAction::BackoffAtLeast(floor) => self.schedule_backoff_at_least(now, floor),
        }
    }

    /// A text frame arrived.
    pub fn handle_text(&mut self, now: Instant, text: &str) {
        if matches!(self.socket, Socket::None | Socket::Opening) {
            return;
        }
        // Any frame proves the peer alive.
        self.timers.stop(Timer::Pong);
        if matches!(self.socket, Socket::Established { .. }) {
            self.arm_activity(now);
        }
        let message = match Message::decode(text) {
            Ok(m) => m,
            Err(e) => {
                self.events
                    .push_back(Event::Error(ConnectionError::Decode(e)));
                return;
            }
        };
        match message {
            Message::ConnectionEstablished(handshake) => self.on_handshake(now, handshake),
            Message::Ping => self.send(&Message::Pong),
            Message::Pong => {}
            Message::Error(ErrorData { message, code }) => self
                .events
                .push_back(Event::Error(ConnectionError::Server { code, message })),
            Message::SubscriptionSucceeded { channel, presence } => {
                self.on_subscription_succeeded(&channel, presence)
            }
            Message::SubscriptionError { channel, error } => {
                let Some(name) = self.known_channel(&channel) else {
                    return;
                };
                if let Some(state) = self.channels.get_mut(&name) {
                    state.status = Subscription::Failed;
                }
                self.events.push_back(Event::SubscriptionError {
                    channel: name,
                    error: SubscriptionFailure::Refused {
                        status: error.status,
                        message: error.error,
                    },
                });
            }
            Message::MemberAdded {
                channel,
                user_id,
                user_info,
            } => self.on_member_added(&channel, user_id, user_info),
            Message::MemberRemoved { channel, user_id } => {
                self.on_member_removed(&channel, user_id)
            }
            Message::Event(e) | Message::ClientEvent(e) | Message::Unknown(e) => {
                self.on_app_event(e)
            }
            Message::SigninSuccess { user_data } => {
                self.events.push_back(Event::SignedIn { user_data });
            }
            // Features this client does not use.
            Message::SubscriptionCount { .. }
            | Message::CacheMiss { .. }
            | Message::WatchlistEvents { .. }
            | Message::Subscribe(_)
            | Message::Unsubscribe { .. }
            | Message::Signin { .. } => {}
        }
    }

    /// Fires every timer whose deadline is at or before `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        for timer in TIMERS {
            if self.timers.get(timer).is_some_and(|at| at <= now) {
                self.timers.stop(timer);
                self.on_timer(now, timer);
            }
        }
    }

    /// Subscribe requested. Private and presence channels need an
    /// authorisation, asked through [`Event::AuthorizeChannel`].
    pub fn handle_subscribe(&mut self, _now: Instant, channel: &ChannelName) {
        let retry = match self.channels.get(channel) {
            None => true,
            Some(state) => state.status == Subscription::Failed,
        };
        if !retry {
            return;
        }
        let socket_id = self.socket_id().cloned();
        self.channels.insert(
            channel.clone(),
            ChannelState {
                status: Subscription::Idle,
                members: None,
            },
        );
        if let Some(socket_id) = socket_id {
            self.start_subscription(channel, &socket_id);
        }
    }

    /// Unsubscribe requested.
    pub fn handle_unsubscribe(&mut self, _now: Instant, channel: &ChannelName) {
        let Some(state) = self.channels.remove(channel) else {
            return;
        };
        let sent = matches!(
            state.status,
            Subscription::Pending { .. } | Subscription::Subscribed
        );
        if sent && matches!(self.socket, Socket::Established { .. }) {
            self.send(&Message::Unsubscribe {
                channel: channel.to_string(),
            });
        }
    }

    /// The driver's answer to [`Event::AuthorizeChannel`]. An answer for a
    /// socket that is gone is ignored: the channel was asked again for the
    /// new one.
    pub fn handle_authorization(
        &mut self,
        _now: Instant,
        channel: &ChannelName,
        socket_id: &SocketId,
        result: Result<ChannelAuthorization, AuthorizationError>,
    ) {
        let current =
            matches!(&self.socket, Socket::Established { socket_id: s } if s == socket_id);
        let Some(state) = self.channels.get_mut(channel) else {
            return;
        };
        let waiting =
            matches!(&state.status, Subscription::Authorizing { socket_id: s } if s == socket_id);
        if !current || !waiting {
            return;
        }
        match result {
            Ok(authorization) => {
                let me = authorization
                    .channel_data
                    .as_deref()
                    .and_then(|d| serde_json::from_str::<Value>(d).ok())
                    .and_then(|v| match v.get("user_id")? {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    });
                state.status = Subscription::Pending { me };
                self.send(&Message::Subscribe(Subscribe {
                    channel: channel.to_string(),
                    auth: Some(authorization.auth),
                    channel_data: authorization.channel_data,
                }));
            }
            Err(reason) => {
                state.status = Subscription::Failed;
                self.events.push_back(Event::SubscriptionError {
                    channel: channel.clone(),
                    error: SubscriptionFailure::Authorization(reason),
                });
            }
        }
    }

    /// The driver's answer to [`Event::Connected`] when the connection
    /// signs its user in (Pusher's user authentication, which lets the
    /// server end all of one user's connections): sends `pusher:signin`
    /// for `socket_id` if it is still the current socket. Returns whether
    /// it was sent.
    pub fn handle_signin(
        &mut self,
        _now: Instant,
        socket_id: &SocketId,
        authentication: UserAuthentication,
    ) -> bool {
        if !matches!(&self.socket, Socket::Established { socket_id: s } if s == socket_id) {
            return false;
        }
        self.send(&Message::Signin {
            auth: authentication.auth,
            user_data: authentication.user_data,
        });
        true
    }

    /// Sends a client event to the other subscribers of a private or
    /// presence channel.
    pub fn trigger(
        &mut self,
        channel: &ChannelName,
        event_name: &str,
        data: &str,
    ) -> Result<(), TriggerError> {
        if !event_name.starts_with(event::CLIENT_PREFIX) {
            return Err(TriggerError::NotAClientEvent(event_name.to_owned()));
        }
        crate::names::validate_event_name(event_name)?;
        validate_event_data(data)?;
        if !channel.kind().allows_client_events() {
            return Err(TriggerError::ChannelKindForbids(channel.to_string()));
        }
        if !matches!(self.socket, Socket::Established { .. }) {
            return Err(TriggerError::NotConnected);
        }
        if !self.is_subscribed(channel) {
            return Err(TriggerError::NotSubscribed(channel.to_string()));
        }
        self.send(&Message::ClientEvent(AppEvent {
            event: event_name.to_owned(),
            channel: Some(channel.to_string()),
            data: Some(data.to_owned()),
            user_id: None,
        }));
        Ok(())
    }

    fn on_handshake(&mut self, now: Instant, handshake: ConnectionEstablished) {
        if self.socket != Socket::AwaitingHandshake {
            return;
        }
        let socket_id = match SocketId::parse(handshake.socket_id) {
            Ok(id) => id,
            Err(e) => return self.fail_attempt(now, ConnectionError::InvalidSocketId(e)),
        };
        let server_timeout = match handshake.activity_timeout {
            Some(secs) if secs > 0 => Duration::from_secs(secs),
            _ => return self.fail_attempt(now, ConnectionError::NoActivityTimeout),
        };
        self.server_activity_timeout = Some(server_timeout);
        self.socket = Socket::Established {
            socket_id: socket_id.clone(),
        };
        self.attempt = 0;
        self.timers.stop(Timer::Handshake);
        self.timers.stop(Timer::Unavailable);
        self.timers.stop(Timer::Reconnect);
        self.arm_activity(now);
        self.set_state(ConnectionState::Connected);
        self.events.push_back(Event::Connected {
            socket_id: socket_id.clone(),
        });
        let channels: Vec<ChannelName> = self.channels.keys().cloned().collect();
        for channel in channels {
            self.start_subscription(&channel, &socket_id);
        }
    }

    fn start_subscription(&mut self, channel: &ChannelName, socket_id: &SocketId) {
        let Some(state) = self.channels.get_mut(channel) else {
            return;
        };
        state.members = None;
        if channel.kind().requires_auth() {
            state.status = Subscription::Authorizing {
                socket_id: socket_id.clone(),
            };
            self.events.push_back(Event::AuthorizeChannel {
                channel: channel.clone(),
                socket_id: socket_id.clone(),
            });
        } else {
            state.status = Subscription::Pending { me: None };
            // pusher-js sends an empty auth on public channels.
            self.send(&Message::Subscribe(Subscribe {
                channel: channel.to_string(),
                auth: Some(String::new()),
                channel_data: None,
            }));
        }
    }

    fn on_subscription_succeeded(&mut self, channel: &str, presence: Option<PresenceData>) {
        let Some(name) = self.known_channel(channel) else {
            return;
        };
        let Some(state) = self.channels.get_mut(&name) else {
            return;
        };
        let Subscription::Pending { me } = &state.status else {
            return;
        };
        let members = (name.kind() == ChannelKind::Presence)
            .then(|| Members::from_presence(me.clone(), presence.unwrap_or_default()));
        state.status = Subscription::Subscribed;
        state.members = members.clone();
        self.events.push_back(Event::SubscriptionSucceeded {
            channel: name,
            members,
        });
    }

    fn on_member_added(&mut self, channel: &str, user_id: String, info: Option<Value>) {
        let Some(name) = self.known_channel(channel) else {
            return;
        };
        let Some(members) = self
            .channels
            .get_mut(&name)
            .and_then(|c| c.members.as_mut())
        else {
            return;
        };
        if members.all.contains_key(&user_id) {
            return;
        }
        members.all.insert(user_id.clone(), info.clone());
        self.events.push_back(Event::MemberAdded {
            channel: name,
            member: Member { id: user_id, info },
        });
    }

    fn on_member_removed(&mut self, channel: &str, user_id: String) {
        let Some(name) = self.known_channel(channel) else {
            return;
        };
        let Some(members) = self
            .channels
            .get_mut(&name)
            .and_then(|c| c.members.as_mut())
        else {
            return;
        };
        if let Some(info) = members.all.remove(&user_id) {
            self.events.push_back(Event::MemberRemoved {
                channel: name,
                member: Member { id: user_id, info },
            });
        }
    }

    fn on_app_event(&mut self, e: AppEvent) {
        let Some(channel) = e.channel.as_deref() else {
            return;
        };
        let Some(name) = self.known_channel(channel) else {
            return;
        };
        if !self.is_subscribed(&name) {
            return;
        }
        self.events.push_back(Event::ChannelEvent {
            channel: name,
            event: e.event,
            data: e.data,
            user_id: e.user_id,
        });
    }

    fn known_channel(&self, channel: &str) -> Option<ChannelName> {
        self.channels
            .keys()
            .find(|name| name.as_str() == channel)
            .cloned()
    }

    fn on_timer(&mut self, now: Instant, timer: Timer) {
        match timer {
            Timer::Reconnect => self.start_attempt(now),
            Timer::Handshake => {
                let limit = self.handshake_timeout();
                self.fail_attempt(now, ConnectionError::HandshakeTimeout(limit));
            }
            Timer::Activity => {
                self.send(&Message::Ping);
                self.timers.set(Timer::Pong, now + self.config.pong_timeout);
            }
            Timer::Pong => {
                self.events
                    .push_back(Event::Error(ConnectionError::PongTimeout(
                        self.config.pong_timeout,
                    )));
                self.drop_socket();
                self.reset_connection_timers();
                self.reset_channels();
                self.schedule_reconnect(now, Duration::ZERO);
            }
            Timer::Unavailable => {
                if self.state == ConnectionState::Connecting {
                    self.set_state(ConnectionState::Unavailable);
                }
            }
        }
    }

    /// The current attempt failed before the handshake completed: close and back off.
    fn fail_attempt(&mut self, now: Instant, error: ConnectionError) {
        self.events.push_back(Event::Error(error));
        self.drop_socket();
        self.reset_connection_timers();
        self.schedule_backoff(now);
    }

    fn start_attempt(&mut self, now: Instant) {
        self.socket = Socket::Opening;
        self.transmits.push_back(Transmit::Connect);
        self.timers
            .set(Timer::Handshake, now + self.handshake_timeout());
    }

    fn handshake_timeout(&self) -> Duration {
        let factor = 1u32 << self.attempt.min(8);
        self.config
            .handshake_timeout
            .saturating_mul(factor)
            .min(self.config.handshake_timeout_cap)
    }

    fn schedule_backoff(&mut self, now: Instant) {
        self.schedule_backoff_at_least(now, Duration::ZERO);
    }

    /// Backs off for the current attempt, never less than `floor`, and
    /// counts the attempt.
    fn schedule_backoff_at_least(&mut self, now: Instant, floor: Duration) {
        let delay = self
            .config
            .backoff
            .delay_at_least(floor, self.attempt, self.random.as_mut());
        self.attempt = self.attempt.saturating_add(1);
        self.schedule_reconnect(now, delay);
    }

    fn schedule_reconnect(&mut self, now: Instant, delay: Duration) {
        if self.state == ConnectionState::Connected {
            self.set_state(ConnectionState::Connecting);
            self.timers
                .set(Timer::Unavailable, now + self.config.unavailable_timeout);
        }
        self.timers.set(Timer::Reconnect, now + delay);
        self.events.push_back(Event::ConnectingIn(delay));
    }

    fn arm_activity(&mut self, now: Instant) {
        let interval = match self.server_activity_timeout {
            Some(server) => server.min(self.config.activity_timeout),
            None => self.config.activity_timeout,
        };
        self.timers.set(Timer::Activity, now + interval);
    }

    fn reset_connection_timers(&mut self) {
        self.timers.stop(Timer::Handshake);
        self.timers.stop(Timer::Activity);
        self.timers.stop(Timer::Pong);
    }

    /// Every channel goes back to waiting for a connection; presence
    /// members are forgotten (the next subscription brings them anew).
    fn reset_channels(&mut self) {
        for state in self.channels.values_mut() {
            state.status = Subscription::Idle;
            state.members = None;
        }
    }

    fn drop_socket(&mut self) {
        if self.socket != Socket::None {
            self.transmits.push_back(Transmit::Close);
            self.socket = Socket::None;
        }
        self.reset_channels();
    }

    fn send(&mut self, message: &Message) {
        self.transmits.push_back(Transmit::Frame(message.encode()));
    }

    fn set_state(&mut self, current: ConnectionState) {
        if self.state != current {
            let previous = std::mem::replace(&mut self.state, current);
            self.events
                .push_back(Event::StateChanged { previous, current });
        }
    }
}
