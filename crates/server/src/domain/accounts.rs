//! Accounts and sessions: creating an account (argon2id), signing in and
//! out (a session token whose hash is stored, revoked on sign-out), a
//! parent's sessions listed and ended one by one, changing the password
//! (which ends every other session), and who the caller is with every
//! family they are in. An ended session's token works no more at once and
//! its sockets are closed.

use std::net::IpAddr;

use kinboard_api::{
    ChangePasswordRequest, FamilyRole, MeResponse, Role, SessionInfo, SessionResponse,
    SessionsEnded, SessionsResponse, SignUpRequest, User,
};

use crate::clock::now_ms;
use crate::domain::access::{
    Caller, KIOSK_PREFIX, SESSION_PREFIX, authenticate, forget_token, user_of,
};
use crate::error::ApiError;
use crate::ids::{
    Hashing, hash_secret_limited, new_id, new_token, token_hash, verify_secret_limited,
};
use crate::state::AppState;
use crate::throttle::{self, Scope};
use crate::validate;

/// Signs up: an account and a first session, where this server still
/// makes accounts for anyone — a hosted service (`open_signup`), or a
/// household without its first parent yet — or for the holder of an open
/// invite.
pub async fn sign_up(
    state: &AppState,
    req: SignUpRequest,
    from: IpAddr,
) -> Result<SessionResponse, ApiError> {
    validate::email(&req.email)?;
    validate::password(&req.password)?;
    let mut invite = None;
    if !state.access.open_signup {
        let first_parent: Option<(String,)> = sqlx::query_as("SELECT id FROM users LIMIT 1")
            .fetch_optional(&state.db.reader)
            .await?;
        if first_parent.is_some() {
            let code = req.invite_code.as_deref().ok_or(ApiError::SignupClosed)?;
            let (invite_id, _) =
                crate::domain::parents::find_open_invite(state, code, from).await?;
            invite = Some(invite_id);
        }
    }
    create_account(
        state,
        &req.email,
        &req.password,
        &req.name,
        invite.as_deref(),
    )
    .await
}

/// Creates an account and a first session; returns the user and the token.
pub async fn create_user(
    state: &AppState,
    email: &str,
    password: &str,
    name: &str,
) -> Result<SessionResponse, ApiError> {
    create_account(state, email, password, name, None).await
}

/// [`create_user`], made with `invite_id`'s leave where sign-up is closed:
/// an invite makes one account at most (then its holder accepts it).
async fn create_account(
    state: &AppState,
    email: &str,
    password: &str,
    name: &str,
    invite_id: Option<&str>,
) -> Result<SessionResponse, ApiError> {
    let email = validate::email(email)?;
    let name = validate::text("name", name, 60)?;
    validate::password(password)?;
    let hash = hash_secret_limited(Hashing::Accounts, password.to_owned()).await?;
    let user = User {
        id: new_id("usr"),
        email,
        name,
        created_at: now_ms(),
    };
    let mut tx = state.db.writer.begin().await?;
    let taken: Option<(String,)> = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(&user.email)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(ApiError::EmailTaken);
    }
    sqlx::query("INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&user.id)
        .bind(&user.email)
        .bind(&user.name)
        .bind(&hash)
        .bind(user.created_at)
        .execute(&mut *tx)
        .await?;
    if let Some(invite_id) = invite_id {
        let used = sqlx::query(
            "UPDATE invites SET signed_up_by = $1 WHERE id = $2 AND signed_up_by IS NULL",
        )
        .bind(&user.id)
        .bind(invite_id)
        .execute(&mut *tx)
        .await?;
        if used.rows_affected() == 0 {
            // Someone made an account with this invite already.
            return Err(ApiError::NotFound("invite"));
        }
    }
    let token = insert_session(state, &mut tx, &user.id).await?;
    tx.commit().await?;
    Ok(SessionResponse { token, user })
}

async fn insert_session(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
) -> Result<String, ApiError> {
    let token = new_token(SESSION_PREFIX);
    let now = now_ms();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(now)
        .bind(now.saturating_add(state.session_ttl_ms))
        .execute(conn)
        .await?;
    Ok(token)
}

