//! Kinboard as a desktop citizen, end to end, on real windows under Xvfb
//! (run by scripts/test.sh; see two_windows.rs for how):
//!
//! * the computer hosting the household: a second launch of its profile
//!   leaves one app and brings its window forward; closing the window
//!   (as a window manager's close button does) hides it to the tray while
//!   the household's server keeps answering; the window's size and place
//!   come back at the next start; on a desktop whose panel shows no tray
//!   icons, closing asks first, says what the other screens lose, and
//!   quits only when told to;
//! * a kitchen screen: dark in its family's night, woken by a timer that
//!   runs out, ringing (the page's chime really playing) until a parent
//!   confirms the timer, then dark again.
//!
//! Screenshots (`desktop-*.png`) land in `artifacts/e2e/`.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use kinboard_e2e::app::{START, SYNC, Server, Window, artifacts, card, need_display, profile_env};
use kinboard_e2e::process;
use kinboard_e2e::wait::until;
use kinboard_e2e::x11::{Display, TopLevel};
use serde_json::{Value, json};

async fn answers(url: &str) -> bool {
    reqwest::get(format!("{url}/healthz"))
        .await
        .is_ok_and(|r| r.status().is_success())
}

/// A panel that shows tray icons, as the session bus sees one: a
/// StatusNotifier watcher (python-dbusmock) with a host registered. Without
/// it the app must not hide its window on close (it could not come back).
struct TrayHost(std::process::Child);

