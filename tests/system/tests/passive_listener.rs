//! Someone listening on the household's network learns nothing secret.
//! On a network of the test's own (two namespaces joined by a veth pair),
//! the real `kinboard-server` binary listens on side A's address with its
//! defaults, and side B is a family's devices: a parent signs up (a
//! password), sets the parent PIN, makes a kitchen screen (a token), the
//! kitchen screen connects its live dashboard (channel authorisation over
//! the WebSocket) and gives stars with the PIN. Everything on the wire is
//! captured on side A (tcpdump); none of the password, the tokens or the
//! PIN may be in it. The same run against a server told `--insecure-http`
//! shows the capture would catch them: there they are, in the clear.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use kinboard_core::tls::Trust;
use kinboard_core::{ApiClient, CoreError, Dashboard, DashboardOptions};
use kinboard_testkit::netns::{self, Lan, Side};

const TEST: &str = "a_passive_listener_on_the_lan_sees_no_password_token_or_pin";
const PASSWORD: &str = "a long and secret password";
const PIN: &str = "7294";

/// Side B: the family's devices, against the server at `url` (in the
/// scratch file `server`). Writes every secret it used to `secrets`.
async fn devices() {
    let scratch = netns::scratch();
    let url = std::fs::read_to_string(scratch.join("server")).unwrap();
    // The server is starting in the other namespace: wait for it.
    let inspect = ApiClient::with_trust(&url, Trust::Inspect).unwrap();
    kinboard_testkit::eventually("the server to answer", Duration::from_secs(30), || {
        let inspect = inspect.clone();
        async move { inspect.info().await.ok() }
    })
    .await;
    // A person compares the check code and trusts it (over plain HTTP
    // there is nothing to compare).
    let trust = match inspect.tls_info().await {
        Ok(tls) => Trust::Pinned(tls.fingerprint),
        Err(_) => Trust::Public,
    };
    let parent = ApiClient::with_trust(&url, trust.clone()).unwrap();
    let session = parent
        .sign_up("ana@parkers.example", PASSWORD, "Ana")
        .await
        .unwrap();
    parent.set_token(Some(session.token.clone()));
    let family = parent
        .create_family("Parkers", Some("Europe/London"))
        .await
        .unwrap();
    let ada = parent.add_member(&family.id, "Ada").await.unwrap();
    parent.set_pin(&family.id, PIN).await.unwrap();
    let kiosk_token = parent.create_kiosk(&family.id, "Kitchen").await.unwrap();
    // Signed in again, as a second screen would.
    let again = ApiClient::with_trust(&url, trust.clone()).unwrap();
    let second = again
        .sign_in("ana@parkers.example", PASSWORD)
        .await
        .unwrap();

    let kitchen = ApiClient::with_trust(&url, trust).unwrap();
    kitchen.set_token(Some(kiosk_token.clone()));
    let dashboard = Dashboard::connect(kitchen, DashboardOptions::default())
        .await
        .unwrap();
    let wrong = dashboard.add_stars(&ada.id, 1, "tidied up", None).await;
    assert!(
        matches!(wrong, Err(CoreError::Api { .. })),
        "a kitchen screen needs the PIN: {wrong:?}"
    );
    dashboard
        .add_stars(&ada.id, 2, "tidied up", Some(PIN))
        .await
        .unwrap();
    // The stars come back over the live socket: the channel was authorised.
    tokio::time::timeout(
        Duration::from_secs(10),
        dashboard.wait_for(|v| v.members.iter().any(|m| m.balance == 2)),
    )
    .await
    .expect("the kitchen screen's own dashboard shows the stars");
    dashboard.shutdown();
    let secrets = [
        PASSWORD.to_owned(),
        session.token,
        second.token,
        kiosk_token,
        // The PIN as it travels: in the header of a kitchen screen's
        // request, and in the body that sets it.
        format!("x-kinboard-pin: {PIN}"),
        format!("\"pin\":\"{PIN}\""),
    ];
    std::fs::write(
        scratch.join("secrets"),
        serde_json::to_vec(&secrets).unwrap(),
    )
    .unwrap();
}

