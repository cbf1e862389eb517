//! Kinboard's desktop core: the app's brain, free of Tauri, so it runs and
//! is tested headless.
//!
//! The roles:
//! * [`ApiClient`] — the backend's REST API (reqwest, rustls); estimates
//!   the server clock offset from every reply and counts its requests.
//! * [`Session`] — sign in and out; the token lives in a
//!   [`CredentialStore`] ([`KeyringStore`] for the platform's secret store,
//!   [`MemoryStore`] for tests), never in a plain file.
//! * [`Dashboard`] — one family's live dashboard: a Pusher connection to
//!   `private-family-{id}`, the sync engine (snapshot after every
//!   subscription, events applied by revision, gaps and reconnects
//!   resynced), the [`DashboardView`] on a `watch`, the user's actions, and
//!   the expiry watcher that hands [`TimerExpired`] notices to a
//!   [`Notifier`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), kinboard_core::CoreError> {
//! use std::sync::Arc;
//! use kinboard_core::{ApiClient, Dashboard, DashboardOptions, MemoryStore, Session};
//!
//! let api = ApiClient::new("http://127.0.0.1:8080")?;
//! let session = Session::sign_in(api, "sam@example.com", "hunter2hunter2", Arc::new(MemoryStore::new())).await?;
//! let dashboard = Dashboard::connect(session.api().clone(), DashboardOptions::default()).await?;
//! let mut views = dashboard.view();
//! while views.changed().await.is_ok() {
//!     let view = views.borrow().clone();
//!     println!("{}", serde_json::to_string(&*view).unwrap());
//! }
//! # Ok(()) }
//! ```

pub mod api;
pub mod app;
pub mod calendar;
pub mod clock;
pub mod credentials;
pub mod dashboard;
pub mod error;
pub mod expiry;
pub mod notify;
pub mod session;
pub mod store;
pub mod sync;
pub mod view;

pub use api::ApiClient;
pub use clock::{Clock, SystemClock, TokioClock};
pub use credentials::{CredentialStore, KeyringStore, MemoryStore};
pub use dashboard::{Dashboard, DashboardOptions, household_pusher_config};
pub use error::CoreError;
pub use kinboard_api;
pub use kinboard_api::Role;
pub use notify::{NoNotifier, Notifier, RecordingNotifier, TimerExpired};
pub use pusher_protocol::ClientConfig as PusherConfig;
pub use session::{Session, SessionInfo, SessionKind};
pub use view::{ConnectionStatus, DashboardView};
