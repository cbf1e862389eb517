//! The pieces an end-to-end scenario is made of: a `kinboard-server`
//! process that can be killed and started again on its SQLite file
//! ([`Server`]), and a Kinboard app instance behind its own tauri-driver
//! ([`Window`]), with its own profile and XDG directories, and the reads
//! and waits the scenarios share (connection chip, timer cards, balances).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::process::{self, Guard};
use crate::wait::until;
use crate::webdriver::{Client, Session};

/// How long a change may take to show on another window.
pub const SYNC: Duration = Duration::from_secs(20);
/// How long a process may take to start.
pub const START: Duration = Duration::from_secs(60);
/// How long a window may take to come back after the server does.
pub const RECOVER: Duration = Duration::from_secs(90);

/// The demo family's first parent (`kinboard-server --demo`).
pub const EMAIL: &str = "ana@demo.kinboard";
pub const PASSWORD: &str = "kinboard-demo";
pub const PIN: &str = "1234";

/// A `kinboard-server --demo` on a free port, SQLite in a directory of the test's.
pub struct Server {
    guard: Guard,
    command: Vec<String>,
    pub url: String,
    log: PathBuf,
}

impl Server {
    fn spawn(command: &[String], log: &Path) -> Result<Guard> {
        let mut cmd = Command::new(&command[0]);
        cmd.args(&command[1..]).env("RUST_LOG", "info,sqlx=warn");
        Guard::spawn("kinboard-server", cmd, log)
    }

