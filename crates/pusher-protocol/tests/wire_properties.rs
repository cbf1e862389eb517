//! Property tests of the wire: decoding never panics, whatever arrives, and
//! encoding then decoding gives back every message type unchanged.

use std::collections::BTreeMap;

use proptest::prelude::*;
use pusher_protocol::message::{
    ConnectionEstablished, ErrorData, PresenceData, Subscribe, SubscriptionErrorData,
    WatchlistEvent,
};
use pusher_protocol::{AppEvent, Message};
use serde_json::Value;

fn text() -> impl Strategy<Value = String> {
    // Printable text with the characters JSON must escape.
    "[a-zA-Z0-9 _\\-:\\.\"\\\\/\n\t{}\\[\\]éü😀]{0,24}"
}

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_\\-=@,\\.;]{1,24}"
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(name(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Payload text as applications send it: JSON text of any shape, or plain text.
fn payload() -> impl Strategy<Value = String> {
    prop_oneof![json_value().prop_map(|v| v.to_string()), text()]
}

fn app_event(prefix: &'static str) -> impl Strategy<Value = AppEvent> {
    (
        name(),
        proptest::option::of(name()),
        proptest::option::of(payload()),
        proptest::option::of(name()),
    )
        .prop_map(move |(event, channel, data, user_id)| AppEvent {
            event: format!("{prefix}{event}"),
            channel,
            data,
            user_id,
        })
}

fn presence() -> impl Strategy<Value = PresenceData> {
    prop::collection::btree_map(name(), json_value(), 0..4).prop_map(|hash: BTreeMap<_, _>| {
        PresenceData {
            ids: hash.keys().cloned().collect(),
            count: hash.len(),
            hash,
        }
    })
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (name(), proptest::option::of(1u64..100_000)).prop_map(|(socket_id, activity_timeout)| {
            Message::ConnectionEstablished(ConnectionEstablished {
                socket_id,
                activity_timeout,
            })
        }),
        (text(), proptest::option::of(any::<u16>()))
            .prop_map(|(message, code)| Message::Error(ErrorData { message, code })),
        Just(Message::Ping),
        Just(Message::Pong),
        (
            name(),
            proptest::option::of(text()),
            proptest::option::of(text())
        )
            .prop_map(
                |(channel, auth, channel_data)| Message::Subscribe(Subscribe {
                    channel,
                    auth,
                    channel_data
                })
            ),
        name().prop_map(|channel| Message::Unsubscribe { channel }),
        (name(), proptest::option::of(presence()))
            .prop_map(|(channel, presence)| Message::SubscriptionSucceeded { channel, presence }),
        (name(), text(), text(), proptest::option::of(any::<u16>())).prop_map(
            |(channel, kind, error, status)| Message::SubscriptionError {
                channel,
                error: SubscriptionErrorData {
                    kind,
                    error,
                    status
                }
            }
        ),
        (
            name(),
            name(),
            proptest::option::of(json_value().prop_filter("null means absent", |v| !v.is_null()))
        )
            .prop_map(|(channel, user_id, user_info)| Message::MemberAdded {
                channel,
                user_id,
                user_info
            }),
        (name(), name()).prop_map(|(channel, user_id)| Message::MemberRemoved { channel, user_id }),
        (name(), any::<u64>())
            .prop_map(|(channel, count)| Message::SubscriptionCount { channel, count }),
        name().prop_map(|channel| Message::CacheMiss { channel }),
        (text(), text()).prop_map(|(auth, user_data)| Message::Signin { auth, user_data }),
        text().prop_map(|user_data| Message::SigninSuccess { user_data }),
        prop::collection::vec((name(), prop::collection::vec(name(), 0..3)), 0..3).prop_map(
            |events| Message::WatchlistEvents {
                events: events
                    .into_iter()
                    .map(|(name, user_ids)| WatchlistEvent { name, user_ids })
                    .collect()
            }
        ),
        app_event("client-").prop_map(Message::ClientEvent),
        app_event("app:").prop_map(Message::Event),
        app_event("pusher:x-").prop_map(Message::Unknown),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decoding_any_string_never_panics(s in any::<String>()) {
        let _ = Message::decode(&s);
    }

    #[test]
    fn decoding_any_json_frame_never_panics(
        event in prop_oneof![
            Just("pusher:connection_established".to_string()),
            Just("pusher:error".to_string()),
            Just("pusher:subscribe".to_string()),
            Just("pusher_internal:subscription_succeeded".to_string()),
            Just("pusher_internal:member_added".to_string()),
            Just("pusher_internal:member_removed".to_string()),
            Just("pusher:signin".to_string()),
            Just("pusher_internal:watchlist_events".to_string()),
            name(),
        ],
        channel in proptest::option::of(json_value()),
        data in proptest::option::of(json_value()),
        data_as_string in any::<bool>(),
    ) {
        let mut frame = serde_json::Map::new();
        frame.insert("event".into(), Value::String(event));
        if let Some(c) = channel { frame.insert("channel".into(), c); }
        if let Some(d) = data {
            let d = if data_as_string { Value::String(d.to_string()) } else { d };
            frame.insert("data".into(), d);
        }
        let _ = Message::decode(&Value::Object(frame).to_string());
    }

    #[test]
    fn encode_then_decode_is_the_identity(msg in message()) {
        let encoded = msg.encode();
        let decoded = Message::decode(&encoded);
        prop_assert_eq!(decoded, Ok(msg), "encoded as {}", encoded);
    }
}
