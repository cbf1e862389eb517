//! Hosting a household on this computer, as the [`Supervisor`](super::Supervisor)
//! sees it: something that starts a household server ([`HouseholdHost`])
//! and the server it started ([`HostedServer`]). The desktop app's one
//! runs `kinboard-server` in its own process; the core never links the
//! server.

use std::net::SocketAddr;

use super::backend::BoxFuture;

/// How to sign in to a freshly seeded demo family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub family_id: String,
    /// Its first parent.
    pub email: String,
    pub password: String,
    pub pin: String,
}

/// A household server running in this process.
pub trait HostedServer: Send + Sync + 'static {
    /// Where it listens (every address, for a household the other screens
    /// on the LAN reach).
    fn addr(&self) -> SocketAddr;
    /// The demo family, when it was started with one.
    fn demo(&self) -> Option<DemoLogin>;
    /// The fingerprint of its TLS certificate, when it serves HTTPS (as it
    /// does on every address but loopback).
    fn certificate(&self) -> Option<String>;
    /// Stops it: in-flight requests finish, sockets close.
    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()>;
}

/// Starts household servers.
pub trait HouseholdHost: Send + Sync + 'static {
    /// Starts one listening on `bind` with its data in `database_url`, and
    /// a demo family seeded when `demo`; the error says why it could not.
    fn start(
        &self,
        bind: SocketAddr,
        database_url: String,
        demo: bool,
    ) -> BoxFuture<'static, Result<Box<dyn HostedServer>, String>>;
}

/// This computer's address for the other screens of the household: the
/// one on the network it would reach the internet through (no packet is
/// sent: connecting a UDP socket only picks a route), or, on a home network
/// with no way out, the first private IPv4 address of its interfaces.
pub fn lan_address() -> Option<std::net::IpAddr> {
    let routed = std::net::UdpSocket::bind(("0.0.0.0", 0))
        .and_then(|socket| {
            socket.connect(("192.0.2.1", 9))?;
            socket.local_addr()
        })
        .map(|local| local.ip())
        .ok()
        .filter(|ip| !ip.is_unspecified() && !ip.is_loopback());
    routed.or_else(|| {
        let interfaces = if_addrs::get_if_addrs().ok()?;
        interfaces
            .iter()
            .filter(|i| !i.is_loopback())
            .find_map(|i| match i.ip() {
                std::net::IpAddr::V4(v4) if v4.is_private() => Some(v4.into()),
                _ => None,
            })
    })
}
