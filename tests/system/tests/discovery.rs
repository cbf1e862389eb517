//! Finding the household server on the local network, on a network of the
//! test's own (two network namespaces joined by a veth pair; nothing
//! touches the machine's interfaces): a real `kinboard-server` announces
//! itself with DNS-SD on side A (HTTPS, as beyond loopback by default),
//! next to four announcements that are not usable — an HTTP server that
//! is not Kinboard, a Kinboard of another API generation, one where
//! nothing answers, and a Kinboard in plain HTTP — and the core on side B
//! lists all five, the good one by its household's name and the others
//! with the reason, in words. A typed address is checked the same way.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use kinboard_core::ApiClient;
use kinboard_core::discovery::{self, FoundHousehold};
use kinboard_core::kinboard_api::ErrorCode;
use kinboard_core::kinboard_api::discovery::{SERVICE_TYPE, TXT_API};
use kinboard_core::tls::Trust;
use kinboard_server::{Server, ServerConfig};
use kinboard_testkit::netns::{self, Lan, Side};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TEST: &str = "households_on_the_network_are_listed_with_what_is_wrong_with_the_others";

/// Side A: the household server, and the announcements that are not it.
async fn announce() {
    let scratch = netns::scratch();
    let mut config =
        ServerConfig::new(SocketAddr::from(([10, 77, 0, 1], 0))).with_database(format!(
            "sqlite://{}?mode=rwc",
            scratch.join("home.sqlite3").display()
        ));
    config.announce = true;
    config.tls = true;
    let server = Server::start(config).await.expect("the server starts");
    let pin = server.certificate().expect("HTTPS").to_owned();
    let api = ApiClient::with_trust(&server.url(), Trust::Pinned(pin)).unwrap();
    let session = api
        .sign_up("ana@parkers.example", "correct horse battery", "Ana")
        .await
        .unwrap();
    api.set_token(Some(session.token));
    api.create_family("Parkers", Some("Europe/London"))
        .await
        .unwrap();

    // Something else that speaks HTTP on the network.
    let impostor = tokio::net::TcpListener::bind("10.77.0.1:0").await.unwrap();
    let impostor_port = impostor.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = impostor.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut request = [0u8; 1024];
                let _ = socket.read(&mut request).await;
                let body = r#"{"printer":"ready"}"#;
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    // A Kinboard that speaks plain HTTP (or anyone announcing one).
    let plain = Server::start(
        ServerConfig::new(SocketAddr::from(([10, 77, 0, 1], 0))).with_database(format!(
            "sqlite://{}?mode=rwc",
            scratch.join("plain.sqlite3").display()
        )),
    )
    .await
    .expect("the plain server starts");
    let mdns = mdns_sd::ServiceDaemon::new().unwrap();
    let nothing_there = {
        let probe = std::net::TcpListener::bind("10.77.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    for (name, port, api) in [
        ("Printer", impostor_port, "1"),
        ("Kinboard of the future", nothing_there, "99"),
        ("Switched off", nothing_there, "1"),
        ("Plain household", plain.addr.port(), "1"),
    ] {
        let properties = HashMap::from([(TXT_API.to_owned(), api.to_owned())]);
        let info = mdns_sd::ServiceInfo::new(
            SERVICE_TYPE,
            name,
            "elsewhere.local.",
            "10.77.0.1",
            port,
            properties,
        )
        .unwrap();
        mdns.register(info).unwrap();
    }
    std::fs::write(scratch.join("server"), server.url()).unwrap();
    std::fs::write(scratch.join("plain"), plain.url()).unwrap();
    // Served until the parent stops this process.
    tokio::time::sleep(Duration::from_secs(600)).await;
}

/// Side B: what this computer finds.
async fn browse() {
    let server_url = std::fs::read_to_string(netns::scratch().join("server")).unwrap();
    let mut found: Vec<FoundHousehold> = Vec::new();
    // Announcements go out as the daemons start: listen until all are in.
    for _ in 0..5 {
        found = discovery::find_households(discovery::LISTEN).await.unwrap();
        if found.len() >= 5 {
            break;
        }
    }
    eprintln!("found: {found:#?}");
    let by_name = |part: &str| {
        found
            .iter()
            .find(|f| f.name.contains(part))
            .unwrap_or_else(|| panic!("{part} was not found in {found:?}"))
    };
    let home = by_name("Kinboard on");
    assert_eq!(home.household.as_deref(), Some("Parkers"));
    assert!(server_url.starts_with("https://"), "{server_url}");
    assert_eq!(home.server_url, server_url);
    assert_eq!(home.problem, None);
    let plain_url = std::fs::read_to_string(netns::scratch().join("plain")).unwrap();
    assert_eq!(by_name("Plain household").server_url, plain_url);
    let reasons = [
        ("Printer", ErrorCode::NotKinboard, "not a Kinboard"),
        (
            "Kinboard of the future",
            ErrorCode::IncompatibleServer,
            "API 99",
        ),
        ("Switched off", ErrorCode::Network, "unreachable"),
        ("Plain household", ErrorCode::Unencrypted, "plain HTTP"),
    ];
    for (name, code, says) in reasons {
        let problem = by_name(name).problem.clone().expect("a problem");
        assert_eq!(problem.code, code, "{name}: {problem:?}");
        assert!(problem.message.contains(says), "{name}: {problem:?}");
    }
    assert_eq!(found.len(), 5, "{found:?}");

    // A typed address is checked the same way.
    let info = discovery::check_server(&server_url).await.unwrap();
    assert_eq!(info.household.as_deref(), Some("Parkers"));
    let printer = by_name("Printer").server_url.clone();
    assert_eq!(
        discovery::check_server(&printer).await.unwrap_err().code(),
        ErrorCode::NotKinboard
    );
    assert_eq!(
        discovery::check_server("http://10.77.0.9:8080")
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Network
    );
}

#[test]
fn households_on_the_network_are_listed_with_what_is_wrong_with_the_others() {
    let runtime = || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    };
    match netns::role().as_deref() {
        Some("announce") => return runtime().block_on(announce()),
        Some("browse") => return runtime().block_on(browse()),
        Some(other) => panic!("no part {other}"),
        None => {}
    }
    let lan = Lan::create();
    let mut announcer = lan.spawn_test(Side::A, TEST, "announce");
    let ready = lan.scratch().join("server");
    runtime().block_on(kinboard_testkit::eventually(
        "the announcing side to be ready",
        Duration::from_secs(60),
        || {
            let (ready, stopped) = (ready.exists(), announcer.exited().is_some());
            assert!(ready || !stopped, "the announcing side stopped");
            async move { ready.then_some(()) }
        },
    ));
    lan.run_test(Side::B, TEST, "browse");
}
