//! What establishing "who is calling" costs per request: `Authenticator::authenticate`, the body of
//! the `User` extractor (which adds a request clone, an `app_data` lookup and one boxed future).
//!
//! - `proxy_headers`: proxy-auth mode, a trusted peer's `X-Forwarded-User/-Group/-Email`.
//! - `proxy_headers_with_token`: the same plus a ~1 KB `X-Forwarded-Id-Token`.
//! - `proxy_signed_assertion`: proxy-auth mode with a signed assertion (ES256, as Google IAP, AWS
//!   ALB and Pomerium sign): the browser's same assertion again, so the verified-token cache answers.
//! - `proxy_signed_assertion_fresh`: a new assertion every request (its signature verified with the
//!   cached key set): the cost when the proxy re-signs often. Tokens are signed before timing.
//! - `oidc_session_cookie`: OIDC mode, a browser's sealed session cookie: unsealing (AES-GCM), then
//!   the ID token's RS256 (2048-bit) signature and claims checked against the IdP's keys. The keys
//!   are learnt the way the server learns them, by discovery, from a minimal in-process IdP on
//!   127.0.0.1 (a discovery document and a one-key JWKS, nothing else; no network beyond
//!   loopback), once, before timing. The cookie is sealed here the way `src/auth/oidc/session.rs`
//!   documents it (HKDF-SHA256 keys, the cookie crate's private jar), as `tests/oidc/sealing.rs`
//!   does: nothing in the product is made public for it.
//!
//! Each request is built once, outside the timed loop (`authenticate` takes `&HttpRequest`, so no
//! clone is needed), and each result is checked once before timing. The futures run on an actix
//! `System` (a current-thread tokio runtime with a `LocalSet`, as in a worker), one `block_on` per
//! criterion sample rather than per call, so the executor's cost is not in the per-call time; the
//! returned `User` is dropped inside the loop.
//!
//! Run: `cargo bench --bench user_extractor -- --quick`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::cookie::{Cookie, CookieJar, Key};
use actix_web::rt::SystemRunner;
use actix_web::test::TestRequest;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Bencher, Criterion, criterion_group, criterion_main};
use hkdf::Hkdf;
use rsa::Generate;
use rsa::traits::PublicKeyParts;
use serde_json::json;
use sha2::Sha256;

use lamplight::auth::oidc::{Oidc, SESSION_COOKIE_NAME, Session};
use lamplight::auth::trust::TrustedProxies;
use lamplight::auth::{AuthMethod, Authenticator};
use lamplight::settings::Settings;
use test_support::signed_assertions::{KeyServer, SigningKey};

const PEER: &str = "127.0.0.1:50000";
const COOKIE_SECRET: &str = "a-cookie-secret-of-at-least-thirty-two-bytes";
const CLIENT_ID: &str = "lamplight";

/// Times `authenticate(request)`, many calls per `block_on`.
fn measure(b: &mut Bencher, system: &SystemRunner, auth: &Authenticator, request: &HttpRequest) {
    b.iter_custom(|iters| {
        system.block_on(async {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(auth.authenticate(black_box(request)).await.is_ok());
            }
            start.elapsed()
        })
    });
}

fn proxy_authenticator() -> Authenticator {
    let settings = Settings::from_flags(&[
        "-proxy-auth=true",
        "-proxy-auth-trusted-proxies=127.0.0.1/32",
    ])
    .expect("proxy-auth settings");
    let trusted = TrustedProxies::new(&settings.proxy_auth);
    Authenticator::from_settings(&settings, &trusted, lamplight::metrics::Metrics::new()).unwrap()
}

fn proxy_request(token: Option<&str>) -> HttpRequest {
    let mut request = TestRequest::get()
        .uri("/api/v1/me")
        .peer_addr(PEER.parse().unwrap())
        .insert_header(("X-Forwarded-User", "alice"))
        .insert_header(("X-Forwarded-Group", "dev,ops"))
        .insert_header(("X-Forwarded-Email", "alice@example.com"));
    if let Some(token) = token {
        request = request.insert_header(("X-Forwarded-Id-Token", token));
    }
    request.to_http_request()
}

/// A JWT-shaped string of about `len` bytes (header, padded claims, a 2048-bit RS256-sized
/// signature): the proxy passes it through unverified, so only its size matters.
fn jwt_looking(len: usize) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"bench-key","typ":"JWT"}"#);
    let signature = URL_SAFE_NO_PAD.encode([0x5au8; 256]);
    let claims = |padding: usize| {
        let claims = json!({
            "iss": "https://idp.example.com",
            "aud": CLIENT_ID,
            "sub": "00u1a2b3c4d5e6f7g8h9",
            "email": "alice@example.com",
            "groups": ["dev", "ops"],
            "iat": 1_700_000_000,
            "exp": 1_700_003_600,
            "pad": "x".repeat(padding),
        });
        URL_SAFE_NO_PAD.encode(claims.to_string())
    };
    let fixed = header.len() + signature.len() + claims(0).len() + 2;
    let padding = len.saturating_sub(fixed) * 3 / 4;
    format!("{header}.{}.{signature}", claims(padding))
}

