//! Assembling and running a server: [`app`] builds the router from a state
//! (tests drive it directly), [`Server::start`] connects the database,
//! picks the broadcaster, mounts the embedded relay, binds, and runs the
//! expiry scheduler; [`RunningServer::shutdown`] stops it all gracefully.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use kinboard_relay::{Relay, RelayConfig};
use pusher_protocol::AppCredentials;
use rand::Rng;
use thiserror::Error;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::api;
use crate::broadcast::embedded::EmbeddedBroadcaster;
use crate::broadcast::pusher_http::PusherHttpBroadcaster;
use crate::broadcast::{Broadcaster, EventQueue};
use crate::config::{RealtimeConfig, ServerConfig};
use crate::db::{Db, DbError, default_database_url};
use crate::demo::{DemoCredentials, seed_demo_once};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(
        "PUSHER_APP_ID, PUSHER_KEY and PUSHER_SECRET are required with PUSHER_CLUSTER or PUSHER_HOST"
    )]
    MissingCredentials,
    #[error("invalid realtime configuration: {0}")]
    Realtime(String),
    #[error("seeding the demo family failed: {0}")]
    Demo(#[from] ApiError),
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    #[error(transparent)]
    Backup(#[from] crate::backup::BackupError),
}

/// The whole API on one router (without the embedded relay's routes).
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(api::accounts::router())
        .merge(api::families::router())
        .merge(api::members::router())
        .merge(api::parents::router())
        .merge(api::kiosks::router())
        .merge(api::dashboard::router())
        .merge(api::templates::router())
        .merge(api::timers::router())
        .merge(api::chores::router())
        .merge(api::stars::router())
        .merge(api::rewards::router())
        .merge(api::realtime::router())
        .merge(api::ops::router())
        .fallback(|| async { ApiError::NotFound("route") })
        // After every route is in: it applies to the routes registered so
        // far, and axum still adds the Allow header to its reply.
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        // Every body here is a small JSON object.
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(axum::middleware::from_fn(crate::http::refuse_nul_in_path))
        // Replies carry tokens and a family's data: no cache keeps them,
        // and no browser guesses their type.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .with_state(state)
}

pub struct Server;

/// A server running in this process.
pub struct RunningServer {
    pub addr: SocketAddr,
    /// The demo family's sign-in details when it was seeded on this start.
    pub demo: Option<DemoCredentials>,
    state: AppState,
    relay: Option<Relay>,
    stop: watch::Sender<bool>,
    serve: JoinHandle<()>,
    scheduler: JoinHandle<()>,
    /// The DNS-SD announcement, while the server runs.
    announcement: Option<crate::announce::Announcement>,
    /// The shared lock on the database a restore would replace.
    _in_use: Option<crate::backup::InUse>,
}

impl Server {
    pub async fn start(config: ServerConfig) -> Result<RunningServer, StartError> {
        let url = match &config.database_url {
            Some(url) => url.clone(),
            None => default_database_url()?,
        };
        // Held while the server runs: a restore onto this database waits
        // for it to stop.
        let in_use = crate::backup::hold(&url)?;
        let db = Db::connect(&url).await?;
        let credentials = match (&config.app, &config.realtime) {
            (Some(app), _) => app.clone(),
            (None, RealtimeConfig::Embedded) => load_or_create_credentials(&db).await?,
            (None, _) => return Err(StartError::MissingCredentials),
        };
        let (broadcaster, relay): (Arc<dyn Broadcaster>, Option<Relay>) = match &config.realtime {
            RealtimeConfig::Embedded => {
                // Kinboard uses private channels only and no client events:
                // the embedded relay allows nothing else.
                let mut relay_config = RelayConfig::new(credentials.clone());
                relay_config.public_channels = false;
                relay_config.client_events = false;
                let relay = Relay::new(relay_config);
                (
                    Arc::new(EmbeddedBroadcaster::new(relay.clone())),
                    Some(relay),
                )
            }
            other => {
                let base = other
                    .api_base()
                    .ok_or_else(|| StartError::Realtime(format!("{other:?}")))?;
                (
                    Arc::new(PusherHttpBroadcaster::new(base, credentials.clone())),
                    None,
                )
            }
        };
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|source| StartError::Bind {
                addr: config.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.bind,
            source,
        })?;
        let tls = if config.tls {
            let dir = match (&config.tls_dir, crate::db::sqlite_file(&url)) {
                (Some(dir), _) => dir.clone(),
                (None, Some(file)) => file
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .map_or_else(|| std::path::PathBuf::from("."), ToOwned::to_owned),
                (None, None) => crate::db::default_data_dir()?,
            };
            let identity =
                crate::tls::TlsIdentity::load_or_create(&dir, &certificate_names(&config, addr))?;
            Some((identity.acceptor(&dir)?, identity.fingerprint()))
        } else {
            None
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let local_url = url::Url::parse(&format!("{scheme}://{addr}"))
            .map_err(|e| StartError::Realtime(e.to_string()))?;
        let events = EventQueue::start(
            &broadcaster,
            config.broadcast_lanes,
            config.broadcast_capacity,
        );
        let state = AppState::new(
            db,
            events,
            credentials,
            &config,
            local_url,
            tls.as_ref().map(|(_, fingerprint)| fingerprint.clone()),
            url.clone(),
        );
        let demo = if config.demo {
            seed_demo_once(&state).await?
        } else {
            None
        };
        let mut router = self::app(state.clone());
        if let Some(relay) = &relay {
            router = router.merge(relay.router());
        }
        let allowed = crate::hosts::AllowedHosts::new(
            config.access.allowed_hosts.iter().cloned().chain(
                config
                    .public_url
                    .as_ref()
                    .and_then(|u| u.host_str().map(str::to_owned)),
            ),
        );
        let router = router.layer(axum::middleware::from_fn_with_state(
            allowed,
            crate::hosts::check_host,
        ));
        let (stop, stop_rx) = watch::channel(false);
        let serve = tokio::spawn(crate::listen::serve(
            listener,
            router,
            config.connections,
            tls.map(|(acceptor, _)| acceptor),
            stop_rx.clone(),
        ));
        tokio::spawn(crate::backup::keep_daily(state.clone(), stop_rx.clone()));
        let scheduler = tokio::spawn(crate::scheduler::run(
            state.clone(),
            config.scheduler_poll,
            stop_rx,
        ));
        tracing::info!(%addr, realtime = ?config.realtime, "kinboard server listening");
        let announcement = if config.announce {
            match crate::announce::Announcement::start(addr.port(), config.tls) {
                Ok(a) => Some(a),
                Err(e) => {
                    // The other screens can still type the address.
                    tracing::warn!(error = %e, "could not announce the server on the network");
                    None
                }
            }
        } else {
            None
        };
        Ok(RunningServer {
            addr,
            demo,
            state,
            relay,
            stop,
            serve,
            scheduler,
            announcement,
            _in_use: in_use,
        })
    }
}

