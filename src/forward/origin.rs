//! Same-origin checks for requests a browser could be tricked into sending.

use actix_web::HttpRequest;
use actix_web::http::header;

use super::error::ForwardError;
use crate::auth::trust::{PeerCidr, TrustAnchor};

/// Browsers send `Origin` on every WebSocket and on every request that can change something; a
/// page from another site must not drive `exec` or a write with this user's cookies or the
/// dashboard's credentials (cross-site request forgery, WebSocket hijacking). Clients without an
/// `Origin` (kubectl) are not browsers and carry their own credentials.
///
/// The expected host is the `Host` header, or `X-Forwarded-Host` when a trusted proxy (one of
/// `-proxy-auth-trusted-proxies`) rewrote the host on its way here.
pub(super) fn check(request: &HttpRequest, trusted_proxies: &PeerCidr) -> Result<(), ForwardError> {
    let Some(origin) = request.headers().get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("").to_string();
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("")
    };
    let host = header("host");
    let forwarded_host = if trusted_proxies.vouches_for(request) {
        header("x-forwarded-host")
    } else {
        ""
    };
    let same = [host, forwarded_host]
        .iter()
        .any(|h| !h.is_empty() && origin_host.eq_ignore_ascii_case(h));
    if !same {
        return Err(ForwardError::CrossOrigin {
            origin,
            expected: host.to_string(),
        });
    }
    Ok(())
}
