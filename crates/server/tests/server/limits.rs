//! Guessing, slowed down: wrong passwords lock an account and an address
//! for growing spans (429 with `Retry-After`), a household makes no
//! accounts once its first parent exists (further parents come with an
//! invite code), wrong pairing and invite codes lock the address they come
//! from, and wrong PINs lock the PIN for growing spans, announced to every
//! screen of the family.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use kinboard_server::ServerConfig;

use crate::support::{Resp, TestServer, both_with};

/// Lockouts of 2, 4, 6 and 8 seconds instead of 1, 5, 15 and 60 minutes.
fn quick_lockouts(c: &mut ServerConfig) {
    c.access.lockouts = [2, 4, 6, 8].map(Duration::from_secs);
}

/// A household: sign-up closes after the first parent.
fn household(c: &mut ServerConfig) {
    quick_lockouts(c);
    c.access.open_signup = false;
}

/// Behind a proxy: the address in `X-Forwarded-For` counts.
fn behind_proxy(c: &mut ServerConfig) {
    quick_lockouts(c);
    c.access.behind_proxy = true;
}

async fn sign_in(s: &TestServer, email: &str, password: &str, from: Option<&str>) -> Resp {
    let headers: Vec<(&str, &str)> = from.map(|a| ("x-forwarded-for", a)).into_iter().collect();
    s.call_with(
        Method::POST,
        "/api/auth/sign-in",
        None,
        Some(json!({ "email": email, "password": password })),
        &headers,
    )
    .await
}

/// The `Retry-After` of a 429, in seconds.
fn retry_after(r: &Resp) -> u64 {
    assert_eq!(r.status, 429, "{}", r.body);
    r.headers["retry-after"].to_str().unwrap().parse().unwrap()
}

