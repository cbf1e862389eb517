//! The wire: every Pusher protocol 7 frame as a typed [`Message`], decoded
//! from and encoded to the JSON text frames both sides exchange.
//!
//! Decoding is lenient where real peers differ: `data` may be a JSON string
//! holding JSON (what Pusher's servers send) or the JSON value itself (what
//! pusher-js sends, and what some servers send for `pusher:error`). Events
//! this module does not know are kept as [`Message::Unknown`], never refused.
//!
//! Encoding produces what the official peers produce: server-to-client
//! `data` is a string (except `pusher:error` and `pusher:signin_success`,
//! which carry an object), client-to-server `data` is an object.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use thiserror::Error;

/// Event names of the protocol itself.
pub mod event {
    pub const CONNECTION_ESTABLISHED: &str = "pusher:connection_established";
    pub const ERROR: &str = "pusher:error";
    pub const PING: &str = "pusher:ping";
    pub const PONG: &str = "pusher:pong";
    pub const SUBSCRIBE: &str = "pusher:subscribe";
    pub const UNSUBSCRIBE: &str = "pusher:unsubscribe";
    pub const SUBSCRIPTION_ERROR: &str = "pusher:subscription_error";
    pub const CACHE_MISS: &str = "pusher:cache_miss";
    pub const SIGNIN: &str = "pusher:signin";
    pub const SIGNIN_SUCCESS: &str = "pusher:signin_success";
    pub const SUBSCRIPTION_SUCCEEDED: &str = "pusher_internal:subscription_succeeded";
    pub const MEMBER_ADDED: &str = "pusher_internal:member_added";
    pub const MEMBER_REMOVED: &str = "pusher_internal:member_removed";
    pub const SUBSCRIPTION_COUNT: &str = "pusher_internal:subscription_count";
    pub const WATCHLIST_EVENTS: &str = "pusher_internal:watchlist_events";
    /// Prefix of events a client may send to its peers.
    pub const CLIENT_PREFIX: &str = "client-";
}

/// One protocol frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// S→C: the handshake, with the socket id and the server's activity timeout (s).
    ConnectionEstablished(ConnectionEstablished),
    /// S→C: an error, with a close-code-like `code` or none.
    Error(ErrorData),
    /// Both ways: keepalive.
    Ping,
    /// Both ways: keepalive reply.
    Pong,
    /// C→S: subscribe, with `auth` for private and presence channels.
    Subscribe(Subscribe),
    /// C→S: unsubscribe; the server does not reply.
    Unsubscribe { channel: String },
    /// S→C: the subscription is live; presence channels carry the members.
    SubscriptionSucceeded {
        channel: String,
        presence: Option<PresenceData>,
    },
    /// S→C (soketi and Kinboard's relay): the subscription was refused.
    SubscriptionError {
        channel: String,
        error: SubscriptionErrorData,
    },
    /// S→C: a user joined a presence channel (once per user, not per socket).
    MemberAdded {
        channel: String,
        user_id: String,
        user_info: Option<Value>,
    },
    /// S→C: a user's last socket left a presence channel.
    MemberRemoved { channel: String, user_id: String },
    /// S→C: the number of subscribers of a channel (opt-in).
    SubscriptionCount { channel: String, count: u64 },
    /// S→C: a cache channel had nothing to replay.
    CacheMiss { channel: String },
    /// C→S: user sign-in.
    Signin { auth: String, user_data: String },
    /// S→C: sign-in accepted.
    SigninSuccess { user_data: String },
    /// S→C: watched users came online or went offline.
    WatchlistEvents { events: Vec<WatchlistEvent> },
    /// Both ways: a `client-` event on a private or presence channel.
    ClientEvent(AppEvent),
    /// S→C: an application event.
    Event(AppEvent),
    /// A `pusher:` or `pusher_internal:` event this module does not know, kept as received.
    Unknown(AppEvent),
}

