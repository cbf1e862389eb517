//! The `kinboard-server` binary: flags and environment in, a running
//! server out, until Ctrl-C or SIGTERM.

use std::net::SocketAddr;

use anyhow::{Context, bail};
use clap::Parser;
use kinboard_server::listen::ConnectionLimits;
use kinboard_server::{RealtimeConfig, Scheme, Server, ServerConfig};
use pusher_protocol::AppCredentials;

/// Argon2's freed blocks go back to the system (see the workspace manifest).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Kinboard's family backend: REST API, Pusher channel auth and (unless
/// PUSHER_CLUSTER or PUSHER_HOST is set) the embedded realtime relay on the
/// same address.
#[derive(Debug, Parser)]
#[command(name = "kinboard-server", version)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on.
    #[arg(long, env = "KINBOARD_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// sqlite://… or postgres://… (default: a SQLite file in the data directory).
    #[arg(long, env = "DATABASE_URL")]
    database: Option<String>,
    /// Seed a demo family on first start and print how to sign in.
    #[arg(long)]
    demo: bool,
    /// The URL clients reach this server at, if not what they send as Host.
    #[arg(long, env = "KINBOARD_PUBLIC_URL")]
    public_url: Option<url::Url>,
    #[arg(long, env = "PUSHER_APP_ID", hide = true)]
    pusher_app_id: Option<String>,
    #[arg(long, env = "PUSHER_KEY", hide = true)]
    pusher_key: Option<String>,
    /// Pusher cloud cluster (e.g. eu); events go to its HTTP API.
    #[arg(long, env = "PUSHER_CLUSTER")]
    pusher_cluster: Option<String>,
    /// Self-hosted Pusher-compatible engine (e.g. sockudo, kinboard-relay).
    #[arg(long, env = "PUSHER_HOST")]
    pusher_host: Option<String>,
    #[arg(long, env = "PUSHER_PORT")]
    pusher_port: Option<u16>,
    /// http or https.
    #[arg(long, env = "PUSHER_SCHEME", default_value = "https")]
    pusher_scheme: String,
    /// Announce the server on the local network (DNS-SD, _kinboard._tcp)
    /// so the family's screens find it: `on`, `off`, or `auto` (on unless
    /// it listens on loopback only).
    #[arg(long, env = "KINBOARD_ANNOUNCE", default_value = "auto", value_parser = ["auto", "on", "off"])]
    announce: String,
    /// Let anyone make an account (a hosted service of many households).
    /// Without it, sign-up closes once the first parent exists and further
    /// parents join with an invite code.
    #[arg(long, env = "KINBOARD_OPEN_SIGNUP")]
    open_signup: bool,
    /// The server is behind a proxy that appends each client's address to
    /// X-Forwarded-For; rate limits count that address. The proxy serves
    /// TLS: the server itself speaks plain HTTP to it.
    #[arg(long, env = "KINBOARD_BEHIND_PROXY")]
    behind_proxy: bool,
    /// A name the server answers to besides its addresses, private names
    /// (a single label, .local, .lan, .home.arpa …) and the public URL's
    /// host; repeat it, or `*` for any name.
    #[arg(
        long = "allowed-host",
        env = "KINBOARD_ALLOWED_HOSTS",
        value_delimiter = ','
    )]
    allowed_hosts: Vec<String>,
    /// Serve HTTPS and WSS with the server's own certificate, made on the
    /// first start and kept (GET /api/tls shows its fingerprint). The
    /// default on any address but loopback; this turns it on for loopback
    /// too.
    #[arg(long, env = "KINBOARD_TLS", conflicts_with = "insecure_http")]
    tls: bool,
    /// Serve plain HTTP on an address beyond loopback: passwords, tokens
    /// and the parent PIN then cross the network readable by anyone on
    /// it. For a network where that cannot happen; behind a TLS proxy,
    /// use --behind-proxy instead.
    #[arg(long, env = "KINBOARD_INSECURE_HTTP")]
    insecure_http: bool,
    /// Where the certificate is kept (default: beside the SQLite database,
    /// or the data directory).
    #[arg(long, env = "KINBOARD_TLS_DIR")]
    tls_dir: Option<std::path::PathBuf>,
    /// Open connections at most (WebSockets included); further ones wait.
    #[arg(long, env = "KINBOARD_MAX_CONNECTIONS", default_value_t = ConnectionLimits::default().max_connections)]
    max_connections: usize,
    /// Seconds a client has to send a request's headers (and that a
    /// keep-alive connection may sit idle).
    #[arg(long, env = "KINBOARD_HEADER_READ_TIMEOUT", default_value_t = ConnectionLimits::default().header_read_timeout.as_secs())]
    header_read_timeout: u64,
}

