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

#[actix_web::test]
async fn read_only_users_read_and_are_told_so_by_the_reviews() {
    let fake = builder()
        .user("viewer-token", "viewer", &[])
        .read_only("viewer")
        .start()
        .await
        .expect("the fake API server starts");
    let (code, _) = get(
        &fake,
        "/apis/apps/v1/namespaces/default/deployments/web",
        "viewer-token",
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    let (code, body) = send(
        client()
            .patch(format!(
                "{}/apis/apps/v1/namespaces/default/deployments/web/scale",
                fake.url()
            ))
            .content_type("application/merge-patch+json"),
        "viewer-token",
        Some(json!({"spec": {"replicas": 3}})),
    )
    .await;
    assert_eq!(code, StatusCode::FORBIDDEN, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("User \"viewer\" cannot patch resource \"deployments/scale\" in API group \"apps\" in the namespace \"default\""),
        "{message}"
    );
    let review = |verb: &str, resource: &str, subresource: &str| {
        json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
               "spec": {"resourceAttributes": {"verb": verb, "group": "apps", "resource": resource,
                                               "subresource": subresource, "namespace": "default"}}})
    };
    let url = format!(
        "{}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        fake.url()
    );
    let (code, body) = send(
        client().post(&url),
        "viewer-token",
        Some(review("list", "deployments", "")),
    )
    .await;
    assert_eq!(code, StatusCode::CREATED);
    assert_eq!(body["status"]["allowed"], true);
    let (_, body) = send(
        client().post(&url),
        "viewer-token",
        Some(review("patch", "deployments", "scale")),
    )
    .await;
    assert_eq!(body["status"]["allowed"], false);
    let (_, body) = send(
        client().post(&url),
        ADMIN,
        Some(review("patch", "deployments", "scale")),
    )
    .await;
    assert_eq!(body["status"]["allowed"], true);
    let (_, body) = send(
        client().post(format!(
            "{}/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
            fake.url()
        )),
        "viewer-token",
        Some(json!({"spec": {"namespace": "default"}})),
    )
    .await;
    let rules = body["status"]["resourceRules"].as_array().expect("rules");
    let pods = rules
        .iter()
        .find(|r| r["resources"] == json!(["pods"]))
        .expect("a pods rule");
    assert_eq!(pods["verbs"], json!(["get", "list", "watch"]));
    let exec = rules
        .iter()
        .find(|r| r["resources"] == json!(["pods/exec"]))
        .expect("a pods/exec rule");
    assert_eq!(exec["verbs"], json!(["get"]), "no create: no shell");
}

#[actix_web::test]
async fn an_eviction_deletes_the_pod() {
    let fake = start().await;
    let (_, pods) = get(&fake, "/api/v1/namespaces/default/pods", ADMIN).await;
    let name = names(&pods).into_iter().next().expect("a pod");
    let eviction = json!({"apiVersion": "policy/v1", "kind": "Eviction",
                          "metadata": {"name": name, "namespace": "default"}});
    let url = format!(
        "{}/api/v1/namespaces/default/pods/{name}/eviction",
        fake.url()
    );
    let (code, body) = send(client().post(&url), DEV, Some(eviction.clone())).await;
    assert_eq!(code, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "Success");
    let (code, _) = get(
        &fake,
        &format!("/api/v1/namespaces/default/pods/{name}"),
        ADMIN,
    )
    .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    let (code, _) = send(client().post(&url), DEV, Some(eviction)).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
}

/// The seeded `web` budget (minAvailable 1 of 2) admits one eviction of its pods and spends it;
/// the next is refused with 429 naming the budget, and the pod stays.
#[actix_web::test]
async fn a_disruption_budget_admits_one_eviction_then_answers_429() {
    let fake = start().await;
    let evict = |name: &str| {
        let url = format!(
            "{}/api/v1/namespaces/default/pods/{name}/eviction",
            fake.url()
        );
        let body = json!({"apiVersion": "policy/v1", "kind": "Eviction",
                          "metadata": {"name": name, "namespace": "default"}});
        async move { send(client().post(&url), DEV, Some(body)).await }
    };
    let budget = "/apis/policy/v1/namespaces/default/poddisruptionbudgets/web";
    let (_, before) = get(&fake, budget, ADMIN).await;
    assert_eq!(before["status"]["disruptionsAllowed"], 1, "{before}");

    let (code, body) = evict(fake_apiserver::WEB_PODS[0]).await;
    assert_eq!(code, StatusCode::CREATED, "{body}");
    let (_, after) = get(&fake, budget, ADMIN).await;
    assert_eq!(
        after["status"]["disruptionsAllowed"], 0,
        "the eviction spent it: {after}"
    );

    let (code, body) = evict(fake_apiserver::WEB_PODS[1]).await;
    assert_eq!(code, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["reason"], "TooManyRequests");
    assert_eq!(body["details"]["causes"][0]["reason"], "DisruptionBudget");
    assert!(
        body["details"]["causes"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("The disruption budget web needs")),
        "{body}"
    );
    let (code, _) = get(
        &fake,
        &format!(
            "/api/v1/namespaces/default/pods/{}",
            fake_apiserver::WEB_PODS[1]
        ),
        ADMIN,
    )
    .await;
    assert_eq!(code, StatusCode::OK, "a refused eviction leaves the pod");

    // A pod no budget covers is evicted as before.
    let (_, system) = get(&fake, "/api/v1/namespaces/kube-system/pods", ADMIN).await;
    let coredns = names(&system)
        .into_iter()
        .next()
        .expect("a kube-system pod");
    let url = format!(
        "{}/api/v1/namespaces/kube-system/pods/{coredns}/eviction",
        fake.url()
    );
    let body = json!({"apiVersion": "policy/v1", "kind": "Eviction",
                      "metadata": {"name": coredns, "namespace": "kube-system"}});
    let (code, _) = send(client().post(&url), ADMIN, Some(body)).await;
    assert_eq!(code, StatusCode::CREATED);
}
