//! Kinboard's scale path on real parts, on this machine: two
//! `kinboard-server` processes on one PostgreSQL behind HAProxy
//! (round-robin, WebSocket-aware, health-checked), broadcasting through
//! the Pusher HTTP API to two sockudo nodes joined by its Redis adapter,
//! which HAProxy also balances. Everything is a child process this
//! harness starts in a temporary directory, on free loopback ports of its
//! own (its own PostgreSQL cluster and Redis, so that restarting them
//! disturbs no other test), and every part can be killed and started
//! again on the same port.
//!
//! The binaries: `kinboard-server` (`KINBOARD_SERVER_BIN`, or the one
//! beside the test binary), `sockudo` (`KINBOARD_SOCKUDO_BIN`, or what
//! `scripts/sockudo.sh` builds into `~/.cache/kinboard`), `haproxy`,
//! `redis-server` and PostgreSQL's `initdb`/`pg_ctl` from Debian.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// The Pusher app every part of the cluster shares.
const CLUSTER_APP_ID: &str = "4242";
const CLUSTER_KEY: &str = "clusterkey";
const CLUSTER_SECRET: &str = "clustersecret";
/// The sockudo nodes' channels in Redis (`<prefix>:#broadcast`, …).
const REDIS_PREFIX: &str = "kinboard_cluster";

/// Where the cluster's programs are.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub server_bin: PathBuf,
    pub sockudo_bin: PathBuf,
    pub haproxy_bin: PathBuf,
    pub redis_bin: PathBuf,
    /// PostgreSQL's `bin` directory (`initdb`, `pg_ctl`, `createdb`).
    pub postgres_bin: PathBuf,
}

impl ClusterConfig {
    /// The programs from the environment, or where this machine keeps
    /// them. Fails, saying what is missing, when one is not there.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_env_with_server(&crate::server_binary()?)
    }

    /// The same, with the server binary given.
    pub fn from_env_with_server(server_bin: &Path) -> anyhow::Result<Self> {
        let server_bin = server_bin.to_owned();
        let sockudo_bin = match std::env::var_os("KINBOARD_SOCKUDO_BIN") {
            Some(path) => PathBuf::from(path),
            // Where scripts/sockudo.sh builds it.
            None => {
                let cache = match (
                    std::env::var_os("KINBOARD_CACHE"),
                    std::env::var_os("XDG_CACHE_HOME"),
                ) {
                    (Some(cache), _) => PathBuf::from(cache),
                    (None, Some(xdg)) => PathBuf::from(xdg).join("kinboard"),
                    (None, None) => home()?.join(".cache/kinboard"),
                };
                cache.join("sockudo-5.2.0/bin/sockudo")
            }
        };
        let postgres_bin = std::fs::read_dir("/usr/lib/postgresql")
            .context("PostgreSQL is not installed (scripts/install-deps.sh)")?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("initdb").exists())
            .max_by_key(|bin| {
                bin.parent()
                    .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
                    .unwrap_or(0)
            })
            .context("no PostgreSQL initdb under /usr/lib/postgresql")?;
        let config = Self {
            server_bin,
            sockudo_bin,
            haproxy_bin: PathBuf::from("/usr/sbin/haproxy"),
            redis_bin: PathBuf::from("/usr/bin/redis-server"),
            postgres_bin,
        };
        for (what, path, how) in [
            (
                "kinboard-server",
                &config.server_bin,
                "cargo build -p kinboard-server",
            ),
            ("sockudo", &config.sockudo_bin, "scripts/sockudo.sh"),
            ("haproxy", &config.haproxy_bin, "scripts/install-deps.sh"),
            ("redis-server", &config.redis_bin, "scripts/install-deps.sh"),
        ] {
            if !path.exists() {
                bail!("{what} is not at {} ({how})", path.display());
            }
        }
        Ok(config)
    }
}

fn home() -> anyhow::Result<PathBuf> {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .context("no HOME")
}

/// `target/<profile>/<name>` for a test binary in `target/<profile>/deps/`.
pub(crate) fn beside_this_binary(name: &str) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let mut dir = exe.parent().context("the test binary's directory")?;
    if dir.ends_with("deps") {
        dir = dir.parent().context("target/<profile>")?;
    }
    Ok(dir.join(name))
}

