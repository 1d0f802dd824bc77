//! The signed-assertion anchor: the proxy signs the identity (a JWT in a header), and Lamplight
//! verifies it with keys made here and served by a local key server. Every attack of the issue:
//! expired, not yet valid, issued in the future, wrong issuer, wrong audience, wrong key, `alg:
//! none`, HS256 signed with the public key, unknown `kid` then a rotated set, headers that
//! disagree, AWS ALB's padded form, Google IAP's preset.

use serde_json::{Value, json};
use test_support::signed_assertions::{KeyServer, SigningKey, now};
use test_support::{App, RawResponse, UNTRUSTED};

const HEADER: &str = "X-Test-Assertion";
const ISSUER: &str = "https://proxy.example.test";
const AUDIENCE: &str = "lamplight-test";

fn claims(user: &str) -> Value {
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": format!("id-{user}"),
        "email": format!("{user}@example.com"),
        "preferred_username": user,
        "groups": ["dev", "ops"],
        "iat": now(),
        "exp": now() + 300,
    })
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

async fn app(keys: &KeyServer, extra: &[&str]) -> App {
    let mut flags = vec![
        "-proxy-auth=true".to_string(),
        format!("-proxy-auth-jwt-header={HEADER}"),
        format!("-proxy-auth-jwks-url={}", keys.jwks_url()),
        format!("-proxy-auth-jwt-issuer={ISSUER}"),
        format!("-proxy-auth-jwt-audience={AUDIENCE}"),
        "-proxy-auth-jwt-username-claim=preferred_username".to_string(),
    ];
    flags.extend(extra.iter().map(|f| f.to_string()));
    App::builder().flags(&flags).start().await
}

async fn me(app: &App, headers: &[(&str, &[u8])]) -> RawResponse {
    app.raw().get("/me", headers).await
}

async fn me_with(app: &App, token: &str) -> RawResponse {
    me(app, &[(HEADER, token.as_bytes())]).await
}

fn assert_refused(response: &RawResponse, status: u16, words: &str) {
    assert_eq!(response.status, status, "{}", response.body);
    let message = response.json()["message"].as_str().unwrap().to_string();
    assert!(message.contains(words), "{words:?} not in {message:?}");
}

#[actix_web::test]
async fn a_valid_assertion_is_the_identity_from_any_peer() {
    let key = SigningKey::es256("k1");
    let keys = KeyServer::start(&[&key]);
    let app = app(&keys, &[]).await;
    let response = me_with(&app, &key.sign(&claims("alice"))).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    assert_eq!(body["username"], "alice");
    assert_eq!(body["email"], "alice@example.com");
    assert_eq!(body["groups"], json!(["dev", "ops"]));
    // A signature does not depend on the network: no address range is needed.
    let elsewhere = app
        .raw()
        .from(UNTRUSTED)
        .get("/me", &[(HEADER, key.sign(&claims("bob")).as_bytes())])
        .await;
    assert_eq!(elsewhere.status, 200, "{}", elsewhere.body);
    assert_eq!(elsewhere.json()["username"], "bob");
    // Plain headers without the assertion are nobody.
    let plain = me(&app, &[("X-Forwarded-User", b"alice")]).await;
    assert_refused(&plain, 403, "x-test-assertion");
}

