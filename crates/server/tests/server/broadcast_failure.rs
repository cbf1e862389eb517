//! A relay that is down, failing or hanging never fails or slows a request:
//! the change is committed and the failure is logged with its event and
//! channel. Also checks that the Pusher HTTP API requests are signed.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use kinboard_server::{RealtimeConfig, Scheme};
use pusher_protocol::AppCredentials;

use crate::support::{Backend, TestServer};

/// Everything logged while the guard lives, on this thread's runtime.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// Waits (up to 10 s) until the log holds every one of `needles` in one line.
    async fn wait_for_line(&self, needles: &[&str]) -> String {
        let what = format!("a log line with {needles:?}");
        kinboard_testkit::eventually(&what, Duration::from_secs(10), || async {
            let text = self.text();
            text.lines()
                .find(|l| needles.iter().all(|n| l.contains(n)))
                .map(str::to_owned)
                .ok_or_else(|| format!("the log so far:\n{text}"))
        })
        .await
    }
}

fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

fn app() -> AppCredentials {
    AppCredentials::new("7", "failkey012345678901", "failsecret0123456789")
}

fn self_hosted(port: u16) -> RealtimeConfig {
    RealtimeConfig::SelfHosted {
        host: "127.0.0.1".into(),
        port,
        scheme: Scheme::Http,
    }
}

/// Starts a timer and checks that the request succeeded, the timer is in
/// the database and the failure was logged with event and channel.
async fn start_succeeds_despite_the_relay(s: &TestServer, captured: &Captured, why: &str) {
    let f = s.family("Ana").await;
    let started = Instant::now();
    let (timer, revision) = s.start_timer(&f, 600).await;
    let took = started.elapsed();
    // The broadcaster's own timeout is 5 s: a request that waited for it
    // would take at least that long.
    assert!(
        took < Duration::from_secs(3),
        "the request waited for the relay: {took:?}"
    );
    let id = timer["id"].as_str().unwrap();
    assert_eq!(
        s.count(&format!("SELECT COUNT(*) FROM timers WHERE id = '{id}'"))
            .await,
        1
    );
    assert_eq!(s.revision(&f.id).await, revision);
    let line = captured
        .wait_for_line(&[
            "broadcast failed",
            "timer:started",
            &format!("private-family-{}", f.id),
        ])
        .await;
    assert!(line.contains(why), "{line}");
}

#[tokio::test]
async fn a_relay_that_is_down_fails_no_request() {
    let (captured, _guard) = capture();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        // A port nobody listens on any more.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let s = TestServer::start_with(backend, |c| {
            c.realtime = self_hosted(port);
            c.app = Some(app());
        })
        .await;
        start_succeeds_despite_the_relay(&s, &captured, "unreachable").await;
        s.stop().await;
    }
}

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Result<(), String>>>>);

/// A relay stand-in that checks each request's signature and answers 500.
async fn failing_relay(
    State(seen): State<Seen>,
    uri: Uri,
    Query(query): Query<Vec<(String, String)>>,
    body: axum::body::Bytes,
) -> StatusCode {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let verdict = app()
        .verify_request("POST", uri.path(), &query, &body, now)
        .map_err(|e| e.to_string());
    seen.0.lock().unwrap().push(verdict);
    StatusCode::INTERNAL_SERVER_ERROR
}

#[tokio::test]
async fn a_relay_answering_500_fails_no_request() {
    let (captured, _guard) = capture();
    let seen = Seen::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let relay = axum::Router::new()
        .fallback(failing_relay)
        .with_state(seen.clone());
    let relay_task = tokio::spawn(async move { axum::serve(listener, relay).await });
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let s = TestServer::start_with(backend, |c| {
            c.realtime = self_hosted(port);
            c.app = Some(app());
        })
        .await;
        start_succeeds_despite_the_relay(&s, &captured, "500").await;
        s.stop().await;
    }
    let seen = seen.0.lock().unwrap().clone();
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(Result::is_ok),
        "unsigned or badly signed requests: {seen:?}"
    );
    relay_task.abort();
}

#[tokio::test]
async fn a_hanging_relay_slows_no_request() {
    let (captured, _guard) = capture();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let relay = axum::Router::new().fallback(std::future::pending::<StatusCode>);
    let relay_task = tokio::spawn(async move { axum::serve(listener, relay).await });
    let s = TestServer::start_with(Backend::Sqlite, |c| {
        c.realtime = self_hosted(port);
        c.app = Some(app());
    })
    .await;
    let f = s.family("Ana").await;
    // Several actions in a row, each fast although every publish hangs.
    for _ in 0..5 {
        let started = Instant::now();
        s.start_timer(&f, 600).await;
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    // The hung publishes time out and are logged.
    captured
        .wait_for_line(&["broadcast failed", "timer:started"])
        .await;
    s.stop().await;
    relay_task.abort();
}
