//! Close codes of the protocol, and the policy that maps each to what a
//! client does next (pusher-js `getCloseAction` is the reference).

use std::time::Duration;

/// The app key is unknown.
pub const APP_NOT_FOUND: u16 = 4001;
/// The app is disabled.
pub const APP_DISABLED: u16 = 4003;
/// The app is over its connection quota.
pub const OVER_CONNECTION_QUOTA: u16 = 4004;
/// The path is not `/app/{key}`.
pub const PATH_NOT_FOUND: u16 = 4005;
/// The `protocol` query parameter is not a number.
pub const INVALID_VERSION_FORMAT: u16 = 4006;
/// The protocol version is not supported.
pub const UNSUPPORTED_PROTOCOL: u16 = 4007;
/// No `protocol` query parameter was given.
pub const NO_PROTOCOL: u16 = 4008;
/// The connection is not authorised (e.g. no sign-in in time).
pub const UNAUTHORIZED: u16 = 4009;
/// The server is over capacity: back off, then retry.
pub const OVER_CAPACITY: u16 = 4100;
/// The server asks the client to reconnect (e.g. it is shutting down).
pub const RECONNECT: u16 = 4200;
/// The client did not answer a ping in time.
pub const PONG_NOT_RECEIVED: u16 = 4201;
/// The connection was idle too long.
pub const CLOSED_AFTER_INACTIVITY: u16 = 4202;
/// The client sent client events too fast.
pub const CLIENT_EVENT_RATE_LIMIT: u16 = 4301;
/// Too many ids in a watchlist.
pub const WATCHLIST_LIMIT: u16 = 4302;

/// The shortest wait after a 4100–4199 close: the protocol says a busy
/// server must not see the client again within a second (pusher-js waits
/// exactly this long).
pub const BUSY_MIN_DELAY: Duration = Duration::from_secs(1);

/// What a client does after its socket closed with a given code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseAction {
    /// Reconnect after the backoff delay for the current attempt.
    Backoff,
    /// Reconnect after this floor plus the backoff delay for the current
    /// attempt: the server is busy, and full jitter alone could come back
    /// at once.
    BackoffAtLeast(Duration),
    /// Reconnect at once.
    ReconnectNow,
    /// Never retry on its own: the server refused this client for good.
    GiveUp,
}

/// The close-code policy: `None` is a socket that dropped without a close
/// frame (1006).
///
/// * below 4000: a transport problem, back off and retry;
/// * 4000–4099: a refusal (no such app, bad protocol, unauthorised), never retry;
/// * 4100–4199: the server is busy, back off, never less than [`BUSY_MIN_DELAY`];
/// * 4200–4299: the server asks for a reconnect, do it now;
/// * 4300 and above: a policy violation, stop (as pusher-js does).
pub fn close_action(code: Option<u16>) -> CloseAction {
    match code {
        None => CloseAction::Backoff,
        Some(c) if c < 4000 => CloseAction::Backoff,
        Some(4000..=4099) => CloseAction::GiveUp,
        Some(4100..=4199) => CloseAction::BackoffAtLeast(BUSY_MIN_DELAY),
        Some(4200..=4299) => CloseAction::ReconnectNow,
        Some(_) => CloseAction::GiveUp,
    }
}

/// A short description of a close code, for logs and errors.
pub fn describe(code: u16) -> &'static str {
    match code {
        1000 => "normal closure",
        1001 => "going away",
        1006 => "connection dropped",
        4000 => "the server accepts TLS connections only",
        APP_NOT_FOUND => "app does not exist",
        APP_DISABLED => "app is disabled",
        OVER_CONNECTION_QUOTA => "app is over its connection quota",
        PATH_NOT_FOUND => "path not found",
        INVALID_VERSION_FORMAT => "invalid version string format",
        UNSUPPORTED_PROTOCOL => "unsupported protocol version",
        NO_PROTOCOL => "no protocol version supplied",
        UNAUTHORIZED => "connection is unauthorized",
        OVER_CAPACITY => "over capacity",
        RECONNECT => "generic reconnect immediately",
        PONG_NOT_RECEIVED => "pong reply not received",
        CLOSED_AFTER_INACTIVITY => "closed after inactivity",
        CLIENT_EVENT_RATE_LIMIT => "client event rejected due to rate limit",
        WATCHLIST_LIMIT => "watchlist limit exceeded",
        _ => match close_action(Some(code)) {
            _ if code < 4000 => "closed",
            CloseAction::Backoff | CloseAction::BackoffAtLeast(_) => "try again later",
            CloseAction::ReconnectNow => "reconnect now",
            CloseAction::GiveUp => "connection refused",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_code_policy_table() {
        let table = [
            (None, CloseAction::Backoff),
            (Some(1000), CloseAction::Backoff),
            (Some(1002), CloseAction::Backoff),
            (Some(1006), CloseAction::Backoff),
            (Some(3999), CloseAction::Backoff),
            (Some(4000), CloseAction::GiveUp),
            (Some(4001), CloseAction::GiveUp),
            (Some(4007), CloseAction::GiveUp),
            (Some(4009), CloseAction::GiveUp),
            (Some(4099), CloseAction::GiveUp),
            (
                Some(4100),
                CloseAction::BackoffAtLeast(Duration::from_secs(1)),
            ),
            (
                Some(4150),
                CloseAction::BackoffAtLeast(Duration::from_secs(1)),
            ),
            (
                Some(4199),
                CloseAction::BackoffAtLeast(Duration::from_secs(1)),
            ),
            (Some(4200), CloseAction::ReconnectNow),
            (Some(4201), CloseAction::ReconnectNow),
            (Some(4202), CloseAction::ReconnectNow),
            (Some(4299), CloseAction::ReconnectNow),
            (Some(4300), CloseAction::GiveUp),
            (Some(4301), CloseAction::GiveUp),
        ];
        for (code, action) in table {
            assert_eq!(close_action(code), action, "{code:?}");
        }
    }

    #[test]
    fn descriptions() {
        assert_eq!(describe(4201), "pong reply not received");
        assert_eq!(describe(4150), "try again later");
    }
}
