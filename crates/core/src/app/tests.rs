//! Every lifecycle path of the [`Supervisor`] on paused tokio time, with a
//! scripted household server, host, keyring and sink: sign-in, sign-up
//! (hosting a household), restoring a saved session, the keyring failing
//! (at start, on save, on read), pairing, the demo, the background
//! reconnect with its growing pauses, and views forwarded to the sink.

use std::collections::VecDeque;
use std::sync::Mutex as StdMutex;

use kinboard_api::{ErrorCode, FamilyRole, Pairing, Role};
use tokio::time::Instant;

use super::*;
use crate::session::SessionInfo;

// ------------------------------------------------------------- fakes

/// A board whose view the test moves.
#[derive(Debug, Clone)]
struct FakeBoard {
    family: String,
    view: watch::Sender<Arc<DashboardView>>,
    stopped: Arc<std::sync::atomic::AtomicBool>,
}

impl FakeBoard {
    fn new(revision: i64) -> Self {
        Self::of("fam_1", revision)
    }

    fn of(family: &str, revision: i64) -> Self {
        let mut view = DashboardView::empty(Role::Parent);
        view.revision = revision;
        Self {
            family: family.to_owned(),
            view: watch::channel(Arc::new(view)).0,
            stopped: Arc::default(),
        }
    }

    /// The server answers this board's next reload with `code`.
    fn fail_with(&self, code: ErrorCode) {
        self.view.send_modify(|v| {
            Arc::make_mut(v).last_error = Some(crate::view::LastError {
                code,
                message: "refused".into(),
                action: "refresh".into(),
            });
        });
    }

    fn advance(&self, revision: i64) {
        self.view
            .send_modify(|v| Arc::make_mut(v).revision = revision);
    }

