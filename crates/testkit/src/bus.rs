//! Tests that need a D-Bus session bus of their own (a notification
//! server, a Secret Service, or none at all). The bus address is
//! process-wide, so such a test runs itself again as a child process
//! inside `dbus-run-session`, after a shell command has started the
//! services it needs; the parent checks that the child ran exactly that
//! one test and that it passed (a name that matches nothing — a renamed
//! function — runs no test, and must not pass). The bus activates nothing
//! by itself (no service directories), so a test sees exactly the
//! services it started, whatever the machine has installed.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Marks the child run.
const CHILD: &str = "KINBOARD_PRIVATE_BUS_CHILD";
/// A scratch directory the parent made for the child (logs, keyrings).
const SCRATCH: &str = "KINBOARD_PRIVATE_BUS_SCRATCH";

/// A session bus like the system's default, minus service activation.
const BUS_CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

/// In the child: the scratch directory. In the parent: runs `test` (its
/// full path, as the test binary names it) as a child on a private bus,
/// after `setup` (a shell command run with `$KINBOARD_PRIVATE_BUS_SCRATCH`
/// set; may be empty), asserts it ran alone and passed, and returns `None`.
pub fn in_child_on_private_bus(test: &str, setup: &str) -> Option<PathBuf> {
    if std::env::var_os(CHILD).is_some() {
        return Some(std::env::var_os(SCRATCH).expect("scratch directory").into());
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("session.conf");
    std::fs::write(&config, BUS_CONFIG).unwrap();
    let exe = std::env::current_exe().unwrap();
    let script = format!(
        "{setup}\n'{exe}' --exact {test} --test-threads=1 --nocapture",
        exe = exe.display()
    );
    let out = Command::new("dbus-run-session")
        .arg("--config-file")
        .arg(&config)
        .args(["--", "sh", "-c", &script])
        .env(CHILD, "1")
        .env(SCRATCH, dir.path())
        .output()
        .expect("dbus-run-session (Debian: dbus) is installed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Shown whether or not it passed (on stderr, which the test harness
    // captures): the child's story is the test's.
    eprint!("{stdout}{stderr}");
    assert!(
        out.status.success(),
        "the run on a private bus failed: {}",
        out.status
    );
    assert!(
        ran_exactly_one(&stdout),
        "the child ran no test named {test} (or more than one): renamed?"
    );
    None
}

/// Whether libtest's summary says one test ran and passed.
pub fn ran_exactly_one(stdout: &str) -> bool {
    stdout.lines().any(|l| l.trim() == "running 1 test")
        && stdout
            .lines()
            .any(|l| l.starts_with("test result: ok. 1 passed; 0 failed"))
}

/// A shell command that waits (up to 10 s) until `name` is owned on the
/// session bus.
pub fn wait_for_name(name: &str) -> String {
    format!(
        "for _ in $(seq 100); do \
           dbus-send --session --dest=org.freedesktop.DBus --print-reply /org/freedesktop/DBus \
             org.freedesktop.DBus.NameHasOwner string:{name} 2>/dev/null \
             | grep -q 'boolean true' && break; sleep 0.1; done"
    )
}

/// Starts python-dbusmock's notification daemon with `capabilities`,
/// logging every call to `$SCRATCH/notify.log`.
pub fn notification_daemon(capabilities: &str) -> String {
    format!(
        "py=/usr/bin/python3; [ -x $py ] || py=python3; \
         $py -m dbusmock --template notification_daemon \
           -p '{{\"capabilities\": \"{capabilities}\"}}' -l \"$KINBOARD_PRIVATE_BUS_SCRATCH/notify.log\" \
           >/dev/null 2>&1 &\n{}",
        wait_for_name("org.freedesktop.Notifications")
    )
}

/// The mock notification daemon's log in the child's scratch directory.
pub fn notify_log(scratch: &Path) -> PathBuf {
    scratch.join("notify.log")
}

#[cfg(test)]
mod tests {
    use super::ran_exactly_one;

    #[test]
    fn only_one_passed_test_counts() {
        let one = "\nrunning 1 test\ntest a::b ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 9 filtered out; finished in 0.01s\n";
        assert!(ran_exactly_one(one));
        let none = "\nrunning 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 10 filtered out; finished in 0.00s\n";
        assert!(!ran_exactly_one(none), "a name that matches nothing");
        let two = "\nrunning 2 tests\ntest result: ok. 2 passed; 0 failed; 0 ignored\n";
        assert!(!ran_exactly_one(two));
    }
}
