use test_support::{App, UNTRUSTED};

use crate::proxy_app;

#[actix_web::test]
async fn health_routes_need_no_identity() {
    let app = proxy_app().await;
    for path in ["/healthz", "/readyz"] {
        let response = app.raw().from(UNTRUSTED).get(path, &[]).await;
        assert_eq!(response.status, 200, "{path}: {}", response.body);
    }
}

#[actix_web::test]
async fn config_tells_the_ui_how_to_authenticate() {
    let app = proxy_app().await;
    let config = app.raw().get("/config", &[]).await.json();
    assert_eq!(config["clusters"], serde_json::json!([]));
    assert_eq!(config["auth"]["mode"], "proxy");
    assert_eq!(config["auth"]["logoutUrl"], "/oauth2/sign_out");

    let plain = App::start(&[]).await;
    assert_eq!(
        plain.raw().get("/config", &[]).await.json()["auth"]["mode"],
        "none"
    );
}

#[actix_web::test]
async fn every_route_lives_under_the_base_url() {
    let app = App::start(&[
        "-base-url=/headlamp",
        "-proxy-auth",
        "-proxy-auth-trusted-proxies=127.0.0.1",
    ])
    .await;
    assert_eq!(app.raw().get("/headlamp/healthz", &[]).await.status, 200);
    assert_eq!(
        app.raw()
            .get("/headlamp/me", &[("X-Forwarded-User", b"alice")])
            .await
            .status,
        200
    );
    assert_eq!(
        app.raw().get("/headlamp/config", &[]).await.json()["auth"]["loginUrl"],
        "/headlamp/"
    );
    assert_eq!(app.raw().get("/healthz", &[]).await.status, 404);
    assert_eq!(
        app.raw()
            .get("/me", &[("X-Forwarded-User", b"alice")])
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn every_response_carries_a_request_id() {
    let app = App::start(&[]).await;
    let first = app.raw().get("/healthz", &[]).await;
    let second = app.raw().get("/healthz", &[]).await;
    let (first, second) = (
        first.header("x-request-id").unwrap(),
        second.header("x-request-id").unwrap(),
    );
    assert_eq!(first.len(), 36, "a UUID: {first}");
    assert_ne!(first, second);
}

#[actix_web::test]
async fn deep_links_get_the_ui_with_its_base_and_security_headers() {
    let app = App::start(&["-base-url=/headlamp"]).await;
    let response = app
        .raw()
        .get("/headlamp/c/main/core/v1/pods?ns=default", &[])
        .await;
    assert_eq!(response.status, 200);
    assert!(
        response.body.contains("<div id=\"root\">"),
        "{}",
        response.body
    );
    assert!(
        response.body.contains("<base href=\"/headlamp/\" />"),
        "{}",
        response.body
    );
    assert_eq!(response.header("cache-control"), Some("no-cache"));
    let csp = response.header("content-security-policy").unwrap();
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert_eq!(response.header("x-frame-options"), Some("DENY"));
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    assert!(response.header("referrer-policy").is_some());
    assert!(!response.body.contains("<script>"), "no inline script");
}

#[actix_web::test]
async fn hashed_assets_are_immutable_and_missing_ones_are_404() {
    let app = App::start(&[]).await;
    let index = app.raw().get("/", &[]).await;
    let script = index
        .body
        .split("src=\"./")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a script tag");
    assert!(script.starts_with("assets/"), "{script}");
    let response = app.raw().get(&format!("/{script}"), &[]).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert!(
        response
            .header("content-type")
            .unwrap()
            .contains("javascript")
    );

    assert_eq!(
        app.raw().get("/assets/index-00000000.js", &[]).await.status,
        404
    );
    assert_eq!(
        app.raw()
            .get("/favicon.svg", &[])
            .await
            .header("cache-control"),
        Some("no-cache")
    );
}

#[actix_web::test]
async fn api_paths_never_fall_back_to_the_ui() {
    let app = App::start(&[]).await;
    for path in [
        "/config/extra",
        "/me/x",
        "/healthz/x",
        "/oidc",
        "/oidc-callback",
        "/clusters",
    ] {
        let response = app.raw().get(path, &[]).await;
        assert_eq!(response.status, 404, "{path}: {}", response.body);
        assert!(
            !response.body.contains("id=\"root\""),
            "{path} served the UI"
        );
    }
}

/// `kubectl get --raw /api/v1/pods` against the dashboard itself must fail, not print the UI's HTML.
#[actix_web::test]
async fn kubernetes_paths_at_the_root_say_where_the_clusters_are() {
    let app = App::start(&["-base-url=/headlamp"]).await;
    for path in [
        "/headlamp/api/v1/pods",
        "/headlamp/apis/apps/v1/deployments",
        "/headlamp/version",
    ] {
        let response = app.raw().get(path, &[]).await;
        assert_eq!(response.status, 404, "{path}: {}", response.body);
        let status = response.json();
        assert_eq!(status["kind"], "Status", "{path}");
        assert!(
            status["message"]
                .as_str()
                .unwrap()
                .contains("/headlamp/clusters/{cluster}/"),
            "{path}: {status}"
        );
    }
}

#[actix_web::test]
async fn html_static_dir_replaces_the_ui() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<html><head><title>custom build</title></head></html>",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("assets")).unwrap();
    std::fs::write(dir.path().join("assets/app-1.js"), "console.log(1)").unwrap();
    let flag = format!("-html-static-dir={}", dir.path().display());
    let app = App::start(&[&flag]).await;
    let response = app.raw().get("/c/x", &[]).await;
    assert_eq!(response.status, 200);
    assert!(
        response.body.contains("custom build") && response.body.contains("<base href=\"/\""),
        "{}",
        response.body
    );
    assert_eq!(
        app.raw().get("/assets/app-1.js", &[]).await.body,
        "console.log(1)"
    );
    assert_eq!(app.raw().get("/../Cargo.toml", &[]).await.status, 404);
    assert_eq!(
        app.raw().get("/assets/%2e%2e/index.html", &[]).await.status,
        404
    );
}
