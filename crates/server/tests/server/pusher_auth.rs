//! `POST /api/pusher/auth`: 401 without a valid bearer, 400 for a malformed
//! socket id, 403 for anything but exactly the caller's family channel, and
//! a signature the relay accepts.

use pusher_protocol::{AppCredentials, ChannelName, SocketId};
use reqwest::Method;

use crate::support::both;

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
        let (app_id, secret): (String, String) = {
            let v: String = sqlx::query_scalar("SELECT value FROM settings WHERE name = 'pusher_app'")
                .fetch_one(&s.pool).await.unwrap();
            let mut p = v.splitn(3, ':');
            let id = p.next().unwrap().to_owned();
            p.next();
            (id, p.next().unwrap().to_owned())
        };
        let app = AppCredentials::new(app_id, key, secret);
        app.verify_channel_auth(&SocketId::parse("123.456").unwrap(), &ChannelName::parse(own).unwrap(), Some(given), None)
            .unwrap();
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
    }
}
