//! `kinboard-bench server`: timer actions per second through the family
//! backend, with broadcasts, and the request latency percentiles.
//!
//! Starts a `kinboard-server` in this process (SQLite in a fresh temporary
//! directory unless `--database` says otherwise, embedded relay), creates a
//! family with one running timer per worker, subscribes one real client to
//! the family channel, then has `--workers` concurrent HTTP clients cycle
//! pause → resume → extend on their own timer for `--seconds`. Every action
//! is a committed transaction with a revision bump and a broadcast.
//! Reported: actions/s, p50/p99/max request latency, and how many events
//! the subscriber received.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use kinboard_server::{Server, ServerConfig};
use pusher_client::{ClientOptions, Endpoint, HttpAuthorizer, PusherClient, SubscriptionEvent};
use serde_json::{Value, json};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Concurrent HTTP clients, each with a timer of its own.
    #[arg(long, default_value_t = 16)]
    workers: usize,
    /// How long to run the load.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Database URL (default: SQLite in a fresh temporary directory).
    #[arg(long)]
    database: Option<String>,
    /// Tokio worker threads for the process (server and clients share them).
    #[arg(long, default_value_t = 2)]
    threads: usize,
}

pub(crate) fn run(args: Args) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()?
        .block_on(bench(args))
}

async fn bench(args: Args) -> anyhow::Result<()> {
    let tmp = std::env::temp_dir().join(format!("kinboard-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let database = args
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", tmp.join("bench.sqlite3").display()));
    let mut config = ServerConfig::new("127.0.0.1:0".parse()?).with_database(database.clone());
    // Many families on one server, as a hosted service runs.
    config.access.open_signup = true;
    let server = Server::start(config).await.context("starting the server")?;
    let base = server.url();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.workers)
        .build()?;

    // A parent, a family, a child, one long timer per worker.
    let email = format!("bench-{}@example.org", std::process::id());
    let session = post(
        &http,
        &format!("{base}/api/auth/sign-up"),
        None,
        json!({ "email": email, "password": "benchmark-password", "name": "Bench" }),
    )
    .await?;
    let token = session["token"].as_str().context("token")?.to_owned();
    let family = post(
        &http,
        &format!("{base}/api/families"),
        Some(&token),
        json!({ "name": "Bench" }),
    )
    .await?;
    let family_id = family["family"]["id"]
        .as_str()
        .context("family id")?
        .to_owned();
    let member = post(
        &http,
        &format!("{base}/api/families/{family_id}/members"),
        Some(&token),
        json!({ "name": "Kid" }),
    )
    .await?;
    let member_id = member["member"]["id"]
        .as_str()
        .context("member id")?
        .to_owned();
    let mut timers = Vec::new();
    for i in 0..args.workers {
        let t = post(&http, &format!("{base}/api/families/{family_id}/timers"), Some(&token),
            json!({ "memberId": member_id, "label": format!("Timer {i}"), "durationSeconds": 3600 })).await?;
        timers.push(t["timer"]["id"].as_str().context("timer id")?.to_owned());
    }

    // One real subscriber, authorised through /api/pusher/auth.
    let realtime: Value = http
        .get(format!("{base}/api/realtime"))
        .send()
        .await?
        .json()
        .await?;
    let bearer = format!("Bearer {token}");
    let authorizer = HttpAuthorizer::with_headers(
        realtime["authEndpoint"]
            .as_str()
            .context("authEndpoint")?
            .to_owned(),
        move || {
            let mut h = reqwest::header::HeaderMap::new();
            if let Ok(v) = bearer.parse() {
                h.insert(reqwest::header::AUTHORIZATION, v);
            }
            h
        },
    );
    let port = u16::try_from(realtime["port"].as_u64().context("port")?)?;
    let client = PusherClient::connect(
        ClientOptions::new(
            Endpoint::host("127.0.0.1", port, false),
            realtime["key"].as_str().context("key")?,
        )
        .authorizer(authorizer),
    );
    let mut subscription = client.subscribe(&format!("private-family-{family_id}"))?;
    match tokio::time::timeout(Duration::from_secs(10), subscription.next()).await {
        Ok(Some(SubscriptionEvent::Subscribed { .. })) => {}
        other => bail!("subscription failed: {other:?}"),
    }
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    let listener = tokio::spawn(async move {
        while let Some(event) = subscription.next().await {
            if matches!(event, SubscriptionEvent::Event(_)) {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    });

    // The load.
    let run_for = Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut workers = Vec::new();
    for timer in timers {
        let http = http.clone();
        let token = token.clone();
        let base = base.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0u64;
            let actions = [
                ("pause", json!({})),
                ("resume", json!({})),
                ("extend", json!({ "seconds": 1 })),
            ];
            let mut i = 0;
            while started.elapsed() < run_for {
                let (action, body) = &actions[i % actions.len()];
                i += 1;
                let t0 = Instant::now();
                let ok = http
                    .post(format!("{base}/api/timers/{timer}/{action}"))
                    .bearer_auth(&token)
                    .json(body)
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false);
                latencies.push(t0.elapsed());
                if !ok {
                    failures += 1;
                }
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    for w in workers {
        let (l, f) = w.await?;
        latencies.extend(l);
        failures += f;
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let total = latencies.len() as u64;
    // Every successful action broadcast exactly one event; wait for them.
    let expected = total - failures;
    let deadline = Instant::now() + Duration::from_secs(10);
    while received.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len().max(1)) - 1;
        latencies.get(i).copied().unwrap_or_default()
    };
    let report = format!(
        "server throughput ({} workers, {:.1} s, {}):\n  actions: {total} ({failures} failed)\n  throughput: {:.0} actions/s\n  latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms\n  events received by the subscriber: {} of {expected}\n",
        args.workers,
        elapsed.as_secs_f64(),
        if database.starts_with("sqlite") {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        total as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        received.load(Ordering::Relaxed),
    );
    std::io::Write::write_all(&mut std::io::stdout(), report.as_bytes())?;
    listener.abort();
    drop(client);
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}

/// A JSON POST (with a bearer token when given); a reply that is not a
/// success is an error carrying its body.
pub(crate) async fn post(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: Value,
) -> anyhow::Result<Value> {
    let mut req = http.post(url).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await?;
    let status = res.status();
    let body: Value = res.json().await?;
    if !status.is_success() {
        bail!("{url} answered {status}: {body}");
    }
    Ok(body)
}
