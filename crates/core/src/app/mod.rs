//! The app's lifecycle, free of Tauri: [`Supervisor`] decides which server
//! this instance talks to (one it hosts, or one elsewhere), signs in, up
//! or out, restores the saved session from the credential store (falling
//! back to memory when the keyring fails), hosts a household, pairs a
//! kitchen screen, keeps reconnecting in the background while the server
//! is away, and forwards every view of the live dashboard to a
//! [`ViewSink`].
//!
//! Everything outside is a trait: the household server ([`Backend`]),
//! hosting one ([`HouseholdHost`]), the keyring ([`Keyring`]), where views
//! and statuses go ([`ViewSink`]) and where expiry notices go
//! ([`Notifier`]). The desktop shell gives it the real ones; its tests
//! give it scripted ones and run every path on paused time.

pub mod backend;
pub mod host;
pub mod profile;
pub mod status;

#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;
use utoipa::ToSchema;

pub use backend::{Backend, Board, BoxFuture, Credentials, HttpBackend};
pub use host::{DemoLogin, HostedServer, HouseholdHost, lan_address};
pub use profile::Profile;
pub use status::{DesktopStatus, ServiceStatus};

use crate::api::normalize_base_url;
use crate::credentials::{self, CredentialStore, MemoryStore};
use crate::error::CoreError;
use crate::notify::Notifier;
use crate::session::SessionKind;
use crate::view::DashboardView;

/// The kitchen screen `--demo --kiosk` pairs itself as.
const DEMO_KIOSK: &str = "Demo kitchen screen";

/// The first and the longest pause between tries to reach a server that
/// was away at start-up.
pub const RECONNECT_FIRST: Duration = Duration::from_secs(1);
pub const RECONNECT_MAX: Duration = Duration::from_secs(30);

/// Where the app's server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// An embedded server with the demo family, signed in as its first parent.
    Demo { bind: SocketAddr },
    /// A household server hosted by this app.
    Host { bind: SocketAddr },
    /// A server elsewhere; `None` means the one the saved session names
    /// (or the welcome screen asks).
    Client { server: Option<String> },
}

impl Mode {
    fn kind(&self) -> ModeKind {
        match self {
            Self::Demo { .. } => ModeKind::Demo,
            Self::Host { .. } => ModeKind::Host,
            Self::Client { .. } => ModeKind::Client,
        }
    }
}

/// Which kind of server this app talks to, as the page sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ModeKind {
    Demo,
    Host,
    Client,
}

/// Where a household hosted from the welcome screen listens: every
/// address, so the other screens on the LAN reach it, on port 8080.
pub fn default_host_bind() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 8080))
}

/// Who is signed in here, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub signed_in: bool,
    pub server_url: Option<String>,
    /// The parent's email (none for a kitchen screen).
    pub email: Option<String>,
    pub mode: ModeKind,
    /// A kitchen screen: started as one, or signed in with a kiosk token.
    pub kiosk: bool,
    pub desktop: DesktopStatus,
}

/// A one-time pairing code, and the address the kitchen screen reaches
/// the household server at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PairingView {
    pub code: String,
    pub name: String,
    /// When the code stops working (ms epoch, server time).
    pub expires_at: i64,
    pub server_url: String,
}

/// Opens the platform's credential store.
pub trait Keyring: Send + Sync + 'static {
    /// The store for `service`, or memory with the reason why not.
    fn open(
        &self,
        service: String,
    ) -> BoxFuture<'static, (Arc<dyn CredentialStore>, ServiceStatus)>;
}

/// The platform keyring (the Secret Service on Linux).
#[derive(Debug, Clone, Copy, Default)]
pub struct PlatformKeyring;

impl Keyring for PlatformKeyring {
    fn open(
        &self,
        service: String,
    ) -> BoxFuture<'static, (Arc<dyn CredentialStore>, ServiceStatus)> {
        Box::pin(credentials::open_platform(service))
    }
}

/// Where the supervisor's output goes: every new dashboard view (`None`
/// when there is no dashboard any more: signed out, or switching), and
/// every change of the desktop services' status. Called from tokio tasks:
/// keep it quick.
pub trait ViewSink: Send + Sync + 'static {
    fn view(&self, view: Option<&Arc<DashboardView>>);
    fn desktop(&self, status: &DesktopStatus);
}

