//! Each way a sign-in or a session might be forged or replayed, failing cleanly.

use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use crate::browser::Browser;
use test_support::{client, free_port};

use crate::flow::{Stack, cluster, me, origin, replica};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

async fn bearer_me(stack: &Stack, token: &str) -> u16 {
    let mut browser = Browser::default();
    browser
        .request(
            "GET",
            &stack.url("/me"),
            None,
            &[("Authorization", &format!("Bearer {token}"))],
        )
        .await
        .status
}

#[actix_web::test]
async fn a_tampered_session_cookie_is_refused() {
    let stack = Stack::start(&[], true, &[]).await;
    let (mut browser, _) = stack.sign_in("alice", "/").await;
    let sealed = browser.cookie("127.0.0.1", "lamplight-session-0").unwrap();
    let mut bytes = sealed.into_bytes();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
    browser.set_cookie(
        "127.0.0.1",
        "lamplight-session-0",
        &String::from_utf8(bytes).unwrap(),
        "/",
    );
    let (status, body) = me(&mut browser, &stack.url("/me")).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["authMode"], "oidc");
    assert_eq!(body["loginUrl"], "/oidc");
}

#[actix_web::test]
async fn a_cookie_sealed_with_another_secret_is_refused() {
    let stack = Stack::start(&[], true, &[]).await;
    let (mut browser, _) = stack.sign_in("alice", "/").await;
    let other_port = free_port();
    let other_cluster = cluster().await;
    let other_secret = "-oidc-cookie-secret=another-cookie-secret-also-longer-than-32";
    replica(
        other_port,
        &stack.idp,
        &stack.client,
        &other_cluster,
        &[other_secret],
    )
    .await;
    assert_eq!(me(&mut browser, &stack.url("/me")).await.0, 200);
    assert_eq!(
        me(&mut browser, &format!("{}/me", origin(other_port)))
            .await
            .0,
        401
    );
}

#[actix_web::test]
async fn a_replayed_callback_is_refused() {
    let stack = Stack::start(&[], true, &[]).await;
    let mut browser = Browser::default();
    let callback = browser
        .through_idp(&stack.url("/oidc"), "alice", &stack.origin())
        .await;
    assert_eq!(callback.status, 302);
    let replay = browser.get(&callback.url).await;
    assert_eq!(replay.status, 400, "{}", replay.body);
    assert!(replay.body.contains("Sign in again"));
}

#[actix_web::test]
async fn a_callback_from_another_browsers_sign_in_is_refused() {
    let stack = Stack::start(&[], true, &[]).await;
    let mut victim = Browser::default();
    victim.get(&stack.url("/oidc")).await; // the victim has a sign-in of their own in progress
    let mut attacker = Browser::default();
    // The attacker completes the provider's part, but hands the callback URL to the victim.
    let attackers_callback = attacker
        .idp_until(&stack.url("/oidc"), "mallory", &stack.url("/oidc-callback"))
        .await;
    let page = victim.get(&attackers_callback).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("state"), "{}", page.body);
    assert_eq!(
        me(&mut victim, &stack.url("/me")).await.0,
        401,
        "the victim is not signed in as mallory"
    );
}

#[actix_web::test]
async fn an_id_token_with_another_nonce_is_refused() {
    // PKCE off so the nonce check, not the code verifier, is what catches the swap.
    let stack = Stack::start(&[], true, &["-oidc-use-pkce=false"]).await;
    let mut browser = Browser::default();
    let first = browser.get(&stack.url("/oidc")).await;
    let first_cookie = browser.cookie("127.0.0.1", "lamplight-oidc-login").unwrap();
    let first_state = first
        .location
        .unwrap()
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let second = browser.get(&stack.url("/oidc")).await;
    // The second authorization request, but carrying the first one's state.
    let swapped = second
        .location
        .unwrap()
        .replace("state=", &format!("state={first_state}&ignored="));
    browser.set_cookie(
        "127.0.0.1",
        "lamplight-oidc-login",
        &first_cookie,
        "/oidc-callback",
    );
    let callback = browser
        .through_idp(&swapped, "alice", &stack.origin())
        .await;
    assert_eq!(callback.status, 400, "{}", callback.body);
    assert!(
        callback.body.to_lowercase().contains("nonce"),
        "{}",
        callback.body
    );
}

