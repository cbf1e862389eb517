//! The OS notifications: for an expired timer, and for a chore waiting for
//! a parent. The core's [`Notifier`], implemented with notify-rust over
//! D-Bus (`org.freedesktop.Notifications`); an alarm has urgency critical
//! and no timeout, so it stays until seen.
//!
//! Where the notification server supports actions, the alarm offers
//! "Confirm" (parents only: a kiosk needs the PIN, which a notification
//! cannot ask for) and "+5 min"; a choice comes back as a [`Choice`] for
//! the shell to carry out through the core ([`carry_out`]). An alarm that
//! was dealt with elsewhere — confirmed, extended or cancelled on another
//! screen — is closed. With no notification service the reason is kept
//! in [`ServiceStatus`] for the UI to say so; the dashboard itself still
//! shows and announces the expired timer.
//!
//! A chore a kitchen screen marked done, in a family where parents approve
//! them, shows on a parent's desktop with "Approve" and "Reject"; it closes
//! when a parent decides on another screen (or it is undone).

use std::sync::Arc;

use kinboard_core::kinboard_api::TimerState;
use kinboard_core::{
    ApprovalNeeded, CoreError, Dashboard, DashboardView, Notifier, Role, TimerExpired,
};
use tokio::sync::{mpsc, watch};

use kinboard_core::app::ServiceStatus;

/// Action keys sent to the notification server.
const ACTION_DEFAULT: &str = "default";
const ACTION_CONFIRM: &str = "confirm";
const ACTION_EXTEND: &str = "extend";
const ACTION_APPROVE: &str = "approve";
const ACTION_REJECT: &str = "reject";

/// What the person chose on an alarm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Choice {
    /// Clicked the notification: bring the window up.
    Show,
    Confirm {
        timer_id: String,
    },
    Extend {
        timer_id: String,
    },
    Approve {
        completion_id: String,
    },
    Reject {
        completion_id: String,
    },
}

impl Choice {
    /// A choice on a timer's alarm.
    fn from_action(action: &str, timer_id: &str) -> Option<Self> {
        let timer_id = timer_id.to_owned();
        match action {
            ACTION_DEFAULT => Some(Self::Show),
            ACTION_CONFIRM => Some(Self::Confirm { timer_id }),
            ACTION_EXTEND => Some(Self::Extend { timer_id }),
            _ => None,
        }
    }

    /// A choice on a chore waiting for a parent.
    fn from_approval_action(action: &str, completion_id: &str) -> Option<Self> {
        let completion_id = completion_id.to_owned();
        match action {
            ACTION_DEFAULT => Some(Self::Show),
            ACTION_APPROVE => Some(Self::Approve { completion_id }),
            ACTION_REJECT => Some(Self::Reject { completion_id }),
            _ => None,
        }
    }
}

/// Carries out a [`Choice`] that acts on a timer, through the core.
/// `Show` is the window's business and does nothing here.
pub(crate) async fn carry_out(dashboard: &Dashboard, choice: &Choice) -> Result<(), CoreError> {
    match choice {
        Choice::Show => Ok(()),
        Choice::Confirm { timer_id } => dashboard.confirm_timer(timer_id, None).await.map(drop),
        Choice::Extend { timer_id } => dashboard
            .extend_timer(timer_id, crate::commands::EXTEND_SECONDS)
            .await
            .map(drop),
        Choice::Approve { completion_id } => dashboard.decide_completion(completion_id, true).await,
        Choice::Reject { completion_id } => dashboard.decide_completion(completion_id, false).await,
    }
}

/// What an alarm offers besides its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Offer {
    /// The server shows action buttons.
    pub(crate) actions: bool,
    /// This device may confirm without a PIN (a parent, not a kiosk).
    pub(crate) confirm: bool,
}

/// Notifications from the desktop app.
#[derive(Clone)]
pub(crate) struct DesktopNotifier {
    app_name: String,
    /// The latest dashboard view: who is signed in (parent or kiosk) and
    /// whether an alarm's timer still waits.
    views: watch::Receiver<Option<Arc<DashboardView>>>,
    choices: mpsc::UnboundedSender<Choice>,
    status: Arc<watch::Sender<ServiceStatus>>,
}

impl DesktopNotifier {
    /// A notifier whose alarms follow `views`; the person's choices arrive
    /// on the returned receiver.
    pub(crate) fn new(
        app_name: impl Into<String>,
        views: watch::Receiver<Option<Arc<DashboardView>>>,
    ) -> (Self, mpsc::UnboundedReceiver<Choice>) {
        let (choices, receiver) = mpsc::unbounded_channel();
        let notifier = Self {
            app_name: app_name.into(),
            views,
            choices,
            status: Arc::new(watch::channel(ServiceStatus::Unknown).0),
        };
        (notifier, receiver)
    }

