//! Test support: a real server on a real database (a fresh SQLite file, or
//! a fresh schema in the PostgreSQL named by `KINBOARD_TEST_POSTGRES`),
//! a small JSON client, and real subscribers (`pusher-client`) authorised
//! through `/api/pusher/auth`.

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use kinboard_server::{RunningServer, Server, ServerConfig};
use pusher_client::{
    ClientOptions, Endpoint, HttpAuthorizer, PusherClient, Subscription, SubscriptionEvent,
};
use rand::Rng;
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::{AnyPool, Connection};

/// Generates one test per backend from one body: `both! { async fn name(s) { … } }`.
macro_rules! both {
    ($($body:tt)*) => {
        $crate::support::both_with! { $crate::support::as_it_comes; $($body)* }
    };
}
pub(crate) use both;

/// The configuration [`both!`] starts its servers with, unchanged.
pub fn as_it_comes(_: &mut ServerConfig) {}

/// One test per backend from one body, on servers set up by `configure`
/// (a `fn(&mut ServerConfig)`): `both_with! { configure; async fn name(s) { … } }`.
macro_rules! both_with {
    ($configure:path; $($(#[doc = $doc:literal])* async fn $name:ident($s:ident) $body:block)*) => {$(
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($s: &$crate::support::TestServer) $body
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let s = $crate::support::TestServer::start_with($crate::support::Backend::Sqlite, $configure).await;
                run(&s).await;
                s.stop().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let s = $crate::support::TestServer::start_with($crate::support::Backend::Postgres, $configure).await;
                run(&s).await;
                s.stop().await;
            }
        }
    )*};
}
pub(crate) use both_with;

pub const WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

fn random_suffix() -> String {
    let mut rng = rand::rng();
    (0..12)
        .map(|_| (b'a' + rng.random_range(0..26)) as char)
        .collect()
}

/// A database of its own for one test; removed when dropped (even after a
/// panic), so parallel runs never see each other's rows.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    cleanup: Option<Cleanup>,
}

enum Cleanup {
    Dir(std::path::PathBuf),
    Schema { admin_url: String, schema: String },
}

impl TestDb {
    pub async fn create(backend: Backend) -> Self {
        sqlx::any::install_default_drivers();
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("kinboard-test-{}", random_suffix()));
                std::fs::create_dir_all(&dir).unwrap();
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.join("kinboard.sqlite3").display()
                );
                Self {
                    url,
                    backend,
                    cleanup: Some(Cleanup::Dir(dir)),
                }
            }
            Backend::Postgres => {
                let admin_url = std::env::var("KINBOARD_TEST_POSTGRES")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
                let schema = format!("kb_{}", random_suffix());
                let mut conn = sqlx::AnyConnection::connect(&admin_url).await.expect(
                    "PostgreSQL must answer at KINBOARD_TEST_POSTGRES (scripts/test.sh starts one)",
                );
                sqlx::query(&format!("CREATE SCHEMA {schema}"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                conn.close().await.unwrap();
                let sep = if admin_url.contains('?') { '&' } else { '?' };
                let url = format!("{admin_url}{sep}options=-c%20search_path%3D{schema}");
                Self {
                    url,
                    backend,
                    cleanup: Some(Cleanup::Schema { admin_url, schema }),
                }
            }
        }
    }
}

impl TestDb {
    /// Another handle on a database some other [`TestDb`] owns and cleans up.
    pub fn borrowed(url: String, backend: Backend) -> Self {
        Self {
            url,
            backend,
            cleanup: None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self.cleanup.take() {
            Some(Cleanup::Dir(dir)) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Some(Cleanup::Schema { admin_url, schema }) => {
                // Drop runs outside any runtime we may block, so use a thread.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        if let Ok(mut conn) = sqlx::AnyConnection::connect(&admin_url).await {
                            let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                                .execute(&mut conn)
                                .await;
                            let _ = conn.close().await;
                        }
                    });
                })
                .join();
            }
            None => {}
        }
    }
}

/// A reply: status and JSON body.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Resp {
    pub fn ok(&self) -> &Value {
        assert!(
            (200..300).contains(&self.status),
            "expected success, got {} {}",
            self.status,
            self.body
        );
        &self.body
    }

    /// Asserts an error reply of `status` in the API's format and returns its message.
    pub fn err(&self, status: u16) -> String {
        assert_eq!(self.status, status, "unexpected reply {}", self.body);
        let code = self.body["error"]["code"].as_str().unwrap_or_default();
        let message = self.body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            !code.is_empty() && !message.is_empty(),
            "error without code/message: {}",
            self.body
        );
        assert!(
            self.body["serverTime"].is_i64(),
            "error without serverTime: {}",
            self.body
        );
        message.to_owned()
    }

    /// Asserts an error reply of `status` with the error code `code`;
    /// returns its message.
    pub fn refused(&self, status: u16, code: &str) -> String {
        let message = self.err(status);
        assert_eq!(self.body["error"]["code"], code, "{}", self.body);
        message
    }
}

pub struct Parent {
    pub token: String,
    pub user_id: String,
    pub email: String,
}

/// A family with a parent and two children.
pub struct Fam {
    pub id: String,
    pub parent: Parent,
    pub kids: Vec<String>,
}

pub struct TestServer {
    pub server: Option<RunningServer>,
    pub base: String,
    pub http: reqwest::Client,
    pub db: TestDb,
    /// A pool on the same database, for assertions on what was written.
    pub pool: AnyPool,
}

impl TestServer {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    pub async fn start_with(backend: Backend, configure: impl FnOnce(&mut ServerConfig)) -> Self {
        let db = TestDb::create(backend).await;
        Self::start_on(db, configure).await
    }

