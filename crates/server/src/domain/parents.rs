//! The family's parents and how one more joins: invites. A parent makes an
//! invite, reads its code out (or sends it) to the other parent, who
//! accepts it with their own account. Codes are 140-bit, shown once, kept
//! only as their SHA-256, work once and for [`INVITE_TTL_MS`], and can be
//! revoked. Parents see who the parents are and the invites still open
//! (never a code), and may remove another parent — which ends that
//! parent's sessions, and revokes the invites they made — but never the
//! last one.

use std::net::IpAddr;

use kinboard_api::events::{InviteClosed, InviteCreated, ParentAdded, ParentRemoved};
use kinboard_api::{
    AcceptInviteResponse, DeletedResponse, FamilyEvent, FamilyRole, Invite, InviteResponse, Parent,
    PendingInvite, Role,
};

use crate::clock::now_ms;
use crate::domain::access::{Access, Caller, family_access, user_of};
use crate::domain::families::load_family;
use crate::error::ApiError;
use crate::ids::{canonical_code, grouped_code, new_id, new_secret_code, token_hash};
use crate::principal::Caller as Principal;
use crate::revision::FamilyTx;
use crate::state::AppState;
use crate::throttle::{self, Scope};

/// How long an invite works.
pub const INVITE_TTL_MS: i64 = 48 * 3600 * 1000;
/// Characters in an invite code (5 bits each: 140 bits).
pub const INVITE_CODE_LEN: usize = 28;

/// The family's parents, the first one first.
pub async fn parents_of(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    family_id: &str,
) -> Result<Vec<Parent>, ApiError> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.name, m.created_at AS joined_at FROM memberships m \
         JOIN users u ON u.id = m.user_id \
         WHERE m.family_id = $1 AND m.role = 'parent' ORDER BY m.created_at, u.id",
    )
    .bind(family_id)
    .fetch_all(conn)
    .await?)
}

/// Invites of the family that still work, the newest first.
pub async fn open_invites(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    family_id: &str,
    now: i64,
) -> Result<Vec<PendingInvite>, ApiError> {
    Ok(sqlx::query_as(
        "SELECT id, created_by, created_at, expires_at FROM invites \
         WHERE family_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2 \
         ORDER BY created_at DESC, id",
    )
    .bind(family_id)
    .bind(now)
    .fetch_all(conn)
    .await?)
}

/// The parents, for a parent of the family.
pub async fn list_parents(state: &AppState, access: &Access) -> Result<Vec<Parent>, ApiError> {
    access.require_parent()?;
    parents_of(&state.db.reader, &access.family_id).await
}

/// The open invites, for a parent of the family.
pub async fn list_invites(
    state: &AppState,
    access: &Access,
) -> Result<Vec<PendingInvite>, ApiError> {
    access.require_parent()?;
    open_invites(&state.db.reader, &access.family_id, now_ms()).await
}

