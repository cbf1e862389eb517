//! Running a household from the app, against the real server and relay:
//! every settings change made on a parent's device shows on every screen
//! of the family — a kitchen screen's included — without a reload, as the
//! database has it; a kitchen screen cannot make one; and the lifecycle
//! the settings drive (another parent joining with an invite, a parent
//! removed, a kitchen screen paired and revoked) runs through the core's
//! real `Supervisor`, as the desktop app runs it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kinboard_core::app::{
    BoxFuture, DesktopStatus, HostedServer, HouseholdHost, HttpBackend, Joining, Keyring, Mode,
    Profile, ServiceStatus, SessionView, Setup, Supervisor, ViewSink,
};
use kinboard_core::kinboard_api::{
    ChoreRequest, ErrorCode, MemberRequest, PinRequest, Role, TemplateRequest, UpdateChoreRequest,
    UpdateFamilyRequest, UpdateMemberRequest,
};
use kinboard_core::{ApiClient, CredentialStore, DashboardView, MemoryStore, NoNotifier};
use kinboard_system_tests::{Device, DeviceBuilder, Household, PASSWORD, PIN, TestServer};
use kinboard_testkit::eventually;
use serde_json::Value;

const CONVERGE: Duration = Duration::from_secs(10);

/// What the settings show, from a parent's view: who the parents and the
/// kitchen screens are, and the open invites, by id.
fn settings_of(view: &DashboardView) -> Value {
    let s = view
        .settings
        .as_ref()
        .expect("a parent's view has settings");
    serde_json::json!({
        "parents": s.parents.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
        "kiosks": s.kiosks.iter().map(|k| k.id.clone()).collect::<Vec<_>>(),
        "invites": s.invites.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
    })
}

/// The same, from the server's snapshot, read by the test itself.
async fn settings_in_database(server: &TestServer, home: &Household) -> Value {
    let d: Value = reqwest::Client::new()
        .get(format!(
            "{}/api/families/{}/dashboard",
            server.url(),
            home.family_id
        ))
        .bearer_auth(&home.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids = |key: &str| -> Vec<Value> {
        d[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].clone())
            .collect()
    };
    serde_json::json!({ "parents": ids("parents"), "kiosks": ids("kiosks"), "invites": ids("invites") })
}

