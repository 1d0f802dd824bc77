//! HTTPS API servers: CA from data or file, client certificates, wrong CAs, server-name overrides.

use fake_apiserver::FakeApiServer;
use serde_json::Value;
use test_support::{ADMIN_TOKEN, App, Ca, Cluster, Kubeconfig, User, client, fake_apiserver};

/// The fake API server over HTTPS, its certificate from `server_ca`; client certificates from
/// `client_ca` authenticate their subject.
struct TlsFake {
    fake: FakeApiServer,
    server_ca: Ca,
    client_ca: Ca,
}

async fn tls_fake(server_names: &[&str]) -> TlsFake {
    let server_ca = Ca::new("fake apiserver CA");
    let client_ca = Ca::new("fake client CA");
    let fake = fake_apiserver()
        .tls(server_ca.fake_apiserver_tls(server_names, Some(&client_ca)))
        .start()
        .await
        .unwrap();
    TlsFake {
        fake,
        server_ca,
        client_ca,
    }
}

/// Lamplight with a kubeconfig of `cluster` and `user`.
async fn lamplight(cluster: Cluster, user: User) -> App {
    let kubeconfig = Kubeconfig::single(cluster, Some(user)).write();
    App::builder().kubeconfig(&kubeconfig).start().await
}

async fn whoami(app: &App) -> (u16, Value) {
    let mut response = client()
        .post(app.url("/clusters/fake/apis/authentication.k8s.io/v1/selfsubjectreviews"))
        .send_json(&serde_json::json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}))
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[actix_web::test]
async fn client_certificate_and_ca_from_base64_data() {
    let tls = tls_fake(&["localhost", "127.0.0.1"]).await;
    let cert = tls.client_ca.client_cert("cert-user", Some("cert-group"));
    let app = lamplight(
        Cluster::new(tls.fake.url()).ca_data(tls.server_ca.pem()),
        User::client_certificate_data(&cert),
    )
    .await;
    let (status, review) = whoami(&app).await;
    assert_eq!(status, 201, "{review}");
    assert_eq!(review["status"]["userInfo"]["username"], "cert-user");
}

#[actix_web::test]
async fn client_certificate_and_ca_from_files() {
    let tls = tls_fake(&["localhost", "127.0.0.1"]).await;
    let cert = tls.client_ca.client_cert("file-user", None);
    // Relative paths resolve against the kubeconfig's folder, as kubectl does.
    let kubeconfig = Kubeconfig::single(
        Cluster::new(tls.fake.url()).ca_file("ca.crt"),
        Some(User::client_certificate_files("client.crt", "client.key")),
    )
    .file("ca.crt", tls.server_ca.pem())
    .file("client.crt", &cert.cert_pem)
    .file("client.key", &cert.key_pem)
    .write();
    let app = App::builder().kubeconfig(&kubeconfig).start().await;
    let (status, review) = whoami(&app).await;
    assert_eq!(status, 201, "{review}");
    assert_eq!(review["status"]["userInfo"]["username"], "file-user");
}

#[actix_web::test]
async fn a_wrong_ca_is_a_clear_502() {
    let tls = tls_fake(&["localhost", "127.0.0.1"]).await;
    let stranger = Ca::new("someone else");
    let app = lamplight(
        Cluster::new(tls.fake.url()).ca_data(stranger.pem()),
        User::token(ADMIN_TOKEN),
    )
    .await;
    let mut response = client()
        .get(app.url("/clusters/fake/version"))
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
    let app = lamplight(
        Cluster::new(tls.fake.url()).insecure_skip_tls_verify(),
        User::token(ADMIN_TOKEN),
    )
    .await;
    let (status, review) = whoami(&app).await;
    assert_eq!(status, 201, "{review}");
    assert_eq!(review["status"]["userInfo"]["username"], "admin");
}

#[actix_web::test]
async fn tls_server_name_verifies_against_the_given_name() {
    // The certificate names only kubernetes.internal, but the server is reached at 127.0.0.1.
    let tls = tls_fake(&["kubernetes.internal"]).await;
    let cluster = Cluster::new(tls.fake.url()).ca_data(tls.server_ca.pem());

    let app = lamplight(cluster.clone(), User::token(ADMIN_TOKEN)).await;
    let response = client()
        .get(app.url("/clusters/fake/version"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        502,
        "without tls-server-name the name does not match"
    );

    let named = cluster.tls_server_name("kubernetes.internal");
    let app = lamplight(named, User::token(ADMIN_TOKEN)).await;
    let response = client()
        .get(app.url("/clusters/fake/version"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
