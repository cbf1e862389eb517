//! The sync rules on virtual time: every input carries the moment it
//! happened, so waiting windows are asserted to the millisecond and
//! nothing here sleeps.

use std::time::{Duration, Instant};

use kinboard_api::events::{TimerCancelled, TimerChanged};
use kinboard_api::{FamilyEvent, Timer, TimerState};

use super::*;
use crate::store::tests::{snapshot, timer};

/// 2026-01-07 12:00:00 UTC, a Wednesday.
const WED_NOON: i64 = 1_767_787_200_000;

struct Clock {
    start: Instant,
    offset_ms: i64,
}

impl Clock {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            offset_ms: 0,
        }
    }

    /// `ms` after the start.
    fn at(&self, ms: u64) -> Now {
        Now {
            instant: self.start + Duration::from_millis(ms),
            local_ms: WED_NOON + i64::try_from(ms).unwrap(),
            server_offset_ms: self.offset_ms,
        }
    }

    fn ms(&self, instant: Instant) -> u64 {
        u64::try_from(instant.duration_since(self.start).as_millis()).unwrap()
    }
}

fn family() -> FamilyState {
    FamilyState {
        id: "fam_1".into(),
        name: "Parkers".into(),
        time_zone: "UTC".into(),
        has_pin: false,
        chore_approval: kinboard_api::ChoreApproval::Auto,
        pin_locked_until: None,
        pin_locked_on: None,
        night: None,
    }
}

fn engine() -> SyncEngine {
    SyncEngine::new(family(), Role::Parent, EngineConfig::default())
}

fn outputs(e: &mut SyncEngine) -> Vec<Output> {
    std::iter::from_fn(|| e.poll_output()).collect()
}

fn started(revision: i64, id: &str, ends_at: i64) -> (String, String) {
    let event = FamilyEvent::TimerStarted(TimerChanged {
        timer: timer(id, TimerState::Running, Some(ends_at)),
        revision,
    });
    (event.name().to_owned(), event.data())
}

/// Events as a reply lists them.
fn known(events: Vec<FamilyEvent>) -> Vec<kinboard_api::ReplyEvent> {
    events
        .into_iter()
        .map(kinboard_api::ReplyEvent::Known)
        .collect()
}

fn send(e: &mut SyncEngine, now: Now, (name, data): (String, String)) {
    e.handle_event(now, &name, &data);
}

/// Connected, subscribed and loaded at revision `revision`, 10 ms in.
fn live(c: &Clock, revision: i64) -> SyncEngine {
    let mut e = engine();
    e.handle_connection(c.at(0), State::Connected);
    e.handle_subscribed(c.at(1));
    assert_eq!(outputs(&mut e), [Output::FetchSnapshot]);
    e.handle_snapshot(c.at(10), Ok(snapshot(revision)));
    assert!(outputs(&mut e).is_empty());
    assert_eq!(e.view().connection.state, ConnectionStatus::Live);
    e
}

fn timer_ids(e: &SyncEngine) -> Vec<&str> {
    e.view().timers.iter().map(|t| t.id.as_str()).collect()
}

#[test]
fn a_subscription_loads_the_snapshot_and_then_applies_events() {
    let c = Clock::new();
    let mut e = engine();
    assert_eq!(e.view().connection.state, ConnectionStatus::Reconnecting);
    e.handle_connection(c.at(0), State::Connected);
    assert!(
        outputs(&mut e).is_empty(),
        "nothing before the channel is subscribed"
    );
    e.handle_subscribed(c.at(5));
    assert_eq!(outputs(&mut e), [Output::FetchSnapshot]);
    assert_eq!(
        e.poll_view().unwrap().connection.state,
        ConnectionStatus::Reconnecting
    );
    e.handle_snapshot(c.at(20), Ok(snapshot(5)));
    let view = e.poll_view().expect("a new view");
    assert_eq!(
        (view.revision, view.connection.state),
        (5, ConnectionStatus::Live)
    );
    assert_eq!(view.connection.last_synced_at, Some(c.at(20).local_ms));
    send(&mut e, c.at(30), started(6, "t1", WED_NOON + 60_000));
    assert_eq!(timer_ids(&e), ["t1"]);
    assert!(e.poll_view().is_some());
    // A stale duplicate changes nothing, not even the view.
    send(&mut e, c.at(31), started(6, "t1", WED_NOON + 60_000));
    assert!(e.poll_view().is_none());
    assert!(outputs(&mut e).is_empty());
}

