//! The server's side of the wire: the handshake checks a server makes on a
//! new socket and the frames it sends back, so the relay and the client
//! share one definition of them.

use crate::close_code;
use crate::message::{
    ConnectionEstablished, ErrorData, Message, PresenceData, SubscriptionErrorData,
};
use crate::names::SocketId;

/// The protocol version this implementation speaks.
pub const PROTOCOL_VERSION: u8 = 7;

/// Why a new socket is refused before the handshake: the close code and its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub code: u16,
    pub reason: &'static str,
}

/// Checks the `protocol` query parameter of a new socket, as Pusher does:
/// missing → 4008, not a number → 4006, not 7 → 4007.
pub fn check_protocol(protocol: Option<&str>) -> Result<u8, Refusal> {
    let refuse = |code| Refusal {
        code,
        reason: close_code::describe(code),
    };
    let text = protocol.ok_or(refuse(close_code::NO_PROTOCOL))?;
    let version: u8 = text
        .parse()
        .map_err(|_| refuse(close_code::INVALID_VERSION_FORMAT))?;
    if version == PROTOCOL_VERSION {
        Ok(version)
    } else {
        Err(refuse(close_code::UNSUPPORTED_PROTOCOL))
    }
}

/// `pusher:connection_established` for a new socket.
pub fn connection_established(socket_id: &SocketId, activity_timeout_secs: u64) -> Message {
    Message::ConnectionEstablished(ConnectionEstablished {
        socket_id: socket_id.to_string(),
        activity_timeout: Some(activity_timeout_secs),
    })
}

/// `pusher:error`, with a code or none (a bad subscription signature has none).
pub fn error(code: Option<u16>, message: impl Into<String>) -> Message {
    Message::Error(ErrorData {
        message: message.into(),
        code,
    })
}

/// `pusher_internal:subscription_succeeded`; presence channels carry the members.
pub fn subscription_succeeded(channel: &str, presence: Option<PresenceData>) -> Message {
    Message::SubscriptionSucceeded {
        channel: channel.to_owned(),
        presence,
    }
}

/// `pusher:subscription_error` with the channel set, as soketi sends it, so
/// the client can tell which subscription failed.
pub fn subscription_error(channel: &str, status: u16, error: impl Into<String>) -> Message {
    Message::SubscriptionError {
        channel: channel.to_owned(),
        error: SubscriptionErrorData {
            kind: "AuthError".to_owned(),
            error: error.into(),
            status: Some(status),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_checks_follow_pusher() {
        assert_eq!(check_protocol(Some("7")), Ok(7));
        assert_eq!(check_protocol(None).unwrap_err().code, 4008);
        assert_eq!(check_protocol(Some("seven")).unwrap_err().code, 4006);
        assert_eq!(check_protocol(Some("6")).unwrap_err().code, 4007);
        assert_eq!(check_protocol(Some("8")).unwrap_err().code, 4007);
    }

    #[test]
    fn server_frames_decode_as_the_client_expects() {
        let sid = SocketId::from_parts(12, 34);
        let frame = connection_established(&sid, 120).encode();
        assert_eq!(
            frame,
            r#"{"event":"pusher:connection_established","data":"{\"activity_timeout\":120,\"socket_id\":\"12.34\"}"}"#
        );
        let frame = error(Some(4301), "rate limited").encode();
        assert_eq!(
            Message::decode(&frame).unwrap(),
            error(Some(4301), "rate limited")
        );
    }
}
