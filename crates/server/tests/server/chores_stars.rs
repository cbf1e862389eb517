//! Chores (CRUD, complete with stars) and the stars ledger (add, remove,
//! balance, weekly), each with its exact events.

use reqwest::Method;
use serde_json::json;

use crate::support::both;

both! {
    async fn chore_changes_bump_the_revision_once_each(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let rev = s.revision(&f.id).await;
        let r = s.post(&format!("/api/families/{}/chores", f.id), tok, json!({ "title": "Dishes", "stars": 1 })).await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["revision"], rev + 1);
        let chore = r.body["chore"]["id"].as_str().unwrap().to_owned();
        let r = s.call(Method::PATCH, &format!("/api/chores/{chore}"), Some(tok),
            Some(json!({ "title": "Dry the dishes", "memberId": f.kids[1] }))).await;
        assert_eq!(r.ok()["chore"]["title"], "Dry the dishes");
        assert_eq!(r.body["chore"]["memberId"], f.kids[1].as_str());
        assert_eq!(r.body["chore"]["stars"], 1);
        assert_eq!(r.body["revision"], rev + 2);
        assert_eq!(s.revision(&f.id).await, rev + 2);
        // A refused update bumps nothing.
        s.call(Method::PATCH, &format!("/api/chores/{chore}"), Some(tok), Some(json!({ "stars": -1 }))).await.err(422);
        assert_eq!(s.revision(&f.id).await, rev + 2);
        let r = s.call(Method::DELETE, &format!("/api/chores/{chore}"), Some(tok), None).await;
        assert_eq!(r.ok()["deleted"], chore.as_str());
        assert_eq!(r.body["revision"], rev + 3);
        assert_eq!(s.revision(&f.id).await, rev + 3);
        s.call(Method::DELETE, &format!("/api/chores/{chore}"), Some(tok), None).await.err(404);
        assert_eq!(s.revision(&f.id).await, rev + 3);
    }

    async fn completing_a_chore_awards_its_stars(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let mut events = s.subscribe(tok, &f.id).await;
        let r = s.post(&format!("/api/families/{}/chores", f.id), tok,
            json!({ "title": "Feed the cat", "stars": 2, "memberId": f.kids[0] })).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let chore = r.body["chore"]["id"].as_str().unwrap().to_owned();
        let rev = r.body["revision"].as_i64().unwrap();
        events.expect("chore:added", json!({ "chore": r.body["chore"], "revision": rev })).await;

        let r = s.post(&format!("/api/chores/{chore}/complete"), tok, json!({ "memberId": f.kids[1] })).await;
        let done = r.ok();
        assert_eq!(done["completedBy"], f.kids[1].as_str());
        assert_eq!(done["starsAwarded"], 2);
        assert_eq!(done["newBalance"], 2);
        assert_eq!(done["revision"], rev + 2);
        let list = s.get(&format!("/api/families/{}/chores", f.id), tok).await;
        let c = &list.ok()["chores"][0];
        assert_eq!(c["lastCompletedBy"], f.kids[1].as_str());
        let completed_at = c["lastCompletedAt"].as_i64().expect("a completion time");
        let cmp = done["completionId"].as_str().expect("a completion id").to_owned();
        assert_eq!(done["status"], "approved");
        // The day it counts for, in the family's zone (UTC here).
        let day = chrono::DateTime::from_timestamp_millis(completed_at).unwrap().format("%Y-%m-%d").to_string();
        assert_eq!(c["lastCompletionId"], cmp.as_str());
        events.expect("chore:completed", json!({ "choreId": chore, "completedBy": f.kids[1], "completedAt": completed_at, "completionId": cmp, "status": "approved", "day": day, "revision": rev + 1 })).await;
        events.expect("stars:updated", json!({ "memberId": f.kids[1], "newBalance": 2, "weeklyStars": 2, "revision": rev + 2 })).await;
        // The reply carries exactly what was broadcast, each with its revision.
        assert_eq!(done["events"], json!([
            { "event": "chore:completed", "data": { "choreId": chore, "completedBy": f.kids[1], "completedAt": completed_at, "completionId": cmp, "status": "approved", "day": day, "revision": rev + 1 } },
            { "event": "stars:updated", "data": { "memberId": f.kids[1], "newBalance": 2, "weeklyStars": 2, "revision": rev + 2 } },
        ]));

        let r = s.call(Method::PATCH, &format!("/api/chores/{chore}"), Some(tok), Some(json!({ "stars": 0, "title": "Feed the dog" }))).await;
        assert_eq!(r.ok()["chore"]["title"], "Feed the dog");
        events.expect("chore:updated", json!({ "chore": r.body["chore"], "revision": r.body["revision"] })).await;
        // A chore worth nothing completes without a stars event (the other
        // child: the first has done it today).
        let r = s.post(&format!("/api/chores/{chore}/complete"), tok, json!({ "memberId": f.kids[0] })).await;
        let rev2 = r.ok()["revision"].as_i64().unwrap();
        let (name, data) = events.next().await;
        assert_eq!((name.as_str(), &data["choreId"], &data["revision"]), ("chore:completed", &json!(chore), &json!(rev2)));
        assert_eq!(r.body["events"].as_array().map(Vec::len), Some(1), "{}", r.body);
        let r = s.call(Method::DELETE, &format!("/api/chores/{chore}"), Some(tok), None).await;
        events.expect("chore:removed", json!({ "choreId": chore, "revision": r.ok()["revision"] })).await;
        let marker = s.post(&format!("/api/families/{}/members/{}/stars", f.id, f.kids[0]), tok,
            json!({ "amount": 1, "reason": "marker" })).await;
        events.expect("stars:updated", json!({ "memberId": f.kids[0], "newBalance": 1, "weeklyStars": 1, "revision": marker.body["revision"] })).await;
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM chores WHERE family_id = '{}'", f.id)).await, 0);
    }

    async fn stars_ledger_balance_and_weekly(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let mut events = s.subscribe(tok, &f.id).await;
        let path = format!("/api/families/{}/members/{}/stars", f.id, f.kids[0]);
        let r = s.post(&path, tok, json!({ "amount": 7, "reason": "great week" })).await;
        assert_eq!(r.ok()["newBalance"], 7);
        assert_eq!(r.body["entry"]["reason"], "great week");
        events.expect("stars:updated", json!({ "memberId": f.kids[0], "newBalance": 7, "weeklyStars": 7, "revision": r.body["revision"] })).await;
        let r = s.post(&path, tok, json!({ "amount": -3, "reason": "spent on a treat" })).await;
        assert_eq!(r.ok()["newBalance"], 4);
        events.expect("stars:updated", json!({ "memberId": f.kids[0], "newBalance": 4, "weeklyStars": 4, "revision": r.body["revision"] })).await;
        // Never below zero; nothing written.
        let before = s.revision(&f.id).await;
        let r = s.post(&path, tok, json!({ "amount": -5, "reason": "too much" })).await;
        assert!(r.refused(409, "insufficient_stars").contains("not enough stars"));
        assert_eq!(s.revision(&f.id).await, before);
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM star_entries WHERE member_id = '{}'", f.kids[0])).await, 2);

        let r = s.get(&path, tok).await;
        let b = r.ok();
        assert_eq!(b["balance"], 4);
        assert_eq!(b["weekly"], 4);
        assert_eq!(b["entries"].as_array().unwrap().len(), 2);
        assert_eq!(b["entries"][0]["amount"], -3);

        // Entries before this week's Monday do not count as weekly stars.
        sqlx::query("UPDATE star_entries SET created_at = created_at - 8 * 86400000 WHERE amount = 7")
            .execute(&s.pool).await.unwrap();
        let dash = s.get(&format!("/api/families/{}/dashboard", f.id), tok).await;
        let w = &dash.ok()["weeklyStars"][0];
        assert_eq!(w["memberId"], f.kids[0].as_str());
        assert_eq!(w["stars"], -3);
        assert_eq!(dash.body["members"][0]["balance"], 4);
    }
}
