//! [`Dashboard`]: one family's live dashboard on this device. It connects
//! (`/api/me` → `/api/realtime` → a Pusher connection → the family's
//! private channel, authorised at `/api/pusher/auth` with the session's
//! current token), drives the sync engine ([`crate::sync`]) over that
//! connection, exposes the [`DashboardView`] as a `watch`, and performs
//! the user's actions.
//!
//! Every action gets one `Idempotency-Key`, reused when a transport
//! failure makes it retry, so a retried start or extension applies once;
//! the events its reply lists are applied to the view before the call
//! returns.

mod settings;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use kinboard_api::{RealtimeResponse, ReplyEvent, Role, StartTimerRequest, Timer};
use pusher_client::{
    AuthorizeError, AuthorizeFuture, ChannelAuthorizer, ClientOptions, Endpoint, PusherClient,
    SigninFuture, UserAuthenticator,
};
use pusher_protocol::{ChannelName, ClientConfig, SocketId};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::api::{ApiClient, CallOptions, TimerAction};
use crate::error::CoreError;
use crate::notify::{NoNotifier, Notifier};
use crate::store::FamilyState;
use crate::sync::driver::{Command, Driver};
use crate::sync::{EngineConfig, SyncEngine};
use crate::view::DashboardView;

/// How a dashboard connects and behaves.
#[derive(Clone)]
pub struct DashboardOptions {
    /// The family to show; the account's first one when `None`.
    pub family_id: Option<String>,
    /// Pusher timeouts and backoff: [`household_pusher_config`] by
    /// default; tests shorten the activity and pong timeouts to notice a
    /// dead link fast.
    pub pusher: ClientConfig,
    /// How long a revision gap may stay open before the snapshot is reloaded.
    pub gap_wait: Duration,
    /// Where expiry notices go.
    pub notifier: Arc<dyn Notifier>,
    /// Delays between the tries of an action that failed in transit.
    pub retry_delays: Vec<Duration>,
}

/// pusher-js's timeouts with a shorter reconnect backoff (0.25 s doubling
/// to 1 s instead of 1 s to 30 s): the server is a household's, usually on
/// the LAN, and a screen should be live again within about a second of
/// its link coming back. The cost is one connection attempt a second (at
/// most) per device while the server is unreachable — not polling: no
/// request is made while connected.
pub fn household_pusher_config() -> ClientConfig {
    ClientConfig {
        backoff: pusher_protocol::Backoff {
            base: Duration::from_millis(250),
            cap: Duration::from_secs(1),
        },
        ..ClientConfig::default()
    }
}

impl Default for DashboardOptions {
    fn default() -> Self {
        Self {
            family_id: None,
            pusher: household_pusher_config(),
            gap_wait: Duration::from_millis(300),
            notifier: Arc::new(NoNotifier),
            retry_delays: vec![Duration::from_millis(250), Duration::from_secs(1)],
        }
    }
}

impl std::fmt::Debug for DashboardOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DashboardOptions")
            .field("family_id", &self.family_id)
            .field("pusher", &self.pusher)
            .field("gap_wait", &self.gap_wait)
            .field("retry_delays", &self.retry_delays)
            .finish_non_exhaustive()
    }
}

/// A live dashboard; clones share it. The background tasks stop when the
/// last clone is dropped.
#[derive(Clone)]
pub struct Dashboard {
    inner: Arc<Inner>,
}

struct Inner {
    api: ApiClient,
    family_id: String,
    role: Role,
    commands: mpsc::UnboundedSender<Command>,
    view: watch::Receiver<Arc<DashboardView>>,
    pusher: PusherClient,
    retry_delays: Vec<Duration>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.pusher.disconnect();
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl std::fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboard")
            .field("family_id", &self.inner.family_id)
            .field("revision", &self.current().revision)
            .finish_non_exhaustive()
    }
}

/// Authorises the family channel through the API client: the token is
/// read at each call, and the request is counted like every other.
struct ApiAuthorizer {
    api: ApiClient,
    endpoint: String,
}

