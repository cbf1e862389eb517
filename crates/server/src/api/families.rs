//! Families and who is in them: creating and renaming a family, its time
//! zone, child profiles (members), inviting another parent by code, the
//! parent PIN, and kiosk device tokens.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, patch, post, put};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::accounts::FamilyRole;
use crate::auth::{Caller, KIOSK_PREFIX, Role, family_access};
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::http::{ApiJson, Reply};
use crate::ids::{hash_secret_limited, new_id, new_invite_code, new_token, token_hash};
use crate::revision::FamilyTx;
use crate::state::AppState;
use crate::validate;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/families", post(create_family))
        .route(
            "/api/families/{family_id}",
            get(get_family).patch(update_family),
        )
        .route(
            "/api/families/{family_id}/members",
            post(add_member).get(list_members),
        )
        .route("/api/members/{member_id}", patch(update_member))
        .route("/api/families/{family_id}/invites", post(create_invite))
        .route("/api/invites/{code}/accept", post(accept_invite))
        .route("/api/families/{family_id}/pin", put(set_pin))
        .route(
            "/api/families/{family_id}/kiosks",
            post(create_kiosk).get(list_kiosks),
        )
        .route(
            "/api/kiosks/{kiosk_id}",
            axum::routing::delete(revoke_kiosk),
        )
}

