//! `/api/families/{familyId}/timers` and `/api/timers/*`: starting a
//! timer and acting on one.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;
use kinboard_api::{ErrorReply, ExtendRequest, StartTimerRequest, TimerResponse};

use crate::domain::access::{Caller, family_access};
use crate::domain::timers::{self, TimerAction};
use crate::error::ApiError;
use crate::http::{IdempotentJson, PinHeader, Reply};
use crate::state::AppState;
use crate::validate;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/families/{family_id}/timers", post(start_timer))
        .route("/api/timers/{timer_id}/pause", post(pause))
        .route("/api/timers/{timer_id}/resume", post(resume))
        .route("/api/timers/{timer_id}/extend", post(extend))
        .route("/api/timers/{timer_id}/cancel", post(cancel))
        .route("/api/timers/{timer_id}/sync", post(sync))
        .route("/api/timers/{timer_id}/confirm", post(confirm))
}

/// Starts a timer for a child, from a template or one-off.
#[utoipa::path(post, path = "/api/families/{familyId}/timers", tag = "timers",
    params(("familyId" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key replays the first reply")),
    request_body = StartTimerRequest,
    responses((status = 201, body = TimerResponse), (status = 404, body = ErrorReply), (status = 422, body = ErrorReply)),
    security(("bearer" = [])))]
pub async fn start_timer(
    State(state): State<AppState>,
    caller: Caller,
    Path(family_id): Path<String>,
    IdempotentJson { idempotency, body }: IdempotentJson<StartTimerRequest>,
) -> Result<Reply, ApiError> {
    let access = family_access(&state, &caller, &family_id).await?;
    Reply::created(timers::start(&state, &access, &body, idempotency.as_ref()).await?)
}

macro_rules! timer_action {
    ($name:ident, $path:literal, $doc:literal, $action:expr) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "timers",
            params(("timerId" = String, Path), ("X-Kinboard-Pin" = Option<String>, Header, description = "parent PIN (kitchen screens: cancel and confirm)")),
            responses((status = 200, body = TimerResponse), (status = 403, body = ErrorReply), (status = 404, body = ErrorReply),
                (status = 409, body = ErrorReply), (status = 429, description = "too many wrong PINs", body = ErrorReply)),
            security(("bearer" = [])))]
        pub async fn $name(
            State(state): State<AppState>,
            caller: Caller,
            PinHeader(pin): PinHeader,
            Path(timer_id): Path<String>,
        ) -> Result<Reply, ApiError> {
            Reply::ok(timers::act(&state, &caller, pin.as_deref(), &timer_id, $action, None).await?)
        }
    };
}

timer_action!(
    pause,
    "/api/timers/{timerId}/pause",
    "Pauses a running timer; pausing a paused one changes nothing.",
    TimerAction::Pause
);
timer_action!(
    resume,
    "/api/timers/{timerId}/resume",
    "Resumes a paused timer; resuming a running one changes nothing.",
    TimerAction::Resume
);
timer_action!(
    cancel,
    "/api/timers/{timerId}/cancel",
    "Cancels a timer (parents, or a kiosk with the PIN).",
    TimerAction::Cancel
);
timer_action!(
    sync,
    "/api/timers/{timerId}/sync",
    "Re-announces the authoritative timer to every device (`timer:updated`, or `timer:expired` when it has run out); a completed or cancelled timer is returned as it is, with nothing broadcast.",
    TimerAction::Sync
);
timer_action!(
    confirm,
    "/api/timers/{timerId}/confirm",
    "Completes a timer and awards its stars (parents, or a kiosk with the PIN); emits `timer:completed`, then `stars:updated`.",
    TimerAction::Confirm
);

/// Adds time; extending a timer that ran out restarts it.
#[utoipa::path(post, path = "/api/timers/{timerId}/extend", tag = "timers",
    params(("timerId" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key replays the first reply")),
    request_body = ExtendRequest,
    responses((status = 200, body = TimerResponse), (status = 404, body = ErrorReply), (status = 409, body = ErrorReply),
        (status = 422, body = ErrorReply)), security(("bearer" = [])))]
pub async fn extend(
    State(state): State<AppState>,
    caller: Caller,
    Path(timer_id): Path<String>,
    IdempotentJson { idempotency, body }: IdempotentJson<ExtendRequest>,
) -> Result<Reply, ApiError> {
    let ms = validate::duration_seconds("seconds", body.seconds)?;
    let action = TimerAction::Extend { ms };
    Reply::ok(
        timers::act(
            &state,
            &caller,
            None,
            &timer_id,
            action,
            idempotency.as_ref(),
        )
        .await?,
    )
}
