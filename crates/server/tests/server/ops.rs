//! `GET /healthz` and the OpenAPI document, which must describe every route.

use reqwest::Method;

use crate::support::{Backend, TestServer};

#[tokio::test]
async fn healthz_and_openapi_describe_every_route() {
    let s = TestServer::start(Backend::Sqlite).await;
    let h = s.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(h.ok()["status"], "ok");
    let doc = s.call(Method::GET, "/api/openapi.json", None, None).await;
    let paths = doc.ok()["paths"].as_object().unwrap();
    let expected: &[(&str, &[&str])] = &[
        ("/api/auth/sign-up", &["post"]),
        ("/api/auth/sign-in", &["post"]),
        ("/api/auth/sign-out", &["post"]),
        ("/api/me", &["get"]),
        ("/api/families", &["post"]),
        ("/api/auth/password", &["post"]),
        ("/api/sessions", &["get"]),
        ("/api/sessions/{sessionId}", &["delete"]),
        ("/api/families/{familyId}", &["get", "patch"]),
        ("/api/families/{familyId}/members", &["get", "post"]),
        ("/api/members/{memberId}", &["patch", "delete"]),
        ("/api/families/{familyId}/parents", &["get"]),
        ("/api/families/{familyId}/parents/{userId}", &["delete"]),
        ("/api/families/{familyId}/invites", &["get", "post"]),
        ("/api/invites/{inviteId}", &["delete"]),
        ("/api/invites/{code}/accept", &["post"]),
        ("/api/families/{familyId}/pin", &["put"]),
        ("/api/families/{familyId}/kiosks", &["get", "post"]),
        ("/api/kiosks/{kioskId}", &["delete"]),
        ("/api/families/{familyId}/dashboard", &["get"]),
        ("/api/families/{familyId}/templates", &["get", "post"]),
        ("/api/templates/{templateId}", &["patch", "delete"]),
        ("/api/families/{familyId}/timers", &["post"]),
        ("/api/timers/{timerId}/pause", &["post"]),
        ("/api/timers/{timerId}/resume", &["post"]),
        ("/api/timers/{timerId}/extend", &["post"]),
        ("/api/timers/{timerId}/cancel", &["post"]),
        ("/api/timers/{timerId}/sync", &["post"]),
        ("/api/timers/{timerId}/confirm", &["post"]),
        ("/api/families/{familyId}/chores", &["get", "post"]),
        ("/api/chores/{choreId}", &["patch", "delete"]),
        ("/api/chores/{choreId}/complete", &["post"]),
        ("/api/completions/{completionId}/undo", &["post"]),
        ("/api/completions/{completionId}/approve", &["post"]),
        ("/api/completions/{completionId}/reject", &["post"]),
        (
            "/api/families/{familyId}/members/{memberId}/stars",
            &["get", "post"],
        ),
        (
            "/api/families/{familyId}/members/{memberId}/stars.csv",
            &["get"],
        ),
        ("/api/star-entries/{entryId}/undo", &["post"]),
        ("/api/families/{familyId}/rewards", &["get", "post"]),
        ("/api/rewards/{rewardId}", &["patch", "delete"]),
        ("/api/rewards/{rewardId}/redeem", &["post"]),
        ("/api/redemptions/{redemptionId}/approve", &["post"]),
        ("/api/redemptions/{redemptionId}/reject", &["post"]),
        ("/api/families/{familyId}/kiosk-pairings", &["post"]),
        ("/api/kiosk-pairings/claim", &["post"]),
        ("/api/pusher/auth", &["post"]),
        ("/api/pusher/user-auth", &["post"]),
        ("/api/realtime", &["get"]),
        ("/healthz", &["get"]),
        ("/api/info", &["get"]),
        ("/api/tls", &["get"]),
        ("/api/openapi.json", &["get"]),
    ];
    for (path, methods) in expected {
        let item = paths
            .get(*path)
            .unwrap_or_else(|| panic!("{path} is not documented"));
        for m in *methods {
            assert!(item.get(*m).is_some(), "{m} {path} is not documented");
        }
    }
    assert_eq!(
        paths.len(),
        expected.len(),
        "documented paths: {:?}",
        paths.keys().collect::<Vec<_>>()
    );
    s.stop().await;
}
