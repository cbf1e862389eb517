//! A device: a `kinboard-core` [`Dashboard`] signed in to a household,
//! reaching the server through its own [`FaultProxy`] (so one device's
//! link can be cut while the others stay up), with a recording notifier.
//! Also the comparison the tests converge on: [`normalized`] views.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use kinboard_core::store::Store;
use kinboard_core::view::ViewContext;
use kinboard_core::{
    ApiClient, Clock, ConnectionStatus, Dashboard, DashboardOptions, DashboardView, MemoryStore,
    Notifier, PusherConfig, RecordingNotifier, Role, Session, SystemClock, TimerExpired,
};
use kinboard_testkit::FaultProxy;
use pusher_protocol::Backoff;
use serde_json::Value;

use crate::household::{Household, PASSWORD};
use crate::server::TestServer;

/// Pusher settings that notice a dead link in about two seconds and
/// reconnect within half a second, instead of pusher-js's minutes.
pub fn fast_pusher() -> PusherConfig {
    PusherConfig {
        activity_timeout: Duration::from_secs(1),
        pong_timeout: Duration::from_secs(1),
        unavailable_timeout: Duration::from_secs(3),
        handshake_timeout: Duration::from_secs(2),
        handshake_timeout_cap: Duration::from_secs(4),
        backoff: Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(500),
        },
    }
}

/// The system clock moved by an adjustable amount: a device whose clock
/// steps after it measured the server offset.
#[derive(Debug, Default)]
pub struct ShiftedClock {
    shift_ms: AtomicI64,
}

impl ShiftedClock {
    pub fn shift(&self, ms: i64) {
        self.shift_ms.store(ms, Ordering::Relaxed);
    }
}

impl Clock for ShiftedClock {
    fn now_ms(&self) -> i64 {
        SystemClock.now_ms() + self.shift_ms.load(Ordering::Relaxed)
    }
}

pub struct Device {
    pub dashboard: Dashboard,
    pub notifier: RecordingNotifier,
    /// The device's link to the server.
    pub link: FaultProxy,
}

pub struct DeviceBuilder<'a> {
    server: &'a TestServer,
    household: &'a Household,
    upstream: Option<SocketAddr>,
    pusher: PusherConfig,
    clock: Option<Arc<dyn Clock>>,
    kiosk_token: Option<String>,
    direct: bool,
    notifier: Option<Arc<dyn Notifier>>,
}

/// Hands every notice to the device's recorder and to the notifier under test.
struct BothNotifiers(RecordingNotifier, Arc<dyn Notifier>);

impl Notifier for BothNotifiers {
    fn timer_expired(&self, notice: &TimerExpired) {
        self.0.timer_expired(notice);
        self.1.timer_expired(notice);
    }
}

impl<'a> DeviceBuilder<'a> {
    pub fn new(server: &'a TestServer, household: &'a Household) -> Self {
        Self {
            server,
            household,
            upstream: None,
            pusher: fast_pusher(),
            clock: None,
            kiosk_token: None,
            direct: false,
            notifier: None,
        }
    }

    /// Talk to the server directly, not through the device's link proxy
    /// (benchmarks: no extra hop). The link exists but carries nothing.
    pub fn direct(mut self) -> Self {
        self.direct = true;
        self
    }

    /// Reach the server through this address instead of directly (e.g. an
    /// [`crate::HttpProxy`] that counts).
    pub fn via(mut self, upstream: SocketAddr) -> Self {
        self.upstream = Some(upstream);
        self
    }

    pub fn pusher(mut self, config: PusherConfig) -> Self {
        self.pusher = config;
        self
    }

    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Sign in as a kiosk with this device token instead of the parent.
    pub fn kiosk(mut self, token: String) -> Self {
        self.kiosk_token = Some(token);
        self
    }

