//! The HTTP API, one module per resource, each with its own `router()`.

pub mod accounts;
pub mod chores;
pub mod dashboard;
pub mod families;
pub mod ops;
pub mod pairing;
pub mod realtime;
pub mod stars;
pub mod templates;
pub mod timers;
