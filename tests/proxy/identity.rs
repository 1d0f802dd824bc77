//! Whose credentials reach the API server, for each identity policy.

use serde_json::Value;
use test_support::{ADMIN_TOKEN, ALICE_TOKEN, App, Ca, DEV_TOKEN, Stack, client, fake_apiserver};

const PODS: &str = "/api/v1/namespaces/default/pods";
const PROXY: [&str; 2] = ["-proxy-auth=true", "-proxy-auth-trusted-proxies=127.0.0.1"];

#[actix_web::test]
async fn without_a_user_the_cluster_credentials_are_used() {
    let stack = Stack::start(&[]).await;
    let response = client().get(stack.cluster_url(PODS)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(stack.seen_user(PODS).as_deref(), Some("admin"));
}

#[actix_web::test]
async fn an_api_clients_own_authorization_is_forwarded() {
    let stack = Stack::start(&[]).await;
    let response = client()
        .get(stack.cluster_url(PODS))
        .bearer_auth(DEV_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(stack.seen_user(PODS).as_deref(), Some("dev"));

    // The API server's own authorization decides; its refusal comes back as it was.
    let mut response = client()
        .get(stack.cluster_url("/api/v1/namespaces/default/secrets"))
        .bearer_auth(DEV_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        response.json::<Value>().await.unwrap()["reason"],
        "Forbidden"
    );
}

#[actix_web::test]
async fn the_proxys_token_becomes_the_bearer_token() {
    let stack = Stack::start(&PROXY).await;
    let response = client()
        .get(stack.cluster_url(PODS))
        .insert_header(("X-Forwarded-User", "alice"))
        .insert_header(("X-Forwarded-Id-Token", format!("Bearer {ALICE_TOKEN}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        stack
            .seen(PODS)
            .authorization_is(&format!("Bearer {ALICE_TOKEN}"))
    );
    assert_eq!(stack.seen_user(PODS).as_deref(), Some("alice"));
}

#[actix_web::test]
async fn a_proxy_user_without_a_token_uses_the_cluster_credentials() {
    let stack = Stack::start(&PROXY).await;
    let response = client()
        .get(stack.cluster_url(PODS))
        .insert_header(("X-Forwarded-User", "alice"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(stack.seen_user(PODS).as_deref(), Some("admin"));
}

#[actix_web::test]
async fn proxy_mode_forwards_nothing_for_an_unidentified_caller() {
    let stack = Stack::start(&PROXY).await;
    let response = client().get(stack.cluster_url(PODS)).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(!stack.saw(PODS), "the request went upstream");
}

#[actix_web::test]
async fn impersonation_names_the_user_groups_and_request() {
    let stack = Stack::start(&[PROXY[0], PROXY[1], "-proxy-auth-impersonate"]).await;
    let response = client()
        .get(stack.cluster_url(PODS))
        .insert_header(("X-Forwarded-User", "alice"))
        .insert_header(("X-Forwarded-Group", "dev, ops"))
        .insert_header(("X-Forwarded-Id-Token", ALICE_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let request_id = response
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let seen = stack.seen(PODS);
    assert_eq!(seen.header("impersonate-user"), Some("alice"));
    assert_eq!(seen.header_values("impersonate-group"), ["dev", "ops"]);
    assert_eq!(
        seen.header("impersonate-extra-lamplight-request-id"),
        Some(request_id.as_str())
    );
    assert!(
        seen.authorization_is(&format!("Bearer {ADMIN_TOKEN}")),
        "the cluster's own credentials"
    );
    assert_eq!(
        stack.seen_user(PODS).as_deref(),
        Some("alice"),
        "the API server acts as alice"
    );
}

#[actix_web::test]
async fn a_client_cannot_borrow_the_dashboards_credentials_to_impersonate() {
    let stack = Stack::start(&[]).await;
    for name in [
        "Impersonate-User",
        "Impersonate-Group",
        "Impersonate-Extra-Scopes",
        "Impersonate_User",
    ] {
        let mut response = client()
            .get(stack.cluster_url(PODS))
            .insert_header((name, "system:admin"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{name}");
        let status: Value = response.json().await.unwrap();
        assert_eq!(status["kind"], "Status");
        assert_eq!(status["reason"], "Forbidden");
    }
    assert!(!stack.saw(PODS), "a request went upstream");
}

/// `-in-cluster` without a sign-in mode: the pod's service account is not lent to whoever can reach
/// the server; their own token still works, and `-unsafe-use-service-account-token` is the opt-in.
#[actix_web::test]
async fn the_service_account_is_not_lent_to_anonymous_callers() {
    let ca = Ca::new("in-cluster CA");
    let fake = fake_apiserver()
        .tls(ca.fake_apiserver_tls(&["127.0.0.1"], None))
        .start()
        .await
        .unwrap();
    let account = tempfile::tempdir().unwrap();
    std::fs::write(account.path().join("ca.crt"), ca.pem()).unwrap();
    std::fs::write(account.path().join("token"), ADMIN_TOKEN).unwrap();
    std::fs::write(account.path().join("namespace"), "default").unwrap();
    let in_cluster = |flags: &[&str]| {
        App::builder()
            .flags(flags)
            .env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
            .env("KUBERNETES_SERVICE_PORT", fake.address().port().to_string())
            .env(
                "LAMPLIGHT_SERVICE_ACCOUNT_DIR",
                account.path().display().to_string(),
            )
            .start()
    };
    let namespaces = "/clusters/main/api/v1/namespaces";

    let app = in_cluster(&["-in-cluster"]).await;
    let mut refused = client().get(app.url(namespaces)).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("-unsafe-use-service-account-token"),
        "{body}"
    );
    assert!(
        !fake
            .requests()
            .iter()
            .any(|r| r.path == "/api/v1/namespaces"),
        "nothing went upstream"
    );
    let own = client()
        .get(app.url(namespaces))
        .insert_header(("Authorization", format!("Bearer {DEV_TOKEN}")))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200, "a caller's own token is theirs to use");

    let lending = in_cluster(&["-in-cluster", "-unsafe-use-service-account-token"]).await;
    let lent = client().get(lending.url(namespaces)).send().await.unwrap();
    assert_eq!(lent.status(), 200);
    let seen = fake
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path == "/api/v1/namespaces")
        .unwrap();
    assert_eq!(seen.user.as_deref(), Some("admin"));
}

#[actix_web::test]
async fn impersonation_carries_the_signed_subject_as_uid_and_the_anchors_as_extras() {
    use test_support::signed_assertions::{KeyServer, SigningKey, now};
    let key = SigningKey::es256("k1");
    let keys = KeyServer::start(&[&key]);
    let jwks = format!("-proxy-auth-jwks-url={}", keys.jwks_url());
    let stack = Stack::start(&[
        PROXY[0],
        PROXY[1],
        "-proxy-auth-impersonate",
        "-proxy-auth-jwt-header=X-Test-Assertion",
        "-proxy-auth-jwt-audience=lamplight",
        "-proxy-auth-jwt-username-claim=preferred_username",
        &jwks,
    ])
    .await;
    let token = key.sign(&serde_json::json!({
        "aud": "lamplight", "sub": "00u1a2b3c4", "preferred_username": "alice",
        "groups": ["dev"], "exp": now() + 60,
    }));
    let response = client()
        .get(stack.cluster_url(PODS))
        .insert_header(("X-Test-Assertion", token.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let seen = stack.seen(PODS);
    assert_eq!(seen.header("impersonate-user"), Some("alice"));
    assert_eq!(seen.header("impersonate-uid"), Some("00u1a2b3c4"));
    assert_eq!(seen.header_values("impersonate-group"), ["dev"]);
    assert_eq!(
        seen.header_values("impersonate-extra-lamplight-anchor"),
        ["peer-cidr", "signed-assertion"]
    );
    assert_eq!(
        seen.header("x-test-assertion"),
        None,
        "the assertion stays here"
    );
    assert_eq!(stack.seen_user(PODS).as_deref(), Some("alice"));

    // Header identity has no stable subject: no Impersonate-Uid is made up for it.
    let plain = Stack::start(&[PROXY[0], PROXY[1], "-proxy-auth-impersonate"]).await;
    let response = client()
        .get(plain.cluster_url(PODS))
        .insert_header(("X-Forwarded-User", "alice"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let seen = plain.seen(PODS);
    assert_eq!(seen.header("impersonate-uid"), None);
    assert_eq!(
        seen.header_values("impersonate-extra-lamplight-anchor"),
        ["peer-cidr"]
    );
}