/// How one supervisor is set up.
pub struct Setup<B: Backend> {
    pub profile: Profile,
    pub mode: Mode,
    /// Started as a kitchen screen (`--kiosk`).
    pub kiosk: bool,
    pub backend: B,
    pub host: Arc<dyn HouseholdHost>,
    pub keyring: Arc<dyn Keyring>,
    pub sink: Arc<dyn ViewSink>,
    pub notifier: Arc<dyn Notifier>,
}

struct Hosted {
    server: Box<dyn HostedServer>,
    /// How this app reaches it (loopback when it listens on every address).
    local_url: String,
}

struct Signed<Bd> {
    session: Option<Credentials>,
    board: Option<Bd>,
    /// Connects the board (retrying) and then forwards its views.
    task: Option<JoinHandle<()>>,
}

impl<Bd> Default for Signed<Bd> {
    fn default() -> Self {
        Self {
            session: None,
            board: None,
            task: None,
        }
    }
}

/// The app's lifecycle; see the module docs. Shared as an `Arc`.
pub struct Supervisor<B: Backend> {
    profile: Profile,
    mode: Mode,
    kiosk: bool,
    backend: B,
    host: Arc<dyn HouseholdHost>,
    keyring: Arc<dyn Keyring>,
    sink: Arc<dyn ViewSink>,
    notifier: Arc<dyn Notifier>,
    /// Memory until start-up has probed the keyring, and again if the
    /// keyring fails later.
    store: std::sync::RwLock<Arc<dyn CredentialStore>>,
    desktop: watch::Sender<DesktopStatus>,
    hosted: Mutex<Option<Hosted>>,
    /// Held across a whole change of session (stop the old board, connect,
    /// keep the new one), so two at once cannot leave a board behind.
    lifecycle: Mutex<()>,
    signed: Mutex<Signed<B::Board>>,
    /// False until the start-up sign-in (or restore) has been tried.
    ready: watch::Sender<bool>,
}

