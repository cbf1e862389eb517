//! `kinboard-bench app`: the desktop app's cold start, idle memory and idle
//! CPU. Each run starts `kinboard --demo` on a fresh profile (a new demo
//! database, no WebKit cache) and measures
//!
//! * **start → dashboard**: from spawning the process until the page says
//!   it shows the dashboard (the app logs `the page shows dashboard` when
//!   the page reports it; the page reports it as it renders it);
//! * **idle memory**: after a settling pause, the sum of PSS over the app
//!   and its WebKit processes (`/proc/<pid>/smaps_rollup`): PSS divides
//!   shared pages among the processes sharing them, so the sum is the
//!   app's fair share of memory, not a double count of libraries;
//! * **idle CPU**: user + system time of those processes over an idle
//!   window, as a percentage of one core.
//!
//! With `--baseline`, each cold start of the app is followed by one of the
//! same binary as `kinboard --empty-window`: the same window, WebKit
//! settings and allocator showing a blank page, with no server, tray or
//! plugins. Its PSS is the floor WebKitGTK and Tauri set on this machine,
//! and the app's idle memory is reported as a ratio to it (the two
//! interleaved, so that the machine's drift falls on both alike).
//!
//! It needs a display and a session bus: run it under
//! `xvfb-run -a dbus-run-session --`, with `WEBKIT_DISABLE_COMPOSITING_MODE=1`
//! on a machine without a GPU.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::procfs::{children, cpu_ticks, name, pss_kib};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The app binary (a release build: `cargo build --release -p kinboard`).
    #[arg(long, default_value = "target/release/kinboard")]
    app: PathBuf,
    /// How many cold starts.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Pause after the dashboard shows, before measuring memory.
    #[arg(long, default_value_t = 10)]
    settle_s: u64,
    /// Idle window the CPU is measured over.
    #[arg(long, default_value_t = 30)]
    idle_s: u64,
    /// Also measure an empty window of the same binary after each start,
    /// and report the app's idle memory as a ratio to it.
    #[arg(long)]
    baseline: bool,
}

/// What one cold start opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject {
    /// `kinboard --demo`: the dashboard of a demo family.
    App,
    /// `kinboard --empty-window`: the window with a blank page.
    EmptyWindow,
}

impl Subject {
    fn args(self) -> &'static [&'static str] {
        match self {
            Subject::App => &["--demo", "--profile", "bench"],
            Subject::EmptyWindow => &["--empty-window", "--profile", "bench-empty"],
        }
    }

    /// The log line that says the window shows what it should.
    fn shown(self) -> &'static str {
        match self {
            Subject::App => "the page shows dashboard",
            Subject::EmptyWindow => "the empty window is shown",
        }
    }
}

struct Run {
    start_ms: f64,
    pss_kib: u64,
    processes: usize,
    idle_cpu_percent: f64,
}

