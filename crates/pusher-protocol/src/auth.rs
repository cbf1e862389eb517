//! Signatures: channel authorisation (private and presence), user sign-in,
//! HTTP API request signing and verification, and webhook signatures.
//!
//! All of them are lowercase hex HMAC-SHA256 with the app secret. Verification
//! compares in constant time. Nothing here reads the clock: the HTTP API
//! verifier is given `now` (seconds since the Unix epoch) by its caller.

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use thiserror::Error;

use crate::names::{ChannelKind, ChannelName, SocketId};

type HmacSha256 = Hmac<Sha256>;

/// How far an HTTP API request's `auth_timestamp` may be from the server's clock.
pub const TIMESTAMP_WINDOW_SECS: u64 = 600;

/// An app's credentials: the id in API paths, the public key and the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct AppCredentials {
    pub app_id: String,
    pub key: String,
    pub secret: String,
}

impl std::fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret never appears in logs.
        f.debug_struct("AppCredentials")
            .field("app_id", &self.app_id)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// The body of a successful channel authorisation reply:
/// `{"auth":"key:hex"}`, plus `channel_data` for presence channels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelAuthorization {
    pub auth: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_data: Option<String>,
}

/// The body of a successful user authentication reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserAuthentication {
    pub auth: String,
    pub user_data: String,
}

/// Why a channel or user signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    #[error("auth is missing")]
    Missing,
    #[error("auth {0:?} is not of the form key:signature")]
    Malformed(String),
    #[error("auth was made for app key {given:?}, not this app")]
    WrongKey { given: String },
    #[error("presence channel {channel} needs channel_data")]
    MissingChannelData { channel: String },
    #[error("Invalid signature: Expected HMAC SHA256 hex digest of {signed}, but got {given}")]
    Mismatch { signed: String, given: String },
}

/// Why an HTTP API request was refused (all of these are 401s).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RequestAuthError {
    #[error("missing query parameter {0}")]
    MissingParameter(&'static str),
    #[error("unknown auth_key {0:?}")]
    UnknownKey(String),
    #[error("unsupported auth_version {0:?}; expected 1.0")]
    UnsupportedVersion(String),
    #[error("auth_timestamp {0:?} is not a number of seconds")]
    MalformedTimestamp(String),
    #[error(
        "Timestamp expired: Given timestamp ({given}) not within {window}s of server time ({now})"
    )]
    TimestampExpired { given: u64, now: u64, window: u64 },
    #[error("body_md5 does not match the body")]
    BodyMd5Mismatch,
    #[error("body_md5 is required for a request with a body")]
    BodyMd5Missing,
    #[error(
        "Invalid signature: you should have sent HmacSHA256Hex({string_to_sign:?}, your_secret_key), but you sent {given:?}"
    )]
    SignatureMismatch {
        string_to_sign: String,
        given: String,
    },
}

impl AppCredentials {
    pub fn new(
        app_id: impl Into<String>,
        key: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        Self {
            app_id: app_id.into(),
            key: key.into(),
            secret: secret.into(),
        }
    }

    /// Lowercase hex HMAC-SHA256 of `message` with the app secret.
    pub fn sign(&self, message: &[u8]) -> String {
        hex::encode(self.mac(message).finalize().into_bytes())
    }

    fn mac(&self, message: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(self.secret.as_bytes())
            .expect("HMAC accepts keys of any length");
        mac.update(message);
        mac
    }

    /// Constant-time check that `given_hex` is the signature of `message`.
    fn signature_matches(&self, message: &[u8], given_hex: &str) -> bool {
        let expected = self.sign(message);
        expected.as_bytes().ct_eq(given_hex.as_bytes()).into()
    }

    /// Authorises `socket_id` to subscribe to `channel`. For presence
    /// channels `channel_data` (the exact JSON string of `user_id` and
    /// `user_info`) is part of what is signed and of the reply.
    pub fn authorize_channel(
        &self,
        socket_id: &SocketId,
        channel: &ChannelName,
        channel_data: Option<&str>,
    ) -> ChannelAuthorization {
        let signed = channel_string_to_sign(socket_id.as_str(), channel.as_str(), channel_data);
        ChannelAuthorization {
            auth: format!("{}:{}", self.key, self.sign(signed.as_bytes())),
            channel_data: channel_data.map(str::to_owned),
        }
    }

