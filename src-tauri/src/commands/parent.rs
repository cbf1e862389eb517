//! The commands only a parent's window may call: signing in with an
//! account, hosting a household, and making a code that pairs a kitchen
//! screen. A kitchen screen's window is not given them (its capability
//! holds only `every-screen`), and its token could not do them anyway.
//!
//! As in `every.rs`, each `#[tauri::command]` here is the one definition
//! of its command (`build.rs`, `ui/js/commands.js`).

use kinboard_core::CoreError;
use kinboard_core::app::PairingView;
use tauri::State;

use super::Desktop;

/// Signs in to a household server (this computer's, when it hosts one and
/// no address is given).
#[tauri::command]
pub(crate) async fn sign_in(
    desktop: State<'_, Desktop>,
    server_url: Option<String>,
    email: String,
    password: String,
) -> Result<(), CoreError> {
    desktop
        .supervisor
        .sign_in(server_url.as_deref(), &email, &password)
        .await
}

/// Hosts a new household on this computer: starts its server, creates the
/// first parent and the family, and signs in.
#[tauri::command]
pub(crate) async fn host_household(
    desktop: State<'_, Desktop>,
    family_name: String,
    name: String,
    email: String,
    password: String,
) -> Result<(), CoreError> {
    desktop
        .supervisor
        .host_household(&family_name, &name, &email, &password)
        .await
}

/// A one-time code (10 minutes) that pairs a kitchen screen named `name`
/// with this family, and the address that screen reaches the server at.
#[tauri::command]
pub(crate) async fn create_kiosk_pairing(
    desktop: State<'_, Desktop>,
    name: String,
) -> Result<PairingView, CoreError> {
    desktop.supervisor.create_kiosk_pairing(&name).await
}
