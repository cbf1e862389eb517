//! The kitchen screen, end to end: a real Kinboard window in kiosk mode
//! (`--kiosk`) under Xvfb, driven over WebDriver, against a real
//! kinboard-server. Run by scripts/test.sh (see two_windows.rs for how).
//!
//! The scenario: the screen is paired with a one-time code a parent made
//! (no password typed on it); it fills the screen; a parent action without
//! the PIN is refused by the server, a parent-only command is refused by
//! the window's capability, a wrong PIN is refused on the pad, the right
//! one works — adding stars, and cancelling a timer; the server dies and comes back and the screen goes
//! live again by itself; started again as at login it is paired from the
//! keyring; its web process is killed and the page comes back by itself.
//! Screenshots (`kiosk.png`, `kiosk-cancel-pin.png`, `kiosk-after-crash.png`)
//! land in `artifacts/e2e/`.

use std::process::Command;

use anyhow::{Context, Result, anyhow, ensure};
use kinboard_e2e::app::{
    PIN, RECOVER, START, SYNC, Server, Window, artifacts, card, need_display, profile_env,
};
use kinboard_e2e::process::{self, Guard};
use kinboard_e2e::wait::until;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paired_kitchen_screen_fills_the_screen_asks_for_the_pin_and_recovers_by_itself()
-> Result<()> {
    need_display()?;
    let app = process::binary("KINBOARD_APP", "kinboard")?;
    let artifacts = artifacts(&[
        "kiosk-server.log",
        "app-kiosk.log",
        "app-kiosk-relaunched.log",
    ])?;
    let dir = tempfile::tempdir()?;
    let mut server = Server::start(dir.path(), &artifacts.join("kiosk-server.log")).await?;
    let parent = server.parent().await?;
    let kiosk = Window::start("kiosk", &app, &["--kiosk"], dir.path(), &artifacts).await?;
    let result = scenario(&kiosk, &parent, &mut server, &artifacts).await;
    if result.is_err() {
        let _ = kiosk.screenshot(&artifacts.join("failure-kiosk.png")).await;
    }
    let _ = kiosk.session.clone().close().await;
    result?;
    relaunched_without_a_driver(&app, &server, dir.path(), &artifacts).await
}

