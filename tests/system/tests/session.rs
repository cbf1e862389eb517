//! The app's lifecycle against the real server: the core's `Supervisor`
//! with its real household backend (REST and Pusher), as the desktop app
//! runs it, but headless — a credential store the test holds, a sink that
//! records. The token goes to the credential store and nowhere else, the
//! session comes back at the next start, signing out forgets it here and
//! revokes it there, and an account without a family keeps nothing.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kinboard_core::app::{
    BoxFuture, DesktopStatus, HostedServer, HouseholdHost, HttpBackend, Keyring, Mode, Profile,
    ServiceStatus, SessionView, Setup, Supervisor, ViewSink,
};
use kinboard_core::kinboard_api::ErrorCode;
use kinboard_core::{ApiClient, CredentialStore, DashboardView, MemoryStore, NoNotifier};
use kinboard_system_tests::{Household, PASSWORD, TestServer};
use kinboard_testkit::eventually;

/// The credential store the test holds, as the platform keyring.
struct HeldKeyring(Arc<MemoryStore>);

impl Keyring for HeldKeyring {
    fn open(&self, _: String) -> BoxFuture<'static, (Arc<dyn CredentialStore>, ServiceStatus)> {
        let store: Arc<dyn CredentialStore> = self.0.clone();
        Box::pin(async move { (store, ServiceStatus::Available) })
    }
}

/// These screens host nothing.
struct NoHosting;

impl HouseholdHost for NoHosting {
    fn start(
        &self,
        _: std::net::SocketAddr,
        _: String,
        _: bool,
    ) -> BoxFuture<'static, Result<Box<dyn HostedServer>, String>> {
        Box::pin(async { Err("this test hosts nothing".to_owned()) })
    }
}

#[derive(Default)]
struct Views(Mutex<Vec<Option<i64>>>);

impl ViewSink for Views {
    fn view(&self, view: Option<&Arc<DashboardView>>) {
        self.0.lock().unwrap().push(view.map(|v| v.revision));
    }
    fn session(&self, _: &SessionView) {}
    fn desktop(&self, _: &DesktopStatus) {}
}

fn supervisor(
    server: &TestServer,
    profile: &Profile,
    store: &Arc<MemoryStore>,
    views: &Arc<Views>,
) -> Arc<Supervisor<HttpBackend>> {
    Supervisor::new(Setup {
        profile: profile.clone(),
        mode: Mode::Client {
            server: Some(server.url()),
        },
        kiosk: false,
        backend: HttpBackend::default(),
        host: Arc::new(NoHosting),
        keyring: Arc::new(HeldKeyring(store.clone())),
        sink: views.clone(),
        notifier: Arc::new(NoNotifier),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_lives_in_the_credential_store_comes_back_at_the_next_start_and_sign_out_revokes_it()
 {
    let server = TestServer::start().await;
    let home = Household::create(&server, "Parkers").await;
    let dir = tempfile::tempdir().unwrap();
    let profile = Profile::open_in("laptop", dir.path(), dir.path()).unwrap();
    let store = Arc::new(MemoryStore::new());
    let views = Arc::new(Views::default());

    let app = supervisor(&server, &profile, &store, &views);
    app.start().await;
    assert!(!app.session_view().await.signed_in);
    let err = app
        .sign_in(Some(&server.url()), &home.email, "wrong password", None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidCredentials);
    assert_eq!(profile.load_session(), None, "nothing kept");

    app.sign_in(Some(&server.url()), &home.email, PASSWORD, None)
        .await
        .unwrap();
    let info = profile.load_session().expect("the session is saved");
    let token = store
        .get(&info.credential_key())
        .unwrap()
        .expect("the token is stored");
    // What is kept in a plain settings file has no secret in it.
    let settings = std::fs::read_to_string(
        dir.path()
            .join("org.kinboard.desktop/profiles/laptop/session.json"),
    )
    .unwrap();
    assert!(!settings.contains(&token), "{settings}");
    let board = app.board().await.unwrap();
    assert_eq!(board.family_id(), home.family_id);
    eventually("a view forwarded", Duration::from_secs(10), || async {
        views
            .0
            .lock()
            .unwrap()
            .iter()
            .flatten()
            .any(|r| *r > 0)
            .then_some(())
    })
    .await;
    app.shutdown().await;

    // The next start: restored from the store, and live.
    let again = supervisor(&server, &profile, &store, &views);
    again.start().await;
    assert!(again.session_view().await.signed_in);
    let board = again.board().await.unwrap();
    board.wait_for(|v| v.revision > 0).await;

    again.sign_out().await.unwrap();
    assert_eq!(store.get(&info.credential_key()).unwrap(), None);
    assert_eq!(profile.load_session(), None);
    let stale = ApiClient::new(&server.url()).unwrap();
    stale.set_token(Some(token));
    assert_eq!(
        stale.me().await.unwrap_err().code(),
        ErrorCode::Unauthorized,
        "revoked at the server"
    );
    let after = supervisor(&server, &profile, &store, &views);
    after.start().await;
    assert!(!after.session_view().await.signed_in);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_without_a_family_opens_no_board_and_keeps_nothing() {
    let server = TestServer::start().await;
    let api = ApiClient::new(&server.url()).unwrap();
    api.sign_up("lonely@example.com", PASSWORD, "Lee")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let profile = Profile::open_in("laptop", dir.path(), dir.path()).unwrap();
    let store = Arc::new(MemoryStore::new());
    let app = supervisor(&server, &profile, &store, &Arc::default());
    app.start().await;
    let err = app
        .sign_in(Some(&server.url()), "lonely@example.com", PASSWORD, None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoFamily);
    assert_eq!(profile.load_session(), None);
    assert!(!app.session_view().await.signed_in);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_lists_their_sessions_ends_one_and_a_new_password_ends_the_rest() {
    let server = TestServer::start().await;
    let laptop = ApiClient::new(&server.url()).unwrap();
    let signed_up = laptop
        .sign_up("ana@example.com", PASSWORD, "Ana")
        .await
        .unwrap();
    laptop.set_token(Some(signed_up.token));
    let sign_in = || async {
        let api = ApiClient::new(&server.url()).unwrap();
        let s = api.sign_in("ana@example.com", PASSWORD).await.unwrap();
        api.set_token(Some(s.token));
        api
    };
    let (phone, tablet) = (sign_in().await, sign_in().await);

    let sessions = laptop.sessions().await.unwrap().sessions;
    assert_eq!(sessions.len(), 3);
    assert_eq!(sessions.iter().filter(|s| s.current).count(), 1);
    let phone_id = phone
        .sessions()
        .await
        .unwrap()
        .sessions
        .into_iter()
        .find(|s| s.current)
        .unwrap()
        .id;
    assert_eq!(laptop.end_session(&phone_id).await.unwrap().ended, 1);
    assert_eq!(
        phone.me().await.unwrap_err().code(),
        ErrorCode::Unauthorized
    );

    let wrong = laptop.change_password("not it", "a new password").await;
    assert_eq!(wrong.unwrap_err().code(), ErrorCode::InvalidCredentials);
    let ended = laptop
        .change_password(PASSWORD, "a new password")
        .await
        .unwrap()
        .ended;
    assert_eq!(ended, 1, "the tablet's session");
    assert_eq!(
        tablet.me().await.unwrap_err().code(),
        ErrorCode::Unauthorized
    );
    laptop.me().await.expect("this one goes on");
    ApiClient::new(&server.url())
        .unwrap()
        .sign_in("ana@example.com", "a new password")
        .await
        .expect("the new password works");
}
