//! Which names this server answers to. A web page elsewhere can point a
//! name of its own at the household's address (DNS rebinding) and have a
//! browser on the family's Wi-Fi talk to the server under that name; the
//! `Host` header gives it away. The server answers to addresses (IPv4 and
//! IPv6 literals), to `localhost`, to names no public DNS can hand out — a
//! single label (`kitchen`), `.local`, `.lan`, `.home`, `.home.arpa`,
//! `.internal`, `.localdomain`, a FRITZ!Box's `.fritz.box` — to the host of its public URL, and to the
//! names it is told (`--allowed-host`). Anything else is refused with 403
//! before any route runs, WebSockets included.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The names a server answers to beyond addresses and private names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedHosts {
    /// Lower-case names without a port; `*` allows every name.
    names: Vec<String>,
}

impl AllowedHosts {
    pub fn new(names: impl IntoIterator<Item = String>) -> Self {
        Self {
            names: names
                .into_iter()
                .map(|n| n.trim().trim_end_matches('.').to_ascii_lowercase())
                .filter(|n| !n.is_empty())
                .collect(),
        }
    }

    /// Whether a request whose `Host` is `host` (with or without a port)
    /// is for this server.
    pub fn allows(&self, host: &str) -> bool {
        let name = strip_port(host.trim())
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if name.is_empty() {
            return false;
        }
        self.names.iter().any(|n| n == "*" || *n == name)
            || kinboard_api::discovery::is_private_host(&name)
    }
}

/// `host:port` → `host`; `[v6]:port` → `[v6]`; a bare IPv6 stays whole.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        // One colon: a port. More: an IPv6 literal without brackets.
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

/// Refuses a request for a name this server does not answer to. A
/// request without `Host` (HTTP/1.0 tools) names nothing and goes on.
pub async fn check_host(
    State(allowed): State<AllowedHosts>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .map(|h| h.to_str().unwrap_or(""));
    match host {
        Some(host) if !allowed.allows(host) => {
            tracing::warn!(host, path = %request.uri().path(), "refused a request for a name this server does not answer to");
            ApiError::forbidden(format!(
                "this server does not answer to the name {host:?}; reach it by its address, or start it with --allowed-host"
            ))
            .into_response()
        }
        _ => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_private_names_pass_public_names_do_not() {
        let allowed = AllowedHosts::new(["kinboard.example.com".to_owned()]);
        for host in [
            "192.168.1.20:8080",
            "10.0.0.2",
            "[fe80::1]:8080",
            "[::1]",
            "::1",
            "localhost:8080",
            "kitchen:8080",
            "parkers-laptop.local:8080",
            "nas.lan",
            "box.home.arpa",
            "kitchen-pc.fritz.box:8080",
            "KINBOARD.example.com:443",
            "kinboard.example.com.",
        ] {
            assert!(allowed.allows(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:8080",
            "192.168.1.20.nip.io",
            "localhost.evil.example",
            "",
        ] {
            assert!(!allowed.allows(host), "{host}");
        }
        assert!(AllowedHosts::new(["*".to_owned()]).allows("anything.example"));
    }
}