impl<B: Backend> Supervisor<B> {
    pub fn new(setup: Setup<B>) -> Arc<Self> {
        Arc::new(Self {
            profile: setup.profile,
            mode: setup.mode,
            kiosk: setup.kiosk,
            backend: setup.backend,
            host: setup.host,
            keyring: setup.keyring,
            sink: setup.sink,
            notifier: setup.notifier,
            store: std::sync::RwLock::new(Arc::new(MemoryStore::new())),
            desktop: watch::channel(DesktopStatus::default()).0,
            hosted: Mutex::new(None),
            lifecycle: Mutex::new(()),
            signed: Mutex::new(Signed::default()),
            ready: watch::channel(false).0,
        })
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Changes the desktop status (the shell reports the notification
    /// server's); the sink hears of every change.
    pub fn update_desktop(&self, change: impl FnOnce(&mut DesktopStatus)) {
        let changed = self.desktop.send_if_modified(|d| {
            let before = d.clone();
            change(d);
            *d != before
        });
        if changed {
            self.sink.desktop(&self.desktop.borrow());
        }
    }

    fn store(&self) -> Arc<dyn CredentialStore> {
        self.store
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn use_store(&self, store: Arc<dyn CredentialStore>, status: ServiceStatus) {
        *self
            .store
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = store;
        self.update_desktop(|d| d.keyring = status);
    }

    /// The keyring failed (locked since start-up, say): say so, and keep
    /// tokens in memory from now on.
    fn keyring_failed(&self, reason: &str) {
        let (store, status) = credentials::memory_fallback(reason);
        self.use_store(store, status);
    }

    // ------------------------------------------------------------ start

    /// Start-up: opens the credential store, starts the embedded server of
    /// `--demo` / `--host` (or of a household set up here before), and
    /// signs in (demo) or restores the saved session. Commands wait for it.
    pub async fn start(self: &Arc<Self>) {
        if let Err(e) = self.start_inner().await {
            tracing::error!(error = %e, "start-up failed");
        }
        self.ready.send_replace(true);
    }

    async fn start_inner(self: &Arc<Self>) -> Result<(), CoreError> {
        // The demo's password is public and its port changes at each start:
        // its token stays in memory, not in the keyring.
        let (store, status) = match self.mode {
            Mode::Demo { bind } if bind.port() == 0 => (
                Arc::new(MemoryStore::new()) as Arc<dyn CredentialStore>,
                ServiceStatus::NotUsed,
            ),
            _ => self.keyring.open(self.profile.keyring_service()).await,
        };
        self.use_store(store, status);
        match self.mode.clone() {
            Mode::Demo { bind } => self.start_demo(bind).await,
            Mode::Host { bind } => {
                let url = self.host(bind, "household.sqlite3", false).await?;
                self.restore(Some(&url)).await;
                Ok(())
            }
            Mode::Client { server: None } if self.profile.load_hosting().is_some() => {
                // This profile hosts its household (set up from the welcome screen).
                let bind = self
                    .profile
                    .load_hosting()
                    .unwrap_or_else(default_host_bind);
                let url = self.host(bind, "household.sqlite3", false).await?;
                self.restore(Some(&url)).await;
                Ok(())
            }
            Mode::Client { server } => {
                self.restore(server.as_deref()).await;
                Ok(())
            }
        }
    }

    async fn start_demo(self: &Arc<Self>, bind: SocketAddr) -> Result<(), CoreError> {
        let url = self.host(bind, "demo.sqlite3", true).await?;
        let demo = {
            let hosted = self.hosted.lock().await;
            hosted.as_ref().and_then(|h| h.server.demo())
        }
        .ok_or_else(|| CoreError::Host("the demo family was not seeded".into()))?;
        let mut session = self
            .backend
            .sign_in(&url, &demo.email, &demo.password)
            .await?;
        tracing::info!(server = %url, email = %demo.email, "signed in to the demo family");
        if self.kiosk {
            // A demo kitchen screen runs as a kitchen screen does: on a
            // kiosk token a parent made, so the PIN is asked for.
            session = self.backend.kiosk_for(&session, DEMO_KIOSK).await?;
            tracing::info!(pin = %demo.pin, "the demo kitchen screen is paired");
        }
        self.keep(&session).await?;
        self.begin(session, false).await
    }

    /// Starts the embedded server (once); returns the URL this app uses.
    async fn host(
        &self,
        bind: SocketAddr,
        database: &str,
        demo: bool,
    ) -> Result<String, CoreError> {
        let mut hosted = self.hosted.lock().await;
        if let Some(h) = hosted.as_ref() {
            return Ok(h.local_url.clone());
        }
        let server = self
            .host
            .start(bind, self.profile.database_url(database), demo)
            .await
            .map_err(CoreError::Host)?;
        let mut local = server.addr();
        if local.ip().is_unspecified() {
            local.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        let local_url = format!("http://{local}");
        tracing::info!(listen = %server.addr(), url = %local_url, demo, "hosting the household server");
        *hosted = Some(Hosted {
            server,
            local_url: local_url.clone(),
        });
        Ok(local_url)
    }

    /// Restores the saved session if it is for `server` (any when `None`)
    /// and its token is still in the store.
    async fn restore(self: &Arc<Self>, server: Option<&str>) {
        let Some(info) = self.profile.load_session() else {
            return;
        };
        if let Some(server) = server {
            let wanted = normalize_base_url(server).unwrap_or_else(|_| server.to_owned());
            if wanted != info.server_url {
                tracing::info!(saved = %info.server_url, %wanted, "the saved session is for another server");
                return;
            }
        }
        match credentials::load_token(&self.store(), &info).await {
            Ok(Some(token)) => {
                tracing::info!(server = %info.server_url, account = %info.account, "session restored");
                let session = Credentials { info, token };
                if let Err(e) = self.begin(session, true).await {
                    tracing::warn!(error = %e, "restored session not connected");
                }
            }
            Ok(None) => tracing::info!("no token for the saved session: signed out"),
            Err(CoreError::Credentials(reason)) => {
                // A locked or broken keyring: say so, ask for a sign-in, and
                // keep the next token in memory.
                tracing::warn!(%reason, "the keyring refused the saved session's token");
                self.keyring_failed(&reason);
            }
            Err(e) => tracing::warn!(error = %e, "could not restore the saved session"),
        }
    }

    /// Keeps `session`'s token in the credential store, or in memory when
    /// the keyring refuses it.
    async fn keep(&self, session: &Credentials) -> Result<(), CoreError> {
        match credentials::save_token(&self.store(), &session.info, &session.token).await {
            Err(CoreError::Credentials(reason)) => {
                self.keyring_failed(&reason);
                credentials::save_token(&self.store(), &session.info, &session.token).await
            }
            other => other,
        }
    }

    /// Keeps `session` and connects its board. With `retry`, a server that
    /// cannot be reached is tried again in the background until it answers
    /// (a restored session at start-up); otherwise the first failure is
    /// the caller's.
    async fn begin(self: &Arc<Self>, session: Credentials, retry: bool) -> Result<(), CoreError> {
        let _changing = self.lifecycle.lock().await;
        self.end_board().await;
        let first = self.backend.connect(&session, self.notifier.clone()).await;
        let mut signed = self.signed.lock().await;
        match first {
            Ok(board) => {
                signed.task = Some(self.forward(board.clone()));
                signed.board = Some(board);
            }
            // Refused, or a fresh session that cannot be used (no family):
            // keep nothing of it, here or at the server.
            Err(e) if e.is_unauthorized() || !retry => {
                drop(signed);
                self.forget(Some(session)).await;
                return Err(e);
            }
            Err(e) => {
                tracing::warn!(error = %e, "server unreachable: connecting in the background");
                signed.task = Some(self.connect_later(session.clone()));
            }
        }
        if let Err(e) = self.profile.save_session(Some(&session.info)) {
            tracing::warn!(error = %e, "could not save the session");
        }
        signed.session = Some(session);
        Ok(())
    }

    /// Tries to connect the board with growing pauses ([`RECONNECT_FIRST`]
    /// doubling to [`RECONNECT_MAX`]); then forwards its views.
    fn connect_later(self: &Arc<Self>, session: Credentials) -> JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let mut delay = RECONNECT_FIRST;
            loop {
                tokio::time::sleep(delay).await;
                match this.backend.connect(&session, this.notifier.clone()).await {
                    Ok(board) => {
                        this.signed.lock().await.board = Some(board.clone());
                        tracing::info!("dashboard connected");
                        // This task becomes the forwarder.
                        this.forward_views(board).await;
                        return;
                    }
                    Err(e) if e.is_unauthorized() => {
                        tracing::warn!("the saved session was refused: signed out");
                        this.signed.lock().await.session = None;
                        this.forget(Some(session)).await;
                        return;
                    }
                    Err(e) => tracing::debug!(error = %e, ?delay, "still unreachable"),
                }
                delay = (delay * 2).min(RECONNECT_MAX);
            }
        })
    }

    fn forward(self: &Arc<Self>, board: B::Board) -> JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move { this.forward_views(board).await })
    }

    /// Hands every view of `board` to the sink.
    async fn forward_views(&self, board: B::Board) {
        let mut views = board.views();
        loop {
            let view = views.borrow_and_update().clone();
            self.sink.view(Some(&view));
            if views.changed().await.is_err() {
                return;
            }
        }
    }

    /// Stops the board and its forwarder (the session stays).
    async fn end_board(&self) {
        let mut signed = self.signed.lock().await;
        if let Some(task) = signed.task.take() {
            task.abort();
        }
        if let Some(board) = signed.board.take() {
            board.shutdown();
        }
        self.sink.view(None);
    }

    /// Forgets the session here (its token and the saved session) and at
    /// the server.
    async fn forget(&self, session: Option<Credentials>) {
        if let Err(e) = self.profile.save_session(None) {
            tracing::warn!(error = %e, "could not forget the session");
        }
        let Some(session) = session else { return };
        if let Err(e) = credentials::forget_token(&self.store(), &session.info).await {
            tracing::warn!(error = %e, "could not remove the token from the credential store");
        }
        if let Err(e) = self.backend.sign_out(&session).await {
            tracing::warn!(error = %e, "sign-out at the server failed (forgotten here anyway)");
        }
    }

    async fn wait_ready(&self) {
        let mut ready = self.ready.subscribe();
        let _ = ready.wait_for(|r| *r).await;
    }

    // ------------------------------------------------------------ commands

    pub async fn session_view(&self) -> SessionView {
        self.wait_ready().await;
        let signed = self.signed.lock().await;
        let info = signed.session.as_ref().map(|s| s.info.clone());
        SessionView {
            signed_in: info.is_some(),
            server_url: info.as_ref().map(|i| i.server_url.clone()),
            email: info
                .as_ref()
                .filter(|i| i.kind == SessionKind::User)
                .map(|i| i.account.clone()),
            mode: self.mode.kind(),
            kiosk: self.kiosk || info.is_some_and(|i| i.kind == SessionKind::Kiosk),
            desktop: self.desktop.borrow().clone(),
        }
    }

    /// The live dashboard, or why there is none.
    pub async fn board(&self) -> Result<B::Board, CoreError> {
        self.wait_ready().await;
        let signed = self.signed.lock().await;
        match (&signed.board, &signed.session) {
            (Some(board), _) => Ok(board.clone()),
            (None, Some(_)) => Err(CoreError::Network(
                "the household server is not answering yet; still trying".into(),
            )),
            (None, None) => Err(CoreError::NotSignedIn),
        }
    }

    /// Signs in to the server at `server_url` (this computer's, when it
    /// hosts one and none is given).
    pub async fn sign_in(
        self: &Arc<Self>,
        server_url: Option<&str>,
        email: &str,
        password: &str,
    ) -> Result<(), CoreError> {
        self.wait_ready().await;
        let url = match server_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => url.to_owned(),
            None => self
                .hosted
                .lock()
                .await
                .as_ref()
                .map(|h| h.local_url.clone())
                .ok_or_else(|| {
                    CoreError::InvalidUrl("enter the household server's address".into())
                })?,
        };
        let session = self.backend.sign_in(&url, email.trim(), password).await?;
        self.keep(&session).await?;
        self.begin(session, false).await
    }

    /// Hosts a new household on this computer: starts the embedded server
    /// (if not already), creates the first parent and the family, signs in.
    pub async fn host_household(
        self: &Arc<Self>,
        family_name: &str,
        name: &str,
        email: &str,
        password: &str,
    ) -> Result<(), CoreError> {
        self.wait_ready().await;
        let bind = match self.mode {
            Mode::Host { bind } | Mode::Demo { bind } => bind,
            Mode::Client { .. } => self
                .profile
                .load_hosting()
                .unwrap_or_else(default_host_bind),
        };
        let url = self.host(bind, "household.sqlite3", false).await?;
        if matches!(self.mode, Mode::Client { .. })
            && let Err(e) = self.profile.save_hosting(Some(bind))
        {
            tracing::warn!(error = %e, "could not remember hosting");
        }
        let (email, name) = (email.trim(), name.trim());
        let session = match self.backend.sign_up(&url, email, password, name).await {
            // A retry after a step further on failed: the account is there;
            // the same password signs in to it.
            Err(taken) if taken.code() == kinboard_api::ErrorCode::EmailTaken => self
                .backend
                .sign_in(&url, email, password)
                .await
                .map_err(|_| taken)?,
            other => other?,
        };
        self.keep(&session).await?;
        self.backend
            .create_family(&session, family_name.trim(), None)
            .await?;
        self.begin(session, false).await
    }

    pub async fn sign_out(&self) -> Result<(), CoreError> {
        self.wait_ready().await;
        self.end_board().await;
        let session = self.signed.lock().await.session.take();
        self.forget(session).await;
        Ok(())
    }

    /// A one-time code for pairing a kitchen screen with this family.
    pub async fn create_kiosk_pairing(&self, name: &str) -> Result<PairingView, CoreError> {
        let board = self.board().await?;
        let pairing = self.backend.create_pairing(&board, name.trim()).await?;
        let used = self
            .signed
            .lock()
            .await
            .session
            .as_ref()
            .map(|s| s.info.server_url.clone())
            .unwrap_or_default();
        Ok(PairingView {
            code: pairing.code,
            name: pairing.name,
            expires_at: pairing.expires_at,
            server_url: self.address_for_other_screens(&used).await,
        })
    }

    /// Where another screen reaches the household server: this app's
    /// server on the LAN address of this computer when it hosts it on
    /// every address, else the address this app uses.
    async fn address_for_other_screens(&self, used: &str) -> String {
        let hosted = self.hosted.lock().await;
        match hosted.as_ref().map(|h| h.server.addr()) {
            Some(addr) if addr.ip().is_unspecified() => match lan_address() {
                Some(ip) => format!("http://{}", SocketAddr::new(ip, addr.port())),
                None => used.to_owned(),
            },
            _ => used.to_owned(),
        }
    }

    /// Pairs this screen as a kitchen screen with a code from a parent's
    /// device.
    pub async fn pair_kiosk(
        self: &Arc<Self>,
        server_url: &str,
        code: &str,
    ) -> Result<(), CoreError> {
        self.wait_ready().await;
        // The code works once: once claimed, nothing may fail for good
        // (a keyring that refuses the token falls back to memory).
        let session = self
            .backend
            .claim_pairing(server_url.trim(), code.trim())
            .await?;
        self.keep(&session).await?;
        tracing::info!(server = %session.info.server_url, kiosk = %session.info.account, "paired as a kiosk");
        self.begin(session, false).await
    }

    /// Closes the board and stops the embedded server (at exit).
    pub async fn shutdown(&self) {
        self.end_board().await;
        if let Some(hosted) = self.hosted.lock().await.take() {
            hosted.server.shutdown().await;
        }
    }
}
