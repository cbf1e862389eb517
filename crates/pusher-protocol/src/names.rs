//! Validation of the names and identifiers the protocol carries: channel
//! names (and the channel kind their prefix selects), event names, socket ids
//! and payload limits.
//!
//! Every check returns a [`NameError`] that says what was wrong and where, so
//! a relay can put it in a `pusher:error` and an HTTP API can put it in a 400.

use std::fmt;

use thiserror::Error;

/// Longest channel name accepted (pusher-http-node enforces 200; the docs say 164).
pub const MAX_CHANNEL_NAME_LEN: usize = 200;
/// Longest event name accepted.
pub const MAX_EVENT_NAME_LEN: usize = 200;
/// Largest event `data` accepted by the HTTP API and for client events, in bytes.
pub const MAX_EVENT_DATA_BYTES: usize = 10 * 1024;
/// Most channels one HTTP trigger may name.
pub const MAX_CHANNELS_PER_TRIGGER: usize = 100;
/// Most events in one `batch_events` call.
pub const MAX_BATCH_EVENTS: usize = 10;
/// Most members in one presence channel.
pub const MAX_PRESENCE_MEMBERS: usize = 100;
/// Largest presence `user_info`, serialised, in bytes.
pub const MAX_USER_INFO_BYTES: usize = 1024;
/// Longest presence `user_id`.
pub const MAX_USER_ID_LEN: usize = 128;

/// Prefix of the per-user channel the server creates after `pusher:signin`.
pub const SERVER_TO_USER_PREFIX: &str = "#server-to-user-";

/// What was wrong with a name, an id or a payload.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    #[error("channel name is empty")]
    EmptyChannelName,
    #[error("channel name is {len} characters long; the limit is {max}")]
    ChannelNameTooLong { len: usize, max: usize },
    #[error("channel name {name:?} uses the reserved character '#'")]
    ReservedChannelName { name: String },
    #[error(
        "channel name {name:?} has {found:?} at position {position}; allowed are A-Z a-z 0-9 _ - = @ , . ;"
    )]
    InvalidChannelCharacter {
        name: String,
        found: char,
        position: usize,
    },
    #[error("channel name {name:?} has a kind prefix but nothing after it")]
    EmptyChannelSuffix { name: String },
    #[error("event name is empty")]
    EmptyEventName,
    #[error("event name is {len} characters long; the limit is {max}")]
    EventNameTooLong { len: usize, max: usize },
    #[error("socket id {0:?} is not of the form digits.digits")]
    InvalidSocketId(String),
    #[error("payload is {size} bytes; the limit is {max}")]
    PayloadTooLarge { size: usize, max: usize },
}

/// The kind of a channel, decided by its name's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// No prefix: anyone may subscribe.
    Public,
    /// `private-`: subscribing needs a signature from the app's auth endpoint.
    Private,
    /// `private-encrypted-`: private, and the payloads are end-to-end encrypted.
    PrivateEncrypted,
    /// `presence-`: private, plus a member list.
    Presence,
    /// `#server-to-user-{id}`: the per-user channel of an authenticated socket.
    ServerToUser,
}

impl ChannelKind {
    /// Whether subscribing needs an `auth` signature.
    pub fn requires_auth(self) -> bool {
        matches!(
            self,
            Self::Private | Self::PrivateEncrypted | Self::Presence
        )
    }

    /// Whether clients may trigger `client-` events on it.
    pub fn allows_client_events(self) -> bool {
        matches!(self, Self::Private | Self::Presence)
    }
}

/// A validated channel name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelName(String);

