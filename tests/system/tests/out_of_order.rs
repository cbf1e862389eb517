//! Events arriving out of order, and a gap nothing will fill, as a device
//! sees them through the real relay: the test publishes straight to the
//! standalone relay's HTTP API, signed like the server's broadcasts, with
//! the revisions and the order it chooses. The device's HTTP requests are
//! counted at the server's side of the wire.

use std::time::Duration;

use kinboard_system_tests::{Device, DeviceBuilder, Household, HttpProxy, RelayMode, TestServer};
use kinboard_testkit::eventually;
use tokio::time::Instant;

const CONVERGE: Duration = Duration::from_secs(10);
/// `DashboardOptions::default().gap_wait`, which devices use.
const GAP_WAIT: Duration = Duration::from_millis(300);

struct Setup {
    server: TestServer,
    home: Household,
    counter: HttpProxy,
    device: Device,
}

impl Setup {
    async fn start() -> Self {
        let server = TestServer::start_with(RelayMode::Standalone).await;
        let home = Household::create(&server, "Parkers").await;
        let counter = HttpProxy::start(server.addr()).await;
        let device = DeviceBuilder::new(&server, &home)
            .via(counter.addr())
            .connect()
            .await;
        server.converged(&home, &[&device], CONVERGE).await;
        Self {
            server,
            home,
            counter,
            device,
        }
    }

    fn channel(&self) -> String {
        format!("private-family-{}", self.home.family_id)
    }

    /// Snapshot requests the device has made so far.
    fn snapshots(&self) -> usize {
        self.counter.stats().requests_to(&format!(
            "GET /api/families/{}/dashboard ",
            self.home.family_id
        ))
    }

    fn balance(&self, member: usize) -> i64 {
        self.device
            .view()
            .member(&self.home.members[member])
            .expect("member")
            .balance
    }
}

/// A `stars:updated` event with no database change behind it.
fn stars(member_id: &str, new_balance: i64, revision: i64) -> (&'static str, String) {
    let data = serde_json::json!({"memberId": member_id, "newBalance": new_balance, "weeklyStars": 0, "revision": revision});
    ("stars:updated", data.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_out_of_order_both_apply_without_a_reload() {
    let s = Setup::start().await;
    let r = s.device.view().revision;
    let (snapshots, sent) = (s.snapshots(), s.device.dashboard.api().requests_sent());
    let (ada, ben) = (&s.home.members[0], &s.home.members[1]);

    // One batch, so r + 1 follows r + 2 at once (well within the gap wait).
    s.server
        .publish_to_relay(&s.channel(), &[stars(ada, 7, r + 2), stars(ben, 5, r + 1)])
        .await;

    eventually("both events applied", CONVERGE, || async {
        (s.device.view().revision == r + 2).then_some(())
    })
    .await;
    assert_eq!((s.balance(0), s.balance(1)), (7, 5));
    assert_eq!(s.snapshots() - snapshots, 0, "no snapshot request");
    assert_eq!(s.device.dashboard.api().requests_sent() - sent, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gap_reloads_the_snapshot_once_after_the_gap_wait() {
    let s = Setup::start().await;
    let r = s.device.view().revision;
    let (snapshots, sent) = (s.snapshots(), s.device.dashboard.api().requests_sent());
    let balance = s.balance(0);

    // r + 1 never comes: the database never had it.
    let published = Instant::now();
    s.server
        .publish_to_relay(&s.channel(), &[stars(&s.home.members[0], 9, r + 2)])
        .await;

    eventually("the reload", CONVERGE, || async {
        (s.snapshots() > snapshots).then_some(())
    })
    .await;
    assert!(
        published.elapsed() >= GAP_WAIT,
        "the device waited for the missing revision first"
    );
    // The observation window: a gap the snapshot cannot settle must not
    // reload again every gap wait. Absence cannot be waited for, only
    // watched, here for five gap waits.
    tokio::time::sleep(5 * GAP_WAIT).await;
    assert_eq!(s.snapshots() - snapshots, 1, "exactly one snapshot request");
    assert_eq!(s.device.dashboard.api().requests_sent() - sent, 1);
    // The snapshot is the truth: r + 2 never happened.
    assert_eq!(s.device.view().revision, r);
    assert_eq!(s.balance(0), balance);
    s.server.converged(&s.home, &[&s.device], CONVERGE).await;
}
