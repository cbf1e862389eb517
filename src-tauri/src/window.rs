//! The main window: its title (naming the profile when it is not the
//! default, so side-by-side instances can be told apart), crash recovery,
//! showing or hiding it, what closing it does (a parent's window goes to
//! the tray; the app ends only from the tray's Quit, which asks first on
//! the computer hosting the household), and a parent window's size and
//! place kept between starts. Kiosk mode is [`crate::kiosk`]'s.

use std::sync::atomic::{AtomicBool, Ordering};

use kinboard_core::app::Profile;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, WindowEvent};
use tauri_plugin_window_state::{AppHandleExt as _, StateFlags};
use utoipa::ToSchema;

use crate::commands::QUIT_EVENT;

/// What a parent window remembers of itself: never fullscreen or hidden,
/// which are the app's to decide at start.
const REMEMBERED: StateFlags = StateFlags::SIZE
    .union(StateFlags::POSITION)
    .union(StateFlags::MAXIMIZED);

/// Whether the household's server runs in this app (hosting, not the
/// demo): quitting then takes every other screen's server away.
#[derive(Debug, Default)]
pub(crate) struct Hosting(AtomicBool);

impl Hosting {
    pub(crate) fn set(&self, hosting: bool) {
        self.0.store(hosting, Ordering::Relaxed);
    }

    fn get(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// What closing the main window, or the tray's Quit, does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Leave {
    /// The window goes; the app keeps running in the tray.
    Hide,
    /// The household's server runs here: the page asks before quitting.
    AskFirst,
    /// The app ends.
    Quit,
}

/// Closing the window: a parent's goes to the tray when there is one (its
/// timers and alarms go on); without a tray the app ends — after asking
/// when it hosts the household. A kitchen screen has no decorations to
/// close; when its window is closed all the same, the app ends.
pub(crate) fn on_close(kiosk: bool, tray: bool, hosting: bool) -> Leave {
    match (kiosk, tray, hosting) {
        (true, _, _) => Leave::Quit,
        (false, true, _) => Leave::Hide,
        (false, false, true) => Leave::AskFirst,
        (false, false, false) => Leave::Quit,
    }
}

/// The tray's Quit: at once, unless the other screens depend on this one.
pub(crate) fn on_quit(hosting: bool) -> Leave {
    if hosting {
        Leave::AskFirst
    } else {
        Leave::Quit
    }
}

/// The page is asked to confirm quitting (the `quit-requested` event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QuitRequest {
    /// This computer hosts the household: the other screens lose their
    /// server until Kinboard runs here again.
    pub(crate) hosting: bool,
}

pub(crate) fn setup(app: &tauri::App, profile: &str) -> tauri::Result<()> {
    let Some(window) = app.get_webview_window("main") else {
        tracing::warn!("no main window");
        return Ok(());
    };
    if profile != "default" {
        window.set_title(&format!("Kinboard · {profile}"))?;
    }
    crate::kiosk::reload_on_crash(&window);
    lighten(&window);
    let handle = app.handle().clone();
    window.on_window_event(move |event| {
        if let WindowEvent::CloseRequested { api, .. } = event {
            let leave = on_close(
                crate::kiosk::is_on(&handle),
                handle.try_state::<tauri::tray::TrayIcon>().is_some() && crate::tray::shows_icons(),
                is_hosting(&handle),
            );
            tracing::info!(?leave, "the window was closed");
            match leave {
                Leave::Hide => {
                    api.prevent_close();
                    hide(&handle);
                }
                Leave::AskFirst => {
                    api.prevent_close();
                    ask_to_quit(&handle);
                }
                Leave::Quit => {}
            }
        }
    });
    Ok(())
}

fn is_hosting(app: &AppHandle) -> bool {
    app.try_state::<Hosting>().is_some_and(|h| h.get())
}

/// The tray's Quit.
pub(crate) fn quit_from_tray(app: &AppHandle) {
    match on_quit(is_hosting(app)) {
        Leave::AskFirst => ask_to_quit(app),
        _ => app.exit(0),
    }
}

