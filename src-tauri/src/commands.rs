//! The webview's commands (`ui/js/bridge.js`, `COMMANDS`): each one
//! unpacks its camelCase arguments and calls the core's [`Dashboard`] or
//! the [`Shell`]. Rejections are `{code, message}` ([`CommandError`]).
//!
//! [`Dashboard`]: kinboard_core::Dashboard

use std::sync::Arc;

use kinboard_core::DashboardView;
use tauri::State;

use crate::error::CommandError;
use crate::shell::{PairingView, SessionView, Shell};

type Shared<'a> = State<'a, Arc<Shell>>;
type Reply<T = ()> = Result<T, CommandError>;

#[tauri::command]
pub(crate) async fn get_view(shell: Shared<'_>) -> Reply<DashboardView> {
    Ok((*shell.dashboard().await?.current()).clone())
}

#[tauri::command]
pub(crate) async fn get_session(shell: Shared<'_>) -> Reply<SessionView> {
    Ok(shell.session_view().await)
}

#[tauri::command]
pub(crate) async fn sign_in(
    shell: Shared<'_>,
    server_url: Option<String>,
    email: String,
    password: String,
) -> Reply {
    shell
        .sign_in(server_url.as_deref(), &email, &password)
        .await
}

#[tauri::command]
pub(crate) async fn sign_out(shell: Shared<'_>) -> Reply {
    shell.sign_out().await
}

#[tauri::command]
pub(crate) async fn host_household(
    shell: Shared<'_>,
    family_name: String,
    name: String,
    email: String,
    password: String,
) -> Reply {
    shell
        .host_household(&family_name, &name, &email, &password)
        .await
}

#[tauri::command]
pub(crate) async fn start_timer_from_template(
    shell: Shared<'_>,
    member_id: String,
    template_id: String,
) -> Reply {
    let d = shell.dashboard().await?;
    d.start_timer_from_template(&member_id, &template_id)
        .await?;
    Ok(())
}

#[tauri::command]
pub(crate) async fn start_timer(
    shell: Shared<'_>,
    member_id: String,
    label: String,
    duration_seconds: i64,
    stars: Option<i64>,
) -> Reply {
    let d = shell.dashboard().await?;
    d.start_timer(&member_id, &label, duration_seconds, stars.unwrap_or(0))
        .await?;
    Ok(())
}

#[tauri::command]
pub(crate) async fn pause_timer(shell: Shared<'_>, timer_id: String) -> Reply {
    shell.dashboard().await?.pause_timer(&timer_id).await?;
    Ok(())
}

#[tauri::command]
pub(crate) async fn resume_timer(shell: Shared<'_>, timer_id: String) -> Reply {
    shell.dashboard().await?.resume_timer(&timer_id).await?;
    Ok(())
}

#[tauri::command]
pub(crate) async fn extend_timer(
    shell: Shared<'_>,
    timer_id: String,
    seconds: Option<i64>,
) -> Reply {
    let d = shell.dashboard().await?;
    d.extend_timer(&timer_id, seconds.unwrap_or(300)).await?;
    Ok(())
}

#[tauri::command]
pub(crate) async fn cancel_timer(
    shell: Shared<'_>,
    timer_id: String,
    pin: Option<String>,
) -> Reply {
    let d = shell.dashboard().await?;
    d.cancel_timer(&timer_id, pin.as_deref()).await?;
    Ok(())
}

#[tauri::command]
pub(crate) async fn confirm_timer(
    shell: Shared<'_>,
    timer_id: String,
    pin: Option<String>,
) -> Reply {
    let d = shell.dashboard().await?;
    d.confirm_timer(&timer_id, pin.as_deref()).await?;
    Ok(())
}

#[tauri::command]
pub(crate) async fn complete_chore(
    shell: Shared<'_>,
    chore_id: String,
    member_id: String,
) -> Reply {
    let d = shell.dashboard().await?;
    Ok(d.complete_chore(&chore_id, &member_id).await?)
}

#[tauri::command]
pub(crate) async fn add_stars(
    shell: Shared<'_>,
    member_id: String,
    amount: i64,
    reason: Option<String>,
    pin: Option<String>,
) -> Reply {
    let d = shell.dashboard().await?;
    let reason = reason.unwrap_or_default();
    Ok(d.add_stars(&member_id, amount, &reason, pin.as_deref())
        .await?)
}

#[tauri::command]
pub(crate) async fn remove_stars(
    shell: Shared<'_>,
    member_id: String,
    amount: i64,
    reason: Option<String>,
    pin: Option<String>,
) -> Reply {
    let d = shell.dashboard().await?;
    let reason = reason.unwrap_or_default();
    Ok(d.remove_stars(&member_id, amount, &reason, pin.as_deref())
        .await?)
}

#[tauri::command]
pub(crate) async fn refresh(shell: Shared<'_>) -> Reply {
    Ok(shell.dashboard().await?.refresh().await?)
}

/// The page is alive (every few seconds, on a kiosk): the watchdog
/// reloads a page that stops saying so.
#[tauri::command]
pub(crate) fn heartbeat(
    heartbeat: State<'_, Arc<crate::kiosk::Heartbeat>>,
    screen: Option<String>,
) {
    heartbeat.beat_on(screen.as_deref().unwrap_or("unknown"));
}

#[tauri::command]
pub(crate) async fn create_kiosk_pairing(shell: Shared<'_>, name: String) -> Reply<PairingView> {
    shell.create_kiosk_pairing(&name).await
}

#[tauri::command]
pub(crate) async fn pair_kiosk(shell: Shared<'_>, server_url: String, code: String) -> Reply {
    shell.pair_kiosk(&server_url, &code).await
}
