//! Who is calling and what they may do: a bearer token's [`Caller`]
//! ([`authenticate`]), family access ([`Access`], a 404 for anyone outside
//! the family so existence never leaks) and the role rules (parents may do
//! everything; kitchen screens control timers and complete chores, and
//! need the family's parent PIN to confirm timers, cancel them or change
//! stars).

use std::time::Duration;

use kinboard_api::Role;

use crate::clock::now_ms;
use crate::error::ApiError;
use crate::ids::{Hashing, token_hash, verify_secret_limited};
pub use crate::principal::Caller;
use crate::state::AppState;

/// Prefix of a user session token.
pub const SESSION_PREFIX: &str = "kbs";
/// Prefix of a kiosk device token.
pub const KIOSK_PREFIX: &str = "kbk";

/// PIN attempts a family's kiosks may make (a right PIN clears them)
/// before PIN checks pause…
pub const PIN_ATTEMPTS: u32 = 5;
/// …for this long after the latest one. A 4-digit PIN is no secret against
/// unlimited guesses from the kitchen screen.
pub const PIN_LOCKOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The caller a bearer token stands for, or [`ApiError::Unauthorized`].
pub async fn authenticate(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    let hash = token_hash(token);
    let now = now_ms();
    if let Some((caller, expires_at)) = state.sessions.get(&hash) {
        if expires_at > now {
            if let Caller::Kiosk { kiosk_id, .. } = &caller {
                crate::domain::kiosks::seen(state, kiosk_id);
            }
            return Ok(caller);
        }
        state.sessions.remove(&hash);
    }
    let found = if token.starts_with(SESSION_PREFIX) {
        let row: Option<(String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT user_id, expires_at, revoked_at FROM sessions WHERE token_hash = $1",
        )
        .bind(&hash)
        .fetch_optional(&state.db.reader)
        .await?;
        match row {
            Some((user_id, expires_at, None)) if expires_at > now => {
                Some((Caller::User { user_id }, expires_at))
            }
            _ => None,
        }
    } else if token.starts_with(KIOSK_PREFIX) {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT id, family_id FROM kiosks WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(&hash)
        .fetch_optional(&state.db.reader)
        .await?;
        row.map(|(kiosk_id, family_id)| {
            (
                Caller::Kiosk {
                    kiosk_id,
                    family_id,
                },
                i64::MAX,
            )
        })
    } else {
        None
    };
    let (caller, expires_at) = found.ok_or(ApiError::Unauthorized)?;
    state.sessions.insert(hash, (caller.clone(), expires_at));
    if let Caller::Kiosk { kiosk_id, .. } = &caller {
        crate::domain::kiosks::seen(state, kiosk_id);
    }
    Ok(caller)
}

/// Forgets a revoked token at once (sign-out).
pub fn forget_token(state: &AppState, token: &str) {
    state.sessions.remove(&token_hash(token));
}

/// Forgets a revoked kiosk at once.
pub fn forget_kiosk(state: &AppState, kiosk_id: &str) {
    state.sessions.retain(
        |_, (caller, _)| !matches!(caller, Caller::Kiosk { kiosk_id: k, .. } if k == kiosk_id),
    );
}

/// A caller's standing in one family.
#[derive(Debug, Clone)]
pub struct Access {
    pub family_id: String,
    pub role: Role,
    pub caller: Caller,
}

/// The caller's role in `family_id`, or a 404 when they are not in it.
pub async fn family_access(
    state: &AppState,
    caller: &Caller,
    family_id: &str,
) -> Result<Access, ApiError> {
    let role = match caller {
        Caller::Kiosk { family_id: own, .. } => (own == family_id).then_some(Role::Kiosk),
        Caller::User { user_id } => {
            let key = (user_id.clone(), family_id.to_owned());
            match state.roles.get(&key) {
                Some(role) => Some(role),
                None => {
                    let role: Option<(String,)> = sqlx::query_as(
                        "SELECT role FROM memberships WHERE family_id = $1 AND user_id = $2",
                    )
                    .bind(family_id)
                    .bind(user_id)
                    .fetch_optional(&state.db.reader)
                    .await?;
                    let role = role.and_then(|(r,)| Role::try_from(r).ok());
                    if let Some(role) = role {
                        state.roles.insert(key, role);
                    }
                    role
                }
            }
        }
    };
    role.map(|role| Access {
        family_id: family_id.to_owned(),
        role,
        caller: caller.clone(),
    })
    .ok_or(ApiError::NotFound("family"))
}