impl ChannelAuthorizer for ApiAuthorizer {
    fn authorize(&self, channel: &ChannelName, socket_id: &SocketId) -> AuthorizeFuture {
        let api = self.api.clone();
        let endpoint = self.endpoint.clone();
        let channel = channel.as_str().to_owned();
        let socket_id = socket_id.as_str().to_owned();
        Box::pin(async move {
            api.pusher_auth(&endpoint, &socket_id, &channel)
                .await
                .map_err(|e| match e {
                    CoreError::Api {
                        status, message, ..
                    } => AuthorizeError::Status {
                        status,
                        body: message,
                    },
                    CoreError::Network(_) | CoreError::Timeout => {
                        AuthorizeError::Transport(e.to_string())
                    }
                    other => AuthorizeError::InvalidResponse(other.to_string()),
                })
        })
    }
}

/// Where `/api/realtime` says the Pusher-protocol server is.
fn endpoint(realtime: &RealtimeResponse) -> Result<Endpoint, CoreError> {
    if let Some(cluster) = &realtime.cluster {
        return Ok(Endpoint::cluster(cluster.clone()));
    }
    let host = realtime.host.clone().ok_or_else(|| {
        CoreError::Decode("/api/realtime gave neither a cluster nor a host".into())
    })?;
    let tls = realtime.scheme.is_some_and(kinboard_api::Scheme::is_tls);
    let port = realtime.port.unwrap_or(if tls { 443 } else { 80 });
    Ok(Endpoint::host(host, port, tls))
}

/// Signs each connection's device in through the session's API client, so
/// that a Pusher engine can end this device's connections when its access
/// ends.
struct ApiUserAuthenticator {
    api: ApiClient,
    endpoint: String,
}

impl UserAuthenticator for ApiUserAuthenticator {
    fn authenticate(&self, socket_id: &SocketId) -> SigninFuture {
        let (api, endpoint) = (self.api.clone(), self.endpoint.clone());
        let socket_id = socket_id.as_str().to_owned();
        Box::pin(async move {
            api.pusher_user_auth(&endpoint, &socket_id)
                .await
                .map_err(|e| AuthorizeError::InvalidResponse(e.to_string()))
        })
    }
}

/// Whether the relay `endpoint` is the API server at `base` itself (same
/// host and port): the embedded relay.
fn on_server(endpoint: &Endpoint, base: &str) -> bool {
    let Ok(base) = url::Url::parse(base) else {
        return false;
    };
    let (host, port) = endpoint.host_port();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let base_host = base.host_str().unwrap_or_default();
    base_host.trim_start_matches('[').trim_end_matches(']') == host
        && base.port_or_known_default() == Some(port)
}

/// A fresh idempotency key: 128 random bits.
fn new_key() -> String {
    format!("{:032x}", rand::random::<u128>())
}

impl Dashboard {
    /// Signs the session's API client onto its family's live dashboard.
    /// Fails when the server cannot be reached or the account has no
    /// family; once connected it reconnects and resyncs by itself.
    pub async fn connect(api: ApiClient, options: DashboardOptions) -> Result<Self, CoreError> {
        if api.token().is_none() {
            return Err(CoreError::NotSignedIn);
        }
        let me = api.me().await?;
        let family = match &options.family_id {
            Some(id) => me.families.iter().find(|f| &f.id == id),
            None => me.families.first(),
        }
        .ok_or(CoreError::NoFamily)?;
        let role = family.role;
        let fallback = FamilyState {
            id: family.id.clone(),
            name: family.name.clone(),
            time_zone: "UTC".into(),
            has_pin: false,
            chore_approval: kinboard_api::ChoreApproval::Auto,
            pin_locked_until: None,
            pin_locked_on: None,
            night: None,
        };
        let realtime = api.realtime().await?;
        let endpoint = endpoint(&realtime)?;
        let mut client_options = ClientOptions::new(endpoint.clone(), realtime.key.clone())
            .config(options.pusher.clone())
            .authorizer(ApiAuthorizer {
                api: api.clone(),
                endpoint: realtime.auth_endpoint,
            });
        if let Some(endpoint) = realtime.user_auth_endpoint {
            client_options = client_options.user_authenticator(ApiUserAuthenticator {
                api: api.clone(),
                endpoint,
            });
        }
        // The household server's own relay (the embedded one: it asks for
        // no sign-in) shares its port, and so its certificate: the socket
        // accepts the one the API client does.
        let embedded = realtime.cluster.is_none() && client_options.user_authenticator.is_none();
        if let Some(tls) = api.tls()
            && (embedded || on_server(&endpoint, api.base_url()))
        {
            client_options = client_options.tls(tls.config());
        }
        let pusher = PusherClient::connect(client_options);
        let subscription = pusher
            .subscribe(&kinboard_api::family_channel(&family.id))
            .map_err(|e| CoreError::Decode(format!("family channel: {e}")))?;
        let (view_tx, view) = watch::channel(Arc::new(DashboardView::empty(role)));
        let (commands, receiver) = mpsc::unbounded_channel();
        let config = EngineConfig {
            gap_wait: options.gap_wait,
        };
        let driver = Driver {
            engine: SyncEngine::new(fallback, role, config).for_user(me.user.map(|u| u.id)),
            api: api.clone(),
            family_id: family.id.clone(),
            pusher: pusher.clone(),
            subscription,
            view: view_tx,
            notifier: options.notifier.clone(),
        };
        let engine_task = tokio::spawn(driver.run(receiver));
        Ok(Self {
            inner: Arc::new(Inner {
                api,
                family_id: family.id.clone(),
                role,
                commands,
                view,
                pusher,
                retry_delays: options.retry_delays,
                tasks: vec![engine_task],
            }),
        })
    }