#[actix_web::test]
async fn every_forged_or_stale_assertion_is_refused_with_its_reason() {
    let key = SigningKey::es256("k1");
    let stranger = SigningKey::es256("k1");
    let keys = KeyServer::start(&[&key]);
    let app = app(&keys, &[]).await;
    let good = claims("alice");
    let header_of = |alg: &str| json!({"alg": alg, "kid": "k1", "typ": "JWT"});
    let unsigned = {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.",
            b64.encode(header_of("none").to_string()),
            b64.encode(good.to_string())
        )
    };
    // HS256 with the public key as the HMAC secret: the classic confusion attack.
    let hs256 = {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = Some("k1".to_string());
        jsonwebtoken::encode(
            &header,
            &good,
            &jsonwebtoken::EncodingKey::from_secret(key.public_pem.as_bytes()).unwrap(),
        )
        .unwrap()
    };
    let tampered = {
        let token = key.sign(&claims("alice"));
        let mut parts: Vec<String> = token.split('.').map(String::from).collect();
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        parts[1] = b64.encode(with(good.clone(), "preferred_username", json!("admin")).to_string());
        parts.join(".")
    };
    let cases: Vec<(&str, String, u16, &str)> = vec![
        (
            "expired",
            key.sign(&with(good.clone(), "exp", json!(now() - 120))),
            401,
            "expired",
        ),
        (
            "not yet valid",
            key.sign(&with(good.clone(), "nbf", json!(now() + 600))),
            403,
            "not valid yet",
        ),
        (
            "issued in the future",
            key.sign(&with(good.clone(), "iat", json!(now() + 600))),
            403,
            "issued in the future",
        ),
        (
            "no expiry",
            key.sign(&json!({"iss": ISSUER, "aud": AUDIENCE, "preferred_username": "alice"})),
            403,
            "no exp",
        ),
        (
            "wrong issuer",
            key.sign(&with(good.clone(), "iss", json!("https://evil.test"))),
            403,
            "issuer",
        ),
        (
            "wrong audience",
            key.sign(&with(good.clone(), "aud", json!("another-app"))),
            403,
            "audience",
        ),
        ("wrong key", stranger.sign(&good), 403, "signature"),
        ("tampered claims", tampered, 403, "signature"),
        ("alg none", unsigned, 403, "algorithm none"),
        ("HS256 with the public key", hs256, 403, "algorithm HS256"),
        (
            "not a JWT",
            "not-a-jwt".to_string(),
            403,
            "not a signed JWT",
        ),
        (
            "no username claim",
            key.sign(&with(good.clone(), "preferred_username", json!(""))),
            403,
            "preferred_username",
        ),
    ];
    for (name, token, status, words) in cases {
        let response = me_with(&app, &token).await;
        assert_eq!(response.status, status, "{name}: {}", response.body);
        let message = response.json()["message"].as_str().unwrap().to_string();
        assert!(
            message.contains(words),
            "{name}: {words:?} not in {message:?}"
        );
        assert!(
            !response.body.contains(&token),
            "{name}: the token is echoed"
        );
    }
    // Two assertions: which one would the proxy have sent?
    let token = key.sign(&good);
    let twice = me(
        &app,
        &[(HEADER, token.as_bytes()), (HEADER, token.as_bytes())],
    )
    .await;
    assert_refused(&twice, 400, "more than once");
    // And the good one still passes (nothing above poisoned a cache).
    assert_eq!(me_with(&app, &token).await.status, 200);
}

#[actix_web::test]
async fn headers_that_come_with_an_assertion_must_agree_with_it() {
    let key = SigningKey::es256("k1");
    let keys = KeyServer::start(&[&key]);
    let app = app(&keys, &[]).await;
    let token = key.sign(&claims("alice"));
    let assertion = (HEADER, token.as_bytes());
    let agreeing = me(
        &app,
        &[
            assertion,
            ("X-Forwarded-User", b"alice"),
            ("X-Forwarded-Email", b"Alice@Example.com"),
            ("X-Forwarded-Group", b"ops,dev"),
        ],
    )
    .await;
    assert_eq!(agreeing.status, 200, "{}", agreeing.body);
    let cases: [(&str, &[u8], &str); 3] = [
        ("X-Forwarded-User", b"admin", "x-forwarded-user"),
        (
            "X-Forwarded-Email",
            b"admin@example.com",
            "x-forwarded-email",
        ),
        // A header cannot add a group the signed identity does not carry.
        (
            "X-Forwarded-Group",
            b"dev,ops,system:masters",
            "x-forwarded-group",
        ),
    ];
    for (name, value, words) in cases {
        let response = me(&app, &[assertion, (name, value)]).await;
        assert_refused(&response, 403, words);
    }
}

#[actix_web::test]
async fn an_unknown_kid_refetches_the_keys_once_a_minute_at_most() {
    let first = SigningKey::es256("first");
    let rotated = SigningKey::es256("rotated");
    let keys = KeyServer::start(&[&first]);
    let app = app(&keys, &[]).await;
    assert_eq!(
        me_with(&app, &first.sign(&claims("alice"))).await.status,
        200
    );
    assert_eq!(keys.fetches(), 1, "the keys are fetched once, then cached");
    assert_eq!(me_with(&app, &first.sign(&claims("bob"))).await.status, 200);
    assert_eq!(keys.fetches(), 1);

    // The proxy rotates its key: the first token with the new kid fetches the set again.
    keys.publish(&[&rotated]);
    let response = me_with(&app, &rotated.sign(&claims("alice"))).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(keys.fetches(), 2);

    // Made-up kids do not turn Lamplight into a traffic generator.
    for i in 0..5 {
        let made_up = SigningKey::es256(&format!("made-up-{i}"));
        let response = me_with(&app, &made_up.sign(&claims("mallory"))).await;
        assert_refused(&response, 403, "no known key");
    }
    assert_eq!(keys.fetches(), 2, "no refetch within a minute of the last");
}