/// A process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the devices against `kinboard-server` started on side A with
/// `server_args`, everything captured; returns the capture and the
/// secrets the devices used.
fn capture_a_household(lan: &Lan, port: u16, server_args: &[&str]) -> (Vec<u8>, Vec<String>) {
    let scratch = lan.scratch();
    let _ = std::fs::remove_file(scratch.join("secrets"));
    let pcap = scratch.join(format!("{port}.pcap"));
    let bind = format!("{}:{port}", lan.addr(Side::A));
    let database = format!(
        "sqlite://{}?mode=rwc",
        scratch.join(format!("{port}.sqlite3")).display()
    );
    let server_log = std::fs::File::create(scratch.join(format!("{port}-server.log"))).unwrap();
    let server = Running(
        lan.command(Side::A, kinboard_system_tests::server_binary().unwrap())
            .args([
                "--bind",
                &bind,
                "--database",
                &database,
                "--announce",
                "off",
            ])
            .args(server_args)
            .env("KINBOARD_TLS_DIR", scratch.join(format!("{port}-tls")))
            .stdout(Stdio::from(server_log.try_clone().unwrap()))
            .stderr(Stdio::from(server_log))
            .spawn()
            .expect("kinboard-server starts"),
    );
    // Everything to and from the server's port, whole packets, each
    // handed over (--immediate-mode) and written (-U) as it comes, as root
    // (-Z) into the test's directory.
    let tcpdump = Running(
        lan.command(Side::A, "tcpdump")
            .args([
                "-i",
                "any",
                "-s",
                "0",
                "--immediate-mode",
                "-U",
                "-Z",
                "root",
                "-w",
            ])
            .arg(&pcap)
            .arg(format!("tcp port {port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(scratch.join(format!("{port}-tcpdump.log"))).unwrap(),
            ))
            .spawn()
            .expect("tcpdump (Debian: tcpdump) runs"),
    );
    wait_for_capture(&pcap);
    std::fs::write(
        scratch.join("server"),
        format!("{}://{bind}", scheme(server_args)),
    )
    .unwrap();
    lan.run_test(Side::B, TEST, "devices");
    // The last packets (the sockets closing) written, then stopped with
    // SIGTERM.
    settled(&pcap);
    let mut tcpdump = tcpdump;
    let _ = Command::new("kill")
        .args(["-TERM", &tcpdump.0.id().to_string()])
        .status();
    let _ = tcpdump.0.wait();
    drop(server);
    eprint!(
        "{}",
        std::fs::read_to_string(scratch.join(format!("{port}-tcpdump.log"))).unwrap_or_default()
    );
    eprint!(
        "{}",
        std::fs::read_to_string(scratch.join(format!("{port}-server.log"))).unwrap_or_default()
    );
    let secrets = serde_json::from_slice(
        &std::fs::read(scratch.join("secrets")).expect("the devices wrote the secrets they used"),
    )
    .unwrap();
    (std::fs::read(&pcap).unwrap(), secrets)
}

fn scheme(server_args: &[&str]) -> &'static str {
    if server_args.contains(&"--insecure-http") {
        "http"
    } else {
        "https"
    }
}

/// Waits until the capture has not grown for a moment (at most 10 s).
fn settled(pcap: &Path) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let size = || std::fs::metadata(pcap).map(|m| m.len()).unwrap_or(0);
    let mut last = size();
    while std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(300));
        let now = size();
        if now == last {
            return;
        }
        last = now;
    }
}

/// tcpdump writes its file's header once it listens.
fn wait_for_capture(pcap: &Path) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::fs::metadata(pcap).map(|m| m.len()).unwrap_or(0) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "tcpdump never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn a_passive_listener_on_the_lan_sees_no_password_token_or_pin() {
    if netns::role().as_deref() == Some("devices") {
        return tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(devices());
    }
    let lan = Lan::create();

    // The defaults: HTTPS beyond loopback. Nothing secret on the wire.
    let (capture, secrets) = capture_a_household(&lan, 8443, &[]);
    assert!(
        capture.len() > 20_000,
        "the capture holds the conversation ({} bytes)",
        capture.len()
    );
    let lower = capture.to_ascii_lowercase();
    for secret in &secrets {
        assert!(
            !contains(&capture, secret) && !contains(&lower, secret),
            "{secret:?} crossed the network readable"
        );
    }
    assert!(
        !contains(&lower, "/api/auth/sign-in") && !contains(&lower, "authorization: bearer"),
        "requests crossed the network readable"
    );

    // The same household told to serve plain HTTP: the same capture
    // reads every secret.
    let (capture, secrets) = capture_a_household(&lan, 8080, &["--insecure-http"]);
    let lower = capture.to_ascii_lowercase();
    for secret in &secrets {
        assert!(
            contains(&capture, secret) || contains(&lower, secret),
            "{secret:?} not found in a plain-HTTP capture: the capture sees nothing"
        );
    }
    assert!(contains(&lower, "authorization: bearer"));
}
