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
//! ([`Notifier`]).
//!
//! A parent in several families has a board for each, each subscribed to
//! its own channel (and raising its own expiry notices); one is shown.
//! When the server ends this device's access — a parent removed, a
//! kitchen screen revoked — the session is forgotten and the screen goes
//! back to the start. The desktop shell gives it the real ones; its tests
//! give it scripted ones and run every path on paused time.

pub mod backend;
pub mod host;
pub mod profile;
pub mod starters;
pub mod status;

#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use kinboard_api::{ErrorCode, FamilyRole};
use serde::Serialize;
use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;
use utoipa::ToSchema;

pub use backend::{Backend, Board, BoxFuture, Credentials, HttpBackend, ServerAddress};
pub use host::{DemoLogin, HostedServer, HouseholdHost, lan_address};
pub use profile::{Profile, SoundSettings};
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
    /// A kitchen screen: started as one, set up as one, or signed in
    /// with a kiosk token.
    pub kiosk: bool,
    /// Every family of the account (a kitchen screen's one).
    pub families: Vec<FamilyRole>,
    /// The family shown.
    pub family_id: Option<String>,
    /// The check code of the household server's certificate this screen
    /// trusts, for a person to compare with another screen's (none over
    /// plain HTTP, or for a server a public authority vouches for).
    pub certificate_code: Option<String>,
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
    /// The check code of the server's certificate, which the kitchen
    /// screen shows on first contact for a person to compare.
    pub certificate_code: Option<String>,
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
/// when there is no dashboard any more: signed out, or switching), every
/// change of who is signed in (a window set up as a kitchen screen
/// becomes one; one whose session ended goes back to the start), and
/// every change of the desktop services' status. Called from tokio tasks:
/// keep it quick.
pub trait ViewSink: Send + Sync + 'static {
    fn view(&self, view: Option<&Arc<DashboardView>>);
    fn session(&self, session: &SessionView);
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
    /// How this app reaches it (loopback when it listens on every address),
    /// and its certificate, which this app trusts without asking: it is
    /// its own.
    local: ServerAddress,
}

/// The session and the live boards of its families.
struct Signed<Bd> {
    session: Option<Credentials>,
    families: Vec<FamilyRole>,
    /// One per family, each subscribed to its own channel.
    boards: Vec<Bd>,
    /// The family shown.
    current: Option<String>,
    /// Connects the boards in the background while the server is away.
    connecting: Option<JoinHandle<()>>,
    /// Hands the shown board's views to the sink.
    forward: Option<JoinHandle<()>>,
    /// One per board: notices when the server ends this device's access.
    watchers: Vec<JoinHandle<()>>,
}

impl<Bd> Default for Signed<Bd> {
    fn default() -> Self {
        Self {
            session: None,
            families: Vec::new(),
            boards: Vec::new(),
            current: None,
            connecting: None,
            forward: None,
            watchers: Vec::new(),
        }
    }
}

impl<Bd: Board> Signed<Bd> {
    fn current_board(&self) -> Option<&Bd> {
        let current = self.current.as_deref()?;
        self.boards.iter().find(|b| b.family_id() == current)
    }
}

/// How a person joining a household signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Joining {
    /// A new parent: an account is made with this name.
    NewParent { name: String },
    /// Someone with an account on that server already.
    SignIn,
}

/// The app's lifecycle; see the module docs. Shared as an `Arc`.
pub struct Supervisor<B: Backend> {
    profile: Profile,
    mode: Mode,
    /// A kitchen screen: started as one, or set up as one here since.
    kiosk: AtomicBool,
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
    /// Held across a whole change of session (stop the old boards,
    /// connect, keep the new ones), so two at once cannot leave a board
    /// behind.
    lifecycle: Mutex<()>,
    signed: Mutex<Signed<B::Board>>,
    /// Which forwarding task may hand views to the sink: each new one (a
    /// family switched to, boards ended) takes the next number, and an
    /// older one, still finishing a view, finds its number stale and
    /// drops it (checked and emitted under this lock).
    shown: std::sync::Mutex<u64>,
    /// Counts the sets of boards: a watcher acts for its own set only,
    /// never for a session begun after it saw the error.
    epoch: AtomicU64,
    /// False until the start-up sign-in (or restore) has been tried.
    ready: watch::Sender<bool>,
}

