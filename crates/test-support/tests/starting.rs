//! The harness starts what it says it starts. Each test here catches a harness that would quietly
//! do less: an app without its kubeconfig, a raw client sending from the wrong address, a client
//! certificate without its group.

use std::net::{IpAddr, Ipv6Addr};

use serde_json::{Value, json};
use test_support::{
    ADMIN_TOKEN, App, Ca, OidcProvider, ServingTls, Stack, TRUSTED, UNTRUSTED, User, client,
};

const PODS: &str = "/api/v1/namespaces/default/pods";
const ALICE: (&str, &[u8]) = ("X-Forwarded-User", b"alice");

#[actix_web::test]
async fn each_app_serves_on_a_port_of_its_own() {
    let first = App::start(&[]).await;
    let second = App::start(&[]).await;
    assert_ne!(first.port(), second.port());
    for app in [first, second] {
        let response = app.client().get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(response.status(), 200);
    }
}

#[actix_web::test]
async fn a_stack_forwards_to_its_fake_with_the_admin_token() {
    let stack = Stack::start(&[]).await;
    let response = client().get(stack.cluster_url(PODS)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(stack.seen_user(PODS).as_deref(), Some("admin"));
    assert!(
        stack
            .seen(PODS)
            .authorization_is(&format!("Bearer {ADMIN_TOKEN}"))
    );
    assert!(stack.saw(PODS));
    assert!(!stack.saw("/api/v1/namespaces/default/secrets"));
    assert!(!stack.first_pod().await.is_empty());
}

#[actix_web::test]
async fn an_anonymous_stack_sends_no_credentials_of_its_own() {
    let stack = Stack::builder().anonymous().start().await;
    client().get(stack.cluster_url(PODS)).send().await.unwrap();
    assert_eq!(stack.seen(PODS).header("authorization"), None);
    assert_eq!(stack.seen_user(PODS), None);
}

#[actix_web::test]
async fn the_raw_client_sends_from_the_address_it_is_given() {
    let app = App::start(&["-proxy-auth", "-proxy-auth-trusted-proxies=127.0.0.1/32"]).await;
    let refused = app.raw().from(UNTRUSTED).get("/me", &[ALICE]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.json()["message"]
            .as_str()
            .unwrap()
            .contains("127.0.0.2"),
        "{}",
        refused.body
    );
    let accepted = app.raw().from(TRUSTED).get("/me", &[ALICE]).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.json()["username"], "alice");
    assert_eq!(accepted.header("Cache-Control"), Some("no-store"));
}

#[actix_web::test]
async fn a_dual_stack_app_tells_ipv6_from_ipv4_peers() {
    let app = App::builder()
        .listen_addr("::")
        .flags(&["-proxy-auth", "-proxy-auth-trusted-proxies=::1/128"])
        .start()
        .await;
    let ipv6 = app
        .raw()
        .from(IpAddr::V6(Ipv6Addr::LOCALHOST))
        .get("/me", &[ALICE])
        .await;
    assert_eq!(ipv6.status, 200, "{}", ipv6.body);
    let ipv4 = app.raw().from(TRUSTED).get("/me", &[ALICE]).await;
    assert_eq!(ipv4.status, 403, "{}", ipv4.body);
}

#[actix_web::test]
async fn a_chunked_body_comes_back_decoded() {
    // The fake generates bulk lists while it streams them, so their length is not known ahead.
    let stack = Stack::builder()
        .fake(|fake| fake.bulk_configmaps(3, 100))
        .start()
        .await;
    let response = stack
        .app
        .raw()
        .get("/clusters/fake/api/v1/namespaces/bulk/configmaps", &[])
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.header("transfer-encoding"), Some("chunked"));
    assert_eq!(response.json()["items"].as_array().map(Vec::len), Some(3));
}

#[actix_web::test]
async fn an_app_serves_https_with_a_certificate_its_client_trusts() {
    let tls = ServingTls::localhost();
    let app = App::builder().tls(&tls).start().await;
    assert!(app.url("/healthz").starts_with("https://127.0.0.1:"));
    let response = app.client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(app.tls_ca(), Some(tls.ca().pem()));
    assert!(
        client().get(app.url("/healthz")).send().await.is_err(),
        "a client that does not trust the test CA must fail"
    );
}

#[actix_web::test]
async fn a_client_certificate_carries_its_user_and_group_to_the_fake() {
    let server_ca = Ca::new("server CA");
    let client_ca = Ca::new("client CA");
    let fake_tls = server_ca.fake_apiserver_tls(&["127.0.0.1"], Some(&client_ca));
    let server_ca_pem = server_ca.pem().to_string();
    let stack = Stack::builder()
        .fake(|fake| fake.tls(fake_tls))
        .cluster(move |cluster| cluster.ca_data(&server_ca_pem))
        .user(User::client_certificate_data(
            &client_ca.client_cert("carol", Some("auditors")),
        ))
        .start()
        .await;
    assert!(stack.fake.url().starts_with("https://"));
    let mut response = client()
        .post(stack.cluster_url("/apis/authentication.k8s.io/v1/selfsubjectreviews"))
        .send_json(&json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}))
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let review: Value = response.json().await.unwrap();
    let user = &review["status"]["userInfo"];
    assert_eq!(user["username"], "carol", "{review}");
    assert!(
        user["groups"]
            .as_array()
            .unwrap()
            .contains(&json!("auditors")),
        "{review}"
    );
}

#[actix_web::test]
async fn the_oidc_provider_starts_and_registers_clients() {
    let idp = OidcProvider::start().await;
    assert!(
        idp.issuer().starts_with("http://127.0.0.1:"),
        "{}",
        idp.issuer()
    );
    let mut discovery = client()
        .get(format!("{}/.well-known/openid-configuration", idp.issuer()))
        .send()
        .await
        .unwrap();
    let discovery: Value = discovery.json().await.unwrap();
    assert_eq!(discovery["issuer"], idp.issuer());

    let client = idp
        .client("http://127.0.0.1:1/oidc-callback")
        .register()
        .await;
    assert!(!client.id.is_empty() && !client.secret.is_empty());
    let other = idp
        .client("http://127.0.0.1:1/oidc-callback")
        .register()
        .await;
    assert_ne!(client.id, other.id);
}
