//! The client against a stub axum server: headers sent, errors decoded,
//! requests counted, the clock offset taken from `serverTime`.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::*;

type Seen = Arc<Mutex<Vec<HeaderMap>>>;

/// A stub whose clock is `skew_ms` ahead of ours.
async fn stub(skew_ms: i64) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let now = move || clock::SystemClock.now_ms() + skew_ms;
    let s1 = seen.clone();
    let s2 = seen.clone();
    let app = Router::new()
        .route(
            "/api/me",
            get(move |headers: HeaderMap| async move {
                s1.lock().unwrap().push(headers);
                Json(json!({"user": null, "families": [{"id": "fam_1", "name": "Parkers", "role": "kiosk"}], "serverTime": now()}))
            }),
        )
        .route(
            "/api/timers/{id}/pause",
            post(move |headers: HeaderMap| async move {
                s2.lock().unwrap().push(headers);
                (
                    StatusCode::CONFLICT,
                    Json(json!({"error": {"code": "conflict", "message": "the timer is cancelled"}, "serverTime": now()})),
                )
            }),
        )
        .route(
            "/api/timers/{id}/resume",
            post(|| async { (StatusCode::BAD_GATEWAY, "upstream down") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

#[tokio::test]
async fn sends_the_current_token_and_counts_requests() {
    let (base, seen) = stub(0).await;
    let api = ApiClient::new(&base).unwrap();
    assert_eq!(api.requests_sent(), 0);
    let me = api.me().await.unwrap();
    assert_eq!(me.families[0].role, kinboard_api::Role::Kiosk);
    assert!(seen.lock().unwrap()[0].get("authorization").is_none());
    api.set_token(Some("kbk_secret".into()));
    api.me().await.unwrap();
    assert_eq!(
        seen.lock().unwrap()[1]["authorization"],
        "Bearer kbk_secret"
    );
    assert_eq!(api.requests_sent(), 2);
    assert_eq!(api.auth_headers()["authorization"], "Bearer kbk_secret");
}

#[tokio::test]
async fn api_errors_keep_status_code_and_message() {
    let (base, seen) = stub(0).await;
    let api = ApiClient::new(&base).unwrap();
    let options = CallOptions {
        idempotency_key: Some("k-1"),
        pin: Some("1234"),
    };
    let err = api
        .timer_action("tmr_1", TimerAction::Pause, options)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CoreError::Api {
            status: 409,
            code: ErrorCode::Conflict,
            message: "the timer is cancelled".into(),
            retry_after: None,
        }
    );
    let headers = seen.lock().unwrap()[0].clone();
    assert_eq!(headers["idempotency-key"], "k-1");
    assert_eq!(headers["x-kinboard-pin"], "1234");
    // A reply that is not the API's JSON still becomes an error with its status.
    let err = api
        .timer_action("tmr_1", TimerAction::Resume, CallOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert_eq!(
        err.code(),
        ErrorCode::Network,
        "a gateway that cannot reach the server"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn estimates_the_server_clock_offset() {
    let (base, _) = stub(3_600_000).await;
    let api = ApiClient::new(&base).unwrap();
    assert_eq!(api.server_offset_ms(), None);
    for _ in 0..5 {
        api.me().await.unwrap();
    }
    let offset = api.server_offset_ms().unwrap();
    // Loopback round trips are well under 50 ms.
    assert!((offset - 3_600_000).abs() < 50, "offset {offset}");
}

#[tokio::test]
async fn an_unreachable_server_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let api = ApiClient::new(&format!("http://{addr}")).unwrap();
    let err = api.me().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err:?}");
    assert!(err.is_retryable());
}

#[test]
fn server_addresses_are_normalised() {
    // A household server on the network serves HTTPS unless told not to;
    // one on this computer is reached over loopback in plain HTTP.
    assert_eq!(
        normalize_base_url("192.168.1.20:8080").unwrap(),
        "https://192.168.1.20:8080"
    );
    assert_eq!(
        normalize_base_url("127.0.0.1:8080").unwrap(),
        "http://127.0.0.1:8080"
    );
    assert_eq!(
        normalize_base_url("localhost:8080").unwrap(),
        "http://localhost:8080"
    );
    assert_eq!(
        normalize_base_url("http://192.168.1.20:8080").unwrap(),
        "http://192.168.1.20:8080"
    );
    assert_eq!(
        normalize_base_url(" https://kin.example/ ").unwrap(),
        "https://kin.example"
    );
    assert!(normalize_base_url("ftp://x").is_err());
    assert!(normalize_base_url("").is_err());
}

#[test]
fn path_segments_are_encoded() {
    assert_eq!(seg("tmr_01AB"), "tmr_01AB");
    assert_eq!(seg("../x y"), "..%2Fx%20y");
}

#[test]
fn start_requests_have_the_routes_shape() {
    let v: Value = serde_json::to_value(StartTimerRequest::from_template("m", "t")).unwrap();
    assert_eq!(v, json!({"memberId": "m", "templateId": "t"}));
    let v: Value = serde_json::to_value(StartTimerRequest::one_off("m", "Lego", 600, 1)).unwrap();
    assert_eq!(
        v,
        json!({"memberId": "m", "label": "Lego", "durationSeconds": 600, "stars": 1})
    );
}

#[tokio::test]
async fn the_token_goes_only_to_the_servers_own_channel_authorisation() {
    // The server this client talks to, and another that a reply names.
    let asked = |seen: Seen| {
        Router::new().route(
            "/api/pusher/auth",
            post(move |headers: HeaderMap| async move {
                seen.lock().unwrap().push(headers);
                Json(json!({"auth": "key:signature"}))
            }),
        )
    };
    let serve = |app: Router| async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    };
    let (own_seen, other_seen): (Seen, Seen) = (Arc::default(), Arc::default());
    let own = serve(asked(own_seen.clone())).await;
    let other = serve(asked(other_seen.clone())).await;
    let api = ApiClient::new(&own).unwrap();
    api.set_token(Some("kbs_secret".into()));

    let auth = api
        .pusher_auth(
            &format!("{other}/api/pusher/auth"),
            "1.2",
            "private-family-f",
        )
        .await
        .unwrap();
    assert_eq!(auth.auth, "key:signature");
    assert!(
        other_seen.lock().unwrap().is_empty(),
        "the other origin heard nothing"
    );
    {
        let own_seen = own_seen.lock().unwrap();
        assert_eq!(own_seen.len(), 1);
        assert_eq!(own_seen[0]["authorization"], "Bearer kbs_secret");
    }

    // Its own endpoint, as named, is used as it is.
    api.pusher_auth(&format!("{own}/api/pusher/auth"), "1.2", "private-family-f")
        .await
        .unwrap();
    assert_eq!(own_seen.lock().unwrap().len(), 2);
    assert!(other_seen.lock().unwrap().is_empty());
}
