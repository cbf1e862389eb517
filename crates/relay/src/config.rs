//! The relay's settings: the app it serves, its limits and its timers, with
//! the defaults a household relay runs with.

use std::time::Duration;

use pusher_protocol::AppCredentials;

/// How a [`Relay`](crate::Relay) behaves. Build it with [`RelayConfig::new`]
/// and change the fields that matter; every field has a sensible default.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// The one app this relay serves: its id in HTTP API paths, the key in
    /// `/app/{key}` and the secret every signature is checked with.
    pub app: AppCredentials,
    /// Silence from a client after which the relay sends `pusher:ping`; also
    /// announced to clients in `pusher:connection_established` (whole seconds,
    /// at least 1). Pusher uses 120 s.
    pub activity_timeout: Duration,
    /// How long a client has to answer `pusher:ping` before it is closed
    /// with 4201. The protocol recommends 30 s.
    pub pong_timeout: Duration,
    /// Largest WebSocket frame (and message) a client may send; larger ones
    /// close the socket with 1009.
    pub max_frame_bytes: usize,
    /// Frames that may wait for one socket; a socket that falls further
    /// behind is a slow consumer and is closed with 4100.
    pub send_queue: usize,
    /// Whether sockets may subscribe to public channels (no signature); a
    /// relay for one app that uses none turns them off.
    pub public_channels: bool,
    /// Whether clients may send client events at all (on private and
    /// presence channels).
    pub client_events: bool,
    /// Client events each socket may send per second (bursts up to the same
    /// number); more are refused with a `pusher:error` 4301.
    pub client_events_per_second: u32,
    /// Channels one socket may be subscribed to at once.
    pub max_channels_per_connection: usize,
    /// Sockets the relay holds at once; more are closed with 4100.
    pub max_connections: usize,
    /// Largest HTTP API request body; larger ones get 413. Each event's
    /// `data` is limited to 10 KB on top of this.
    pub max_http_body_bytes: usize,
    /// How long a client may take to send an HTTP API request body.
    pub http_body_timeout: Duration,
    /// How long a closing socket gets to take its close frame (and answer
    /// it) before it is dropped.
    pub close_timeout: Duration,
    /// The window over which [`Relay::shutdown`](crate::Relay::shutdown)
    /// spreads its 4200 closes, so clients that reconnect at once do not all
    /// arrive together.
    pub shutdown_spread: Duration,
    /// tungstenite's read buffer per socket. Small, because thousands of
    /// sockets sit idle and this buffer is per socket; larger frames still
    /// arrive, in more reads.
    pub ws_read_buffer_bytes: usize,
}

impl RelayConfig {
    /// The defaults: 120 s activity timeout, 30 s pong timeout, 32 KiB
    /// frames, 128 queued frames per socket, public channels and client
    /// events allowed (as Pusher allows them), 10 client events per second,
    /// 100 channels per socket, 100,000 sockets, 256 KiB HTTP bodies, and
    /// a 2 s shutdown spread.
    pub fn new(app: AppCredentials) -> Self {
        Self {
            app,
            activity_timeout: Duration::from_secs(120),
            pong_timeout: Duration::from_secs(30),
            max_frame_bytes: 32 * 1024,
            send_queue: 128,
            public_channels: true,
            client_events: true,
            client_events_per_second: 10,
            max_channels_per_connection: 100,
            max_connections: 100_000,
            max_http_body_bytes: 256 * 1024,
            http_body_timeout: Duration::from_secs(10),
            close_timeout: Duration::from_secs(5),
            shutdown_spread: Duration::from_secs(2),
            ws_read_buffer_bytes: 1024,
        }
    }

    /// The activity timeout as announced in the handshake: whole seconds,
    /// never 0 (pusher-js stalls on 0).
    pub(crate) fn activity_timeout_secs(&self) -> u64 {
        self.activity_timeout.as_secs().max(1)
    }
}
