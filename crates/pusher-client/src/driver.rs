//! The background task: owns the socket, the timers and the listeners, and
//! feeds the state machine. One task per [`crate::PusherClient`].

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use futures_util::stream::FuturesUnordered;
use futures_util::{SinkExt, StreamExt};
use pusher_protocol::{
    AuthorizationError, ChannelName, ClientConnection, ConnectionState, Event, SocketId,
    SplitMix64, Transmit,
};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, client_async_tls_with_config};
use tracing::{debug, warn};

use crate::authorizer::AuthorizeError;
use crate::transport::Transport;
use crate::{ChannelEvent, ClientOptions, Command, SubscriptionEvent};

type Socket = WebSocketStream<MaybeTlsStream<Box<dyn Transport>>>;
type Connecting = Pin<Box<dyn Future<Output = Result<Socket, String>> + Send>>;
type Authorizing = Pin<
    Box<
        dyn Future<
                Output = (
                    ChannelName,
                    SocketId,
                    Result<pusher_protocol::ChannelAuthorization, AuthorizeError>,
                ),
            > + Send,
    >,
>;
type SigningIn = Pin<
    Box<
        dyn Future<
                Output = (
                    SocketId,
                    Result<pusher_protocol::UserAuthentication, AuthorizeError>,
                ),
            > + Send,
    >,
>;

/// tungstenite's read buffer. Its default (128 KiB) is zero-filled on every
/// read, which for Pusher's small frames (an event is a few hundred bytes,
/// at most tens of KiB) costs more than everything else a delivery does; a
/// larger frame still arrives whole, as tungstenite reserves its length.
const READ_BUFFER_BYTES: usize = 4 * 1024;

fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(READ_BUFFER_BYTES)
}

fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// The listeners of each channel.
type Listeners = HashMap<ChannelName, Vec<(u64, mpsc::UnboundedSender<SubscriptionEvent>)>>;

struct Driver {
    options: ClientOptions,
    url: String,
    conn: ClientConnection,
    socket: Option<Socket>,
    connecting: Option<Connecting>,
    authorizing: FuturesUnordered<Authorizing>,
    signing_in: FuturesUnordered<SigningIn>,
    /// While the connection's user signs in: its socket, the channels
    /// whose authorisation waits for it, and how long they wait at most.
    /// A device whose access ends meanwhile is then either refused its
    /// channel or already signed in, and so found when its connections
    /// are ended. A sign-in that fails (or goes unconfirmed for
    /// [`SIGNIN_WAIT`]) lets the channels be asked for all the same — the
    /// family keeps syncing, and a device whose access has ended is
    /// refused them — and is tried again a few times.
    signin_pending: Option<SigninPending>,
    /// Sign-in tries on the current socket.
    signin_attempts: u32,
    listeners: Listeners,
    state: watch::Sender<ConnectionState>,
    socket_id: watch::Sender<Option<SocketId>>,
    signed_in: watch::Sender<Option<String>>,
}

/// Channels waiting for the connection's user to sign in.
struct SigninPending {
    socket_id: SocketId,
    channels: Vec<ChannelName>,
    until: tokio::time::Instant,
}

/// How long channel authorisations wait for the sign-in at most: a
/// server that never confirms it still lets the family's screens sync.
const SIGNIN_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// Sign-in tries per socket.
const SIGNIN_ATTEMPTS: u32 = 3;

/// What the handles watch.
pub(crate) struct Watches {
    pub(crate) state: watch::Sender<ConnectionState>,
    pub(crate) socket_id: watch::Sender<Option<SocketId>>,
    pub(crate) signed_in: watch::Sender<Option<String>>,
}

