//! How a household server is found on the local network: DNS-SD (mDNS)
//! under [`SERVICE_TYPE`], one instance per server, with TXT records that
//! say what it is before anyone connects.

/// The DNS-SD service type a household server announces.
pub const SERVICE_TYPE: &str = "_kinboard._tcp.local.";

/// TXT key: the API generation ([`crate::API_VERSION`]).
pub const TXT_API: &str = "api";
/// TXT key: the server's version.
pub const TXT_VERSION: &str = "version";
/// TXT key: `1` when the server serves HTTPS (its own certificate, which
/// a screen pins once a person has compared its check code). Only a hint
/// of the scheme to try: trust comes from the check code, never from an
/// announcement anyone on the network could send.
pub const TXT_TLS: &str = "tls";