async fn settings_converged(server: &TestServer, home: &Household, devices: &[&Device]) {
    server.converged(home, devices, CONVERGE).await;
    eventually("the settings to match the database", CONVERGE, || async {
        let truth = settings_in_database(server, home).await;
        // A parent's screen has the settings, a kitchen screen never.
        let mut parents = Vec::new();
        for d in devices {
            let view = d.view();
            match (view.role, &view.settings) {
                (Role::Parent, Some(_)) => parents.push(settings_of(&view)),
                (Role::Parent, None) => return Err("a parent's screen without settings".to_owned()),
                (Role::Kiosk, Some(_)) => panic!("a kitchen screen shows the settings"),
                (Role::Kiosk, None) => {}
            }
        }
        (!parents.is_empty() && parents.iter().all(|s| *s == truth))
            .then_some(())
            .ok_or(format!("truth {truth}, devices {parents:?}"))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_settings_change_shows_on_every_screen_as_the_database_has_it() {
    let server = TestServer::start().await;
    let home = Household::create(&server, "Parkers").await;
    let api = ApiClient::new(&server.url()).unwrap();
    api.set_token(Some(home.token.clone()));
    let kiosk_token = api.create_kiosk(&home.family_id, "Kitchen").await.unwrap();
    let laptop = DeviceBuilder::new(&server, &home).connect().await;
    let phone = DeviceBuilder::new(&server, &home).connect().await;
    let kitchen = DeviceBuilder::new(&server, &home)
        .kiosk(kiosk_token)
        .connect()
        .await;
    let all = [&laptop, &phone, &kitchen];
    settings_converged(&server, &home, &all).await;
    let board = &laptop.dashboard;

    let zoe = board
        .add_child(&MemberRequest {
            name: "Zoe".into(),
            color: Some("#9b5de5".into()),
        })
        .await
        .unwrap();
    // The acting device shows its own change when the call returns.
    assert!(board.current().member(&zoe).is_some());
    settings_converged(&server, &home, &all).await;

    board
        .update_child(
            &home.members[0],
            &UpdateMemberRequest {
                name: Some("Adá".into()),
                color: Some("#17bebb".into()),
            },
        )
        .await
        .unwrap();
    let chore = board
        .add_chore(&ChoreRequest {
            title: "Walk the dog".into(),
            stars: 2,
            member_id: Some(zoe.clone()),
            days: Some(vec![6, 7]),
        })
        .await
        .unwrap();
    board
        .update_chore(
            &chore,
            &UpdateChoreRequest {
                title: Some("Walk the dog twice".into()),
                stars: None,
                member_id: Some(None),
                days: Some(vec![1, 3, 5]),
            },
        )
        .await
        .unwrap();
    let template = board
        .add_template(&TemplateRequest {
            label: "Piano".into(),
            duration_seconds: 900,
            stars: 3,
        })
        .await
        .unwrap();
    board.remove_template(&home.templates[1]).await.unwrap();
    board
        .update_family(&UpdateFamilyRequest {
            name: Some("The Parkers".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let invite = board.create_invite().await.unwrap();
    settings_converged(&server, &home, &all).await;
    let view = kitchen.view();
    assert_eq!(view.family.as_ref().unwrap().name, "The Parkers");
    assert!(view.templates.iter().any(|t| t.id == template));
    assert!(
        view.chores
            .iter()
            .any(|c| c.id == chore && c.member_id.is_none())
    );
    assert!(
        view.settings.is_none(),
        "a kitchen screen is never shown the settings"
    );

    // A kitchen screen cannot change them: refused before any request.
    let sent = kitchen.dashboard.api().requests_sent();
    let refused = kitchen
        .dashboard
        .add_child(&MemberRequest {
            name: "Spy".into(),
            color: None,
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    assert_eq!(kitchen.dashboard.api().requests_sent(), sent);

    // The PIN: a change needs the current one; the kitchen screen then
    // confirms with the new one.
    let wrong = board
        .set_pin(&PinRequest {
            pin: "1357".into(),
            current_pin: Some("0000".into()),
            password: None,
        })
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), ErrorCode::WrongPin);
    board
        .set_pin(&PinRequest {
            pin: "1357".into(),
            current_pin: Some(PIN.into()),
            password: None,
        })
        .await
        .unwrap();
    let timer = kitchen
        .dashboard
        .start_timer(&zoe, "Lego", 600, 1)
        .await
        .unwrap();
    assert_eq!(
        kitchen
            .dashboard
            .cancel_timer(&timer.id, Some(PIN))
            .await
            .unwrap_err()
            .code(),
        ErrorCode::WrongPin
    );
    kitchen
        .dashboard
        .cancel_timer(&timer.id, Some("1357"))
        .await
        .unwrap();

    board.revoke_invite(&invite.id).await.unwrap();
    board.remove_child(&zoe).await.unwrap();
    board.remove_chore(&chore).await.unwrap();
    settings_converged(&server, &home, &all).await;
    assert!(kitchen.view().member(&zoe).is_none());
}

/// The credential store the test holds, as the platform keyring.
struct HeldKeyring(Arc<MemoryStore>);

impl Keyring for HeldKeyring {
    fn open(&self, _: String) -> BoxFuture<'static, (Arc<dyn CredentialStore>, ServiceStatus)> {
        let store: Arc<dyn CredentialStore> = self.0.clone();
        Box::pin(async move { (store, ServiceStatus::Available) })
    }
}

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

/// Records the sessions the app would show.
#[derive(Default)]
struct Sessions(Mutex<Vec<SessionView>>);

impl ViewSink for Sessions {
    fn view(&self, _: Option<&Arc<DashboardView>>) {}
    fn session(&self, session: &SessionView) {
        self.0.lock().unwrap().push(session.clone());
    }
    fn desktop(&self, _: &DesktopStatus) {}
}

/// One app instance: its own profile, credential store and sink.
struct App {
    supervisor: Arc<Supervisor<HttpBackend>>,
    profile: Profile,
    sessions: Arc<Sessions>,
    _dir: tempfile::TempDir,
}

impl App {
    async fn start(server: &TestServer, name: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let profile = Profile::open_in(name, dir.path(), dir.path()).unwrap();
        let sessions = Arc::new(Sessions::default());
        let supervisor = Supervisor::new(Setup {
            profile: profile.clone(),
            mode: Mode::Client {
                server: Some(server.url()),
            },
            kiosk: false,
            backend: HttpBackend::default(),
            host: Arc::new(NoHosting),
            keyring: Arc::new(HeldKeyring(Arc::new(MemoryStore::new()))),
            sink: sessions.clone(),
            notifier: Arc::new(NoNotifier),
        });
        supervisor.start().await;
        Self {
            supervisor,
            profile,
            sessions,
            _dir: dir,
        }
    }

    fn told(&self) -> Option<SessionView> {
        self.sessions.0.lock().unwrap().last().cloned()
    }

    async fn signed_out(&self, what: &str) {
        eventually(what, CONVERGE, || async {
            let told = self.told().is_some_and(|s| !s.signed_in);
            (told
                && !self.supervisor.session_view().await.signed_in
                && self.profile.load_session().is_none())
            .then_some(())
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_parent_joins_by_invite_and_removed_is_signed_out_and_a_revoked_screen_goes_back_to_pairing()
 {
    let server = TestServer::start().await;
    let home = Household::create(&server, "Parkers").await;
    let ana = App::start(&server, "ana").await;
    ana.supervisor
        .sign_in(Some(&server.url()), &home.email, PASSWORD, None)
        .await
        .unwrap();
    let board = ana.supervisor.board().await.unwrap();
    board.wait_for(|v| v.revision > 0).await;

    // Ben joins as a new parent with the code Ana's app made.
    let invite = board.create_invite().await.unwrap();
    let ben = App::start(&server, "ben").await;
    let joining = Joining::NewParent { name: "Ben".into() };
    let refused = ben
        .supervisor
        .join_household(
            Some(&server.url()),
            "NOT-A-CODE",
            joining.clone(),
            "ben@parkers.example",
            PASSWORD,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::NotFound);
    ben.supervisor
        .join_household(
            Some(&server.url()),
            &invite.code.to_lowercase(),
            joining,
            "ben@parkers.example",
            PASSWORD,
            None,
        )
        .await
        .unwrap();
    let bens = ben.supervisor.board().await.unwrap();
    assert_eq!(bens.family_id(), home.family_id);
    assert!(ben.told().unwrap().signed_in);
    // Ana's settings list him, through the channel.
    let ben_id = board
        .wait_for(|v| v.settings.as_ref().is_some_and(|s| s.parents.len() == 2))
        .await
        .settings
        .as_ref()
        .unwrap()
        .parents
        .iter()
        .find(|p| p.name == "Ben" && !p.you)
        .expect("Ben is listed")
        .id
        .clone();

    // The kitchen screen pairs with a code from Ana's app.
    let pairing = ana
        .supervisor
        .create_kiosk_pairing("Kitchen")
        .await
        .unwrap();
    let kitchen = App::start(&server, "kitchen").await;
    assert!(!kitchen.supervisor.is_kiosk());
    kitchen
        .supervisor
        .pair_kiosk(&server.url(), &pairing.code, None)
        .await
        .unwrap();
    assert!(
        kitchen.told().unwrap().kiosk,
        "the window turns into the kiosk"
    );
    assert!(kitchen.profile.is_kiosk(), "and starts as one from then on");
    let kiosk_id = board
        .wait_for(|v| v.settings.as_ref().is_some_and(|s| s.kiosks.len() == 1))
        .await
        .settings
        .as_ref()
        .unwrap()
        .kiosks[0]
        .id
        .clone();

    // Removing Ben signs his app out.
    board.remove_parent(&ben_id).await.unwrap();
    ben.signed_out("Ben's app to be signed out").await;
    // Revoking the kitchen screen sends it back to pairing: signed out,
    // still a kitchen screen.
    board.revoke_kiosk(&kiosk_id).await.unwrap();
    kitchen
        .signed_out("the kitchen screen to be unpaired")
        .await;
    assert!(kitchen.supervisor.is_kiosk());
    assert!(kitchen.supervisor.session_view().await.kiosk);
    // Ana stays, and sees both gone.
    let view = board
        .wait_for(|v| {
            v.settings
                .as_ref()
                .is_some_and(|s| s.parents.len() == 1 && s.kiosks.is_empty())
        })
        .await;
    assert!(view.settings.as_ref().unwrap().parents[0].you);
    assert!(ana.supervisor.session_view().await.signed_in);
}
