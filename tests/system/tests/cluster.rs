//! The scale path on real parts: two `kinboard-server` processes on one
//! PostgreSQL behind HAProxy, broadcasting through the Pusher HTTP API to
//! two sockudo nodes joined by Redis, with `kinboard-core` screens spread
//! over both nodes by the balancer ([`Cluster`]).
//!
//! * Faults: a server instance killed in the middle of a run of actions, a
//!   relay node killed (its screens reconnect to the other and resync),
//!   Redis restarted, PostgreSQL restarted — and every star given counted
//!   exactly once, every screen showing the database's state.
//! * Nothing assumes it is alone: revisions without gaps or duplicates
//!   under actions sent to both instances at once; one `timer:expired` per
//!   timer with both schedulers running; a sign-out or a kitchen screen
//!   revoked on one instance refused by the other within the cache's
//!   bound; an idempotency key and wrong PINs counted across instances.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use kinboard_system_tests::{
    Cluster, ClusterConfig, Device, DeviceBuilder, FamilyListener, Household, PIN, converged_at,
    truth_at,
};
use kinboard_testkit::eventually;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

async fn cluster() -> Cluster {
    kinboard_system_tests::init_tracing();
    let config = ClusterConfig::from_env().expect("the cluster's programs");
    Cluster::start(config).await.expect("the cluster starts")
}

/// The database's star balance of the household's first child, read
/// through the balancer. A part may just be coming back (a server's pool
/// reconnecting answers 503 for a moment): the reading is tried again.
async fn balance(cluster: &Cluster, home: &Household) -> i64 {
    balance_at(&cluster.url(), home).await
}

async fn balance_at(base: &str, home: &Household) -> i64 {
    let url = format!("{base}/api/families/{}/dashboard", home.family_id);
    eventually("the balance from the database", WAIT, || async {
        let reply = client().get(&url).bearer_auth(&home.token).send().await;
        let snapshot: Value = match reply {
            Ok(r) if r.status().is_success() => r.json().await.map_err(|e| e.to_string())?,
            Ok(r) => return Err(format!("{}", r.status())),
            Err(e) => return Err(e.to_string()),
        };
        snapshot["members"][0]["balance"]
            .as_i64()
            .ok_or_else(|| "no balance".to_owned())
    })
    .await
}

/// Gives `count` stars, one at a time, from `screen` (which tries again
/// what fails in transit, with one idempotency key per action).
async fn give_stars(screen: &Device, home: &Household, count: usize, why: &str) {
    for i in 0..count {
        screen
            .dashboard
            .add_stars(&home.members[0], 1, &format!("{why} {i}"), None)
            .await
            .unwrap_or_else(|e| panic!("star {i} ({why}) was not given: {e}"));
    }
}

async fn all_converged(cluster: &Cluster, home: &Household, screens: &[Device]) {
    let all: Vec<&Device> = screens.iter().collect();
    converged_at(&cluster.url(), home, &all, WAIT).await;
}

/// Stars given one after another from `screen` until `stop` is set:
/// each is counted as acknowledged or refused (an action that failed
/// after its tries, while a part was down, is told to the person and not
/// counted by anyone).
struct Steady {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<(i64, i64)>,
}

impl Steady {
    fn start(screen: &Device, home: &Household, why: &'static str) -> Self {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let dashboard = screen.dashboard.clone();
        let member = home.members[0].clone();
        let stopping = stop.clone();
        let task = tokio::spawn(async move {
            let (mut acknowledged, mut refused) = (0, 0);
            let mut i = 0;
            while !stopping.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                match dashboard
                    .add_stars(&member, 1, &format!("{why} {i}"), None)
                    .await
                {
                    Ok(_) => acknowledged += 1,
                    Err(_) => refused += 1,
                }
                // A busy family's pace, not a flood.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (acknowledged, refused)
        });
        Self { stop, task }
    }

    /// Stops, and says how many were acknowledged and refused.
    async fn finish(self) -> (i64, i64) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.task.await.expect("the stars")
    }
}