/// The names and addresses a new certificate lists: loopback, this
/// computer's name (and its `.local`), the address bound when it is one,
/// and the public URL's host.
fn certificate_names(config: &ServerConfig, addr: SocketAddr) -> Vec<String> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    if !host.is_empty() {
        names.push(format!("{host}.local"));
        names.push(host);
    }
    if !addr.ip().is_unspecified() && !addr.ip().is_loopback() {
        names.push(addr.ip().to_string());
    }
    if let Some(public) = config.public_url.as_ref().and_then(|u| u.host_str()) {
        names.push(
            public
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
        );
    }
    names.sort();
    names.dedup();
    names
}

impl RunningServer {
    /// `http://{addr}`, or `https://` when it serves TLS.
    pub fn url(&self) -> String {
        self.state
            .local_url
            .as_str()
            .trim_end_matches('/')
            .to_owned()
    }

    /// The SHA-256 fingerprint of the certificate it serves, when it
    /// serves HTTPS.
    pub fn certificate(&self) -> Option<&str> {
        self.state.tls_fingerprint.as_deref()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops accepting requests, lets in-flight ones finish, closes relay
    /// sockets (clients reconnect elsewhere or later), publishes what is
    /// still queued, and closes the database.
    pub async fn shutdown(self) {
        drop(self.announcement);
        let _ = self.stop.send(true);
        // Open WebSockets would keep the HTTP server's graceful shutdown
        // waiting, so close them first.
        if let Some(relay) = &self.relay {
            relay.shutdown().await;
        }
        match tokio::time::timeout(Duration::from_secs(10), self.serve).await {
            Ok(Err(e)) => tracing::error!(error = %e, "the server's accept loop failed"),
            Ok(Ok(())) => {}
            Err(_) => tracing::warn!("in-flight requests did not finish within 10 s"),
        }
        let _ = self.scheduler.await;
        self.state.events.close(Duration::from_secs(5)).await;
        self.state.db.close().await;
    }
}

/// Fresh app credentials. The thread's RNG is not `Send`, so it lives
/// only inside this function and never across an await: that keeps
/// [`Server::start`]'s future `Send`, so it can be spawned anywhere.
fn new_credentials() -> AppCredentials {
    let mut rng = rand::rng();
    AppCredentials::new(
        rng.random_range(100_000..1_000_000u32).to_string(),
        hex::encode(rng.random::<[u8; 10]>()),
        hex::encode(rng.random::<[u8; 16]>()),
    )
}

/// The embedded relay's credentials: generated once, then kept in the
/// database so tokens signed before a restart stay valid.
async fn load_or_create_credentials(db: &Db) -> Result<AppCredentials, StartError> {
    let candidate = new_credentials();
    let encoded = format!(
        "{}:{}:{}",
        candidate.app_id, candidate.key, candidate.secret
    );
    // Insert-if-absent, then read: concurrent first starts agree on one set.
    sqlx::query("INSERT INTO settings (name, value) VALUES ('pusher_app', $1) ON CONFLICT (name) DO NOTHING")
        .bind(&encoded)
        .execute(&db.writer)
        .await?;
    let (value,): (String,) =
        sqlx::query_as("SELECT value FROM settings WHERE name = 'pusher_app'")
            .fetch_one(&db.writer)
            .await?;
    let mut parts = value.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(id), Some(key), Some(secret)) => Ok(AppCredentials::new(id, key, secret)),
        _ => Err(StartError::Realtime(
            "stored app credentials are malformed".into(),
        )),
    }
}
