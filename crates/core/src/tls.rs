//! Which TLS certificate the core's connections to a household server
//! accept ([`Trust`]), and what it learns when one is refused.
//!
//! A household server on the family's Wi-Fi has no name a public
//! authority could vouch for: it makes its own certificate, and each
//! screen pins that very certificate by its SHA-256 fingerprint the first
//! time a person confirms it (comparing the check code with a parent's
//! screen). From then on the REST client and the WebSocket accept exactly
//! that certificate for that server, whatever name or authority it
//! claims, and nothing else. A server with a certificate from a public
//! authority (a hosted service, Pusher's cloud) is trusted the usual way,
//! with no pin.
//!
//! rustls does the handshake; this module only decides which certificate
//! passes ([`CertificateCheck`]) and remembers the one it refused, so the
//! caller can say *why* the connection failed: a certificate never seen
//! (first contact: [`CoreError::CertificateUnconfirmed`]) or another than
//! the pinned one ([`CoreError::CertificateChanged`]). Only a server on
//! the household's own network (an address, or a private name such as
//! `kitchen-pc.local`) showing a certificate it made itself can be
//! pinned; a public name whose certificate fails the usual checks is an
//! error like any other network failure, never something to trust. (A
//! certificate that fails in another way — expired, or one that claims to
//! be an authority — cannot be pinned either; the server's own never
//! does.)

use std::sync::{Arc, Mutex, PoisonError};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use sha2::{Digest, Sha256};

use crate::error::CoreError;

/// SHA-256 of a certificate's DER bytes, lower-case hex: what is pinned.
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

/// The certificates a connection accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Those a public authority vouches for, for the name connected to.
    Public,
    /// Exactly the certificate with this fingerprint, whatever it names.
    Pinned(String),
    /// Any: only for asking a server what it is (`/api/info`), never for
    /// sending anything a person typed or a token.
    Inspect,
}

impl Trust {
    /// The pin when there is one, else public authorities.
    pub fn pinned_or_public(pin: Option<&str>) -> Self {
        match pin {
            Some(pin) => Self::Pinned(pin.to_owned()),
            None => Self::Public,
        }
    }
}

/// Decides which certificate passes, and keeps the fingerprint of the
/// last one it turned away.
#[derive(Debug)]
pub struct CertificateCheck {
    trust: Trust,
    public: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
    refused: Mutex<Option<Refused>>,
}

/// A certificate turned away: its fingerprint, and whether a person may
/// pin it (a self-made certificate of a server on the home network).
#[derive(Debug)]
struct Refused {
    fingerprint: String,
    pinnable: bool,
    reason: String,
}

/// Whether `name` may be a server on the household's own network: an
/// address (a person typed or picked it), or a name no public authority
/// could vouch for ([`kinboard_api::discovery::is_private_host`]).
fn on_home_network(name: &ServerName<'_>) -> bool {
    match name {
        ServerName::IpAddress(_) => true,
        ServerName::DnsName(dns) => kinboard_api::discovery::is_private_host(dns.as_ref()),
        _ => false,
    }
}

impl CertificateCheck {
    fn new(trust: Trust, provider: Arc<CryptoProvider>) -> Self {
        let public = (trust == Trust::Public).then(|| {
            let roots = RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .expect("the bundled root certificates make a verifier")
        });
        Self {
            trust,
            public,
            provider,
            refused: Mutex::new(None),
        }
    }

    /// Why the last refused handshake failed, as the error to report, once.
    pub fn take_refusal(&self) -> Option<CoreError> {
        let refused = self
            .refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()?;
        Some(match &self.trust {
            Trust::Pinned(expected) => CoreError::CertificateChanged {
                expected: expected.clone(),
                found: refused.fingerprint,
            },
            _ if refused.pinnable => CoreError::CertificateUnconfirmed {
                fingerprint: refused.fingerprint,
            },
            _ => CoreError::Network(format!(
                "the server's certificate is not valid: {}",
                refused.reason
            )),
        })
    }
}

impl ServerCertVerifier for CertificateCheck {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = fingerprint(end_entity.as_ref());
        let verdict = match (&self.trust, &self.public) {
            (Trust::Pinned(pin), _) if *pin == presented => Ok(ServerCertVerified::assertion()),
            (Trust::Pinned(_), _) => Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            )),
            (Trust::Inspect, _) => Ok(ServerCertVerified::assertion()),
            (Trust::Public, Some(public)) => public.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ),
            (Trust::Public, None) => Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            )),
        };
        // Kept for the failure it explains; a handshake that passes clears
        // it, so a later failure of another kind is not blamed on it.
        let mut refused = self.refused.lock().unwrap_or_else(PoisonError::into_inner);
        match &verdict {
            Ok(_) => *refused = None,
            Err(e) => {
                tracing::warn!(fingerprint = %presented, trust = ?self.trust, error = %e, "refused the server's certificate");
                let self_made = matches!(
                    e,
                    rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)
                );
                *refused = Some(Refused {
                    fingerprint: presented,
                    pinnable: self_made && on_home_network(server_name),
                    reason: e.to_string(),
                });
            }
        }
        drop(refused);
        verdict
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A TLS client configuration with its [`CertificateCheck`], for the REST
/// client and the WebSocket alike.
#[derive(Debug, Clone)]
pub struct ClientTls {
    check: Arc<CertificateCheck>,
    config: Arc<ClientConfig>,
}