    fn stopped(&self) -> bool {
        self.stopped.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Board for FakeBoard {
    fn family_id(&self) -> &str {
        &self.family
    }

    fn views(&self) -> watch::Receiver<Arc<DashboardView>> {
        self.view.subscribe()
    }

    fn shutdown(&self) {
        self.stopped
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A household server that answers as scripted and records what it was asked.
#[derive(Default)]
struct FakeServer {
    /// Answers to `connect`, in order; when empty, a new board.
    connects: StdMutex<VecDeque<Result<FakeBoard, CoreError>>>,
    /// When each `connect` came (virtual time).
    connected_at: StdMutex<Vec<Instant>>,
    boards: StdMutex<Vec<FakeBoard>>,
    calls: StdMutex<Vec<String>>,
    /// What sign-in answers (a token, or this error).
    sign_in_error: StdMutex<Option<CoreError>>,
    /// Accounts signed up so far (a second sign-up of one is refused).
    accounts: StdMutex<Vec<String>>,
    /// The next `create_family` fails.
    family_fails: std::sync::atomic::AtomicBool,
    /// The time zone each `create_family` was given.
    zones: StdMutex<Vec<Option<String>>>,
    /// The account's families beyond the first (invites accepted).
    joined: StdMutex<Vec<FamilyRole>>,
    /// The family each `connect` was for.
    connected_families: StdMutex<Vec<String>>,
    /// The fingerprint of the certificate an `https` address shows (a
    /// household server's own); what a TLS handshake would refuse is
    /// refused as the core's TLS check does.
    certificate: StdMutex<Option<String>>,
}

impl FakeServer {
    fn call(&self, what: String) {
        self.calls.lock().unwrap().push(what);
    }

    /// What the TLS handshake to `server` would say.
    fn handshake(&self, server: &ServerAddress) -> Result<(), CoreError> {
        if !server.url.starts_with("https://") {
            return Ok(());
        }
        let shown = self.certificate.lock().unwrap().clone();
        match (shown, &server.certificate) {
            (Some(shown), None) => Err(CoreError::CertificateUnconfirmed { fingerprint: shown }),
            (Some(shown), Some(pinned)) if *pinned != shown => Err(CoreError::CertificateChanged {
                expected: pinned.clone(),
                found: shown,
            }),
            _ => Ok(()),
        }
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    fn script_connects(&self, answers: impl IntoIterator<Item = Result<FakeBoard, CoreError>>) {
        self.connects.lock().unwrap().extend(answers);
    }

    fn last_board(&self) -> FakeBoard {
        self.boards
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a board")
    }
}

fn user(server: &str, email: &str, token: &str) -> Credentials {
    Credentials {
        info: SessionInfo {
            server_url: normalize_base_url(server).unwrap(),
            account: email.to_owned(),
            kind: SessionKind::User,
            certificate: None,
        },
        token: token.to_owned(),
    }
}

fn user_at(server: &ServerAddress, email: &str, token: &str) -> Credentials {
    let mut session = user(&server.url, email, token);
    session.info.certificate = server.certificate.clone();
    session
}

impl Backend for Arc<FakeServer> {
    type Board = FakeBoard;

    fn sign_in<'a>(
        &'a self,
        server: &'a ServerAddress,
        email: &'a str,
        _password: &'a str,
    ) -> BoxFuture<'a, Result<Credentials, CoreError>> {
        Box::pin(async move {
            self.handshake(server)?;
            self.call(format!("sign_in {} {email}", server.url));
            match self.sign_in_error.lock().unwrap().clone() {
                Some(e) => Err(e),
                None => Ok(user_at(server, email, "kbs_signed_in")),
            }
        })
    }

    fn sign_up<'a>(
        &'a self,
        server: &'a ServerAddress,
        email: &'a str,
        _password: &'a str,
        name: &'a str,
        _invite_code: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Credentials, CoreError>> {
        Box::pin(async move {
            self.handshake(server)?;
            self.call(format!("sign_up {} {email} {name}", server.url));
            let mut accounts = self.accounts.lock().unwrap();
            if accounts.iter().any(|a| a == email) {
                return Err(CoreError::Api {
                    status: 409,
                    code: ErrorCode::EmailTaken,
                    message: "an account with this email already exists".into(),
                    retry_after: None,
                });
            }
            accounts.push(email.to_owned());
            Ok(user_at(server, email, "kbs_signed_up"))
        })
    }

    fn create_family<'a>(
        &'a self,
        session: &'a Credentials,
        name: &'a str,
        time_zone: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(), CoreError>> {
        Box::pin(async move {
            self.call(format!("create_family {} {name}", session.token));
            self.zones
                .lock()
                .unwrap()
                .push(time_zone.map(str::to_owned));
            if self
                .family_fails
                .swap(false, std::sync::atomic::Ordering::SeqCst)
            {
                return Err(CoreError::Timeout);
            }
            Ok(())
        })
    }

    fn families<'a>(
        &'a self,
        session: &'a Credentials,
    ) -> BoxFuture<'a, Result<Vec<FamilyRole>, CoreError>> {
        Box::pin(async move {
            let role = match session.info.kind {
                SessionKind::User => Role::Parent,
                SessionKind::Kiosk => Role::Kiosk,
            };
            let mut families = vec![FamilyRole {
                id: "fam_1".into(),
                name: "Parkers".into(),
                role,
            }];
            families.extend(self.joined.lock().unwrap().iter().cloned());
            Ok(families)
        })
    }

    fn accept_invite<'a>(
        &'a self,
        session: &'a Credentials,
        code: &'a str,
    ) -> BoxFuture<'a, Result<FamilyRole, CoreError>> {
        Box::pin(async move {
            self.call(format!("accept {} {code}", session.token));
            if code != "GOOD-CODE" {
                return Err(CoreError::Api {
                    status: 404,
                    code: ErrorCode::NotFound,
                    message: "invite not found".into(),
                    retry_after: None,
                });
            }
            let family = FamilyRole {
                id: "fam_2".into(),
                name: "Riveras".into(),
                role: Role::Parent,
            };
            self.joined.lock().unwrap().push(family.clone());
            Ok(family)
        })
    }

    fn claim_pairing<'a>(
        &'a self,
        server: &'a ServerAddress,
        code: &'a str,
    ) -> BoxFuture<'a, Result<Credentials, CoreError>> {
        Box::pin(async move {
            self.handshake(server)?;
            self.call(format!("claim {} {code}", server.url));
            if code != "ABCDE-FGHJK" {
                return Err(CoreError::Api {
                    status: 404,
                    code: ErrorCode::NotFound,
                    message: "pairing code not found".into(),
                    retry_after: None,
                });
            }
            Ok(Credentials {
                info: SessionInfo {
                    server_url: server.url.clone(),
                    account: "Kitchen".into(),
                    kind: SessionKind::Kiosk,
                    certificate: server.certificate.clone(),
                },
                token: "kbk_paired".into(),
            })
        })
    }

    fn kiosk_for<'a>(
        &'a self,
        parent: &'a Credentials,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Credentials, CoreError>> {
        Box::pin(async move {
            self.call(format!("kiosk_for {} {name}", parent.token));
            Ok(Credentials {
                info: SessionInfo {
                    server_url: parent.info.server_url.clone(),
                    account: name.to_owned(),
                    kind: SessionKind::Kiosk,
                    certificate: parent.info.certificate.clone(),
                },
                token: "kbk_demo".into(),
            })
        })
    }

    fn sign_out<'a>(&'a self, session: &'a Credentials) -> BoxFuture<'a, Result<(), CoreError>> {
        Box::pin(async move {
            self.call(format!("sign_out {}", session.token));
            Ok(())
        })
    }

    fn connect<'a>(
        &'a self,
        session: &'a Credentials,
        family_id: &'a str,
        _notifier: Arc<dyn Notifier>,
    ) -> BoxFuture<'a, Result<FakeBoard, CoreError>> {
        Box::pin(async move {
            self.call(format!("connect {}", session.token));
            self.connected_at.lock().unwrap().push(Instant::now());
            self.connected_families
                .lock()
                .unwrap()
                .push(family_id.to_owned());
            let answer = self
                .connects
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or_else(|| Ok(FakeBoard::of(family_id, 1)));
            if let Ok(board) = &answer {
                self.boards.lock().unwrap().push(board.clone());
            }
            answer
        })
    }

    fn create_pairing<'a>(
        &'a self,
        _board: &'a FakeBoard,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Pairing, CoreError>> {
        Box::pin(async move {
            Ok(Pairing {
                code: "ABCDE-FGHJK".into(),
                name: name.to_owned(),
                expires_at: 600_000,
            })
        })
    }
}