    /// Whether notifications can be shown, as last seen.
    pub(crate) fn status(&self) -> watch::Receiver<ServiceStatus> {
        self.status.subscribe()
    }

    /// Asks the notification server who it is, so that a desktop without
    /// one is reported before the first alarm is due.
    pub(crate) async fn probe(&self) {
        let answer = tokio::task::spawn_blocking(notify_rust::get_server_information).await;
        match answer {
            Ok(Ok(info)) => {
                tracing::info!(server = %info.name, vendor = %info.vendor, "notification server");
                self.set_status(ServiceStatus::Available);
            }
            Ok(Err(e)) => self.unavailable(&e.to_string()),
            Err(e) => self.unavailable(&e.to_string()),
        }
    }

    fn set_status(&self, status: ServiceStatus) {
        self.status.send_if_modified(|s| {
            let changed = *s != status;
            *s = status;
            changed
        });
    }

    fn unavailable(&self, error: &str) {
        tracing::warn!(
            error,
            "no notification service: expired timers show only in the window"
        );
        self.set_status(ServiceStatus::Unavailable {
            reason: error.to_owned(),
        });
    }

    /// The notification for `notice`.
    pub(crate) fn notification(
        &self,
        notice: &TimerExpired,
        offer: Offer,
    ) -> notify_rust::Notification {
        let mut n = notify_rust::Notification::new();
        n.appname(&self.app_name)
            .summary(&summary(notice))
            .body(&body(notice, offer))
            .icon("alarm-symbolic")
            .timeout(notify_rust::Timeout::Never);
        if offer.actions {
            n.action(ACTION_DEFAULT, "Show Kinboard");
            if offer.confirm {
                n.action(ACTION_CONFIRM, &confirm_label(notice.stars));
            }
            n.action(ACTION_EXTEND, "+5 min");
        }
        #[cfg(all(unix, not(target_os = "macos")))]
        n.urgency(notify_rust::Urgency::Critical)
            .hint(notify_rust::Hint::Category("alarm".into()))
            // The sound theme's own alarm, where the notification server
            // plays sounds.
            .hint(notify_rust::Hint::SoundName("alarm-clock-elapsed".into()));
        n
    }

    /// Shows the alarm for `notice` and waits until the person acts on it,
    /// dismisses it, or the timer is dealt with elsewhere (then it closes).
    async fn alarm(self, notice: TimerExpired) {
        let Some(actions) = self.actions_offered().await else {
            return;
        };
        let parent = self
            .views
            .borrow()
            .as_ref()
            .is_none_or(|v| v.role != Role::Kiosk);
        let offer = Offer {
            actions,
            confirm: parent,
        };
        let n = self.notification(&notice, offer);
        let timer = notice.timer_id.clone();
        self.show_until(
            "expiry",
            n,
            move |v| still_due(v, &notice),
            move |action| Choice::from_action(action, &timer),
        )
        .await;
    }

    /// Whether the notification server shows action buttons; `None` when
    /// there is no server (the status says so).
    async fn actions_offered(&self) -> Option<bool> {
        match tokio::task::spawn_blocking(notify_rust::get_capabilities).await {
            Ok(Ok(caps)) => Some(caps.iter().any(|c| c == "actions")),
            Ok(Err(e)) => {
                self.unavailable(&e.to_string());
                None
            }
            Err(e) => {
                self.unavailable(&e.to_string());
                None
            }
        }
    }

    /// Shows `notification` and waits until the person acts on it (the
    /// action read by `choose` goes to the shell), dismisses it, or it
    /// stops standing for the views (`stands`): then it is closed.
    async fn show_until(
        &self,
        what: &'static str,
        notification: notify_rust::Notification,
        stands: impl Fn(Option<&DashboardView>) -> bool + Send + 'static,
        choose: impl Fn(&str) -> Option<Choice>,
    ) {
        let handle = match notification.show_async().await {
            Ok(handle) => handle,
            Err(e) => return self.unavailable(&e.to_string()),
        };
        self.set_status(ServiceStatus::Available);
        tracing::info!(what, id = handle.id(), "notification shown");
        let mut views = self.views.clone();
        let dealt_with = async move {
            // The guard `wait_for` returns must not live across an await.
            let _ = views.wait_for(|v| !stands(v.as_deref())).await.map(drop);
        };
        let mut chosen = None;
        tokio::select! {
            () = handle.wait_for_action_async(|response| {
                if let notify_rust::NotificationResponse::Action(action) = response {
                    chosen = choose(action);
                } else if matches!(response, notify_rust::NotificationResponse::Default) {
                    chosen = Some(Choice::Show);
                }
            }) => {}
            () = dealt_with => {
                tracing::info!(what, "dealt with elsewhere: closing its notification");
                handle.close_async().await;
                return;
            }
        }
        if let Some(choice) = chosen {
            tracing::info!(what, ?choice, "notification action");
            let _ = self.choices.send(choice);
        }
    }
}