/// An application, client or unknown event: its name, channel, payload and
/// (on presence channels) the sender's user id. `data` is the payload text
/// exactly as the sender meant it: the unescaped string, or the raw JSON of
/// an object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppEvent {
    pub event: String,
    pub channel: Option<String>,
    pub data: Option<String>,
    pub user_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionEstablished {
    pub socket_id: String,
    /// Seconds; missing or 0 is a protocol error the client reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_timeout: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorData {
    pub message: String,
    #[serde(default)]
    pub code: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscribe {
    pub channel: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_data: Option<String>,
}

/// The member list of a presence channel as `subscription_succeeded` carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PresenceData {
    pub ids: Vec<String>,
    pub hash: BTreeMap<String, Value>,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionErrorData {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub status: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchlistEvent {
    pub name: String,
    pub user_ids: Vec<String>,
}

/// Why a frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("frame is not a JSON object with an event name: {0}")]
    NotAFrame(String),
    #[error("{event} needs a channel")]
    MissingChannel { event: String },
    #[error("{event} has no data")]
    MissingData { event: String },
    #[error("{event} has malformed data: {reason}")]
    MalformedData { event: String, reason: String },
}

/// The envelope every frame shares.
#[derive(Deserialize)]
struct Envelope<'a> {
    event: String,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
    #[serde(default)]
    user_id: Option<UserId>,
}

/// Presence user ids are strings on the wire but numbers in some apps'
/// `channel_data`; both decode to a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum UserId {
    Text(String),
    Number(serde_json::Number),
}

impl From<UserId> for String {
    fn from(id: UserId) -> Self {
        match id {
            UserId::Text(s) => s,
            UserId::Number(n) => n.to_string(),
        }
    }
}

impl Message {
    /// Decodes one text frame.
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        let envelope: Envelope<'_> =
            serde_json::from_str(text).map_err(|e| DecodeError::NotAFrame(e.to_string()))?;
        let Envelope {
            event,
            channel,
            data,
            user_id,
        } = envelope;
        let user_id = user_id.map(String::from);
        let data_text =
            data.map(payload_text)
                .transpose()
                .map_err(|reason| DecodeError::MalformedData {
                    event: event.clone(),
                    reason,
                })?;

        let need_channel = |channel: Option<String>| {
            channel.ok_or_else(|| DecodeError::MissingChannel {
                event: event.clone(),
            })
        };
        let typed = |data: Option<&str>| -> Result<Value, DecodeError> {
            let data = data.ok_or_else(|| DecodeError::MissingData {
                event: event.clone(),
            })?;
            serde_json::from_str(data).map_err(|e| DecodeError::MalformedData {
                event: event.clone(),
                reason: e.to_string(),
            })
        };
        fn parse<T: for<'de> Deserialize<'de>>(
            event: &str,
            value: Value,
        ) -> Result<T, DecodeError> {
            serde_json::from_value(value).map_err(|e| DecodeError::MalformedData {
                event: event.to_owned(),
                reason: e.to_string(),
            })
        }

