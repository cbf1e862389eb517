//! The revision rules, events out of order, gaps, snapshots racing with
//! events, and reloads that cannot settle what was heard before them.

use kinboard_api::TimerState;
use kinboard_api::events::{
    ChoreCompleted, StarsUpdated, TimerCancelled, TimerChanged, TimerCompleted,
};
use serde_json::json;

use super::*;

pub(crate) fn snapshot(revision: i64) -> Dashboard {
    serde_json::from_value(json!({
        "revision": revision,
        "family": {"id": "fam_1", "name": "Parkers", "timeZone": "Europe/London", "hasPin": false,
                   "revision": revision, "createdAt": 1},
        "members": [
            {"id": "m_1", "familyId": "fam_1", "name": "Ada", "color": "#e4572e", "balance": 10, "createdAt": 1},
            {"id": "m_2", "familyId": "fam_1", "name": "Ben", "color": "#3a86ff", "balance": 3, "createdAt": 2}
        ],
        "templates": [{"id": "tp_1", "familyId": "fam_1", "label": "Reading", "durationMs": 1_200_000, "stars": 1,
                       "createdAt": 1, "updatedAt": 1}],
        "activeTimers": [],
        "chores": [{"id": "c_1", "familyId": "fam_1", "title": "Feed the cat", "stars": 1, "memberId": "m_1",
                    "lastCompletedAt": null, "lastCompletedBy": null, "createdAt": 1, "updatedAt": 1}],
        "weeklyStars": [{"memberId": "m_1", "stars": 4, "weekStart": 1000}, {"memberId": "m_2", "stars": 0, "weekStart": 1000}],
        "serverTime": 5000
    }))
    .unwrap()
}

pub(crate) fn timer(id: &str, state: TimerState, ends_at: Option<i64>) -> Timer {
    Timer {
        id: id.into(),
        family_id: "fam_1".into(),
        member_id: "m_1".into(),
        label: "Homework".into(),
        state,
        duration_ms: 60_000,
        ends_at,
        remaining_ms: if state == TimerState::Paused {
            Some(30_000)
        } else {
            None
        },
        stars: 2,
        template_id: None,
        started_at: 100,
        updated_at: 100,
    }
}

/// `timer:updated` (or started, or expired: the store treats them alike).
pub(crate) fn upsert(revision: i64, timer: Timer) -> Versioned {
    FamilyEvent::TimerUpdated(TimerChanged { timer, revision }).into()
}

fn started(revision: i64, id: &str) -> Versioned {
    FamilyEvent::TimerStarted(TimerChanged {
        timer: timer(id, TimerState::Running, Some(60_000)),
        revision,
    })
    .into()
}

fn ids(store: &Store) -> Vec<&str> {
    store.timers().iter().map(|t| t.id.as_str()).collect()
}

#[test]
fn applies_the_next_revision_and_ignores_old_ones() {
    let mut s = Store::new();
    s.apply_snapshot(snapshot(5));
    assert_eq!(s.offer(started(6, "t1")), Offer::Applied(0));
    assert_eq!(s.revision(), 6);
    assert_eq!(s.offer(started(6, "t1")), Offer::Stale);
    assert_eq!(s.offer(started(3, "t0")), Offer::Stale);
    assert_eq!(ids(&s), ["t1"]);
    assert!(!s.has_gap());
}

#[test]
fn events_out_of_order_wait_for_the_missing_one() {
    let mut s = Store::new();
    s.apply_snapshot(snapshot(5));
    assert_eq!(s.offer(started(8, "t3")), Offer::Buffered);
    assert_eq!(s.offer(started(7, "t2")), Offer::Buffered);
    assert!(s.has_gap());
    assert_eq!(s.revision(), 5);
    assert_eq!(s.offer(started(6, "t1")), Offer::Applied(0));
    assert_eq!(s.revision(), 8);
    assert_eq!(ids(&s), ["t1", "t2", "t3"]);
    assert!(!s.has_gap());
}

#[test]
fn a_later_change_to_the_same_timer_wins_whatever_the_arrival_order() {
    let mut s = Store::new();
    s.apply_snapshot(snapshot(1));
    let mut paused = timer("t1", TimerState::Paused, None);
    paused.remaining_ms = Some(10_000);
    s.offer(upsert(3, paused.clone()));
    s.offer(started(2, "t1"));
    assert_eq!(s.timers(), [paused]);
}

