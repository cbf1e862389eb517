//! `kinboard-bench fanout`: how fast one event reaches many subscribers,
//! and what each idle subscriber costs the server.
//!
//! N WebSocket clients subscribe to one public channel of a
//! Pusher-protocol server (kinboard-relay, which it can start itself, or
//! any other by host, port and credentials). Then events are triggered one
//! at a time through the signed HTTP API, each carrying its send time; every
//! client notes when it got each one. Reported: the delivery latency over
//! all (client, event) pairs, the time until every client had an event, and
//! the server's RSS growth per connection when its pid is known.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use pusher_protocol::AppCredentials;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::{Notify, Semaphore};
use tokio_tungstenite::tungstenite::Message as Ws;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::procfs::{cpu_ticks, rss_kib};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Subscribers to connect.
    #[arg(long, default_value_t = 10_000)]
    clients: usize,
    /// Events to trigger, one after the other (at least 100 for a p99).
    #[arg(long, default_value_t = 200)]
    events: usize,
    /// Pause after every client has an event, before the next one.
    #[arg(long, default_value_t = 20)]
    interval_ms: u64,
    /// Padding added to each event's payload, in bytes (at most 10,000:
    /// the protocol caps event data at 10 KB).
    #[arg(long, default_value_t = 0)]
    payload_bytes: usize,
    /// Channel the clients subscribe to.
    #[arg(long, default_value = "bench-fanout")]
    channel: String,
    /// Server host (WebSocket and HTTP API).
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Server port; ignored with --spawn-relay, which picks a free one.
    #[arg(long, default_value_t = 6001)]
    port: u16,
    #[arg(long, env = "PUSHER_APP_ID", default_value = "bench")]
    app_id: String,
    #[arg(long, env = "PUSHER_KEY", default_value = "bench-key")]
    key: String,
    #[arg(
        long,
        env = "PUSHER_SECRET",
        default_value = "bench-secret",
        hide_env_values = true
    )]
    secret: String,
    /// Start kinboard-relay (with these credentials, on a free port) for
    /// the run, and measure its memory.
    #[arg(long)]
    spawn_relay: bool,
    /// The kinboard-relay binary for --spawn-relay; by default the one next
    /// to this binary.
    #[arg(long)]
    relay_bin: Option<PathBuf>,
    /// Pid of an already running server, to measure its memory.
    #[arg(long, conflicts_with = "spawn_relay")]
    pid: Option<u32>,
    /// WebSocket handshakes in flight at once while connecting.
    #[arg(long, default_value_t = 200)]
    connect_concurrency: usize,
    /// Client runtime worker threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
}

pub(crate) fn run(args: Args) -> anyhow::Result<()> {
    raise_fd_limit(args.clients as u64 + 1024);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()?;
    runtime.block_on(bench(args))
}

fn raise_fd_limit(needed: u64) {
    match rlimit::increase_nofile_limit(needed) {
        Ok(got) if got < needed => {
            eprintln!("warning: file descriptor limit is {got}, fewer than the {needed} needed");
        }
        Ok(_) => {}
        Err(e) => eprintln!("warning: could not raise the file descriptor limit: {e}"),
    }
}

/// A relay started for the run; killed when dropped.
struct SpawnedRelay {
    child: Child,
    port: u16,
}

impl Drop for SpawnedRelay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_relay(args: &Args) -> anyhow::Result<SpawnedRelay> {
    let bin = match &args.relay_bin {
        Some(bin) => bin.clone(),
        None => std::env::current_exe()?.with_file_name("kinboard-relay"),
    };
    let mut child = Command::new(&bin)
        .args(["--bind", &format!("{}:0", args.host)])
        .env("PUSHER_APP_ID", &args.app_id)
        .env("PUSHER_KEY", &args.key)
        .env("PUSHER_SECRET", &args.secret)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)?;
    let port = line
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .with_context(|| format!("kinboard-relay said {line:?}, not its address"))?;
    Ok(SpawnedRelay { child, port })
}