        Ok(match event.as_str() {
            event::CONNECTION_ESTABLISHED => {
                Self::ConnectionEstablished(parse(&event, typed(data_text.as_deref())?)?)
            }
            event::ERROR => Self::Error(parse(&event, typed(data_text.as_deref())?)?),
            event::PING => Self::Ping,
            event::PONG => Self::Pong,
            event::SUBSCRIBE => Self::Subscribe(parse(&event, typed(data_text.as_deref())?)?),
            event::UNSUBSCRIBE => {
                #[derive(Deserialize)]
                struct D {
                    channel: String,
                }
                let d: D = parse(&event, typed(data_text.as_deref())?)?;
                Self::Unsubscribe { channel: d.channel }
            }
            event::SUBSCRIPTION_SUCCEEDED => {
                let channel = need_channel(channel)?;
                let presence = match data_text.as_deref() {
                    None | Some("") => None,
                    Some(text) => {
                        #[derive(Deserialize)]
                        struct D {
                            #[serde(default)]
                            presence: Option<PresenceData>,
                        }
                        let d: D = parse(&event, typed(Some(text))?)?;
                        d.presence
                    }
                };
                Self::SubscriptionSucceeded { channel, presence }
            }
            event::SUBSCRIPTION_ERROR => {
                let channel = need_channel(channel)?;
                let error = parse(&event, typed(data_text.as_deref())?)?;
                Self::SubscriptionError { channel, error }
            }
            event::MEMBER_ADDED => {
                let channel = need_channel(channel)?;
                #[derive(Deserialize)]
                struct D {
                    user_id: UserId,
                    #[serde(default)]
                    user_info: Option<Value>,
                }
                let d: D = parse(&event, typed(data_text.as_deref())?)?;
                Self::MemberAdded {
                    channel,
                    user_id: d.user_id.into(),
                    user_info: d.user_info,
                }
            }
            event::MEMBER_REMOVED => {
                let channel = need_channel(channel)?;
                #[derive(Deserialize)]
                struct D {
                    user_id: UserId,
                }
                let d: D = parse(&event, typed(data_text.as_deref())?)?;
                Self::MemberRemoved {
                    channel,
                    user_id: d.user_id.into(),
                }
            }
            event::SUBSCRIPTION_COUNT => {
                let channel = need_channel(channel)?;
                #[derive(Deserialize)]
                struct D {
                    subscription_count: u64,
                }
                let d: D = parse(&event, typed(data_text.as_deref())?)?;
                Self::SubscriptionCount {
                    channel,
                    count: d.subscription_count,
                }
            }
            event::CACHE_MISS => Self::CacheMiss {
                channel: need_channel(channel)?,
            },
            event::SIGNIN => {
                #[derive(Deserialize)]
                struct D {
                    auth: String,
                    user_data: String,
                }
                let d: D = parse(&event, typed(data_text.as_deref())?)?;
                Self::Signin {
                    auth: d.auth,
                    user_data: d.user_data,
                }
            }
            event::SIGNIN_SUCCESS => {
                #[derive(Deserialize)]
                struct D {
                    user_data: String,
                }
                let d: D = parse(&event, typed(data_text.as_deref())?)?;
                Self::SigninSuccess {
                    user_data: d.user_data,
                }
            }
            event::WATCHLIST_EVENTS => {
                #[derive(Deserialize)]
                struct D {
                    events: Vec<WatchlistEvent>,
                }
                let d: D = parse(&event, typed(data_text.as_deref())?)?;
                Self::WatchlistEvents { events: d.events }
            }
            name => {
                let app = AppEvent {
                    event: name.to_owned(),
                    channel,
                    data: data_text,
                    user_id,
                };
                if name.starts_with("pusher:") || name.starts_with("pusher_internal:") {
                    Self::Unknown(app)
                } else if name.starts_with(event::CLIENT_PREFIX) {
                    Self::ClientEvent(app)
                } else {
                    Self::Event(app)
                }
            }
        })
    }

    /// The event name this message carries on the wire.
    pub fn event_name(&self) -> &str {
        match self {
            Self::ConnectionEstablished(_) => event::CONNECTION_ESTABLISHED,
            Self::Error(_) => event::ERROR,
            Self::Ping => event::PING,
            Self::Pong => event::PONG,
            Self::Subscribe(_) => event::SUBSCRIBE,
            Self::Unsubscribe { .. } => event::UNSUBSCRIBE,
            Self::SubscriptionSucceeded { .. } => event::SUBSCRIPTION_SUCCEEDED,
            Self::SubscriptionError { .. } => event::SUBSCRIPTION_ERROR,
            Self::MemberAdded { .. } => event::MEMBER_ADDED,
            Self::MemberRemoved { .. } => event::MEMBER_REMOVED,
            Self::SubscriptionCount { .. } => event::SUBSCRIPTION_COUNT,
            Self::CacheMiss { .. } => event::CACHE_MISS,
            Self::Signin { .. } => event::SIGNIN,
            Self::SigninSuccess { .. } => event::SIGNIN_SUCCESS,
            Self::WatchlistEvents { .. } => event::WATCHLIST_EVENTS,
            Self::ClientEvent(e) | Self::Event(e) | Self::Unknown(e) => &e.event,
        }
    }

    /// Encodes the message as the official peers would send it.
    pub fn encode(&self) -> String {
        let name = self.event_name();
        match self {
            Self::ConnectionEstablished(d) => frame(name, None, string_data(&to_value(d)), None),
            Self::Error(d) => frame(name, None, json(to_value(d)), None),
            Self::Ping | Self::Pong => frame(name, None, json(Value::Object(Map::new())), None),
            Self::Subscribe(d) => frame(name, None, json(to_value(d)), None),
            Self::Unsubscribe { channel } => frame(
                name,
                None,
                json(serde_json::json!({ "channel": channel })),
                None,
            ),
            Self::SubscriptionSucceeded { channel, presence } => {
                let data = match presence {
                    Some(p) => serde_json::json!({ "presence": p }),
                    None => Value::Object(Map::new()),
                };
                frame(name, Some(channel), string_data(&data), None)
            }
            Self::SubscriptionError { channel, error } => {
                frame(name, Some(channel), string_data(&to_value(error)), None)
            }
            Self::MemberAdded {
                channel,
                user_id,
                user_info,
            } => {
                let mut data = Map::new();
                data.insert("user_id".into(), Value::String(user_id.clone()));
                if let Some(info) = user_info {
                    data.insert("user_info".into(), info.clone());
                }
                frame(name, Some(channel), string_data(&Value::Object(data)), None)
            }
            Self::MemberRemoved { channel, user_id } => frame(
                name,
                Some(channel),
                string_data(&serde_json::json!({ "user_id": user_id })),
                None,
            ),
            Self::SubscriptionCount { channel, count } => frame(
                name,
                Some(channel),
                string_data(&serde_json::json!({ "subscription_count": count })),
                None,
            ),
            Self::CacheMiss { channel } => frame(name, Some(channel), None, None),
            Self::Signin { auth, user_data } => frame(
                name,
                None,
                json(serde_json::json!({ "auth": auth, "user_data": user_data })),
                None,
            ),
            Self::SigninSuccess { user_data } => frame(
                name,
                None,
                json(serde_json::json!({ "user_data": user_data })),
                None,
            ),
            Self::WatchlistEvents { events } => frame(
                name,
                None,
                string_data(&serde_json::json!({ "events": events })),
                None,
            ),
            Self::ClientEvent(e) => frame(
                name,
                e.channel.as_deref(),
                e.data.as_deref().map(client_data),
                e.user_id.as_deref(),
            ),
            Self::Event(e) | Self::Unknown(e) => frame(
                name,
                e.channel.as_deref(),
                e.data
                    .as_deref()
                    .map(|d| Payload::Json(Value::String(d.to_owned()))),
                e.user_id.as_deref(),
            ),
        }
    }
}

