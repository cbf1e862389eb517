//! Concurrency: 50 parallel actions on one family get 50 consecutive
//! revisions, and the subscriber receives their events in revision order.

use serde_json::json;

use crate::support::both;

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
                (format!("/api/members/{member}"), json!({ "color": format!("#0000{round:02x}") })),
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
            assert_eq!(m, (format!("M{round}"), format!("#0000{round:02x}")), "round {round}");
        }
    }
}
