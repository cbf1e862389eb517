//! The harness of Kinboard's whole-system tests (and of the sync, idle and
//! reconnect benchmarks): a real `kinboard-server` in this process with
//! SQLite in a temporary directory ([`TestServer`]), optionally with a
//! standalone relay ([`RelayMode::Standalone`]), households set up through
//! the API ([`Household`]), and `kinboard-core` devices ([`Device`]) that
//! reach the server through proxies the test controls: a
//! [`kinboard_testkit::FaultProxy`] per device for cuts and blackholes, and
//! an [`HttpProxy`] that counts HTTP requests and WebSocket frames, can
//! fail the relay's HTTP API, and can disrupt chosen requests (answer 500,
//! or lose the response after the server acted). For the scale path, a
//! [`Cluster`] of real processes: two servers on one PostgreSQL behind
//! HAProxy, two sockudo nodes joined by Redis.

mod cluster;
mod device;
mod household;
mod http_proxy;
mod listener;
mod server;

pub use cluster::{Cluster, ClusterConfig};

/// The `kinboard-server` binary of this build (`KINBOARD_SERVER_BIN`, or
/// beside the test binary, as `cargo build` leaves it).
pub fn server_binary() -> anyhow::Result<std::path::PathBuf> {
    match std::env::var_os("KINBOARD_SERVER_BIN") {
        Some(path) => Ok(path.into()),
        None => cluster::beside_this_binary("kinboard-server"),
    }
}
pub use device::{
    Device, DeviceBuilder, ShiftedClock, converged_at, fast_pusher, normalized, truth_at,
};
pub use household::{Household, PASSWORD, PIN};
pub use http_proxy::{Disruption, HttpProxy, ProxyStats};
pub use listener::FamilyListener;
pub use server::{RelayMode, TestServer};

/// Logs to the test output when `RUST_LOG` is set.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}
