//! `kinboard-relay`: the relay as a standalone server. Reads the app's
//! credentials from the environment, serves until SIGINT or SIGTERM, then
//! closes every socket with 4200 and exits.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use kinboard_relay::{Relay, RelayConfig, serve};
use pusher_protocol::AppCredentials;
use tracing_subscriber::EnvFilter;

/// Kinboard's Pusher-protocol relay (protocol 7): WebSocket clients at
/// /app/{key}, the HTTP API at /apps/{app_id}/….
///
/// Once listening it prints one line, `listening on <address>`, to stdout,
/// so a caller that binds port 0 learns the port. Logs go to stderr; set
/// RUST_LOG (e.g. RUST_LOG=kinboard_relay=debug) for more.
#[derive(Debug, Parser)]
#[command(name = "kinboard-relay", version)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "KINBOARD_RELAY_BIND", default_value = "127.0.0.1:6001")]
    bind: SocketAddr,
    /// The app id in HTTP API paths (/apps/{app_id}/…).
    #[arg(long, env = "PUSHER_APP_ID")]
    app_id: String,
    /// The app key clients connect with (/app/{key}).
    #[arg(long, env = "PUSHER_KEY")]
    key: String,
    /// Seconds of client silence before the relay pings; also announced to
    /// clients as activity_timeout.
    #[arg(long, default_value_t = 120)]
    activity_timeout: u64,
    /// Seconds a client has to answer a ping before it is closed with 4201.
    #[arg(long, default_value_t = 30)]
    pong_timeout: u64,
    /// Largest WebSocket frame a client may send, in bytes (larger: 1009).
    #[arg(long, default_value_t = 32 * 1024)]
    max_frame_bytes: usize,
    /// Frames that may wait for one socket before it is closed as a slow
    /// consumer (4100).
    #[arg(long, default_value_t = 128)]
    send_queue: usize,
    /// Client events one socket may send per second (more: pusher:error 4301).
    #[arg(long, default_value_t = 10)]
    client_events_per_second: u32,
    /// Channels one socket may be subscribed to at once.
    #[arg(long, default_value_t = 100)]
    max_channels_per_connection: usize,
    /// Sockets the relay holds at once (more are closed with 4100).
    #[arg(long, default_value_t = 100_000)]
    max_connections: usize,
    /// Milliseconds over which shutdown spreads its 4200 closes.
    #[arg(long, default_value_t = 2000)]
    shutdown_spread_ms: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();

    // The app secret that signs channel auth and API requests: from
    // PUSHER_SECRET or the file PUSHER_SECRET_FILE names, never a flag (a
    // command line shows in every `ps`).
    let secret = match (
        std::env::var("PUSHER_SECRET"),
        std::env::var("PUSHER_SECRET_FILE"),
    ) {
        (Ok(secret), _) => secret,
        (Err(_), Ok(path)) => std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("reading PUSHER_SECRET_FILE {path}: {e}"))?
            .trim()
            .to_owned(),
        _ => anyhow::bail!("set PUSHER_SECRET (or PUSHER_SECRET_FILE) in the environment"),
    };
    let mut config = RelayConfig::new(AppCredentials::new(args.app_id, args.key, secret));
    config.activity_timeout = Duration::from_secs(args.activity_timeout);
    config.pong_timeout = Duration::from_secs(args.pong_timeout);
    config.max_frame_bytes = args.max_frame_bytes;
    config.send_queue = args.send_queue;
    config.client_events_per_second = args.client_events_per_second;
    config.max_channels_per_connection = args.max_channels_per_connection;
    config.max_connections = args.max_connections;
    config.shutdown_spread = Duration::from_millis(args.shutdown_spread_ms);
    raise_fd_limit();

    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, app = ?config.app, "kinboard-relay listening");
    announce(addr);
    serve(listener, Relay::new(config), shutdown_signal())
        .await
        .context("server failed")?;
    tracing::info!("stopped");
    Ok(())
}

/// The one stdout line callers may rely on.
#[allow(clippy::print_stdout)] // the documented machine-readable line
fn announce(addr: SocketAddr) {
    println!("listening on {addr}");
}

/// Every socket is a file descriptor; the soft limit is often 1024.
fn raise_fd_limit() {
    if let Ok((soft, hard)) = rlimit::getrlimit(rlimit::Resource::NOFILE)
        && soft < hard
        && let Err(e) = rlimit::setrlimit(rlimit::Resource::NOFILE, hard, hard)
    {
        tracing::warn!(error = %e, "could not raise the file descriptor limit");
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown signal received");
}
