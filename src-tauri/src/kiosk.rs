//! Kiosk mode, the kitchen screen: the window fullscreen, undecorated and
//! on top; the display kept awake (keepawake: the session's
//! `org.freedesktop.ScreenSaver` and logind's idle inhibitor); and a
//! watchdog that reloads the webview when its page stops answering. The
//! large touch layout, the hidden idle cursor and the PIN prompts are the
//! page's (`html.kiosk`, from `get_session`'s `kiosk`).
//!
//! On every platform the webview is reloaded as soon as its web process
//! dies ([`reload_on_crash`]); the watchdog also catches a page that hangs
//! without dying, which only a kiosk, with nobody at the keyboard, needs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use tauri::{AppHandle, Manager, WebviewWindow};

/// How often the page says it is alive (`heartbeat`, from `ui/js/app.js`).
pub(crate) const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);
/// Silence after which the watchdog reloads the page: several missed
/// heartbeats, so a busy moment is not mistaken for a hang.
pub(crate) const HEARTBEAT_DEADLINE: Duration = Duration::from_secs(30);

pub(crate) fn enter(window: &WebviewWindow) -> tauri::Result<()> {
    window.set_decorations(false)?;
    window.set_resizable(false)?;
    window.set_skip_taskbar(true)?;
    window.set_always_on_top(true)?;
    window.set_fullscreen(true)?;
    Ok(())
}

/// Whether this app runs as a kitchen screen now: from the start
/// (`--kiosk`, or a profile set up as one), or since this window was
/// paired as one.
#[derive(Default)]
pub(crate) struct KioskMode {
    on: AtomicBool,
    /// The inhibitions held while this is a kitchen screen.
    awake: tokio::sync::Mutex<Awake>,
    /// The page last said it is night (the display may blank).
    night: AtomicBool,
}

/// Whether this app is a kitchen screen now.
pub(crate) fn is_on(app: &AppHandle) -> bool {
    app.try_state::<KioskMode>()
        .is_some_and(|mode| mode.on.load(Ordering::SeqCst))
}

/// Turns the app into the kitchen screen (once): the window goes
/// fullscreen and on top, the page switches to the kiosk's layout, the
/// display is kept awake and the watchdog starts. Used at start-up and
/// when a window is paired as a kitchen screen, so it becomes one without
/// a relaunch.
pub(crate) fn become_kiosk(app: &AppHandle) {
    let Some(mode) = app.try_state::<KioskMode>() else {
        return;
    };
    if mode.on.swap(true, Ordering::SeqCst) {
        return;
    }
    match app.get_webview_window("main") {
        Some(window) => {
            if let Err(e) = enter(&window) {
                tracing::warn!(error = %e, "could not make the window a kiosk");
            }
            // This page, until it reloads; page loads after that get the
            // flag from `page_flag`'s script.
            let _ = window.eval("window.__KINBOARD_KIOSK__ = true;");
        }
        None => tracing::warn!("no main window to make a kiosk"),
    }
    let Some(heartbeat) = app.try_state::<Arc<Heartbeat>>().map(|h| h.inner().clone()) else {
        return;
    };
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        // Held for as long as the app runs (the display's let go at night).
        // Taken under the lock, so that a night the page reports meanwhile
        // waits for them and then lets the display go.
        if let Some(mode) = handle.try_state::<KioskMode>() {
            let mut awake = mode.awake.lock().await;
            *awake = keep_awake().await;
            if mode.night.load(Ordering::SeqCst) {
                awake.let_display_sleep(true).await;
            }
        }
        watchdog(handle, heartbeat).await;
    });
    tracing::info!("running as a kitchen screen");
}

/// Tells every page load, before its scripts run, that this is a kitchen
/// screen (`window.__KINBOARD_KIOSK__`), so the first paint — also after
/// a crash — already has the kiosk's dark, large layout.
pub(crate) fn page_flag(kiosk: bool) -> tauri::plugin::TauriPlugin<tauri::Wry> {
    // A window paired as a kitchen screen since start-up tells a reloaded
    // page through `get_session` instead.
    let script = if kiosk {
        "window.__KINBOARD_KIOSK__ = true;"
    } else {
        ""
    };
    tauri::plugin::Builder::new("kinboard-kiosk")
        .js_init_script(script)
        .build()
}

/// What keeps the screen on: each guard holds its inhibition while it
/// lives.
#[derive(Default)]
pub(crate) struct Awake {
    /// The display's (the session's screensaver): let go at night.
    display: Option<keepawake::KeepAwake>,
    /// The machine's (logind's idle): held all night too, so the machine
    /// does not suspend and a timer running out at night is still heard
    /// and can wake the display ([`wake_display`]).
    idle: Option<keepawake::KeepAwake>,
}

impl Awake {
    /// How many inhibitions are held.
    pub(crate) fn held(&self) -> usize {
        usize::from(self.display.is_some()) + usize::from(self.idle.is_some())
    }

