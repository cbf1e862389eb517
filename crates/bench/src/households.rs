//! `kinboard-bench households`: the workload of a hosted service — many
//! families with a few screens each — on a real server over loopback.
//!
//! F families are set up through the API (a parent account each, a child,
//! one long timer). Each family gets D screens: real Pusher connections to
//! wherever the server's `/api/realtime` points (its embedded relay, or a
//! sockudo cluster behind a balancer), each subscribed to the family's
//! private channel through `/api/pusher/auth`. Then actions (pause or
//! resume of the family's timer, real HTTP requests as screen 0 of the
//! family makes them) are sent at R per second, spread round-robin over
//! the families, for the run's length. Every screen notes when each
//! revision of its family arrived. Reported:
//!
//! * delivery latency, from the action's request to each *other* screen of
//!   the family receiving its event: p50, p99, max;
//! * the server's CPU per action (user + system time of the measured
//!   processes over the load, divided by the actions);
//! * resident memory per connection (the measured processes' RSS with
//!   every screen connected, less before any connected, per socket);
//! * events lost: every screen of the family must have every action's
//!   revision (a screen that missed one is a lost update).
//!
//! The server is either started here (`kinboard-server` from
//! `--server-bin`, SQLite and the embedded relay in a temporary
//! directory: the single-node default), the cluster of the system tests
//! (`--cluster`: two servers on one PostgreSQL behind HAProxy, two sockudo
//! nodes joined by Redis), or one already running (`--url`, with `--pid`
//! for the processes to measure).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::StreamExt;
use pusher_client::{ClientOptions, Endpoint, HttpAuthorizer, PusherClient, SubscriptionEvent};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::procfs::{cpu_ticks, rss_kib};
use crate::server::post;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Families (households) on the server.
    #[arg(long, default_value_t = 2000)]
    families: usize,
    /// Screens per family (Pusher connections subscribed to its channel).
    #[arg(long, default_value_t = 4)]
    devices: usize,
    /// Actions per second, spread over the families.
    #[arg(long, default_value_t = 500.0)]
    rate: f64,
    /// How long the load runs.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// The server binary started for the single-node run (a release build:
    /// `cargo build --release -p kinboard-server`).
    #[arg(long, default_value = "target/release/kinboard-server")]
    server_bin: PathBuf,
    /// Start the system tests' cluster instead (two servers on one
    /// PostgreSQL behind HAProxy, two sockudo nodes joined by Redis).
    #[arg(long, conflicts_with = "url")]
    cluster: bool,
    /// A server already running (its API's base URL) instead of one
    /// started here.
    #[arg(long)]
    url: Option<String>,
    /// With --url: the processes whose CPU and memory are measured.
    #[arg(long = "pid", requires = "url")]
    pids: Vec<u32>,
    /// Concurrent requests while setting the families up (each sign-up
    /// hashes a password).
    #[arg(long, default_value_t = 8)]
    setup_concurrency: usize,
    /// Tokio worker threads of this process (its screens and requests).
    #[arg(long, default_value_t = 2)]
    threads: usize,
}

/// What the load runs against.
struct Target {
    url: String,
    /// The processes measured (server, and relay nodes in a cluster).
    pids: Vec<u32>,
    /// What the cluster stands on (PostgreSQL, Redis, HAProxy), measured
    /// and reported apart.
    support: Vec<u32>,
    what: String,
    _owned: Owned,
}

/// What this benchmark started, stopped when it ends.
enum Owned {
    Nothing,
    Server {
        child: Child,
        dir: PathBuf,
    },
    Cluster {
        _cluster: Box<kinboard_system_tests::Cluster>,
    },
}