#[test]
fn a_gap_waits_exactly_the_gap_wait_then_reloads() {
    let c = Clock::new();
    let mut e = live(&c, 5);
    send(&mut e, c.at(100), started(7, "t2", WED_NOON + 60_000));
    assert!(outputs(&mut e).is_empty());
    assert_eq!(e.poll_timeout().map(|t| c.ms(t)), Some(400));
    e.handle_timeout(c.at(399));
    assert!(outputs(&mut e).is_empty(), "not yet");
    e.handle_timeout(c.at(400));
    assert_eq!(outputs(&mut e), [Output::FetchSnapshot]);
    // While the reload is out, no other gap timer runs.
    assert_ne!(e.poll_timeout().map(|t| c.ms(t)), Some(700));
}

#[test]
fn the_missing_event_in_time_closes_the_gap_without_a_reload() {
    let c = Clock::new();
    let mut e = live(&c, 5);
    send(&mut e, c.at(100), started(7, "t2", WED_NOON + 60_000));
    send(&mut e, c.at(150), started(6, "t1", WED_NOON + 60_000));
    assert_eq!(timer_ids(&e), ["t1", "t2"]);
    assert_eq!(e.view().revision, 7);
    e.handle_timeout(c.at(400));
    assert!(outputs(&mut e).is_empty());
}

#[test]
fn a_reload_that_cannot_settle_the_gap_closes_it_instead_of_reloading_forever() {
    let c = Clock::new();
    let mut e = live(&c, 5);
    // Heard of revision 8, but 6 and 7 never come; the server's snapshot
    // (taken after the reload was sent) is at 6: revision 8 was bogus.
    send(&mut e, c.at(100), started(8, "t3", WED_NOON + 60_000));
    e.handle_timeout(c.at(400));
    assert_eq!(outputs(&mut e), [Output::FetchSnapshot]);
    e.handle_snapshot(c.at(420), Ok(snapshot(6)));
    assert_eq!(e.view().revision, 6);
    assert!(!e.store().has_gap());
    e.handle_timeout(c.at(2_000));
    assert!(outputs(&mut e).is_empty(), "no reload loop");
    // What comes after still applies.
    send(&mut e, c.at(2_100), started(7, "t4", WED_NOON + 60_000));
    assert_eq!(e.view().revision, 7);
}

#[test]
fn a_snapshot_older_than_the_state_replaces_it_when_the_server_went_back() {
    let c = Clock::new();
    let mut e = live(&c, 9);
    send(&mut e, c.at(100), started(10, "t1", WED_NOON + 60_000));
    e.handle_refresh(c.at(200), 1);
    assert_eq!(outputs(&mut e), [Output::FetchSnapshot]);
    // A database restored from a backup is at revision 4.
    e.handle_snapshot(c.at(230), Ok(snapshot(4)));
    assert_eq!(e.view().revision, 4);
    assert!(timer_ids(&e).is_empty());
    assert_eq!(
        outputs(&mut e),
        [Output::Answer {
            waiter: 1,
            result: Ok(())
        }]
    );
}

#[test]
fn one_reload_at_a_time_and_a_refresh_is_answered_by_one_sent_after_it() {
    let c = Clock::new();
    let mut e = live(&c, 5);
    e.handle_refresh(c.at(100), 1);
    assert_eq!(outputs(&mut e), [Output::FetchSnapshot]);
    // Pressed again while the first is out: it waits for a second reload.
    e.handle_refresh(c.at(110), 2);
    assert!(outputs(&mut e).is_empty());
    e.handle_snapshot(c.at(150), Ok(snapshot(5)));
    assert_eq!(
        outputs(&mut e),
        [
            Output::Answer {
                waiter: 1,
                result: Ok(())
            },
            Output::FetchSnapshot
        ]
    );
    e.handle_snapshot(c.at(180), Ok(snapshot(6)));
    assert_eq!(
        outputs(&mut e),
        [Output::Answer {
            waiter: 2,
            result: Ok(())
        }]
    );
    assert_eq!(e.view().revision, 6);
}

