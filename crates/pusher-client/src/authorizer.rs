//! Channel authorisation: the [`ChannelAuthorizer`] trait the client asks
//! for every private or presence subscription, and [`HttpAuthorizer`], which
//! form-POSTs `socket_id` and `channel_name` to an auth endpoint as
//! pusher-js does.
//!
//! The headers of every request come from a [`HeadersProvider`] at the time
//! of the call, never from a copy taken when the client was built: a token
//! refreshed after a reconnect is the one used (pusher-js#190 froze it).
//! Every request has a deadline ([`HttpAuthorizer::DEFAULT_TIMEOUT`] unless
//! set), because the connection waits on nothing else for that channel: a
//! hung endpoint must fail the subscription, not leave it pending forever.
//!
//! [`LocalAuthorizer`] signs in-process for holders of the app secret; it
//! joins presence channels as the user it was given.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use pusher_protocol::{
    AppCredentials, AuthorizationError, ChannelAuthorization, ChannelKind, ChannelName, SocketId,
    UserAuthentication,
};
use reqwest::header::HeaderMap;
use thiserror::Error;

/// A boxed future returned by [`ChannelAuthorizer::authorize`].
pub type AuthorizeFuture =
    Pin<Box<dyn Future<Output = Result<ChannelAuthorization, AuthorizeError>> + Send>>;

/// Authorises a socket to subscribe to a private or presence channel.
pub trait ChannelAuthorizer: Send + Sync + 'static {
    fn authorize(&self, channel: &ChannelName, socket_id: &SocketId) -> AuthorizeFuture;
}

/// A boxed future returned by [`UserAuthenticator::authenticate`].
pub type SigninFuture =
    Pin<Box<dyn Future<Output = Result<UserAuthentication, AuthorizeError>> + Send>>;

/// Signs a connection's user in (Pusher's user authentication,
/// `pusher:signin`): the server then knows which user each socket is, and
/// can end all of one user's connections at once. Asked once per
/// connection, after the handshake.
pub trait UserAuthenticator: Send + Sync + 'static {
    fn authenticate(&self, socket_id: &SocketId) -> SigninFuture;
}

/// Why an authorisation failed.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum AuthorizeError {
    #[error("the auth endpoint answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("the auth endpoint could not be reached: {0}")]
    Transport(String),
    #[error("the auth endpoint's reply is not an authorisation: {0}")]
    InvalidResponse(String),
}

/// What the connection is told: the text, and the endpoint's status when
/// it answered one, so a 401 or 403 can be told from a passing failure.
impl From<AuthorizeError> for AuthorizationError {
    fn from(error: AuthorizeError) -> Self {
        match &error {
            AuthorizeError::Status { status, .. } => Self::refused(*status, error.to_string()),
            _ => error.to_string().into(),
        }
    }
}

/// Supplies the headers (e.g. `Authorization: Bearer …`) for each auth call.
pub trait HeadersProvider: Send + Sync + 'static {
    fn headers(&self) -> HeaderMap;
}

impl<F: Fn() -> HeaderMap + Send + Sync + 'static> HeadersProvider for F {
    fn headers(&self) -> HeaderMap {
        self()
    }
}

/// Authorises channels by form-POSTing to an HTTP endpoint.
#[derive(Clone)]
pub struct HttpAuthorizer {
    http: reqwest::Client,
    url: String,
    headers: Arc<dyn HeadersProvider>,
    timeout: Duration,
}

impl std::fmt::Debug for HttpAuthorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpAuthorizer")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl HttpAuthorizer {
    /// How long one authorisation call may take, from connecting to the
    /// last byte of the reply, unless [`Self::timeout`] says otherwise.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// An authoriser for `url` with no extra headers.
    pub fn new(url: impl Into<String>) -> Self {
        Self::with_headers(url, HeaderMap::new)
    }

    /// An authoriser for `url` that asks `headers` for the headers of every call.
    pub fn with_headers(url: impl Into<String>, headers: impl HeadersProvider) -> Self {
        Self {
            http: reqwest::Client::new(),
            url: url.into(),
            headers: Arc::new(headers),
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }

    /// Uses this HTTP client (proxy, TLS settings) for the calls. The
    /// per-call [`Self::timeout`] still applies, over any the client has.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    /// Fails a call that has not been answered within `timeout`
    /// ([`Self::DEFAULT_TIMEOUT`] by default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl ChannelAuthorizer for HttpAuthorizer {
    fn authorize(&self, channel: &ChannelName, socket_id: &SocketId) -> AuthorizeFuture {
        let request = self
            .http
            .post(&self.url)
            .timeout(self.timeout)
            .headers(self.headers.headers())
            .form(&[
                ("socket_id", socket_id.as_str()),
                ("channel_name", channel.as_str()),
            ]);
        Box::pin(async move {
            let response = request.send().await.map_err(transport_error)?;
            let status = response.status();
            let body = response.text().await.map_err(transport_error)?;
            if status != reqwest::StatusCode::OK {
                return Err(AuthorizeError::Status {
                    status: status.as_u16(),
                    body,
                });
            }
            serde_json::from_str(&body).map_err(|e| AuthorizeError::InvalidResponse(e.to_string()))
        })
    }
}

/// reqwest's own message for a timeout is only "error sending request";
/// say which it was, so a hung endpoint is told apart from a refused one.
fn transport_error(error: reqwest::Error) -> AuthorizeError {
    if error.is_timeout() {
        AuthorizeError::Transport(format!("timed out: {error}"))
    } else {
        AuthorizeError::Transport(error.to_string())
    }
}

/// Authorises locally with the app's credentials. For servers and tests
/// that hold the secret; a desktop client never does.
///
/// Private channels need nothing more. Presence channels need the user the
/// socket joins as ([`Self::presence_user`]); without one they are refused
/// here, saying so, rather than sent to the server without `channel_data`.
#[derive(Debug, Clone)]
pub struct LocalAuthorizer {
    credentials: AppCredentials,
    /// The presence `channel_data`: `{"user_id":…,"user_info":…}`.
    channel_data: Option<String>,
}

impl LocalAuthorizer {
    pub fn new(credentials: AppCredentials) -> Self {
        Self {
            credentials,
            channel_data: None,
        }
    }

    /// Joins presence channels as `user_id`, with `user_info` (any JSON
    /// value) shown to the other members.
    pub fn presence_user(
        mut self,
        user_id: impl Into<String>,
        user_info: Option<serde_json::Value>,
    ) -> Self {
        let mut data = serde_json::Map::new();
        data.insert("user_id".into(), serde_json::Value::String(user_id.into()));
        if let Some(info) = user_info {
            data.insert("user_info".into(), info);
        }
        self.channel_data = Some(serde_json::Value::Object(data).to_string());
        self
    }
}

impl ChannelAuthorizer for LocalAuthorizer {
    fn authorize(&self, channel: &ChannelName, socket_id: &SocketId) -> AuthorizeFuture {
        let channel_data = match channel.kind() {
            ChannelKind::Presence => match &self.channel_data {
                Some(data) => Some(data.as_str()),
                None => {
                    // Refused the way an auth endpoint refuses a user it
                    // cannot place; AuthorizeError has no closer variant.
                    let error = AuthorizeError::Status {
                        status: 403,
                        body: format!(
                            "LocalAuthorizer has no presence user for {channel}; \
                             give it one with LocalAuthorizer::presence_user"
                        ),
                    };
                    return Box::pin(async move { Err(error) });
                }
            },
            _ => None,
        };
        let auth = self
            .credentials
            .authorize_channel(socket_id, channel, channel_data);
        Box::pin(async move { Ok(auth) })
    }
}
