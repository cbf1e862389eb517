//! The alarm's and the approval notice's text and offer, and the whole
//! path of each against a real D-Bus notification server: python-dbusmock's `notification_daemon` on a
//! private session bus (`dbus-run-session`), real kinboard-server, two
//! kinboard-core devices each with its own [`DesktopNotifier`].
//!
//! Each bus test runs itself again inside `dbus-run-session`
//! ([`kinboard_testkit::bus`]).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use kinboard_core::ConnectionStatus;
use kinboard_system_tests::{Device, DeviceBuilder, Household, TestServer};
use kinboard_testkit::eventually;

use super::*;
use kinboard_testkit::bus::{in_child_on_private_bus, notification_daemon, notify_log};

const WAIT: Duration = Duration::from_secs(20);

fn notice(name: Option<&str>, stars: i64) -> TimerExpired {
    TimerExpired {
        family_id: "f_1".into(),
        timer_id: "t_1".into(),
        label: "Homework".into(),
        member_id: "m_1".into(),
        member_name: name.map(str::to_owned),
        ends_at: 0,
        stars,
    }
}

fn notifier() -> DesktopNotifier {
    DesktopNotifier::new("Kinboard", watch::channel(None).1).0
}

#[test]
fn summaries_name_the_child_when_known() {
    assert_eq!(summary(&notice(Some("Ada"), 2)), "Ada: Homework is done");
    assert_eq!(summary(&notice(None, 2)), "Homework is done");
}

#[test]
fn a_parent_is_offered_confirm_and_more_time_a_kiosk_only_more_time() {
    let n = notifier();
    let parent = n.notification(
        &notice(Some("Ada"), 2),
        Offer {
            actions: true,
            confirm: true,
        },
    );
    assert_eq!(
        parent.actions,
        [
            "default",
            "Show Kinboard",
            "confirm",
            "Confirm (+2 ★)",
            "extend",
            "+5 min"
        ]
    );
    assert_eq!(
        parent.body,
        "Time's up! Confirm it or add 5 minutes. Confirming it gives 2 stars."
    );
    let kiosk = n.notification(
        &notice(Some("Ada"), 1),
        Offer {
            actions: true,
            confirm: false,
        },
    );
    assert_eq!(
        kiosk.actions,
        ["default", "Show Kinboard", "extend", "+5 min"]
    );
    assert!(kiosk.body.contains("parent PIN"), "{}", kiosk.body);
    assert!(kiosk.body.ends_with("gives 1 star."), "{}", kiosk.body);
    // A server without action buttons gets the words only.
    let plain = n.notification(
        &notice(None, 0),
        Offer {
            actions: false,
            confirm: true,
        },
    );
    assert!(plain.actions.is_empty());
    assert_eq!(
        plain.body,
        "Time's up! Open Kinboard to confirm it or add 5 minutes."
    );
}

#[test]
fn choices_map_from_action_keys() {
    assert_eq!(Choice::from_action("default", "t"), Some(Choice::Show));
    assert_eq!(
        Choice::from_action("confirm", "t"),
        Some(Choice::Confirm {
            timer_id: "t".into()
        })
    );
    assert_eq!(
        Choice::from_action("extend", "t"),
        Some(Choice::Extend {
            timer_id: "t".into()
        })
    );
    assert_eq!(Choice::from_action("something-else", "t"), None);
}

/// The `Notify` calls the mock daemon logged, in order; the daemon numbers
/// notifications from 1 in that order.
fn notify_calls(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.split_whitespace().nth(1) == Some("Notify"))
        .map(str::to_owned)
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A device whose expiry notices also go to a [`DesktopNotifier`] named
/// `app_name`, fed with the device's views as the shell feeds it.
async fn device_with_notifier(
    server: &TestServer,
    home: &Household,
    app_name: &str,
) -> (Device, DesktopNotifier, mpsc::UnboundedReceiver<Choice>) {
    let (views_tx, views_rx) = watch::channel(None);
    let (notifier, choices) = DesktopNotifier::new(app_name, views_rx);
    notifier.probe().await;
    assert_eq!(*notifier.status().borrow(), ServiceStatus::Available);
    let device = DeviceBuilder::new(server, home)
        .notifier(Arc::new(notifier.clone()))
        .connect()
        .await;
    let mut views = device.dashboard.view();
    tokio::spawn(async move {
        loop {
            views_tx.send_replace(Some(views.borrow_and_update().clone()));
            if views.changed().await.is_err() {
                return;
            }
        }
    });
    device.live().await;
    (device, notifier, choices)
}

