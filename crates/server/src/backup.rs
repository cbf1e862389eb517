//! Copies of a household's SQLite database: a daily one the server keeps
//! itself (the last [`KEEP_DAYS`] days, named by their UTC date, in
//! `backups/` beside the database), and `kinboard-server backup FILE` / `restore FILE` by hand.
//! A copy is made with `VACUUM INTO`, which SQLite runs as one read
//! transaction: consistent, and safe while the server writes. A restore
//! replaces the database file, so it is refused while a server has it
//! open: every server holds a shared lock on `<database>.lock` for as long
//! as it runs, and a restore needs it exclusively.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::clock::now_ms;
use crate::db::{Backend, Db, DbError, sqlite_file};
use sqlx::any::install_default_drivers;

/// Daily copies kept.
pub const KEEP_DAYS: usize = 7;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("backups are of a SQLite database; for PostgreSQL use pg_dump")]
    NotSqlite,
    #[error("{0} exists already; choose a new file for the copy")]
    Exists(PathBuf),
    #[error("{0} is not a Kinboard database: {1}")]
    NotKinboard(PathBuf, String),
    #[error("a Kinboard server is running on {0}; stop it before restoring")]
    InUse(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The lock file of the database at `file`.
fn lock_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Held by a running server: a shared lock on the database's lock file,
/// so several instances may share the file and a restore may not.
pub struct InUse(#[allow(dead_code)] File);

/// Takes the shared lock for a server on `url` (nothing for PostgreSQL or
/// an in-memory SQLite).
pub fn hold(url: &str) -> Result<Option<InUse>, BackupError> {
    let Some(file) = sqlite_file(url) else {
        return Ok(None);
    };
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::db::private_dir(dir)?;
    }
    let path = lock_path(&file);
    let taken = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .and_then(|lock| lock.lock_shared().map(|()| lock));
    match taken {
        Ok(lock) => Ok(Some(InUse(lock))),
        Err(e) => {
            // A directory this server may only read, or a file system
            // without locks: it runs, but a restore could not tell.
            tracing::warn!(path = %path.display(), error = %e, "could not lock the database; a restore would not know this server runs");
            Ok(None)
        }
    }
}

/// Writes a consistent copy of the database to `target` (which must not
/// exist), while the server may be running.
pub async fn backup(db: &Db, target: &Path) -> Result<(), BackupError> {
    if db.backend != Backend::Sqlite {
        return Err(BackupError::NotSqlite);
    }
    let mut conn = db.reader.acquire().await?;
    vacuum_into(&mut conn, target).await
}

/// `VACUUM INTO` a partial file beside `target`, made private before a
/// byte is written, then renamed: `target` is whole or absent.
async fn vacuum_into(conn: &mut sqlx::AnyConnection, target: &Path) -> Result<(), BackupError> {
    if target.exists() {
        return Err(BackupError::Exists(target.to_owned()));
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let mut partial = target.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let _ = std::fs::remove_file(&partial);
    // SQLite writes into an empty file that exists: this one is private.
    let mut options = File::options();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    drop(options.open(&partial).map_err(io(&partial))?);
    let written = sqlx::query("VACUUM INTO $1")
        .bind(partial.to_string_lossy().into_owned())
        .execute(&mut *conn)
        .await;
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(e.into());
    }
    File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(io(&partial))?;
    std::fs::rename(&partial, target).map_err(io(target))?;
    Ok(())
}

/// `kinboard-server backup`: a copy of the SQLite file at `url`, opened
/// read-only (nothing is created or migrated), while a server may run.
pub async fn backup_file(url: &str, target: &Path) -> Result<(), BackupError> {
    let file = sqlite_file(url).ok_or(BackupError::NotSqlite)?;
    let mut conn = open_read_only(&file).await?;
    vacuum_into(&mut conn, target).await
}

async fn open_read_only(file: &Path) -> Result<sqlx::AnyConnection, BackupError> {
    if !file.is_file() {
        return Err(BackupError::NotKinboard(
            file.to_owned(),
            "no such file".into(),
        ));
    }
    install_default_drivers();
    let url = format!("sqlite://{}?mode=ro", file.display());
    <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .map_err(|e| BackupError::NotKinboard(file.to_owned(), e.to_string()))
}

/// Replaces the database at `url` with the copy `source`, which must be a
/// Kinboard database; refused while a server runs on `url`.
pub async fn restore(url: &str, source: &Path) -> Result<(), BackupError> {
    let target = sqlite_file(url).ok_or(BackupError::NotSqlite)?;
    let mut copy = open_read_only(source).await?;
    check_is_kinboard(&mut copy, source).await?;
    let lock_file = lock_path(&target);
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_file)
        .map_err(io(&lock_file))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Err(BackupError::InUse(target)),
        Err(std::fs::TryLockError::Error(e)) => return Err(io(&lock_file)(e)),
    }
    // A clean copy of the source (its WAL included), staged beside the
    // database; the database as it was (with its WAL) is moved aside, not
    // deleted; then the copy takes its place.
    let staged = with_suffix(&target, ".restoring");
    let _ = std::fs::remove_file(&staged);
    vacuum_into(&mut copy, &staged).await?;
    let owner = std::fs::metadata(&target).ok();
    for part in ["", "-wal", "-shm"] {
        let from = with_suffix(&target, part);
        if from.exists() {
            let aside = with_suffix(&target, &format!("{part}.before-restore"));
            std::fs::rename(&from, &aside).map_err(io(&from))?;
        }
    }
    #[cfg(unix)]
    if let Some(owner) = owner {
        // Restored by root for a server that runs as its own user: the file
        // stays that user's.
        use std::os::unix::fs::MetadataExt;
        let _ = std::os::unix::fs::chown(&staged, Some(owner.uid()), Some(owner.gid()));
    }
    #[cfg(not(unix))]
    let _ = owner;
    std::fs::rename(&staged, &target).map_err(io(&target))?;
    if let Some(dir) = target.parent() {
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
    drop(lock);
    tracing::info!(from = %source.display(), to = %target.display(), "database restored");
    Ok(())
}

