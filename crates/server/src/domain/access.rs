//! Who is calling and what they may do: a bearer token's [`Caller`]
//! ([`authenticate`]), family access ([`Access`], a 404 for anyone outside
//! the family so existence never leaks) and the role rules (parents may do
//! everything; kitchen screens control timers and complete chores, and
//! need the family's parent PIN to confirm timers, cancel them or change
//! stars; guesses at the PIN are slowed and announced).

use kinboard_api::events::PinLocked;
use kinboard_api::{FamilyEvent, Role};

use crate::clock::now_ms;
use crate::error::ApiError;
use crate::ids::{Hashing, token_hash, verify_secret_limited};
pub use crate::principal::Caller;
use crate::revision::FamilyTx;
use crate::state::AppState;
use crate::throttle::{self, Lockout, Scope};

/// Prefix of a user session token.
pub const SESSION_PREFIX: &str = "kbs";
/// Prefix of a kiosk device token.
pub const KIOSK_PREFIX: &str = "kbk";

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
        let kiosk_id = match &self.caller {
            Caller::Kiosk { kiosk_id, .. } => Some(kiosk_id.as_str()),
            Caller::User { .. } => None,
        };
        check_pin(state, &self.family_id, pin, kiosk_id).await
    }
}

/// Checks `pin` against the family's parent PIN, counting the attempt
/// first ([`throttle`]: five a round, then a lockout of 1, 5, 15, 60
/// minutes); a right PIN clears the count. The wrong PIN that locks the
/// PIN is announced on the family's channel (`pin:locked`), naming the
/// kitchen screen it came from.
pub async fn check_pin(
    state: &AppState,
    family_id: &str,
    pin: &str,
    kiosk_id: Option<&str>,
) -> Result<(), ApiError> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT pin_hash FROM families WHERE id = $1")
            .bind(family_id)
            .fetch_optional(&state.db.reader)
            .await?;
    let Some((Some(hash),)) = row else {
        return Err(ApiError::NoPinSet);
    };
    let attempt = throttle::reserve(state, &Scope::Pin { family_id }).await?;
    match verify_secret_limited(Hashing::Pins, pin.to_owned(), hash).await {
        Ok(true) => attempt.succeeded(state).await,
        Ok(false) => {
            if let Some(lockout) = attempt.failed() {
                announce_pin_locked(state, family_id, lockout, kiosk_id).await;
            }
            Err(ApiError::WrongPin)
        }
        Err(e) => {
            let _ = attempt.refund(state).await;
            Err(e)
        }
    }
}

/// Tells every screen of the family that the PIN is locked (best effort:
/// the lockout holds whether or not the news gets out).
async fn announce_pin_locked(
    state: &AppState,
    family_id: &str,
    lockout: Lockout,
    kiosk_id: Option<&str>,
) {
    tracing::warn!(family = family_id, kiosk = ?kiosk_id, until = lockout.until, "PIN locked after repeated wrong PINs");
    let announced = async {
        let mut tx = FamilyTx::begin(state, family_id).await?;
        let revision = tx.revision();
        tx.emit(FamilyEvent::PinLocked(PinLocked {
            locked_until: lockout.until,
            kiosk_id: kiosk_id.map(str::to_owned),
            revision,
        }));
        tx.commit(state).await
    };
    if let Err(e) = announced.await {
        tracing::error!(error = %e, family = family_id, "could not announce the PIN lockout");
    }
}

/// The account calling, or a refusal for a kitchen screen.
pub fn user_of(caller: &Caller) -> Result<&str, ApiError> {
    match caller {
        Caller::User { user_id } => Ok(user_id),
        Caller::Kiosk { .. } => Err(ApiError::parents_only()),
    }
}
