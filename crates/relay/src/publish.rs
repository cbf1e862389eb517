//! Publishing an application event: the validation the HTTP API and the
//! in-process call share, and the fan-out that encodes each channel's frame
//! once for all its subscribers.

use axum::extract::ws::Utf8Bytes;
use pusher_protocol::message::encode_channel_event;
use pusher_protocol::names::{self, MAX_CHANNELS_PER_TRIGGER, NameError};
use pusher_protocol::{ChannelName, SocketId};
use thiserror::Error;

use crate::registry::Registry;

/// An event for one or more channels, as the HTTP API's `events` call
/// carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishEvent {
    /// 1 to 100 channels.
    pub channels: Vec<ChannelName>,
    /// The event name, at most 200 characters.
    pub name: String,
    /// The payload text, at most 10 KB; subscribers get it as the frame's
    /// `data` string.
    pub data: String,
    /// A socket that must not receive the event (usually the one whose
    /// action caused it).
    pub socket_id: Option<SocketId>,
}

/// Why an event was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PublishError {
    #[error("an event needs at least one channel")]
    NoChannels,
    #[error("an event may name at most {max} channels; this one names {count}")]
    TooManyChannels { count: usize, max: usize },
    #[error(transparent)]
    Invalid(#[from] NameError),
}

impl PublishError {
    /// Whether the refusal is about size (the HTTP API answers 413).
    pub fn is_too_large(&self) -> bool {
        matches!(self, Self::Invalid(NameError::PayloadTooLarge { .. }))
    }
}

/// Checks an event against the protocol's limits.
pub(crate) fn validate(event: &PublishEvent) -> Result<(), PublishError> {
    if event.channels.is_empty() {
        return Err(PublishError::NoChannels);
    }
    if event.channels.len() > MAX_CHANNELS_PER_TRIGGER {
        return Err(PublishError::TooManyChannels {
            count: event.channels.len(),
            max: MAX_CHANNELS_PER_TRIGGER,
        });
    }
    names::validate_event_name(&event.name)?;
    names::validate_event_data(&event.data)?;
    Ok(())
}

/// Fans a validated event out: one encoded frame per channel, shared by
/// every subscriber of that channel.
pub(crate) fn fan_out(registry: &Registry, event: &PublishEvent) -> usize {
    let except = event
        .socket_id
        .as_ref()
        .and_then(|sid| registry.conn_id_of(sid));
    event
        .channels
        .iter()
        .map(|channel| {
            let frame: Utf8Bytes =
                encode_channel_event(channel.as_str(), &event.name, &event.data, None).into();
            registry.broadcast(channel.as_str(), &frame, except)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(channels: usize, data: usize) -> PublishEvent {
        PublishEvent {
            channels: (0..channels)
                .map(|i| ChannelName::parse(format!("c{i}")).unwrap())
                .collect(),
            name: "e".into(),
            data: "x".repeat(data),
            socket_id: None,
        }
    }

    #[test]
    fn limits() {
        assert_eq!(validate(&event(1, 10)), Ok(()));
        assert_eq!(validate(&event(0, 10)), Err(PublishError::NoChannels));
        assert!(matches!(
            validate(&event(101, 10)),
            Err(PublishError::TooManyChannels { count: 101, .. })
        ));
        let too_big = validate(&event(1, 10 * 1024 + 1)).unwrap_err();
        assert!(too_big.is_too_large());
        let mut unnamed = event(1, 1);
        unnamed.name.clear();
        assert!(!validate(&unnamed).unwrap_err().is_too_large());
    }
}
