//! HTTPS with optional client certificates whose subject becomes the user (CN) and groups (O).

use std::sync::Arc;

use actix_tls::accept::rustls_0_23::TlsStream;
use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use crate::FakeApiError;
use crate::auth::CertificateIdentity;

/// PEM material for serving HTTPS.
#[derive(Debug, Clone)]
pub struct FakeTls {
    pub cert_pem: String,
    pub key_pem: String,
    /// When set, client certificates signed by this CA are verified and authenticate their
    /// subject; clients without one may still use a token.
    pub client_ca_pem: Option<String>,
}

fn tls_error(what: &str) -> impl Fn(rustls::pki_types::pem::Error) -> FakeApiError + '_ {
    move |e| FakeApiError::Tls(format!("{what}: {e}"))
}

/// Only the `ring` provider is compiled in; naming it keeps rustls from looking for a
/// process default.
pub fn server_config(tls: &FakeTls) -> Result<ServerConfig, FakeApiError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs = CertificateDer::pem_slice_iter(tls.cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(tls_error("server certificate"))?;
    let key =
        PrivateKeyDer::from_pem_slice(tls.key_pem.as_bytes()).map_err(tls_error("server key"))?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| FakeApiError::Tls(e.to_string()))?;
    let builder = match &tls.client_ca_pem {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(ca.as_bytes()) {
                roots
                    .add(cert.map_err(tls_error("client CA"))?)
                    .map_err(|e| FakeApiError::Tls(format!("client CA: {e}")))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .allow_unauthenticated()
                .build()
                .map_err(|e| FakeApiError::Tls(format!("client verifier: {e}")))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    builder
        .with_single_cert(certs, key)
        .map_err(|e| FakeApiError::Tls(format!("server certificate: {e}")))
}

/// Connection hook: rustls only hands back certificates it verified, so a certificate here is
/// already trusted.
pub fn remember_client_certificate(stream: &TlsStream<TcpStream>, data: &mut Extensions) {
    let Some(cert) = stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|c| c.first())
    else {
        return;
    };
    if let Some(identity) = certificate_identity(cert) {
        data.insert(identity);
    }
}

fn certificate_identity(der: &CertificateDer<'_>) -> Option<CertificateIdentity> {
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
    let subject = cert.subject();
    let user = subject
        .iter_common_name()
        .next()?
        .as_str()
        .ok()?
        .to_string();
    let groups = subject
        .iter_organization()
        .filter_map(|o| o.as_str().ok())
        .map(str::to_string)
        .collect();
    Some(CertificateIdentity { user, groups })
}
