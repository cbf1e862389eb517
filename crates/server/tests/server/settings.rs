//! Family settings from the app: children, chores, templates, the PIN,
//! parents and invites, kitchen screens, the family itself. Each change
//! is one transaction that bumps the revision once per event it
//! broadcasts; the reply lists exactly the events every subscriber gets;
//! the snapshot holds what the settings show. Bad input is refused with a
//! clear error and writes nothing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Events, TestServer, both};

/// Asserts that `reply` (a settings change made at `before`) lists the
/// events the subscriber gets next, with one revision each from
/// `before + 1` on, and that the family is at the last one; returns the
/// event names.
async fn broadcast(
    s: &TestServer,
    family: &str,
    events: &mut Events,
    reply: &Value,
    before: i64,
) -> Vec<String> {
    let listed = reply["events"]
        .as_array()
        .unwrap_or_else(|| panic!("no events in {reply}"));
    assert!(!listed.is_empty(), "a change without events: {reply}");
    let mut names = Vec::new();
    for (i, listed) in listed.iter().enumerate() {
        let (name, data) = events.next().await;
        assert_eq!(name, listed["event"], "in {reply}");
        assert_eq!(data, listed["data"]);
        assert_eq!(data["revision"], before + 1 + i as i64, "{name} {data}");
        names.push(name);
    }
    assert_eq!(s.revision(family).await, before + listed.len() as i64);
    names
}

