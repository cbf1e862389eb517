//! Kiosk devices: what they may do, what needs the parent PIN, and that a
//! revoked kiosk token is refused.

use reqwest::Method;
use serde_json::json;

use crate::support::both;

both! {
    async fn kiosk_limits_and_pin_checks(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let r = s.post(&format!("/api/families/{}/kiosks", f.id), tok, json!({ "name": "Kitchen" })).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let kiosk = r.body["token"].as_str().unwrap().to_owned();
        let kiosk_id = r.body["kiosk"]["id"].as_str().unwrap().to_owned();

        // The kiosk sees its family, and only it.
        let me = s.get("/api/me", &kiosk).await;
        assert_eq!(me.ok()["families"], json!([{ "id": f.id, "name": "Ana's family", "role": "kiosk" }]));
        assert!(me.body["user"].is_null());
        let mut events = s.subscribe(&kiosk, &f.id).await;

        // Allowed: start, pause, resume, extend, sync, complete chores.
        let r = s.post(&format!("/api/families/{}/timers", f.id), &kiosk,
            json!({ "memberId": f.kids[0], "label": "Lego", "durationSeconds": 600, "stars": 2 })).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let timer = r.body["timer"]["id"].as_str().unwrap().to_owned();
        events.expect("timer:started", json!({ "timer": r.body["timer"], "revision": r.body["revision"] })).await;
        for action in ["pause", "resume", "sync"] {
            s.post(&format!("/api/timers/{timer}/{action}"), &kiosk, json!({})).await.ok();
        }
        s.post(&format!("/api/timers/{timer}/extend"), &kiosk, json!({ "seconds": 60 })).await.ok();
        let chore = s.post(&format!("/api/families/{}/chores", f.id), tok, json!({ "title": "Dishes", "stars": 1 })).await;
        let chore_id = chore.body["chore"]["id"].as_str().unwrap().to_owned();
        s.post(&format!("/api/chores/{chore_id}/complete"), &kiosk, json!({ "memberId": f.kids[0] })).await.ok();

        // Parent-only.
        s.post(&format!("/api/families/{}/members", f.id), &kiosk, json!({ "name": "X" })).await.refused(403, "forbidden");
        s.post(&format!("/api/families/{}/templates", f.id), &kiosk, json!({ "label": "X", "durationSeconds": 5 })).await.err(403);
        s.post(&format!("/api/families/{}/chores", f.id), &kiosk, json!({ "title": "X" })).await.err(403);
        s.post(&format!("/api/families/{}/kiosks", f.id), &kiosk, json!({ "name": "X" })).await.err(403);
        s.post(&format!("/api/families/{}/invites", f.id), &kiosk, json!({})).await.err(403);
        for (method, path, body) in [
            (Method::GET, format!("/api/families/{}/parents", f.id), None),
            (Method::DELETE, format!("/api/families/{}/parents/{}", f.id, f.parent.user_id), None),
            (Method::GET, format!("/api/families/{}/invites", f.id), None),
            (Method::DELETE, format!("/api/members/{}", f.kids[0]), None),
            (Method::PATCH, format!("/api/members/{}", f.kids[0]), Some(json!({ "name": "X" }))),
            (Method::PATCH, format!("/api/families/{}", f.id), Some(json!({ "name": "X" }))),
            (Method::PUT, format!("/api/families/{}/pin", f.id), Some(json!({ "pin": "4321" }))),
            (Method::GET, format!("/api/families/{}/kiosks", f.id), None),
        ] {
            s.call(method.clone(), &path, Some(&kiosk), body).await.refused(403, "forbidden");
        }
        s.post("/api/families", &kiosk, json!({ "name": "X" })).await.err(403);

        // Confirm, cancel and stars need the PIN; none is set yet.
        let before = s.revision(&f.id).await;
        let confirm = format!("/api/timers/{timer}/confirm");
        let stars = format!("/api/families/{}/members/{}/stars", f.id, f.kids[0]);
        assert!(s.post(&confirm, &kiosk, json!({})).await.refused(403, "pin_required").contains("PIN"));
        s.call_with(Method::POST, &confirm, Some(&kiosk), Some(json!({})), &[("x-kinboard-pin", "1234")]).await
            .refused(403, "no_pin_set");
        let cancel = format!("/api/timers/{timer}/cancel");
        s.post(&cancel, &kiosk, json!({})).await.refused(403, "pin_required");
        let r = s.call(Method::PUT, &format!("/api/families/{}/pin", f.id), Some(tok), Some(json!({ "pin": "12x" }))).await;
        r.err(422);
        let r = s.call(Method::PUT, &format!("/api/families/{}/pin", f.id), Some(tok), Some(json!({ "pin": "2468" }))).await;
        assert_eq!(r.ok()["family"]["hasPin"], true);
        let after_pin = s.revision(&f.id).await;
        assert_eq!(after_pin, before + 1);
        s.call_with(Method::POST, &confirm, Some(&kiosk), Some(json!({})), &[("x-kinboard-pin", "1234")]).await
            .refused(403, "wrong_pin");
        s.call_with(Method::POST, &format!("/api/timers/{timer}/cancel"), Some(&kiosk), Some(json!({})), &[]).await.err(403);
        s.call_with(Method::POST, &stars, Some(&kiosk), Some(json!({ "amount": 1, "reason": "x" })), &[]).await
            .refused(403, "pin_required");
        s.call_with(Method::POST, &stars, Some(&kiosk), Some(json!({ "amount": 1, "reason": "x" })), &[("x-kinboard-pin", "0000")]).await
            .refused(403, "wrong_pin");
        // Knowing the PIN does not make a kitchen screen a parent: it cannot
        // change it, nor touch the invites.
        s.call(Method::PUT, &format!("/api/families/{}/pin", f.id), Some(&kiosk), Some(json!({ "pin": "1111", "currentPin": "2468" })))
            .await.refused(403, "forbidden");
        assert_eq!(s.revision(&f.id).await, after_pin, "refused actions wrote nothing");
        let invite = s.post(&format!("/api/families/{}/invites", f.id), tok, json!({})).await;
        let invite_id = invite.ok()["invite"]["id"].as_str().unwrap().to_owned();
        let after_pin = s.revision(&f.id).await;
        s.call(Method::DELETE, &format!("/api/invites/{invite_id}"), Some(&kiosk), None).await.refused(403, "forbidden");
        assert_eq!(s.revision(&f.id).await, after_pin, "refused actions wrote nothing");

        let r = s.call_with(Method::POST, &confirm, Some(&kiosk), Some(json!({})), &[("x-kinboard-pin", "2468")]).await;
        assert_eq!(r.ok()["timer"]["state"], "completed");
        let r = s.call_with(Method::POST, &stars, Some(&kiosk), Some(json!({ "amount": 2, "reason": "kind" })), &[("x-kinboard-pin", "2468")]).await;
        assert_eq!(r.ok()["newBalance"], 5);

        // Guessing is slowed down: after 5 wrong PINs even the right one waits.
        for _ in 0..5 {
            s.call_with(Method::POST, &stars, Some(&kiosk), Some(json!({ "amount": 1, "reason": "x" })), &[("x-kinboard-pin", "9999")]).await
                .refused(403, "wrong_pin");
        }
        let r = s.call_with(Method::POST, &stars, Some(&kiosk), Some(json!({ "amount": 1, "reason": "x" })), &[("x-kinboard-pin", "2468")]).await;
        assert!(r.refused(429, "too_many_attempts").contains("too many wrong PINs"));
        // It says when to come back: within the pause, never before "now".
        let retry_after: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry_after), "the first lockout is a minute: {retry_after}");
        // Parents are not affected.
        s.post(&stars, tok, json!({ "amount": 1, "reason": "x" })).await.ok();

        // Revoked: 401 from then on.
        let r = s.call(Method::DELETE, &format!("/api/kiosks/{kiosk_id}"), Some(tok), None).await;
        assert!(r.ok()["kiosk"]["revokedAt"].is_i64());
        s.get(&format!("/api/families/{}/dashboard", f.id), &kiosk).await.err(401);
    }
}

