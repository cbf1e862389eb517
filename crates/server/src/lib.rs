//! Kinboard's family backend.
//!
//! The database (SQLite by default, PostgreSQL for scale) is the source of
//! truth. Every mutation runs in a family transaction that bumps the
//! family's `revision`; after the commit its events go, fire-and-forget,
//! onto `private-family-{familyId}` through a [`broadcast::Broadcaster`]:
//! the relay embedded in this process (default) or any Pusher HTTP API.
//! Devices subscribe to that channel after `/api/pusher/auth` authorises
//! them, and reload the dashboard snapshot whenever they might have missed
//! something.
//!
//! Roles: **parent** (an account; everything in their families), **kiosk**
//! (a device token; timers and chores, the parent PIN for the rest),
//! **child** (a member profile without a login).
//!
//! Embedding the whole server, as the desktop app does:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use kinboard_server::{Server, ServerConfig};
//!
//! let mut config = ServerConfig::new("127.0.0.1:0".parse()?)
//!     .with_database("sqlite:///tmp/kinboard-demo.sqlite3");
//! config.demo = true;
//! let server = Server::start(config).await?;
//! println!("listening on {}; {}", server.url(), server.demo.as_ref().unwrap());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

pub mod announce;
pub mod api;
pub mod backup;
pub mod broadcast;
pub mod cache;
pub mod calendar;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod hosts;
pub mod http;
pub mod ids;
pub mod listen;
pub mod openapi;
pub mod principal;
pub mod revision;
pub mod scheduler;
pub mod server;
pub mod sockets;
pub mod state;
pub mod throttle;
pub mod tls;
pub mod validate;
pub mod wake;

pub use config::{AccessPolicy, RealtimeConfig, Scheme, ServerConfig};
pub use demo::{DemoCredentials, seed_demo};
pub use error::ApiError;
pub use server::{RunningServer, Server, StartError, app};
pub use state::AppState;
