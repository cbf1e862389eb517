//! Families: creating one, its name, time zone and whether kitchen
//! screens' chores wait for a parent, and the parent PIN
//! kitchen screens must send for what only a parent may do. Every change
//! broadcasts `family:updated`.

use kinboard_api::events::FamilyUpdated;
use kinboard_api::{
    ChoreApproval, CreateFamilyRequest, Family, FamilyEvent, NightHours, PinRequest, ServerInfo,
    UpdateFamilyRequest,
};

use crate::clock::now_ms;
use crate::domain::access::{Access, Caller, check_pin, user_of};
use crate::error::ApiError;
use crate::ids::{Hashing, hash_secret_limited, new_id};
use crate::revision::FamilyTx;
use crate::state::AppState;
use crate::throttle::{self, Scope};
use crate::validate;

/// The longest family name.
pub const MAX_FAMILY_NAME: usize = 60;

pub async fn load_family(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    family_id: &str,
) -> Result<Family, ApiError> {
    type Row = (
        String,
        String,
        String,
        Option<String>,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
        i64,
        i64,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, name, time_zone, pin_hash, chore_approval, \
           (SELECT locked_until FROM attempts WHERE scope_key = 'pin:' || families.id AND locked_until > $2), \
           night_from, night_to, revision, created_at FROM families WHERE id = $1",
    )
    .bind(family_id)
    .bind(now_ms())
    .fetch_optional(conn)
    .await?;
    let (
        id,
        name,
        time_zone,
        pin_hash,
        chore_approval,
        pin_locked_until,
        night_from,
        night_to,
        revision,
        created_at,
    ) = row.ok_or(ApiError::NotFound("family"))?;
    Ok(Family {
        id,
        name,
        time_zone,
        has_pin: pin_hash.is_some(),
        chore_approval: ChoreApproval::try_from(chore_approval).map_err(ApiError::Internal)?,
        pin_locked_until,
        night: night_from
            .zip(night_to)
            .map(|(from, to)| NightHours { from, to }),
        revision,
        created_at,
    })
}

