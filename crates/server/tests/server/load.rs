//! The server holds up under a flood of connections: the `kinboard-server`
//! binary, started with the soft open-file limit a desktop session often
//! has (1024), raises it and holds 2,000 connections that never say
//! anything; they do not stop a parent from signing in, and the server
//! closes them once their headers are overdue.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::TcpStream;

use crate::support::{Backend, TestDb};

const IDLE_CONNECTIONS: usize = 2_000;

/// The binary on `db`, under `prlimit --nofile=1024:`, and its address.
async fn start_binary(db: &TestDb) -> (tokio::process::Child, String) {
    let mut child = tokio::process::Command::new("prlimit")
        .arg("--nofile=1024:")
        .arg(env!("CARGO_BIN_EXE_kinboard-server"))
        .args([
            "--bind",
            "127.0.0.1:0",
            "--open-signup",
            "--header-read-timeout",
            "3",
            "--announce",
            "off",
        ])
        .env("DATABASE_URL", &db.url)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("kinboard-server starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let line = strip_ansi(&line);
            if line.contains("kinboard server listening")
                && let Some(addr) = line.split("addr=").nth(1)
            {
                return addr.split_whitespace().next().unwrap().to_owned();
            }
        }
        panic!("the server exited before listening");
    })
    .await
    .expect("the server listens in time");
    // Keep reading its log so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}

/// The line without terminal colour codes.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

async fn idle_connections_do_not_stop_a_sign_in(backend: Backend) {
    // This process holds the clients' ends of the connections.
    rlimit::increase_nofile_limit(4 * IDLE_CONNECTIONS as u64).unwrap();
    let db = TestDb::create(backend).await;
    let (mut server, addr) = start_binary(&db).await;
    let base = format!("http://{addr}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let signed_up = http
        .post(format!("{base}/api/auth/sign-up"))
        .json(&json!({ "email": "ana@example.org", "password": "correct horse", "name": "Ana" }))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), 201);

    let mut idle = Vec::with_capacity(IDLE_CONNECTIONS);
    for _ in 0..IDLE_CONNECTIONS {
        idle.push(TcpStream::connect(&addr).await.expect("connects"));
    }
    let started = Instant::now();
    // Well within the 3 s after which the server drops silent connections:
    // the sign-in must not wait for them to go.
    // A new connection, as a screen arriving now makes (not the sign-up's).
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let signed_in = fresh
        .post(format!("{base}/api/auth/sign-in"))
        .timeout(Duration::from_secs(2))
        .json(&json!({ "email": "ana@example.org", "password": "correct horse" }))
        .send()
        .await
        .expect("a sign-in gets through beside 2,000 idle connections");
    assert_eq!(signed_in.status(), 200);
    eprintln!(
        "signed in beside {IDLE_CONNECTIONS} idle connections in {:?}",
        started.elapsed()
    );

    // Every one of them is held open, none turned away for want of file
    // descriptors (the limit was raised)…
    for stream in idle.iter_mut().step_by(97) {
        let mut buf = [0u8; 16];
        let read = tokio::time::timeout(Duration::from_millis(20), stream.read(&mut buf)).await;
        assert!(
            read.is_err(),
            "an idle connection was closed at once: {read:?}"
        );
    }
    // …until their headers are overdue (3 s): then the server closes them.
    let deadline = Instant::now() + Duration::from_secs(20);
    for stream in idle.iter_mut().step_by(100) {
        let left = deadline.saturating_duration_since(Instant::now());
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(left, stream.read(&mut buf))
            .await
            .expect("the server closes a silent connection");
        // The connection ends: EOF, a reset, or a 408 before closing.
        let ended = match read {
            Ok(0) | Err(_) => true,
            Ok(_) => buf.starts_with(b"HTTP/1.1 408"),
        };
        assert!(ended, "{read:?}: {:?}", String::from_utf8_lossy(&buf));
    }
    server.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_idle_connections_do_not_stop_a_sign_in_sqlite() {
    idle_connections_do_not_stop_a_sign_in(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_idle_connections_do_not_stop_a_sign_in_postgres() {
    idle_connections_do_not_stop_a_sign_in(Backend::Postgres).await;
}
