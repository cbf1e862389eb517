//! A tokio Pusher Channels client.
//!
//! [`PusherClient`] is a cheap, cloneable handle to one background task that
//! drives the [`pusher_protocol::ClientConnection`] state machine over a
//! tokio-tungstenite WebSocket (`ws`, or `wss` with rustls). Everything the
//! protocol decides — handshake, keepalive, close codes, backoff with
//! jitter, resubscription — lives in the state machine; this crate only does
//! the I/O and the timers, on tokio time, so tests can run with
//! `tokio::time::pause()`.
//!
//! * [`PusherClient::subscribe`] gives a [`Subscription`]: a stream of that
//!   channel's events and subscription outcomes.
//! * [`PusherClient::state`] is a `watch` of the connection state.
//! * Private and presence channels are authorised by a
//!   [`ChannelAuthorizer`]; [`HttpAuthorizer`] form-POSTs to an auth endpoint
//!   with headers fetched afresh for every call.
//! * The task ends, closing the socket, when the last handle is dropped.
//! * Each attempt's byte stream comes from a [`Connector`]: TCP unless a
//!   test injects another (an in-memory pipe to a scripted server, so the
//!   client's timers can be driven on paused tokio time).
//!
//! ```no_run
//! # async fn demo() -> Result<(), pusher_client::ClientError> {
//! use pusher_client::{ClientOptions, Endpoint, PusherClient, SubscriptionEvent};
//!
//! let client = PusherClient::connect(ClientOptions::new(
//!     Endpoint::host("127.0.0.1", 8080, false),
//!     "app-key",
//! ));
//! let mut news = client.subscribe("news")?;
//! while let Some(event) = news.next().await {
//!     if let SubscriptionEvent::Event(e) = event {
//!         println!("{}: {:?}", e.event, e.data);
//!     }
//! }
//! # Ok(()) }
//! ```

mod authorizer;
mod driver;
mod endpoint;
mod transport;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use pusher_protocol::{
    ChannelName, ClientConfig, ConnectionState, NameError, SocketId, TriggerError,
};
use thiserror::Error;
use tokio::sync::{mpsc, oneshot, watch};

pub use authorizer::{
    AuthorizeError, AuthorizeFuture, ChannelAuthorizer, HeadersProvider, HttpAuthorizer,
    LocalAuthorizer, SigninFuture, UserAuthenticator,
};
pub use endpoint::Endpoint;
pub use pusher_protocol::{
    AuthorizationError, ChannelAuthorization, ConnectionState as State, Member, Members,
    SubscriptionFailure,
};
pub use transport::{ConnectFuture, Connector, TcpConnector, Transport};

/// How to reach the server and behave once there.
#[derive(Clone)]
pub struct ClientOptions {
    pub endpoint: Endpoint,
    /// The app key (public).
    pub key: String,
    /// Timeouts and backoff; pusher-js's values by default.
    pub config: ClientConfig,
    /// Authorises private and presence channels; without one they fail.
    pub authorizer: Option<Arc<dyn ChannelAuthorizer>>,
    /// Signs each connection's user in (`pusher:signin`) when set.
    pub user_authenticator: Option<Arc<dyn UserAuthenticator>>,
    /// Seed of the reconnect jitter; random when `None`.
    pub jitter_seed: Option<u64>,
    /// Opens the byte stream of each attempt; [`TcpConnector`] by default.
    pub connector: Arc<dyn Connector>,
    /// The TLS configuration of a `wss` endpoint (a pinned certificate,
    /// say); rustls with the public authorities' roots when `None`.
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

impl ClientOptions {
    pub fn new(endpoint: Endpoint, key: impl Into<String>) -> Self {
        Self {
            endpoint,
            key: key.into(),
            config: ClientConfig::default(),
            authorizer: None,
            user_authenticator: None,
            jitter_seed: None,
            connector: Arc::new(TcpConnector),
            tls: None,
        }
    }