both! {
    async fn parallel_wrong_pins_cost_one_attempt_each(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let r = s.post(&format!("/api/families/{}/kiosks", f.id), tok, json!({ "name": "Kitchen" })).await;
        let kiosk = r.body["token"].as_str().unwrap().to_owned();
        s.call(Method::PUT, &format!("/api/families/{}/pin", f.id), Some(tok), Some(json!({ "pin": "2468" }))).await.ok();
        let stars = format!("{}/api/families/{}/members/{}/stars", s.base, f.id, f.kids[0]);

        // 20 wrong guesses at once: each must reserve an attempt before its
        // PIN is verified, so only 5 are checked at all.
        let guesses: Vec<_> = (0..20)
            .map(|i| {
                let req = s.http.post(&stars).bearer_auth(&kiosk)
                    .header("x-kinboard-pin", format!("{:04}", 1000 + i))
                    .json(&json!({ "amount": 1, "reason": "guess" }));
                tokio::spawn(async move { req.send().await.unwrap().status().as_u16() })
            })
            .collect();
        let mut statuses = Vec::new();
        for g in guesses {
            statuses.push(g.await.unwrap());
        }
        let verified = statuses.iter().filter(|&&st| st == 403).count();
        let refused = statuses.iter().filter(|&&st| st == 429).count();
        assert_eq!((verified, refused), (5, 15), "{statuses:?}");

        // The right PIN waits for the pause too.
        let right = || s.call_with(Method::POST, &stars[s.base.len()..], Some(&kiosk),
            Some(json!({ "amount": 1, "reason": "x" })), &[("x-kinboard-pin", "2468")]);
        assert!(right().await.err(429).contains("too many wrong PINs"));
        assert_eq!(s.count("SELECT COUNT(*) FROM star_entries").await, 0);

        // The count lives in the database (every instance shares it): end
        // the lockout there instead of waiting a minute.
        sqlx::query("UPDATE attempts SET locked_until = 1 WHERE scope_key = $1")
            .bind(format!("pin:{}", f.id)).execute(&s.pool).await.unwrap();
        assert_eq!(right().await.ok()["newBalance"], 1);
        // A success clears the count: five more wrong ones are verified.
        for _ in 0..5 {
            s.call_with(Method::POST, &stars[s.base.len()..], Some(&kiosk),
                Some(json!({ "amount": 1, "reason": "x" })), &[("x-kinboard-pin", "0000")]).await.err(403);
        }
        right().await.err(429);
    }
}

