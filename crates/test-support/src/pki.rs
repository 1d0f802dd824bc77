//! The test PKI: certificate authorities made on the spot (rcgen), server certificates for the fake
//! API server and for Lamplight's own HTTPS, and client certificates whose subject is a Kubernetes
//! identity (CN the user, O the group).

use std::path::{Path, PathBuf};

use fake_apiserver::FakeTls;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use tempfile::TempDir;

/// A certificate authority, fresh for each test, so nothing outside the test trusts it.
pub struct Ca {
    pem: String,
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A certificate and its private key, in PEM.
#[derive(Clone, Debug)]
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
}

/// What Lamplight needs to serve HTTPS: a certificate for 127.0.0.1 and localhost and its key, as
/// files (the flags take paths), and the CA a client must trust.
pub struct ServingTls {
    ca: Ca,
    dir: TempDir,
}

impl Ca {
    pub fn new(common_name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("no names to parse");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let issuer = CertifiedIssuer::self_signed(params, generate_key())
            .expect("rcgen signs a CA certificate");
        Ca {
            pem: issuer.pem(),
            issuer,
        }
    }

    /// The CA certificate, in PEM.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// A server certificate for these DNS names or IP addresses.
    pub fn server_cert(&self, names: &[&str]) -> Issued {
        let common_name = names.first().copied().unwrap_or("server");
        self.issue(
            names,
            common_name,
            None,
            ExtendedKeyUsagePurpose::ServerAuth,
        )
    }

    /// A client certificate: Kubernetes reads the user from CN and a group from O.
    pub fn client_cert(&self, user: &str, group: Option<&str>) -> Issued {
        self.issue(&[], user, group, ExtendedKeyUsagePurpose::ClientAuth)
    }

    /// A client certificate with this CN and these DNS subject alternative names: what an
    /// authenticating proxy presents to Lamplight (`-proxy-auth-allowed-names` reads both).
    pub fn client_cert_with_names(&self, common_name: &str, dns_names: &[&str]) -> Issued {
        self.issue(
            dns_names,
            common_name,
            None,
            ExtendedKeyUsagePurpose::ClientAuth,
        )
    }

    /// HTTPS for the fake API server: a certificate from this CA for `names`, and, when given,
    /// the CA whose client certificates it accepts as identities.
    pub fn fake_apiserver_tls(&self, names: &[&str], client_ca: Option<&Ca>) -> FakeTls {
        let Issued { cert_pem, key_pem } = self.server_cert(names);
        FakeTls {
            cert_pem,
            key_pem,
            client_ca_pem: client_ca.map(|ca| ca.pem.clone()),
        }
    }

    fn issue(
        &self,
        names: &[&str],
        common_name: &str,
        organisation: Option<&str>,
        usage: ExtendedKeyUsagePurpose,
    ) -> Issued {
        let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
        let mut params = CertificateParams::new(names).expect("valid subject alternative names");
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        if let Some(organisation) = organisation {
            params
                .distinguished_name
                .push(DnType::OrganizationName, organisation);
        }
        params.extended_key_usages = vec![usage];
        let key = generate_key();
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("rcgen signs a leaf certificate");
        Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

impl Issued {
    /// Writes `{stem}.crt` and `{stem}.key` into `dir`; returns their paths.
    pub fn write(&self, dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
        let cert = dir.join(format!("{stem}.crt"));
        let key = dir.join(format!("{stem}.key"));
        for (path, text) in [(&cert, &self.cert_pem), (&key, &self.key_pem)] {
            std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        }
        (cert, key)
    }
}

impl ServingTls {
    /// A new CA and a certificate for `127.0.0.1` and `localhost`, written to a temporary folder.
    pub fn localhost() -> ServingTls {
        let ca = Ca::new("lamplight test CA");
        let dir = tempfile::Builder::new()
            .prefix("lamplight-tls-")
            .tempdir()
            .expect("a temporary directory");
        ca.server_cert(&["127.0.0.1", "localhost"])
            .write(dir.path(), "tls");
        std::fs::write(dir.path().join("ca.crt"), ca.pem()).expect("write ca.crt");
        ServingTls { ca, dir }
    }

    pub fn ca(&self) -> &Ca {
        &self.ca
    }

    pub fn ca_path(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    pub fn cert_path(&self) -> PathBuf {
        self.dir.path().join("tls.crt")
    }

    pub fn key_path(&self) -> PathBuf {
        self.dir.path().join("tls.key")
    }
}

fn generate_key() -> KeyPair {
    KeyPair::generate().expect("rcgen generates a key pair")
}
