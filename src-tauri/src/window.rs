//! The main window: its title (naming the profile when it is not the
//! default, so side-by-side instances can be told apart) and kiosk mode —
//! fullscreen, undecorated, always on top, no cursor; the webview adds the
//! large dark layout from `get_session`'s `kiosk`.

use tauri::{Manager, WebviewWindow};

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
