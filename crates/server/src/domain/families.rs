//! Families and who is in them: creating a family, its name and time
//! zone, child profiles (members), inviting another parent by code, and
//! the parent PIN.

use kinboard_api::{
    AcceptInviteResponse, CreateFamilyRequest, Family, FamilyRole, Invite, InviteResponse, Member,
    MemberResponse, Role, UpdateFamilyRequest, UpdateMemberRequest,
};

use crate::clock::now_ms;
use crate::domain::access::{Access, Caller, family_access, user_of};
use crate::error::ApiError;
use crate::ids::{hash_secret_limited, new_id, new_invite_code};
use crate::revision::FamilyTx;
use crate::state::AppState;
use crate::validate;

const PALETTE: [&str; 8] = [
    "#e4572e", "#17bebb", "#ffc914", "#76b041", "#7e5bef", "#f25f9c", "#2e86ab", "#ff8c42",
];
const INVITE_TTL_MS: i64 = 7 * 24 * 3600 * 1000;

pub async fn load_family(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    family_id: &str,
) -> Result<Family, ApiError> {
    let row: Option<(String, String, String, Option<String>, i64, i64)> = sqlx::query_as(
        "SELECT id, name, time_zone, pin_hash, revision, created_at FROM families WHERE id = $1",
    )
    .bind(family_id)
    .fetch_optional(conn)
    .await?;
    let (id, name, time_zone, pin_hash, revision, created_at) =
        row.ok_or(ApiError::NotFound("family"))?;
    Ok(Family {
        id,
        name,
        time_zone,
        has_pin: pin_hash.is_some(),
        revision,
        created_at,
    })
}

pub async fn load_member(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    member_id: &str,
) -> Result<Member, ApiError> {
    sqlx::query_as(
        "SELECT id, family_id, name, color, balance, created_at FROM members WHERE id = $1",
    )
    .bind(member_id)
    .fetch_optional(conn)
    .await?
    .ok_or(ApiError::NotFound("member"))
}

/// A member of `family_id`, read inside the family's transaction; a 404
/// (never a leak) when the id names another family's member.
pub async fn member_in_family(
    conn: &mut sqlx::AnyConnection,
    family_id: &str,
    member_id: &str,
) -> Result<Member, ApiError> {
    let member = load_member(&mut *conn, member_id).await?;
    if member.family_id != family_id {
        return Err(ApiError::NotFound("member"));
    }
    Ok(member)
}