async fn call(
    s: &TestServer,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Value {
    let r = s.call(method.clone(), path, Some(token), body).await;
    assert!(
        (200..300).contains(&r.status),
        "{method} {path}: {} {}",
        r.status,
        r.body
    );
    r.body
}

both! {
    async fn every_settings_change_is_an_event_in_its_own_transaction(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let mut events = s.subscribe(tok, &f.id).await;
        let fam = format!("/api/families/{}", f.id);

        let before = s.revision(&f.id).await;
        let r = call(s, Method::PATCH, &fam, tok, Some(json!({ "name": "Riveras", "timeZone": "Europe/Madrid" }))).await;
        assert_eq!(broadcast(s, &f.id, &mut events, &r, before).await, ["family:updated"]);
        assert_eq!(r["events"][0]["data"]["family"]["timeZone"], "Europe/Madrid");

        // The kitchen screens' night: set, kept in the snapshot, cleared by null.
        let before = s.revision(&f.id).await;
        let r = call(s, Method::PATCH, &fam, tok, Some(json!({ "night": { "from": "21:00", "to": "07:00" } }))).await;
        assert_eq!(broadcast(s, &f.id, &mut events, &r, before).await, ["family:updated"]);
        assert_eq!(r["events"][0]["data"]["family"]["night"], json!({ "from": "21:00", "to": "07:00" }));
        let d = s.get(&format!("{fam}/dashboard"), tok).await.ok().clone();
        assert_eq!(d["family"]["night"], json!({ "from": "21:00", "to": "07:00" }));
        // Another change leaves it as it is.
        let r = call(s, Method::PATCH, &fam, tok, Some(json!({ "choreApproval": "auto" }))).await;
        assert_eq!(r["family"]["night"]["from"], "21:00");
        events.next().await;
        let before = s.revision(&f.id).await;
        let r = call(s, Method::PATCH, &fam, tok, Some(json!({ "night": null }))).await;
        assert_eq!(broadcast(s, &f.id, &mut events, &r, before).await, ["family:updated"]);
        assert!(r["family"].get("night").is_none(), "{}", r["family"]);

        let before = s.revision(&f.id).await;
        let r = call(s, Method::POST, &format!("{fam}/members"), tok, Some(json!({ "name": "Zoe", "color": "#9B5DE5" }))).await;
        assert_eq!(broadcast(s, &f.id, &mut events, &r, before).await, ["member:added"]);
        assert_eq!(r["member"]["color"], "#9b5de5");
        let zoe = r["member"]["id"].as_str().unwrap().to_owned();

        let before = s.revision(&f.id).await;
        let r = call(s, Method::PATCH, &format!("/api/members/{zoe}"), tok, Some(json!({ "name": "Zoë" }))).await;
        assert_eq!(broadcast(s, &f.id, &mut events, &r, before).await, ["member:updated"]);

        let before = s.revision(&f.id).await;
        let r = call(s, Method::POST, &format!("{fam}/templates"), tok,
            Some(json!({ "label": "Reading", "durationSeconds": 900, "stars": 2 }))).await;
        assert_eq!(broadcast(s, &f.id, &mut events, &r, before).await, ["template:added"]);
        let template = r["template"]["id"].as_str().unwrap().to_owned();
        let before = s.revision(&f.id).await;
        let r = call(s, Method::PATCH, &format!("/api/templates/{template}"), tok, Some(json!({ "stars": 3 }))).await;
        assert_eq!(broadcast(s, &f.id, &mut events, &r, before).await, ["template:updated"]);

        let before = s.revision(&f.id).await;
        let r = call(s, Method::POST, &format!("{fam}/chores"), tok,
            Some(json!({ "title": "Feed the cat", "stars": 1, "memberId": zoe }))).await;
        assert_eq!(broadcast(s, &f.id, &mut events, &r, before).await, ["chore:added"]);
        let chore = r["chore"]["id"].as_str().unwrap().to_owned();
        // `null` makes it anyone's.
        let before = s.revision(&f.id).await;
        let r = call(s, Method::PATCH, &format!("/api/chores/{chore}"), tok, Some(json!({ "memberId": null }))).await;
        assert_eq!(broadcast(s, &f.id, &mut events, &r, before).await, ["chore:updated"]);
        assert!(r["chore"]["memberId"].is_null());

        let before = s.revision(&f.id).await;
        let r = call(s, Method::PUT, &format!("{fam}/pin"), tok, Some(json!({ "pin": "2468" }))).await;
        assert_eq!(broadcast(s, &f.id, &mut events, &r, before).await, ["family:updated"]);
        assert_eq!(r["family"]["hasPin"], true);

        let before = s.revision(&f.id).await;
        let r = call(s, Method::POST, &format!("{fam}/kiosks"), tok, Some(json!({ "name": "Kitchen" }))).await;
        let names = broadcast(s, &f.id, &mut events, &json!({ "events": [
            { "event": "kiosk:added", "data": { "kiosk": r["kiosk"], "revision": before + 1 } }
        ]}), before).await;
        assert_eq!(names, ["kiosk:added"]);
        let kiosk = r["kiosk"]["id"].as_str().unwrap().to_owned();

        let before = s.revision(&f.id).await;
        let r = call(s, Method::POST, &format!("{fam}/invites"), tok, None).await;
        assert_eq!(broadcast(s, &f.id, &mut events, &r, before).await, ["invite:created"]);
        // The channel never carries the code.
        assert!(!r["events"].to_string().contains(r["invite"]["code"].as_str().unwrap()));
        let invite = r["invite"]["id"].as_str().unwrap().to_owned();

        // The snapshot holds what the settings show.
        let d = s.get(&format!("{fam}/dashboard"), tok).await.ok().clone();
        assert_eq!(d["family"]["name"], "Riveras");
        assert_eq!(d["family"]["hasPin"], true);
        assert_eq!(d["parents"][0]["id"], f.parent.user_id.as_str());
        assert_eq!(d["kiosks"][0]["id"], kiosk.as_str());
        assert_eq!(d["invites"][0]["id"], invite.as_str());
        assert!(d["invites"][0].get("code").is_none());
        assert!(d["members"].as_array().unwrap().iter().any(|m| m["name"] == "Zoë"));
        assert_eq!(d["templates"][0]["stars"], 3);

        let before = s.revision(&f.id).await;
        let r = call(s, Method::DELETE, &format!("/api/invites/{invite}"), tok, None).await;
        assert_eq!(broadcast(s, &f.id, &mut events, &r, before).await, ["invite:closed"]);
        // Revoking it again changes nothing, and says so.
        let again = call(s, Method::DELETE, &format!("/api/invites/{invite}"), tok, None).await;
        assert_eq!((again["events"].clone(), again["revision"].clone()), (json!([]), json!(before + 1)));

        let before = s.revision(&f.id).await;
        let r = call(s, Method::DELETE, &format!("/api/kiosks/{kiosk}"), tok, None).await;
        assert_eq!(broadcast(s, &f.id, &mut events, &r, before).await, ["kiosk:revoked"]);
        let before = s.revision(&f.id).await;
        let r = call(s, Method::DELETE, &format!("/api/templates/{template}"), tok, None).await;
        assert_eq!(broadcast(s, &f.id, &mut events, &r, before).await, ["template:removed"]);
        let before = s.revision(&f.id).await;
        let r = call(s, Method::DELETE, &format!("/api/chores/{chore}"), tok, None).await;
        assert_eq!(broadcast(s, &f.id, &mut events, &r, before).await, ["chore:removed"]);
        let d = s.get(&format!("{fam}/dashboard"), tok).await.ok().clone();
        assert_eq!((d["kiosks"].clone(), d["invites"].clone(), d["templates"].clone()), (json!([]), json!([]), json!([])));
    }

    async fn a_removed_child_leaves_the_board_but_not_the_ledger(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let kid = &f.kids[0];
        s.post(&format!("/api/families/{}/members/{kid}/stars", f.id), tok, json!({ "amount": 4, "reason": "tidy room" })).await.ok();
        let (timer, _) = s.start_timer(&f, 600).await;
        let chore = s.post(&format!("/api/families/{}/chores", f.id), tok, json!({ "title": "Dishes", "memberId": kid })).await
            .body["chore"]["id"].as_str().unwrap().to_owned();
        let mut events = s.subscribe(tok, &f.id).await;

        let before = s.revision(&f.id).await;
        let r = call(s, Method::DELETE, &format!("/api/members/{kid}"), tok, None).await;
        assert_eq!(broadcast(s, &f.id, &mut events, &r, before).await,
            ["timer:cancelled", "chore:updated", "member:removed"]);
        assert_eq!(r["events"][0]["data"]["timerId"], timer["id"]);
        assert!(r["events"][1]["data"]["chore"]["memberId"].is_null());

        let d = s.get(&format!("/api/families/{}/dashboard", f.id), tok).await.ok().clone();
        assert!(!d["members"].to_string().contains(kid.as_str()));
        assert!(!d["weeklyStars"].to_string().contains(kid.as_str()));
        assert_eq!(d["activeTimers"], json!([]));
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM timers WHERE member_id = '{kid}' AND state = 'cancelled'")).await, 1);
        // The ledger and its history stay.
        let history = s.get(&format!("/api/families/{}/members/{kid}/stars", f.id), tok).await;
        assert_eq!(history.ok()["balance"], 4);
        assert_eq!(history.body["entries"][0]["reason"], "tidy room");
        // Nothing new for them, and removing them again is a 404.
        let before = s.revision(&f.id).await;
        s.post(&format!("/api/families/{}/timers", f.id), tok,
            json!({ "memberId": kid, "label": "X", "durationSeconds": 60 })).await.refused(404, "not_found");
        s.post(&format!("/api/families/{}/members/{kid}/stars", f.id), tok, json!({ "amount": 1, "reason": "x" })).await.refused(404, "not_found");
        s.post(&format!("/api/chores/{chore}/complete"), tok, json!({ "memberId": kid })).await.refused(404, "not_found");
        s.call(Method::PATCH, &format!("/api/members/{kid}"), Some(tok), Some(json!({ "name": "X" }))).await.refused(404, "not_found");
        s.call(Method::DELETE, &format!("/api/members/{kid}"), Some(tok), None).await.refused(404, "not_found");
        assert_eq!(s.revision(&f.id).await, before);
    }

    async fn parents_join_by_invite_and_can_be_removed_but_not_the_last(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let fam = format!("/api/families/{}", f.id);
        let r = call(s, Method::POST, &format!("{fam}/invites"), tok, None).await;
        let code = r["invite"]["code"].as_str().unwrap().to_owned();
        // 28 letters in groups of four: 140 bits, typed however.
        assert_eq!(code.len(), 34, "{code}");
        assert!(code.split('-').all(|g| g.len() == 4));
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM invites WHERE family_id = '{}'", f.id)).await, 1);
        let stored: Vec<(String,)> = sqlx::query_as("SELECT code_hash FROM invites").fetch_all(&s.pool).await.unwrap();
        assert!(stored.iter().all(|(h,)| h.len() == 64 && !h.contains(&code.replace('-', ""))));

        let ben = s.parent("Ben").await;
        let mut events = s.subscribe(tok, &f.id).await;
        let before = s.revision(&f.id).await;
        let typed = code.to_lowercase().replace('-', " ");
        let accepted = s.post(&format!("/api/invites/{typed}/accept"), &ben.token, json!({})).await;
        assert_eq!(accepted.ok()["family"]["role"], "parent");
        assert_eq!(events.next().await.0, "invite:closed");
        let (name, added) = events.next().await;
        assert_eq!(name, "parent:added");
        assert_eq!((added["parent"]["id"].as_str(), added["parent"]["name"].as_str()), (Some(ben.user_id.as_str()), Some("Ben")));
        assert_eq!(s.revision(&f.id).await, before + 2);
        // Once only.
        let cleo = s.parent("Cleo").await;
        s.post(&format!("/api/invites/{code}/accept"), &cleo.token, json!({})).await.refused(404, "not_found");
        let parents = s.get(&format!("{fam}/parents"), tok).await.ok().clone();
        assert_eq!(parents["parents"].as_array().unwrap().len(), 2);

        // Ben makes an invite, then Ana removes Ben: his sessions end, his
        // invite is revoked, and he is no longer in the family.
        let bens = call(s, Method::POST, &format!("{fam}/invites"), &ben.token, None).await;
        events.next().await;
        let bens_code = bens["invite"]["code"].as_str().unwrap().to_owned();
        let before = s.revision(&f.id).await;
        let r = call(s, Method::DELETE, &format!("{fam}/parents/{}", ben.user_id), tok, None).await;
        assert_eq!(broadcast(s, &f.id, &mut events, &r, before).await, ["invite:closed", "parent:removed"]);
        s.get("/api/me", &ben.token).await.refused(401, "unauthorized");
        s.post(&format!("/api/invites/{bens_code}/accept"), &cleo.token, json!({})).await.refused(404, "not_found");
        let signed_in = s.call(Method::POST, "/api/auth/sign-in", None,
            Some(json!({ "email": ben.email, "password": "correct horse" }))).await;
        let again = signed_in.ok()["token"].as_str().unwrap().to_owned();
        s.get(&format!("{fam}/dashboard"), &again).await.refused(404, "not_found");

        // The last parent stays, and nothing is written trying.
        let before = s.revision(&f.id).await;
        let last = s.call(Method::DELETE, &format!("{fam}/parents/{}", f.parent.user_id), Some(tok), None).await;
        assert!(last.refused(409, "last_parent").contains("only parent"));
        s.call(Method::DELETE, &format!("{fam}/parents/{}", cleo.user_id), Some(tok), None).await.refused(404, "not_found");
        assert_eq!(s.revision(&f.id).await, before);
        s.get("/api/me", tok).await.ok();
    }

    async fn a_removed_parent_keeps_other_families_and_no_way_back_into_this_one(s) {
        let f = s.family("Ana").await;
        let bens = s.family("Ben").await;
        let fam = format!("/api/families/{}", f.id);
        let code = call(s, Method::POST, &format!("{fam}/invites"), &f.parent.token, None).await
            ["invite"]["code"].as_str().unwrap().to_owned();
        s.post(&format!("/api/invites/{code}/accept"), &bens.parent.token, json!({})).await.ok();
        // Before he goes, Ben makes a pairing code and a kitchen screen token.
        let pairing = s.post(&format!("{fam}/kiosk-pairings"), &bens.parent.token, json!({ "name": "Garage" })).await;
        let pairing = pairing.ok()["pairing"]["code"].as_str().unwrap().to_owned();

        call(s, Method::DELETE, &format!("{fam}/parents/{}", bens.parent.user_id), &f.parent.token, None).await;
        // Still signed in, in his own family only.
        let me = s.get("/api/me", &bens.parent.token).await;
        assert_eq!(me.ok()["families"].as_array().unwrap().len(), 1, "{}", me.body);
        s.get(&format!("/api/families/{}/dashboard", bens.id), &bens.parent.token).await.ok();
        s.get(&format!("{fam}/dashboard"), &bens.parent.token).await.refused(404, "not_found");
        // His unclaimed code pairs nothing now.
        let claim = s.call(Method::POST, "/api/kiosk-pairings/claim", None, Some(json!({ "code": pairing }))).await;
        claim.err(404);
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM kiosks WHERE family_id = '{}'", f.id)).await, 0);
    }

    async fn a_kitchen_screen_gets_the_board_without_the_settings(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let fam = format!("/api/families/{}", f.id);
        call(s, Method::POST, &format!("{fam}/invites"), tok, None).await;
        let kiosk = call(s, Method::POST, &format!("{fam}/kiosks"), tok, Some(json!({ "name": "Kitchen" }))).await
            ["token"].as_str().unwrap().to_owned();
        let parents_view = s.get(&format!("{fam}/dashboard"), tok).await.ok().clone();
        assert_eq!(parents_view["parents"].as_array().unwrap().len(), 1);
        assert_eq!(parents_view["kiosks"].as_array().unwrap().len(), 1);
        assert_eq!(parents_view["invites"].as_array().unwrap().len(), 1);
        let kitchens = s.get(&format!("{fam}/dashboard"), &kiosk).await.ok().clone();
        assert_eq!(kitchens["members"], parents_view["members"]);
        for settings in ["parents", "kiosks", "invites"] {
            assert_eq!(kitchens[settings], json!([]), "{settings} on a kitchen screen");
        }
    }

    async fn an_invite_stops_working_when_it_expires(s) {
        let f = s.family("Ana").await;
        let r = call(s, Method::POST, &format!("/api/families/{}/invites", f.id), &f.parent.token, None).await;
        let code = r["invite"]["code"].as_str().unwrap().to_owned();
        let ttl = r["invite"]["expiresAt"].as_i64().unwrap() - r["serverTime"].as_i64().unwrap();
        assert!((47 * 3_600_000..=48 * 3_600_000).contains(&ttl), "lives {ttl} ms");
        sqlx::query("UPDATE invites SET expires_at = 1").execute(&s.pool).await.unwrap();
        let ben = s.parent("Ben").await;
        s.post(&format!("/api/invites/{code}/accept"), &ben.token, json!({})).await.refused(404, "not_found");
        let open = s.get(&format!("/api/families/{}/invites", f.id), &f.parent.token).await;
        assert_eq!(open.ok()["invites"], json!([]));
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM memberships WHERE family_id = '{}'", f.id)).await, 1);
    }

    async fn changing_the_pin_needs_the_current_one_or_the_password(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let pin = format!("/api/families/{}/pin", f.id);
        let put = |body: Value| s.call(Method::PUT, &pin, Some(tok), Some(body));
        put(json!({ "pin": "1357" })).await.ok();
        let kiosk = s.post(&format!("/api/families/{}/kiosks", f.id), tok, json!({ "name": "K" })).await
            .body["token"].as_str().unwrap().to_owned();
        let before = s.revision(&f.id).await;
        assert!(put(json!({ "pin": "2468" })).await.refused(422, "invalid").contains("currentPin"));
        put(json!({ "pin": "2468", "currentPin": "0000" })).await.refused(403, "wrong_pin");
        put(json!({ "pin": "2468", "password": "not my password" })).await.refused(401, "invalid_credentials");
        put(json!({ "pin": "24a8", "currentPin": "1357" })).await.refused(422, "invalid");
        assert_eq!(s.revision(&f.id).await, before, "nothing written");
        // The old PIN still works at the kitchen screen.
        let (timer, _) = s.start_timer(&f, 600).await;
        let cancel = format!("/api/timers/{}/cancel", timer["id"].as_str().unwrap());
        s.call_with(Method::POST, &cancel, Some(&kiosk), Some(json!({})), &[("x-kinboard-pin", "1357")]).await.ok();

        put(json!({ "pin": "2468", "currentPin": "1357" })).await.ok();
        put(json!({ "pin": "97531", "password": "correct horse" })).await.ok();
        let (timer, _) = s.start_timer(&f, 600).await;
        let cancel = format!("/api/timers/{}/cancel", timer["id"].as_str().unwrap());
        s.call_with(Method::POST, &cancel, Some(&kiosk), Some(json!({})), &[("x-kinboard-pin", "2468")]).await.refused(403, "wrong_pin");
        s.call_with(Method::POST, &cancel, Some(&kiosk), Some(json!({})), &[("x-kinboard-pin", "97531")]).await.ok();
    }

    async fn bad_settings_are_refused_and_write_nothing(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let fam = format!("/api/families/{}", f.id);
        let kid = &f.kids[0];
        let template = call(s, Method::POST, &format!("{fam}/templates"), tok, Some(json!({ "label": "T", "durationSeconds": 60 }))).await
            ["template"]["id"].as_str().unwrap().to_owned();
        let chore = call(s, Method::POST, &format!("{fam}/chores"), tok, Some(json!({ "title": "C" }))).await
            ["chore"]["id"].as_str().unwrap().to_owned();
        let long = "x".repeat(200);
        let cases: Vec<(Method, String, Value, &str)> = vec![
            (Method::PATCH, fam.clone(), json!({ "name": "  " }), "name must not be empty"),
            (Method::PATCH, fam.clone(), json!({ "name": long }), "at most 60"),
            (Method::PATCH, fam.clone(), json!({ "timeZone": "Mars/Olympus" }), "unknown time zone"),
            (Method::PATCH, fam.clone(), json!({}), "send a name, a timeZone, choreApproval or night"),
            (Method::PATCH, fam.clone(), json!({ "night": { "from": "21:00", "to": "21:00" } }), "another time than it starts"),
            (Method::PATCH, fam.clone(), json!({ "night": { "from": "24:00", "to": "07:00" } }), "times of day"),
            (Method::PATCH, fam.clone(), json!({ "night": { "from": "9pm", "to": "07:00" } }), "times of day"),
            (Method::POST, format!("{fam}/members"), json!({ "name": "" }), "name must not be empty"),
            (Method::POST, format!("{fam}/members"), json!({ "name": long }), "at most 40"),
            (Method::POST, format!("{fam}/members"), json!({ "name": "Zoe", "color": "#123456" }), "one of the board's colours"),
            (Method::POST, format!("{fam}/members"), json!({ "name": "Zoe", "color": "red" }), "one of the board's colours"),
            (Method::PATCH, format!("/api/members/{kid}"), json!({ "color": "#000000" }), "one of the board's colours"),
            (Method::PATCH, format!("/api/members/{kid}"), json!({ "name": "\u{0007}" }), "control characters"),
            (Method::PATCH, format!("/api/templates/{template}"), json!({ "label": "" }), "label must not be empty"),
            (Method::PATCH, format!("/api/templates/{template}"), json!({ "durationSeconds": 0 }), "durationSeconds"),
            (Method::PATCH, format!("/api/templates/{template}"), json!({ "stars": 1000 }), "stars"),
            (Method::POST, format!("{fam}/templates"), json!({ "label": long, "durationSeconds": 60 }), "at most 80"),
            (Method::PATCH, format!("/api/chores/{chore}"), json!({ "title": long }), "at most 80"),
            (Method::PATCH, format!("/api/chores/{chore}"), json!({ "stars": -1 }), "stars"),
            (Method::PUT, format!("{fam}/pin"), json!({ "pin": "12" }), "4 to 8 digits"),
            (Method::PUT, format!("{fam}/pin"), json!({ "pin": "123456789" }), "4 to 8 digits"),
        ];
        // A kitchen screen of the family, which may not change its settings.
        let kitchen = call(s, Method::POST, &format!("{fam}/kiosks"), tok, Some(json!({ "name": "Hall" }))).await
            ["token"].as_str().unwrap().to_owned();
        let before = s.revision(&f.id).await;
        let snapshot = s.get(&format!("{fam}/dashboard"), tok).await.ok().clone();
        for (method, path, body, says) in cases {
            let r = s.call(method.clone(), &path, Some(tok), Some(body.clone())).await;
            let message = r.refused(422, "invalid");
            assert!(message.contains(says), "{method} {path} {body}: {message:?} should say {says:?}");
        }
        // Unknown fields and the wrong shapes are refused too.
        s.call(Method::PATCH, &format!("/api/members/{kid}"), Some(tok), Some(json!({ "nickname": "X" }))).await.err(422);
        s.call(Method::PATCH, &format!("/api/chores/{chore}"), Some(tok), Some(json!({ "memberId": 7 }))).await.err(422);
        for night in [json!({ "from": "21:00" }), json!({ "from": "21:00", "to": "07:00", "dim": true }), json!({ "from": 2100, "to": "07:00" }), json!("21:00-07:00")] {
            s.call(Method::PATCH, &fam, Some(tok), Some(json!({ "night": night }))).await.err(422);
        }
        // The night is a parent's to set, not a kitchen screen's.
        s.call(Method::PATCH, &fam, Some(&kitchen), Some(json!({ "night": { "from": "21:00", "to": "07:00" } }))).await.err(403);
        assert_eq!(s.revision(&f.id).await, before);
        assert_eq!(s.get(&format!("{fam}/dashboard"), tok).await.ok()["members"], snapshot["members"]);
        assert_eq!(s.get(&format!("{fam}/dashboard"), tok).await.ok()["family"], snapshot["family"]);
    }

    async fn kitchen_screens_are_seen_and_the_server_says_what_it_is(s) {
        let info = s.call(Method::GET, "/api/info", None, None).await;
        assert_eq!(info.ok()["product"], "kinboard");
        assert_eq!(info.body["api"], kinboard_api::API_VERSION);
        assert!(info.body["household"].is_null(), "no family yet");
        let f = s.family("Ana").await;
        assert_eq!(s.call(Method::GET, "/api/info", None, None).await.body["household"], "Ana's family");

        let r = s.post(&format!("/api/families/{}/kiosks", f.id), &f.parent.token, json!({ "name": "Kitchen" })).await;
        let token = r.body["token"].as_str().unwrap().to_owned();
        assert!(r.body["kiosk"]["lastSeenAt"].is_null());
        s.get(&format!("/api/families/{}/dashboard", f.id), &token).await.ok();
        s.wait_for_count("SELECT COUNT(*) FROM kiosks WHERE last_seen_at IS NOT NULL", 1).await;
        let listed = s.get(&format!("/api/families/{}/kiosks", f.id), &f.parent.token).await;
        assert!(listed.ok()["kiosks"][0]["lastSeenAt"].as_i64().unwrap() > 0);
    }
}