pub(crate) fn run(args: Args) -> anyhow::Result<()> {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        bail!("no display: run under xvfb-run -a dbus-run-session -- (see --help)");
    }
    let app = args.app.canonicalize().with_context(|| {
        format!(
            "{} (build it: cargo build --release -p kinboard)",
            args.app.display()
        )
    })?;
    let home = std::env::temp_dir().join(format!("kinboard-bench-app-{}", std::process::id()));
    let mut runs = Vec::new();
    let mut floors = Vec::new();
    for i in 0..args.runs {
        let dir = home.join(format!("run{i}"));
        let run = one(&app, Subject::App, &dir, &args)?;
        eprintln!(
            "run {}: dashboard after {:.0} ms, {:.1} MiB PSS over {} processes, {:.2} % CPU idle",
            i + 1,
            run.start_ms,
            run.pss_kib as f64 / 1024.0,
            run.processes,
            run.idle_cpu_percent
        );
        runs.push(run);
        let _ = std::fs::remove_dir_all(&dir);
        if args.baseline {
            let dir = home.join(format!("empty{i}"));
            let floor = one(&app, Subject::EmptyWindow, &dir, &args)?;
            eprintln!(
                "run {}: empty window after {:.0} ms, {:.1} MiB PSS over {} processes",
                i + 1,
                floor.start_ms,
                floor.pss_kib as f64 / 1024.0,
                floor.processes,
            );
            floors.push(floor);
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    let _ = std::fs::remove_dir_all(&home);
    report(&args, &runs, &floors);
    Ok(())
}

fn one(
    app: &std::path::Path,
    subject: Subject,
    dir: &std::path::Path,
    args: &Args,
) -> anyhow::Result<Run> {
    for sub in ["data", "config", "cache", "state"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    let started = Instant::now();
    let mut child = Command::new(app)
        .args(subject.args())
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("RUST_LOG", "info,sqlx=warn,tao=warn,wry=warn")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", app.display()))?;
    let pid = child.id();
    // The log is read on a thread of its own; the line we wait for is sent
    // with the time it arrived.
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().context("no stderr")?;
    let wanted = subject.shown();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains(wanted) {
                let _ = tx.send(Instant::now());
            }
        }
    });
    let shown = rx.recv_timeout(Duration::from_secs(60));
    let result = (|| {
        let shown = shown.with_context(|| format!("{subject:?}: not shown within 60 s"))?;
        let start_ms = shown.duration_since(started).as_secs_f64() * 1000.0;
        std::thread::sleep(Duration::from_secs(args.settle_s));
        let group = group(pid);
        let pss_kib = group.iter().map(|p| pss_kib(*p).unwrap_or(0)).sum();
        let cpu_before: u64 = group.iter().map(|p| cpu_ticks(*p).unwrap_or(0)).sum();
        let window = Instant::now();
        std::thread::sleep(Duration::from_secs(args.idle_s));
        let cpu_after: u64 = group.iter().map(|p| cpu_ticks(*p).unwrap_or(0)).sum();
        let ticks_per_s = 100.0;
        let idle_cpu_percent = (cpu_after.saturating_sub(cpu_before)) as f64
            / ticks_per_s
            / window.elapsed().as_secs_f64()
            * 100.0;
        Ok(Run {
            start_ms,
            pss_kib,
            processes: group.len(),
            idle_cpu_percent,
        })
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// The app and every WebKit process under it.
fn group(app: u32) -> Vec<u32> {
    let mut all = vec![app];
    let mut i = 0;
    while i < all.len() {
        all.extend(
            children(all[i])
                .into_iter()
                .filter(|c| name(*c).starts_with("WebKit")),
        );
        i += 1;
    }
    all
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

#[allow(clippy::print_stdout)] // the report is the program's output
fn report(args: &Args, runs: &[Run], floors: &[Run]) {
    let start: Vec<f64> = runs.iter().map(|r| r.start_ms).collect();
    let pss: Vec<f64> = runs.iter().map(|r| r.pss_kib as f64 / 1024.0).collect();
    let cpu: Vec<f64> = runs.iter().map(|r| r.idle_cpu_percent).collect();
    let list = |v: &[f64], digits: usize| {
        v.iter()
            .map(|x| format!("{x:.digits$}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "kinboard-bench app: {} cold starts of {} (--demo), settle {} s, idle window {} s",
        runs.len(),
        args.app.display(),
        args.settle_s,
        args.idle_s
    );
    println!(
        "start to first rendered dashboard: median {:.0} ms ({})",
        median(start.clone()),
        list(&start, 0)
    );
    println!(
        "idle memory, PSS of the app and its WebKit processes: median {:.1} MiB ({})",
        median(pss.clone()),
        list(&pss, 1)
    );
    println!(
        "idle CPU: median {:.2} % of one core ({})",
        median(cpu.clone()),
        list(&cpu, 2)
    );
    if floors.is_empty() {
        return;
    }
    let floor: Vec<f64> = floors.iter().map(|r| r.pss_kib as f64 / 1024.0).collect();
    let ratios: Vec<f64> = pss
        .iter()
        .zip(&floor)
        .map(|(app, empty)| app / empty)
        .collect();
    println!(
        "empty window of the same binary, PSS: median {:.1} MiB ({})",
        median(floor.clone()),
        list(&floor, 1)
    );
    println!(
        "app / empty window: {:.2}x (ratio of medians); per start {}",
        median(pss) / median(floor),
        list(&ratios, 2)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(vec![]).is_nan());
    }
}
