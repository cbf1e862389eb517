//! The OS notification for an expired timer: the core's [`Notifier`],
//! implemented with notify-rust over D-Bus (`org.freedesktop.Notifications`)
//! with urgency critical and no timeout, so the alarm stays until seen.
//! With no notification service the error is logged; the dashboard itself
//! still shows and announces the expired timer.

use kinboard_core::{Notifier, TimerExpired};

/// Notifications from the desktop app.
#[derive(Debug, Clone)]
pub(crate) struct DesktopNotifier {
    app_name: String,
}

impl DesktopNotifier {
    pub(crate) fn new(app_name: impl Into<String>) -> Self {
        Self {
            app_name: app_name.into(),
        }
    }

    /// The notification for `notice` (shown by [`Notifier::timer_expired`]).
    pub(crate) fn notification(&self, notice: &TimerExpired) -> notify_rust::Notification {
        let mut n = notify_rust::Notification::new();
        n.appname(&self.app_name)
            .summary(&summary(notice))
            .body("Time's up! Open Kinboard to confirm or add 5 minutes.")
            .icon("alarm-symbolic")
            .timeout(notify_rust::Timeout::Never);
        #[cfg(all(unix, not(target_os = "macos")))]
        n.urgency(notify_rust::Urgency::Critical)
            .hint(notify_rust::Hint::Category("alarm".into()));
        n
    }
}

/// "Ada: Homework is done", or just the label when the child is unknown.
pub(crate) fn summary(notice: &TimerExpired) -> String {
    match &notice.member_name {
        Some(name) => format!("{name}: {} is done", notice.label),
        None => format!("{} is done", notice.label),
    }
}

impl Notifier for DesktopNotifier {
    fn timer_expired(&self, notice: &TimerExpired) {
        let notification = self.notification(notice);
        let timer = notice.timer_id.clone();
        // A D-Bus round trip: keep it off the async workers.
        tokio::task::spawn_blocking(move || match notification.show() {
            Ok(_) => tracing::info!(%timer, "expiry notification shown"),
            Err(e) => tracing::warn!(%timer, error = %e, "no expiry notification"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(name: Option<&str>) -> TimerExpired {
        TimerExpired {
            timer_id: "t_1".into(),
            label: "Homework".into(),
            member_id: "m_1".into(),
            member_name: name.map(str::to_owned),
            ends_at: 0,
        }
    }

    #[test]
    fn summaries_name_the_child_when_known() {
        assert_eq!(summary(&notice(Some("Ada"))), "Ada: Homework is done");
        assert_eq!(summary(&notice(None)), "Homework is done");
    }

    /// Shows a real notification on a private session bus served by
    /// python-dbusmock's notification daemon, in a child process (the bus
    /// address is process-wide), and checks that the daemon received it
    /// with urgency critical.
    #[test]
    fn expiry_shows_a_critical_notification_on_the_session_bus() {
        if std::env::var_os("KINBOARD_NOTIFY_CHILD").is_some() {
            // The child: the bus and the daemon are up.
            let n = DesktopNotifier::new("Kinboard").notification(&notice(Some("Ada")));
            n.show().expect("the mock daemon answers");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("notify.log");
        let exe = std::env::current_exe().unwrap();
        let script = format!(
            "py=/usr/bin/python3; [ -x $py ] || py=python3; \
             $py -m dbusmock --template notification_daemon -l '{log}' >/dev/null 2>&1 & \
             for _ in $(seq 100); do \
               dbus-send --session --dest=org.freedesktop.DBus --print-reply /org/freedesktop/DBus \
                 org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null \
                 | grep -q 'boolean true' && break; sleep 0.1; done; \
             '{exe}' --exact notifier::tests::expiry_shows_a_critical_notification_on_the_session_bus \
               --test-threads=1",
            log = log.display(),
            exe = exe.display(),
        );
        let status = std::process::Command::new("dbus-run-session")
            .args(["--", "sh", "-c", &script])
            .env("KINBOARD_NOTIFY_CHILD", "1")
            .status()
            .expect("dbus-run-session (Debian: dbus) is installed");
        assert!(status.success(), "child run failed: {status}");
        let logged = std::fs::read_to_string(&log).unwrap();
        let notify = logged
            .lines()
            .find(|l| l.contains("Notify"))
            .unwrap_or_else(|| panic!("no Notify call in {logged:?}"));
        assert!(notify.contains("Ada: Homework is done"), "{notify}");
        // python-dbusmock logs: … [] {"category": "alarm", "urgency": 2} 0
        // (2 = critical; the last field is the timeout, 0 = never expires).
        assert!(notify.contains("\"urgency\": 2"), "not critical: {notify}");
        assert!(notify.trim_end().ends_with(" 0"), "expires: {notify}");
    }
}
