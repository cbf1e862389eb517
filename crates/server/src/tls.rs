//! HTTPS and WSS on the server's one port. The server makes itself a
//! certificate on its first start with TLS (rcgen, self-signed, ECDSA
//! P-256) and keeps it beside its database: the certificate in
//! `tls-certificate.der`, its key in `tls-key.der`, readable by the owner
//! only. A household has no domain for a public CA to vouch for; instead a
//! device pins this very certificate when it first joins, by its SHA-256
//! fingerprint, which `GET /api/tls` also shows — with a short code for a
//! person to compare on two screens.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const CERTIFICATE_FILE: &str = "tls-certificate.der";
const KEY_FILE: &str = "tls-key.der";

/// The server's certificate and key.
pub struct TlsIdentity {
    certificate: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("reading or writing the TLS certificate in {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("making a TLS certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("the TLS certificate or key in {0} cannot be used: {1}")]
    Unusable(PathBuf, String),
}

impl TlsIdentity {
    /// The certificate kept in `dir`, or a new one for `names` (host
    /// names and addresses the certificate lists) made and kept there.
    pub fn load_or_create(dir: &Path, names: &[String]) -> Result<Self, TlsError> {
        let cert_path = dir.join(CERTIFICATE_FILE);
        let key_path = dir.join(KEY_FILE);
        let io_error = |path: &Path| {
            let path = path.to_owned();
            move |source| TlsError::Io { path, source }
        };
        if cert_path.exists() && key_path.exists() {
            let certificate = std::fs::read(&cert_path).map_err(io_error(&cert_path))?;
            let key = std::fs::read(&key_path).map_err(io_error(&key_path))?;
            if certificate.is_empty() || key.is_empty() {
                return Err(TlsError::Unusable(
                    dir.to_owned(),
                    format!(
                        "{CERTIFICATE_FILE} or {KEY_FILE} is empty; remove both to make a new certificate (devices then pin it again)"
                    ),
                ));
            }
            keep_private(&key_path).map_err(io_error(&key_path))?;
            return Ok(Self {
                certificate: CertificateDer::from(certificate),
                key: PrivatePkcs8KeyDer::from(key),
            });
        }
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        let made = rcgen::generate_simple_self_signed(names.to_vec())?;
        let identity = Self {
            certificate: made.cert.der().clone(),
            key: PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()),
        };
        // The key first, private from its first byte; the certificate
        // last, so a half-written pair is never taken for a whole one.
        write_private(&key_path, identity.key.secret_pkcs8_der()).map_err(io_error(&key_path))?;
        write_private(&cert_path, identity.certificate.as_ref()).map_err(io_error(&cert_path))?;
        tracing::info!(dir = %dir.display(), fingerprint = %identity.fingerprint(), "made a TLS certificate");
        Ok(identity)
    }

    /// SHA-256 of the certificate (DER), lower-case hex: what devices pin.
    pub fn fingerprint(&self) -> String {
        fingerprint(self.certificate.as_ref())
    }

    /// The certificate as served (DER).
    pub fn certificate(&self) -> &[u8] {
        self.certificate.as_ref()
    }

    /// What accepts TLS connections with this identity (HTTP/1.1 only).
    pub fn acceptor(&self, dir: &Path) -> Result<TlsAcceptor, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|b| {
                b.with_no_client_auth().with_single_cert(
                    vec![self.certificate.clone()],
                    PrivateKeyDer::Pkcs8(self.key.clone_key()),
                )
            })
            .map_err(|e| {
                TlsError::Unusable(
                    dir.to_owned(),
                    format!("{e}; remove {CERTIFICATE_FILE} and {KEY_FILE} to make a new certificate (devices then pin it again)"),
                )
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

/// SHA-256 of `der`, lower-case hex.
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

/// Writes `bytes` to `path` whole or not at all: a private temporary file
/// beside it, synced, then renamed over it.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".new");
    let temporary = PathBuf::from(temporary);
    let _ = std::fs::remove_file(&temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

/// The key is its owner's only, whoever loosened it.
fn keep_private(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if std::fs::metadata(path)?.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
            tracing::warn!(path = %path.display(), "the TLS key was readable by others: made private");
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_is_made_once_kept_and_its_key_private() {
        let dir = tempfile_dir();
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let first = TlsIdentity::load_or_create(&dir, &names).unwrap();
        let again = TlsIdentity::load_or_create(&dir, &names).unwrap();
        assert_eq!(first.fingerprint(), again.fingerprint(), "kept, not remade");
        assert_eq!(first.fingerprint().len(), 64);
        assert!(first.acceptor(&dir).is_ok());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "kinboard-tls-{}-{}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
