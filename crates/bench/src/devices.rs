//! The device benchmarks of `kinboard-core`, on the whole stack in this
//! process (a `kinboard-server` on SQLite in a temporary directory with
//! its embedded relay, and N `kinboard-core` devices), over loopback:
//!
//! * `sync`: an action on device 0, then the time until every other
//!   device's store has applied it (its view reached the action's
//!   revision); p50/p99/max over `--actions`.
//! * `idle`: connected devices with no user action; HTTP requests and
//!   WebSocket frames per device per hour, counted by a proxy on the
//!   server's side of the wire.
//! * `reconnect`: every device's link is cut while another device acts,
//!   then restored; the time from the restore until every device shows the
//!   database's state again.
//!
//! The harness (server, households, devices, proxies) is the system
//! tests' (`tests/system`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use kinboard_core::{ConnectionStatus, PusherConfig, household_pusher_config};
use kinboard_system_tests::{Device, DeviceBuilder, Household, HttpProxy, TestServer};

#[derive(Debug, clap::Args)]
pub(crate) struct SyncArgs {
    /// Devices of the family (device 0 acts, the others watch).
    #[arg(long, default_value_t = 100)]
    devices: usize,
    /// Actions to time.
    #[arg(long, default_value_t = 1000)]
    actions: usize,
    /// Tokio worker threads (server and devices share them).
    #[arg(long, default_value_t = 2)]
    threads: usize,
}

