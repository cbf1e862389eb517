//! The dashboard snapshot: everything a screen shows of a family, its
//! settings included, read in
//! one transaction so the revision and the data agree (a WAL snapshot on
//! SQLite, REPEATABLE READ on PostgreSQL).

use kinboard_api::{Dashboard, Role};

use crate::calendar::local_day;
use crate::clock::now_ms;
use crate::db::Backend;
use crate::domain::chores::{chores_of, completions_of, mark_due};
use crate::domain::families::load_family;
use crate::domain::kiosks::paired_kiosks;
use crate::domain::members::members_of;
use crate::domain::parents::{open_invites, parents_of};
use crate::domain::rewards::{redemptions_since, rewards_of};
use crate::domain::stars::{week_start, weekly_stars};
use crate::domain::templates::templates_of;
use crate::domain::timers::active_timers;
use crate::error::ApiError;
use crate::state::AppState;

/// The family as `role` may see it: a kitchen screen gets no settings
/// (who the parents are, the open invites, the other kitchen screens),
/// which its token cannot read through their own routes either.
pub async fn snapshot(
    state: &AppState,
    family_id: &str,
    role: Role,
) -> Result<Dashboard, ApiError> {
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
    let mut chores = chores_of(&mut *tx, family_id).await?;
    let now = now_ms();
    mark_due(&mut chores, &family.time_zone, now);
    let this_week = week_start(&family.time_zone, now);
    let weekly_stars = weekly_stars(&mut *tx, family_id, this_week).await?;
    let (today, _) = local_day(&family.time_zone, now);
    let completions = completions_of(&mut *tx, family_id, &today).await?;
    let rewards = rewards_of(&mut *tx, family_id).await?;
    let redemptions = redemptions_since(&mut *tx, family_id, this_week).await?;
    let (parents, kiosks, invites) = match role {
        Role::Parent => (
            parents_of(&mut *tx, family_id).await?,
            paired_kiosks(&mut *tx, family_id).await?,
            open_invites(&mut *tx, family_id, now).await?,
        ),
        Role::Kiosk => Default::default(),
    };
    tx.commit().await?;
    Ok(Dashboard {
        revision: family.revision,
        family,
        members,
        templates,
        active_timers,
        chores,
        weekly_stars,
        parents,
        kiosks,
        invites,
        completions,
        rewards,
        redemptions,
    })
}