#[test]
fn a_failed_reload_is_retried_with_a_backoff_while_subscribed() {
    let c = Clock::new();
    let mut e = engine();
    e.handle_connection(c.at(0), State::Connected);
    e.handle_subscribed(c.at(0));
    assert_eq!(outputs(&mut e), [Output::FetchSnapshot]);
    e.handle_snapshot(c.at(10), Err(CoreError::Network("reset".into())));
    assert_eq!(
        e.view().last_error.as_ref().map(|l| l.code),
        Some(ErrorCode::Network)
    );
    assert_eq!(e.poll_timeout().map(|t| c.ms(t)), Some(510));
    e.handle_timeout(c.at(510));
    assert_eq!(outputs(&mut e), [Output::FetchSnapshot]);
    e.handle_snapshot(c.at(520), Err(CoreError::Timeout));
    assert_eq!(e.poll_timeout().map(|t| c.ms(t)), Some(1_520), "doubled");
    e.handle_timeout(c.at(1_520));
    assert_eq!(outputs(&mut e), [Output::FetchSnapshot]);
    e.handle_snapshot(c.at(1_530), Ok(snapshot(3)));
    assert_eq!(e.view().connection.state, ConnectionStatus::Live);
    assert_eq!(e.view().last_error, None);
    assert!(
        e.poll_timeout().is_some_and(|t| c.ms(t) > 3_600_000),
        "no retry left, only the next midnight"
    );
    // A refused session is not retried: the banner asks for a sign-in.
    let mut e = engine();
    e.handle_connection(c.at(0), State::Connected);
    e.handle_subscribed(c.at(0));
    outputs(&mut e);
    e.handle_snapshot(
        c.at(10),
        Err(CoreError::Api {
            status: 401,
            code: ErrorCode::Unauthorized,
            message: "signed out".into(),
            retry_after: None,
        }),
    );
    e.handle_timeout(c.at(60_000));
    assert!(outputs(&mut e).is_empty());
}

#[test]
fn a_failed_channel_is_asked_again_with_a_backoff_unless_refused() {
    let c = Clock::new();
    let mut e = engine();
    e.handle_connection(c.at(0), State::Connected);
    let passing = || SubscriptionRefusal {
        status: Some(503),
        message: "busy".into(),
    };
    e.handle_subscription_failed(c.at(0), passing());
    assert_eq!(
        e.view().last_error.as_ref().map(|l| l.code),
        Some(ErrorCode::Network)
    );
    e.handle_timeout(c.at(499));
    assert!(outputs(&mut e).is_empty());
    e.handle_timeout(c.at(500));
    assert_eq!(outputs(&mut e), [Output::Resubscribe]);
    e.handle_subscription_failed(c.at(520), passing());
    e.handle_timeout(c.at(1_519));
    assert!(outputs(&mut e).is_empty());
    e.handle_timeout(c.at(1_520));
    assert_eq!(outputs(&mut e), [Output::Resubscribe]);
    // Subscribed at last: the backoff starts over next time.
    e.handle_subscribed(c.at(1_600));
    assert_eq!(outputs(&mut e), [Output::FetchSnapshot]);
    e.handle_subscription_failed(c.at(2_000), passing());
    assert_eq!(e.poll_timeout().map(|t| c.ms(t)), Some(2_500));

    // 401 and 403 are final: no loop, only Refresh asks again.
    let mut e = engine();
    e.handle_connection(c.at(0), State::Connected);
    e.handle_subscription_failed(
        c.at(0),
        SubscriptionRefusal {
            status: Some(403),
            message: "not yours".into(),
        },
    );
    assert_eq!(
        e.view().last_error.as_ref().map(|l| l.code),
        Some(ErrorCode::Forbidden)
    );
    e.handle_timeout(c.at(3_600_000));
    assert!(outputs(&mut e).is_empty());
    assert_eq!(e.poll_timeout(), None, "nothing to wake up for");
    e.handle_refresh(c.at(3_600_001), 7);
    assert_eq!(
        outputs(&mut e),
        [Output::Resubscribe, Output::FetchSnapshot]
    );
}

