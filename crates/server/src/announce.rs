//! Telling the household network that a Kinboard server is here: a
//! DNS-SD announcement of [`SERVICE_TYPE`] on every interface, named after
//! this computer, with the API generation and version in its TXT record,
//! so that the other screens of the family list it when they join or pair.
//! The announcement is withdrawn when the server stops.

use std::collections::HashMap;

use kinboard_api::discovery::{SERVICE_TYPE, TXT_API, TXT_TLS, TXT_VERSION};
use mdns_sd::{ServiceDaemon, ServiceInfo};

/// A live announcement; withdrawn when dropped.
pub struct Announcement {
    daemon: ServiceDaemon,
    fullname: String,
}

/// This computer's name as the network knows it, without a domain.
fn host_label() -> String {
    let name = gethostname::gethostname().to_string_lossy().into_owned();
    let label = name.split('.').next().unwrap_or_default().trim().to_owned();
    if label.is_empty() {
        "kinboard".to_owned()
    } else {
        label
    }
}

impl Announcement {
    /// Announces a server listening on `port` (on every address of this
    /// computer's interfaces), serving HTTPS when `tls`.
    pub fn start(port: u16, tls: bool) -> Result<Self, String> {
        let daemon = ServiceDaemon::new().map_err(|e| e.to_string())?;
        let host = host_label();
        let mut properties = HashMap::from([
            (TXT_API.to_owned(), kinboard_api::API_VERSION.to_string()),
            (TXT_VERSION.to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
        ]);
        if tls {
            properties.insert(TXT_TLS.to_owned(), "1".to_owned());
        }
        let info = ServiceInfo::new(
            SERVICE_TYPE,
            &format!("Kinboard on {host}"),
            &format!("{host}.local."),
            "",
            port,
            properties,
        )
        .map_err(|e| e.to_string())?
        .enable_addr_auto();
        let fullname = info.get_fullname().to_owned();
        daemon.register(info).map_err(|e| e.to_string())?;
        tracing::info!(service = %fullname, port, "announced on the local network");
        Ok(Self { daemon, fullname })
    }
}

impl Drop for Announcement {
    fn drop(&mut self) {
        if let Err(e) = self.daemon.unregister(&self.fullname) {
            tracing::debug!(error = %e, "could not withdraw the announcement");
        }
        let _ = self.daemon.shutdown();
    }
}
