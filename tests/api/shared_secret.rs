//! The shared-secret anchor: identity needs the proxy's secret (either of two while rotating), with
//! or without an address range, and the secret never goes upstream.

use std::io::Write;

use test_support::{App, RawResponse, Stack, UNTRUSTED};

const CURRENT: &str = "current-proxy-secret-0123456789abcdef";
const NEXT: &str = "next-proxy-secret-0123456789abcdefgh";
const ALICE: (&str, &[u8]) = ("X-Forwarded-User", b"alice");

fn secret_file(contents: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(contents.as_bytes()).unwrap();
    file
}

fn assert_needs_the_secret(response: &RawResponse, sent: &str) {
    assert_eq!(response.status, 403, "{}", response.body);
    let message = response.json()["message"].as_str().unwrap().to_string();
    assert!(message.contains("x-lamplight-proxy-secret"), "{message}");
    assert!(
        sent.is_empty() || !response.body.contains(sent),
        "the body echoes the secret sent: {}",
        response.body
    );
}

#[actix_web::test]
async fn with_the_secret_alone_identity_needs_one_of_the_two_secrets() {
    let file = secret_file(&format!("{CURRENT}\n{NEXT}\n"));
    let app = App::start(&[
        "-proxy-auth=true",
        &format!("-proxy-auth-secret-file={}", file.path().display()),
    ])
    .await;
    for secret in [CURRENT, NEXT] {
        let response = app
            .raw()
            .get(
                "/me",
                &[ALICE, ("X-Lamplight-Proxy-Secret", secret.as_bytes())],
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert_eq!(response.json()["username"], "alice");
    }
    // Any address will do with the secret alone: what matters is knowing it.
    let from_elsewhere = app
        .raw()
        .from(UNTRUSTED)
        .get(
            "/me",
            &[ALICE, ("X-Lamplight-Proxy-Secret", CURRENT.as_bytes())],
        )
        .await;
    assert_eq!(from_elsewhere.status, 200, "{}", from_elsewhere.body);

    let missing = app.raw().get("/me", &[ALICE]).await;
    assert_needs_the_secret(&missing, "");
    let wrong = "wrong-proxy-secret-0123456789abcdefgh";
    let response = app
        .raw()
        .get(
            "/me",
            &[ALICE, ("X-Lamplight-Proxy-Secret", wrong.as_bytes())],
        )
        .await;
    assert_needs_the_secret(&response, wrong);
    let twice = app
        .raw()
        .get(
            "/me",
            &[
                ALICE,
                ("X-Lamplight-Proxy-Secret", CURRENT.as_bytes()),
                ("X-Lamplight-Proxy-Secret", b"other"),
            ],
        )
        .await;
    assert_needs_the_secret(&twice, CURRENT);
}

#[actix_web::test]
async fn with_an_address_range_too_both_must_hold() {
    let file = secret_file(CURRENT);
    let app = App::start(&[
        "-proxy-auth=true",
        "-proxy-auth-trusted-proxies=127.0.0.1/32",
        &format!("-proxy-auth-secret-file={}", file.path().display()),
    ])
    .await;
    let with_secret = [ALICE, ("X-Lamplight-Proxy-Secret", CURRENT.as_bytes())];
    assert_eq!(app.raw().get("/me", &with_secret).await.status, 200);
    // A peer in the range without the secret (a pod sharing the proxy's range)...
    assert_needs_the_secret(&app.raw().get("/me", &[ALICE]).await, "");
    // ...and the secret from outside the range are both refused.
    let outside = app.raw().from(UNTRUSTED).get("/me", &with_secret).await;
    assert_eq!(outside.status, 403, "{}", outside.body);
}

#[actix_web::test]
async fn the_secret_never_reaches_the_api_server() {
    let file = secret_file(CURRENT);
    let secret_flag = format!("-proxy-auth-secret-file={}", file.path().display());
    let stack = Stack::builder()
        .flags(&["-proxy-auth=true", secret_flag.as_str()])
        .start()
        .await;
    let response = stack
        .app
        .raw()
        .get(
            "/clusters/fake/api/v1/namespaces/default/configmaps",
            &[ALICE, ("X-Lamplight-Proxy-Secret", CURRENT.as_bytes())],
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let headers = stack.seen_headers("/api/v1/namespaces/default/configmaps");
    assert!(
        headers.iter().all(
            |(name, value)| !name.eq_ignore_ascii_case("x-lamplight-proxy-secret")
                && !value.contains(CURRENT)
        ),
        "{headers:?}"
    );
}
