//! Kinboard's relay: a single-node Pusher Channels (protocol 7) server that
//! a household runs instead of Pusher's cloud.
//!
//! It serves one app ([`RelayConfig::app`]):
//!
//! * WebSocket clients (pusher-js, `pusher-client`) at `/app/{key}`: public
//!   (unless [`RelayConfig::public_channels`] is off), private and presence
//!   channels with signatures checked on subscribe, client events on
//!   private and presence channels (unless [`RelayConfig::client_events`]
//!   is off), keepalive with `pusher:ping` and 4201, slow consumers closed
//!   with 4100, `pusher:signin` (user authentication), and a socket whose
//!   access ended closed on request ([`Relay::terminate`]);
//! * the HTTP API (the official server libraries) under `/apps/{app_id}`:
//!   `events`, `batch_events`, `channels`, `channels/{name}`,
//!   `channels/{name}/users` and `users/{id}/terminate_connections`, each
//!   request's signature verified;
//! * an in-process [`Relay::publish`] for a backend that embeds the relay.
//!
//! The roles: [`Relay`] is the cheap, cloneable handle; [`Relay::router`]
//! mounts it on an axum router, [`serve`] runs it on a listener. Inside,
//! the registry knows sockets and channels, and every socket has a reader
//! task, a writer task and a bounded outbox between broadcasts and the
//! writer. The wire itself comes from `pusher-protocol`.
//!
//! ```no_run
//! use kinboard_relay::{Relay, RelayConfig, serve};
//! use pusher_protocol::AppCredentials;
//!
//! # async fn run() -> std::io::Result<()> {
//! let relay = Relay::new(RelayConfig::new(AppCredentials::new("1", "key", "secret")));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:6001").await?;
//! serve(listener, relay, async { tokio::signal::ctrl_c().await.ok(); }).await
//! # }
//! ```

mod api;
mod config;
mod connection;
mod outbox;
mod publish;
mod rate;
mod registry;

use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use pusher_protocol::{SocketId, close_code};
use tokio::sync::Notify;
use tokio::time::Instant;

pub use config::RelayConfig;
pub use publish::{PublishError, PublishEvent};

use outbox::Close;
use registry::Registry;

/// What every handler and socket task shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: RelayConfig,
    pub(crate) registry: Registry,
    shutting_down: AtomicBool,
    /// Signalled when the last socket is gone, for [`Relay::shutdown`].
    drained: Notify,
}

impl Shared {
    /// Closes `conn` with `code` once the frames already queued for it are
    /// sent — so what it was told last, that its access ended, reaches it
    /// first — and at the latest after the close timeout: a client that
    /// stops reading cannot hold it open.
    pub(crate) fn end_connection(&self, conn: Arc<registry::Conn>, code: u16) {
        conn.outbox.finish(Close::new(code));
        let timeout = self.config.close_timeout;
        tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            conn.outbox.close(Close::new(code));
        });
    }

    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }

    pub(crate) fn notify_if_drained(&self) {
        if self.registry.connection_count() == 0 {
            self.drained.notify_waiters();
        }
    }
}

/// The relay: a cheap handle, clone it freely.
#[derive(Debug, Clone)]
pub struct Relay {
    shared: Arc<Shared>,
}

impl Relay {
    pub fn new(config: RelayConfig) -> Self {
        Self {
            shared: Arc::new(Shared {
                config,
                registry: Registry::new(),
                shutting_down: AtomicBool::new(false),
                drained: Notify::new(),
            }),
        }
    }

