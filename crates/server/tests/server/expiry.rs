//! The expiry scheduler: a timer that runs out is marked `expired` and
//! `timer:expired` arrives exactly once — also with two server instances on
//! one PostgreSQL, both broadcasting through one relay's HTTP API.

use std::collections::HashMap;

use kinboard_relay::{Relay, RelayConfig};
use kinboard_server::{RealtimeConfig, Scheme};
use pusher_protocol::AppCredentials;
use serde_json::json;

use crate::support::{Backend, TestDb, TestServer, both, subscribe_at};

both! {
    async fn a_timer_that_runs_out_expires_once(s) {
        let f = s.family("Ana").await;
        let mut events = s.subscribe(&f.parent.token, &f.id).await;
        let (timer, rev) = s.start_timer(&f, 1).await;
        events.expect("timer:started", json!({ "timer": timer, "revision": rev })).await;
        let (name, payload) = events.next().await;
        assert_eq!(name, "timer:expired");
        assert_eq!(payload["revision"], rev + 1);
        let expired = &payload["timer"];
        assert_eq!(expired["id"], timer["id"]);
        assert_eq!(expired["state"], "expired");
        assert_eq!(expired["endsAt"], timer["endsAt"]);
        assert!(expired["updatedAt"].as_i64().unwrap() >= timer["endsAt"].as_i64().unwrap());
        assert_eq!(s.revision(&f.id).await, rev + 1);

        // Still on the dashboard until a parent confirms it.
        let dash = s.get(&format!("/api/families/{}/dashboard", f.id), &f.parent.token).await;
        assert_eq!(dash.ok()["activeTimers"][0]["state"], "expired");
        // Pausing an expired timer is refused; extending restarts it.
        let id = timer["id"].as_str().unwrap();
        s.post(&format!("/api/timers/{id}/pause"), &f.parent.token, json!({})).await.err(409);
        let r = s.post(&format!("/api/timers/{id}/extend"), &f.parent.token, json!({ "seconds": 600 })).await;
        let restarted = r.ok()["timer"].clone();
        assert_eq!(restarted["state"], "running");
        // Exactly once: the next event is the extension's.
        events.expect("timer:updated", json!({ "timer": restarted, "revision": rev + 2 })).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_expire_each_timer_once() {
    let app = AppCredentials::new("42", "sharedkey0123456789", "sharedsecret0123456789");
    let relay = Relay::new(RelayConfig::new(app.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let relay_port = listener.local_addr().unwrap().port();
    let (stop_relay, stopped) = tokio::sync::oneshot::channel::<()>();
    let relay_task = tokio::spawn(kinboard_relay::serve(listener, relay, async move {
        let _ = stopped.await;
    }));
    let realtime = RealtimeConfig::SelfHosted {
        host: "127.0.0.1".into(),
        port: relay_port,
        scheme: Scheme::Http,
    };

    let db = TestDb::create(Backend::Postgres).await;
    let url = db.url.clone();
    let configure = |c: &mut kinboard_server::ServerConfig| {
        c.realtime = realtime.clone();
        c.app = Some(app.clone());
    };
    let one = TestServer::start_on(db, configure).await;
    let two_db = TestDb::borrowed(url, Backend::Postgres);
    let two = TestServer::start_on(two_db, configure).await;

    let f = one.family("Ana").await;
    let r = two
        .call(reqwest::Method::GET, "/api/realtime", None, None)
        .await;
    assert_eq!(r.body["host"], "127.0.0.1");
    assert_eq!(r.body["port"], relay_port);
    let mut events = subscribe_at(
        "127.0.0.1",
        relay_port,
        &app.key,
        r.body["authEndpoint"].as_str().unwrap(),
        &f.parent.token,
        &f.id,
    )
    .await;

    // Timers started on both instances, all running out within a second.
    let mut ids = Vec::new();
    for (i, server) in [&one, &two, &one, &two, &one, &two].into_iter().enumerate() {
        let r = server.post(&format!("/api/families/{}/timers", f.id), &f.parent.token,
            json!({ "memberId": f.kids[i % 2], "label": format!("T{i}"), "durationSeconds": 1 })).await;
        assert_eq!(r.status, 201, "{}", r.body);
        ids.push(r.body["timer"]["id"].as_str().unwrap().to_owned());
    }
    // Two instances publish independently, so their events may interleave
    // out of revision order; what matters is that each expiry comes once.
    let mut expired: HashMap<String, usize> = HashMap::new();
    while expired.len() < ids.len() {
        let (name, payload) = events.next().await;
        if name == "timer:expired" {
            *expired
                .entry(payload["timer"]["id"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    // Exactly once each: the next event after all of them is the marker's.
    let marker = one
        .post(
            &format!("/api/families/{}/members/{}/stars", f.id, f.kids[0]),
            &f.parent.token,
            json!({ "amount": 1, "reason": "marker" }),
        )
        .await;
    events
        .expect(
            "stars:updated",
            json!({ "memberId": f.kids[0], "newBalance": 1, "weeklyStars": 1, "revision": marker.body["revision"] }),
        )
        .await;
    assert!(expired.values().all(|n| *n == 1), "{expired:?}");
    assert_eq!(
        one.count(&format!(
            "SELECT COUNT(*) FROM timers WHERE family_id = '{}' AND state = 'expired'",
            f.id
        ))
        .await,
        6
    );

    two.stop().await;
    one.stop().await;
    let _ = stop_relay.send(());
    relay_task.await.unwrap().unwrap();
}
