//! A family sets itself up in the app, end to end: real Kinboard windows
//! under Xvfb, driven over WebDriver, each with an empty profile; the
//! household server is the one the first window hosts. Run by
//! scripts/test.sh inside a network namespace of its own
//! (`scripts/in-netns.sh`): the hosted server listens on every address of
//! that namespace and announces itself with DNS-SD there, and the other
//! windows find it the same way — none of it on the machine's interfaces.
//!
//! The scenario: from an empty database, Ana hosts a household through
//! the flow (family and time zone, her account, two children, the PIN,
//! the starter chores and timers) and adds a chore and a timer template
//! in the settings. Ben joins as a second parent with an invite code,
//! finding the household on the network, and sees all of it. A third
//! window is set up as the kitchen screen with a pairing code and the
//! household found through DNS-SD: it turns into the fullscreen kiosk
//! without a relaunch, cannot reach the settings, and starts a timer from
//! the new template. Every settings change shows on the other windows
//! without a reload. Removing Ben signs his window out; revoking the
//! kitchen screen sends it back to pairing. The family's time zone is the
//! computer's (`TZ` of Ana's app). Screenshots of each step land in
//! `artifacts/e2e/onboarding-*.png`.

use std::path::Path;

use anyhow::{Context, Result, ensure};
use kinboard_e2e::app::{Parent, START, SYNC, Window, artifacts, household_client, need_display};
use kinboard_e2e::process;
use serde_json::{Value, json};

/// The time zone of the computer Ana hosts on.
const ZONE: &str = "Europe/Madrid";
const ANA: (&str, &str) = ("ana@riveras.example", "ana's long password");
const BEN: (&str, &str) = ("ben@riveras.example", "ben's long password");
const PIN: &str = "2468";
/// The household Ana's window hosts (on every address, port 8080).
const HOSTED: &str = "https://127.0.0.1:8080";

