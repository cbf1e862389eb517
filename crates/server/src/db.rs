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
//!
//! SQLite's automatic checkpoint would copy the WAL back into the database
//! file (and sync it) inside whichever commit crosses the threshold, so
//! every thousandth page written would stall one user's request. The
//! writer turns it off and a background task checkpoints instead, on a
//! reader connection, beside the writer (WAL checkpoints do not block it).

use std::path::PathBuf;
use std::sync::Arc;
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
    /// SQLite's background checkpoint, stopped with the last clone.
    checkpointer: Option<Arc<Checkpointer>>,
}

/// The default database: `kinboard.sqlite3` in the OS data directory
/// (e.g. `~/.local/share/kinboard` on Linux).
pub fn default_database_url() -> Result<String, DbError> {
    let dir = default_data_dir()?;
    Ok(format!(
        "sqlite://{}?mode=rwc",
        dir.join("kinboard.sqlite3").display()
    ))
}

/// The OS data directory of a server (created private when missing).
pub fn default_data_dir() -> Result<std::path::PathBuf, DbError> {
    let dirs =
        directories::ProjectDirs::from("org", "Kinboard", "kinboard").ok_or(DbError::NoDataDir)?;
    let dir = dirs.data_dir().to_owned();
    private_dir(&dir)?;
    Ok(dir)
}

/// Creates `dir` (and its missing parents) readable by this user only,
/// when missing: the family's database lives there.
pub(crate) fn private_dir(dir: &std::path::Path) -> Result<(), DbError> {
    let made = |source| DbError::CreateDir {
        path: dir.to_owned(),
        source,
    };
    if dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(made)
}

/// The SQLite file of `url`, when it names one (not `:memory:`).
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.starts_with(":memory:") && !url.contains("mode=memory"))
        .then(|| std::path::PathBuf::from(path))
}

/// Makes the database file (and its WAL and shared-memory files, which
/// SQLite creates with the file's own permissions) readable by this user
/// only, creating its directory and the file itself when missing: it holds
/// the family's data, password hashes and the relay's secret.
fn keep_private(path: &std::path::Path) -> Result<(), DbError> {
    let failed = |source| DbError::CreateDir {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_dir(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(failed)?;
    #[cfg(unix)]
    for file in [
        path.to_owned(),
        std::path::PathBuf::from(format!("{}-wal", path.display())),
        std::path::PathBuf::from(format!("{}-shm", path.display())),
    ] {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(file = %file.display(), "the database was readable by others: now its owner's only");
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                .map_err(failed)?;
        }
    }
    Ok(())
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
                if let Some(file) = sqlite_file(url) {
                    keep_private(&file)?;
                }
                let url = if url.contains("mode=") {
                    url.to_owned()
                } else if url.contains('?') {
                    format!("{url}&mode=rwc")
                } else {
                    format!("{url}?mode=rwc")
                };
                let writer = sqlite_pool(1)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            sqlite_pragmas(conn).await?;
                            // Checkpoints are the background task's job.
                            conn.execute("PRAGMA wal_autocheckpoint = 0;").await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await
                    .map_err(DbError::Connect)?;
                // WAL must be on before the readers open, so migrate first.
                MIGRATOR.run(&writer).await?;
                let reader = sqlite_pool(4)
                    .after_connect(|conn, _meta| Box::pin(sqlite_pragmas(conn)))
                    .connect(&url)
                    .await
                    .map_err(DbError::Connect)?;
                let checkpointer = Some(Arc::new(Checkpointer::spawn(reader.clone())));
                Db {
                    writer,
                    reader,
                    backend,
                    checkpointer,
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
                    checkpointer: None,
                }
            }
        };
        Ok(db)
    }

    pub async fn close(&self) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.task.abort();
        }
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
}

async fn sqlite_pragmas(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    // WAL lets readers run beside the writer; NORMAL sync is durable
    // against process crashes and only risks the last commits on power
    // loss, the usual trade-off for WAL. A WAL that grew while a reader
    // held a checkpoint back is cut back to the limit once checkpointed,
    // instead of keeping its largest size on disk.
    conn.execute(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
         PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
         PRAGMA journal_size_limit = 67108864;",
    )
    .await?;
    Ok(())
}

/// How soon the checkpointer looks again after finding the WAL written
/// to: the WAL holds at most about this long's worth of commits before
/// they are copied back.
const CHECKPOINT_BUSY_INTERVAL: Duration = Duration::from_millis(250);
/// The longest it waits while nothing is written (it backs off to this).
const CHECKPOINT_IDLE_INTERVAL: Duration = Duration::from_secs(30);

/// The task that checkpoints SQLite's WAL in the background.
#[derive(Debug)]
struct Checkpointer {
    task: tokio::task::JoinHandle<()>,
}

impl Checkpointer {
    fn spawn(pool: AnyPool) -> Self {
        let task = tokio::spawn(async move {
            let mut interval = CHECKPOINT_BUSY_INTERVAL;
            let mut last_frames = 0;
            loop {
                tokio::time::sleep(interval).await;
                // PASSIVE: copy what no reader still needs, never wait for
                // anyone. The row is (busy, frames in the WAL, frames copied).
                let written =
                    match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
                        .fetch_one(&pool)
                        .await
                    {
                        // The WAL grew (or restarted from its start) since the
                        // last look, or some of it could not be copied yet.
                        Ok((_, frames, copied)) => {
                            let written = frames != last_frames || copied < frames;
                            last_frames = frames;
                            written
                        }
                        Err(sqlx::Error::PoolClosed) => return,
                        // Backing off keeps a lasting failure from
                        // logging four times a second.
                        Err(error) => {
                            tracing::warn!(%error, "WAL checkpoint failed");
                            false
                        }
                    };
                interval = next_checkpoint_interval(interval, written);
            }
        });
        Self { task }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Back to the busy interval when something was written; otherwise double
/// the wait, up to the idle interval.
fn next_checkpoint_interval(current: Duration, written: bool) -> Duration {
    if written {
        CHECKPOINT_BUSY_INTERVAL
    } else {
        (current * 2).min(CHECKPOINT_IDLE_INTERVAL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_back_off_while_idle_and_return_with_writes() {
        let mut interval = CHECKPOINT_BUSY_INTERVAL;
        let mut seen = vec![];
        for _ in 0..10 {
            interval = next_checkpoint_interval(interval, false);
            seen.push(interval);
        }
        assert_eq!(seen[0], CHECKPOINT_BUSY_INTERVAL * 2);
        assert!(seen.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(*seen.last().unwrap(), CHECKPOINT_IDLE_INTERVAL);
        assert_eq!(
            next_checkpoint_interval(CHECKPOINT_IDLE_INTERVAL, true),
            CHECKPOINT_BUSY_INTERVAL
        );
    }
}
