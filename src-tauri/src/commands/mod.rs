//! The webview's commands and events, defined once.
//!
//! A command is one `#[tauri::command]` function: in [`every`] when every
//! screen may call it (a kitchen screen's included), in [`parent`] when
//! only a parent's window may. `build.rs` reads those two files and makes
//! from them the handler list ([`generated_handler!`]), the table
//! [`COMMANDS`], and the permission sets a window's capability is built
//! from (`screens/kiosk.json` holds `every-screen`, `screens/parent.json`
//! both). `bindings` (a test) turns the table, with the schemas of the types the
//! commands take and return, into the page's module `ui/js/commands.js`;
//! a test fails when that file is stale.
//!
//! Adding a command: write its function in `every.rs` or `parent.rs`, run
//! `KINBOARD_BLESS=1 cargo test -p kinboard bindings`, and call it from
//! the page.

#[cfg(test)]
mod bindings;
pub(crate) mod every;
pub(crate) mod parent;

use std::sync::Arc;

use kinboard_core::app::{HttpBackend, Supervisor};
use kinboard_core::kinboard_api::ErrorCode;
use kinboard_core::{CoreError, Dashboard};
use serde::Serialize;
use utoipa::ToSchema;

include!(concat!(env!("OUT_DIR"), "/handler.rs"));

/// One command as its definition reads (filled in by `build.rs`).
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CommandSpec {
    pub(crate) name: &'static str,
    /// `every` or `parent`: the file it is defined in.
    pub(crate) screens: &'static str,
    pub(crate) docs: &'static [&'static str],
    /// Each argument the page sends: its Rust name and type.
    pub(crate) args: &'static [(&'static str, &'static str)],
    pub(crate) returns: &'static str,
}

#[cfg(test)]
include!(concat!(env!("OUT_DIR"), "/commands.rs"));

/// The event carrying the whole [`kinboard_core::DashboardView`], on every change.
pub(crate) const VIEW_EVENT: &str = "dashboard";
/// The event carrying the [`kinboard_core::app::SessionView`] whenever who
/// is signed in changes (signed out by the server, set up as a kitchen
/// screen, another family shown).
pub(crate) const SESSION_EVENT: &str = "session";
/// The event carrying a changed [`kinboard_core::app::DesktopStatus`].
pub(crate) const DESKTOP_EVENT: &str = "desktop";
/// The event saying an action taken outside the window (on a
/// notification) failed: an [`ActionError`].
pub(crate) const ACTION_ERROR_EVENT: &str = "action-error";
/// The event asking the page to confirm quitting (the tray's Quit on the
/// computer hosting the household): a [`crate::window::QuitRequest`].
pub(crate) const QUIT_EVENT: &str = "quit-requested";

/// How far "+5 min" extends a timer.
pub(crate) const EXTEND_SECONDS: i64 = 300;

/// An action taken on a notification failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub(crate) struct ActionError {
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
    /// The command it stands for (`confirm_timer`, `extend_timer`).
    pub(crate) command: String,
}

/// What the commands act on: the app's lifecycle, from the core, and the
/// profile it runs in (this screen's own settings).
pub(crate) struct Desktop {
    pub(crate) supervisor: Arc<Supervisor<HttpBackend>>,
    pub(crate) profile: kinboard_core::app::Profile,
}

impl Desktop {
    /// The live dashboard, or why there is none.
    pub(crate) async fn board(&self) -> Result<Dashboard, CoreError> {
        self.supervisor.board().await
    }
}