/// What the client tasks report while events flow.
struct Shared {
    clients: usize,
    /// Per event: how many clients have it, and the latest arrival (µs).
    received: Vec<AtomicUsize>,
    slowest: Vec<AtomicU64>,
    ready: AtomicUsize,
    progress: Notify,
    base: Instant,
}

async fn bench(args: Args) -> anyhow::Result<()> {
    let spawned = if args.spawn_relay {
        Some(spawn_relay(&args)?)
    } else {
        None
    };
    let port = spawned.as_ref().map_or(args.port, |s| s.port);
    let pid = spawned.as_ref().map(|s| s.child.id()).or(args.pid);
    let app = AppCredentials::new(&args.app_id, &args.key, &args.secret);
    let addr = format!("{}:{port}", args.host);

    // Settle before the baseline: the server has just started.
    let rss_before = pid.map(rss_kib).transpose()?;

    let shared = Arc::new(Shared {
        clients: args.clients,
        received: (0..args.events).map(|_| AtomicUsize::new(0)).collect(),
        slowest: (0..args.events).map(|_| AtomicU64::new(0)).collect(),
        ready: AtomicUsize::new(0),
        progress: Notify::new(),
        base: Instant::now(),
    });
    let url = format!(
        "ws://{addr}/app/{}?protocol=7&client=kinboard-bench&version=0.1",
        args.key
    );
    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(args.connect_concurrency.max(1)));
    let mut tasks = Vec::with_capacity(args.clients);
    for _ in 0..args.clients {
        tasks.push(tokio::spawn(client(
            url.clone(),
            args.channel.clone(),
            Arc::clone(&gate),
            Arc::clone(&shared),
            args.events,
        )));
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while shared.ready.load(Ordering::Acquire) < args.clients {
        if Instant::now() > deadline {
            bail!(
                "only {} of {} clients subscribed within 120 s",
                shared.ready.load(Ordering::Acquire),
                args.clients
            );
        }
        let _ = tokio::time::timeout(Duration::from_millis(100), shared.progress.notified()).await;
    }
    let connect_time = started.elapsed();
    // Let the server finish its own bookkeeping before measuring.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_connected = pid.map(rss_kib).transpose()?;

    let padding = "x".repeat(args.payload_bytes.min(10_000));
    let cpu_before = pid.map(cpu_ticks).transpose()?;
    let own_cpu_before = cpu_ticks(std::process::id())?;
    let events_started = Instant::now();
    let mut api = Api::connect(&addr, app).await?;
    let mut lost = 0usize;
    let mut fanout_ms = Vec::with_capacity(args.events);
    for seq in 0..args.events {
        let sent_us = shared.base.elapsed().as_micros() as u64;
        let data = format!(r#"{{"seq":{seq},"t":{sent_us},"pad":"{padding}"}}"#);
        api.trigger(&args.channel, "bench", &data).await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let notified = shared.progress.notified();
            if shared.received[seq].load(Ordering::Acquire) >= args.clients {
                break;
            }
            if Instant::now() > deadline {
                lost += args.clients - shared.received[seq].load(Ordering::Acquire);
                break;
            }
            let _ = tokio::time::timeout(Duration::from_millis(50), notified).await;
        }
        let slowest = shared.slowest[seq].load(Ordering::Acquire);
        fanout_ms.push(slowest.saturating_sub(sent_us) as f64 / 1000.0);
        tokio::time::sleep(Duration::from_millis(args.interval_ms)).await;
    }
    let rss_after = pid.map(rss_kib).transpose()?;
    let events_time = events_started.elapsed();
    let own_cpu_per_event =
        (cpu_ticks(std::process::id())? - own_cpu_before) as f64 * 10.0 / args.events as f64;
    // Server CPU per event, in ms (ticks are 10 ms).
    let cpu_per_event = match (cpu_before, pid.map(cpu_ticks).transpose()?) {
        (Some(before), Some(after)) => Some((after - before) as f64 * 10.0 / args.events as f64),
        _ => None,
    };

    let mut latencies_ms: Vec<f64> = Vec::with_capacity(args.clients * args.events);
    for task in tasks {
        if let Ok(Ok(samples)) = tokio::time::timeout(Duration::from_secs(5), task).await {
            latencies_ms.extend(samples.into_iter().map(|us| us as f64 / 1000.0));
        }
    }

    report(&Report {
        args: &args,
        addr: &addr,
        connect_time,
        rss: (rss_before, rss_connected, rss_after),
        cpu_per_event,
        own_cpu_per_event,
        events_time,
        latencies_ms,
        fanout_ms,
        lost,
    });
    drop(spawned);
    Ok(())
}

