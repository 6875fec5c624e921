//! TLS for outbound sends: rustls with the system's root certificates, and
//! a second configuration without certificate checks for the targets a user
//! marks insecure (a local server with a self-signed certificate).

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::{SendError, SendErrorKind};

/// Built on first use: reading the system's roots costs a few milliseconds.
#[derive(Default)]
pub struct Connectors {
    verified: OnceLock<TlsConnector>,
    insecure: OnceLock<TlsConnector>,
}

impl Connectors {
    pub async fn connect(&self, tcp: TcpStream, host: &str, insecure: bool) -> Result<TlsStream<TcpStream>, SendError> {
        let connector = if insecure {
            self.insecure.get_or_init(|| TlsConnector::from(Arc::new(insecure_config())))
        } else {
            self.verified.get_or_init(|| TlsConnector::from(Arc::new(verified_config())))
        };
        let name = ServerName::try_from(host.to_owned())
            .map_err(|e| SendError::new(SendErrorKind::InvalidUrl, format!("{host}: {e}")))?;
        connector.connect(name, tcp).await.map_err(|e| {
            let hint = if insecure { "" } else { " (for a self-signed local server, send with insecure TLS)" };
            SendError::new(SendErrorKind::Tls, format!("TLS with {host}: {e}{hint}"))
        })
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn verified_config() -> ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for e in &found.errors {
        tracing::warn!("reading the system's root certificates: {e}");
    }
    let (added, ignored) = roots.add_parsable_certificates(found.certs);
    tracing::debug!(added, ignored, "TLS roots");
    ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

fn insecure_config() -> ClientConfig {
    let provider = provider();
    ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth()
}

/// Accepts any certificate, still checking the handshake's signatures.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
