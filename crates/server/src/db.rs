//! The database: connecting (SQLite by default, PostgreSQL for
//! `postgres://` URLs), migrations, and the two pools the services use.
//!
//! Queries go through sqlx's `Any` driver and are written once for both
//! dialects: `$n` placeholders (SQLite accepts them too), TEXT ids, BIGINT
//! millisecond timestamps, `RETURNING`, and explicit casts where PostgreSQL
//! would otherwise widen a type `Any` cannot carry (`SUM` → NUMERIC).
//!
//! SQLite allows one writer at a time. Rather than let several connections
//! race for its lock and back off in the busy handler (which ruins tail
//! latency), writes go through a pool of exactly one connection, where they
//! queue fairly; reads use a separate pool and see WAL snapshots. On
//! PostgreSQL both pools are the same.

use std::path::PathBuf;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use thiserror::Error;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, Error)]
pub enum DbError {
    #[error("unsupported database url {0:?}: use sqlite:// or postgres://")]
    UnsupportedUrl(String),
    #[error("cannot find a data directory for the default database")]
    NoDataDir,
    #[error("cannot create {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The pools. `writer` runs every transaction that changes something;
/// `reader` serves plain reads.
#[derive(Clone, Debug)]
pub struct Db {
    pub writer: AnyPool,
    pub reader: AnyPool,
    pub backend: Backend,
}

/// The default database: `kinboard.sqlite3` in the OS data directory
/// (e.g. `~/.local/share/kinboard` on Linux).
pub fn default_database_url() -> Result<String, DbError> {
    let dirs =
        directories::ProjectDirs::from("org", "Kinboard", "kinboard").ok_or(DbError::NoDataDir)?;
    let dir = dirs.data_dir();
    std::fs::create_dir_all(dir).map_err(|source| DbError::CreateDir {
        path: dir.to_owned(),
        source,
    })?;
    Ok(format!(
        "sqlite://{}?mode=rwc",
        dir.join("kinboard.sqlite3").display()
    ))
}

impl Db {
    /// Connects and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(DbError::UnsupportedUrl(url.to_owned()));
        };
        let db = match backend {
            Backend::Sqlite => {
                let url = if url.contains("mode=") {
                    url.to_owned()
                } else if url.contains('?') {
                    format!("{url}&mode=rwc")
                } else {
                    format!("{url}?mode=rwc")
                };
                let writer = sqlite_pool(1)
                    .connect(&url)
                    .await
                    .map_err(DbError::Connect)?;
                // WAL must be on before the readers open, so migrate first.
                MIGRATOR.run(&writer).await?;
                let reader = sqlite_pool(4)
                    .connect(&url)
                    .await
                    .map_err(DbError::Connect)?;
                Db {
                    writer,
                    reader,
                    backend,
                }
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await
                    .map_err(DbError::Connect)?;
                MIGRATOR.run(&pool).await?;
                Db {
                    writer: pool.clone(),
                    reader: pool,
                    backend,
                }
            }
        };
        Ok(db)
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

fn sqlite_pool(max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        // A SQLite connection is a local file handle that cannot go stale
        // the way a network connection can; pinging it before every
        // checkout would be one more round trip to its thread per request.
        .test_before_acquire(false)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                // WAL lets readers run beside the writer; NORMAL sync is
                // durable against process crashes and only risks the last
                // commits on power loss, the usual trade-off for WAL.
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
                )
                .await?;
                Ok(())
            })
        })
}
