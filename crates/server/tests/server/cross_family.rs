//! The cross-family matrix: every route that names a family-B resource
//! answers 404 to a parent or kiosk of family A (never 403, which would
//! leak that it exists), writes nothing, and B's channel is refused (403).

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::both;

both! {
    async fn family_a_gets_404_for_everything_of_family_b(s) {
        let a = s.family("Ana").await;
        let b = s.family("Ben").await;
        let bt = &b.parent.token;
        let template = s.post(&format!("/api/families/{}/templates", b.id), bt,
            json!({ "label": "T", "durationSeconds": 60 })).await.body["template"]["id"].as_str().unwrap().to_owned();
        let (timer, _) = s.start_timer(&b, 600).await;
        let timer = timer["id"].as_str().unwrap().to_owned();
        let chore = s.post(&format!("/api/families/{}/chores", b.id), bt, json!({ "title": "C", "stars": 1 })).await
            .body["chore"]["id"].as_str().unwrap().to_owned();
        let kiosk_b = s.post(&format!("/api/families/{}/kiosks", b.id), bt, json!({ "name": "K" })).await
            .body["kiosk"]["id"].as_str().unwrap().to_owned();
        let invite_b = s.post(&format!("/api/families/{}/invites", b.id), bt, json!({})).await
            .body["invite"]["id"].as_str().unwrap().to_owned();
        let completion_b = s.post(&format!("/api/chores/{chore}/complete"), bt, json!({ "memberId": b.kids[1] })).await
            .body["completionId"].as_str().unwrap().to_owned();
        let entry_b = s.post(&format!("/api/families/{}/members/{}/stars", b.id, b.kids[1]), bt, json!({ "amount": 9, "reason": "x" })).await
            .body["entry"]["id"].as_str().unwrap().to_owned();
        let reward_b = s.post(&format!("/api/families/{}/rewards", b.id), bt, json!({ "title": "R", "cost": 1 })).await
            .body["reward"]["id"].as_str().unwrap().to_owned();
        // A redemption of B's that waits for B's parents.
        s.call(Method::PATCH, &format!("/api/families/{}", b.id), Some(bt), Some(json!({ "choreApproval": "parent" }))).await.ok();
        let kiosk_b_token = s.post(&format!("/api/families/{}/kiosks", b.id), bt, json!({ "name": "K2" })).await
            .body["token"].as_str().unwrap().to_owned();
        let redemption_b = s.post(&format!("/api/rewards/{reward_b}/redeem"), &kiosk_b_token, json!({ "memberId": b.kids[1] })).await
            .body["redemptionId"].as_str().unwrap().to_owned();
        let a_reward = s.post(&format!("/api/families/{}/rewards", a.id), &a.parent.token, json!({ "title": "R", "cost": 1 })).await
            .body["reward"]["id"].as_str().unwrap().to_owned();
        let a_chore = s.post(&format!("/api/families/{}/chores", a.id), &a.parent.token, json!({ "title": "C" })).await
            .body["chore"]["id"].as_str().unwrap().to_owned();
        let kiosk_a = s.post(&format!("/api/families/{}/kiosks", a.id), &a.parent.token, json!({ "name": "K" })).await
            .body["token"].as_str().unwrap().to_owned();

        let (fam, kid) = (&b.id, &b.kids[0]);
        let routes: Vec<(Method, String, Value)> = vec![
            (Method::GET, format!("/api/families/{fam}"), Value::Null),
            (Method::PATCH, format!("/api/families/{fam}"), json!({ "name": "Mine" })),
            (Method::PATCH, format!("/api/families/{fam}"), json!({ "choreApproval": "auto" })),
            (Method::GET, format!("/api/families/{fam}/dashboard"), Value::Null),
            (Method::GET, format!("/api/families/{fam}/members"), Value::Null),
            (Method::POST, format!("/api/families/{fam}/members"), json!({ "name": "Spy" })),
            (Method::PATCH, format!("/api/members/{kid}"), json!({ "name": "Spy" })),
            (Method::POST, format!("/api/families/{fam}/invites"), json!({})),
            (Method::PUT, format!("/api/families/{fam}/pin"), json!({ "pin": "1111" })),
            (Method::PUT, format!("/api/families/{fam}/pin"), json!({ "pin": "1111", "currentPin": "2222" })),
            (Method::GET, format!("/api/families/{fam}/parents"), Value::Null),
            (Method::DELETE, format!("/api/families/{fam}/parents/{}", b.parent.user_id), Value::Null),
            (Method::GET, format!("/api/families/{fam}/invites"), Value::Null),
            (Method::DELETE, format!("/api/invites/{invite_b}"), Value::Null),
            (Method::DELETE, format!("/api/members/{kid}"), Value::Null),
            (Method::GET, format!("/api/families/{fam}/kiosks"), Value::Null),
            (Method::POST, format!("/api/families/{fam}/kiosks"), json!({ "name": "Spy" })),
            (Method::DELETE, format!("/api/kiosks/{kiosk_b}"), Value::Null),
            (Method::GET, format!("/api/families/{fam}/templates"), Value::Null),
            (Method::POST, format!("/api/families/{fam}/templates"), json!({ "label": "X", "durationSeconds": 60 })),
            (Method::PATCH, format!("/api/templates/{template}"), json!({ "label": "X" })),
            (Method::DELETE, format!("/api/templates/{template}"), Value::Null),
            (Method::POST, format!("/api/families/{fam}/timers"), json!({ "memberId": kid, "label": "X", "durationSeconds": 60 })),
            (Method::POST, format!("/api/families/{fam}/timers"), json!({ "memberId": kid, "templateId": template })),
            (Method::POST, format!("/api/timers/{timer}/pause"), json!({})),
            (Method::POST, format!("/api/timers/{timer}/resume"), json!({})),
            (Method::POST, format!("/api/timers/{timer}/extend"), json!({ "seconds": 60 })),
            (Method::POST, format!("/api/timers/{timer}/cancel"), json!({})),
            (Method::POST, format!("/api/timers/{timer}/sync"), json!({})),
            (Method::POST, format!("/api/timers/{timer}/confirm"), json!({})),
            (Method::GET, format!("/api/families/{fam}/chores"), Value::Null),
            (Method::POST, format!("/api/families/{fam}/chores"), json!({ "title": "X" })),
            (Method::PATCH, format!("/api/chores/{chore}"), json!({ "title": "X" })),
            (Method::PATCH, format!("/api/chores/{chore}"), json!({ "days": [1, 2] })),
            (Method::DELETE, format!("/api/chores/{chore}"), Value::Null),
            (Method::POST, format!("/api/chores/{chore}/complete"), json!({ "memberId": kid })),
            (Method::GET, format!("/api/families/{fam}/members/{kid}/stars"), Value::Null),
            (Method::POST, format!("/api/families/{fam}/members/{kid}/stars"), json!({ "amount": 5, "reason": "x" })),
            (Method::GET, format!("/api/families/{fam}/members/{kid}/stars?weeks=4"), Value::Null),
            (Method::GET, format!("/api/families/{fam}/members/{kid}/stars.csv"), Value::Null),
            (Method::POST, format!("/api/completions/{completion_b}/approve"), json!({})),
            (Method::POST, format!("/api/completions/{completion_b}/reject"), json!({})),
            (Method::POST, format!("/api/completions/{completion_b}/undo"), json!({})),
            (Method::POST, format!("/api/star-entries/{entry_b}/undo"), json!({})),
            (Method::GET, format!("/api/families/{fam}/rewards"), Value::Null),
            (Method::POST, format!("/api/families/{fam}/rewards"), json!({ "title": "X", "cost": 1 })),
            (Method::PATCH, format!("/api/rewards/{reward_b}"), json!({ "cost": 2 })),
            (Method::DELETE, format!("/api/rewards/{reward_b}"), Value::Null),
            (Method::POST, format!("/api/rewards/{reward_b}/redeem"), json!({ "memberId": kid })),
            (Method::POST, format!("/api/redemptions/{redemption_b}/approve"), json!({})),
            (Method::POST, format!("/api/redemptions/{redemption_b}/reject"), json!({})),
            // A's own family, B's child or template.
            (Method::POST, format!("/api/families/{}/timers", a.id), json!({ "memberId": kid, "label": "X", "durationSeconds": 60 })),
            (Method::POST, format!("/api/families/{}/timers", a.id), json!({ "memberId": a.kids[0], "templateId": template })),
            (Method::POST, format!("/api/families/{}/members/{kid}/stars", a.id), json!({ "amount": 5, "reason": "x" })),
            (Method::GET, format!("/api/families/{}/members/{kid}/stars", a.id), Value::Null),
            (Method::POST, format!("/api/chores/{a_chore}/complete"), json!({ "memberId": kid })),
            (Method::PATCH, format!("/api/chores/{a_chore}"), json!({ "memberId": kid })),
            (Method::POST, format!("/api/families/{}/chores", a.id), json!({ "title": "X", "memberId": kid })),
            (Method::POST, format!("/api/rewards/{a_reward}/redeem"), json!({ "memberId": kid })),
            (Method::GET, format!("/api/families/{}/members/{kid}/stars.csv", a.id), Value::Null),
        ];
        let b_revision = s.revision(&b.id).await;
        let a_revision = s.revision(&a.id).await;
        for token in [&a.parent.token, &kiosk_a] {
            for (method, path, body) in &routes {
                // Parent-only routes on A's own chores are a 403 for A's
                // kiosk whatever they name; that leaks nothing of B.
                if token == &kiosk_a && path.contains(&a_chore) && *method == Method::PATCH
                    || token == &kiosk_a && *path == format!("/api/families/{}/chores", a.id)
                {
                    continue;
                }
                let body = (!body.is_null()).then(|| body.clone());
                let r = s.call(method.clone(), path, Some(token), body).await;
                assert_eq!(r.status, 404, "{method} {path} answered {} {}", r.status, r.body);
                r.err(404);
            }
        }
        assert_eq!(s.revision(&b.id).await, b_revision, "nothing of B changed");
        assert_eq!(s.revision(&a.id).await, a_revision, "nothing of A changed");
        assert_eq!(s.count(&format!("SELECT balance FROM members WHERE id = '{kid}'")).await, 0);
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM members WHERE id = '{kid}' AND removed_at IS NULL")).await, 1);
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM invites WHERE id = '{invite_b}' AND revoked_at IS NULL")).await, 1);
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM memberships WHERE family_id = '{}'", b.id)).await, 1);

        // B's channel: 403 for A's parent and A's kiosk.
        for token in [&a.parent.token, &kiosk_a] {
            let r = s.http.post(format!("{}/api/pusher/auth", s.base)).bearer_auth(token)
                .form(&[("socket_id", "123.456"), ("channel_name", &format!("private-family-{}", b.id))])
                .send().await.unwrap();
            assert_eq!(r.status(), 403);
        }
    }
}
