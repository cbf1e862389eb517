//! How a household server is found on the local network: DNS-SD (mDNS)
//! under [`SERVICE_TYPE`], one instance per server, with TXT records that
//! say what it is before anyone connects.

/// The DNS-SD service type a household server announces.
pub const SERVICE_TYPE: &str = "_kinboard._tcp.local.";

/// TXT key: the API generation ([`crate::API_VERSION`]).
pub const TXT_API: &str = "api";
/// TXT key: the server's version.
pub const TXT_VERSION: &str = "version";
