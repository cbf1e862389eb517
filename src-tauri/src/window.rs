//! The main window: its title (naming the profile when it is not the
//! default, so side-by-side instances can be told apart) and kiosk mode —
//! fullscreen, undecorated, always on top, no cursor; the webview adds the
//! large dark layout from `get_session`'s `kiosk`.

use tauri::{AppHandle, Manager, WebviewWindow};

pub(crate) fn setup(app: &tauri::App, profile: &str, kiosk: bool) -> tauri::Result<()> {
    let Some(window) = app.get_webview_window("main") else {
        tracing::warn!("no main window");
        return Ok(());
    };
    if profile != "default" {
        window.set_title(&format!("Kinboard · {profile}"))?;
    }
    if kiosk {
        enter_kiosk(&window)?;
    }
    Ok(())
}

fn enter_kiosk(window: &WebviewWindow) -> tauri::Result<()> {
    window.set_decorations(false)?;
    window.set_resizable(false)?;
    window.set_skip_taskbar(true)?;
    window.set_always_on_top(true)?;
    window.set_fullscreen(true)?;
    window.set_cursor_visible(false)?;
    Ok(())
}

/// Brings the main window up (from the tray or a notification).
pub(crate) fn show(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// Hides the main window if it shows, shows it otherwise (the tray's
/// Show / Hide).
pub(crate) fn toggle(app: &AppHandle) {
    match app.get_webview_window("main") {
        Some(w) if w.is_visible().unwrap_or(false) => {
            let _ = w.hide();
        }
        Some(_) => show(app),
        None => {}
    }
}