const PALETTE: [&str; 8] = [
    "#e4572e", "#17bebb", "#ffc914", "#76b041", "#7e5bef", "#f25f9c", "#2e86ab", "#ff8c42",
];
const INVITE_TTL_MS: i64 = 7 * 24 * 3600 * 1000;

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Family {
    pub id: String,
    pub name: String,
    /// IANA zone; weekly stars start on Monday 00:00 here.
    pub time_zone: String,
    pub has_pin: bool,
    pub revision: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub id: String,
    pub family_id: String,
    pub name: String,
    pub color: String,
    /// Current star balance.
    pub balance: i64,
    pub created_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FamilyResponse {
    pub family: Family,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberResponse {
    pub member: Member,
    pub revision: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembersResponse {
    pub members: Vec<Member>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateFamilyRequest {
    pub name: String,
    /// IANA time zone, default `UTC`.
    pub time_zone: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateFamilyRequest {
    pub name: Option<String>,
    pub time_zone: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemberRequest {
    pub name: String,
    /// `#rrggbb`; a palette colour when omitted.
    pub color: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateMemberRequest {
    pub name: Option<String>,
    pub color: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Invite {
    pub code: String,
    pub family_id: String,
    pub expires_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InviteResponse {
    pub invite: Invite,
    pub revision: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptInviteResponse {
    pub family: FamilyRole,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinRequest {
    /// 4 to 8 digits.
    pub pin: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KioskRequest {
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Kiosk {
    pub id: String,
    pub family_id: String,
    pub name: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KioskCreated {
    pub kiosk: Kiosk,
    /// The device's bearer token; shown once, only its hash is stored.
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KiosksResponse {
    pub kiosks: Vec<Kiosk>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KioskResponse {
    pub kiosk: Kiosk,
}

fn user_of(caller: &Caller) -> Result<&str, ApiError> {
    match caller {
        Caller::User { user_id } => Ok(user_id),
        Caller::Kiosk { .. } => Err(ApiError::forbidden("a kiosk may not do this")),
    }
}

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

/// Creates a family; the caller becomes its first parent.
#[utoipa::path(post, path = "/api/families", tag = "families", request_body = CreateFamilyRequest,
    responses((status = 201, body = FamilyResponse), (status = 422)), security(("bearer" = [])))]
pub async fn create_family(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateFamilyRequest>,
) -> Result<Reply, ApiError> {
    let user_id = user_of(&caller)?;
    let family = create_family_for(&state, user_id, &req.name, req.time_zone.as_deref()).await?;
    Reply::created(FamilyResponse { family })
}

pub async fn create_family_for(
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

#[utoipa::path(get, path = "/api/families/{familyId}", tag = "families",
    params(("familyId" = String, Path)),
    responses((status = 200, body = FamilyResponse), (status = 404)), security(("bearer" = [])))]
pub async fn get_family(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id).await?;
    Reply::ok(FamilyResponse {
        family: load_family(&state.db.reader, &family_id).await?,
    })
}

/// Renames a family or changes its time zone (parents).
#[utoipa::path(patch, path = "/api/families/{familyId}", tag = "families",
    params(("familyId" = String, Path)), request_body = UpdateFamilyRequest,
    responses((status = 200, body = FamilyResponse), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn update_family(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    ApiJson(req): ApiJson<UpdateFamilyRequest>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id)
        .await?
        .require_parent()?;
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
    let mut tx = FamilyTx::begin(&state, &family_id).await?;
    if let Some(name) = &name {
        sqlx::query("UPDATE families SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(&family_id)
            .execute(tx.conn())
            .await?;
    }
    if let Some(tz) = &time_zone {
        sqlx::query("UPDATE families SET time_zone = $1 WHERE id = $2")
            .bind(tz)
            .bind(&family_id)
            .execute(tx.conn())
            .await?;
    }
    let family = load_family(tx.conn(), &family_id).await?;
    tx.commit(&state).await?;
    Reply::ok(FamilyResponse { family })
}

/// Adds a child profile (parents).
#[utoipa::path(post, path = "/api/families/{familyId}/members", tag = "families",
    params(("familyId" = String, Path)), request_body = MemberRequest,
    responses((status = 201, body = MemberResponse), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    ApiJson(req): ApiJson<MemberRequest>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id)
        .await?
        .require_parent()?;
    let (member, revision) =
        add_member_to(&state, &family_id, &req.name, req.color.as_deref()).await?;
    Reply::created(MemberResponse { member, revision })
}

pub async fn add_member_to(
    state: &AppState,
    family_id: &str,
    name: &str,
    color: Option<&str>,
) -> Result<(Member, i64), ApiError> {
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
    Ok((member, revision))
}

#[utoipa::path(get, path = "/api/families/{familyId}/members", tag = "families",
    params(("familyId" = String, Path)),
    responses((status = 200, body = MembersResponse), (status = 404)), security(("bearer" = [])))]
pub async fn list_members(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id).await?;
    Reply::ok(MembersResponse {
        members: members_of(&state.db.reader, &family_id).await?,
    })
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
#[utoipa::path(patch, path = "/api/members/{memberId}", tag = "families",
    params(("memberId" = String, Path)), request_body = UpdateMemberRequest,
    responses((status = 200, body = MemberResponse), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn update_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(member_id): Path<String>,
    ApiJson(req): ApiJson<UpdateMemberRequest>,
) -> Result<Reply, ApiError> {
    let member = load_member(&state.db.reader, &member_id).await?;
    family_access(&state, &caller, &member.family_id)
        .await
        .map_err(|_| ApiError::NotFound("member"))?
        .require_parent()?;
    let name = req
        .name
        .as_deref()
        .map(|n| validate::text("name", n, 40))
        .transpose()?;
    let color = req.color.as_deref().map(validate::color).transpose()?;
    let mut tx = FamilyTx::begin(&state, &member.family_id).await?;
    // Read again inside the family's transaction, which serialises the
    // family's writers: a row read before it could be older than a PATCH
    // that committed meanwhile, and writing it back would undo that one.
    let member = member_in_family(tx.conn(), &member.family_id, &member_id).await?;
    sqlx::query("UPDATE members SET name = $1, color = $2 WHERE id = $3")
        .bind(name.unwrap_or(member.name))
        .bind(color.unwrap_or(member.color))
        .bind(&member_id)
        .execute(tx.conn())
        .await?;
    let member = load_member(tx.conn(), &member_id).await?;
    let revision = tx.commit(&state).await?;
    Reply::ok(MemberResponse { member, revision })
}

/// Creates a one-time code another parent can accept within 7 days.
#[utoipa::path(post, path = "/api/families/{familyId}/invites", tag = "families",
    params(("familyId" = String, Path)),
    responses((status = 201, body = InviteResponse), (status = 404)), security(("bearer" = [])))]
pub async fn create_invite(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    access.require_parent()?;
    let now = now_ms();
    let invite = Invite {
        code: new_invite_code(),
        family_id: family_id.clone(),
        expires_at: now + INVITE_TTL_MS,
    };
    // A mutation like any other: it bumps the revision in its transaction.
    let mut tx = FamilyTx::begin(&state, &family_id).await?;
    sqlx::query("INSERT INTO invites (code, family_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&invite.code)
        .bind(&family_id)
        .bind(caller.principal())
        .bind(now)
        .bind(invite.expires_at)
        .execute(tx.conn())
        .await?;
    let revision = tx.commit(&state).await?;
    Reply::created(InviteResponse { invite, revision })
}

/// Joins the invite's family as a parent. Accepting a family one already
/// belongs to is a no-op.
#[utoipa::path(post, path = "/api/invites/{code}/accept", tag = "families",
    params(("code" = String, Path)),
    responses((status = 200, body = AcceptInviteResponse), (status = 404, description = "unknown, used or expired code")),
    security(("bearer" = [])))]
pub async fn accept_invite(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Reply, ApiError> {
    let user_id = user_of(&caller)?.to_owned();
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
    let mut tx = FamilyTx::begin(&state, &family_id).await?;
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
    tx.commit(&state).await?;
    Reply::ok(AcceptInviteResponse {
        family: FamilyRole {
            id: family.id,
            name: family.name,
            role: Role::Parent,
        },
    })
}

/// Sets or replaces the parent PIN kiosks must send for confirmations and
/// star changes (parents).
#[utoipa::path(put, path = "/api/families/{familyId}/pin", tag = "families",
    params(("familyId" = String, Path)), request_body = PinRequest,
    responses((status = 200, body = FamilyResponse), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn set_pin(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    ApiJson(req): ApiJson<PinRequest>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id)
        .await?
        .require_parent()?;
    validate::pin(&req.pin)?;
    let hash = hash_secret_limited(req.pin).await?;
    let mut tx = FamilyTx::begin(&state, &family_id).await?;
    // A new PIN lifts a pause that guesses at the old one caused.
    sqlx::query("UPDATE families SET pin_hash = $1, pin_attempts = 0 WHERE id = $2")
        .bind(&hash)
        .bind(&family_id)
        .execute(tx.conn())
        .await?;
    let family = load_family(tx.conn(), &family_id).await?;
    tx.commit(&state).await?;
    Reply::ok(FamilyResponse { family })
}

/// Creates a kiosk device token for the family (parents).
#[utoipa::path(post, path = "/api/families/{familyId}/kiosks", tag = "families",
    params(("familyId" = String, Path)), request_body = KioskRequest,
    responses((status = 201, body = KioskCreated), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn create_kiosk(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    ApiJson(req): ApiJson<KioskRequest>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id)
        .await?
        .require_parent()?;
    let (kiosk, token) = create_kiosk_for(&state, &family_id, &req.name).await?;
    Reply::created(KioskCreated { kiosk, token })
}

pub async fn create_kiosk_for(
    state: &AppState,
    family_id: &str,
    name: &str,
) -> Result<(Kiosk, String), ApiError> {
    let mut tx = FamilyTx::begin(state, family_id).await?;
    let made = insert_kiosk(&mut tx, family_id, name).await?;
    tx.commit(state).await?;
    Ok(made)
}

/// Adds a kiosk device inside `tx`; returns it with its bearer token (only
/// the token's hash is stored).
pub async fn insert_kiosk(
    tx: &mut FamilyTx,
    family_id: &str,
    name: &str,
) -> Result<(Kiosk, String), ApiError> {
    let name = validate::text("name", name, 60)?;
    let token = new_token(KIOSK_PREFIX);
    let kiosk = Kiosk {
        id: new_id("ksk"),
        family_id: family_id.to_owned(),
        name,
        created_at: now_ms(),
        revoked_at: None,
    };
    sqlx::query("INSERT INTO kiosks (id, family_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&kiosk.id)
        .bind(&kiosk.family_id)
        .bind(&kiosk.name)
        .bind(token_hash(&token))
        .bind(kiosk.created_at)
        .execute(tx.conn())
        .await?;
    Ok((kiosk, token))
}

#[utoipa::path(get, path = "/api/families/{familyId}/kiosks", tag = "families",
    params(("familyId" = String, Path)),
    responses((status = 200, body = KiosksResponse), (status = 404)), security(("bearer" = [])))]
pub async fn list_kiosks(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
) -> Result<Reply, ApiError> {
    family_access(&state, &caller, &family_id)
        .await?
        .require_parent()?;
    let kiosks: Vec<Kiosk> = sqlx::query_as(
        "SELECT id, family_id, name, created_at, revoked_at FROM kiosks WHERE family_id = $1 ORDER BY created_at, id",
    )
    .bind(&family_id)
    .fetch_all(&state.db.reader)
    .await?;
    Reply::ok(KiosksResponse { kiosks })
}

/// Revokes a kiosk token; the device gets 401 from then on (parents).
#[utoipa::path(delete, path = "/api/kiosks/{kioskId}", tag = "families",
    params(("kioskId" = String, Path)),
    responses((status = 200, body = KioskResponse), (status = 404)), security(("bearer" = [])))]
pub async fn revoke_kiosk(
    State(state): State<AppState>,
    caller: Caller,
    Path(kiosk_id): Path<String>,
) -> Result<Reply, ApiError> {
    let kiosk: Kiosk = sqlx::query_as(
        "SELECT id, family_id, name, created_at, revoked_at FROM kiosks WHERE id = $1",
    )
    .bind(&kiosk_id)
    .fetch_optional(&state.db.reader)
    .await?
    .ok_or(ApiError::NotFound("kiosk"))?;
    family_access(&state, &caller, &kiosk.family_id)
        .await
        .map_err(|_| ApiError::NotFound("kiosk"))?
        .require_parent()?;
    if kiosk.revoked_at.is_some() {
        return Reply::ok(KioskResponse { kiosk });
    }
    let mut tx = FamilyTx::begin(&state, &kiosk.family_id).await?;
    sqlx::query("UPDATE kiosks SET revoked_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(&kiosk_id)
        .execute(tx.conn())
        .await?;
    let kiosk: Kiosk = sqlx::query_as(
        "SELECT id, family_id, name, created_at, revoked_at FROM kiosks WHERE id = $1",
    )
    .bind(&kiosk_id)
    .fetch_one(tx.conn())
    .await?;
    tx.commit(&state).await?;
    crate::auth::forget_kiosk(&state, &kiosk_id);
    Reply::ok(KioskResponse { kiosk })
}