pub(crate) async fn run(
    options: ClientOptions,
    mut commands: mpsc::UnboundedReceiver<Command>,
    // Kept only to tie the task's lifetime to the handles: not upgraded.
    _weak: mpsc::WeakUnboundedSender<Command>,
    watches: Watches,
) {
    let Watches {
        state,
        socket_id,
        signed_in,
    } = watches;
    let seed = options.jitter_seed.unwrap_or_else(rand::random);
    let mut driver = Driver {
        url: options.endpoint.url(&options.key),
        conn: ClientConnection::new(options.config.clone(), SplitMix64::new(seed)),
        options,
        socket: None,
        connecting: None,
        authorizing: FuturesUnordered::new(),
        signing_in: FuturesUnordered::new(),
        signin_pending: None,
        signin_attempts: 0,
        listeners: HashMap::new(),
        state,
        socket_id,
        signed_in,
    };
    loop {
        driver.flush().await;
        let deadline = driver
            .conn
            .poll_timeout()
            .map(tokio::time::Instant::from_std);
        let signin_until = driver.signin_pending.as_ref().map(|p| p.until);
        tokio::select! {
            command = commands.recv() => match command {
                Some(command) => driver.on_command(command),
                None => break,
            },
            opened = async { driver.connecting.as_mut().expect("guarded").await }, if driver.connecting.is_some() => {
                driver.connecting = None;
                match opened {
                    Ok(socket) => {
                        driver.socket = Some(socket);
                        driver.conn.handle_socket_opened(now());
                    }
                    Err(e) => {
                        debug!(error = %e, "connect failed");
                        driver.conn.handle_socket_closed(now(), None);
                    }
                }
            },
            frame = async { driver.socket.as_mut().expect("guarded").next().await }, if driver.socket.is_some() => {
                driver.on_frame(frame);
            },
            Some((channel, socket_id, result)) = driver.authorizing.next(), if !driver.authorizing.is_empty() => {
                let result = result.map_err(AuthorizationError::from);
                driver.conn.handle_authorization(now(), &channel, &socket_id, result);
            },
            Some((socket_id, result)) = driver.signing_in.next(), if !driver.signing_in.is_empty() => {
                match result {
                    Ok(authentication) => {
                        if !driver.conn.handle_signin(now(), &socket_id, authentication) {
                            driver.release_channels(&socket_id);
                        }
                    }
                    // Its channels are asked for all the same: refused if
                    // its access has ended.
                    Err(e) => {
                        warn!(error = %e, "user sign-in failed");
                        driver.release_channels(&socket_id);
                        driver.sign_in_again(&socket_id);
                    }
                }
            },
            () = async { tokio::time::sleep_until(signin_until.expect("guarded")).await }, if signin_until.is_some() => {
                if let Some(pending) = &driver.signin_pending {
                    warn!("no sign-in confirmation: asking for the channels all the same");
                    let socket_id = pending.socket_id.clone();
                    driver.release_channels(&socket_id);
                }
            },
            () = async { tokio::time::sleep_until(deadline.expect("guarded")).await }, if deadline.is_some() => {
                driver.conn.handle_timeout(now());
            },
        }
    }
    // The last handle is gone: close politely.
    if let Some(mut socket) = driver.socket.take() {
        socket.close(None).await.ok();
    }
    driver.state.send_replace(ConnectionState::Disconnected);
}

impl Driver {
    fn on_command(&mut self, command: Command) {
        let now = now();
        match command {
            Command::Subscribe { channel, id, sink } => {
                // A late listener of a live channel learns it is subscribed.
                if self.conn.is_subscribed(&channel) {
                    let members = self.conn.members(&channel).cloned();
                    sink.send(SubscriptionEvent::Subscribed { members }).ok();
                }
                self.listeners
                    .entry(channel.clone())
                    .or_default()
                    .push((id, sink));
                self.conn.handle_subscribe(now, &channel);
            }
            Command::Unsubscribe { channel, id } => {
                let empty = match (self.listeners.get_mut(&channel), id) {
                    (Some(list), Some(id)) => {
                        list.retain(|(i, _)| *i != id);
                        list.is_empty()
                    }
                    _ => true,
                };
                if empty {
                    self.listeners.remove(&channel);
                    self.conn.handle_unsubscribe(now, &channel);
                }
            }
            Command::Trigger {
                channel,
                event,
                data,
                reply,
            } => {
                reply.send(self.conn.trigger(&channel, &event, &data)).ok();
            }
            Command::Connect => self.conn.handle_connect(now),
            Command::Disconnect => self.conn.handle_disconnect(now),
        }
    }

