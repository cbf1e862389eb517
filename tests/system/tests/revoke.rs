//! Access taken back closes the socket it let in: a kitchen screen revoked
//! hears `kiosk:revoked` and then its socket closes within a second (it
//! does not stay on the family's channel until it next reconnects); asking
//! for the channel again on the new socket is refused, so it stays off it;
//! a session signed out loses its socket the same way, while the family's
//! other screens stay live.

use std::time::{Duration, Instant};

use kinboard_core::ApiClient;
use kinboard_core::kinboard_api::ErrorCode;
use kinboard_system_tests::{Device, DeviceBuilder, Household, TestServer};
use kinboard_testkit::eventually;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_kitchen_screen_and_a_signed_out_session_lose_their_sockets_at_once() {
    let server = TestServer::start().await;
    let home = Household::create(&server, "Parkers").await;
    let api = ApiClient::new(&server.url()).unwrap();
    api.set_token(Some(home.token.clone()));
    let kiosk_token = api.create_kiosk(&home.family_id, "Kitchen").await.unwrap();
    let kitchen = DeviceBuilder::new(&server, &home)
        .kiosk(kiosk_token.clone())
        .connect()
        .await;
    let laptop = DeviceBuilder::new(&server, &home).connect().await;
    let phone = DeviceBuilder::new(&server, &home).connect().await;
    for d in [&kitchen, &laptop, &phone] {
        d.live().await;
    }

    // Revoked: the kitchen screen hears it, then its socket is closed.
    let kiosk_id = api.kiosks(&home.family_id).await.unwrap().kiosks[0]
        .id
        .clone();
    api.revoke_kiosk(&kiosk_id).await.unwrap();
    let revoked = Instant::now();
    eventually("the kitchen screen off the channel", WAIT, || async {
        (!kitchen.is_live()).then_some(())
    })
    .await;
    let took = revoked.elapsed();
    assert!(
        took < Duration::from_secs(1),
        "off {took:?} after the revoke"
    );
    // Back on a new socket, it is refused the channel, and says why.
    off_the_channel_for_good(&kitchen).await;
    // Its token opens the channel no more.
    let refused = reqwest::Client::new()
        .post(format!("{}/api/pusher/auth", server.url()))
        .bearer_auth(&kiosk_token)
        .form(&[
            ("socket_id", "123.456"),
            (
                "channel_name",
                &format!("private-family-{}", home.family_id),
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    // A parent signs out on the phone: that socket closes, the laptop's not.
    phone.dashboard.api().sign_out().await.unwrap();
    let signed_out = Instant::now();
    eventually("the phone off the channel", WAIT, || async {
        (!phone.is_live()).then_some(())
    })
    .await;
    let took = signed_out.elapsed();
    assert!(
        took < Duration::from_secs(1),
        "off {took:?} after the sign-out"
    );
    off_the_channel_for_good(&phone).await;
    assert!(laptop.is_live(), "the laptop's session goes on");
    server.converged(&home, &[&laptop], WAIT).await;
}

/// The device's new socket is refused the channel: the banner says it is
/// signed out, and it does not get back on.
async fn off_the_channel_for_good(device: &Device) {
    eventually("the refusal on the banner", WAIT, || async {
        let view = device.view();
        (view.last_error.as_ref().map(|e| e.code) == Some(ErrorCode::Unauthorized)).then_some(())
    })
    .await;
    assert!(!device.is_live());
}
