//! [`DashboardView`]: the immutable picture of the dashboard the core
//! hands to the UI, serialised (camelCase) to exactly the JSON the webview
//! renders (`ui/README.md`, `ui/dev/sample-view.js`), and the function
//! that builds it from the store. Nothing here does I/O.

use kinboard_api::{ChoreApproval, CompletionStatus, ErrorCode, NightHours, Role, TimerState};
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
    /// Whether a parent PIN is set (a kitchen screen needs it).
    pub has_pin: bool,
    /// Whether a kitchen screen's chores wait for a parent.
    pub chore_approval: ChoreApproval,
    /// While wrong PINs keep the PIN locked: until when (server ms epoch).
    pub pin_locked_until: Option<i64>,
    /// The kitchen screen the wrong PINs came from, by name, when known.
    pub pin_locked_on: Option<String>,
    /// When kitchen screens dim for the night (local times in the
    /// family's time zone); none when they never do.
    pub night: Option<NightHours>,
}

/// A parent of the family, as the settings list them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParentView {
    pub id: String,
    pub name: String,
    pub joined_at: i64,
    /// The parent signed in here.
    pub you: bool,
}

/// A kitchen screen paired with the family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KioskView {
    pub id: String,
    pub name: String,
    pub paired_at: i64,
    /// When it last made a request (to the minute); `null` when never.
    pub last_seen_at: Option<i64>,
}

impl From<kinboard_api::Kiosk> for KioskView {
    fn from(k: kinboard_api::Kiosk) -> Self {
        Self {
            id: k.id,
            name: k.name,
            paired_at: k.created_at,
            last_seen_at: k.last_seen_at,
        }
    }
}

/// An invite still open (its code was shown once, to its maker).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InviteView {
    pub id: String,
    /// The name of the parent who made it.
    pub made_by: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A colour a child may have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ColorView {
    pub name: String,
    /// `#rrggbb`.
    pub hex: String,
}

/// What the family settings show a parent (a kitchen screen has none).
/// Children, chores and templates are the dashboard's own lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    pub parents: Vec<ParentView>,
    pub kiosks: Vec<KioskView>,
    pub invites: Vec<InviteView>,
    /// The colours a child may have, in the order to offer them.
    pub colors: Vec<ColorView>,
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
    /// ISO days of the week it is due (1 = Monday); empty, every day.
    pub days: Vec<u8>,
    /// Whether today (family time zone) is one of them: the board shows
    /// only those, the settings all.
    pub due_today: bool,
    /// Today's completions (family time zone) that count, one per child
    /// at most: done, or waiting for a parent.
    pub done: Vec<DoneView>,
}

/// A child's completion of a chore today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DoneView {
    pub member_id: String,
    /// For undoing it (or approving it).
    pub completion_id: String,
    pub completed_at: i64,
    /// `approved`, or `pending` while it waits for a parent.
    pub status: CompletionStatus,
    /// This screen marked it done (so it may undo it for a few seconds).
    pub mine: bool,
}

/// A completion waiting for a parent (from any day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PendingView {
    pub completion_id: String,
    pub chore_id: String,
    pub chore_label: String,
    pub member_id: String,
    pub stars: i64,
    pub completed_at: i64,
}

/// A reward in the catalogue, with what each child had of it this week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RewardView {
    pub id: String,
    pub title: String,
    pub cost: i64,
    /// Times per child per week; `null`, no limit.
    pub weekly_limit: Option<i64>,
    /// Children who had it this week, once per time.
    pub redeemed_by: Vec<String>,
}

/// A redemption this week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RedemptionView {
    pub id: String,
    pub reward_id: String,
    pub member_id: String,
    pub title: String,
    pub cost: i64,
    /// `approved` (spent), or `pending` while it waits for a parent.
    pub status: CompletionStatus,
    /// The ledger entry holding its stars: undoing it gives them back
    /// (none while it waits).
    pub entry_id: Option<String>,
    pub created_at: i64,
    /// This screen redeemed it (so it may undo it for a few seconds).
    pub mine: bool,
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
    /// Completions waiting for a parent, oldest first.
    pub pending: Vec<PendingView>,
    pub rewards: Vec<RewardView>,
    /// This week's redemptions and those waiting for a parent, newest first.
    pub redemptions: Vec<RedemptionView>,
    pub connection: ConnectionView,
    /// `server = local + serverOffsetMs`.
    pub server_offset_ms: i64,
    pub last_error: Option<LastError>,
    /// The family settings, for a parent; `null` on a kitchen screen.
    pub settings: Option<SettingsView>,
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
    /// The account signed in here (none on a kitchen screen).
    pub user_id: Option<&'a str>,
    /// The completions and redemptions this screen's own actions made.
    pub made_here: Option<&'a std::collections::HashSet<String>>,
}

