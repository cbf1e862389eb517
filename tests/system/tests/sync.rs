//! Several devices of one family against a real server and relay: every
//! action taken on one device shows on all the others with exactly the
//! database's state, and a device of another family sees none of it.

use kinboard_core::kinboard_api::ErrorCode;
use std::time::Duration;

use kinboard_core::Role;
use kinboard_system_tests::{Device, DeviceBuilder, Household, PIN, TestServer};

const CONVERGE: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_action_on_one_device_shows_on_ten_devices_with_the_exact_state() {
    let server = TestServer::start().await;
    let home = Household::create(&server, "Parkers").await;
    let mut devices = Vec::new();
    for _ in 0..10 {
        devices.push(DeviceBuilder::new(&server, &home).connect().await);
    }
    let all: Vec<&Device> = devices.iter().collect();
    server.converged(&home, &all, CONVERGE).await;
    let (ada, ben) = (&home.members[0], &home.members[1]);
    let d = |i: usize| &devices[i].dashboard;

    let homework = d(0)
        .start_timer_from_template(ada, &home.templates[0])
        .await
        .unwrap();
    // The acting device shows its own action when the call returns.
    assert!(d(0).current().timer(&homework.id).is_some());
    server.converged(&home, &all, CONVERGE).await;

    let paused = d(1).pause_timer(&homework.id).await.unwrap();
    assert_eq!(
        d(1).current().timer(&homework.id).unwrap().remaining_ms,
        paused.remaining_ms
    );
    server.converged(&home, &all, CONVERGE).await;

    d(2).resume_timer(&homework.id).await.unwrap();
    server.converged(&home, &all, CONVERGE).await;

    d(3).extend_timer(&homework.id, 300).await.unwrap();
    server.converged(&home, &all, CONVERGE).await;

    let lego = d(4).start_timer(ben, "Lego", 600, 1).await.unwrap();
    server.converged(&home, &all, CONVERGE).await;

    d(5).cancel_timer(&lego.id, None).await.unwrap();
    assert!(d(5).current().timer(&lego.id).is_none());
    server.converged(&home, &all, CONVERGE).await;

    d(6).confirm_timer(&homework.id, None).await.unwrap();
    assert_eq!(d(6).current().member(ada).unwrap().balance, 2);
    server.converged(&home, &all, CONVERGE).await;

    d(7).complete_chore(&home.chores[0], ada).await.unwrap();
    server.converged(&home, &all, CONVERGE).await;

    d(8).add_stars(ben, 3, "helped with dinner", None)
        .await
        .unwrap();
    server.converged(&home, &all, CONVERGE).await;

    d(9).remove_stars(ben, 1, "", None).await.unwrap();
    server.converged(&home, &all, CONVERGE).await;

    d(0).start_timer_from_template(ben, &home.templates[0])
        .await
        .unwrap();
    d(0).refresh().await.unwrap();
    server.converged(&home, &all, CONVERGE).await;

    let view = d(9).current();
    assert_eq!(
        view.member(ada).unwrap().balance,
        3,
        "2 for the timer, 1 for the chore"
    );
    assert_eq!(view.member(ben).unwrap().balance, 2);
    assert_eq!(view.member(ben).unwrap().weekly_stars, 2);
    assert_eq!(
        view.chores[0]
            .done
            .iter()
            .map(|d| d.member_id.as_str())
            .collect::<Vec<_>>(),
        [ada.as_str()]
    );
    assert_eq!(view.timers.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_and_a_parent_laptop_stay_in_step_and_the_kiosk_needs_the_pin() {
    let server = TestServer::start().await;
    let home = Household::create(&server, "Kitchen").await;
    let api = kinboard_core::ApiClient::new(&server.url()).unwrap();
    api.set_token(Some(home.token.clone()));
    let kiosk_token = api.create_kiosk(&home.family_id, "kitchen").await.unwrap();
    let laptop = DeviceBuilder::new(&server, &home).connect().await;
    let kiosk = DeviceBuilder::new(&server, &home)
        .kiosk(kiosk_token)
        .connect()
        .await;
    server.converged(&home, &[&laptop, &kiosk], CONVERGE).await;
    assert_eq!(kiosk.view().role, Role::Kiosk);
    assert_eq!(laptop.view().role, Role::Parent);

    let ada = &home.members[0];
    let timer = kiosk
        .dashboard
        .start_timer(ada, "Reading", 900, 3)
        .await
        .unwrap();
    server.converged(&home, &[&laptop, &kiosk], CONVERGE).await;
    let err = kiosk
        .dashboard
        .confirm_timer(&timer.id, None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PinRequired, "{err}");
    let err = kiosk
        .dashboard
        .confirm_timer(&timer.id, Some("0000"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::WrongPin, "{err}");
    kiosk
        .dashboard
        .confirm_timer(&timer.id, Some(PIN))
        .await
        .unwrap();
    server.converged(&home, &[&laptop, &kiosk], CONVERGE).await;
    assert_eq!(laptop.view().member(ada).unwrap().balance, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_of_another_family_sees_none_of_it() {
    let server = TestServer::start().await;
    let home = Household::create(&server, "Parkers").await;
    let other = Household::create(&server, "Nguyens").await;
    let ours = DeviceBuilder::new(&server, &home).connect().await;
    let theirs = DeviceBuilder::new(&server, &other).connect().await;
    server.converged(&other, &[&theirs], CONVERGE).await;
    let before = theirs.view();

    let ada = &home.members[0];
    let t = ours
        .dashboard
        .start_timer(ada, "Secret", 600, 1)
        .await
        .unwrap();
    ours.dashboard.pause_timer(&t.id).await.unwrap();
    ours.dashboard
        .add_stars(ada, 5, "hidden", None)
        .await
        .unwrap();
    ours.dashboard
        .complete_chore(&home.chores[0], ada)
        .await
        .unwrap();
    server.converged(&home, &[&ours], CONVERGE).await;

    // Their device is exactly as before, and exactly their database.
    server.converged(&other, &[&theirs], CONVERGE).await;
    assert_eq!(theirs.view().revision, before.revision);
    assert!(theirs.view().timers.is_empty());
    // Nor may they subscribe to our channel.
    let api = theirs.dashboard.api();
    let realtime = api.realtime().await.unwrap();
    let err = api
        .pusher_auth(
            &realtime.auth_endpoint,
            "123.456",
            &format!("private-family-{}", home.family_id),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
}
