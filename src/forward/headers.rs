//! Which headers cross the proxy. Hop-by-hop headers never do (RFC 9110 §7.6.1); neither do the
//! caller's credentials for Lamplight itself (cookies, identity headers and their look-alikes) nor
//! anything that would let a client borrow the dashboard's own credentials (`Impersonate-*`).

use actix_web::http::header::{self, HeaderMap, HeaderName};

use crate::auth::proxy::folded_header_name as folded;

const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authenticate",
    "proxy-authorization",
];

/// Never sent upstream whatever the configuration: the caller's session with Lamplight or its
/// proxy, and the API server's own authenticating-proxy headers (`X-Remote-User`...).
fn never_upstream(name: &str) -> bool {
    name == "cookie"
        || name == "host"
        || name.starts_with("x-remote-")
        || name.starts_with("x_remote_")
}

fn connection_listed(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::CONNECTION)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect()
}

fn is_hop_by_hop(name: &str, listed: &[String]) -> bool {
    HOP_BY_HOP.contains(&name) || listed.iter().any(|l| l == name)
}

/// The first `Impersonate-*` header (any spelling), which a client may never send.
pub fn impersonation_attempt(headers: &HeaderMap) -> Option<&HeaderName> {
    headers
        .keys()
        .find(|name| folded(name.as_str()).starts_with("impersonate-"))
}

/// Request headers to send upstream; `Authorization` is left out: the identity plan decides it.
pub fn request_headers(incoming: &HeaderMap, identity_headers: &[HeaderName]) -> HeaderMap {
    let listed = connection_listed(incoming);
    let identities: Vec<String> = identity_headers
        .iter()
        .map(|h| folded(h.as_str()))
        .collect();
    let mut out = HeaderMap::new();
    for (name, value) in incoming.iter() {
        let lower = name.as_str();
        let dropped = is_hop_by_hop(lower, &listed)
            || never_upstream(lower)
            || lower == "authorization"
            || lower == "content-length"
            || identities.contains(&folded(lower))
            || folded(lower).starts_with("impersonate-")
            || lower.starts_with("sec-websocket-");
        if !dropped {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// Response headers to return to the client. The body's framing is decided by Lamplight.
pub fn response_headers(upstream: &HeaderMap) -> HeaderMap {
    let listed = connection_listed(upstream);
    let mut out = HeaderMap::new();
    for (name, value) in upstream.iter() {
        let lower = name.as_str();
        if !(is_hop_by_hop(lower, &listed) || lower == "content-length" || lower == "set-cookie") {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn map(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(
                HeaderName::try_from(*name).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        headers
    }

    #[test]
    fn connection_listed_and_hop_by_hop_headers_are_dropped() {
        let incoming = map(&[
            ("connection", "keep-alive, x-private"),
            ("x-private", "1"),
            ("keep-alive", "timeout=5"),
            ("te", "trailers"),
            ("accept", "application/json"),
        ]);
        let out = request_headers(&incoming, &[]);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(out.contains_key("accept"));
    }

    #[test]
    fn identities_and_their_look_alikes_are_dropped() {
        let user = HeaderName::from_static("x-forwarded-user");
        let incoming = map(&[
            ("x-forwarded-user", "a"),
            ("x_forwarded_user", "a"),
            ("x.forwarded.user", "a"),
            ("x-remote-user", "a"),
            ("x-remote-group", "a"),
            ("cookie", "a=b"),
            ("authorization", "Bearer x"),
            ("user-agent", "kubectl"),
        ]);
        let out = request_headers(&incoming, &[user]);
        assert_eq!(
            out.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
            ["user-agent"]
        );
    }

    #[test]
    fn any_spelling_of_impersonate_is_detected() {
        assert!(impersonation_attempt(&map(&[("impersonate-user", "x")])).is_some());
        assert!(impersonation_attempt(&map(&[("impersonate_group", "x")])).is_some());
        assert!(impersonation_attempt(&map(&[("impersonate-extra-scopes", "x")])).is_some());
        assert!(impersonation_attempt(&map(&[("x-impersonate", "x")])).is_none());
    }
}
