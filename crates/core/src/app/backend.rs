//! What the [`Supervisor`](super::Supervisor) needs of a household server,
//! as a trait: signing in or up, the account's families, creating one or
//! joining one with an invite, claiming a pairing code, signing out, and
//! connecting a family's live dashboard ([`Board`]).
//! [`HttpBackend`] is the real one (the REST API and a Pusher connection);
//! the supervisor's tests give it a scripted one, so every lifecycle path
//! runs on paused time without a network.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use kinboard_api::{FamilyRole, Pairing};
use tokio::sync::watch;

use crate::api::ApiClient;
use crate::dashboard::{Dashboard, DashboardOptions};
use crate::error::CoreError;
use crate::notify::Notifier;
use crate::session::{SessionInfo, SessionKind};
use crate::tls::Trust;
use crate::view::DashboardView;

/// A boxed future, so the traits here stay object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A session: what it is (fine in a settings file) and its token (only
/// ever in the credential store).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub info: SessionInfo,
    pub token: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

/// A household server as this screen reaches it: its address, and the
/// fingerprint of the certificate this screen trusts there (pinned before,
/// or just confirmed by a person), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAddress {
    pub url: String,
    pub certificate: Option<String>,
}

impl ServerAddress {
    /// An address with no certificate pinned.
    pub fn plain(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            certificate: None,
        }
    }

    fn client(&self) -> Result<ApiClient, CoreError> {
        ApiClient::with_trust(
            &self.url,
            Trust::pinned_or_public(self.certificate.as_deref()),
        )
    }
}

/// A live dashboard the supervisor forwards and stops.
pub trait Board: Clone + Send + Sync + 'static {
    /// The family it shows.
    fn family_id(&self) -> &str;
    /// The view, as a `watch`: a new value on every change.
    fn views(&self) -> watch::Receiver<Arc<DashboardView>>;
    /// Stops syncing and closes the connection.
    fn shutdown(&self);
}

impl Board for Dashboard {
    fn family_id(&self) -> &str {
        Dashboard::family_id(self)
    }

    fn views(&self) -> watch::Receiver<Arc<DashboardView>> {
        self.view()
    }

    fn shutdown(&self) {
        Dashboard::shutdown(self);
    }
}

/// A household server, as the app's lifecycle uses it.
pub trait Backend: Send + Sync + 'static {
    type Board: Board;

    fn sign_in<'a>(
        &'a self,
        server: &'a ServerAddress,
        email: &'a str,
        password: &'a str,
    ) -> BoxFuture<'a, Result<Credentials, CoreError>>;

    /// Creates an account, signed in.
    fn sign_up<'a>(
        &'a self,
        server: &'a ServerAddress,
        email: &'a str,
        password: &'a str,
        name: &'a str,
        invite_code: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Credentials, CoreError>>;

    fn create_family<'a>(
        &'a self,
        session: &'a Credentials,
        name: &'a str,
        time_zone: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(), CoreError>>;

    /// The families the session may see, the first joined first (a
    /// kitchen screen's one).
    fn families<'a>(
        &'a self,
        session: &'a Credentials,
    ) -> BoxFuture<'a, Result<Vec<FamilyRole>, CoreError>>;

    /// Joins the family of an invite code as a parent.
    fn accept_invite<'a>(
        &'a self,
        session: &'a Credentials,
        code: &'a str,
    ) -> BoxFuture<'a, Result<FamilyRole, CoreError>>;

    /// Trades a pairing code for a kitchen screen's session.
    fn claim_pairing<'a>(
        &'a self,
        server: &'a ServerAddress,
        code: &'a str,
    ) -> BoxFuture<'a, Result<Credentials, CoreError>>;

    /// A kitchen screen's session in `parent`'s first family, made by the
    /// parent (the demo's kitchen screen).
    fn kiosk_for<'a>(
        &'a self,
        parent: &'a Credentials,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Credentials, CoreError>>;

    /// Revokes the session at the server (a kitchen screen's token: the
    /// kitchen screen, unpaired here).
    fn sign_out<'a>(&'a self, session: &'a Credentials) -> BoxFuture<'a, Result<(), CoreError>>;

    /// Connects the live dashboard of one of the session's families; fails
    /// when the server cannot be reached, and from then on reconnects by
    /// itself.
    fn connect<'a>(
        &'a self,
        session: &'a Credentials,
        family_id: &'a str,
        notifier: Arc<dyn Notifier>,
    ) -> BoxFuture<'a, Result<Self::Board, CoreError>>;

    /// A one-time code that pairs a kitchen screen with `board`'s family.
    fn create_pairing<'a>(
        &'a self,
        board: &'a Self::Board,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Pairing, CoreError>>;
}