#[test]
fn a_lost_connection_forgets_the_failed_channel_and_refresh_reconnects() {
    let c = Clock::new();
    let mut e = live(&c, 5);
    e.handle_connection(c.at(100), State::Unavailable);
    assert_eq!(e.view().connection.state, ConnectionStatus::Offline);
    e.handle_refresh(c.at(200), 1);
    assert_eq!(outputs(&mut e), [Output::Reconnect, Output::FetchSnapshot]);
    e.handle_snapshot(c.at(250), Ok(snapshot(5)));
    // Loaded, but not subscribed: not live until the channel is back.
    assert_eq!(e.view().connection.state, ConnectionStatus::Offline);
    e.handle_connection(c.at(300), State::Connected);
    e.handle_subscribed(c.at(310));
    assert!(
        outputs(&mut e).contains(&Output::FetchSnapshot),
        "every subscription reloads"
    );
}

#[test]
fn an_unknown_event_reloads_at_once() {
    let c = Clock::new();
    let mut e = live(&c, 5);
    e.handle_event(c.at(100), "calendar:added", r#"{"revision": 6}"#);
    assert_eq!(outputs(&mut e), [Output::FetchSnapshot]);
    // Without a revision there is nothing to order it by: ignored.
    let mut e = live(&c, 5);
    e.handle_event(c.at(100), "calendar:added", r#"{}"#);
    assert!(outputs(&mut e).is_empty());
}

#[test]
fn a_reply_applies_its_events_and_a_no_op_reply_only_says_how_far_the_server_is() {
    let c = Clock::new();
    let mut e = live(&c, 5);
    let t = timer("t1", TimerState::Running, Some(WED_NOON + 60_000));
    e.handle_reply(
        c.at(100),
        known(vec![FamilyEvent::TimerStarted(TimerChanged {
            timer: t,
            revision: 6,
        })]),
        6,
    );
    assert_eq!(timer_ids(&e), ["t1"]);
    // Its broadcast, arriving later, is stale.
    send(&mut e, c.at(120), started(6, "t1", WED_NOON + 60_000));
    assert!(e.poll_view().is_some_and(|v| v.revision == 6));
    assert!(e.poll_view().is_none());
    // A pause that changed nothing (already paused elsewhere, at 7).
    e.handle_reply(c.at(200), Vec::new(), 7);
    assert_eq!(e.view().revision, 6);
    assert!(outputs(&mut e).is_empty());
    e.handle_timeout(c.at(500));
    assert_eq!(
        outputs(&mut e),
        [Output::FetchSnapshot],
        "revision 7 is reloaded"
    );
    // A confirmation's two events apply in one go.
    let mut e = live(&c, 5);
    e.handle_reply(
        c.at(100),
        known(vec![
            FamilyEvent::TimerCancelled(TimerCancelled {
                timer_id: "x".into(),
                revision: 6,
            }),
            FamilyEvent::StarsUpdated(kinboard_api::events::StarsUpdated {
                member_id: "m_1".into(),
                new_balance: 12,
                weekly_stars: Some(2),
                revision: 7,
            }),
        ]),
        7,
    );
    assert_eq!(e.view().revision, 7);
    assert_eq!(e.view().members[0].balance, 12);
    assert!(!e.store().has_gap());
    // An event this version does not know, listed in a reply: ordered by
    // its revision and reloaded for.
    e.handle_reply(
        c.at(200),
        vec![kinboard_api::ReplyEvent::Unknown {
            event: "reward:redeemed".into(),
            data: serde_json::json!({"revision": 8}),
        }],
        8,
    );
    assert_eq!(outputs(&mut e), [Output::FetchSnapshot]);
}

fn running(id: &str, ends_at: i64) -> Timer {
    timer(id, TimerState::Running, Some(ends_at))
}

#[test]
fn a_timer_raises_one_notice_at_its_local_deadline_online_or_not() {
    let mut c = Clock::new();
    // The server's clock is 2 s ahead of ours: endsAt is 2 s sooner here.
    c.offset_ms = 2_000;
    let mut e = live(&c, 5);
    let ends_at = c.at(0).server_ms() + 60_000;
    e.handle_reply(
        c.at(20),
        known(vec![FamilyEvent::TimerStarted(TimerChanged {
            timer: running("t1", ends_at),
            revision: 6,
        })]),
        6,
    );
    assert_eq!(e.poll_timeout().map(|t| c.ms(t)), Some(60_000));
    // The link drops; the deadline still comes.
    e.handle_connection(c.at(30_000), State::Unavailable);
    e.handle_timeout(c.at(59_999));
    assert!(outputs(&mut e).is_empty());
    e.handle_timeout(c.at(60_000));
    match outputs(&mut e).as_slice() {
        [Output::Notify(notice)] => {
            assert_eq!((notice.timer_id.as_str(), notice.ends_at), ("t1", ends_at));
            assert_eq!(notice.member_name.as_deref(), Some("Ada"));
        }
        other => panic!("{other:?}"),
    }
    // The server's own expiry, when it arrives, does not repeat it.
    let mut expired = running("t1", ends_at);
    expired.state = TimerState::Expired;
    e.handle_connection(c.at(61_000), State::Connected);
    e.handle_subscribed(c.at(61_001));
    outputs(&mut e);
    let mut snap = snapshot(7);
    snap.active_timers = vec![expired];
    e.handle_snapshot(c.at(61_010), Ok(snap));
    assert!(outputs(&mut e).is_empty());
}

#[test]
fn midnight_in_the_familys_zone_reopens_todays_chores() {
    let c = Clock::new();
    let mut e = engine();
    e.handle_connection(c.at(0), State::Connected);
    e.handle_subscribed(c.at(0));
    outputs(&mut e);
    let mut snap = snapshot(3);
    snap.family.time_zone = "UTC".into();
    snap.completions = vec![kinboard_api::Completion {
        id: "cmp_1".into(),
        chore_id: snap.chores[0].id.clone(),
        member_id: "m_1".into(),
        completed_at: WED_NOON - 3_600_000,
        day: "2026-01-07".into(),
        status: kinboard_api::CompletionStatus::Approved,
    }];
    e.handle_snapshot(c.at(0), Ok(snap));
    assert_eq!(e.view().chores[0].done.len(), 1, "done this morning");
    // Twelve hours to midnight UTC.
    assert_eq!(e.poll_timeout().map(|t| c.ms(t)), Some(12 * 3_600_000));
    e.handle_timeout(c.at(12 * 3_600_000));
    assert!(e.view().chores[0].done.is_empty(), "a new day");
    assert!(
        e.store().completions().is_empty(),
        "yesterday's are forgotten"
    );
    assert!(outputs(&mut e).is_empty(), "no request needed");
    assert_eq!(
        e.poll_timeout().map(|t| c.ms(t)),
        Some(36 * 3_600_000),
        "the next midnight"
    );
}

#[test]
fn retry_delays_double_to_thirty_seconds() {
    assert_eq!(retry_delay(0), Duration::from_millis(500));
    assert_eq!(retry_delay(1), Duration::from_secs(1));
    assert_eq!(retry_delay(5), Duration::from_secs(16));
    assert_eq!(retry_delay(6), Duration::from_secs(30));
    assert_eq!(retry_delay(40), Duration::from_secs(30));
}

#[test]
fn a_removed_parent_or_revoked_screen_asks_the_server_about_this_device() {
    let c = Clock::new();
    let mut e = live(&c, 5);
    let removed = FamilyEvent::ParentRemoved(kinboard_api::events::ParentRemoved {
        user_id: "u_2".into(),
        revision: 6,
    });
    e.handle_event(c.at(20), removed.name(), &removed.data());
    assert_eq!(outputs(&mut e), [Output::FetchSnapshot]);
    // The server no longer takes this session: the banner says so, and
    // nothing retries (the supervisor ends the session).
    e.handle_snapshot(
        c.at(30),
        Err(CoreError::Api {
            status: 401,
            code: ErrorCode::Unauthorized,
            message: "a valid bearer token is required".into(),
            retry_after: None,
        }),
    );
    assert_eq!(
        e.view().last_error.as_ref().map(|e| e.code),
        Some(ErrorCode::Unauthorized)
    );
    assert!(outputs(&mut e).is_empty());
    e.handle_timeout(c.at(60_000));
    assert!(
        !outputs(&mut e).contains(&Output::FetchSnapshot),
        "a refused session is not asked again"
    );

    // Another parent's removal: the reload comes back, and all is well.
    let mut e = live(&c, 5);
    let revoked = FamilyEvent::KioskRevoked(kinboard_api::events::KioskRevoked {
        kiosk_id: "k_1".into(),
        revision: 6,
    });
    e.handle_event(c.at(40), revoked.name(), &revoked.data());
    assert_eq!(outputs(&mut e), [Output::FetchSnapshot]);
    e.handle_snapshot(c.at(50), Ok(snapshot(6)));
    assert_eq!(e.view().last_error, None);
    assert!(outputs(&mut e).is_empty());
}

/// `chore:completed` for chore c_1 by `member`, with `status`.
fn chore_done(
    revision: i64,
    completion: &str,
    member: &str,
    status: kinboard_api::CompletionStatus,
) -> (String, String) {
    let event = FamilyEvent::ChoreCompleted(kinboard_api::events::ChoreCompleted {
        chore_id: "c_1".into(),
        completed_by: member.into(),
        completed_at: WED_NOON,
        completion_id: completion.into(),
        status,
        day: "2026-01-07".into(),
        revision,
    });
    (event.name().to_owned(), event.data())
}

fn approvals(outputs: &[Output]) -> Vec<&str> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Approval(n) => Some(n.completion_id.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_chore_that_starts_waiting_for_a_parent_is_announced_once_on_a_parents_device() {
    use kinboard_api::CompletionStatus::{Approved, Pending};
    let c = Clock::new();
    // One already waiting when the device starts: not news.
    let mut e = engine();
    e.handle_connection(c.at(0), State::Connected);
    e.handle_subscribed(c.at(1));
    outputs(&mut e);
    let mut snap = snapshot(5);
    snap.completions = vec![kinboard_api::Completion {
        id: "cmp_old".into(),
        chore_id: "c_1".into(),
        member_id: "m_2".into(),
        completed_at: WED_NOON - 86_400_000,
        day: "2026-01-06".into(),
        status: Pending,
    }];
    e.handle_snapshot(c.at(10), Ok(snap));
    assert!(
        approvals(&outputs(&mut e)).is_empty(),
        "waiting before this device watched"
    );

    send(&mut e, c.at(100), chore_done(6, "cmp_1", "m_1", Pending));
    let out = outputs(&mut e);
    assert_eq!(approvals(&out), ["cmp_1"]);
    match &out[0] {
        Output::Approval(n) => {
            assert_eq!(
                (n.chore_label.as_str(), n.member_name.as_deref(), n.stars),
                ("Feed the cat", Some("Ada"), 1)
            );
        }
        other => panic!("{other:?}"),
    }
    // Approved ones, and a reload that still shows it waiting: nothing new.
    send(&mut e, c.at(200), chore_done(7, "cmp_2", "m_2", Approved));
    assert!(approvals(&outputs(&mut e)).is_empty());
    e.handle_refresh(c.at(300), 1);
    outputs(&mut e);
    let mut snap = snapshot(7);
    snap.completions = vec![kinboard_api::Completion {
        id: "cmp_1".into(),
        chore_id: "c_1".into(),
        member_id: "m_1".into(),
        completed_at: WED_NOON,
        day: "2026-01-07".into(),
        status: Pending,
    }];
    e.handle_snapshot(c.at(310), Ok(snap));
    assert!(approvals(&outputs(&mut e)).is_empty(), "announced once");

    // A kitchen screen is never told: it cannot approve.
    let mut k = SyncEngine::new(family(), Role::Kiosk, EngineConfig::default());
    k.handle_connection(c.at(0), State::Connected);
    k.handle_subscribed(c.at(1));
    outputs(&mut k);
    k.handle_snapshot(c.at(10), Ok(snapshot(5)));
    send(&mut k, c.at(100), chore_done(6, "cmp_1", "m_1", Pending));
    assert!(approvals(&outputs(&mut k)).is_empty());
    assert_eq!(k.view().pending.len(), 1, "it shows that it waits");
}

#[test]
fn what_this_devices_own_actions_made_is_marked_as_its_own() {
    use kinboard_api::CompletionStatus::Approved;
    let c = Clock::new();
    let mut e = live(&c, 5);
    // Marked done here: the reply lists its event.
    let (_, data) = chore_done(6, "cmp_here", "m_1", Approved);
    let event = FamilyEvent::parse("chore:completed", &data).unwrap();
    e.handle_reply(c.at(100), known(vec![event]), 6);
    // Marked done on another screen: it comes on the channel.
    send(
        &mut e,
        c.at(200),
        chore_done(7, "cmp_there", "m_2", Approved),
    );
    let done: Vec<(String, bool)> = e.view().chores[0]
        .done
        .iter()
        .map(|d| (d.completion_id.clone(), d.mine))
        .collect();
    assert_eq!(
        done,
        [
            ("cmp_here".to_owned(), true),
            ("cmp_there".to_owned(), false)
        ]
    );
}