/// Waits (with a deadline) until `attempt` stops answering 429.
async fn after_the_lockout<F, Fut>(what: &str, limit: Duration, mut attempt: F) -> Resp
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Resp>,
{
    let deadline = Instant::now() + limit;
    loop {
        let r = attempt().await;
        if r.status != 429 {
            return r;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: still refused after {limit:?}: {}",
            r.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

both_with! { quick_lockouts;
    async fn fifty_wrong_passwords_lock_the_account_and_the_parent_gets_in_after_the_delay(s) {
        let ana = s.parent("Ana").await;
        let started = Instant::now();
        let mut statuses = Vec::new();
        for i in 0..50 {
            statuses.push(sign_in(s, &ana.email, &format!("guess number {i}"), None).await.status);
        }
        // Five passwords are checked; every later guess is refused unchecked.
        assert_eq!(statuses.iter().filter(|&&st| st == 401).count(), 5, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|&&st| st == 429).count(), 45, "{statuses:?}");
        assert!(statuses[..5].iter().all(|&st| st == 401), "{statuses:?}");

        // The right password waits too, and is told for how long.
        let refused = sign_in(s, &ana.email, "correct horse", None).await;
        assert!((1..=2).contains(&retry_after(&refused)), "{}", refused.body);
        assert!(refused.refused(429, "too_many_attempts").contains("this account"));

        let back = after_the_lockout("the parent", Duration::from_secs(10), || sign_in(s, &ana.email, "correct horse", None)).await;
        assert_eq!(back.status, 200, "{}", back.body);
        assert!(started.elapsed() >= Duration::from_secs(1), "the lockout held");
        // Signing in cleared the account's count: five wrong ones are checked again.
        for _ in 0..5 {
            sign_in(s, &ana.email, "wrong again", None).await.refused(401, "invalid_credentials");
        }
        // Each lockout after the first is longer, until a quiet day: a
        // second round without a success in between waits the next span.
        sign_in(s, &ana.email, "correct horse", None).await.err(429);
        let _ = after_the_lockout("the parent", Duration::from_secs(10), || sign_in(s, &ana.email, "still wrong", None)).await;
        for _ in 0..4 {
            sign_in(s, &ana.email, "still wrong", None).await.refused(401, "invalid_credentials");
        }
        let second = sign_in(s, &ana.email, "correct horse", None).await;
        assert!((3..=4).contains(&retry_after(&second)), "the second lockout is longer: {}", second.body);
    }

    async fn a_stolen_session_cannot_guess_the_password_faster_than_a_sign_in(s) {
        let ana = s.parent("Ana").await;
        for _ in 0..5 {
            s.post("/api/auth/password", &ana.token, json!({ "currentPassword": "not it", "newPassword": "a new password" }))
                .await
                .refused(401, "invalid_credentials");
        }
        s.post("/api/auth/password", &ana.token, json!({ "currentPassword": "correct horse", "newPassword": "a new password" }))
            .await
            .refused(429, "too_many_attempts");
        // The same count as signing in: the account is locked there too.
        sign_in(s, &ana.email, "correct horse", None).await.refused(429, "too_many_attempts");
    }
}

both_with! { behind_proxy;
    async fn an_address_that_keeps_failing_is_locked_out_and_no_one_else(s) {
        let ana = s.parent("Ana").await;
        // Twenty accounts tried once each from one address: no account is
        // locked, the address is.
        for i in 0..20 {
            sign_in(s, &format!("someone-{i}@example.org"), "password1", Some("203.0.113.7")).await
                .refused(401, "invalid_credentials");
        }
        let refused = sign_in(s, &ana.email, "correct horse", Some("203.0.113.7")).await;
        assert!(refused.refused(429, "too_many_attempts").contains("this address"));
        // The parent at home, at another address, signs in.
        assert_eq!(sign_in(s, &ana.email, "correct horse", Some("198.51.100.2")).await.status, 200);
        // A proxy's client address counts, whatever the client put first.
        let spoofed = sign_in(s, &ana.email, "correct horse", Some("198.51.100.99, 203.0.113.7")).await;
        assert_eq!(spoofed.status, 429, "{}", spoofed.body);
        // The address's own successes do not wipe its failures (an attacker's
        // own account cannot launder them): it stays locked until the delay.
        let back = after_the_lockout("the address", Duration::from_secs(10), || sign_in(s, &ana.email, "correct horse", Some("203.0.113.7"))).await;
        assert_eq!(back.status, 200, "{}", back.body);
    }

    async fn wrong_pairing_and_invite_codes_lock_the_address(s) {
        let f = s.family("Ana").await;
        let from = [("x-forwarded-for", "203.0.113.8")];
        for _ in 0..10 {
            s.call_with(Method::POST, "/api/kiosk-pairings/claim", None, Some(json!({ "code": "AAAAA-BBBBB" })), &from).await
                .refused(404, "not_found");
        }
        // A real code from that address waits now; from elsewhere it works.
        let pairing = s.post(&format!("/api/families/{}/kiosk-pairings", f.id), &f.parent.token, json!({ "name": "Kitchen" })).await;
        let code = pairing.ok()["pairing"]["code"].as_str().unwrap().to_owned();
        let r = s.call_with(Method::POST, "/api/kiosk-pairings/claim", None, Some(json!({ "code": code })), &from).await;
        assert!(r.refused(429, "too_many_attempts").contains("this address"));
        let r = s.call_with(Method::POST, "/api/kiosk-pairings/claim", None, Some(json!({ "code": code })), &[("x-forwarded-for", "198.51.100.3")]).await;
        assert_eq!(r.status, 201, "{}", r.body);

        let ben = s.parent("Ben").await;
        for _ in 0..10 {
            s.call_with(Method::POST, "/api/invites/AAAABBBBCCCCDDDDEEEEFFFFGGGG/accept", Some(&ben.token), None, &from).await
                .refused(404, "not_found");
        }
        let invite = s.post(&format!("/api/families/{}/invites", f.id), &f.parent.token, json!({})).await;
        let code = invite.ok()["invite"]["code"].as_str().unwrap().to_owned();
        let accept = format!("/api/invites/{code}/accept");
        s.call_with(Method::POST, &accept, Some(&ben.token), None, &from).await.refused(429, "too_many_attempts");
        let r = s.call_with(Method::POST, &accept, Some(&ben.token), None, &[("x-forwarded-for", "198.51.100.3")]).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
}

both_with! { household;
    async fn a_household_makes_no_accounts_after_its_first_parent_but_for_an_invite(s) {
        let sign_up = |email: &str, code: Option<&str>| {
            let mut body = json!({ "email": email, "password": "correct horse", "name": "Someone" });
            if let Some(code) = code {
                body["inviteCode"] = Value::from(code);
            }
            s.call(Method::POST, "/api/auth/sign-up", None, Some(body))
        };
        let first = sign_up("ana@example.org", None).await;
        assert_eq!(first.status, 201, "{}", first.body);
        let ana = first.body["token"].as_str().unwrap().to_owned();
        let family = s.post("/api/families", &ana, json!({ "name": "Parkers" })).await;
        let family_id = family.ok()["family"]["id"].as_str().unwrap().to_owned();

        let closed = sign_up("mallory@example.org", None).await;
        assert!(closed.refused(403, "signup_closed").contains("invite"));
        sign_up("mallory@example.org", Some("AAAABBBBCCCCDDDDEEEEFFFFGGGG")).await.refused(404, "not_found");
        assert_eq!(s.count("SELECT COUNT(*) FROM users").await, 1, "nothing written");

        // Ben, with Ana's invite: an account, then the invite accepted.
        let invite = s.post(&format!("/api/families/{family_id}/invites"), &ana, json!({})).await;
        let code = invite.ok()["invite"]["code"].as_str().unwrap().to_owned();
        let ben = sign_up("ben@example.org", Some(&code)).await;
        assert_eq!(ben.status, 201, "{}", ben.body);
        let ben = ben.body["token"].as_str().unwrap().to_owned();
        // One invite, one account, even before it is accepted.
        sign_up("mallory@example.org", Some(&code)).await.refused(404, "not_found");
        s.post(&format!("/api/invites/{code}/accept"), &ben, json!({})).await.ok();
        // Used up: it makes no second account.
        sign_up("carol@example.org", Some(&code)).await.refused(404, "not_found");
        assert_eq!(s.count("SELECT COUNT(*) FROM users").await, 2);
    }

    async fn wrong_pins_lock_the_pin_for_growing_spans_and_every_screen_is_told(s) {
        let ana = s.call(Method::POST, "/api/auth/sign-up", None,
            Some(json!({ "email": "ana@example.org", "password": "correct horse", "name": "Ana" }))).await;
        let ana = ana.body["token"].as_str().unwrap().to_owned();
        let family = s.post("/api/families", &ana, json!({ "name": "Parkers" })).await;
        let family_id = family.ok()["family"]["id"].as_str().unwrap().to_owned();
        let kid = s.post(&format!("/api/families/{family_id}/members"), &ana, json!({ "name": "Mia" })).await;
        let kid = kid.ok()["member"]["id"].as_str().unwrap().to_owned();
        s.call(Method::PUT, &format!("/api/families/{family_id}/pin"), Some(&ana), Some(json!({ "pin": "24681357" }))).await.ok();
        let kiosk = s.post(&format!("/api/families/{family_id}/kiosks"), &ana, json!({ "name": "Kitchen" })).await;
        let kiosk_id = kiosk.ok()["kiosk"]["id"].as_str().unwrap().to_owned();
        let kiosk = kiosk.body["token"].as_str().unwrap().to_owned();
        let mut parent_screen = s.subscribe(&ana, &family_id).await;

        let stars = format!("/api/families/{family_id}/members/{kid}/stars");
        let with_pin = |pin: &'static str| {
            let stars = stars.clone();
            let kiosk = kiosk.clone();
            async move {
                s.call_with(Method::POST, &stars, Some(&kiosk), Some(json!({ "amount": 1, "reason": "x" })), &[("x-kinboard-pin", pin)]).await
            }
        };
        for _ in 0..5 {
            with_pin("0000").await.refused(403, "wrong_pin");
        }
        let (name, data) = parent_screen.next().await;
        assert_eq!(name, "pin:locked");
        assert_eq!(data["kioskId"], kiosk_id.as_str());
        let until = data["lockedUntil"].as_i64().unwrap();
        // A screen that loads the dashboard now learns it too.
        let dashboard = s.get(&format!("/api/families/{family_id}/dashboard"), &ana).await;
        assert_eq!(dashboard.ok()["family"]["pinLockedUntil"], until);

        let first = retry_after(&with_pin("24681357").await);
        assert!((1..=2).contains(&first), "{first}");
        let ok = after_the_lockout("the PIN", Duration::from_secs(10), || with_pin("0000")).await;
        ok.refused(403, "wrong_pin");
        for _ in 0..4 {
            with_pin("0000").await.refused(403, "wrong_pin");
        }
        let (name, _) = parent_screen.next().await;
        assert_eq!(name, "pin:locked", "the second lockout is announced too");
        let second = retry_after(&with_pin("24681357").await);
        assert!((3..=4).contains(&second), "the second lockout is longer: {second}");
        // A parent setting a new PIN lifts the lockout.
        s.call(Method::PUT, &format!("/api/families/{family_id}/pin"), Some(&ana),
            Some(json!({ "pin": "97531", "password": "correct horse" }))).await.ok();
        let dashboard = s.get(&format!("/api/families/{family_id}/dashboard"), &ana).await;
        assert!(dashboard.ok()["family"].get("pinLockedUntil").is_none(), "{}", dashboard.body);
        s.call_with(Method::POST, &stars, Some(&kiosk), Some(json!({ "amount": 1, "reason": "x" })), &[("x-kinboard-pin", "97531")])
            .await
            .ok();
    }
}