    pub async fn start(dir: &Path, log: &Path) -> Result<Self> {
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
        let guard = Self::spawn(&command, log)?;
        let server = Self {
            guard,
            command,
            url: format!("http://127.0.0.1:{port}"),
            log: log.to_owned(),
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
    pub fn kill(&mut self) {
        self.guard.kill();
    }

    /// Starts it again on the same database and port.
    pub async fn restart(&mut self) -> Result<()> {
        self.guard = Self::spawn(&self.command, &self.log)?;
        self.wait_healthy().await
    }

    /// A parent's REST session on this server, for what the scenario does
    /// "on another device" without a window.
    pub async fn parent(&self) -> Result<Parent> {
        Parent::sign_in(&self.url, EMAIL, PASSWORD).await
    }
}

/// An HTTP client for the household server at `base`. Over HTTPS it is
/// pinned to the certificate the server shows, read once through a client
/// that trusts anything (as a person reads a check code; the scenarios
/// compare that code with the screens); the server's certificate comes
/// back with it.
pub async fn household_client(
    base: &str,
) -> Result<(
    reqwest::Client,
    Option<kinboard_core::kinboard_api::TlsInfo>,
)> {
    use kinboard_core::tls::{ClientTls, Trust};
    if !base.starts_with("https://") {
        return Ok((reqwest::Client::new(), None));
    }
    let shown = kinboard_core::ApiClient::with_trust(base, Trust::Inspect)?
        .tls_info()
        .await?;
    let pinned = ClientTls::new(Trust::Pinned(shown.fingerprint.clone()));
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured((*pinned.config()).clone())
        .build()?;
    Ok((http, Some(shown)))
}

/// A parent signed in over REST.
pub struct Parent {
    http: reqwest::Client,
    base: String,
    pub token: String,
    pub family_id: String,
}

impl Parent {
    /// Signs in to the server at `base` and takes the account's first family.
    pub async fn sign_in(base: &str, email: &str, password: &str) -> Result<Self> {
        let (http, _) = household_client(base).await?;
        let reply: serde_json::Value = http
            .post(format!("{base}/api/auth/sign-in"))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let token = reply["token"].as_str().context("no token")?.to_owned();
        let me: serde_json::Value = http
            .get(format!("{base}/api/me"))
            .bearer_auth(&token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let family_id = me["families"][0]["id"]
            .as_str()
            .context("no family")?
            .to_owned();
        Ok(Self {
            http,
            base: base.to_owned(),
            token,
            family_id,
        })
    }

    pub async fn post(&self, path: &str, body: serde_json::Value) -> Result<serde_json::Value> {
        let reply = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        let status = reply.status();
        let body: serde_json::Value = reply.json().await?;
        if !status.is_success() {
            bail!("POST {path}: {status} {body}");
        }
        Ok(body)
    }

    pub async fn dashboard(&self) -> Result<serde_json::Value> {
        Ok(self
            .http
            .get(format!(
                "{}/api/families/{}/dashboard",
                self.base, self.family_id
            ))
            .bearer_auth(&self.token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    /// A child's star balance, as the database has it.
    pub async fn balance(&self, member: &str) -> Result<i64> {
        let d = self.dashboard().await?;
        d["members"]
            .as_array()
            .and_then(|ms| ms.iter().find(|m| m["id"] == member))
            .and_then(|m| m["balance"].as_i64())
            .with_context(|| format!("no balance for {member} in {d}"))
    }
}

/// One app instance and its driver.
pub struct Window {
    pub name: &'static str,
    pub session: Session,
    /// The app's profile (its keyring service is `org.kinboard.desktop/<profile>`).
    pub profile: String,
    client: Client,
    app: PathBuf,
    args: Vec<String>,
    _driver: Guard,
}

impl Window {
    /// Starts the app at `app` with `args` plus `--profile name`, behind a
    /// tauri-driver of its own; its XDG directories are under `dir/name`.
    pub async fn start(
        name: &'static str,
        app: &Path,
        args: &[&str],
        dir: &Path,
        artifacts: &Path,
    ) -> Result<Self> {
        Self::start_with_env(name, app, args, &[], dir, artifacts).await
    }

    /// [`Self::start`], with `env` set for the app (its time zone, say).
    pub async fn start_with_env(
        name: &'static str,
        app: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        dir: &Path,
        artifacts: &Path,
    ) -> Result<Self> {
        let driver_bin = process::tool("tauri-driver").context(
            "tauri-driver not found: cargo install tauri-driver --version 2.1.0 --locked",
        )?;
        let (port, native) = (process::free_port()?, process::free_port()?);
        let mut cmd = Command::new(driver_bin);
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ]);
        // The environment flows through WebKitWebDriver to the app.
        cmd.envs(profile_env(dir, name)?);
        cmd.envs(env.iter().copied());
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
        let mut args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        args.extend(["--profile".to_owned(), name.to_owned()]);
        let session = client.new_session(app, &args).await?;
        Ok(Self {
            name,
            session,
            profile: name.to_owned(),
            client,
            app: app.to_owned(),
            args,
            _driver: driver,
        })
    }

    /// Quits the app and starts it again with the same arguments and
    /// profile (its saved session, its keyring entry).
    pub async fn relaunch(&mut self) -> Result<()> {
        let _ = self.session.clone().close().await;
        self.session = self.client.new_session(&self.app, &self.args).await?;
        Ok(())
    }

    /// Signs in to `server` as the demo family's first parent: "Join a
    /// household", then "I have an account there".
    pub async fn sign_in(&self, server: &str) -> Result<()> {
        let s = &self.session;
        self.wait_visible("[data-testid=way-join]", START).await?;
        s.click_css("[data-testid=way-join]").await?;
        self.wait_visible("[data-testid=join-as-signin]", SYNC)
            .await?;
        s.click_css("[data-testid=join-as-signin]").await?;
        self.wait_visible("[data-testid=signin-email]", SYNC)
            .await?;
        s.fill("[data-testid=signin-server]", server).await?;
        s.fill("[data-testid=signin-email]", EMAIL).await?;
        s.fill("[data-testid=signin-password]", PASSWORD).await?;
        s.click_css("[data-testid=signin-submit]").await?;
        self.wait_dashboard(SYNC).await
    }

    /// Waits for the dashboard, live.
    pub async fn wait_dashboard(&self, timeout: Duration) -> Result<()> {
        let s = &self.session;
        self.wait("the dashboard", timeout, || async {
            Ok(s.find("[data-testid=dashboard]").await?.map(drop))
        })
        .await?;
        self.wait_live(timeout).await
    }

    pub async fn wait<T, F, Fut>(&self, what: &str, timeout: Duration, check: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>>>,
    {
        until(&format!("{} in window {}", what, self.name), timeout, check).await
    }

    /// Waits until the element matching `css` is shown.
    pub async fn wait_visible(&self, css: &str, timeout: Duration) -> Result<()> {
        self.wait(css, timeout, || async {
            Ok(self.visible(css).await?.then_some(()))
        })
        .await
    }

    /// Waits for `css` to show, then clicks it.
    pub async fn click(&self, css: &str) -> Result<()> {
        self.wait_visible(css, SYNC).await?;
        self.session.click_css(css).await
    }

    /// The text of the element matching `css`, once it shows.
    pub async fn text(&self, css: &str) -> Result<String> {
        self.wait_visible(css, SYNC).await?;
        Ok(self.session.text_of(css).await?.unwrap_or_default())
    }

    /// Whether the element matching `css` is there and shown.
    pub async fn visible(&self, css: &str) -> Result<bool> {
        let script = "const e = document.querySelector(arguments[0]); \
                      return !!e && !e.closest('[hidden]') && e.getClientRects().length > 0;";
        Ok(self
            .session
            .execute(script, vec![serde_json::Value::from(css)])
            .await?
            .as_bool()
            .unwrap_or(false))
    }

    pub async fn chip(&self) -> Result<Option<String>> {
        match self.session.find("[data-testid=connection-chip]").await? {
            Some(chip) => self.session.attribute(&chip, "data-state").await,
            None => Ok(None),
        }
    }

    pub async fn wait_live(&self, timeout: Duration) -> Result<()> {
        self.wait("the live connection chip", timeout, || async {
            Ok(self.chip().await?.filter(|s| s == "live").map(drop))
        })
        .await
    }

    /// Waits for the chip to leave "live" (the server is gone).
    pub async fn wait_not_live(&self) -> Result<String> {
        self.wait("the chip to leave live", SYNC, || async {
            Ok(self.chip().await?.filter(|s| s != "live"))
        })
        .await
    }

    pub async fn timer_ids(&self) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        for card in self.session.find_all("[data-testid=timer-card]").await? {
            if let Some(id) = self.session.attribute(&card, "data-timer-id").await? {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// A timer card's `data-state`, or `None` when it is not shown.
    pub async fn timer_state(&self, id: &str) -> Result<Option<String>> {
        match self.session.find(&card(id)).await? {
            Some(c) => self.session.attribute(&c, "data-state").await,
            None => Ok(None),
        }
    }

    pub async fn wait_timer_state(&self, id: &str, state: &str, timeout: Duration) -> Result<()> {
        self.wait(&format!("timer {id} {state}"), timeout, || async {
            Ok(self.timer_state(id).await?.filter(|s| s == state).map(drop))
        })
        .await
    }

    pub async fn wait_timer_gone(&self, id: &str) -> Result<()> {
        self.wait(&format!("timer {id} gone"), SYNC, || async {
            Ok(self.timer_state(id).await?.is_none().then_some(()))
        })
        .await
    }

    /// Seconds left on a timer's countdown (m:ss or h:mm:ss).
    pub async fn seconds_left(&self, id: &str) -> Result<Option<i64>> {
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

    pub async fn balance(&self, member: &str) -> Result<Option<i64>> {
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

    pub async fn wait_balance(&self, member: &str, want: i64) -> Result<()> {
        self.wait(
            &format!("{member}'s balance to be {want}"),
            SYNC,
            || async { Ok(self.balance(member).await?.filter(|b| *b == want).map(drop)) },
        )
        .await
    }

    /// Waits for a timer that was not among `before` and returns its id.
    pub async fn wait_new_timer(&self, before: &[String]) -> Result<String> {
        self.wait("a new timer card", SYNC, || async {
            Ok(self
                .timer_ids()
                .await?
                .into_iter()
                .find(|id| !before.contains(id)))
        })
        .await
    }

    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        // WebKit answers a screenshot after the page's next paint, and a
        // page that is still (no caret, no ticking timer) never paints
        // again: a one-pixel element changing every frame keeps it
        // painting while the screenshot is taken.
        self.session
            .execute(
                "const dot = document.createElement('div'); dot.id = '__kinboard_shot'; \
                 dot.style.cssText = 'position:fixed;left:0;bottom:0;width:1px;height:1px;pointer-events:none;opacity:0.01'; \
                 document.body.appendChild(dot); let n = 0; \
                 const tick = () => { if (!dot.isConnected) return; dot.style.background = (n++ % 2) ? '#000' : '#fff'; requestAnimationFrame(tick); }; \
                 requestAnimationFrame(tick); return true;",
                vec![],
            )
            .await?;
        let png = self.session.screenshot().await;
        self.session
            .execute(
                "const dot = document.getElementById('__kinboard_shot'); if (dot) dot.remove(); return true;",
                vec![],
            )
            .await?;
        let png = png?;
        std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("screenshot of window {}: {}", self.name, path.display());
        Ok(())
    }
}

/// The XDG directories of the app instance `name` (under `dir/name`),
/// created, as environment variables.
/// The windows need a display: fails, saying how to get one, without it.
pub fn need_display() -> Result<()> {
    anyhow::ensure!(
        std::env::var_os("DISPLAY").is_some(),
        "no DISPLAY: run under xvfb-run (see scripts/test.sh)"
    );
    Ok(())
}

pub fn profile_env(dir: &Path, name: &str) -> Result<Vec<(&'static str, PathBuf)>> {
    let mut env = Vec::new();
    for (var, sub) in [
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_STATE_HOME", "state"),
    ] {
        let d = dir.join(name).join(sub);
        std::fs::create_dir_all(&d)?;
        env.push((var, d));
    }
    Ok(env)
}

/// The CSS selector of a timer's card.
pub fn card(id: &str) -> String {
    format!("[data-testid=timer-card][data-timer-id=\"{id}\"]")
}

/// What the Secret Service holds for `account` under `service`, asked with
/// libsecret's own tool rather than through Kinboard's code.
pub fn keyring_lookup(service: &str, account: &str) -> Result<Option<String>> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", account])
        .output()
        .context("secret-tool (Debian: libsecret-tools) is installed")?;
    Ok(out
        .status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
        .filter(|s| !s.is_empty()))
}

/// The directory for this run's screenshots and logs (`artifacts/e2e/`),
/// with `logs` from an earlier run removed.
pub fn artifacts(logs: &[&str]) -> Result<PathBuf> {
    let dir = process::workspace_dir().join("artifacts/e2e");
    std::fs::create_dir_all(&dir)?;
    for log in logs {
        let _ = std::fs::remove_file(dir.join(log));
    }
    Ok(dir)
}