impl Drop for Owned {
    fn drop(&mut self) {
        if let Owned::Server { child, dir } = self {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A family as the load sees it.
struct Family {
    id: String,
    token: String,
    timer: String,
    /// The timer is paused (the next action resumes it).
    paused: AtomicBool,
    /// An action is in flight: the next one for this family waits its turn.
    busy: AtomicBool,
}

/// One action: when its request left, and the revision it made.
struct Action {
    family: usize,
    sent: Instant,
    revision: i64,
}

/// Every screen's receipts: (family, screen, revision) → when it arrived.
type Receipts = Mutex<HashMap<(usize, usize, i64), Instant>>;

pub(crate) fn run(args: Args) -> anyhow::Result<()> {
    let sockets = (args.families * args.devices) as u64;
    match rlimit::increase_nofile_limit(sockets + 4096) {
        Ok(got) if got < sockets + 1024 => {
            eprintln!("warning: file descriptor limit is {got}, too few for {sockets} sockets");
        }
        Ok(_) => {}
        Err(e) => eprintln!("warning: could not raise the file descriptor limit: {e}"),
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()?
        .block_on(bench(args))
}

async fn bench(args: Args) -> anyhow::Result<()> {
    if args.devices < 2 {
        bail!("--devices must be at least 2: latency is to the family's other screens");
    }
    let target = target(&args).await?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .timeout(Duration::from_secs(30))
        .build()?;
    eprintln!("setting up {} families on {}", args.families, target.what);
    let setup_started = Instant::now();
    let families = set_up(&http, &target.url, &args).await?;
    eprintln!(
        "{} families set up in {:.1} s",
        families.len(),
        setup_started.elapsed().as_secs_f64()
    );

    let rss_before = rss(&target.pids);
    let receipts: Arc<Receipts> = Arc::default();
    let connect_started = Instant::now();
    let screens = connect(&http, &target.url, &families, &args, &receipts).await?;
    // Let the servers settle after the burst of subscriptions.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after = rss(&target.pids);
    eprintln!(
        "{} screens subscribed in {:.1} s",
        screens.len(),
        connect_started.elapsed().as_secs_f64()
    );

    let cpu_before = cpu(&target.pids);
    let support_before = cpu(&target.support);
    let load_started = Instant::now();
    let (actions, failed, skipped) = load(&http, &target.url, &families, &args).await;
    let load_elapsed = load_started.elapsed();
    let cpu_ticks_used = cpu(&target.pids).saturating_sub(cpu_before);
    let support_ticks = cpu(&target.support).saturating_sub(support_before);

    // Every screen of the family must receive every action's event.
    let expected = actions.len() * args.devices;
    let deadline = Instant::now() + Duration::from_secs(15);
    while receipts.lock().map(|r| r.len()).unwrap_or(0) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let receipts = receipts
        .lock()
        .map_err(|_| anyhow::anyhow!("a screen panicked"))?
        .clone();
    let mut latencies = Vec::with_capacity(actions.len() * (args.devices - 1));
    let mut lost = 0usize;
    for action in &actions {
        for screen in 0..args.devices {
            match receipts.get(&(action.family, screen, action.revision)) {
                // Screen 0 sent the action; the others are what it is for.
                Some(at) if screen > 0 => {
                    latencies.push(at.saturating_duration_since(action.sent).as_secs_f64() * 1e3);
                }
                Some(_) => {}
                None => lost += 1,
            }
        }
    }
    let (p50, p99, max) = summary(latencies);
    let sockets = screens.len();
    let rss_per_socket_kib = rss_after.saturating_sub(rss_before) as f64 / (sockets.max(1) as f64);
    let cpu_ms_per_action = cpu_ticks_used as f64 * 10.0 / (actions.len().max(1) as f64);
    report(&format!(
        "households on {}: {} families × {} screens = {sockets} sockets, {} actions in {:.1} s ({:.0}/s asked, {:.0}/s done; {failed} failed, {skipped} skipped while the family's last was in flight)\n  \
         delivery, action → each other screen of the family: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms\n  \
         events lost: {lost} of {expected}\n  \
         server CPU per action: {cpu_ms_per_action:.3} ms ({:.0} % of one core over the load)\n  \
         server memory: {:.1} MiB before the screens, {:.1} MiB with them: {rss_per_socket_kib:.1} KiB per connection\n",
        target.what,
        args.families,
        args.devices,
        actions.len(),
        load_elapsed.as_secs_f64(),
        args.rate,
        actions.len() as f64 / load_elapsed.as_secs_f64(),
        cpu_ticks_used as f64 / load_elapsed.as_secs_f64(),
        rss_before as f64 / 1024.0,
        rss_after as f64 / 1024.0,
    ))?;
    if !target.support.is_empty() {
        report(&format!(
            "  PostgreSQL, Redis and HAProxy besides: {:.3} ms CPU per action ({:.0} % of one core), {:.1} MiB resident at the end\n",
            support_ticks as f64 * 10.0 / (actions.len().max(1) as f64),
            support_ticks as f64 / load_elapsed.as_secs_f64(),
            rss(&target.support) as f64 / 1024.0,
        ))?;
    }
    for screen in &screens {
        screen.disconnect();
    }
    drop(screens);
    drop(target);
    Ok(())
}

fn report(text: &str) -> anyhow::Result<()> {
    std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes())?;
    Ok(())
}

async fn target(args: &Args) -> anyhow::Result<Target> {
    if let Some(url) = &args.url {
        return Ok(Target {
            url: url.trim_end_matches('/').to_owned(),
            pids: args.pids.clone(),
            support: Vec::new(),
            what: format!("the server at {url}"),
            _owned: Owned::Nothing,
        });
    }
    if args.cluster {
        let server_bin = args.server_bin.canonicalize().with_context(|| {
            format!(
                "{} (build it: cargo build --release -p kinboard-server)",
                args.server_bin.display()
            )
        })?;
        let config = kinboard_system_tests::ClusterConfig::from_env_with_server(&server_bin)?;
        let cluster = kinboard_system_tests::Cluster::start(config).await?;
        let pids = cluster.pids();
        let support = cluster.support_pids();
        return Ok(Target {
            url: cluster.url(),
            pids,
            support,
            what: "the cluster (2 servers on PostgreSQL behind HAProxy, 2 sockudo nodes joined by Redis)".into(),
            _owned: Owned::Cluster {
                _cluster: Box::new(cluster),
            },
        });
    }
    let bin = args.server_bin.canonicalize().with_context(|| {
        format!(
            "{} (build it: cargo build --release -p kinboard-server)",
            args.server_bin.display()
        )
    })?;
    let dir =
        std::env::temp_dir().join(format!("kinboard-bench-households-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new(&bin)
        .args(["--bind", &format!("127.0.0.1:{port}"), "--open-signup"])
        .env(
            "DATABASE_URL",
            format!(
                "sqlite://{}?mode=rwc",
                dir.join("kinboard.sqlite3").display()
            ),
        )
        .env("KINBOARD_ANNOUNCE", "off")
        .env("RUST_LOG", "warn")
        .env("XDG_DATA_HOME", &dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let pid = child.id();
    let target = Target {
        url: format!("http://127.0.0.1:{port}"),
        pids: vec![pid],
        support: Vec::new(),
        what: "one server (SQLite, embedded relay)".into(),
        _owned: Owned::Server { child, dir },
    };
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = http.get(format!("{}/healthz", target.url)).send().await
            && r.status().is_success()
        {
            break;
        }
        if Instant::now() > deadline {
            bail!("the server did not answer within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(target)
}

/// A parent, a family, a child and a 20-hour timer per family.
async fn set_up(
    http: &reqwest::Client,
    base: &str,
    args: &Args,
) -> anyhow::Result<Vec<Arc<Family>>> {
    let run = std::process::id();
    let made: Vec<anyhow::Result<Family>> = futures_util::stream::iter(0..args.families)
        .map(|i| async move {
            let session = post(
                http,
                &format!("{base}/api/auth/sign-up"),
                None,
                json!({ "email": format!("parent{i}-{run}@households.example"),
                        "password": "households-benchmark", "name": "Parent" }),
            )
            .await?;
            let token = session["token"].as_str().context("token")?.to_owned();
            let family = post(
                http,
                &format!("{base}/api/families"),
                Some(&token),
                json!({ "name": format!("Family {i}") }),
            )
            .await?;
            let id = family["family"]["id"]
                .as_str()
                .context("family id")?
                .to_owned();
            let member = post(
                http,
                &format!("{base}/api/families/{id}/members"),
                Some(&token),
                json!({ "name": "Kid" }),
            )
            .await?;
            let member = member["member"]["id"].as_str().context("member id")?;
            let timer = post(
                http,
                &format!("{base}/api/families/{id}/timers"),
                Some(&token),
                json!({ "memberId": member, "label": "Homework", "durationSeconds": 20 * 3600 }),
            )
            .await?;
            let timer = timer["timer"]["id"]
                .as_str()
                .context("timer id")?
                .to_owned();
            Ok(Family {
                id,
                token,
                timer,
                paused: AtomicBool::new(false),
                busy: AtomicBool::new(false),
            })
        })
        .buffered(args.setup_concurrency.max(1))
        .collect()
        .await;
    made.into_iter().map(|f| f.map(Arc::new)).collect()
}

/// Connects every family's screens and waits until each is subscribed;
/// from then on each notes the revisions it receives.
async fn connect(
    http: &reqwest::Client,
    base: &str,
    families: &[Arc<Family>],
    args: &Args,
    receipts: &Arc<Receipts>,
) -> anyhow::Result<Vec<PusherClient>> {
    let realtime: Value = http
        .get(format!("{base}/api/realtime"))
        .send()
        .await?
        .json()
        .await?;
    let key = realtime["key"].as_str().context("key")?.to_owned();
    let host = realtime["host"]
        .as_str()
        .context("a self-hosted relay")?
        .to_owned();
    let port = u16::try_from(realtime["port"].as_u64().context("port")?)?;
    let tls = realtime["scheme"].as_str() == Some("https");
    let auth_endpoint = realtime["authEndpoint"]
        .as_str()
        .context("authEndpoint")?
        .to_owned();
    let auth_http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .timeout(Duration::from_secs(30))
        .build()?;
    // Subscriptions in waves: each is a WebSocket handshake and an
    // authorisation request.
    let wave = Arc::new(Semaphore::new(256));
    let mut joins = Vec::with_capacity(families.len() * args.devices);
    for (f, family) in families.iter().enumerate() {
        for screen in 0..args.devices {
            let permit = wave.clone().acquire_owned().await?;
            let bearer = format!("Bearer {}", family.token);
            let authorizer = HttpAuthorizer::with_headers(auth_endpoint.clone(), move || {
                let mut headers = reqwest::header::HeaderMap::new();
                if let Ok(value) = bearer.parse() {
                    headers.insert(reqwest::header::AUTHORIZATION, value);
                }
                headers
            })
            .http_client(auth_http.clone());
            let client = PusherClient::connect(
                ClientOptions::new(Endpoint::host(host.clone(), port, tls), key.clone())
                    .authorizer(authorizer),
            );
            let mut subscription = client.subscribe(&format!("private-family-{}", family.id))?;
            let receipts = receipts.clone();
            let (subscribed, is_subscribed) = tokio::sync::oneshot::channel();
            tokio::spawn(async move {
                let mut subscribed = Some(subscribed);
                while let Some(event) = subscription.next().await {
                    match event {
                        SubscriptionEvent::Subscribed { .. } => {
                            if let Some(tx) = subscribed.take() {
                                let _ = tx.send(Ok(()));
                            }
                        }
                        SubscriptionEvent::Failed(why) => {
                            if let Some(tx) = subscribed.take() {
                                let _ = tx.send(Err(format!("{why:?}")));
                            }
                        }
                        SubscriptionEvent::Event(event) => {
                            let at = Instant::now();
                            if let Some(revision) = event
                                .json::<Value>()
                                .ok()
                                .and_then(|v| v["revision"].as_i64())
                                && let Ok(mut r) = receipts.lock()
                            {
                                r.entry((f, screen, revision)).or_insert(at);
                            }
                        }
                        _ => {}
                    }
                }
            });
            joins.push(tokio::spawn(async move {
                let _permit = permit;
                match tokio::time::timeout(Duration::from_secs(60), is_subscribed).await {
                    Ok(Ok(Ok(()))) => Ok(client),
                    Ok(Ok(Err(why))) => bail!("a subscription was refused: {why}"),
                    _ => bail!("a screen was not subscribed within 60 s"),
                }
            }));
        }
    }
    let mut screens = Vec::with_capacity(joins.len());
    for join in joins {
        screens.push(join.await??);
    }
    Ok(screens)
}

/// Sends actions at `--rate` for `--seconds`, round-robin over the
/// families; a family whose last action is still in flight is skipped
/// (a person taps once). Returns the actions that succeeded, those that
/// failed, and the skipped turns.
async fn load(
    http: &reqwest::Client,
    base: &str,
    families: &[Arc<Family>],
    args: &Args,
) -> (Vec<Action>, u64, u64) {
    let actions: Arc<Mutex<Vec<Action>>> = Arc::default();
    let failed = Arc::new(AtomicU64::new(0));
    let mut skipped = 0u64;
    let period = Duration::from_secs_f64(1.0 / args.rate.max(0.1));
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let mut next = 0usize;
    let mut in_flight = tokio::task::JoinSet::new();
    while Instant::now() < until {
        ticks.tick().await;
        let f = next % families.len();
        next += 1;
        let family = families[f].clone();
        if family.busy.swap(true, Ordering::AcqRel) {
            skipped += 1;
            continue;
        }
        let http = http.clone();
        let base = base.to_owned();
        let actions = actions.clone();
        let failed = failed.clone();
        // The action's time is its tick's: a task that starts late is
        // part of the latency, as a tap waits for a busy screen.
        let sent = Instant::now();
        in_flight.spawn(async move {
            let verb = if family.paused.load(Ordering::Acquire) {
                "resume"
            } else {
                "pause"
            };
            let reply = post(
                &http,
                &format!("{base}/api/timers/{}/{verb}", family.timer),
                Some(&family.token),
                json!({}),
            )
            .await;
            match reply.ok().and_then(|r| r["revision"].as_i64()) {
                Some(revision) => {
                    family.paused.store(verb == "pause", Ordering::Release);
                    if let Ok(mut a) = actions.lock() {
                        a.push(Action {
                            family: f,
                            sent,
                            revision,
                        });
                    }
                }
                None => {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
            family.busy.store(false, Ordering::Release);
        });
        // Finished tasks are reaped as the load goes.
        while in_flight.try_join_next().is_some() {}
    }
    while in_flight.join_next().await.is_some() {}
    let actions = std::mem::take(&mut *actions.lock().unwrap_or_else(|e| e.into_inner()));
    (actions, failed.load(Ordering::Relaxed), skipped)
}

fn rss(pids: &[u32]) -> u64 {
    pids.iter().map(|p| rss_kib(*p).unwrap_or(0)).sum()
}

fn cpu(pids: &[u32]) -> u64 {
    pids.iter().map(|p| cpu_ticks(*p).unwrap_or(0)).sum()
}

/// p50, p99 and max, by nearest rank.
fn summary(mut values: Vec<f64>) -> (f64, f64, f64) {
    if values.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    values.sort_by(f64::total_cmp);
    let rank =
        |p: f64| values[((p * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1];
    (rank(0.50), rank(0.99), values[values.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn nearest_rank() {
        let values: Vec<f64> = (1..=200).map(f64::from).collect();
        assert_eq!(summary(values), (100.0, 198.0, 200.0));
        assert!(summary(Vec::new()).0.is_nan());
    }
}