/// `path` with `suffix` added to its name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A copy is a Kinboard database when SQLite finds it sound and it has
/// its migrations applied.
async fn check_is_kinboard(
    conn: &mut sqlx::AnyConnection,
    source: &Path,
) -> Result<(), BackupError> {
    let not = |why: String| BackupError::NotKinboard(source.to_owned(), why);
    let sound: (String,) = sqlx::query_as("PRAGMA quick_check")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| not(e.to_string()))?;
    if sound.0 != "ok" {
        return Err(not(format!("damaged: {}", sound.0)));
    }
    let (applied,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| not(e.to_string()))?;
    if applied == 0 {
        return Err(not("no migrations applied".into()));
    }
    Ok(())
}

/// `kinboard-YYYY-MM-DD.sqlite3`, and nothing else a person put there.
fn is_daily_copy(name: &str) -> bool {
    name.strip_prefix("kinboard-")
        .and_then(|rest| rest.strip_suffix(".sqlite3"))
        .is_some_and(|date| chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok())
}

/// How long after a start the first daily copy is looked at, and how
/// often after that.
const FIRST_LOOK: std::time::Duration = std::time::Duration::from_secs(60);
const LOOK_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Keeps the daily copies of the server's database until `stop` turns
/// true (a task of its own: a copy of a large database takes a while, and
/// no timer waits for it).
pub async fn keep_daily(
    state: crate::state::AppState,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    if state.db.backend != Backend::Sqlite {
        return;
    }
    let mut wait = FIRST_LOOK;
    loop {
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
        wait = LOOK_EVERY;
        match daily(&state.db, &state.database_url).await {
            Ok(Some(copy)) => {
                tracing::info!(copy = %copy.display(), "made the daily copy of the database")
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "making the daily copy of the database failed"),
        }
    }
}

/// The daily copy: `backups/kinboard-YYYY-MM-DD.sqlite3` beside the
/// database, made when today's is missing; copies beyond [`KEEP_DAYS`]
/// are removed, oldest first.
pub async fn daily(db: &Db, url: &str) -> Result<Option<PathBuf>, BackupError> {
    let Some(file) = sqlite_file(url) else {
        return Ok(None);
    };
    let dir = file.parent().unwrap_or(Path::new(".")).join("backups");
    crate::db::private_dir(&dir)?;
    let today = chrono::DateTime::from_timestamp_millis(now_ms())
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let target = dir.join(format!("kinboard-{today}.sqlite3"));
    let made = if target.exists() {
        None
    } else {
        match backup(db, &target).await {
            Ok(()) => Some(target),
            // Another instance on this database made it meanwhile.
            Err(BackupError::Exists(_)) => None,
            Err(e) => return Err(e),
        }
    };
    let mut copies: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(io(&dir))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_daily_copy)
        })
        .collect();
    copies.sort();
    while copies.len() > KEEP_DAYS {
        let old = copies.remove(0);
        match std::fs::remove_file(&old) {
            // Another instance on this database pruned it first.
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(&old)(e)),
            _ => {}
        }
    }
    Ok(made)
}
