//! HTTPS and WSS on the server's one port: `--tls` makes a certificate on
//! the first start and keeps it (its key private), serves the API and the
//! embedded relay over TLS with it, tells its fingerprint at `GET
//! /api/tls`, and answers nothing in plain text.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::{Backend, TestDb, TestServer};

fn tls_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kinboard-tls-test-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `GET url`'s JSON with `client`.
async fn get_json(client: &reqwest::Client, url: String) -> Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

/// A client that trusts exactly the certificate kept in `dir`.
fn trusting(dir: &Path) -> reqwest::Client {
    let der = std::fs::read(dir.join("tls-certificate.der")).unwrap();
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_der(&der).unwrap()])
        .build()
        .unwrap()
}

async fn serves_the_api_and_the_relay_over_tls(backend: Backend) {
    let dir = tls_dir();
    let db = TestDb::create(backend).await;
    let url = db.url.clone();
    let configure = |dir: PathBuf| {
        move |c: &mut kinboard_server::ServerConfig| {
            c.tls = true;
            c.tls_dir = Some(dir);
        }
    };
    let s = TestServer::start_on(db, configure(dir.clone())).await;
    assert!(s.base.starts_with("https://127.0.0.1:"), "{}", s.base);
    let der = std::fs::read(dir.join("tls-certificate.der")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("tls-key.der"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the key is its owner's only");
    }

    let https = trusting(&dir);
    let info = get_json(&https, format!("{}/api/info", s.base)).await;
    assert_eq!(info["product"], "kinboard");
    // The fingerprint it tells is the certificate it serves.
    let tls = get_json(&https, format!("{}/api/tls", s.base)).await;
    assert_eq!(tls["fingerprint"], hex::encode(Sha256::digest(&der)));
    assert_eq!(tls["code"].as_str().unwrap().len(), 14);
    // Realtime is on the same origin, over TLS.
    let realtime = get_json(&https, format!("{}/api/realtime", s.base)).await;
    assert_eq!(realtime["scheme"], "https");
    assert!(
        realtime["authEndpoint"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );

    // Plain HTTP on that port gets no answer.
    let plain = s.base.replacen("https://", "http://", 1);
    assert!(reqwest::get(format!("{plain}/api/info")).await.is_err());
    // Nor does a client that trusts the usual roots only.
    assert!(reqwest::get(format!("{}/api/info", s.base)).await.is_err());

    // The embedded relay speaks WSS on the same port.
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    roots.add(der.clone().into()).unwrap();
    let client = tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let ws = format!(
        "wss://127.0.0.1:{}/app/{}?protocol=7",
        s.port(),
        realtime["key"].as_str().unwrap()
    );
    let (mut socket, _) = tokio_tungstenite::connect_async_tls_with_config(
        ws,
        None,
        false,
        Some(tokio_tungstenite::Connector::Rustls(Arc::new(client))),
    )
    .await
    .expect("a WebSocket over TLS");
    let first = socket.next().await.unwrap().unwrap();
    assert!(
        first
            .to_text()
            .unwrap()
            .contains("pusher:connection_established"),
        "{first:?}"
    );
    drop(socket);

    // Started again, it keeps the certificate: devices that pinned it stay.
    // (A second instance on the same database, so the first one's
    // database outlives the start.)
    let again = TestServer::start_on(TestDb::borrowed(url, backend), configure(dir.clone())).await;
    assert_eq!(std::fs::read(dir.join("tls-certificate.der")).unwrap(), der);
    let tls = get_json(&trusting(&dir), format!("{}/api/tls", again.base)).await;
    assert_eq!(tls["fingerprint"], hex::encode(Sha256::digest(&der)));
    again.stop().await;
    s.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_serves_the_api_and_the_relay_sqlite() {
    serves_the_api_and_the_relay_over_tls(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_serves_the_api_and_the_relay_postgres() {
    serves_the_api_and_the_relay_over_tls(Backend::Postgres).await;
}