/// A new invite to the family (parents); its code is in this reply only.
pub async fn create_invite(state: &AppState, access: &Access) -> Result<InviteResponse, ApiError> {
    access.require_parent()?;
    let family_id = &access.family_id;
    let code = new_secret_code(INVITE_CODE_LEN);
    let pending = PendingInvite {
        id: new_id("inv"),
        created_by: access.user_id()?.to_owned(),
        created_at: now_ms(),
        expires_at: now_ms() + INVITE_TTL_MS,
    };
    let mut tx = FamilyTx::begin(state, family_id).await?;
    sqlx::query(
        "INSERT INTO invites (id, family_id, code_hash, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&pending.id)
    .bind(family_id)
    .bind(token_hash(&code))
    .bind(&pending.created_by)
    .bind(pending.created_at)
    .bind(pending.expires_at)
    .execute(tx.conn())
    .await?;
    let revision = tx.revision();
    tx.emit(FamilyEvent::InviteCreated(InviteCreated {
        invite: pending.clone(),
        revision,
    }));
    let events = tx.events();
    tx.commit(state).await?;
    Ok(InviteResponse {
        invite: Invite {
            id: pending.id,
            code: grouped_code(&code),
            family_id: family_id.clone(),
            expires_at: pending.expires_at,
        },
        revision,
        events,
    })
}

/// Revokes an open invite (parents). One already accepted, revoked or
/// expired stays as it is, and the reply says nothing changed.
pub async fn revoke_invite(
    state: &AppState,
    caller: &Caller,
    invite_id: &str,
) -> Result<DeletedResponse, ApiError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT family_id FROM invites WHERE id = $1")
        .bind(invite_id)
        .fetch_optional(&state.db.reader)
        .await?;
    let (family_id,) = row.ok_or(ApiError::NotFound("invite"))?;
    family_access(state, caller, &family_id)
        .await
        .map_err(|_| ApiError::NotFound("invite"))?
        .require_parent()?;
    let mut tx = FamilyTx::begin(state, &family_id).await?;
    let closed = sqlx::query(
        "UPDATE invites SET revoked_at = $1 \
         WHERE id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now_ms())
    .bind(invite_id)
    .execute(tx.conn())
    .await?;
    if closed.rows_affected() == 0 {
        let revision = tx.unchanged().await?;
        return Ok(DeletedResponse {
            deleted: invite_id.to_owned(),
            revision,
            events: Vec::new(),
        });
    }
    let revision = tx.revision();
    tx.emit(FamilyEvent::InviteClosed(InviteClosed {
        invite_id: invite_id.to_owned(),
        revision,
    }));
    let events = tx.events();
    tx.commit(state).await?;
    Ok(DeletedResponse {
        deleted: invite_id.to_owned(),
        revision,
        events,
    })
}

/// The open invite `code` names, as (invite id, family id). Wrong codes
/// count against the address they come from ([`throttle`]): ten a round,
/// then growing lockouts.
pub async fn find_open_invite(
    state: &AppState,
    code: &str,
    from: IpAddr,
) -> Result<(String, String), ApiError> {
    let code = canonical_code(code);
    if code.is_empty() || code.len() > 64 {
        return Err(ApiError::invalid(
            "code must be the letters and digits of the invite",
        ));
    }
    let attempt = throttle::reserve(state, &Scope::InviteFrom(from)).await?;
    let invite: Result<Option<(String, String)>, sqlx::Error> = sqlx::query_as(
        "SELECT id, family_id FROM invites WHERE code_hash = $1 \
         AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash(&code))
    .bind(now_ms())
    .fetch_optional(&state.db.reader)
    .await;
    match invite {
        Err(e) => {
            let _ = attempt.refund(state).await;
            Err(e.into())
        }
        Ok(Some(found)) => {
            attempt.succeeded(state).await?;
            Ok(found)
        }
        Ok(None) => {
            if attempt.failed().is_some() {
                tracing::warn!(address = %from, "invite codes locked for an address after repeated wrong codes");
            }
            Err(ApiError::NotFound("invite"))
        }
    }
}

/// Joins the invite's family as a parent. The code works once: accepting
/// it for a family one belongs to already uses it up and changes nothing
/// else. An unknown, used, revoked or expired code is the same 404, so an
/// answer tells a guesser nothing.
pub async fn accept_invite(
    state: &AppState,
    caller: &Caller,
    code: &str,
    from: IpAddr,
) -> Result<AcceptInviteResponse, ApiError> {
    let user_id = user_of(caller)?.to_owned();
    let (invite_id, family_id) = find_open_invite(state, code, from).await?;
    let now = now_ms();
    let mut tx = FamilyTx::begin(state, &family_id).await?;
    // The conditional update makes a code single-use even under a race.
    let claimed = sqlx::query(
        "UPDATE invites SET accepted_by = $1, accepted_at = $2 \
         WHERE id = $3 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(&user_id)
    .bind(now)
    .bind(&invite_id)
    .execute(tx.conn())
    .await?;
    if claimed.rows_affected() == 0 {
        tx.unchanged().await?;
        return Err(ApiError::NotFound("invite"));
    }
    let revision = tx.revision();
    tx.emit(FamilyEvent::InviteClosed(InviteClosed {
        invite_id,
        revision,
    }));
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
        let (name,): (String,) = sqlx::query_as("SELECT name FROM users WHERE id = $1")
            .bind(&user_id)
            .fetch_one(tx.conn())
            .await?;
        let revision = tx.revision_for_event().await?;
        tx.emit(FamilyEvent::ParentAdded(ParentAdded {
            parent: Parent {
                id: user_id.clone(),
                name,
                joined_at: now,
            },
            revision,
        }));
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

/// Removes a parent from the family (parents). Removing another parent
/// revokes the invites and the unclaimed kitchen-screen pairing codes
/// they made here, so a parent who is no longer trusted keeps no way back
/// in, and ends their sessions when this was their last family (in
/// others they stay signed in: this family answers them 404 from now
/// on). Leaving oneself keeps one's sessions. The last parent stays.
pub async fn remove_parent(
    state: &AppState,
    access: &Access,
    user_id: &str,
) -> Result<DeletedResponse, ApiError> {
    access.require_parent()?;
    let family_id = access.family_id.as_str();
    let leaving = access.user_id()? == user_id;
    let mut tx = FamilyTx::begin(state, family_id).await?;
    let parents = parents_of(tx.conn(), family_id).await?;
    if !parents.iter().any(|p| p.id == user_id) {
        tx.unchanged().await?;
        return Err(ApiError::NotFound("parent"));
    }
    if parents.len() == 1 {
        tx.unchanged().await?;
        return Err(ApiError::LastParent);
    }
    let now = now_ms();
    sqlx::query("DELETE FROM memberships WHERE family_id = $1 AND user_id = $2")
        .bind(family_id)
        .bind(user_id)
        .execute(tx.conn())
        .await?;
    let revoked: Vec<(String,)> = sqlx::query_as(
        "UPDATE invites SET revoked_at = $1 WHERE family_id = $2 AND created_by = $3 \
         AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1 RETURNING id",
    )
    .bind(now)
    .bind(family_id)
    .bind(user_id)
    .fetch_all(tx.conn())
    .await?;
    // Claimable for minutes yet, each would mint a kitchen screen.
    sqlx::query(
        "UPDATE kiosk_pairings SET expires_at = $1 WHERE family_id = $2 AND created_by = $3 \
         AND kiosk_id IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(family_id)
    .bind(user_id)
    .execute(tx.conn())
    .await?;
    let (families_left,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM memberships WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(tx.conn())
            .await?;
    let end_sessions = !leaving && families_left == 0;
    let ended: Vec<(String,)> = if end_sessions {
        sqlx::query_as(
            "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL \
             RETURNING token_hash",
        )
        .bind(now)
        .bind(user_id)
        .fetch_all(tx.conn())
        .await?
    } else {
        Vec::new()
    };
    // Behind a Pusher engine, the sessions that ended are disconnected
    // everywhere; a parent who keeps other families keeps their
    // connections (there is no call to take one channel from a socket:
    // it is refused when it next subscribes).
    let ended_users: Vec<String> = ended
        .iter()
        .map(|(hash,)| crate::sockets::session_user_id(hash))
        .collect();
    for (invite_id,) in revoked {
        let revision = tx.revision_for_event().await?;
        tx.emit(FamilyEvent::InviteClosed(InviteClosed {
            invite_id,
            revision,
        }));
    }
    let revision = tx.revision_for_event().await?;
    tx.emit(FamilyEvent::ParentRemoved(ParentRemoved {
        user_id: user_id.to_owned(),
        revision,
    }));
    let (cache, removed, family) = (state.clone(), user_id.to_owned(), family_id.to_owned());
    tx.after_commit(move || {
        cache.roles.remove(&(removed.clone(), family.clone()));
        if end_sessions {
            cache.sessions.retain(
                |_, (caller, _)| !matches!(caller, Principal::User { user_id } if *user_id == removed),
            );
        }
        // Their sockets on this family's channel hear it end, then close.
        crate::sockets::close_where(
            &cache,
            Some(&family),
            |g| {
                g.family_id == family
                    && matches!(&g.caller, Principal::User { user_id } if *user_id == removed)
            },
            ended_users,
        );
    });
    let events = tx.events();
    tx.commit(state).await?;
    tracing::info!(family = %family_id, parent = %user_id, leaving, "parent removed");
    Ok(DeletedResponse {
        deleted: user_id.to_owned(),
        revision,
        events,
    })
}