impl Access {
    /// The account behind a parent's access (a kitchen screen has none).
    pub fn user_id(&self) -> Result<&str, ApiError> {
        user_of(&self.caller)
    }

    /// Parents only (family settings, members, templates, chores CRUD).
    pub fn require_parent(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Parent => Ok(()),
            Role::Kiosk => Err(ApiError::parents_only()),
        }
    }

    /// Parents, or a kiosk that sends the family's parent PIN.
    pub async fn require_parent_or_pin(
        &self,
        state: &AppState,
        pin: Option<&str>,
    ) -> Result<(), ApiError> {
        if self.role == Role::Parent {
            return Ok(());
        }
        let Some(pin) = pin else {
            return Err(ApiError::PinRequired);
        };
        check_pin(state, &self.family_id, pin).await
    }
}

/// Checks `pin` against the family's parent PIN, counting the attempt
/// first (see [`reserve_pin_attempt`]); a right PIN clears the count.
pub async fn check_pin(state: &AppState, family_id: &str, pin: &str) -> Result<(), ApiError> {
    let Some(hash) = reserve_pin_attempt(state, family_id).await? else {
        let row: Option<(Option<String>, Option<i64>)> =
            sqlx::query_as("SELECT pin_hash, pin_attempt_at FROM families WHERE id = $1")
                .bind(family_id)
                .fetch_optional(&state.db.reader)
                .await?;
        return Err(match row {
            Some((Some(_), last)) => {
                let pause = i64::try_from(PIN_LOCKOUT.as_millis()).unwrap_or(i64::MAX);
                let left = last.unwrap_or(0).saturating_add(pause) - now_ms();
                ApiError::TooManyAttempts {
                    message: "too many wrong PINs; try again in a minute".into(),
                    retry_after: Duration::from_millis(u64::try_from(left).unwrap_or(0)),
                }
            }
            _ => ApiError::NoPinSet,
        });
    };
    let ok = verify_secret_limited(Hashing::Pins, pin.to_owned(), hash).await?;
    if ok {
        // The caller knows the PIN: earlier wrong ones no longer count.
        sqlx::query("UPDATE families SET pin_attempts = 0 WHERE id = $1")
            .bind(family_id)
            .execute(&state.db.writer)
            .await?;
        Ok(())
    } else {
        Err(ApiError::WrongPin)
    }
}

/// Counts one PIN attempt for `family_id` before the PIN is verified, and
/// returns the PIN hash to verify against; `None` when the family has no
/// PIN or has used up its attempts until [`PIN_LOCKOUT`] after the latest.
///
/// Reserving first, in one conditional update, is what makes the limit
/// hold: a read-verify-write lets parallel guesses all read the same count,
/// and a count in this process would give every instance its own five.
/// Attempts older than the pause no longer count, so the first one after it
/// starts over at 1.
async fn reserve_pin_attempt(
    state: &AppState,
    family_id: &str,
) -> Result<Option<String>, ApiError> {
    let now = now_ms();
    let pause = i64::try_from(PIN_LOCKOUT.as_millis()).unwrap_or(i64::MAX);
    let stale = now.saturating_sub(pause);
    let hash: Option<(String,)> = sqlx::query_as(
        "UPDATE families SET \
           pin_attempts = CASE WHEN pin_attempt_at <= $2 THEN 1 ELSE pin_attempts + 1 END, \
           pin_attempt_at = $3 \
         WHERE id = $1 AND pin_hash IS NOT NULL AND (pin_attempts < $4 OR pin_attempt_at <= $2) \
         RETURNING pin_hash",
    )
    .bind(family_id)
    .bind(stale)
    .bind(now)
    .bind(i64::from(PIN_ATTEMPTS))
    .fetch_optional(&state.db.writer)
    .await?;
    Ok(hash.map(|(h,)| h))
}

/// The account calling, or a refusal for a kitchen screen.
pub fn user_of(caller: &Caller) -> Result<&str, ApiError> {
    match caller {
        Caller::User { user_id } => Ok(user_id),
        Caller::Kiosk { .. } => Err(ApiError::parents_only()),
    }
}
