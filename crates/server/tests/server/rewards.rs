//! Stars that wait for a parent, stars that are spent, stars taken back,
//! and the history of them: parent approval of a kitchen screen's chores,
//! the rewards catalogue and redeeming (the PIN on a kitchen screen, never
//! below zero, never past the weekly limit, however many arrive at once),
//! undoing a star change, and the ledger per week and as CSV. Each on
//! SQLite and PostgreSQL.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Fam, TestServer, both};

const PIN: &str = "2468";

async fn balance(s: &TestServer, member: &str) -> i64 {
    s.count(&format!(
        "SELECT balance FROM members WHERE id = '{member}'"
    ))
    .await
}

/// A kitchen screen's token, with the family's PIN set.
async fn kitchen(s: &TestServer, f: &Fam) -> String {
    let tok = &f.parent.token;
    s.call(
        Method::PUT,
        &format!("/api/families/{}/pin", f.id),
        Some(tok),
        Some(json!({ "pin": PIN })),
    )
    .await
    .ok();
    s.post(
        &format!("/api/families/{}/kiosks", f.id),
        tok,
        json!({ "name": "Kitchen" }),
    )
    .await
    .body["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn with_pin(
    s: &TestServer,
    path: &str,
    token: &str,
    body: Value,
    pin: &str,
) -> crate::support::Resp {
    s.call_with(
        Method::POST,
        path,
        Some(token),
        Some(body),
        &[("x-kinboard-pin", pin)],
    )
    .await
}

/// Gives `member` stars as a parent; the new entry's id.
async fn give(s: &TestServer, f: &Fam, member: &str, amount: i64) -> String {
    let r = s
        .post(
            &format!("/api/families/{}/members/{member}/stars", f.id),
            &f.parent.token,
            json!({ "amount": amount, "reason": "for being kind" }),
        )
        .await;
    r.ok()["entry"]["id"].as_str().unwrap().to_owned()
}

async fn reward(s: &TestServer, f: &Fam, body: Value) -> Value {
    let r = s
        .post(
            &format!("/api/families/{}/rewards", f.id),
            &f.parent.token,
            body,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["reward"].clone()
}

both! {
    async fn a_kitchen_screens_chore_waits_for_a_parent_who_approves_or_rejects_it(s) {
        let f = s.family("Ana").await;
        let other = s.family("Ben").await;
        let tok = &f.parent.token;
        let kiosk = kitchen(s, &f).await;
        let mut events = s.subscribe(tok, &f.id).await;
        let r = s.call(Method::PATCH, &format!("/api/families/{}", f.id), Some(tok), Some(json!({ "choreApproval": "parent" }))).await;
        assert_eq!(r.ok()["family"]["choreApproval"], "parent");
        let (name, data) = events.next().await;
        assert_eq!((name.as_str(), &data["family"]["choreApproval"]), ("family:updated", &json!("parent")));
        let c = s.post(&format!("/api/families/{}/chores", f.id), tok, json!({ "title": "Dishes", "stars": 3 })).await;
        let chore = c.body["chore"]["id"].as_str().unwrap().to_owned();
        events.next().await;
        let complete = format!("/api/chores/{chore}/complete");

        // From the kitchen screen: pending, nothing awarded, one event.
        let done = s.post(&complete, &kiosk, json!({ "memberId": f.kids[0] })).await.ok().clone();
        assert_eq!((done["status"].clone(), done["starsAwarded"].clone(), done["newBalance"].clone()),
            (json!("pending"), json!(0), json!(0)));
        assert_eq!(done["events"].as_array().map(Vec::len), Some(1));
        let cmp = done["completionId"].as_str().unwrap().to_owned();
        let (name, data) = events.next().await;
        assert_eq!((name.as_str(), &data["status"], &data["completionId"]), ("chore:completed", &json!("pending"), &json!(cmp)));
        // Every screen sees it wait; it counts as done today (no second one).
        for token in [tok.as_str(), kiosk.as_str()] {
            let board = s.get(&format!("/api/families/{}/dashboard", f.id), token).await;
            let listed: Vec<(Value, Value)> = board.ok()["completions"].as_array().unwrap().iter()
                .map(|c| (c["id"].clone(), c["status"].clone())).collect();
            assert_eq!(listed, [(json!(cmp), json!("pending"))]);
        }
        s.post(&complete, &kiosk, json!({ "memberId": f.kids[0] })).await.refused(409, "already_done_today");

        // Only a parent of this family decides.
        let approve = format!("/api/completions/{cmp}/approve");
        let before = s.revision(&f.id).await;
        s.post(&approve, &kiosk, json!({})).await.refused(403, "forbidden");
        with_pin(s, &approve, &kiosk, json!({}), PIN).await.refused(403, "forbidden");
        s.post(&approve, &other.parent.token, json!({})).await.refused(404, "not_found");
        s.post(&format!("/api/completions/{cmp}/reject"), &other.parent.token, json!({})).await.refused(404, "not_found");
        assert_eq!((s.revision(&f.id).await, balance(s, &f.kids[0]).await), (before, 0));

        let r = s.post(&approve, tok, json!({})).await;
        let approved = r.ok().clone();
        assert_eq!((approved["status"].clone(), approved["starsAwarded"].clone(), approved["newBalance"].clone()),
            (json!("approved"), json!(3), json!(3)));
        events.expect("chore:approved", json!({ "completionId": cmp, "choreId": chore, "memberId": f.kids[0], "revision": before + 1 })).await;
        events.expect("stars:updated", json!({ "memberId": f.kids[0], "newBalance": 3, "weeklyStars": 3, "revision": before + 2 })).await;
        assert_eq!(approved["revision"], before + 2);
        s.post(&approve, tok, json!({})).await.refused(409, "not_pending");
        s.post(&format!("/api/completions/{cmp}/reject"), tok, json!({})).await.refused(409, "not_pending");
        assert_eq!(balance(s, &f.kids[0]).await, 3, "approved once");
        // A parent's approval is not the kitchen screen's to take back,
        // even within its seconds.
        s.post(&format!("/api/completions/{cmp}/undo"), &kiosk, json!({})).await.refused(403, "undo_expired");
        assert_eq!(balance(s, &f.kids[0]).await, 3);

        // The other child's: rejected, nothing awarded, free to be done again.
        let second = s.post(&complete, &kiosk, json!({ "memberId": f.kids[1] })).await.ok()["completionId"].as_str().unwrap().to_owned();
        events.next().await;
        let before = s.revision(&f.id).await;
        let r = s.post(&format!("/api/completions/{second}/reject"), tok, json!({})).await;
        assert_eq!((r.ok()["status"].clone(), r.ok()["starsAwarded"].clone()), (json!("rejected"), json!(0)));
        events.expect("chore:rejected", json!({ "completionId": second, "choreId": chore, "memberId": f.kids[1], "revision": before + 1 })).await;
        assert_eq!(balance(s, &f.kids[1]).await, 0);
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM star_entries WHERE member_id = '{}'", f.kids[1])).await, 0);
        // A parent's own tap is approved as it is made.
        let mine = s.post(&complete, tok, json!({ "memberId": f.kids[1] })).await.ok().clone();
        assert_eq!((mine["status"].clone(), mine["newBalance"].clone()), (json!("approved"), json!(3)));
        s.post("/api/completions/cmp_nope/approve", tok, json!({})).await.refused(404, "not_found");

        // A child taken off the board: what waited for a parent is turned
        // down with them, shows nowhere, and pays nobody.
        let kid = s.post(&format!("/api/families/{}/members", f.id), tok, json!({ "name": "Zoe" })).await.ok()["member"]["id"]
            .as_str().unwrap().to_owned();
        let waiting = s.post(&complete, &kiosk, json!({ "memberId": kid })).await.ok()["completionId"].as_str().unwrap().to_owned();
        s.call(Method::DELETE, &format!("/api/members/{kid}"), Some(tok), None).await.ok();
        let board = s.get(&format!("/api/families/{}/dashboard", f.id), tok).await;
        assert!(board.ok()["completions"].as_array().unwrap().iter().all(|c| c["id"] != waiting.as_str()));
        let before = s.revision(&f.id).await;
        s.post(&format!("/api/completions/{waiting}/approve"), tok, json!({})).await.refused(404, "not_found");
        assert_eq!((s.revision(&f.id).await, balance(s, &kid).await), (before, 0));

        // Bad settings are refused and write nothing.
        for bad in [json!({ "choreApproval": "kids" }), json!({ "choreApproval": null }), json!({ "choreApproval": 1 })] {
            let r = s.call(Method::PATCH, &format!("/api/families/{}", f.id), Some(tok), Some(bad.clone())).await;
            assert!(matches!(r.status, 400 | 422), "{bad}: {} {}", r.status, r.body);
        }
        s.call(Method::PATCH, &format!("/api/families/{}", f.id), Some(&kiosk), Some(json!({ "choreApproval": "auto" }))).await
            .refused(403, "forbidden");
        assert_eq!(s.revision(&f.id).await, before);
    }

    async fn a_star_change_is_undone_by_its_screen_for_seconds_and_by_a_parent_any_time(s) {
        let f = s.family("Ana").await;
        let other = s.family("Ben").await;
        let tok = &f.parent.token;
        let kiosk = kitchen(s, &f).await;
        let hall = s.post(&format!("/api/families/{}/kiosks", f.id), tok, json!({ "name": "Hall" })).await
            .body["token"].as_str().unwrap().to_owned();
        let stars = format!("/api/families/{}/members/{}/stars", f.id, f.kids[0]);
        let added = with_pin(s, &stars, &kiosk, json!({ "amount": 4, "reason": "helped" }), PIN).await.ok().clone();
        let entry = added["entry"]["id"].as_str().unwrap().to_owned();
        let undo = format!("/api/star-entries/{entry}/undo");

        s.post(&undo, &other.parent.token, json!({})).await.refused(404, "not_found");
        s.post(&undo, &hall, json!({})).await.refused(403, "undo_expired");
        let mut events = s.subscribe(tok, &f.id).await;
        let before = s.revision(&f.id).await;
        let r = s.post(&undo, &kiosk, json!({})).await.ok().clone();
        assert_eq!((r["memberId"].clone(), r["newBalance"].clone(), r["revision"].clone()),
            (json!(f.kids[0]), json!(0), json!(before + 1)));
        assert_eq!((r["entry"]["amount"].clone(), r["entry"]["kind"].clone()), (json!(-4), json!("undo")));
        events.expect("stars:updated", json!({ "memberId": f.kids[0], "newBalance": 0, "weeklyStars": 0, "revision": before + 1 })).await;
        // Once; and the undo itself is no change to take back.
        s.post(&undo, tok, json!({})).await.refused(409, "already_undone");
        let reversal = r["entry"]["id"].as_str().unwrap();
        s.post(&format!("/api/star-entries/{reversal}/undo"), tok, json!({})).await.refused(409, "not_undoable");
        assert_eq!(s.revision(&f.id).await, before + 1);

        // Past the window: the kitchen screen may not, a parent may.
        let again = with_pin(s, &stars, &kiosk, json!({ "amount": 2, "reason": "helped" }), PIN).await.ok().clone();
        let entry2 = again["entry"]["id"].as_str().unwrap().to_owned();
        sqlx::query(&format!("UPDATE star_entries SET created_at = created_at - 11000 WHERE id = '{entry2}'"))
            .execute(&s.pool).await.unwrap();
        s.post(&format!("/api/star-entries/{entry2}/undo"), &kiosk, json!({})).await.refused(403, "undo_expired");
        s.post(&format!("/api/star-entries/{entry2}/undo"), tok, json!({})).await.ok();
        assert_eq!(balance(s, &f.kids[0]).await, 0);
        // Removing stars undone gives them back; spent stars cannot be
        // undone away (the balance would go below zero).
        give(s, &f, &f.kids[1], 5).await;
        let removed = s.post(&format!("/api/families/{}/members/{}/stars", f.id, f.kids[1]), tok,
            json!({ "amount": -5, "reason": "rude" })).await.ok()["entry"]["id"].as_str().unwrap().to_owned();
        assert_eq!(balance(s, &f.kids[1]).await, 0);
        let given = s.count(&format!("SELECT COUNT(*) FROM star_entries WHERE member_id = '{}'", f.kids[1])).await;
        assert_eq!(given, 2);
        let first: (String,) = sqlx::query_as(&format!("SELECT id FROM star_entries WHERE member_id = '{}' AND amount = 5", f.kids[1]))
            .fetch_one(&s.pool).await.unwrap();
        let before = s.revision(&f.id).await;
        s.post(&format!("/api/star-entries/{}/undo", first.0), tok, json!({})).await.refused(409, "insufficient_stars");
        assert_eq!((s.revision(&f.id).await, balance(s, &f.kids[1]).await), (before, 0), "nothing written");
        s.post(&format!("/api/star-entries/{removed}/undo"), tok, json!({})).await.ok();
        assert_eq!(balance(s, &f.kids[1]).await, 5);

        // A chore's stars undone here undo its completion: it can be done again.
        let c = s.post(&format!("/api/families/{}/chores", f.id), tok, json!({ "title": "Bins", "stars": 2 })).await;
        let complete = format!("/api/chores/{}/complete", c.body["chore"]["id"].as_str().unwrap());
        s.post(&complete, &kiosk, json!({ "memberId": f.kids[0] })).await.ok();
        let chore_entry: (String,) = sqlx::query_as(&format!("SELECT id FROM star_entries WHERE member_id = '{}' AND kind = 'chore'", f.kids[0]))
            .fetch_one(&s.pool).await.unwrap();
        let mut events = s.subscribe(tok, &f.id).await;
        let r = s.post(&format!("/api/star-entries/{}/undo", chore_entry.0), &kiosk, json!({})).await.ok().clone();
        let names: Vec<&str> = r["events"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
        assert_eq!(names, ["chore:undone", "stars:updated"]);
        assert_eq!(events.next().await.0, "chore:undone");
        s.post(&complete, &kiosk, json!({ "memberId": f.kids[0] })).await.ok();
        s.post("/api/star-entries/str_nope/undo", tok, json!({})).await.refused(404, "not_found");
    }

    async fn rewards_are_kept_by_parents_and_bad_ones_are_refused_with_nothing_written(s) {
        let f = s.family("Ana").await;
        let other = s.family("Ben").await;
        let tok = &f.parent.token;
        let kiosk = kitchen(s, &f).await;
        let mut events = s.subscribe(tok, &f.id).await;
        let list = format!("/api/families/{}/rewards", f.id);
        let r = s.post(&list, tok, json!({ "title": "Ice cream", "cost": 5, "weeklyLimit": 2 })).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let ice = r.body["reward"].clone();
        assert_eq!((ice["title"].clone(), ice["cost"].clone(), ice["weeklyLimit"].clone()), (json!("Ice cream"), json!(5), json!(2)));
        events.expect("reward:added", json!({ "reward": ice, "revision": r.body["revision"] })).await;
        let id = ice["id"].as_str().unwrap().to_owned();

        let before = s.revision(&f.id).await;
        let rows = || s.count("SELECT COUNT(*) FROM rewards");
        let count = rows().await;
        let long = "x".repeat(81);
        for (body, says) in [
            (json!({ "title": "", "cost": 5 }), "title"),
            (json!({ "title": long, "cost": 5 }), "title"),
            (json!({ "title": "Film", "cost": 0 }), "cost"),
            (json!({ "title": "Film", "cost": -3 }), "cost"),
            (json!({ "title": "Film", "cost": 1001 }), "cost"),
            (json!({ "title": "Film", "cost": 9_007_199_254_740_991_i64 }), "cost"),
            (json!({ "title": "Film", "cost": 5, "weeklyLimit": 0 }), "weeklyLimit"),
            (json!({ "title": "Film", "cost": 5, "weeklyLimit": 101 }), "weeklyLimit"),
        ] {
            let message = s.post(&list, tok, body.clone()).await.refused(422, "invalid");
            assert!(message.contains(says), "{body}: {message}");
            let message = s.call(Method::PATCH, &format!("/api/rewards/{id}"), Some(tok), Some(body.clone())).await.refused(422, "invalid");
            assert!(message.contains(says), "PATCH {body}: {message}");
        }
        s.post(&list, tok, json!({ "title": "Film", "cost": 5, "price": 3 })).await.err(422);
        s.post(&list, tok, json!({ "title": "Film", "cost": "five" })).await.err(422);
        s.call(Method::PATCH, &format!("/api/rewards/{id}"), Some(tok), Some(json!({}))).await.refused(422, "invalid");
        assert_eq!((s.revision(&f.id).await, rows().await), (before, count), "nothing written");

        // Kitchen screens read the catalogue but do not keep it; other
        // families do not see it at all.
        let listed = s.get(&list, &kiosk).await;
        assert_eq!(listed.ok()["rewards"].as_array().map(Vec::len), Some(1));
        s.post(&list, &kiosk, json!({ "title": "Film", "cost": 5 })).await.refused(403, "forbidden");
        s.call(Method::PATCH, &format!("/api/rewards/{id}"), Some(&kiosk), Some(json!({ "cost": 1 }))).await.refused(403, "forbidden");
        s.call(Method::DELETE, &format!("/api/rewards/{id}"), Some(&kiosk), None).await.refused(403, "forbidden");
        s.get(&list, &other.parent.token).await.refused(404, "not_found");
        s.call(Method::PATCH, &format!("/api/rewards/{id}"), Some(&other.parent.token), Some(json!({ "cost": 1 }))).await.refused(404, "not_found");
        s.call(Method::DELETE, &format!("/api/rewards/{id}"), Some(&other.parent.token), None).await.refused(404, "not_found");
        s.post(&format!("/api/rewards/{id}/redeem"), &other.parent.token, json!({ "memberId": other.kids[0] })).await.refused(404, "not_found");
        assert_eq!(s.revision(&f.id).await, before);

        let r = s.call(Method::PATCH, &format!("/api/rewards/{id}"), Some(tok), Some(json!({ "cost": 4, "weeklyLimit": null }))).await;
        let changed = r.ok()["reward"].clone();
        assert_eq!((changed["cost"].clone(), changed["weeklyLimit"].clone(), changed["title"].clone()), (json!(4), Value::Null, json!("Ice cream")));
        events.expect("reward:updated", json!({ "reward": changed, "revision": r.body["revision"] })).await;
        let r = s.call(Method::DELETE, &format!("/api/rewards/{id}"), Some(tok), None).await;
        events.expect("reward:removed", json!({ "rewardId": id, "revision": r.ok()["revision"] })).await;
        assert_eq!(s.get(&list, tok).await.ok()["rewards"], json!([]));
        s.call(Method::DELETE, &format!("/api/rewards/{id}"), Some(tok), None).await.refused(404, "not_found");
        s.post(&format!("/api/rewards/{id}/redeem"), tok, json!({ "memberId": f.kids[0] })).await.refused(404, "not_found");
    }

    async fn redeeming_needs_the_pin_on_a_kitchen_screen_the_stars_and_room_in_the_week(s) {
        let f = s.family("Ana").await;
        let other = s.family("Ben").await;
        let tok = &f.parent.token;
        let kiosk = kitchen(s, &f).await;
        let ice = reward(s, &f, json!({ "title": "Ice cream", "cost": 3, "weeklyLimit": 2 })).await;
        let redeem = format!("/api/rewards/{}/redeem", ice["id"].as_str().unwrap());
        give(s, &f, &f.kids[0], 8).await;
        let mia = json!({ "memberId": f.kids[0] });

        let before = s.revision(&f.id).await;
        s.post(&redeem, &kiosk, mia.clone()).await.refused(403, "pin_required");
        with_pin(s, &redeem, &kiosk, mia.clone(), "1111").await.refused(403, "wrong_pin");
        s.post(&redeem, tok, json!({ "memberId": other.kids[0] })).await.refused(404, "not_found");
        s.post(&redeem, tok, json!({ "memberId": "mem_nope" })).await.refused(404, "not_found");
        assert_eq!((s.revision(&f.id).await, balance(s, &f.kids[0]).await), (before, 8), "nothing written");

        let mut events = s.subscribe(tok, &f.id).await;
        let r = with_pin(s, &redeem, &kiosk, mia.clone(), PIN).await.ok().clone();
        assert_eq!((r["status"].clone(), r["newBalance"].clone(), r["revision"].clone()), (json!("approved"), json!(5), json!(before + 2)));
        let (name, data) = events.next().await;
        assert_eq!((name.as_str(), &data["redemption"]["id"], &data["redemption"]["cost"]), ("reward:redeemed", &r["redemptionId"], &json!(3)));
        // Spending moves the balance, not the week's earnings.
        events.expect("stars:updated", json!({ "memberId": f.kids[0], "newBalance": 5, "weeklyStars": 8, "revision": before + 2 })).await;
        s.post(&redeem, tok, mia.clone()).await.ok();
        assert_eq!(balance(s, &f.kids[0]).await, 2);
        // Twice this week already: the third is over the limit, even with stars.
        give(s, &f, &f.kids[0], 10).await;
        let before = s.revision(&f.id).await;
        s.post(&redeem, tok, mia.clone()).await.refused(409, "reward_limit_reached");
        assert_eq!((s.revision(&f.id).await, balance(s, &f.kids[0]).await), (before, 12));
        // Undoing one makes room again, and gives its stars back.
        let entry = r["entry"]["id"].as_str().unwrap();
        let undone = s.post(&format!("/api/star-entries/{entry}/undo"), &kiosk, json!({})).await.ok().clone();
        assert_eq!(undone["newBalance"], 15);
        let names: Vec<&str> = undone["events"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
        assert_eq!(names, ["reward:undone", "stars:updated"]);
        // Who did it is in the reply as in the ledger; the stars given back
        // are no change to take back again.
        assert_eq!((r["entry"]["by"].clone(), undone["entry"]["by"].clone()), (json!("Kitchen"), json!("Kitchen")));
        let back = undone["entry"]["id"].as_str().unwrap();
        s.post(&format!("/api/star-entries/{back}/undo"), tok, json!({})).await.refused(409, "not_undoable");
        s.post(&format!("/api/star-entries/{entry}/undo"), tok, json!({})).await.refused(409, "already_undone");
        s.post(&redeem, tok, mia.clone()).await.ok();
        // Not enough stars: refused, nothing written.
        let film = reward(s, &f, json!({ "title": "Film night", "cost": 20 })).await;
        let before = s.revision(&f.id).await;
        let spent = s.count("SELECT COUNT(*) FROM reward_redemptions").await;
        s.post(&format!("/api/rewards/{}/redeem", film["id"].as_str().unwrap()), tok, mia.clone()).await.refused(409, "insufficient_stars");
        assert_eq!((s.revision(&f.id).await, balance(s, &f.kids[0]).await, s.count("SELECT COUNT(*) FROM reward_redemptions").await),
            (before, 12, spent));
    }

    async fn where_parents_approve_a_kitchen_screen_asks_without_the_pin_and_a_parent_decides(s) {
        let f = s.family("Ana").await;
        let other = s.family("Ben").await;
        let tok = &f.parent.token;
        let kiosk = kitchen(s, &f).await;
        let ice = reward(s, &f, json!({ "title": "Ice cream", "cost": 3, "weeklyLimit": 2 })).await;
        let redeem = format!("/api/rewards/{}/redeem", ice["id"].as_str().unwrap());
        give(s, &f, &f.kids[0], 5).await;
        let mia = json!({ "memberId": f.kids[0] });
        // Not where parents do not approve: the PIN it is.
        s.post(&redeem, &kiosk, mia.clone()).await.refused(403, "pin_required");
        s.call(Method::PATCH, &format!("/api/families/{}", f.id), Some(tok), Some(json!({ "choreApproval": "parent" }))).await.ok();

        let mut events = s.subscribe(tok, &f.id).await;
        let r = s.post(&redeem, &kiosk, mia.clone()).await.ok().clone();
        assert_eq!((r["status"].clone(), r["newBalance"].clone(), r["entry"].clone()), (json!("pending"), json!(5), Value::Null));
        assert_eq!(r["events"].as_array().map(Vec::len), Some(1), "nothing spent: no stars:updated");
        let (name, data) = events.next().await;
        assert_eq!((name.as_str(), &data["redemption"]["status"]), ("reward:redeemed", &json!("pending")));
        let asked = r["redemptionId"].as_str().unwrap().to_owned();
        assert_eq!(balance(s, &f.kids[0]).await, 5);
        let board = s.get(&format!("/api/families/{}/dashboard", f.id), &kiosk).await;
        assert_eq!(board.ok()["redemptions"][0]["status"], "pending");

        // Only a parent of this family decides.
        let approve = format!("/api/redemptions/{asked}/approve");
        let before = s.revision(&f.id).await;
        s.post(&approve, &kiosk, json!({})).await.refused(403, "forbidden");
        s.post(&approve, &other.parent.token, json!({})).await.refused(404, "not_found");
        s.post(&format!("/api/redemptions/{asked}/reject"), &other.parent.token, json!({})).await.refused(404, "not_found");
        assert_eq!(s.revision(&f.id).await, before);
        let r = s.post(&approve, tok, json!({})).await.ok().clone();
        assert_eq!((r["status"].clone(), r["newBalance"].clone(), r["revision"].clone()), (json!("approved"), json!(2), json!(before + 2)));
        let (name, data) = events.next().await;
        assert_eq!((name.as_str(), &data["redemption"]["status"], data["redemption"]["starEntryId"].is_string()),
            ("reward:approved", &json!("approved"), true));
        events.expect("stars:updated", json!({ "memberId": f.kids[0], "newBalance": 2, "weeklyStars": 5, "revision": before + 2 })).await;
        s.post(&approve, tok, json!({})).await.refused(409, "not_pending");

        // Asking with too few stars is refused at once; one that waits
        // while the stars are spent elsewhere is refused at approval, with
        // nothing written; a rejected one spends nothing.
        s.post(&redeem, &kiosk, mia.clone()).await.refused(409, "insufficient_stars");
        give(s, &f, &f.kids[0], 1).await;
        let second = s.post(&redeem, &kiosk, mia.clone()).await.ok()["redemptionId"].as_str().unwrap().to_owned();
        // Twice this week with one waiting: the limit counts it.
        give(s, &f, &f.kids[0], 10).await;
        s.post(&redeem, &kiosk, mia.clone()).await.refused(409, "reward_limit_reached");
        s.post(&format!("/api/families/{}/members/{}/stars", f.id, f.kids[0]), tok,
            json!({ "amount": -12, "reason": "spent elsewhere" })).await.ok();
        let before = s.revision(&f.id).await;
        s.post(&format!("/api/redemptions/{second}/approve"), tok, json!({})).await.refused(409, "insufficient_stars");
        assert_eq!((s.revision(&f.id).await, balance(s, &f.kids[0]).await), (before, 1));
        let r = s.post(&format!("/api/redemptions/{second}/reject"), tok, json!({})).await.ok().clone();
        assert_eq!((r["status"].clone(), r["newBalance"].clone()), (json!("rejected"), json!(1)));
        assert_eq!(balance(s, &f.kids[0]).await, 1);
        s.post("/api/redemptions/rdm_nope/approve", tok, json!({})).await.refused(404, "not_found");

        // A child taken off the board, or a reward off the list: what
        // waited for them is turned down and shows nowhere.
        give(s, &f, &f.kids[1], 5).await;
        let leo = s.post(&redeem, &kiosk, json!({ "memberId": f.kids[1] })).await.ok()["redemptionId"].as_str().unwrap().to_owned();
        s.call(Method::DELETE, &format!("/api/members/{}", f.kids[1]), Some(tok), None).await.ok();
        s.post(&format!("/api/redemptions/{leo}/approve"), tok, json!({})).await.refused(404, "not_found");
        give(s, &f, &f.kids[0], 5).await;
        let mine = s.post(&redeem, &kiosk, mia.clone()).await.ok()["redemptionId"].as_str().unwrap().to_owned();
        s.call(Method::DELETE, &format!("/api/rewards/{}", ice["id"].as_str().unwrap()), Some(tok), None).await.ok();
        s.post(&format!("/api/redemptions/{mine}/approve"), tok, json!({})).await.refused(409, "not_pending");
        let board = s.get(&format!("/api/families/{}/dashboard", f.id), tok).await;
        assert!(board.ok()["redemptions"].as_array().unwrap().iter().all(|x| x["status"] != "pending"), "{}", board.body);
        assert_eq!(balance(s, &f.kids[0]).await, 6);
    }

    async fn parallel_redemptions_never_take_a_balance_below_zero(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let kiosk = kitchen(s, &f).await;
        let sweet = reward(s, &f, json!({ "title": "Sweet", "cost": 3 })).await;
        let redeem = format!("/api/rewards/{}/redeem", sweet["id"].as_str().unwrap());
        give(s, &f, &f.kids[0], 10).await;
        // Parents' screens and the kitchen screen at once (four PIN checks
        // in flight: under the five attempts a family may have pending).
        let taps = (0..12).map(|i| {
            let token = if i % 3 == 0 { kiosk.as_str() } else { tok.as_str() };
            s.call_with(Method::POST, &redeem, Some(token), Some(json!({ "memberId": f.kids[0] })), &[("x-kinboard-pin", PIN)])
        });
        let replies = futures_util::future::join_all(taps).await;
        let ok = replies.iter().filter(|r| r.status == 200).count();
        assert_eq!(ok, 3, "{:?}", replies.iter().map(|r| (r.status, r.body.to_string())).collect::<Vec<_>>());
        for r in replies.iter().filter(|r| r.status != 200) {
            assert_eq!((r.status, r.body["error"]["code"].as_str()), (409, Some("insufficient_stars")), "{}", r.body);
        }
        assert_eq!(balance(s, &f.kids[0]).await, 1);
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM reward_redemptions WHERE member_id = '{}'", f.kids[0])).await, 3);
        assert_eq!(s.count(&format!("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM star_entries WHERE member_id = '{}'", f.kids[0])).await, 1,
            "the ledger adds up to the balance");
    }

    async fn parallel_redemptions_never_pass_the_weekly_limit(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let film = reward(s, &f, json!({ "title": "Film", "cost": 1, "weeklyLimit": 2 })).await;
        let redeem = format!("/api/rewards/{}/redeem", film["id"].as_str().unwrap());
        give(s, &f, &f.kids[0], 50).await;
        let taps = (0..10).map(|_| s.post(&redeem, tok, json!({ "memberId": f.kids[0] })));
        let replies = futures_util::future::join_all(taps).await;
        assert_eq!(replies.iter().filter(|r| r.status == 200).count(), 2);
        for r in replies.iter().filter(|r| r.status != 200) {
            assert_eq!((r.status, r.body["error"]["code"].as_str()), (409, Some("reward_limit_reached")), "{}", r.body);
        }
        assert_eq!(balance(s, &f.kids[0]).await, 48);
        // The other child has a limit of their own.
        give(s, &f, &f.kids[1], 5).await;
        s.post(&redeem, tok, json!({ "memberId": f.kids[1] })).await.ok();
    }

    async fn weeks_of_history_start_at_mondays_midnight_on_both_sides_of_a_dst_change(s) {
        use chrono::{Datelike, TimeZone};
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        s.call(Method::PATCH, &format!("/api/families/{}", f.id), Some(tok), Some(json!({ "timeZone": "Europe/Madrid" }))).await.ok();
        // The latest Sunday on which Madrid changed its clocks, from now.
        let tz: chrono_tz::Tz = "Europe/Madrid".parse().unwrap();
        let now = chrono::Utc::now();
        let offset = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%z").to_string();
        let mut day = now.with_timezone(&tz).date_naive();
        let changed = loop {
            let noon = |d: chrono::NaiveDate| tz.from_local_datetime(&d.and_hms_opt(12, 0, 0).unwrap()).earliest().unwrap();
            let before = noon(day - chrono::Duration::days(1));
            if day.weekday() == chrono::Weekday::Mon && offset(before.with_timezone(&chrono::Utc)) != offset((before - chrono::Duration::days(1)).with_timezone(&chrono::Utc)) {
                break day;
            }
            day -= chrono::Duration::days(1);
        };
        // The Mondays just after the change and the one before it, at
        // local midnight: each in its own offset.
        let midnight = |d: chrono::NaiveDate| tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap()).earliest().unwrap().timestamp_millis();
        let after = midnight(changed);
        let before = midnight(changed - chrono::Duration::days(7));
        let minute = 60_000;
        // Half an hour either side of each Monday midnight.
        for (at, stars) in [(before - 30 * minute, 1), (before + 30 * minute, 2), (after - 30 * minute, 4), (after + 30 * minute, 8)] {
            let entry = give(s, &f, &f.kids[0], stars).await;
            sqlx::query(&format!("UPDATE star_entries SET created_at = {at} WHERE id = '{entry}'"))
                .execute(&s.pool).await.unwrap();
        }
        let weeks = ((now.timestamp_millis() - before) / (7 * 86_400_000) + 3).min(104);
        let h = s.get(&format!("/api/families/{}/members/{}/stars?weeks={weeks}", f.id, f.kids[0]), tok).await;
        let per_week = h.ok()["perWeek"].as_array().unwrap().clone();
        let starts: Vec<i64> = per_week.iter().map(|w| w["weekStart"].as_i64().unwrap()).collect();
        assert!(starts.contains(&before) && starts.contains(&after), "{starts:?} lacks {before} or {after}");
        let stars_from = |start: i64| per_week.iter().find(|w| w["weekStart"] == start).unwrap()["stars"].clone();
        assert_eq!(stars_from(before), json!(2 + 4), "the week that ends with the change: {per_week:?}");
        assert_eq!(stars_from(after), json!(8), "the week after it: {per_week:?}");
        // The week with the change in it is an hour longer or shorter.
        assert_eq!((after - before - 7 * 86_400_000).abs(), 3_600_000);
    }

    async fn a_childs_history_counts_earned_stars_per_week_and_exports_the_ledger(s) {
        let f = s.family("Ana").await;
        let other = s.family("Ben").await;
        let tok = &f.parent.token;
        let kiosk = kitchen(s, &f).await;
        s.call(Method::PATCH, &format!("/api/families/{}", f.id), Some(tok), Some(json!({ "timeZone": "Europe/Madrid" }))).await.ok();
        give(s, &f, &f.kids[0], 6).await;
        let old = give(s, &f, &f.kids[0], 4).await;
        let older = give(s, &f, &f.kids[0], 2).await;
        // Moved back one and three weeks.
        let week = 7 * 86_400_000_i64;
        for (entry, weeks) in [(&old, 1), (&older, 3)] {
            sqlx::query(&format!("UPDATE star_entries SET created_at = created_at - {} WHERE id = '{entry}'", weeks * week))
                .execute(&s.pool).await.unwrap();
        }
        // A reason a spreadsheet would run as a formula.
        s.post(&format!("/api/families/{}/members/{}/stars", f.id, f.kids[0]), tok,
            json!({ "amount": 1, "reason": "=HYPERLINK(\"http://x\")" })).await.ok();
        s.post(&format!("/api/families/{}/members/{}/stars", f.id, f.kids[0]), tok,
            json!({ "amount": -1, "reason": "oops" })).await.ok();
        let ice = reward(s, &f, json!({ "title": "Ice cream", "cost": 5 })).await;
        with_pin(s, &format!("/api/rewards/{}/redeem", ice["id"].as_str().unwrap()), &kiosk, json!({ "memberId": f.kids[0] }), PIN).await.ok();

        // Earned two weeks ago and undone today: never earned, then or now.
        let undone = give(s, &f, &f.kids[0], 9).await;
        sqlx::query(&format!("UPDATE star_entries SET created_at = created_at - {} WHERE id = '{undone}'", 2 * week))
            .execute(&s.pool).await.unwrap();
        let r = s.post(&format!("/api/star-entries/{undone}/undo"), tok, json!({})).await;
        let weekly = r.ok()["events"][0]["data"]["weeklyStars"].clone();
        assert_eq!(weekly, json!(6), "this week's earnings do not move");

        let path = format!("/api/families/{}/members/{}/stars", f.id, f.kids[0]);
        let r = s.get(&format!("{path}?weeks=12"), tok).await;
        let h = r.ok();
        let weeks = h["perWeek"].as_array().unwrap();
        assert_eq!(weeks.len(), 12);
        let stars: Vec<i64> = weeks.iter().map(|w| w["stars"].as_i64().unwrap()).collect();
        assert_eq!(stars, [0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 4, 6], "the reward is spending, not earning");
        assert_eq!((h["weekly"].clone(), h["balance"].clone()), (json!(6), json!(7)));
        let starts: Vec<i64> = weeks.iter().map(|w| w["weekStart"].as_i64().unwrap()).collect();
        assert_eq!(starts[11], h["weekStart"].as_i64().unwrap());
        assert!(starts.windows(2).all(|w| (w[1] - w[0] - week).abs() <= 3_600_000), "weeks a week apart (± an hour at a DST change): {starts:?}");
        // When, why, how many, by whom.
        let undo = &h["entries"][0];
        assert_eq!((undo["amount"].clone(), undo["kind"].clone(), undo["reverses"].clone()), (json!(-9), json!("undo"), json!(undone)));
        let spent = &h["entries"][1];
        assert_eq!((spent["amount"].clone(), spent["kind"].clone(), spent["by"].clone()), (json!(-5), json!("reward"), json!("Kitchen")));
        assert_eq!(h["entries"][2]["by"], "Ana");
        let gift = h["entries"].as_array().unwrap().iter().find(|e| e["id"] == undone.as_str()).unwrap();
        assert!(gift["undoneAt"].is_i64(), "the undone gift says when: {gift}");
        assert_eq!(s.get(&path, tok).await.ok()["perWeek"].as_array().map(Vec::len), Some(12), "12 weeks unless asked");
        assert_eq!(s.get(&format!("{path}?weeks=3"), &kiosk).await.ok()["perWeek"].as_array().map(Vec::len), Some(3));
        for bad in ["0", "105"] {
            s.get(&format!("{path}?weeks={bad}"), tok).await.refused(422, "invalid");
        }
        s.get(&format!("{path}?weeks=abc"), tok).await.refused(400, "bad_request");
        s.get(&format!("{path}?days=3"), tok).await.refused(400, "bad_request");
        s.get(&path, &other.parent.token).await.refused(404, "not_found");
        s.get(&format!("/api/families/{}/members/{}/stars", other.id, f.kids[0]), &other.parent.token).await.refused(404, "not_found");

        // The ledger as CSV: a header, newest first, a formula kept as text.
        let r = s.http.get(format!("{}{path}.csv", s.base)).bearer_auth(tok).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let csv = r.text().await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "when,stars,kind,reason,by,undone");
        assert_eq!(lines.len(), 9, "{csv}");
        assert!(lines[1].contains(",-9,undo,undone: for being kind,Ana,"), "{}", lines[1]);
        assert!(lines[2].contains(",-5,reward,reward: Ice cream,Kitchen,"), "{}", lines[2]);
        assert!(lines.iter().any(|l| l.contains(",1,manual,\"'=HYPERLINK(\"\"http://x\"\")\",Ana,")), "a formula is defused: {csv}");
        let r = s.http.get(format!("{}{path}.csv", s.base)).bearer_auth(&other.parent.token).send().await.unwrap();
        assert_eq!(r.status(), 404);
    }
}
