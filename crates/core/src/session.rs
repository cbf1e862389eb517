//! Signing in and out. A [`Session`] is an [`ApiClient`] that carries a
//! token, plus the non-secret [`SessionInfo`] the shell may keep in its
//! settings to restore the session at the next start. The token itself
//! goes only to the [`CredentialStore`], keyed by server and account.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::api::ApiClient;
use crate::credentials::{self, CredentialStore};
use crate::error::CoreError;

/// Who a session signs in as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionKind {
    /// A parent's account (email and password).
    User,
    /// A kiosk device token made by a parent.
    Kiosk,
}

/// What a session is, without its secret: fine in a plain settings file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub server_url: String,
    /// The email, or the kiosk's name.
    pub account: String,
    pub kind: SessionKind,
}

impl SessionInfo {
    /// The credential store's key for this session's token.
    pub fn credential_key(&self) -> String {
        format!("{}|{}", self.server_url, self.account)
    }
}

/// A signed-in session.
#[derive(Clone)]
pub struct Session {
    api: ApiClient,
    info: SessionInfo,
    store: Arc<dyn CredentialStore>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Signs in with email and password and stores the token.
    pub async fn sign_in(
        api: ApiClient,
        email: &str,
        password: &str,
        store: Arc<dyn CredentialStore>,
    ) -> Result<Self, CoreError> {
        let reply = api.sign_in(email, password).await?;
        Self::keep(api, reply.user.email, SessionKind::User, reply.token, store).await
    }

    /// Creates an account, signed in (setting up a new household).
    pub async fn sign_up(
        api: ApiClient,
        email: &str,
        password: &str,
        name: &str,
        store: Arc<dyn CredentialStore>,
    ) -> Result<Self, CoreError> {
        let reply = api.sign_up(email, password, name).await?;
        Self::keep(api, reply.user.email, SessionKind::User, reply.token, store).await
    }

    /// Signs a kiosk in with the device token a parent created for it.
    pub async fn with_kiosk_token(
        api: ApiClient,
        kiosk_name: &str,
        token: &str,
        store: Arc<dyn CredentialStore>,
    ) -> Result<Self, CoreError> {
        api.set_token(Some(token.to_owned()));
        // Check it before keeping it.
        if let Err(e) = api.me().await {
            api.set_token(None);
            return Err(e);
        }
        Self::keep(
            api,
            kiosk_name.to_owned(),
            SessionKind::Kiosk,
            token.to_owned(),
            store,
        )
        .await
    }

    /// Pairs this screen as a kiosk with the one-time code a parent made
    /// for it ([`ApiClient::create_kiosk_pairing`]): no parent password is
    /// typed on a shared screen.
    pub async fn pair_kiosk(
        api: ApiClient,
        code: &str,
        store: Arc<dyn CredentialStore>,
    ) -> Result<Self, CoreError> {
        let claimed = api.claim_kiosk_pairing(code).await?;
        Self::with_kiosk_token(api, &claimed.kiosk.name, &claimed.token, store).await
    }

    async fn keep(
        api: ApiClient,
        account: String,
        kind: SessionKind,
        token: String,
        store: Arc<dyn CredentialStore>,
    ) -> Result<Self, CoreError> {
        let info = SessionInfo {
            server_url: api.base_url().to_owned(),
            account,
            kind,
        };
        credentials::save_token(&store, &info, &token).await?;
        api.set_token(Some(token));
        Ok(Self { api, info, store })
    }

    /// The session `info` describes, when its token is still in the store.
    /// The token is not checked here: the first call that needs it says.
    pub async fn restore(
        api: ApiClient,
        info: SessionInfo,
        store: Arc<dyn CredentialStore>,
    ) -> Result<Option<Self>, CoreError> {
        if api.base_url() != info.server_url {
            return Err(CoreError::InvalidUrl(format!(
                "the session is for {}, not {}",
                info.server_url,
                api.base_url()
            )));
        }
        let Some(token) = credentials::load_token(&store, &info).await? else {
            return Ok(None);
        };
        api.set_token(Some(token));
        Ok(Some(Self { api, info, store }))
    }

    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    pub fn info(&self) -> &SessionInfo {
        &self.info
    }

    /// Signs out: forgets the token here whatever happens, then revokes it
    /// at the server (a kiosk token is left for the parent to revoke).
    /// Returns the server's error, if any, after forgetting locally.
    pub async fn sign_out(self) -> Result<(), CoreError> {
        let forgotten = credentials::forget_token(&self.store, &self.info).await;
        let revoked = match self.info.kind {
            SessionKind::User => self.api.sign_out().await,
            SessionKind::Kiosk => Ok(()),
        };
        self.api.set_token(None);
        forgotten?;
        match revoked {
            // Already expired or revoked: signed out either way.
            Err(e) if e.is_unauthorized() => Ok(()),
            other => other,
        }
    }
}
