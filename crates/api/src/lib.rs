//! Kinboard's wire contract, shared by the server and the desktop core so
//! that neither keeps a copy of the other's types: what crosses HTTP (the
//! [`requests`] and [`responses`] of `/api/*`), what crosses the family
//! channel ([`events`]), the data both are made of ([`model`]), and the
//! closed list of [`ErrorCode`]s.
//!
//! Every type derives serde (camelCase on the wire) and utoipa's
//! `ToSchema`, so the server's OpenAPI document is generated from the
//! same definitions clients decode with. The crate does no I/O; with the
//! `sqlx` feature (the server's) the table-shaped types also derive
//! `sqlx::FromRow`.
//!
//! ```
//! use kinboard_api::{ErrorCode, ErrorReply, FamilyEvent};
//!
//! let reply: ErrorReply =
//!     serde_json::from_str(r#"{"error":{"code":"wrong_pin","message":"wrong parent PIN"}}"#).unwrap();
//! assert_eq!(reply.error.code, ErrorCode::WrongPin);
//!
//! let event = FamilyEvent::parse("timer:cancelled", r#"{"timerId":"tmr_1","revision":7}"#).unwrap();
//! assert_eq!((event.name(), event.revision()), ("timer:cancelled", 7));
//! ```

pub mod certificate;
pub mod discovery;
pub mod error;
pub mod events;
pub mod model;
pub mod requests;
pub mod responses;

pub use error::{ErrorBody, ErrorCode, ErrorReply};
pub use events::{FamilyEvent, ReplyEvent, family_channel};
pub use model::*;
pub use requests::*;
pub use responses::*;

/// What `GET /api/info` says in `product`.
pub const PRODUCT: &str = "kinboard";
/// The API generation of this contract: a device and a server of the same
/// generation understand each other; `GET /api/info` tells.
pub const API_VERSION: u32 = 1;

/// The header a kitchen screen sends the parent PIN in.
pub const PIN_HEADER: &str = "x-kinboard-pin";
/// The header that makes a retried request apply once.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
