//! [`DashboardView`]: the immutable picture of the dashboard the core
//! hands to the UI, serialised (camelCase) to exactly the JSON the webview
//! renders (`ui/README.md`, `ui/dev/sample-view.js`), and the function
//! that builds it from the store. Nothing here does I/O.

use kinboard_api::{ErrorCode, Role, TimerState};
use serde::Serialize;
use utoipa::ToSchema;

use crate::calendar;
use crate::store::{FamilyState, Store};

/// What the connection chip shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConnectionStatus {
    /// Subscribed and in step with the server.
    Live,
    /// Connecting, or connected and reloading.
    Reconnecting,
    /// Unreachable for a while, or stopped.
    Offline,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FamilyView {
    pub id: String,
    pub name: String,
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    pub id: String,
    pub name: String,
    pub color: String,
    pub balance: i64,
    pub weekly_stars: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimerView {
    pub id: String,
    pub member_id: String,
    pub label: String,
    pub state: TimerState,
    /// Server time (ms epoch) a running timer ends at.
    pub ends_at: Option<i64>,
    /// What a paused timer has left.
    pub remaining_ms: Option<i64>,
    pub duration_ms: i64,
    pub stars: i64,
    pub template_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateView {
    pub id: String,
    pub label: String,
    pub duration_seconds: i64,
    pub stars: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChoreView {
    pub id: String,
    pub member_id: Option<String>,
    pub label: String,
    pub stars: i64,
    /// When it was done today (family time zone); `null` when not yet.
    pub completed_at: Option<i64>,
    pub completed_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionView {
    pub state: ConnectionStatus,
    /// Local time (ms epoch) the state was last known to match the server.
    pub last_synced_at: Option<i64>,
}

/// A failure of background work (a reload, the subscription), for the
/// banner; user actions report their own errors to their caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LastError {
    pub code: ErrorCode,
    pub message: String,
    /// The command it belongs to (`refresh`).
    pub action: String,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardView {
    pub revision: i64,
    pub role: Role,
    pub family: Option<FamilyView>,
    pub members: Vec<MemberView>,
    pub timers: Vec<TimerView>,
    pub templates: Vec<TemplateView>,
    pub chores: Vec<ChoreView>,
    pub connection: ConnectionView,
    /// `server = local + serverOffsetMs`.
    pub server_offset_ms: i64,
    pub last_error: Option<LastError>,
}

/// What the view needs besides the store.
#[derive(Debug, Clone)]
pub struct ViewContext<'a> {
    pub role: Role,
    /// The family as `/api/me` named it, until the first snapshot.
    pub family: Option<&'a FamilyState>,
    pub connection: ConnectionStatus,
    pub last_synced_at: Option<i64>,
    pub server_offset_ms: i64,
    pub last_error: Option<LastError>,
    /// The server's time now, to decide what "today" is.
    pub server_now_ms: i64,
}

impl DashboardView {
    pub fn build(store: &Store, cx: ViewContext<'_>) -> Self {
        let family = store.family().or(cx.family);
        let time_zone = family.map_or("UTC", |f| f.time_zone.as_str());
        let today = calendar::day_start(time_zone, cx.server_now_ms);
        let new_week = store
            .week_start()
            .is_some_and(|w| calendar::week_start(time_zone, cx.server_now_ms) > w);
        Self {
            revision: store.revision(),
            role: cx.role,
            family: family.map(|f| FamilyView {
                id: f.id.clone(),
                name: f.name.clone(),
                time_zone: f.time_zone.clone(),
            }),
            members: store
                .members()
                .iter()
                .map(|m| MemberView {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    color: m.color.clone(),
                    balance: m.balance,
                    // The engine restarts the week at the boundary; until
                    // it has, do not show last week's count.
                    weekly_stars: if new_week { 0 } else { m.weekly_stars },
                })
                .collect(),
            timers: store
                .timers()
                .iter()
                .map(|t| TimerView {
                    id: t.id.clone(),
                    member_id: t.member_id.clone(),
                    label: t.label.clone(),
                    state: t.state,
                    ends_at: t.ends_at,
                    remaining_ms: t.remaining_ms,
                    duration_ms: t.duration_ms,
                    stars: t.stars,
                    template_id: t.template_id.clone(),
                })
                .collect(),
            templates: store
                .templates()
                .iter()
                .map(|t| TemplateView {
                    id: t.id.clone(),
                    label: t.label.clone(),
                    duration_seconds: t.duration_ms / 1000,
                    stars: t.stars,
                })
                .collect(),
            chores: store
                .chores()
                .iter()
                .map(|c| {
                    let done_today = c.last_completed_at.filter(|at| *at >= today);
                    ChoreView {
                        id: c.id.clone(),
                        member_id: c.member_id.clone(),
                        label: c.title.clone(),
                        stars: c.stars,
                        completed_at: done_today,
                        completed_by: done_today.and(c.last_completed_by.clone()),
                    }
                })
                .collect(),
            connection: ConnectionView {
                state: cx.connection,
                last_synced_at: cx.last_synced_at,
            },
            server_offset_ms: cx.server_offset_ms,
            last_error: cx.last_error,
        }
    }

    /// The empty view of a device that has not loaded anything yet.
    pub fn empty(role: Role) -> Self {
        Self::build(
            &Store::new(),
            ViewContext {
                role,
                family: None,
                connection: ConnectionStatus::Reconnecting,
                last_synced_at: None,
                server_offset_ms: 0,
                last_error: None,
                server_now_ms: 0,
            },
        )
    }

    pub fn timer(&self, id: &str) -> Option<&TimerView> {
        self.timers.iter().find(|t| t.id == id)
    }

    pub fn member(&self, id: &str) -> Option<&MemberView> {
        self.members.iter().find(|m| m.id == id)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::tests::{snapshot, timer};

    #[test]
    fn serialises_to_the_uis_shape() {
        let mut store = Store::new();
        let mut snap = snapshot(42);
        snap.active_timers = vec![timer("t_1", TimerState::Running, Some(900_000))];
        snap.chores[0].last_completed_at = Some(1_767_787_000_000);
        snap.chores[0].last_completed_by = Some("m_2".into());
        for w in &mut snap.weekly_stars {
            w.week_start = 1_767_571_200_000; // Monday 2026-01-05, London
        }
        store.apply_snapshot(snap);
        let view = DashboardView::build(
            &store,
            ViewContext {
                role: Role::Kiosk,
                family: None,
                connection: ConnectionStatus::Live,
                last_synced_at: Some(1_767_787_100_000),
                server_offset_ms: 12,
                last_error: None,
                // Wednesday 2026-01-07 12:00 UTC; the chore was done at 11:56.
                server_now_ms: 1_767_787_200_000,
            },
        );
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(
            json,
            json!({
                "revision": 42,
                "role": "kiosk",
                "family": {"id": "fam_1", "name": "Parkers", "timeZone": "Europe/London"},
                "members": [
                    {"id": "m_1", "name": "Ada", "color": "#e4572e", "balance": 10, "weeklyStars": 4},
                    {"id": "m_2", "name": "Ben", "color": "#3a86ff", "balance": 3, "weeklyStars": 0}
                ],
                "timers": [{"id": "t_1", "memberId": "m_1", "label": "Homework", "state": "running",
                            "endsAt": 900_000, "remainingMs": null, "durationMs": 60_000, "stars": 2, "templateId": null}],
                "templates": [{"id": "tp_1", "label": "Reading", "durationSeconds": 1200, "stars": 1}],
                "chores": [{"id": "c_1", "memberId": "m_1", "label": "Feed the cat", "stars": 1,
                            "completedAt": 1_767_787_000_000_i64, "completedBy": "m_2"}],
                "connection": {"state": "live", "lastSyncedAt": 1_767_787_100_000_i64},
                "serverOffsetMs": 12,
                "lastError": null
            })
        );
    }

    #[test]
    fn chores_done_yesterday_are_open_again_and_weeks_restart() {
        let mut store = Store::new();
        let mut snap = snapshot(1);
        let wed_noon = 1_767_787_200_000;
        snap.chores[0].last_completed_at = Some(wed_noon - 86_400_000);
        snap.chores[0].last_completed_by = Some("m_1".into());
        for w in &mut snap.weekly_stars {
            w.week_start = 1_767_571_200_000; // Monday 2026-01-05
        }
        store.apply_snapshot(snap);
        let cx = |now| ViewContext {
            role: Role::Parent,
            family: None,
            connection: ConnectionStatus::Live,
            last_synced_at: None,
            server_offset_ms: 0,
            last_error: None,
            server_now_ms: now,
        };
        let view = DashboardView::build(&store, cx(wed_noon));
        assert_eq!(view.chores[0].completed_at, None);
        assert_eq!(view.chores[0].completed_by, None);
        assert_eq!(view.members[0].weekly_stars, 4);
        let next_week = DashboardView::build(&store, cx(wed_noon + 7 * 86_400_000));
        assert_eq!(next_week.members[0].weekly_stars, 0);
        store.offer(
            kinboard_api::FamilyEvent::ChoreCompleted(kinboard_api::events::ChoreCompleted {
                chore_id: "c_1".into(),
                completed_by: "m_1".into(),
                completed_at: wed_noon,
                revision: 2,
            })
            .into(),
        );
        let view = DashboardView::build(&store, cx(wed_noon + 1));
        assert_eq!(view.chores[0].completed_at, Some(wed_noon));
    }

    #[test]
    fn an_empty_view_has_every_key() {
        let json = serde_json::to_value(DashboardView::empty(Role::Parent)).unwrap();
        for key in [
            "revision",
            "role",
            "family",
            "members",
            "timers",
            "templates",
            "chores",
            "connection",
            "serverOffsetMs",
            "lastError",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
        assert_eq!(json["connection"]["state"], "reconnecting");
    }
}