    /// At night (`asleep`) the display may blank; by day, or woken, it is
    /// kept on again.
    pub(crate) async fn let_display_sleep(&mut self, asleep: bool) {
        if asleep {
            if self.display.take().is_some() {
                tracing::info!("night: the display may blank");
            }
        } else if self.display.is_none() {
            // It may have blanked already: turn it on, then keep it on.
            wake_display().await;
            self.display = inhibit("display", true).await;
        }
    }
}

/// Turns a display that has blanked back on, as a touch would: the
/// session's screensaver is told of user activity
/// (`org.freedesktop.ScreenSaver.SimulateUserActivity`, which GNOME, KDE
/// and others implement). Where there is none, nothing happens; the
/// inhibition taken next still keeps it on once it is.
pub(crate) async fn wake_display() {
    let woken = tokio::task::spawn_blocking(|| -> zbus::Result<()> {
        let bus = zbus::blocking::Connection::session()?;
        bus.call_method(
            Some("org.freedesktop.ScreenSaver"),
            "/org/freedesktop/ScreenSaver",
            Some("org.freedesktop.ScreenSaver"),
            "SimulateUserActivity",
            &(),
        )?;
        Ok(())
    })
    .await;
    match woken {
        Ok(Ok(())) => tracing::info!("the display was woken"),
        Ok(Err(e)) => tracing::warn!(error = %e, "could not wake the display"),
        Err(e) => tracing::warn!(error = %e, "could not wake the display"),
    }
}

/// Keeps the display on (the session's screensaver) and the machine from
/// idling (logind), each where the desktop offers it. A desktop without
/// them (a bare X server, a container) gets a warning, not an error: on
/// such a screen, turn blanking off with `xset s off -dpms`.
pub(crate) async fn keep_awake() -> Awake {
    Awake {
        display: inhibit("display", true).await,
        idle: inhibit("idle", false).await,
    }
}

async fn inhibit(what: &'static str, display: bool) -> Option<keepawake::KeepAwake> {
    let made = tokio::task::spawn_blocking(move || {
        keepawake::Builder::default()
            .display(display)
            .idle(!display)
            .reason("Kinboard is showing the family's timers")
            .app_name("Kinboard")
            .app_reverse_domain(kinboard_core::app::profile::IDENTIFIER)
            .create()
    })
    .await;
    match made {
        Ok(Ok(guard)) => {
            tracing::info!(what, "kept awake");
            Some(guard)
        }
        Ok(Err(e)) => {
            tracing::warn!(what, error = %e, "cannot keep the screen awake this way");
            None
        }
        Err(e) => {
            tracing::warn!(what, error = %e, "cannot keep the screen awake this way");
            None
        }
    }
}

/// The kitchen screen's night: the page dims itself on the family's
/// schedule and says so ([`crate::commands::every::kiosk_night`]); the
/// display's inhibition goes with it and comes back when woken.
pub(crate) async fn set_night(app: &AppHandle, asleep: bool) {
    let Some(mode) = app.try_state::<KioskMode>() else {
        return;
    };
    if !mode.on.load(Ordering::SeqCst) {
        return;
    }
    mode.night.store(asleep, Ordering::SeqCst);
    let mut awake = mode.awake.lock().await;
    awake.let_display_sleep(asleep).await;
    tracing::debug!(
        asleep,
        inhibitions = awake.held(),
        "the kitchen screen's night"
    );
}

/// When the page last said it was alive, in ms on the monotonic clock the
/// watchdog uses, and which screen it showed then.
#[derive(Debug, Default)]
pub(crate) struct Heartbeat {
    last_ms: AtomicI64,
    epoch: std::sync::OnceLock<std::time::Instant>,
    screen: std::sync::Mutex<String>,
}

impl Heartbeat {
    fn now_ms(&self) -> i64 {
        let epoch = self.epoch.get_or_init(std::time::Instant::now);
        i64::try_from(epoch.elapsed().as_millis()).unwrap_or(i64::MAX)
    }

