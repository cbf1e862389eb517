//! Sign-up, sign-in, sessions (expiry, revocation), `/api/me`, families,
//! invites and members.

use reqwest::Method;
use serde_json::json;

use crate::support::{TestServer, both};

both! {
    async fn creating_and_accepting_an_invite_bump_the_revision(s) {
        let f = s.family("Ana").await;
        let before = s.revision(&f.id).await;
        let r = s.post(&format!("/api/families/{}/invites", f.id), &f.parent.token, json!({})).await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["revision"], before + 1);
        assert_eq!(s.revision(&f.id).await, before + 1);
        let code = r.body["invite"]["code"].as_str().unwrap();
        // Accepting it closes it and adds a parent: an event each.
        let other = s.parent("Ben").await;
        s.post(&format!("/api/invites/{code}/accept"), &other.token, json!({})).await.ok();
        assert_eq!(s.revision(&f.id).await, before + 3);
    }

    async fn sign_up_sign_in_me_and_sign_out(s) {
        let p = s.parent("Ana").await;
        let dup = s.call(Method::POST, "/api/auth/sign-up", None,
            Some(json!({ "email": p.email.to_uppercase(), "password": "whatever12", "name": "X" }))).await;
        assert!(dup.refused(409, "email_taken").contains("already exists"));

        let wrong = s.call(Method::POST, "/api/auth/sign-in", None,
            Some(json!({ "email": p.email, "password": "nope nope" }))).await;
        wrong.refused(401, "invalid_credentials");
        let r = s.call(Method::POST, "/api/auth/sign-in", None,
            Some(json!({ "email": p.email, "password": "correct horse" }))).await;
        assert_eq!(r.status, 200);
        let second = r.body["token"].as_str().unwrap().to_owned();
        assert_eq!(r.body["user"]["id"], p.user_id);
        assert!(r.body["serverTime"].is_i64());

        let me = s.get("/api/me", &second).await;
        assert_eq!(me.ok()["user"]["email"], p.email.as_str());
        assert_eq!(me.body["families"], json!([]));

        // Only a hash of the token is stored.
        let stored: i64 = s.count(&format!("SELECT COUNT(*) FROM sessions WHERE token_hash = '{second}'")).await;
        assert_eq!(stored, 0);

        let out = s.call(Method::POST, "/api/auth/sign-out", Some(&second), None).await;
        out.ok();
        s.get("/api/me", &second).await.err(401);
        // The other session is untouched.
        s.get("/api/me", &p.token).await.ok();
    }

    async fn expired_revoked_and_bogus_tokens_are_401(s) {
        let p = s.parent("Ana").await;
        sqlx::query("UPDATE sessions SET expires_at = 0 WHERE user_id = $1")
            .bind(&p.user_id).execute(&s.pool).await.unwrap();
        s.get("/api/me", &p.token).await.err(401);
        s.get("/api/me", "kbs_not-a-token").await.err(401);
        s.call(Method::GET, "/api/me", None, None).await.err(401);
        let r = s.http.get(format!("{}/api/me", s.base)).header("authorization", "Basic abc").send().await.unwrap();
        assert_eq!(r.status(), 401);
    }

    async fn a_user_in_several_families_sees_all_of_them(s) {
        let a = s.family("Ana").await;
        let b = s.family("Ben").await;
        let invite = s.post(&format!("/api/families/{}/invites", b.id), &b.parent.token, json!({})).await;
        assert_eq!(invite.status, 201, "{}", invite.body);
        let code = invite.body["invite"]["code"].as_str().unwrap().to_owned();
        let accepted = s.post(&format!("/api/invites/{code}/accept"), &a.parent.token, json!({})).await;
        assert_eq!(accepted.ok()["family"]["id"], b.id.as_str());
        // Single use.
        let c = s.parent("Cy").await;
        s.post(&format!("/api/invites/{code}/accept"), &c.token, json!({})).await.err(404);

        let me = s.get("/api/me", &a.parent.token).await;
        let ids: Vec<&str> = me.ok()["families"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
        assert_eq!(ids, vec![a.id.as_str(), b.id.as_str()]);
        assert!(me.body["families"].as_array().unwrap().iter().all(|f| f["role"] == "parent"));
        // And may act in both, including realtime auth for both channels.
        s.get(&format!("/api/families/{}/dashboard", b.id), &a.parent.token).await.ok();
        let _events_a = s.subscribe(&a.parent.token, &a.id).await;
        let _events_b = s.subscribe(&a.parent.token, &b.id).await;
    }

    async fn members_time_zone_and_revision(s) {
        let f = s.family("Ana").await;
        let before = s.revision(&f.id).await;
        let r = s.post(&format!("/api/families/{}/members", f.id), &f.parent.token,
            json!({ "name": "Zoe", "color": "#9B5DE5" })).await;
        assert_eq!(r.status, 201);
        assert_eq!(r.body["member"]["color"], "#9b5de5");
        assert_eq!(r.body["member"]["balance"], 0);
        assert_eq!(r.body["revision"], before + 1);
        let r = s.call(Method::PATCH, &format!("/api/families/{}", f.id), Some(&f.parent.token),
            Some(json!({ "timeZone": "America/New_York" }))).await;
        assert_eq!(r.ok()["family"]["timeZone"], "America/New_York");
        let r = s.call(Method::PATCH, &format!("/api/families/{}", f.id), Some(&f.parent.token),
            Some(json!({ "timeZone": "Mars/Base" }))).await;
        r.err(422);
        let dash = s.get(&format!("/api/families/{}/dashboard", f.id), &f.parent.token).await;
        let d = dash.ok();
        assert_eq!(d["revision"], before + 2);
        assert_eq!(d["family"]["timeZone"], "America/New_York");
        assert_eq!(d["members"].as_array().unwrap().len(), 3);
        assert_eq!(d["weeklyStars"].as_array().unwrap().len(), 3);
        for key in ["serverTime", "templates", "activeTimers", "chores"] {
            assert!(!d[key].is_null(), "dashboard lacks {key}");
        }
    }
}