#[test]
fn a_snapshot_settles_a_gap_and_keeps_what_follows_it() {
    let mut s = Store::new();
    s.apply_snapshot(snapshot(5));
    s.offer(started(7, "t2"));
    s.offer(started(9, "t4"));
    assert!(s.has_gap());
    // The reload reflects revision 7 (t2 included) but not 9.
    let mut snap = snapshot(7);
    snap.active_timers = vec![timer("t2", TimerState::Running, Some(60_000))];
    assert!(s.apply_snapshot(snap));
    assert_eq!(s.revision(), 7);
    assert_eq!(s.pending(), 1);
    assert!(s.has_gap());
    s.offer(started(8, "t3"));
    assert_eq!(s.revision(), 9);
    assert_eq!(ids(&s), ["t2", "t3", "t4"]);
}

#[test]
fn a_snapshot_older_than_the_state_is_ignored() {
    let mut s = Store::new();
    s.apply_snapshot(snapshot(5));
    s.offer(started(6, "t1"));
    assert!(!s.apply_snapshot(snapshot(5)));
    assert_eq!(ids(&s), ["t1"]);
    assert_eq!(s.revision(), 6);
}

#[test]
fn a_reload_that_cannot_settle_the_gap_closes_it() {
    let mut s = Store::new();
    s.apply_snapshot(snapshot(5));
    s.offer(started(8, "t3"));
    s.note_revision(9);
    assert!(s.has_gap());
    // The snapshot fetched because of the gap is at 6: revisions 8 and 9,
    // heard of before it was asked for, will never come.
    let mark = s.reload_mark();
    assert!(s.apply_reload(snapshot(6), mark));
    assert_eq!(s.revision(), 6);
    assert_eq!(s.pending(), 0);
    assert!(!s.has_gap(), "no reload every gap wait, forever");
    assert!(ids(&s).is_empty());
    // The next revision applies as usual.
    assert_eq!(s.offer(started(7, "t2")), Offer::Applied(0));
    assert!(!s.has_gap());
}

#[test]
fn a_reload_keeps_what_arrived_while_it_was_in_flight() {
    let mut s = Store::new();
    s.apply_snapshot(snapshot(5));
    s.offer(started(8, "t3"));
    let mark = s.reload_mark();
    // Heard after the request: the snapshot may predate it.
    s.offer(started(10, "t5"));
    let mut snap = snapshot(6);
    snap.active_timers = vec![timer("t1", TimerState::Running, Some(60_000))];
    assert!(s.apply_reload(snap, mark));
    assert_eq!(s.revision(), 6);
    assert_eq!(
        s.pending(),
        1,
        "revision 10 may still be preceded by 7 to 9"
    );
    assert!(s.has_gap());
    for (revision, id) in [(7, "t2"), (8, "t3"), (9, "t4")] {
        s.offer(started(revision, id));
    }
    assert_eq!(s.revision(), 10);
    assert_eq!(ids(&s), ["t1", "t2", "t3", "t4", "t5"]);
    assert!(!s.has_gap());
}

#[test]
fn a_reload_older_than_changes_applied_in_flight_is_ignored() {
    let mut s = Store::new();
    s.apply_snapshot(snapshot(5));
    let mark = s.reload_mark();
    s.offer(started(6, "t1"));
    assert!(!s.apply_reload(snapshot(5), mark));
    assert_eq!(s.revision(), 6);
    assert_eq!(ids(&s), ["t1"]);
    assert!(!s.has_gap());
}

#[test]
fn a_reload_behind_the_state_it_was_asked_from_replaces_it() {
    // The server's database went back (restored from a backup): its
    // snapshot is the truth even though its revision is lower.
    let mut s = Store::new();
    s.apply_snapshot(snapshot(50));
    s.offer(started(51, "t1"));
    s.offer(started(53, "t3"));
    let mark = s.reload_mark();
    let mut snap = snapshot(3);
    snap.active_timers = vec![timer("t0", TimerState::Paused, None)];
    assert!(s.apply_reload(snap, mark));
    assert_eq!(s.revision(), 3);
    assert_eq!(ids(&s), ["t0"]);
    assert_eq!(s.pending(), 0);
    assert!(!s.has_gap());
    assert_eq!(s.offer(started(4, "t4")), Offer::Applied(0));
    assert_eq!(ids(&s), ["t0", "t4"]);
}

#[test]
fn events_before_the_first_snapshot_are_kept_for_it() {
    let mut s = Store::new();
    assert_eq!(s.offer(started(6, "t1")), Offer::Buffered);
    assert_eq!(s.offer(started(4, "old")), Offer::Buffered);
    s.apply_snapshot(snapshot(5));
    assert_eq!(s.revision(), 6);
    assert_eq!(ids(&s), ["t1"]);
    assert_eq!(s.pending(), 0);
}

