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
