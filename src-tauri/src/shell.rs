//! The shell's state: which server this instance talks to (an embedded
//! one it hosts, or one elsewhere), the signed-in [`Session`] and its live
//! [`Dashboard`], and the task that pushes every new [`DashboardView`] to
//! the webview as the `dashboard` event (and to the tray), the expiry
//! alarms and what the person chooses on them, and the [`DesktopStatus`]
//! of the notification server and the keyring. Everything it does is a
//! call into `kinboard-core` or `kinboard-server`; it only decides which
//! call, in which order, for which profile.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use kinboard_core::kinboard_api::ErrorCode;
use kinboard_core::{
    ApiClient, CoreError, CredentialStore, Dashboard, DashboardOptions, DashboardView, MemoryStore,
    Session, SessionKind,
};
use kinboard_server::{RunningServer, Server, ServerConfig};
use serde::Serialize;
use tauri::async_runtime::JoinHandle;
use tauri::{AppHandle, Emitter};
use tokio::sync::{Mutex, mpsc, watch};

use crate::cli::Mode;
use crate::error::CommandError;
use crate::notifier::{Choice, DesktopNotifier};
use crate::profile::Profile;
use crate::status::{DESKTOP_EVENT, DesktopStatus, ServiceStatus};

/// The event that carries the whole [`DashboardView`] to the webview.
pub(crate) const VIEW_EVENT: &str = "dashboard";

/// The event that tells the webview an action taken outside it (on a
/// notification) failed: a [`CommandError`].
pub(crate) const ACTION_ERROR_EVENT: &str = "action-error";

/// The kiosk device `--demo --kiosk` pairs itself as.
const DEMO_KIOSK: &str = "Demo kitchen screen";

/// Where a household hosted from the welcome screen listens: every
/// address, so the other screens on the LAN reach it, on port 8080.
fn default_host_bind() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 8080))
}

/// What `get_session` answers (`ui/js/app.js`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SessionView {
    pub(crate) signed_in: bool,
    pub(crate) server_url: Option<String>,
    pub(crate) email: Option<String>,
    /// `demo`, `host` or `client`.
    pub(crate) mode: &'static str,
    pub(crate) kiosk: bool,
    pub(crate) desktop: DesktopStatus,
}

/// What `create_kiosk_pairing` answers: the one-time code, and the
/// address the kitchen screen reaches the household server at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PairingView {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) expires_at: i64,
    pub(crate) server_url: String,
}

/// A server running inside this app.
struct Hosted {
    server: RunningServer,
    /// How this app reaches it (loopback when it listens on every address).
    local_url: String,
}

#[derive(Default)]
struct Signed {
    session: Option<Session>,
    dashboard: Option<Dashboard>,
    /// Connects the dashboard (retrying) and then forwards its views.
    task: Option<JoinHandle<()>>,
}

pub(crate) struct Shell {
    app: AppHandle,
    profile: Profile,
    mode: Mode,
    kiosk: bool,
    notifier: DesktopNotifier,
    /// What the person chose on alarms; taken by [`Shell::start`].
    choices: std::sync::Mutex<Option<mpsc::UnboundedReceiver<Choice>>>,
    /// Memory until start-up has probed the keyring, and again if the
    /// keyring fails later.
    store: std::sync::RwLock<Arc<dyn CredentialStore>>,
    desktop: watch::Sender<DesktopStatus>,
    hosted: Mutex<Option<Hosted>>,
    signed: Mutex<Signed>,
    /// The latest view, for the tray.
    views: watch::Sender<Option<Arc<DashboardView>>>,
    /// False until the start-up sign-in (or restore) has been tried.
    ready: watch::Sender<bool>,
}

impl Shell {
    pub(crate) fn new(app: AppHandle, profile: Profile, mode: Mode, kiosk: bool) -> Self {
        let views = watch::channel(None).0;
        let (notifier, choices) = DesktopNotifier::new("Kinboard", views.subscribe());
        Self {
            app,
            profile,
            mode,
            kiosk,
            notifier,
            choices: std::sync::Mutex::new(Some(choices)),
            store: std::sync::RwLock::new(Arc::new(MemoryStore::new())),
            desktop: watch::channel(DesktopStatus::default()).0,
            hosted: Mutex::new(None),
            signed: Mutex::new(Signed::default()),
            views,
            ready: watch::channel(false).0,
        }
    }

    /// The latest dashboard views (for the tray).
    pub(crate) fn views(&self) -> watch::Receiver<Option<Arc<DashboardView>>> {
        self.views.subscribe()
    }

