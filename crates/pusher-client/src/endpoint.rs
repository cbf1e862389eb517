//! Where the client connects: Pusher's cloud by cluster, or any
//! Pusher-compatible server by host, port and scheme.

/// The server to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// Pusher's cloud: `wss://ws-{cluster}.pusher.com:443`.
    Cluster(String),
    /// A self-hosted server.
    Host { host: String, port: u16, tls: bool },
}

impl Endpoint {
    pub fn cluster(cluster: impl Into<String>) -> Self {
        Self::Cluster(cluster.into())
    }

    pub fn host(host: impl Into<String>, port: u16, tls: bool) -> Self {
        Self::Host {
            host: host.into(),
            port,
            tls,
        }
    }

    /// The host and port to dial.
    pub fn host_port(&self) -> (String, u16) {
        match self {
            Self::Cluster(cluster) => (format!("ws-{cluster}.pusher.com"), 443),
            Self::Host { host, port, .. } => (host.clone(), *port),
        }
    }

    fn tls(&self) -> bool {
        match self {
            Self::Cluster(_) => true,
            Self::Host { tls, .. } => *tls,
        }
    }

    /// The WebSocket URL for `key`, with the query pusher-js sends.
    pub fn url(&self, key: &str) -> String {
        let scheme = if self.tls() { "wss" } else { "ws" };
        let (host, port) = self.host_port();
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]") // an IPv6 literal
        } else {
            host
        };
        format!(
            "{scheme}://{host}:{port}/app/{key}?protocol=7&client=kinboard-rust&version={}&flash=false",
            env!("CARGO_PKG_VERSION")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            Endpoint::cluster("eu").url("k"),
            format!(
                "wss://ws-eu.pusher.com:443/app/k?protocol=7&client=kinboard-rust&version={}&flash=false",
                env!("CARGO_PKG_VERSION")
            )
        );
        assert!(
            Endpoint::host("127.0.0.1", 6001, false)
                .url("k")
                .starts_with("ws://127.0.0.1:6001/app/k?protocol=7&")
        );
        assert!(
            Endpoint::host("::1", 6001, true)
                .url("k")
                .starts_with("wss://[::1]:6001/app/k?")
        );
    }
}
