//! Spending stars, end to end: a parent's window and a kitchen screen
//! (`--kiosk`, paired with a one-time code) against a real
//! kinboard-server's demo family, driven over WebDriver under Xvfb. Run by
//! scripts/test.sh (see two_windows.rs for how).
//!
//! The scenario: Mia has stars; on the kitchen screen she picks a reward,
//! a parent types the PIN on the pad, and both windows show her new
//! balance without a reload; the kitchen screen takes it back within its
//! ten seconds and both show the stars back; she redeems again, and the
//! parent's window draws her history — stars earned per week, and the
//! ledger saying who did what. Screenshots (`rewards-kitchen.png`,
//! `rewards-history.png`) land in `artifacts/e2e/`.

use std::time::Instant;

use anyhow::{Context, Result, anyhow, ensure};
use kinboard_e2e::app::{PIN, SYNC, Server, Window, artifacts, need_display};
use kinboard_e2e::process;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reward_redeemed_on_the_kitchen_screen_shows_on_the_parents_window_and_can_be_undone()
-> Result<()> {
    need_display()?;
    let app = process::binary("KINBOARD_APP", "kinboard")?;
    let artifacts = artifacts(&[
        "rewards-server.log",
        "app-rewards-parent.log",
        "app-rewards-kitchen.log",
    ])?;
    let dir = tempfile::tempdir()?;
    let server = Server::start(dir.path(), &artifacts.join("rewards-server.log")).await?;
    let parent_window = Window::start(
        "rewards-parent",
        &app,
        &["--server", &server.url],
        dir.path(),
        &artifacts,
    )
    .await?;
    let kitchen = Window::start(
        "rewards-kitchen",
        &app,
        &["--kiosk"],
        dir.path(),
        &artifacts,
    )
    .await?;
    let result = scenario(&parent_window, &kitchen, &server, &artifacts).await;
    if result.is_err() {
        let _ = parent_window
            .screenshot(&artifacts.join("failure-rewards-parent.png"))
            .await;
        let _ = kitchen
            .screenshot(&artifacts.join("failure-rewards-kitchen.png"))
            .await;
    }
    let _ = parent_window.session.clone().close().await;
    let _ = kitchen.session.clone().close().await;
    result
}

