//! Accepting connections so that a flood of them cannot take the server
//! down: at most [`ConnectionLimits::max_connections`] open at once (the
//! next wait in the kernel's backlog instead of failing for want of file
//! descriptors), a deadline for a request's headers (a client that opens
//! a connection and says nothing, or trickles, is closed), the open-file
//! limit raised to what the system allows, TLS when the server serves it
//! (the handshake with a deadline of its own, as long as the headers'),
//! and a graceful stop that lets
//! requests in flight finish. Every connection's peer address reaches the
//! handlers as axum's `ConnectInfo`, for the rate limits.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// File descriptors kept back from the connection cap: the database, its
/// WAL, log files, outgoing requests to a Pusher engine.
const RESERVED_FILES: u64 = 256;

/// How many connections, and how long for a request's headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Open connections at most, WebSockets included; further ones wait to
    /// be accepted until one closes. Lowered to fit the open-file limit.
    pub max_connections: usize,
    /// A request's headers must have arrived this long after the server
    /// began reading them (also how long a keep-alive connection may sit
    /// idle).
    pub header_read_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: 16_384,
            header_read_timeout: Duration::from_secs(15),
        }
    }
}

/// Raises the soft open-file limit as far as the system allows (every
/// socket is a file descriptor, and the soft limit is often 1024, or 256
/// on macOS); returns the soft limit now in force, where there is one.
#[cfg(unix)]
pub fn raise_open_file_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => {
            tracing::debug!(limit, "open-file limit");
            Some(limit)
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not raise the open-file limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE)
                .ok()
                .map(|(soft, _)| soft)
        }
    }
}

/// Elsewhere there is no such limit to raise.
#[cfg(not(unix))]
pub fn raise_open_file_limit() -> Option<u64> {
    None
}

/// The cap that fits the process's open-file limit: a quarter of it, at
/// most [`RESERVED_FILES`], is kept for everything that is not a client.
fn effective_cap(wanted: usize) -> usize {
    #[cfg(unix)]
    if let Ok((soft, _)) = rlimit::getrlimit(rlimit::Resource::NOFILE) {
        let reserved = RESERVED_FILES.min(soft / 4);
        let fits = usize::try_from(soft.saturating_sub(reserved)).unwrap_or(usize::MAX);
        if fits < wanted {
            tracing::warn!(
                wanted,
                open_file_limit = soft,
                cap = fits,
                "the open-file limit allows fewer connections than configured"
            );
        }
        return wanted.min(fits).max(1);
    }
    wanted.max(1)
}

/// Serves `router` on `listener` until `stop` turns true; then stops
/// accepting and waits for the open connections to finish (the caller
/// bounds how long).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    tls: Option<TlsAcceptor>,
    mut stop: watch::Receiver<bool>,
) {
    let cap = effective_cap(limits.max_connections);
    let permits = Arc::new(Semaphore::new(cap));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = stopped(&mut stop) => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or the peer gave up while
                    // queued: neither is the listener's end. Pause briefly
                    // so a lasting shortage does not spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        let _ = stream.set_nodelay(true);
        let service =
            router
                .clone()
                .map_request(move |mut request: axum::http::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request
                });
        let stream = Counted {
            stream,
            _permit: permit,
        };
        let builder = builder.clone();
        let mut stop = stop.clone();
        let tls = tls.clone();
        let handshake_deadline = limits.header_read_timeout;
        tokio::spawn(async move {
            let ended = match tls {
                None => serve_one(&builder, stream, service, stop).await,
                Some(tls) => {
                    // A client that never finishes the handshake is dropped
                    // like one that never sends its headers (and a stop
                    // does not wait for it).
                    let handshake = tokio::time::timeout(handshake_deadline, tls.accept(stream));
                    let accepted = tokio::select! {
                        accepted = handshake => accepted,
                        () = stopped(&mut stop) => return,
                    };
                    match accepted {
                        Ok(Ok(stream)) => serve_one(&builder, stream, service, stop).await,
                        Ok(Err(e)) => {
                            tracing::debug!(error = %e, %peer, "TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!(%peer, "TLS handshake timed out");
                            return;
                        }
                    }
                }
            };
            if let Err(e) = ended {
                tracing::trace!(error = %e, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    // Every connection holds a permit until its socket closes: having
    // them all back means every connection has finished.
    let all = u32::try_from(cap).unwrap_or(u32::MAX);
    let _ = permits.acquire_many(all).await;
}

/// Serves HTTP/1.1 (and upgrades) on one connection until it ends; a stop
/// lets the request in flight finish, then closes.
async fn serve_one<S, T>(
    builder: &http1::Builder,
    stream: S,
    service: T,
    mut stop: watch::Receiver<bool>,
) -> Result<(), hyper::Error>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    T: tower::Service<
            axum::http::Request<Incoming>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    T::Future: Send + 'static,
{
    let connection = builder
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
        .with_upgrades();
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        ended = connection.as_mut() => ended,
        () = stopped(&mut stop) => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    }
}

/// A connection's socket with its place under the cap, given back when
/// the socket closes — after a WebSocket upgrade too, since the upgraded
/// connection keeps this very socket.
struct Counted {
    stream: tokio::net::TcpStream,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl tokio::io::AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Resolves once `stop` turns true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}
