//! The events on a family's channel, `private-family-{familyId}`.
//!
//! [`FamilyEvent`] is every event the server broadcasts, each with the
//! family `revision` it brings a device to. On the channel an event
//! travels as Pusher does it: its [`name`](FamilyEvent::name) and its
//! payload as a JSON string ([`FamilyEvent::data`]); in the reply to the
//! action that caused it, as `{"event": name, "data": payload}`, so the
//! device that acted applies exactly what everyone else receives.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::Timer;

/// The prefix of a family's private channel; the family id follows.
pub const FAMILY_CHANNEL_PREFIX: &str = "private-family-";

/// `private-family-{familyId}`.
pub fn family_channel(family_id: &str) -> String {
    format!("{FAMILY_CHANNEL_PREFIX}{family_id}")
}

/// `timer:started`, `timer:updated`, `timer:expired`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TimerChanged {
    pub timer: Timer,
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimerCancelled {
    pub timer_id: String,
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimerCompleted {
    pub timer: Timer,
    /// The stars the confirmation awarded (a `stars:updated` follows
    /// when there were any).
    pub stars_awarded: i64,
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChoreCompleted {
    pub chore_id: String,
    /// The child who did it.
    pub completed_by: String,
    pub completed_at: i64,
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StarsUpdated {
    pub member_id: String,
    pub new_balance: i64,
    pub revision: i64,
}

/// Every event the server broadcasts on a family's channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "event", content = "data")]
pub enum FamilyEvent {
    #[serde(rename = "timer:started")]
    TimerStarted(TimerChanged),
    /// Paused, resumed, extended, or re-announced.
    #[serde(rename = "timer:updated")]
    TimerUpdated(TimerChanged),
    #[serde(rename = "timer:expired")]
    TimerExpired(TimerChanged),
    #[serde(rename = "timer:cancelled")]
    TimerCancelled(TimerCancelled),
    #[serde(rename = "timer:completed")]
    TimerCompleted(TimerCompleted),
    #[serde(rename = "chore:completed")]
    ChoreCompleted(ChoreCompleted),
    #[serde(rename = "stars:updated")]
    StarsUpdated(StarsUpdated),
}

/// An event as a reply lists it: one this version knows, or one it does
/// not (a newer server's), kept by name and payload so that the client can
/// still order it by its revision and reload for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ReplyEvent {
    Known(FamilyEvent),
    Unknown {
        event: String,
        data: serde_json::Value,
    },
}

/// Read as the channel's events are: the name first, then the payload
/// straight into its type.
impl<'de> Deserialize<'de> for ReplyEvent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Listed {
            event: String,
            data: Box<serde_json::value::RawValue>,
        }
        let listed = Listed::deserialize(deserializer)?;
        match FamilyEvent::parse(&listed.event, listed.data.get()) {
            Ok(known) => Ok(Self::Known(known)),
            Err(_) => Ok(Self::Unknown {
                data: serde_json::from_str(listed.data.get()).map_err(serde::de::Error::custom)?,
                event: listed.event,
            }),
        }
    }
}

impl ReplyEvent {
    /// The events a transaction broadcast, as its reply lists them.
    pub fn all(events: &[FamilyEvent]) -> Vec<Self> {
        events.iter().cloned().map(Self::Known).collect()
    }
}

/// Only the revision of an event, which every event carries: enough to
/// order one this client does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionOnly {
    pub revision: i64,
}

/// Why a channel event could not be read as a [`FamilyEvent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventError {
    /// A name this version does not know (a newer server's); the revision
    /// it carries, when it has one, still orders it.
    Unknown { name: String, revision: Option<i64> },
    /// A known name whose payload does not fit.
    Malformed { name: String, reason: String },
}

impl std::fmt::Display for EventError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unknown { name, .. } => write!(f, "unknown event {name}"),
            Self::Malformed { name, reason } => write!(f, "malformed {name} event: {reason}"),
        }
    }
}

impl std::error::Error for EventError {}

impl FamilyEvent {
    /// Every event name, as on the channel.
    pub const NAMES: [&'static str; 7] = [
        "timer:started",
        "timer:updated",
        "timer:expired",
        "timer:cancelled",
        "timer:completed",
        "chore:completed",
        "stars:updated",
    ];

