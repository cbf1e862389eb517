//! Concurrency: 50 parallel actions on one family get 50 consecutive
//! revisions, and the subscriber receives their events in revision order.

use serde_json::json;

use crate::support::both;

/// The board colour for round `round`.
fn colour(round: i64) -> String {
    let colours = kinboard_api::CHILD_COLORS;
    colours[usize::try_from(round).unwrap() % colours.len()]
        .1
        .to_owned()
}

both! {
    async fn fifty_parallel_actions_get_consecutive_revisions(s) {
        let f = s.family("Ana").await;
        let mut events = s.subscribe(&f.parent.token, &f.id).await;
        let base = s.revision(&f.id).await;
        let mut tasks = Vec::new();
        for i in 0..50 {
            let http = s.http.clone();
            let token = f.parent.token.clone();
            let kid = f.kids[i % 2].clone();
            let url = if i % 2 == 0 {
                format!("{}/api/families/{}/timers", s.base, f.id)
            } else {
                format!("{}/api/families/{}/members/{kid}/stars", s.base, f.id)
            };
            let body = if i % 2 == 0 {
                json!({ "memberId": kid, "label": format!("T{i}"), "durationSeconds": 600 })
            } else {
                json!({ "amount": 1, "reason": format!("R{i}") })
            };
            tasks.push(tokio::spawn(async move {
                let r = http.post(url).bearer_auth(token).json(&body).send().await.unwrap();
                assert!(r.status().is_success(), "{}", r.status());
                r.json::<serde_json::Value>().await.unwrap()["revision"].as_i64().unwrap()
            }));
        }
        let mut revisions = Vec::new();
        for t in tasks {
            revisions.push(t.await.unwrap());
        }
        revisions.sort_unstable();
        assert_eq!(revisions, (base + 1..=base + 50).collect::<Vec<_>>(), "no gaps, no duplicates");
        assert_eq!(s.revision(&f.id).await, base + 50);
        let mut last = base;
        for _ in 0..50 {
            let (_, payload) = events.next().await;
            let revision = payload["revision"].as_i64().unwrap();
            assert_eq!(revision, last + 1, "events arrive in commit order");
            last = revision;
        }
        assert_eq!(s.count(&format!("SELECT balance FROM members WHERE id = '{}'", f.kids[1])).await, 25);
    }
}

