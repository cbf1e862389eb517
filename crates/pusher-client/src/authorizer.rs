//! Channel authorisation: the [`ChannelAuthorizer`] trait the client asks
//! for every private or presence subscription, and [`HttpAuthorizer`], which
//! form-POSTs `socket_id` and `channel_name` to an auth endpoint as
//! pusher-js does.
//!
//! The headers of every request come from a [`HeadersProvider`] at the time
//! of the call, never from a copy taken when the client was built: a token
//! refreshed after a reconnect is the one used (pusher-js#190 froze it).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use pusher_protocol::{ChannelAuthorization, ChannelName, SocketId};
use reqwest::header::HeaderMap;
use thiserror::Error;

/// A boxed future returned by [`ChannelAuthorizer::authorize`].
pub type AuthorizeFuture =
    Pin<Box<dyn Future<Output = Result<ChannelAuthorization, AuthorizeError>> + Send>>;

/// Authorises a socket to subscribe to a private or presence channel.
pub trait ChannelAuthorizer: Send + Sync + 'static {
    fn authorize(&self, channel: &ChannelName, socket_id: &SocketId) -> AuthorizeFuture;
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
}

impl std::fmt::Debug for HttpAuthorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpAuthorizer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl HttpAuthorizer {
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
        }
    }

    /// Uses this HTTP client (timeouts, TLS settings) for the calls.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }
}

impl ChannelAuthorizer for HttpAuthorizer {
    fn authorize(&self, channel: &ChannelName, socket_id: &SocketId) -> AuthorizeFuture {
        let request = self
            .http
            .post(&self.url)
            .headers(self.headers.headers())
            .form(&[
                ("socket_id", socket_id.as_str()),
                ("channel_name", channel.as_str()),
            ]);
        Box::pin(async move {
            let response = request
                .send()
                .await
                .map_err(|e| AuthorizeError::Transport(e.to_string()))?;
            let status = response.status();
            let body = response
                .text()
                .await
                .map_err(|e| AuthorizeError::Transport(e.to_string()))?;
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

/// Authorises locally with the app's credentials. For servers and tests
/// that hold the secret; a desktop client never does.
#[derive(Debug, Clone)]
pub struct LocalAuthorizer(pub pusher_protocol::AppCredentials);

impl ChannelAuthorizer for LocalAuthorizer {
    fn authorize(&self, channel: &ChannelName, socket_id: &SocketId) -> AuthorizeFuture {
        let auth = self.0.authorize_channel(socket_id, channel, None);
        Box::pin(async move { Ok(auth) })
    }
}
