//! The proxy proves itself with a client certificate in the TLS handshake, as kube-apiserver's
//! front-proxy mode requires (`--requestheader-client-ca-file`, `--requestheader-allowed-names`).
//! rustls has already verified the chain against `-proxy-auth-client-ca-file` when the connection
//! was accepted (clients without a certificate are let in for the UI's assets and the probes); this
//! anchor checks that one was presented and that its name is allowed.

use actix_web::HttpRequest;
use futures_util::future::LocalBoxFuture;
use rustls::pki_types::CertificateDer;
use x509_cert::Certificate;
use x509_cert::der::Decode;
use x509_cert::der::asn1::{Ia5StringRef, PrintableStringRef, Utf8StringRef};
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

use super::{Attestation, TrustAnchor};
use crate::auth::error::{CertificateRefusal, Problem};

pub const NAME: &str = "client-certificate";

const COMMON_NAME: x509_cert::der::oid::ObjectIdentifier =
    x509_cert::der::oid::ObjectIdentifier::new_unwrap("2.5.4.3");
const SUBJECT_ALT_NAME: x509_cert::der::oid::ObjectIdentifier =
    x509_cert::der::oid::ObjectIdentifier::new_unwrap("2.5.29.17");

/// The verified certificate of a connection's client, kept with the connection (read once per
/// connection, not per request).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerCertificate {
    /// The subject's common names and DNS subject alternative names, lower-case.
    pub names: Vec<String>,
}

impl PeerCertificate {
    /// The names of a DER certificate; `None` if it does not parse (rustls accepted it, so that
    /// would be a certificate this parser does not understand: it then carries no names).
    pub fn from_der(der: &CertificateDer<'_>) -> Option<PeerCertificate> {
        let certificate = Certificate::from_der(der.as_ref()).ok()?;
        let tbs = &certificate.tbs_certificate;
        let mut names: Vec<String> = tbs
            .subject
            .0
            .iter()
            .flat_map(|rdn| rdn.0.iter())
            .filter(|attribute| attribute.oid == COMMON_NAME)
            .filter_map(|attribute| {
                let value = &attribute.value;
                Utf8StringRef::try_from(value)
                    .map(|s| s.as_str().to_string())
                    .or_else(|_| {
                        PrintableStringRef::try_from(value).map(|s| s.as_str().to_string())
                    })
                    .or_else(|_| Ia5StringRef::try_from(value).map(|s| s.as_str().to_string()))
                    .ok()
            })
            .collect();
        for extension in tbs.extensions.iter().flatten() {
            if extension.extn_id != SUBJECT_ALT_NAME {
                continue;
            }
            if let Ok(alternatives) = SubjectAltName::from_der(extension.extn_value.as_bytes()) {
                names.extend(alternatives.0.iter().filter_map(|name| match name {
                    GeneralName::DnsName(dns) => Some(dns.as_str().to_string()),
                    _ => None,
                }));
            }
        }
        Some(PeerCertificate {
            names: names.into_iter().map(|n| n.to_ascii_lowercase()).collect(),
        })
    }
}

/// The TLS layer's half: with `-proxy-auth-client-ca-file`, ask every client for a certificate
/// and verify any it presents against that CA, but let clients without one in (the UI's assets and
/// the probes need no identity; the anchor refuses them identity).
pub fn verifier(
    ca_file: Option<&std::path::Path>,
) -> Result<std::sync::Arc<dyn rustls::server::danger::ClientCertVerifier>, String> {
    use rustls::pki_types::pem::PemObject;
    let Some(path) = ca_file else {
        return Ok(rustls::server::WebPkiClientVerifier::no_client_auth());
    };
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(path).map_err(|e| e.to_string())? {
        roots
            .add(certificate.map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    }
    if roots.is_empty() {
        return Err("no PEM certificate found".to_string());
    }
    rustls::server::WebPkiClientVerifier::builder_with_provider(
        std::sync::Arc::new(roots),
        crate::clusters::tls::provider(),
    )
    .allow_unauthenticated()
    .build()
    .map_err(|e| e.to_string())
}

/// `HttpServer::on_connect`: keeps the verified client certificate's names with the connection.
pub fn remember(connection: &dyn std::any::Any, data: &mut actix_web::dev::Extensions) {
    use actix_tls::accept::rustls_0_23::TlsStream;
    let Some(tls) = connection.downcast_ref::<TlsStream<actix_web::rt::net::TcpStream>>() else {
        return;
    };
    let (_, session) = tls.get_ref();
    if let Some(leaf) = session.peer_certificates().and_then(|chain| chain.first()) {
        data.insert(PeerCertificate::from_der(leaf).unwrap_or_default());
    }
}

#[derive(Debug)]
pub struct ClientCertificate {
    allowed_names: Vec<String>,
}

impl ClientCertificate {
    pub fn new(allowed_names: Vec<String>) -> Self {
        ClientCertificate { allowed_names }
    }

    fn check(&self, certificate: Option<&PeerCertificate>) -> Result<(), CertificateRefusal> {
        let certificate = certificate.ok_or(CertificateRefusal::Missing)?;
        let allowed = self.allowed_names.is_empty()
            || certificate
                .names
                .iter()
                .any(|name| self.allowed_names.contains(name));
        allowed
            .then_some(())
            .ok_or(CertificateRefusal::NameNotAllowed)
    }
}

impl TrustAnchor for ClientCertificate {
    fn name(&self) -> &'static str {
        NAME
    }

    fn attest<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<Attestation, Problem>> {
        let outcome = self
            .check(request.conn_data::<PeerCertificate>())
            .map(|()| Attestation {
                anchor: NAME,
                identity: None,
            })
            .map_err(Problem::ClientCertificate);
        Box::pin(async move { outcome })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(cn: &str, dns: &[&str]) -> PeerCertificate {
        let mut params =
            rcgen::CertificateParams::new(dns.iter().map(|d| d.to_string()).collect::<Vec<_>>())
                .unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        PeerCertificate::from_der(cert.der()).unwrap()
    }

    #[test]
    fn names_come_from_the_common_name_and_the_dns_alternatives() {
        let cert = certificate("Front-Proxy", &["proxy.ingress.svc", "Other.Example"]);
        assert_eq!(
            cert.names,
            ["front-proxy", "proxy.ingress.svc", "other.example"]
        );
    }

    #[test]
    fn allowed_names_narrow_and_a_missing_certificate_never_vouches() {
        let any = ClientCertificate::new(Vec::new());
        let narrow = ClientCertificate::new(vec!["front-proxy".to_string()]);
        let proxy = certificate("front-proxy", &[]);
        let other = certificate("someone-else", &["front-proxy.evil"]);
        assert_eq!(any.check(None), Err(CertificateRefusal::Missing));
        assert_eq!(any.check(Some(&other)), Ok(()));
        assert_eq!(narrow.check(Some(&proxy)), Ok(()));
        assert_eq!(
            narrow.check(Some(&other)),
            Err(CertificateRefusal::NameNotAllowed)
        );
    }
}
