//! A kinboard-server in this process, on SQLite in a temporary directory
//! that survives [`TestServer::restart`] (the database is the source of
//! truth, so a restart must lose nothing), with the embedded relay or a
//! standalone `kinboard-relay` that can be restarted on its own.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use kinboard_relay::{Relay, RelayConfig};
use kinboard_server::{RealtimeConfig, RunningServer, Scheme, Server, ServerConfig};
use kinboard_testkit::FaultProxy;
use pusher_protocol::AppCredentials;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::http_proxy::HttpProxy;

/// Where the server broadcasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayMode {
    /// The relay embedded in the server, on the server's address.
    Embedded,
    /// A standalone relay behind an [`HttpProxy`] (which can fail the
    /// relay's HTTP API) and a [`FaultProxy`]; devices and the server both
    /// reach it there.
    Standalone,
}

struct StandaloneRelay {
    app: AppCredentials,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    /// The relay's public face: fault proxy → HTTP proxy → relay.
    front: FaultProxy,
    api_proxy: HttpProxy,
}

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub struct TestServer {
    server: Option<RunningServer>,
    /// Changes the test makes to the server's configuration, at each start.
    tune: fn(&mut ServerConfig),
    database_url: String,
    relay: Option<StandaloneRelay>,
    /// The server's address of the latest start.
    addr: SocketAddr,
    _dir: TempDir,
}

static NEXT_DIR: AtomicU32 = AtomicU32::new(0);

async fn start_relay(
    app: &AppCredentials,
) -> (
    SocketAddr,
    oneshot::Sender<()>,
    JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind relay");
    let addr = listener.local_addr().expect("relay address");
    let relay = Relay::new(RelayConfig::new(app.clone()));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(kinboard_relay::serve(listener, relay, async move {
        let _ = stopped.await;
    }));
    (addr, stop, task)
}

impl TestServer {
    /// A server with the embedded relay.
    pub async fn start() -> Self {
        Self::start_with(RelayMode::Embedded).await
    }

    pub async fn start_with(mode: RelayMode) -> Self {
        Self::start_tuned(mode, |_| {}).await
    }

