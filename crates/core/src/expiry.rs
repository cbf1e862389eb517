//! When a timer's expiry is announced: [`TimerExpired`] once per timer run
//! on this device, at the local deadline, whether or not the device is
//! online.
//!
//! [`ExpiryTracker`] is the decision, pure: given the timers, the clock
//! offset and the local time it says which notices are due and when to
//! look again. A run is a timer id with its `endsAt`: the server's
//! `timer:expired` keeps `endsAt`, so when it (or a snapshot) shows the
//! timer expired the run is recognised and not announced twice; an
//! extension restarts the timer with a new `endsAt`, a new run. When the
//! server's expiry arrives before the local deadline (our clock or the
//! offset is off) the notice is raised then. A timer first seen already
//! expired (the app started after the fact) is not announced: nothing
//! happened while this device was watching.
//!
//! The sync engine ([`crate::sync::SyncEngine`]) runs one: it looks at
//! every new view and wakes at the deadline the tracker names.

use std::collections::{HashMap, HashSet};

use kinboard_api::TimerState;

use crate::notify::TimerExpired;
use crate::view::DashboardView;

#[derive(Debug, Default)]
pub struct ExpiryTracker {
    /// Timers seen running: id → the `endsAt` last seen.
    watched: HashMap<String, i64>,
    /// Runs already announced: (id, endsAt).
    announced: HashSet<(String, i64)>,
}

impl ExpiryTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Looks at the view at local time `now_ms`; returns the notices due
    /// now and the local time to look again at (the next deadline).
    pub fn update(
        &mut self,
        view: &DashboardView,
        now_ms: i64,
    ) -> (Vec<TimerExpired>, Option<i64>) {
        let mut due = Vec::new();
        let mut next: Option<i64> = None;
        for t in &view.timers {
            let Some(ends_at) = t.ends_at else { continue };
            let run = (t.id.clone(), ends_at);
            let fire = match t.state {
                TimerState::Running => {
                    self.watched.insert(t.id.clone(), ends_at);
                    let local_deadline = ends_at - view.server_offset_ms;
                    if now_ms >= local_deadline {
                        true
                    } else {
                        next = Some(next.map_or(local_deadline, |n| n.min(local_deadline)));
                        false
                    }
                }
                TimerState::Expired => self.watched.contains_key(&t.id),
                _ => false,
            };
            if fire && self.announced.insert(run) {
                due.push(TimerExpired {
                    family_id: view
                        .family
                        .as_ref()
                        .map(|f| f.id.clone())
                        .unwrap_or_default(),
                    timer_id: t.id.clone(),
                    label: t.label.clone(),
                    member_id: t.member_id.clone(),
                    member_name: view.member(&t.member_id).map(|m| m.name.clone()),
                    ends_at,
                    stars: t.stars,
                });
            }
        }
        // Forget timers that left the dashboard (confirmed or cancelled).
        // Before the first snapshot the view is empty: keep everything.
        if view.family.is_some() && view.revision > 0 {
            let present: HashSet<&str> = view.timers.iter().map(|t| t.id.as_str()).collect();
            self.watched.retain(|id, _| present.contains(id.as_str()));
            self.announced
                .retain(|(id, _)| present.contains(id.as_str()));
        }
        (due, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::{FamilyView, TimerView};
    use kinboard_api::Role;

    fn view(revision: i64, offset: i64, timers: Vec<TimerView>) -> DashboardView {
        let mut v = DashboardView::empty(Role::Parent);
        v.revision = revision;
        v.server_offset_ms = offset;
        v.family = Some(FamilyView {
            id: "f".into(),
            name: "F".into(),
            time_zone: "UTC".into(),
            has_pin: false,
            chore_approval: kinboard_api::ChoreApproval::Auto,
            pin_locked_until: None,
            pin_locked_on: None,
            night: None,
        });
        v.timers = timers;
        v
    }

    fn timer(id: &str, state: TimerState, ends_at: i64) -> TimerView {
        TimerView {
            id: id.into(),
            member_id: "m".into(),
            label: "Pasta".into(),
            state,
            ends_at: Some(ends_at),
            remaining_ms: None,
            duration_ms: 60_000,
            stars: 0,
            template_id: None,
        }
    }

    #[test]
    fn fires_once_at_the_local_deadline() {
        let mut t = ExpiryTracker::new();
        // Server 500 ms ahead: endsAt 10_000 server is 9_500 local.
        let v = view(1, 500, vec![timer("a", TimerState::Running, 10_000)]);
        assert_eq!(t.update(&v, 9_000), (vec![], Some(9_500)));
        let (due, next) = t.update(&v, 9_500);
        assert_eq!(due.len(), 1);
        assert_eq!(next, None);
        assert!(t.update(&v, 9_600).0.is_empty());
        // The server's expiry (same endsAt) and a snapshot showing it do not repeat it.
        let expired = view(2, 500, vec![timer("a", TimerState::Expired, 10_000)]);
        assert!(t.update(&expired, 10_000).0.is_empty());
        assert!(t.update(&expired, 20_000).0.is_empty());
    }

    #[test]
    fn the_servers_expiry_first_raises_it_then_and_only_then() {
        let mut t = ExpiryTracker::new();
        // Our clock is behind the truth: the server expires it first.
        t.update(
            &view(1, 0, vec![timer("a", TimerState::Running, 10_000)]),
            8_000,
        );
        let (due, _) = t.update(
            &view(2, 0, vec![timer("a", TimerState::Expired, 10_000)]),
            9_000,
        );
        assert_eq!(due.len(), 1);
        assert!(
            t.update(
                &view(2, 0, vec![timer("a", TimerState::Expired, 10_000)]),
                10_000
            )
            .0
            .is_empty()
        );
    }

    #[test]
    fn an_extension_is_a_new_run_and_a_timer_seen_expired_at_start_is_not_announced() {
        let mut t = ExpiryTracker::new();
        assert!(
            t.update(
                &view(1, 0, vec![timer("old", TimerState::Expired, 1_000)]),
                5_000
            )
            .0
            .is_empty()
        );
        t.update(
            &view(1, 0, vec![timer("a", TimerState::Running, 10_000)]),
            10_000,
        );
        let (due, next) = t.update(
            &view(2, 0, vec![timer("a", TimerState::Running, 70_000)]),
            10_001,
        );
        assert!(due.is_empty());
        assert_eq!(next, Some(70_000));
        assert_eq!(
            t.update(
                &view(2, 0, vec![timer("a", TimerState::Running, 70_000)]),
                70_000
            )
            .0
            .len(),
            1
        );
    }

    #[test]
    fn paused_timers_never_fire() {
        let mut t = ExpiryTracker::new();
        let mut paused = timer("a", TimerState::Paused, 0);
        paused.ends_at = None;
        paused.remaining_ms = Some(5_000);
        assert_eq!(
            t.update(&view(1, 0, vec![paused]), 1_000_000),
            (vec![], None)
        );
    }
}
