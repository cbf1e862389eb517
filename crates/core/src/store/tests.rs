//! The revision rules, events out of order, gaps, snapshots racing with
//! events, and reloads that cannot settle what was heard before them.

use kinboard_api::events::{
    ChoreCompleted, ChoreDecided, ChoreUndone, RewardApproved, RewardChanged, RewardRedeemed,
    RewardRejected, RewardRemoved, RewardUndone, StarsUpdated, TimerCancelled, TimerChanged,
    TimerCompleted,
};
use kinboard_api::{CompletionStatus, TimerState};
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
fn stars_set_the_balance_and_the_weeks_stars_the_server_counted() {
    let mut s = Store::new();
    s.apply_snapshot(snapshot(1));
    let stars = |revision, new_balance, weekly_stars| {
        Versioned::from(FamilyEvent::StarsUpdated(StarsUpdated {
            member_id: "m_1".into(),
            new_balance,
            weekly_stars,
            revision,
        }))
    };
    s.offer(stars(2, 13, Some(7)));
    // A reward spent: the balance drops, the week's earnings stay.
    s.offer(stars(3, 8, Some(7)));
    let ada = &s.members()[0];
    assert_eq!((ada.balance, ada.weekly_stars), (8, 7));
    // A server that does not say: the week moves with the balance.
    s.offer(stars(4, 10, None));
    assert_eq!(s.members()[0].weekly_stars, 9);
    s.start_week(1000 + 7 * 86_400_000);
    assert_eq!(s.members()[0].weekly_stars, 0);
    assert_eq!(s.members()[0].balance, 10);
}

fn completed(id: &str, by: &str, at: i64, status: CompletionStatus, revision: i64) -> FamilyEvent {
    FamilyEvent::ChoreCompleted(ChoreCompleted {
        chore_id: "c_1".into(),
        completed_by: by.into(),
        completed_at: at,
        completion_id: id.into(),
        status,
        day: "2026-01-07".into(),
        revision,
    })
}

fn completion_ids(s: &Store) -> Vec<(&str, &str, CompletionStatus)> {
    s.completions()
        .iter()
        .map(|c| (c.id.as_str(), c.member_id.as_str(), c.status))
        .collect()
}

#[test]
fn each_childs_completion_is_kept_with_its_day_and_status() {
    let mut s = Store::new();
    s.apply_snapshot(snapshot(1));
    s.offer(completed("cmp_1", "m_2", 7_000, CompletionStatus::Approved, 2).into());
    s.offer(completed("cmp_2", "m_1", 8_000, CompletionStatus::Pending, 3).into());
    assert_eq!(
        completion_ids(&s),
        [
            ("cmp_1", "m_2", CompletionStatus::Approved),
            ("cmp_2", "m_1", CompletionStatus::Pending)
        ]
    );
    assert_eq!(s.completions()[0].day, "2026-01-07");
    assert_eq!(s.completions()[0].completed_at, 7_000);
}

#[test]
fn approving_rejecting_and_undoing_move_a_completion() {
    let mut s = Store::new();
    s.apply_snapshot(snapshot(1));
    s.offer(completed("cmp_1", "m_1", 7_000, CompletionStatus::Pending, 2).into());
    s.offer(completed("cmp_2", "m_2", 8_000, CompletionStatus::Pending, 3).into());
    s.offer(completed("cmp_3", "m_2", 9_000, CompletionStatus::Approved, 4).into());
    let decided = |id: &str, revision| ChoreDecided {
        completion_id: id.into(),
        chore_id: "c_1".into(),
        member_id: "m_1".into(),
        revision,
    };
    s.offer(FamilyEvent::ChoreApproved(decided("cmp_1", 5)).into());
    s.offer(FamilyEvent::ChoreRejected(decided("cmp_2", 6)).into());
    s.offer(
        FamilyEvent::ChoreUndone(ChoreUndone {
            completion_id: "cmp_3".into(),
            chore_id: "c_1".into(),
            member_id: "m_2".into(),
            new_balance: 0,
            last_completion: None,
            revision: 7,
        })
        .into(),
    );
    assert_eq!(s.revision(), 7);
    assert_eq!(
        completion_ids(&s),
        [("cmp_1", "m_1", CompletionStatus::Approved)]
    );
}