/// Refuses to run on the machine's own network: the windows host a server
/// on every address and send DNS-SD multicast.
fn in_a_namespace_of_its_own() -> Result<()> {
    let own = std::fs::read_link("/proc/self/ns/net")?;
    let machine = std::fs::read_link("/proc/1/ns/net").ok();
    ensure!(
        std::env::var_os("KINBOARD_NETNS").is_some() && Some(own) != machine,
        "run inside a network namespace of its own (scripts/in-netns.sh, as scripts/test.sh does)"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_family_sets_up_its_household_from_the_app() -> Result<()> {
    need_display()?;
    in_a_namespace_of_its_own()?;
    let app = process::binary("KINBOARD_APP", "kinboard")?;
    let artifacts = artifacts(&["app-ana.log", "app-ben.log", "app-kitchen.log"])?;
    let dir = tempfile::tempdir()?;
    let ana =
        Window::start_with_env("ana", &app, &[], &[("TZ", ZONE)], dir.path(), &artifacts).await?;
    closing(
        &ana,
        &artifacts,
        scenario(&app, &ana, dir.path(), &artifacts),
    )
    .await
}

/// Runs `part` of the scenario with `window` open; on a failure keeps a
/// screenshot of the window; closes it either way.
async fn closing(
    window: &Window,
    artifacts: &Path,
    part: impl std::future::Future<Output = Result<()>>,
) -> Result<()> {
    let result = part.await;
    if result.is_err() {
        let failed = artifacts.join(format!("failure-onboarding-{}.png", window.name));
        let _ = window.screenshot(&failed).await;
    }
    let _ = window.session.clone().close().await;
    result
}

fn id_of(list: &Value, key: &str, value: &str) -> Result<String> {
    list.as_array()
        .and_then(|items| items.iter().find(|i| i[key] == value))
        .and_then(|i| i["id"].as_str())
        .map(str::to_owned)
        .with_context(|| format!("no {value} in {list}"))
}

async fn shot(window: &Window, artifacts: &Path, name: &str) -> Result<()> {
    window
        .screenshot(&artifacts.join(format!("onboarding-{name}.png")))
        .await
}

/// Sets a `<select>`'s value as a person picking an option would.
async fn choose(window: &Window, css: &str, value: &str) -> Result<()> {
    window
        .session
        .execute(
            "const s = document.querySelector(arguments[0]); s.value = arguments[1]; \
             s.dispatchEvent(new Event('change', { bubbles: true })); return s.value;",
            vec![Value::from(css), Value::from(value)],
        )
        .await
        .map(drop)
}

/// Leaves a mark in the page that a reload would wipe.
async fn mark(window: &Window) -> Result<()> {
    window
        .session
        .execute("window.__kinboardMark = 42; return true;", vec![])
        .await
        .map(drop)
}

async fn still_marked(window: &Window) -> Result<()> {
    let mark = window
        .session
        .execute("return window.__kinboardMark || null;", vec![])
        .await?;
    ensure!(
        mark == json!(42),
        "window {} reloaded its page",
        window.name
    );
    Ok(())
}

/// Waits until `window` shows `text` somewhere under `css`.
async fn wait_text(window: &Window, css: &str, text: &str) -> Result<()> {
    window
        .wait(&format!("{text:?} in {css}"), SYNC, || async {
            let found = window
                .session
                .execute(
                    "return Array.from(document.querySelectorAll(arguments[0])).some((e) => e.textContent.includes(arguments[1]));",
                    vec![Value::from(css), Value::from(text)],
                )
                .await?;
            Ok((found == json!(true)).then_some(()))
        })
        .await
}

/// Opens Ana's settings at `section` (from the board or from the settings).
async fn settings(ana: &Window, section: &str) -> Result<()> {
    if !ana.visible("[data-testid=settings]").await? {
        ana.click("[data-testid=settings-open]").await?;
    }
    ana.click(&format!("[data-testid=settings-nav-{section}]"))
        .await?;
    ana.wait_visible(
        &format!("[data-testid=settings][data-section={section}]"),
        SYNC,
    )
    .await
}

/// The server address a code is shown with is this computer's on the
/// network, not loopback, and the household answers there.
async fn address_for_others(window: &Window, css: &str) -> Result<()> {
    let shown = window.text(css).await?;
    let url = shown
        .split_whitespace()
        .find(|w| w.starts_with("http"))
        .with_context(|| format!("no address in {shown:?}"))?;
    let host = url::Url::parse(url)?
        .host_str()
        .context("no host")?
        .to_owned();
    ensure!(
        !host.starts_with("127.") && host != "localhost",
        "the address shown for other screens is {url}"
    );
    // HTTPS on the network, with the certificate this computer's own
    // window trusts: the same one, whichever address it is reached at.
    ensure!(url.starts_with("https://"), "{url} is not HTTPS");
    let (http, shown) = household_client(url).await?;
    let (_, own) = household_client(HOSTED).await?;
    ensure!(
        shown.as_ref().map(|s| &s.fingerprint) == own.as_ref().map(|s| &s.fingerprint),
        "{url} shows another certificate than {HOSTED}"
    );
    let info: Value = http
        .get(format!("{url}/api/info"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    ensure!(info["household"] == "The Riveras", "{url} answers {info}");
    Ok(())
}

/// An invite as Ana's window shows it: the code, and the server's check code.
struct Invite {
    code: String,
    check: String,
}

/// The check code a parent's window shows beside a code (`css`) matches
/// the server's certificate.
async fn check_code_shown(window: &Window, css: &str) -> Result<String> {
    let shown = window.text(css).await?;
    let (_, tls) = household_client(HOSTED).await?;
    let code = tls.context("the household serves no TLS")?.code;
    ensure!(
        shown.contains(&code),
        "{} shows {shown:?}, the server's check code is {code}",
        window.name
    );
    Ok(code)
}

/// A screen meeting the household server for the first time: it shows the
/// check code, the person compares it with the parent's (`expected`) and
/// trusts it.
async fn trust_after_comparing(
    window: &Window,
    expected: &str,
    artifacts: &Path,
    shot_name: &str,
) -> Result<()> {
    window
        .wait_visible("[data-testid=certificate-check]", START)
        .await?;
    let shown = window.text("[data-testid=certificate-code]").await?;
    ensure!(
        shown.trim() == expected,
        "{} shows the check code {shown:?}, the parent's screen {expected}",
        window.name
    );
    shot(window, artifacts, shot_name).await?;
    window.click("[data-testid=certificate-trust]").await
}

/// The household a window found on the network, once it shows.
async fn found_household(window: &Window) -> Result<String> {
    let css = "[data-testid=household][data-usable=true]";
    window.wait_visible(css, START).await?;
    let name = window.text(css).await?;
    ensure!(
        name.contains("The Riveras"),
        "{} found {name:?}",
        window.name
    );
    let s = &window.session;
    let url = s
        .attribute(&s.get(css).await?, "data-url")
        .await?
        .context("no address")?;
    Ok(url)
}

async fn scenario(app: &Path, ana: &Window, dir: &Path, artifacts: &Path) -> Result<()> {
    // 1. Ana hosts the household: the family and this computer's zone.
    ana.click("[data-testid=way-host]").await?;
    ana.wait_visible("[data-testid=host-zone]", START).await?;
    let zone = ana
        .session
        .execute(
            "return document.querySelector('[data-testid=host-zone]').value;",
            vec![],
        )
        .await?;
    ensure!(
        zone == json!(ZONE),
        "the time zone offered is {zone}, not the computer's"
    );
    ana.session
        .fill("[data-testid=host-family]", "The Riveras")
        .await?;
    shot(ana, artifacts, "1-family").await?;
    ana.click("[data-testid=host-next]").await?;
    ana.session.fill("[data-testid=host-name]", "Ana").await?;
    ana.session.fill("[data-testid=host-email]", ANA.0).await?;
    ana.session
        .fill("[data-testid=host-password]", ANA.1)
        .await?;
    shot(ana, artifacts, "2-account").await?;
    ana.click("[data-testid=host-submit]").await?;

    // 2. Two children (one with a colour picked), the PIN, the starters.
    ana.wait_visible("[data-testid=host-child-form]", START)
        .await?;
    for (i, (child, colour)) in [("Mia", Some("#17bebb")), ("Leo", None)]
        .into_iter()
        .enumerate()
    {
        ana.session
            .fill("[data-testid=host-child-name]", child)
            .await?;
        if let Some(colour) = colour {
            ana.click(&format!(
                "[data-testid=host-child-colors] [data-color=\"{colour}\"]"
            ))
            .await?;
        }
        ana.click("[data-testid=host-child-add]").await?;
        ana.wait("the child in the list", SYNC, || async {
            Ok((ana
                .session
                .find_all("[data-testid=host-child]")
                .await?
                .len()
                == i + 1)
                .then_some(()))
        })
        .await?;
    }
    shot(ana, artifacts, "3-children").await?;
    ana.click("[data-testid=host-next]").await?;
    ana.session.fill("[data-testid=host-pin]", PIN).await?;
    ana.session
        .fill("[data-testid=host-pin-again]", PIN)
        .await?;
    ana.click("[data-testid=host-pin-submit]").await?;
    ana.wait_visible("[data-testid=host-starters-form]", SYNC)
        .await?;
    // Drop the last timer, keep the rest.
    let keeps = ana
        .session
        .find_all("[data-testid=starter-template] [data-testid=starter-keep]")
        .await?;
    ana.session
        .click(keeps.last().context("no starter timers")?)
        .await?;
    shot(ana, artifacts, "4-starters").await?;
    ana.click("[data-testid=host-finish]").await?;
    ana.wait_dashboard(SYNC).await?;
    shot(ana, artifacts, "5-board").await?;

    // The server's own view of the family, read with Ana's account (not
    // through any window).
    let rest = Parent::sign_in(HOSTED, ANA.0, ANA.1).await?;
    let d = rest.dashboard().await?;
    ensure!(d["family"]["name"] == "The Riveras", "{}", d["family"]);
    ensure!(
        d["family"]["timeZone"] == ZONE,
        "the family's zone is {}, not the computer's",
        d["family"]["timeZone"]
    );
    ensure!(d["family"]["hasPin"] == true, "no PIN was set");
    ensure!(
        d["members"].as_array().map(Vec::len) == Some(2),
        "children: {}",
        d["members"]
    );
    ensure!(
        d["members"][0]["color"] == "#17bebb",
        "Mia's colour: {}",
        d["members"][0]
    );
    let starters = (
        d["chores"].as_array().map(Vec::len),
        d["templates"].as_array().map(Vec::len),
    );
    ensure!(
        starters == (Some(5), Some(4)),
        "the starters kept: {starters:?}"
    );
    eprintln!("hosted: The Riveras in {ZONE}, two children, the PIN, 5 chores and 4 timers");

    // 3. A chore and a timer template of their own, in the settings.
    settings(ana, "chores").await?;
    ana.session
        .fill("[data-testid=settings-chore-title]", "Water the plants")
        .await?;
    ana.session
        .fill("[data-testid=settings-chore-stars]", "2")
        .await?;
    let leo = id_of(&rest.dashboard().await?["members"], "name", "Leo")?;
    choose(ana, "[data-testid=settings-chore-member]", &leo).await?;
    ana.click("[data-testid=settings-chore-add]").await?;
    wait_text(ana, "[data-testid=settings-chore]", "Water the plants").await?;
    settings(ana, "timers").await?;
    ana.session
        .fill("[data-testid=settings-template-label]", "Piano")
        .await?;
    ana.session
        .fill("[data-testid=settings-template-minutes]", "15")
        .await?;
    ana.session
        .fill("[data-testid=settings-template-stars]", "3")
        .await?;
    ana.click("[data-testid=settings-template-add]").await?;
    wait_text(ana, "[data-testid=settings-template]", "Piano").await?;
    shot(ana, artifacts, "6-settings-timers").await?;

    // 4. Ben joins as a second parent with an invite code, the household
    //    found on the network.
    settings(ana, "parents").await?;
    ana.click("[data-testid=settings-invite]").await?;
    let code = ana.text("[data-testid=invite-code]").await?;
    address_for_others(ana, "[data-testid=invite-server-url]").await?;
    let check = check_code_shown(ana, "[data-testid=invite-check-code]").await?;
    shot(ana, artifacts, "7-invite").await?;
    let ben = Window::start("ben", app, &[], dir, artifacts).await?;
    let invite = Invite { code, check };
    let part = with_ben(app, ana, &ben, &invite, &rest, dir, artifacts);
    closing(&ben, artifacts, part).await
}

async fn with_ben(
    app: &Path,
    ana: &Window,
    ben: &Window,
    invite: &Invite,
    rest: &Parent,
    dir: &Path,
    artifacts: &Path,
) -> Result<()> {
    ben.click("[data-testid=way-join]").await?;
    let found = found_household(ben).await?;
    let typed = ben
        .session
        .execute(
            "return document.querySelector('[data-testid=join-server]').value;",
            vec![],
        )
        .await?;
    ensure!(
        typed == json!(found),
        "the household found is not the one filled in: {typed}"
    );
    ben.session
        .fill("[data-testid=join-code]", &invite.code.to_lowercase())
        .await?;
    ben.session.fill("[data-testid=join-name]", "Ben").await?;
    ben.session.fill("[data-testid=join-email]", BEN.0).await?;
    ben.session
        .fill("[data-testid=join-password]", BEN.1)
        .await?;
    shot(ben, artifacts, "8-join").await?;
    ben.click("[data-testid=join-submit]").await?;
    trust_after_comparing(ben, &invite.check, artifacts, "8b-join-check-code").await?;
    ben.wait_dashboard(START).await?;
    // He sees all of it.
    wait_text(ben, "[data-testid=family-name]", "The Riveras").await?;
    for child in ["Mia", "Leo"] {
        wait_text(ben, "[data-testid=member-card]", child).await?;
    }
    wait_text(ben, "[data-testid=chore-item]", "Water the plants").await?;
    wait_text(ben, "[data-testid=template-start]", "Piano").await?;
    shot(ben, artifacts, "9-ben-board").await?;
    eprintln!("Ben joined through {found} and sees the family");

    // A settings change shows on his board without a reload.
    mark(ben).await?;
    settings(ana, "children").await?;
    let leo = id_of(&rest.dashboard().await?["members"], "name", "Leo")?;
    ana.click(&format!(
        "[data-testid=settings-child][data-member-id=\"{leo}\"] [data-testid=settings-child-edit]"
    ))
    .await?;
    ana.session
        .fill("[data-testid=settings-child-edit-name]", "Leonardo")
        .await?;
    ana.click("[data-testid=settings-child-save]").await?;
    wait_text(ben, "[data-testid=member-card]", "Leonardo").await?;
    // A chore added, then deleted: on Ben's board, then gone from it.
    settings(ana, "chores").await?;
    ana.session
        .fill("[data-testid=settings-chore-title]", "Feed the fish")
        .await?;
    ana.click("[data-testid=settings-chore-add]").await?;
    wait_text(ben, "[data-testid=chore-item]", "Feed the fish").await?;
    let fish = id_of(&rest.dashboard().await?["chores"], "title", "Feed the fish")?;
    let row = format!("[data-testid=settings-chore][data-chore-id=\"{fish}\"]");
    ana.click(&format!("{row} [data-testid=settings-chore-remove]"))
        .await?;
    ana.click(&format!("{row} [data-testid=settings-confirm-yes]"))
        .await?;
    ben.wait("the deleted chore to leave Ben's board", SYNC, || async {
        Ok((!ben
            .visible(&format!(
                "[data-testid=chore-item][data-chore-id=\"{fish}\"]"
            ))
            .await?)
            .then_some(()))
    })
    .await?;
    still_marked(ben).await?;

    // 5. The kitchen screen, paired with a code and the household found
    //    through DNS-SD.
    let kitchen = Window::start("kitchen", app, &[], dir, artifacts).await?;
    let part = with_kitchen(ana, ben, &kitchen, rest, artifacts);
    closing(&kitchen, artifacts, part).await
}

async fn with_kitchen(
    ana: &Window,
    ben: &Window,
    kitchen: &Window,
    rest: &Parent,
    artifacts: &Path,
) -> Result<()> {
    kitchen.click("[data-testid=way-pair]").await?;
    found_household(kitchen).await?;
    settings(ana, "screens").await?;
    ana.click("[data-testid=pair-open]").await?;
    ana.click("[data-testid=pair-create]").await?;
    let code = ana.text("[data-testid=pair-code]").await?;
    address_for_others(ana, "[data-testid=pair-server-url]").await?;
    let check = check_code_shown(ana, "[data-testid=pair-check-code]").await?;
    shot(ana, artifacts, "10-pairing-code").await?;
    ana.click("[data-testid=pair-create]").await?; // Done
    kitchen
        .session
        .fill("[data-testid=pair-code-input]", &code)
        .await?;
    shot(kitchen, artifacts, "11-kitchen-pairing").await?;
    kitchen.click("[data-testid=pair-submit]").await?;
    trust_after_comparing(kitchen, &check, artifacts, "11b-kitchen-check-code").await?;
    kitchen.wait_dashboard(START).await?;
    // The kiosk at once: fullscreen, the kiosk layout, no settings.
    kitchen
        .wait("the window to fill the screen", SYNC, || async {
            Ok((kitchen.session.window_rect().await? == (0, 0, 1280, 800)).then_some(()))
        })
        .await?;
    let layout = kitchen
        .session
        .execute(
            "return document.documentElement.classList.contains('kiosk');",
            vec![],
        )
        .await?;
    ensure!(layout == json!(true), "not in the kiosk layout");
    ensure!(
        !kitchen.visible("[data-testid=settings-open]").await?,
        "the kitchen screen offers the settings"
    );
    let before = rest.dashboard().await?["members"].as_array().map(Vec::len);
    for (command, args) in [
        ("add_child", json!({ "name": "Sneaky" })),
        ("list_kiosks", json!({})),
    ] {
        let refused = kitchen
            .session
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 window.__TAURI__.core.invoke(arguments[0], arguments[1]).then(() => done('accepted'), (e) => done(e));",
                vec![Value::from(command), args],
            )
            .await?;
        ensure!(
            refused["code"] == "forbidden",
            "{command} on the kitchen screen answered {refused}"
        );
    }
    ensure!(
        rest.dashboard().await?["members"].as_array().map(Vec::len) == before,
        "the kitchen screen added a child"
    );

    // A timer from the new template, seen on Ana's board too.
    let d = rest.dashboard().await?;
    let (mia, piano) = (
        id_of(&d["members"], "name", "Mia")?,
        id_of(&d["templates"], "label", "Piano")?,
    );
    kitchen
        .click(&format!(
            "[data-testid=template-start][data-template-id=\"{piano}\"][data-member-id=\"{mia}\"]"
        ))
        .await?;
    wait_text(kitchen, "[data-testid=timer-card]", "Piano").await?;
    shot(kitchen, artifacts, "12-kitchen-timer").await?;
    ana.click("[data-testid=settings-close]").await?;
    wait_text(ana, "[data-testid=timer-card]", "Piano").await?;
    wait_text(ben, "[data-testid=timer-card]", "Piano").await?;
    eprintln!("the kitchen screen is the kiosk and started Piano for Mia");

    // A settings change reaches the kitchen screen without a reload.
    mark(kitchen).await?;
    settings(ana, "timers").await?;
    ana.click(&format!("[data-testid=settings-template][data-template-id=\"{piano}\"] [data-testid=settings-template-edit]")).await?;
    ana.session
        .fill(
            "[data-testid=settings-template-edit-label]",
            "Piano practice",
        )
        .await?;
    ana.click("[data-testid=settings-template-save]").await?;
    wait_text(kitchen, "[data-testid=template-start]", "Piano practice").await?;
    still_marked(kitchen).await?;

    // 6. Removing Ben signs his window out.
    settings(ana, "parents").await?;
    ana.click("[data-testid=settings-parent-remove]").await?;
    shot(ana, artifacts, "13-remove-parent").await?;
    ana.click("[data-testid=settings-confirm-yes]").await?;
    ben.wait_visible("[data-testid=way-join]", SYNC).await?;
    shot(ben, artifacts, "14-ben-signed-out").await?;
    eprintln!("Ben removed: his window is signed out");

    // 7. Revoking the kitchen screen sends it back to pairing, still a
    //    kitchen screen.
    settings(ana, "screens").await?;
    ana.click("[data-testid=settings-kiosk-revoke]").await?;
    ana.click("[data-testid=settings-confirm-yes]").await?;
    kitchen
        .wait_visible("[data-testid=pair-form]", SYNC)
        .await?;
    ensure!(
        !kitchen.visible("[data-testid=way-host]").await?,
        "a revoked kitchen screen offers to host"
    );
    let layout = kitchen
        .session
        .execute(
            "return document.documentElement.classList.contains('kiosk');",
            vec![],
        )
        .await?;
    ensure!(
        layout == json!(true),
        "the revoked screen left the kiosk layout"
    );
    shot(kitchen, artifacts, "15-kitchen-revoked").await?;
    ana.wait("the revoked screen gone from the list", SYNC, || async {
        Ok(ana
            .session
            .find_all("[data-testid=settings-kiosk]")
            .await?
            .is_empty()
            .then_some(()))
    })
    .await?;
    eprintln!("the kitchen screen was revoked and shows the pairing screen");
    Ok(())
}
