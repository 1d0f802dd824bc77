//! Headlamp's server routes its frontend calls, with the requests it sends and the answers it
//! expects (`frontend/src/lib/auth.ts`, `frontend/src/lib/k8s/api/v1/drainNode.ts`): token
//! sign-in and log-out (`set-token`) and node drain, and the attacks on each.

use awc::http::StatusCode;
use serde_json::{Value, json};
use test_support::{ADMIN_TOKEN, CLUSTER, Context, DEV_TOKEN, Stack};

const SECRET: &str = "-oidc-cookie-secret=a-cookie-secret-for-headlamps-token-sign-in";

/// The fake API server behind a kubeconfig without credentials (so only the caller's token
/// reaches it), as cluster `fake` and as a second context `other` on the same server.
async fn stack(flags: &[&str]) -> Stack {
    Stack::builder()
        .anonymous()
        .kubeconfig(|k| k.context("other", Context::new(CLUSTER)))
        .flags(flags)
        .start()
        .await
}

struct Answer {
    status: StatusCode,
    set_cookies: Vec<String>,
    body: String,
}

/// `POST /clusters/{cluster}/set-token` as Headlamp's frontend sends it, from `origin`.
async fn set_token(stack: &Stack, cluster: &str, token: Value, origin: Option<&str>) -> Answer {
    let mut request = stack
        .app
        .client()
        .post(stack.url(&format!("/clusters/{cluster}/set-token")))
        .insert_header(("Content-Type", "application/json"));
    if let Some(origin) = origin {
        request = request.insert_header(("Origin", origin));
    }
    let mut response = request
        .send_body(json!({ "token": token }).to_string())
        .await
        .unwrap();
    let set_cookies = response
        .headers()
        .get_all("set-cookie")
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let body = response.body().await.unwrap();
    Answer {
        status: response.status(),
        set_cookies,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// The `Cookie` header a browser would send back (removals drop out).
fn cookie_header(set_cookies: &[String]) -> String {
    set_cookies
        .iter()
        .filter_map(|c| c.split(';').next())
        .filter(|pair| !pair.ends_with('=') && !pair.ends_with("=\"\""))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn list_pods(stack: &Stack, cluster: &str, headers: &[(&str, &str)]) -> StatusCode {
    let mut request = stack.app.client().get(stack.url(&format!(
        "/clusters/{cluster}/api/v1/namespaces/default/pods"
    )));
    for header in headers {
        request = request.insert_header(*header);
    }
    request.send().await.unwrap().status()
}

#[actix_web::test]
async fn set_token_signs_in_to_one_cluster_and_log_out_clears_it() {
    let stack = stack(&[SECRET]).await;
    let origin = stack.app.origin();
    let answer = set_token(&stack, CLUSTER, json!(DEV_TOKEN), Some(&origin)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body, "", "Headlamp's server answers an empty 200");
    let live: Vec<&String> = answer
        .set_cookies
        .iter()
        .filter(|c| !c.contains("Max-Age=0"))
        .collect();
    assert!(!live.is_empty(), "{:?}", answer.set_cookies);
    for cookie in &live {
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Strict"), "{cookie}");
        assert!(cookie.contains("Path=/"), "{cookie}");
        assert!(cookie.contains("Max-Age=86400"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
        assert!(!cookie.contains(DEV_TOKEN), "sealed: {cookie}");
    }
    let cookies = cookie_header(&answer.set_cookies);
    let pods = "/api/v1/namespaces/default/pods";

    // The token goes upstream as Authorization, for this cluster; the cookie never does.
    assert_eq!(
        list_pods(&stack, CLUSTER, &[("Cookie", &cookies)]).await,
        StatusCode::OK
    );
    assert_eq!(stack.seen_user(pods).as_deref(), Some("dev"));
    let headers = stack.seen_headers(pods);
    assert!(
        !headers.iter().any(|(name, _)| name == "cookie"),
        "{headers:?}"
    );
    assert!(headers.iter().any(|(name, _)| name == "authorization"));

    // The same browser's request to another cluster carries no token.
    assert_eq!(
        list_pods(&stack, "other", &[("Cookie", &cookies)]).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(stack.seen_user(pods), None);
    assert!(
        !stack
            .seen_headers(pods)
            .iter()
            .any(|(name, _)| name == "authorization" || name == "cookie")
    );

    // A client's own Authorization wins over the cookie.
    let admin = format!("Bearer {ADMIN_TOKEN}");
    list_pods(
        &stack,
        CLUSTER,
        &[("Cookie", &cookies), ("Authorization", &admin)],
    )
    .await;
    assert_eq!(stack.seen_user(pods).as_deref(), Some("admin"));

    // "Log out": {"token": null} clears every chunk.
    let answer = set_token(&stack, CLUSTER, Value::Null, Some(&origin)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(!answer.set_cookies.is_empty());
    assert!(
        answer
            .set_cookies
            .iter()
            .all(|c| c.contains("Max-Age=0") && c.contains("HttpOnly")),
        "{:?}",
        answer.set_cookies
    );
    assert_eq!(cookie_header(&answer.set_cookies), "");
}

#[actix_web::test]
async fn a_cross_site_set_token_is_refused() {
    let stack = stack(&[SECRET]).await;
    let answer = set_token(
        &stack,
        CLUSTER,
        json!(DEV_TOKEN),
        Some("https://evil.example"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert!(answer.set_cookies.is_empty());

    // A form on another site cannot send JSON without a preflight, and a form is all it has.
    let response = stack
        .app
        .client()
        .post(stack.url(&format!("/clusters/{CLUSTER}/set-token")))
        .insert_header(("Content-Type", "text/plain"))
        .send_body(format!("{{\"token\": \"{DEV_TOKEN}\"}}"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(response.headers().get("set-cookie").is_none());

    let answer = set_token(&stack, "no-such-cluster", json!(DEV_TOKEN), None).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn set_token_is_refused_in_proxy_auth_mode_unless_allowed() {
    let proxy = [
        "-proxy-auth=true",
        "-proxy-auth-trusted-proxies=127.0.0.1/32",
        SECRET,
    ];
    let stack = stack(&proxy).await;
    let answer = set_token(&stack, CLUSTER, json!(DEV_TOKEN), None).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(
        answer.body.contains("-proxy-auth-allow-set-token"),
        "{}",
        answer.body
    );
    assert!(answer.set_cookies.is_empty());

    let mut allowed = proxy.to_vec();
    allowed.push("-proxy-auth-allow-set-token=true");
    let stack = self::stack(&allowed).await;
    let answer = set_token(&stack, CLUSTER, json!(DEV_TOKEN), None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let cookies = cookie_header(&answer.set_cookies);
    let status = list_pods(
        &stack,
        CLUSTER,
        &[("Cookie", &cookies), ("X-Forwarded-User", "dev")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        stack
            .seen_user("/api/v1/namespaces/default/pods")
            .as_deref(),
        Some("dev")
    );
}

#[actix_web::test]
async fn set_token_without_a_cookie_secret_names_the_flag() {
    let stack = stack(&[]).await;
    let answer = set_token(&stack, CLUSTER, json!(DEV_TOKEN), None).await;
    assert_eq!(answer.status, StatusCode::NOT_IMPLEMENTED);
    assert!(
        answer.body.contains("-oidc-cookie-secret"),
        "{}",
        answer.body
    );
    assert!(answer.set_cookies.is_empty());
}

async fn drain(stack: &Stack, node: &str, headers: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut request = stack
        .app
        .client()
        .post(stack.url("/drain-node"))
        .insert_header(("Content-Type", "application/json"));
    for header in headers {
        request = request.insert_header(*header);
    }
    let mut response = request
        .send_body(json!({"cluster": CLUSTER, "nodeName": node}).to_string())
        .await
        .unwrap();
    let body = response.json().await.unwrap_or(Value::Null);
    (response.status(), body)
}

async fn drain_status(stack: &Stack, node: &str, headers: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut request = stack.app.client().get(stack.url(&format!(
        "/drain-node-status?cluster={CLUSTER}&nodeName={node}"
    )));
    for header in headers {
        request = request.insert_header(*header);
    }
    let mut response = request.send().await.unwrap();
    let body = response.json().await.unwrap_or(Value::Null);
    (response.status(), body)
}

/// The node as the API server has it, and the pods still bound to it (read as admin).
async fn node_state(stack: &Stack, node: &str) -> (bool, Vec<String>) {
    let admin = format!("Bearer {ADMIN_TOKEN}");
    let client = stack.app.client();
    let mut response = client
        .get(stack.url(&format!("/clusters/{CLUSTER}/api/v1/nodes/{node}")))
        .insert_header(("Authorization", admin.as_str()))
        .send()
        .await
        .unwrap();
    let object: Value = response.json().await.unwrap();
    let mut response = client
        .get(stack.url(&format!(
            "/clusters/{CLUSTER}/api/v1/pods?fieldSelector=spec.nodeName%3D{node}"
        )))
        .insert_header(("Authorization", admin.as_str()))
        .send()
        .await
        .unwrap();
    let pods: Value = response.json().await.unwrap();
    let names = pods["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|pod| {
            !pod["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|o| o.iter().any(|o| o["kind"] == "DaemonSet"))
        })
        .map(|pod| pod["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    (object["spec"]["unschedulable"] == true, names)
}

#[actix_web::test]
async fn drain_node_cordons_and_evicts_with_the_callers_credentials() {
    let stack = stack(&[SECRET]).await;
    let origin = stack.app.origin();
    let (cordoned, pods) = node_state(&stack, "node-2").await;
    assert!(!cordoned);
    assert!(!pods.is_empty(), "the fake seeds pods on node-2");

    // Before any drain: an error the UI shows, not a 404 it cannot read.
    let dev = format!("Bearer {DEV_TOKEN}");
    let (status, body) = drain_status(&stack, "node-2", &[("Authorization", &dev)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["id"].as_str().unwrap().starts_with("error"), "{body}");

    // The token sign-in's cookie is the caller's credential for the drain, as for any request.
    let answer = set_token(&stack, CLUSTER, json!(DEV_TOKEN), Some(&origin)).await;
    let cookies = cookie_header(&answer.set_cookies);
    let (status, body) = drain(
        &stack,
        "node-2",
        &[("Cookie", &cookies), ("Origin", &origin)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"message": "Drain node request submitted successfully", "cluster": CLUSTER})
    );
    assert_eq!(
        stack.seen_user("/api/v1/nodes/node-2").as_deref(),
        Some("dev")
    );
    let evictions: Vec<_> = stack
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/eviction"))
        .collect();
    assert_eq!(evictions.len(), pods.len(), "one eviction per pod");
    assert!(evictions.iter().all(|r| r.user.as_deref() == Some("dev")));

    let (cordoned, left) = node_state(&stack, "node-2").await;
    assert!(cordoned);
    assert!(left.is_empty(), "{left:?}");
    let (status, body) = drain_status(&stack, "node-2", &[("Cookie", &cookies)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"id": "success", "cluster": CLUSTER}));
    assert_eq!(stack.seen_user("/api/v1/pods").as_deref(), Some("dev"));
}

/// A PodDisruptionBudget that allows no eviction keeps its pod on the node (the API server answers
/// the eviction 429); the drain still cordons, and its status names the pod left and why.
#[actix_web::test]
async fn a_disruption_budget_that_allows_no_eviction_keeps_its_pod_and_the_status_names_it() {
    let stack = stack(&[SECRET]).await;
    let mut budget = stack
        .fake
        .get("poddisruptionbudgets.policy", "default", "web")
        .expect("the fake seeds the web budget");
    budget["status"]["disruptionsAllowed"] = json!(0);
    stack.fake.apply(budget).unwrap();
    let web_on_node_2 = fake_apiserver::WEB_PODS[1];
    let (_, before) = node_state(&stack, "node-2").await;
    assert!(before.iter().any(|p| p == web_on_node_2), "{before:?}");

    let admin = format!("Bearer {ADMIN_TOKEN}");
    let (status, body) = drain(&stack, "node-2", &[("Authorization", &admin)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (cordoned, left) = node_state(&stack, "node-2").await;
    assert!(cordoned);
    assert_eq!(left, [web_on_node_2], "only the budget's pod stays");
    let (_, body) = drain_status(&stack, "node-2", &[("Authorization", &admin)]).await;
    let id = body["id"].as_str().unwrap_or_default();
    assert!(
        id.starts_with("error: 1 pod(s) not evicted (a PodDisruptionBudget")
            && id.ends_with(&format!("default/{web_on_node_2}")),
        "{body}"
    );
}

#[actix_web::test]
async fn a_drain_is_refused_when_the_caller_may_not_do_it() {
    let stack = Stack::builder()
        .fake(|fake| fake.forbid("dev", "nodes"))
        .flags(&[SECRET])
        .start()
        .await;
    // The server's own kubeconfig credentials are admin's: only the caller's are used.
    let dev = format!("Bearer {DEV_TOKEN}");
    let (status, body) = drain(&stack, "node-2", &[("Authorization", &dev)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["kind"], "Status", "the API server's own refusal");
    let (cordoned, _) = node_state(&stack, "node-2").await;
    assert!(!cordoned);
    assert!(
        !stack
            .fake
            .requests()
            .iter()
            .any(|r| r.path.ends_with("/eviction"))
    );
}

#[actix_web::test]
async fn a_cross_site_drain_is_refused() {
    let stack = Stack::start(&[]).await;
    let (status, _) = drain(&stack, "node-2", &[("Origin", "https://evil.example")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!stack.saw("/api/v1/nodes/node-2"));
    let (cordoned, _) = node_state(&stack, "node-2").await;
    assert!(!cordoned);

    for (method, path) in [
        ("GET", "/drain-node"),
        ("POST", "/drain-node-status?cluster=fake&nodeName=node-2"),
    ] {
        let response = stack
            .app
            .client()
            .request(method.parse().unwrap(), stack.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
    }
    let (status, body) = drain(&stack, "../etc", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}
