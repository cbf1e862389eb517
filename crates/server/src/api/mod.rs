//! The HTTP API: one module per resource, each with its own `router()`.
//! Handlers unpack the request, call `crate::domain`, and write the reply;
//! the rules live in the domain.

pub mod accounts;
pub mod chores;
pub mod dashboard;
pub mod families;
pub mod kiosks;
pub mod members;
pub mod ops;
pub mod parents;
pub mod realtime;
pub mod rewards;
pub mod stars;
pub mod templates;
pub mod timers;
