//! A parent's sessions: listed (never their tokens), ended one by one —
//! only one's own — and all but the current one ended by a new password;
//! an ended token is refused at once.

use reqwest::Method;
use serde_json::json;

use crate::support::both;

both! {
    async fn a_parent_lists_and_ends_their_sessions_and_a_new_password_ends_the_others(s) {
        let f = s.family("Ana").await;
        let other = s.family("Ben").await;
        let sign_in = |password: &'static str| s.call(Method::POST, "/api/auth/sign-in", None,
            Some(json!({ "email": f.parent.email, "password": password })));
        let phone = sign_in("correct horse").await.ok()["token"].as_str().unwrap().to_owned();
        let tablet = sign_in("correct horse").await.ok()["token"].as_str().unwrap().to_owned();
        let laptop = &f.parent.token;

        let listed = s.get("/api/sessions", laptop).await.ok().clone();
        let sessions = listed["sessions"].as_array().unwrap();
        assert_eq!(sessions.len(), 3);
        assert_eq!(sessions.iter().filter(|x| x["current"] == true).count(), 1);
        let text = listed.to_string();
        for token in [laptop.as_str(), phone.as_str(), tablet.as_str()] {
            assert!(!text.contains(token), "a token is listed");
        }
        // The phone's, as the phone sees it.
        let from_phone = s.get("/api/sessions", &phone).await.ok().clone();
        let phone_id = from_phone["sessions"].as_array().unwrap().iter()
            .find(|x| x["current"] == true).unwrap()["id"].as_str().unwrap().to_owned();

        // Not another parent's, not a made-up one.
        s.call(Method::DELETE, &format!("/api/sessions/{phone_id}"), Some(&other.parent.token), None).await.refused(404, "not_found");
        s.call(Method::DELETE, "/api/sessions/zz", Some(laptop), None).await.refused(404, "not_found");
        s.get("/api/me", &phone).await.ok();
        let r = s.call(Method::DELETE, &format!("/api/sessions/{phone_id}"), Some(laptop), None).await;
        assert_eq!(r.ok()["ended"], 1);
        s.get("/api/me", &phone).await.refused(401, "unauthorized");
        assert_eq!(s.get("/api/sessions", laptop).await.ok()["sessions"].as_array().unwrap().len(), 2);

        // A new password: the wrong current one changes nothing; the right
        // one ends every other session, this one goes on.
        let change = |current: &str, new: &str| s.call(Method::POST, "/api/auth/password", Some(laptop),
            Some(json!({ "currentPassword": current, "newPassword": new })));
        change("wrong horse", "a new long password").await.refused(401, "invalid_credentials");
        s.get("/api/me", &tablet).await.ok();
        change("correct horse", "short").await.refused(422, "invalid");
        let r = change("correct horse", "a new long password").await;
        assert_eq!(r.ok()["ended"], 1);
        s.get("/api/me", &tablet).await.refused(401, "unauthorized");
        s.get("/api/me", laptop).await.ok();
        sign_in("correct horse").await.refused(401, "invalid_credentials");
        sign_in("a new long password").await.ok();

        // A kitchen screen has no sessions nor password.
        let kiosk = s.post(&format!("/api/families/{}/kiosks", f.id), laptop, json!({ "name": "K" })).await
            .body["token"].as_str().unwrap().to_owned();
        s.get("/api/sessions", &kiosk).await.refused(403, "forbidden");
        s.call(Method::POST, "/api/auth/password", Some(&kiosk),
            Some(json!({ "currentPassword": "x", "newPassword": "a new long password" }))).await.refused(403, "forbidden");
    }
}

both! {
    async fn a_kitchen_screen_unpaired_where_it_stands_revokes_its_own_token(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let kiosks = format!("/api/families/{}/kiosks", f.id);
        let made = |name: &'static str| s.post(&kiosks, tok, json!({ "name": name }));
        let kitchen = made("Kitchen").await.body["token"].as_str().unwrap().to_owned();
        let hall = made("Hall").await.body["token"].as_str().unwrap().to_owned();
        let mut events = s.subscribe(tok, &f.id).await;
        // Not another screen's: only itself.
        let hall_id = s.get(&format!("/api/families/{}/kiosks", f.id), tok).await.ok()["kiosks"].as_array().unwrap()
            .iter().find(|k| k["name"] == "Hall").unwrap()["id"].as_str().unwrap().to_owned();
        s.call(Method::DELETE, &format!("/api/kiosks/{hall_id}"), Some(&kitchen), None).await.refused(403, "forbidden");
        s.post("/api/auth/sign-out", &kitchen, json!({})).await.ok();
        let (name, _) = events.next().await;
        assert_eq!(name, "kiosk:revoked");
        s.get(&format!("/api/families/{}/dashboard", f.id), &kitchen).await.refused(401, "unauthorized");
        s.get(&format!("/api/families/{}/dashboard", f.id), &hall).await.ok();
        let listed = s.get(&format!("/api/families/{}/kiosks", f.id), tok).await;
        let revoked: Vec<(&str, bool)> = listed.ok()["kiosks"].as_array().unwrap().iter()
            .map(|k| (k["name"].as_str().unwrap(), k["revokedAt"].is_i64())).collect();
        assert_eq!(revoked, [("Kitchen", true), ("Hall", false)]);
        s.post("/api/auth/sign-out", &kitchen, json!({})).await.refused(401, "unauthorized");
    }
}
