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

/// Suffixes reserved for private networks or multicast DNS: names no
/// public DNS hands out, so no public authority vouches for them.
pub const PRIVATE_SUFFIXES: [&str; 8] = [
    ".local",
    // What FRITZ!Box routers name the devices on their network.
    ".fritz.box",
    ".lan",
    ".home",
    ".home.arpa",
    ".internal",
    ".localdomain",
    ".localhost",
];

/// Whether `host` (a name or an address, without a port; any case, a
/// trailing dot allowed) can only be something on the household's own
/// network or this computer: an address, `localhost`, a single label, or
/// a name under one of the [`PRIVATE_SUFFIXES`].
pub fn is_private_host(host: &str) -> bool {
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    if name.is_empty() {
        return false;
    }
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<std::net::IpAddr>().is_ok()
        || name == "localhost"
        || !name.contains('.')
        || PRIVATE_SUFFIXES.iter().any(|s| name.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::is_private_host;

    #[test]
    fn private_hosts_are_addresses_single_labels_and_reserved_suffixes() {
        for host in [
            "10.0.0.5",
            "[fe80::1]",
            "fe80::1",
            "localhost",
            "Kitchen",
            "pc.local.",
            "box.fritz.box",
            "nas.home.arpa",
        ] {
            assert!(is_private_host(host), "{host}");
        }
        for host in [
            "",
            "kinboard.example.org",
            "local.example",
            "localhost.evil.example",
        ] {
            assert!(!is_private_host(host), "{host}");
        }
    }
}
