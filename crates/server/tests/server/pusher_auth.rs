//! `POST /api/pusher/auth`: 401 without a valid bearer, 400 for a malformed
//! socket id, 403 for anything but exactly the caller's family channel, and
//! a signature the relay accepts; expired and revoked tokens are 401 here
//! too. `POST /api/pusher/user-auth` signs a socket's device in
//! (`pusher:signin`): one Pusher user per session and per kitchen screen.

use pusher_protocol::{AppCredentials, ChannelName, SocketId};
use reqwest::Method;
use serde_json::json;

use crate::support::{TestServer, both};

/// `POST /api/pusher/auth` for the family channel; the status.
async fn channel_auth(s: &TestServer, token: &str, family_id: &str) -> u16 {
    let channel = format!("private-family-{family_id}");
    let r = s
        .http
        .post(format!("{}/api/pusher/auth", s.base))
        .bearer_auth(token)
        .form(&[("socket_id", "123.456"), ("channel_name", channel.as_str())])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    if status != 200 {
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(
            body["error"]["code"].is_string() && body["serverTime"].is_i64(),
            "{body}"
        );
    }
    status
}

/// The server's Pusher app (its credentials as it keeps them), for
/// checking a signature it gave.
async fn app_of(s: &TestServer, key: &str) -> AppCredentials {
    let kept: String = sqlx::query_scalar("SELECT value FROM settings WHERE name = 'pusher_app'")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    let mut parts = kept.splitn(3, ':');
    let id = parts.next().unwrap().to_owned();
    parts.next();
    AppCredentials::new(id, key, parts.next().unwrap().to_owned())
}