/// Creates a family; `user_id` becomes its first parent.
pub async fn create_family(
    state: &AppState,
    user_id: &str,
    name: &str,
    time_zone: Option<&str>,
) -> Result<Family, ApiError> {
    let name = validate::text("name", name, 60)?;
    let time_zone = validate::time_zone(time_zone.unwrap_or("UTC"))?;
    let family = Family {
        id: new_id("fam"),
        name,
        time_zone,
        has_pin: false,
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

/// Renames a family or changes its time zone (parents).
pub async fn update_family(
    state: &AppState,
    access: &Access,
    req: &UpdateFamilyRequest,
) -> Result<Family, ApiError> {
    access.require_parent()?;
    let family_id = access.family_id.as_str();
    let name = req
        .name
        .as_deref()
        .map(|n| validate::text("name", n, 60))
        .transpose()?;
    let time_zone = req
        .time_zone
        .as_deref()
        .map(validate::time_zone)
        .transpose()?;
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
    let family = load_family(tx.conn(), family_id).await?;
    tx.commit(state).await?;
    Ok(family)
}

/// Adds a child profile.
pub async fn add_member(
    state: &AppState,
    family_id: &str,
    name: &str,
    color: Option<&str>,
) -> Result<MemberResponse, ApiError> {
    let name = validate::text("name", name, 40)?;
    let color = color.map(validate::color).transpose()?;
    let mut tx = FamilyTx::begin(state, family_id).await?;
    let color = match color {
        Some(c) => c,
        None => {
            let (count,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM members WHERE family_id = $1")
                    .bind(family_id)
                    .fetch_one(tx.conn())
                    .await?;
            PALETTE[usize::try_from(count).unwrap_or(0) % PALETTE.len()].to_owned()
        }
    };
    let member = Member {
        id: new_id("mem"),
        family_id: family_id.to_owned(),
        name,
        color,
        balance: 0,
        created_at: now_ms(),
    };
    sqlx::query("INSERT INTO members (id, family_id, name, color, balance, created_at) VALUES ($1, $2, $3, $4, 0, $5)")
        .bind(&member.id)
        .bind(&member.family_id)
        .bind(&member.name)
        .bind(&member.color)
        .bind(member.created_at)
        .execute(tx.conn())
        .await?;
    let revision = tx.commit(state).await?;
    Ok(MemberResponse { member, revision })
}

pub async fn members_of(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    family_id: &str,
) -> Result<Vec<Member>, ApiError> {
    Ok(sqlx::query_as(
        "SELECT id, family_id, name, color, balance, created_at FROM members \
         WHERE family_id = $1 ORDER BY created_at, id",
    )
    .bind(family_id)
    .fetch_all(conn)
    .await?)
}

/// Renames a child profile or changes its colour (parents).
pub async fn update_member(
    state: &AppState,
    caller: &Caller,
    member_id: &str,
    req: &UpdateMemberRequest,
) -> Result<MemberResponse, ApiError> {
    let member = load_member(&state.db.reader, member_id).await?;
    family_access(state, caller, &member.family_id)
        .await
        .map_err(|_| ApiError::NotFound("member"))?
        .require_parent()?;
    let name = req
        .name
        .as_deref()
        .map(|n| validate::text("name", n, 40))
        .transpose()?;
    let color = req.color.as_deref().map(validate::color).transpose()?;
    let mut tx = FamilyTx::begin(state, &member.family_id).await?;
    // Read again inside the family's transaction, which serialises the
    // family's writers: a row read before it could be older than a PATCH
    // that committed meanwhile, and writing it back would undo that one.
    let member = member_in_family(tx.conn(), &member.family_id, member_id).await?;
    sqlx::query("UPDATE members SET name = $1, color = $2 WHERE id = $3")
        .bind(name.unwrap_or(member.name))
        .bind(color.unwrap_or(member.color))
        .bind(member_id)
        .execute(tx.conn())
        .await?;
    let member = load_member(tx.conn(), member_id).await?;
    let revision = tx.commit(state).await?;
    Ok(MemberResponse { member, revision })
}

/// A one-time code another parent can accept within 7 days (parents).
pub async fn create_invite(state: &AppState, access: &Access) -> Result<InviteResponse, ApiError> {
    access.require_parent()?;
    let family_id = &access.family_id;
    let now = now_ms();
    let invite = Invite {
        code: new_invite_code(),
        family_id: family_id.clone(),
        expires_at: now + INVITE_TTL_MS,
    };
    // A mutation like any other: it bumps the revision in its transaction.
    let mut tx = FamilyTx::begin(state, family_id).await?;
    sqlx::query("INSERT INTO invites (code, family_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&invite.code)
        .bind(family_id)
        .bind(access.caller.principal())
        .bind(now)
        .bind(invite.expires_at)
        .execute(tx.conn())
        .await?;
    let revision = tx.commit(state).await?;
    Ok(InviteResponse { invite, revision })
}

/// Joins the invite's family as a parent. Accepting a family one already
/// belongs to is a no-op; an unknown, used or expired code is a 404.
pub async fn accept_invite(
    state: &AppState,
    caller: &Caller,
    code: &str,
) -> Result<AcceptInviteResponse, ApiError> {
    let user_id = user_of(caller)?.to_owned();
    let code = code.trim().to_ascii_uppercase();
    let now = now_ms();
    let invite: Option<(String,)> = sqlx::query_as(
        "SELECT family_id FROM invites WHERE code = $1 AND accepted_at IS NULL AND expires_at > $2",
    )
    .bind(&code)
    .bind(now)
    .fetch_optional(&state.db.reader)
    .await?;
    let (family_id,) = invite.ok_or(ApiError::NotFound("invite"))?;
    let mut tx = FamilyTx::begin(state, &family_id).await?;
    // The conditional update makes a code single-use even under a race.
    let claimed = sqlx::query(
        "UPDATE invites SET accepted_by = $1, accepted_at = $2 WHERE code = $3 AND accepted_at IS NULL",
    )
    .bind(&user_id)
    .bind(now)
    .bind(&code)
    .execute(tx.conn())
    .await?;
    if claimed.rows_affected() == 0 {
        tx.unchanged().await?;
        return Err(ApiError::NotFound("invite"));
    }
    let existing: Option<(String,)> =
        sqlx::query_as("SELECT role FROM memberships WHERE family_id = $1 AND user_id = $2")
            .bind(&family_id)
            .bind(&user_id)
            .fetch_optional(tx.conn())
            .await?;
    if existing.is_none() {
        sqlx::query("INSERT INTO memberships (family_id, user_id, role, created_at) VALUES ($1, $2, 'parent', $3)")
            .bind(&family_id)
            .bind(&user_id)
            .bind(now)
            .execute(tx.conn())
            .await?;
    }
    let family = load_family(tx.conn(), &family_id).await?;
    tx.commit(state).await?;
    Ok(AcceptInviteResponse {
        family: FamilyRole {
            id: family.id,
            name: family.name,
            role: Role::Parent,
        },
    })
}

/// Sets or replaces the parent PIN kitchen screens must send for
/// confirmations, cancellations and star changes (parents).
pub async fn set_pin(state: &AppState, access: &Access, pin: String) -> Result<Family, ApiError> {
    access.require_parent()?;
    let family_id = access.family_id.as_str();
    validate::pin(&pin)?;
    let hash = hash_secret_limited(pin).await?;
    let mut tx = FamilyTx::begin(state, family_id).await?;
    // A new PIN lifts a pause that guesses at the old one caused.
    sqlx::query("UPDATE families SET pin_hash = $1, pin_attempts = 0 WHERE id = $2")
        .bind(&hash)
        .bind(family_id)
        .execute(tx.conn())
        .await?;
    let family = load_family(tx.conn(), family_id).await?;
    tx.commit(state).await?;
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
