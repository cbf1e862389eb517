//! The shared application state handed to every handler and service: the
//! database, the broadcast queue, the realtime settings, the caches and
//! the scheduler's wake-up. It sits below the domain (which reads and
//! writes through it) and knows nothing of handlers.

use std::ops::Deref;
use std::sync::Arc;

use pusher_protocol::AppCredentials;
use tokio::sync::Mutex;

use kinboard_api::{Role, Timer};

use crate::broadcast::EventQueue;
use crate::cache::{AUTH_TTL, KIOSK_SEEN_EVERY, TtlCache};
use crate::config::{AccessPolicy, RealtimeConfig, ServerConfig};
use crate::db::Db;
use crate::principal::Caller;
use crate::wake::ExpiryWake;

/// Cheap to clone; everything lives behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<StateInner>);

pub struct StateInner {
    pub db: Db,
    pub events: EventQueue,
    pub app: AppCredentials,
    pub realtime: RealtimeConfig,
    /// The address clients use, when configured; otherwise the request's
    /// `Host`, and failing that [`Self::local_url`].
    pub public_url: Option<url::Url>,
    /// `http://{the address this server is bound to}`.
    pub local_url: url::Url,
    pub session_ttl_ms: i64,
    /// Who may sign up, how guesses are slowed, whose address counts.
    pub access: AccessPolicy,
    /// The SHA-256 of the certificate, when this server serves TLS.
    pub tls_fingerprint: Option<String>,
    /// The database this server opened (its daily copies go beside it).
    pub database_url: String,
    /// Wakes the expiry scheduler when a timer comes to end sooner than
    /// its next planned look.
    pub scheduler_wake: ExpiryWake,
    /// Token hash → the caller and when the session expires (ms epoch).
    pub sessions: TtlCache<String, (Caller, i64)>,
    /// (user id, family id) → role.
    pub roles: TtlCache<(String, String), Role>,
    /// Timer id → the timer as this instance last wrote or read it: a hint
    /// that saves a read when it is still current (see `domain::timers::act`).
    pub timers: TtlCache<String, Timer>,
    /// Kitchen screens whose last-seen time this instance wrote lately.
    pub kiosks_seen: TtlCache<String, ()>,
    /// The sockets this instance let into family channels, and on whose
    /// credentials.
    pub sockets: crate::sockets::SocketBook,
    family_locks: Vec<Mutex<()>>,
}

/// Striped locks: a bounded set of mutexes a family hashes into.
const FAMILY_LOCK_STRIPES: usize = 64;

impl AppState {
    pub fn new(
        db: Db,
        events: EventQueue,
        app: AppCredentials,
        config: &ServerConfig,
        local_url: url::Url,
        tls_fingerprint: Option<String>,
        database_url: String,
    ) -> Self {
        Self(Arc::new(StateInner {
            db,
            events,
            app,
            realtime: config.realtime.clone(),
            public_url: config.public_url.clone(),
            local_url,
            session_ttl_ms: i64::try_from(config.session_ttl.as_millis()).unwrap_or(i64::MAX),
            access: config.access.clone(),
            tls_fingerprint,
            database_url,
            scheduler_wake: ExpiryWake::new(),
            sessions: TtlCache::new(AUTH_TTL),
            roles: TtlCache::new(AUTH_TTL),
            timers: TtlCache::new(std::time::Duration::MAX),
            kiosks_seen: TtlCache::new(KIOSK_SEEN_EVERY),
            sockets: crate::sockets::SocketBook::new(),
            family_locks: (0..FAMILY_LOCK_STRIPES).map(|_| Mutex::new(())).collect(),
        }))
    }

    /// The lock held from just before a family's commit until its events are
    /// queued, so that two transactions of one family queue their events in
    /// the order they committed.
    pub fn family_lock(&self, family_id: &str) -> &Mutex<()> {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in family_id.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        &self.0.family_locks[(h % FAMILY_LOCK_STRIPES as u64) as usize]
    }
}

impl AppState {
    /// This server's origin as the client sees it.
    pub fn public_base(&self, headers: &axum::http::HeaderMap) -> url::Url {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        let scheme = if self.tls_fingerprint.is_some() {
            "https"
        } else {
            "http"
        };
        headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .and_then(|host| url::Url::parse(&format!("{scheme}://{host}")).ok())
            .unwrap_or_else(|| self.local_url.clone())
    }
}

impl Deref for AppState {
    type Target = StateInner;

    fn deref(&self) -> &StateInner {
        &self.0
    }
}
