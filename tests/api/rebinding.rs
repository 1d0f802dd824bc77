//! DNS rebinding: a page on `attacker.example`, whose name resolves to this server, sends its own
//! name in `Host` (and `Origin`). Nothing it asks for may be answered: not reads, not writes, not
//! exec, whatever the sign-in mode.

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use test_support::{App, ServingTls, Stack, TRUSTED};

const SECRETS: &str = "/clusters/fake/api/v1/namespaces/kube-system/secrets";
const REBOUND: (&str, &[u8]) = ("Host", b"attacker.example:4466");
const REBOUND_ORIGIN: (&str, &[u8]) = ("Origin", b"http://attacker.example:4466");

#[actix_web::test]
async fn a_rebinding_page_reads_nothing_without_sign_in() {
    let stack = Stack::start(&[]).await;
    let response = stack
        .app
        .raw()
        .get(SECRETS, &[REBOUND, REBOUND_ORIGIN])
        .await;
    assert_eq!(response.status, 421, "{}", response.body);
    assert!(
        response.body.contains("-allowed-hosts"),
        "names the flag: {}",
        response.body
    );
    assert!(
        !response.body.contains("attacker"),
        "does not echo the host: {}",
        response.body
    );
    assert!(
        !stack.saw(SECRETS),
        "the API server never heard of the request"
    );
    // The same request by a name the server answers to goes through.
    let own = stack.app.raw().get(SECRETS, &[]).await;
    assert_eq!(own.status, 200, "{}", own.body);
}

#[actix_web::test]
async fn a_rebinding_page_can_neither_write_nor_exec() {
    let stack = Stack::start(&[]).await;
    let pod = stack.first_pod().await;
    let write = "POST /clusters/fake/api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: attacker.example:4466\r\n\
         Origin: http://attacker.example:4466\r\nContent-Type: application/json\r\nContent-Length: 62\r\n\
         Connection: close\r\n\r\n{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"}}";
    let response = stack.app.raw().send(write.as_bytes()).await;
    assert_eq!(response.status, 421, "{}", response.body);
    let exec = format!(
        "GET /clusters/fake/api/v1/namespaces/default/pods/{pod}/exec?command=sh&stdin=true HTTP/1.1\r\n\
         Host: attacker.example:4466\r\nOrigin: http://attacker.example:4466\r\nConnection: Upgrade\r\n\
         Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n"
    );
    let response = stack.app.raw().send(exec.as_bytes()).await;
    assert_eq!(response.status, 421, "{}", response.body);
    assert!(stack.fake.get("configmaps", "default", "x").is_none());
}

#[actix_web::test]
async fn a_rebinding_page_cannot_borrow_a_trusted_browsers_address() {
    // The laptop quick start: the browser itself is on the trusted loopback.
    let app = App::start(&["-proxy-auth", "-proxy-auth-trusted-proxies=127.0.0.1/32"]).await;
    let admin = ("X-Forwarded-User", &b"admin"[..]);
    let response = app.raw().from(TRUSTED).get("/me", &[REBOUND, admin]).await;
    assert_eq!(response.status, 421, "{}", response.body);
    let response = app.raw().from(TRUSTED).get("/me", &[admin]).await;
    assert_eq!(response.status, 200, "{}", response.body);
}

#[actix_web::test]
async fn listed_names_and_wildcards_are_answered() {
    let app = App::start(&["-allowed-hosts=dash.example.com,*.corp.example"]).await;
    for (host, status) in [
        (&b"dash.example.com"[..], 200),
        (b"DASH.example.com:8443", 200),
        (b"team.corp.example", 200),
        (b"corp.example", 421),
        (b"dash.example.com.attacker.example", 421),
        (b"10.0.0.7:4466", 200),
        (b"[::1]:4466", 200),
    ] {
        let response = app.raw().get("/healthz", &[("Host", host)]).await;
        assert_eq!(
            response.status,
            status,
            "{}: {}",
            String::from_utf8_lossy(host),
            response.body
        );
    }
    let any = App::start(&["-allowed-hosts=*"]).await;
    let response = any.raw().get("/healthz", &[REBOUND]).await;
    assert_eq!(response.status, 200, "{}", response.body);
}

#[actix_web::test]
async fn a_forwarded_host_counts_only_from_a_trusted_proxy() {
    let app = App::start(&["-proxy-auth-trusted-proxies=127.0.0.1/32"]).await;
    let forwarded = ("X-Forwarded-Host", &b"attacker.example"[..]);
    // The proxy says the browser asked for attacker.example: refused, even though Host is fine.
    let response = app.raw().from(TRUSTED).get("/healthz", &[forwarded]).await;
    assert_eq!(response.status, 421, "{}", response.body);
    // From anyone else the header means nothing.
    let response = app
        .raw()
        .from(test_support::UNTRUSTED)
        .get("/healthz", &[forwarded])
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
}

/// HTTP/2 has no `Host` header: the name is `:authority`.
#[actix_web::test]
async fn a_same_origin_write_over_http2_is_accepted() {
    let tls = ServingTls::localhost();
    let stack = Stack::builder().app(|app| app.tls(&tls)).start().await;
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(stack.app.tls_ca().unwrap().as_bytes()) {
        roots.add(certificate.unwrap()).unwrap();
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let client = awc::Client::builder()
        .connector(awc::Connector::new().rustls_0_23(Arc::new(config)))
        .finish();
    let origin = format!("https://localhost:{}", stack.app.port());
    let mut response = client
        .post(format!(
            "{origin}/clusters/fake/api/v1/namespaces/default/configmaps"
        ))
        .insert_header(("Origin", origin.as_str()))
        .send_json(&serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "over-h2"}}))
        .await
        .unwrap();
    assert_eq!(response.version(), actix_web::http::Version::HTTP_2);
    let body = response.body().await.unwrap();
    assert_eq!(response.status(), 201, "{}", String::from_utf8_lossy(&body));
}