/// Besides serving (the default).
#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Writes a consistent copy of the SQLite database to FILE (safe while
    /// the server runs).
    Backup { file: std::path::PathBuf },
    /// Replaces the SQLite database with the copy FILE (refused while a
    /// server runs on it).
    Restore { file: std::path::PathBuf },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let args = Args::parse();
    if let Some(command) = &args.command {
        let url = match &args.database {
            Some(url) => url.clone(),
            None => kinboard_server::db::default_database_url()?,
        };
        return by_hand(command, &url).await;
    }
    // Every connection is a file descriptor; the soft limit is often 1024.
    kinboard_server::listen::raise_open_file_limit();
    let mut config = ServerConfig::new(args.bind);
    config.tls = serves_tls(&args);
    config.connections = ConnectionLimits {
        max_connections: args.max_connections.max(1),
        header_read_timeout: std::time::Duration::from_secs(args.header_read_timeout.max(1)),
    };
    config.database_url = args.database;
    config.demo = args.demo;
    config.public_url = args.public_url;
    config.access.open_signup = args.open_signup;
    config.access.behind_proxy = args.behind_proxy;
    config.access.allowed_hosts = args.allowed_hosts;
    if !config.tls && !args.bind.ip().is_loopback() {
        tracing::warn!(bind = %args.bind, "serving plain HTTP beyond loopback (--insecure-http or --behind-proxy)");
    }
    config.tls_dir = args.tls_dir;
    config.announce = match args.announce.as_str() {
        "on" => true,
        "off" => false,
        _ => !args.bind.ip().is_loopback(),
    };
    // A secret on the command line shows in every `ps`: the environment or
    // a file it names only.
    let pusher_secret = secret_from_env("PUSHER_SECRET")?;
    config.app = match (args.pusher_app_id, args.pusher_key, pusher_secret) {
        (Some(id), Some(key), Some(secret)) => Some(AppCredentials::new(id, key, secret)),
        (None, None, None) => None,
        _ => bail!("set all of PUSHER_APP_ID, PUSHER_KEY and PUSHER_SECRET, or none"),
    };
    config.realtime = match (args.pusher_cluster, args.pusher_host) {
        (Some(_), Some(_)) => bail!("set PUSHER_CLUSTER or PUSHER_HOST, not both"),
        (Some(cluster), None) => RealtimeConfig::PusherCloud { cluster },
        (None, Some(host)) => {
            let scheme = Scheme::parse(&args.pusher_scheme).with_context(|| {
                format!(
                    "PUSHER_SCHEME must be http or https, not {:?}",
                    args.pusher_scheme
                )
            })?;
            RealtimeConfig::SelfHosted {
                host,
                port: args.pusher_port.unwrap_or(scheme.default_port()),
                scheme,
            }
        }
        (None, None) => RealtimeConfig::Embedded,
    };
    let server = Server::start(config).await.context("starting the server")?;
    if let Some(demo) = &server.demo {
        tracing::info!("open {} — {demo}", server.url());
        eprintln!("{demo}");
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    Ok(())
}

/// HTTPS unless the server listens on loopback only, or was told to serve
/// plain HTTP (`--insecure-http`, or `--behind-proxy` for a proxy that
/// serves TLS); `--tls` asks for it anywhere.
fn serves_tls(args: &Args) -> bool {
    args.tls || !(args.bind.ip().is_loopback() || args.insecure_http || args.behind_proxy)
}

/// `NAME` from the environment, or the contents of the file `NAME_FILE`
/// names (trimmed); `None` when neither is set.
fn secret_from_env(name: &str) -> anyhow::Result<Option<String>> {
    if let Ok(value) = std::env::var(name) {
        return Ok(Some(value));
    }
    let Ok(path) = std::env::var(format!("{name}_FILE")) else {
        return Ok(None);
    };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {name}_FILE {path}"))?;
    Ok(Some(text.trim().to_owned()))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// `backup` and `restore`: a line saying what was done, or the error.
#[allow(clippy::print_stdout)] // what the person asked for, said back
async fn by_hand(command: &Command, url: &str) -> anyhow::Result<()> {
    match command {
        Command::Backup { file } => {
            kinboard_server::backup::backup_file(url, file).await?;
            println!("copied the database to {}", file.display());
        }
        Command::Restore { file } => {
            kinboard_server::backup::restore(url, file).await?;
            println!("restored the database from {}", file.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Args;

    #[test]
    fn beyond_loopback_the_server_serves_tls_unless_told_otherwise() {
        let tls = |args: &[&str]| {
            let mut argv = vec!["kinboard-server"];
            argv.extend_from_slice(args);
            super::serves_tls(&Args::try_parse_from(argv).unwrap())
        };
        assert!(tls(&["--bind", "0.0.0.0:8080"]));
        assert!(tls(&["--bind", "192.168.1.5:8080"]));
        assert!(!tls(&["--bind", "127.0.0.1:8080"]));
        assert!(tls(&["--bind", "127.0.0.1:8080", "--tls"]));
        assert!(!tls(&["--bind", "0.0.0.0:8080", "--insecure-http"]));
        assert!(!tls(&["--bind", "0.0.0.0:8080", "--behind-proxy"]));
        assert!(
            Args::try_parse_from(["kinboard-server", "--tls", "--insecure-http"]).is_err(),
            "both at once is a mistake, said at once"
        );
    }

    #[test]
    fn a_secret_is_never_a_flag() {
        assert!(Args::try_parse_from(["kinboard-server", "--pusher-secret", "s3cret"]).is_err());
        assert!(Args::try_parse_from(["kinboard-server", "--pusher-key", "k"]).is_ok());
    }
}
