//! `kinboard`, the desktop app: a thin Tauri 2 shell around
//! `kinboard-core`. It parses the command line, opens the profile, starts
//! the [`shell::Shell`] (embedded server, session, live dashboard),
//! registers the webview's commands, and adds the tray, the expiry
//! notifications and, for a kitchen screen, kiosk mode. The UI is `ui/`,
//! embedded at build time.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod autostart;
mod cli;
mod commands;
mod credentials;
mod error;
mod kiosk;
mod notifier;
mod profile;
mod shell;
mod status;
#[cfg(test)]
mod test_bus;
mod tray;
mod window;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tauri::Manager;

/// The embedded server's argon2 blocks go back to the system once freed
/// (see the workspace manifest).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tao=warn,wry=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: cli::Args) -> anyhow::Result<()> {
    let profile = profile::Profile::open(&args.profile)?;
    tracing::info!(profile = profile.name(), mode = ?args.mode(), kiosk = args.kiosk, "starting");
    if args.autostart || args.no_autostart {
        autostart::set(args.autostart, profile.name(), &args.launch_args())?;
    }
    let heartbeat = Arc::new(kiosk::Heartbeat::default());
    let app = tauri::Builder::default()
        .plugin(kiosk::page_flag(args.kiosk))
        .invoke_handler(tauri::generate_handler![
            commands::get_view,
            commands::get_session,
            commands::sign_in,
            commands::sign_out,
            commands::host_household,
            commands::start_timer_from_template,
            commands::start_timer,
            commands::pause_timer,
            commands::resume_timer,
            commands::extend_timer,
            commands::cancel_timer,
            commands::confirm_timer,
            commands::complete_chore,
            commands::add_stars,
            commands::remove_stars,
            commands::refresh,
            commands::heartbeat,
            commands::create_kiosk_pairing,
            commands::pair_kiosk,
        ])
        .on_page_load(|webview, payload| {
            // The first load, and each reload after a crash or a watchdog.
            match payload.event() {
                tauri::webview::PageLoadEvent::Started => {
                    if let Some(heartbeat) = webview.try_state::<Arc<kiosk::Heartbeat>>() {
                        heartbeat.new_page();
                    }
                }
                tauri::webview::PageLoadEvent::Finished => {
                    tracing::info!(window = webview.label(), url = %payload.url(), "page loaded");
                }
            }
        })
        .setup(move |app| {
            window::setup(app, profile.name(), args.kiosk)?;
            let shell = Arc::new(shell::Shell::new(
                app.handle().clone(),
                profile.clone(),
                args.mode(),
                args.kiosk,
            ));
            app.manage(shell.clone());
            app.manage(heartbeat.clone());
            if let Some(tray) = tray::install(app.handle(), shell.views()) {
                app.manage(tray);
            }
            if args.kiosk {
                let handle = app.handle().clone();
                tauri::async_runtime::spawn(async move {
                    // Held for as long as the app runs.
                    let _awake = kiosk::keep_awake().await;
                    kiosk::watchdog(handle, heartbeat).await;
                });
            }
            tauri::async_runtime::spawn(async move { shell.start().await });
            Ok(())
        })
        .build(tauri::generate_context!("../tauri.conf.json"))?;
    app.run(|app, event| {
        if let tauri::RunEvent::Exit = event {
            let shell = app.state::<Arc<shell::Shell>>().inner().clone();
            tauri::async_runtime::block_on(async move {
                let _ = tokio::time::timeout(Duration::from_secs(3), shell.shutdown()).await;
            });
        }
    });
    Ok(())
}