impl<B: Backend> Supervisor<B> {
    pub fn new(setup: Setup<B>) -> Arc<Self> {
        let kiosk = setup.kiosk || setup.profile.is_kiosk();
        Arc::new(Self {
            profile: setup.profile,
            mode: setup.mode,
            kiosk: AtomicBool::new(kiosk),
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
            shown: std::sync::Mutex::new(0),
            epoch: AtomicU64::new(0),
            ready: watch::channel(false).0,
        })
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Whether this instance is a kitchen screen.
    pub fn is_kiosk(&self) -> bool {
        self.kiosk.load(Ordering::SeqCst)
    }

    /// A kitchen screen only pairs: signing in as a parent, hosting,
    /// joining or pairing another screen are a parent's computer's. The
    /// window's command permissions say so from the next start; this says
    /// so at once, for a window set up as a kitchen screen in place.
    fn refuse_on_kitchen_screen(&self) -> Result<(), CoreError> {
        if self.is_kiosk() {
            return Err(CoreError::parents_only());
        }
        Ok(())
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
        self.publish_session().await;
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
                self.restore(Some(&url.url)).await;
                Ok(())
            }
            Mode::Client { server: None } if self.profile.load_hosting().is_some() => {
                // This profile hosts its household (set up from the welcome screen).
                let bind = self
                    .profile
                    .load_hosting()
                    .unwrap_or_else(default_host_bind);
                let url = self.host(bind, "household.sqlite3", false).await?;
                self.restore(Some(&url.url)).await;
                Ok(())
            }
            Mode::Client { server } => {
                self.restore(server.as_deref()).await;
                Ok(())
            }
        }
    }

    async fn start_demo(self: &Arc<Self>, bind: SocketAddr) -> Result<(), CoreError> {
        let server = self.host(bind, "demo.sqlite3", true).await?;
        let demo = {
            let hosted = self.hosted.lock().await;
            hosted.as_ref().and_then(|h| h.server.demo())
        }
        .ok_or_else(|| CoreError::Host("the demo family was not seeded".into()))?;
        let mut session = self
            .backend
            .sign_in(&server, &demo.email, &demo.password)
            .await?;
        tracing::info!(server = %server.url, email = %demo.email, "signed in to the demo family");
        if self.is_kiosk() {
            // A demo kitchen screen runs as a kitchen screen does: on a
            // kiosk token a parent made, so the PIN is asked for.
            session = self.backend.kiosk_for(&session, DEMO_KIOSK).await?;
            tracing::info!(pin = %demo.pin, "the demo kitchen screen is paired");
        }
        self.keep(&session).await?;
        self.begin(session, false).await
    }

    /// Starts the embedded server (once); returns where this app reaches it.
    async fn host(
        &self,
        bind: SocketAddr,
        database: &str,
        demo: bool,
    ) -> Result<ServerAddress, CoreError> {
        let mut hosted = self.hosted.lock().await;
        if let Some(h) = hosted.as_ref() {
            return Ok(h.local.clone());
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
        let certificate = server.certificate();
        let scheme = if certificate.is_some() {
            "https"
        } else {
            "http"
        };
        let local_address = ServerAddress {
            url: format!("{scheme}://{local}"),
            certificate,
        };
        tracing::info!(listen = %server.addr(), url = %local_address.url, demo, "hosting the household server");
        *hosted = Some(Hosted {
            server,
            local: local_address.clone(),
        });
        Ok(local_address)
    }

    /// Restores the saved session if it is for `server` (any when `None`)
    /// and its token is still in the store.
    async fn restore(self: &Arc<Self>, server: Option<&str>) {
        let Some(saved) = self.profile.load_session() else {
            return;
        };
        let mut info = saved.clone();
        let secure = self.secure_address(&info.server_url).await;
        info.server_url = secure.url;
        if secure.certificate.is_some() {
            info.certificate = secure.certificate;
        }
        if let Some(server) = server {
            let wanted = normalize_base_url(server).unwrap_or_else(|_| server.to_owned());
            let wanted = self.secure_address(&wanted).await.url;
            if wanted != info.server_url {
                tracing::info!(saved = %info.server_url, %wanted, "the saved session is for another server");
                return;
            }
        }
        // The token is kept under the address it was first saved for.
        match credentials::load_token(&self.store(), &saved).await {
            Ok(Some(token)) => {
                tracing::info!(server = %info.server_url, account = %info.account, "session restored");
                let session = Credentials { info, token };
                if session.info != saved
                    && let Err(e) = self.keep(&session).await
                {
                    tracing::warn!(error = %e, "could not keep the session under its secure address");
                }
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
        if let Some(certificate) = &session.info.certificate
            && session.info.server_url.starts_with("https://")
            && let Err(e) = self
                .profile
                .save_certificate(&session.info.server_url, certificate)
        {
            tracing::warn!(error = %e, "could not keep the server's certificate");
        }
        match credentials::save_token(&self.store(), &session.info, &session.token).await {
            Err(CoreError::Credentials(reason)) => {
                self.keyring_failed(&reason);
                credentials::save_token(&self.store(), &session.info, &session.token).await
            }
            other => other,
        }
    }

    /// The session's families and a connected board for each.
    async fn open_boards(
        &self,
        session: &Credentials,
    ) -> Result<(Vec<FamilyRole>, Vec<B::Board>), CoreError> {
        let families = self.backend.families(session).await?;
        if families.is_empty() {
            return Err(CoreError::NoFamily);
        }
        let mut boards = Vec::with_capacity(families.len());
        for family in &families {
            match self
                .backend
                .connect(session, &family.id, self.notifier.clone())
                .await
            {
                Ok(board) => boards.push(board),
                Err(e) => {
                    for board in &boards {
                        Board::shutdown(board);
                    }
                    return Err(e);
                }
            }
        }
        Ok((families, boards))
    }

    /// Keeps `session` and connects the boards of its families. With
    /// `retry`, a server that cannot be reached is tried again in the
    /// background until it answers (a restored session at start-up);
    /// otherwise the first failure is the caller's.
    async fn begin(self: &Arc<Self>, session: Credentials, retry: bool) -> Result<(), CoreError> {
        let _changing = self.lifecycle.lock().await;
        self.end_boards().await;
        let first = self.open_boards(&session).await;
        let mut signed = self.signed.lock().await;
        match first {
            Ok((families, boards)) => self.install(&mut signed, families, boards),
            // Refused, or a fresh session that cannot be used (no family):
            // keep nothing of it, here or at the server.
            Err(e) if e.is_unauthorized() || !retry => {
                drop(signed);
                self.forget(Some(session)).await;
                return Err(e);
            }
            Err(e) => {
                tracing::warn!(error = %e, "server unreachable: connecting in the background");
                signed.connecting = Some(self.connect_later(session.clone()));
            }
        }
        if let Err(e) = self.profile.save_session(Some(&session.info)) {
            tracing::warn!(error = %e, "could not save the session");
        }
        signed.session = Some(session);
        drop(signed);
        self.publish_session().await;
        Ok(())
    }

    /// Takes connected boards: shows the family shown last (or the first),
    /// and watches each for the server ending this device's access.
    fn install(
        self: &Arc<Self>,
        signed: &mut Signed<B::Board>,
        families: Vec<FamilyRole>,
        boards: Vec<B::Board>,
    ) {
        let last = self.profile.load_family();
        let current = families
            .iter()
            .find(|f| Some(&f.id) == last.as_ref())
            .or(families.first())
            .map(|f| f.id.clone());
        let epoch = self.epoch.load(Ordering::SeqCst);
        signed.watchers = boards
            .iter()
            .map(|b| self.watch(b.clone(), epoch))
            .collect();
        signed.families = families;
        signed.boards = boards;
        signed.current = current;
        if let Some(board) = signed.current_board() {
            signed.forward = Some(self.forward(board.clone()));
        }
    }

    /// Tries to connect the boards with growing pauses ([`RECONNECT_FIRST`]
    /// doubling to [`RECONNECT_MAX`]).
    fn connect_later(self: &Arc<Self>, session: Credentials) -> JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let mut delay = RECONNECT_FIRST;
            loop {
                tokio::time::sleep(delay).await;
                match this.open_boards(&session).await {
                    Ok((families, boards)) => {
                        let mut signed = this.signed.lock().await;
                        this.install(&mut signed, families, boards);
                        drop(signed);
                        tracing::info!("dashboard connected");
                        this.publish_session().await;
                        return;
                    }
                    Err(e) if e.is_unauthorized() => {
                        tracing::warn!("the saved session was refused: signed out");
                        this.signed.lock().await.session = None;
                        this.forget(Some(session)).await;
                        this.publish_session().await;
                        return;
                    }
                    Err(e) => tracing::debug!(error = %e, ?delay, "still unreachable"),
                }
                delay = (delay * 2).min(RECONNECT_MAX);
            }
        })
    }

    /// Hands `board`'s views to the sink from now on, and no other's.
    fn forward(self: &Arc<Self>, board: B::Board) -> JoinHandle<()> {
        let this = self.clone();
        let turn = self.next_shown();
        tokio::spawn(async move {
            let mut views = board.views();
            loop {
                let view = views.borrow_and_update().clone();
                {
                    let shown = this.shown.lock().unwrap_or_else(|e| e.into_inner());
                    if *shown != turn {
                        return;
                    }
                    this.sink.view(Some(&view));
                }
                if views.changed().await.is_err() {
                    return;
                }
            }
        })
    }

    /// Makes every forwarding task so far stale; the number for the next.
    fn next_shown(&self) -> u64 {
        let mut shown = self.shown.lock().unwrap_or_else(|e| e.into_inner());
        *shown += 1;
        *shown
    }

    /// Follows one board for what only the server can say: the session is
    /// no longer valid (a parent removed, a kitchen screen revoked, signed
    /// out elsewhere), or this account is no longer in the family.
    fn watch(self: &Arc<Self>, board: B::Board, epoch: u64) -> JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let mut views = board.views();
            loop {
                let code = views
                    .borrow_and_update()
                    .last_error
                    .as_ref()
                    .map(|e| e.code);
                match code {
                    Some(ErrorCode::Unauthorized) => {
                        // Handled apart: ending the session stops this task.
                        let ended = this.clone();
                        tokio::spawn(async move { ended.access_ended(epoch).await });
                        return;
                    }
                    Some(ErrorCode::NotFound | ErrorCode::Forbidden) => {
                        let (gone, family) = (this.clone(), board.family_id().to_owned());
                        tokio::spawn(async move { gone.family_gone(&family, epoch).await });
                        return;
                    }
                    _ => {}
                }
                if views.changed().await.is_err() {
                    return;
                }
            }
        })
    }

    /// The server no longer takes this session: forget it, here too, and
    /// go back to the start (a kitchen screen to pairing).
    async fn access_ended(self: &Arc<Self>, epoch: u64) {
        let _changing = self.lifecycle.lock().await;
        if self.epoch.load(Ordering::SeqCst) != epoch {
            return; // another session began meanwhile: not this one's error
        }
        self.end_boards().await;
        let session = self.signed.lock().await.session.take();
        if session.is_none() {
            return;
        }
        tracing::warn!("the server ended this session: signed out");
        self.forget(session).await;
        self.publish_session().await;
    }

    /// This account left (or was taken out of) one family: its board goes;
    /// another family is shown; with none left the session ends.
    async fn family_gone(self: &Arc<Self>, family_id: &str, epoch: u64) {
        let _changing = self.lifecycle.lock().await;
        if self.epoch.load(Ordering::SeqCst) != epoch {
            return;
        }
        let mut signed = self.signed.lock().await;
        let Some(index) = signed
            .boards
            .iter()
            .position(|b| b.family_id() == family_id)
        else {
            return;
        };
        tracing::warn!(family = %family_id, "no longer in this family: its board is closed");
        let board = signed.boards.remove(index);
        Board::shutdown(&board);
        signed.watchers.remove(index).abort();
        signed.families.retain(|f| f.id != family_id);
        let none_left = signed.boards.is_empty();
        if signed.current.as_deref() == Some(family_id) {
            if let Some(task) = signed.forward.take() {
                task.abort();
            }
            signed.current = signed.families.first().map(|f| f.id.clone());
            match signed.current_board().cloned() {
                Some(board) => signed.forward = Some(self.forward(board)),
                None => {
                    self.next_shown();
                    self.sink.view(None);
                }
            }
        }
        drop(signed);
        drop(_changing);
        if none_left {
            self.access_ended(epoch).await;
        } else {
            self.publish_session().await;
        }
    }

    /// Stops every board and its tasks (the session stays).
    async fn end_boards(&self) {
        let mut signed = self.signed.lock().await;
        let tasks = [signed.connecting.take(), signed.forward.take()];
        for task in tasks.into_iter().flatten().chain(signed.watchers.drain(..)) {
            task.abort();
        }
        for board in signed.boards.drain(..) {
            Board::shutdown(&board);
        }
        signed.families.clear();
        signed.current = None;
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.next_shown();
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

    /// Tells the sink who is signed in now.
    async fn publish_session(&self) {
        let view = self.current_session().await;
        self.sink.session(&view);
    }

    async fn current_session(&self) -> SessionView {
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
            kiosk: self.is_kiosk() || info.is_some_and(|i| i.kind == SessionKind::Kiosk),
            families: signed.families.clone(),
            family_id: signed.current.clone(),
            certificate_code: signed
                .session
                .as_ref()
                .and_then(|s| s.info.certificate.as_deref())
                .map(kinboard_api::certificate::check_code),
            desktop: self.desktop.borrow().clone(),
        }
    }

    // ------------------------------------------------------------ commands

    pub async fn session_view(&self) -> SessionView {
        self.wait_ready().await;
        self.current_session().await
    }

    /// The live dashboard shown, or why there is none.
    pub async fn board(&self) -> Result<B::Board, CoreError> {
        self.wait_ready().await;
        let signed = self.signed.lock().await;
        match (signed.current_board(), &signed.session) {
            (Some(board), _) => Ok(board.clone()),
            (None, Some(_)) => Err(CoreError::Network(
                "the household server is not answering yet; still trying".into(),
            )),
            (None, None) => Err(CoreError::NotSignedIn),
        }
    }

    /// The board whose family has the timer `timer_id` (an alarm names a
    /// timer of whichever family it is in), or the one shown.
    pub async fn board_with_timer(&self, timer_id: &str) -> Result<B::Board, CoreError> {
        self.board_showing(|view| view.timer(timer_id).is_some())
            .await
    }

    /// The board of the family where completion `completion_id` waits for
    /// a parent (a notification's), else the one shown.
    pub async fn board_with_pending(&self, completion_id: &str) -> Result<B::Board, CoreError> {
        self.board_showing(|view| {
            view.pending
                .iter()
                .any(|p| p.completion_id == completion_id)
        })
        .await
    }

    async fn board_showing(
        &self,
        shows: impl Fn(&DashboardView) -> bool,
    ) -> Result<B::Board, CoreError> {
        let found = {
            let signed = self.signed.lock().await;
            signed
                .boards
                .iter()
                .find(|b| shows(&b.views().borrow()))
                .cloned()
        };
        match found {
            Some(board) => Ok(board),
            None => self.board().await,
        }
    }

    /// Shows another of the account's families (each keeps its board and
    /// subscription meanwhile).
    pub async fn switch_family(self: &Arc<Self>, family_id: &str) -> Result<(), CoreError> {
        self.wait_ready().await;
        self.refuse_on_kitchen_screen()?;
        let mut signed = self.signed.lock().await;
        let board = signed
            .boards
            .iter()
            .find(|b| b.family_id() == family_id)
            .cloned()
            .ok_or(CoreError::Api {
                status: 404,
                code: ErrorCode::NotFound,
                message: "this account is not in that family".into(),
                retry_after: None,
            })?;
        if let Some(task) = signed.forward.take() {
            task.abort();
        }
        signed.current = Some(family_id.to_owned());
        signed.forward = Some(self.forward(board));
        drop(signed);
        if let Err(e) = self.profile.save_family(family_id) {
            tracing::warn!(error = %e, "could not remember the family shown");
        }
        self.publish_session().await;
        Ok(())
    }

    /// The server at `server_url`, or this computer's when it hosts one
    /// and none is given; with the certificate this screen trusts there:
    /// the one a person has just `confirmed` (a fingerprint), else this
    /// computer's own server's, else the one pinned before.
    async fn server_or_hosted(
        &self,
        server_url: Option<&str>,
        confirmed: Option<&str>,
    ) -> Result<ServerAddress, CoreError> {
        let hosted = self.hosted.lock().await.as_ref().map(|h| h.local.clone());
        let typed = match server_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => normalize_base_url(url)?,
            None => hosted.as_ref().map(|h| h.url.clone()).ok_or_else(|| {
                CoreError::InvalidUrl("enter the household server's address".into())
            })?,
        };
        let confirmed = match confirmed.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) if kinboard_api::certificate::is_fingerprint(c) => Some(c.to_owned()),
            Some(c) => {
                return Err(CoreError::InvalidUrl(format!(
                    "{c:?} is not a certificate fingerprint (64 lower-case hex digits)"
                )));
            }
            None => None,
        };
        let secure = self.secure_address(&typed).await;
        // A certificate means nothing over plain HTTP.
        let confirmed = confirmed.filter(|_| secure.url.starts_with("https://"));
        let certificate = confirmed.or(secure.certificate);
        Ok(ServerAddress {
            url: secure.url,
            certificate,
        })
    }

    /// The address to use for `url` and the certificate to trust there:
    /// this computer's own server's current certificate, else the pin
    /// saved for it. A server pinned over HTTPS is never spoken to in
    /// plain HTTP at the same address (an old saved address, a typed one,
    /// or an announcement someone on the network sent without `tls`).
    async fn secure_address(&self, url: &str) -> ServerAddress {
        let own = self.hosted.lock().await.as_ref().map(|h| h.local.clone());
        let secure = match url.strip_prefix("http://") {
            Some(rest) => format!("https://{rest}"),
            None => url.to_owned(),
        };
        if !secure.starts_with("https://") {
            return ServerAddress::plain(url);
        }
        let certificate = own
            .filter(|o| o.url == secure)
            .and_then(|o| o.certificate)
            .or_else(|| self.profile.load_certificate(&secure));
        match certificate {
            Some(certificate) => ServerAddress {
                url: secure,
                certificate: Some(certificate),
            },
            // Nothing trusted over HTTPS there: the address as given.
            None => ServerAddress::plain(url),
        }
    }

    /// Signs in to the server at `server_url` (this computer's, when it
    /// hosts one and none is given).
    ///
    /// Over HTTPS with a certificate this screen has not trusted before it
    /// fails with [`CoreError::CertificateUnconfirmed`], carrying the
    /// certificate's fingerprint: once a person has compared its check
    /// code with a parent's screen, the same call with `certificate` set
    /// to that fingerprint trusts it (and pins it).
    pub async fn sign_in(
        self: &Arc<Self>,
        server_url: Option<&str>,
        email: &str,
        password: &str,
        certificate: Option<&str>,
    ) -> Result<(), CoreError> {
        self.wait_ready().await;
        self.refuse_on_kitchen_screen()?;
        let server = self.server_or_hosted(server_url, certificate).await?;
        let session = self
            .backend
            .sign_in(&server, email.trim(), password)
            .await?;
        self.keep(&session).await?;
        self.begin(session, false).await
    }

    /// Signs up (with the invite's code when joining), or — when the
    /// account exists already (a retry after a later step failed), or the
    /// household makes no new accounts (hosting it again) — signs in to it
    /// with the same password.
    async fn sign_up_or_in(
        &self,
        url: &ServerAddress,
        email: &str,
        password: &str,
        name: &str,
        invite_code: Option<&str>,
    ) -> Result<Credentials, CoreError> {
        match self
            .backend
            .sign_up(url, email, password, name, invite_code)
            .await
        {
            Err(taken)
                if matches!(
                    taken.code(),
                    ErrorCode::EmailTaken | ErrorCode::SignupClosed
                ) =>
            {
                self.backend
                    .sign_in(url, email, password)
                    .await
                    .map_err(|_| taken)
            }
            other => other,
        }
    }

    /// Hosts a new household on this computer: starts the embedded server
    /// (if not already), creates the first parent and the family (in
    /// `time_zone`, this computer's when none is given), signs in.
    pub async fn host_household(
        self: &Arc<Self>,
        family_name: &str,
        time_zone: Option<&str>,
        name: &str,
        email: &str,
        password: &str,
    ) -> Result<(), CoreError> {
        self.wait_ready().await;
        self.refuse_on_kitchen_screen()?;
        let bind = match self.mode {
            Mode::Host { bind } | Mode::Demo { bind } => bind,
            Mode::Client { .. } => self
                .profile
                .load_hosting()
                .unwrap_or_else(default_host_bind),
        };
        let server = self.host(bind, "household.sqlite3", false).await?;
        if matches!(self.mode, Mode::Client { .. })
            && let Err(e) = self.profile.save_hosting(Some(bind))
        {
            tracing::warn!(error = %e, "could not remember hosting");
        }
        let session = self
            .sign_up_or_in(&server, email.trim(), password, name.trim(), None)
            .await?;
        self.keep(&session).await?;
        let zone = match time_zone.map(str::trim).filter(|z| !z.is_empty()) {
            Some(zone) => zone.to_owned(),
            None => crate::zone::local_time_zone(),
        };
        self.backend
            .create_family(&session, family_name.trim(), Some(&zone))
            .await?;
        self.begin(session, false).await
    }

    /// Joins a household as a parent with an invite code: a new parent's
    /// account is made first, someone with one signs in. Signed in to
    /// that server already, the invite adds its family to this session.
    /// A certificate new to this screen is confirmed as for
    /// [`sign_in`](Self::sign_in).
    pub async fn join_household(
        self: &Arc<Self>,
        server_url: Option<&str>,
        code: &str,
        joining: Joining,
        email: &str,
        password: &str,
        certificate: Option<&str>,
    ) -> Result<(), CoreError> {
        self.wait_ready().await;
        self.refuse_on_kitchen_screen()?;
        let server = self.server_or_hosted(server_url, certificate).await?;
        let signed_in = self
            .signed
            .lock()
            .await
            .session
            .clone()
            .filter(|s| s.info.kind == SessionKind::User && s.info.server_url == server.url);
        let session = match (signed_in, joining) {
            (Some(session), _) if email.trim().is_empty() => session,
            (_, Joining::NewParent { name }) => {
                self.sign_up_or_in(
                    &server,
                    email.trim(),
                    password,
                    name.trim(),
                    Some(code.trim()),
                )
                .await?
            }
            (_, Joining::SignIn) => {
                self.backend
                    .sign_in(&server, email.trim(), password)
                    .await?
            }
        };
        let family = self.backend.accept_invite(&session, code.trim()).await?;
        tracing::info!(family = %family.id, "joined a household");
        if let Err(e) = self.profile.save_family(&family.id) {
            tracing::warn!(error = %e, "could not remember the family shown");
        }
        self.keep(&session).await?;
        // The invite is used up: a server that fails to answer now is
        // tried again in the background, not given up.
        self.begin(session, true).await
    }

    pub async fn sign_out(self: &Arc<Self>) -> Result<(), CoreError> {
        self.wait_ready().await;
        let _changing = self.lifecycle.lock().await;
        self.end_boards().await;
        let session = self.signed.lock().await.session.take();
        self.forget(session).await;
        self.publish_session().await;
        Ok(())
    }

    /// A one-time code for pairing a kitchen screen with this family.
    pub async fn create_kiosk_pairing(&self, name: &str) -> Result<PairingView, CoreError> {
        self.refuse_on_kitchen_screen()?;
        let board = self.board().await?;
        let pairing = self.backend.create_pairing(&board, name.trim()).await?;
        let (used, certificate) = self
            .signed
            .lock()
            .await
            .session
            .as_ref()
            .map(|s| (s.info.server_url.clone(), s.info.certificate.clone()))
            .unwrap_or_default();
        Ok(PairingView {
            code: pairing.code,
            name: pairing.name,
            expires_at: pairing.expires_at,
            server_url: self.address_for_other_screens(&used).await,
            certificate_code: certificate
                .as_deref()
                .map(kinboard_api::certificate::check_code),
        })
    }

    /// Where the family's other screens reach the household server this
    /// session uses.
    pub async fn address_for_others(&self) -> String {
        let used = self
            .signed
            .lock()
            .await
            .session
            .as_ref()
            .map(|s| s.info.server_url.clone())
            .unwrap_or_default();
        self.address_for_other_screens(&used).await
    }

    /// Where another screen reaches the household server: this app's
    /// server on the LAN address of this computer when it hosts it on
    /// every address, else the address this app uses.
    async fn address_for_other_screens(&self, used: &str) -> String {
        let hosted = self.hosted.lock().await;
        match hosted.as_ref() {
            Some(h) if h.server.addr().ip().is_unspecified() => match lan_address() {
                Some(ip) => {
                    let scheme = if h.local.certificate.is_some() {
                        "https"
                    } else {
                        "http"
                    };
                    let addr = SocketAddr::new(ip, h.server.addr().port());
                    format!("{scheme}://{addr}")
                }
                None => used.to_owned(),
            },
            _ => used.to_owned(),
        }
    }

    /// Sets this screen up as a kitchen screen with a pairing code from a
    /// parent's device: it is one at once, and starts as one from then on.
    /// A certificate new to this screen is confirmed as for
    /// [`sign_in`](Self::sign_in): the parent's screen shows its check code
    /// beside the pairing code.
    pub async fn pair_kiosk(
        self: &Arc<Self>,
        server_url: &str,
        code: &str,
        certificate: Option<&str>,
    ) -> Result<(), CoreError> {
        self.wait_ready().await;
        let server = self.server_or_hosted(Some(server_url), certificate).await?;
        // The code works once: once claimed, nothing may fail for good
        // (a keyring that refuses the token falls back to memory).
        let session = self.backend.claim_pairing(&server, code.trim()).await?;
        self.keep(&session).await?;
        tracing::info!(server = %session.info.server_url, kiosk = %session.info.account, "paired as a kiosk");
        self.kiosk.store(true, Ordering::SeqCst);
        if let Err(e) = self.profile.set_kiosk(true) {
            tracing::warn!(error = %e, "could not remember being a kitchen screen");
        }
        // The code is used up: keep the token whatever happens next.
        self.begin(session, true).await
    }

    /// Closes the board and stops the embedded server (at exit).
    pub async fn shutdown(&self) {
        self.end_boards().await;
        if let Some(hosted) = self.hosted.lock().await.take() {
            hosted.server.shutdown().await;
        }
    }
}