impl DesktopNotifier {
    /// The notification for a chore waiting for a parent.
    pub(crate) fn approval_notification(
        &self,
        notice: &ApprovalNeeded,
        actions: bool,
    ) -> notify_rust::Notification {
        let mut n = notify_rust::Notification::new();
        n.appname(&self.app_name)
            .summary(&approval_summary(notice))
            .body(&approval_body(notice, actions))
            .icon("emblem-ok-symbolic");
        if actions {
            n.action(ACTION_DEFAULT, "Show Kinboard");
            n.action(ACTION_REJECT, "Reject");
            n.action(ACTION_APPROVE, &approve_label(notice.stars));
        }
        n
    }

    /// Shows the notice and waits for a decision on it, or for the chore
    /// to stop waiting elsewhere (then the notice closes).
    async fn approval(self, notice: ApprovalNeeded) {
        let Some(actions) = self.actions_offered().await else {
            return;
        };
        let n = self.approval_notification(&notice, actions);
        let completion = notice.completion_id.clone();
        self.show_until(
            "approval",
            n,
            move |v| still_waits(v, &notice),
            move |action| Choice::from_approval_action(action, &completion),
        )
        .await;
    }
}

/// "Mia did “Feed the cat”", or without the name when it is unknown.
pub(crate) fn approval_summary(notice: &ApprovalNeeded) -> String {
    match &notice.member_name {
        Some(name) => format!("{name} did “{}”", notice.chore_label),
        None => format!("“{}” was done", notice.chore_label),
    }
}

fn approval_body(notice: &ApprovalNeeded, actions: bool) -> String {
    let stars = match notice.stars {
        0 => String::new(),
        1 => " Approving it gives 1 star.".to_owned(),
        n => format!(" Approving it gives {n} stars."),
    };
    let what = if actions {
        "Approve or reject it."
    } else {
        "Open Kinboard to approve or reject it."
    };
    format!("Marked done on the kitchen screen. {what}{stars}")
}

fn approve_label(stars: i64) -> String {
    if stars > 0 {
        format!("Approve (+{stars} ★)")
    } else {
        "Approve".to_owned()
    }
}

/// Whether `view` is of another family than `family_id`: the window shows
/// one family at a time, so what it does not show says nothing of the rest.
fn elsewhere(view: &DashboardView, family_id: &str) -> bool {
    !family_id.is_empty() && view.family.as_ref().is_some_and(|f| f.id != family_id)
}

/// Whether the notice of a chore waiting for a parent still stands: it is
/// among the waiting ones of its family (or another family is on screen).
fn still_waits(view: Option<&DashboardView>, notice: &ApprovalNeeded) -> bool {
    let Some(view) = view else { return false };
    elsewhere(view, &notice.family_id)
        || view
            .pending
            .iter()
            .any(|p| p.completion_id == notice.completion_id)
}

/// Whether the alarm for `notice` still stands: its run is on the
/// dashboard, expired (or running past its end, before the server says),
/// or another family is on screen.
fn still_due(view: Option<&DashboardView>, notice: &TimerExpired) -> bool {
    let Some(view) = view else { return false };
    if elsewhere(view, &notice.family_id) {
        return true;
    }
    view.timer(&notice.timer_id).is_some_and(|t| {
        t.ends_at == Some(notice.ends_at)
            && matches!(t.state, TimerState::Expired | TimerState::Running)
    })
}

/// "Ada: Homework is done", or just the label when the child is unknown.
pub(crate) fn summary(notice: &TimerExpired) -> String {
    match &notice.member_name {
        Some(name) => format!("{name}: {} is done", notice.label),
        None => format!("{} is done", notice.label),
    }
}

fn body(notice: &TimerExpired, offer: Offer) -> String {
    let stars = match notice.stars {
        0 => String::new(),
        1 => " Confirming it gives 1 star.".to_owned(),
        n => format!(" Confirming it gives {n} stars."),
    };
    let what = match (offer.actions, offer.confirm) {
        (true, true) => "Confirm it or add 5 minutes.",
        (true, false) => "Add 5 minutes, or confirm it on the screen with the parent PIN.",
        (false, _) => "Open Kinboard to confirm it or add 5 minutes.",
    };
    format!("Time's up! {what}{stars}")
}

fn confirm_label(stars: i64) -> String {
    if stars > 0 {
        format!("Confirm (+{stars} ★)")
    } else {
        "Confirm".to_owned()
    }
}

impl Notifier for DesktopNotifier {
    fn timer_expired(&self, notice: &TimerExpired) {
        // The core calls this from its sync task: the D-Bus round trips and
        // the wait for a choice run on a task of their own.
        tokio::spawn(self.clone().alarm(notice.clone()));
    }

    fn approval_needed(&self, notice: &ApprovalNeeded) {
        tokio::spawn(self.clone().approval(notice.clone()));
    }
}

#[cfg(test)]
mod tests;