    /// A server whose configuration `tune` changes (say, a broadcast lane
    /// small enough to overflow).
    pub async fn start_tuned(mode: RelayMode, tune: fn(&mut ServerConfig)) -> Self {
        crate::init_tracing();
        let dir = std::env::temp_dir().join(format!(
            "kinboard-system-{}-{}",
            std::process::id(),
            NEXT_DIR.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let database_url = format!(
            "sqlite://{}?mode=rwc",
            dir.join("kinboard.sqlite3").display()
        );
        let relay = match mode {
            RelayMode::Embedded => None,
            RelayMode::Standalone => {
                let app = AppCredentials::new("4242", "systemkey", "systemsecret");
                let (addr, stop, task) = start_relay(&app).await;
                let api_proxy = HttpProxy::start(addr).await;
                let front = FaultProxy::start(api_proxy.addr())
                    .await
                    .expect("relay proxy");
                Some(StandaloneRelay {
                    app,
                    stop: Some(stop),
                    task: Some(task),
                    front,
                    api_proxy,
                })
            }
        };
        let mut this = Self {
            server: None,
            tune,
            database_url,
            relay,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            _dir: TempDir(dir),
        };
        this.boot().await;
        this
    }

    async fn boot(&mut self) {
        let mut config = ServerConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)))
            .with_database(self.database_url.clone());
        // Several households on one server, as a hosted service runs.
        config.access.open_signup = true;
        if let Some(relay) = &self.relay {
            config = config
                .with_app(relay.app.clone())
                .with_realtime(RealtimeConfig::SelfHosted {
                    host: "127.0.0.1".into(),
                    port: relay.front.addr().port(),
                    scheme: Scheme::Http,
                });
        }
        (self.tune)(&mut config);
        let server = Server::start(config).await.expect("server starts");
        self.addr = server.addr;
        self.server = Some(server);
    }

    /// The server's own address (no proxy).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://{addr}`, or `https://` when it serves TLS.
    pub fn url(&self) -> String {
        match &self.server {
            Some(server) => server.url(),
            None => format!("http://{}", self.addr),
        }
    }

    /// The fingerprint of the certificate it serves, when it serves TLS.
    pub fn certificate(&self) -> Option<String> {
        self.server
            .as_ref()
            .and_then(|s| s.certificate().map(str::to_owned))
    }

    /// Stops the server gracefully, keeping its database file.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }

    /// Starts it again on the same database (on a new port: point the
    /// devices' proxies at [`Self::addr`]).
    pub async fn start_again(&mut self) {
        assert!(self.server.is_none(), "stop it first");
        self.boot().await;
    }

    /// Stops the standalone relay: its sockets close with 4200 and new
    /// ones (and the server's broadcasts) are refused until
    /// [`Self::start_relay`].
    pub async fn stop_relay(&mut self) {
        let relay = self.relay.as_mut().expect("a standalone relay");
        if let Some(stop) = relay.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = relay.task.take() {
            let _ = task.await;
        }
    }

    /// Starts a fresh standalone relay (same app) behind the same proxies.
    pub async fn start_relay(&mut self) {
        let relay = self.relay.as_mut().expect("a standalone relay");
        assert!(relay.task.is_none(), "stop it first");
        let (addr, stop, task) = start_relay(&relay.app).await;
        relay.api_proxy.set_upstream(addr);
        relay.stop = Some(stop);
        relay.task = Some(task);
    }

    /// The proxy in front of the standalone relay's HTTP API.
    pub fn relay_proxy(&self) -> &HttpProxy {
        &self.relay.as_ref().expect("a standalone relay").api_proxy
    }

    /// The fault proxy every relay connection passes through.
    pub fn relay_link(&self) -> &FaultProxy {
        &self.relay.as_ref().expect("a standalone relay").front
    }

    /// Publishes `events` (name, data), in this order, on `channel` in one
    /// signed `batch_events` request to the standalone relay's HTTP API,
    /// as a server would but with no database change behind them: a test
    /// decides the revisions devices see, and their order.
    pub async fn publish_to_relay(&self, channel: &str, events: &[(&str, String)]) {
        let relay = self.relay.as_ref().expect("a standalone relay");
        let batch: Vec<serde_json::Value> = events
            .iter()
            .map(|(name, data)| serde_json::json!({"name": name, "channel": channel, "data": data}))
            .collect();
        let body = serde_json::json!({ "batch": batch }).to_string();
        let path = format!("/apps/{}/batch_events", relay.app.app_id);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_secs();
        // Keys and hex digests only: nothing to percent-encode.
        let query: Vec<String> = relay
            .app
            .sign_request("POST", &path, &[], body.as_bytes(), now)
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let addr = relay.front.addr();
        let request = format!(
            "POST {path}?{} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            query.join("&"),
            body.len()
        );
        let mut stream = BufReader::new(TcpStream::connect(addr).await.expect("reach the relay"));
        stream
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .expect("send to the relay");
        // Read by content-length: the fault proxy ends a connection with a
        // reset, which may overtake the reply's last bytes.
        let mut status = String::new();
        stream
            .read_line(&mut status)
            .await
            .expect("the relay's reply");
        let mut length = 0;
        loop {
            let mut line = String::new();
            stream
                .read_line(&mut line)
                .await
                .expect("the relay's reply");
            if line.trim_end().is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().expect("a content-length");
            }
        }
        let mut body = vec![0; length];
        stream
            .read_exact(&mut body)
            .await
            .expect("the relay's reply");
        assert!(
            status.starts_with("HTTP/1.1 200"),
            "the relay refused the events: {status}{}",
            String::from_utf8_lossy(&body)
        );
    }
}