/// One subscriber: connect, subscribe, then note each event's latency (µs).
async fn client(
    url: String,
    channel: String,
    gate: Arc<Semaphore>,
    shared: Arc<Shared>,
    events: usize,
) -> Vec<u32> {
    let permit = gate.acquire_owned().await;
    // Small buffers: ten thousand clients share this process.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let mut ws = loop {
        match tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), true).await {
            Ok((ws, _)) => break ws,
            Err(e) => {
                eprintln!("connect failed ({e}); retrying");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    let subscribe =
        format!(r#"{{"event":"pusher:subscribe","data":{{"channel":"{channel}","auth":""}}}}"#);
    if ws.send(Ws::text(subscribe)).await.is_err() {
        return Vec::new();
    }
    while let Some(Ok(frame)) = ws.next().await {
        if let Ws::Text(text) = frame
            && text.contains("subscription_succeeded")
        {
            break;
        }
    }
    drop(permit);
    shared.ready.fetch_add(1, Ordering::AcqRel);
    shared.progress.notify_waiters();

    let mut samples = Vec::with_capacity(events);
    while let Some(Ok(frame)) = ws.next().await {
        let Ws::Text(text) = frame else { continue };
        let now_us = shared.base.elapsed().as_micros() as u64;
        if text.contains("pusher:ping") {
            let _ = ws
                .send(Ws::text(r#"{"event":"pusher:pong","data":{}}"#))
                .await;
            continue;
        }
        let (Some(seq), Some(sent)) = (number_after(&text, "seq"), number_after(&text, "t")) else {
            continue;
        };
        let seq = seq as usize;
        if seq >= events {
            continue;
        }
        samples.push(now_us.saturating_sub(sent) as u32);
        shared.slowest[seq].fetch_max(now_us, Ordering::AcqRel);
        if shared.received[seq].fetch_add(1, Ordering::AcqRel) + 1 == shared.clients {
            shared.progress.notify_waiters();
        }
        if seq + 1 == events {
            break;
        }
    }
    samples
}

/// The number after `\"name\":` in an event frame (the payload is a JSON
/// string inside the frame, so its quotes are escaped). A scan, not a JSON
/// parse: ten thousand clients parse every event on two cores.
fn number_after(text: &str, name: &str) -> Option<u64> {
    let key = format!("\\\"{name}\\\":");
    let start = text.find(&key)? + key.len();
    let digits: String = text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// A keep-alive HTTP/1.1 connection for signed API calls.
struct Api {
    stream: BufReader<TcpStream>,
    app: AppCredentials,
    host: String,
}

impl Api {
    async fn connect(addr: &str, app: AppCredentials) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream: BufReader::new(stream),
            app,
            host: addr.to_owned(),
        })
    }

    async fn trigger(&mut self, channel: &str, name: &str, data: &str) -> anyhow::Result<()> {
        let body =
            serde_json::json!({ "name": name, "channels": [channel], "data": data }).to_string();
        let path = format!("/apps/{}/events", self.app.app_id);
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
        let query = self
            .app
            .sign_request("POST", &path, &[], body.as_bytes(), now);
        let query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let request = format!(
            "POST {path}?{} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            query.join("&"),
            self.host,
            body.len()
        );
        self.stream.get_mut().write_all(request.as_bytes()).await?;
        let mut status = String::new();
        self.stream.read_line(&mut status).await?;
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            self.stream.read_line(&mut line).await?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse()?;
            }
        }
        let mut reply = vec![0; length];
        self.stream.read_exact(&mut reply).await?;
        if !status.contains(" 200 ") {
            bail!(
                "trigger failed: {} {}",
                status.trim(),
                String::from_utf8_lossy(&reply)
            );
        }
        Ok(())
    }
}

