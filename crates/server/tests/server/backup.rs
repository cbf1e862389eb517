//! Copies of the household's database: one made while the server runs
//! serves the same dashboard once restored; a restore onto a database a
//! server has open is refused and changes nothing; the daily copies keep
//! seven days; `kinboard-server backup` and `restore` do it by hand.

use std::path::PathBuf;

use serde_json::{Value, json};

use kinboard_server::backup::{self, BackupError};

use crate::support::{Backend, TestDb, TestServer};

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kinboard-backup-test-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The dashboard without the time it was read at.
async fn dashboard(s: &TestServer, family_id: &str, token: &str) -> Value {
    let mut body = s
        .get(&format!("/api/families/{family_id}/dashboard"), token)
        .await
        .ok()
        .clone();
    body.as_object_mut().unwrap().remove("serverTime");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_made_while_the_server_runs_serves_the_same_dashboard_once_restored() {
    let s = TestServer::start(Backend::Sqlite).await;
    let f = s.family("Ana").await;
    let tok = &f.parent.token;
    s.post(
        &format!("/api/families/{}/members/{}/stars", f.id, f.kids[0]),
        tok,
        json!({ "amount": 3, "reason": "kind" }),
    )
    .await
    .ok();
    s.start_timer(&f, 600).await;
    let before = dashboard(&s, &f.id, tok).await;

    let dir = scratch();
    let copy = dir.join("copy.sqlite3");
    backup::backup(&s.server.as_ref().unwrap().state().db, &copy)
        .await
        .unwrap();
    // A copy is never written over.
    let again = backup::backup(&s.server.as_ref().unwrap().state().db, &copy).await;
    assert!(matches!(again, Err(BackupError::Exists(_))), "{again:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // Restored onto another database, a server on it shows the same board
    // to the same session.
    let restored_url = format!(
        "sqlite://{}?mode=rwc",
        dir.join("restored.sqlite3").display()
    );
    backup::restore(&restored_url, &copy).await.unwrap();
    let other = TestServer::start_on(
        TestDb::borrowed(restored_url.clone(), Backend::Sqlite),
        |_| {},
    )
    .await;
    assert_eq!(dashboard(&other, &f.id, tok).await, before);

    // Onto a database a server has open: refused, in words, and nothing
    // changes.
    let refused = backup::restore(&restored_url, &copy).await.unwrap_err();
    assert!(matches!(refused, BackupError::InUse(_)), "{refused:?}");
    assert!(
        refused.to_string().contains("stop it before restoring"),
        "{refused}"
    );
    assert_eq!(dashboard(&other, &f.id, tok).await, before);
    // Something that is not a Kinboard database is refused too.
    let junk = dir.join("junk.sqlite3");
    std::fs::write(&junk, b"not a database").unwrap();
    other.stop().await;
    let refused = backup::restore(&restored_url, &junk).await.unwrap_err();
    assert!(
        matches!(refused, BackupError::NotKinboard(..)),
        "{refused:?}"
    );
    s.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_copies_keep_seven_days() {
    let s = TestServer::start(Backend::Sqlite).await;
    let db = &s.server.as_ref().unwrap().state().db;
    let url = s.db.url.clone();
    let file = PathBuf::from(
        url.trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap(),
    );
    let dir = file.parent().unwrap().join("backups");
    std::fs::create_dir_all(&dir).unwrap();
    for day in 1..=9 {
        std::fs::write(
            dir.join(format!("kinboard-2026-01-{day:02}.sqlite3")),
            b"old",
        )
        .unwrap();
    }
    let made = backup::daily(db, &url)
        .await
        .unwrap()
        .expect("today's copy");
    assert!(made.exists());
    // Made once a day: a second look finds it.
    assert_eq!(backup::daily(db, &url).await.unwrap(), None);
    let mut kept: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    kept.sort();
    assert_eq!(kept.len(), backup::KEEP_DAYS);
    assert_eq!(
        kept[0], "kinboard-2026-01-04.sqlite3",
        "the oldest went first: {kept:?}"
    );
    assert!(kept.last().unwrap() > &"kinboard-2026-01-09.sqlite3".to_owned());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_is_backed_up_with_its_own_tools() {
    let s = TestServer::start(Backend::Postgres).await;
    let err = backup::backup(
        &s.server.as_ref().unwrap().state().db,
        &scratch().join("x.sqlite3"),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("pg_dump"), "{err}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_restore_by_hand() {
    let s = TestServer::start(Backend::Sqlite).await;
    let f = s.family("Ana").await;
    let dir = scratch();
    let copy = dir.join("by-hand.sqlite3");
    let cli = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kinboard-server"))
            .args(args)
            .env("DATABASE_URL", &s.db.url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let made = cli(&["backup".as_ref(), copy.as_os_str()]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert!(String::from_utf8_lossy(&made.stdout).contains("copied the database"));
    let refused = cli(&["restore".as_ref(), copy.as_os_str()]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("a Kinboard server is running on")
            && said.contains("stop it before restoring"),
        "{said}"
    );
    // Stopped, the server's database takes the copy back.
    let mut s = s;
    s.server.take().unwrap().shutdown().await;
    let (url, token) = (s.db.url.clone(), f.parent.token.clone());
    let restored = std::process::Command::new(env!("CARGO_BIN_EXE_kinboard-server"))
        .args(["restore".as_ref(), copy.as_os_str()])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    let back = TestServer::start_on(TestDb::borrowed(url, Backend::Sqlite), |_| {}).await;
    back.get(&format!("/api/families/{}/dashboard", f.id), &token)
        .await
        .ok();
    back.stop().await;
    s.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