    /// Uses `config` for the TLS of a `wss` endpoint.
    pub fn tls(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    pub fn authorizer(mut self, authorizer: impl ChannelAuthorizer) -> Self {
        self.authorizer = Some(Arc::new(authorizer));
        self
    }

    /// Signs each connection's user in with `authenticator`.
    pub fn user_authenticator(mut self, authenticator: impl UserAuthenticator) -> Self {
        self.user_authenticator = Some(Arc::new(authenticator));
        self
    }

    pub fn config(mut self, config: ClientConfig) -> Self {
        self.config = config;
        self
    }

    /// Opens each attempt's byte stream with `connector` instead of TCP.
    pub fn connector(mut self, connector: impl Connector) -> Self {
        self.connector = Arc::new(connector);
        self
    }
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("endpoint", &self.endpoint)
            .field("key", &self.key)
            .field("config", &self.config)
            .field("authorizer", &self.authorizer.is_some())
            .field("user_authenticator", &self.user_authenticator.is_some())
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

/// What the client's calls can fail with.
#[derive(Debug, Error)]
pub enum ClientError {
    #[error("invalid channel: {0}")]
    InvalidChannel(#[from] NameError),
    #[error(transparent)]
    Trigger(#[from] TriggerError),
    #[error("the client has shut down")]
    Closed,
}

/// An event on a subscribed channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelEvent {
    pub channel: ChannelName,
    pub event: String,
    /// The payload text (usually JSON).
    pub data: Option<String>,
    /// The sender, for client events on presence channels.
    pub user_id: Option<String>,
}

impl ChannelEvent {
    /// Parses the payload as JSON into `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.data.as_deref().unwrap_or("null"))
    }
}

/// What a [`Subscription`] yields.
#[derive(Debug, Clone, PartialEq)]
pub enum SubscriptionEvent {
    /// The subscription is live, after the first subscribe and again after
    /// every reconnect. Presence channels carry their members.
    Subscribed {
        members: Option<Members>,
    },
    /// The subscription failed; it is tried again on the next reconnect or
    /// the next `subscribe` call.
    Failed(SubscriptionFailure),
    Event(ChannelEvent),
    MemberAdded(Member),
    MemberRemoved(Member),
}

pub(crate) enum Command {
    Subscribe {
        channel: ChannelName,
        id: u64,
        sink: mpsc::UnboundedSender<SubscriptionEvent>,
    },
    Unsubscribe {
        channel: ChannelName,
        id: Option<u64>,
    },
    Trigger {
        channel: ChannelName,
        event: String,
        data: String,
        reply: oneshot::Sender<Result<(), TriggerError>>,
    },
    Connect,
    Disconnect,
}

/// A handle to a Pusher connection; clones share it.
#[derive(Clone)]
pub struct PusherClient {
    commands: mpsc::UnboundedSender<Command>,
    state: watch::Receiver<ConnectionState>,
    socket_id: watch::Receiver<Option<SocketId>>,
    signed_in: watch::Receiver<Option<String>>,
    next_id: Arc<AtomicU64>,
}

impl std::fmt::Debug for PusherClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PusherClient")
            .field("state", &*self.state.borrow())
            .field("socket_id", &*self.socket_id.borrow())
            .finish()
    }
}

impl PusherClient {
    /// Starts the background task and connects. Must be called inside a
    /// tokio runtime.
    pub fn connect(options: ClientOptions) -> Self {
        let (commands, receiver) = mpsc::unbounded_channel();
        let (state_tx, state) = watch::channel(ConnectionState::Initialized);
        let (socket_tx, socket_id) = watch::channel(None);
        let (signed_in_tx, signed_in) = watch::channel(None);
        let weak = commands.downgrade();
        tokio::spawn(driver::run(
            options,
            receiver,
            weak,
            driver::Watches {
                state: state_tx,
                socket_id: socket_tx,
                signed_in: signed_in_tx,
            },
        ));
        let client = Self {
            commands,
            state,
            socket_id,
            signed_in,
            next_id: Arc::new(AtomicU64::new(1)),
        };
        client.send(Command::Connect).ok();
        client
    }

    fn send(&self, command: Command) -> Result<(), ClientError> {
        self.commands.send(command).map_err(|_| ClientError::Closed)
    }