#[derive(Debug, clap::Args)]
pub(crate) struct IdleArgs {
    /// Idle devices.
    #[arg(long, default_value_t = 10)]
    devices: usize,
    /// How long to watch them.
    #[arg(long, default_value_t = 120)]
    seconds: u64,
    /// The Pusher activity timeout the devices use (pusher-js and the
    /// relay: 120 s). Shorter values show the keepalive's share sooner.
    #[arg(long, default_value_t = 120)]
    activity_secs: u64,
    #[arg(long, default_value_t = 2)]
    threads: usize,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ReconnectArgs {
    /// Devices whose links are cut and restored together.
    #[arg(long, default_value_t = 20)]
    devices: usize,
    /// Cut-and-restore rounds.
    #[arg(long, default_value_t = 20)]
    rounds: usize,
    /// How long each cut lasts (the reconnect backoff grows meanwhile).
    #[arg(long, default_value_t = 3000)]
    cut_ms: u64,
    #[arg(long, default_value_t = 2)]
    threads: usize,
}

fn runtime(threads: usize) -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()?)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// p50, p99 and max of `values`, by nearest rank.
fn summary(mut values: Vec<f64>) -> (f64, f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    values.sort_by(f64::total_cmp);
    let rank =
        |p: f64| values[((p * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1];
    (rank(0.50), rank(0.99), values[values.len() - 1])
}

async fn devices(
    server: &TestServer,
    home: &Household,
    n: usize,
    pusher: PusherConfig,
    direct: bool,
) -> Vec<Device> {
    let mut list = Vec::with_capacity(n);
    for _ in 0..n {
        let builder = DeviceBuilder::new(server, home).pusher(pusher.clone());
        let builder = if direct { builder.direct() } else { builder };
        list.push(builder.connect().await);
    }
    for d in &list {
        d.live().await;
    }
    list
}

#[allow(clippy::print_stdout)] // the report is the program's output
pub(crate) fn sync(args: SyncArgs) -> anyhow::Result<()> {
    runtime(args.threads)?.block_on(async {
        let server = TestServer::start().await;
        let home = Household::create(&server, "Bench").await;
        let all = devices(&server, &home, args.devices.max(2), household_pusher_config(), true).await;
        // The timing loop runs on the runtime's workers like everything it
        // measures, not on a third thread competing with them for the cores.
        let actions = args.actions;
        let watchers = all.len() - 1;
        let (samples, replies, total) = tokio::spawn(async move {
            time_actions(&home, &all, actions).await
        })
        .await??;
        let (p50, p99, max) = summary(samples);
        let (r50, r99, rmax) = summary(replies);
        println!(
            "sync: {} devices, {} actions in {:.1} s: action on device 0 → all {} others applied it: \
             p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms (the action's own reply: p50 {r50:.2} ms, p99 {r99:.2} ms, max {rmax:.2} ms)",
            args.devices,
            args.actions,
            total.as_secs_f64(),
            watchers
        );
        Ok(())
    })
}

/// Times `actions` alternating pauses and resumes on device 0: each
/// sample is from the request until every other device shows the reply's
/// state. Returns the samples, the replies' own times and the whole run.
async fn time_actions(
    home: &Household,
    all: &[Device],
    actions: usize,
) -> anyhow::Result<(Vec<f64>, Vec<f64>, Duration)> {
    let (actor, watchers) = all.split_first().expect("two devices");
    let timer = actor
        .dashboard
        .start_timer(&home.members[0], "Bench", 20 * 3600, 0)
        .await?;
    // Time from a converged family: every device has the timer.
    for w in watchers {
        w.dashboard.wait_for(|v| v.timer(&timer.id).is_some()).await;
    }
    let mut samples = Vec::with_capacity(actions);
    let mut replies = Vec::with_capacity(actions);
    let started = Instant::now();
    for i in 0..actions {
        let t0 = Instant::now();
        let reply = if i % 2 == 0 {
            actor.dashboard.pause_timer(&timer.id).await?
        } else {
            actor.dashboard.resume_timer(&timer.id).await?
        };
        replies.push(ms(t0.elapsed()));
        let want = reply.state;
        for w in watchers {
            w.dashboard
                .wait_for(|v| v.timer(&timer.id).is_some_and(|t| t.state == want))
                .await;
        }
        samples.push(ms(t0.elapsed()));
    }
    let total = started.elapsed();
    Ok((samples, replies, total))
}

#[allow(clippy::print_stdout)] // the report is the program's output
pub(crate) fn idle(args: IdleArgs) -> anyhow::Result<()> {
    runtime(args.threads)?.block_on(async {
        let server = TestServer::start().await;
        let home = Household::create(&server, "Bench").await;
        let counter = HttpProxy::start(server.addr()).await;
        let pusher = PusherConfig {
            activity_timeout: Duration::from_secs(args.activity_secs.max(1)),
            ..household_pusher_config()
        };
        let mut list = Vec::new();
        for _ in 0..args.devices.max(1) {
            list.push(
                DeviceBuilder::new(&server, &home)
                    .via(counter.addr())
                    .pusher(pusher.clone())
                    .connect()
                    .await,
            );
        }
        for d in &list {
            d.live().await;
        }
        let stats = Arc::clone(counter.stats());
        let http0 = stats.http_requests();
        let sent0: u64 = list.iter().map(|d| d.dashboard.api().requests_sent()).sum();
        let (up0, down0) = stats.ws_frames();
        tokio::time::sleep(Duration::from_secs(args.seconds)).await;
        let http = stats.http_requests() - http0;
        let sent: u64 = list.iter().map(|d| d.dashboard.api().requests_sent()).sum::<u64>() - sent0;
        let (up, down) = stats.ws_frames();
        let live = list.iter().filter(|d| d.view().connection.state == ConnectionStatus::Live).count();
        let per_hour = |n: u64| n as f64 * 3600.0 / args.seconds as f64 / list.len() as f64;
        println!(
            "idle: {} devices for {} s (activity timeout {} s), {live} live at the end: \
             HTTP requests {http} at the server ({sent} sent by the devices) = {:.1} per device per hour; \
             WebSocket frames {} up + {} down = {:.1} + {:.1} per device per hour",
            list.len(),
            args.seconds,
            args.activity_secs,
            per_hour(http),
            up - up0,
            down - down0,
            per_hour(up - up0),
            per_hour(down - down0),
        );
        Ok(())
    })
}

#[allow(clippy::print_stdout)] // the report is the program's output
pub(crate) fn reconnect(args: ReconnectArgs) -> anyhow::Result<()> {
    runtime(args.threads)?.block_on(async {
        let server = TestServer::start().await;
        let home = Household::create(&server, "Bench").await;
        let actor = DeviceBuilder::new(&server, &home).direct().connect().await;
        let list = devices(&server, &home, args.devices.max(1), household_pusher_config(), false).await;
        let timer = actor
            .dashboard
            .start_timer(&home.members[0], "Bench", 20 * 3600, 0)
            .await?;
        let mut all_converged = Vec::new();
        let mut each = Vec::new();
        for round in 0..args.rounds {
            for d in &list {
                d.link.cut();
            }
            for d in &list {
                d.dashboard.wait_for(|v| v.connection.state != ConnectionStatus::Live).await;
            }
            // Changes the cut devices miss.
            let paused = round % 2 == 0;
            if paused {
                actor.dashboard.pause_timer(&timer.id).await?;
            } else {
                actor.dashboard.resume_timer(&timer.id).await?;
            }
            actor.dashboard.add_stars(&home.members[1], 1, "bench", None).await?;
            let target = actor.dashboard.current().revision;
            tokio::time::sleep(Duration::from_millis(args.cut_ms)).await;
            let t0 = Instant::now();
            for d in &list {
                d.link.restore();
            }
            let mut waits = Vec::new();
            for d in &list {
                let dash = d.dashboard.clone();
                waits.push(tokio::spawn(async move {
                    dash.wait_for(|v| v.revision >= target && v.connection.state == ConnectionStatus::Live)
                        .await;
                    t0.elapsed()
                }));
            }
            let mut slowest = Duration::ZERO;
            for w in waits {
                let d = w.await?;
                each.push(ms(d));
                slowest = slowest.max(d);
            }
            all_converged.push(ms(slowest));
        }
        let (p50, p99, max) = summary(all_converged);
        let (d50, d99, dmax) = summary(each);
        println!(
            "reconnect: {} devices, {} rounds, links cut {} ms while 2 changes happen: restore → all converged: \
             p50 {p50:.0} ms, p99 {p99:.0} ms, max {max:.0} ms; per device: p50 {d50:.0} ms, p99 {d99:.0} ms, max {dmax:.0} ms",
            args.devices, args.rounds, args.cut_ms
        );
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn nearest_rank_summary() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(summary(values), (50.0, 99.0, 100.0));
        assert_eq!(summary(vec![]), (0.0, 0.0, 0.0));
        assert_eq!(summary(vec![3.0]), (3.0, 3.0, 3.0));
    }
}