    /// Checks the `auth` a client sent in `pusher:subscribe`.
    pub fn verify_channel_auth(
        &self,
        socket_id: &SocketId,
        channel: &ChannelName,
        auth: Option<&str>,
        channel_data: Option<&str>,
    ) -> Result<(), SignatureError> {
        if channel.kind() == ChannelKind::Presence && channel_data.is_none() {
            return Err(SignatureError::MissingChannelData {
                channel: channel.to_string(),
            });
        }
        let data = if channel.kind() == ChannelKind::Presence {
            channel_data
        } else {
            None
        };
        let signed = channel_string_to_sign(socket_id.as_str(), channel.as_str(), data);
        self.verify_key_signature(auth, &signed)
    }

    /// Signs in `socket_id` as the user described by `user_data` (a JSON
    /// string with at least an `id`).
    pub fn authenticate_user(&self, socket_id: &SocketId, user_data: &str) -> UserAuthentication {
        let signed = user_string_to_sign(socket_id.as_str(), user_data);
        UserAuthentication {
            auth: format!("{}:{}", self.key, self.sign(signed.as_bytes())),
            user_data: user_data.to_owned(),
        }
    }

    /// Checks the `auth` a client sent in `pusher:signin`.
    pub fn verify_user_auth(
        &self,
        socket_id: &SocketId,
        auth: Option<&str>,
        user_data: &str,
    ) -> Result<(), SignatureError> {
        let signed = user_string_to_sign(socket_id.as_str(), user_data);
        self.verify_key_signature(auth, &signed)
    }

    fn verify_key_signature(&self, auth: Option<&str>, signed: &str) -> Result<(), SignatureError> {
        let auth = auth
            .filter(|a| !a.is_empty())
            .ok_or(SignatureError::Missing)?;
        let (key, signature) = auth
            .split_once(':')
            .ok_or_else(|| SignatureError::Malformed(auth.to_owned()))?;
        if key != self.key {
            return Err(SignatureError::WrongKey {
                given: key.to_owned(),
            });
        }
        if self.signature_matches(signed.as_bytes(), signature) {
            Ok(())
        } else {
            Err(SignatureError::Mismatch {
                signed: signed.to_owned(),
                given: signature.to_owned(),
            })
        }
    }

    /// `X-Pusher-Signature` of a webhook body.
    pub fn webhook_signature(&self, body: &[u8]) -> String {
        self.sign(body)
    }

    /// Checks a webhook's `X-Pusher-Key` and `X-Pusher-Signature` headers.
    pub fn verify_webhook(
        &self,
        key: &str,
        signature: &str,
        body: &[u8],
    ) -> Result<(), SignatureError> {
        if key != self.key {
            return Err(SignatureError::WrongKey {
                given: key.to_owned(),
            });
        }
        if self.signature_matches(body, signature) {
            Ok(())
        } else {
            Err(SignatureError::Mismatch {
                signed: "the raw webhook body".to_owned(),
                given: signature.to_owned(),
            })
        }
    }

    /// Signs an HTTP API request. `params` are the request's own query
    /// parameters (e.g. `info`); the result is the full query, in order,
    /// with `auth_key`, `auth_timestamp`, `auth_version`, `body_md5` (when
    /// the body is non-empty) and `auth_signature` added.
    pub fn sign_request(
        &self,
        method: &str,
        path: &str,
        params: &[(String, String)],
        body: &[u8],
        timestamp: u64,
    ) -> Vec<(String, String)> {
        let mut query: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect();
        query.push(("auth_key".into(), self.key.clone()));
        query.push(("auth_timestamp".into(), timestamp.to_string()));
        query.push(("auth_version".into(), "1.0".into()));
        if !body.is_empty() {
            query.push(("body_md5".into(), body_md5(body)));
        }
        query.sort();
        let signature = self.sign(request_string_to_sign(method, path, &query).as_bytes());
        query.push(("auth_signature".into(), signature));
        query
    }

