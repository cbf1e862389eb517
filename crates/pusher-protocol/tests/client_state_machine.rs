//! The client state machine driven through every transition by a scripted
//! peer on virtual time: the test owns the clock and advances it to each
//! deadline the machine asks for.

use std::time::{Duration, Instant};

use pusher_protocol::message::{ConnectionEstablished, PresenceData};
use pusher_protocol::{
    AuthorizationError, Backoff, ChannelAuthorization, ChannelName, ClientConfig, ClientConnection,
    ConnectionError, ConnectionState, Event, Message, RandomSource, SocketId, SplitMix64,
    SubscriptionFailure, Transmit, TriggerError, server,
};

/// The machine under test plus everything it has said so far.
struct Harness {
    conn: ClientConnection,
    now: Instant,
    start: Instant,
    transmits: Vec<Transmit>,
    events: Vec<Event>,
}

impl Harness {
    fn new() -> Self {
        Self::with_config(ClientConfig::default())
    }

    fn with_config(config: ClientConfig) -> Self {
        Self::with_random(config, SplitMix64::new(42))
    }

    fn with_random(config: ClientConfig, random: impl RandomSource + Send + 'static) -> Self {
        let now = Instant::now();
        Self {
            conn: ClientConnection::new(config, random),
            now,
            start: now,
            transmits: Vec::new(),
            events: Vec::new(),
        }
    }

    fn drain(&mut self) {
        while let Some(t) = self.conn.poll_transmit() {
            self.transmits.push(t);
        }
        while let Some(e) = self.conn.poll_event() {
            self.events.push(e);
        }
    }

    fn take_transmits(&mut self) -> Vec<Transmit> {
        self.drain();
        std::mem::take(&mut self.transmits)
    }

    fn take_events(&mut self) -> Vec<Event> {
        self.drain();
        std::mem::take(&mut self.events)
    }

    /// Frames sent, decoded.
    fn sent_messages(&mut self) -> Vec<Message> {
        self.take_transmits()
            .into_iter()
            .filter_map(|t| match t {
                Transmit::Frame(text) => Some(Message::decode(&text).unwrap()),
                _ => None,
            })
            .collect()
    }

    fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    /// Advances the clock to the next deadline and fires it; returns how far it moved.
    fn fire_next_timer(&mut self) -> Duration {
        let at = self.conn.poll_timeout().expect("a timer is armed");
        let step = at.saturating_duration_since(self.now);
        self.now = self.now.max(at);
        self.conn.handle_timeout(self.now);
        self.drain();
        step
    }

    /// Advances the clock by `d`, firing every deadline on the way.
    fn advance(&mut self, d: Duration) {
        let until = self.now + d;
        while let Some(at) = self.conn.poll_timeout() {
            if at > until {
                break;
            }
            self.now = self.now.max(at);
            self.conn.handle_timeout(self.now);
            self.drain();
        }
        self.now = until;
    }

    fn connect(&mut self) {
        self.conn.handle_connect(self.now);
        self.drain();
    }

    fn open(&mut self) {
        self.conn.handle_socket_opened(self.now);
        self.drain();
    }

    fn receive(&mut self, message: &Message) {
        self.conn.handle_text(self.now, &message.encode());
        self.drain();
    }

    fn receive_text(&mut self, text: &str) {
        self.conn.handle_text(self.now, text);
        self.drain();
    }

    fn close(&mut self, code: Option<u16>) {
        self.conn.handle_socket_closed(self.now, code);
        self.drain();
    }

    fn handshake(&mut self, socket_id: &str, activity_timeout: u64) {
        self.receive(&server::connection_established(
            &SocketId::parse(socket_id).unwrap(),
            activity_timeout,
        ));
    }

    /// connect → open → handshake, and forget what was said on the way.
    fn connected(&mut self, socket_id: &str) {
        self.connect();
        self.open();
        self.handshake(socket_id, 120);
        assert_eq!(self.conn.state(), ConnectionState::Connected);
        self.take_transmits();
        self.take_events();
    }

    fn connecting_in(&mut self) -> Vec<Duration> {
        self.take_events()
            .into_iter()
            .filter_map(|e| match e {
                Event::ConnectingIn(d) => Some(d),
                _ => None,
            })
            .collect()
    }
}

