//! The main window: its title (naming the profile when it is not the
//! default, so side-by-side instances can be told apart), crash recovery,
//! and showing or hiding it. Kiosk mode is [`crate::kiosk`]'s.

use tauri::{AppHandle, Manager};

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
