//! What the benchmarks read of a process from `/proc`: resident and
//! proportional memory, CPU time, and its children.

use anyhow::Context;

/// Resident set size, in KiB.
pub(crate) fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    field_kib(&format!("/proc/{pid}/status"), "VmRSS:")
}

/// Proportional set size (shared pages divided among their users), in
/// KiB: the fair share of memory for a group of processes that share
/// libraries, as an app and its WebKit processes do.
pub(crate) fn pss_kib(pid: u32) -> anyhow::Result<u64> {
    field_kib(&format!("/proc/{pid}/smaps_rollup"), "Pss:")
}

fn field_kib(path: &str, name: &str) -> anyhow::Result<u64> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no {name} in {path}"))
}

/// CPU time (user + system) a process has used, in clock ticks (1/100 s).
pub(crate) fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the parenthesised command name; utime and stime are
    // the 14th and 15th fields of the whole line.
    let rest = stat.rsplit_once(')').context("malformed stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11).context("no utime")?.parse()?;
    let stime: u64 = fields.get(12).context("no stime")?.parse()?;
    Ok(utime + stime)
}

/// The pids whose parent is `pid`.
pub(crate) use kinboard_testkit::procfs::children;

/// A process's command name (`/proc/<pid>/comm`).
pub(crate) fn name(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}
