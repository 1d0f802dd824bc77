//! Authentication (tokens, client certificates), RBAC refusals, impersonation and recording.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::support::*;

#[actix_web::test]
async fn requests_without_known_credentials_get_401_and_are_recorded() {
    let fake = start().await;
    let (code, body) = get(&fake, "/api/v1/namespaces/default/pods", "").await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    assert_status(&body, 401, "Unauthorized");
    let (code, _) = get(&fake, "/version", "wrong-token").await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    let (code, _) = get(&fake, "/version", ADMIN).await;
    assert_eq!(code, StatusCode::OK);

    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].path, "/api/v1/namespaces/default/pods");
    assert_eq!(requests[0].user, None);
    assert!(requests[1].authorization_is("Bearer wrong-token"));
    assert!(
        !format!("{requests:?}").contains("wrong-token"),
        "recordings keep no credentials"
    );
    assert_eq!(requests[1].user, None);
    assert_eq!(requests[2].user.as_deref(), Some("admin"));
    fake.clear_requests();
    assert!(fake.requests().is_empty());
}

#[actix_web::test]
async fn dev_is_forbidden_secrets_only() {
    let fake = start().await;
    let (code, body) = get(&fake, "/api/v1/namespaces/default/secrets", DEV).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_status(&body, 403, "Forbidden");
    assert_eq!(
        body["message"],
        "secrets is forbidden: User \"dev\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\""
    );
    let (code, body) = get(
        &fake,
        "/api/v1/namespaces/default/secrets/web-credentials",
        DEV,
    )
    .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(
        body["details"],
        json!({"name": "web-credentials", "kind": "secrets"})
    );

    let (code, _) = get(&fake, "/api/v1/namespaces/default/configmaps", DEV).await;
    assert_eq!(code, StatusCode::OK);
    let (code, body) = get(&fake, "/api/v1/namespaces/default/secrets", ADMIN).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(names(&body), ["web-credentials"]);
}

#[actix_web::test]
async fn impersonation_is_for_impersonators_and_rbac_follows_the_effective_user() {
    let fake = start().await;
    let whoami = |token: &'static str, headers: Vec<(&'static str, &'static str)>| {
        let mut request = client().post(format!(
            "{}/apis/authentication.k8s.io/v1/selfsubjectreviews",
            fake.url()
        ));
        for header in headers {
            request = request.append_header(header);
        }
        send(
            request,
            token,
            Some(json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})),
        )
    };

    let (code, review) = whoami(
        ADMIN,
        vec![
            ("Impersonate-User", "bob"),
            ("Impersonate-Group", "qa"),
            ("Impersonate-Group", "ops"),
            ("Impersonate-Extra-Scopes", "view"),
        ],
    )
    .await;
    assert_eq!(code, StatusCode::CREATED);
    assert_eq!(review["kind"], "SelfSubjectReview");
    assert_eq!(
        review["status"]["userInfo"],
        json!({"username": "bob", "groups": ["qa", "ops", "system:authenticated"], "extra": {"scopes": ["view"]}})
    );
    assert_eq!(fake.requests().last().unwrap().user.as_deref(), Some("bob"));

    let (code, body) = whoami(DEV, vec![("Impersonate-User", "bob")]).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_status(&body, 403, "Forbidden");
    assert_eq!(
        body["message"],
        "users \"bob\" is forbidden: User \"dev\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
    );

    let as_dev = client()
        .get(format!("{}/api/v1/namespaces/default/secrets", fake.url()))
        .insert_header(("Impersonate-User", "dev"));
    let (code, _) = send(as_dev, ADMIN, None).await;
    assert_eq!(
        code,
        StatusCode::FORBIDDEN,
        "forbid applies to whom admin impersonates"
    );
    assert_eq!(fake.requests().last().unwrap().user.as_deref(), Some("dev"));
}

#[actix_web::test]
async fn https_with_client_certificates_tokens_and_nothing() {
    let pki = Pki::new();
    let fake = start_tls(&pki).await;
    assert!(fake.url().starts_with("https://127.0.0.1:"));
    let path = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
    let review = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"});

    let alice = pki.client("alice", "team-x");
    let request = pki
        .awc_client(Some(&alice))
        .post(format!("{}{path}", fake.url()));
    let (code, body) = send(request, "", Some(review.clone())).await;
    assert_eq!(code, StatusCode::CREATED);
    assert_eq!(body["status"]["userInfo"]["username"], "alice");
    assert_eq!(
        body["status"]["userInfo"]["groups"],
        json!(["team-x", "system:authenticated"])
    );

    let request = pki.awc_client(None).post(format!("{}{path}", fake.url()));
    let (_, body) = send(request, ADMIN, Some(review.clone())).await;
    assert_eq!(body["status"]["userInfo"]["username"], "admin");

    let request = pki
        .awc_client(None)
        .get(format!("{}/api/v1/pods", fake.url()));
    let (code, body) = send(request, "", None).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    assert_status(&body, 401, "Unauthorized");

    // A certificate from another CA is refused during the handshake.
    let stranger = Pki::new().client("mallory", "system:masters");
    let refused = pki
        .awc_client(Some(&stranger))
        .get(format!("{}/api/v1/pods", fake.url()))
        .send()
        .await;
    assert!(refused.is_err(), "an unknown CA must not authenticate");
}
