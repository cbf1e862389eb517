//! The commands every screen may call, a kitchen screen's included: the
//! dashboard and its actions, refreshing, finding the household server
//! and pairing this screen, signing out. The server still decides what a kitchen screen's token may do (a
//! parent PIN for confirmations, cancellations and stars).
//!
//! Each `#[tauri::command]` here is the one definition of its command:
//! `build.rs` reads this file for the handler list and the permission
//! set `every-screen`, and the page's bindings (`ui/js/commands.js`) are
//! generated from it.

use std::sync::Arc;

use kinboard_core::app::{SessionView, SoundSettings};
use kinboard_core::discovery::FoundHousehold;
use kinboard_core::kinboard_api::ServerInfo;
use kinboard_core::{CoreError, DashboardView};
use tauri::{AppHandle, State};

use super::Desktop;
use crate::kiosk::Heartbeat;

/// The dashboard as it is now (later ones arrive as `dashboard` events).
#[tauri::command]
pub(crate) async fn get_view(desktop: State<'_, Desktop>) -> Result<DashboardView, CoreError> {
    Ok((*desktop.board().await?.current()).clone())
}

/// Who is signed in here, in which mode, and how the desktop services are.
#[tauri::command]
pub(crate) async fn get_session(desktop: State<'_, Desktop>) -> Result<SessionView, CoreError> {
    Ok(desktop.supervisor.session_view().await)
}

/// What to send along when something is wrong: versions, the server's
/// address, who is signed in (never a token), the connection, the last
/// error, where the log files are — as text to copy.
#[tauri::command]
pub(crate) async fn diagnostics(desktop: State<'_, Desktop>) -> Result<String, CoreError> {
    let session = desktop.supervisor.session_view().await;
    let view = match desktop.board().await {
        Ok(board) => Some((*board.current()).clone()),
        Err(_) => None,
    };
    Ok(diagnostics_text(&session, view.as_ref()))
}

/// The diagnostics of [`diagnostics`], from what the app shows.
pub(crate) fn diagnostics_text(session: &SessionView, view: Option<&DashboardView>) -> String {
    let report = serde_json::json!({
        "kinboard": env!("CARGO_PKG_VERSION"),
        "os": format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        "session": session,
        "connection": view.map(|v| &v.connection),
        "revision": view.map(|v| v.revision),
        "serverOffsetMs": view.map(|v| v.server_offset_ms),
        "lastError": view.and_then(|v| v.last_error.as_ref()),
        "logFiles": crate::logs::dir(),
    });
    serde_json::to_string_pretty(&report).unwrap_or_default()
}

/// Signs out here and at the server (a kitchen screen forgets its token;
/// a parent revokes it).
#[tauri::command]
pub(crate) async fn sign_out(desktop: State<'_, Desktop>) -> Result<(), CoreError> {
    desktop.supervisor.sign_out().await
}

/// Starts a timer for a child from a template.
#[tauri::command]
pub(crate) async fn start_timer_from_template(
    desktop: State<'_, Desktop>,
    member_id: String,
    template_id: String,
) -> Result<(), CoreError> {
    let board = desktop.board().await?;
    board
        .start_timer_from_template(&member_id, &template_id)
        .await
        .map(drop)
}

/// Starts a one-off timer for a child.
#[tauri::command]
pub(crate) async fn start_timer(
    desktop: State<'_, Desktop>,
    member_id: String,
    label: String,
    duration_seconds: i64,
    stars: Option<i64>,
) -> Result<(), CoreError> {
    let board = desktop.board().await?;
    board
        .start_timer(&member_id, &label, duration_seconds, stars.unwrap_or(0))
        .await
        .map(drop)
}

/// Pauses a running timer.
#[tauri::command]
pub(crate) async fn pause_timer(
    desktop: State<'_, Desktop>,
    timer_id: String,
) -> Result<(), CoreError> {
    desktop
        .board()
        .await?
        .pause_timer(&timer_id)
        .await
        .map(drop)
}

/// Resumes a paused timer.
#[tauri::command]
pub(crate) async fn resume_timer(
    desktop: State<'_, Desktop>,
    timer_id: String,
) -> Result<(), CoreError> {
    desktop
        .board()
        .await?
        .resume_timer(&timer_id)
        .await
        .map(drop)
}