/// The real household server: its REST API and its family channel.
#[derive(Debug, Clone, Default)]
pub struct HttpBackend {
    /// How dashboards connect (the notifier is the supervisor's).
    pub options: DashboardOptions,
}

fn credentials(
    api: &ApiClient,
    certificate: Option<&str>,
    account: String,
    kind: SessionKind,
    token: String,
) -> Credentials {
    Credentials {
        info: SessionInfo {
            server_url: api.base_url().to_owned(),
            account,
            kind,
            certificate: certificate.map(str::to_owned),
        },
        token,
    }
}

fn client(session: &Credentials) -> Result<ApiClient, CoreError> {
    let api = ServerAddress {
        url: session.info.server_url.clone(),
        certificate: session.info.certificate.clone(),
    }
    .client()?;
    api.set_token(Some(session.token.clone()));
    Ok(api)
}

impl Backend for HttpBackend {
    type Board = Dashboard;

    fn sign_in<'a>(
        &'a self,
        server: &'a ServerAddress,
        email: &'a str,
        password: &'a str,
    ) -> BoxFuture<'a, Result<Credentials, CoreError>> {
        Box::pin(async move {
            let api = server.client()?;
            let reply = api.sign_in(email, password).await?;
            Ok(credentials(
                &api,
                server.certificate.as_deref(),
                reply.user.email,
                SessionKind::User,
                reply.token,
            ))
        })
    }

    fn sign_up<'a>(
        &'a self,
        server: &'a ServerAddress,
        email: &'a str,
        password: &'a str,
        name: &'a str,
        invite_code: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Credentials, CoreError>> {
        Box::pin(async move {
            let api = server.client()?;
            let reply = api
                .sign_up_invited(email, password, name, invite_code)
                .await?;
            Ok(credentials(
                &api,
                server.certificate.as_deref(),
                reply.user.email,
                SessionKind::User,
                reply.token,
            ))
        })
    }

    fn create_family<'a>(
        &'a self,
        session: &'a Credentials,
        name: &'a str,
        time_zone: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(), CoreError>> {
        Box::pin(async move {
            client(session)?.create_family(name, time_zone).await?;
            Ok(())
        })
    }

    fn families<'a>(
        &'a self,
        session: &'a Credentials,
    ) -> BoxFuture<'a, Result<Vec<FamilyRole>, CoreError>> {
        Box::pin(async move { Ok(client(session)?.me().await?.families) })
    }

    fn accept_invite<'a>(
        &'a self,
        session: &'a Credentials,
        code: &'a str,
    ) -> BoxFuture<'a, Result<FamilyRole, CoreError>> {
        Box::pin(async move { Ok(client(session)?.accept_invite(code).await?.family) })
    }

    fn claim_pairing<'a>(
        &'a self,
        server: &'a ServerAddress,
        code: &'a str,
    ) -> BoxFuture<'a, Result<Credentials, CoreError>> {
        Box::pin(async move {
            let api = server.client()?;
            let claimed = api.claim_kiosk_pairing(code).await?;
            Ok(credentials(
                &api,
                server.certificate.as_deref(),
                claimed.kiosk.name,
                SessionKind::Kiosk,
                claimed.token,
            ))
        })
    }

    fn kiosk_for<'a>(
        &'a self,
        parent: &'a Credentials,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Credentials, CoreError>> {
        Box::pin(async move {
            let api = client(parent)?;
            let family = api
                .me()
                .await?
                .families
                .into_iter()
                .next()
                .ok_or(CoreError::NoFamily)?;
            let token = api.create_kiosk(&family.id, name).await?;
            Ok(credentials(
                &api,
                parent.info.certificate.as_deref(),
                name.to_owned(),
                SessionKind::Kiosk,
                token,
            ))
        })
    }

    fn sign_out<'a>(&'a self, session: &'a Credentials) -> BoxFuture<'a, Result<(), CoreError>> {
        Box::pin(async move {
            match client(session)?.sign_out().await {
                // Already expired or revoked: signed out either way.
                Err(e) if e.is_unauthorized() => Ok(()),
                other => other,
            }
        })
    }

    fn connect<'a>(
        &'a self,
        session: &'a Credentials,
        family_id: &'a str,
        notifier: Arc<dyn Notifier>,
    ) -> BoxFuture<'a, Result<Dashboard, CoreError>> {
        Box::pin(async move {
            let options = DashboardOptions {
                notifier,
                family_id: Some(family_id.to_owned()),
                ..self.options.clone()
            };
            Dashboard::connect(client(session)?, options).await
        })
    }

    fn create_pairing<'a>(
        &'a self,
        board: &'a Dashboard,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Pairing, CoreError>> {
        Box::pin(async move {
            board
                .api()
                .create_kiosk_pairing(board.family_id(), name)
                .await
        })
    }
}