struct FakeHosted {
    addr: SocketAddr,
    demo: bool,
    stopped: Arc<std::sync::atomic::AtomicBool>,
}

impl HostedServer for FakeHosted {
    fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn demo(&self) -> Option<DemoLogin> {
        self.demo.then(|| DemoLogin {
            family_id: "fam_demo".into(),
            email: "ana@demo.kinboard".into(),
            password: "kinboard-demo".into(),
            pin: "1234".into(),
        })
    }

    fn certificate(&self) -> Option<String> {
        None
    }

    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        self.stopped
            .store(true, std::sync::atomic::Ordering::SeqCst);
        Box::pin(async {})
    }
}

#[derive(Default)]
struct FakeHost {
    started: StdMutex<Vec<(SocketAddr, String, bool)>>,
    refuse: StdMutex<Option<String>>,
    stopped: Arc<std::sync::atomic::AtomicBool>,
}

impl HouseholdHost for FakeHost {
    fn start(
        &self,
        bind: SocketAddr,
        database_url: String,
        demo: bool,
    ) -> BoxFuture<'static, Result<Box<dyn HostedServer>, String>> {
        self.started
            .lock()
            .unwrap()
            .push((bind, database_url, demo));
        let result = match self.refuse.lock().unwrap().clone() {
            Some(why) => Err(why),
            None => {
                let mut addr = bind;
                if addr.port() == 0 {
                    addr.set_port(43_210);
                }
                Ok(Box::new(FakeHosted {
                    addr,
                    demo,
                    stopped: self.stopped.clone(),
                }) as Box<dyn HostedServer>)
            }
        };
        Box::pin(async move { result })
    }
}

/// A credential store that refuses everything, like a locked keyring.
struct LockedStore;

impl CredentialStore for LockedStore {
    fn get(&self, _: &str) -> Result<Option<String>, CoreError> {
        Err(CoreError::Credentials("the collection is locked".into()))
    }
    fn set(&self, _: &str, _: &str) -> Result<(), CoreError> {
        Err(CoreError::Credentials("the collection is locked".into()))
    }
    fn delete(&self, _: &str) -> Result<(), CoreError> {
        Err(CoreError::Credentials("the collection is locked".into()))
    }
}

/// Hands out one store, as the platform keyring would.
struct FakeKeyring {
    store: Arc<dyn CredentialStore>,
    status: ServiceStatus,
}

impl Keyring for FakeKeyring {
    fn open(
        &self,
        _service: String,
    ) -> BoxFuture<'static, (Arc<dyn CredentialStore>, ServiceStatus)> {
        let answer = (self.store.clone(), self.status.clone());
        Box::pin(async move { answer })
    }
}

#[derive(Default)]
struct RecordingSink {
    /// The revision of each view, `None` for "no dashboard".
    views: StdMutex<Vec<Option<i64>>>,
    sessions: StdMutex<Vec<SessionView>>,
    desktop: StdMutex<Vec<DesktopStatus>>,
}

impl ViewSink for RecordingSink {
    fn view(&self, view: Option<&Arc<DashboardView>>) {
        self.views.lock().unwrap().push(view.map(|v| v.revision));
    }

    fn session(&self, session: &SessionView) {
        self.sessions.lock().unwrap().push(session.clone());
    }

    fn desktop(&self, status: &DesktopStatus) {
        self.desktop.lock().unwrap().push(status.clone());
    }
}

struct World {
    _dir: tempfile::TempDir,
    profile: Profile,
    server: Arc<FakeServer>,
    host: Arc<FakeHost>,
    sink: Arc<RecordingSink>,
    store: Arc<dyn CredentialStore>,
}

impl World {
    fn new() -> Self {
        Self::with_store(Arc::new(MemoryStore::new()))
    }

    fn with_store(store: Arc<dyn CredentialStore>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let profile = Profile::open_in("test", dir.path(), dir.path()).unwrap();
        Self {
            _dir: dir,
            profile,
            server: Arc::default(),
            host: Arc::default(),
            sink: Arc::default(),
            store,
        }
    }

    fn supervisor(&self, mode: Mode, kiosk: bool) -> Arc<Supervisor<Arc<FakeServer>>> {
        Supervisor::new(Setup {
            profile: self.profile.clone(),
            mode,
            kiosk,
            backend: self.server.clone(),
            host: self.host.clone(),
            keyring: Arc::new(FakeKeyring {
                store: self.store.clone(),
                status: ServiceStatus::Available,
            }),
            sink: self.sink.clone(),
            notifier: Arc::new(crate::notify::NoNotifier),
        })
    }

    /// The revisions of the views shown, after the first clearing.
    fn views(&self) -> Vec<i64> {
        self.sink
            .views
            .lock()
            .unwrap()
            .iter()
            .flatten()
            .copied()
            .collect()
    }

    fn last_view(&self) -> Option<Option<i64>> {
        self.sink.views.lock().unwrap().last().copied()
    }

    /// The last session the sink was told of.
    fn last_session(&self) -> SessionView {
        self.sink
            .sessions
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a session was published")
    }

    fn token(&self, info: &SessionInfo) -> Option<String> {
        self.store.get(&info.credential_key()).unwrap()
    }
}

fn client(server: Option<&str>) -> Mode {
    Mode::Client {
        server: server.map(str::to_owned),
    }
}

