//! Same-origin checks for requests a browser could be tricked into sending.

use actix_web::HttpRequest;
use actix_web::http::header;

use super::error::ProxyError;

/// Browsers send `Origin` on every WebSocket and on every request that can change something; a
/// page from another site must not drive `exec` or a write with this user's cookies or the
/// dashboard's credentials (cross-site request forgery, WebSocket hijacking). Clients without an
/// `Origin` (kubectl) are not browsers and carry their own credentials.
pub(super) fn check(request: &HttpRequest) -> Result<(), ProxyError> {
    let Some(origin) = request.headers().get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("").to_string();
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    if host.is_empty() || !origin_host.eq_ignore_ascii_case(host) {
        return Err(ProxyError::CrossOrigin {
            origin,
            expected: host.to_string(),
        });
    }
    Ok(())
}
