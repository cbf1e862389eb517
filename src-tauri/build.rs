//! Build script: Tauri's code generation, with the configuration at the
//! repository root (`../tauri.conf.json`, whose `frontendDist` is `ui/`),
//! and the app's commands declared so that a capability must allow each
//! one (`src-tauri/capabilities/`).

/// Every command the webview may invoke (`ui/js/bridge.js`, `COMMANDS`).
const COMMANDS: &[&str] = &[
    "get_view",
    "get_session",
    "sign_in",
    "sign_out",
    "host_household",
    "start_timer_from_template",
    "start_timer",
    "pause_timer",
    "resume_timer",
    "extend_timer",
    "cancel_timer",
    "confirm_timer",
    "complete_chore",
    "add_stars",
    "remove_stars",
    "refresh",
    "heartbeat",
    "create_kiosk_pairing",
    "pair_kiosk",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri build: {e:#}");
    }
}