fn channel(name: &str) -> ChannelName {
    ChannelName::parse(name).unwrap()
}

fn states(events: &[Event]) -> Vec<ConnectionState> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::StateChanged { current, .. } => Some(*current),
            _ => None,
        })
        .collect()
}

#[test]
fn connect_handshake_and_states() {
    let mut h = Harness::new();
    assert_eq!(h.conn.state(), ConnectionState::Initialized);
    h.connect();
    assert_eq!(h.take_transmits(), [Transmit::Connect]);
    assert_eq!(h.conn.state(), ConnectionState::Connecting);
    h.open();
    assert_eq!(h.conn.socket_id(), None);
    h.handshake("123.456", 120);
    let events = h.take_events();
    assert_eq!(
        states(&events),
        [ConnectionState::Connecting, ConnectionState::Connected]
    );
    assert!(events.contains(&Event::Connected {
        socket_id: SocketId::parse("123.456").unwrap()
    }));
    assert_eq!(h.conn.socket_id().unwrap().as_str(), "123.456");
    // A second connect request while connected changes nothing.
    h.connect();
    assert!(h.take_transmits().is_empty());
}

#[test]
fn a_handshake_without_activity_timeout_is_an_error_and_retried() {
    for timeout in [None, Some(0)] {
        let mut h = Harness::new();
        h.connect();
        h.open();
        h.take_transmits();
        h.receive(&Message::ConnectionEstablished(ConnectionEstablished {
            socket_id: "1.1".into(),
            activity_timeout: timeout,
        }));
        let events = h.take_events();
        assert!(
            events.contains(&Event::Error(ConnectionError::NoActivityTimeout)),
            "{timeout:?}: {events:?}"
        );
        assert_eq!(h.take_transmits(), [Transmit::Close]);
        assert_ne!(h.conn.state(), ConnectionState::Connected);
        // It retries after a backoff delay.
        h.fire_next_timer();
        assert_eq!(h.take_transmits(), [Transmit::Connect]);
    }
}

#[test]
fn an_invalid_socket_id_in_the_handshake_is_refused() {
    let mut h = Harness::new();
    h.connect();
    h.open();
    h.receive(&Message::ConnectionEstablished(ConnectionEstablished {
        socket_id: "not-a-socket".into(),
        activity_timeout: Some(120),
    }));
    assert!(
        h.take_events()
            .iter()
            .any(|e| matches!(e, Event::Error(ConnectionError::InvalidSocketId(_))))
    );
    assert_ne!(h.conn.state(), ConnectionState::Connected);
}

