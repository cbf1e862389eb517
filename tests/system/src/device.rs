//! A device: a `kinboard-core` [`Dashboard`] signed in to a household,
//! reaching the server through its own [`FaultProxy`] (so one device's
//! link can be cut while the others stay up), with a recording notifier.
//! Also the comparison the tests converge on: each device's view and the
//! server's own snapshot, read into the same picture by test code of its
//! own ([`normalized`], [`TestServer::truth`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use kinboard_core::{
    ApiClient, ApprovalNeeded, Clock, ConnectionStatus, Dashboard, DashboardOptions, DashboardView,
    Notifier, PusherConfig, RecordingNotifier, SystemClock, TimerExpired,
};
use kinboard_testkit::FaultProxy;
use pusher_protocol::Backoff;
use serde_json::{Value, json};

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
    /// The server (or balancer) the device's link leads to.
    server: SocketAddr,
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

    fn approval_needed(&self, notice: &ApprovalNeeded) {
        self.0.approval_needed(notice);
        self.1.approval_needed(notice);
    }
}

impl<'a> DeviceBuilder<'a> {
    pub fn new(server: &TestServer, household: &'a Household) -> Self {
        Self::at(server.addr(), household)
    }

    /// A device of a server (or balancer) at `server`.
    pub fn at(server: SocketAddr, household: &'a Household) -> Self {
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
        let link = FaultProxy::start(self.upstream.unwrap_or(self.server))
            .await
            .expect("device link");
        let clock = self.clock.unwrap_or_else(kinboard_core::clock::system);
        let target = if self.direct {
            self.upstream.unwrap_or(self.server)
        } else {
            link.addr()
        };
        let api = ApiClient::with_clock(&format!("http://{target}"), clock).expect("api");
        let token = match self.kiosk_token {
            Some(token) => token,
            None => {
                api.sign_in(&self.household.email, PASSWORD)
                    .await
                    .expect("sign in")
                    .token
            }
        };
        api.set_token(Some(token));
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
        let dashboard = Dashboard::connect(api, options).await.expect("connect");
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

/// What a screen shows that must be the same on every device and match
/// the database: the family, each child's stars, the active timers in
/// their order, the templates, which child did which chore today (done or
/// waiting for a parent), the completions waiting, the rewards with who
/// had them this week, and this week's redemptions. Built here, by the
/// tests, from a device's view.
pub fn normalized(view: &DashboardView) -> Value {
    let v = serde_json::to_value(view).expect("view serialises");
    let list = |key: &str| v[key].as_array().cloned().unwrap_or_default();
    json!({
        "revision": v["revision"],
        "family": {
            "id": v["family"]["id"],
            "name": v["family"]["name"],
            "timeZone": v["family"]["timeZone"],
            "hasPin": v["family"]["hasPin"],
            "choreApproval": v["family"]["choreApproval"],
            // Which screen the wrong PINs came from is told only live.
            "pinLockedUntil": v["family"]["pinLockedUntil"],
        },
        "members": v["members"],
        "timers": v["timers"],
        "templates": v["templates"],
        "chores": list("chores").iter().map(|c| json!({
            "id": c["id"],
            "memberId": c["memberId"],
            "label": c["label"],
            "stars": c["stars"],
            "done": c["done"].as_array().map(|d| d.iter().map(|d| json!({
                "memberId": d["memberId"], "completionId": d["completionId"], "status": d["status"],
            })).collect::<Vec<_>>()),
        })).collect::<Vec<_>>(),
        "pending": list("pending").iter().map(|p| p["completionId"].clone()).collect::<Vec<_>>(),
        "rewards": list("rewards").iter().map(|r| json!({
            "id": r["id"], "title": r["title"], "cost": r["cost"], "weeklyLimit": r["weeklyLimit"],
            "redeemedBy": r["redeemedBy"],
        })).collect::<Vec<_>>(),
        "redemptions": list("redemptions").iter().map(|r| r["id"].clone()).collect::<Vec<_>>(),
    })
}

/// Today's date (`YYYY-MM-DD`) in `time_zone`, as the family counts days.
fn today(time_zone: &str, now_ms: i64) -> String {
    use chrono::TimeZone;
    let tz: chrono_tz::Tz = time_zone.parse().expect("an IANA zone");
    tz.timestamp_millis_opt(now_ms)
        .single()
        .expect("now")
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

/// The same picture read straight from the server's own JSON (its
/// `GET /dashboard`, with its `serverTime`), by test code that shares
/// nothing with the client under test.
fn picture_from_snapshot(s: &Value) -> Value {
    let now = s["serverTime"].as_i64().expect("serverTime");
    let zone = s["family"]["timeZone"].as_str().expect("a time zone");
    let today = today(zone, now);
    let completions = s["completions"].as_array().cloned().unwrap_or_default();
    let redemptions = s["redemptions"].as_array().cloned().unwrap_or_default();
    let weekly = |id: &Value| {
        s["weeklyStars"]
            .as_array()
            .and_then(|w| w.iter().find(|w| w["memberId"] == *id))
            .map_or(json!(0), |w| w["stars"].clone())
    };
    let mut timers: Vec<&Value> = s["activeTimers"]
        .as_array()
        .expect("timers")
        .iter()
        .collect();
    timers.sort_by_key(|t| (t["startedAt"].as_i64(), t["id"].as_str().map(str::to_owned)));
    json!({
        "revision": s["revision"],
        "family": {
            "id": s["family"]["id"],
            "name": s["family"]["name"],
            "timeZone": s["family"]["timeZone"],
            "hasPin": s["family"]["hasPin"],
            "choreApproval": s["family"]["choreApproval"],
            "pinLockedUntil": s["family"]["pinLockedUntil"],
        },
        "members": s["members"].as_array().expect("members").iter().map(|m| json!({
            "id": m["id"], "name": m["name"], "color": m["color"], "balance": m["balance"],
            "weeklyStars": weekly(&m["id"]),
        })).collect::<Vec<_>>(),
        "timers": timers.iter().map(|t| json!({
            "id": t["id"], "memberId": t["memberId"], "label": t["label"], "state": t["state"],
            "endsAt": t["endsAt"], "remainingMs": t["remainingMs"], "durationMs": t["durationMs"],
            "stars": t["stars"], "templateId": t["templateId"],
        })).collect::<Vec<_>>(),
        "templates": s["templates"].as_array().expect("templates").iter().map(|t| json!({
            "id": t["id"], "label": t["label"],
            "durationSeconds": t["durationMs"].as_i64().map(|ms| ms / 1000),
            "stars": t["stars"],
        })).collect::<Vec<_>>(),
        "chores": s["chores"].as_array().expect("chores").iter().map(|c| json!({
            "id": c["id"], "memberId": c["memberId"], "label": c["title"], "stars": c["stars"],
            "done": completions.iter()
                .filter(|d| d["choreId"] == c["id"] && d["day"] == today.as_str())
                .map(|d| json!({"memberId": d["memberId"], "completionId": d["id"], "status": d["status"]}))
                .collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "pending": completions.iter().filter(|d| d["status"] == "pending")
            .map(|d| d["id"].clone()).collect::<Vec<_>>(),
        "rewards": s["rewards"].as_array().cloned().unwrap_or_default().iter().map(|r| json!({
            "id": r["id"], "title": r["title"], "cost": r["cost"], "weeklyLimit": r["weeklyLimit"],
            "redeemedBy": redemptions.iter().filter(|x| x["rewardId"] == r["id"])
                .map(|x| x["memberId"].clone()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "redemptions": redemptions.iter().rev().map(|x| x["id"].clone()).collect::<Vec<_>>(),
    })
}

impl TestServer {
    /// The database's state of `household`: the server's own snapshot,
    /// fetched and read by the tests themselves.
    pub async fn truth(&self, household: &Household) -> Value {
        truth_at(&self.url(), household).await
    }

    /// Waits until every device shows exactly the database's state.
    pub async fn converged(&self, household: &Household, devices: &[&Device], timeout: Duration) {
        converged_at(&self.url(), household, devices, timeout).await;
    }
}

/// [`TestServer::truth`] from the server (or balancer) at `base`. A server
/// that answers 5xx (a cluster's part coming back) is asked again, for up
/// to ten seconds; anything else unexpected fails the test.
pub async fn truth_at(base: &str, household: &Household) -> Value {
    let url = format!("{base}/api/families/{}/dashboard", household.family_id);
    let snapshot: Value =
        kinboard_testkit::eventually("the server's snapshot", Duration::from_secs(10), || async {
            let reply = reqwest::Client::new()
                .get(&url)
                .bearer_auth(&household.token)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = reply.status();
            if status.is_server_error() {
                return Err(format!("{status}"));
            }
            assert!(status.is_success(), "no snapshot: {status}");
            reply.json::<Value>().await.map_err(|e| e.to_string())
        })
        .await;
    picture_from_snapshot(&snapshot)
}

/// [`TestServer::converged`] against the server (or balancer) at `base`.
pub async fn converged_at(
    base: &str,
    household: &Household,
    devices: &[&Device],
    timeout: Duration,
) {
    {
        kinboard_testkit::eventually(
            "every device to show the database's state",
            timeout,
            || async {
                let truth = truth_at(base, household).await;
                let views: Vec<Value> = devices.iter().map(|d| normalized(&d.view())).collect();
                if views.iter().all(|v| *v == truth) && devices.iter().all(|d| d.is_live()) {
                    return Ok(());
                }
                let states: Vec<_> = devices
                    .iter()
                    .map(|d| d.view().connection.clone())
                    .collect();
                Err(format!(
                    "\ntruth: {truth}\nviews: {}\nconnections: {states:?}",
                    views
                        .iter()
                        .map(Value::to_string)
                        .collect::<Vec<_>>()
                        .join("\n")
                ))
            },
        )
        .await;
    }
}