#[test]
fn a_reply_that_changed_nothing_can_reveal_a_gap() {
    let mut s = Store::new();
    s.apply_snapshot(snapshot(5));
    s.note_revision(5);
    assert!(!s.has_gap());
    s.note_revision(6);
    assert!(s.has_gap());
    s.offer(started(6, "t1"));
    assert!(!s.has_gap());
}

#[test]
fn finished_timers_leave_the_dashboard() {
    let mut s = Store::new();
    s.apply_snapshot(snapshot(1));
    s.offer(started(2, "t1"));
    s.offer(started(3, "t2"));
    s.offer(upsert(4, timer("t1", TimerState::Expired, Some(60_000))));
    assert_eq!(s.timers()[0].state, TimerState::Expired);
    s.offer(
        FamilyEvent::TimerCompleted(TimerCompleted {
            timer: timer("t1", TimerState::Completed, None),
            stars_awarded: 2,
            revision: 5,
        })
        .into(),
    );
    s.offer(
        FamilyEvent::TimerCancelled(TimerCancelled {
            timer_id: "t2".into(),
            revision: 6,
        })
        .into(),
    );
    assert!(s.timers().is_empty());
}

#[test]
fn stars_move_balance_and_weekly_stars_together() {
    let mut s = Store::new();
    s.apply_snapshot(snapshot(1));
    let stars = |revision, new_balance| {
        Versioned::from(FamilyEvent::StarsUpdated(StarsUpdated {
            member_id: "m_1".into(),
            new_balance,
            revision,
        }))
    };
    s.offer(stars(2, 13));
    s.offer(stars(3, 11));
    let ada = &s.members()[0];
    assert_eq!((ada.balance, ada.weekly_stars), (11, 5));
    s.start_week(1000 + 7 * 86_400_000);
    assert_eq!(s.members()[0].weekly_stars, 0);
    assert_eq!(s.members()[0].balance, 11);
}

#[test]
fn chore_completion_records_who_and_when() {
    let mut s = Store::new();
    s.apply_snapshot(snapshot(1));
    s.offer(
        FamilyEvent::ChoreCompleted(ChoreCompleted {
            chore_id: "c_1".into(),
            completed_by: "m_2".into(),
            completed_at: 7_000,
            revision: 2,
        })
        .into(),
    );
    assert_eq!(s.chores()[0].last_completed_at, Some(7_000));
    assert_eq!(s.chores()[0].last_completed_by.as_deref(), Some("m_2"));
}

#[test]
fn an_unknown_event_asks_for_a_reload() {
    let mut s = Store::new();
    s.apply_snapshot(snapshot(1));
    let v = Versioned::from_event("member:added", r#"{"revision":2,"member":{}}"#).unwrap();
    assert_eq!(v.change, Change::Unknown("member:added".into()));
    s.offer(v);
    assert!(s.needs_snapshot());
    s.offer(started(3, "t1"));
    assert_eq!(s.revision(), 1);
    s.apply_snapshot(snapshot(2));
    assert!(!s.needs_snapshot());
    assert_eq!(s.revision(), 3);
}

#[test]
fn all_seven_events_parse() {
    let t = serde_json::to_string(&timer("t1", TimerState::Running, Some(9))).unwrap();
    let cases = [
        ("timer:started", format!(r#"{{"timer":{t},"revision":1}}"#)),
        ("timer:updated", format!(r#"{{"timer":{t},"revision":2}}"#)),
        ("timer:expired", format!(r#"{{"timer":{t},"revision":3}}"#)),
        (
            "timer:cancelled",
            r#"{"timerId":"t1","revision":4}"#.to_owned(),
        ),
        (
            "timer:completed",
            format!(r#"{{"timer":{t},"starsAwarded":2,"revision":5}}"#),
        ),
        (
            "chore:completed",
            r#"{"choreId":"c_1","completedBy":"m_1","completedAt":9,"revision":6}"#.to_owned(),
        ),
        (
            "stars:updated",
            r#"{"memberId":"m_1","newBalance":4,"revision":7}"#.to_owned(),
        ),
    ];
    for (i, (name, data)) in cases.iter().enumerate() {
        let v = Versioned::from_event(name, data).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(v.revision, i as i64 + 1, "{name}");
        assert!(!matches!(v.change, Change::Unknown(_)), "{name}");
    }
    assert!(Versioned::from_event("timer:started", "not json").is_none());
    // Known but unreadable: it still moved the revision; a reload applies it.
    let v = Versioned::from_event("timer:cancelled", r#"{"revision": 8}"#).unwrap();
    assert_eq!(
        (v.revision, v.change),
        (8, Change::Unknown("timer:cancelled".into()))
    );
}
