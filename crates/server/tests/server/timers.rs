//! Every timer action: the state change, the revision bump, and the exact
//! event a real subscriber receives; no-ops change and broadcast nothing;
//! `Idempotency-Key` replays.

use serde_json::{Value, json};

use crate::support::both;

fn timer_path(timer: &Value, action: &str) -> String {
    format!("/api/timers/{}/{action}", timer["id"].as_str().unwrap())
}

both! {
    async fn the_whole_timer_lifecycle_broadcasts_exactly_its_events(s) {
        let f = s.family("Ana").await;
        let mut events = s.subscribe(&f.parent.token, &f.id).await;
        let tok = &f.parent.token;

        // Start from a template.
        let t = s.post(&format!("/api/families/{}/templates", f.id), tok,
            json!({ "label": "Reading", "durationSeconds": 1200, "stars": 3 })).await;
        assert_eq!(t.status, 201, "{}", t.body);
        let template_id = t.body["template"]["id"].as_str().unwrap().to_owned();
        events.expect("template:added", json!({ "template": t.body["template"], "revision": t.body["revision"] })).await;
        let rev0 = s.revision(&f.id).await;
        let r = s.post(&format!("/api/families/{}/timers", f.id), tok,
            json!({ "templateId": template_id, "memberId": f.kids[1] })).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let timer = r.body["timer"].clone();
        assert_eq!(r.body["revision"], rev0 + 1);
        assert_eq!(s.revision(&f.id).await, rev0 + 1);
        assert_eq!(timer["label"], "Reading");
        assert_eq!(timer["state"], "running");
        assert_eq!(timer["durationMs"], 1_200_000);
        assert_eq!(timer["stars"], 3);
        assert_eq!(timer["templateId"], template_id.as_str());
        assert_eq!(timer["remainingMs"], Value::Null);
        assert_eq!(timer["endsAt"].as_i64().unwrap() - timer["startedAt"].as_i64().unwrap(), 1_200_000);
        for key in ["id", "familyId", "memberId", "updatedAt"] {
            assert!(!timer[key].is_null(), "timer lacks {key}");
        }
        events.expect("timer:started", json!({ "timer": timer, "revision": rev0 + 1 })).await;

        // Pause.
        let r = s.post(&timer_path(&timer, "pause"), tok, json!({})).await;
        let paused = r.ok()["timer"].clone();
        assert_eq!(paused["state"], "paused");
        assert_eq!(paused["endsAt"], Value::Null);
        let left = paused["remainingMs"].as_i64().unwrap();
        assert!(left > 1_190_000 && left <= 1_200_000, "{left}");
        assert_eq!(r.body["revision"], rev0 + 2);
        events.expect("timer:updated", json!({ "timer": paused, "revision": rev0 + 2 })).await;

        // Pausing again is a no-op: same revision, no event (the next event
        // the subscriber sees is the resume's).
        let again = s.post(&timer_path(&timer, "pause"), tok, json!({})).await;
        assert_eq!(again.ok()["revision"], rev0 + 2);
        assert_eq!(again.body["timer"], paused);
        assert_eq!(s.revision(&f.id).await, rev0 + 2);

        // Resume.
        let r = s.post(&timer_path(&timer, "resume"), tok, json!({})).await;
        let resumed = r.ok()["timer"].clone();
        assert_eq!(resumed["state"], "running");
        assert_eq!(resumed["remainingMs"], Value::Null);
        assert_eq!(resumed["endsAt"].as_i64().unwrap() - resumed["updatedAt"].as_i64().unwrap(), left);
        events.expect("timer:updated", json!({ "timer": resumed, "revision": rev0 + 3 })).await;
        let noop = s.post(&timer_path(&timer, "resume"), tok, json!({})).await;
        assert_eq!(noop.ok()["revision"], rev0 + 3);

        // Extend by a minute.
        let r = s.post(&timer_path(&timer, "extend"), tok, json!({ "seconds": 60 })).await;
        let extended = r.ok()["timer"].clone();
        assert_eq!(extended["endsAt"].as_i64().unwrap(), resumed["endsAt"].as_i64().unwrap() + 60_000);
        assert_eq!(extended["durationMs"], 1_260_000);
        events.expect("timer:updated", json!({ "timer": extended, "revision": rev0 + 4 })).await;

        // Sync re-announces.
        let r = s.post(&timer_path(&timer, "sync"), tok, json!({})).await;
        let synced = r.ok()["timer"].clone();
        assert_eq!(synced["endsAt"], extended["endsAt"]);
        events.expect("timer:updated", json!({ "timer": synced, "revision": rev0 + 5 })).await;

        // Confirm: completed, then the stars with a revision of their own.
        let r = s.post(&timer_path(&timer, "confirm"), tok, json!({})).await;
        let done = r.ok()["timer"].clone();
        assert_eq!(done["state"], "completed");
        assert_eq!(r.body["revision"], rev0 + 7);
        events.expect("timer:completed", json!({ "timer": done, "starsAwarded": 3, "revision": rev0 + 6 })).await;
        events.expect("stars:updated", json!({ "memberId": f.kids[1], "newBalance": 3, "weeklyStars": 3, "revision": rev0 + 7 })).await;
        let again = s.post(&timer_path(&timer, "confirm"), tok, json!({})).await;
        assert_eq!(again.ok()["revision"], rev0 + 7);
        s.post(&timer_path(&timer, "pause"), tok, json!({})).await.err(409);
        assert_eq!(s.count(&format!("SELECT balance FROM members WHERE id = '{}'", f.kids[1])).await, 3);

        // A one-off timer, cancelled.
        let (other, rev) = s.start_timer(&f, 300).await;
        assert_eq!(rev, rev0 + 8);
        assert_eq!(other["templateId"], Value::Null);
        events.expect("timer:started", json!({ "timer": other, "revision": rev0 + 8 })).await;
        let r = s.post(&timer_path(&other, "cancel"), tok, json!({})).await;
        assert_eq!(r.ok()["timer"]["state"], "cancelled");
        events.expect("timer:cancelled", json!({ "timerId": other["id"], "revision": rev0 + 9 })).await;
        let again = s.post(&timer_path(&other, "cancel"), tok, json!({})).await;
        assert_eq!(again.ok()["revision"], rev0 + 9);
        s.post(&timer_path(&other, "confirm"), tok, json!({})).await.err(409);

        // The dashboard shows no active timers and the final revision.
        let dash = s.get(&format!("/api/families/{}/dashboard", f.id), tok).await;
        assert_eq!(dash.ok()["revision"], rev0 + 9);
        assert_eq!(dash.body["activeTimers"], json!([]));
        assert_eq!(dash.body["weeklyStars"][1]["stars"], 3);

        // Nothing else was broadcast: the next event is this marker's.
        let (marker, _) = s.start_timer(&f, 60).await;
        events.expect("timer:started", json!({ "timer": marker, "revision": rev0 + 10 })).await;
    }

    async fn idempotency_keys_replay_the_first_reply(s) {
        let f = s.family("Ana").await;
        let mut events = s.subscribe(&f.parent.token, &f.id).await;
        let path = format!("/api/families/{}/timers", f.id);
        let body = json!({ "memberId": f.kids[0], "label": "Piano", "durationSeconds": 600, "stars": 1 });
        let first = s.call_with(reqwest::Method::POST, &path, Some(&f.parent.token), Some(body.clone()),
            &[("idempotency-key", "tap-1")]).await;
        assert_eq!(first.status, 201);
        let retry = s.call_with(reqwest::Method::POST, &path, Some(&f.parent.token), Some(body.clone()),
            &[("idempotency-key", "tap-1")]).await;
        assert_eq!(retry.status, 201);
        assert_eq!(retry.body["timer"], first.body["timer"]);
        assert_eq!(retry.body["revision"], first.body["revision"]);
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM timers WHERE family_id = '{}'", f.id)).await, 1);
        events.expect("timer:started", json!({ "timer": first.body["timer"], "revision": first.body["revision"] })).await;

        let ext = timer_path(&first.body["timer"], "extend");
        let e1 = s.call_with(reqwest::Method::POST, &ext, Some(&f.parent.token), Some(json!({ "seconds": 30 })),
            &[("idempotency-key", "ext-1")]).await;
        let e2 = s.call_with(reqwest::Method::POST, &ext, Some(&f.parent.token), Some(json!({ "seconds": 30 })),
            &[("idempotency-key", "ext-1")]).await;
        assert_eq!(e1.ok()["timer"], e2.ok()["timer"]);
        assert_eq!(e1.body["timer"]["durationMs"], 630_000);
        events.expect("timer:updated", json!({ "timer": e1.body["timer"], "revision": e1.body["revision"] })).await;

        let stars = format!("/api/families/{}/members/{}/stars", f.id, f.kids[0]);
        let s1 = s.call_with(reqwest::Method::POST, &stars, Some(&f.parent.token),
            Some(json!({ "amount": 5, "reason": "helped" })), &[("idempotency-key", "st-1")]).await;
        let s2 = s.call_with(reqwest::Method::POST, &stars, Some(&f.parent.token),
            Some(json!({ "amount": 5, "reason": "helped" })), &[("idempotency-key", "st-1")]).await;
        assert_eq!(s1.ok()["newBalance"], 5);
        assert_eq!(s2.ok()["newBalance"], 5);
        assert_eq!(s2.body["revision"], s1.body["revision"]);
        events.expect("stars:updated", json!({ "memberId": f.kids[0], "newBalance": 5, "weeklyStars": 5, "revision": s1.body["revision"] })).await;
        // A different key applies again.
        let s3 = s.call_with(reqwest::Method::POST, &stars, Some(&f.parent.token),
            Some(json!({ "amount": 5, "reason": "helped" })), &[("idempotency-key", "st-2")]).await;
        assert_eq!(s3.ok()["newBalance"], 10);
        events.expect("stars:updated", json!({ "memberId": f.kids[0], "newBalance": 10, "weeklyStars": 10, "revision": s3.body["revision"] })).await;
    }

    async fn syncing_a_finished_timer_changes_and_broadcasts_nothing(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let mut events = s.subscribe(tok, &f.id).await;
        let (cancelled, rev) = s.start_timer(&f, 600).await;
        events.expect("timer:started", json!({ "timer": cancelled, "revision": rev })).await;
        let r = s.post(&timer_path(&cancelled, "cancel"), tok, json!({})).await;
        let cancelled = r.ok()["timer"].clone();
        events.expect("timer:cancelled", json!({ "timerId": cancelled["id"], "revision": rev + 1 })).await;
        let (completed, rev) = s.start_timer(&f, 600).await;
        events.expect("timer:started", json!({ "timer": completed, "revision": rev })).await;
        let r = s.post(&timer_path(&completed, "confirm"), tok, json!({})).await;
        let completed = r.ok()["timer"].clone();
        let rev = r.body["revision"].as_i64().unwrap();
        events.expect("timer:completed", json!({ "timer": completed, "starsAwarded": 2, "revision": rev - 1 })).await;
        events.expect("stars:updated", json!({ "memberId": f.kids[0], "newBalance": 2, "weeklyStars": 2, "revision": rev })).await;

        for timer in [&cancelled, &completed] {
            let r = s.post(&timer_path(timer, "sync"), tok, json!({})).await;
            assert_eq!(r.ok()["revision"], rev, "{}", timer["state"]);
            assert_eq!(&r.body["timer"], timer);
        }
        assert_eq!(s.revision(&f.id).await, rev);
        // Nothing was broadcast: the next event is this marker's.
        let (marker, marker_rev) = s.start_timer(&f, 60).await;
        assert_eq!(marker_rev, rev + 1);
        events.expect("timer:started", json!({ "timer": marker, "revision": rev + 1 })).await;
    }

    async fn an_idempotency_key_reused_for_another_request_is_refused(s) {
        let f = s.family("Ana").await;
        let tok = f.parent.token.as_str();
        let mut events = s.subscribe(tok, &f.id).await;
        let keyed = |path: String, body: Value, key: &'static str| async move {
            s.call_with(reqwest::Method::POST, &path, Some(tok), Some(body), &[("idempotency-key", key)]).await
        };
        let reused = |r: crate::support::Resp| {
            let message = r.err(422);
            assert_eq!(r.body["error"]["code"], "idempotency_key_reused", "{}", r.body);
            assert!(message.contains("Idempotency-Key"), "{message}");
        };
        let start = format!("/api/families/{}/timers", f.id);
        let first = keyed(start.clone(), json!({ "memberId": f.kids[0], "label": "Piano", "durationSeconds": 600 }), "k-1").await;
        assert_eq!(first.status, 201, "{}", first.body);
        let timer = first.body["timer"].clone();
        events.expect("timer:started", json!({ "timer": timer, "revision": first.body["revision"] })).await;
        let revision = s.revision(&f.id).await;

        // The same key with another body is refused, not answered with the
        // first reply, and writes nothing.
        reused(keyed(start.clone(), json!({ "memberId": f.kids[0], "label": "Violin", "durationSeconds": 600 }), "k-1").await);
        reused(keyed(start.clone(), json!({ "memberId": f.kids[1], "label": "Piano", "durationSeconds": 600 }), "k-1").await);
        // The same body encoded differently (key order, spaces) is the same request.
        let r = s.http.post(format!("{}{start}", s.base)).bearer_auth(tok)
            .header("idempotency-key", "k-1").header("content-type", "application/json")
            .body(format!("{{ \"durationSeconds\": 600, \"label\": \"Piano\",  \"memberId\": \"{}\" }}", f.kids[0]))
            .send().await.unwrap();
        assert_eq!(r.status(), 201);
        let replay: Value = r.json().await.unwrap();
        assert_eq!(replay["timer"], timer);

        let extend = timer_path(&timer, "extend");
        keyed(extend.clone(), json!({ "seconds": 30 }), "e-1").await.ok();
        reused(keyed(extend.clone(), json!({ "seconds": 60 }), "e-1").await);
        let stars = format!("/api/families/{}/members/{}/stars", f.id, f.kids[0]);
        keyed(stars.clone(), json!({ "amount": 5, "reason": "helped" }), "s-1").await.ok();
        reused(keyed(stars.clone(), json!({ "amount": 50, "reason": "helped" }), "s-1").await);
        let chore = s.post(&format!("/api/families/{}/chores", f.id), tok, json!({ "title": "Dishes", "stars": 1 })).await;
        let complete = format!("/api/chores/{}/complete", chore.body["chore"]["id"].as_str().unwrap());
        keyed(complete.clone(), json!({ "memberId": f.kids[0] }), "c-1").await.ok();
        reused(keyed(complete.clone(), json!({ "memberId": f.kids[1] }), "c-1").await);

        let revision = revision + 1 + 1 + 1 + 2;
        assert_eq!(s.revision(&f.id).await, revision, "refused retries wrote nothing");
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM timers WHERE family_id = '{}'", f.id)).await, 1);
        assert_eq!(s.count(&format!("SELECT balance FROM members WHERE id = '{}'", f.kids[1])).await, 0);
        assert_eq!(s.count(&format!("SELECT balance FROM members WHERE id = '{}'", f.kids[0])).await, 6);
    }

    async fn idempotency_keys_are_pruned_after_a_day(s) {
        let f = s.family("Ana").await;
        let tok = f.parent.token.as_str();
        let start = format!("/api/families/{}/timers", f.id);
        let body = json!({ "memberId": f.kids[0], "label": "Piano", "durationSeconds": 600 });
        let keyed = |key: &'static str| {
            let (start, body) = (start.clone(), body.clone());
            async move {
                s.call_with(reqwest::Method::POST, &start, Some(tok), Some(body), &[("idempotency-key", key)]).await
            }
        };
        let old = keyed("old-tap").await;
        let fresh = keyed("fresh-tap").await;
        let day = 24 * 3600 * 1000;
        sqlx::query("UPDATE idempotency_keys SET created_at = created_at - $1 WHERE scope LIKE '%:old-tap'")
            .bind(day + 60_000).execute(&s.pool).await.unwrap();
        // Another instance's scheduler prunes on its first round.
        let other = crate::support::TestServer::start_on(
            crate::support::TestDb::borrowed(s.db.url.clone(), s.db.backend), |_| {}).await;
        other.wait_for_count("SELECT COUNT(*) FROM idempotency_keys WHERE scope LIKE '%:old-tap'", 0).await;
        assert_eq!(s.count("SELECT COUNT(*) FROM idempotency_keys WHERE scope LIKE '%:fresh-tap'").await, 1);
        other.stop().await;
        // The pruned key applies anew; the fresh one still replays.
        let again = keyed("old-tap").await;
        assert_eq!(again.status, 201);
        assert_ne!(again.body["timer"]["id"], old.body["timer"]["id"]);
        assert_eq!(keyed("fresh-tap").await.body["timer"], fresh.body["timer"]);
    }

    async fn templates_crud(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let rev = s.revision(&f.id).await;
        let r = s.post(&format!("/api/families/{}/templates", f.id), tok,
            json!({ "label": "Homework", "durationSeconds": 1500, "stars": 3 })).await;
        assert_eq!(r.status, 201);
        assert_eq!(r.body["revision"], rev + 1);
        let id = r.body["template"]["id"].as_str().unwrap().to_owned();
        let r = s.call(reqwest::Method::PATCH, &format!("/api/templates/{id}"), Some(tok),
            Some(json!({ "durationSeconds": 900 }))).await;
        assert_eq!(r.ok()["template"]["durationMs"], 900_000);
        assert_eq!(r.body["template"]["label"], "Homework");
        assert_eq!(r.body["revision"], rev + 2);
        assert_eq!(s.revision(&f.id).await, rev + 2);
        let list = s.get(&format!("/api/families/{}/templates", f.id), tok).await;
        assert_eq!(list.ok()["templates"].as_array().unwrap().len(), 1);
        let r = s.call(reqwest::Method::DELETE, &format!("/api/templates/{id}"), Some(tok), None).await;
        assert_eq!(r.ok()["deleted"], id.as_str());
        assert_eq!(r.body["revision"], rev + 3);
        assert_eq!(s.revision(&f.id).await, rev + 3);
        // Gone: a second delete is a 404 and bumps nothing.
        s.call(reqwest::Method::DELETE, &format!("/api/templates/{id}"), Some(tok), None).await.err(404);
        assert_eq!(s.revision(&f.id).await, rev + 3);
        let list = s.get(&format!("/api/families/{}/templates", f.id), tok).await;
        assert_eq!(list.ok()["templates"], json!([]));
        s.post(&format!("/api/families/{}/timers", f.id), tok, json!({ "templateId": id, "memberId": f.kids[0] })).await.err(404);
    }
}

