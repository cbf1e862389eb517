//! Kinboard's desktop core: the app's brain, free of Tauri, so it runs and
//! is tested headless.
//!
//! The roles:
//! * [`ApiClient`] — the backend's REST API (reqwest, rustls), in the
//!   shared wire types of [`kinboard_api`]; estimates the server clock
//!   offset from every reply and counts its requests.
//! * [`sync::SyncEngine`] — the rules that keep a family's dashboard in
//!   step with the server (snapshot after every subscription, events by
//!   revision, gaps, reloads, authorisation retries, expiry notices), as a
//!   state machine without I/O.
//! * [`Dashboard`] — one family's live dashboard: the engine driven over a
//!   Pusher connection to `private-family-{id}`, the [`DashboardView`] on a
//!   `watch`, and the user's actions; expiry notices go to a [`Notifier`].
//! * [`app::Supervisor`] — the app's lifecycle: signing in, up and out,
//!   restoring the saved session from a [`CredentialStore`] (the platform
//!   keyring, [`KeyringStore`]; never a plain file), hosting a household,
//!   pairing a kitchen screen, reconnecting in the background, forwarding
//!   views.
//!
//! ```no_run
//! # async fn demo() -> Result<(), kinboard_core::CoreError> {
//! use kinboard_core::{ApiClient, Dashboard, DashboardOptions};
//!
//! let api = ApiClient::new("http://127.0.0.1:8080")?;
//! let session = api.sign_in("sam@example.com", "hunter2hunter2").await?;
//! api.set_token(Some(session.token));
//! let dashboard = Dashboard::connect(api, DashboardOptions::default()).await?;
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
pub mod discovery;
pub mod error;
pub mod expiry;
pub mod notify;
pub mod session;
pub mod store;
pub mod sync;
pub mod tls;
pub mod view;
pub mod zone;

pub use api::ApiClient;
pub use clock::{Clock, SystemClock, TokioClock};
pub use credentials::{CredentialStore, KeyringStore, MemoryStore};
pub use dashboard::{Dashboard, DashboardOptions, household_pusher_config};
pub use error::CoreError;
pub use kinboard_api;
pub use kinboard_api::Role;
pub use notify::{ApprovalNeeded, NoNotifier, Notifier, RecordingNotifier, TimerExpired};
pub use pusher_protocol::ClientConfig as PusherConfig;
pub use session::{SessionInfo, SessionKind};
pub use view::{ConnectionStatus, DashboardView};
