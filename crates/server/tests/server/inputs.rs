//! Bad input: unknown ids, out-of-range durations and extensions,
//! over-long labels, malformed JSON and wrong content types answer 4xx with
//! a clear message, and write nothing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::both;

both! {
    async fn bad_input_is_refused_with_a_clear_message_and_writes_nothing(s) {
        let f = s.family("Ana").await;
        let tok = f.parent.token.as_str();
        let (timer, _) = s.start_timer(&f, 600).await;
        let timer = timer["id"].as_str().unwrap().to_owned();
        let start = format!("/api/families/{}/timers", f.id);
        let kid = f.kids[0].as_str();
        let long = "x".repeat(81);
        let cases: Vec<(String, Value, u16, &str)> = vec![
            (start.clone(), json!({ "memberId": kid, "label": "X", "durationSeconds": 0 }), 422, "durationSeconds"),
            (start.clone(), json!({ "memberId": kid, "label": "X", "durationSeconds": -5 }), 422, "durationSeconds"),
            (start.clone(), json!({ "memberId": kid, "label": "X", "durationSeconds": 86_401 }), 422, "durationSeconds"),
            (start.clone(), json!({ "memberId": kid, "label": "X", "durationSeconds": 9_223_372_036_854_775_807_i64 }), 422, "durationSeconds"),
            (start.clone(), json!({ "memberId": kid, "label": "X", "durationSeconds": 1e30 }), 422, "invalid request body"),
            (start.clone(), json!({ "memberId": kid, "label": "X", "durationSeconds": "10" }), 422, "invalid request body"),
            (start.clone(), json!({ "memberId": kid, "label": long, "durationSeconds": 60 }), 422, "label"),
            (start.clone(), json!({ "memberId": kid, "label": "   ", "durationSeconds": 60 }), 422, "label"),
            (start.clone(), json!({ "memberId": kid, "label": "X", "durationSeconds": 60, "stars": 101 }), 422, "stars"),
            (start.clone(), json!({ "memberId": kid, "label": "X", "durationSeconds": 60, "stars": -1 }), 422, "stars"),
            (start.clone(), json!({ "memberId": kid, "label": "X" }), 422, "durationSeconds"),
            (start.clone(), json!({ "memberId": kid, "templateId": "tpl_x", "label": "X" }), 422, "either"),
            (start.clone(), json!({ "memberId": kid, "label": "X", "durationSeconds": 60, "colour": 1 }), 422, "unknown field"),
            (start.clone(), json!({ "label": "X", "durationSeconds": 60 }), 422, "memberId"),
            (start.clone(), json!({ "memberId": "mem_nope", "label": "X", "durationSeconds": 60 }), 404, "member not found"),
            (start.clone(), json!({ "memberId": kid, "templateId": "tpl_nope" }), 404, "template not found"),
            ("/api/families/fam_nope/timers".to_owned(), json!({ "memberId": kid, "label": "X", "durationSeconds": 60 }), 404, "family not found"),
            ("/api/timers/tmr_nope/pause".to_owned(), json!({}), 404, "timer not found"),
            (format!("/api/timers/{timer}/extend"), json!({ "seconds": 0 }), 422, "seconds"),
            (format!("/api/timers/{timer}/extend"), json!({ "seconds": -60 }), 422, "seconds"),
            (format!("/api/timers/{timer}/extend"), json!({ "seconds": 86_400 }), 422, "seconds left"),
            (format!("/api/timers/{timer}/extend"), json!({ "seconds": 100_000_000 }), 422, "seconds"),
            (format!("/api/timers/{timer}/extend"), json!({}), 422, "seconds"),
            (format!("/api/families/{}/members", f.id), json!({ "name": "" }), 422, "name"),
            (format!("/api/families/{}/members", f.id), json!({ "name": "Al", "color": "blue" }), 422, "color"),
            (format!("/api/families/{}/members/{kid}/stars", f.id), json!({ "amount": 0, "reason": "x" }), 422, "amount"),
            (format!("/api/families/{}/members/{kid}/stars", f.id), json!({ "amount": 1001, "reason": "x" }), 422, "amount"),
            (format!("/api/families/{}/members/{kid}/stars", f.id), json!({ "amount": 1, "reason": "" }), 422, "reason"),
            (format!("/api/families/{}/members/mem_nope/stars", f.id), json!({ "amount": 1, "reason": "x" }), 404, "member not found"),
            (format!("/api/families/{}/chores", f.id), json!({ "title": "x".repeat(200) }), 422, "title"),
            ("/api/chores/chr_nope/complete".to_owned(), json!({ "memberId": kid }), 404, "chore not found"),
            ("/api/families".to_owned(), json!({ "name": "X", "timeZone": "Nowhere/Town" }), 422, "time zone"),
            ("/api/invites/NOPE/accept".to_owned(), json!({}), 404, "invite not found"),
        ];
        let revision = s.revision(&f.id).await;
        let timers = s.count("SELECT COUNT(*) FROM timers").await;
        let families = s.count("SELECT COUNT(*) FROM families").await;
        for (path, body, status, needle) in &cases {
            let r = s.post(path, tok, body.clone()).await;
            let message = r.err(*status);
            assert!(message.contains(needle), "{path} {body}: {message:?} lacks {needle:?}");
        }
        // Malformed JSON, wrong or missing content types, non-JSON bodies.
        let raw = |content_type: Option<&'static str>, body: &'static str| {
            let mut req = s.http.post(format!("{}{start}", s.base)).bearer_auth(tok).body(body);
            if let Some(ct) = content_type {
                req = req.header("content-type", ct);
            }
            async move {
                let r = req.send().await.unwrap();
                (r.status().as_u16(), r.json::<Value>().await.unwrap())
            }
        };
        let (status, body) = raw(Some("application/json"), "{\"memberId\": ").await;
        assert_eq!(status, 400);
        assert!(body["error"]["message"].as_str().unwrap().contains("malformed JSON"), "{body}");
        let (status, body) = raw(Some("text/plain"), "{}").await;
        assert_eq!(status, 415, "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("application/json"));
        let (status, _) = raw(None, "{}").await;
        assert_eq!(status, 415);
        let (status, _) = raw(Some("application/json"), "[1, 2]").await;
        assert_eq!(status, 422);
        let r = s.http.post(format!("{}/api/pusher/auth", s.base)).bearer_auth(tok)
            .json(&json!({ "socket_id": "1.2", "channel_name": format!("private-family-{}", f.id) }))
            .send().await.unwrap();
        assert_eq!(r.status(), 415);
        // Too large.
        let huge = format!("{{\"memberId\":\"{}\",\"label\":\"{}\",\"durationSeconds\":60}}", kid, "x".repeat(100_000));
        let r = s.http.post(format!("{}{start}", s.base)).bearer_auth(tok)
            .header("content-type", "application/json").body(huge).send().await.unwrap();
        assert_eq!(r.status(), 413);
        // Unknown routes are JSON 404s too.
        s.call(Method::GET, "/api/nope", Some(tok), None).await.err(404);

        assert_eq!(s.revision(&f.id).await, revision, "no refused request bumped the revision");
        assert_eq!(s.count("SELECT COUNT(*) FROM timers").await, timers);
        assert_eq!(s.count("SELECT COUNT(*) FROM families").await, families);
        assert_eq!(s.count("SELECT COUNT(*) FROM star_entries").await, 0);
    }
}

both! {
    async fn wrong_methods_and_oversized_forms_answer_in_the_api_format(s) {
        let f = s.family("Ana").await;
        let tok = f.parent.token.as_str();
        let (timer, _) = s.start_timer(&f, 600).await;
        let timer = timer["id"].as_str().unwrap();
        let revision = s.revision(&f.id).await;
        let cases = [
            (Method::GET, "/api/auth/sign-in".to_owned(), "POST"),
            (Method::DELETE, format!("/api/families/{}", f.id), "PATCH"),
            (Method::PUT, format!("/api/timers/{timer}/pause"), "POST"),
            (Method::POST, format!("/api/families/{}/dashboard", f.id), "GET"),
            (Method::GET, "/api/pusher/auth".to_owned(), "POST"),
        ];
        for (method, path, allowed) in &cases {
            let r = s.http.request(method.clone(), format!("{}{path}", s.base)).bearer_auth(tok)
                .json(&json!({})).send().await.unwrap();
            let allow = r.headers().get("allow").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
            let resp = crate::support::Resp { status: r.status().as_u16(), headers: r.headers().clone(), body: r.json().await.unwrap_or_default() };
            let message = resp.err(405);
            assert_eq!(resp.body["error"]["code"], "method_not_allowed", "{method} {path}");
            assert!(message.contains("method"), "{method} {path}: {message}");
            assert!(allow.contains(allowed), "{method} {path}: Allow {allow:?}");
        }

        // A form too large for the body limit is a 413, like a JSON one.
        let channel = format!("private-family-{}", f.id);
        let padding = "x".repeat(100_000);
        let r = s.http.post(format!("{}/api/pusher/auth", s.base)).bearer_auth(tok)
            .form(&[("socket_id", "1.2"), ("channel_name", channel.as_str()), ("padding", padding.as_str())])
            .send().await.unwrap();
        let resp = crate::support::Resp { status: r.status().as_u16(), headers: r.headers().clone(), body: r.json().await.unwrap_or_default() };
        resp.err(413);
        assert_eq!(resp.body["error"]["code"], "payload_too_large");
        assert_eq!(s.revision(&f.id).await, revision);
    }
}
