//! Expiry notices: exactly once per device, at the local deadline — also
//! when the device is offline then, and when the server's `timer:expired`
//! arrives before the device's own deadline.

use std::sync::Arc;
use std::time::Duration;

use kinboard_core::Clock;
use kinboard_core::kinboard_api::TimerState;
use kinboard_system_tests::{Device, DeviceBuilder, Household, ShiftedClock, TestServer};
use kinboard_testkit::eventually;

const CONVERGE: Duration = Duration::from_secs(10);

async fn notices(device: &Device, timer_id: &str, count: usize) {
    eventually("the expiry notice", CONVERGE, || async {
        (device.notifier.count_for(timer_id) >= count).then_some(())
    })
    .await;
}

/// Waits until every device shows the timer as expired by the server.
async fn expired_everywhere(devices: &[&Device], timer_id: &str) {
    eventually("the server's expiry on every device", CONVERGE, || async {
        devices
            .iter()
            .all(|d| {
                d.view()
                    .timer(timer_id)
                    .is_some_and(|t| t.state == TimerState::Expired)
            })
            .then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_device_raises_the_notice_exactly_once() {
    let server = TestServer::start().await;
    let home = Household::create(&server, "Parkers").await;
    let devices = [
        DeviceBuilder::new(&server, &home).connect().await,
        DeviceBuilder::new(&server, &home).connect().await,
        DeviceBuilder::new(&server, &home).connect().await,
    ];
    let all: Vec<&Device> = devices.iter().collect();
    server.converged(&home, &all, CONVERGE).await;
    // The 2-second template.
    let t = devices[0]
        .dashboard
        .start_timer_from_template(&home.members[0], &home.templates[1])
        .await
        .unwrap();
    for d in &devices {
        notices(d, &t.id, 1).await;
    }
    expired_everywhere(&all, &t.id).await;
    // A snapshot showing it expired does not raise it again.
    for d in &devices {
        d.dashboard.refresh().await.unwrap();
    }
    server.converged(&home, &all, CONVERGE).await;
    for d in &devices {
        assert_eq!(d.notifier.count_for(&t.id), 1);
        let notice = &d.notifier.notices()[0];
        assert_eq!(notice.label, "Quick");
        assert_eq!(notice.member_name.as_deref(), Some("Ada"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_offline_at_the_deadline_raises_it_then_and_once() {
    let server = TestServer::start().await;
    let home = Household::create(&server, "Parkers").await;
    let online = DeviceBuilder::new(&server, &home).connect().await;
    let offline = DeviceBuilder::new(&server, &home).connect().await;
    server
        .converged(&home, &[&online, &offline], CONVERGE)
        .await;
    let t = online
        .dashboard
        .start_timer(&home.members[1], "Teeth", 3, 0)
        .await
        .unwrap();
    eventually("the timer on both", CONVERGE, || async {
        offline.view().timer(&t.id).map(|_| ())
    })
    .await;

    offline.link.cut();
    notices(&offline, &t.id, 1).await;
    assert!(!offline.is_live(), "the notice came while offline");
    notices(&online, &t.id, 1).await;
    expired_everywhere(&[&online], &t.id).await;

    offline.link.restore();
    server
        .converged(&home, &[&online, &offline], CONVERGE)
        .await;
    assert_eq!(
        offline.view().timer(&t.id).unwrap().state,
        TimerState::Expired
    );
    assert_eq!(offline.notifier.count_for(&t.id), 1);
    assert_eq!(online.notifier.count_for(&t.id), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_servers_expiry_arrives_first_the_notice_comes_then_and_once() {
    let server = TestServer::start().await;
    let home = Household::create(&server, "Parkers").await;
    let actor = DeviceBuilder::new(&server, &home).connect().await;
    let clock = Arc::new(ShiftedClock::default());
    let late = DeviceBuilder::new(&server, &home)
        .clock(clock.clone())
        .connect()
        .await;
    server.converged(&home, &[&actor, &late], CONVERGE).await;
    // The late device's clock steps back 5 s after it measured the offset:
    // its own deadline now comes 5 s after the real one.
    clock.shift(-5_000);

    let t = actor
        .dashboard
        .start_timer(&home.members[0], "Oven", 2, 0)
        .await
        .unwrap();
    expired_everywhere(&[&late], &t.id).await;
    notices(&late, &t.id, 1).await;
    let ends_at = t.ends_at.unwrap();
    let local_deadline = ends_at - late.view().server_offset_ms;
    assert!(
        clock.now_ms() < local_deadline,
        "raised on the server's event, before its own deadline"
    );

    // Past its own deadline, nothing more.
    eventually("the late device's own deadline", CONVERGE, || async {
        (clock.now_ms() > local_deadline + 200).then_some(())
    })
    .await;
    late.dashboard.refresh().await.unwrap();
    assert_eq!(late.notifier.count_for(&t.id), 1);
}
