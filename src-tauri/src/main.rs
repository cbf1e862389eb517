//! `kinboard`, the desktop app: a thin Tauri 2 shell around
//! `kinboard-core`. It parses the command line, opens the profile, gives
//! the core's [`Supervisor`] what only a desktop has (the webview to
//! emit to, an embedded `kinboard-server` to host with, the platform
//! keyring, D-Bus notifications), registers the webview's commands with
//! the capability its window may use, and adds the tray and, for a
//! kitchen screen, kiosk mode. The UI is `ui/`, embedded at build time.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod autostart;
mod cli;
mod commands;
mod desktop;
mod host;
mod instance;
mod kiosk;
mod logs;
mod notifier;
mod tray;
mod window;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use kinboard_core::app::{HttpBackend, PlatformKeyring, Profile, Setup, Supervisor};
use tauri::Manager;

/// The embedded server's argon2 blocks go back to the system once freed
/// (see the workspace manifest).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    // Flushes the log files when the app ends.
    let _log_files = logs::init(&args.profile);
    // A computer hosting the household serves every screen's sockets from
    // this process; the soft limit on open files is often 1024.
    kinboard_server::listen::raise_open_file_limit();
    // Generated once: it embeds the page.
    let context = tauri::generate_context!("../tauri.conf.json");
    let ran = if args.empty_window {
        window::run_empty(context)
    } else {
        run(args, context)
    };
    match ran {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: cli::Args, context: tauri::Context) -> anyhow::Result<()> {
    let profile = Profile::open(&args.profile)?;
    tracing::info!(profile = profile.name(), mode = ?args.mode(), kiosk = args.kiosk, "starting");
    if args.autostart || args.no_autostart {
        autostart::set(args.autostart, profile.name(), &args.launch_args())?;
    }
    // A profile paired as a kitchen screen starts as one.
    let as_kiosk = args.kiosk || profile.is_kiosk();
    let heartbeat = Arc::new(kiosk::Heartbeat::default());
    // First: a second launch of this profile hands over to the running
    // one here, before it opens anything.
    let builder = tauri::Builder::default().plugin(instance::only_one(profile.name()));
    let builder = if as_kiosk {
        builder
    } else {
        builder.plugin(window::remember_place(&profile))
    };
    let app = builder
        .plugin(kiosk::page_flag(as_kiosk))
        .invoke_handler(commands::generated_handler!())
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
            // A kitchen screen's window may call only what every screen
            // may; a parent's window everything.
            app.add_capability(if as_kiosk {
                include_str!("../screens/kiosk.json")
            } else {
                include_str!("../screens/parent.json")
            })?;
            if !as_kiosk {
                app.manage(window::RemembersPlace);
            }
            let hosting = window::Hosting::default();
            hosting.set(matches!(args.mode(), cli::Mode::Host { .. }));
            app.manage(hosting);
            window::setup(app, profile.name())?;
            app.manage(kiosk::KioskMode::default());
            // The latest view, for the tray and the alarms.
            let views = tokio::sync::watch::channel(None).0;
            let (notifier, choices) = notifier::DesktopNotifier::new("Kinboard", views.subscribe());
            let tray_views = views.subscribe();
            let supervisor = Supervisor::new(Setup {
                profile: profile.clone(),
                mode: args.mode(),
                kiosk: args.kiosk,
                backend: HttpBackend::default(),
                host: Arc::new(host::EmbeddedHost),
                keyring: Arc::new(PlatformKeyring),
                sink: Arc::new(desktop::WebviewSink {
                    app: app.handle().clone(),
                    views,
                }),
                notifier: Arc::new(notifier.clone()),
            });
            app.manage(commands::Desktop {
                supervisor: supervisor.clone(),
                profile: profile.clone(),
            });
            app.manage(heartbeat.clone());
            if let Some(tray) = tray::install(app.handle(), tray_views) {
                app.manage(tray);
            }
            if as_kiosk {
                kiosk::become_kiosk(app.handle());
            }
            tauri::async_runtime::spawn(desktop::follow_notifications(
                supervisor.clone(),
                notifier,
            ));
            tauri::async_runtime::spawn(desktop::carry_out_choices(
                app.handle().clone(),
                supervisor.clone(),
                choices,
            ));
            tauri::async_runtime::spawn(async move { supervisor.start().await });
            Ok(())
        })
        .build(context)?;
    app.run(|app, event| {
        if let tauri::RunEvent::Exit = event {
            let supervisor = app.state::<commands::Desktop>().supervisor.clone();
            tauri::async_runtime::block_on(async move {
                let _ = tokio::time::timeout(Duration::from_secs(3), supervisor.shutdown()).await;
            });
        }
    });
    Ok(())
}
