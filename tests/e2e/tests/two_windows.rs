//! Two real Kinboard windows against one kinboard-server, driven over
//! WebDriver: tauri-driver (one per instance, each on its own ports) in
//! front of WebKitWebDriver, each app with its own `--profile` and XDG
//! directories. Run under Xvfb and a D-Bus session (scripts/test.sh):
//!
//! ```sh
//! cargo build -p kinboard -p kinboard-server
//! xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
//!   env NO_AT_BRIDGE=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 \
//!   cargo test -p kinboard-e2e --features desktop -- --nocapture
//! ```
//!
//! The scenario: sign in on both; start a timer in A → it appears in B;
//! pause in B → paused in A; extend in A → more time left in B; cancel in
//! A → gone from B; complete a chore in A → done in B, stars up in both;
//! let a one-minute timer run out, confirm it in B → stars up in both;
//! kill the server and start it again → both go back to live without a
//! click, and a timer started in B appears in A; each token is in the
//! Secret Service, A restarts signed in from it, and signing out in B
//! removes B's. Screenshots of both windows land in `artifacts/e2e/`.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, ensure};
use kinboard_e2e::app::{
    RECOVER, SYNC, Server, Window, artifacts, card, keyring_lookup, need_display,
};
use kinboard_e2e::process;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_windows_stay_in_sync_and_recover_from_a_server_restart() -> Result<()> {
    need_display()?;
    let app = process::binary("KINBOARD_APP", "kinboard")?;
    let artifacts = artifacts(&["server.log", "app-a.log", "app-b.log"])?;
    let dir = tempfile::tempdir()?;
    let mut server = Server::start(dir.path(), &artifacts.join("server.log")).await?;
    eprintln!("server at {}", server.url);

    let mut a = Window::start(
        "a",
        &app,
        &["--server", &server.url],
        dir.path(),
        &artifacts,
    )
    .await?;
    let b = Window::start(
        "b",
        &app,
        &["--server", &server.url],
        dir.path(),
        &artifacts,
    )
    .await?;
    a.sign_in(&server.url).await?;
    b.sign_in(&server.url).await?;
    let result = scenario(&mut a, &b, &mut server, &artifacts).await;
    if result.is_err() {
        // Show the state the failure left, for the artefacts.
        let _ = a.screenshot(&artifacts.join("failure-a.png")).await;
        let _ = b.screenshot(&artifacts.join("failure-b.png")).await;
    }
    let _ = a.session.clone().close().await;
    let _ = b.session.clone().close().await;
    result
}

