//! Kitchen screens: their device tokens (made by a parent, revoked by a
//! parent; only the token's hash is stored) and pairing one with a
//! one-time code, so no parent password is ever typed on a shared screen
//! and no long token is typed at all.
//!
//! A pairing code is 10 characters from a 32-letter alphabet without
//! look-alikes (50 bits), lives 10 minutes and works once; only its
//! SHA-256 is stored. Even odds of guessing one live code within its
//! lifetime would take about 10^12 requests a second, so claims need no
//! rate limit of their own.

use kinboard_api::events::{KioskAdded, KioskRevoked};
use kinboard_api::{FamilyEvent, Kiosk, KioskCreated, KioskResponse, Pairing};

use crate::clock::now_ms;
use crate::domain::access::{Access, Caller, KIOSK_PREFIX, family_access, forget_kiosk};
use crate::error::ApiError;
use crate::ids::{canonical_code, new_id, new_invite_code, new_token, token_hash};
use crate::revision::FamilyTx;
use crate::state::AppState;
use crate::throttle::{self, Scope};
use crate::validate;

/// How long a pairing code works.
pub const PAIRING_TTL_MS: i64 = 10 * 60 * 1000;

const COLUMNS: &str = "id, family_id, name, created_at, revoked_at, last_seen_at";

/// Creates a kitchen screen's device token for the family (parents).
pub async fn create_kiosk(
    state: &AppState,
    access: &Access,
    name: &str,
) -> Result<KioskCreated, ApiError> {
    access.require_parent()?;
    let mut tx = FamilyTx::begin(state, &access.family_id).await?;
    let mut made = insert_kiosk(&mut tx, name).await?;
    made.events = tx.events();
    tx.commit(state).await?;
    Ok(made)
}

/// Adds a kitchen screen inside `tx`; returns it with its bearer token
/// (only the token's hash is stored).
pub async fn insert_kiosk(tx: &mut FamilyTx, name: &str) -> Result<KioskCreated, ApiError> {
    let name = validate::text("name", name, 60)?;
    let token = new_token(KIOSK_PREFIX);
    let kiosk = Kiosk {
        id: new_id("ksk"),
        family_id: tx.family_id().to_owned(),
        name,
        created_at: now_ms(),
        revoked_at: None,
        last_seen_at: None,
    };
    sqlx::query("INSERT INTO kiosks (id, family_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&kiosk.id)
        .bind(&kiosk.family_id)
        .bind(&kiosk.name)
        .bind(token_hash(&token))
        .bind(kiosk.created_at)
        .execute(tx.conn())
        .await?;
    let revision = tx.revision_for_event().await?;
    tx.emit(FamilyEvent::KioskAdded(KioskAdded {
        kiosk: kiosk.clone(),
        revision,
    }));
    Ok(KioskCreated {
        kiosk,
        token,
        events: Vec::new(),
    })
}

/// The family's kitchen screens, revoked ones included (parents).
pub async fn list_kiosks(state: &AppState, access: &Access) -> Result<Vec<Kiosk>, ApiError> {
    access.require_parent()?;
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM kiosks WHERE family_id = $1 ORDER BY created_at, id"
    ))
    .bind(&access.family_id)
    .fetch_all(&state.db.reader)
    .await?)
}

/// The kitchen screens still paired, for the snapshot.
pub async fn paired_kiosks(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    family_id: &str,
) -> Result<Vec<Kiosk>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM kiosks WHERE family_id = $1 AND revoked_at IS NULL \
         ORDER BY created_at, id"
    ))
    .bind(family_id)
    .fetch_all(conn)
    .await?)
}