/// Checks an email and password and opens a session. Guesses are slowed
/// per account and per address ([`throttle`]): a locked account or
/// address is refused before its password is looked at.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: String,
    from: IpAddr,
) -> Result<SessionResponse, ApiError> {
    let email = email.trim().to_lowercase();
    let by_address = throttle::reserve(state, &Scope::SignInFrom(from)).await?;
    let by_account = match throttle::reserve(state, &Scope::Account { email: &email }).await {
        Ok(attempt) => attempt,
        Err(refused) => {
            // Refused before any password was checked: not this address's failure.
            by_address.refund(state).await?;
            return Err(refused);
        }
    };
    match check_sign_in(state, &email, password).await {
        Ok(user) => {
            by_account.succeeded(state).await?;
            by_address.succeeded(state).await?;
            let mut conn = state.db.writer.acquire().await?;
            let token = insert_session(state, &mut conn, &user.id).await?;
            Ok(SessionResponse { token, user })
        }
        Err(ApiError::InvalidCredentials) => {
            if by_account.failed().is_some() {
                tracing::warn!("sign-in locked for an account after repeated wrong passwords");
            }
            if by_address.failed().is_some() {
                tracing::warn!(address = %from, "sign-in locked for an address after repeated failures");
            }
            Err(ApiError::InvalidCredentials)
        }
        Err(other) => {
            // The server failed, not the guess: neither attempt counts.
            let _ = by_account.refund(state).await;
            let _ = by_address.refund(state).await;
            Err(other)
        }
    }
}

/// The account with this email and password, or `InvalidCredentials`.
async fn check_sign_in(state: &AppState, email: &str, password: String) -> Result<User, ApiError> {
    let row: Option<(String, String, String, i64)> =
        sqlx::query_as("SELECT id, name, password_hash, created_at FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&state.db.reader)
            .await?;
    let Some((id, name, hash, created_at)) = row else {
        // Hash anyway so a missing account takes as long as a wrong password.
        let _ = hash_secret_limited(Hashing::Accounts, password).await;
        return Err(ApiError::InvalidCredentials);
    };
    if !verify_secret_limited(Hashing::Accounts, password, hash).await? {
        return Err(ApiError::InvalidCredentials);
    }
    Ok(User {
        id,
        email: email.to_owned(),
        name,
        created_at,
    })
}

/// Revokes the session `token` opened; 401 when it is not a live session.
pub async fn sign_out(state: &AppState, token: &str) -> Result<(), ApiError> {
    if token.starts_with(KIOSK_PREFIX) {
        // A kitchen screen unpaired where it stands: its token is revoked,
        // as a parent would (`kiosk:revoked`, its sockets closed).
        let Caller::Kiosk { kiosk_id, .. } = authenticate(state, token).await? else {
            return Err(ApiError::Unauthorized);
        };
        crate::domain::kiosks::revoke_own_kiosk(state, &kiosk_id).await?;
        return Ok(());
    }
    if !token.starts_with(SESSION_PREFIX) {
        return Err(ApiError::Unauthorized);
    }
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now_ms())
    .bind(token_hash(token))
    .execute(&state.db.writer)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::Unauthorized);
    }
    forget_token(state, token);
    // The sockets this session let in hear nothing more.
    let hash = token_hash(token);
    let user = crate::sockets::session_user_id(&hash);
    crate::sockets::close_where(state, None, |g| g.token_hash == hash, vec![user]);
    Ok(())
}

/// The caller and every family they belong to, with their role in each.
pub async fn me(state: &AppState, caller: &Caller) -> Result<MeResponse, ApiError> {
    Ok(match caller {
        Caller::User { user_id } => {
            let user: User =
                sqlx::query_as("SELECT id, email, name, created_at FROM users WHERE id = $1")
                    .bind(user_id)
                    .fetch_one(&state.db.reader)
                    .await?;
            let families: Vec<FamilyRole> = sqlx::query_as(
                "SELECT f.id, f.name, m.role FROM memberships m JOIN families f ON f.id = m.family_id \
                 WHERE m.user_id = $1 ORDER BY m.created_at, f.id",
            )
            .bind(user_id)
            .fetch_all(&state.db.reader)
            .await?;
            MeResponse {
                user: Some(user),
                families,
            }
        }
        Caller::Kiosk { family_id, .. } => {
            let (name,): (String,) = sqlx::query_as("SELECT name FROM families WHERE id = $1")
                .bind(family_id)
                .fetch_one(&state.db.reader)
                .await?;
            MeResponse {
                user: None,
                families: vec![FamilyRole {
                    id: family_id.clone(),
                    name,
                    role: Role::Kiosk,
                }],
            }
        }
    })
}

/// How many characters of a session's token hash name it.
const SESSION_ID_LEN: usize = 16;

