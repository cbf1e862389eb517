//! Accounts and sessions: creating an account (argon2id), signing in and
//! out (a session token whose hash is stored, revoked on sign-out), and
//! who the caller is with every family they are in.

use kinboard_api::{FamilyRole, MeResponse, Role, SessionResponse, User};

use crate::clock::now_ms;
use crate::domain::access::{Caller, SESSION_PREFIX, forget_token};
use crate::error::ApiError;
use crate::ids::{
    Hashing, hash_secret_limited, new_id, new_token, token_hash, verify_secret_limited,
};
use crate::state::AppState;
use crate::validate;

/// Creates an account and a first session; returns the user and the token.
pub async fn create_user(
    state: &AppState,
    email: &str,
    password: &str,
    name: &str,
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

/// Checks an email and password and opens a session.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: String,
) -> Result<SessionResponse, ApiError> {
    let email = email.trim().to_lowercase();
    let row: Option<(String, String, String, i64)> =
        sqlx::query_as("SELECT id, name, password_hash, created_at FROM users WHERE email = $1")
            .bind(&email)
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
    let mut conn = state.db.writer.acquire().await?;
    let token = insert_session(state, &mut conn, &id).await?;
    Ok(SessionResponse {
        token,
        user: User {
            id,
            email,
            name,
            created_at,
        },
    })
}

/// Revokes the session `token` opened; 401 when it is not a live session.
pub async fn sign_out(state: &AppState, token: &str) -> Result<(), ApiError> {
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
    crate::sockets::close_where(state, |g| g.token_hash == hash);
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