#[test]
fn the_catalogue_and_this_weeks_redemptions_follow_their_events() {
    let mut s = Store::new();
    s.apply_snapshot(snapshot(1));
    let reward = |title: &str, cost| kinboard_api::Reward {
        id: "r_1".into(),
        family_id: "f_1".into(),
        title: title.into(),
        cost,
        weekly_limit: Some(2),
        created_at: 1_500,
        updated_at: 1_500,
    };
    s.offer(
        FamilyEvent::RewardAdded(RewardChanged {
            reward: reward("Ice cream", 5),
            revision: 2,
        })
        .into(),
    );
    s.offer(
        FamilyEvent::RewardUpdated(RewardChanged {
            reward: reward("Big ice cream", 8),
            revision: 3,
        })
        .into(),
    );
    assert_eq!(
        s.rewards()
            .iter()
            .map(|r| (r.title.as_str(), r.cost))
            .collect::<Vec<_>>(),
        [("Big ice cream", 8)]
    );
    let redeemed = |id: &str, at, revision| {
        FamilyEvent::RewardRedeemed(RewardRedeemed {
            redemption: kinboard_api::Redemption {
                id: id.into(),
                reward_id: "r_1".into(),
                member_id: "m_1".into(),
                title: "Big ice cream".into(),
                cost: 8,
                status: CompletionStatus::Approved,
                star_entry_id: Some(format!("e_{id}")),
                created_at: at,
            },
            revision,
        })
    };
    s.offer(redeemed("x_1", 2_000, 4).into());
    s.offer(redeemed("x_2", 3_000, 5).into());
    s.offer(
        FamilyEvent::RewardUndone(RewardUndone {
            redemption_id: "x_1".into(),
            reward_id: "r_1".into(),
            member_id: "m_1".into(),
            revision: 6,
        })
        .into(),
    );
    assert_eq!(
        s.redemptions()
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ["x_2"]
    );
    // One waiting for a parent, approved, then one rejected.
    let mut asked = match redeemed("x_3", 3_500, 7) {
        FamilyEvent::RewardRedeemed(e) => e,
        _ => unreachable!(),
    };
    asked.redemption.status = CompletionStatus::Pending;
    asked.redemption.star_entry_id = None;
    s.offer(FamilyEvent::RewardRedeemed(asked.clone()).into());
    let mut approved = asked.redemption.clone();
    approved.status = CompletionStatus::Approved;
    approved.star_entry_id = Some("e_x_3".into());
    s.offer(
        FamilyEvent::RewardApproved(RewardApproved {
            redemption: approved,
            revision: 8,
        })
        .into(),
    );
    assert_eq!(
        s.redemptions()
            .iter()
            .map(|r| (r.id.as_str(), r.status))
            .collect::<Vec<_>>(),
        [
            ("x_2", CompletionStatus::Approved),
            ("x_3", CompletionStatus::Approved)
        ]
    );
    let mut waits = asked.redemption;
    waits.id = "x_4".into();
    s.offer(
        FamilyEvent::RewardRedeemed(RewardRedeemed {
            redemption: waits,
            revision: 9,
        })
        .into(),
    );
    // A new week: last week's spent ones no longer count against limits;
    // what waits for a parent waits on.
    s.start_week(1000 + 7 * 86_400_000);
    assert_eq!(
        s.redemptions()
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ["x_4"]
    );
    s.offer(
        FamilyEvent::RewardRejected(RewardRejected {
            redemption_id: "x_4".into(),
            reward_id: "r_1".into(),
            member_id: "m_1".into(),
            revision: 10,
        })
        .into(),
    );
    assert!(s.redemptions().is_empty());
    s.offer(
        FamilyEvent::RewardRemoved(RewardRemoved {
            reward_id: "r_1".into(),
            revision: 11,
        })
        .into(),
    );
    assert!(s.rewards().is_empty());
    assert_eq!(s.revision(), 11);
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
fn the_first_events_parse() {
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
            r#"{"memberId":"m_1","newBalance":4,"weeklyStars":4,"revision":7}"#.to_owned(),
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

/// A settings event from its name and payload, as the channel carries it.
fn event(name: &str, data: serde_json::Value) -> Versioned {
    Versioned::from_event(name, &data.to_string()).expect("a revision")
}

#[test]
fn settings_events_keep_what_the_settings_show() {
    let mut store = Store::new();
    store.apply_snapshot(snapshot(7));
    let member = |name: &str, balance: i64| json!({"id": "m_1", "familyId": "fam_1", "name": name, "color": "#17bebb", "balance": balance, "createdAt": 1});
    let events = [
        event(
            "member:updated",
            json!({"member": member("Adá", 10), "revision": 8}),
        ),
        event(
            "member:added",
            json!({"member": {"id": "m_3", "familyId": "fam_1", "name": "Cy",
            "color": "#ffc914", "balance": 0, "createdAt": 9}, "revision": 9}),
        ),
        event(
            "template:added",
            json!({"template": {"id": "tp_2", "familyId": "fam_1", "label": "Piano",
            "durationMs": 900_000, "stars": 2, "createdAt": 2, "updatedAt": 2}, "revision": 10}),
        ),
        event(
            "template:removed",
            json!({"templateId": "tp_1", "revision": 11}),
        ),
        event(
            "chore:updated",
            json!({"chore": {"id": "c_1", "familyId": "fam_1", "title": "Feed the dog",
            "stars": 2, "memberId": null, "lastCompletedAt": null, "lastCompletedBy": null,
            "createdAt": 1, "updatedAt": 3}, "revision": 12}),
        ),
        event(
            "parent:added",
            json!({"parent": {"id": "u_2", "name": "Ben", "joinedAt": 4}, "revision": 13}),
        ),
        event(
            "kiosk:added",
            json!({"kiosk": {"id": "k_1", "familyId": "fam_1", "name": "Kitchen",
            "createdAt": 5, "revokedAt": null, "lastSeenAt": null}, "revision": 14}),
        ),
        event(
            "invite:created",
            json!({"invite": {"id": "i_1", "createdBy": "u_2", "createdAt": 6,
            "expiresAt": 7}, "revision": 15}),
        ),
        event(
            "family:updated",
            json!({"family": {"id": "fam_1", "name": "The Parkers", "timeZone": "Europe/London",
            "hasPin": true, "revision": 16, "createdAt": 1}, "revision": 16}),
        ),
        event("member:removed", json!({"memberId": "m_2", "revision": 17})),
    ];
    for e in events {
        assert!(matches!(store.offer(e), Offer::Applied(0)));
    }
    assert_eq!(store.revision(), 17);
    let members: Vec<(&str, &str, i64)> = store
        .members()
        .iter()
        .map(|m| (m.id.as_str(), m.name.as_str(), m.weekly_stars))
        .collect();
    // A renamed child keeps this week's stars; the new one has none yet.
    assert_eq!(members, [("m_1", "Adá", 4), ("m_3", "Cy", 0)]);
    assert_eq!(
        store
            .templates()
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>(),
        ["tp_2"]
    );
    assert_eq!(store.chores()[0].title, "Feed the dog");
    assert_eq!(store.chores()[0].member_id, None);
    assert_eq!(store.parents()[0].name, "Ben");
    assert_eq!(store.kiosks()[0].name, "Kitchen");
    assert_eq!(store.invites()[0].id, "i_1");
    let family = store.family().unwrap();
    assert_eq!(
        (family.name.as_str(), family.has_pin),
        ("The Parkers", true)
    );
    assert!(!store.needs_snapshot(), "nothing here needs the server");
    assert!(!store.take_access_changed());

    for e in [
        event("invite:closed", json!({"inviteId": "i_1", "revision": 18})),
        event("chore:removed", json!({"choreId": "c_1", "revision": 19})),
        event("kiosk:revoked", json!({"kioskId": "k_1", "revision": 20})),
    ] {
        store.offer(e);
    }
    assert!(store.invites().is_empty() && store.chores().is_empty() && store.kiosks().is_empty());
    // Someone's access ended: maybe this device's, which a reload tells.
    assert!(store.take_access_changed());
    assert!(!store.take_access_changed());
    store.offer(event(
        "parent:removed",
        json!({"userId": "u_2", "revision": 21}),
    ));
    assert!(store.parents().is_empty());
    assert!(store.take_access_changed());
}

#[test]
fn a_family_moved_to_another_zone_reloads_its_weekly_stars() {
    let mut store = Store::new();
    store.apply_snapshot(snapshot(7));
    store.offer(event(
        "family:updated",
        json!({"family": {"id": "fam_1", "name": "Parkers",
        "timeZone": "Asia/Tokyo", "hasPin": false, "revision": 8, "createdAt": 1}, "revision": 8}),
    ));
    assert_eq!(store.family().unwrap().time_zone, "Asia/Tokyo");
    assert!(store.needs_snapshot());
}

#[test]
fn a_child_or_reward_taken_away_takes_what_waited_for_it() {
    let mut s = Store::new();
    s.apply_snapshot(snapshot(1));
    s.offer(completed("cmp_1", "m_2", 7_000, CompletionStatus::Pending, 2).into());
    let asked = |id: &str, member: &str, revision| {
        FamilyEvent::RewardRedeemed(RewardRedeemed {
            redemption: kinboard_api::Redemption {
                id: id.into(),
                reward_id: "r_1".into(),
                member_id: member.into(),
                title: "Ice cream".into(),
                cost: 3,
                status: CompletionStatus::Pending,
                star_entry_id: None,
                created_at: 7_000,
            },
            revision,
        })
    };
    s.offer(asked("x_1", "m_2", 3).into());
    s.offer(asked("x_2", "m_1", 4).into());
    s.offer(
        FamilyEvent::MemberRemoved(kinboard_api::events::MemberRemoved {
            member_id: "m_2".into(),
            revision: 5,
        })
        .into(),
    );
    assert!(s.completions().is_empty());
    assert_eq!(
        s.redemptions()
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ["x_2"]
    );
    s.offer(
        FamilyEvent::RewardRemoved(RewardRemoved {
            reward_id: "r_1".into(),
            revision: 6,
        })
        .into(),
    );
    assert!(s.redemptions().is_empty());
}

#[test]
fn a_resync_past_the_state_reloads_it_and_one_already_seen_does_not() {
    let mut store = Store::new();
    store.apply_snapshot(snapshot(5));
    let resync = |revision| {
        Versioned::from(FamilyEvent::FamilyResync(
            kinboard_api::events::FamilyResync { revision },
        ))
    };
    assert_eq!(store.offer(resync(5)), Offer::Stale);
    assert!(
        !store.needs_snapshot(),
        "nothing was lost that this state lacks"
    );
    assert_eq!(store.offer(resync(7)), Offer::Stale);
    assert!(store.needs_snapshot(), "events up to 7 were lost: reload");
    assert_eq!(store.revision(), 5, "a resync changes nothing itself");
}