    /// The page is alive.
    pub(crate) fn beat(&self) {
        self.last_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    /// A new page is loading (the first, or a reload): what it shows is
    /// not known until it says.
    pub(crate) fn new_page(&self) {
        self.screen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// The page is alive and shows `screen` (`loading`, `welcome`,
    /// `dashboard`); a change is logged, so a screen stuck on loading
    /// after a reload is plain in the log.
    pub(crate) fn beat_on(&self, screen: &str) {
        self.beat();
        let mut shown = self
            .screen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *shown != screen {
            tracing::info!(screen, "the page shows {screen}");
            screen.clone_into(&mut shown);
        }
    }

    /// How long since the last beat (or since the watchdog started).
    fn silence(&self) -> Duration {
        let ms = self.now_ms() - self.last_ms.load(Ordering::Relaxed);
        Duration::from_millis(u64::try_from(ms).unwrap_or(0))
    }
}

/// Reloads the main window's page whenever it has been silent for
/// [`HEARTBEAT_DEADLINE`]; runs until the app exits.
pub(crate) async fn watchdog(app: AppHandle, heartbeat: Arc<Heartbeat>) {
    heartbeat.beat();
    let mut tick = tokio::time::interval(HEARTBEAT_EVERY);
    loop {
        tick.tick().await;
        if heartbeat.silence() < HEARTBEAT_DEADLINE {
            continue;
        }
        let Some(window) = app.get_webview_window("main") else {
            continue;
        };
        tracing::warn!(
            silent_s = heartbeat.silence().as_secs(),
            "the page stopped answering: reloading it"
        );
        if let Err(e) = window.reload() {
            tracing::warn!(error = %e, "reload failed");
        }
        // Give the new page time to start before judging it.
        heartbeat.beat();
    }
}

/// Reloads the page as soon as the webview's web process dies (a crash,
/// or killed for memory), instead of leaving a blank window.
pub(crate) fn reload_on_crash(window: &WebviewWindow) {
    #[cfg(target_os = "linux")]
    {
        let done = window.with_webview(|webview| {
            use webkit2gtk::WebViewExt as _;
            webview
                .inner()
                .connect_web_process_terminated(|webview, reason| {
                    tracing::warn!(?reason, "the web process ended: reloading the page");
                    webview.reload();
                });
        });
        if let Err(e) = done {
            tracing::warn!(error = %e, "no crash recovery for the webview");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinboard_testkit::bus::{in_child_on_private_bus, wait_for_name};

    #[test]
    fn the_display_is_kept_awake_through_the_session_screensaver() {
        let setup = format!(
            "py=/usr/bin/python3; [ -x $py ] || py=python3; \
             $py -m dbusmock --session org.freedesktop.ScreenSaver /org/freedesktop/ScreenSaver \
               org.freedesktop.ScreenSaver -l \"$KINBOARD_PRIVATE_BUS_SCRATCH/saver.log\" >/dev/null 2>&1 &\n{}\n\
             for m in 'Inhibit ss u ret=7' 'UnInhibit u \"\" pass' 'SimulateUserActivity \"\" \"\" pass'; do set -- $m; \
               gdbus call --session --dest org.freedesktop.ScreenSaver --object-path /org/freedesktop/ScreenSaver \
                 --method org.freedesktop.DBus.Mock.AddMethod org.freedesktop.ScreenSaver $1 $2 \"$3\" \"$4\" >/dev/null; done",
            wait_for_name("org.freedesktop.ScreenSaver")
        );
        let Some(scratch) = in_child_on_private_bus(
            "kiosk::tests::the_display_is_kept_awake_through_the_session_screensaver",
            &setup,
        ) else {
            return;
        };
        let log = scratch.join("saver.log");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // No system bus here: logind's inhibitor is missing, the display's works.
        let mut guards = rt.block_on(keep_awake());
        assert_eq!(guards.held(), 1, "only the screensaver answers");
        let inhibits = |calls: &str| {
            calls
                .matches(
                    r#"Inhibit "org.kinboard.desktop" "Kinboard is showing the family's timers""#,
                )
                .count()
        };
        let calls = std::fs::read_to_string(&log).unwrap();
        assert_eq!(inhibits(&calls), 1, "{calls}");
        // Night: the display's inhibition goes, and only once.
        rt.block_on(guards.let_display_sleep(true));
        rt.block_on(guards.let_display_sleep(true));
        let calls = std::fs::read_to_string(&log).unwrap();
        assert_eq!(
            calls.matches("UnInhibit 7").count(),
            1,
            "let go at night: {calls}"
        );
        assert_eq!(guards.held(), 0);
        assert!(!calls.contains("SimulateUserActivity"), "{calls}");
        // Woken: the display turned on, and held again, once.
        rt.block_on(guards.let_display_sleep(false));
        rt.block_on(guards.let_display_sleep(false));
        let calls = std::fs::read_to_string(&log).unwrap();
        assert_eq!(inhibits(&calls), 2, "held again when woken: {calls}");
        assert_eq!(
            calls.matches("SimulateUserActivity").count(),
            1,
            "woken once: {calls}"
        );
        drop(guards);
        let calls = std::fs::read_to_string(&log).unwrap();
        assert_eq!(
            calls.matches("UnInhibit 7").count(),
            2,
            "released when dropped: {calls}"
        );
    }

    #[test]
    fn silence_grows_until_the_next_beat() {
        let h = Heartbeat::default();
        h.beat();
        assert!(h.silence() < Duration::from_secs(1));
        h.last_ms.fetch_sub(40_000, Ordering::Relaxed);
        assert!(h.silence() >= HEARTBEAT_DEADLINE);
        h.beat();
        assert!(h.silence() < HEARTBEAT_DEADLINE);
    }
}
