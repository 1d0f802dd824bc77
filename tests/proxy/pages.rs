//! A pod's `proxy` subresource can answer anything, HTML and script included. Through Lamplight it
//! must stay data: sandboxed, unsniffable, unframeable, without CORS grants, and download-only when
//! opened as a page, so a pod's script never runs as the dashboard's origin.

use std::net::TcpListener;

use actix_web::{App as ActixApp, HttpResponse, HttpServer, web};
use test_support::{App, Kubeconfig, User, client};

/// An "API server" whose every answer is a page with a script and a generous CORS grant, as a pod
/// behind `pods/{name}/proxy` might send.
fn hostile_upstream() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = HttpServer::new(|| {
        ActixApp::new().default_service(web::to(|| async {
            HttpResponse::Ok()
                .content_type("text/html")
                .insert_header(("Access-Control-Allow-Origin", "*"))
                .insert_header(("Access-Control-Allow-Credentials", "true"))
                .body("<script>fetch('/clusters/c/api/v1/secrets').then(r => r.text()).then(alert)</script>")
        }))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    url
}

#[actix_web::test]
async fn a_pods_page_is_sandboxed_and_download_only() {
    let upstream = hostile_upstream();
    let kubeconfig = Kubeconfig::single(upstream.as_str(), Some(User::token("t"))).write();
    let app = App::builder().kubeconfig(&kubeconfig).start().await;

    for (path, download) in [
        (
            "/clusters/fake/api/v1/namespaces/default/pods/web-0/proxy/",
            true,
        ),
        (
            "/clusters/fake/api/v1/namespaces/default/services/http:web:80/proxy/x",
            true,
        ),
        ("/clusters/fake/api/v1/namespaces/default/pods", false),
    ] {
        let response = client().get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        };
        let csp = header("content-security-policy").unwrap_or_default();
        assert!(
            csp.split(';').any(|d| d.trim() == "sandbox"),
            "{path}: {csp}"
        );
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
        assert_eq!(header("x-frame-options").as_deref(), Some("DENY"));
        assert!(
            header("access-control-allow-origin").is_none()
                && header("access-control-allow-credentials").is_none(),
            "{path}: upstream CORS grants are dropped"
        );
        assert_eq!(
            header("content-disposition").as_deref() == Some("attachment"),
            download,
            "{path}"
        );
    }
}
