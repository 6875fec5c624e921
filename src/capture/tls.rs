//! The HTTPS capture listener's certificate: the user's own (`--tls-cert`,
//! `--tls-key`, e.g. from mkcert), or one made on first use for
//! `localhost`, `127.0.0.1` and `::1`, kept in `<home>/tls/cert.pem` with its
//! key in `tls/key.pem` (0600) and reused after.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::Digest as _;
use tokio_rustls::TlsAcceptor;

use crate::error::{Error, Result};

/// What the listener serves, and what to tell the user about it.
#[derive(Clone)]
pub struct Tls {
    pub acceptor: TlsAcceptor,
    pub cert_path: PathBuf,
    /// SHA-256 of the certificate's DER, as `AB:CD:…`.
    pub fingerprint: String,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").field("cert_path", &self.cert_path).field("fingerprint", &self.fingerprint).finish()
    }
}

/// The user's certificate and key, or the generated ones under `home`.
pub fn load_or_create(home: &Path, cert: Option<&Path>, key: Option<&Path>) -> Result<Tls> {
    let (cert_path, key_path) = match (cert, key) {
        (Some(c), Some(k)) => (c.to_owned(), k.to_owned()),
        (None, None) => {
            let dir = home.join("tls");
            let (c, k) = (dir.join("cert.pem"), dir.join("key.pem"));
            if !c.exists() || !k.exists() {
                generate(&dir, &c, &k)?;
            }
            (c, k)
        }
        _ => return Err(Error::InvalidArgument("--tls-cert and --tls-key go together".into())),
    };
    let io = |what: &Path, e: std::io::Error| Error::io(format!("reading {}", what.display()), e);
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .map_err(|e| io(&cert_path, std::io::Error::other(e)))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| io(&cert_path, std::io::Error::other(e)))?;
    let first = certs
        .first()
        .ok_or_else(|| Error::InvalidArgument(format!("{}: no certificate in it", cert_path.display())))?;
    let fingerprint =
        sha2::Sha256::digest(first.as_ref()).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":");
    let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| io(&key_path, std::io::Error::other(e)))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(certs, key))
        .map_err(|e| Error::InvalidArgument(format!("the TLS certificate and key don't go together: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls { acceptor: TlsAcceptor::from(Arc::new(config)), cert_path, fingerprint })
}

fn generate(dir: &Path, cert_path: &Path, key_path: &Path) -> Result<()> {
    crate::fsutil::private_dir(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
    let mut params = rcgen::CertificateParams::new(names)
        .map_err(|e| Error::InvalidArgument(format!("making a certificate: {e}")))?;
    params.distinguished_name.push(rcgen::DnType::CommonName, "Hookscope local capture");
    let key = rcgen::KeyPair::generate().map_err(|e| Error::InvalidArgument(format!("making a key: {e}")))?;
    let cert = params.self_signed(&key).map_err(|e| Error::InvalidArgument(format!("signing a certificate: {e}")))?;
    crate::fsutil::write_private(key_path, key.serialize_pem().as_bytes())
        .map_err(|e| Error::io(format!("writing {}", key_path.display()), e))?;
    std::fs::write(cert_path, cert.pem()).map_err(|e| Error::io(format!("writing {}", cert_path.display()), e))?;
    Ok(())
}