#[test]
fn public_subscription_is_sent_after_connecting() {
    let mut h = Harness::new();
    h.conn.handle_subscribe(h.now, &channel("news"));
    h.connect();
    h.open();
    assert!(h.sent_messages().is_empty(), "nothing before the handshake");
    h.handshake("1.2", 120);
    let sent = h.sent_messages();
    assert_eq!(
        sent,
        [Message::Subscribe(pusher_protocol::message::Subscribe {
            channel: "news".into(),
            auth: Some(String::new()),
            channel_data: None
        })]
    );
    h.receive(&server::subscription_succeeded("news", None));
    assert!(h.take_events().contains(&Event::SubscriptionSucceeded {
        channel: channel("news"),
        members: None
    }));
    assert!(h.conn.is_subscribed(&channel("news")));
    // Events on it are delivered; events on other channels are not.
    h.receive_text(r#"{"event":"headline","channel":"news","data":"{\"x\":1}"}"#);
    h.receive_text(r#"{"event":"headline","channel":"other","data":"{}"}"#);
    let delivered: Vec<_> = h
        .take_events()
        .into_iter()
        .filter(|e| matches!(e, Event::ChannelEvent { .. }))
        .collect();
    assert_eq!(
        delivered,
        [Event::ChannelEvent {
            channel: channel("news"),
            event: "headline".into(),
            data: Some(r#"{"x":1}"#.into()),
            user_id: None
        }]
    );
}

#[test]
fn private_subscription_asks_for_authorisation() {
    let mut h = Harness::new();
    h.connected("7.7");
    let ch = channel("private-family-1");
    h.conn.handle_subscribe(h.now, &ch);
    let sid = SocketId::parse("7.7").unwrap();
    assert_eq!(
        h.take_events(),
        [Event::AuthorizeChannel {
            channel: ch.clone(),
            socket_id: sid.clone()
        }]
    );
    assert!(h.sent_messages().is_empty(), "waits for the authorisation");
    h.conn.handle_authorization(
        h.now,
        &ch,
        &sid,
        Ok(ChannelAuthorization {
            auth: "key:sig".into(),
            channel_data: None,
        }),
    );
    let sent = h.sent_messages();
    assert_eq!(
        sent,
        [Message::Subscribe(pusher_protocol::message::Subscribe {
            channel: "private-family-1".into(),
            auth: Some("key:sig".into()),
            channel_data: None
        })]
    );
}

#[test]
fn a_failed_authorisation_keeps_the_connection_and_is_asked_again() {
    let mut h = Harness::new();
    h.connected("7.7");
    let ch = channel("private-family-1");
    h.conn.handle_subscribe(h.now, &ch);
    h.take_events();
    let sid = SocketId::parse("7.7").unwrap();
    h.conn.handle_authorization(
        h.now,
        &ch,
        &sid,
        Err(AuthorizationError::refused(403, "HTTP 403")),
    );
    assert_eq!(
        h.take_events(),
        [Event::SubscriptionError {
            channel: ch.clone(),
            error: SubscriptionFailure::Authorization(AuthorizationError {
                status: Some(403),
                reason: "HTTP 403".into()
            })
        }]
    );
    assert_eq!(h.conn.state(), ConnectionState::Connected);
    assert!(h.take_transmits().is_empty(), "the socket stays open");
    // Asking again retries.
    h.conn.handle_subscribe(h.now, &ch);
    assert!(matches!(
        h.take_events().as_slice(),
        [Event::AuthorizeChannel { .. }]
    ));
}

#[test]
fn server_refusal_of_a_subscription_is_reported_per_channel() {
    let mut h = Harness::new();
    h.conn.handle_subscribe(h.now, &channel("news"));
    h.connected("1.1");
    h.receive(&server::subscription_error(
        "news",
        401,
        "Invalid signature",
    ));
    assert_eq!(
        h.take_events(),
        [Event::SubscriptionError {
            channel: channel("news"),
            error: SubscriptionFailure::Refused {
                status: Some(401),
                message: "Invalid signature".into()
            }
        }]
    );
    // A pusher:error without a close is surfaced, with no state change.
    h.receive(&server::error(None, "Invalid signature: Expected HMAC"));
    assert_eq!(
        h.take_events(),
        [Event::Error(ConnectionError::Server {
            code: None,
            message: "Invalid signature: Expected HMAC".into()
        })]
    );
    assert_eq!(h.conn.state(), ConnectionState::Connected);
}

#[test]
fn keepalive_pings_after_the_shorter_activity_timeout() {
    let mut h = Harness::new();
    h.connect();
    h.open();
    h.handshake("1.1", 30); // server says 30 s, client default is 120 s
    h.take_transmits();
    let waited = h.fire_next_timer();
    assert_eq!(waited, Duration::from_secs(30));
    assert_eq!(h.sent_messages(), [Message::Ping]);
    // A pong within the pong timeout keeps the connection.
    h.advance(Duration::from_secs(29));
    h.receive(&Message::Pong);
    assert_eq!(h.conn.state(), ConnectionState::Connected);
    assert!(h.take_transmits().is_empty());
    // Next ping 30 s after the pong.
    assert_eq!(h.fire_next_timer(), Duration::from_secs(30));
    assert_eq!(h.sent_messages(), [Message::Ping]);
}

#[test]
fn client_activity_timeout_wins_when_shorter() {
    let mut h = Harness::with_config(ClientConfig {
        activity_timeout: Duration::from_secs(20),
        ..ClientConfig::default()
    });
    h.connect();
    h.open();
    h.handshake("1.1", 120);
    h.take_transmits();
    assert_eq!(h.fire_next_timer(), Duration::from_secs(20));
    assert_eq!(h.sent_messages(), [Message::Ping]);
}

#[test]
fn any_inbound_frame_resets_the_activity_timer() {
    let mut h = Harness::new();
    h.connect();
    h.open();
    h.handshake("1.1", 120);
    h.take_transmits();
    h.advance(Duration::from_secs(100));
    h.receive_text(r#"{"event":"unrelated","channel":"x","data":"{}"}"#);
    h.advance(Duration::from_secs(100));
    assert!(
        h.sent_messages().is_empty(),
        "no ping 200 s in: activity at 100 s"
    );
    h.advance(Duration::from_secs(20));
    assert_eq!(h.sent_messages(), [Message::Ping]);
}

#[test]
fn no_pong_means_reconnect_at_once() {
    let mut h = Harness::new();
    h.conn.handle_subscribe(h.now, &channel("news"));
    h.connected("1.1");
    h.fire_next_timer(); // activity → ping
    assert_eq!(h.sent_messages(), [Message::Ping]);
    let waited = h.fire_next_timer(); // pong timeout
    assert_eq!(waited, Duration::from_secs(30));
    let events = h.take_events();
    assert!(events.contains(&Event::Error(ConnectionError::PongTimeout(
        Duration::from_secs(30)
    ))));
    assert!(events.contains(&Event::ConnectingIn(Duration::ZERO)));
    assert_eq!(h.conn.state(), ConnectionState::Connecting);
    assert!(!h.conn.is_subscribed(&channel("news")));
    assert_eq!(h.take_transmits(), [Transmit::Close]);
    // The reconnect fires at the same instant.
    assert_eq!(h.fire_next_timer(), Duration::ZERO);
    assert_eq!(h.take_transmits(), [Transmit::Connect]);
}

#[test]
fn server_pings_are_answered() {
    let mut h = Harness::new();
    h.connected("1.1");
    h.receive_text(r#"{"event":"pusher:ping","data":"{}"}"#);
    assert_eq!(h.sent_messages(), [Message::Pong]);
}

#[test]
fn close_4009_never_retries() {
    let mut h = Harness::new();
    h.connected("1.1");
    h.close(Some(4009));
    let events = h.take_events();
    assert!(events.contains(&Event::Error(ConnectionError::Refused {
        code: 4009,
        reason: "connection is unauthorized"
    })));
    assert_eq!(h.conn.state(), ConnectionState::Disconnected);
    assert_eq!(h.conn.poll_timeout(), None, "nothing scheduled");
    assert!(h.take_transmits().is_empty());
}

#[test]
fn close_4100_backs_off() {
    let mut h = Harness::new();
    h.connected("1.1");
    h.close(Some(4100));
    let delays = h.connecting_in();
    assert_eq!(delays.len(), 1);
    // 1 s floor plus the first attempt's jitter of up to 1 s.
    assert!(
        delays[0] >= Duration::from_secs(1) && delays[0] <= Duration::from_secs(2),
        "{delays:?}"
    );
    assert_eq!(h.conn.state(), ConnectionState::Connecting);
    assert_eq!(h.fire_next_timer(), delays[0]);
    assert_eq!(h.take_transmits(), [Transmit::Connect]);
}

#[test]
fn close_41xx_waits_at_least_a_second() {
    for code in [4100, 4150, 4199] {
        // A draw of zero is full jitter's worst case: without a floor the
        // busy server would see the client again at once.
        let mut h = Harness::with_random(ClientConfig::default(), || 0u64);
        h.connected("1.1");
        h.close(Some(code));
        assert_eq!(h.connecting_in(), [Duration::from_secs(1)], "{code}");
        h.advance(Duration::from_millis(999));
        assert!(h.take_transmits().is_empty(), "{code}: not before 1 s");
        h.advance(Duration::from_millis(1));
        assert_eq!(h.take_transmits(), [Transmit::Connect], "{code}");
    }
}

#[test]
fn repeated_41xx_closes_are_jittered_above_the_floor_and_capped() {
    let config = ClientConfig::default();
    let cap = config.backoff.cap;
    let mut h = Harness::with_config(config);
    h.connect();
    let mut delays = Vec::new();
    for _ in 0..50 {
        assert_eq!(h.take_transmits(), [Transmit::Connect]);
        // At its connection limit the relay closes new sockets with 4100.
        h.open();
        h.close(Some(4100));
        let d = h.connecting_in();
        assert_eq!(d.len(), 1);
        delays.push(d[0]);
        let dialled_at = h.elapsed();
        while h.transmits.is_empty() {
            h.fire_next_timer();
        }
        assert_eq!(h.elapsed() - dialled_at, d[0], "the retry waits the delay");
    }
    assert!(
        delays
            .iter()
            .all(|d| *d >= Duration::from_secs(1) && *d <= cap),
        "{delays:?}"
    );
    let distinct: std::collections::BTreeSet<_> = delays.iter().collect();
    assert!(distinct.len() >= 45, "{} distinct of 50", distinct.len());
    assert!(delays[10..].iter().any(|d| *d > Duration::from_secs(10)));
}

#[test]
fn the_41xx_floor_outranks_a_shorter_cap() {
    let config = ClientConfig {
        backoff: Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(300),
        },
        ..ClientConfig::default()
    };
    let mut h = Harness::with_config(config);
    h.connected("1.1");
    h.close(Some(4100));
    assert_eq!(h.connecting_in(), [Duration::from_secs(1)]);
    // Other closes keep the short cap.
    h.fire_next_timer();
    h.open();
    h.handshake("2.2", 120);
    h.take_events();
    h.close(None);
    let d = h.connecting_in();
    assert!(d.len() == 1 && d[0] <= Duration::from_millis(300), "{d:?}");
}

#[test]
fn close_4200_before_the_handshake_backs_off() {
    // A relay that is shutting down closes every new socket with 4200
    // before its handshake: each retry must count, or it is a 0 ms loop.
    let mut h = Harness::new();
    h.connected("1.1");
    h.close(Some(4200));
    assert_eq!(h.connecting_in(), [Duration::ZERO], "established: at once");
    let mut delays = Vec::new();
    for _ in 0..10 {
        while h.transmits.is_empty() {
            h.fire_next_timer();
        }
        assert_eq!(h.take_transmits(), [Transmit::Connect]);
        h.open();
        h.close(Some(4200));
        let d = h.connecting_in();
        assert_eq!(d.len(), 1);
        delays.push(d[0]);
    }
    assert!(delays.iter().all(|d| !d.is_zero()), "{delays:?}");
    let waited: Duration = delays.iter().sum();
    assert!(
        waited > Duration::from_secs(20),
        "the ceiling grows with the attempts: {delays:?}"
    );
    // Back in service: the handshake resets the count, and a 4200 on an
    // established socket returns at once again.
    while h.transmits.is_empty() {
        h.fire_next_timer();
    }
    h.take_transmits();
    h.open();
    h.handshake("2.2", 120);
    h.take_events();
    h.close(Some(4201));
    assert_eq!(h.connecting_in(), [Duration::ZERO]);
}

#[test]
fn close_4200_and_4201_reconnect_now() {
    for code in [4200, 4201] {
        let mut h = Harness::new();
        h.connected("1.1");
        h.close(Some(code));
        assert_eq!(h.connecting_in(), [Duration::ZERO], "{code}");
        assert_eq!(h.fire_next_timer(), Duration::ZERO);
        assert_eq!(h.take_transmits(), [Transmit::Connect]);
    }
}

#[test]
fn a_dropped_socket_1006_backs_off_and_comes_back() {
    let mut h = Harness::new();
    h.connected("1.1");
    h.close(None);
    let delays = h.connecting_in();
    assert_eq!(delays.len(), 1);
    assert!(delays[0] <= Duration::from_secs(1));
    h.fire_next_timer();
    assert_eq!(h.take_transmits(), [Transmit::Connect]);
    h.open();
    h.handshake("2.2", 120);
    assert_eq!(h.conn.state(), ConnectionState::Connected);
    assert_eq!(h.conn.socket_id().unwrap().as_str(), "2.2");
}

#[test]
fn resubscribes_with_fresh_authorisation_after_reconnect() {
    let mut h = Harness::new();
    let private = channel("private-family-1");
    let public = channel("news");
    h.conn.handle_subscribe(h.now, &private);
    h.conn.handle_subscribe(h.now, &public);
    h.connect();
    h.open();
    h.handshake("1.1", 120);
    let old = SocketId::parse("1.1").unwrap();
    assert!(h.take_events().contains(&Event::AuthorizeChannel {
        channel: private.clone(),
        socket_id: old.clone()
    }));
    h.conn.handle_authorization(
        h.now,
        &private,
        &old,
        Ok(ChannelAuthorization {
            auth: "key:old".into(),
            channel_data: None,
        }),
    );
    h.receive(&server::subscription_succeeded("private-family-1", None));
    h.receive(&server::subscription_succeeded("news", None));
    assert!(h.conn.is_subscribed(&private) && h.conn.is_subscribed(&public));
    h.take_transmits();
    h.take_events();

    // The relay restarts.
    h.close(Some(4200));
    assert!(!h.conn.is_subscribed(&private));
    h.fire_next_timer();
    h.open();
    h.handshake("2.2", 120);
    let new = SocketId::parse("2.2").unwrap();
    let events = h.take_events();
    assert!(
        events.contains(&Event::AuthorizeChannel {
            channel: private.clone(),
            socket_id: new.clone()
        }),
        "asks again, for the new socket: {events:?}"
    );
    let sent = h.sent_messages();
    assert!(sent.iter().any(
        |m| matches!(m, Message::Subscribe(s) if s.channel == "news" && s.auth.as_deref() == Some(""))
    ));
    // A late answer for the old socket is ignored.
    h.conn.handle_authorization(
        h.now,
        &private,
        &old,
        Ok(ChannelAuthorization {
            auth: "key:old".into(),
            channel_data: None,
        }),
    );
    assert!(h.sent_messages().is_empty());
    // The fresh answer is used.
    h.conn.handle_authorization(
        h.now,
        &private,
        &new,
        Ok(ChannelAuthorization {
            auth: "key:new".into(),
            channel_data: None,
        }),
    );
    let sent = h.sent_messages();
    assert!(matches!(
        sent.as_slice(),
        [Message::Subscribe(s)] if s.auth.as_deref() == Some("key:new")
    ));
    h.receive(&server::subscription_succeeded("private-family-1", None));
    assert!(h.conn.is_subscribed(&private));
}

#[test]
fn a_hundred_failed_connects_are_jittered_and_capped() {
    let config = ClientConfig::default();
    let cap = config.backoff.cap;
    let mut h = Harness::with_config(config);
    h.connect();
    let mut delays = Vec::new();
    for _ in 0..100 {
        assert_eq!(h.take_transmits(), [Transmit::Connect]);
        h.close(None); // refused at the TCP level: no handshake
        let d = h.connecting_in();
        assert_eq!(d.len(), 1);
        delays.push(d[0]);
        // Fire timers (the unavailable one may come first) until the retry.
        while h.transmits.is_empty() {
            h.fire_next_timer();
        }
    }
    assert!(
        delays.iter().all(|d| *d <= cap),
        "every delay within the cap"
    );
    // The ceiling grows: the first delay is at most 1 s, later ones reach far beyond.
    assert!(delays[0] <= Duration::from_secs(1));
    assert!(delays[20..].iter().any(|d| *d > Duration::from_secs(10)));
    // Jittered: no two consecutive delays alike, and many distinct values.
    let distinct: std::collections::BTreeSet<_> = delays.iter().collect();
    assert!(distinct.len() >= 95, "{} distinct of 100", distinct.len());
    assert_eq!(h.conn.state(), ConnectionState::Unavailable);
}

#[test]
fn unavailable_after_the_timeout_then_connected() {
    let mut h = Harness::new();
    h.connect();
    h.take_transmits();
    // The socket never opens; the handshake deadline (15 s) is later than unavailable (10 s).
    let waited = h.fire_next_timer();
    assert_eq!(waited, Duration::from_secs(10));
    assert_eq!(h.conn.state(), ConnectionState::Unavailable);
    assert_eq!(
        states(&h.take_events()),
        [ConnectionState::Connecting, ConnectionState::Unavailable]
    );
    h.open();
    h.handshake("3.3", 120);
    assert_eq!(h.conn.state(), ConnectionState::Connected);
}

#[test]
fn a_silent_handshake_times_out_and_deadlines_grow() {
    let mut h = Harness::new();
    h.connect();
    h.open();
    h.take_transmits();
    h.advance(Duration::from_secs(15));
    assert!(
        h.take_events()
            .contains(&Event::Error(ConnectionError::HandshakeTimeout(
                Duration::from_secs(15)
            )))
    );
    assert_eq!(h.take_transmits(), [Transmit::Close]);
    h.fire_next_timer(); // backoff
    assert_eq!(h.take_transmits(), [Transmit::Connect]);
    let started = h.elapsed();
    h.open();
    // Second attempt gets 30 s.
    loop {
        h.fire_next_timer();
        if h.take_events()
            .iter()
            .any(|e| matches!(e, Event::Error(ConnectionError::HandshakeTimeout(_))))
        {
            break;
        }
    }
    assert_eq!(h.elapsed() - started, Duration::from_secs(30));
}

#[test]
fn presence_members_follow_the_channel() {
    let mut h = Harness::new();
    h.connected("5.5");
    let ch = channel("presence-kitchen");
    h.conn.handle_subscribe(h.now, &ch);
    h.take_events();
    let sid = SocketId::parse("5.5").unwrap();
    h.conn.handle_authorization(
        h.now,
        &ch,
        &sid,
        Ok(ChannelAuthorization {
            auth: "key:sig".into(),
            channel_data: Some(r#"{"user_id":"ada","user_info":{"name":"Ada"}}"#.into()),
        }),
    );
    h.take_transmits();
    let mut hash = std::collections::BTreeMap::new();
    hash.insert("ada".to_string(), serde_json::json!({"name": "Ada"}));
    hash.insert("bo".to_string(), serde_json::json!({"name": "Bo"}));
    let presence = PresenceData {
        ids: vec!["ada".into(), "bo".into()],
        count: 2,
        hash,
    };
    h.receive(&server::subscription_succeeded(
        "presence-kitchen",
        Some(presence),
    ));
    let Some(Event::SubscriptionSucceeded {
        members: Some(members),
        ..
    }) = h.take_events().pop()
    else {
        panic!("presence subscription carries members")
    };
    assert_eq!(members.me.as_deref(), Some("ada"));
    assert_eq!(members.count(), 2);

    let added = r#"{"event":"pusher_internal:member_added","channel":"presence-kitchen","data":"{\"user_id\":\"cy\",\"user_info\":{\"name\":\"Cy\"}}"}"#;
    h.receive_text(added);
    h.receive_text(added); // a second socket of the same user: no second event
    let events = h.take_events();
    assert_eq!(events.len(), 1);
    assert!(matches!(&events[0], Event::MemberAdded { member, .. } if member.id == "cy"));
    assert_eq!(h.conn.members(&ch).unwrap().count(), 3);

    h.receive_text(r#"{"event":"pusher_internal:member_removed","channel":"presence-kitchen","data":"{\"user_id\":\"bo\"}"}"#);
    h.receive_text(r#"{"event":"pusher_internal:member_removed","channel":"presence-kitchen","data":"{\"user_id\":\"nobody\"}"}"#);
    let events = h.take_events();
    assert_eq!(events.len(), 1);
    assert!(matches!(&events[0], Event::MemberRemoved { member, .. } if member.id == "bo"));
    assert_eq!(h.conn.members(&ch).unwrap().count(), 2);
}

#[test]
fn disconnect_stops_everything_and_connect_resumes() {
    let mut h = Harness::new();
    h.conn.handle_subscribe(h.now, &channel("news"));
    h.connected("1.1");
    h.conn.handle_disconnect(h.now);
    assert_eq!(h.take_transmits(), [Transmit::Close]);
    assert_eq!(h.conn.state(), ConnectionState::Disconnected);
    assert_eq!(h.conn.poll_timeout(), None);
    // A close reported afterwards for the dropped socket is ignored.
    h.close(Some(1000));
    assert_eq!(h.conn.poll_timeout(), None);
    h.connect();
    h.open();
    h.handshake("2.2", 120);
    assert!(
        h.sent_messages()
            .iter()
            .any(|m| matches!(m, Message::Subscribe(s) if s.channel == "news"))
    );
}

#[test]
fn unsubscribe_sends_once_and_forgets() {
    let mut h = Harness::new();
    h.conn.handle_subscribe(h.now, &channel("news"));
    h.connected("1.1");
    h.receive(&server::subscription_succeeded("news", None));
    h.conn.handle_unsubscribe(h.now, &channel("news"));
    assert_eq!(
        h.sent_messages(),
        [Message::Unsubscribe {
            channel: "news".into()
        }]
    );
    h.conn.handle_unsubscribe(h.now, &channel("news"));
    assert!(h.sent_messages().is_empty());
    assert_eq!(h.conn.channels().count(), 0);
}

#[test]
fn client_events_follow_the_rules() {
    let mut h = Harness::new();
    let private = channel("private-chat");
    let public = channel("news");
    assert_eq!(
        h.conn.trigger(&private, "client-x", "{}"),
        Err(TriggerError::NotConnected)
    );
    h.connected("1.1");
    assert_eq!(
        h.conn.trigger(&private, "typing", "{}"),
        Err(TriggerError::NotAClientEvent("typing".into()))
    );
    assert_eq!(
        h.conn.trigger(&public, "client-x", "{}"),
        Err(TriggerError::ChannelKindForbids("news".into()))
    );
    assert_eq!(
        h.conn.trigger(&private, "client-x", "{}"),
        Err(TriggerError::NotSubscribed("private-chat".into()))
    );
    h.conn.handle_subscribe(h.now, &private);
    let sid = SocketId::parse("1.1").unwrap();
    h.conn.handle_authorization(
        h.now,
        &private,
        &sid,
        Ok(ChannelAuthorization {
            auth: "k:s".into(),
            channel_data: None,
        }),
    );
    h.receive(&server::subscription_succeeded("private-chat", None));
    h.take_transmits();
    let big = format!("\"{}\"", "x".repeat(11 * 1024));
    assert!(matches!(
        h.conn.trigger(&private, "client-x", &big),
        Err(TriggerError::Invalid(_))
    ));
    h.conn
        .trigger(&private, "client-typing", r#"{"who":"ada"}"#)
        .unwrap();
    let sent = h.sent_messages();
    assert!(matches!(
        sent.as_slice(),
        [Message::ClientEvent(e)] if e.event == "client-typing" && e.data.as_deref() == Some(r#"{"who":"ada"}"#)
    ));
}

#[test]
fn malformed_frames_are_reported_and_ignored() {
    let mut h = Harness::new();
    h.connected("1.1");
    h.receive_text("this is not json");
    assert!(matches!(
        h.take_events().as_slice(),
        [Event::Error(ConnectionError::Decode(_))]
    ));
    assert_eq!(h.conn.state(), ConnectionState::Connected);
}

#[test]
fn transport_failure_is_the_failed_state() {
    let mut h = Harness::new();
    h.connect();
    h.conn.handle_transport_failed(h.now, "no TLS support");
    assert_eq!(h.conn.state(), ConnectionState::Failed);
    assert_eq!(h.conn.poll_timeout(), None);
}

#[test]
fn a_signin_goes_out_for_the_current_socket_only() {
    let mut h = Harness::new();
    h.connected("1.1");
    let auth = || pusher_protocol::UserAuthentication {
        auth: "key:abc".into(),
        user_data: r#"{"id":"kiosk-k1"}"#.into(),
    };
    let old = SocketId::parse("1.1").unwrap();
    assert!(h.conn.handle_signin(h.now, &old, auth()));
    assert_eq!(
        h.sent_messages(),
        [Message::Signin {
            auth: "key:abc".into(),
            user_data: r#"{"id":"kiosk-k1"}"#.into(),
        }]
    );
    // An answer for a socket that is gone (reconnected since) is dropped.
    h.close(Some(4200));
    h.advance(Duration::from_secs(1));
    h.open();
    h.handshake("2.2", 120);
    h.take_transmits();
    h.take_events();
    assert!(!h.conn.handle_signin(h.now, &old, auth()));
    assert!(h.sent_messages().is_empty());
    // The server's confirmation is told, and changes nothing else.
    h.receive_text(
        r#"{"event":"pusher:signin_success","data":{"user_data":"{\"id\":\"kiosk-k1\"}"}}"#,
    );
    assert_eq!(
        h.take_events(),
        [Event::SignedIn {
            user_data: r#"{"id":"kiosk-k1"}"#.into()
        }]
    );
    assert_eq!(h.conn.state(), ConnectionState::Connected);
}
