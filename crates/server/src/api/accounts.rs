//! Accounts and sessions: sign-up, sign-in (argon2id), sign-out (revokes
//! the session), and `GET /api/me` with every family the caller is in.

use axum::Router;
use axum::extract::State;
use axum::http::request::Parts;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Caller, Role, SESSION_PREFIX, bearer};
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::http::{ApiJson, Reply};
use crate::ids::{hash_secret_limited, new_id, new_token, token_hash, verify_secret_limited};
use crate::state::AppState;
use crate::validate;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/sign-up", post(sign_up))
        .route("/api/auth/sign-in", post(sign_in))
        .route("/api/auth/sign-out", post(sign_out))
        .route("/api/me", get(me))
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub created_at: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignUpRequest {
    pub email: String,
    pub password: String,
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionResponse {
    pub token: String,
    pub user: User,
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct FamilyRole {
    pub id: String,
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    /// `null` for a kiosk device.
    pub user: Option<User>,
    pub families: Vec<FamilyRole>,
}

/// Creates an account and signs it in.
#[utoipa::path(post, path = "/api/auth/sign-up", tag = "accounts", request_body = SignUpRequest,
    responses((status = 201, body = SessionResponse), (status = 409, description = "email taken"), (status = 422)))]
pub async fn sign_up(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<SignUpRequest>,
) -> Result<Reply, ApiError> {
    let (user, token) = create_user(&state, &req.email, &req.password, &req.name).await?;
    Reply::created(SessionResponse { token, user })
}

/// Creates an account and a first session; returns the user and the token.
pub async fn create_user(
    state: &AppState,
    email: &str,
    password: &str,
    name: &str,
) -> Result<(User, String), ApiError> {
    let email = validate::email(email)?;
    let name = validate::text("name", name, 60)?;
    validate::password(password)?;
    let hash = hash_secret_limited(password.to_owned()).await?;
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
        return Err(ApiError::conflict(
            "an account with this email already exists",
        ));
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
    Ok((user, token))
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

/// Signs in with email and password.
#[utoipa::path(post, path = "/api/auth/sign-in", tag = "accounts", request_body = SignInRequest,
    responses((status = 200, body = SessionResponse), (status = 401, description = "wrong email or password")))]
pub async fn sign_in(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<Reply, ApiError> {
    let email = req.email.trim().to_lowercase();
    let row: Option<(String, String, String, i64)> =
        sqlx::query_as("SELECT id, name, password_hash, created_at FROM users WHERE email = $1")
            .bind(&email)
            .fetch_optional(&state.db.reader)
            .await?;
    let Some((id, name, hash, created_at)) = row else {
        // Hash anyway so a missing account takes as long as a wrong password.
        let _ = hash_secret_limited(req.password).await;
        return Err(ApiError::BadCredentials);
    };
    let ok = verify_secret_limited(req.password, hash).await?;
    if !ok {
        return Err(ApiError::BadCredentials);
    }
    let mut conn = state.db.writer.acquire().await?;
    let token = insert_session(&state, &mut conn, &id).await?;
    Reply::ok(SessionResponse {
        token,
        user: User {
            id,
            email,
            name,
            created_at,
        },
    })
}

/// Revokes the session whose token the request carries.
#[utoipa::path(post, path = "/api/auth/sign-out", tag = "accounts",
    responses((status = 200, description = "signed out"), (status = 401)), security(("bearer" = [])))]
pub async fn sign_out(State(state): State<AppState>, parts: Parts) -> Result<Reply, ApiError> {
    let token = bearer(&parts).ok_or(ApiError::Unauthorized)?;
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
    crate::auth::forget_token(&state, token);
    Reply::ok(serde_json::json!({ "signedOut": true }))
}

/// The caller and every family they belong to, with their role in each.
#[utoipa::path(get, path = "/api/me", tag = "accounts",
    responses((status = 200, body = MeResponse), (status = 401)), security(("bearer" = [])))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<Reply, ApiError> {
    let response = match &caller {
        Caller::User { user_id } => {
            let user: User =
                sqlx::query_as("SELECT id, email, name, created_at FROM users WHERE id = $1")
                    .bind(user_id)
                    .fetch_one(&state.db.reader)
                    .await?;
            let families: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT f.id, f.name, m.role FROM memberships m JOIN families f ON f.id = m.family_id \
                 WHERE m.user_id = $1 ORDER BY m.created_at, f.id",
            )
            .bind(user_id)
            .fetch_all(&state.db.reader)
            .await?;
            MeResponse {
                user: Some(user),
                families: families
                    .into_iter()
                    .filter_map(|(id, name, role)| {
                        Role::parse(&role).map(|role| FamilyRole { id, name, role })
                    })
                    .collect(),
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
    };
    Reply::ok(response)
}
