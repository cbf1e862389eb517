//! Where the app's log goes: to stderr, and to files under
//! `$XDG_STATE_HOME/kinboard/` (`~/.local/state/kinboard/` by default), a
//! file a day per profile (`kinboard-default.2026-12-04.log`), the last
//! [`KEEP_FILES`] kept — what a family can look at, or send along, when
//! something went wrong, long after the terminal is gone.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::{NonBlocking, WorkerGuard};
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Daily files kept per profile.
pub(crate) const KEEP_FILES: usize = 5;

/// What is logged unless `RUST_LOG` says otherwise.
const DEFAULT_FILTER: &str = "info,sqlx=warn,tao=warn,wry=warn";

/// The directory the log files go to.
pub(crate) fn dir() -> Option<PathBuf> {
    let base = directories::BaseDirs::new()?;
    let state = base
        .state_dir()
        .map_or_else(|| base.home_dir().join(".local/state"), Path::to_owned);
    Some(state.join("kinboard"))
}

/// A writer to `profile`'s daily files in `dir`, written off the caller's
/// thread (the guard flushes them when dropped).
pub(crate) fn file_writer(
    dir: &Path,
    profile: &str,
) -> Result<(NonBlocking, WorkerGuard), tracing_appender::rolling::InitError> {
    // Made first: the appender looks for old files to prune before it
    // makes the directory, and complains on stderr when there is none.
    if let Err(e) = std::fs::create_dir_all(dir) {
        tracing::warn!(dir = %dir.display(), error = %e, "no log directory");
    }
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(format!("kinboard-{profile}"))
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(dir)?;
    Ok(tracing_appender::non_blocking(appender))
}

/// Logs to stderr and, where the directory can be made, to the profile's
/// files; keep the guard for as long as the app runs.
pub(crate) fn init(profile: &str) -> Option<WorkerGuard> {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| DEFAULT_FILTER.into());
    // Colours only for a terminal: stderr kept in a file stays readable.
    let stderr = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .with_filter(filter());
    let files = dir().and_then(|dir| match file_writer(&dir, profile) {
        Ok(writer) => Some((dir, writer)),
        Err(e) => {
            eprintln!("kinboard: not logging to {}: {e}", dir.display());
            None
        }
    });
    match files {
        Some((dir, (writer, guard))) => {
            let file = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(writer)
                .with_filter(filter());
            tracing_subscriber::registry()
                .with(stderr)
                .with(file)
                .init();
            tracing::debug!(dir = %dir.display(), "logging to files");
            Some(guard)
        }
        None => {
            tracing_subscriber::registry().with(stderr).init();
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profiles_log_lands_in_its_own_dated_file_without_colours() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, guard) = file_writer(dir.path(), "kitchen").unwrap();
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(writer),
        );
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(timer = "t_1", "the timer ran out");
        });
        drop(guard); // flushes
        let files: Vec<PathBuf> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("kinboard-kitchen.") && name.ends_with(".log"),
            "{name}"
        );
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(
            text.contains("the timer ran out") && text.contains("timer=\"t_1\""),
            "{text}"
        );
        assert!(
            !text.contains('\u{1b}'),
            "no terminal colours in a file: {text}"
        );
    }
}