/// How long a condition may take (wall-clock: the credential store's
/// blocking work runs on real threads while tokio's clock is paused).
const WAIT: Duration = Duration::from_secs(5);

/// Lets the supervisor's tasks run to where they wait.
async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}

// ------------------------------------------------------------- tests

#[tokio::test(start_paused = true)]
async fn signing_in_keeps_the_token_saves_the_session_and_forwards_views() {
    let w = World::new();
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    assert!(!sup.session_view().await.signed_in);
    assert!(matches!(sup.board().await, Err(CoreError::NotSignedIn)));

    sup.sign_in(Some("http://10.0.0.2:8080"), " ana@x.org ", "pw", None)
        .await
        .unwrap();
    let info = w.profile.load_session().expect("the session is saved");
    assert_eq!(
        (info.server_url.as_str(), info.account.as_str()),
        ("http://10.0.0.2:8080", "ana@x.org")
    );
    assert_eq!(w.token(&info).as_deref(), Some("kbs_signed_in"));
    let view = sup.session_view().await;
    assert!(view.signed_in && !view.kiosk);
    assert_eq!(view.email.as_deref(), Some("ana@x.org"));

    let board = sup.board().await.unwrap();
    settle().await;
    board.advance(2);
    board.advance(3);
    settle().await;
    assert_eq!(w.views(), [1, 3], "the first view, then the latest");
    assert_eq!(w.last_view(), Some(Some(3)));

    // A wrong password is the caller's error, and keeps nothing.
    *w.server.sign_in_error.lock().unwrap() = Some(CoreError::Api {
        status: 401,
        code: ErrorCode::InvalidCredentials,
        message: "wrong email or password".into(),
        retry_after: None,
    });
    let err = sup
        .sign_in(Some("http://10.0.0.2:8080"), "ben@x.org", "nope", None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidCredentials);
    assert_eq!(w.profile.load_session().unwrap().account, "ana@x.org");
}

#[tokio::test(start_paused = true)]
async fn without_an_address_sign_in_asks_for_one_unless_this_computer_hosts() {
    let w = World::new();
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    let err = sup
        .sign_in(None, "ana@x.org", "pw", None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidAddress);
    assert!(w.server.calls().is_empty());
}

#[tokio::test(start_paused = true)]
async fn hosting_a_household_starts_the_server_signs_up_and_hosts_again_next_start() {
    let w = World::new();
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    sup.host_household(
        " The Parkers ",
        None,
        " Ana ",
        "ana@x.org",
        "pw-long-enough",
    )
    .await
    .unwrap();
    let started = w.host.started.lock().unwrap().clone();
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].0, default_host_bind());
    assert!(
        started[0].1.ends_with("household.sqlite3"),
        "{}",
        started[0].1
    );
    assert_eq!(
        w.server.calls(),
        [
            "sign_up http://127.0.0.1:8080 ana@x.org Ana",
            "create_family kbs_signed_up The Parkers",
            "connect kbs_signed_up",
        ]
    );
    assert_eq!(w.profile.load_hosting(), Some(default_host_bind()));
    sup.shutdown().await;
    assert!(w.host.stopped.load(std::sync::atomic::Ordering::SeqCst));

    // The next start hosts it again and restores the parent's session.
    let again = w.supervisor(client(None), false);
    again.start().await;
    assert_eq!(w.host.started.lock().unwrap().len(), 2);
    assert!(again.session_view().await.signed_in);
    assert!(again.board().await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn a_household_that_cannot_be_hosted_says_so() {
    let w = World::new();
    *w.host.refuse.lock().unwrap() = Some("address in use".into());
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    let err = sup
        .host_household("Parkers", None, "Ana", "ana@x.org", "pw-long-enough")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::HostFailed);
    assert!(err.to_string().contains("address in use"), "{err}");
    assert!(w.server.calls().is_empty());
    assert_eq!(w.profile.load_hosting(), None, "nothing remembered");
}

#[tokio::test(start_paused = true)]
async fn a_saved_session_is_restored_only_for_its_server_and_with_its_token() {
    let w = World::new();
    let saved = user("http://10.0.0.2:8080", "ana@x.org", "kbs_saved");
    w.profile.save_session(Some(&saved.info)).unwrap();
    // No token for it: signed out, nothing asked of the server.
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    assert!(!sup.session_view().await.signed_in);
    assert!(w.server.calls().is_empty());

    w.store
        .set(&saved.info.credential_key(), &saved.token)
        .unwrap();
    // Started for another server: not this session.
    let other = w.supervisor(client(Some("http://10.0.0.9:8080")), false);
    other.start().await;
    assert!(!other.session_view().await.signed_in);
    assert!(w.server.calls().is_empty());

    let sup = w.supervisor(client(Some("http://10.0.0.2:8080/")), false);
    sup.start().await;
    assert!(sup.session_view().await.signed_in);
    assert_eq!(w.server.calls(), ["connect kbs_saved"]);
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_server_is_tried_again_with_growing_pauses() {
    let w = World::new();
    let saved = user("http://10.0.0.2:8080", "ana@x.org", "kbs_saved");
    w.profile.save_session(Some(&saved.info)).unwrap();
    w.store
        .set(&saved.info.credential_key(), &saved.token)
        .unwrap();
    let away = || Err(CoreError::Network("connection refused".into()));
    w.server
        .script_connects([away(), away(), away(), away(), Ok(FakeBoard::new(7))]);
    let sup = w.supervisor(client(None), false);
    let t0 = Instant::now();
    sup.start().await;
    // Signed in, but without a board yet: commands say the server is away.
    assert!(sup.session_view().await.signed_in);
    let err = sup.board().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network);

    tokio::time::sleep(Duration::from_secs(20)).await;
    let at: Vec<u64> = w
        .server
        .connected_at
        .lock()
        .unwrap()
        .iter()
        .map(|t| t.duration_since(t0).as_secs())
        .collect();
    // Start-up's try, then 1, 2, 4 and 8 s later.
    assert_eq!(at, [0, 1, 3, 7, 15]);
    assert!(sup.board().await.is_ok());
    settle().await;
    assert_eq!(w.views(), [7], "the board's views are forwarded");
}

