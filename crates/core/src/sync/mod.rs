//! Keeping a family's dashboard in step with the server: the rules as a
//! state machine with no I/O ([`engine`]), and the tokio task that feeds
//! it the real connection, fetches and clock ([`driver`]).

pub mod driver;
pub mod engine;

pub use engine::{EngineConfig, Now, Output, SubscriptionRefusal, SyncEngine};
