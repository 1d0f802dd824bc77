//! What the API server answers is data, never a page of ours: a pod's `proxy` subresource can
//! return any HTML and script, and on the dashboard's origin that script would run with the user's
//! session. Every forwarded response is therefore sandboxed (an opaque origin, no script, nothing
//! to load), unsniffable and unframeable, and loses any CORS grant; a pod's, service's or node's
//! `proxy` response is also download-only when opened directly.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

const SANDBOX: &str = "sandbox; default-src 'none'; frame-ancestors 'none'";

pub async fn data_not_page(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let download_only = is_proxy_subresource(request.path());
    let mut response = next.call(request).await?;
    if response.status() == StatusCode::SWITCHING_PROTOCOLS {
        return Ok(response);
    }
    let headers = response.headers_mut();
    let cors: Vec<HeaderName> = headers
        .keys()
        .filter(|name| name.as_str().starts_with("access-control-"))
        .cloned()
        .collect();
    for name in cors {
        headers.remove(name);
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(SANDBOX),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if download_only {
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment"),
        );
    }
    Ok(response)
}

/// `…/pods/{name}/proxy[/…]`, and the same for services and nodes (whose name may carry a port
/// or scheme: `https:web:8443`).
fn is_proxy_subresource(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').collect();
    segments
        .windows(3)
        .any(|window| matches!(window[0], "pods" | "services" | "nodes") && window[2] == "proxy")
}

#[cfg(test)]
mod tests {
    use super::is_proxy_subresource;

    #[test]
    fn proxy_subresources_are_recognised() {
        for path in [
            "/clusters/c/api/v1/namespaces/default/pods/web-0/proxy/",
            "/clusters/c/api/v1/namespaces/default/pods/web-0/proxy",
            "/clusters/c/api/v1/namespaces/default/services/https:web:8443/proxy/index.html",
            "/clusters/c/api/v1/nodes/node-1/proxy/metrics",
        ] {
            assert!(is_proxy_subresource(path), "{path}");
        }
        for path in [
            "/clusters/c/api/v1/namespaces/default/pods/proxy",
            "/clusters/c/api/v1/namespaces/default/pods/web-0/log",
            "/clusters/c/apis/proxy.example/v1/proxies/x",
        ] {
            assert!(!is_proxy_subresource(path), "{path}");
        }
    }
}
