//! Who is calling: the principal a bearer token stands for. Finding it
//! (and caching it) is `domain::access`; this is only the answer, kept at
//! the bottom of the crate because the application state caches it.

/// The authenticated principal of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A parent's account session.
    User { user_id: String },
    /// A kitchen screen's device token, valid in its one family.
    Kiosk { kiosk_id: String, family_id: String },
}

impl Caller {
    /// A stable name for idempotency scopes and logs.
    pub fn principal(&self) -> &str {
        match self {
            Self::User { user_id } => user_id,
            Self::Kiosk { kiosk_id, .. } => kiosk_id,
        }
    }
}
