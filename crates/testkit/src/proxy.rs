//! A fault-injecting TCP proxy.
//!
//! Every accepted connection is paired with a fresh connection to the
//! upstream; bytes are copied both ways while the link is up. The test flips
//! the link's mode:
//!
//! * [`LinkMode::Up`]: bytes flow.
//! * [`LinkMode::Cut`]: every open pair is reset (RST, as a dropped link or
//!   a crashed router looks) and new connections are refused.
//! * [`LinkMode::Blackhole`]: nothing is forwarded and nothing is closed;
//!   new connections are accepted but never reach the upstream. Only a
//!   keepalive timeout can notice.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The state of the proxied link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkMode {
    Up,
    Cut,
    Blackhole,
}

/// A TCP proxy a test controls. Dropping it stops it and closes every connection.
pub struct FaultProxy {
    addr: SocketAddr,
    mode: watch::Sender<LinkMode>,
    upstream: Arc<Mutex<SocketAddr>>,
    accept_task: JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on an ephemeral loopback port and forwards to `upstream`.
    pub async fn start(upstream: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (mode, _) = watch::channel(LinkMode::Up);
        let upstream = Arc::new(Mutex::new(upstream));
        let accept_task = tokio::spawn(accept_loop(listener, mode.clone(), upstream.clone()));
        Ok(Self {
            addr,
            mode,
            upstream,
            accept_task,
        })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn mode(&self) -> LinkMode {
        *self.mode.borrow()
    }

    pub fn set_mode(&self, mode: LinkMode) {
        self.mode.send_replace(mode);
    }

    /// Resets every connection and refuses new ones until [`Self::restore`].
    pub fn cut(&self) {
        self.set_mode(LinkMode::Cut);
    }

    /// Silently stops forwarding, without closing anything.
    pub fn blackhole(&self) {
        self.set_mode(LinkMode::Blackhole);
    }

    pub fn restore(&self) {
        self.set_mode(LinkMode::Up);
    }

    /// Points new connections at another upstream (a restarted server on a new port).
    pub fn set_upstream(&self, upstream: SocketAddr) {
        *self.upstream.lock().expect("upstream lock") = upstream;
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept_task.abort();
        // Pairs watch the mode; a cut ends them.
        self.mode.send_replace(LinkMode::Cut);
    }
}

async fn accept_loop(
    listener: TcpListener,
    mode: watch::Sender<LinkMode>,
    upstream: Arc<Mutex<SocketAddr>>,
) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        let mut rx = mode.subscribe();
        let current = *rx.borrow_and_update();
        match current {
            LinkMode::Cut => reset(client),
            LinkMode::Blackhole => {
                // Hold the connection open and silent until the link changes.
                tokio::spawn(async move {
                    let _client = client;
                    let _ = rx.wait_for(|m| *m != LinkMode::Blackhole).await;
                });
            }
            LinkMode::Up => {
                let target = *upstream.lock().expect("upstream lock");
                tokio::spawn(async move {
                    match TcpStream::connect(target).await {
                        Ok(server) => pair(client, server, rx).await,
                        Err(_) => reset(client),
                    }
                });
            }
        }
    }
}

/// Closes with RST rather than FIN.
fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}

async fn pair(client: TcpStream, server: TcpStream, mut mode: watch::Receiver<LinkMode>) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let mut up = [0u8; 16 * 1024];
    let mut down = [0u8; 16 * 1024];
    loop {
        let current = *mode.borrow_and_update();
        match current {
            LinkMode::Cut => break,
            LinkMode::Blackhole => {
                // Stop reading both ways; whatever is sent piles up unread.
                if mode.changed().await.is_err() {
                    break;
                }
                continue;
            }
            LinkMode::Up => {}
        }
        tokio::select! {
            changed = mode.changed() => if changed.is_err() { break },
            n = client_read.read(&mut up) => match n {
                Ok(0) | Err(_) => break,
                Ok(n) => if server_write.write_all(&up[..n]).await.is_err() { break },
            },
            n = server_read.read(&mut down) => match n {
                Ok(0) | Err(_) => break,
                Ok(n) => if client_write.write_all(&down[..n]).await.is_err() { break },
            },
        }
    }
    // Reset both sides so neither waits for a FIN handshake.
    if let (Ok(client), Ok(server)) = (
        client_read.reunite(client_write),
        server_read.reunite(server_write),
    ) {
        reset(client);
        reset(server);
    }
}