impl ClientTls {
    pub fn new(trust: Trust) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let check = Arc::new(CertificateCheck::new(trust, provider.clone()));
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports TLS 1.2 and 1.3")
            .dangerous()
            .with_custom_certificate_verifier(check.clone())
            .with_no_client_auth();
        Self {
            check,
            config: Arc::new(config),
        }
    }

    /// The configuration (HTTP/1.1: the household server speaks nothing else).
    pub fn config(&self) -> Arc<ClientConfig> {
        self.config.clone()
    }

    pub fn trust(&self) -> &Trust {
        &self.check.trust
    }

    /// Why the last handshake failed, when a certificate was refused.
    pub fn take_refusal(&self) -> Option<CoreError> {
        self.check.take_refusal()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate() -> CertificateDer<'static> {
        // A DER blob stands in: the check looks at its hash, not inside.
        CertificateDer::from(b"not really a certificate".to_vec())
    }

    fn check(
        tls: &ClientTls,
        der: &CertificateDer<'_>,
    ) -> Result<ServerCertVerified, rustls::Error> {
        check_at(tls, der, "192.168.1.5")
    }

    fn check_at(
        tls: &ClientTls,
        der: &CertificateDer<'_>,
        host: &str,
    ) -> Result<ServerCertVerified, rustls::Error> {
        tls.check.verify_server_cert(
            der,
            &[],
            &ServerName::try_from(host.to_owned()).unwrap(),
            &[],
            UnixTime::now(),
        )
    }

    #[test]
    fn a_pin_accepts_its_certificate_and_refuses_any_other_as_changed() {
        let der = certificate();
        let pinned = ClientTls::new(Trust::Pinned(fingerprint(der.as_ref())));
        assert!(check(&pinned, &der).is_ok());
        assert!(pinned.take_refusal().is_none());
        let other = CertificateDer::from(b"another".to_vec());
        assert!(check(&pinned, &other).is_err());
        match pinned.take_refusal() {
            Some(CoreError::CertificateChanged { expected, found }) => {
                assert_eq!(expected, fingerprint(der.as_ref()));
                assert_eq!(found, fingerprint(b"another"));
            }
            other => panic!("expected a changed certificate, got {other:?}"),
        }
        assert!(pinned.take_refusal().is_none(), "reported once");
    }

    #[test]
    fn without_a_pin_a_certificate_no_authority_vouches_for_is_unconfirmed() {
        let public = ClientTls::new(Trust::Public);
        let der = self_signed();
        assert!(check(&public, &der).is_err());
        match public.take_refusal() {
            Some(CoreError::CertificateUnconfirmed { fingerprint: found }) => {
                assert_eq!(found, fingerprint(der.as_ref()));
            }
            other => panic!("expected an unconfirmed certificate, got {other:?}"),
        }
        // Bytes that are no certificate at all: nothing to pin.
        assert!(check(&public, &certificate()).is_err());
        assert!(matches!(public.take_refusal(), Some(CoreError::Network(_))));
        let inspect = ClientTls::new(Trust::Inspect);
        assert!(check(&inspect, &certificate()).is_ok());
    }

    #[test]
    fn only_a_server_on_the_home_network_may_have_its_certificate_pinned() {
        let public = ClientTls::new(Trust::Public);
        let der = self_signed();
        for host in [
            "kitchen-pc",
            "kitchen-pc.local",
            "nas.home.arpa",
            "10.0.0.5",
            "fe80::1",
        ] {
            assert!(check_at(&public, &der, host).is_err());
            assert!(
                matches!(
                    public.take_refusal(),
                    Some(CoreError::CertificateUnconfirmed { .. })
                ),
                "{host}"
            );
        }
        // A public name whose certificate fails: an error, never a pin.
        assert!(check_at(&public, &der, "kinboard.example.org").is_err());
        match public.take_refusal() {
            Some(CoreError::Network(message)) => {
                assert!(message.contains("not valid"), "{message}")
            }
            other => panic!("expected a network error, got {other:?}"),
        }
        // A handshake that passes clears what an earlier one left.
        let pinned = ClientTls::new(Trust::Pinned(fingerprint(der.as_ref())));
        assert!(check(&pinned, &certificate()).is_err());
        assert!(check(&pinned, &der).is_ok());
        assert!(pinned.take_refusal().is_none());
    }

    /// A real self-signed certificate, as a household server makes one.
    fn self_signed() -> CertificateDer<'static> {
        let made = rcgen::generate_simple_self_signed(vec!["192.168.1.5".to_owned()]).unwrap();
        made.cert.der().clone()
    }
}
