//! Smaller holes, closed: amounts at the ends of i64 refused rather than
//! overflowing, every reply marked not to be cached or sniffed, the SQLite
//! database (with its WAL, bounded) readable by its owner only, and no
//! public channel on the embedded relay.

use serde_json::json;

use crate::support::both;

both! {
    async fn amounts_at_the_ends_of_i64_are_refused_and_write_nothing(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let stars = format!("/api/families/{}/members/{}/stars", f.id, f.kids[0]);
        let before = s.revision(&f.id).await;
        for amount in [i64::MIN, i64::MIN + 1, i64::MAX, -1001, 1001] {
            let message = s.post(&stars, tok, json!({ "amount": amount, "reason": "x" })).await.refused(422, "invalid");
            assert!(message.contains("amount"), "{amount}: {message}");
        }
        assert_eq!(s.revision(&f.id).await, before);
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM star_entries WHERE member_id = '{}'", f.kids[0])).await, 0);
    }

    async fn no_reply_is_cached_or_sniffed(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let replies = [
            s.get("/api/me", tok).await,
            s.get(&format!("/api/families/{}/dashboard", f.id), tok).await,
            s.post("/api/auth/sign-in", "", json!({ "email": "nobody@example.com", "password": "wrong password" })).await,
            s.get("/api/nothing-here", tok).await,
        ];
        for r in replies {
            assert_eq!(r.headers["cache-control"], "no-store", "{} {}", r.status, r.body);
            assert_eq!(r.headers["x-content-type-options"], "nosniff", "{} {}", r.status, r.body);
        }
    }
}

#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_database_and_its_directory_are_its_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = std::env::temp_dir().join(format!("kinboard-modes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let file = scratch.join("data").join("kinboard.sqlite3");
    let db = kinboard_server::db::Db::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    sqlx::query("SELECT COUNT(*) FROM families")
        .execute(&db.writer)
        .await
        .unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(file.parent().unwrap()), 0o700, "the directory");
    assert_eq!(mode(&file), 0o600, "the database");
    let wal = std::path::PathBuf::from(format!("{}-wal", file.display()));
    assert!(wal.exists(), "WAL mode makes a -wal file");
    assert_eq!(mode(&wal), 0o600, "the WAL");
    // And the WAL is bounded (64 MiB) on every connection.
    for pool in [&db.writer, &db.reader] {
        let (limit,): (i64,) = sqlx::query_as("PRAGMA journal_size_limit")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(limit, 64 * 1024 * 1024);
    }
    db.close().await;
    // A file made too open by someone else is closed up on the next start.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let db = kinboard_server::db::Db::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    assert_eq!(mode(&file), 0o600);
    db.close().await;
    let _ = std::fs::remove_dir_all(&scratch);
}

both! {
    async fn the_embedded_relay_serves_no_public_channel(s) {
        let realtime = s.call(reqwest::Method::GET, "/api/realtime", None, None).await;
        let key = realtime.body["key"].as_str().unwrap().to_owned();
        let client = pusher_client::PusherClient::connect(pusher_client::ClientOptions::new(
            pusher_client::Endpoint::host("127.0.0.1", s.port(), false),
            key,
        ));
        let mut news = client.subscribe("news").unwrap();
        let first = tokio::time::timeout(std::time::Duration::from_secs(10), news.next())
            .await
            .expect("an answer in time");
        assert!(
            matches!(first, Some(pusher_client::SubscriptionEvent::Failed(_))),
            "a public channel was served: {first:?}"
        );
    }
}

both! {
    async fn a_request_for_a_name_the_server_does_not_answer_to_is_refused(s) {
        let f = s.family("Ana").await;
        let dashboard = format!("/api/families/{}/dashboard", f.id);
        let as_host = |host: &'static str, path: &str| {
            let path = path.to_owned();
            let token = f.parent.token.clone();
            async move { s.call_with(reqwest::Method::GET, &path, Some(&token), None, &[("host", host)]).await }
        };
        // A page's own name pointed at the household (DNS rebinding).
        for path in ["/api/info", dashboard.as_str(), "/app/anykey?protocol=7"] {
            let refused = as_host("rebind.attacker.example", path).await;
            assert!(refused.refused(403, "forbidden").contains("does not answer to the name"), "{path}");
        }
        // Its addresses and the family's own network names are fine.
        for host in ["127.0.0.1:8080", "192.168.1.20:8080", "[fe80::1]:8080", "parkers-laptop.local:8080", "kitchen"] {
            let r = as_host(host, &dashboard).await;
            assert_eq!(r.status, 200, "{host}: {}", r.body);
        }
    }
}

both! {
    async fn a_nul_character_is_refused_in_words_not_with_a_server_error(s) {
        let f = s.family("Ana").await;
        let r = s.call(reqwest::Method::POST, "/api/auth/sign-in", None,
            Some(json!({ "email": "\u{81}\u{0}", "password": "whatever it is" }))).await;
        assert!(r.refused(422, "invalid").contains("NUL"));
        let r = s.post(&format!("/api/families/{}/members", f.id), &f.parent.token, json!({ "name": "Mi\u{0}a" })).await;
        r.refused(422, "invalid");
        // A backslash and "u0000" as text are fine.
        let r = s.post(&format!("/api/families/{}/members", f.id), &f.parent.token, json!({ "name": "Mia \\u0000" })).await;
        assert_eq!(r.status, 201, "{}", r.body);
        s.get(&format!("/api/families/{}%00/dashboard", f.id), &f.parent.token).await.refused(404, "not_found");
    }
}