impl ChannelName {
    /// Validates a channel name as a client may subscribe to it.
    ///
    /// `#` is reserved: the only `#` channel is the server-to-user channel,
    /// which is built with [`ChannelName::server_to_user`], never parsed.
    pub fn parse(name: impl Into<String>) -> Result<Self, NameError> {
        let name = name.into();
        if name.is_empty() {
            return Err(NameError::EmptyChannelName);
        }
        let len = name.chars().count();
        if len > MAX_CHANNEL_NAME_LEN {
            return Err(NameError::ChannelNameTooLong {
                len,
                max: MAX_CHANNEL_NAME_LEN,
            });
        }
        if name.contains('#') {
            return Err(NameError::ReservedChannelName { name });
        }
        if let Some((position, found)) =
            name.chars().enumerate().find(|&(_, c)| !is_channel_char(c))
        {
            return Err(NameError::InvalidChannelCharacter {
                name,
                found,
                position,
            });
        }
        let kind = kind_of(&name);
        if kind != ChannelKind::Public && strip_kind_prefix(&name).is_empty() {
            return Err(NameError::EmptyChannelSuffix { name });
        }
        Ok(Self(name))
    }

    /// The server-to-user channel of `user_id`.
    pub fn server_to_user(user_id: &str) -> Self {
        Self(format!("{SERVER_TO_USER_PREFIX}{user_id}"))
    }

    /// The kind its prefix selects.
    pub fn kind(&self) -> ChannelKind {
        kind_of(&self.0)
    }

    /// Whether it is a cache channel (`cache-`, `private-cache-`,
    /// `private-encrypted-cache-`, `presence-cache-`): the server replays the
    /// last event to new subscribers.
    pub fn is_cache(&self) -> bool {
        strip_kind_prefix(&self.0).starts_with("cache-")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for ChannelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ChannelName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for ChannelName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

fn is_channel_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '=' | '@' | ',' | '.' | ';')
}

fn kind_of(name: &str) -> ChannelKind {
    if name.starts_with(SERVER_TO_USER_PREFIX) {
        ChannelKind::ServerToUser
    } else if name.starts_with("private-encrypted-") {
        ChannelKind::PrivateEncrypted
    } else if name.starts_with("private-") {
        ChannelKind::Private
    } else if name.starts_with("presence-") {
        ChannelKind::Presence
    } else {
        ChannelKind::Public
    }
}

/// The name without its kind prefix (`private-`, `presence-`, …).
fn strip_kind_prefix(name: &str) -> &str {
    [
        "private-encrypted-",
        "private-",
        "presence-",
        SERVER_TO_USER_PREFIX,
    ]
    .iter()
    .find_map(|p| name.strip_prefix(p))
    .unwrap_or(name)
}

/// Validates an event name: non-empty and at most [`MAX_EVENT_NAME_LEN`] characters.
pub fn validate_event_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::EmptyEventName);
    }
    let len = name.chars().count();
    if len > MAX_EVENT_NAME_LEN {
        return Err(NameError::EventNameTooLong {
            len,
            max: MAX_EVENT_NAME_LEN,
        });
    }
    Ok(())
}

/// Validates an event payload against [`MAX_EVENT_DATA_BYTES`].
pub fn validate_event_data(data: &str) -> Result<(), NameError> {
    validate_size(data.len(), MAX_EVENT_DATA_BYTES)
}

/// Fails with [`NameError::PayloadTooLarge`] when `size` exceeds `max`.
pub fn validate_size(size: usize, max: usize) -> Result<(), NameError> {
    if size > max {
        Err(NameError::PayloadTooLarge { size, max })
    } else {
        Ok(())
    }
}

/// A validated socket id, `digits.digits`, as the server assigns it in
/// `pusher:connection_established`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SocketId(String);

impl SocketId {
    pub fn parse(id: impl Into<String>) -> Result<Self, NameError> {
        let id = id.into();
        let valid = match id.split_once('.') {
            Some((a, b)) => {
                !a.is_empty()
                    && !b.is_empty()
                    && a.bytes().all(|c| c.is_ascii_digit())
                    && b.bytes().all(|c| c.is_ascii_digit())
            }
            None => false,
        };
        if valid {
            Ok(Self(id))
        } else {
            Err(NameError::InvalidSocketId(id))
        }
    }

