//! A household server on HTTPS and the core's clients: a screen trusts
//! the server's own certificate only once it is pinned, then its REST
//! calls and its WebSocket accept exactly that certificate; another
//! certificate at the address (a device on the path standing in for the
//! server, or a server made anew) is refused before anything is sent.

use std::time::Duration;

use kinboard_core::kinboard_api::ErrorCode;
use kinboard_core::tls::{ClientTls, Trust};
use kinboard_core::{ApiClient, CoreError, Dashboard, DashboardOptions};
use kinboard_system_tests::{RelayMode, TestServer};

async fn tls_server() -> TestServer {
    TestServer::start_tuned(RelayMode::Embedded, |c| c.tls = true).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pinned_screen_syncs_over_tls_and_refuses_any_other_certificate() {
    let server = tls_server().await;
    let url = server.url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let pin = server.certificate().expect("a certificate");

    // What a person compares: the server's own page of it, asked with no
    // trust at all (nothing secret is sent), matches the certificate.
    let inspect = ApiClient::with_trust(&url, Trust::Inspect).unwrap();
    let shown = inspect.tls_info().await.unwrap();
    assert_eq!(shown.fingerprint, pin);

    // First contact without a pin: refused before the password is sent,
    // with the certificate seen and its check code.
    let stranger = ApiClient::with_trust(&url, Trust::Public).unwrap();
    let err = stranger
        .sign_up("ana@x.org", "correct horse", "Ana")
        .await
        .unwrap_err();
    match &err {
        CoreError::CertificateUnconfirmed { fingerprint } => assert_eq!(fingerprint, &pin),
        other => panic!("expected an unconfirmed certificate, got {other:?}"),
    }
    assert_eq!(
        serde_json::to_value(&err).unwrap()["certificate"]["code"],
        shown.code.as_str()
    );

    // Pinned: the account, the family, the live dashboard over WSS.
    let parent = ApiClient::with_trust(&url, Trust::Pinned(pin.clone())).unwrap();
    let session = parent
        .sign_up("ana@x.org", "correct horse", "Ana")
        .await
        .unwrap();
    parent.set_token(Some(session.token.clone()));
    let family = parent.create_family("Parkers", Some("UTC")).await.unwrap();
    let ada = parent.add_member(&family.id, "Ada").await.unwrap();
    let screen = ApiClient::with_trust(&url, Trust::Pinned(pin.clone())).unwrap();
    screen.set_token(Some(session.token.clone()));
    let dashboard = Dashboard::connect(screen, DashboardOptions::default())
        .await
        .unwrap();
    tokio::time::timeout(
        Duration::from_secs(10),
        dashboard.pusher().wait_for(pusher_client::State::Connected),
    )
    .await
    .expect("the socket connects over TLS to the pinned certificate")
    .unwrap();
    let acting = Dashboard::connect(parent.clone(), DashboardOptions::default())
        .await
        .unwrap();
    acting
        .add_stars(&ada.id, 3, "tidied up", None)
        .await
        .unwrap();
    let view = tokio::time::timeout(
        Duration::from_secs(10),
        dashboard.wait_for(|v| v.members.iter().any(|m| m.id == ada.id && m.balance == 3)),
    )
    .await
    .expect("the stars reach the other screen over WSS");
    assert!(view.members.iter().any(|m| m.balance == 3));

    // Another server (another certificate) at an address this screen
    // pinned: refused as changed, nothing sent.
    let impostor = tls_server().await;
    let other = impostor.certificate().unwrap();
    assert_ne!(other, pin);
    let fooled = ApiClient::with_trust(&impostor.url(), Trust::Pinned(pin.clone())).unwrap();
    let err = fooled
        .sign_in("ana@x.org", "correct horse")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::CertificateChanged);
    match err {
        CoreError::CertificateChanged { expected, found } => {
            assert_eq!((expected, found), (pin.clone(), other.clone()));
        }
        other => panic!("expected a changed certificate, got {other:?}"),
    }

    // The WebSocket holds to the pin too: pinned to the other server's
    // certificate, it never connects here, and says why.
    let wrong = ClientTls::new(Trust::Pinned(other.clone()));
    let port = url.rsplit(':').next().unwrap().parse().unwrap();
    let socket = pusher_client::PusherClient::connect(
        pusher_client::ClientOptions::new(
            pusher_client::Endpoint::host("127.0.0.1", port, true),
            "unused-key",
        )
        .tls(wrong.config()),
    );
    let refusal = kinboard_testkit::eventually(
        "the socket's handshake to be refused",
        Duration::from_secs(10),
        || {
            let refusal = wrong.take_refusal();
            async move { refusal }
        },
    )
    .await;
    match refusal {
        CoreError::CertificateChanged { expected, found } => {
            assert_eq!((expected, found), (other.clone(), pin.clone()));
        }
        other => panic!("expected a changed certificate, got {other:?}"),
    }
    assert_ne!(*socket.state().borrow(), pusher_client::State::Connected);
    socket.disconnect();

    // Plain HTTP to the TLS port gets nothing.
    let plain = ApiClient::new(&url.replace("https://", "http://")).unwrap();
    let err = plain.info().await.unwrap_err();
    assert!(
        matches!(err.code(), ErrorCode::Network | ErrorCode::BadReply),
        "{err:?}"
    );
    dashboard.shutdown();
    acting.shutdown();
}
