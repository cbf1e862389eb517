//! How a server is configured: where it listens, which database, where
//! realtime events go, and the Pusher app credentials. The binary fills
//! this from flags and environment variables (see `main.rs`); the desktop
//! app fills it directly to embed a server.

use std::net::SocketAddr;
use std::time::Duration;

pub use kinboard_api::Scheme;
use pusher_protocol::AppCredentials;
use url::Url;

/// Where broadcasts go and what `/api/realtime` tells clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RealtimeConfig {
    /// The embedded relay, served on the server's own address.
    Embedded,
    /// Pusher's cloud (`PUSHER_CLUSTER`): API at `https://api-{cluster}.pusher.com`.
    PusherCloud { cluster: String },
    /// A self-hosted Pusher-compatible engine (`PUSHER_HOST`/`PUSHER_PORT`/
    /// `PUSHER_SCHEME`): WebSocket and HTTP API on the same origin.
    SelfHosted {
        host: String,
        port: u16,
        scheme: Scheme,
    },
}

impl RealtimeConfig {
    /// The Pusher HTTP API origin, for the non-embedded modes.
    pub fn api_base(&self) -> Option<Url> {
        match self {
            Self::Embedded => None,
            Self::PusherCloud { cluster } => {
                Url::parse(&format!("https://api-{cluster}.pusher.com")).ok()
            }
            Self::SelfHosted { host, port, scheme } => {
                Url::parse(&format!("{}://{host}:{port}", scheme.as_str())).ok()
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on; port 0 picks a free one.
    pub bind: SocketAddr,
    /// `sqlite://…` or `postgres://…`; `None` is a SQLite file in the OS data directory.
    pub database_url: Option<String>,
    pub realtime: RealtimeConfig,
    /// Pusher app credentials; `None` loads them from the database, or
    /// generates and stores them on first start (embedded relay only).
    pub app: Option<AppCredentials>,
    /// The address clients reach this server at, when it differs from what
    /// they send as `Host` (e.g. behind a proxy).
    pub public_url: Option<Url>,
    /// Seed the demo family on first start.
    pub demo: bool,
    pub session_ttl: Duration,
    /// Longest the expiry scheduler sleeps before looking for timers that
    /// another instance started.
    pub scheduler_poll: Duration,
    /// Number of broadcast lanes and the events each may buffer.
    pub broadcast_lanes: usize,
    pub broadcast_capacity: usize,
    /// Announce the server on the local network (DNS-SD,
    /// `_kinboard._tcp`), so the family's other screens find it.
    pub announce: bool,
    /// Who may sign up, how guesses are slowed, whose address counts.
    pub access: AccessPolicy,
    /// How many connections at once, and how long for a request's headers.
    pub connections: crate::listen::ConnectionLimits,
    /// Serve HTTPS and WSS with the server's own certificate (see `tls`).
    pub tls: bool,
    /// Where the certificate is kept: by default beside the SQLite
    /// database, or in the OS data directory.
    pub tls_dir: Option<std::path::PathBuf>,
}

/// Who may make an account and how guessing secrets is slowed down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessPolicy {
    /// Anyone may make an account (a hosted service). Otherwise sign-up
    /// closes once the first parent exists: further parents join with an
    /// invite code.
    pub open_signup: bool,
    /// How long a key stays locked after each round of failures, growing
    /// with each lockout (the last span repeats).
    pub lockouts: [Duration; 4],
    /// The server is behind a proxy that appends the client's address to
    /// `X-Forwarded-For`: that address counts, not the proxy's.
    pub behind_proxy: bool,
    /// Names the server answers to besides addresses, private names and
    /// its public URL's host (see `hosts`); `*` for any.
    pub allowed_hosts: Vec<String>,
}

impl Default for AccessPolicy {
    fn default() -> Self {
        Self {
            open_signup: false,
            lockouts: crate::throttle::DEFAULT_LOCKOUTS,
            behind_proxy: false,
            allowed_hosts: Vec::new(),
        }
    }
}

impl ServerConfig {
    pub fn new(bind: SocketAddr) -> Self {
        Self {
            bind,
            database_url: None,
            realtime: RealtimeConfig::Embedded,
            app: None,
            public_url: None,
            demo: false,
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            scheduler_poll: Duration::from_secs(1),
            broadcast_lanes: 4,
            broadcast_capacity: 4096,
            announce: false,
            access: AccessPolicy::default(),
            connections: crate::listen::ConnectionLimits::default(),
            tls: false,
            tls_dir: None,
        }
    }

    pub fn with_database(mut self, url: impl Into<String>) -> Self {
        self.database_url = Some(url.into());
        self
    }

    pub fn with_realtime(mut self, realtime: RealtimeConfig) -> Self {
        self.realtime = realtime;
        self
    }

    pub fn with_app(mut self, app: AppCredentials) -> Self {
        self.app = Some(app);
        self
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self::new(SocketAddr::from(([127, 0, 0, 1], 8080)))
    }
}
