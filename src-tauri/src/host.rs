//! Hosting a household in this process: the core's [`HouseholdHost`],
//! implemented with `kinboard-server` (SQLite in the profile's data
//! directory, the embedded relay on the same port; beyond loopback,
//! announced on the network and serving HTTPS with its own certificate).

use std::net::SocketAddr;

use kinboard_core::app::{BoxFuture, DemoLogin, HostedServer, HouseholdHost};
use kinboard_server::{RunningServer, Server, ServerConfig};

/// Starts `kinboard-server`s.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct EmbeddedHost;

impl HouseholdHost for EmbeddedHost {
    fn start(
        &self,
        bind: SocketAddr,
        database_url: String,
        demo: bool,
    ) -> BoxFuture<'static, Result<Box<dyn HostedServer>, String>> {
        let mut config = ServerConfig::new(bind).with_database(database_url);
        config.demo = demo;
        // A household the other screens reach tells them it is here; the
        // demo, on loopback, has none.
        config.announce = !bind.ip().is_loopback() && !demo;
        // Reached over the family's Wi-Fi: HTTPS with the server's own
        // certificate, which the other screens pin.
        config.tls = !bind.ip().is_loopback();
        Box::pin(async move {
            let server = Server::start(config).await.map_err(|e| e.to_string())?;
            Ok(Box::new(Embedded(server)) as Box<dyn HostedServer>)
        })
    }
}

struct Embedded(RunningServer);

impl HostedServer for Embedded {
    fn addr(&self) -> SocketAddr {
        self.0.addr
    }

    fn demo(&self) -> Option<DemoLogin> {
        let demo = self.0.demo.as_ref()?;
        let (email, _) = demo.parents.first()?.clone();
        Some(DemoLogin {
            family_id: demo.family_id.clone(),
            email,
            password: demo.password.clone(),
            pin: demo.pin.clone(),
        })
    }

    fn certificate(&self) -> Option<String> {
        self.0.certificate().map(str::to_owned)
    }

    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(self.0.shutdown())
    }
}