/// The caller's sessions still open, newest first; `token` marks the
/// current one.
pub async fn list_sessions(
    state: &AppState,
    caller: &Caller,
    token: &str,
) -> Result<SessionsResponse, ApiError> {
    let user_id = user_of(caller)?;
    let current = token_hash(token);
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT token_hash, created_at, expires_at FROM sessions \
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC",
    )
    .bind(user_id)
    .bind(now_ms())
    .fetch_all(&state.db.reader)
    .await?;
    Ok(SessionsResponse {
        sessions: rows
            .into_iter()
            .map(|(hash, created_at, expires_at)| SessionInfo {
                id: hash.chars().take(SESSION_ID_LEN).collect(),
                created_at,
                expires_at,
                current: hash == current,
            })
            .collect(),
    })
}

/// Ends these sessions (token hashes) of `user_id`: revoked in the
/// database, forgotten by the cache, their sockets closed.
async fn end_sessions(state: &AppState, user_id: &str, hashes: &[String]) -> Result<i64, ApiError> {
    let now = now_ms();
    let mut ended = 0;
    for hash in hashes {
        let done = sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(hash)
        .bind(user_id)
        .execute(&state.db.writer)
        .await?;
        ended += i64::try_from(done.rows_affected()).unwrap_or(0);
        state.sessions.remove(hash);
    }
    let users = hashes
        .iter()
        .map(|h| crate::sockets::session_user_id(h))
        .collect();
    crate::sockets::close_where(state, None, |g| hashes.contains(&g.token_hash), users);
    Ok(ended)
}

/// Ends one of the caller's sessions, by its id (a 404 for anyone else's).
pub async fn end_session(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<SessionsEnded, ApiError> {
    let user_id = user_of(caller)?;
    if id.len() != SESSION_ID_LEN || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::NotFound("session"));
    }
    let id = id.to_ascii_lowercase();
    let open: Vec<(String,)> = sqlx::query_as(
        "SELECT token_hash FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(user_id)
    .bind(now_ms())
    .fetch_all(&state.db.reader)
    .await?;
    let hashes: Vec<String> = open
        .into_iter()
        .map(|(hash,)| hash)
        .filter(|hash| hash.starts_with(&id))
        .collect();
    if hashes.is_empty() {
        return Err(ApiError::NotFound("session"));
    }
    let ended = end_sessions(state, user_id, &hashes).await?;
    Ok(SessionsEnded { ended })
}

/// Checks the password of a signed-in account (before changing it, or
/// the PIN): guesses count as sign-ins to that account do, so a stolen
/// session cannot try passwords faster than a sign-in could.
pub async fn check_password(
    state: &AppState,
    user_id: &str,
    password: String,
) -> Result<(), ApiError> {
    let (email, hash): (String, String) =
        sqlx::query_as("SELECT email, password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&state.db.reader)
            .await?;
    let attempt = throttle::reserve(state, &Scope::Account { email: &email }).await?;
    match verify_secret_limited(Hashing::Accounts, password, hash).await {
        Ok(true) => attempt.succeeded(state).await,
        Ok(false) => {
            let _ = attempt.failed();
            Err(ApiError::WrongPassword)
        }
        Err(e) => {
            let _ = attempt.refund(state).await;
            Err(e)
        }
    }
}

/// Changes the caller's password, given the current one; every other
/// session ends (the one this request came with goes on).
pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    token: &str,
    req: ChangePasswordRequest,
) -> Result<SessionsEnded, ApiError> {
    let user_id = user_of(caller)?;
    validate::password(&req.new_password)?;
    check_password(state, user_id, req.current_password).await?;
    let new_hash = hash_secret_limited(Hashing::Accounts, req.new_password).await?;
    // The new password and the end of every other session, together: a
    // sign-in with the old password either came before (and ends here) or
    // after (and fails).
    let now = now_ms();
    let mut tx = state.db.writer.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(&new_hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let ended: Vec<(String,)> = sqlx::query_as(
        "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL \
         AND expires_at > $1 AND token_hash <> $3 RETURNING token_hash",
    )
    .bind(now)
    .bind(user_id)
    .bind(token_hash(token))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let ended: Vec<String> = ended.into_iter().map(|(hash,)| hash).collect();
    for hash in &ended {
        state.sessions.remove(hash);
    }
    let users = ended
        .iter()
        .map(|h| crate::sockets::session_user_id(h))
        .collect();
    crate::sockets::close_where(state, None, |g| ended.contains(&g.token_hash), users);
    tracing::info!(user = user_id, ended = ended.len(), "password changed");
    Ok(SessionsEnded {
        ended: i64::try_from(ended.len()).unwrap_or(i64::MAX),
    })
}