struct Report<'a> {
    args: &'a Args,
    addr: &'a str,
    connect_time: Duration,
    rss: (Option<u64>, Option<u64>, Option<u64>),
    cpu_per_event: Option<f64>,
    own_cpu_per_event: f64,
    events_time: Duration,
    latencies_ms: Vec<f64>,
    fanout_ms: Vec<f64>,
    lost: usize,
}

fn percentiles(mut values: Vec<f64>) -> (f64, f64, f64) {
    if values.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() as f64 - 1.0) * q).round() as usize];
    (at(0.50), at(0.99), values[values.len() - 1])
}

#[allow(clippy::print_stdout)] // the report is the program's output
fn report(r: &Report<'_>) {
    let args = r.args;
    println!(
        "kinboard-bench fanout: {} clients on {:?} at {}, {} events of {} bytes of padding",
        args.clients, args.channel, r.addr, args.events, args.payload_bytes
    );
    println!(
        "connected and subscribed in {:.1} s",
        r.connect_time.as_secs_f64()
    );
    if let (Some(before), Some(connected), Some(after)) = r.rss {
        let per_conn = (connected.saturating_sub(before)) as f64 * 1024.0 / args.clients as f64;
        println!(
            "server RSS: {:.1} MiB idle, {:.1} MiB with {} clients, {:.1} MiB after the events",
            before as f64 / 1024.0,
            connected as f64 / 1024.0,
            args.clients,
            after as f64 / 1024.0
        );
        println!("RSS per idle connection: {:.2} KiB", per_conn / 1024.0);
    } else {
        println!("server RSS: not measured (use --spawn-relay or --pid)");
    }
    let deliveries = r.latencies_ms.len();
    let (d50, d99, dmax) = percentiles(r.latencies_ms.clone());
    let (f50, f99, fmax) = percentiles(r.fanout_ms.clone());
    println!();
    println!("{:<34} {:>9} {:>9} {:>9}", "", "p50", "p99", "max");
    println!(
        "{:<34} {:>6.2} ms {:>6.2} ms {:>6.2} ms",
        format!("delivery latency ({deliveries} deliveries)"),
        d50,
        d99,
        dmax
    );
    println!(
        "{:<34} {:>6.2} ms {:>6.2} ms {:>6.2} ms",
        "until every client had the event", f50, f99, fmax
    );
    println!("lost deliveries: {}", r.lost);
    if let Some(cpu) = r.cpu_per_event {
        println!(
            "server CPU: {cpu:.2} ms per event ({:.1} s of events)",
            r.events_time.as_secs_f64()
        );
    }
    println!(
        "bench clients' CPU: {:.2} ms per event (they share the machine)",
        r.own_cpu_per_event
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_numbers_from_the_escaped_payload() {
        let frame = r#"{"event":"bench","channel":"c","data":"{\"seq\":12,\"t\":3456}"}"#;
        assert_eq!(number_after(frame, "seq"), Some(12));
        assert_eq!(number_after(frame, "t"), Some(3456));
        assert_eq!(number_after(frame, "nope"), None);
    }

    #[test]
    fn percentiles_of_a_small_set() {
        let (p50, p99, max) = percentiles((1..=100).map(f64::from).collect());
        assert_eq!((p50, p99, max), (51.0, 99.0, 100.0));
    }
}