async fn scenario(a: &mut Window, b: &Window, server: &mut Server, artifacts: &Path) -> Result<()> {
    // Who and what: the first template button names a child and a template.
    let tpl = a.session.get("[data-testid=template-start]").await?;
    let member = a
        .session
        .attribute(&tpl, "data-member-id")
        .await?
        .ok_or_else(|| anyhow!("template button without data-member-id"))?;
    let family_a = a.session.text_of("[data-testid=family-name]").await?;
    let family_b = b.session.text_of("[data-testid=family-name]").await?;
    ensure!(
        family_a == family_b,
        "different families: {family_a:?} / {family_b:?}"
    );

    // 1. A one-minute one-off timer with 2 stars, started in A, appears in B.
    let before = a.timer_ids().await?;
    a.session
        .fill("[data-testid=oneoff-label]", "Quick tidy")
        .await?;
    a.session.fill("[data-testid=oneoff-minutes]", "1").await?;
    a.session
        .click_css(&format!(
            "[data-testid=oneoff-member] option[value=\"{member}\"]"
        ))
        .await?;
    a.session.fill("[data-testid=oneoff-stars]", "2").await?;
    a.session.click_css("[data-testid=oneoff-submit]").await?;
    let quick = a.wait_new_timer(&before).await?;
    b.wait_timer_state(&quick, "running", SYNC).await?;
    eprintln!("started {quick} in A; running in B");

    // 2. A template timer, started in A, appears in B.
    let before = a.timer_ids().await?;
    a.session.click(&tpl).await?;
    let t = a.wait_new_timer(&before).await?;
    b.wait_timer_state(&t, "running", SYNC).await?;

    // 3. Pause in B → paused in A.
    b.session
        .click_css(&format!("{} [data-testid=timer-pause]", card(&t)))
        .await?;
    a.wait_timer_state(&t, "paused", SYNC).await?;
    eprintln!("paused {t} in B; paused in A");

    // 4. +5 min in A → B shows five more minutes.
    let left = b
        .seconds_left(&t)
        .await?
        .ok_or_else(|| anyhow!("no countdown for {t} in B"))?;
    a.session
        .click_css(&format!("{} [data-testid=timer-extend]", card(&t)))
        .await?;
    b.wait("five more minutes", SYNC, || async {
        Ok(b.seconds_left(&t)
            .await?
            .filter(|s| *s >= left + 299)
            .map(drop))
    })
    .await?;
    eprintln!("extended {t} in A; {left} s → {left}+300 s in B");
    a.screenshot(&artifacts.join("a-timers.png")).await?;
    b.screenshot(&artifacts.join("b-timers.png")).await?;

    // 5. Cancel in A (with its confirmation) → gone from B.
    a.session
        .click_css(&format!("{} [data-testid=timer-cancel]", card(&t)))
        .await?;
    a.wait("the cancel confirmation", SYNC, || async {
        a.session
            .find(&format!("{} [data-testid=timer-cancel-confirm]", card(&t)))
            .await
    })
    .await?;
    a.session
        .click_css(&format!("{} [data-testid=timer-cancel-confirm]", card(&t)))
        .await?;
    a.wait_timer_gone(&t).await?;
    b.wait_timer_gone(&t).await?;
    eprintln!("cancelled {t} in A; gone from B");

    // 6. A chore done in A → done in B, and its stars in both.
    let chore = a
        .session
        .get("[data-testid=chore-done]")
        .await
        .context("a chore to complete")?;
    let chore_id = a
        .session
        .attribute(&chore, "data-chore-id")
        .await?
        .ok_or_else(|| anyhow!("chore without id"))?;
    let chore_member = a
        .session
        .attribute(&chore, "data-member-id")
        .await?
        .ok_or_else(|| anyhow!("chore without member"))?;
    let stars_before = a.balance(&chore_member).await?.unwrap_or(0);
    a.session.click(&chore).await?;
    let done = format!("[data-testid=chore-item][data-chore-id=\"{chore_id}\"]");
    for d in [&*a, b] {
        d.wait("the chore marked done", SYNC, || async {
            Ok(match d.session.find(&done).await? {
                Some(item) => d
                    .session
                    .attribute(&item, "data-done")
                    .await?
                    .filter(|v| v == "true")
                    .map(drop),
                None => None,
            })
        })
        .await?;
    }
    let after_chore = b.balance(&chore_member).await?.unwrap_or(0);
    ensure!(
        after_chore > stars_before,
        "the chore gave no stars in B ({stars_before} → {after_chore})"
    );
    a.wait_balance(&chore_member, after_chore).await?;
    eprintln!("chore {chore_id} done in A; done in B; stars {stars_before} → {after_chore}");

    // 7. The one-minute timer runs out (both see it), B confirms it, and
    //    its two stars show in both.
    a.wait_timer_state(&quick, "expired", Duration::from_secs(90))
        .await?;
    b.wait_timer_state(&quick, "expired", SYNC).await?;
    let balance = b
        .balance(&member)
        .await?
        .ok_or_else(|| anyhow!("no balance for {member}"))?;
    b.session
        .click_css(&format!("{} [data-testid=timer-confirm]", card(&quick)))
        .await?;
    b.wait_timer_gone(&quick).await?;
    a.wait_timer_gone(&quick).await?;
    b.wait_balance(&member, balance + 2).await?;
    a.wait_balance(&member, balance + 2).await?;
    eprintln!(
        "confirmed {quick} in B; {member} {balance} → {} in both",
        balance + 2
    );

    // 8. The server dies and comes back: both windows notice, then go back
    //    to live on their own, and stay in sync.
    server.kill();
    for d in [&*a, b] {
        d.wait_not_live().await?;
    }
    eprintln!("server killed; both windows show it");
    server.restart().await?;
    a.wait_live(RECOVER).await?;
    b.wait_live(RECOVER).await?;
    eprintln!("server restarted; both windows live again without a click");
    let before = b.timer_ids().await?;
    b.session.click_css("[data-testid=template-start]").await?;
    let again = b.wait_new_timer(&before).await?;
    a.wait_timer_state(&again, "running", SYNC).await?;
    eprintln!("started {again} in B after the restart; running in A");

    a.screenshot(&artifacts.join("a-final.png")).await?;
    b.screenshot(&artifacts.join("b-final.png")).await?;

    // 9. The tokens live in the Secret Service (gnome-keyring), one per
    //    profile, and work; A quits and starts again: it is signed in from
    //    the keyring, with no sign-in form, and live.
    let account = format!("{}|{}", server.url, kinboard_e2e::app::EMAIL);
    let service = |w: &Window| format!("org.kinboard.desktop/{}", w.profile);
    let a_token =
        keyring_lookup(&service(a), &account)?.context("A's token is not in the keyring")?;
    let b_token =
        keyring_lookup(&service(b), &account)?.context("B's token is not in the keyring")?;
    ensure!(a_token != b_token, "two sign-ins, two tokens");
    ensure!(
        me_status(&server.url, &b_token).await? == 200,
        "B's stored token works"
    );
    a.relaunch().await?;
    a.wait_dashboard(RECOVER).await?;
    ensure!(
        !a.visible("[data-testid=welcome]").await?,
        "A asked to sign in again"
    );
    eprintln!("A restarted: signed in from the keyring");

    // 10. Signing out in B removes its token from the keyring and revokes
    //     it at the server; A stays signed in.
    b.session.click_css("[data-testid=sign-out]").await?;
    b.wait("the welcome after signing out", SYNC, || async {
        Ok(b.visible("[data-testid=way-join]").await?.then_some(()))
    })
    .await?;
    ensure!(
        keyring_lookup(&service(b), &account)?.is_none(),
        "B's token is still in the keyring"
    );
    ensure!(
        me_status(&server.url, &b_token).await? == 401,
        "B's token was not revoked"
    );
    ensure!(
        keyring_lookup(&service(a), &account)?.is_some(),
        "A's token went too"
    );
    eprintln!("signed out in B: its token is gone from the keyring and revoked");
    Ok(())
}

/// The status `GET /api/me` answers `token` with.
async fn me_status(server: &str, token: &str) -> Result<u16> {
    Ok(reqwest::Client::new()
        .get(format!("{server}/api/me"))
        .bearer_auth(token)
        .send()
        .await?
        .status()
        .as_u16())
}