    /// Also hand expiry notices to `notifier` (a desktop notifier under test).
    pub fn notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.notifier = Some(notifier);
        self
    }

    pub async fn connect(self) -> Device {
        let link = FaultProxy::start(self.upstream.unwrap_or(self.server.addr()))
            .await
            .expect("device link");
        let clock = self.clock.unwrap_or_else(kinboard_core::clock::system);
        let target = if self.direct {
            self.upstream.unwrap_or(self.server.addr())
        } else {
            link.addr()
        };
        let api = ApiClient::with_clock(&format!("http://{target}"), clock).expect("api");
        let store = Arc::new(MemoryStore::new());
        let session = match self.kiosk_token {
            Some(token) => Session::with_kiosk_token(api, "kitchen", &token, store).await,
            None => Session::sign_in(api, &self.household.email, PASSWORD, store).await,
        }
        .expect("sign in");
        let notifier = RecordingNotifier::new();
        let options = DashboardOptions {
            family_id: Some(self.household.family_id.clone()),
            pusher: self.pusher,
            notifier: match self.notifier {
                Some(extra) => Arc::new(BothNotifiers(notifier.clone(), extra)),
                None => Arc::new(notifier.clone()),
            },
            ..DashboardOptions::default()
        };
        let dashboard = Dashboard::connect(session.api().clone(), options)
            .await
            .expect("connect");
        Device {
            dashboard,
            notifier,
            link,
        }
    }
}

impl Device {
    pub fn view(&self) -> Arc<DashboardView> {
        self.dashboard.current()
    }

    pub fn is_live(&self) -> bool {
        self.view().connection.state == ConnectionStatus::Live
    }

    /// Waits until the device is live (subscribed and loaded).
    pub async fn live(&self) {
        kinboard_testkit::eventually("device live", Duration::from_secs(10), || async {
            self.is_live().then_some(())
        })
        .await;
    }
}

/// A view without what legitimately differs between devices (connection,
/// sync time, clock offset, banner, role), and with chore completion
/// times reduced to done / not done: the `chore:completed` event carries
/// no time, so a device that learnt it from the event has its own estimate.
pub fn normalized(view: &DashboardView) -> Value {
    let mut v = serde_json::to_value(view).expect("view serialises");
    for key in ["connection", "serverOffsetMs", "lastError", "role"] {
        v[key] = Value::Null;
    }
    if let Some(chores) = v["chores"].as_array_mut() {
        for c in chores {
            c["completedAt"] = Value::Bool(!c["completedAt"].is_null());
        }
    }
    v
}

impl TestServer {
    /// The database's state of `household`, as a fresh snapshot shows it,
    /// normalised like the devices' views.
    pub async fn truth(&self, household: &Household) -> Value {
        let api = ApiClient::new(&self.url()).expect("api");
        api.set_token(Some(household.token.clone()));
        let snapshot = api.dashboard(&household.family_id).await.expect("snapshot");
        let mut store = Store::new();
        store.apply_snapshot(snapshot);
        let view = DashboardView::build(
            &store,
            ViewContext {
                role: Role::Parent,
                family: None,
                connection: ConnectionStatus::Live,
                last_synced_at: None,
                server_offset_ms: 0,
                last_error: None,
                server_now_ms: SystemClock.now_ms() + api.server_offset_ms().unwrap_or(0),
            },
        );
        normalized(&view)
    }

    /// Waits until every device shows exactly the database's state.
    pub async fn converged(&self, household: &Household, devices: &[&Device], timeout: Duration) {
        let mut last = (Value::Null, Vec::new());
        let result = tokio::time::timeout(timeout, async {
            loop {
                let truth = self.truth(household).await;
                let views: Vec<Value> = devices.iter().map(|d| normalized(&d.view())).collect();
                if views.iter().all(|v| *v == truth) && devices.iter().all(|d| d.is_live()) {
                    return;
                }
                last = (truth, views);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        if result.is_err() {
            let (truth, views) = last;
            let states: Vec<_> = devices
                .iter()
                .map(|d| d.view().connection.clone())
                .collect();
            panic!(
                "devices did not converge within {timeout:?}\ntruth: {truth}\nviews: {}\nconnections: {states:?}",
                views
                    .iter()
                    .map(Value::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}
