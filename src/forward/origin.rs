//! Same-origin checks for requests a browser could be tricked into sending.

use actix_web::HttpRequest;
use actix_web::http::header;

use super::error::ForwardError;
use crate::auth::trust::TrustedProxies;

/// Browsers send `Origin` on every WebSocket and on every request that can change something; a
/// page from another site must not drive `exec` or a write with this user's cookies or the
/// dashboard's credentials (cross-site request forgery, WebSocket hijacking). Clients without an
/// `Origin` (kubectl) are not browsers and carry their own credentials.
///
/// The origin must name the host the browser asked for (`X-Forwarded-Host` from a trusted proxy,
/// else `Host`, else `:authority`), which the host allowlist has already accepted: a rebinding
/// page, whose own name is in `Host`, never gets this far. The refusal does not echo the origin.
pub(crate) fn check(request: &HttpRequest, trusted: &TrustedProxies) -> Result<(), ForwardError> {
    let Some(origin) = request.headers().get(header::ORIGIN) else {
        return Ok(());
    };
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|origin| origin.split_once("://"))
        .map(|(_, rest)| rest)
        .unwrap_or("");
    let same = trusted
        .host(request)
        .is_some_and(|host| !host.is_empty() && origin_host.eq_ignore_ascii_case(host));
    if same {
        Ok(())
    } else {
        Err(ForwardError::CrossOrigin)
    }
}
