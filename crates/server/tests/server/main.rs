//! Whole-server tests on a real database (SQLite and PostgreSQL, via the
//! `both!` macro) with real subscribers on the real relay.

mod support;

mod accounts;
mod backup;
mod broadcast_failure;
mod chores_stars;
mod concurrency;
mod cross_family;
mod expiry;
mod hardening;
mod inputs;
mod kiosk;
mod layering;
mod limits;
#[cfg(unix)]
mod load;
mod ops;
mod pairing;
mod pusher_auth;
mod rewards;
mod schedules;
mod sessions;
mod settings;
mod sqlite_wal;
mod timers;
mod tls;
