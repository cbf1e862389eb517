//! SQLite's WAL is checkpointed by the server's background task, not by
//! whichever request's commit happens to cross the automatic threshold.

use kinboard_server::db::Db;
use kinboard_testkit::eventually;

use crate::support::{Backend, TestDb, WAIT};

fn main_file_len(url: &str) -> u64 {
    let path = url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .expect("a path");
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_task_checkpoints_what_the_writer_commits() {
    let test_db = TestDb::create(Backend::Sqlite).await;
    let db = Db::connect(&test_db.url).await.expect("connect");

    // The writer never checkpoints on its own…
    let (auto,): (i64,) = sqlx::query_as("PRAGMA wal_autocheckpoint")
        .fetch_one(&db.writer)
        .await
        .unwrap();
    assert_eq!(auto, 0);

    // …so the database file grows only when the task copies the WAL back.
    sqlx::query("CREATE TABLE wal_probe (body TEXT NOT NULL)")
        .execute(&db.writer)
        .await
        .unwrap();
    let before = main_file_len(&test_db.url);
    let body = "x".repeat(2048);
    for _ in 0..400 {
        sqlx::query("INSERT INTO wal_probe (body) VALUES ($1)")
            .bind(&body)
            .execute(&db.writer)
            .await
            .unwrap();
    }
    let written = 400 * 2048;
    eventually(
        "the WAL checkpointed into the database file",
        WAIT,
        || async { (main_file_len(&test_db.url) >= before + written).then_some(()) },
    )
    .await;

    // Every row is there, read through the readers' pool.
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM wal_probe")
        .fetch_one(&db.reader)
        .await
        .unwrap();
    assert_eq!(rows, 400);
    db.close().await;
}