both! {
    async fn pusher_auth_accepts_exactly_the_callers_family_channel(s) {
        let f = s.family("Ana").await;
        let auth = |token: Option<&str>, socket: &str, channel: &str| {
            let mut req = s.http.post(format!("{}/api/pusher/auth", s.base))
                .form(&[("socket_id", socket), ("channel_name", channel)]);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            async move {
                let r = req.send().await.unwrap();
                let status = r.status().as_u16();
                (status, r.json::<serde_json::Value>().await.unwrap_or_default())
            }
        };
        let own = format!("private-family-{}", f.id);
        let tok = Some(f.parent.token.as_str());
        assert_eq!(auth(None, "1.2", &own).await.0, 401);
        assert_eq!(auth(Some("kbs_bogus"), "1.2", &own).await.0, 401);
        for socket in ["", "12", "1.2.3", "a.b", "1.2 ", "-1.2"] {
            assert_eq!(auth(tok, socket, &own).await.0, 400, "socket id {socket:?}");
        }
        let others = [
            format!("presence-family-{}", f.id),
            format!("family-{}", f.id),
            format!("private-family-{}x", f.id),
            format!("private-family-{}-x", f.id),
            format!("{own}#"),
            "private-family-".to_owned(),
            format!("private-families-{}", f.id),
            format!("private-family-{}", &f.id[..f.id.len() - 1]),
            "private-family-fam_doesnotexist0000000".to_owned(),
            format!("PRIVATE-family-{}", f.id),
        ];
        for channel in &others {
            assert_eq!(auth(tok, "123.456", channel).await.0, 403, "channel {channel:?}");
        }
        let (status, body) = auth(tok, "123.456", &own).await;
        assert_eq!(status, 200);
        // The signature is the relay's own.
        let realtime = s.call(Method::GET, "/api/realtime", None, None).await;
        let key = realtime.body["key"].as_str().unwrap();
        let given = body["auth"].as_str().unwrap();
        assert!(given.starts_with(&format!("{key}:")), "{given}");
        let app = app_of(s, key).await;
        app.verify_channel_auth(&SocketId::parse("123.456").unwrap(), &ChannelName::parse(own).unwrap(), Some(given), None)
            .unwrap();
    }

    async fn expired_and_revoked_tokens_are_401_for_channel_auth(s) {
        let f = s.family("Ana").await;
        let sign_in = || s.call(Method::POST, "/api/auth/sign-in", None,
            Some(json!({ "email": f.parent.email, "password": "correct horse" })));

        // Expired: a session past its end is refused, though never revoked.
        let expiring = sign_in().await.ok()["token"].as_str().unwrap().to_owned();
        sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2")
            .bind(kinboard_server::clock::now_ms() - 1)
            .bind(kinboard_server::ids::token_hash(&expiring))
            .execute(&s.pool).await.unwrap();
        assert_eq!(channel_auth(s, &expiring, &f.id).await, 401);

        // Revoked by signing out: accepted before, refused at once after.
        let session = sign_in().await.ok()["token"].as_str().unwrap().to_owned();
        assert_eq!(channel_auth(s, &session, &f.id).await, 200);
        s.call(Method::POST, "/api/auth/sign-out", Some(&session), None).await.ok();
        assert_eq!(channel_auth(s, &session, &f.id).await, 401);

        // A revoked kiosk, likewise.
        let r = s.post(&format!("/api/families/{}/kiosks", f.id), &f.parent.token, json!({ "name": "Kitchen" })).await;
        let kiosk = r.body["token"].as_str().unwrap().to_owned();
        let kiosk_id = r.body["kiosk"]["id"].as_str().unwrap().to_owned();
        assert_eq!(channel_auth(s, &kiosk, &f.id).await, 200);
        s.call(Method::DELETE, &format!("/api/kiosks/{kiosk_id}"), Some(&f.parent.token), None).await.ok();
        assert_eq!(channel_auth(s, &kiosk, &f.id).await, 401);

        // The family's other credentials are untouched.
        assert_eq!(channel_auth(s, &f.parent.token, &f.id).await, 200);
    }

    async fn realtime_describes_the_embedded_relay(s) {
        let r = s.call(Method::GET, "/api/realtime", None, None).await;
        let b = r.ok();
        assert_eq!(b["host"], "127.0.0.1");
        assert_eq!(b["port"], s.port());
        assert_eq!(b["scheme"], "http");
        assert_eq!(b["authEndpoint"], format!("{}/api/pusher/auth", s.base));
        assert!(b["key"].as_str().unwrap().len() >= 16);
        assert!(b.get("cluster").is_none());
        // The embedded relay closes ended devices' sockets itself: no
        // sign-in is asked for.
        assert!(b.get("userAuthEndpoint").is_none(), "{b}");
    }

    async fn user_auth_signs_each_device_in_as_its_own_user(s) {
        let f = s.family("Ana").await;
        let sign_in = |token: Option<String>, socket: &'static str| {
            let mut req = s.http.post(format!("{}/api/pusher/user-auth", s.base))
                .form(&[("socket_id", socket)]);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            async move {
                let r = req.send().await.unwrap();
                (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap_or_default())
            }
        };
        assert_eq!(sign_in(None, "1.2").await.0, 401);
        assert_eq!(sign_in(Some("kbs_bogus".into()), "1.2").await.0, 401);
        for socket in ["", "12", "a.b"] {
            assert_eq!(sign_in(Some(f.parent.token.clone()), socket).await.0, 400, "socket id {socket:?}");
        }
        let (status, first) = sign_in(Some(f.parent.token.clone()), "123.456").await;
        assert_eq!(status, 200, "{first}");
        // The signature is what a Pusher engine checks.
        let realtime = s.call(Method::GET, "/api/realtime", None, None).await;
        let key = realtime.body["key"].as_str().unwrap();
        let app = app_of(s, key).await;
        let user_data = first["user_data"].as_str().unwrap();
        app.verify_user_auth(&SocketId::parse("123.456").unwrap(), first["auth"].as_str(), user_data)
            .unwrap();
        let user = |reply: &serde_json::Value| -> String {
            let data: serde_json::Value = serde_json::from_str(reply["user_data"].as_str().unwrap()).unwrap();
            data["id"].as_str().unwrap().to_owned()
        };
        let parent = user(&first);
        assert!(parent.starts_with("session-"), "{parent}");
        assert!(!parent.contains(&f.parent.token) && !parent.contains(&kinboard_server::ids::token_hash(&f.parent.token)),
            "the user id gives away neither the token nor its stored hash");
        // The same session on another socket: the same user.
        assert_eq!(user(&sign_in(Some(f.parent.token.clone()), "7.8").await.1), parent);
        // Another session of the same parent: another user.
        let other = s.call(Method::POST, "/api/auth/sign-in", None,
            Some(json!({ "email": f.parent.email, "password": "correct horse" }))).await.ok()["token"]
            .as_str().unwrap().to_owned();
        let second = user(&sign_in(Some(other), "123.456").await.1);
        assert!(second.starts_with("session-") && second != parent);
        // A kitchen screen: its device.
        let r = s.post(&format!("/api/families/{}/kiosks", f.id), &f.parent.token, json!({ "name": "Kitchen" })).await;
        let kiosk = r.body["token"].as_str().unwrap().to_owned();
        let kiosk_id = r.body["kiosk"]["id"].as_str().unwrap().to_owned();
        assert_eq!(user(&sign_in(Some(kiosk.clone()), "123.456").await.1), format!("kiosk-{kiosk_id}"));
        // Revoked: refused.
        s.call(Method::DELETE, &format!("/api/kiosks/{kiosk_id}"), Some(&f.parent.token), None).await.ok();
        assert_eq!(sign_in(Some(kiosk), "123.456").await.0, 401);
    }
}
