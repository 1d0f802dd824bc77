//! The client-certificate anchor (`-proxy-auth-client-ca-file`): identity headers count only on a
//! TLS connection whose client presented a certificate from the proxy's CA (and, with
//! `-proxy-auth-allowed-names`, one of those names), over HTTP/1.1 and HTTP/2 alike; clients
//! without one still get the public routes.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::Version;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::Value;
use tempfile::TempDir;
use test_support::{App, Binary, Ca, Issued, ServingTls};

const ALICE: (&str, &str) = ("X-Forwarded-User", "alice");
const HTTP1: &[u8] = b"http/1.1";
const HTTP2: &[u8] = b"h2";

/// Lamplight over HTTPS, asking its clients for a certificate from `proxy_ca`.
struct Mtls {
    app: App,
    proxy_ca: Ca,
    /// The serving certificate and the CA file, read at start-up; kept for the test's length.
    _files: (ServingTls, TempDir),
}

/// `proxy_ca`'s certificate as a file, for `-proxy-auth-client-ca-file`.
fn ca_file(ca: &Ca) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("proxy-ca.crt");
    std::fs::write(&path, ca.pem()).unwrap();
    (dir, path)
}

async fn mtls_app(extra: &[&str]) -> Mtls {
    let tls = ServingTls::localhost();
    let proxy_ca = Ca::new("front-proxy CA");
    let (dir, path) = ca_file(&proxy_ca);
    let app = App::builder()
        .tls(&tls)
        .flag("-proxy-auth=true")
        .flag(format!("-proxy-auth-client-ca-file={}", path.display()))
        .flags(extra)
        .start()
        .await;
    Mtls {
        app,
        proxy_ca,
        _files: (tls, dir),
    }
}