#[actix_web::test]
async fn an_expired_id_token_without_a_refresh_token_ends_the_session() {
    let stack = Stack::start(&[("ID_TOKEN_TTL", "2")], false, &[]).await;
    let (mut browser, _) = stack.sign_in("alice", "/").await;
    assert_eq!(me(&mut browser, &stack.url("/me")).await.0, 200);
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let count = stack.cluster.fake.requests().len();
    let (status, body) = me(&mut browser, &stack.url("/me")).await;
    assert_eq!(status, 401, "{body}");
    let page = browser.get(&stack.url("/clusters/fake/api/v1/pods")).await;
    assert_eq!(page.status, 401);
    assert_eq!(
        stack.cluster.fake.requests().len(),
        count,
        "the stale token never goes upstream"
    );
}

#[actix_web::test]
async fn a_token_signed_by_another_key_is_refused() {
    let stack = Stack::start(&[], true, &[]).await;
    // RS256, the provider's own algorithm, so the refusal can only be about the key: once under an
    // unknown key id, once under the provider's real key id.
    // PKCS#1 DER, which jsonwebtoken takes without its PEM feature.
    let der = std::process::Command::new("sh")
        .args([
            "-c",
            "openssl genrsa 2048 2>/dev/null | openssl rsa -outform DER -traditional 2>/dev/null",
        ])
        .output()
        .expect("openssl generates an RSA key");
    assert!(!der.stdout.is_empty(), "openssl wrote no key");
    let encoding = jsonwebtoken::EncodingKey::from_rsa_der(&der.stdout);
    let mut discovery = client()
        .get(format!(
            "{}/.well-known/openid-configuration",
            stack.idp.issuer()
        ))
        .send()
        .await
        .unwrap();
    let discovery: Value = discovery.json().await.unwrap();
    let mut jwks = client()
        .get(discovery["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let jwks: Value = jwks.json().limit(1 << 20).await.unwrap();
    let real_kid = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["kty"] == "RSA")
        .and_then(|key| key["kid"].as_str())
        .expect("the provider signs with an RSA key")
        .to_string();
    let now = jiff::Timestamp::now().as_second();
    let claims = json!({"iss": stack.idp.issuer(), "aud": stack.client.id, "sub": "admin", "iat": now, "exp": now + 600});
    for kid in ["attacker-key".to_string(), real_kid] {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(kid.clone());
        let forged = jsonwebtoken::encode(&header, &claims, &encoding).unwrap();
        assert_eq!(bearer_me(&stack, &forged).await, 401, "kid {kid}");
    }
}

#[actix_web::test]
async fn an_unsigned_token_is_refused() {
    let stack = Stack::start(&[], true, &[]).await;
    let now = jiff::Timestamp::now().as_second();
    let claims = json!({"iss": stack.idp.issuer(), "aud": stack.client.id, "sub": "admin", "iat": now, "exp": now + 600});
    let token = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(claims.to_string().as_bytes())
    );
    assert_eq!(bearer_me(&stack, &token).await, 401);
}

/// The ID token in a browser's sealed session cookies, opened with the replicas' shared secret.
fn id_token_in_session(browser: &Browser) -> String {
    let cookies = &browser.jar["127.0.0.1"];
    let sealed: String = (0..)
        .map_while(|i| cookies.get(&format!("lamplight-session-{i}")))
        .map(|(value, _)| value.as_str())
        .collect();
    let session = crate::sealing::open_session(&sealed);
    session["id_token"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn a_real_token_for_another_client_is_refused() {
    let stack = Stack::start(&[], true, &[]).await;
    // A second relying party at the same provider; its users' ID tokens are not for us.
    let other_port = free_port();
    let other_client = stack
        .idp
        .client(&format!("{}/oidc-callback", origin(other_port)))
        .register()
        .await;
    let other_cluster = cluster().await;
    replica(other_port, &stack.idp, &other_client, &other_cluster, &[]).await;
    let mut browser = Browser::default();
    crate::flow::sign_in_with(
        &mut browser,
        &format!("{}/oidc", origin(other_port)),
        "alice",
        &origin(other_port),
    )
    .await;
    // alice holds her session's ID token (the API server keeps none): she opens her own cookie.
    let foreign = id_token_in_session(&browser);
    assert_eq!(bearer_me(&stack, &foreign).await, 401, "wrong audience");

    // The same kind of token for our own client is accepted: the refusal above is the audience.
    let (ours, _) = stack.sign_in("alice", "/").await;
    let own = id_token_in_session(&ours);
    assert_eq!(bearer_me(&stack, &own).await, 200);
}

#[actix_web::test]
async fn return_to_cannot_leave_the_server() {
    let stack = Stack::start(&[], true, &[]).await;
    for evil in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
    ] {
        let encoded: String = url::form_urlencoded::byte_serialize(evil.as_bytes()).collect();
        let (_, location) = stack.sign_in("alice", &encoded).await;
        assert_eq!(location, stack.url("/"), "{evil}");
    }
}