both! {
    async fn kiosks_may_not_change_settings_and_kiosk_changes_bump_the_revision(s) {
        let f = s.family("Ana").await;
        let tok = &f.parent.token;
        let rev = s.revision(&f.id).await;
        let r = s.post(&format!("/api/families/{}/kiosks", f.id), tok, json!({ "name": "Kitchen" })).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let kiosk = r.body["token"].as_str().unwrap().to_owned();
        let kiosk_id = r.body["kiosk"]["id"].as_str().unwrap().to_owned();
        assert_eq!(s.revision(&f.id).await, rev + 1, "creating a kiosk bumps");
        let other = s.post(&format!("/api/families/{}/kiosks", f.id), tok, json!({ "name": "Hall" })).await;
        let other_id = other.body["kiosk"]["id"].as_str().unwrap().to_owned();
        s.call(Method::PUT, &format!("/api/families/{}/pin", f.id), Some(tok), Some(json!({ "pin": "2468" }))).await.ok();
        let template = s.post(&format!("/api/families/{}/templates", f.id), tok,
            json!({ "label": "T", "durationSeconds": 60 })).await.body["template"]["id"].as_str().unwrap().to_owned();
        let chore = s.post(&format!("/api/families/{}/chores", f.id), tok, json!({ "title": "C" })).await
            .body["chore"]["id"].as_str().unwrap().to_owned();

        // Parent-only, even with the right PIN.
        let before = s.revision(&f.id).await;
        let refused = [
            (Method::PUT, format!("/api/families/{}/pin", f.id), Some(json!({ "pin": "1111" }))),
            (Method::DELETE, format!("/api/kiosks/{other_id}"), None),
            (Method::DELETE, format!("/api/kiosks/{kiosk_id}"), None),
            (Method::PATCH, format!("/api/families/{}", f.id), Some(json!({ "name": "Mine" }))),
            (Method::PATCH, format!("/api/members/{}", f.kids[0]), Some(json!({ "name": "X" }))),
            (Method::PATCH, format!("/api/templates/{template}"), Some(json!({ "label": "X" }))),
            (Method::PATCH, format!("/api/chores/{chore}"), Some(json!({ "title": "X" }))),
        ];
        for (method, path, body) in &refused {
            for pin in [None, Some("2468")] {
                let headers: Vec<(&str, &str)> = pin.map(|p| ("x-kinboard-pin", p)).into_iter().collect();
                let r = s.call_with(method.clone(), path, Some(&kiosk), body.clone(), &headers).await;
                assert_eq!(r.status, 403, "{method} {path} (PIN {pin:?}) answered {} {}", r.status, r.body);
                r.err(403);
            }
        }
        assert_eq!(s.revision(&f.id).await, before, "refused changes wrote nothing");
        assert_eq!(s.count("SELECT COUNT(*) FROM kiosks WHERE revoked_at IS NOT NULL").await, 0);
        let family = s.get(&format!("/api/families/{}", f.id), tok).await;
        assert_eq!(family.ok()["family"]["name"], "Ana's family");
        // The PIN is still the parents' one.
        let stars = format!("/api/families/{}/members/{}/stars", f.id, f.kids[0]);
        s.call_with(Method::POST, &stars, Some(&kiosk), Some(json!({ "amount": 1, "reason": "x" })),
            &[("x-kinboard-pin", "2468")]).await.ok();

        // Revoking bumps once; revoking again changes nothing.
        let before = s.revision(&f.id).await;
        let r = s.call(Method::DELETE, &format!("/api/kiosks/{kiosk_id}"), Some(tok), None).await;
        let revoked_at = r.ok()["kiosk"]["revokedAt"].clone();
        assert!(revoked_at.is_i64());
        assert_eq!(s.revision(&f.id).await, before + 1, "revoking a kiosk bumps");
        let r = s.call(Method::DELETE, &format!("/api/kiosks/{kiosk_id}"), Some(tok), None).await;
        assert_eq!(r.ok()["kiosk"]["revokedAt"], revoked_at);
        assert_eq!(s.revision(&f.id).await, before + 1);
    }
}