    /// Start-up: follows the notification server, carries out alarm
    /// choices, starts the embedded server of `--demo` / `--host` and
    /// signs in (demo) or restores the saved session.
    pub(crate) async fn start(self: &Arc<Self>) {
        tauri::async_runtime::spawn(self.clone().follow_notifications());
        let choices = self
            .choices
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(choices) = choices {
            tauri::async_runtime::spawn(self.clone().carry_out_choices(choices));
        }
        if let Err(e) = self.start_inner().await {
            tracing::error!(error = %e, "start-up failed");
        }
        self.ready.send_replace(true);
    }

    /// Keeps [`DesktopStatus::notifications`] in step with the notifier.
    async fn follow_notifications(self: Arc<Self>) {
        let mut status = self.notifier.status();
        self.notifier.probe().await;
        loop {
            let now = status.borrow_and_update().clone();
            self.update_desktop(|d| d.notifications = now);
            if status.changed().await.is_err() {
                return;
            }
        }
    }

    /// What the person chose on an alarm, done through the core; a failure
    /// is shown in the window like any other.
    async fn carry_out_choices(self: Arc<Self>, mut choices: mpsc::UnboundedReceiver<Choice>) {
        while let Some(choice) = choices.recv().await {
            if choice == Choice::Show {
                crate::window::show(&self.app);
                continue;
            }
            let done = match self.dashboard().await {
                Ok(dashboard) => crate::notifier::carry_out(&dashboard, &choice)
                    .await
                    .map_err(CommandError::from),
                Err(e) => Err(e),
            };
            if let Err(e) = done {
                tracing::warn!(?choice, error = %e, "notification action failed");
                crate::window::show(&self.app);
                let command = match choice {
                    Choice::Confirm { .. } => "confirm_timer",
                    _ => "extend_timer",
                };
                let failure = serde_json::json!({
                    "code": e.code, "message": e.message, "command": command,
                });
                let _ = self.app.emit(ACTION_ERROR_EVENT, failure);
            }
        }
    }

