//! Nothing polls: a connected device with no user actions sends no HTTP
//! request, counted on the server's side of the wire.

use std::time::Duration;

use kinboard_system_tests::{DeviceBuilder, Household, HttpProxy, TestServer};

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
    device.live().await;
    let stats = counter.stats().clone();
    let http_before = stats.http_requests();
    let sent_before = device.dashboard.api().requests_sent();
    let (up_before, down_before) = stats.ws_frames();

    // The idle period itself (shortened from hours; pusher's keepalive is
    // shortened to 1 s to match). This is the measurement, not a wait.
    tokio::time::sleep(Duration::from_secs(5)).await;

    assert!(device.is_live());
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
