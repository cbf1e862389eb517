//! Finding the household server: the servers that announce themselves on
//! the local network (DNS-SD, [`SERVICE_TYPE`]), each checked the way a
//! typed address is ([`check_server`]), so that a list of households says
//! for each whether this app can use it, and why not in words: nothing
//! answers there, it is not a Kinboard server, it is a Kinboard this
//! version cannot talk to, or it speaks plain HTTP (an announcement
//! without `tls`: anyone on the network could send one to draw the
//! password to itself; a household that really serves plain HTTP is used
//! by typing its `http://` address).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use kinboard_api::discovery::{SERVICE_TYPE, TXT_API, TXT_TLS};
use kinboard_api::{API_VERSION, ErrorCode, PRODUCT, ServerInfo};
use mdns_sd::{ServiceDaemon, ServiceEvent};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::{ApiClient, normalize_base_url};
use crate::error::CoreError;
use crate::tls::Trust;

/// How long a list of households listens for announcements.
pub const LISTEN: Duration = Duration::from_secs(3);
/// How long a server may take to say what it is.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(4);

/// A household server announced on the network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FoundHousehold {
    /// The announcement's name ("Kinboard on kitchen-pc").
    pub name: String,
    /// Where this app would reach it.
    pub server_url: String,
    /// The household's name, when the server said it.
    pub household: Option<String>,
    /// Why it cannot be used, when it cannot.
    pub problem: Option<ServerProblem>,
}

/// Why a server cannot be used: one of `network`, `timeout`,
/// `not_kinboard`, `incompatible_server`, and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ServerProblem {
    pub code: ErrorCode,
    pub message: String,
}

/// Asks the server at `server_url` what it is: a Kinboard household
/// server of this API generation, or an error saying what it is instead.
/// Any certificate will do for that question (nothing is sent but the
/// question): whether to trust the server is asked when signing in.
pub async fn check_server(server_url: &str) -> Result<ServerInfo, CoreError> {
    let url = normalize_base_url(server_url)?;
    let api = ApiClient::with_trust(&url, Trust::Inspect)?;
    let answer = tokio::time::timeout(CHECK_TIMEOUT, api.info())
        .await
        .map_err(|_| CoreError::Timeout)?;
    match answer {
        Ok(info) if info.product != PRODUCT => Err(CoreError::NotKinboard(format!(
            "{url} is a {} server, not a Kinboard household server",
            info.product
        ))),
        Ok(info) if info.api != API_VERSION => Err(CoreError::Incompatible(format!(
            "{url} runs Kinboard {} (API {}), which this app (API {API_VERSION}) cannot talk to",
            info.version, info.api
        ))),
        Ok(info) => Ok(info),
        // Kinboard's own error format, but no /api/info: an older Kinboard.
        Err(CoreError::Api {
            code: ErrorCode::NotFound,
            ..
        }) => Err(CoreError::Incompatible(format!(
            "{url} runs an older Kinboard that this app cannot talk to"
        ))),
        Err(e) if e.code() == ErrorCode::BadReply => Err(CoreError::NotKinboard(format!(
            "something answers at {url}, but it is not a Kinboard household server"
        ))),
        Err(e) => Err(e),
    }
}

/// Where a resolved announcement is reached: an IPv4 address of its
/// (routable before link-local), else an IPv6 one.
fn best_address(addresses: impl IntoIterator<Item = IpAddr>) -> Option<IpAddr> {
    addresses.into_iter().min_by_key(|ip| match ip {
        IpAddr::V4(v4) if v4.is_loopback() => 3,
        IpAddr::V4(v4) if v4.is_link_local() => 1,
        IpAddr::V4(_) => 0,
        IpAddr::V6(_) => 2,
    })
}

fn url_for(ip: IpAddr, port: u16, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    match ip {
        IpAddr::V4(v4) => format!("{scheme}://{v4}:{port}"),
        IpAddr::V6(v6) => format!("{scheme}://[{v6}]:{port}"),
    }
}

/// Listens for `listen` for household servers announced on the network,
/// then checks each. Servers that announce an API generation this app
/// does not speak are listed with that problem without being asked.
pub async fn find_households(listen: Duration) -> Result<Vec<FoundHousehold>, CoreError> {
    let daemon = ServiceDaemon::new()
        .map_err(|e| CoreError::Network(format!("cannot listen on the network: {e}")))?;
    let events = daemon
        .browse(SERVICE_TYPE)
        .map_err(|e| CoreError::Network(format!("cannot look for households: {e}")))?;
    let mut found: BTreeMap<String, (String, Option<String>, Option<u32>)> = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + listen;
    while let Ok(Ok(event)) = tokio::time::timeout_at(deadline, events.recv_async()).await {
        if let ServiceEvent::ServiceResolved(service) = event {
            let addresses = service.addresses.iter().map(mdns_sd::ScopedIp::to_ip_addr);
            let Some(ip) = best_address(addresses) else {
                continue;
            };
            let name = service
                .fullname
                .strip_suffix(&format!(".{SERVICE_TYPE}"))
                .unwrap_or(&service.fullname)
                .replace("\\032", " ");
            let api = service
                .txt_properties
                .get_property_val_str(TXT_API)
                .and_then(|v| v.parse().ok());
            let tls = service.txt_properties.get_property_val_str(TXT_TLS) == Some("1");
            found.insert(
                service.fullname.clone(),
                (url_for(ip, service.port, tls), Some(name), api),
            );
        }
    }
    let _ = daemon.stop_browse(SERVICE_TYPE);
    let _ = daemon.shutdown();
    let checks = found.into_values().map(|(url, name, api)| async move {
        let name = name.unwrap_or_else(|| url.clone());
        let checked = match api {
            Some(api) if api != API_VERSION => Err(CoreError::Incompatible(format!(
                "{name} runs a Kinboard of API {api}, which this app (API {API_VERSION}) cannot talk to"
            ))),
            _ => check_server(&url).await.and_then(|info| {
                if url.starts_with("https://") {
                    Ok(info)
                } else {
                    Err(CoreError::Unencrypted(format!(
                        "{name} speaks plain HTTP: passwords and the PIN would cross the network readable. Type its address to use it anyway"
                    )))
                }
            }),
        };
        match checked {
            Ok(info) => FoundHousehold {
                name,
                server_url: url,
                household: info.household,
                problem: None,
            },
            Err(e) => FoundHousehold {
                name,
                server_url: url,
                household: None,
                problem: Some(ServerProblem {
                    code: e.code(),
                    message: e.to_string(),
                }),
            },
        }
    });
    Ok(futures_util::future::join_all(checks).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_routable_ipv4_address_is_preferred() {
        let ips: Vec<IpAddr> = ["fe80::1", "169.254.3.4", "10.0.0.7", "127.0.0.1"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(best_address(ips), Some("10.0.0.7".parse().unwrap()));
        assert_eq!(
            url_for("fe80::1".parse().unwrap(), 8080, false),
            "http://[fe80::1]:8080"
        );
        assert_eq!(
            url_for("10.0.0.7".parse().unwrap(), 8080, true),
            "https://10.0.0.7:8080"
        );
        assert_eq!(best_address(Vec::new()), None);
    }
}