/// Creates a family; `user_id` becomes its first parent.
pub async fn create_family(
    state: &AppState,
    user_id: &str,
    name: &str,
    time_zone: Option<&str>,
) -> Result<Family, ApiError> {
    let name = validate::text("name", name, MAX_FAMILY_NAME)?;
    let time_zone = validate::time_zone(time_zone.unwrap_or("UTC"))?;
    let family = Family {
        id: new_id("fam"),
        name,
        time_zone,
        has_pin: false,
        chore_approval: ChoreApproval::Auto,
        pin_locked_until: None,
        night: None,
        revision: 1,
        created_at: now_ms(),
    };
    let mut tx = state.db.writer.begin().await?;
    sqlx::query("INSERT INTO families (id, name, time_zone, revision, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&family.id)
        .bind(&family.name)
        .bind(&family.time_zone)
        .bind(family.revision)
        .bind(family.created_at)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO memberships (family_id, user_id, role, created_at) VALUES ($1, $2, 'parent', $3)")
        .bind(&family.id)
        .bind(user_id)
        .bind(family.created_at)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(family)
}

/// The request of `POST /api/families`, checked and carried out.
pub async fn create_family_for(
    state: &AppState,
    caller: &Caller,
    req: &CreateFamilyRequest,
) -> Result<Family, ApiError> {
    create_family(state, user_of(caller)?, &req.name, req.time_zone.as_deref()).await
}

/// A family change and what it broadcast.
pub struct FamilyChanged {
    pub family: Family,
    pub events: Vec<kinboard_api::ReplyEvent>,
}

/// Reads the family after a change inside `tx`, queues `family:updated`
/// and commits.
async fn commit_family(state: &AppState, mut tx: FamilyTx) -> Result<FamilyChanged, ApiError> {
    let family_id = tx.family_id().to_owned();
    let family = load_family(tx.conn(), &family_id).await?;
    let revision = tx.revision();
    tx.emit(FamilyEvent::FamilyUpdated(FamilyUpdated {
        family: family.clone(),
        revision,
    }));
    let events = tx.events();
    tx.commit(state).await?;
    Ok(FamilyChanged { family, events })
}

/// Renames a family, changes its time zone or its chore approval (parents).
pub async fn update_family(
    state: &AppState,
    access: &Access,
    req: &UpdateFamilyRequest,
) -> Result<FamilyChanged, ApiError> {
    access.require_parent()?;
    let family_id = access.family_id.as_str();
    let name = req
        .name
        .as_deref()
        .map(|n| validate::text("name", n, MAX_FAMILY_NAME))
        .transpose()?;
    let time_zone = req
        .time_zone
        .as_deref()
        .map(validate::time_zone)
        .transpose()?;
    let night = req
        .night
        .as_ref()
        .map(|night| night.as_ref().map(validate::night).transpose())
        .transpose()?;
    if name.is_none() && time_zone.is_none() && req.chore_approval.is_none() && night.is_none() {
        return Err(ApiError::invalid(
            "send a name, a timeZone, choreApproval or night to change",
        ));
    }
    let mut tx = FamilyTx::begin(state, family_id).await?;
    if let Some(name) = &name {
        sqlx::query("UPDATE families SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(family_id)
            .execute(tx.conn())
            .await?;
    }
    if let Some(tz) = &time_zone {
        sqlx::query("UPDATE families SET time_zone = $1 WHERE id = $2")
            .bind(tz)
            .bind(family_id)
            .execute(tx.conn())
            .await?;
    }
    if let Some(approval) = req.chore_approval {
        sqlx::query("UPDATE families SET chore_approval = $1 WHERE id = $2")
            .bind(approval.as_str())
            .bind(family_id)
            .execute(tx.conn())
            .await?;
    }
    if let Some(night) = night {
        let (from, to) = night.map(|n| (n.from, n.to)).unzip();
        sqlx::query("UPDATE families SET night_from = $1, night_to = $2 WHERE id = $3")
            .bind(from)
            .bind(to)
            .bind(family_id)
            .execute(tx.conn())
            .await?;
    }
    commit_family(state, tx).await
}

/// Sets the parent PIN kitchen screens must send for confirmations,
/// cancellations and star changes (parents). Replacing a PIN needs the
/// current one or the parent's own password, so that whoever finds a
/// parent's screen unlocked cannot quietly take the kitchen over; a wrong
/// current PIN counts against the family's PIN attempts like one typed
/// at a kitchen screen.
pub async fn set_pin(
    state: &AppState,
    access: &Access,
    req: PinRequest,
) -> Result<FamilyChanged, ApiError> {
    access.require_parent()?;
    let family_id = access.family_id.as_str();
    validate::pin(&req.pin)?;
    let family = load_family(&state.db.reader, family_id).await?;
    if family.has_pin {
        match (req.current_pin, req.password) {
            (Some(current), _) => check_pin(state, family_id, &current, None).await?,
            (None, Some(password)) => {
                crate::domain::accounts::check_password(state, access.user_id()?, password).await?
            }
            (None, None) => {
                return Err(ApiError::invalid(
                    "the family has a PIN already: send currentPin or your password to change it",
                ));
            }
        }
    }
    let hash = hash_secret_limited(Hashing::Pins, req.pin).await?;
    let mut tx = FamilyTx::begin(state, family_id).await?;
    sqlx::query("UPDATE families SET pin_hash = $1 WHERE id = $2")
        .bind(&hash)
        .bind(family_id)
        .execute(tx.conn())
        .await?;
    // A new PIN lifts a lockout that guesses at the old one caused.
    throttle::clear(tx.conn(), &Scope::Pin { family_id }).await?;
    commit_family(state, tx).await
}

/// What `GET /api/info` says: the household is named after its first
/// family (a hosted household has one; a hosted service names none).
pub async fn server_info(state: &AppState) -> Result<ServerInfo, ApiError> {
    let first: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM families ORDER BY created_at, id LIMIT 2")
            .fetch_all(&state.db.reader)
            .await?;
    Ok(ServerInfo {
        product: kinboard_api::PRODUCT.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        api: kinboard_api::API_VERSION,
        household: match first.as_slice() {
            [(name,)] => Some(name.clone()),
            _ => None,
        },
    })
}