/// A free loopback port (bound, read, released: another process could
/// take it in between, which a test on this machine does not).
fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A child process killed (SIGKILL) when dropped.
struct Process {
    name: String,
    child: Option<Child>,
}

impl Process {
    fn spawn(name: &str, command: &mut Command, log: &Path) -> anyhow::Result<Self> {
        let out = std::fs::File::create(log)?;
        let child = command
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        // Noted beside the logs, for the sweep of a cluster whose test was
        // killed outright (no Drop ran).
        if let Some(dir) = log.parent() {
            use std::io::Write;
            if let Ok(mut pids) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join("pids"))
            {
                let _ = writeln!(pids, "{}", child.id());
            }
        }
        Ok(Self {
            name: name.to_owned(),
            child: Some(child),
        })
    }

    fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Sends `signal` (`STOP`: a process that hangs, its sockets open).
    fn signal(&self, signal: &str) {
        if let Some(pid) = self.pid() {
            let _ = Command::new("kill")
                .args([format!("-{signal}"), pid.to_string()])
                .status();
        }
    }

    /// SIGKILL: a crash, nothing flushed or said goodbye.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Whether it has died on its own (a start that failed).
    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until `addr` accepts TCP connections, failing early when the
/// process died.
fn wait_listening(process: &mut Process, addr: SocketAddr, log: &Path) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if let Some(status) = process.exited() {
            bail!(
                "{} exited ({status}) before listening on {addr}:\n{}",
                process.name,
                tail(log)
            );
        }
        if Instant::now() > deadline {
            bail!(
                "{} did not listen on {addr} within 60 s:\n{}",
                process.name,
                tail(log)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The last lines of a log, for an error message.
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// The cluster's own PostgreSQL: a throwaway cluster in the cluster's
/// directory, on a port of its own.
struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    /// `runuser -u postgres --` when running as root (PostgreSQL refuses
    /// to run as root).
    as_user: Vec<String>,
}

impl Postgres {
    fn create(bin: &Path, dir: &Path) -> anyhow::Result<Self> {
        let data = dir.join("pg");
        let as_user: Vec<String> = if is_root() {
            // The postgres user must reach the directory.
            std::fs::create_dir_all(dir)?;
            chown_postgres(dir)?;
            vec![
                "runuser".into(),
                "-u".into(),
                "postgres".into(),
                "--".into(),
            ]
        } else {
            Vec::new()
        };
        let this = Self {
            bin: bin.to_owned(),
            data,
            port: free_port()?,
            as_user,
        };
        this.run(
            "initdb",
            &[
                "-D",
                &this.data.display().to_string(),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
            ],
        )?;
        this.start()?;
        this.run(
            "createdb",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &this.port.to_string(),
                "-U",
                "postgres",
                "kinboard",
            ],
        )?;
        Ok(this)
    }

    fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<()> {
        let program = self.bin.join(program);
        let mut command = match self.as_user.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(&program);
                c
            }
            None => Command::new(&program),
        };
        let out = command
            .args(args)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running {}", program.display()))?;
        if !out.status.success() {
            bail!(
                "{} {args:?} failed: {}{}",
                program.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }

    /// Started fast but not loose: no fsync (the machine does not crash
    /// under a test), but every commit is in the WAL before it is
    /// acknowledged, so an immediate stop loses nothing a client was told.
    fn start(&self) -> anyhow::Result<()> {
        let socket_dir = self
            .data
            .parent()
            .unwrap_or(&self.data)
            .display()
            .to_string();
        let options = format!(
            "-h 127.0.0.1 -p {} -k {socket_dir} -c max_connections=200 -c fsync=off -c full_page_writes=off",
            self.port
        );
        let log = self.data.parent().unwrap_or(&self.data).join("pg.log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data.display().to_string(),
                "-o",
                &options,
                "-l",
                &log.display().to_string(),
                "-w",
                "start",
            ],
        )
    }

    /// Stops at once (`immediate`: as a crash looks to the clients).
    fn stop(&self) -> anyhow::Result<()> {
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data.display().to_string(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        )
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/kinboard", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

fn is_root() -> bool {
    // The owner of /proc/self is this process's effective uid.
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

fn chown_postgres(dir: &Path) -> anyhow::Result<()> {
    let status = Command::new("chown")
        .args(["postgres:postgres", &dir.display().to_string()])
        .status()?;
    if !status.success() {
        bail!("chown postgres {} failed", dir.display());
    }
    Ok(())
}

/// A temporary directory removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A part that can be killed and started again on the same port.
struct Part {
    name: String,
    port: u16,
    log: PathBuf,
    process: Option<Process>,
}

impl Part {
    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }
}

pub struct Cluster {
    config: ClusterConfig,
    dir: PathBuf,
    postgres: Postgres,
    redis: Part,
    sockudo: Vec<Part>,
    servers: Vec<Part>,
    haproxy: Part,
    /// The balancer's frontend for the relay nodes (WebSockets and the
    /// Pusher HTTP API).
    realtime_port: u16,
    // Last: the directory goes once every process has stopped.
    _scratch: Scratch,
}

impl Cluster {
    /// Starts every part and waits until the balancer answers.
    pub async fn start(config: ClusterConfig) -> anyhow::Result<Self> {
        tokio::task::spawn_blocking(move || Self::start_blocking(config)).await?
    }

    fn start_blocking(config: ClusterConfig) -> anyhow::Result<Self> {
        sweep_abandoned(&config.postgres_bin);
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "kinboard-cluster-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        let scratch = Scratch(dir.clone());
        let postgres = Postgres::create(&config.postgres_bin, &dir)?;
        let part = |name: &str| -> anyhow::Result<Part> {
            Ok(Part {
                name: name.to_owned(),
                port: free_port()?,
                log: dir.join(format!("{name}.log")),
                process: None,
            })
        };
        let mut cluster = Self {
            redis: part("redis")?,
            sockudo: vec![part("sockudo-1")?, part("sockudo-2")?],
            servers: vec![part("server-1")?, part("server-2")?],
            haproxy: part("haproxy")?,
            realtime_port: free_port()?,
            postgres,
            config,
            dir,
            _scratch: scratch,
        };
        cluster.start_redis()?;
        for i in 0..cluster.sockudo.len() {
            cluster.start_sockudo_blocking(i)?;
        }
        // The first server migrates the database before the second starts.
        for i in 0..cluster.servers.len() {
            cluster.start_server_blocking(i)?;
        }
        cluster.start_haproxy()?;
        cluster.wait_balanced()?;
        Ok(cluster)
    }

    /// The balancer's API frontend: what devices and parents use.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.haproxy.port)
    }

    /// The balancer's API address.
    pub fn addr(&self) -> SocketAddr {
        self.haproxy.addr()
    }

    /// Server instance `i` directly, not through the balancer.
    pub fn server_url(&self, i: usize) -> String {
        format!("http://{}", self.servers[i].addr())
    }

    /// The processes that serve the load: the servers and the relay nodes.
    pub fn pids(&self) -> Vec<u32> {
        self.servers
            .iter()
            .chain(&self.sockudo)
            .filter_map(|p| p.process.as_ref()?.pid())
            .collect()
    }

    fn start_redis(&mut self) -> anyhow::Result<()> {
        let redis = &mut self.redis;
        let mut process = Process::spawn(
            "redis-server",
            Command::new(&self.config.redis_bin).args([
                "--port",
                &redis.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                &self.dir.display().to_string(),
            ]),
            &redis.log,
        )?;
        wait_listening(&mut process, redis.addr(), &redis.log)?;
        redis.process = Some(process);
        Ok(())
    }

    fn sockudo_config(&self, i: usize) -> anyhow::Result<PathBuf> {
        let node = &self.sockudo[i];
        // Every setting the harness relies on is spelled out: sockudo's
        // defaults suit a single public server (a rate limit of 20
        // connections a minute per address, metrics on port 9601, jobs
        // queued in Redis, and a node that quietly goes standalone when
        // Redis is away).
        let redis = format!("redis://127.0.0.1:{}", self.redis.port);
        let config = serde_json::json!({
            "host": "127.0.0.1",
            "port": node.port,
            "debug": false,
            "activity_timeout": 120,
            "shutdown_grace_period": 0,
            "max_connections": 0,
            "ssl": { "enabled": false },
            "metrics": { "enabled": false },
            "rate_limiter": { "enabled": false, "driver": "memory" },
            "cache": { "driver": "memory" },
            "queue": { "driver": "none" },
            "idempotency": { "enabled": false },
            "database": { "redis": { "host": "127.0.0.1", "port": self.redis.port } },
            "adapter": {
                "driver": "redis",
                "fallback_to_local": false,
                "redis": {
                    "prefix": REDIS_PREFIX,
                    "redis_pub_options": { "url": redis },
                    "redis_sub_options": { "url": redis }
                },
                // Off: a node that believes itself alone stops publishing.
                "cluster_health": { "enabled": false }
            },
            "app_manager": {
                "driver": "memory",
                "array": {
                    "apps": [{
                        "id": CLUSTER_APP_ID,
                        "key": CLUSTER_KEY,
                        "secret": CLUSTER_SECRET,
                        "enabled": true,
                        "enable_client_messages": false,
                        // pusher:signin, so that a device whose access
                        // ends can be disconnected wherever it is.
                        "enable_user_authentication": true,
                        "max_connections": 0,
                        "max_client_events_per_second": 0
                    }]
                }
            }
        });
        let path = self.dir.join(format!("sockudo-{}.json", i + 1));
        std::fs::write(&path, serde_json::to_vec_pretty(&config)?)?;
        Ok(path)
    }

    fn start_sockudo_blocking(&mut self, i: usize) -> anyhow::Result<()> {
        let config = self.sockudo_config(i)?;
        let node = &self.sockudo[i];
        let mut process = Process::spawn(
            &node.name,
            Command::new(&self.config.sockudo_bin)
                .arg("--config")
                .arg(&config)
                // It reads ./config/config.json first: a directory without.
                .current_dir(&self.dir)
                .env_remove("PORT")
                .env_remove("HOST")
                .env_remove("REDIS_URL")
                .env_remove("DEBUG")
                .env("LOG_COLORS_ENABLED", "false")
                .env("RUST_LOG", "warn"),
            &node.log,
        )?;
        wait_listening(&mut process, node.addr(), &node.log)?;
        self.sockudo[i].process = Some(process);
        self.wait_relays_joined()
    }

    /// Waits until every running relay node answers `/up` and has
    /// subscribed to the cluster's channel in Redis (it does that in the
    /// background, after it listens): an event published on one then
    /// reaches the others.
    fn wait_relays_joined(&self) -> anyhow::Result<()> {
        let running = self.sockudo.iter().filter(|n| n.process.is_some()).count();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let up = self
                .sockudo
                .iter()
                .filter(|n| n.process.is_some())
                .all(|n| http_ok(n.addr(), &format!("/up/{CLUSTER_APP_ID}")));
            let joined =
                redis_subscribers(self.redis.addr(), &format!("{REDIS_PREFIX}:#broadcast"))
                    .unwrap_or(0);
            if up && joined >= running {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "the relay nodes did not join within 30 s (up {up}, {joined} of {running} subscribed); logs in {}",
                    self.dir.display()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn start_server_blocking(&mut self, i: usize) -> anyhow::Result<()> {
        let server = &self.servers[i];
        let mut process = Process::spawn(
            &server.name,
            Command::new(&self.config.server_bin)
                .args(["--bind", &server.addr().to_string()])
                .env("DATABASE_URL", self.postgres.url())
                .env("KINBOARD_OPEN_SIGNUP", "true")
                .env("KINBOARD_BEHIND_PROXY", "true")
                .env("KINBOARD_ANNOUNCE", "off")
                .env("KINBOARD_PUBLIC_URL", self.url())
                .env("PUSHER_APP_ID", CLUSTER_APP_ID)
                .env("PUSHER_KEY", CLUSTER_KEY)
                .env("PUSHER_SECRET", CLUSTER_SECRET)
                .env("PUSHER_HOST", "127.0.0.1")
                .env("PUSHER_PORT", self.realtime_port.to_string())
                .env("PUSHER_SCHEME", "http")
                .env("RUST_LOG", "info,sqlx=warn")
                .env("XDG_DATA_HOME", self.dir.join(format!("data-{}", i + 1))),
            &server.log,
        )?;
        wait_listening(&mut process, server.addr(), &server.log)?;
        self.servers[i].process = Some(process);
        Ok(())
    }

    fn start_haproxy(&mut self) -> anyhow::Result<()> {
        let servers: String = self
            .servers
            .iter()
            .map(|s| format!("  server {} {} check\n", s.name, s.addr()))
            .collect();
        let relays: String = self
            .sockudo
            .iter()
            .map(|s| format!("  server {} {} check\n", s.name, s.addr()))
            .collect();
        // Round-robin over instances that pass their health check (every
        // half second; down after two misses, up after one answer). A
        // connection refused is tried again on the other instance; a
        // WebSocket is a tunnel that may idle for an hour.
        // Each balanced connection takes two descriptors; HAProxy refuses
        // to start with a limit above what it may open.
        let maxconn = (open_file_hard_limit().saturating_sub(200) / 2).clamp(1000, 30_000);
        let config = format!(
            "global\n  maxconn {maxconn}\n\n\
             defaults\n  mode http\n  option http-server-close\n  timeout connect 1s\n  timeout client 60s\n  timeout server 60s\n  timeout tunnel 1h\n  timeout http-request 10s\n  option redispatch\n  retries 3\n  default-server inter 500ms fall 2 rise 1\n\n\
             frontend api\n  bind {api}\n  option forwardfor\n  default_backend servers\n\n\
             backend servers\n  balance roundrobin\n  option httpchk GET /healthz\n  http-check expect status 200\n{servers}\n\
             frontend realtime\n  bind 127.0.0.1:{realtime}\n  default_backend relays\n\n\
             backend relays\n  balance roundrobin\n  option httpchk GET /up/{app}\n  http-check expect status 200\n{relays}",
            api = self.haproxy.addr(),
            realtime = self.realtime_port,
            app = CLUSTER_APP_ID,
        );
        let path = self.dir.join("haproxy.cfg");
        std::fs::write(&path, config)?;
        let haproxy = &mut self.haproxy;
        let mut process = Process::spawn(
            "haproxy",
            Command::new(&self.config.haproxy_bin)
                .arg("-db")
                .arg("-f")
                .arg(&path),
            &haproxy.log,
        )?;
        wait_listening(&mut process, haproxy.addr(), &haproxy.log)?;
        haproxy.process = Some(process);
        Ok(())
    }

    /// Waits until the balancer has found both servers and both relay
    /// nodes healthy: every instance answers through it.
    fn wait_balanced(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let api = (0..4).all(|_| http_ok(self.haproxy.addr(), "/healthz"));
            let relays = (0..4).all(|_| {
                http_ok(
                    SocketAddr::from(([127, 0, 0, 1], self.realtime_port)),
                    &format!("/up/{CLUSTER_APP_ID}"),
                )
            });
            if api && relays {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "the balancer did not reach every part within 30 s (API {api}, relays {relays}); logs in {}",
                    self.dir.display()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Kills server instance `i` (SIGKILL: requests in flight are lost).
    pub fn kill_server(&mut self, i: usize) {
        if let Some(mut p) = self.servers[i].process.take() {
            p.kill();
        }
    }

    /// Freezes server instance `i` (SIGSTOP): it keeps its connections and
    /// answers nothing, as a hung process does. [`Self::kill_server`] ends it.
    pub fn pause_server(&self, i: usize) {
        if let Some(p) = &self.servers[i].process {
            p.signal("STOP");
        }
    }

    /// Established connections to relay node `i` (the balancer's tunnels:
    /// one per screen there), read from `/proc/net/tcp`.
    pub fn relay_sockets(&self, i: usize) -> usize {
        let port = format!("{:04X}", self.sockudo[i].port);
        std::fs::read_to_string("/proc/net/tcp")
            .unwrap_or_default()
            .lines()
            .skip(1)
            .filter(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                // local address is "ADDR:PORT" in hex; state 01 is ESTABLISHED
                fields.len() > 3
                    && fields[1].rsplit(':').next() == Some(port.as_str())
                    && fields[3] == "01"
            })
            .count()
    }

    /// The processes the cluster stands on besides the servers and relay
    /// nodes: PostgreSQL (its postmaster and backends), Redis, HAProxy.
    pub fn support_pids(&self) -> Vec<u32> {
        let mut pids: Vec<u32> = [&self.redis, &self.haproxy]
            .iter()
            .filter_map(|p| p.process.as_ref()?.pid())
            .collect();
        let postmaster = std::fs::read_to_string(self.postgres.data.join("postmaster.pid"))
            .ok()
            .and_then(|text| text.lines().next()?.trim().parse::<u32>().ok());
        if let Some(postmaster) = postmaster {
            pids.push(postmaster);
            pids.extend(kinboard_testkit::procfs::children(postmaster));
        }
        pids
    }

    /// Starts server instance `i` again on its port.
    pub async fn start_server(&mut self, i: usize) -> anyhow::Result<()> {
        tokio::task::block_in_place(|| self.start_server_blocking(i))
    }

    /// Kills relay node `i`: its sockets close, and its share of the
    /// balancer's traffic moves to the other node.
    pub fn kill_sockudo(&mut self, i: usize) {
        if let Some(mut p) = self.sockudo[i].process.take() {
            p.kill();
        }
    }

    pub async fn start_sockudo(&mut self, i: usize) -> anyhow::Result<()> {
        tokio::task::block_in_place(|| self.start_sockudo_blocking(i))
    }

    /// Kills Redis and starts it again (empty: it keeps nothing) on its port.
    pub async fn restart_redis(&mut self) -> anyhow::Result<()> {
        tokio::task::block_in_place(|| {
            if let Some(mut p) = self.redis.process.take() {
                p.kill();
            }
            self.start_redis()?;
            self.wait_relays_joined()
        })
    }

    /// Stops PostgreSQL at once (a database gone away).
    pub async fn stop_postgres(&mut self) -> anyhow::Result<()> {
        tokio::task::block_in_place(|| self.postgres.stop())
    }

    pub async fn start_postgres(&mut self) -> anyhow::Result<()> {
        tokio::task::block_in_place(|| self.postgres.start())
    }
}

/// Stops what clusters of test processes that were killed outright left
/// behind (a timeout or SIGKILL runs no Drop): every process noted in the
/// directory that still belongs to it, its PostgreSQL, the directory.
fn sweep_abandoned(postgres_bin: &Path) {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(owner) = name
            .strip_prefix("kinboard-cluster-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if Path::new(&format!("/proc/{owner}")).exists() {
            continue; // its test still runs
        }
        let dir = entry.path();
        let mark = dir.display().to_string();
        for pid in std::fs::read_to_string(dir.join("pids"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse::<u32>().ok())
        {
            // Only a process that is still one of that cluster's parts (its
            // command line, directory or environment names the directory).
            let ours = ["cmdline", "environ"].iter().any(|f| {
                std::fs::read(format!("/proc/{pid}/{f}"))
                    .is_ok_and(|b| String::from_utf8_lossy(&b).contains(&mark))
            }) || std::fs::read_link(format!("/proc/{pid}/cwd"))
                .is_ok_and(|cwd| cwd == dir);
            if ours {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
        }
        let data = dir.join("pg");
        if data.join("postmaster.pid").exists() {
            let pg_ctl = postgres_bin.join("pg_ctl");
            let mut stop = if is_root() {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(&pg_ctl);
                c
            } else {
                Command::new(&pg_ctl)
            };
            let _ = stop
                .arg("-D")
                .arg(&data)
                .args(["-m", "immediate", "-w", "stop"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// This process's hard limit on open files (what its children may raise
/// theirs to).
fn open_file_hard_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
            line.split_whitespace().nth(4)?.parse().ok()
        })
        .unwrap_or(4096)
}

/// How many clients are subscribed to `channel` in the Redis at `addr`
/// (`PUBSUB NUMSUB`, spoken plainly).
fn redis_subscribers(addr: SocketAddr, channel: &str) -> anyhow::Result<usize> {
    use std::io::{BufRead, BufReader, Write};
    let mut stream = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let command = format!(
        "*3\r\n$6\r\nPUBSUB\r\n$6\r\nNUMSUB\r\n${}\r\n{channel}\r\n",
        channel.len()
    );
    stream.write_all(command.as_bytes())?;
    // *2, $len, the channel, :count
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    for _ in 0..4 {
        line.clear();
        reader.read_line(&mut line)?;
    }
    line.trim()
        .strip_prefix(':')
        .context("an integer reply")?
        .parse()
        .context("a count")
}

/// A `GET path` on `addr` answered 200 (a plain blocking request: the
/// harness's own check, independent of the code under test).
fn http_ok(addr: SocketAddr, path: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500))
    else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}
