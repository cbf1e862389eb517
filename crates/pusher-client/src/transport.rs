//! The byte stream under the WebSocket: how each connection attempt reaches
//! the server. [`TcpConnector`] dials TCP, which is what every real client
//! wants; the driver then layers TLS (for `wss`) and the WebSocket handshake
//! on whatever stream the [`Connector`] returns.
//!
//! The seam exists for tests: a connector that hands out in-memory
//! `tokio::io::duplex` pipes to a scripted server lets the whole client,
//! timers included, run on paused tokio time, with no sockets and no real
//! waiting.

use std::future::Future;
use std::io;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// A byte stream the WebSocket can run over.
pub trait Transport: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Transport for T {}

/// A boxed future returned by [`Connector::connect`].
pub type ConnectFuture = Pin<Box<dyn Future<Output = io::Result<Box<dyn Transport>>> + Send>>;

/// Opens the byte stream of each connection attempt to `host:port`. An
/// error is a failed attempt: the client backs off and tries again.
pub trait Connector: Send + Sync + 'static {
    fn connect(&self, host: &str, port: u16) -> ConnectFuture;
}

/// The default: a plain TCP connection.
#[derive(Debug, Clone, Copy, Default)]
pub struct TcpConnector;

impl Connector for TcpConnector {
    fn connect(&self, host: &str, port: u16) -> ConnectFuture {
        let host = host.to_owned();
        Box::pin(async move {
            let stream = TcpStream::connect((host.as_str(), port)).await?;
            Ok(Box::new(stream) as Box<dyn Transport>)
        })
    }
}
