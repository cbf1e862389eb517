//! Chores on a schedule, once a day, undone: the server decides what is
//! due today and what was done, in the family's time zone, and a
//! completion taken back gives its stars back in a new ledger entry.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{TestServer, both};

/// Today's ISO weekday where the family lives (Europe/Madrid).
fn madrid_weekday() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    i64::from(kinboard_server::calendar::local_day("Europe/Madrid", now).1)
}

async fn chore(s: &TestServer, family: &str, token: &str, body: Value) -> Value {
    let r = s
        .post(&format!("/api/families/{family}/chores"), token, body)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["chore"].clone()
}

async fn balance(s: &TestServer, member: &str) -> i64 {
    s.count(&format!(
        "SELECT balance FROM members WHERE id = '{member}'"
    ))
    .await
}

both! {
    async fn a_chore_is_due_on_its_days_in_the_familys_zone(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        s.call(Method::PATCH, &format!("/api/families/{}", f.id), Some(tok), Some(json!({ "timeZone": "Europe/Madrid" }))).await.ok();
        let today = madrid_weekday();
        let other = today % 7 + 1;
        let due = chore(s, &f.id, tok, json!({ "title": "Bins", "stars": 1, "days": [today] })).await;
        assert_eq!((due["days"].clone(), due["dueToday"].clone()), (json!([today]), json!(true)));
        let not_due = chore(s, &f.id, tok, json!({ "title": "Laundry", "stars": 3, "days": [other, other] })).await;
        assert_eq!((not_due["days"].clone(), not_due["dueToday"].clone()), (json!([other]), json!(false)));
        let every = chore(s, &f.id, tok, json!({ "title": "Bed", "days": [1, 2, 3, 4, 5, 6, 7] })).await;
        assert_eq!(every["days"], json!([]), "all seven is every day");

        let before = s.revision(&f.id).await;
        let id = not_due["id"].as_str().unwrap();
        let r = s.post(&format!("/api/chores/{id}/complete"), tok, json!({ "memberId": f.kids[0] })).await;
        assert!(r.refused(409, "not_due_today").contains("schedule"));
        assert_eq!((s.revision(&f.id).await, balance(s, &f.kids[0]).await), (before, 0), "nothing written");

        // Moved to today, it is due and can be done.
        let r = s.call(Method::PATCH, &format!("/api/chores/{id}"), Some(tok), Some(json!({ "days": [today] }))).await;
        assert_eq!(r.ok()["chore"]["dueToday"], true);
        s.post(&format!("/api/chores/{id}/complete"), tok, json!({ "memberId": f.kids[0] })).await.ok();
        assert_eq!(balance(s, &f.kids[0]).await, 3);
        let board = s.get(&format!("/api/families/{}/dashboard", f.id), tok).await;
        let listed: Vec<(Value, Value)> = board.ok()["chores"].as_array().unwrap().iter()
            .map(|c| (c["title"].clone(), c["dueToday"].clone())).collect();
        assert!(listed.contains(&(json!("Laundry"), json!(true))), "{listed:?}");

        // Bad days are refused and write nothing.
        let before = s.revision(&f.id).await;
        for days in [json!([0]), json!([8]), json!([-1]), json!([1, 99])] {
            let r = s.post(&format!("/api/families/{}/chores", f.id), tok, json!({ "title": "X", "days": days })).await;
            assert!(r.refused(422, "invalid").contains("day of the week"), "{days}");
            s.call(Method::PATCH, &format!("/api/chores/{id}"), Some(tok), Some(json!({ "days": days }))).await.refused(422, "invalid");
        }
        s.call(Method::PATCH, &format!("/api/chores/{id}"), Some(tok), Some(json!({ "days": ["monday"] }))).await.refused(422, "invalid");
        assert_eq!(s.revision(&f.id).await, before);
    }

    async fn the_day_turns_at_the_familys_midnight_not_the_servers(s) {
        // Pago Pago is UTC−11, Kiritimati UTC+14: whatever the hour, their
        // dates differ. A family that moves between them crosses its own
        // midnight while the server's clock does not.
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let family = format!("/api/families/{}", f.id);
        let zone = |z: &str| s.call(Method::PATCH, &family, Some(tok), Some(json!({ "timeZone": z })));
        zone("Pacific/Pago_Pago").await.ok();
        let c = chore(s, &f.id, tok, json!({ "title": "Dishes", "stars": 2 })).await;
        let complete = format!("/api/chores/{}/complete", c["id"].as_str().unwrap());
        let mia = json!({ "memberId": f.kids[0] });
        s.post(&complete, tok, mia.clone()).await.ok();
        s.post(&complete, tok, mia.clone()).await.refused(409, "already_done_today");
        zone("Pacific/Kiritimati").await.ok();
        // A new day there: due and not done yet.
        let board = s.get(&format!("/api/families/{}/dashboard", f.id), tok).await;
        assert_eq!(board.ok()["completions"], json!([]), "yesterday's does not show as today's");
        s.post(&complete, tok, mia.clone()).await.ok();
        assert_eq!(balance(s, &f.kids[0]).await, 4);
        // Back: that day is done already.
        zone("Pacific/Pago_Pago").await.ok();
        s.post(&complete, tok, mia.clone()).await.refused(409, "already_done_today");
        assert_eq!(balance(s, &f.kids[0]).await, 4);
        let days = s.count(&format!("SELECT COUNT(DISTINCT day) FROM chore_completions WHERE member_id = '{}'", f.kids[0])).await;
        assert_eq!(days, 2);
    }

    async fn a_chore_counts_once_a_day_per_child_however_often_it_is_tapped(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let kiosk = s.post(&format!("/api/families/{}/kiosks", f.id), tok, json!({ "name": "K" })).await
            .body["token"].as_str().unwrap().to_owned();
        let c = chore(s, &f.id, tok, json!({ "title": "Dishes", "stars": 2 })).await;
        let id = c["id"].as_str().unwrap().to_owned();
        let complete = format!("/api/chores/{id}/complete");
        // Twenty taps at once, from the kitchen screen: one counts.
        let taps = (0..20).map(|_| s.post(&complete, &kiosk, json!({ "memberId": f.kids[0] })));
        let replies = futures_util::future::join_all(taps).await;
        let ok = replies.iter().filter(|r| r.status == 200).count();
        assert_eq!(ok, 1, "{:?}", replies.iter().map(|r| (r.status, r.body.to_string())).collect::<Vec<_>>());
        for r in replies.iter().filter(|r| r.status != 200) {
            assert_eq!((r.status, r.body["error"]["code"].as_str()), (409, Some("already_done_today")));
        }
        assert_eq!(balance(s, &f.kids[0]).await, 2);
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM star_entries WHERE member_id = '{}'", f.kids[0])).await, 1);
        // The other child may do it too, once.
        s.post(&complete, &kiosk, json!({ "memberId": f.kids[1] })).await.ok();
        s.post(&complete, tok, json!({ "memberId": f.kids[1] })).await.refused(409, "already_done_today");
        assert_eq!(balance(s, &f.kids[1]).await, 2);
    }

    async fn a_completion_is_undone_by_its_screen_for_seconds_and_by_a_parent_any_time(s) {
        let f = s.family("Ana").await;
        let other = s.family("Ben").await;
        let tok = &f.parent.token;
        let kiosk = s.post(&format!("/api/families/{}/kiosks", f.id), tok, json!({ "name": "K" })).await
            .body["token"].as_str().unwrap().to_owned();
        let hall = s.post(&format!("/api/families/{}/kiosks", f.id), tok, json!({ "name": "Hall" })).await
            .body["token"].as_str().unwrap().to_owned();
        let c = chore(s, &f.id, tok, json!({ "title": "Dishes", "stars": 2 })).await;
        let complete = format!("/api/chores/{}/complete", c["id"].as_str().unwrap());
        let done = s.post(&complete, &kiosk, json!({ "memberId": f.kids[0] })).await.ok().clone();
        let cmp = done["completionId"].as_str().unwrap().to_owned();
        let undo = format!("/api/completions/{cmp}/undo");

        // Another family's parent: as if it did not exist. Another screen: no.
        s.post(&undo, &other.parent.token, json!({})).await.refused(404, "not_found");
        s.post(&undo, &hall, json!({})).await.refused(403, "undo_expired");
        let mut events = s.subscribe(tok, &f.id).await;
        let before = s.revision(&f.id).await;
        let r = s.post(&undo, &kiosk, json!({})).await;
        let undone = r.ok().clone();
        assert_eq!((undone["status"].clone(), undone["newBalance"].clone()), (json!("undone"), json!(0)));
        let (name, data) = events.next().await;
        assert_eq!((name.as_str(), &data["completionId"], &data["newBalance"], &data["lastCompletion"]),
            ("chore:undone", &json!(cmp), &json!(0), &Value::Null));
        assert_eq!(data["revision"], before + 1);
        let (name, data) = events.next().await;
        assert_eq!((name.as_str(), &data["newBalance"], &data["revision"]), ("stars:updated", &json!(0), &json!(before + 2)));
        assert_eq!(undone["events"].as_array().map(Vec::len), Some(2));
        // The ledger keeps both lines; the chore is not done any more.
        let entries: Vec<(i64,)> = sqlx::query_as(&format!("SELECT amount FROM star_entries WHERE member_id = '{}' ORDER BY created_at, id", f.kids[0]))
            .fetch_all(&s.pool).await.unwrap();
        assert_eq!(entries, [(2,), (-2,)]);
        s.post(&undo, tok, json!({})).await.refused(409, "already_undone");
        assert_eq!(s.revision(&f.id).await, before + 2);

        // Done again: past its window the kitchen screen cannot undo; a
        // parent can, any time.
        let again = s.post(&complete, &kiosk, json!({ "memberId": f.kids[0] })).await.ok().clone();
        let cmp2 = again["completionId"].as_str().unwrap().to_owned();
        sqlx::query(&format!("UPDATE chore_completions SET completed_at = completed_at - 11000 WHERE id = '{cmp2}'"))
            .execute(&s.pool).await.unwrap();
        let undo2 = format!("/api/completions/{cmp2}/undo");
        s.post(&undo2, &kiosk, json!({})).await.refused(403, "undo_expired");
        assert_eq!(balance(s, &f.kids[0]).await, 2);
        s.post(&undo2, tok, json!({})).await.ok();
        assert_eq!(balance(s, &f.kids[0]).await, 0);
        s.post("/api/completions/cmp_nope/undo", tok, json!({})).await.refused(404, "not_found");
    }
}