    fn on_frame(
        &mut self,
        frame: Option<Result<WsMessage, tokio_tungstenite::tungstenite::Error>>,
    ) {
        let now = now();
        match frame {
            Some(Ok(WsMessage::Text(text))) => self.conn.handle_text(now, text.as_str()),
            Some(Ok(WsMessage::Close(close))) => {
                let code = close.as_ref().map(|c: &CloseFrame| u16::from(c.code));
                debug!(?code, "server closed the socket");
                self.socket = None;
                self.conn.handle_socket_closed(now, code);
            }
            // tungstenite answers WebSocket pings itself; binary frames are not Pusher.
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                debug!(error = %e, "socket error");
                self.socket = None;
                self.conn.handle_socket_closed(now, None);
            }
            None => {
                self.socket = None;
                self.conn.handle_socket_closed(now, None);
            }
        }
    }

    /// Carries out everything the state machine asked for.
    async fn flush(&mut self) {
        while let Some(transmit) = self.conn.poll_transmit() {
            match transmit {
                Transmit::Connect => {
                    let url = self.url.clone();
                    let (host, port) = self.options.endpoint.host_port();
                    let dialing = self.options.connector.connect(&host, port);
                    let tls = self
                        .options
                        .tls
                        .clone()
                        .map(tokio_tungstenite::Connector::Rustls);
                    self.socket = None;
                    self.connecting = Some(Box::pin(async move {
                        let stream = dialing.await.map_err(|e| e.to_string())?;
                        // TLS when the URL says wss, then the WebSocket handshake.
                        client_async_tls_with_config(
                            url.as_str(),
                            stream,
                            Some(socket_config()),
                            tls,
                        )
                        .await
                        .map(|(socket, _)| socket)
                        .map_err(|e| e.to_string())
                    }));
                }
                Transmit::Frame(text) => {
                    let Some(socket) = self.socket.as_mut() else {
                        continue;
                    };
                    if let Err(e) = socket.send(WsMessage::text(text)).await {
                        debug!(error = %e, "send failed");
                        self.socket = None;
                        self.conn.handle_socket_closed(now(), None);
                    }
                }
                Transmit::Close => {
                    self.connecting = None;
                    if let Some(mut socket) = self.socket.take() {
                        // Best effort: a blackholed peer never answers, so do not wait.
                        tokio::spawn(async move {
                            let _ = tokio::time::timeout(
                                std::time::Duration::from_secs(1),
                                socket.close(None),
                            )
                            .await;
                        });
                    }
                }
            }
        }
        while let Some(event) = self.conn.poll_event() {
            self.on_event(event);
        }
    }

    /// Asks for the channel authorisations that waited for `socket_id`'s
    /// sign-in.
    fn release_channels(&mut self, socket_id: &SocketId) {
        if self
            .signin_pending
            .as_ref()
            .is_some_and(|p| &p.socket_id == socket_id)
            && let Some(pending) = self.signin_pending.take()
        {
            for channel in pending.channels {
                self.authorize(channel, pending.socket_id.clone());
            }
        }
    }

    /// Tries `socket_id`'s sign-in again after a growing pause (1, 2 s),
    /// while it is the current socket.
    fn sign_in_again(&mut self, socket_id: &SocketId) {
        let current = self.socket_id.borrow().as_ref() == Some(socket_id);
        let Some(authenticator) = self.options.user_authenticator.clone() else {
            return;
        };
        if !current || self.signin_attempts >= SIGNIN_ATTEMPTS {
            return;
        }
        let pause = std::time::Duration::from_secs(1 << (self.signin_attempts - 1));
        self.signin_attempts += 1;
        let id = socket_id.clone();
        self.signing_in.push(Box::pin(async move {
            tokio::time::sleep(pause).await;
            let result = authenticator.authenticate(&id).await;
            (id, result)
        }));
    }

    fn authorize(&mut self, channel: ChannelName, socket_id: SocketId) {
        match &self.options.authorizer {
            Some(authorizer) => {
                let future = authorizer.authorize(&channel, &socket_id);
                self.authorizing
                    .push(Box::pin(async move { (channel, socket_id, future.await) }));
            }
            None => self.conn.handle_authorization(
                now(),
                &channel,
                &socket_id,
                Err("no channel authorizer is configured".into()),
            ),
        }
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::StateChanged { previous, current } => {
                debug!(%previous, %current, "connection state");
                if current != ConnectionState::Connected {
                    self.socket_id.send_replace(None);
                    self.signed_in.send_replace(None);
                    // Asked again for the next socket.
                    self.signin_pending = None;
                }
                self.state.send_replace(current);
            }
            Event::Connected { socket_id } => {
                if let Some(authenticator) = &self.options.user_authenticator {
                    let future = authenticator.authenticate(&socket_id);
                    let id = socket_id.clone();
                    self.signing_in
                        .push(Box::pin(async move { (id, future.await) }));
                    self.signin_attempts = 1;
                    self.signin_pending = Some(SigninPending {
                        socket_id: socket_id.clone(),
                        channels: Vec::new(),
                        until: tokio::time::Instant::now() + SIGNIN_WAIT,
                    });
                }
                self.socket_id.send_replace(Some(socket_id));
            }
            Event::ConnectingIn(delay) => debug!(?delay, "reconnecting"),
            Event::AuthorizeChannel { channel, socket_id } => match &mut self.signin_pending {
                Some(pending) if pending.socket_id == socket_id => {
                    if !pending.channels.contains(&channel) {
                        pending.channels.push(channel);
                    }
                }
                _ => self.authorize(channel, socket_id),
            },
            Event::SubscriptionSucceeded { channel, members } => {
                self.dispatch(&channel, SubscriptionEvent::Subscribed { members })
            }
            Event::SubscriptionError { channel, error } => {
                warn!(%channel, %error, "subscription failed");
                self.dispatch(&channel, SubscriptionEvent::Failed(error))
            }
            Event::ChannelEvent {
                channel,
                event,
                data,
                user_id,
            } => {
                let e = ChannelEvent {
                    channel: channel.clone(),
                    event,
                    data,
                    user_id,
                };
                self.dispatch(&channel, SubscriptionEvent::Event(e))
            }
            Event::MemberAdded { channel, member } => {
                self.dispatch(&channel, SubscriptionEvent::MemberAdded(member))
            }
            Event::MemberRemoved { channel, member } => {
                self.dispatch(&channel, SubscriptionEvent::MemberRemoved(member))
            }
            Event::SignedIn { user_data } => {
                debug!(%user_data, "signed in");
                self.signed_in.send_replace(Some(user_data));
                let current = self.socket_id.borrow().clone();
                if let Some(socket_id) = current {
                    self.release_channels(&socket_id);
                }
            }
            Event::Error(error) => {
                warn!(%error, "pusher connection");
                // A server that refuses the sign-in says so this way (it
                // never confirms): the channels need not wait any longer.
                if matches!(error, pusher_protocol::ConnectionError::Server { .. })
                    && let Some(socket_id) =
                        self.signin_pending.as_ref().map(|p| p.socket_id.clone())
                {
                    self.release_channels(&socket_id);
                }
            }
        }
    }

    fn dispatch(&mut self, channel: &ChannelName, event: SubscriptionEvent) {
        if let Some(list) = self.listeners.get_mut(channel) {
            list.retain(|(_, sink)| sink.send(event.clone()).is_ok());
        }
    }
}