    /// The event's name on the channel.
    pub fn name(&self) -> &'static str {
        match self {
            Self::TimerStarted(_) => "timer:started",
            Self::TimerUpdated(_) => "timer:updated",
            Self::TimerExpired(_) => "timer:expired",
            Self::TimerCancelled(_) => "timer:cancelled",
            Self::TimerCompleted(_) => "timer:completed",
            Self::ChoreCompleted(_) => "chore:completed",
            Self::StarsUpdated(_) => "stars:updated",
        }
    }

    /// The family revision this event brings a device to.
    pub fn revision(&self) -> i64 {
        match self {
            Self::TimerStarted(e) | Self::TimerUpdated(e) | Self::TimerExpired(e) => e.revision,
            Self::TimerCancelled(e) => e.revision,
            Self::TimerCompleted(e) => e.revision,
            Self::ChoreCompleted(e) => e.revision,
            Self::StarsUpdated(e) => e.revision,
        }
    }

    /// The payload as the channel carries it: a JSON string.
    pub fn data(&self) -> String {
        // Written straight from the payload (no intermediate JSON tree):
        // every broadcast goes through here.
        let text = match self {
            Self::TimerStarted(e) | Self::TimerUpdated(e) | Self::TimerExpired(e) => {
                serde_json::to_string(e)
            }
            Self::TimerCancelled(e) => serde_json::to_string(e),
            Self::TimerCompleted(e) => serde_json::to_string(e),
            Self::ChoreCompleted(e) => serde_json::to_string(e),
            Self::StarsUpdated(e) => serde_json::to_string(e),
        };
        text.unwrap_or_else(|_| "{}".to_owned())
    }

    /// Reads an event from the channel: its name and its JSON payload,
    /// parsed once, straight into the payload's type (every device reads
    /// every event through here).
    pub fn parse(name: &str, data: &str) -> Result<Self, EventError> {
        fn payload<T: serde::de::DeserializeOwned>(
            name: &str,
            data: &str,
        ) -> Result<T, EventError> {
            serde_json::from_str(data).map_err(|e| EventError::Malformed {
                name: name.to_owned(),
                reason: e.to_string(),
            })
        }
        Ok(match name {
            "timer:started" => Self::TimerStarted(payload(name, data)?),
            "timer:updated" => Self::TimerUpdated(payload(name, data)?),
            "timer:expired" => Self::TimerExpired(payload(name, data)?),
            "timer:cancelled" => Self::TimerCancelled(payload(name, data)?),
            "timer:completed" => Self::TimerCompleted(payload(name, data)?),
            "chore:completed" => Self::ChoreCompleted(payload(name, data)?),
            "stars:updated" => Self::StarsUpdated(payload(name, data)?),
            _ => {
                let revision = serde_json::from_str::<RevisionOnly>(data)
                    .ok()
                    .map(|r| r.revision);
                return Err(EventError::Unknown {
                    name: name.to_owned(),
                    revision,
                });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TimerState;

    fn timer() -> Timer {
        Timer {
            id: "tmr_1".into(),
            family_id: "fam_1".into(),
            member_id: "mem_1".into(),
            label: "Homework".into(),
            state: TimerState::Running,
            duration_ms: 60_000,
            ends_at: Some(61_000),
            remaining_ms: None,
            stars: 2,
            template_id: None,
            started_at: 1_000,
            updated_at: 1_000,
        }
    }

    fn every_event() -> Vec<FamilyEvent> {
        let changed = TimerChanged {
            timer: timer(),
            revision: 4,
        };
        vec![
            FamilyEvent::TimerStarted(changed.clone()),
            FamilyEvent::TimerUpdated(changed.clone()),
            FamilyEvent::TimerExpired(changed),
            FamilyEvent::TimerCancelled(TimerCancelled {
                timer_id: "tmr_1".into(),
                revision: 5,
            }),
            FamilyEvent::TimerCompleted(TimerCompleted {
                timer: timer(),
                stars_awarded: 2,
                revision: 6,
            }),
            FamilyEvent::ChoreCompleted(ChoreCompleted {
                chore_id: "chr_1".into(),
                completed_by: "mem_1".into(),
                completed_at: 9,
                revision: 7,
            }),
            FamilyEvent::StarsUpdated(StarsUpdated {
                member_id: "mem_1".into(),
                new_balance: 3,
                revision: 8,
            }),
        ]
    }

    #[test]
    fn every_event_reads_back_from_its_name_and_data() {
        let events = every_event();
        assert_eq!(events.len(), FamilyEvent::NAMES.len());
        for event in events {
            assert!(FamilyEvent::NAMES.contains(&event.name()));
            let back = FamilyEvent::parse(event.name(), &event.data()).unwrap();
            assert_eq!(back, event);
        }
    }

    #[test]
    fn payloads_are_camel_case_as_documented() {
        let stars = FamilyEvent::StarsUpdated(StarsUpdated {
            member_id: "mem_1".into(),
            new_balance: 3,
            revision: 8,
        });
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&stars.data()).unwrap(),
            serde_json::json!({"memberId": "mem_1", "newBalance": 3, "revision": 8})
        );
        assert_eq!(
            serde_json::to_value(&stars).unwrap()["event"],
            "stars:updated"
        );
    }

    #[test]
    fn a_reply_keeps_an_event_it_does_not_know() {
        let listed: Vec<ReplyEvent> = serde_json::from_value(serde_json::json!([
            {"event": "stars:updated", "data": {"memberId": "m", "newBalance": 2, "revision": 5}},
            {"event": "reward:redeemed", "data": {"redemptionId": "r", "revision": 6}},
        ]))
        .unwrap();
        assert!(matches!(&listed[0], ReplyEvent::Known(e) if e.revision() == 5));
        assert!(
            matches!(&listed[1], ReplyEvent::Unknown { event, .. } if event == "reward:redeemed")
        );
        // Known ones travel exactly as the channel's.
        let known = serde_json::to_value(&listed[0]).unwrap();
        assert_eq!(known["event"], "stars:updated");
    }

    #[test]
    fn unknown_and_malformed_events_say_which() {
        assert_eq!(
            FamilyEvent::parse("reward:redeemed", r#"{"revision": 12}"#),
            Err(EventError::Unknown {
                name: "reward:redeemed".into(),
                revision: Some(12)
            })
        );
        assert!(matches!(
            FamilyEvent::parse("timer:cancelled", r#"{"revision": 3}"#),
            Err(EventError::Malformed { .. })
        ));
        assert!(matches!(
            FamilyEvent::parse("timer:cancelled", "not json"),
            Err(EventError::Malformed { .. })
        ));
    }
}