async fn scenario(
    kiosk: &Window,
    parent: &kinboard_e2e::app::Parent,
    server: &mut Server,
    artifacts: &std::path::Path,
) -> Result<()> {
    let s = &kiosk.session;
    // 1. A kitchen screen's welcome only pairs: no password field at all.
    kiosk
        .wait("the pairing form", START, || async {
            Ok(kiosk
                .visible("[data-testid=pair-form]")
                .await?
                .then_some(()))
        })
        .await?;
    ensure!(
        !kiosk.visible("[data-testid=signin-form]").await?,
        "a kiosk offers to sign in with a password"
    );
    let made = parent
        .post(
            &format!("/api/families/{}/kiosk-pairings", parent.family_id),
            json!({ "name": "Kitchen" }),
        )
        .await?;
    let code = made["pairing"]["code"].as_str().context("no code")?;
    s.fill("[data-testid=pair-server]", &server.url).await?;
    s.fill("[data-testid=pair-code-input]", code).await?;
    s.click_css("[data-testid=pair-submit]").await?;
    kiosk.wait_dashboard(SYNC).await?;
    eprintln!("paired with {code}");

    // 2. Fullscreen: the window covers the whole 1280×800 screen, in the
    //    kiosk layout.
    let rect = s.window_rect().await?;
    ensure!(rect == (0, 0, 1280, 800), "the kiosk window is at {rect:?}");
    let layout = s
        .execute(
            "return [document.documentElement.classList.contains('kiosk'), innerWidth, innerHeight];",
            vec![],
        )
        .await?;
    ensure!(layout == json!([true, 1280, 800]), "kiosk layout: {layout}");

    // 3. A parent action without the PIN is refused by the server, and
    //    nothing changes.
    let member = s
        .attribute(&s.get("[data-testid=member-card]").await?, "data-member-id")
        .await?
        .ok_or_else(|| anyhow!("member card without id"))?;
    let before = parent.balance(&member).await?;
    let refused = s
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             window.__TAURI__.core.invoke('add_stars', { memberId: arguments[0], amount: 1, reason: 'Helping' }) \
               .then(() => done('accepted'), (e) => done(e));",
            vec![Value::from(member.as_str())],
        )
        .await?;
    ensure!(
        refused["code"] == "pin_required",
        "adding stars without the PIN answered {refused}"
    );
    ensure!(
        parent.balance(&member).await? == before,
        "stars changed without the PIN"
    );
    // A parent-only command is not even the window's to call: its
    // capability (every-screen) does not hold it.
    let denied = s
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             window.__TAURI__.core.invoke('create_kiosk_pairing', { name: 'Sneaky' }) \
               .then(() => done('accepted'), (e) => done(String(e)));",
            vec![],
        )
        .await?;
    ensure!(
        denied
            .as_str()
            .is_some_and(|e| e.to_lowercase().contains("not allowed")),
        "a parent-only command on the kitchen screen answered {denied}"
    );

    // 4. On the screen: + asks for the PIN on a pad; a wrong one is refused
    //    and changes nothing; the right one adds the star, here and in the
    //    database.
    s.click_css(&format!(
        "[data-testid=stars-add][data-member-id=\"{member}\"]"
    ))
    .await?;
    kiosk
        .wait("the PIN pad", SYNC, || async {
            Ok(kiosk.visible("[data-testid=pin-pad]").await?.then_some(()))
        })
        .await?;
    s.click_css("[data-testid=stars-reason-chip]").await?;
    let type_pin = |pin: &'static str, submit: &'static str| async move {
        for digit in pin.chars() {
            s.click_css(&format!("[data-testid=pin-digit][data-digit=\"{digit}\"]"))
                .await?;
        }
        s.click_css(&format!("[data-testid={submit}]")).await
    };
    type_pin("9999", "stars-submit").await?;
    let said = kiosk
        .wait("the wrong PIN refused", SYNC, || async {
            s.text_of("[data-testid=error-banner][data-scope=dialog]")
                .await
                .map(|t| t.filter(|t| !t.is_empty()))
        })
        .await?;
    ensure!(
        said.contains("PIN is not right"),
        "a wrong PIN says {said:?}"
    );
    ensure!(
        parent.balance(&member).await? == before,
        "a wrong PIN changed stars"
    );
    type_pin(PIN, "stars-submit").await?;
    kiosk.wait_balance(&member, before + 1).await?;
    ensure!(parent.balance(&member).await? == before + 1);
    eprintln!("no PIN refused, wrong PIN refused, right PIN added a star");

    // 5. A timer started elsewhere shows here; then the server dies and
    //    comes back, and the screen goes live again with nobody touching
    //    it, saying how fresh it is meanwhile.
    let started = parent
        .post(
            &format!("/api/families/{}/timers", parent.family_id),
            json!({ "memberId": member, "label": "Homework", "durationSeconds": 1500, "stars": 2 }),
        )
        .await?;
    let timer = started["timer"]["id"]
        .as_str()
        .context("no timer")?
        .to_owned();
    kiosk.wait_timer_state(&timer, "running", SYNC).await?;
    server.kill();
    kiosk.wait_not_live().await?;
    ensure!(
        kiosk.visible("[data-testid=last-synced]").await?,
        "a stale kiosk does not say when it last synced"
    );
    server.restart().await?;
    kiosk.wait_live(RECOVER).await?;
    kiosk.wait_timer_state(&timer, "running", SYNC).await?;
    eprintln!("server restarted: the kiosk is live again by itself");

    // 6. Cancelling a timer needs the PIN too: without it the server
    //    refuses; on the screen the card asks for it on the pad, a wrong one
    //    is refused, and the right one cancels it here and at the server.
    let refused = s
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             window.__TAURI__.core.invoke('cancel_timer', { timerId: arguments[0] }) \
               .then(() => done('accepted'), (e) => done(e));",
            vec![Value::from(timer.as_str())],
        )
        .await?;
    ensure!(
        refused["code"] == "pin_required",
        "cancelling without the PIN answered {refused}"
    );
    let still_there = |board: &Value| {
        board["activeTimers"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["id"] == timer.as_str()))
    };
    ensure!(
        still_there(&parent.dashboard().await?),
        "cancelled at the server without the PIN"
    );
    kiosk.wait_timer_state(&timer, "running", SYNC).await?;
    s.click_css(&format!("{} [data-testid=timer-cancel]", card(&timer)))
        .await?;
    s.click_css(&format!(
        "{} [data-testid=timer-cancel-confirm]",
        card(&timer)
    ))
    .await?;
    kiosk
        .wait("the PIN pad for cancelling", SYNC, || async {
            Ok(kiosk.visible("[data-testid=pin-pad]").await?.then_some(()))
        })
        .await?;
    kiosk
        .screenshot(&artifacts.join("kiosk-cancel-pin.png"))
        .await?;
    // The native dialog holds the focus (showModal), so the keyboard
    // cannot wander to the board behind it.
    let inside = s
        .execute(
            "return Boolean(document.activeElement && document.activeElement.closest('dialog[open]'));",
            vec![],
        )
        .await?;
    ensure!(inside == json!(true), "the focus is outside the PIN dialog");
    type_pin("9999", "pin-submit").await?;
    let said = kiosk
        .wait("the wrong PIN refused", SYNC, || async {
            s.text_of("[data-testid=error-banner][data-scope=dialog]")
                .await
                .map(|t| t.filter(|t| !t.is_empty()))
        })
        .await?;
    ensure!(
        said.contains("PIN is not right"),
        "a wrong PIN says {said:?}"
    );
    ensure!(
        still_there(&parent.dashboard().await?),
        "a wrong PIN cancelled the timer at the server"
    );
    ensure!(
        kiosk.timer_state(&timer).await?.as_deref() == Some("running"),
        "a wrong PIN cancelled the timer"
    );
    type_pin(PIN, "pin-submit").await?;
    kiosk.wait_timer_gone(&timer).await?;
    let board = parent.dashboard().await?;
    ensure!(
        !still_there(&board),
        "the server still has the timer: {board}"
    );
    eprintln!("cancelling: refused without the PIN and with a wrong one, done with the right one");

    kiosk.screenshot(&artifacts.join("kiosk.png")).await?;
    Ok(())
}