#[tokio::test(start_paused = true)]
async fn a_session_refused_while_reconnecting_is_forgotten() {
    let w = World::new();
    let saved = user("http://10.0.0.2:8080", "ana@x.org", "kbs_revoked");
    w.profile.save_session(Some(&saved.info)).unwrap();
    w.store
        .set(&saved.info.credential_key(), &saved.token)
        .unwrap();
    w.server.script_connects([
        Err(CoreError::Timeout),
        Err(CoreError::Api {
            status: 401,
            code: ErrorCode::Unauthorized,
            message: "a valid bearer token is required".into(),
            retry_after: None,
        }),
    ]);
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!sup.session_view().await.signed_in);
    assert_eq!(w.profile.load_session(), None);
    assert_eq!(w.token(&saved.info), None);
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(
        w.server.connected_at.lock().unwrap().len(),
        2,
        "no more tries after a refusal"
    );
}

#[tokio::test(start_paused = true)]
async fn a_keyring_that_refuses_the_token_falls_back_to_memory_and_says_so() {
    let w = World::with_store(Arc::new(LockedStore));
    let saved = user("http://10.0.0.2:8080", "ana@x.org", "kbs_saved");
    w.profile.save_session(Some(&saved.info)).unwrap();
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    // The saved session could not be read: signed out, and the reason shown.
    assert!(!sup.session_view().await.signed_in);
    let status = sup.session_view().await.desktop.keyring;
    let ServiceStatus::Unavailable { reason } = status else {
        panic!("{status:?}");
    };
    assert!(reason.contains("locked"), "{reason}");
    assert!(
        w.sink
            .desktop
            .lock()
            .unwrap()
            .iter()
            .any(|d| matches!(d.keyring, ServiceStatus::Unavailable { .. })),
        "the sink heard of it"
    );
    // Signing in works, with the token kept in memory.
    sup.sign_in(Some("http://10.0.0.2:8080"), "ana@x.org", "pw", None)
        .await
        .unwrap();
    assert!(sup.board().await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn a_keyring_that_fails_on_save_falls_back_without_signing_in_twice() {
    // The keyring opened fine at start, then refuses to store.
    let w = World::with_store(Arc::new(LockedStore));
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    sup.sign_in(Some("http://10.0.0.2:8080"), "ana@x.org", "pw", None)
        .await
        .unwrap();
    assert_eq!(
        w.server.calls(),
        [
            "sign_in http://10.0.0.2:8080 ana@x.org",
            "connect kbs_signed_in"
        ]
    );
    assert!(matches!(
        sup.session_view().await.desktop.keyring,
        ServiceStatus::Unavailable { .. }
    ));
}

#[tokio::test(start_paused = true)]
async fn pairing_makes_this_screen_a_kitchen_screen() {
    let w = World::new();
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    let err = sup
        .pair_kiosk("http://10.0.0.2:8080", "WRONG-CODE", None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(!sup.session_view().await.signed_in);

    sup.pair_kiosk(" http://10.0.0.2:8080 ", " ABCDE-FGHJK ", None)
        .await
        .unwrap();
    let view = sup.session_view().await;
    assert!(view.signed_in && view.kiosk);
    assert_eq!(view.email, None, "a kitchen screen has no account");
    let info = w.profile.load_session().unwrap();
    assert_eq!(info.kind, SessionKind::Kiosk);
    assert_eq!(w.token(&info).as_deref(), Some("kbk_paired"));
    // The window hears of it at once (it turns into the kiosk), and the
    // profile starts as a kitchen screen from then on, without --kiosk.
    let told = w.last_session();
    assert!(told.signed_in && told.kiosk);
    assert_eq!(told.families[0].role, Role::Kiosk);
    assert!(w.profile.is_kiosk());
    // From now on it only pairs: a parent's sign-in, hosting, joining,
    // pairing another screen are refused at once (the window still has
    // the command permissions it started with until the next start).
    let url = Some("http://10.0.0.2:8080");
    let refusals = [
        sup.sign_in(url, "ana@x.org", "pw", None).await,
        sup.host_household("Riveras", None, "Ana", "ana@x.org", "pw")
            .await,
        sup.join_household(url, "CODE", Joining::SignIn, "ana@x.org", "pw", None)
            .await,
        sup.create_kiosk_pairing("Hall").await.map(drop),
        sup.switch_family("fam_1").await,
    ];
    for refused in refusals {
        assert_eq!(refused.unwrap_err().code(), ErrorCode::Forbidden);
    }
    assert_eq!(
        w.profile.load_session().unwrap().kind,
        SessionKind::Kiosk,
        "still the kitchen screen's session"
    );
    sup.shutdown().await;
    let next = w.supervisor(client(None), false);
    assert!(next.is_kiosk());
    next.start().await;
    assert!(next.session_view().await.kiosk);
}

#[tokio::test(start_paused = true)]
async fn a_session_the_server_ends_signs_this_screen_out() {
    let w = World::new();
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    sup.sign_in(Some("http://10.0.0.2:8080"), "ana@x.org", "pw", None)
        .await
        .unwrap();
    let info = w.profile.load_session().unwrap();
    let board = sup.board().await.unwrap();
    settle().await;
    // Another parent removed this one: the board's reload is refused.
    board.fail_with(ErrorCode::Unauthorized);
    kinboard_testkit::eventually("the session to end", WAIT, || async {
        (w.profile.load_session().is_none() && !w.last_session().signed_in).then_some(())
    })
    .await;
    assert!(board.stopped());
    assert!(!sup.session_view().await.signed_in);
    assert!(!w.last_session().signed_in, "the window was told");
    assert_eq!(w.profile.load_session(), None);
    assert_eq!(w.token(&info), None);
    assert_eq!(w.last_view(), Some(None));
    assert!(matches!(sup.board().await, Err(CoreError::NotSignedIn)));
}

#[tokio::test(start_paused = true)]
async fn a_parent_in_two_families_keeps_a_board_for_each_and_switches() {
    let w = World::new();
    w.server.joined.lock().unwrap().push(FamilyRole {
        id: "fam_2".into(),
        name: "Riveras".into(),
        role: Role::Parent,
    });
    w.server
        .script_connects([Ok(FakeBoard::of("fam_1", 4)), Ok(FakeBoard::of("fam_2", 9))]);
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    sup.sign_in(Some("http://10.0.0.2:8080"), "ana@x.org", "pw", None)
        .await
        .unwrap();
    assert_eq!(
        *w.server.connected_families.lock().unwrap(),
        ["fam_1", "fam_2"]
    );
    let view = sup.session_view().await;
    assert_eq!(view.families.len(), 2);
    assert_eq!(view.family_id.as_deref(), Some("fam_1"));
    settle().await;
    assert_eq!(w.views(), [4]);

    sup.switch_family("fam_2").await.unwrap();
    settle().await;
    assert_eq!(w.views(), [4, 9]);
    assert_eq!(sup.board().await.unwrap().family_id(), "fam_2");
    assert_eq!(w.last_session().family_id.as_deref(), Some("fam_2"));
    // The other family's board stays live: its views wait, unshown.
    w.server.boards.lock().unwrap()[0].advance(5);
    settle().await;
    assert_eq!(w.views(), [4, 9]);
    let err = sup.switch_family("fam_other").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);

    // Taken out of the Riveras: that board closes and the Parkers show.
    let riveras = sup.board().await.unwrap();
    riveras.fail_with(ErrorCode::NotFound);
    kinboard_testkit::eventually("the Riveras' board to close", WAIT, || async {
        (w.last_session().families.len() == 1).then_some(())
    })
    .await;
    assert!(riveras.stopped());
    assert_eq!(sup.board().await.unwrap().family_id(), "fam_1");
    let view = sup.session_view().await;
    assert!(view.signed_in);
    assert_eq!(
        view.families
            .iter()
            .map(|f| f.id.as_str())
            .collect::<Vec<_>>(),
        ["fam_1"]
    );
    assert_eq!(w.views().last(), Some(&5));
}

#[tokio::test(start_paused = true)]
async fn the_family_shown_last_is_shown_at_the_next_start() {
    let w = World::new();
    w.server.joined.lock().unwrap().push(FamilyRole {
        id: "fam_2".into(),
        name: "Riveras".into(),
        role: Role::Parent,
    });
    let sup = w.supervisor(client(Some("http://10.0.0.2:8080")), false);
    sup.start().await;
    sup.sign_in(Some("http://10.0.0.2:8080"), "ana@x.org", "pw", None)
        .await
        .unwrap();
    sup.switch_family("fam_2").await.unwrap();
    sup.shutdown().await;
    let next = w.supervisor(client(Some("http://10.0.0.2:8080")), false);
    next.start().await;
    assert_eq!(next.board().await.unwrap().family_id(), "fam_2");
}

#[tokio::test(start_paused = true)]
async fn a_new_parent_joins_with_an_invite_code() {
    let w = World::new();
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    let joining = Joining::NewParent {
        name: " Ben ".into(),
    };
    let err = sup
        .join_household(
            Some("http://10.0.0.2:8080"),
            "BAD-CODE",
            joining.clone(),
            "ben@x.org",
            "pw-long",
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(!sup.session_view().await.signed_in, "nothing kept");
    assert_eq!(w.profile.load_session(), None);

    // Again with the right code: the account made the first time is used.
    sup.join_household(
        Some("http://10.0.0.2:8080"),
        " GOOD-CODE ",
        joining,
        "ben@x.org",
        "pw-long",
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        w.server.calls(),
        [
            "sign_up http://10.0.0.2:8080 ben@x.org Ben",
            "accept kbs_signed_up BAD-CODE",
            "sign_up http://10.0.0.2:8080 ben@x.org Ben",
            "sign_in http://10.0.0.2:8080 ben@x.org",
            "accept kbs_signed_in GOOD-CODE",
            "connect kbs_signed_in",
            "connect kbs_signed_in",
        ]
    );
    // The family joined is the one shown.
    assert_eq!(sup.board().await.unwrap().family_id(), "fam_2");
    assert!(w.last_session().signed_in);
}

#[tokio::test(start_paused = true)]
async fn a_household_gets_this_computers_time_zone_unless_told_another() {
    let w = World::new();
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    sup.host_household("Parkers", None, "Ana", "ana@x.org", "pw-long-enough")
        .await
        .unwrap();
    sup.host_household(
        "Riveras",
        Some(" Europe/Madrid "),
        "Ana",
        "ana@x.org",
        "pw-long-enough",
    )
    .await
    .unwrap();
    assert_eq!(
        *w.server.zones.lock().unwrap(),
        [
            Some(crate::zone::local_time_zone()),
            Some("Europe/Madrid".to_owned())
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn the_demo_hosts_its_family_and_signs_in_keeping_the_token_in_memory() {
    let w = World::with_store(Arc::new(LockedStore));
    let sup = w.supervisor(
        Mode::Demo {
            bind: "127.0.0.1:0".parse().unwrap(),
        },
        true,
    );
    sup.start().await;
    assert!(w.host.started.lock().unwrap()[0].2, "with the demo family");
    assert_eq!(
        w.server.calls(),
        [
            "sign_in http://127.0.0.1:43210 ana@demo.kinboard",
            "kiosk_for kbs_signed_in Demo kitchen screen",
            "connect kbk_demo",
        ]
    );
    let view = sup.session_view().await;
    assert!(view.signed_in && view.kiosk);
    assert_eq!(view.mode, ModeKind::Demo);
    assert_eq!(view.desktop.keyring, ServiceStatus::NotUsed);
}

#[tokio::test(start_paused = true)]
async fn signing_out_stops_the_board_and_forgets_the_session_here_and_there() {
    let w = World::new();
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    sup.sign_in(Some("http://10.0.0.2:8080"), "ana@x.org", "pw", None)
        .await
        .unwrap();
    let info = w.profile.load_session().unwrap();
    let board = w.server.last_board();
    sup.sign_out().await.unwrap();
    assert!(board.stopped());
    assert!(!sup.session_view().await.signed_in);
    assert_eq!(w.profile.load_session(), None);
    assert_eq!(w.token(&info), None);
    assert_eq!(w.server.calls().last().unwrap(), "sign_out kbs_signed_in");
    assert_eq!(w.last_view(), Some(None), "nothing is shown any more");
}

#[tokio::test(start_paused = true)]
async fn a_pairing_code_names_the_address_the_other_screens_use() {
    let w = World::new();
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    sup.sign_in(Some("http://10.0.0.2:8080"), "ana@x.org", "pw", None)
        .await
        .unwrap();
    let pairing = sup.create_kiosk_pairing(" Kitchen ").await.unwrap();
    assert_eq!(pairing.code, "ABCDE-FGHJK");
    assert_eq!(pairing.name, "Kitchen");
    assert_eq!(pairing.server_url, "http://10.0.0.2:8080");
}

#[tokio::test(start_paused = true)]
async fn hosting_again_after_a_failed_step_signs_in_to_the_account_it_made() {
    let w = World::new();
    w.server
        .family_fails
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    let err = sup
        .host_household("Parkers", None, "Ana", "ana@x.org", "pw-long-enough")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout);
    sup.host_household("Parkers", None, "Ana", "ana@x.org", "pw-long-enough")
        .await
        .unwrap();
    let calls = w.server.calls();
    assert_eq!(
        calls[calls.len() - 4..],
        [
            "sign_up http://127.0.0.1:8080 ana@x.org Ana",
            "sign_in http://127.0.0.1:8080 ana@x.org",
            "create_family kbs_signed_in Parkers",
            "connect kbs_signed_in",
        ]
    );
    assert!(sup.board().await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn a_fresh_session_that_cannot_open_a_board_is_not_kept() {
    let w = World::new();
    w.server.script_connects([Err(CoreError::NoFamily)]);
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    let err = sup
        .sign_in(Some("http://10.0.0.2:8080"), "lee@x.org", "pw", None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoFamily);
    let info = user("http://10.0.0.2:8080", "lee@x.org", "").info;
    assert_eq!(w.token(&info), None, "the token is not kept");
    assert_eq!(w.profile.load_session(), None);
    assert_eq!(w.server.calls().last().unwrap(), "sign_out kbs_signed_in");
    assert!(!sup.session_view().await.signed_in);
}

#[tokio::test(start_paused = true)]
async fn a_certificate_is_trusted_once_confirmed_pinned_and_a_changed_one_refused() {
    let w = World::new();
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    let shown = "ab".repeat(32);
    *w.server.certificate.lock().unwrap() = Some(shown.clone());
    let url = Some("https://10.0.0.2:8080");

    // First contact: refused before anything is sent, with what to compare.
    let err = sup.sign_in(url, "ana@x.org", "pw", None).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::CertificateUnconfirmed);
    let told = serde_json::to_value(&err).unwrap();
    assert_eq!(told["certificate"]["fingerprint"], shown.as_str());
    assert_eq!(
        told["certificate"]["code"],
        kinboard_api::certificate::check_code(&shown).as_str()
    );
    assert!(w.server.calls().is_empty(), "nothing reached the server");
    assert_eq!(w.profile.load_certificate("https://10.0.0.2:8080"), None);

    // Not a fingerprint: said so, nothing pinned.
    let err = sup
        .sign_in(url, "ana@x.org", "pw", Some("7KQ2-M9XD-4TNB"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidAddress);

    // Confirmed: signed in, pinned, and the session carries the pin.
    sup.sign_in(url, "ana@x.org", "pw", Some(&shown))
        .await
        .unwrap();
    assert_eq!(
        w.profile.load_certificate("https://10.0.0.2:8080"),
        Some(shown.clone())
    );
    assert_eq!(
        w.profile.load_session().unwrap().certificate,
        Some(shown.clone())
    );
    assert_eq!(
        sup.session_view().await.certificate_code,
        Some(kinboard_api::certificate::check_code(&shown))
    );
    assert_eq!(
        sup.create_kiosk_pairing("Kitchen")
            .await
            .unwrap()
            .certificate_code,
        Some(kinboard_api::certificate::check_code(&shown))
    );

    // Signed out and in again: the pin is remembered, nothing is asked.
    sup.sign_out().await.unwrap();
    sup.sign_in(url, "ana@x.org", "pw", None).await.unwrap();

    // The server now shows another certificate: refused as changed, and
    // the pin stays what it was.
    sup.sign_out().await.unwrap();
    let other = "cd".repeat(32);
    *w.server.certificate.lock().unwrap() = Some(other.clone());
    let calls = w.server.calls().len();
    let err = sup.sign_in(url, "ana@x.org", "pw", None).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::CertificateChanged);
    assert_eq!(
        serde_json::to_value(&err).unwrap()["certificate"]["fingerprint"],
        other.as_str()
    );
    assert_eq!(w.server.calls().len(), calls, "nothing reached the server");
    assert_eq!(
        w.profile.load_certificate("https://10.0.0.2:8080"),
        Some(shown)
    );
    // A kitchen screen's pairing is checked the same way.
    let err = sup
        .pair_kiosk("https://10.0.0.2:8080", "ABCDE-FGHJK", None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::CertificateChanged);
    assert!(!sup.session_view().await.signed_in);
}

#[tokio::test(start_paused = true)]
async fn a_server_pinned_over_https_is_never_spoken_to_in_plain_http() {
    let w = World::new();
    let sup = w.supervisor(client(None), false);
    sup.start().await;
    let shown = "ab".repeat(32);
    *w.server.certificate.lock().unwrap() = Some(shown.clone());
    sup.sign_in(
        Some("https://10.0.0.2:8080"),
        "ana@x.org",
        "pw",
        Some(&shown),
    )
    .await
    .unwrap();
    sup.sign_out().await.unwrap();
    // The same address in plain HTTP (typed, or announced by someone on
    // the network): spoken to over HTTPS, with the pin.
    sup.sign_in(Some("http://10.0.0.2:8080"), "ana@x.org", "pw", None)
        .await
        .unwrap();
    assert_eq!(
        w.server.calls().last().map(String::as_str),
        Some("connect kbs_signed_in")
    );
    assert!(
        w.server
            .calls()
            .iter()
            .filter(|c| c.starts_with("sign_in"))
            .all(|c| c.starts_with("sign_in https://10.0.0.2:8080")),
        "{:?}",
        w.server.calls()
    );
    assert_eq!(
        w.profile.load_session().unwrap().server_url,
        "https://10.0.0.2:8080"
    );
}

#[tokio::test(start_paused = true)]
async fn a_session_saved_for_plain_http_is_restored_over_https_once_its_server_is_pinned() {
    let w = World::new();
    let saved = user("http://10.0.0.2:8080", "ana@x.org", "kbs_saved");
    w.profile.save_session(Some(&saved.info)).unwrap();
    w.store
        .set(&saved.info.credential_key(), &saved.token)
        .unwrap();
    let pin = "ab".repeat(32);
    w.profile
        .save_certificate("https://10.0.0.2:8080", &pin)
        .unwrap();
    *w.server.certificate.lock().unwrap() = Some(pin.clone());
    // Started for the old address, typed as it was.
    let sup = w.supervisor(client(Some("http://10.0.0.2:8080")), false);
    sup.start().await;
    let view = sup.session_view().await;
    assert!(view.signed_in);
    assert_eq!(view.server_url.as_deref(), Some("https://10.0.0.2:8080"));
    assert_eq!(
        view.certificate_code,
        Some(kinboard_api::certificate::check_code(&pin))
    );
    let info = w.profile.load_session().unwrap();
    assert_eq!(info.server_url, "https://10.0.0.2:8080");
    assert_eq!(
        w.token(&info).as_deref(),
        Some("kbs_saved"),
        "the token moved with it"
    );
}