/// An HTTPS client for `app` offering only `alpn`, presenting `certificate` when given.
fn presenting(app: &App, certificate: Option<&Issued>, alpn: &[u8]) -> awc::Client {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(app.tls_ca().unwrap().as_bytes()) {
        roots.add(certificate.unwrap()).unwrap();
    }
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots);
    let mut config = match certificate {
        Some(issued) => {
            let chain = CertificateDer::pem_slice_iter(issued.cert_pem.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            let key = PrivateKeyDer::from_pem_slice(issued.key_pem.as_bytes()).unwrap();
            builder.with_client_auth_cert(chain, key).unwrap()
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![alpn.to_vec()];
    awc::Client::builder()
        .disable_redirects()
        .timeout(Duration::from_secs(10))
        .connector(awc::Connector::new().rustls_0_23(Arc::new(config)))
        .finish()
}

/// A whole response, or why there was none (a refused handshake, a reset).
#[derive(Debug)]
struct Answer {
    status: u16,
    version: Version,
    content_type: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn message(&self) -> String {
        self.json()["message"].as_str().unwrap().to_string()
    }
}

async fn get(
    client: &awc::Client,
    app: &App,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<Answer, String> {
    let mut request = client.get(app.url(path));
    for header in headers {
        request = request.insert_header(*header);
    }
    let mut response = request.send().await.map_err(|e| format!("send: {e}"))?;
    let body = response
        .body()
        .limit(4 << 20)
        .await
        .map_err(|e| format!("body: {e}"))?;
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Ok(Answer {
        status: response.status().as_u16(),
        version: response.version(),
        content_type,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// `GET path` that must get an answer.
async fn answer(client: &awc::Client, app: &App, path: &str, headers: &[(&str, &str)]) -> Answer {
    get(client, app, path, headers)
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

fn assert_needs_a_certificate(answer: &Answer, why: &str) {
    assert_eq!(answer.status, 403, "{}", answer.body);
    let message = answer.message();
    assert!(message.contains("client certificate"), "{message}");
    assert!(message.contains(why), "{message}");
    assert!(
        !answer.body.contains("\"username\""),
        "an identity came back: {}",
        answer.body
    );
}

#[actix_web::test]
async fn without_a_certificate_identity_is_refused_but_public_routes_answer() {
    let mtls = mtls_app(&[]).await;
    let app = &mtls.app;
    for alpn in [HTTP1, HTTP2] {
        let client = presenting(app, None, alpn);
        let refused = answer(&client, app, "/me", &[ALICE]).await;
        assert_needs_a_certificate(&refused, "none was presented");
        let expected = if alpn == HTTP2 {
            Version::HTTP_2
        } else {
            Version::HTTP_11
        };
        assert_eq!(refused.version, expected);
        // Nothing to vouch for either way: no headers is no identity.
        assert_needs_a_certificate(
            &answer(&client, app, "/me", &[]).await,
            "none was presented",
        );

        for path in ["/healthz", "/readyz", "/config", "/"] {
            let public = answer(&client, app, path, &[]).await;
            assert_eq!(public.status, 200, "{path}: {}", public.body);
        }
        let config = answer(&client, app, "/config", &[]).await.json();
        assert_eq!(config["auth"]["mode"], "proxy", "{config}");
        let page = answer(&client, app, "/", &[]).await;
        assert!(page.content_type.starts_with("text/html"), "{page:?}");
        assert!(page.body.contains("<div id=\"root\">"), "{}", page.body);
    }
}

#[actix_web::test]
async fn a_certificate_from_the_proxy_ca_vouches_over_http1_and_http2() {
    let mtls = mtls_app(&[]).await;
    let app = &mtls.app;
    let certificate = mtls.proxy_ca.client_cert("front-proxy", None);
    for (alpn, version) in [(HTTP1, Version::HTTP_11), (HTTP2, Version::HTTP_2)] {
        let client = presenting(app, Some(&certificate), alpn);
        // Twice: the second request rides the same connection (HTTP/2 multiplexes it), so the
        // certificate is the connection's, not the first request's.
        for _ in 0..2 {
            let me = answer(&client, app, "/me", &[ALICE]).await;
            assert_eq!(me.status, 200, "{version:?}: {}", me.body);
            assert_eq!(me.version, version);
            let me = me.json();
            assert_eq!(
                me["username"], "alice",
                "the header's user, not the CN: {me}"
            );
            assert_eq!(me["authMethod"], "proxy", "{me}");
        }
        // The certificate makes the peer the proxy; it is not an identity by itself.
        let anonymous = answer(&client, app, "/me", &[]).await;
        assert_eq!(anonymous.status, 401, "{version:?}: {}", anonymous.body);
    }
    // On the same server at the same time, an HTTP/2 connection without a certificate is refused:
    // what vouches is each connection's own certificate.
    let bare = presenting(app, None, HTTP2);
    assert_needs_a_certificate(
        &answer(&bare, app, "/me", &[ALICE]).await,
        "none was presented",
    );
}

#[actix_web::test]
async fn a_certificate_the_proxy_ca_did_not_issue_for_clients_is_refused_in_the_handshake() {
    let mtls = mtls_app(&[]).await;
    let app = &mtls.app;
    let stranger = Ca::new("someone else's CA").client_cert("front-proxy", None);
    // From the right CA but for serving, not for clients (extended key usage serverAuth only).
    let server_certificate = mtls.proxy_ca.server_cert(&["front-proxy"]);
    for (what, certificate) in [
        ("another CA's certificate", &stranger),
        ("a server certificate", &server_certificate),
    ] {
        for alpn in [HTTP1, HTTP2] {
            let client = presenting(app, Some(certificate), alpn);
            for path in ["/me", "/healthz"] {
                let outcome = get(&client, app, path, &[ALICE]).await;
                // rustls refuses the certificate during the handshake: the connection fails before
                // any request is answered, whatever the route.
                let error = outcome.expect_err(&format!(
                    "{what} over {}: GET {path} was answered",
                    String::from_utf8_lossy(alpn)
                ));
                // TLS 1.3 finishes the client's side of the handshake first, so the refusal shows
                // on the first read: over HTTP/1.1 as the server's alert (UnknownCA,
                // UnsupportedCertificate); the HTTP/2 client reports only the closed connection.
                if alpn == HTTP1 {
                    assert!(error.contains("fatal alert"), "{what}: {error}");
                }
            }
        }
    }
    // The refusals cost the server nothing: the next client is served.
    let good = presenting(app, Some(&mtls.proxy_ca.client_cert("p", None)), HTTP1);
    assert_eq!(answer(&good, app, "/me", &[ALICE]).await.status, 200);
}

#[actix_web::test]
async fn allowed_names_narrow_the_certificates_the_ca_issued() {
    let mtls = mtls_app(&["-proxy-auth-allowed-names=front-proxy"]).await;
    let app = &mtls.app;
    let ca = &mtls.proxy_ca;
    let accepted = [
        ("the CN", ca.client_cert("front-proxy", None)),
        ("the CN in other case", ca.client_cert("Front-Proxy", None)),
        (
            "a DNS name",
            ca.client_cert_with_names("someone-else", &["other.example", "front-proxy"]),
        ),
    ];
    for (what, certificate) in &accepted {
        for alpn in [HTTP1, HTTP2] {
            let client = presenting(app, Some(certificate), alpn);
            let me = answer(&client, app, "/me", &[ALICE]).await;
            assert_eq!(me.status, 200, "{what}: {}", me.body);
            assert_eq!(me.json()["username"], "alice");
        }
    }
    let refused = [
        ("another CN", ca.client_cert("someone-else", None)),
        (
            "the name as a group (O)",
            ca.client_cert("someone-else", Some("front-proxy")),
        ),
        (
            "names that only contain it",
            ca.client_cert_with_names("front-proxy.evil", &["front-proxy.example", "xfront-proxy"]),
        ),
    ];
    for (what, certificate) in &refused {
        for alpn in [HTTP1, HTTP2] {
            let client = presenting(app, Some(certificate), alpn);
            let me = answer(&client, app, "/me", &[ALICE]).await;
            assert_needs_a_certificate(&me, "-proxy-auth-allowed-names");
            assert!(!me.body.contains("someone-else"), "{what}: {}", me.body);
            // Public routes still answer on that connection.
            assert_eq!(answer(&client, app, "/healthz", &[]).await.status, 200);
        }
    }
}

#[actix_web::test]
async fn with_trusted_proxies_too_both_anchors_must_hold() {
    // The certificate is right, the address is not.
    let elsewhere = mtls_app(&["-proxy-auth-trusted-proxies=10.0.0.0/8"]).await;
    let certificate = elsewhere.proxy_ca.client_cert("front-proxy", None);
    for alpn in [HTTP1, HTTP2] {
        let client = presenting(&elsewhere.app, Some(&certificate), alpn);
        let me = answer(&client, &elsewhere.app, "/me", &[ALICE]).await;
        assert_eq!(me.status, 403, "{}", me.body);
        assert!(!me.body.contains("\"username\""), "{}", me.body);
    }

    // The address is right: the certificate is still required, and together they vouch.
    let here = mtls_app(&["-proxy-auth-trusted-proxies=127.0.0.1/32"]).await;
    let certificate = here.proxy_ca.client_cert("front-proxy", None);
    let with = presenting(&here.app, Some(&certificate), HTTP1);
    let me = answer(&with, &here.app, "/me", &[ALICE]).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["username"], "alice");
    let without = presenting(&here.app, None, HTTP1);
    assert_needs_a_certificate(
        &answer(&without, &here.app, "/me", &[ALICE]).await,
        "none was presented",
    );
}

#[test]
fn client_certificate_settings_that_cannot_work_stop_startup_naming_the_flag() {
    let lamplight = Binary::new(env!("CARGO_BIN_EXE_lamplight"));
    let tls = ServingTls::localhost();
    let (_dir, ca_path) = ca_file(&Ca::new("front-proxy CA"));
    let not_pem = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(not_pem.path(), "not a certificate\n").unwrap();
    let ca_flag = format!("-proxy-auth-client-ca-file={}", ca_path.display());
    let not_pem_flag = format!("-proxy-auth-client-ca-file={}", not_pem.path().display());
    let tls_flags = [
        format!("-tls-cert-path={}", tls.cert_path().display()),
        format!("-tls-key-path={}", tls.key_path().display()),
    ];
    let [cert_flag, key_flag] = [tls_flags[0].as_str(), tls_flags[1].as_str()];
    let cases: &[(Vec<&str>, &[&str])] = &[
        // A client certificate is presented only in a TLS handshake with Lamplight itself.
        (
            vec!["-proxy-auth=true", &ca_flag],
            &["-proxy-auth-client-ca-file", "-tls-cert-path"],
        ),
        (
            vec!["-proxy-auth=true", cert_flag, key_flag, &not_pem_flag],
            &["-proxy-auth-client-ca-file", "no PEM certificate"],
        ),
        (
            vec![
                "-proxy-auth=true",
                cert_flag,
                key_flag,
                "-proxy-auth-client-ca-file=/no/such/ca.pem",
            ],
            &["-proxy-auth-client-ca-file", "no such file"],
        ),
        (
            vec![
                "-proxy-auth=true",
                "-proxy-auth-trusted-proxies=127.0.0.1",
                "-proxy-auth-allowed-names=front-proxy",
            ],
            &["-proxy-auth-allowed-names", "-proxy-auth-client-ca-file"],
        ),
        // Set up but unused: a reader would think identity is protected by it.
        (
            vec![cert_flag, key_flag, &ca_flag],
            &["-proxy-auth-client-ca-file", "-proxy-auth is not true"],
        ),
    ];
    for (args, expected) in cases {
        let message = lamplight.refusal(args, &[]);
        for part in *expected {
            assert!(
                message.contains(part),
                "{args:?}: expected {part:?} in {message}"
            );
        }
    }
}