/// The same kitchen screen started again as at login, without a driver
/// (WebKitWebDriver ends its session when a page crashes, and the page of
/// a driven window cannot recover from that): it comes back on its own
/// from the keyring, straight to the dashboard; then its web process is
/// killed and the page comes back by itself. Watched as a person would,
/// on the whole screen, and through the app's log: it loaded the page
/// again, and the new page says (on its heartbeat) it shows the dashboard.
async fn relaunched_without_a_driver(
    app: &std::path::Path,
    server: &Server,
    dir: &std::path::Path,
    artifacts: &std::path::Path,
) -> Result<()> {
    let log = artifacts.join("app-kiosk-relaunched.log");
    let mut cmd = Command::new(app);
    cmd.args(["--kiosk", "--profile", "kiosk", "--server", &server.url])
        .envs(profile_env(dir, "kiosk")?)
        .env("RUST_LOG", "info,sqlx=warn,tao=warn,wry=warn");
    let mut screen = Guard::spawn("kinboard --kiosk", cmd, &log)?;
    let count = |what: &str| -> Result<usize> {
        Ok(std::fs::read_to_string(&log)?
            .lines()
            .filter(|l| l.contains(what))
            .count())
    };
    until("the relaunched kiosk on its dashboard", START, || async {
        Ok((count("the page shows dashboard")? >= 1).then_some(()))
    })
    .await?;
    ensure!(
        count("the page shows welcome")? == 0,
        "the relaunched kiosk asked to be paired again"
    );
    let shot = artifacts.join("kiosk-screen.png");
    until("the dashboard on the screen", SYNC, || async {
        Ok(board_on_screen(&shot)?.then_some(()))
    })
    .await?;
    eprintln!(
        "relaunched: paired from the keyring; the whole screen: {}",
        shot.display()
    );

    let (loads, dashboards) = (count("page loaded")?, count("the page shows dashboard")?);
    let pid = screen.id().context("the kiosk's pid")?;
    let killed = kill_web_process(pid)?;
    eprintln!("killed the kiosk's web process {killed}");
    until(
        "the page loaded again, showing the dashboard",
        RECOVER,
        || async {
            Ok(
                (count("page loaded")? > loads && count("the page shows dashboard")? > dashboards)
                    .then_some(()),
            )
        },
    )
    .await?;
    let web = web_processes(pid)?;
    ensure!(
        !web.is_empty() && !web.contains(&killed),
        "web processes now: {web:?}"
    );
    let shot = artifacts.join("kiosk-after-crash.png");
    until("the reloaded page on the screen", SYNC, || async {
        Ok(board_on_screen(&shot)?.then_some(()))
    })
    .await?;
    eprintln!("the page came back by itself: {}", shot.display());
    ensure!(screen.exited().is_none(), "the kiosk app quit");
    screen.kill();
    Ok(())
}

/// Takes a picture of the whole screen into `path`; whether it shows the
/// kiosk's board: the dark kitchen layout, full of text and colour — not a
/// blank or crashed window (a handful of colours), nor the light loading
/// page (a page that has not learnt yet that it is a kiosk).
fn board_on_screen(path: &std::path::Path) -> Result<bool> {
    let shot = Command::new("import")
        .args(["-window", "root"])
        .arg(path)
        .status()
        .context("import (Debian: imagemagick) is installed")?;
    ensure!(shot.success(), "import failed: {shot}");
    let out = Command::new("identify")
        .args(["-format", "%k %[fx:mean]"])
        .arg(path)
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let colours: usize = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
    let brightness: f64 = parts.next().and_then(|m| m.parse().ok()).unwrap_or(1.0);
    Ok(colours > 500 && brightness < 0.4)
}

fn pids(args: &[&str]) -> Result<Vec<u32>> {
    let out = Command::new("pgrep").args(args).output()?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect())
}

/// The WebKit web processes of the app process `app`.
fn web_processes(app: u32) -> Result<Vec<u32>> {
    pids(&["-P", &app.to_string(), "WebKitWebProces"])
}

/// Kills (SIGKILL) the WebKit web process of the app process `app`;
/// returns the killed one's pid.
fn kill_web_process(app: u32) -> Result<u32> {
    let web = *web_processes(app)?
        .first()
        .with_context(|| format!("no web process under kinboard {app}"))?;
    let status = Command::new("kill")
        .args(["-KILL", &web.to_string()])
        .status()?;
    ensure!(status.success(), "kill {web}: {status}");
    Ok(web)
}
