//! HTTPS API servers: CA from data or file, client certificates, wrong CAs, server-name overrides.

use base64::Engine;
use fake_apiserver::{FakeApiServer, FakeTls};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use serde_json::Value;

use crate::helpers::{client, spawn_lamplight, write_kubeconfig};

pub struct Ca {
    pub pem: String,
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Ca {
            pem: issuer.pem(),
            issuer,
        }
    }

    /// A leaf certificate and its key, in PEM.
    pub fn issue(
        &self,
        names: &[&str],
        common_name: &str,
        organisation: Option<&str>,
        client: bool,
    ) -> (String, String) {
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        if let Some(org) = organisation {
            params
                .distinguished_name
                .push(DnType::OrganizationName, org);
        }
        params.extended_key_usages = vec![if client {
            ExtendedKeyUsagePurpose::ClientAuth
        } else {
            ExtendedKeyUsagePurpose::ServerAuth
        }];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

struct TlsFake {
    fake: FakeApiServer,
    server_ca: Ca,
    client_ca: Ca,
}

async fn tls_fake(server_names: &[&str]) -> TlsFake {
    let server_ca = Ca::new("fake apiserver CA");
    let client_ca = Ca::new("fake client CA");
    let (cert_pem, key_pem) = server_ca.issue(server_names, "kube-apiserver", None, false);
    let fake = FakeApiServer::builder()
        .record_requests(10_000)
        .user("admin-token", "admin", &["system:masters"])
        .tls(FakeTls {
            cert_pem,
            key_pem,
            client_ca_pem: Some(client_ca.pem.clone()),
        })
        .start()
        .await
        .unwrap();
    TlsFake {
        fake,
        server_ca,
        client_ca,
    }
}

async fn whoami(app: std::net::SocketAddr) -> (u16, Value) {
    let mut response = client()
        .post(format!("http://{app}/clusters/fake/apis/authentication.k8s.io/v1/selfsubjectreviews"))
        .send_json(&serde_json::json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}))
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[actix_web::test]
async fn client_certificate_and_ca_from_base64_data() {
    let tls = tls_fake(&["localhost", "127.0.0.1"]).await;
    let (cert, key) = tls
        .client_ca
        .issue(&[], "cert-user", Some("cert-group"), true);
    let dir = tempfile::tempdir().unwrap();
    let user = format!(
        "    client-certificate-data: {}\n    client-key-data: {}\n",
        b64(&cert),
        b64(&key)
    );
    let cluster = format!(
        "    certificate-authority-data: {}\n",
        b64(&tls.server_ca.pem)
    );
    let kubeconfig = write_kubeconfig(dir.path(), tls.fake.url(), &user, &cluster);
    let app = spawn_lamplight(&kubeconfig, &[]).await;
    let (status, review) = whoami(app).await;
    assert_eq!(status, 201, "{review}");
    assert_eq!(review["status"]["userInfo"]["username"], "cert-user");
}

#[actix_web::test]
async fn client_certificate_and_ca_from_files() {
    let tls = tls_fake(&["localhost", "127.0.0.1"]).await;
    let (cert, key) = tls.client_ca.issue(&[], "file-user", None, true);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.crt"), &tls.server_ca.pem).unwrap();
    std::fs::write(dir.path().join("client.crt"), cert).unwrap();
    std::fs::write(dir.path().join("client.key"), key).unwrap();
    // Relative paths resolve against the kubeconfig's folder, as kubectl does.
    let user = "    client-certificate: client.crt\n    client-key: client.key\n";
    let kubeconfig = write_kubeconfig(
        dir.path(),
        tls.fake.url(),
        user,
        "    certificate-authority: ca.crt\n",
    );
    let app = spawn_lamplight(&kubeconfig, &[]).await;
    let (status, review) = whoami(app).await;
    assert_eq!(status, 201, "{review}");
    assert_eq!(review["status"]["userInfo"]["username"], "file-user");
}

#[actix_web::test]
async fn a_wrong_ca_is_a_clear_502() {
    let tls = tls_fake(&["localhost", "127.0.0.1"]).await;
    let stranger = Ca::new("someone else");
    let dir = tempfile::tempdir().unwrap();
    let cluster = format!("    certificate-authority-data: {}\n", b64(&stranger.pem));
    let kubeconfig = write_kubeconfig(
        dir.path(),
        tls.fake.url(),
        "    token: admin-token\n",
        &cluster,
    );
    let app = spawn_lamplight(&kubeconfig, &[]).await;
    let mut response = client()
        .get(format!("http://{app}/clusters/fake/version"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    let status: Value = response.json().await.unwrap();
    let message = status["message"].as_str().unwrap();
    assert!(
        message.contains("certificate") || message.contains("UnknownIssuer"),
        "{message}"
    );
    assert!(
        tls.fake.requests().is_empty(),
        "no request may complete over an unverified connection"
    );
}

#[actix_web::test]
async fn insecure_skip_tls_verify_and_a_bearer_token() {
    let tls = tls_fake(&["localhost"]).await;
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = write_kubeconfig(
        dir.path(),
        tls.fake.url(),
        "    token: admin-token\n",
        "    insecure-skip-tls-verify: true\n",
    );
    let app = spawn_lamplight(&kubeconfig, &[]).await;
    let (status, review) = whoami(app).await;
    assert_eq!(status, 201, "{review}");
    assert_eq!(review["status"]["userInfo"]["username"], "admin");
}

#[actix_web::test]
async fn tls_server_name_verifies_against_the_given_name() {
    // The certificate names only kubernetes.internal, but the server is reached at 127.0.0.1.
    let tls = tls_fake(&["kubernetes.internal"]).await;
    let ca = format!(
        "    certificate-authority-data: {}\n",
        b64(&tls.server_ca.pem)
    );
    let token = "    token: admin-token\n";

    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = write_kubeconfig(dir.path(), tls.fake.url(), token, &ca);
    let app = spawn_lamplight(&kubeconfig, &[]).await;
    let response = client()
        .get(format!("http://{app}/clusters/fake/version"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        502,
        "without tls-server-name the name does not match"
    );

    let dir = tempfile::tempdir().unwrap();
    let named = format!("{ca}    tls-server-name: kubernetes.internal\n");
    let kubeconfig = write_kubeconfig(dir.path(), tls.fake.url(), token, &named);
    let app = spawn_lamplight(&kubeconfig, &[]).await;
    let response = client()
        .get(format!("http://{app}/clusters/fake/version"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
