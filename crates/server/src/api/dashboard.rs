//! The family snapshot a device loads on start and after every
//! (re)subscription or revision gap: everything on the dashboard, read in
//! one consistent snapshot together with the revision it reflects.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::chores::{Chore, chores_of};
use crate::api::families::{Family, Member, load_family, members_of};
use crate::api::stars::{WeeklyStars, week_start};
use crate::api::templates::{Template, templates_of};
use crate::api::timers::{Timer, active_timers};
use crate::auth::{Caller, family_access};
use crate::clock::now_ms;
use crate::db::Backend;
use crate::error::ApiError;
use crate::http::Reply;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/families/{family_id}/dashboard", get(dashboard))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    /// The family revision this snapshot reflects; apply events above it.
    pub revision: i64,
    pub family: Family,
    pub members: Vec<Member>,
    pub templates: Vec<Template>,
    /// Running, paused, and expired-but-unconfirmed timers.
    pub active_timers: Vec<Timer>,
    pub chores: Vec<Chore>,
    pub weekly_stars: Vec<WeeklyStars>,
}

#[utoipa::path(get, path = "/api/families/{familyId}/dashboard", tag = "dashboard",
    params(("familyId" = String, Path)),
    responses((status = 200, body = Dashboard, description = "plus serverTime"), (status = 404)), security(("bearer" = [])))]
pub async fn dashboard(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id).await?;
    Reply::ok(snapshot(&state, &family_id).await?)
}

/// Reads the dashboard in one transaction so the revision and the data
/// agree (WAL snapshot on SQLite, REPEATABLE READ on PostgreSQL).
pub async fn snapshot(state: &AppState, family_id: &str) -> Result<Dashboard, ApiError> {
    let mut tx = state.db.reader.begin().await?;
    if state.db.backend == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
    }
    let family = load_family(&mut *tx, family_id).await?;
    let members = members_of(&mut *tx, family_id).await?;
    let templates = templates_of(&mut *tx, family_id).await?;
    let active_timers = active_timers(&mut *tx, family_id).await?;
    let chores = chores_of(&mut *tx, family_id).await?;
    let week_start = week_start(&family.time_zone, now_ms());
    let weekly: Vec<(String, i64)> = sqlx::query_as(
        "SELECT m.id, CAST(COALESCE(SUM(e.amount), 0) AS BIGINT) FROM members m \
         LEFT JOIN star_entries e ON e.member_id = m.id AND e.created_at >= $2 \
         WHERE m.family_id = $1 GROUP BY m.id, m.created_at ORDER BY m.created_at, m.id",
    )
    .bind(family_id)
    .bind(week_start)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Dashboard {
        revision: family.revision,
        family,
        members,
        templates,
        active_timers,
        chores,
        weekly_stars: weekly
            .into_iter()
            .map(|(member_id, stars)| WeeklyStars {
                member_id,
                stars,
                week_start,
            })
            .collect(),
    })
}
