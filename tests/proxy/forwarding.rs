//! Requests of every kind go to the right API server and come back as it answered; failures
//! upstream come back as Kubernetes `Status` bodies.

use serde_json::{Value, json};
use test_support::{App, Context, DEV_TOKEN, Exec, Kubeconfig, Stack, User, client, free_port};

#[actix_web::test]
async fn list_get_create_and_delete_reach_the_api_server() {
    let stack = Stack::start(&[]).await;
    let client = client();
    let base = stack.url("/clusters/fake/api/v1/namespaces/default");

    let mut response = client.get(format!("{base}/pods")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let pods: Value = response.json().await.unwrap();
    assert_eq!(pods["kind"], "PodList");
    let first = pods["items"][0]["metadata"]["name"]
        .as_str()
        .expect("the seed has pods")
        .to_string();

    let mut response = client
        .get(format!("{base}/pods/{first}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap()["metadata"]["name"],
        first.as_str()
    );

    let configmap = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "made-through-lamplight"}, "data": {"a": "1"}});
    let mut response = client
        .post(format!("{base}/configmaps"))
        .send_json(&configmap)
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{:?}", response.body().await);
    let mut response = client
        .get(format!("{base}/configmaps/made-through-lamplight"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.json::<Value>().await.unwrap()["data"]["a"], "1");

    let response = client
        .delete(format!("{base}/configmaps/made-through-lamplight"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = client
        .get(format!("{base}/configmaps/made-through-lamplight"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[actix_web::test]
async fn the_query_string_and_method_are_kept() {
    let stack = Stack::start(&[]).await;
    let url = stack.url("/clusters/fake/api/v1/pods?labelSelector=app%3Dweb&limit=5");
    let response = client().get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let seen = stack.seen("/api/v1/pods");
    assert_eq!(seen.method, "GET");
    assert_eq!(seen.query, "labelSelector=app%3Dweb&limit=5");
}

#[actix_web::test]
async fn unknown_and_broken_clusters_answer_with_a_status() {
    let stack = Stack::builder()
        .kubeconfig(|kubeconfig| {
            kubeconfig.context("broken", Context::new("missing").user("lamplight"))
        })
        .start()
        .await;
    let client = client();

    let mut response = client
        .get(stack.url("/clusters/nope/api/v1/pods"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let status: Value = response.json().await.unwrap();
    assert_eq!(
        (status["kind"].as_str(), status["reason"].as_str()),
        (Some("Status"), Some("NotFound"))
    );

    let mut response = client
        .get(stack.url("/clusters/broken/api/v1/pods"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let status: Value = response.json().await.unwrap();
    assert!(
        status["message"].as_str().unwrap().contains("\"missing\""),
        "{status}"
    );

    let mut response = client
        .get(stack.cluster_url("/version"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        200,
        "the good cluster keeps working: {:?}",
        response.body().await
    );

    // Anonymous callers learn the names and that a cluster is unavailable, nothing more.
    let mut config = client.get(stack.url("/config")).send().await.unwrap();
    let config: Value = config.json().await.unwrap();
    let clusters = config["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 2);
    assert_eq!(clusters[0]["name"], "fake");
    assert!(clusters[0].get("server").is_none(), "{config}");
    assert!(clusters[0].get("meta_data").is_none(), "{config}");
    assert!(clusters[0].get("error").is_none());
    let error = clusters[1]["error"].as_str().unwrap();
    assert!(!error.contains("missing"), "{error}");
    let mut ready = client.get(stack.url("/readyz")).send().await.unwrap();
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["checks"]["clusters"]["fake"]["loaded"], true);
    assert_eq!(ready["checks"]["clusters"]["broken"]["loaded"], false);
    assert!(!ready.to_string().contains("missing"), "{ready}");
}

#[actix_web::test]
async fn signed_in_users_see_where_clusters_are_and_why_one_failed() {
    let stack = Stack::builder()
        .kubeconfig(|kubeconfig| {
            kubeconfig.context("broken", Context::new("missing").user("lamplight"))
        })
        .flags(&["-proxy-auth", "-proxy-auth-trusted-proxies=127.0.0.1/32"])
        .start()
        .await;
    let alice = ("X-Forwarded-User", "alice");
    let mut config = client()
        .get(stack.url("/config"))
        .insert_header(alice)
        .send()
        .await
        .unwrap();
    let config: Value = config.json().await.unwrap();
    let clusters = config["clusters"].as_array().unwrap();
    assert_eq!(clusters[0]["server"], stack.fake.url());
    assert_eq!(clusters[0]["meta_data"]["source"], "kubeconfig");
    assert!(clusters[1]["error"].as_str().unwrap().contains("missing"));

    let mut ready = client()
        .get(stack.url("/readyz"))
        .insert_header(alice)
        .send()
        .await
        .unwrap();
    let ready: Value = ready.json().await.unwrap();
    let error = ready["checks"]["clusters"]["broken"]["error"]
        .as_str()
        .unwrap();
    assert!(error.contains("missing"), "{ready}");
}

#[actix_web::test]
async fn dot_segments_cannot_climb_out_of_the_server_path() {
    let stack = Stack::start(&[]).await;
    for path in [
        "/clusters/fake/api/../../x",
        "/clusters/fake/api/%2e%2e/x",
        "/clusters/fake/api/..%2f..%2fx",
        "/clusters/fake/api/..%5c..%5cx",
        "/clusters/fake/api/..;/x",
        "/clusters/fake/api/%252e%252e/x",
    ] {
        // Raw bytes: an HTTP library might tidy the path before it leaves.
        let response = stack.app.raw().get(path, &[]).await;
        assert_eq!(response.status, 400, "{path}: {}", response.body);
    }
    assert!(
        !stack.fake.requests().iter().any(|r| r.path.ends_with("/x")),
        "none reached the API server"
    );
}

#[actix_web::test]
async fn an_unreachable_api_server_is_a_502_status() {
    // A port that was free a moment ago: nothing listens there.
    let port = free_port();
    let kubeconfig = Kubeconfig::single(
        format!("http://127.0.0.1:{port}").as_str(),
        Some(User::token("x")),
    )
    .write();
    let app = App::builder().kubeconfig(&kubeconfig).start().await;
    let mut response = client()
        .get(app.url("/clusters/fake/api/v1/pods"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    let status: Value = response.json().await.unwrap();
    assert_eq!(status["kind"], "Status");
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .contains(&port.to_string()),
        "{status}"
    );
}

#[actix_web::test]
async fn redirects_from_the_api_server_are_passed_back_not_followed() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let followed = Arc::new(AtomicUsize::new(0));
    let counter = followed.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = listener.local_addr().unwrap();
    let server = actix_web::HttpServer::new(move || {
        let counter = counter.clone();
        actix_web::App::new()
            .route(
                "/api/v1/pods",
                actix_web::web::get().to(|| async {
                    actix_web::HttpResponse::Found()
                        .insert_header(("Location", "/internal/secret"))
                        .finish()
                }),
            )
            .route(
                "/internal/secret",
                actix_web::web::get().to(move || {
                    counter.fetch_add(1, Ordering::SeqCst);
                    async { actix_web::HttpResponse::Ok().body("internal") }
                }),
            )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);

    let kubeconfig = Kubeconfig::single(
        format!("http://{upstream}").as_str(),
        Some(User::token("x")),
    )
    .write();
    let app = App::builder().kubeconfig(&kubeconfig).start().await;
    let response = client()
        .get(app.url("/clusters/fake/api/v1/pods"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers().get("location").unwrap(),
        "/internal/secret"
    );
    assert_eq!(
        followed.load(Ordering::SeqCst),
        0,
        "the proxy followed the redirect"
    );
}

#[actix_web::test]
async fn a_failing_exec_plugin_is_a_502_that_keeps_its_output_to_the_log() {
    let stack = Stack::builder()
        .user(User::exec(Exec::v1_script(
            "echo 'error: token expired, run login again' >&2\nexit 1",
        )))
        .start()
        .await;
    let mut response = client()
        .get(stack.cluster_url("/api/v1/pods"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    let status: Value = response.json().await.unwrap();
    let message = status["message"].as_str().unwrap();
    assert!(message.contains("\"fake\""), "names the cluster: {status}");
    assert!(message.contains("server's log"), "{status}");
    assert!(
        !message.contains("token expired"),
        "the plugin's output stays out of the response: {status}"
    );
    assert!(
        stack.fake.requests().is_empty(),
        "nothing may go upstream without credentials"
    );
}

#[actix_web::test]
async fn an_exec_plugin_token_is_sent_upstream() {
    let stack = Stack::builder()
        .user(User::exec(Exec::v1beta1_script(&format!(
            "echo '{{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{DEV_TOKEN}\"}}}}'"
        ))))
        .start()
        .await;
    let response = client()
        .get(stack.cluster_url("/api/v1/namespaces/default/pods"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        stack
            .seen_user("/api/v1/namespaces/default/pods")
            .as_deref(),
        Some("dev")
    );
}

#[actix_web::test]
async fn a_cross_site_page_cannot_change_anything() {
    let stack = Stack::start(&[]).await;
    let url = stack.url("/clusters/fake/api/v1/namespaces/default/configmaps");
    let configmap =
        serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "csrf"}});
    let response = client()
        .post(&url)
        .insert_header(("Origin", "https://evil.example"))
        .send_json(&configmap)
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(stack.fake.get("configmaps", "default", "csrf").is_none());

    // The dashboard's own pages (same origin) and API clients (no Origin) may.
    let same_origin = stack.app.origin();
    let response = client()
        .post(&url)
        .insert_header(("Origin", same_origin))
        .send_json(&configmap)
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let reads = client()
        .get(&url)
        .insert_header(("Origin", "https://evil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        reads.status(),
        200,
        "reads are not refused: the browser keeps their answer from the page"
    );
}

#[actix_web::test]
async fn a_trusted_proxys_forwarded_host_counts_as_same_origin() {
    let url_path = "/clusters/fake/api/v1/namespaces/default/configmaps";
    let configmap = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "via-ingress"}});
    let forwarded = [
        ("Origin", "https://dashboard.example"),
        ("X-Forwarded-Host", "dashboard.example"),
    ];

    let trusting = Stack::start(&[
        "-proxy-auth-trusted-proxies=127.0.0.1",
        "-allowed-hosts=dashboard.example",
    ])
    .await;
    let mut request = client().post(trusting.url(url_path));
    for header in forwarded {
        request = request.insert_header(header);
    }
    assert_eq!(request.send_json(&configmap).await.unwrap().status(), 201);

    // From a peer that is not a trusted proxy, X-Forwarded-Host proves nothing.
    let other = Stack::start(&[]).await;
    let mut request = client().post(other.url(url_path));
    for header in forwarded {
        request = request.insert_header(header);
    }
    assert_eq!(request.send_json(&configmap).await.unwrap().status(), 403);
}
