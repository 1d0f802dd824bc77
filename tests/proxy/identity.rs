//! Whose credentials reach the API server, for each identity policy.

use serde_json::Value;
use test_support::{ADMIN_TOKEN, ALICE_TOKEN, DEV_TOKEN, Stack, client};

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