#[actix_web::test]
async fn keys_that_cannot_be_fetched_are_a_503_not_a_pass() {
    let key = SigningKey::es256("k1");
    let port = test_support::free_port();
    let app = App::builder()
        .flags(&[
            "-proxy-auth=true".to_string(),
            format!("-proxy-auth-jwt-header={HEADER}"),
            format!("-proxy-auth-jwks-url=http://127.0.0.1:{port}/jwks"),
            format!("-proxy-auth-jwt-audience={AUDIENCE}"),
        ])
        .start()
        .await;
    let response = me_with(&app, &key.sign(&claims("alice"))).await;
    assert_refused(&response, 503, "cannot be fetched");
}

#[actix_web::test]
async fn with_an_address_range_too_both_anchors_must_vouch() {
    let key = SigningKey::es256("k1");
    let keys = KeyServer::start(&[&key]);
    let app = app(&keys, &["-proxy-auth-trusted-proxies=127.0.0.1/32"]).await;
    let token = key.sign(&claims("alice"));
    assert_eq!(me_with(&app, &token).await.status, 200);
    let elsewhere = app
        .raw()
        .from(UNTRUSTED)
        .get("/me", &[(HEADER, token.as_bytes())])
        .await;
    assert_refused(&elsewhere, 403, "trusted proxies");
}

#[actix_web::test]
async fn aws_alb_padded_assertions_verify_and_the_signer_is_checked() {
    let key = SigningKey::es256("2a6c4b8e-0000-4000-8000-000000000001");
    let keys = KeyServer::start(&[&key]);
    let arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/dash/50dc6c495c0c9188";
    let app = App::builder()
        .flags(&[
            "-proxy-auth=true".to_string(),
            "-proxy-auth-preset=aws-alb".to_string(),
            format!("-proxy-auth-jwt-audience={arn}"),
            format!("-proxy-auth-jwks-url={}", keys.alb_url()),
            "-proxy-auth-jwt-issuer=https://idp.example.test".to_string(),
        ])
        .start()
        .await;
    let header = |signer: &str| {
        json!({
            "alg": "ES256", "kid": key.kid, "signer": signer,
            "iss": "https://idp.example.test", "client": "alb-client", "exp": now() + 120,
        })
    };
    let payload = json!({
        "sub": "1234", "email": "alice@example.com", "exp": now() + 120,
        "iss": "https://idp.example.test",
    });
    let padded = key.sign_raw(&header(arn), &payload, true);
    assert!(
        padded.contains('='),
        "the test token must be padded: {padded}"
    );
    let response = app
        .raw()
        .get("/me", &[("x-amzn-oidc-data", padded.as_bytes())])
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["username"], "alice@example.com");
    assert_eq!(keys.fetches(), 1, "the key is fetched by kid");

    let other_balancer = key.sign_raw(
        &header("arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/other/1"),
        &payload,
        true,
    );
    let response = app
        .raw()
        .get("/me", &[("x-amzn-oidc-data", other_balancer.as_bytes())])
        .await;
    assert_refused(&response, 403, "signer");
}

