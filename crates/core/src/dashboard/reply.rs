//! Turning the reply to this device's own action into store changes, so
//! the action shows at once instead of when its broadcast arrives.
//!
//! Most replies describe exactly the change(s) they caused and the
//! revision(s) those got, so they go through the same revision rules as
//! events (the broadcast of the same change is then stale, or the reply
//! is). Pause, resume, cancel and confirm can change nothing when the
//! timer is already in that state; the reply then carries the family's
//! current revision, which belongs to some other change. Such a reply is
//! taken as a change only when the store is one step behind it (so
//! revision R must be this timer's change) and the timer differs from the
//! store's copy; otherwise it only tells the store how far the server is,
//! and a gap, if any, is filled the usual way.

use crate::api::TimerAction;
use crate::api::wire::{ChoreCompletedReply, StarsReply, Timer, TimerReply};
use crate::store::{Change, Store, Versioned};

/// A reply to an action, as the engine receives it.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    TimerStarted(TimerReply),
    Timer(TimerAction, TimerReply),
    Stars(StarsReply),
    Chore {
        reply: ChoreCompletedReply,
        at_ms: i64,
    },
}

/// The changes a reply stands for, and the revision the server is known
/// to have reached.
pub(crate) fn changes(store: &Store, reply: Reply) -> (Vec<Versioned>, i64) {
    let at = |revision: i64, change: Change| Versioned { revision, change };
    match reply {
        Reply::TimerStarted(TimerReply { timer, revision })
        | Reply::Timer(
            TimerAction::Extend { .. } | TimerAction::Sync,
            TimerReply { timer, revision },
        ) => (vec![at(revision, Change::TimerUpsert(timer))], revision),
        Reply::Timer(action, TimerReply { timer, revision }) => {
            (maybe_no_op(store, action, timer, revision), revision)
        }
        Reply::Stars(StarsReply {
            member_id,
            new_balance,
            revision,
        }) => (
            vec![at(
                revision,
                Change::StarsSet {
                    member_id,
                    new_balance,
                },
            )],
            revision,
        ),
        Reply::Chore { reply, at_ms } => {
            let completed = Change::ChoreCompleted {
                chore_id: reply.chore_id,
                completed_by: reply.completed_by.clone(),
                at_ms,
            };
            let r = reply.revision;
            let list = if reply.stars_awarded > 0 {
                let stars = Change::StarsSet {
                    member_id: reply.completed_by,
                    new_balance: reply.new_balance,
                };
                vec![at(r - 1, completed), at(r, stars)]
            } else {
                vec![at(r, completed)]
            };
            (list, r)
        }
    }
}

fn maybe_no_op(store: &Store, action: TimerAction, timer: Timer, revision: i64) -> Vec<Versioned> {
    let ours = store.timers().iter().find(|t| t.id == timer.id);
    let at = |revision: i64, change: Change| Versioned { revision, change };
    match action {
        TimerAction::Confirm => {
            // A confirmation that awarded stars took two revisions: the
            // completion, then the stars.
            let steps = if timer.stars > 0 { 2 } else { 1 };
            if store.revision() != revision - steps || ours.is_none() {
                return Vec::new();
            }
            let member_id = timer.member_id.clone();
            let stars = timer.stars;
            let mut list = vec![at(revision - steps + 1, Change::TimerCompleted(timer))];
            if steps == 2 {
                list.push(at(
                    revision,
                    Change::StarsDelta {
                        member_id,
                        delta: stars,
                    },
                ));
            }
            list
        }
        TimerAction::Cancel if store.revision() == revision - 1 && ours.is_some() => {
            vec![at(revision, Change::TimerCancelled(timer.id))]
        }
        TimerAction::Pause | TimerAction::Resume
            if store.revision() == revision - 1 && ours.is_some_and(|t| *t != timer) =>
        {
            vec![at(revision, Change::TimerUpsert(timer))]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::wire::TimerState;
    use crate::store::tests::{snapshot, timer};

    fn store_with(revision: i64, timers: Vec<Timer>) -> Store {
        let mut snap = snapshot(revision);
        snap.active_timers = timers;
        let mut s = Store::new();
        s.apply_snapshot(snap);
        s
    }

    fn reply(t: Timer, revision: i64) -> TimerReply {
        TimerReply { timer: t, revision }
    }

    #[test]
    fn a_pause_one_step_ahead_is_applied() {
        let s = store_with(5, vec![timer("t1", TimerState::Running, Some(9_000))]);
        let paused = timer("t1", TimerState::Paused, None);
        let (list, known) = changes(
            &s,
            Reply::Timer(TimerAction::Pause, reply(paused.clone(), 6)),
        );
        assert_eq!(known, 6);
        assert_eq!(
            list,
            vec![Versioned {
                revision: 6,
                change: Change::TimerUpsert(paused)
            }]
        );
    }

    #[test]
    fn a_pause_that_changed_nothing_only_reports_the_revision() {
        // Already paused here; revision 6 is someone else's change.
        let paused = timer("t1", TimerState::Paused, None);
        let s = store_with(5, vec![paused.clone()]);
        let (list, known) = changes(
            &s,
            Reply::Timer(TimerAction::Pause, reply(paused.clone(), 6)),
        );
        assert!(list.is_empty());
        assert_eq!(known, 6);
        // Two steps behind: revision 7 may not be this timer's change.
        let s = store_with(5, vec![timer("t1", TimerState::Running, Some(9_000))]);
        assert!(
            changes(&s, Reply::Timer(TimerAction::Pause, reply(paused, 7)))
                .0
                .is_empty()
        );
    }

    #[test]
    fn a_confirmation_with_stars_is_two_changes() {
        let s = store_with(5, vec![timer("t1", TimerState::Expired, Some(9_000))]);
        let done = timer("t1", TimerState::Completed, None);
        let (list, _) = changes(
            &s,
            Reply::Timer(TimerAction::Confirm, reply(done.clone(), 7)),
        );
        assert_eq!(
            list,
            vec![
                Versioned {
                    revision: 6,
                    change: Change::TimerCompleted(done)
                },
                Versioned {
                    revision: 7,
                    change: Change::StarsDelta {
                        member_id: "m_1".into(),
                        delta: 2
                    }
                },
            ]
        );
        // Already confirmed elsewhere (the timer is gone here): nothing.
        let s = store_with(6, vec![]);
        let done = timer("t1", TimerState::Completed, None);
        assert!(
            changes(&s, Reply::Timer(TimerAction::Confirm, reply(done, 7)))
                .0
                .is_empty()
        );
    }

    #[test]
    fn chore_replies_cover_the_completion_and_the_stars() {
        let s = store_with(5, vec![]);
        let r = ChoreCompletedReply {
            chore_id: "c_1".into(),
            completed_by: "m_2".into(),
            stars_awarded: 1,
            new_balance: 4,
            revision: 7,
        };
        let (list, known) = changes(
            &s,
            Reply::Chore {
                reply: r,
                at_ms: 99,
            },
        );
        assert_eq!(known, 7);
        assert_eq!(list.iter().map(|v| v.revision).collect::<Vec<_>>(), [6, 7]);
        assert_eq!(
            list[1].change,
            Change::StarsSet {
                member_id: "m_2".into(),
                new_balance: 4
            }
        );
    }
}
