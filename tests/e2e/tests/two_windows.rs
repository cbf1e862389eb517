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
//! click, and a timer started in B appears in A. Screenshots of both
//! windows land in `artifacts/e2e/`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail, ensure};
use kinboard_e2e::process::{self, Guard};
use kinboard_e2e::wait::until;
use kinboard_e2e::webdriver::{Client, Session};

const SYNC: Duration = Duration::from_secs(20);
const START: Duration = Duration::from_secs(60);
const RECOVER: Duration = Duration::from_secs(90);

const EMAIL: &str = "ana@demo.kinboard";
const PASSWORD: &str = "kinboard-demo";

struct Server {
    guard: Guard,
    command: Vec<String>,
    url: String,
    log: PathBuf,
}

impl Server {
    fn spawn(command: &[String], log: &Path) -> Result<Guard> {
        let mut cmd = Command::new(&command[0]);
        cmd.args(&command[1..]).env("RUST_LOG", "info,sqlx=warn");
        Guard::spawn("kinboard-server", cmd, log)
    }

    async fn start(dir: &Path, artifacts: &Path) -> Result<Self> {
        let bin = process::binary("KINBOARD_SERVER_BIN", "kinboard-server")?;
        let port = process::free_port()?;
        let command = vec![
            bin.display().to_string(),
            "--bind".into(),
            format!("127.0.0.1:{port}"),
            "--database".into(),
            format!("sqlite://{}", dir.join("server.sqlite3").display()),
            "--demo".into(),
        ];
        let log = artifacts.join("server.log");
        let guard = Self::spawn(&command, &log)?;
        let server = Self {
            guard,
            command,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        server.wait_healthy().await?;
        Ok(server)
    }

    async fn wait_healthy(&self) -> Result<()> {
        let health = format!("{}/healthz", self.url);
        until("the server's /healthz", START, || async {
            Ok(reqwest::get(&health)
                .await
                .ok()
                .filter(|r| r.status().is_success())
                .map(drop))
        })
        .await
    }

    /// Kills the server outright (no graceful shutdown).
    fn kill(&mut self) {
        self.guard.kill();
    }

    async fn restart(&mut self) -> Result<()> {
        self.guard = Self::spawn(&self.command, &self.log)?;
        self.wait_healthy().await
    }
}

/// One app instance and its driver.
struct Device {
    name: &'static str,
    session: Session,
    _driver: Guard,
}

impl Device {
    async fn start(
        name: &'static str,
        app: &Path,
        server: &str,
        dir: &Path,
        artifacts: &Path,
    ) -> Result<Self> {
        let driver_bin = process::tool("tauri-driver").context(
            "tauri-driver not found: cargo install tauri-driver --version 2.1.0 --locked",
        )?;
        let (port, native) = (process::free_port()?, process::free_port()?);
        let home = dir.join(name);
        let mut cmd = Command::new(driver_bin);
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ]);
        // The environment flows through WebKitWebDriver to the app.
        for (var, sub) in [
            ("XDG_DATA_HOME", "data"),
            ("XDG_CONFIG_HOME", "config"),
            ("XDG_CACHE_HOME", "cache"),
        ] {
            let d = home.join(sub);
            std::fs::create_dir_all(&d)?;
            cmd.env(var, d);
        }
        cmd.env("RUST_LOG", "info,sqlx=warn,tao=warn,wry=warn");
        let mut driver = Guard::spawn(
            &format!("tauri-driver {name}"),
            cmd,
            &artifacts.join(format!("app-{name}.log")),
        )?;
        let client = Client::new(format!("http://127.0.0.1:{port}"));
        until(&format!("tauri-driver {name} /status"), START, || {
            let exited = driver.exited();
            let client = client.clone();
            async move {
                if let Some(status) = exited {
                    bail!("tauri-driver exited: {status}");
                }
                Ok(client.ready().await.ok().filter(|r| *r).map(drop))
            }
        })
        .await?;
        let args = vec![
            "--server".to_owned(),
            server.to_owned(),
            "--profile".to_owned(),
            name.to_owned(),
        ];
        let session = client.new_session(app, &args).await?;
        let device = Self {
            name,
            session,
            _driver: driver,
        };
        device.sign_in(server).await?;
        Ok(device)
    }

    async fn sign_in(&self, server: &str) -> Result<()> {
        let s = &self.session;
        self.wait("the sign-in form", START, || async {
            Ok(s.find("[data-testid=signin-form]").await?.map(drop))
        })
        .await?;
        s.fill("[data-testid=signin-server]", server).await?;
        s.fill("[data-testid=signin-email]", EMAIL).await?;
        s.fill("[data-testid=signin-password]", PASSWORD).await?;
        s.click_css("[data-testid=signin-submit]").await?;
        self.wait("the dashboard", SYNC, || async {
            Ok(s.find("[data-testid=dashboard]").await?.map(drop))
        })
        .await?;
        self.wait_live(SYNC).await
    }

    async fn wait<T, F, Fut>(&self, what: &str, timeout: Duration, check: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>>>,
    {
        until(&format!("{} in window {}", what, self.name), timeout, check).await
    }

    async fn chip(&self) -> Result<Option<String>> {
        match self.session.find("[data-testid=connection-chip]").await? {
            Some(chip) => self.session.attribute(&chip, "data-state").await,
            None => Ok(None),
        }
    }

    async fn wait_live(&self, timeout: Duration) -> Result<()> {
        self.wait("the live connection chip", timeout, || async {
            Ok(self.chip().await?.filter(|s| s == "live").map(drop))
        })
        .await
    }

    async fn timer_ids(&self) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        for card in self.session.find_all("[data-testid=timer-card]").await? {
            if let Some(id) = self.session.attribute(&card, "data-timer-id").await? {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// A timer card's `data-state`, or `None` when it is not shown.
    async fn timer_state(&self, id: &str) -> Result<Option<String>> {
        match self.session.find(&card(id)).await? {
            Some(c) => self.session.attribute(&c, "data-state").await,
            None => Ok(None),
        }
    }

    async fn wait_timer_state(&self, id: &str, state: &str, timeout: Duration) -> Result<()> {
        self.wait(&format!("timer {id} {state}"), timeout, || async {
            Ok(self.timer_state(id).await?.filter(|s| s == state).map(drop))
        })
        .await
    }

    async fn wait_timer_gone(&self, id: &str) -> Result<()> {
        self.wait(&format!("timer {id} gone"), SYNC, || async {
            Ok(self.timer_state(id).await?.is_none().then_some(()))
        })
        .await
    }

    /// Seconds left on a timer's countdown (m:ss or h:mm:ss).
    async fn seconds_left(&self, id: &str) -> Result<Option<i64>> {
        let Some(text) = self
            .session
            .text_of(&format!("{} [data-testid=timer-countdown]", card(id)))
            .await?
        else {
            return Ok(None);
        };
        Ok(text
            .trim()
            .split(':')
            .map(|p| p.trim().parse::<i64>())
            .try_fold(0, |acc, p| p.map(|p| acc * 60 + p))
            .ok())
    }

    async fn balance(&self, member: &str) -> Result<Option<i64>> {
        let css = format!(
            "[data-testid=member-card][data-member-id=\"{member}\"] [data-testid=member-balance]"
        );
        Ok(self.session.text_of(&css).await?.and_then(|t| {
            t.chars()
                .filter(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .ok()
        }))
    }

    async fn wait_balance(&self, member: &str, want: i64) -> Result<()> {
        self.wait(
            &format!("{member}'s balance to be {want}"),
            SYNC,
            || async { Ok(self.balance(member).await?.filter(|b| *b == want).map(drop)) },
        )
        .await
    }

    /// Waits for a timer that was not among `before` and returns its id.
    async fn wait_new_timer(&self, before: &[String]) -> Result<String> {
        self.wait("a new timer card", SYNC, || async {
            Ok(self
                .timer_ids()
                .await?
                .into_iter()
                .find(|id| !before.contains(id)))
        })
        .await
    }

    async fn screenshot(&self, path: &Path) -> Result<()> {
        let png = self.session.screenshot().await?;
        std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("screenshot of window {}: {}", self.name, path.display());
        Ok(())
    }
}

fn card(id: &str) -> String {
    format!("[data-testid=timer-card][data-timer-id=\"{id}\"]")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_windows_stay_in_sync_and_recover_from_a_server_restart() -> Result<()> {
    ensure!(
        std::env::var_os("DISPLAY").is_some(),
        "no DISPLAY: run under xvfb-run (see scripts/test.sh)"
    );
    let app = process::binary("KINBOARD_APP", "kinboard")?;
    let artifacts = process::workspace_dir().join("artifacts/e2e");
    std::fs::create_dir_all(&artifacts)?;
    for log in ["server.log", "app-a.log", "app-b.log"] {
        let _ = std::fs::remove_file(artifacts.join(log));
    }
    let dir = tempfile::tempdir()?;
    let mut server = Server::start(dir.path(), &artifacts).await?;
    eprintln!("server at {}", server.url);

    let a = Device::start("a", &app, &server.url, dir.path(), &artifacts).await?;
    let b = Device::start("b", &app, &server.url, dir.path(), &artifacts).await?;
    let result = scenario(&a, &b, &mut server, &artifacts).await;
    if result.is_err() {
        // Show the state the failure left, for the artefacts.
        let _ = a.screenshot(&artifacts.join("failure-a.png")).await;
        let _ = b.screenshot(&artifacts.join("failure-b.png")).await;
    }
    let _ = a.session.clone().close().await;
    let _ = b.session.clone().close().await;
    result
}

async fn scenario(a: &Device, b: &Device, server: &mut Server, artifacts: &Path) -> Result<()> {
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
    for d in [a, b] {
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
    for d in [a, b] {
        d.wait("the chip to leave live", SYNC, || async {
            Ok(d.chip().await?.filter(|s| s != "live"))
        })
        .await?;
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
    Ok(())
}