/// Adds time (5 minutes unless `seconds` says otherwise); a timer that
/// ran out starts again.
#[tauri::command]
pub(crate) async fn extend_timer(
    desktop: State<'_, Desktop>,
    timer_id: String,
    seconds: Option<i64>,
) -> Result<(), CoreError> {
    let board = desktop.board().await?;
    board
        .extend_timer(&timer_id, seconds.unwrap_or(super::EXTEND_SECONDS))
        .await
        .map(drop)
}

/// Cancels a timer (a kitchen screen sends the parent PIN).
#[tauri::command]
pub(crate) async fn cancel_timer(
    desktop: State<'_, Desktop>,
    timer_id: String,
    pin: Option<String>,
) -> Result<(), CoreError> {
    let board = desktop.board().await?;
    board
        .cancel_timer(&timer_id, pin.as_deref())
        .await
        .map(drop)
}

/// Confirms a timer and awards its stars (a kitchen screen sends the
/// parent PIN).
#[tauri::command]
pub(crate) async fn confirm_timer(
    desktop: State<'_, Desktop>,
    timer_id: String,
    pin: Option<String>,
) -> Result<(), CoreError> {
    let board = desktop.board().await?;
    board
        .confirm_timer(&timer_id, pin.as_deref())
        .await
        .map(drop)
}

/// Marks a chore done by a child: its stars at once, or, where parents
/// approve a kitchen screen's chores, once a parent does.
#[tauri::command]
pub(crate) async fn complete_chore(
    desktop: State<'_, Desktop>,
    chore_id: String,
    member_id: String,
) -> Result<(), CoreError> {
    let board = desktop.board().await?;
    board.complete_chore(&chore_id, &member_id).await
}

/// Takes a chore completion back: on the screen that marked it, for a few
/// seconds; on a parent's, at any time.
#[tauri::command]
pub(crate) async fn undo_completion(
    desktop: State<'_, Desktop>,
    completion_id: String,
) -> Result<(), CoreError> {
    desktop.board().await?.undo_completion(&completion_id).await
}

/// A child spends stars on a reward (a kitchen screen sends the parent
/// PIN, or asks a parent without it where parents approve); resolves to
/// the ledger entry holding the stars, for undoing it (`null` while it
/// waits for a parent).
#[tauri::command]
pub(crate) async fn redeem_reward(
    desktop: State<'_, Desktop>,
    reward_id: String,
    member_id: String,
    pin: Option<String>,
) -> Result<Option<String>, CoreError> {
    let board = desktop.board().await?;
    board
        .redeem_reward(&reward_id, &member_id, pin.as_deref())
        .await
}

/// Takes a star change back (a redeemed reward gives its stars back): on
/// the screen that made it, for a few seconds; on a parent's, at any time.
#[tauri::command]
pub(crate) async fn undo_star_entry(
    desktop: State<'_, Desktop>,
    entry_id: String,
) -> Result<(), CoreError> {
    desktop.board().await?.undo_star_entry(&entry_id).await
}

/// Gives a child stars (a kitchen screen sends the parent PIN); resolves
/// to the ledger entry, for undoing it.
#[tauri::command]
pub(crate) async fn add_stars(
    desktop: State<'_, Desktop>,
    member_id: String,
    amount: i64,
    reason: Option<String>,
    pin: Option<String>,
) -> Result<String, CoreError> {
    let board = desktop.board().await?;
    let reason = reason.unwrap_or_default();
    board
        .add_stars(&member_id, amount, &reason, pin.as_deref())
        .await
}

/// Takes stars from a child (a kitchen screen sends the parent PIN);
/// resolves to the ledger entry, for undoing it.
#[tauri::command]
pub(crate) async fn remove_stars(
    desktop: State<'_, Desktop>,
    member_id: String,
    amount: i64,
    reason: Option<String>,
    pin: Option<String>,
) -> Result<String, CoreError> {
    let board = desktop.board().await?;
    let reason = reason.unwrap_or_default();
    board
        .remove_stars(&member_id, amount, &reason, pin.as_deref())
        .await
}