/// Regression: an instance's cached copy of a timer went stale when another
/// instance changed it; actions must be decided on the stored row.
async fn stale_copies_are_decided_on_the_stored_row(backend: crate::support::Backend) {
    use crate::support::{TestDb, TestServer};
    let db = TestDb::create(backend).await;
    let url = db.url.clone();
    let one = TestServer::start_on(db, |_| {}).await;
    let two = TestServer::start_on(TestDb::borrowed(url, backend), |_| {}).await;
    let f = one.family("Ana").await;
    let (timer, rev) = one.start_timer(&f, 600).await;
    let pause = timer_path(&timer, "pause");
    let paused = two.post(&pause, &f.parent.token, json!({})).await;
    assert_eq!(paused.ok()["revision"], rev + 1);
    // Instance one still holds the running copy: pausing again is a no-op.
    let again = one.post(&pause, &f.parent.token, json!({})).await;
    assert_eq!(again.ok()["revision"], rev + 1);
    assert_eq!(again.body["timer"], paused.body["timer"]);
    let resumed = one
        .post(&timer_path(&timer, "resume"), &f.parent.token, json!({}))
        .await;
    assert_eq!(resumed.ok()["revision"], rev + 2);
    let left = paused.body["timer"]["remainingMs"].as_i64().unwrap();
    let t = &resumed.body["timer"];
    assert_eq!(
        t["endsAt"].as_i64().unwrap() - t["updatedAt"].as_i64().unwrap(),
        left
    );
    // And instance two's copy (paused) is stale now: resuming is a no-op.
    let again = two
        .post(&timer_path(&timer, "resume"), &f.parent.token, json!({}))
        .await;
    assert_eq!(again.ok()["revision"], rev + 2);
    assert_eq!(again.body["timer"], resumed.body["timer"]);
    two.stop().await;
    one.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_copies_are_decided_on_the_stored_row_sqlite() {
    stale_copies_are_decided_on_the_stored_row(crate::support::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_copies_are_decided_on_the_stored_row_postgres() {
    stale_copies_are_decided_on_the_stored_row(crate::support::Backend::Postgres).await;
}