    /// Verifies a signed HTTP API request. `query` holds the URL-decoded
    /// query parameters as received; `now` is the server's clock in seconds
    /// since the Unix epoch.
    pub fn verify_request(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: &[u8],
        now: u64,
    ) -> Result<(), RequestAuthError> {
        let lookup = |name: &'static str| {
            query
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
                .ok_or(RequestAuthError::MissingParameter(name))
        };
        let key = lookup("auth_key")?;
        if key != self.key {
            return Err(RequestAuthError::UnknownKey(key.to_owned()));
        }
        let version = lookup("auth_version")?;
        if version != "1.0" {
            return Err(RequestAuthError::UnsupportedVersion(version.to_owned()));
        }
        let timestamp = lookup("auth_timestamp")?;
        let given: u64 = timestamp
            .parse()
            .map_err(|_| RequestAuthError::MalformedTimestamp(timestamp.to_owned()))?;
        if given.abs_diff(now) > TIMESTAMP_WINDOW_SECS {
            return Err(RequestAuthError::TimestampExpired {
                given,
                now,
                window: TIMESTAMP_WINDOW_SECS,
            });
        }
        let signature = lookup("auth_signature")?;
        match lookup("body_md5") {
            Ok(md5) => {
                if !bool::from(md5.as_bytes().ct_eq(body_md5(body).as_bytes())) {
                    return Err(RequestAuthError::BodyMd5Mismatch);
                }
            }
            Err(_) if !body.is_empty() => return Err(RequestAuthError::BodyMd5Missing),
            Err(_) => {}
        }
        let mut signed_params: Vec<(String, String)> = query
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("auth_signature"))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect();
        signed_params.sort();
        let string_to_sign = request_string_to_sign(method, path, &signed_params);
        if self.signature_matches(string_to_sign.as_bytes(), signature) {
            Ok(())
        } else {
            Err(RequestAuthError::SignatureMismatch {
                string_to_sign,
                given: signature.to_owned(),
            })
        }
    }
}

fn channel_string_to_sign(socket_id: &str, channel: &str, channel_data: Option<&str>) -> String {
    match channel_data {
        Some(data) => format!("{socket_id}:{channel}:{data}"),
        None => format!("{socket_id}:{channel}"),
    }
}

fn user_string_to_sign(socket_id: &str, user_data: &str) -> String {
    format!("{socket_id}::user::{user_data}")
}

/// `METHOD\nPATH\nk=v&k=v` over parameters that are already lowercased and
/// sorted; values are not URL-escaped.
fn request_string_to_sign(method: &str, path: &str, sorted_params: &[(String, String)]) -> String {
    let query = sorted_params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!("{}\n{}\n{}", method.to_ascii_uppercase(), path, query)
}