/// The requests `screen` has sent so far (each try counts).
fn sent(screen: &Device) -> u64 {
    screen.dashboard.api().requests_sent()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_update_is_lost_when_a_server_a_relay_node_redis_or_postgres_goes_down() {
    let mut cluster = cluster().await;
    let home = Household::create_at(&cluster.url(), "Clusters").await;
    let mut screens = Vec::new();
    for _ in 0..6 {
        screens.push(DeviceBuilder::at(cluster.addr(), &home).connect().await);
    }
    for screen in &screens {
        screen.live().await;
    }
    // The balancer spread the screens over both relay nodes.
    eventually("screens on both relay nodes", WAIT, || async {
        let on = (cluster.relay_sockets(0), cluster.relay_sockets(1));
        (on.0 > 0 && on.1 > 0 && on.0 + on.1 >= screens.len())
            .then_some(())
            .ok_or(format!("{on:?}"))
    })
    .await;
    let mut given = 0i64;

    // 1. A server instance hangs with a request of a run of actions in
    //    it, then is killed: the balancer sends the rest to the other
    //    instance, and the request it swallowed is tried again there and
    //    counted once.
    let start = sent(&screens[0]);
    let run = Steady::start(&screens[0], &home, "run");
    eventually("the run under way", WAIT, || async {
        (balance(&cluster, &home).await >= 5).then_some(())
    })
    .await;
    cluster.pause_server(0);
    // A request stuck in the frozen instance: one sent, not yet counted
    // (read from the other instance: the balancer could send the reading
    // itself to the frozen one).
    let live = cluster.server_url(1);
    eventually("a request stuck in the frozen instance", WAIT, || async {
        let tries = sent(&screens[0]) - start;
        let counted = balance_at(&live, &home).await as u64;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let still = sent(&screens[0]) - start;
        (still == tries && tries > counted).then_some(())
    })
    .await;
    let at_kill = balance_at(&live, &home).await;
    cluster.kill_server(0);
    eventually("the run past the kill", WAIT, || async {
        (balance(&cluster, &home).await >= at_kill + 10).then_some(())
    })
    .await;
    let (acknowledged, refused) = run.finish().await;
    assert_eq!(refused, 0, "an action failed with an instance left");
    given += acknowledged;
    assert_eq!(
        balance(&cluster, &home).await,
        given,
        "a star lost or doubled"
    );
    assert!(
        sent(&screens[0]) - start > acknowledged as u64,
        "no request was tried again: the kill cut nothing"
    );
    all_converged(&cluster, &home, &screens).await;
    cluster.start_server(0).await.expect("server 1 again");

    // 2. A relay node killed: its screens reconnect through the balancer
    //    to the other node and reload; the others are not disturbed.
    cluster.kill_sockudo(0);
    give_stars(&screens[0], &home, 3, "relay down").await;
    given += 3;
    all_converged(&cluster, &home, &screens).await;
    assert!(
        cluster.relay_sockets(1) >= screens.len(),
        "not all on the node left: {}",
        cluster.relay_sockets(1)
    );
    cluster.start_sockudo(0).await.expect("relay node 1 again");

    // Fresh screens, spread over both nodes again.
    let mut fresh = Vec::new();
    for _ in 0..4 {
        fresh.push(DeviceBuilder::at(cluster.addr(), &home).connect().await);
    }
    for screen in &fresh {
        screen.live().await;
    }
    eventually("fresh screens on node 1", WAIT, || async {
        (cluster.relay_sockets(0) >= 2).then_some(())
    })
    .await;

    // 3. Redis restarted (empty) while stars are given: the nodes find it
    //    again, and afterwards every event reaches the screens on both
    //    nodes as it is sent, with no reload.
    let run = Steady::start(&fresh[0], &home, "redis");
    cluster.restart_redis().await.expect("redis again");
    let (acknowledged, _refused) = run.finish().await;
    given += acknowledged;
    let all: Vec<&Device> = screens.iter().chain(&fresh).collect();
    converged_at(&cluster.url(), &home, &all, WAIT).await;
    let watchers: Vec<&Device> = all
        .iter()
        .skip(1)
        .copied()
        .filter(|d| !std::ptr::eq(*d, &fresh[0]))
        .collect();
    let before: Vec<u64> = watchers.iter().map(|d| sent(d)).collect();
    give_stars(&fresh[0], &home, 3, "after redis").await;
    given += 3;
    converged_at(&cluster.url(), &home, &all, WAIT).await;
    let after: Vec<u64> = watchers.iter().map(|d| sent(d)).collect();
    assert_eq!(
        before, after,
        "a screen had to reload: an event did not reach it"
    );

    // 4. PostgreSQL stopped and started while stars are given: what fails
    //    meanwhile is tried again or refused, never half-done; the
    //    servers' pools reconnect.
    let start = sent(&screens[1]);
    let run = Steady::start(&screens[1], &home, "postgres");
    eventually("the run under way", WAIT, || async {
        (sent(&screens[1]) > start + 2).then_some(())
    })
    .await;
    cluster.stop_postgres().await.expect("postgres stopped");
    // A request made while the database is away (it waits for the pool,
    // fails and is tried again, or is refused).
    let down = sent(&screens[1]);
    eventually("a request while the database is away", WAIT, || async {
        (sent(&screens[1]) > down).then_some(())
    })
    .await;
    cluster.start_postgres().await.expect("postgres again");
    let back = balance(&cluster, &home).await;
    eventually("stars given again", WAIT, || async {
        (balance(&cluster, &home).await >= back + 3).then_some(())
    })
    .await;
    let (acknowledged, _refused) = run.finish().await;
    given += acknowledged;
    assert_eq!(
        balance(&cluster, &home).await,
        given,
        "a star lost or doubled"
    );
    converged_at(&cluster.url(), &home, &all, WAIT).await;

    // The ledger agrees: every star acknowledged, once.
    let history = screens[0]
        .dashboard
        .api()
        .member_stars(&home.family_id, &home.members[0], 1)
        .await
        .expect("the history");
    assert_eq!(history.balance, given, "the ledger's balance");
    assert_eq!(history.weekly, given, "stars earned this week");
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("an HTTP client")
}

async fn post(url: &str, token: &str, body: Value, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut request = client().post(url).bearer_auth(token).json(&body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let reply = request.send().await.expect("the server answers");
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

/// A screen on `token`, its dashboard live through the cluster's relay
/// (a sockudo node behind the balancer) and its device signed in there.
async fn live_screen(url: &str, token: &str) -> kinboard_core::Dashboard {
    let api = kinboard_core::ApiClient::new(url).expect("api");
    api.set_token(Some(token.to_owned()));
    let screen = kinboard_core::Dashboard::connect(api, Default::default())
        .await
        .expect("the dashboard connects");
    let mut signed_in = screen.pusher().signed_in();
    tokio::time::timeout(WAIT, signed_in.wait_for(Option::is_some))
        .await
        .expect("the device signs in on the sockudo node")
        .expect("the connection runs");
    screen
}

/// When `screen`'s socket is seen closed for good (4009: the engine ended
/// its user's connections), watched from now on in the background.
fn closing(screen: &kinboard_core::Dashboard) -> tokio::task::JoinHandle<Instant> {
    let mut state = screen.pusher().state();
    tokio::spawn(async move {
        tokio::time::timeout(
            WAIT,
            state.wait_for(|s| *s == pusher_client::State::Disconnected),
        )
        .await
        .expect("the socket closes")
        .expect("the connection runs");
        Instant::now()
    })
}

/// Waits for `closing` and asserts it came within a second of `since`
/// (printed, for the record: `what` closed after `after`).
async fn closed_within_a_second(
    closing: tokio::task::JoinHandle<Instant>,
    since: Instant,
    what: &str,
    after: &str,
) {
    let took = closing
        .await
        .expect("the watch runs")
        .saturating_duration_since(since);
    eprintln!("{what} closed {took:?} after {after}");
    assert!(took < Duration::from_secs(1), "{what} stayed {took:?}");
}

/// POSTs a form with a bearer token; the status and the JSON reply.
async fn post_form(url: &str, token: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let reply = client()
        .post(url)
        .bearer_auth(token)
        .form(form)
        .send()
        .await
        .expect("the request is answered");
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

async fn get_status(url: &str, token: &str) -> u16 {
    client()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("the server answers")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_revisions_expiry_sessions_idempotency_and_pin_attempts() {
    let cluster = cluster().await;
    let home = Household::create_at(&cluster.url(), "Pairs").await;
    let screen = DeviceBuilder::at(cluster.addr(), &home).connect().await;
    screen.live().await;
    let instance = [cluster.server_url(0), cluster.server_url(1)];
    let stars = |i: usize| {
        format!(
            "{}/api/families/{}/members/{}/stars",
            instance[i], home.family_id, home.members[0]
        )
    };

    // Revisions: 40 actions sent to both instances at once make 40
    // consecutive revisions, each once.
    let start = truth_at(&cluster.url(), &home).await["revision"]
        .as_i64()
        .expect("a revision");
    let mut sent = tokio::task::JoinSet::new();
    for i in 0..40 {
        let url = stars(i % 2);
        let token = home.token.clone();
        sent.spawn(async move {
            let (status, reply) = post(
                &url,
                &token,
                json!({"amount": 1, "reason": format!("parallel {i}")}),
                &[],
            )
            .await;
            assert_eq!(status, 200, "{reply}");
            reply["revision"].as_i64().expect("a revision")
        });
    }
    let mut revisions = Vec::new();
    while let Some(revision) = sent.join_next().await {
        revisions.push(revision.expect("an action"));
    }
    revisions.sort_unstable();
    let expected: Vec<i64> = (start + 1..=start + 40).collect();
    assert_eq!(revisions, expected, "revisions with gaps or twice");
    converged_at(&cluster.url(), &home, &[&screen], WAIT).await;

    // An idempotency key sent to one instance and again to the other is
    // one action.
    let key = [("idempotency-key", "cluster-key-1")];
    let (a, first) = post(
        &stars(0),
        &home.token,
        json!({"amount": 2, "reason": "once"}),
        &key,
    )
    .await;
    let (b, again) = post(
        &stars(1),
        &home.token,
        json!({"amount": 2, "reason": "once"}),
        &key,
    )
    .await;
    assert_eq!((a, b), (200, 200));
    assert_eq!(
        first["entry"]["id"], again["entry"]["id"],
        "two entries for one key"
    );
    assert_eq!(first["newBalance"], again["newBalance"]);
    assert_eq!(
        truth_at(&cluster.url(), &home).await["members"][0]["balance"],
        json!(42)
    );

    // A kitchen screen's wrong PINs count on both instances: the fifth
    // locks the PIN whichever instance it reached.
    let api = kinboard_core::ApiClient::new(&cluster.url()).expect("api");
    api.set_token(Some(home.token.clone()));
    let kiosk = api
        .create_kiosk(&home.family_id, "Kitchen")
        .await
        .expect("a kitchen screen");
    for i in 0..5 {
        let (status, reply) = post(
            &stars(i % 2),
            &kiosk,
            json!({"amount": 1, "reason": "guess"}),
            &[("x-kinboard-pin", "0000")],
        )
        .await;
        assert_eq!(status, 403, "wrong PIN {i}: {reply}");
    }
    for i in 0..2 {
        let (status, reply) = post(
            &stars(i),
            &kiosk,
            json!({"amount": 1, "reason": "right pin, locked"}),
            &[("x-kinboard-pin", PIN)],
        )
        .await;
        assert_eq!(
            status, 429,
            "instance {i} let the PIN in while locked: {reply}"
        );
        assert_eq!(reply["error"]["code"], "too_many_attempts");
    }

    // A session signed out on one instance, and a kitchen screen revoked
    // on it, are refused by the other within the cache's bound (1 s).
    let dashboard = |i: usize| format!("{}/api/families/{}/dashboard", instance[i], home.family_id);
    let session = api
        .sign_in(&home.email, kinboard_system_tests::PASSWORD)
        .await
        .expect("a second session")
        .token;
    // Instance 2 has the session cached (just now: the bound counts).
    assert_eq!(
        get_status(&dashboard(1), &session).await,
        200,
        "the session"
    );
    // A screen on that session, live through a sockudo node, signed in.
    let parent_screen = live_screen(&cluster.url(), &session).await;
    let parent_closed = closing(&parent_screen);
    let signed_out = Instant::now();
    let (status, _) = post(
        &format!("{}/api/auth/sign-out", instance[0]),
        &session,
        json!({}),
        &[],
    )
    .await;
    assert!(status == 200 || status == 204, "sign-out: {status}");
    eventually("the session refused by instance 2", WAIT, || async {
        (get_status(&dashboard(1), &session).await == 401).then_some(())
    })
    .await;
    let took = signed_out.elapsed();
    assert!(
        took < Duration::from_millis(1500),
        "signed out for {took:?} only on one instance"
    );
    closed_within_a_second(
        parent_closed,
        signed_out,
        "the signed-out screen's socket",
        "the sign-out was sent",
    )
    .await;
    parent_screen.shutdown();

    let kiosks = api.kiosks(&home.family_id).await.expect("kiosks");
    // Instance 2 has the kitchen screen cached, just now.
    assert_eq!(
        get_status(&dashboard(1), &kiosk).await,
        200,
        "the kitchen screen"
    );
    let kitchen_screen = live_screen(&cluster.url(), &kiosk).await;
    let socket_id = kitchen_screen
        .pusher()
        .socket_id()
        .expect("a socket")
        .as_str()
        .to_owned();
    let kitchen_closed = closing(&kitchen_screen);
    let revoked = Instant::now();
    let revoke_url = format!("{}/api/kiosks/{}", instance[0], kiosks.kiosks[0].id);
    let status = client()
        .delete(revoke_url)
        .bearer_auth(&home.token)
        .send()
        .await
        .expect("revoke")
        .status();
    assert!(status.is_success(), "revoke: {status}");
    eventually("the kitchen screen refused by instance 2", WAIT, || async {
        (get_status(&dashboard(1), &kiosk).await == 401).then_some(())
    })
    .await;
    let took = revoked.elapsed();
    assert!(
        took < Duration::from_millis(1500),
        "revoked for {took:?} only on one instance"
    );
    // Its live socket, on whichever sockudo node, closes within a second,
    // after `kiosk:revoked`; and its channel is refused it again.
    closed_within_a_second(
        kitchen_closed,
        revoked,
        "the revoked kitchen screen's socket",
        "the revoke was sent",
    )
    .await;
    for (i, base) in instance.iter().enumerate() {
        let (status, reply) = post_form(
            &format!("{base}/api/pusher/auth"),
            &kiosk,
            &[
                ("socket_id", socket_id.as_str()),
                (
                    "channel_name",
                    &format!("private-family-{}", home.family_id),
                ),
            ],
        )
        .await;
        assert_eq!(
            status, 401,
            "instance {i} authorised the revoked screen: {reply}"
        );
    }
    kitchen_screen.shutdown();

    // Both schedulers run: each of five 2-second timers expires once.
    // A plain subscriber, through the balancer's relay frontend.
    let listener = FamilyListener::subscribe(&cluster.url(), &home).await;
    let expired = || {
        let mut counts = BTreeMap::<String, usize>::new();
        for (name, data) in listener.events() {
            if name == "timer:expired"
                && let Some(id) = data["timer"]["id"].as_str()
            {
                *counts.entry(id.to_owned()).or_insert(0) += 1;
            }
        }
        counts
    };
    let mut timers = Vec::new();
    for i in 0..5 {
        let timer = screen
            .dashboard
            .start_timer_from_template(&home.members[i % 2], &home.templates[1])
            .await
            .expect("a timer");
        timers.push(timer.id);
    }
    eventually("every timer expired", WAIT, || async {
        let expired = expired();
        timers
            .iter()
            .all(|t| expired.contains_key(t))
            .then_some(())
            .ok_or_else(|| format!("expired so far: {expired:?}"))
    })
    .await;
    // Both schedulers look at least once a second: a second expiry of the
    // same run would have come by now.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let expired = expired();
    for timer in &timers {
        assert_eq!(
            expired.get(timer),
            Some(&1),
            "timer:expired for {timer}: {expired:?}"
        );
    }
    converged_at(&cluster.url(), &home, &[&screen], WAIT).await;
    for timer in &timers {
        assert_eq!(screen.notifier.count_for(timer), 1, "notices for {timer}");
    }

    // Last (it ends every other session): a new password, set on one
    // session, closes the live screen of another on whichever node.
    let laptop = kinboard_core::ApiClient::new(&instance[1]).expect("api");
    laptop.set_token(Some(
        api.sign_in(&home.email, kinboard_system_tests::PASSWORD)
            .await
            .expect("a session")
            .token,
    ));
    let other = api
        .sign_in(&home.email, kinboard_system_tests::PASSWORD)
        .await
        .expect("another session")
        .token;
    let other_screen = live_screen(&cluster.url(), &other).await;
    let other_closed = closing(&other_screen);
    let changed = Instant::now();
    let ended = laptop
        .change_password(kinboard_system_tests::PASSWORD, "a new and long password")
        .await
        .expect("the password changes");
    assert!(ended.ended >= 2, "{ended:?}");
    closed_within_a_second(
        other_closed,
        changed,
        "the other session's screen",
        "the new password was sent",
    )
    .await;
    other_screen.shutdown();
}
