//! Nothing polls: a connected device with no user actions sends no HTTP
//! request, counted on the server's side of the wire — not even while a
//! timer runs out during the idle period (its local expiry notice and the
//! server's `timer:expired` both arrive then).

use std::time::Duration;

use kinboard_core::kinboard_api::TimerState;
use kinboard_system_tests::{DeviceBuilder, Household, HttpProxy, TestServer};
use kinboard_testkit::eventually;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connected_device_makes_zero_http_requests() {
    let server = TestServer::start().await;
    let home = Household::create(&server, "Parkers").await;
    let counter = HttpProxy::start(server.addr()).await;
    // Keepalive every second, so the idle period is full of pings.
    let device = DeviceBuilder::new(&server, &home)
        .via(counter.addr())
        .connect()
        .await;
    // Another screen starts the timer: the idle device itself does nothing.
    let other = DeviceBuilder::new(&server, &home).connect().await;
    device.live().await;
    other.live().await;
    // The 2-second template: it runs out inside the idle period.
    let timer = other
        .dashboard
        .start_timer_from_template(&home.members[0], &home.templates[1])
        .await
        .unwrap();
    eventually(
        "the idle device to show the timer",
        Duration::from_secs(5),
        || async {
            device
                .view()
                .timer(&timer.id)
                .is_some_and(|t| t.state == TimerState::Running)
                .then_some(())
        },
    )
    .await;
    assert_eq!(
        device.notifier.count_for(&timer.id),
        0,
        "the timer runs out inside the idle period, not before"
    );
    let revision_before = device.view().revision;
    let stats = counter.stats().clone();
    let http_before = stats.http_requests();
    let sent_before = device.dashboard.api().requests_sent();
    let (up_before, down_before) = stats.ws_frames();

    // The idle period itself (shortened from hours; pusher's keepalive is
    // shortened to 1 s to match). This is the measurement, not a wait.
    tokio::time::sleep(Duration::from_secs(5)).await;

    assert!(device.is_live());
    assert_eq!(
        device.notifier.count_for(&timer.id),
        1,
        "the local expiry notice was raised while idle"
    );
    assert_eq!(
        device.view().timer(&timer.id).map(|t| t.state),
        Some(TimerState::Expired),
        "the server's timer:expired arrived while idle"
    );
    assert_eq!(device.view().revision, revision_before + 1);
    let lines = stats.request_lines.lock().unwrap().clone();
    assert_eq!(
        stats.http_requests() - http_before,
        0,
        "requests while idle: {lines:?}"
    );
    assert_eq!(device.dashboard.api().requests_sent() - sent_before, 0);
    let (up, down) = stats.ws_frames();
    assert!(
        up > up_before && down > down_before,
        "keepalive frames flowed: {up} {down}"
    );
}