    pub fn api(&self) -> &ApiClient {
        &self.inner.api
    }

    pub fn family_id(&self) -> &str {
        &self.inner.family_id
    }

    pub fn role(&self) -> Role {
        self.inner.role
    }

    /// The view, as a `watch`: a new value on every change.
    pub fn view(&self) -> watch::Receiver<Arc<DashboardView>> {
        self.inner.view.clone()
    }

    /// The view now.
    pub fn current(&self) -> Arc<DashboardView> {
        self.inner.view.borrow().clone()
    }

    /// The Pusher connection (its state, for diagnostics and tests).
    pub fn pusher(&self) -> &PusherClient {
        &self.inner.pusher
    }

    /// Waits for a view that satisfies `check` and returns it.
    pub async fn wait_for(
        &self,
        check: impl FnMut(&Arc<DashboardView>) -> bool,
    ) -> Arc<DashboardView> {
        let mut rx = self.view();
        match rx.wait_for(check).await {
            Ok(view) => view.clone(),
            // The engine is gone: the last view is all there is.
            Err(_) => self.current(),
        }
    }

    /// Stops syncing and closes the connection.
    pub fn shutdown(&self) {
        self.inner.pusher.disconnect();
        for task in &self.inner.tasks {
            task.abort();
        }
    }

    /// The Refresh button: reloads everything (reconnecting at once if the
    /// connection is down) and returns when the reload is applied.
    pub async fn refresh(&self) -> Result<(), CoreError> {
        let (reply, answer) = oneshot::channel();
        self.inner
            .commands
            .send(Command::Refresh(reply))
            .map_err(|_| CoreError::Closed)?;
        answer.await.map_err(|_| CoreError::Closed)?
    }

    /// Runs one user action: tries it with one idempotency key until it
    /// succeeds, fails for good, or the retries run out. When the server
    /// says the target is gone or changed, the board is reloaded first.
    async fn act<T, F, Fut>(&self, mut call: F) -> Result<T, CoreError>
    where
        F: FnMut(String) -> Fut,
        Fut: Future<Output = Result<T, CoreError>>,
    {
        let key = new_key();
        let mut delays = self.inner.retry_delays.iter();
        loop {
            match call(key.clone()).await {
                Ok(value) => return Ok(value),
                Err(e) if e.is_retryable() => match delays.next() {
                    Some(delay) => {
                        tracing::debug!(error = %e, "action failed in transit: retrying with the same key");
                        tokio::time::sleep(*delay).await;
                    }
                    None => return Err(e),
                },
                Err(e) => {
                    if matches!(e.status(), Some(404 | 409)) {
                        let _ = self.refresh().await;
                    }
                    return Err(e);
                }
            }
        }
    }

    /// Applies what an action's reply says it broadcast, so the action
    /// shows at once instead of when its broadcast arrives.
    async fn apply(&self, events: Vec<ReplyEvent>, revision: i64) -> Result<(), CoreError> {
        let (done, applied) = oneshot::channel();
        self.inner
            .commands
            .send(Command::Reply {
                events,
                revision,
                done,
            })
            .map_err(|_| CoreError::Closed)?;
        applied.await.map_err(|_| CoreError::Closed)
    }

