//! Signing in and out against the real server: the token goes to the
//! credential store and nowhere else, a session is restored from the store
//! at the next start, and signing out forgets it here and revokes it there.

use kinboard_core::kinboard_api::ErrorCode;
use std::sync::Arc;

use kinboard_core::{
    ApiClient, CredentialStore, Dashboard, DashboardOptions, MemoryStore, Session,
};
use kinboard_system_tests::{Household, PASSWORD, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_lives_in_the_credential_store_and_sign_out_revokes_it() {
    let server = TestServer::start().await;
    let home = Household::create(&server, "Parkers").await;
    let store = Arc::new(MemoryStore::new());

    let err = Session::sign_in(
        ApiClient::new(&server.url()).unwrap(),
        &home.email,
        "wrong password",
        store.clone(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidCredentials);

    let session = Session::sign_in(
        ApiClient::new(&server.url()).unwrap(),
        &home.email,
        PASSWORD,
        store.clone(),
    )
    .await
    .unwrap();
    let info = session.info().clone();
    let token = store
        .get(&info.credential_key())
        .unwrap()
        .expect("the token is stored");
    assert_eq!(session.api().token().as_deref(), Some(token.as_str()));
    // What the shell may keep in a plain settings file has no secret in it.
    let settings = serde_json::to_string(&info).unwrap();
    assert!(!settings.contains(&token));

    // The next start: restored from the store, and it works.
    let restored = Session::restore(
        ApiClient::new(&server.url()).unwrap(),
        info.clone(),
        store.clone(),
    )
    .await
    .unwrap()
    .expect("restored");
    let dashboard = Dashboard::connect(restored.api().clone(), DashboardOptions::default())
        .await
        .unwrap();
    assert_eq!(dashboard.family_id(), home.family_id);
    dashboard.shutdown();

    restored.sign_out().await.unwrap();
    assert_eq!(store.get(&info.credential_key()).unwrap(), None);
    let stale = ApiClient::new(&server.url()).unwrap();
    stale.set_token(Some(token));
    assert_eq!(
        stale.me().await.unwrap_err().status(),
        Some(401),
        "revoked at the server"
    );
    let gone = Session::restore(ApiClient::new(&server.url()).unwrap(), info, store)
        .await
        .unwrap();
    assert!(gone.is_none());
    let err = Dashboard::connect(stale, DashboardOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_without_a_family_cannot_open_a_dashboard() {
    let server = TestServer::start().await;
    let api = ApiClient::new(&server.url()).unwrap();
    let store = Arc::new(MemoryStore::new());
    let session = Session::sign_up(api, "lonely@example.com", PASSWORD, "Lee", store)
        .await
        .unwrap();
    let err = Dashboard::connect(session.api().clone(), DashboardOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoFamily);
}