    /// Subscribes to `channel` (or adds another listener to it). The
    /// returned stream yields the subscription's outcome, then its events;
    /// dropping the last one for a channel unsubscribes.
    pub fn subscribe(&self, channel: &str) -> Result<Subscription, ClientError> {
        let channel = ChannelName::parse(channel)?;
        let (sink, events) = mpsc::unbounded_channel();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.send(Command::Subscribe {
            channel: channel.clone(),
            id,
            sink,
        })?;
        Ok(Subscription {
            channel,
            id,
            events,
            commands: self.commands.downgrade(),
        })
    }

    /// Unsubscribes from `channel`, ending every stream of it.
    pub fn unsubscribe(&self, channel: &str) -> Result<(), ClientError> {
        let channel = ChannelName::parse(channel)?;
        self.send(Command::Unsubscribe { channel, id: None })
    }

    /// Sends a `client-` event to the other subscribers of a private or
    /// presence channel.
    pub async fn trigger(&self, channel: &str, event: &str, data: &str) -> Result<(), ClientError> {
        let channel = ChannelName::parse(channel)?;
        let (reply, answer) = oneshot::channel();
        self.send(Command::Trigger {
            channel,
            event: event.to_owned(),
            data: data.to_owned(),
            reply,
        })?;
        Ok(answer.await.map_err(|_| ClientError::Closed)??)
    }

    /// The connection state, as a `watch`.
    pub fn state(&self) -> watch::Receiver<ConnectionState> {
        self.state.clone()
    }

    /// Waits until the connection is in `state`.
    pub async fn wait_for(&self, state: ConnectionState) -> Result<(), ClientError> {
        let mut rx = self.state.clone();
        rx.wait_for(|s| *s == state)
            .await
            .map(|_| ())
            .map_err(|_| ClientError::Closed)
    }

    /// The user this connection signed in as (the server's `user_data`),
    /// once the server took its `pusher:signin`; `None` while not.
    pub fn signed_in(&self) -> watch::Receiver<Option<String>> {
        self.signed_in.clone()
    }

    /// The current socket id, when connected.
    pub fn socket_id(&self) -> Option<SocketId> {
        self.socket_id.borrow().clone()
    }

    /// Closes the connection and stops reconnecting; [`Self::reconnect`] resumes.
    pub fn disconnect(&self) {
        self.send(Command::Disconnect).ok();
    }

    /// Connects again after [`Self::disconnect`] or a refusal.
    pub fn reconnect(&self) {
        self.send(Command::Connect).ok();
    }
}

/// The events of one subscribed channel; also a `futures::Stream`.
pub struct Subscription {
    channel: ChannelName,
    id: u64,
    events: mpsc::UnboundedReceiver<SubscriptionEvent>,
    // Weak, so an open subscription does not keep the connection alive
    // after the last client handle is gone.
    commands: mpsc::WeakUnboundedSender<Command>,
}

impl Subscription {
    pub fn channel(&self) -> &ChannelName {
        &self.channel
    }

    /// The next event, or `None` once the client is gone or the channel
    /// was unsubscribed.
    pub async fn next(&mut self) -> Option<SubscriptionEvent> {
        self.events.recv().await
    }

    /// Waits for the next `Subscribed` (or `Failed`) outcome, skipping events.
    pub async fn subscribed(&mut self) -> Result<Option<Members>, SubscriptionFailure> {
        loop {
            match self.next().await {
                Some(SubscriptionEvent::Subscribed { members }) => return Ok(members),
                Some(SubscriptionEvent::Failed(e)) => return Err(e),
                Some(_) => continue,
                None => {
                    return Err(SubscriptionFailure::Refused {
                        status: None,
                        message: "the client has shut down".into(),
                    });
                }
            }
        }
    }
}

impl futures_util::Stream for Subscription {
    type Item = SubscriptionEvent;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Self::Item>> {
        self.events.poll_recv(cx)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(commands) = self.commands.upgrade() {
            commands
                .send(Command::Unsubscribe {
                    channel: self.channel.clone(),
                    id: Some(self.id),
                })
                .ok();
        }
    }
}