    async fn start(&self, start: StartTimerRequest) -> Result<Timer, CoreError> {
        let api = self.api();
        let family_id = self.family_id();
        let reply = self
            .act(|key| {
                let start = start.clone();
                async move {
                    let options = CallOptions {
                        idempotency_key: Some(&key),
                        pin: None,
                    };
                    api.start_timer(family_id, &start, options).await
                }
            })
            .await?;
        self.apply(reply.events, reply.revision).await?;
        Ok(reply.timer)
    }

    pub async fn start_timer_from_template(
        &self,
        member_id: &str,
        template_id: &str,
    ) -> Result<Timer, CoreError> {
        self.start(StartTimerRequest::from_template(member_id, template_id))
            .await
    }

    pub async fn start_timer(
        &self,
        member_id: &str,
        label: &str,
        duration_seconds: i64,
        stars: i64,
    ) -> Result<Timer, CoreError> {
        self.start(StartTimerRequest::one_off(
            member_id,
            label,
            duration_seconds,
            stars,
        ))
        .await
    }

    async fn timer_action(
        &self,
        timer_id: &str,
        action: TimerAction,
        pin: Option<&str>,
    ) -> Result<Timer, CoreError> {
        let api = self.api();
        let reply = self
            .act(|key| async move {
                let options = CallOptions {
                    idempotency_key: Some(&key),
                    pin,
                };
                api.timer_action(timer_id, action, options).await
            })
            .await?;
        self.apply(reply.events, reply.revision).await?;
        Ok(reply.timer)
    }

    pub async fn pause_timer(&self, timer_id: &str) -> Result<Timer, CoreError> {
        self.timer_action(timer_id, TimerAction::Pause, None).await
    }

    pub async fn resume_timer(&self, timer_id: &str) -> Result<Timer, CoreError> {
        self.timer_action(timer_id, TimerAction::Resume, None).await
    }

    pub async fn extend_timer(&self, timer_id: &str, seconds: i64) -> Result<Timer, CoreError> {
        self.timer_action(timer_id, TimerAction::Extend { seconds }, None)
            .await
    }

    /// Cancels a timer (a kiosk needs the parent PIN).
    pub async fn cancel_timer(
        &self,
        timer_id: &str,
        pin: Option<&str>,
    ) -> Result<Timer, CoreError> {
        self.timer_action(timer_id, TimerAction::Cancel, pin).await
    }

    /// Confirms a timer and awards its stars (a kiosk needs the parent PIN).
    pub async fn confirm_timer(
        &self,
        timer_id: &str,
        pin: Option<&str>,
    ) -> Result<Timer, CoreError> {
        self.timer_action(timer_id, TimerAction::Confirm, pin).await
    }

    /// Asks the server to re-announce a timer (e.g. one that looks overdue).
    pub async fn sync_timer(&self, timer_id: &str) -> Result<Timer, CoreError> {
        self.timer_action(timer_id, TimerAction::Sync, None).await
    }

    pub async fn complete_chore(&self, chore_id: &str, member_id: &str) -> Result<(), CoreError> {
        let api = self.api();
        let reply = self
            .act(|key| async move {
                let options = CallOptions {
                    idempotency_key: Some(&key),
                    pin: None,
                };
                api.complete_chore(chore_id, member_id, options).await
            })
            .await?;
        self.apply(reply.events, reply.revision).await
    }

    /// Takes a chore completion back (this screen's within seconds, a
    /// parent's at any time: the server judges); its stars go back.
    pub async fn undo_completion(&self, completion_id: &str) -> Result<(), CoreError> {
        let reply = self.api().undo_completion(completion_id).await?;
        self.apply(reply.events, reply.revision).await
    }

    /// Takes a star change back (this screen's within seconds, a parent's
    /// at any time: the server judges): a reward's gives its stars back.
    pub async fn undo_star_entry(&self, entry_id: &str) -> Result<(), CoreError> {
        let reply = self.api().undo_star_entry(entry_id).await?;
        self.apply(reply.events, reply.revision).await
    }