/// Emits `ActionInvoked(id, action)` from the mock daemon, as a person
/// clicking the button would make a real one do.
fn invoke(id: usize, action: &str) {
    let status = Command::new("gdbus")
        .args([
            "call",
            "--session",
            "--dest",
            "org.freedesktop.Notifications",
            "--object-path",
            "/org/freedesktop/Notifications",
            "--method",
            "org.freedesktop.DBus.Mock.EmitSignal",
            "org.freedesktop.Notifications",
            "ActionInvoked",
            "us",
            &format!("[<uint32 {id}>, <'{action}'>]"),
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("gdbus (Debian: libglib2.0-bin) is installed");
    assert!(status.success(), "gdbus call failed: {status}");
}

fn timer_state(device: &Device, id: &str) -> Option<(TimerState, Option<i64>)> {
    device.view().timer(id).map(|t| (t.state, t.ends_at))
}

#[test]
fn alarms_reach_the_notification_server_once_per_device_and_their_actions_reach_the_core() {
    let Some(scratch) = in_child_on_private_bus(
        "notifier::tests::alarms_reach_the_notification_server_once_per_device_and_their_actions_reach_the_core",
        &notification_daemon("body actions"),
    ) else {
        return;
    };
    let log = notify_log(&scratch);
    runtime().block_on(async move {
        let server = TestServer::start().await;
        let home = Household::create(&server, "Notified").await;
        let (a, _a_notifier, mut a_choices) =
            device_with_notifier(&server, &home, "Kinboard A").await;
        let (b, _b_notifier, mut b_choices) =
            device_with_notifier(&server, &home, "Kinboard B").await;
        let (ada, ben, quick) = (&home.members[0], &home.members[1], &home.templates[1]);

        // A two-second timer for Ada runs out: one alarm on each device.
        let first = a
            .dashboard
            .start_timer_from_template(ada, quick)
            .await
            .unwrap();
        eventually("an alarm on each device", WAIT, || async {
            (notify_calls(&log).len() >= 2).then_some(())
        })
        .await;
        // The server's timer:expired reaches both, and a fresh snapshot
        // shows the timer expired once more: neither may alarm again.
        for d in [&a, &b] {
            eventually("the server's expiry", WAIT, || async {
                (timer_state(d, &first.id).map(|s| s.0) == Some(TimerState::Expired)).then_some(())
            })
            .await;
            d.dashboard.refresh().await.unwrap();
        }
        // A second timer, for Ben, as a barrier: once its two alarms are in,
        // any repeat of the first would be too.
        let second = b
            .dashboard
            .start_timer_from_template(ben, quick)
            .await
            .unwrap();
        eventually("the second timer's alarms", WAIT, || async {
            (notify_calls(&log).len() >= 4).then_some(())
        })
        .await;
        let calls = notify_calls(&log);
        assert_eq!(calls.len(), 4, "{calls:#?}");
        let alarm = |device: &str, child: &str| -> usize {
            let matching: Vec<usize> = calls
                .iter()
                .enumerate()
                .filter(|(_, l)| {
                    l.contains(&format!("\"{device}\""))
                        && l.contains(&format!("\"{child}: Quick is done\""))
                })
                .map(|(i, _)| i + 1)
                .collect();
            assert_eq!(
                matching.len(),
                1,
                "{device} alarmed {} times for {child}: {calls:#?}",
                matching.len()
            );
            matching[0]
        };
        let (a_first, b_first, b_second) = (
            alarm("Kinboard A", "Ada"),
            alarm("Kinboard B", "Ada"),
            alarm("Kinboard B", "Ben"),
        );
        alarm("Kinboard A", "Ben");
        let line = &calls[a_first - 1];
        assert!(
            line.contains(
                r#""Time's up! Confirm it or add 5 minutes. Confirming it gives 1 star.""#
            ),
            "{line}"
        );
        assert!(
            line.contains(
                r#"["default", "Show Kinboard", "confirm", "Confirm (+1 ★)", "extend", "+5 min"]"#
            ),
            "{line}"
        );
        assert!(line.contains(r#""urgency": 2"#), "not critical: {line}");
        assert!(
            line.contains(r#""sound-name": "alarm-clock-elapsed""#),
            "no alarm sound: {line}"
        );
        assert!(line.trim_end().ends_with(" 0"), "expires: {line}");

        // "+5 min" pressed on A's alarm for Ada: the choice reaches A, the
        // core extends the timer, both screens show it running again, and
        // B's alarm for it, now out of date, is closed.
        invoke(a_first, "extend");
        let choice = tokio::time::timeout(WAIT, a_choices.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            choice,
            Choice::Extend {
                timer_id: first.id.clone()
            }
        );
        carry_out(&a.dashboard, &choice).await.unwrap();
        for d in [&a, &b] {
            eventually("the extended timer", WAIT, || async {
                match timer_state(d, &first.id) {
                    Some((TimerState::Running, Some(ends)))
                        if ends > first.ends_at.unwrap_or(0) + 60_000 =>
                    {
                        Some(())
                    }
                    _ => None,
                }
            })
            .await;
        }
        let closed = format!("CloseNotification {b_first}");
        eventually("B's stale alarm closed", WAIT, || async {
            std::fs::read_to_string(&log)
                .unwrap()
                .contains(&closed)
                .then_some(())
        })
        .await;

        // "Confirm" on B's alarm for Ben: his star reaches both screens.
        let before = b.view().member(ben).unwrap().balance;
        invoke(b_second, "confirm");
        let choice = tokio::time::timeout(WAIT, b_choices.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            choice,
            Choice::Confirm {
                timer_id: second.id.clone()
            }
        );
        carry_out(&b.dashboard, &choice).await.unwrap();
        for d in [&a, &b] {
            eventually("Ben's star", WAIT, || async {
                let v = d.view();
                (v.member(ben).unwrap().balance == before + 1 && v.timer(&second.id).is_none())
                    .then_some(())
            })
            .await;
        }
        assert!(a_choices.try_recv().is_err() && b_choices.try_recv().is_err());
        assert_eq!(notify_calls(&log).len(), 4, "no alarm after the actions");
        assert_eq!(a.view().connection.state, ConnectionStatus::Live);
    });
}

#[test]
fn without_a_notification_service_the_status_says_so() {
    if in_child_on_private_bus(
        "notifier::tests::without_a_notification_service_the_status_says_so",
        "",
    )
    .is_none()
    {
        return;
    };
    runtime().block_on(async {
        let (notifier, _choices) = DesktopNotifier::new("Kinboard", watch::channel(None).1);
        assert_eq!(*notifier.status().borrow(), ServiceStatus::Unknown);
        notifier.probe().await;
        let status = notifier.status().borrow().clone();
        let ServiceStatus::Unavailable { reason } = status else {
            panic!("a bus without a notification server reads as {status:?}");
        };
        assert!(!reason.is_empty());
        // An alarm on such a desktop fails quietly and keeps saying so.
        let mut status = notifier.status();
        status.mark_unchanged();
        notifier.timer_expired(&notice(Some("Ada"), 1));
        let still = tokio::time::timeout(
            WAIT,
            status.wait_for(|s| matches!(s, ServiceStatus::Unavailable { .. })),
        )
        .await;
        assert!(still.is_ok());
    });
}

#[test]
fn a_chore_waiting_for_a_parent_is_approved_from_its_notification_and_closes_when_decided_elsewhere()
 {
    let Some(scratch) = in_child_on_private_bus(
        "notifier::tests::a_chore_waiting_for_a_parent_is_approved_from_its_notification_and_closes_when_decided_elsewhere",
        &notification_daemon("body actions"),
    ) else {
        return;
    };
    let log = notify_log(&scratch);
    runtime().block_on(async move {
        use kinboard_core::kinboard_api::{ChoreApproval, UpdateFamilyRequest};
        let server = TestServer::start().await;
        let home = Household::create(&server, "Approving").await;
        let api = kinboard_core::ApiClient::new(&server.url()).unwrap();
        api.set_token(Some(home.token.clone()));
        let kiosk_token = api.create_kiosk(&home.family_id, "Kitchen").await.unwrap();
        let (parent, _notifier, mut choices) =
            device_with_notifier(&server, &home, "Kinboard P").await;
        let kitchen = DeviceBuilder::new(&server, &home)
            .kiosk(kiosk_token)
            .connect()
            .await;
        kitchen.live().await;
        parent
            .dashboard
            .update_family(&UpdateFamilyRequest {
                chore_approval: Some(ChoreApproval::Parent),
                ..Default::default()
            })
            .await
            .unwrap();
        let (ada, ben) = (&home.members[0], &home.members[1]);

        // Ada's chore, marked done on the kitchen screen: a notice on the
        // parent's desktop, with Approve and Reject.
        kitchen
            .dashboard
            .complete_chore(&home.chores[0], ada)
            .await
            .unwrap();
        eventually("the approval notice", WAIT, || async {
            (notify_calls(&log).len() == 1).then_some(())
        })
        .await;
        let line = notify_calls(&log).remove(0);
        assert!(line.contains(r#""Ada did “Feed the cat”""#), "{line}");
        assert!(
            line.contains(
                r#"["default", "Show Kinboard", "reject", "Reject", "approve", "Approve (+1 ★)"]"#
            ),
            "{line}"
        );
        let before = parent.view().member(ada).unwrap().balance;
        invoke(1, "approve");
        let choice = tokio::time::timeout(WAIT, choices.recv())
            .await
            .unwrap()
            .unwrap();
        let Choice::Approve { completion_id } = &choice else {
            panic!("{choice:?}");
        };
        assert_eq!(parent.view().pending[0].completion_id, *completion_id);
        carry_out(&parent.dashboard, &choice).await.unwrap();
        for d in [&parent, &kitchen] {
            eventually("Ada's star", WAIT, || async {
                let v = d.view();
                (v.pending.is_empty() && v.member(ada).unwrap().balance == before + 1).then_some(())
            })
            .await;
        }

        // Ben's, rejected on another screen: its notice closes by itself.
        kitchen
            .dashboard
            .complete_chore(&home.chores[1], ben)
            .await
            .unwrap();
        eventually("the second notice", WAIT, || async {
            (notify_calls(&log).len() == 2).then_some(())
        })
        .await;
        let other = DeviceBuilder::new(&server, &home).connect().await;
        other.live().await;
        let waiting = other.view().pending[0].completion_id.clone();
        other
            .dashboard
            .decide_completion(&waiting, false)
            .await
            .unwrap();
        eventually("the stale notice closed", WAIT, || async {
            std::fs::read_to_string(&log)
                .unwrap()
                .contains("CloseNotification 2")
                .then_some(())
        })
        .await;
        assert!(choices.try_recv().is_err());
        assert_eq!(notify_calls(&log).len(), 2, "one notice per completion");
    });
}

#[test]
fn approval_choices_map_from_action_keys() {
    assert_eq!(
        Choice::from_approval_action("approve", "c"),
        Some(Choice::Approve {
            completion_id: "c".into()
        })
    );
    assert_eq!(
        Choice::from_approval_action("reject", "c"),
        Some(Choice::Reject {
            completion_id: "c".into()
        })
    );
    assert_eq!(Choice::from_approval_action("confirm", "c"), None);
    let n = notifier();
    let notice = ApprovalNeeded {
        family_id: "f_1".into(),
        completion_id: "c".into(),
        chore_label: "Dishes".into(),
        member_id: "m".into(),
        member_name: None,
        stars: 0,
    };
    let plain = n.approval_notification(&notice, false);
    assert!(plain.actions.is_empty());
    assert_eq!(plain.summary, "“Dishes” was done");
    assert_eq!(
        plain.body,
        "Marked done on the kitchen screen. Open Kinboard to approve or reject it."
    );
}

#[test]
fn a_notice_of_a_family_not_on_screen_stays_open() {
    let mut view = DashboardView::empty(Role::Parent);
    view.family = Some(kinboard_core::view::FamilyView {
        id: "f_2".into(),
        name: "Riveras".into(),
        time_zone: "UTC".into(),
        has_pin: false,
        chore_approval: kinboard_core::kinboard_api::ChoreApproval::Parent,
        pin_locked_until: None,
        pin_locked_on: None,
        night: None,
    });
    let approval = ApprovalNeeded {
        family_id: "f_1".into(),
        completion_id: "c".into(),
        chore_label: "Dishes".into(),
        member_id: "m".into(),
        member_name: None,
        stars: 1,
    };
    // f_2 on screen: nothing known of f_1's, so both stay.
    assert!(still_waits(Some(&view), &approval));
    assert!(still_due(Some(&view), &notice(None, 1)));
    // f_1 on screen without them: dealt with.
    view.family.as_mut().unwrap().id = "f_1".into();
    assert!(!still_waits(Some(&view), &approval));
    assert!(!still_due(Some(&view), &notice(None, 1)));
}