/// Reloads everything (reconnecting at once if the connection is down);
/// resolves when the reload is applied.
#[tauri::command]
pub(crate) async fn refresh(desktop: State<'_, Desktop>) -> Result<(), CoreError> {
    desktop.board().await?.refresh().await
}

/// The page is alive and shows `screen` (every few seconds, on a kitchen
/// screen): the watchdog reloads a page that stops saying so.
#[tauri::command]
pub(crate) fn heartbeat(heartbeat: State<'_, Arc<Heartbeat>>, screen: Option<String>) {
    heartbeat.beat_on(screen.as_deref().unwrap_or("unknown"));
}

/// Pairs this screen as a kitchen screen with the code a parent's window
/// shows. A server certificate new to this screen fails with
/// `certificate_unconfirmed` and the certificate seen; once a person has
/// compared its check code with the parent's window, the same call with
/// `certificate` (the fingerprint) trusts it.
#[tauri::command]
pub(crate) async fn pair_kiosk(
    desktop: State<'_, Desktop>,
    server_url: String,
    code: String,
    certificate: Option<String>,
) -> Result<(), CoreError> {
    desktop
        .supervisor
        .pair_kiosk(&server_url, &code, certificate.as_deref())
        .await
}

/// The household servers announced on this network, each checked: a
/// kitchen screen and a joining parent pick one (or type an address).
#[tauri::command]
pub(crate) async fn find_households() -> Result<Vec<FoundHousehold>, CoreError> {
    kinboard_core::discovery::find_households(kinboard_core::discovery::LISTEN).await
}

/// What answers at `server_url`: a Kinboard household server this app can
/// use, or an error saying why not (not reachable, not Kinboard, another
/// version).
#[tauri::command]
pub(crate) async fn check_server(server_url: String) -> Result<ServerInfo, CoreError> {
    kinboard_core::discovery::check_server(&server_url).await
}

#[cfg(test)]
mod diagnostics_tests {
    use super::*;

    #[test]
    fn diagnostics_say_what_runs_where_and_carry_no_token() {
        let mut view = DashboardView::empty(kinboard_core::kinboard_api::Role::Parent);
        view.revision = 42;
        let session = SessionView {
            signed_in: true,
            server_url: Some("http://192.168.1.20:8080".into()),
            email: Some("ana@example.org".into()),
            mode: kinboard_core::app::ModeKind::Client,
            kiosk: false,
            families: Vec::new(),
            family_id: Some("fam_1".into()),
            certificate_code: None,
            desktop: kinboard_core::app::DesktopStatus::default(),
        };
        let text = diagnostics_text(&session, Some(&view));
        let report: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(report["kinboard"], env!("CARGO_PKG_VERSION"));
        assert_eq!(report["session"]["serverUrl"], "http://192.168.1.20:8080");
        assert_eq!(report["revision"], 42);
        assert!(report["connection"]["state"].is_string());
        assert!(
            !text.contains("kbs_")
                && !text.contains("kbk_")
                && !text.to_lowercase().contains("token")
        );
    }
}

/// How this screen sounds when a timer runs out (its own setting).
#[tauri::command]
pub(crate) async fn sound_settings(
    desktop: State<'_, Desktop>,
) -> Result<SoundSettings, CoreError> {
    Ok(desktop.profile.load_sound())
}

/// Sets this screen's chime: its volume (0 to 100) and whether it is muted.
#[tauri::command]
pub(crate) async fn set_sound(
    desktop: State<'_, Desktop>,
    volume: u8,
    muted: bool,
) -> Result<SoundSettings, CoreError> {
    desktop
        .profile
        .save_sound(SoundSettings { volume, muted })
        .map_err(|e| CoreError::Save(format!("the sound setting: {e}")))
}

/// A kitchen screen dimmed for the night (`asleep`) lets the display
/// blank; woken (a touch, a timer running out, the morning) it keeps it on
/// again. Nothing on a parent's window.
#[tauri::command]
pub(crate) async fn kiosk_night(app: AppHandle, asleep: bool) -> Result<(), CoreError> {
    crate::kiosk::set_night(&app, asleep).await;
    Ok(())
}