fn check_proxy_user(system: &SystemRunner, auth: &Authenticator, request: &HttpRequest) {
    let user = system
        .block_on(auth.authenticate(request))
        .expect("the request authenticates");
    assert_eq!(user.username, "alice");
    assert_eq!(user.groups, ["dev", "ops"]);
    assert_eq!(user.email.as_deref(), Some("alice@example.com"));
    assert!(matches!(user.method, AuthMethod::Proxy));
}

fn proxy_headers(c: &mut Criterion) {
    let system = actix_web::rt::System::new();
    let auth = proxy_authenticator();
    let request = proxy_request(None);
    check_proxy_user(&system, &auth, &request);
    c.bench_function("proxy_headers", |b| measure(b, &system, &auth, &request));
}

fn proxy_headers_with_token(c: &mut Criterion) {
    let system = actix_web::rt::System::new();
    let auth = proxy_authenticator();
    let token = jwt_looking(1024);
    assert!((1000..1050).contains(&token.len()), "{}", token.len());
    let request = proxy_request(Some(&token));
    check_proxy_user(&system, &auth, &request);
    assert!(
        system
            .block_on(auth.authenticate(&request))
            .unwrap()
            .token()
            .is_some()
    );
    c.bench_function("proxy_headers_with_token", |b| {
        measure(b, &system, &auth, &request)
    });
}

/// A minimal IdP at `http://127.0.0.1:PORT`: its discovery document and JWKS, the
/// only two things the server fetches before it can verify ID tokens.
fn start_idp(jwk: serde_json::Value) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let discovery = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/auth"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    })
    .to_string();
    let jwks = json!({ "keys": [jwk] }).to_string();
    let server = HttpServer::new(move || {
        let json = |body: String| {
            move || {
                let body = body.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .body(body)
                }
            }
        };
        App::new()
            .route(
                "/.well-known/openid-configuration",
                web::get().to(json(discovery.clone())),
            )
            .route("/jwks", web::get().to(json(jwks.clone())))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    issuer
}

