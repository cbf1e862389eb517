//! Pusher Channels protocol 7, with no I/O and no clock.
//!
//! This crate is the one definition of the wire that every part of Kinboard
//! shares: the desktop client, the embedded relay and the backend's HTTP
//! API calls. It owns
//!
//! * [`message`]: every frame as a typed [`Message`], decoded leniently and
//!   encoded as the official peers encode it;
//! * [`names`]: channel names and kinds, event names, socket ids, limits;
//! * [`auth`]: channel and user signatures, HTTP API request signing and
//!   verification, webhook signatures;
//! * [`client`]: the client connection state machine ([`ClientConnection`]),
//!   with the close-code policy ([`close_code`]) and jittered backoff;
//! * [`server`]: the frames a server sends and the handshake checks it makes.
//!
//! It never opens a socket, spawns a task or reads the clock: callers pass
//! `now` in, and the drivers (`pusher-client`, `kinboard-relay`) do the I/O.
//!
//! ```
//! use pusher_protocol::{AppCredentials, ChannelName, SocketId};
//!
//! let app = AppCredentials::new("3", "278d425bdf160c739803", "7ad3773142a6692b25b8");
//! let auth = app.authorize_channel(
//!     &SocketId::parse("1234.1234").unwrap(),
//!     &ChannelName::parse("private-foobar").unwrap(),
//!     None,
//! );
//! assert!(auth.auth.starts_with("278d425bdf160c739803:58df8b0c"));
//! ```

pub mod auth;
pub mod client;
pub mod close_code;
pub mod message;
pub mod names;
pub mod server;

pub use auth::{
    AppCredentials, ChannelAuthorization, RequestAuthError, SignatureError, UserAuthentication,
};
pub use client::{
    AuthorizationError, Backoff, ClientConfig, ClientConnection, ConnectionError, ConnectionState,
    Event, Member, Members, RandomSource, SplitMix64, SubscriptionFailure, Transmit, TriggerError,
};
pub use message::{AppEvent, DecodeError, Message};
pub use names::{ChannelKind, ChannelName, NameError, SocketId};