/// Google's IAP verification sample checks: future issue time, past expiry, wrong issuer, wrong
/// audience, bad signature; plus the email header's `accounts.google.com:` prefix.
#[actix_web::test]
async fn google_iap_preset_follows_googles_own_checks() {
    let key = SigningKey::es256("iap-key");
    let impostor = SigningKey::es256("iap-key");
    let keys = KeyServer::start(&[&key]);
    let audience = "/projects/123456/global/backendServices/789";
    let app = App::builder()
        .flags(&[
            "-proxy-auth=true".to_string(),
            "-proxy-auth-preset=google-iap".to_string(),
            format!("-proxy-auth-jwt-audience={audience}"),
            format!("-proxy-auth-jwks-url={}", keys.jwks_url()),
        ])
        .start()
        .await;
    let good = json!({
        "iss": "https://cloud.google.com/iap", "aud": audience,
        "sub": "accounts.google.com:118", "email": "alice@example.com",
        "iat": now(), "exp": now() + 600,
    });
    let token = key.sign(&good);
    let header = "x-goog-iap-jwt-assertion";
    let response = app
        .raw()
        .get(
            "/me",
            &[
                (header, token.as_bytes()),
                (
                    "X-Goog-Authenticated-User-Email",
                    b"accounts.google.com:alice@example.com",
                ),
            ],
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["username"], "alice@example.com");
    let disagreeing = app
        .raw()
        .get(
            "/me",
            &[
                (header, token.as_bytes()),
                (
                    "X-Goog-Authenticated-User-Email",
                    b"accounts.google.com:bob@example.com",
                ),
            ],
        )
        .await;
    assert_refused(&disagreeing, 403, "x-goog-authenticated-user-email");

    let cases = [
        (
            "future issue time",
            key.sign(&with(good.clone(), "iat", json!(now() + 3600))),
            403,
        ),
        (
            "past expiry",
            key.sign(&with(good.clone(), "exp", json!(now() - 3600))),
            401,
        ),
        (
            "wrong issuer",
            key.sign(&with(good.clone(), "iss", json!("https://example.com"))),
            403,
        ),
        (
            "wrong audience",
            key.sign(&with(good.clone(), "aud", json!("/projects/1/apps/other"))),
            403,
        ),
        ("bad signature", impostor.sign(&good), 403),
    ];
    for (name, token, status) in cases {
        let response = app.raw().get("/me", &[(header, token.as_bytes())]).await;
        assert_eq!(response.status, status, "{name}: {}", response.body);
    }
}

#[actix_web::test]
async fn oauth2_proxy_preset_verifies_the_id_token_with_the_issuers_discovered_keys() {
    let key = SigningKey::rs256("idp-key");
    let keys = KeyServer::start(&[&key]);
    let issuer = keys.origin();
    let app = App::builder()
        .flags(&[
            "-proxy-auth=true".to_string(),
            "-proxy-auth-preset=oauth2-proxy".to_string(),
            format!("-proxy-auth-jwt-issuer={issuer}"),
            "-proxy-auth-jwt-audience=oauth2-proxy".to_string(),
        ])
        .start()
        .await;
    let claims = json!({
        "iss": issuer, "aud": ["oauth2-proxy"], "sub": "CiQwOGE4", "email": "alice@example.com",
        "groups": ["dev"], "iat": now(), "exp": now() + 300,
    });
    let token = key.sign(&claims);
    let response = app
        .raw()
        .get(
            "/me",
            &[
                ("X-Forwarded-Id-Token", token.as_bytes()),
                ("X-Forwarded-User", b"alice@example.com"),
                ("X-Forwarded-Group", b"dev"),
            ],
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["groups"], json!(["dev"]));
    assert_eq!(keys.fetches(), 2, "discovery, then the key set");
    // An ID token oauth2-proxy's client did not ask for.
    let foreign = key.sign(&with(claims, "aud", json!("someone-else")));
    let response = app
        .raw()
        .get("/me", &[("X-Forwarded-Id-Token", foreign.as_bytes())])
        .await;
    assert_refused(&response, 403, "audience");
}

#[actix_web::test]
async fn with_a_shared_secret_too_the_assertion_alone_is_not_enough() {
    use std::io::Write;
    let key = SigningKey::es256("k1");
    let keys = KeyServer::start(&[&key]);
    let mut secret = tempfile::NamedTempFile::new().unwrap();
    secret
        .write_all(b"a-proxy-secret-of-at-least-32-characters")
        .unwrap();
    let secret_flag = format!("-proxy-auth-secret-file={}", secret.path().display());
    let app = app(&keys, &[&secret_flag]).await;
    let token = key.sign(&claims("alice"));
    let without = me_with(&app, &token).await;
    assert_refused(&without, 403, "x-lamplight-proxy-secret");
    let secret_only = me(
        &app,
        &[
            (
                "X-Lamplight-Proxy-Secret",
                b"a-proxy-secret-of-at-least-32-characters",
            ),
            ("X-Forwarded-User", b"alice"),
        ],
    )
    .await;
    assert_refused(&secret_only, 403, "x-test-assertion");
    let both = me(
        &app,
        &[
            (
                "X-Lamplight-Proxy-Secret",
                b"a-proxy-secret-of-at-least-32-characters",
            ),
            (HEADER, token.as_bytes()),
        ],
    )
    .await;
    assert_eq!(both.status, 200, "{}", both.body);
    assert_eq!(both.json()["username"], "alice");
}