    /// The WebSocket endpoint `/app/{key}` and the HTTP API
    /// `/apps/{app_id}/…`, to serve alone or merge into another router.
    ///
    /// A host that serves it itself should set `TCP_NODELAY` on accepted
    /// sockets (axum's `ListenerExt::tap_io`), as [`serve`] does: frames
    /// are small, and Nagle's algorithm would hold them back.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/app/{key}", get(connection::upgrade))
            .route("/apps/{app_id}/events", post(api::trigger))
            .route("/apps/{app_id}/batch_events", post(api::batch))
            .route("/apps/{app_id}/channels", get(api::channels))
            .route("/apps/{app_id}/channels/{channel}", get(api::channel))
            .route("/apps/{app_id}/channels/{channel}/users", get(api::users))
            .route(
                "/apps/{app_id}/users/{user_id}/terminate_connections",
                post(api::terminate_connections),
            )
            .with_state(Arc::clone(&self.shared))
    }

    /// Publishes an event in-process, with the HTTP API's validation and
    /// fan-out and no HTTP.
    pub fn publish(&self, event: PublishEvent) -> Result<(), PublishError> {
        publish::validate(&event)?;
        publish::fan_out(&self.shared.registry, &event);
        Ok(())
    }

    /// Closes every socket with 4200 (clients reconnect at once), spread
    /// evenly over [`RelayConfig::shutdown_spread`] so they do not all come
    /// back in the same instant, and returns once they are gone (or after
    /// [`RelayConfig::close_timeout`] more). New sockets are refused with
    /// 4200 from now on.
    pub async fn shutdown(&self) {
        let shared = &self.shared;
        shared.shutting_down.store(true, Ordering::Release);
        let sockets = shared.registry.connections();
        let count = sockets.len();
        tracing::info!(sockets = count, "shutting down: closing sockets with 4200");
        let spread = shared.config.shutdown_spread;
        // Close in steps of about 10 ms: fine enough to spread the load,
        // coarse enough not to arm a timer per socket.
        let steps = usize::try_from(spread.as_millis() / 10)
            .unwrap_or(usize::MAX)
            .clamp(1, count.max(1));
        let start = Instant::now();
        let mut closed = 0;
        for step in 1..=steps {
            let until = count * step / steps;
            for socket in &sockets[closed..until] {
                socket.outbox.close(Close::new(close_code::RECONNECT));
            }
            closed = until;
            if step < steps {
                let at = start + spread.mul_f64(step as f64 / steps as f64);
                tokio::time::sleep_until(at).await;
            }
        }
        drop(sockets);
        // Wait for the sockets to finish their close handshakes.
        let deadline = Instant::now() + shared.config.close_timeout * 2;
        loop {
            let drained = shared.drained.notified();
            if shared.registry.connection_count() == 0 {
                break;
            }
            if tokio::time::timeout_at(deadline, drained).await.is_err() {
                tracing::warn!(
                    left = shared.registry.connection_count(),
                    "sockets still open after the close timeout"
                );
                break;
            }
        }
    }

    /// Closes the socket `socket_id` names, if it is subscribed to
    /// `channel` (a socket id is easy to guess: the channel is what proves
    /// the grant was for this socket), once the frames already queued for
    /// it are sent — so what it was told last, that its access ended,
    /// reaches it first — and at the latest after the close timeout. It
    /// closes with 4200: the client reconnects at once and asks for its
    /// channel again, which, its access gone, the server refuses. Returns
    /// whether such a socket was open here.
    pub fn terminate(&self, socket_id: &str, channel: &str) -> bool {
        let Some(conn) = SocketId::parse(socket_id)
            .ok()
            .and_then(|sid| self.shared.registry.conn_id_of(&sid))
            .and_then(|id| self.shared.registry.subscriber(channel, id))
        else {
            return false;
        };
        tracing::info!(
            socket = socket_id,
            channel,
            "closing a socket whose access ended"
        );
        self.shared.end_connection(conn, close_code::RECONNECT);
        true
    }

    /// Sockets currently connected.
    pub fn connection_count(&self) -> usize {
        self.shared.registry.connection_count()
    }
}

/// Serves the relay on `listener` until `shutdown` resolves, then stops
/// accepting, closes every socket with 4200 ([`Relay::shutdown`]) and
/// returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    relay: Relay,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        // Frames are small and latency is the point: no Nagle delay.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, relay.router())
        .with_graceful_shutdown(async move {
            let _ = stop_rx.await;
        })
        .into_future();
    let mut server = tokio::spawn(server);
    tokio::select! {
        result = &mut server => return result.map_err(std::io::Error::other)?,
        () = shutdown => {}
    }
    let _ = stop_tx.send(());
    relay.shutdown().await;
    server.await.map_err(std::io::Error::other)?
}