/// Notes that a kitchen screen made a request: written at most once a
/// [`KIOSK_SEEN_EVERY`](crate::cache::KIOSK_SEEN_EVERY) per screen and instance, after the reply, so a screen's
/// requests do not all become writes.
pub fn seen(state: &AppState, kiosk_id: &str) {
    if state.kiosks_seen.get(&kiosk_id.to_owned()).is_some() {
        return;
    }
    state.kiosks_seen.insert(kiosk_id.to_owned(), ());
    let (state, kiosk_id) = (state.clone(), kiosk_id.to_owned());
    tokio::spawn(async move {
        let written = sqlx::query("UPDATE kiosks SET last_seen_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(&kiosk_id)
            .execute(&state.db.writer)
            .await;
        if let Err(e) = written {
            tracing::warn!(kiosk = %kiosk_id, error = %e, "could not note when the kitchen screen was seen");
        }
    });
}

/// Revokes a kitchen screen's token; the device gets 401 from then on
/// (parents). Revoking a revoked screen changes nothing.
pub async fn revoke_kiosk(
    state: &AppState,
    caller: &Caller,
    kiosk_id: &str,
) -> Result<KioskResponse, ApiError> {
    let kiosk: Kiosk = sqlx::query_as(&format!("SELECT {COLUMNS} FROM kiosks WHERE id = $1"))
        .bind(kiosk_id)
        .fetch_optional(&state.db.reader)
        .await?
        .ok_or(ApiError::NotFound("kiosk"))?;
    family_access(state, caller, &kiosk.family_id)
        .await
        .map_err(|_| ApiError::NotFound("kiosk"))?
        .require_parent()?;
    revoke(state, kiosk).await
}

/// A kitchen screen unpaired where it stands revokes its own token (its
/// sign-out), as a parent would.
pub async fn revoke_own_kiosk(state: &AppState, kiosk_id: &str) -> Result<KioskResponse, ApiError> {
    let kiosk: Kiosk = sqlx::query_as(&format!("SELECT {COLUMNS} FROM kiosks WHERE id = $1"))
        .bind(kiosk_id)
        .fetch_optional(&state.db.reader)
        .await?
        .ok_or(ApiError::NotFound("kiosk"))?;
    revoke(state, kiosk).await
}

async fn revoke(state: &AppState, kiosk: Kiosk) -> Result<KioskResponse, ApiError> {
    let kiosk_id = kiosk.id.clone();
    let kiosk_id = kiosk_id.as_str();
    if kiosk.revoked_at.is_some() {
        return Ok(KioskResponse {
            kiosk,
            events: Vec::new(),
        });
    }
    let mut tx = FamilyTx::begin(state, &kiosk.family_id).await?;
    sqlx::query("UPDATE kiosks SET revoked_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(kiosk_id)
        .execute(tx.conn())
        .await?;
    let kiosk: Kiosk = sqlx::query_as(&format!("SELECT {COLUMNS} FROM kiosks WHERE id = $1"))
        .bind(kiosk_id)
        .fetch_one(tx.conn())
        .await?;
    let revision = tx.revision();
    tx.emit(FamilyEvent::KioskRevoked(KioskRevoked {
        kiosk_id: kiosk_id.to_owned(),
        revision,
    }));
    let events = tx.events();
    let (cache, revoked, family) = (state.clone(), kiosk_id.to_owned(), kiosk.family_id.clone());
    tx.after_commit(move || {
        forget_kiosk(&cache, &revoked);
        // Its sockets hear `kiosk:revoked`, then close.
        crate::sockets::close_where(
            &cache,
            Some(&family),
            |g| matches!(&g.caller, Caller::Kiosk { kiosk_id, .. } if *kiosk_id == revoked),
            vec![crate::sockets::kiosk_user_id(&revoked)],
        );
    });
    tx.commit(state).await?;
    Ok(KioskResponse { kiosk, events })
}

fn shown(code: &str) -> String {
    let (a, b) = code.split_at(code.len() / 2);
    format!("{a}-{b}")
}

/// Makes a one-time code that pairs a kitchen screen named `name` with
/// the family (parents).
pub async fn create_pairing(
    state: &AppState,
    access: &Access,
    name: &str,
) -> Result<Pairing, ApiError> {
    access.require_parent()?;
    let name = validate::text("name", name, 60)?;
    let code = new_invite_code();
    let now = now_ms();
    let pairing = Pairing {
        code: shown(&code),
        name,
        expires_at: now + PAIRING_TTL_MS,
    };
    // Nothing any screen shows changes until the code is claimed: no
    // family transaction, no revision (the claim has both).
    sqlx::query(
        "INSERT INTO kiosk_pairings (code_hash, family_id, name, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash(&code))
    .bind(&access.family_id)
    .bind(&pairing.name)
    .bind(access.caller.principal())
    .bind(now)
    .bind(pairing.expires_at)
    .execute(&state.db.writer)
    .await?;
    Ok(pairing)
}

/// Trades a pairing code for a kiosk token. An unknown, used or expired
/// code is a 404, the same for each, so an answer tells a guesser nothing;
/// wrong codes count against the address they come from ([`throttle`]).
pub async fn claim_pairing(
    state: &AppState,
    code: &str,
    from: std::net::IpAddr,
) -> Result<KioskCreated, ApiError> {
    let code = canonical_code(code);
    if code.is_empty() || code.len() > 32 {
        return Err(ApiError::invalid(
            "code must be the 10 letters and digits shown",
        ));
    }
    let hash = token_hash(&code);
    let now = now_ms();
    let attempt = throttle::reserve(state, &Scope::PairingFrom(from)).await?;
    let found: Result<Option<(String, String)>, sqlx::Error> = sqlx::query_as(
        "SELECT family_id, name FROM kiosk_pairings WHERE code_hash = $1 AND kiosk_id IS NULL AND expires_at > $2",
    )
    .bind(&hash)
    .bind(now)
    .fetch_optional(&state.db.reader)
    .await;
    let found = match found {
        Ok(found) => found,
        Err(e) => {
            let _ = attempt.refund(state).await;
            return Err(e.into());
        }
    };
    let Some((family_id, name)) = found else {
        if attempt.failed().is_some() {
            tracing::warn!(address = %from, "pairing locked for an address after repeated wrong codes");
        }
        return Err(ApiError::NotFound("pairing code"));
    };
    attempt.succeeded(state).await?;
    let mut tx = FamilyTx::begin(state, &family_id).await?;
    let mut made = insert_kiosk(&mut tx, &name).await?;
    // The conditional update makes a code single-use even when two screens
    // race with it: the loser rolls back, its kiosk with it.
    let claimed = sqlx::query(
        "UPDATE kiosk_pairings SET kiosk_id = $1 WHERE code_hash = $2 AND kiosk_id IS NULL AND expires_at > $3",
    )
    .bind(&made.kiosk.id)
    .bind(&hash)
    .bind(now)
    .execute(tx.conn())
    .await?;
    if claimed.rows_affected() == 0 {
        tx.unchanged().await?;
        return Err(ApiError::NotFound("pairing code"));
    }
    made.events = tx.events();
    tx.commit(state).await?;
    tracing::info!(kiosk = %made.kiosk.id, family = %family_id, "kitchen screen paired");
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_shown_in_halves_and_read_back_however_typed() {
        assert_eq!(shown("ABCDEFGHJK"), "ABCDE-FGHJK");
        assert_eq!(canonical_code("abcde-fghjk"), "ABCDEFGHJK");
        assert_eq!(canonical_code(" ABCDE FGHJK\n"), "ABCDEFGHJK");
    }
}