#[tokio::test]
async fn the_demo_family_is_seeded_once_and_can_sign_in() {
    let db = crate::support::TestDb::create(crate::support::Backend::Sqlite).await;
    let url = db.url.clone();
    let s = TestServer::start_on(db, |c| c.demo = true).await;
    let demo = s
        .server
        .as_ref()
        .unwrap()
        .demo
        .clone()
        .expect("demo credentials");
    assert!(demo.kiosk_token.is_some());
    let (email, _) = &demo.parents[1];
    let r = s
        .call(
            Method::POST,
            "/api/auth/sign-in",
            None,
            Some(json!({ "email": email, "password": demo.password })),
        )
        .await;
    let token = r.ok()["token"].as_str().unwrap().to_owned();
    let dash = s
        .get(
            &format!("/api/families/{}/dashboard", demo.family_id),
            &token,
        )
        .await;
    let d = dash.ok();
    assert_eq!(d["members"].as_array().unwrap().len(), 2);
    assert!(d["templates"].as_array().unwrap().len() >= 3);
    assert!(d["chores"].as_array().unwrap().len() >= 2);
    assert!(d["family"]["hasPin"].as_bool().unwrap());
    let TestServer {
        server, db, pool, ..
    } = s;
    pool.close().await;
    server.unwrap().shutdown().await;
    // A second start on the same database does not seed again.
    let again = TestServer::start_on(db, |c| c.demo = true).await;
    assert_eq!(
        again
            .server
            .as_ref()
            .unwrap()
            .demo
            .as_ref()
            .unwrap()
            .family_id,
        demo.family_id
    );
    assert_eq!(again.count("SELECT COUNT(*) FROM families").await, 1);
    assert_eq!(url, again.db.url);
    again.stop().await;
}