/// Lowercase hex MD5 of a request body, for `body_md5`.
pub fn body_md5(body: &[u8]) -> String {
    hex::encode(Md5::digest(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors from PUSHER-PROTOCOL.md §5 and §6, recomputed against the
    // official libraries.
    fn creds() -> AppCredentials {
        AppCredentials::new("3", "278d425bdf160c739803", "7ad3773142a6692b25b8")
    }
    fn sid() -> SocketId {
        SocketId::parse("1234.1234").unwrap()
    }

    #[test]
    fn private_channel_vector() {
        let auth =
            creds().authorize_channel(&sid(), &ChannelName::parse("private-foobar").unwrap(), None);
        assert_eq!(
            auth.auth,
            "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"
        );
        assert_eq!(auth.channel_data, None);
    }

    #[test]
    fn presence_channel_vector() {
        let data = r#"{"user_id":10,"user_info":{"name":"Mr. Channels"}}"#;
        let channel = ChannelName::parse("presence-foobar").unwrap();
        let auth = creds().authorize_channel(&sid(), &channel, Some(data));
        assert_eq!(
            auth.auth,
            "278d425bdf160c739803:31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80"
        );
        assert_eq!(auth.channel_data.as_deref(), Some(data));
        assert!(
            creds()
                .verify_channel_auth(&sid(), &channel, Some(&auth.auth), Some(data))
                .is_ok()
        );
        // channel_data is part of what is signed.
        let other = r#"{"user_id":11,"user_info":{"name":"Mr. Channels"}}"#;
        assert!(matches!(
            creds().verify_channel_auth(&sid(), &channel, Some(&auth.auth), Some(other)),
            Err(SignatureError::Mismatch { .. })
        ));
        assert_eq!(
            creds().verify_channel_auth(&sid(), &channel, Some(&auth.auth), None),
            Err(SignatureError::MissingChannelData {
                channel: "presence-foobar".into()
            })
        );
    }

    #[test]
    fn user_auth_vector() {
        let auth = creds().authenticate_user(&sid(), r#"{"id":"12345"}"#);
        assert_eq!(
            auth.auth,
            "278d425bdf160c739803:4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba"
        );
        assert!(
            creds()
                .verify_user_auth(&sid(), Some(&auth.auth), r#"{"id":"12345"}"#)
                .is_ok()
        );
        assert!(
            creds()
                .verify_user_auth(&sid(), Some(&auth.auth), r#"{"id":"1"}"#)
                .is_err()
        );
    }

    #[test]
    fn channel_auth_verification_refuses_tampering() {
        let channel = ChannelName::parse("private-foobar").unwrap();
        let good = creds().authorize_channel(&sid(), &channel, None).auth;
        assert!(
            creds()
                .verify_channel_auth(&sid(), &channel, Some(&good), None)
                .is_ok()
        );
        // Another socket, another channel, another key, another secret.
        let other_sid = SocketId::parse("1234.1235").unwrap();
        assert!(
            creds()
                .verify_channel_auth(&other_sid, &channel, Some(&good), None)
                .is_err()
        );
        let other_channel = ChannelName::parse("private-foobaz").unwrap();
        assert!(
            creds()
                .verify_channel_auth(&sid(), &other_channel, Some(&good), None)
                .is_err()
        );
        let wrong_key = good.replacen("278d", "999d", 1);
        assert!(matches!(
            creds().verify_channel_auth(&sid(), &channel, Some(&wrong_key), None),
            Err(SignatureError::WrongKey { .. })
        ));
        let mut other_secret = creds();
        other_secret.secret = "not-the-secret".into();
        let err = other_secret
            .verify_channel_auth(&sid(), &channel, Some(&good), None)
            .unwrap_err();
        assert!(err.to_string().starts_with(
            "Invalid signature: Expected HMAC SHA256 hex digest of 1234.1234:private-foobar, but got"
        ));
        assert_eq!(
            creds().verify_channel_auth(&sid(), &channel, None, None),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            creds().verify_channel_auth(&sid(), &channel, Some("nocolon"), None),
            Err(SignatureError::Malformed("nocolon".into()))
        );
    }

    const BODY: &str = r#"{"name":"foo","channels":["project-3"],"data":"{\"some\":\"data\"}"}"#;

    #[test]
    fn http_signing_vector() {
        assert_eq!(
            body_md5(BODY.as_bytes()),
            "ec365a775a4cd0599faeb73354201b6f"
        );
        let query =
            creds().sign_request("POST", "/apps/3/events", &[], BODY.as_bytes(), 1353088179);
        let signature = &query.iter().find(|(k, _)| k == "auth_signature").unwrap().1;
        assert_eq!(
            signature,
            "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c"
        );
        let names: Vec<&str> = query.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "auth_key",
                "auth_timestamp",
                "auth_version",
                "body_md5",
                "auth_signature"
            ]
        );
    }

    #[test]
    fn http_verification() {
        let now = 1353088179;
        let query = creds().sign_request("POST", "/apps/3/events", &[], BODY.as_bytes(), now);
        let c = creds();
        assert_eq!(
            c.verify_request("POST", "/apps/3/events", &query, BODY.as_bytes(), now),
            Ok(())
        );
        // Within the window on both sides.
        assert!(
            c.verify_request("POST", "/apps/3/events", &query, BODY.as_bytes(), now + 600)
                .is_ok()
        );
        assert!(
            c.verify_request("POST", "/apps/3/events", &query, BODY.as_bytes(), now - 600)
                .is_ok()
        );
        // 601 s off either way.
        for skewed in [now + 601, now - 601] {
            let err = c
                .verify_request("POST", "/apps/3/events", &query, BODY.as_bytes(), skewed)
                .unwrap_err();
            assert!(matches!(
                err,
                RequestAuthError::TimestampExpired {
                    given: 1353088179,
                    ..
                }
            ));
            assert!(
                err.to_string()
                    .starts_with("Timestamp expired: Given timestamp (1353088179) not within 600s")
            );
        }
        // Tampered body.
        let tampered = BODY.replace("foo", "fob");
        assert_eq!(
            c.verify_request("POST", "/apps/3/events", &query, tampered.as_bytes(), now),
            Err(RequestAuthError::BodyMd5Mismatch)
        );
        // Wrong key.
        let mut other = creds();
        other.key = "other-key".into();
        assert_eq!(
            other.verify_request("POST", "/apps/3/events", &query, BODY.as_bytes(), now),
            Err(RequestAuthError::UnknownKey("278d425bdf160c739803".into()))
        );
        // Wrong secret.
        let mut other = creds();
        other.secret = "other-secret".into();
        assert!(matches!(
            other.verify_request("POST", "/apps/3/events", &query, BODY.as_bytes(), now),
            Err(RequestAuthError::SignatureMismatch { .. })
        ));
        // Another path or method.
        assert!(
            c.verify_request("POST", "/apps/4/events", &query, BODY.as_bytes(), now)
                .is_err()
        );
        assert!(
            c.verify_request("GET", "/apps/3/events", &query, BODY.as_bytes(), now)
                .is_err()
        );
        // A body with no body_md5.
        let unsigned_body: Vec<_> = query
            .iter()
            .filter(|(k, _)| k != "body_md5")
            .cloned()
            .collect();
        assert_eq!(
            c.verify_request(
                "POST",
                "/apps/3/events",
                &unsigned_body,
                BODY.as_bytes(),
                now
            ),
            Err(RequestAuthError::BodyMd5Missing)
        );
        // Missing signature.
        let unsigned: Vec<_> = query
            .iter()
            .filter(|(k, _)| k != "auth_signature")
            .cloned()
            .collect();
        assert_eq!(
            c.verify_request("POST", "/apps/3/events", &unsigned, BODY.as_bytes(), now),
            Err(RequestAuthError::MissingParameter("auth_signature"))
        );
    }

    #[test]
    fn http_params_are_lowercased_sorted_and_order_free() {
        let now = 1_700_000_000;
        let params = vec![
            (
                "info".to_string(),
                "user_count,subscription_count".to_string(),
            ),
            ("Filter_By_Prefix".to_string(), "presence-".to_string()),
        ];
        let mut query = creds().sign_request("GET", "/apps/3/channels", &params, b"", now);
        assert!(!query.iter().any(|(k, _)| k == "body_md5"));
        query.reverse();
        assert!(
            creds()
                .verify_request("GET", "/apps/3/channels", &query, b"", now)
                .is_ok()
        );
        // A changed parameter value breaks the signature.
        for (k, v) in &mut query {
            if k == "info" {
                *v = "user_count".into();
            }
        }
        assert!(matches!(
            creds().verify_request("GET", "/apps/3/channels", &query, b"", now),
            Err(RequestAuthError::SignatureMismatch { .. })
        ));
    }

    #[test]
    fn webhook_signatures() {
        let body = br#"{"time_ms":1,"events":[{"name":"channel_occupied","channel":"x"}]}"#;
        let sig = creds().webhook_signature(body);
        assert!(
            creds()
                .verify_webhook("278d425bdf160c739803", &sig, body)
                .is_ok()
        );
        assert!(
            creds()
                .verify_webhook("278d425bdf160c739803", &sig, b"{}")
                .is_err()
        );
        assert!(creds().verify_webhook("other", &sig, body).is_err());
    }

    #[test]
    fn debug_hides_the_secret() {
        assert!(!format!("{:?}", creds()).contains("7ad3773142a6692b25b8"));
    }
}
