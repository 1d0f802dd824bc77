//! rustls client configurations for API servers, as kubeconfig describes them: a CA (or the public
//! roots), `insecure-skip-tls-verify`, `tls-server-name`, and a client certificate.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

pub use super::error::TlsError;

/// What a cluster's TLS needs, already read from files or base64.
#[derive(Default)]
pub struct TlsOptions {
    pub ca_pem: Option<Vec<u8>>,
    pub insecure_skip_verify: bool,
    pub server_name: Option<String>,
    pub client_cert_pem: Option<Vec<u8>>,
    pub client_key_pem: Option<Vec<u8>>,
}

/// The two configurations a cluster needs: HTTP/2-capable for API calls (many watches share one
/// connection), and HTTP/1.1-only for WebSocket upgrades (an HTTP/1.1 `Upgrade`; RFC 8441 WebSockets
/// over HTTP/2 are not what API servers speak).
pub struct ClientTls {
    pub http: Arc<ClientConfig>,
    pub upgrade: Arc<ClientConfig>,
}

pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

pub fn client_tls(options: TlsOptions) -> Result<ClientTls, TlsError> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|source| TlsError::Rustls {
            what: "protocol versions",
            source,
        })?;
    let verifier = verifier(&options)?;
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);

    let mut config = match (&options.client_cert_pem, &options.client_key_pem) {
        (Some(cert), Some(key)) => {
            let chain = CertificateDer::pem_slice_iter(cert)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|source| TlsError::Pem {
                    what: "client certificate",
                    source,
                })?;
            if chain.is_empty() {
                return Err(TlsError::NoCertificate("client certificate"));
            }
            let key = PrivateKeyDer::from_pem_slice(key).map_err(|source| TlsError::Pem {
                what: "client key",
                source,
            })?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|source| TlsError::Rustls {
                    what: "client certificate and key",
                    source,
                })?
        }
        (Some(_), None) => return Err(TlsError::MissingKey),
        (None, Some(_)) => return Err(TlsError::MissingCertificate),
        (None, None) => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let mut upgrade = config.clone();
    upgrade.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(ClientTls {
        http: Arc::new(config),
        upgrade: Arc::new(upgrade),
    })
}

fn verifier(options: &TlsOptions) -> Result<Arc<dyn ServerCertVerifier>, TlsError> {
    if options.insecure_skip_verify {
        return Ok(Arc::new(NoVerification(provider())));
    }
    let mut roots = RootCertStore::empty();
    match &options.ca_pem {
        Some(pem) => {
            let certs = CertificateDer::pem_slice_iter(pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|source| TlsError::Pem {
                    what: "certificate authority",
                    source,
                })?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(TlsError::NoCertificate("certificate authority"));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let webpki =
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider()).build()?;
    Ok(match &options.server_name {
        None => webpki,
        Some(name) => {
            let name =
                ServerName::try_from(name.clone()).map_err(|source| TlsError::ServerName {
                    name: name.clone(),
                    source,
                })?;
            Arc::new(FixedServerName {
                name,
                inner: webpki,
            })
        }
    })
}

/// `tls-server-name`: check the certificate against this name rather than the URL's host (for API
/// servers reached by IP or through a tunnel).
#[derive(Debug)]
struct FixedServerName {
    name: ServerName<'static>,
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for FixedServerName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, &self.name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `insecure-skip-tls-verify: true`: the user asked for no verification; signatures are still
/// checked so the handshake itself stays sound.
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerification {
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
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
