//! The desktop's side of the app's lifecycle: where the core's views,
//! sessions and statuses go ([`WebviewSink`]: events to the page; a
//! session that became a kitchen screen's turns the window into the
//! kiosk), and the expiry
//! alarms — following the notification server's status, and carrying out
//! what the person chooses on an alarm through the core.

use std::sync::Arc;

use kinboard_core::app::{DesktopStatus, HttpBackend, ModeKind, SessionView, Supervisor, ViewSink};
use kinboard_core::{CoreError, DashboardView};
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::{mpsc, watch};

use crate::commands::{ACTION_ERROR_EVENT, ActionError, DESKTOP_EVENT, SESSION_EVENT, VIEW_EVENT};
use crate::notifier::{Choice, DesktopNotifier};

/// Emits every view and status change to the page, and keeps the latest
/// view for the tray and the alarms.
pub(crate) struct WebviewSink {
    pub(crate) app: AppHandle,
    pub(crate) views: watch::Sender<Option<Arc<DashboardView>>>,
}

impl ViewSink for WebviewSink {
    fn view(&self, view: Option<&Arc<DashboardView>>) {
        if let Some(view) = view {
            if let Err(e) = self.app.emit(VIEW_EVENT, &**view) {
                tracing::warn!(error = %e, "could not emit the dashboard");
            }
            // The log says when the board goes live or loses the server.
            let was = self.views.borrow().as_ref().map(|v| v.connection.state);
            if was != Some(view.connection.state) {
                tracing::info!(state = ?view.connection.state, revision = view.revision, "the board's connection changed");
            }
        }
        self.views.send_replace(view.cloned());
    }

    fn session(&self, session: &SessionView) {
        if let Some(hosting) = self.app.try_state::<crate::window::Hosting>() {
            hosting.set(session.mode == ModeKind::Host);
        }
        if session.kiosk {
            // Paired as a kitchen screen: it becomes one now.
            crate::kiosk::become_kiosk(&self.app);
        }
        if let Err(e) = self.app.emit(SESSION_EVENT, session) {
            tracing::warn!(error = %e, "could not emit the session");
        }
    }

    fn desktop(&self, status: &DesktopStatus) {
        if let Err(e) = self.app.emit(DESKTOP_EVENT, status) {
            tracing::warn!(error = %e, "could not emit the desktop status");
        }
    }
}

/// Keeps the notification server's status in the supervisor's desktop
/// status.
pub(crate) async fn follow_notifications(
    supervisor: Arc<Supervisor<HttpBackend>>,
    notifier: DesktopNotifier,
) {
    let mut status = notifier.status();
    notifier.probe().await;
    loop {
        let now = status.borrow_and_update().clone();
        supervisor.update_desktop(|d| d.notifications = now);
        if status.changed().await.is_err() {
            return;
        }
    }
}

/// What the person chose on an alarm, done through the core; a failure is
/// shown in the window like any other.
pub(crate) async fn carry_out_choices(
    app: AppHandle,
    supervisor: Arc<Supervisor<HttpBackend>>,
    mut choices: mpsc::UnboundedReceiver<Choice>,
) {
    while let Some(choice) = choices.recv().await {
        if choice == Choice::Show {
            crate::window::show(&app);
            continue;
        }
        // The notice may be another family's than the one shown.
        let board = match &choice {
            Choice::Confirm { timer_id } | Choice::Extend { timer_id } => {
                supervisor.board_with_timer(timer_id).await
            }
            Choice::Approve { completion_id } | Choice::Reject { completion_id } => {
                supervisor.board_with_pending(completion_id).await
            }
            Choice::Show => continue,
        };
        let done = match board {
            Ok(board) => crate::notifier::carry_out(&board, &choice).await,
            Err(e) => Err(e),
        };
        if let Err(e) = done {
            report(&app, &choice, &e);
        }
    }
}

fn report(app: &AppHandle, choice: &Choice, e: &CoreError) {
    tracing::warn!(?choice, error = %e, "notification action failed");
    crate::window::show(app);
    let command = match choice {
        Choice::Confirm { .. } => "confirm_timer",
        Choice::Approve { .. } => "approve_completion",
        Choice::Reject { .. } => "reject_completion",
        _ => "extend_timer",
    };
    let failure = ActionError {
        code: e.code(),
        message: e.to_string(),
        command: command.to_owned(),
    };
    if let Err(e) = app.emit(ACTION_ERROR_EVENT, failure) {
        tracing::warn!(error = %e, "could not emit the action's failure");
    }
}