/// Shows the window and asks the page to confirm quitting.
fn ask_to_quit(app: &AppHandle) {
    show(app);
    let request = QuitRequest {
        hosting: is_hosting(app),
    };
    if let Err(e) = app.emit(QUIT_EVENT, request) {
        tracing::warn!(error = %e, "could not ask the page: quitting");
        app.exit(0);
    }
}

/// Managed when [`remember_place`]'s plugin is in (a parent window).
pub(crate) struct RemembersPlace;

/// A parent window's size and place, kept in the profile between starts
/// (a kitchen screen always fills its screen: it is never given this).
pub(crate) fn remember_place(profile: &Profile) -> tauri::plugin::TauriPlugin<tauri::Wry> {
    tauri_plugin_window_state::Builder::new()
        .with_state_flags(REMEMBERED)
        // An absolute path: the profile's own directory.
        .with_filename(profile.window_state_file().display().to_string())
        .build()
}

/// `kinboard --empty-window`: the main window as the app opens it (its size,
/// the WebKit settings of [`lighten`], the same allocator) showing a blank
/// page, with nothing else running. What `kinboard-bench app --baseline`
/// measures is WebKitGTK's and Tauri's own floor, so the app's memory can be
/// read as a ratio to it.
pub(crate) fn run_empty(mut context: tauri::Context) -> anyhow::Result<()> {
    for window in &mut context.config_mut().app.windows {
        window.url = tauri::WebviewUrl::App("blank.html".into());
    }
    tauri::Builder::default()
        .on_page_load(|webview, payload| {
            if payload.event() == tauri::webview::PageLoadEvent::Finished {
                tracing::info!(window = webview.label(), "the empty window is shown");
            }
        })
        .setup(|app| {
            if let Some(window) = app.get_webview_window("main") {
                lighten(&window);
            }
            Ok(())
        })
        .run(context)?;
    Ok(())
}

/// The dashboard is one local page that never navigates: WebKit's caches
/// for browsing (pages kept for back and forward, a browser-sized memory
/// cache) only cost memory here.
fn lighten(window: &tauri::WebviewWindow) {
    #[cfg(target_os = "linux")]
    {
        let done = window.with_webview(|webview| {
            use webkit2gtk::{SettingsExt as _, WebContextExt as _, WebViewExt as _};
            let webview = webview.inner();
            if let Some(context) = webview.context() {
                context.set_cache_model(webkit2gtk::CacheModel::DocumentViewer);
            }
            if let Some(settings) = webview.settings() {
                settings.set_enable_page_cache(false);
                // Plain 2-D pages: no GL context (and no software GL stack)
                // in the web process.
                settings.set_hardware_acceleration_policy(
                    webkit2gtk::HardwareAccelerationPolicy::Never,
                );
            }
        });
        if let Err(e) = done {
            tracing::warn!(error = %e, "webview settings not applied");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

/// Brings the main window up (from the tray or a notification).
pub(crate) fn show(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// Hides the main window to the tray, keeping its size and place first
/// (the app may end with the session, without an exit of its own).
pub(crate) fn hide(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        if !crate::kiosk::is_on(app) && app.try_state::<RemembersPlace>().is_some() {
            let _ = app.save_window_state(REMEMBERED);
        }
        let _ = w.hide();
    }
}

/// Hides the main window if it shows, shows it otherwise (the tray's
/// Show / Hide).
pub(crate) fn toggle(app: &AppHandle) {
    match app.get_webview_window("main") {
        Some(w) if w.is_visible().unwrap_or(false) => hide(app),
        Some(_) => show(app),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parent_window_closes_to_the_tray_and_quitting_a_host_asks_first() {
        // With a tray, a parent's window only hides, hosting or not.
        assert_eq!(on_close(false, true, false), Leave::Hide);
        assert_eq!(on_close(false, true, true), Leave::Hide);
        // Without one, closing ends the app, after asking if it hosts.
        assert_eq!(on_close(false, false, true), Leave::AskFirst);
        assert_eq!(on_close(false, false, false), Leave::Quit);
        // A kitchen screen is never hidden where nobody can bring it back.
        assert_eq!(on_close(true, true, true), Leave::Quit);
        assert_eq!(on_quit(true), Leave::AskFirst);
        assert_eq!(on_quit(false), Leave::Quit);
    }
}
