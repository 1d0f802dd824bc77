use crate::helpers::{UNTRUSTED, spawn_app, spawn_proxy_app};

#[actix_web::test]
async fn health_routes_need_no_identity() {
    let app = spawn_proxy_app().await;
    for path in ["/healthz", "/readyz"] {
        let response = app.get_from(UNTRUSTED, path, &[]).await;
        assert_eq!(response.status, 200, "{path}: {}", response.body);
    }
}

#[actix_web::test]
async fn config_tells_the_ui_how_to_authenticate() {
    let app = spawn_proxy_app().await;
    let config = app.get("/config", &[]).await.json();
    assert_eq!(config["clusters"], serde_json::json!([]));
    assert_eq!(config["auth"]["mode"], "proxy");
    assert_eq!(config["auth"]["logoutUrl"], "/oauth2/sign_out");

    let plain = spawn_app(&[]).await;
    assert_eq!(
        plain.get("/config", &[]).await.json()["auth"]["mode"],
        "none"
    );
}

#[actix_web::test]
async fn every_route_lives_under_the_base_url() {
    let app = spawn_app(&[
        "-base-url=/headlamp",
        "-proxy-auth",
        "-proxy-auth-trusted-proxies=127.0.0.1",
    ])
    .await;
    assert_eq!(app.get("/headlamp/healthz", &[]).await.status, 200);
    assert_eq!(
        app.get("/headlamp/me", &[("X-Forwarded-User", b"alice")])
            .await
            .status,
        200
    );
    assert_eq!(
        app.get("/headlamp/config", &[]).await.json()["auth"]["loginUrl"],
        "/headlamp/"
    );
    assert_eq!(app.get("/healthz", &[]).await.status, 404);
    assert_eq!(
        app.get("/me", &[("X-Forwarded-User", b"alice")])
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app(&[]).await;
    let first = app.get("/healthz", &[]).await;
    let second = app.get("/healthz", &[]).await;
    let (first, second) = (
        first.header("x-request-id").unwrap(),
        second.header("x-request-id").unwrap(),
    );
    assert_eq!(first.len(), 36, "a UUID: {first}");
    assert_ne!(first, second);
}

#[actix_web::test]
async fn the_ui_placeholder_is_served_for_other_paths() {
    let app = spawn_app(&[]).await;
    let response = app.get("/c/main/pods", &[]).await;
    assert_eq!(response.status, 200);
    assert!(response.body.contains("not built yet"));
}

#[actix_web::test]
async fn html_static_dir_replaces_the_ui() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<p>custom build</p>").unwrap();
    let flag = format!("-html-static-dir={}", dir.path().display());
    let app = spawn_app(&[&flag]).await;
    let response = app.get("/", &[]).await;
    assert_eq!(response.status, 200);
    assert!(response.body.contains("custom build"), "{}", response.body);
}
