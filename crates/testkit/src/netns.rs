//! A small network of its own for a test whose traffic must not touch the
//! machine's interfaces: DNS-SD multicast, a server listening beyond
//! loopback, several "computers". [`Lan::create`] makes two network
//! namespaces joined by a veth pair (`10.77.0.1/24` on side A,
//! `10.77.0.2/24` on side B), each with its loopback up; dropping it
//! deletes both, and the pair with them.
//!
//! A test runs parts of itself inside a namespace by running its own test
//! binary again there ([`Lan::run_test`], [`Lan::spawn_test`]) with a
//! role ([`role`]) that says which part; the parent checks that the child
//! ran exactly that test and that it passed. Needs root (`ip netns`).

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// Tells a child run which part of the test it is.
const ROLE: &str = "KINBOARD_NETNS_ROLE";
/// A directory the parent and its children share.
const SCRATCH: &str = "KINBOARD_NETNS_SCRATCH";

static NEXT: AtomicU32 = AtomicU32::new(0);

/// One end of the [`Lan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    A,
    B,
}

/// Two network namespaces on one link; see the module docs.
#[derive(Debug)]
pub struct Lan {
    a: String,
    b: String,
    scratch: tempfile::TempDir,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip")
        .args(args)
        .output()
        .expect("ip (Debian: iproute2) is installed");
    assert!(
        out.status.success(),
        "ip {}: {} (network namespaces need root)",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
}

impl Lan {
    /// Makes the two namespaces and the link between them.
    pub fn create() -> Self {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tag = format!("kb{}x{n}", std::process::id());
        let (a, b) = (format!("{tag}a"), format!("{tag}b"));
        let lan = Self {
            a: a.clone(),
            b: b.clone(),
            scratch: tempfile::tempdir().expect("a scratch directory"),
        };
        ip(&["netns", "add", &a]);
        ip(&["netns", "add", &b]);
        // Interface names are at most 15 bytes.
        let (va, vb) = (
            format!("v{n}a{}", std::process::id() % 100_000),
            format!("v{n}b{}", std::process::id() % 100_000),
        );
        ip(&[
            "link", "add", &va, "netns", &a, "type", "veth", "peer", "name", &vb, "netns", &b,
        ]);
        for (ns, dev, addr) in [(&a, &va, "10.77.0.1/24"), (&b, &vb, "10.77.0.2/24")] {
            ip(&["-n", ns, "link", "set", "lo", "up"]);
            ip(&["-n", ns, "addr", "add", addr, "dev", dev]);
            ip(&["-n", ns, "link", "set", dev, "up", "multicast", "on"]);
            // Multicast (mDNS) leaves by the link.
            ip(&["-n", ns, "route", "add", "224.0.0.0/4", "dev", dev]);
        }
        lan
    }

    /// The namespace's name.
    pub fn name(&self, side: Side) -> &str {
        match side {
            Side::A => &self.a,
            Side::B => &self.b,
        }
    }

    /// The address of `side` on the link.
    pub fn addr(&self, side: Side) -> Ipv4Addr {
        match side {
            Side::A => Ipv4Addr::new(10, 77, 0, 1),
            Side::B => Ipv4Addr::new(10, 77, 0, 2),
        }
    }

    /// A directory the test and its children share.
    pub fn scratch(&self) -> &Path {
        self.scratch.path()
    }

    /// `program` to run inside `side`'s namespace.
    pub fn command(&self, side: Side, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", self.name(side)]).arg(program);
        cmd.env(SCRATCH, self.scratch());
        cmd
    }

    fn test_command(&self, side: Side, test: &str, role: &str) -> Command {
        let exe = std::env::current_exe().expect("the test binary");
        let mut cmd = self.command(side, exe);
        cmd.args(["--exact", test, "--test-threads=1", "--nocapture"])
            .env(ROLE, role);
        cmd
    }

    /// Runs the test `test` (its full path, as the binary names it) as
    /// `role` inside `side` and asserts that it ran alone and passed.
    pub fn run_test(&self, side: Side, test: &str, role: &str) {
        let out = self
            .test_command(side, test, role)
            .output()
            .expect("the test binary runs");
        check_child(test, role, &out);
    }

    /// Starts the test `test` as `role` inside `side`, in the background
    /// (for a part that serves until the test is over).
    pub fn spawn_test(&self, side: Side, test: &str, role: &str) -> Background {
        let log = self.scratch().join(format!("{role}.log"));
        let file = std::fs::File::create(&log).expect("a log file");
        let child = self
            .test_command(side, test, role)
            .stdout(Stdio::from(file.try_clone().expect("the log file")))
            .stderr(Stdio::from(file))
            .spawn()
            .expect("the test binary starts");
        Background { child, log }
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        for ns in [&self.a, &self.b] {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
    }
}

/// A part of the test running in the background; killed when dropped,
/// and its output shown.
#[derive(Debug)]
pub struct Background {
    child: Child,
    log: PathBuf,
}

impl Background {
    /// Whether it has exited (it should not, while it serves).
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Ok(text) = std::fs::read_to_string(&self.log) {
            eprint!("{text}");
        }
    }
}

fn check_child(test: &str, role: &str, out: &Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprint!("{stdout}{stderr}");
    assert!(
        out.status.success(),
        "the {role} part failed: {}",
        out.status
    );
    assert!(
        crate::bus::ran_exactly_one(&stdout),
        "the child ran no test named {test} (or more than one): renamed?"
    );
}

/// In a child run: which part of the test to play (`None` in the parent).
pub fn role() -> Option<String> {
    std::env::var(ROLE).ok()
}

/// In a child run: the directory the parent shares.
pub fn scratch() -> PathBuf {
    std::env::var_os(SCRATCH)
        .expect("run by Lan::run_test or spawn_test")
        .into()
}