/// Encodes an application event for delivery to subscribers, the one frame
/// a server sends most: `{"event","channel","data":"<string>"}`.
pub fn encode_channel_event(
    channel: &str,
    event: &str,
    data: &str,
    user_id: Option<&str>,
) -> String {
    frame(
        event,
        Some(channel),
        json(Value::String(data.to_owned())),
        user_id,
    )
}

/// The payload text of a raw `data` value: a JSON string is unescaped, any
/// other JSON value is kept verbatim.
fn payload_text(raw: &RawValue) -> Result<String, String> {
    let text = raw.get();
    if text.starts_with('"') {
        serde_json::from_str::<String>(text).map_err(|e| e.to_string())
    } else {
        Ok(text.to_owned())
    }
}

/// Client event payloads go out as the JSON object or array they hold, as
/// pusher-js sends them; anything else goes out as a string. Decoding
/// either form gives back the same text, byte for byte.
fn client_data(data: &str) -> Payload<'_> {
    let structured = matches!(data.as_bytes().first(), Some(b'{' | b'['))
        && matches!(data.as_bytes().last(), Some(b'}' | b']'));
    if structured && serde_json::from_str::<&RawValue>(data).is_ok() {
        Payload::Raw(data)
    } else {
        Payload::Json(Value::String(data.to_owned()))
    }
}

fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("protocol types always serialise")
}

/// A frame's `data`: a JSON value, or JSON text to embed as it is.
enum Payload<'a> {
    Json(Value),
    Raw(&'a str),
}

fn json(value: Value) -> Option<Payload<'static>> {
    Some(Payload::Json(value))
}

/// `data` as a string holding the JSON text, the server-to-client form.
fn string_data(value: &Value) -> Option<Payload<'static>> {
    json(Value::String(value.to_string()))
}