both! {
    async fn parallel_patches_of_different_fields_lose_none(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let template = s.post(&format!("/api/families/{}/templates", f.id), tok,
            json!({ "label": "T", "durationSeconds": 60 })).await.body["template"]["id"].as_str().unwrap().to_owned();
        let chore = s.post(&format!("/api/families/{}/chores", f.id), tok, json!({ "title": "C" })).await
            .body["chore"]["id"].as_str().unwrap().to_owned();
        let member = f.kids[0].clone();
        for round in 0..8_i64 {
            let patches = [
                (format!("/api/templates/{template}"), json!({ "label": format!("T{round}") })),
                (format!("/api/templates/{template}"), json!({ "durationSeconds": 100 + round })),
                (format!("/api/templates/{template}"), json!({ "stars": round })),
                (format!("/api/chores/{chore}"), json!({ "title": format!("C{round}") })),
                (format!("/api/chores/{chore}"), json!({ "stars": round })),
                (format!("/api/chores/{chore}"), json!({ "memberId": f.kids[usize::try_from(round).unwrap() % 2] })),
                (format!("/api/members/{member}"), json!({ "name": format!("M{round}") })),
                (format!("/api/members/{member}"), json!({ "color": colour(round) })),
            ];
            let tasks: Vec<_> = patches
                .into_iter()
                .map(|(path, body)| {
                    let req = s.http.patch(format!("{}{path}", s.base)).bearer_auth(tok).json(&body);
                    tokio::spawn(async move {
                        let r = req.send().await.unwrap();
                        assert!(r.status().is_success(), "{path} {body}: {}", r.status());
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            // Each PATCH changed only its own field; none undid another's.
            let t: (String, i64, i64) = sqlx::query_as("SELECT label, duration_ms, stars FROM templates WHERE id = $1")
                .bind(&template).fetch_one(&s.pool).await.unwrap();
            assert_eq!(t, (format!("T{round}"), (100 + round) * 1000, round), "round {round}");
            let c: (String, i64, Option<String>) = sqlx::query_as("SELECT title, stars, member_id FROM chores WHERE id = $1")
                .bind(&chore).fetch_one(&s.pool).await.unwrap();
            assert_eq!(c, (format!("C{round}"), round, Some(f.kids[usize::try_from(round).unwrap() % 2].clone())), "round {round}");
            let m: (String, String) = sqlx::query_as("SELECT name, color FROM members WHERE id = $1")
                .bind(&member).fetch_one(&s.pool).await.unwrap();
            assert_eq!(m, (format!("M{round}"), colour(round)), "round {round}");
        }
    }
}

both! {
    /// Pause, resume and extend, sent at once on one timer and across
    /// timers, through both write paths (unkeyed extends try the guarded
    /// write committed on its own; keyed ones run in the family's
    /// transaction), race for the same rows.
    async fn parallel_timer_actions_keep_revisions_whole_and_events_in_commit_order(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let mut timers = Vec::new();
        for i in 0..3 {
            let r = s.post(&format!("/api/families/{}/timers", f.id), tok,
                json!({ "memberId": f.kids[i % 2], "label": format!("T{i}"), "durationSeconds": 3600 })).await;
            timers.push(r.ok()["timer"]["id"].as_str().unwrap().to_owned());
        }
        let mut events = s.subscribe(tok, &f.id).await;
        let base = s.revision(&f.id).await;
        let mut tasks = Vec::new();
        for i in 0..60 {
            let timer = timers[i % 3].clone();
            let (action, body) = match (i / 3) % 3 {
                0 => ("pause", json!({})),
                1 => ("resume", json!({})),
                _ => ("extend", json!({ "seconds": 1 })),
            };
            let mut req = s.http.post(format!("{}/api/timers/{timer}/{action}", s.base)).bearer_auth(tok).json(&body);
            if i % 2 == 0 {
                req = req.header("idempotency-key", format!("key-{i}"));
            }
            tasks.push(tokio::spawn(async move {
                let r = req.send().await.unwrap();
                assert!(r.status().is_success(), "{action}: {}", r.status());
                r.json::<serde_json::Value>().await.unwrap()
            }));
        }
        // Every change any reply reports, by revision.
        let mut reported = std::collections::BTreeMap::new();
        for t in tasks {
            let reply = t.await.unwrap();
            let listed = reply["events"].as_array().unwrap();
            assert!(listed.len() <= 1, "{reply}");
            if let Some(event) = listed.first() {
                assert_eq!(event["data"]["revision"], reply["revision"], "{reply}");
                let revision = reply["revision"].as_i64().unwrap();
                assert!(reported.insert(revision, event.clone()).is_none(), "revision {revision} reported twice");
            }
        }
        let changes = i64::try_from(reported.len()).unwrap();
        assert!(changes >= 20, "every extend changes its timer: {changes}");
        assert_eq!(reported.keys().copied().collect::<Vec<_>>(), (base + 1..=base + changes).collect::<Vec<_>>(),
            "no gaps, no duplicates");
        assert_eq!(s.revision(&f.id).await, base + changes, "a no-op bumps nothing");
        // The channel carries exactly what the replies said, in commit order.
        for revision in base + 1..=base + changes {
            let (name, data) = events.next().await;
            let reply = &reported[&revision];
            assert_eq!((name.as_str(), &data), (reply["event"].as_str().unwrap(), &reply["data"]), "revision {revision}");
        }
        // And each timer is stored as its last event left it.
        for timer in &timers {
            let last = reported.values().rev().find(|e| e["data"]["timer"]["id"] == timer.as_str()).unwrap();
            let stored: (String, i64, Option<i64>, Option<i64>) = sqlx::query_as(
                "SELECT state, duration_ms, ends_at, remaining_ms FROM timers WHERE id = $1")
                .bind(timer).fetch_one(&s.pool).await.unwrap();
            let t = &last["data"]["timer"];
            assert_eq!(stored, (t["state"].as_str().unwrap().to_owned(), t["durationMs"].as_i64().unwrap(),
                t["endsAt"].as_i64(), t["remainingMs"].as_i64()), "{timer}");
        }
    }
}
