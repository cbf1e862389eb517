//! What Kinboard's server does, beneath HTTP: one module per part of a
//! family's data, each with its model (the `kinboard-api` types), its
//! rules and state transitions, its queries, and the services that change
//! it inside a [`FamilyTx`](crate::revision::FamilyTx). Handlers
//! (`crate::api`) call in here; nothing here knows of handlers, requests
//! or responses beyond the wire types.

pub mod access;
pub mod accounts;
pub mod chores;
pub mod dashboard;
pub mod families;
pub mod kiosks;
pub mod members;
pub mod parents;
pub mod realtime;
pub mod rewards;
pub mod stars;
pub mod templates;
pub mod timers;