    /// Builds a socket id from two numbers, as a server does.
    pub fn from_parts(high: u64, low: u64) -> Self {
        Self(format!("{high}.{low}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SocketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for SocketId {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_kinds_follow_prefixes() {
        let cases = [
            ("my-channel", ChannelKind::Public, false),
            ("cache-news", ChannelKind::Public, true),
            ("private-family-42", ChannelKind::Private, false),
            ("private-cache-x", ChannelKind::Private, true),
            ("private-encrypted-x", ChannelKind::PrivateEncrypted, false),
            (
                "private-encrypted-cache-x",
                ChannelKind::PrivateEncrypted,
                true,
            ),
            ("presence-room", ChannelKind::Presence, false),
            ("presence-cache-room", ChannelKind::Presence, true),
        ];
        for (name, kind, cache) in cases {
            let parsed = ChannelName::parse(name).unwrap();
            assert_eq!(parsed.kind(), kind, "{name}");
            assert_eq!(parsed.is_cache(), cache, "{name}");
        }
    }

    #[test]
    fn channel_name_charset_is_enforced() {
        assert!(ChannelName::parse("a_b-c=d@e,f.g;h").is_ok());
        let err = ChannelName::parse("private-fam ily").unwrap_err();
        assert_eq!(
            err,
            NameError::InvalidChannelCharacter {
                name: "private-fam ily".into(),
                found: ' ',
                position: 11
            }
        );
        assert!(matches!(
            ChannelName::parse("héllo"),
            Err(NameError::InvalidChannelCharacter { found: 'é', .. })
        ));
        assert!(err.to_string().contains("position 11"));
    }

    #[test]
    fn channel_name_length_limit_is_200() {
        assert!(ChannelName::parse("a".repeat(200)).is_ok());
        assert_eq!(
            ChannelName::parse("a".repeat(201)).unwrap_err(),
            NameError::ChannelNameTooLong { len: 201, max: 200 }
        );
        assert_eq!(
            ChannelName::parse("").unwrap_err(),
            NameError::EmptyChannelName
        );
    }

    #[test]
    fn hash_is_reserved() {
        assert!(matches!(
            ChannelName::parse("#server-to-user-1"),
            Err(NameError::ReservedChannelName { .. })
        ));
        assert_eq!(
            ChannelName::server_to_user("7").kind(),
            ChannelKind::ServerToUser
        );
    }

    #[test]
    fn a_bare_prefix_is_refused() {
        assert!(matches!(
            ChannelName::parse("private-"),
            Err(NameError::EmptyChannelSuffix { .. })
        ));
        assert!(matches!(
            ChannelName::parse("presence-"),
            Err(NameError::EmptyChannelSuffix { .. })
        ));
    }

    #[test]
    fn event_names() {
        assert!(validate_event_name("timer:started").is_ok());
        assert_eq!(validate_event_name(""), Err(NameError::EmptyEventName));
        assert!(validate_event_name(&"e".repeat(200)).is_ok());
        assert_eq!(
            validate_event_name(&"e".repeat(201)),
            Err(NameError::EventNameTooLong { len: 201, max: 200 })
        );
    }

    #[test]
    fn socket_ids() {
        for ok in ["1234.1234", "0.0", "445294.25458239"] {
            assert!(SocketId::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".",
            "1.",
            ".1",
            "1.2.3",
            "a.1",
            "1234",
            "1.2:private-x",
            " 1.2",
            "1.2\n",
        ] {
            assert_eq!(
                SocketId::parse(bad),
                Err(NameError::InvalidSocketId(bad.into())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn payload_limit() {
        assert!(validate_event_data(&"x".repeat(MAX_EVENT_DATA_BYTES)).is_ok());
        assert_eq!(
            validate_event_data(&"x".repeat(MAX_EVENT_DATA_BYTES + 1)),
            Err(NameError::PayloadTooLarge {
                size: 10241,
                max: 10240
            })
        );
    }
}
