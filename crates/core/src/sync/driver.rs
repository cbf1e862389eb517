//! The tokio task around a [`SyncEngine`]: it feeds the engine the family
//! channel's subscription, the Pusher connection's state, the snapshots
//! it fetches, the handle's commands and the engine's own wake-ups, each
//! stamped with the time; and it carries out what the engine asks for.
//! Every decision is the engine's.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use kinboard_api::{Dashboard, ReplyEvent};
use pusher_client::{PusherClient, Subscription, SubscriptionEvent, SubscriptionFailure};
use tokio::sync::{mpsc, oneshot, watch};

use super::engine::{Now, Output, SubscriptionRefusal, SyncEngine, WaiterId};
use crate::api::ApiClient;
use crate::error::CoreError;
use crate::notify::Notifier;
use crate::view::DashboardView;

/// What the dashboard handle asks of its task.
pub(crate) enum Command {
    /// Reload everything; answered when a snapshot taken after the request
    /// is applied (or failed).
    Refresh(oneshot::Sender<Result<(), CoreError>>),
    /// The reply to an action: answered once the view includes it.
    Reply {
        events: Vec<ReplyEvent>,
        revision: i64,
        done: oneshot::Sender<()>,
    },
}

type Fetch = Pin<Box<dyn Future<Output = Result<Dashboard, CoreError>> + Send>>;

pub(crate) struct Driver {
    pub(crate) engine: SyncEngine,
    pub(crate) api: ApiClient,
    pub(crate) family_id: String,
    pub(crate) pusher: PusherClient,
    pub(crate) subscription: Subscription,
    pub(crate) view: watch::Sender<Arc<DashboardView>>,
    pub(crate) notifier: Arc<dyn Notifier>,
}

/// The failure as the engine judges it: by its HTTP status, never its text.
fn refusal(failure: &SubscriptionFailure) -> SubscriptionRefusal {
    let status = match failure {
        SubscriptionFailure::Refused { status, .. } => *status,
        SubscriptionFailure::Authorization(error) => error.status,
    };
    SubscriptionRefusal {
        status,
        message: failure.to_string(),
    }
}

async fn sleep_until(deadline: Option<std::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}

impl Driver {
    fn now(&self) -> Now {
        Now {
            instant: tokio::time::Instant::now().into_std(),
            local_ms: self.api.clock().now_ms(),
            server_offset_ms: self.api.server_offset_ms().unwrap_or(0),
        }
    }

    pub(crate) async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut state = self.pusher.state();
        let mut waiters: HashMap<WaiterId, oneshot::Sender<Result<(), CoreError>>> = HashMap::new();
        let mut next_waiter: WaiterId = 0;
        let mut fetch: Option<Fetch> = None;
        let first = *state.borrow_and_update();
        self.engine.handle_connection(self.now(), first);
        loop {
            self.carry_out(&mut fetch, &mut waiters);
            let deadline = self.engine.poll_timeout();
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Command::Refresh(reply)) => {
                        next_waiter += 1;
                        waiters.insert(next_waiter, reply);
                        self.engine.handle_refresh(self.now(), next_waiter);
                    }
                    Some(Command::Reply { events, revision, done }) => {
                        self.engine.handle_reply(self.now(), events, revision);
                        self.carry_out(&mut fetch, &mut waiters);
                        let _ = done.send(());
                    }
                    None => break,
                },
                event = self.subscription.next() => match event {
                    Some(SubscriptionEvent::Subscribed { .. }) => {
                        self.engine.handle_subscribed(self.now());
                    }
                    Some(SubscriptionEvent::Failed(failure)) => {
                        self.engine.handle_subscription_failed(self.now(), refusal(&failure));
                    }
                    Some(SubscriptionEvent::Event(e)) => {
                        let data = e.data.as_deref().unwrap_or("null");
                        self.engine.handle_event(self.now(), &e.event, data);
                    }
                    Some(_) => {}
                    None => break,
                },
                changed = state.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let now_state = *state.borrow_and_update();
                    self.engine.handle_connection(self.now(), now_state);
                }
                result = async { fetch.as_mut().expect("guarded").await }, if fetch.is_some() => {
                    fetch = None;
                    self.engine.handle_snapshot(self.now(), result);
                }
                () = sleep_until(deadline) => self.engine.handle_timeout(self.now()),
            }
        }
        self.pusher.disconnect();
    }

    /// Does what the engine asked, then publishes its view if it changed.
    fn carry_out(
        &mut self,
        fetch: &mut Option<Fetch>,
        waiters: &mut HashMap<WaiterId, oneshot::Sender<Result<(), CoreError>>>,
    ) {
        while let Some(output) = self.engine.poll_output() {
            match output {
                Output::FetchSnapshot => {
                    let api = self.api.clone();
                    let family_id = self.family_id.clone();
                    *fetch = Some(Box::pin(async move { api.dashboard(&family_id).await }));
                }
                Output::Resubscribe => self.resubscribe(),
                Output::Reconnect => self.pusher.reconnect(),
                Output::Notify(notice) => self.notifier.timer_expired(&notice),
                Output::Approval(notice) => self.notifier.approval_needed(&notice),
                Output::Answer { waiter, result } => {
                    if let Some(reply) = waiters.remove(&waiter) {
                        let _ = reply.send(result);
                    }
                }
            }
        }
        if let Some(view) = self.engine.poll_view() {
            self.view.send_replace(view);
        }
    }

    /// Asks for the family channel again after it failed on this
    /// connection. The client retries a failed channel when it is
    /// subscribed to again; the new stream replaces the old one, whose
    /// drop removes only its own listener. Nothing is lost in the swap: a
    /// failed channel carries no events, and a new listener of a channel
    /// that meanwhile succeeded is told `Subscribed` (so it reloads).
    fn resubscribe(&mut self) {
        match self.pusher.subscribe(self.subscription.channel().as_str()) {
            Ok(subscription) => self.subscription = subscription,
            Err(e) => tracing::warn!(error = %e, "family channel: cannot subscribe again"),
        }
    }
}

#[cfg(test)]
mod tests {
    use pusher_client::{AuthorizeError, SubscriptionFailure};

    use super::refusal;

    #[test]
    fn only_a_401_or_403_is_a_final_refusal() {
        // Built as the HTTP authorizer reports them.
        let auth =
            |error: AuthorizeError| refusal(&SubscriptionFailure::Authorization(error.into()));
        let answered = |status, body: &str| AuthorizeError::Status {
            status,
            body: body.into(),
        };
        let unauthorized = auth(answered(401, "session expired"));
        assert!(unauthorized.is_final());
        assert!(unauthorized.message.contains("session expired"));
        assert!(auth(answered(403, "not yours")).is_final());
        for passing in [
            answered(500, "disrupted"),
            answered(503, "busy"),
            // A body that merely mentions a status is not a refusal.
            answered(502, "upstream answered 401"),
            AuthorizeError::Transport("connection reset".into()),
            AuthorizeError::InvalidResponse("not JSON".into()),
        ] {
            assert!(!auth(passing.clone()).is_final(), "{passing}");
        }
        let relay = |status| {
            refusal(&SubscriptionFailure::Refused {
                status,
                message: "no".into(),
            })
        };
        assert!(relay(Some(403)).is_final());
        assert!(!relay(None).is_final());
    }
}