impl DashboardView {
    pub fn build(store: &Store, cx: ViewContext<'_>) -> Self {
        let family = store.family().or(cx.family);
        let time_zone = family.map_or("UTC", |f| f.time_zone.as_str());
        let today = calendar::date(time_zone, cx.server_now_ms);
        let weekday = calendar::weekday(time_zone, cx.server_now_ms);
        let mine = |id: &str| cx.made_here.is_some_and(|m| m.contains(id));
        let this_week = calendar::week_start(time_zone, cx.server_now_ms);
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
                has_pin: f.has_pin,
                chore_approval: f.chore_approval,
                pin_locked_until: f.pin_locked_until.filter(|&until| until > cx.server_now_ms),
                pin_locked_on: f.pin_locked_on.as_ref().map(|id| {
                    store
                        .kiosks()
                        .iter()
                        .find(|k| &k.id == id)
                        .map_or_else(|| "a kitchen screen".to_owned(), |k| k.name.clone())
                }),
                night: f.night.clone(),
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
                .map(|c| ChoreView {
                    id: c.id.clone(),
                    member_id: c.member_id.clone(),
                    label: c.title.clone(),
                    stars: c.stars,
                    days: c.days.days().to_vec(),
                    due_today: c.days.includes(weekday),
                    done: store
                        .completions()
                        .iter()
                        .filter(|d| d.chore_id == c.id && d.day == today && d.status.counts())
                        .map(|d| DoneView {
                            member_id: d.member_id.clone(),
                            completion_id: d.id.clone(),
                            completed_at: d.completed_at,
                            status: d.status,
                            mine: mine(&d.id),
                        })
                        .collect(),
                })
                .collect(),
            pending: store
                .completions()
                .iter()
                .filter(|d| d.status == CompletionStatus::Pending)
                .filter_map(|d| {
                    let chore = store.chores().iter().find(|c| c.id == d.chore_id)?;
                    Some(PendingView {
                        completion_id: d.id.clone(),
                        chore_id: d.chore_id.clone(),
                        chore_label: chore.title.clone(),
                        member_id: d.member_id.clone(),
                        stars: chore.stars,
                        completed_at: d.completed_at,
                    })
                })
                .collect(),
            rewards: store
                .rewards()
                .iter()
                .map(|r| RewardView {
                    id: r.id.clone(),
                    title: r.title.clone(),
                    cost: r.cost,
                    weekly_limit: r.weekly_limit,
                    // As the server counts the weekly limit: this week's,
                    // spent or waiting.
                    redeemed_by: store
                        .redemptions()
                        .iter()
                        .filter(|x| x.reward_id == r.id && x.created_at >= this_week)
                        .map(|x| x.member_id.clone())
                        .collect(),
                })
                .collect(),
            // This week's, and whatever still waits for a parent.
            redemptions: store
                .redemptions()
                .iter()
                .rev()
                .filter(|x| x.status == CompletionStatus::Pending || x.created_at >= this_week)
                .map(|x| RedemptionView {
                    id: x.id.clone(),
                    reward_id: x.reward_id.clone(),
                    member_id: x.member_id.clone(),
                    title: x.title.clone(),
                    cost: x.cost,
                    status: x.status,
                    entry_id: x.star_entry_id.clone(),
                    created_at: x.created_at,
                    mine: mine(&x.id),
                })
                .collect(),
            connection: ConnectionView {
                state: cx.connection,
                last_synced_at: cx.last_synced_at,
            },
            server_offset_ms: cx.server_offset_ms,
            last_error: cx.last_error,
            settings: (cx.role == Role::Parent).then(|| settings(store, cx.user_id)),
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
                user_id: None,
                made_here: None,
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

fn settings(store: &Store, user_id: Option<&str>) -> SettingsView {
    let name_of = |id: &str| {
        store
            .parents()
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| "a former parent".to_owned(), |p| p.name.clone())
    };
    SettingsView {
        parents: store
            .parents()
            .iter()
            .map(|p| ParentView {
                id: p.id.clone(),
                name: p.name.clone(),
                joined_at: p.joined_at,
                you: user_id == Some(p.id.as_str()),
            })
            .collect(),
        kiosks: store
            .kiosks()
            .iter()
            .cloned()
            .map(KioskView::from)
            .collect(),
        invites: store
            .invites()
            .iter()
            .map(|i| InviteView {
                id: i.id.clone(),
                made_by: name_of(&i.created_by),
                created_at: i.created_at,
                expires_at: i.expires_at,
            })
            .collect(),
        colors: kinboard_api::CHILD_COLORS
            .iter()
            .map(|(name, hex)| ColorView {
                name: (*name).to_owned(),
                hex: (*hex).to_owned(),
            })
            .collect(),
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
        snap.completions = vec![kinboard_api::Completion {
            id: "cmp_1".into(),
            chore_id: "c_1".into(),
            member_id: "m_2".into(),
            completed_at: 1_767_787_000_000,
            day: "2026-01-07".into(),
            status: kinboard_api::CompletionStatus::Approved,
        }];
        snap.rewards = vec![kinboard_api::Reward {
            id: "r_1".into(),
            family_id: "fam_1".into(),
            title: "Ice cream".into(),
            cost: 5,
            weekly_limit: Some(1),
            created_at: 1,
            updated_at: 1,
        }];
        snap.redemptions = vec![kinboard_api::Redemption {
            id: "x_1".into(),
            reward_id: "r_1".into(),
            member_id: "m_1".into(),
            title: "Ice cream".into(),
            cost: 5,
            status: kinboard_api::CompletionStatus::Approved,
            star_entry_id: Some("e_1".into()),
            created_at: 1_767_700_000_000,
        }];
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
                user_id: None,
                made_here: None,
            },
        );
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(
            json,
            json!({
                "revision": 42,
                "role": "kiosk",
                "family": {"id": "fam_1", "name": "Parkers", "timeZone": "Europe/London", "hasPin": false,
                           "choreApproval": "auto", "pinLockedUntil": null, "pinLockedOn": null, "night": null},
                "members": [
                    {"id": "m_1", "name": "Ada", "color": "#e4572e", "balance": 10, "weeklyStars": 4},
                    {"id": "m_2", "name": "Ben", "color": "#3a86ff", "balance": 3, "weeklyStars": 0}
                ],
                "timers": [{"id": "t_1", "memberId": "m_1", "label": "Homework", "state": "running",
                            "endsAt": 900_000, "remainingMs": null, "durationMs": 60_000, "stars": 2, "templateId": null}],
                "templates": [{"id": "tp_1", "label": "Reading", "durationSeconds": 1200, "stars": 1}],
                "chores": [{"id": "c_1", "memberId": "m_1", "label": "Feed the cat", "stars": 1,
                            "days": [], "dueToday": true,
                            "done": [{"memberId": "m_2", "completionId": "cmp_1",
                                      "completedAt": 1_767_787_000_000_i64, "status": "approved", "mine": false}]}],
                "pending": [],
                "rewards": [{"id": "r_1", "title": "Ice cream", "cost": 5, "weeklyLimit": 1, "redeemedBy": ["m_1"]}],
                "redemptions": [{"id": "x_1", "rewardId": "r_1", "memberId": "m_1", "title": "Ice cream", "cost": 5,
                                 "status": "approved", "entryId": "e_1", "createdAt": 1_767_700_000_000_i64, "mine": false}],
                "connection": {"state": "live", "lastSyncedAt": 1_767_787_100_000_i64},
                "serverOffsetMs": 12,
                "lastError": null,
                // A kitchen screen is never shown the settings.
                "settings": null
            })
        );
    }

    #[test]
    fn a_parent_sees_the_settings_with_themselves_marked() {
        let mut store = Store::new();
        let mut snap = snapshot(7);
        let parent = |id: &str, name: &str| kinboard_api::Parent {
            id: id.into(),
            name: name.into(),
            joined_at: 5,
        };
        snap.parents = vec![parent("u_1", "Ana"), parent("u_2", "Ben")];
        snap.kiosks = vec![kinboard_api::Kiosk {
            id: "k_1".into(),
            family_id: "fam_1".into(),
            name: "Kitchen".into(),
            created_at: 3,
            revoked_at: None,
            last_seen_at: Some(60_000),
        }];
        snap.invites = vec![kinboard_api::PendingInvite {
            id: "i_1".into(),
            created_by: "u_2".into(),
            created_at: 8,
            expires_at: 9,
        }];
        store.apply_snapshot(snap);
        let view = DashboardView::build(
            &store,
            ViewContext {
                role: Role::Parent,
                family: None,
                connection: ConnectionStatus::Live,
                last_synced_at: None,
                server_offset_ms: 0,
                last_error: None,
                server_now_ms: 0,
                user_id: Some("u_2"),
                made_here: None,
            },
        );
        let json = serde_json::to_value(view.settings.as_ref().unwrap()).unwrap();
        assert_eq!(
            json["parents"],
            json!([
                {"id": "u_1", "name": "Ana", "joinedAt": 5, "you": false},
                {"id": "u_2", "name": "Ben", "joinedAt": 5, "you": true},
            ])
        );
        assert_eq!(
            json["kiosks"],
            json!([{"id": "k_1", "name": "Kitchen", "pairedAt": 3, "lastSeenAt": 60_000}])
        );
        assert_eq!(
            json["invites"],
            json!([{"id": "i_1", "madeBy": "Ben", "createdAt": 8, "expiresAt": 9}])
        );
        assert_eq!(
            json["colors"].as_array().unwrap().len(),
            kinboard_api::CHILD_COLORS.len()
        );
        assert_eq!(
            json["colors"][0],
            json!({"name": "tomato", "hex": "#e4572e"})
        );
    }

    #[test]
    fn chores_done_yesterday_are_open_again_and_weeks_restart() {
        let mut store = Store::new();
        let mut snap = snapshot(1);
        let wed_noon = 1_767_787_200_000;
        snap.completions = vec![kinboard_api::Completion {
            id: "cmp_0".into(),
            chore_id: "c_1".into(),
            member_id: "m_1".into(),
            completed_at: wed_noon - 86_400_000,
            day: "2026-01-06".into(),
            status: kinboard_api::CompletionStatus::Approved,
        }];
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
            user_id: None,
            made_here: None,
        };
        let view = DashboardView::build(&store, cx(wed_noon));
        assert!(view.chores[0].done.is_empty(), "done yesterday");
        assert_eq!(view.members[0].weekly_stars, 4);
        let next_week = DashboardView::build(&store, cx(wed_noon + 7 * 86_400_000));
        assert_eq!(next_week.members[0].weekly_stars, 0);
        store.offer(
            kinboard_api::FamilyEvent::ChoreCompleted(kinboard_api::events::ChoreCompleted {
                chore_id: "c_1".into(),
                completed_by: "m_1".into(),
                completed_at: wed_noon,
                completion_id: "cmp_1".into(),
                status: kinboard_api::CompletionStatus::Pending,
                day: "2026-01-07".into(),
                revision: 2,
            })
            .into(),
        );
        let view = DashboardView::build(&store, cx(wed_noon + 1));
        assert_eq!(
            view.chores[0].done,
            [DoneView {
                member_id: "m_1".into(),
                completion_id: "cmp_1".into(),
                completed_at: wed_noon,
                status: kinboard_api::CompletionStatus::Pending,
                mine: false,
            }]
        );
        // Waiting for a parent: listed, with what it is for.
        assert_eq!(view.pending.len(), 1);
        assert_eq!(
            (
                view.pending[0].chore_label.as_str(),
                view.pending[0].member_id.as_str()
            ),
            ("Feed the cat", "m_1")
        );
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
            "pending",
            "rewards",
            "redemptions",
            "connection",
            "serverOffsetMs",
            "lastError",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
        assert_eq!(json["connection"]["state"], "reconnecting");
    }

    #[test]
    fn a_locked_pin_shows_until_it_opens_with_the_screen_it_was_guessed_on() {
        let mut store = Store::new();
        let mut snap = snapshot(5);
        snap.kiosks = vec![kinboard_api::Kiosk {
            id: "k_1".into(),
            family_id: "fam_1".into(),
            name: "Kitchen".into(),
            created_at: 1,
            revoked_at: None,
            last_seen_at: None,
        }];
        store.apply_snapshot(snap);
        store.offer(crate::store::Versioned::from(
            kinboard_api::FamilyEvent::PinLocked(kinboard_api::events::PinLocked {
                locked_until: 100_000,
                kiosk_id: Some("k_1".into()),
                revision: 6,
            }),
        ));
        let at = |server_now_ms| {
            DashboardView::build(
                &store,
                ViewContext {
                    role: Role::Parent,
                    family: None,
                    connection: ConnectionStatus::Live,
                    last_synced_at: None,
                    server_offset_ms: 0,
                    last_error: None,
                    server_now_ms,
                    user_id: None,
                    made_here: None,
                },
            )
            .family
            .unwrap()
        };
        let family = at(40_000);
        assert_eq!(family.pin_locked_until, Some(100_000));
        assert_eq!(family.pin_locked_on.as_deref(), Some("Kitchen"));
        assert_eq!(at(100_000).pin_locked_until, None, "open again at its time");
    }
}