/// Writes the envelope in the field order Pusher uses: event, channel, data, user_id.
fn frame(
    event: &str,
    channel: Option<&str>,
    data: Option<Payload<'_>>,
    user_id: Option<&str>,
) -> String {
    fn push_str(out: &mut String, s: &str) {
        out.push_str(&Value::String(s.to_owned()).to_string());
    }
    let mut out = String::with_capacity(64);
    out.push_str("{\"event\":");
    push_str(&mut out, event);
    if let Some(channel) = channel {
        out.push_str(",\"channel\":");
        push_str(&mut out, channel);
    }
    match data {
        Some(Payload::Json(value)) => {
            out.push_str(",\"data\":");
            out.push_str(&value.to_string());
        }
        Some(Payload::Raw(raw)) => {
            out.push_str(",\"data\":");
            out.push_str(raw);
        }
        None => {}
    }
    if let Some(user_id) = user_id {
        out.push_str(",\"user_id\":");
        push_str(&mut out, user_id);
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_established_as_pusher_sends_it() {
        let text = r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"445294.25458239\",\"activity_timeout\":120}"}"#;
        let msg = Message::decode(text).unwrap();
        assert_eq!(
            msg,
            Message::ConnectionEstablished(ConnectionEstablished {
                socket_id: "445294.25458239".into(),
                activity_timeout: Some(120)
            })
        );
        assert_eq!(Message::decode(&msg.encode()).unwrap(), msg);
        // data as a string holding JSON, as Pusher does.
        let encoded: Value = serde_json::from_str(&msg.encode()).unwrap();
        assert!(encoded["data"].is_string());
    }

    #[test]
    fn data_may_be_an_object_or_a_string() {
        let as_object = r#"{"event":"pusher:connection_established","data":{"socket_id":"1.2","activity_timeout":30}}"#;
        let as_string = r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"1.2\",\"activity_timeout\":30}"}"#;
        assert_eq!(
            Message::decode(as_object).unwrap(),
            Message::decode(as_string).unwrap()
        );
    }

    #[test]
    fn error_is_an_object_with_nullable_code() {
        let text = r#"{"event":"pusher:error","data":{"code":null,"message":"Invalid signature"}}"#;
        assert_eq!(
            Message::decode(text).unwrap(),
            Message::Error(ErrorData {
                message: "Invalid signature".into(),
                code: None
            })
        );
        let msg = Message::Error(ErrorData {
            message: "Over capacity".into(),
            code: Some(4100),
        });
        let encoded: Value = serde_json::from_str(&msg.encode()).unwrap();
        assert_eq!(encoded["data"]["code"], 4100);
    }

    #[test]
    fn pings_accept_object_string_or_nothing() {
        for text in [
            r#"{"event":"pusher:ping","data":{}}"#,
            r#"{"event":"pusher:ping","data":"{}"}"#,
            r#"{"event":"pusher:ping"}"#,
        ] {
            assert_eq!(Message::decode(text).unwrap(), Message::Ping, "{text}");
        }
        assert_eq!(
            Message::Pong.encode(),
            r#"{"event":"pusher:pong","data":{}}"#
        );
    }

    #[test]
    fn subscribe_as_pusher_js_sends_it() {
        let text = r#"{"event":"pusher:subscribe","data":{"auth":"","channel":"public-1"}}"#;
        assert_eq!(
            Message::decode(text).unwrap(),
            Message::Subscribe(Subscribe {
                channel: "public-1".into(),
                auth: Some(String::new()),
                channel_data: None
            })
        );
    }

    #[test]
    fn presence_subscription_succeeded() {
        let text = r#"{"event":"pusher_internal:subscription_succeeded","channel":"presence-x","data":"{\"presence\":{\"ids\":[\"1\",\"2\"],\"hash\":{\"1\":{\"name\":\"a\"},\"2\":null},\"count\":2}}"}"#;
        let Message::SubscriptionSucceeded { channel, presence } = Message::decode(text).unwrap()
        else {
            panic!("wrong variant")
        };
        assert_eq!(channel, "presence-x");
        let presence = presence.unwrap();
        assert_eq!(presence.ids, ["1", "2"]);
        assert_eq!(presence.count, 2);
        assert_eq!(presence.hash["1"]["name"], "a");
        let plain = r#"{"event":"pusher_internal:subscription_succeeded","channel":"private-x","data":"{}"}"#;
        assert_eq!(
            Message::decode(plain).unwrap(),
            Message::SubscriptionSucceeded {
                channel: "private-x".into(),
                presence: None
            }
        );
    }

    #[test]
    fn numeric_user_ids_become_strings() {
        let text = r#"{"event":"pusher_internal:member_added","channel":"presence-x","data":"{\"user_id\":10,\"user_info\":{\"name\":\"Mr. Channels\"}}"}"#;
        let Message::MemberAdded { user_id, .. } = Message::decode(text).unwrap() else {
            panic!("wrong variant")
        };
        assert_eq!(user_id, "10");
    }

    #[test]
    fn app_events_keep_their_payload_text() {
        let text =
            r#"{"event":"timer:started","channel":"private-family-1","data":"{\"revision\":3}"}"#;
        let msg = Message::decode(text).unwrap();
        assert_eq!(
            msg,
            Message::Event(AppEvent {
                event: "timer:started".into(),
                channel: Some("private-family-1".into()),
                data: Some(r#"{"revision":3}"#.into()),
                user_id: None
            })
        );
        assert_eq!(msg.encode(), text);
        // An object payload is kept verbatim.
        let object = r#"{"event":"x","channel":"c","data":{"b":1, "a":2}}"#;
        let Message::Event(e) = Message::decode(object).unwrap() else {
            panic!()
        };
        assert_eq!(e.data.as_deref(), Some(r#"{"b":1, "a":2}"#));
    }

    #[test]
    fn client_events_go_out_as_objects() {
        let msg = Message::ClientEvent(AppEvent {
            event: "client-typing".into(),
            channel: Some("private-chat".into()),
            data: Some(r#"{"who":"ada"}"#.into()),
            user_id: None,
        });
        let encoded: Value = serde_json::from_str(&msg.encode()).unwrap();
        assert_eq!(encoded["data"]["who"], "ada");
        assert_eq!(Message::decode(&msg.encode()).unwrap(), msg);
    }

    #[test]
    fn unknown_events_are_kept() {
        let text = r#"{"event":"pusher:brand_new","data":{"x":1}}"#;
        let Message::Unknown(e) = Message::decode(text).unwrap() else {
            panic!("wrong variant")
        };
        assert_eq!(e.event, "pusher:brand_new");
        assert_eq!(e.data.as_deref(), Some(r#"{"x":1}"#));
    }

    #[test]
    fn malformed_frames_say_what_is_wrong() {
        assert!(matches!(
            Message::decode("not json"),
            Err(DecodeError::NotAFrame(_))
        ));
        assert!(matches!(
            Message::decode(r#"{"data":1}"#),
            Err(DecodeError::NotAFrame(_))
        ));
        assert!(matches!(
            Message::decode("[]"),
            Err(DecodeError::NotAFrame(_))
        ));
        assert_eq!(
            Message::decode(r#"{"event":"pusher:subscribe"}"#),
            Err(DecodeError::MissingData {
                event: "pusher:subscribe".into()
            })
        );
        assert!(matches!(
            Message::decode(r#"{"event":"pusher:subscribe","data":{"chan":"x"}}"#),
            Err(DecodeError::MalformedData { .. })
        ));
        assert!(matches!(
            Message::decode(r#"{"event":"pusher:subscribe","data":"{not json"}"#),
            Err(DecodeError::MalformedData { .. })
        ));
        assert_eq!(
            Message::decode(r#"{"event":"pusher_internal:member_removed","data":"{}"}"#),
            Err(DecodeError::MissingChannel {
                event: "pusher_internal:member_removed".into()
            })
        );
    }

    #[test]
    fn channel_event_encoding_matches_message_encoding() {
        let direct = encode_channel_event(
            "private-family-1",
            "stars:updated",
            r#"{"newBalance":4}"#,
            None,
        );
        let via_message = Message::Event(AppEvent {
            event: "stars:updated".into(),
            channel: Some("private-family-1".into()),
            data: Some(r#"{"newBalance":4}"#.into()),
            user_id: None,
        })
        .encode();
        assert_eq!(direct, via_message);
    }
}