impl TrayHost {
    async fn start() -> Result<Self> {
        // Debian's python3 has python3-dbusmock; another on PATH may not.
        let python = if Path::new("/usr/bin/python3").exists() {
            "/usr/bin/python3"
        } else {
            "python3"
        };
        let child = Command::new(python)
            .args([
                "-m",
                "dbusmock",
                "--session",
                "org.kde.StatusNotifierWatcher",
                "/StatusNotifierWatcher",
                "org.kde.StatusNotifierWatcher",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .context("python3 -m dbusmock (python3-dbusmock)")?;
        let host = Self(child);
        let mock = |method: &str, args: &[&str]| {
            Command::new("gdbus")
                .args([
                    "call",
                    "--session",
                    "--dest",
                    "org.kde.StatusNotifierWatcher",
                    "--object-path",
                    "/StatusNotifierWatcher",
                    "--method",
                    method,
                    "org.kde.StatusNotifierWatcher",
                ])
                .args(args)
                .output()
                .is_ok_and(|o| o.status.success())
        };
        until("the tray host on the bus", SYNC, || async {
            Ok(mock(
                "org.freedesktop.DBus.Mock.AddProperty",
                &["IsStatusNotifierHostRegistered", "<true>"],
            )
            .then_some(()))
        })
        .await?;
        ensure!(mock(
            "org.freedesktop.DBus.Mock.AddProperty",
            &["ProtocolVersion", "<0>"]
        ));
        ensure!(mock(
            "org.freedesktop.DBus.Mock.AddProperty",
            &["RegisteredStatusNotifierItems", "<@as []>"]
        ));
        ensure!(mock(
            "org.freedesktop.DBus.Mock.AddMethod",
            &["RegisterStatusNotifierItem", "s", "", ""]
        ));
        ensure!(mock(
            "org.freedesktop.DBus.Mock.AddMethod",
            &["RegisterStatusNotifierHost", "s", "", ""]
        ));
        Ok(host)
    }
}

impl Drop for TrayHost {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn window_of(display: &Display, title: &str) -> Result<TopLevel> {
    until(&format!("the window {title:?}"), START, || async {
        let found = display.find(title)?;
        Ok(match found.as_slice() {
            [one] if display.is_shown(*one)? => Some(*one),
            _ => None,
        })
    })
    .await
}

async fn wait_shown(display: &Display, window: TopLevel, shown: bool) -> Result<()> {
    let what = if shown { "shown" } else { "hidden" };
    until(&format!("the window {what}"), SYNC, || async {
        Ok((display.is_shown(window)? == shown).then_some(()))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hosting_computer_runs_once_closes_to_the_tray_keeps_its_place_and_asks_before_quitting()
-> Result<()> {
    need_display()?;
    let app = process::binary("KINBOARD_APP", "kinboard")?;
    let artifacts = artifacts(&["app-home.log", "app-home-again.log"])?;
    let dir = tempfile::tempdir()?;
    let port = process::free_port()?;
    let bind = format!("127.0.0.1:{port}");
    let household = format!("http://{bind}");
    let display = Display::open()?;
    let title = "Kinboard · home";

    // 1. The household is hosted here, its window shows; the desktop's
    //    panel shows tray icons.
    let tray_host = TrayHost::start().await?;
    let home = Window::start("home", &app, &["--host", &bind], dir.path(), &artifacts).await?;
    until("the hosted server", START, || async {
        Ok(answers(&household).await.then_some(()))
    })
    .await?;
    let window = window_of(&display, title).await?;
    ensure!(process::instances(&app, "home").len() == 1, "one app");

    // 2. Moved and resized, as a person would.
    display.place(window, 60, 40, 900, 640)?;
    home.wait("the page to be 900 px wide", SYNC, || async {
        let width = home.session.execute("return innerWidth;", vec![]).await?;
        Ok((width == json!(900)).then_some(()))
    })
    .await?;

    // 3. Closed: it hides to the tray, and the household's server still
    //    answers every other screen.
    display.close(window)?;
    wait_shown(&display, window, false).await?;
    ensure!(
        process::instances(&app, "home").len() == 1,
        "closing the window ended the app"
    );
    ensure!(
        answers(&household).await,
        "the household's server went with the window"
    );

    // 4. Launched again (from the menu, at login): no second app; the
    //    running one's window comes forward.
    let mut again = Command::new(&app);
    again
        .args(["--host", &bind, "--profile", "home"])
        .envs(profile_env(dir.path(), "home")?)
        .env("RUST_LOG", "info");
    // A second launch that hangs (no hand-over) is a failure, not a wait.
    let second = tokio::time::timeout(START, tokio::task::spawn_blocking(move || again.output()))
        .await
        .context("the second launch did not end")???;
    std::fs::write(artifacts.join("app-home-again.log"), &second.stderr)?;
    ensure!(
        second.status.success(),
        "the second launch failed: {}",
        second.status
    );
    wait_shown(&display, window, true).await?;
    ensure!(
        process::instances(&app, "home").len() == 1,
        "two apps run one profile"
    );
    home.screenshot(&artifacts.join("desktop-home.png")).await?;

    // 5. Quit (as the page does once asked): the app ends, its place kept.
    let _ = home
        .session
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             window.__TAURI__.core.invoke('quit').then(() => done('ok'), (e) => done(e)); \
             setTimeout(() => done('sent'), 500);",
            vec![],
        )
        .await;
    until("the app to end", SYNC, || async {
        Ok(process::instances(&app, "home").is_empty().then_some(()))
    })
    .await?;
    ensure!(!answers(&household).await, "the server outlived the app");
    drop(home);

    // 6. Started again where it was, this time on a desktop whose panel
    //    shows no tray icons (stock GNOME): the app has its tray icon, but
    //    nobody would see it, so closing the window asks first.
    drop(tray_host);
    let home = Window::start("home", &app, &["--host", &bind], dir.path(), &artifacts).await?;
    let window = window_of(&display, title).await?;
    // GTK may apply the kept size a moment after the window maps.
    let kept = until("the window where it was left", SYNC, || async {
        Ok((display.geometry(window)? == (60, 40, 900, 640)).then_some(()))
    })
    .await;
    let place = display.geometry(window)?;
    ensure!(
        kept.is_ok(),
        "the window came back at {place:?}, not where it was left (kept: {})",
        std::fs::read_to_string(
            dir.path()
                .join("home/config/org.kinboard.desktop/profiles/home/window.json")
        )
        .unwrap_or_else(|e| format!("nothing: {e}"))
    );
    until("the hosted server", START, || async {
        Ok(answers(&household).await.then_some(()))
    })
    .await?;
    // The page is up (its listeners in place) once it shows the welcome.
    home.wait_visible("[data-testid=way-join]", START).await?;
    display.close(window)?;
    if let Err(e) = home.wait_visible("[data-testid=quit-dialog]", SYNC).await {
        let _ = home
            .screenshot(&artifacts.join("failure-desktop-quit.png"))
            .await;
        return Err(e);
    }
    let asked = home.text("[data-testid=quit-dialog]").await?;
    ensure!(
        asked.contains("other screens lose their server"),
        "the question does not say what quitting takes away: {asked}"
    );
    home.screenshot(&artifacts.join("desktop-quit.png")).await?;
    home.click("[data-testid=dialog-cancel]").await?;
    home.wait("the question to close", SYNC, || async {
        Ok((!home.visible("[data-testid=quit-dialog]").await?).then_some(()))
    })
    .await?;
    ensure!(
        display.is_shown(window)? && answers(&household).await,
        "keeping it running did not keep it running"
    );
    display.close(window)?;
    home.wait_visible("[data-testid=quit-confirm]", SYNC)
        .await?;
    // The app may end before WebDriver answers the click.
    let _ = home.session.click_css("[data-testid=quit-confirm]").await;
    until("the app to end", SYNC, || async {
        Ok(process::instances(&app, "home").is_empty().then_some(()))
    })
    .await?;
    ensure!(!answers(&household).await, "the server outlived the app");
    Ok(())
}

/// The UTC hour now, and the night around it (an hour either side).
fn night_around_now() -> Value {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let hour = (secs / 3600) % 24;
    json!({
        "from": format!("{:02}:00", (hour + 23) % 24),
        "to": format!("{:02}:00", (hour + 1) % 24),
    })
}

/// The page's chime, as the page has it: playing, looping, how far in.
async fn chime(kiosk: &Window) -> Result<Value> {
    kiosk
        .session
        .execute(
            "const a = document.querySelector('[data-testid=chime]'); \
             return a ? { paused: a.paused, loop: a.loop, time: a.currentTime, error: a.error && a.error.code } : null;",
            vec![],
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kitchen_screen_sleeps_in_its_night_wakes_ringing_when_a_timer_runs_out_until_confirmed()
-> Result<()> {
    need_display()?;
    let app = process::binary("KINBOARD_APP", "kinboard")?;
    let artifacts = artifacts(&["desktop-server.log", "app-night.log"])?;
    let dir = tempfile::tempdir()?;
    let server = Server::start(dir.path(), &artifacts.join("desktop-server.log")).await?;
    let parent = server.parent().await?;
    let family = format!("/api/families/{}", parent.family_id);
    // The family's night is now (its zone UTC, an hour either side).
    let http = reqwest::Client::new();
    let set = http
        .patch(format!("{}{family}", server.url))
        .bearer_auth(&parent.token)
        .json(&json!({ "timeZone": "UTC", "night": night_around_now() }))
        .send()
        .await?;
    ensure!(
        set.status().is_success(),
        "setting the night: {}",
        set.status()
    );

    let kiosk = Window::start("night", &app, &["--kiosk"], dir.path(), &artifacts).await?;
    let result = night_scenario(&kiosk, &server, &parent, &family, &artifacts).await;
    if result.is_err() {
        let _ = kiosk
            .screenshot(&artifacts.join("failure-desktop-night.png"))
            .await;
    }
    result
}

async fn night_scenario(
    kiosk: &Window,
    server: &Server,
    parent: &kinboard_e2e::app::Parent,
    family: &str,
    artifacts: &Path,
) -> Result<()> {
    let s = &kiosk.session;
    kiosk.wait_visible("[data-testid=pair-form]", START).await?;
    let made = parent
        .post(
            &format!("{family}/kiosk-pairings"),
            json!({ "name": "Kitchen" }),
        )
        .await?;
    let code = made["pairing"]["code"].as_str().context("no code")?;
    s.fill("[data-testid=pair-server]", &server.url).await?;
    s.fill("[data-testid=pair-code-input]", code).await?;
    s.click_css("[data-testid=pair-submit]").await?;
    kiosk.wait_dashboard(SYNC).await?;

    // 1. Night: the screen is dark.
    kiosk.wait_visible("[data-testid=night-veil]", SYNC).await?;
    let dark = s
        .execute(
            "return document.documentElement.classList.contains('night');",
            vec![],
        )
        .await?;
    ensure!(dark == json!(true), "the page is not in its night");
    kiosk
        .screenshot(&artifacts.join("desktop-night.png"))
        .await?;

    // 2. A timer runs out: the screen wakes and rings, again and again.
    let board = parent.dashboard().await?;
    let member = board["members"][0]["id"]
        .as_str()
        .context("no child")?
        .to_owned();
    let started = parent
        .post(
            &format!("{family}/timers"),
            json!({ "memberId": member, "label": "Teeth", "durationSeconds": 2, "stars": 1 }),
        )
        .await?;
    let timer = started["timer"]["id"]
        .as_str()
        .context("no timer id")?
        .to_owned();
    kiosk
        .wait_timer_state(&timer, "expired", Duration::from_secs(30))
        .await?;
    kiosk
        .wait("the veil to lift", SYNC, || async {
            Ok((!kiosk.visible("[data-testid=night-veil]").await?).then_some(()))
        })
        .await?;
    // Playing for real: its time moves on, and it loops.
    let first = kiosk
        .wait("the chime to play", SYNC, || async {
            let c = chime(kiosk).await?;
            ensure!(
                c["paused"] == json!(false) && c["time"].as_f64() > Some(0.0),
                "the chime: {c}"
            );
            Ok(Some(c))
        })
        .await?;
    ensure!(
        first["loop"] == json!(true) && first["error"].is_null(),
        "the chime on a kitchen screen: {first}"
    );
    kiosk
        .wait("the chime to go on", SYNC, || async {
            let c = chime(kiosk).await?;
            Ok(
                (c["paused"] == json!(false) && c["time"].as_f64() != first["time"].as_f64())
                    .then_some(()),
            )
        })
        .await?;
    kiosk
        .screenshot(&artifacts.join("desktop-night-ringing.png"))
        .await?;

    // 3. A parent confirms it: silence, and the night comes back.
    parent
        .post(&format!("/api/timers/{timer}/confirm"), json!({}))
        .await?;
    kiosk
        .wait("the chime to stop", SYNC, || async {
            Ok((chime(kiosk).await?["paused"] == json!(true)).then_some(()))
        })
        .await?;
    kiosk.wait_visible("[data-testid=night-veil]", SYNC).await?;
    ensure!(
        kiosk.session.find(&card(&timer)).await?.is_none()
            || kiosk.timer_state(&timer).await?.as_deref() != Some("expired"),
        "the confirmed timer still waits"
    );
    Ok(())
}