    fn update_desktop(&self, change: impl FnOnce(&mut DesktopStatus)) {
        let changed = self.desktop.send_if_modified(|d| {
            let before = d.clone();
            change(d);
            *d != before
        });
        if changed && let Err(e) = self.app.emit(DESKTOP_EVENT, &*self.desktop.borrow()) {
            tracing::warn!(error = %e, "could not emit the desktop status");
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

    /// Runs `attempt` with the current store; if the keyring fails (locked
    /// since start-up, say), says so, keeps tokens in memory from now on,
    /// and runs `retry` once with that.
    async fn keeping_token<A, R, FA, FR>(
        &self,
        attempt: A,
        retry: R,
    ) -> Result<Session, CommandError>
    where
        A: FnOnce(Arc<dyn CredentialStore>) -> FA,
        R: FnOnce(Arc<dyn CredentialStore>) -> FR,
        FA: Future<Output = Result<Session, CoreError>>,
        FR: Future<Output = Result<Session, CoreError>>,
    {
        match attempt(self.store()).await {
            Err(CoreError::Credentials(reason)) => {
                let (store, status) = crate::credentials::fallback(&reason);
                self.use_store(store, status);
                Ok(retry(self.store()).await?)
            }
            other => Ok(other?),
        }
    }

    async fn start_inner(self: &Arc<Self>) -> Result<(), CommandError> {
        // The demo's password is public and its port changes at each start:
        // its token stays in memory, not in the keyring.
        let (store, status) = match self.mode {
            Mode::Demo { bind } if bind.port() == 0 => (
                Arc::new(MemoryStore::new()) as Arc<dyn CredentialStore>,
                ServiceStatus::NotUsed,
            ),
            _ => crate::credentials::open(self.profile.keyring_service()).await,
        };
        self.use_store(store, status);
        match self.mode.clone() {
            Mode::Demo { bind } => {
                let url = self.host(bind, "demo.sqlite3", true).await?;
                let demo = {
                    let hosted = self.hosted.lock().await;
                    hosted.as_ref().and_then(|h| h.server.demo.clone())
                }
                .ok_or_else(|| {
                    CommandError::new(ErrorCode::Internal, "the demo family was not seeded")
                })?;
                let (email, _) = demo.parents.first().cloned().ok_or_else(|| {
                    CommandError::new(ErrorCode::Internal, "the demo family has no parent")
                })?;
                let api = ApiClient::new(&url)?;
                let mut session =
                    Session::sign_in(api, &email, &demo.password, self.store()).await?;
                tracing::info!(server = %url, %email, "signed in to the demo family");
                if self.kiosk {
                    // A demo kitchen screen runs as a kitchen screen does: on
                    // a kiosk token a parent made, so the PIN is asked for.
                    let token = session
                        .api()
                        .create_kiosk(&demo.family_id, DEMO_KIOSK)
                        .await?;
                    session = Session::with_kiosk_token(
                        ApiClient::new(&url)?,
                        DEMO_KIOSK,
                        &token,
                        self.store(),
                    )
                    .await?;
                    tracing::info!(pin = %demo.pin, "the demo kitchen screen is paired");
                }
                self.begin(session, false).await?;
            }
            Mode::Host { bind } => {
                let url = self.host(bind, "household.sqlite3", false).await?;
                self.restore(Some(&url)).await;
            }
            Mode::Client { server: None } if self.profile.load_hosting().is_some() => {
                // This profile hosts its household (set up from the welcome screen).
                let bind = self
                    .profile
                    .load_hosting()
                    .unwrap_or_else(default_host_bind);
                let url = self.host(bind, "household.sqlite3", false).await?;
                self.restore(Some(&url)).await;
            }
            Mode::Client { server } => self.restore(server.as_deref()).await,
        }
        Ok(())
    }

    /// Starts the embedded server (once); returns the URL this app uses.
    async fn host(
        &self,
        bind: SocketAddr,
        database: &str,
        demo: bool,
    ) -> Result<String, CommandError> {
        let mut hosted = self.hosted.lock().await;
        if let Some(h) = hosted.as_ref() {
            return Ok(h.local_url.clone());
        }
        let mut config = ServerConfig::new(bind).with_database(self.profile.database_url(database));
        config.demo = demo;
        // `Server::start`'s future is not `Send` (it holds a thread-local
        // RNG across an await), so it runs on a blocking thread that drives
        // it on this runtime; the server's own tasks are spawned here.
        let runtime = tokio::runtime::Handle::current();
        let server = tokio::task::spawn_blocking(move || runtime.block_on(Server::start(config)))
            .await
            .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?
            .map_err(|e| {
                CommandError::new(
                    ErrorCode::Internal,
                    format!("could not start the household server: {e}"),
                )
            })?;
        let mut local = server.addr;
        if local.ip().is_unspecified() {
            local.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        let local_url = format!("http://{local}");
        tracing::info!(listen = %server.addr, url = %local_url, demo, "hosting the household server");
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
            let wanted = kinboard_core::api::normalize_base_url(server)
                .unwrap_or_else(|_| server.to_owned());
            if wanted != info.server_url {
                tracing::info!(saved = %info.server_url, %wanted, "the saved session is for another server");
                return;
            }
        }
        let restored = async {
            let api = ApiClient::new(&info.server_url)?;
            Session::restore(api, info.clone(), self.store()).await
        }
        .await;
        match restored {
            Ok(Some(session)) => {
                tracing::info!(server = %info.server_url, account = %info.account, "session restored");
                if let Err(e) = self.begin(session, true).await {
                    tracing::warn!(error = %e, "restored session not connected");
                }
            }
            Ok(None) => tracing::info!("no token for the saved session: signed out"),
            Err(CoreError::Credentials(reason)) => {
                // A locked or broken keyring: say so, ask for a sign-in, and
                // keep the next token in memory.
                tracing::warn!(%reason, "the keyring refused the saved session's token");
                let (store, status) = crate::credentials::fallback(&reason);
                self.use_store(store, status);
            }
            Err(e) => tracing::warn!(error = %e, "could not restore the saved session"),
        }
    }

    /// Keeps `session` and connects its dashboard. With `retry`, a server
    /// that cannot be reached is tried again in the background until it
    /// answers (a restored session at start-up); otherwise the first
    /// failure is the caller's.
    async fn begin(self: &Arc<Self>, session: Session, retry: bool) -> Result<(), CommandError> {
        self.end_dashboard().await;
        let first = Dashboard::connect(session.api().clone(), self.options()).await;
        let mut signed = self.signed.lock().await;
        match first {
            Ok(dashboard) => {
                signed.task = Some(self.forward(dashboard.clone()));
                signed.dashboard = Some(dashboard);
            }
            Err(e) if e.is_unauthorized() => {
                drop(signed);
                self.forget(Some(session)).await;
                return Err(e.into());
            }
            Err(e) if !retry => return Err(e.into()),
            Err(e) => {
                tracing::warn!(error = %e, "server unreachable: connecting in the background");
                signed.task = Some(self.connect_later(session.clone()));
            }
        }
        if let Err(e) = self.profile.save_session(Some(session.info())) {
            tracing::warn!(error = %e, "could not save the session");
        }
        signed.session = Some(session);
        Ok(())
    }

    fn options(&self) -> DashboardOptions {
        DashboardOptions {
            notifier: Arc::new(self.notifier.clone()),
            ..DashboardOptions::default()
        }
    }

    /// Tries to connect the dashboard with growing pauses (1 s to 30 s).
    fn connect_later(self: &Arc<Self>, session: Session) -> JoinHandle<()> {
        let shell = self.clone();
        tauri::async_runtime::spawn(async move {
            let mut delay = Duration::from_secs(1);
            loop {
                tokio::time::sleep(delay).await;
                match Dashboard::connect(session.api().clone(), shell.options()).await {
                    Ok(dashboard) => {
                        let mut signed = shell.signed.lock().await;
                        signed.dashboard = Some(dashboard.clone());
                        // This task becomes the forwarder.
                        drop(signed);
                        tracing::info!("dashboard connected");
                        shell.forward_views(dashboard).await;
                        return;
                    }
                    Err(e) if e.is_unauthorized() => {
                        tracing::warn!("the saved session was refused: signed out");
                        shell.signed.lock().await.session = None;
                        shell.forget(Some(session)).await;
                        return;
                    }
                    Err(e) => tracing::debug!(error = %e, "still unreachable"),
                }
                delay = (delay * 2).min(Duration::from_secs(30));
            }
        })
    }

    fn forward(self: &Arc<Self>, dashboard: Dashboard) -> JoinHandle<()> {
        let shell = self.clone();
        tauri::async_runtime::spawn(async move { shell.forward_views(dashboard).await })
    }

    /// Emits every view of `dashboard` to the webview and the tray.
    async fn forward_views(&self, dashboard: Dashboard) {
        let mut views = dashboard.view();
        loop {
            let view = views.borrow_and_update().clone();
            if let Err(e) = self.app.emit(VIEW_EVENT, &*view) {
                tracing::warn!(error = %e, "could not emit the dashboard");
            }
            self.views.send_replace(Some(view));
            if views.changed().await.is_err() {
                return;
            }
        }
    }

    /// Stops the dashboard and its forwarder (the session stays).
    async fn end_dashboard(&self) {
        let mut signed = self.signed.lock().await;
        if let Some(task) = signed.task.take() {
            task.abort();
        }
        if let Some(dashboard) = signed.dashboard.take() {
            dashboard.shutdown();
        }
        self.views.send_replace(None);
    }

    /// Forgets the session here and at the server.
    async fn forget(&self, session: Option<Session>) {
        if let Err(e) = self.profile.save_session(None) {
            tracing::warn!(error = %e, "could not forget the session");
        }
        if let Some(session) = session
            && let Err(e) = session.sign_out().await
        {
            tracing::warn!(error = %e, "sign-out at the server failed (forgotten here anyway)");
        }
    }

    async fn wait_ready(&self) {
        let mut ready = self.ready.subscribe();
        let _ = ready.wait_for(|r| *r).await;
    }

    // ------------------------------------------------------------ commands

    pub(crate) async fn session_view(&self) -> SessionView {
        self.wait_ready().await;
        let signed = self.signed.lock().await;
        let info = signed.session.as_ref().map(|s| s.info().clone());
        SessionView {
            signed_in: info.is_some(),
            server_url: info.as_ref().map(|i| i.server_url.clone()),
            email: info
                .as_ref()
                .filter(|i| i.kind == SessionKind::User)
                .map(|i| i.account.clone()),
            mode: match self.mode {
                Mode::Demo { .. } => "demo",
                Mode::Host { .. } => "host",
                Mode::Client { .. } => "client",
            },
            kiosk: self.kiosk || info.is_some_and(|i| i.kind == SessionKind::Kiosk),
            desktop: self.desktop.borrow().clone(),
        }
    }

    /// The live dashboard, or why there is none.
    pub(crate) async fn dashboard(&self) -> Result<Dashboard, CommandError> {
        self.wait_ready().await;
        let signed = self.signed.lock().await;
        match (&signed.dashboard, &signed.session) {
            (Some(d), _) => Ok(d.clone()),
            (None, Some(_)) => Err(CommandError::new(
                ErrorCode::Network,
                "the household server is unreachable; still trying",
            )),
            (None, None) => Err(CoreError::NotSignedIn.into()),
        }
    }

    pub(crate) async fn sign_in(
        self: &Arc<Self>,
        server_url: Option<&str>,
        email: &str,
        password: &str,
    ) -> Result<(), CommandError> {
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
                    CommandError::new(
                        ErrorCode::InvalidAddress,
                        "enter the household server's address",
                    )
                })?,
        };
        let (email, api) = (email.trim(), ApiClient::new(&url)?);
        let session = self
            .keeping_token(
                |store| Session::sign_in(api.clone(), email, password, store),
                |store| Session::sign_in(api.clone(), email, password, store),
            )
            .await?;
        self.begin(session, false).await
    }

    /// Hosts a new household on this computer: starts the embedded server
    /// (if not already), creates the first parent and the family, signs in.
    pub(crate) async fn host_household(
        self: &Arc<Self>,
        family_name: &str,
        name: &str,
        email: &str,
        password: &str,
    ) -> Result<(), CommandError> {
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
        let (email, api) = (email.trim(), ApiClient::new(&url)?);
        // The account exists once sign-up answered: a retry signs in.
        let session = self
            .keeping_token(
                |store| Session::sign_up(api.clone(), email, password, name.trim(), store),
                |store| Session::sign_in(api.clone(), email, password, store),
            )
            .await?;
        session
            .api()
            .create_family(family_name.trim(), None)
            .await?;
        self.begin(session, false).await
    }

    pub(crate) async fn sign_out(&self) -> Result<(), CommandError> {
        self.wait_ready().await;
        self.end_dashboard().await;
        let session = self.signed.lock().await.session.take();
        self.forget(session).await;
        Ok(())
    }

    /// A one-time code for pairing a kitchen screen with this family.
    pub(crate) async fn create_kiosk_pairing(
        &self,
        name: &str,
    ) -> Result<PairingView, CommandError> {
        let dashboard = self.dashboard().await?;
        let pairing = dashboard
            .api()
            .create_kiosk_pairing(dashboard.family_id(), name.trim())
            .await?;
        Ok(PairingView {
            code: pairing.code,
            name: pairing.name,
            expires_at: pairing.expires_at,
            server_url: self
                .address_for_other_screens(dashboard.api().base_url())
                .await,
        })
    }

    /// Where another screen reaches the household server: this app's
    /// server on the LAN address of this computer when it hosts it on
    /// every address, else the address this app uses.
    async fn address_for_other_screens(&self, used: &str) -> String {
        let hosted = self.hosted.lock().await;
        match hosted.as_ref().map(|h| h.server.addr) {
            Some(addr) if addr.ip().is_unspecified() => match lan_address() {
                Some(ip) => format!("http://{}", SocketAddr::new(ip, addr.port())),
                None => used.to_owned(),
            },
            _ => used.to_owned(),
        }
    }

    /// Pairs this screen as a kiosk with a code from a parent's device.
    pub(crate) async fn pair_kiosk(
        self: &Arc<Self>,
        server_url: &str,
        code: &str,
    ) -> Result<(), CommandError> {
        self.wait_ready().await;
        let api = ApiClient::new(server_url.trim())?;
        // The code works once: claim it before anything can fail and need
        // a retry (a keyring that refuses the token falls back to memory).
        let claimed = api.claim_kiosk_pairing(code.trim()).await?;
        let (name, token) = (claimed.kiosk.name.as_str(), claimed.token.as_str());
        let session = self
            .keeping_token(
                |store| Session::with_kiosk_token(api.clone(), name, token, store),
                |store| Session::with_kiosk_token(api.clone(), name, token, store),
            )
            .await?;
        tracing::info!(server = %api.base_url(), kiosk = %session.info().account, "paired as a kiosk");
        self.begin(session, false).await
    }

    /// Closes the dashboard and stops the embedded server (at exit).
    pub(crate) async fn shutdown(&self) {
        self.end_dashboard().await;
        if let Some(hosted) = self.hosted.lock().await.take() {
            hosted.server.shutdown().await;
        }
    }
}

/// This computer's address on the network it would reach the internet
/// through (no packet is sent: connecting a UDP socket only picks a route).
fn lan_address() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind(("0.0.0.0", 0)).ok()?;
    socket.connect(("192.0.2.1", 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
}