    pub async fn start_on(db: TestDb, configure: impl FnOnce(&mut ServerConfig)) -> Self {
        let mut config =
            ServerConfig::new("127.0.0.1:0".parse().unwrap()).with_database(db.url.clone());
        config.scheduler_poll = Duration::from_millis(200);
        // Most tests make several families on one server, as a hosted
        // service does; the household's closed sign-up has its own tests.
        config.access.open_signup = true;
        configure(&mut config);
        let server = Server::start(config).await.expect("server starts");
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(2)
            .connect(&db.url)
            .await
            .unwrap();
        Self {
            base: server.url(),
            server: Some(server),
            http: reqwest::Client::new(),
            db,
            pool,
        }
    }

    pub fn port(&self) -> u16 {
        self.server.as_ref().unwrap().addr.port()
    }

    pub async fn stop(mut self) {
        self.pool.close().await;
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        self.call_with(method, path, token, body, &[]).await
    }

    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Resp {
            status,
            body,
            headers,
        }
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn parent(&self, name: &str) -> Parent {
        let email = format!("{}-{}@example.org", name.to_lowercase(), random_suffix());
        let r = self
            .call(
                Method::POST,
                "/api/auth/sign-up",
                None,
                Some(json!({ "email": email, "password": "correct horse", "name": name })),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        Parent {
            token: r.body["token"].as_str().unwrap().to_owned(),
            user_id: r.body["user"]["id"].as_str().unwrap().to_owned(),
            email,
        }
    }

    /// A new parent with a new family and two children.
    pub async fn family(&self, name: &str) -> Fam {
        let parent = self.parent(name).await;
        let r = self
            .post(
                "/api/families",
                &parent.token,
                json!({ "name": format!("{name}'s family") }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.body["family"]["id"].as_str().unwrap().to_owned();
        let mut kids = Vec::new();
        for kid in ["Mia", "Leo"] {
            let r = self
                .post(
                    &format!("/api/families/{id}/members"),
                    &parent.token,
                    json!({ "name": kid }),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            kids.push(r.body["member"]["id"].as_str().unwrap().to_owned());
        }
        Fam { id, parent, kids }
    }

    pub async fn revision(&self, family_id: &str) -> i64 {
        sqlx::query_scalar("SELECT revision FROM families WHERE id = $1")
            .bind(family_id)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.pool).await.unwrap()
    }

    /// Waits until `sql` counts `expected` (the server gets there on its
    /// own, e.g. from its scheduler), failing after [`WAIT`].
    pub async fn wait_for_count(&self, sql: &str, expected: i64) {
        kinboard_testkit::eventually(&format!("{sql} to count {expected}"), WAIT, || async {
            let got = self.count(sql).await;
            if got == expected {
                Ok(())
            } else {
                Err(format!("counted {got}"))
            }
        })
        .await;
    }

    /// A real subscriber to the family's channel, authorised with `token`
    /// through this server's `/api/pusher/auth`; returns once subscribed.
    pub async fn subscribe(&self, token: &str, family_id: &str) -> Events {
        let realtime = self.call(Method::GET, "/api/realtime", None, None).await;
        let key = realtime.body["key"].as_str().unwrap().to_owned();
        let auth = realtime.body["authEndpoint"].as_str().unwrap().to_owned();
        let host = realtime.body["host"].as_str().unwrap().to_owned();
        let port = realtime.body["port"].as_u64().unwrap() as u16;
        subscribe_at(&host, port, &key, &auth, token, family_id).await
    }

    pub async fn start_timer(&self, fam: &Fam, seconds: i64) -> (Value, i64) {
        let r = self
            .post(
                &format!("/api/families/{}/timers", fam.id),
                &fam.parent.token,
                json!({ "memberId": fam.kids[0], "label": "Homework", "durationSeconds": seconds, "stars": 2 }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        (
            r.body["timer"].clone(),
            r.body["revision"].as_i64().unwrap(),
        )
    }
}

pub async fn subscribe_at(
    host: &str,
    port: u16,
    key: &str,
    auth_url: &str,
    token: &str,
    family_id: &str,
) -> Events {
    let bearer = format!("Bearer {token}");
    let authorizer = HttpAuthorizer::with_headers(auth_url.to_owned(), move || {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::AUTHORIZATION, bearer.parse().unwrap());
        h
    });
    let client = PusherClient::connect(
        ClientOptions::new(Endpoint::host(host, port, false), key).authorizer(authorizer),
    );
    let mut sub = client
        .subscribe(&format!("private-family-{family_id}"))
        .unwrap();
    let first = tokio::time::timeout(WAIT, sub.next())
        .await
        .expect("subscribed in time");
    match first {
        Some(SubscriptionEvent::Subscribed { .. }) => {}
        other => panic!("subscription failed: {other:?}"),
    }
    Events {
        _client: client,
        sub,
    }
}

/// The events one subscriber receives, in order.
pub struct Events {
    _client: PusherClient,
    sub: Subscription,
}

impl Events {
    /// The next application event: its name and JSON payload.
    pub async fn next(&mut self) -> (String, Value) {
        loop {
            match tokio::time::timeout(WAIT, self.sub.next())
                .await
                .expect("an event in time")
            {
                Some(SubscriptionEvent::Event(e)) => return (e.event.clone(), e.json().unwrap()),
                Some(_) => continue,
                None => panic!("subscription ended"),
            }
        }
    }

    /// Asserts that the next event is `name` with exactly `payload`.
    pub async fn expect(&mut self, name: &str, payload: Value) {
        let (got, data) = self.next().await;
        assert_eq!((got.as_str(), &data), (name, &payload));
    }
}