async fn scenario(
    parent_window: &Window,
    kitchen: &Window,
    server: &Server,
    artifacts: &std::path::Path,
) -> Result<()> {
    let rest = server.parent().await?;
    let board = rest.dashboard().await?;
    let mia = id_named(&board["members"], "name", "Mia")?;
    let ice = id_named(&board["rewards"], "title", "Ice cream")?;
    rest.post(
        &format!("/api/families/{}/members/{mia}/stars", rest.family_id),
        json!({ "amount": 7, "reason": "A great week" }),
    )
    .await?;

    parent_window.sign_in(&server.url).await?;
    let made = rest
        .post(
            &format!("/api/families/{}/kiosk-pairings", rest.family_id),
            json!({ "name": "Kitchen" }),
        )
        .await?;
    let code = made["pairing"]["code"].as_str().context("no code")?;
    kitchen
        .wait_visible("[data-testid=pair-form]", SYNC)
        .await?;
    let k = &kitchen.session;
    k.fill("[data-testid=pair-server]", &server.url).await?;
    k.fill("[data-testid=pair-code-input]", code).await?;
    k.click_css("[data-testid=pair-submit]").await?;
    kitchen.wait_dashboard(SYNC).await?;
    kitchen.wait_balance(&mia, 7).await?;
    parent_window.wait_balance(&mia, 7).await?;

    // 1. On the kitchen screen: Mia picks the ice cream, a parent types
    //    the PIN; both windows show 2 stars left.
    redeem_on_kitchen(kitchen, &mia, &ice).await?;
    let redeemed = Instant::now();
    kitchen.wait_balance(&mia, 2).await?;
    parent_window.wait_balance(&mia, 2).await?;
    ensure!(rest.balance(&mia).await? == 2, "the database disagrees");
    kitchen
        .screenshot(&artifacts.join("rewards-kitchen.png"))
        .await?;
    eprintln!("redeemed on the kitchen screen with the PIN: 7 → 2 on both windows");

    // 2. Within its ten seconds the kitchen screen takes it back.
    let undo = format!(
        "[data-testid=member-card][data-member-id=\"{mia}\"] [data-testid=redemption-undo]"
    );
    kitchen.wait_visible(&undo, SYNC).await?;
    k.click_css(&undo).await?;
    kitchen.wait_balance(&mia, 7).await?;
    parent_window.wait_balance(&mia, 7).await?;
    let took = redeemed.elapsed();
    ensure!(
        took.as_secs() < 10,
        "the undo came {took:?} after the redemption"
    );
    ensure!(rest.balance(&mia).await? == 7);
    ensure!(
        !kitchen.visible(&undo).await?,
        "an undone reward still shows on the card"
    );
    eprintln!("undone on the kitchen screen after {took:?}: 7 on both windows");

    // 3. Again, for good; the parent's window draws Mia's history.
    redeem_on_kitchen(kitchen, &mia, &ice).await?;
    parent_window.wait_balance(&mia, 2).await?;
    let p = &parent_window.session;
    p.click_css(&format!(
        "[data-testid=history-open][data-member-id=\"{mia}\"]"
    ))
    .await?;
    let weeks = parent_window
        .wait("the history chart", SYNC, || async {
            let bars = p
                .execute(
                    "return Array.from(document.querySelectorAll('[data-testid=history-week]'), (g) => Number(g.getAttribute('data-stars')));",
                    vec![],
                )
                .await?;
            Ok(bars.as_array().filter(|b| b.len() == 12).cloned())
        })
        .await?;
    ensure!(
        weeks.last() == Some(&json!(7)),
        "this week's bar is {:?}, not the 7 earned (spending is not earning)",
        weeks.last()
    );
    let lines = p
        .execute(
            "return Array.from(document.querySelectorAll('[data-testid=ledger-line]'), (l) => [l.getAttribute('data-kind'), l.textContent, l.classList.contains('is-undone')]);",
            vec![],
        )
        .await?;
    let lines = lines.as_array().context("ledger lines")?;
    ensure!(lines.len() == 4, "the ledger shows {lines:?}");
    let newest = lines[0].to_string();
    ensure!(
        newest.contains("reward") && newest.contains("Ice cream") && newest.contains("by Kitchen"),
        "the newest line is {newest}"
    );
    let undone: Vec<&Value> = lines.iter().filter(|l| l[2] == true).collect();
    ensure!(
        undone.len() == 1 && undone[0][0] == "reward",
        "the undone redemption, and only it, is marked undone: {lines:?}"
    );
    parent_window
        .screenshot(&artifacts.join("rewards-history.png"))
        .await?;
    eprintln!("the parent's window shows the history: {weeks:?}");
    Ok(())
}

/// Opens the rewards of `member` on the kitchen screen, picks `reward`,
/// types the PIN and sends it.
async fn redeem_on_kitchen(kitchen: &Window, member: &str, reward: &str) -> Result<()> {
    let k = &kitchen.session;
    k.click_css(&format!(
        "[data-testid=redeem-open][data-member-id=\"{member}\"]"
    ))
    .await?;
    kitchen
        .wait_visible("[data-testid=redeem-dialog] [data-testid=pin-pad]", SYNC)
        .await?;
    k.click_css(&format!(
        "[data-testid=reward-choice][data-reward-id=\"{reward}\"]"
    ))
    .await?;
    for digit in PIN.chars() {
        k.click_css(&format!("[data-testid=pin-digit][data-digit=\"{digit}\"]"))
            .await?;
    }
    k.click_css("[data-testid=redeem-submit]").await?;
    kitchen
        .wait("the reward dialog to close", SYNC, || async {
            Ok((!kitchen.visible("[data-testid=redeem-dialog]").await?).then_some(()))
        })
        .await
}

/// The id of the item in `list` whose `field` is `name`.
fn id_named(list: &Value, field: &str, name: &str) -> Result<String> {
    list.as_array()
        .and_then(|items| items.iter().find(|i| i[field] == name))
        .and_then(|i| i["id"].as_str())
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("no {name} in {list}"))
}