    /// A child spends stars on a reward; a kitchen screen needs the PIN,
    /// or, where parents approve, asks without it. Resolves to the ledger
    /// entry that holds the stars (for undoing it); none while it waits
    /// for a parent.
    pub async fn redeem_reward(
        &self,
        reward_id: &str,
        member_id: &str,
        pin: Option<&str>,
    ) -> Result<Option<String>, CoreError> {
        let api = self.api();
        let reply = self
            .act(|key| async move {
                let options = CallOptions {
                    idempotency_key: Some(&key),
                    pin,
                };
                api.redeem_reward(reward_id, member_id, options).await
            })
            .await?;
        let entry = reply.entry.as_ref().map(|e| e.id.clone());
        self.apply(reply.events, reply.revision).await?;
        Ok(entry)
    }

    /// A child's ledger and stars per week over `weeks` weeks (the history
    /// the app draws), straight from the server.
    pub async fn member_history(
        &self,
        member_id: &str,
        weeks: u32,
    ) -> Result<kinboard_api::StarsResponse, CoreError> {
        self.api()
            .member_stars(self.family_id(), member_id, weeks)
            .await
    }

    /// A child's whole ledger as CSV.
    pub async fn ledger_csv(&self, member_id: &str) -> Result<String, CoreError> {
        self.api().ledger_csv(self.family_id(), member_id).await
    }

    async fn change_stars(
        &self,
        member_id: &str,
        amount: i64,
        reason: &str,
        pin: Option<&str>,
    ) -> Result<String, CoreError> {
        let api = self.api();
        let family_id = self.family_id();
        let reply = self
            .act(|key| async move {
                let options = CallOptions {
                    idempotency_key: Some(&key),
                    pin,
                };
                api.change_stars(family_id, member_id, amount, reason, options)
                    .await
            })
            .await?;
        let entry = reply.entry.id.clone();
        self.apply(reply.events, reply.revision).await?;
        Ok(entry)
    }

    /// Adds `amount` (> 0) stars; a kiosk needs the parent PIN. Resolves
    /// to the ledger entry, for undoing it.
    pub async fn add_stars(
        &self,
        member_id: &str,
        amount: i64,
        reason: &str,
        pin: Option<&str>,
    ) -> Result<String, CoreError> {
        let reason = if reason.trim().is_empty() {
            "stars added"
        } else {
            reason
        };
        self.change_stars(member_id, amount.saturating_abs(), reason, pin)
            .await
    }

    /// Removes `amount` (> 0) stars; a kiosk needs the parent PIN.
    /// Resolves to the ledger entry, for undoing it.
    pub async fn remove_stars(
        &self,
        member_id: &str,
        amount: i64,
        reason: &str,
        pin: Option<&str>,
    ) -> Result<String, CoreError> {
        let reason = if reason.trim().is_empty() {
            "stars removed"
        } else {
            reason
        };
        self.change_stars(member_id, -amount.saturating_abs(), reason, pin)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_follow_the_realtime_reply() {
        let r =
            |json: serde_json::Value| -> RealtimeResponse { serde_json::from_value(json).unwrap() };
        let embedded = r(
            serde_json::json!({"key": "k", "host": "127.0.0.1", "port": 8080, "scheme": "http",
            "authEndpoint": "http://127.0.0.1:8080/api/pusher/auth"}),
        );
        assert_eq!(
            endpoint(&embedded).unwrap(),
            Endpoint::host("127.0.0.1", 8080, false)
        );
        let cloud = r(
            serde_json::json!({"key": "k", "cluster": "eu", "authEndpoint": "https://x/api/pusher/auth"}),
        );
        assert_eq!(endpoint(&cloud).unwrap(), Endpoint::cluster("eu"));
        let tls = r(
            serde_json::json!({"key": "k", "host": "relay.example", "scheme": "https", "authEndpoint": "https://x"}),
        );
        assert_eq!(
            endpoint(&tls).unwrap(),
            Endpoint::host("relay.example", 443, true)
        );
        assert!(endpoint(&r(serde_json::json!({"key": "k", "authEndpoint": "x"}))).is_err());
    }

    #[test]
    fn idempotency_keys_are_fresh() {
        let (a, b) = (new_key(), new_key());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
