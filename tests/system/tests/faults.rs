//! Faults between the devices and the server, injected by proxies the
//! test controls; after each, every device converges to the database's
//! state by itself (no Refresh pressed) — except after a refusal, which
//! only the person can act on. Among them, on the server's side: a
//! broadcast given up, and a family's broadcast lane overflowing (one
//! `family:resync` replaces what it dropped).

use std::sync::atomic::Ordering;
use std::time::Duration;

use kinboard_core::ConnectionStatus;
use kinboard_core::kinboard_api::TimerState;
use kinboard_system_tests::{
    Device, DeviceBuilder, Disruption, FamilyListener, Household, HttpProxy, RelayMode, TestServer,
};
use kinboard_testkit::eventually;

const CONVERGE: Duration = Duration::from_secs(10);

/// The request line of a channel authorisation.
const AUTH: &str = "POST /api/pusher/auth ";

async fn not_live(device: &Device, within: Duration) {
    eventually("the device to notice the link is down", within, || async {
        (!device.is_live()).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_cut_while_actions_happen_converges_after_the_restore() {
    let server = TestServer::start().await;
    let home = Household::create(&server, "Parkers").await;
    let devices = [
        DeviceBuilder::new(&server, &home).connect().await,
        DeviceBuilder::new(&server, &home).connect().await,
        DeviceBuilder::new(&server, &home).connect().await,
    ];
    let all: Vec<&Device> = devices.iter().collect();
    server.converged(&home, &all, CONVERGE).await;
    let (actor, cut) = (&devices[0].dashboard, &devices[2]);
    let ada = &home.members[0];

    cut.link.cut();
    not_live(cut, Duration::from_secs(5)).await;
    let before = cut.view().revision;
    let t = actor
        .start_timer_from_template(ada, &home.templates[0])
        .await
        .unwrap();
    actor.pause_timer(&t.id).await.unwrap();
    actor.add_stars(ada, 2, "tidy room", None).await.unwrap();
    actor.complete_chore(&home.chores[0], ada).await.unwrap();
    server.converged(&home, &all[..2], CONVERGE).await;
    assert_eq!(cut.view().revision, before, "the cut device heard nothing");

    cut.link.restore();
    server.converged(&home, &all, CONVERGE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_blackhole_is_detected_by_the_pong_timeout_and_recovered() {
    let server = TestServer::start().await;
    let home = Household::create(&server, "Parkers").await;
    let actor = DeviceBuilder::new(&server, &home).connect().await;
    let victim = DeviceBuilder::new(&server, &home).connect().await;
    server.converged(&home, &[&actor, &victim], CONVERGE).await;

    // No RST, no FIN: only the missing pong can tell (1 s activity + 1 s pong).
    victim.link.blackhole();
    not_live(&victim, Duration::from_secs(6)).await;
    let t = actor
        .dashboard
        .start_timer(&home.members[1], "Piano", 900, 1)
        .await
        .unwrap();
    actor.dashboard.extend_timer(&t.id, 60).await.unwrap();

    victim.link.restore();
    server.converged(&home, &[&actor, &victim], CONVERGE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_restart_loses_nothing() {
    let mut server = TestServer::start_with(RelayMode::Standalone).await;
    let home = Household::create(&server, "Parkers").await;
    let actor = DeviceBuilder::new(&server, &home).connect().await;
    let other = DeviceBuilder::new(&server, &home).connect().await;
    server.converged(&home, &[&actor, &other], CONVERGE).await;

    server.stop_relay().await;
    not_live(&other, Duration::from_secs(5)).await;
    // Broadcasts of these fail: the relay is down.
    let t = actor
        .dashboard
        .start_timer(&home.members[0], "Lego", 600, 0)
        .await
        .unwrap();
    actor.dashboard.pause_timer(&t.id).await.unwrap();
    server.start_relay().await;

    server.converged(&home, &[&actor, &other], CONVERGE).await;
    actor.dashboard.resume_timer(&t.id).await.unwrap();
    server.converged(&home, &[&actor, &other], CONVERGE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restart_keeps_the_sqlite_file_and_loses_nothing() {
    let mut server = TestServer::start().await;
    let home = Household::create(&server, "Parkers").await;
    let devices = [
        DeviceBuilder::new(&server, &home).connect().await,
        DeviceBuilder::new(&server, &home).connect().await,
    ];
    let all: Vec<&Device> = devices.iter().collect();
    server.converged(&home, &all, CONVERGE).await;
    let ada = &home.members[0];
    let t = devices[0]
        .dashboard
        .start_timer(ada, "Homework", 3600, 2)
        .await
        .unwrap();
    devices[1]
        .dashboard
        .add_stars(ada, 4, "before the restart", None)
        .await
        .unwrap();
    server.converged(&home, &all, CONVERGE).await;
    let before = server.truth(&home).await;

    server.stop().await;
    for d in &devices {
        not_live(d, Duration::from_secs(5)).await;
    }
    server.start_again().await;
    for d in &devices {
        d.link.set_upstream(server.addr());
    }
    assert_eq!(
        server.truth(&home).await,
        before,
        "the database kept everything"
    );
    server.converged(&home, &all, CONVERGE).await;

    devices[1].dashboard.pause_timer(&t.id).await.unwrap();
    server.converged(&home, &all, CONVERGE).await;
    assert_eq!(devices[0].view().member(ada).unwrap().balance, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_lost_for_good_makes_every_device_reload_without_a_later_action() {
    let server = TestServer::start_with(RelayMode::Standalone).await;
    let home = Household::create(&server, "Parkers").await;
    let actor = DeviceBuilder::new(&server, &home).connect().await;
    let other = DeviceBuilder::new(&server, &home).connect().await;
    server.converged(&home, &[&actor, &other], CONVERGE).await;
    let stats = server.relay_proxy().stats().clone();
    let failed = || {
        stats
            .failed_api_requests
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    let before = other.view().revision;
    let requests_before = other.dashboard.api().requests_sent();

    // The relay's HTTP API fails; the sockets stay up. The server tries
    // the event four times, then gives it up: the last change of the day,
    // say, with nothing after it to reveal a gap.
    server.relay_proxy().fail_relay_api(true);
    let ada = &home.members[0];
    actor
        .dashboard
        .add_stars(ada, 1, "kind", None)
        .await
        .unwrap();
    eventually("the broadcast to be tried four times", CONVERGE, || async {
        (failed() >= 4).then_some(())
    })
    .await;
    assert_eq!(
        other.view().revision,
        before,
        "nothing reached the other device"
    );
    assert_eq!(other.view().connection.state, ConnectionStatus::Live);

    // The engine comes back; nobody does anything. The family is owed a
    // resync, which makes the device behind reload — once.
    server.relay_proxy().fail_relay_api(false);
    server.converged(&home, &[&actor, &other], CONVERGE).await;
    assert_eq!(
        other.dashboard.api().requests_sent() - requests_before,
        1,
        "one snapshot, no reconnect"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_channel_authorisation_is_retried_while_the_socket_stays_up() {
    let server = TestServer::start().await;
    let home = Household::create(&server, "Parkers").await;
    let front = HttpProxy::start(server.addr()).await;
    // The server cannot authorise the family channel for a while.
    front.disrupt(AUTH, Disruption::Answer(500), 3);
    let device = DeviceBuilder::new(&server, &home)
        .via(front.addr())
        .connect()
        .await;
    let actor = DeviceBuilder::new(&server, &home).connect().await;
    let stats = front.stats().clone();
    eventually("three failed authorisations", CONVERGE, || async {
        (stats.disrupted_requests() >= 3).then_some(())
    })
    .await;

    // Nobody presses Refresh, and the socket stays up (so the connection
    // has no reconnect to retry the channel on): the device asks again.
    device.live().await;
    assert_eq!(stats.requests_to(AUTH), 4);
    assert_eq!(stats.websockets.load(Ordering::Relaxed), 1, "no reconnect");
    assert_eq!(device.view().last_error, None);

    // Live updates flow again: the next action arrives as an event.
    let sent_before = device.dashboard.api().requests_sent();
    let t = actor
        .dashboard
        .start_timer(&home.members[0], "Reading", 1200, 1)
        .await
        .unwrap();
    eventually("the timer on the device", CONVERGE, || async {
        device
            .view()
            .timer(&t.id)
            .is_some_and(|t| t.state == TimerState::Running)
            .then_some(())
    })
    .await;
    assert_eq!(
        device.dashboard.api().requests_sent() - sent_before,
        0,
        "by the event, not a reload"
    );
    server.converged(&home, &[&device, &actor], CONVERGE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_channel_is_shown_and_asked_again_only_on_refresh() {
    let server = TestServer::start().await;
    let home = Household::create(&server, "Parkers").await;
    let front = HttpProxy::start(server.addr()).await;
    front.disrupt(AUTH, Disruption::Answer(403), 1);
    let device = DeviceBuilder::new(&server, &home)
        .via(front.addr())
        .connect()
        .await;
    let stats = front.stats().clone();
    eventually("the refusal on the banner", CONVERGE, || async {
        device
            .view()
            .last_error
            .as_ref()
            .is_some_and(|e| e.code == kinboard_core::kinboard_api::ErrorCode::Forbidden)
            .then_some(())
    })
    .await;

    // The observation window: a retry loop would have asked again after
    // 0.5 s. Absence cannot be waited for, only watched.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(stats.requests_to(AUTH), 1, "a refusal is not retried");
    assert_ne!(device.view().connection.state, ConnectionStatus::Live);

    // The person presses Refresh: the channel is asked for once more.
    device.dashboard.refresh().await.unwrap();
    device.live().await;
    assert_eq!(stats.requests_to(AUTH), 2);
    assert_eq!(stats.websockets.load(Ordering::Relaxed), 1, "no reconnect");
    server.converged(&home, &[&device], CONVERGE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_whose_reply_is_lost_is_retried_with_its_key_and_applied_once() {
    let server = TestServer::start().await;
    let home = Household::create(&server, "Parkers").await;
    let front = HttpProxy::start(server.addr()).await;
    let device = DeviceBuilder::new(&server, &home)
        .via(front.addr())
        .connect()
        .await;
    let other = DeviceBuilder::new(&server, &home).connect().await;
    server.converged(&home, &[&device, &other], CONVERGE).await;
    let ada = &home.members[0];
    let balance_before = device.view().member(ada).unwrap().balance;
    let stars = format!("POST /api/families/{}/members/{ada}/stars ", home.family_id);
    // The server applies the first try, but its reply never arrives.
    front.disrupt(&stars, Disruption::LoseResponse, 1);

    device
        .dashboard
        .add_stars(ada, 3, "set the table", None)
        .await
        .unwrap();

    let stats = front.stats();
    assert_eq!(stats.disrupted_requests(), 1);
    let keys = stats.header_values(&stars, "idempotency-key");
    assert_eq!(keys.len(), 2, "one try and one retry: {keys:?}");
    assert_eq!(keys[0], keys[1], "the retry carried the same key");
    server.converged(&home, &[&device, &other], CONVERGE).await;
    let truth = server.truth(&home).await;
    let balance = truth["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == ada.as_str())
        .map(|m| m["balance"].as_i64().unwrap());
    assert_eq!(
        balance,
        Some(balance_before + 3),
        "applied exactly once in the database"
    );
}

/// A family's broadcast lane overflowing — the engine failing while the
/// family acts faster than the lane drains — drops events, the last among
/// them; one `family:resync` takes their place once the engine is back,
/// and every screen ends with the database's state with nobody acting
/// again (without the resync the screens would stop at the last event
/// that got through: no later one reveals the gap).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lane_that_overflows_ends_with_every_device_converged() {
    let server = TestServer::start_tuned(RelayMode::Standalone, |config| {
        config.broadcast_lanes = 1;
        config.broadcast_capacity = 2;
    })
    .await;
    let home = Household::create(&server, "Floods").await;
    let actor = DeviceBuilder::new(&server, &home).connect().await;
    let kitchen = DeviceBuilder::new(&server, &home).connect().await;
    let phone = DeviceBuilder::new(&server, &home).connect().await;
    server
        .converged(&home, &[&actor, &kitchen, &phone], CONVERGE)
        .await;
    let heard = FamilyListener::subscribe(&server.url(), &home).await;

    // The engine fails; the family gives twelve stars in a row. The lane
    // holds two while it retries the first; the rest overflow.
    server.relay_proxy().fail_relay_api(true);
    let ada = &home.members[0];
    for i in 0..12 {
        actor
            .dashboard
            .add_stars(ada, 1, &format!("star {i}"), None)
            .await
            .unwrap();
    }
    // The engine is back; nobody acts.
    server.relay_proxy().fail_relay_api(false);
    server
        .converged(&home, &[&actor, &kitchen, &phone], CONVERGE)
        .await;
    eventually("the resync heard", CONVERGE, || async {
        (heard.count("family:resync") > 0).then_some(())
    })
    .await;
    let names: Vec<String> = heard.events().into_iter().map(|(n, _)| n).collect();
    assert!(
        heard.count("stars:updated") < 12,
        "nothing overflowed: {names:?}"
    );
    assert_eq!(
        heard.count("family:resync"),
        1,
        "one resync for the lot: {names:?}"
    );
    assert_eq!(server.truth(&home).await["members"][0]["balance"], 12);
}