/// The session cookie(s) a signed-in browser sends: `session` sealed for `base_url` ("") with the
/// cookie secret, as `src/auth/oidc/session.rs` seals it, in 3600-byte chunks.
fn session_cookie_header(session: &Session) -> String {
    let hkdf = Hkdf::<Sha256>::new(Some(b"lamplight cookie sealing"), COOKIE_SECRET.as_bytes());
    let info: [&[u8]; 4] = [b"lamplight cookie key v1\0", b"oidc-session", b"\0", b""];
    let mut okm = [0u8; 64];
    hkdf.expand_multi_info(&info, &mut okm).unwrap();
    let key = Key::from(&okm);
    let mut jar = CookieJar::new();
    jar.private_mut(&key).add(Cookie::new(
        SESSION_COOKIE_NAME,
        serde_json::to_string(session).unwrap(),
    ));
    let sealed = jar.get(SESSION_COOKIE_NAME).unwrap().value().to_string();
    sealed
        .as_bytes()
        .chunks(3600)
        .enumerate()
        .map(|(i, chunk)| {
            format!(
                "{SESSION_COOKIE_NAME}-{i}={}",
                std::str::from_utf8(chunk).unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn oidc_session_cookie(c: &mut Criterion) {
    let system = actix_web::rt::System::new();

    // RS256, the IdPs' usual choice: the server accepts no other (it keeps openidconnect's default
    // allowed algorithms, so an ES256 token fails with "Signature verification failed").
    let key = rsa::PrivateKey::generate();
    let public = key.to_public_key();
    let unsigned = |n: &rsa::BoxedUint| {
        let bytes = n.to_be_bytes();
        let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        URL_SAFE_NO_PAD.encode(&bytes[first..])
    };
    let jwk = json!({
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": "bench-key",
        "n": unsigned(public.n()),
        "e": unsigned(public.e()),
    });
    let issuer = system.block_on(async { start_idp(jwk) });

    let settings = Settings::from_flags(&[
        &format!("-oidc-client-id={CLIENT_ID}"),
        &format!("-oidc-idp-issuer-url={issuer}"),
        &format!("-oidc-cookie-secret={COOKIE_SECRET}"),
    ])
    .expect("OIDC settings");
    let oidc_settings = settings.oidc.clone().expect("OIDC is configured");
    let trusted = TrustedProxies::new(&settings.proxy_auth);
    let oidc = Arc::new(Oidc::new(&settings, &oidc_settings, trusted).unwrap());
    system.block_on(async {
        oidc.start_discovery();
        let deadline = Instant::now() + Duration::from_secs(20);
        while oidc.provider().is_err() {
            assert!(
                Instant::now() < deadline,
                "discovery: {:?}",
                oidc.provider().err()
            );
            actix_web::rt::time::sleep(Duration::from_millis(10)).await;
        }
    });
    let auth = Authenticator::with_oidc(oidc, lamplight::metrics::Metrics::new());

    // An hour-long ID token (no refresh due) signed by the IdP's key.
    let now = jiff::Timestamp::now().as_second();
    let claims = json!({
        "iss": issuer, "aud": CLIENT_ID, "sub": "00u1a2b3c4d5e6f7g8h9",
        "iat": now, "exp": now + 3600,
        "preferred_username": "alice", "email": "alice@example.com", "groups": ["dev", "ops"],
    });
    let header = json!({"alg": "RS256", "kid": "bench-key", "typ": "JWT"});
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = key
        .pkcs1v15_sign::<rsa::sha2::Sha256>(signing_input.as_bytes())
        .unwrap();
    let id_token = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature));
    let session = Session {
        id_token,
        access_token: Some(URL_SAFE_NO_PAD.encode([7u8; 32])),
        refresh_token: Some(URL_SAFE_NO_PAD.encode([9u8; 32])),
        started: now,
    };
    let request = TestRequest::get()
        .uri("/api/v1/me")
        .peer_addr(PEER.parse().unwrap())
        .insert_header(("Cookie", session_cookie_header(&session)))
        .to_http_request();

    let user = system
        .block_on(auth.authenticate(&request))
        .expect("the session cookie authenticates");
    assert_eq!(user.username, "alice");
    assert_eq!(user.groups, ["dev", "ops"]);
    assert_eq!(user.method, AuthMethod::Oidc);

    c.bench_function("oidc_session_cookie", |b| {
        measure(b, &system, &auth, &request)
    });
}

/// Proxy auth with a signed-assertion anchor whose keys a local key server publishes; they are
/// fetched once, by the check before timing.
fn assertion_setup() -> (
    SystemRunner,
    Authenticator,
    SigningKey,
    test_support::signed_assertions::KeyServer,
) {
    let system = actix_web::rt::System::new();
    let key = SigningKey::es256("bench-key");
    let keys = system.block_on(async { KeyServer::start(&[&key]) });
    let settings = Settings::from_flags(&[
        "-proxy-auth=true",
        "-proxy-auth-trusted-proxies=127.0.0.1/32",
        "-proxy-auth-jwt-header=X-Assertion",
        &format!("-proxy-auth-jwks-url={}", keys.jwks_url()),
        "-proxy-auth-jwt-audience=lamplight",
        "-proxy-auth-jwt-username-claim=email",
    ])
    .expect("assertion settings");
    let trusted = TrustedProxies::new(&settings.proxy_auth);
    let auth =
        Authenticator::from_settings(&settings, &trusted, lamplight::metrics::Metrics::new())
            .unwrap();
    (system, auth, key, keys)
}

fn assertion_request(key: &SigningKey, serial: u64) -> HttpRequest {
    let now = jiff::Timestamp::now().as_second();
    let token = key.sign(&json!({
        "aud": "lamplight", "sub": "00u1a2b3c4", "email": "alice@example.com",
        "groups": ["dev", "ops"], "iat": now, "exp": now + 600, "jti": serial,
    }));
    TestRequest::get()
        .uri("/api/v1/me")
        .peer_addr(PEER.parse().unwrap())
        .insert_header(("X-Assertion", token))
        .to_http_request()
}

fn proxy_signed_assertion(c: &mut Criterion) {
    let (system, auth, key, keys) = assertion_setup();
    let request = assertion_request(&key, 0);
    let user = system.block_on(auth.authenticate(&request)).unwrap();
    assert_eq!(user.username, "alice@example.com");
    assert_eq!(user.anchors, ["peer-cidr", "signed-assertion"]);
    assert_eq!(keys.fetches(), 1);
    c.bench_function("proxy_signed_assertion", |b| {
        measure(b, &system, &auth, &request)
    });
}

fn proxy_signed_assertion_fresh(c: &mut Criterion) {
    let (system, auth, key, keys) = assertion_setup();
    let first = assertion_request(&key, 0);
    assert!(system.block_on(auth.authenticate(&first)).is_ok());
    let mut serial = 1;
    c.bench_function("proxy_signed_assertion_fresh", |b| {
        b.iter_custom(|iters| {
            let requests: Vec<HttpRequest> = (0..iters)
                .map(|_| {
                    serial += 1;
                    assertion_request(&key, serial)
                })
                .collect();
            system.block_on(async {
                let start = Instant::now();
                for request in &requests {
                    assert!(auth.authenticate(black_box(request)).await.is_ok());
                }
                start.elapsed()
            })
        })
    });
    assert_eq!(keys.fetches(), 1, "the key set stayed cached");
}

criterion_group!(
    benches,
    proxy_headers,
    proxy_headers_with_token,
    proxy_signed_assertion,
    proxy_signed_assertion_fresh,
    oidc_session_cookie
);
criterion_main!(benches);
