use std::net::IpAddr;
use std::sync::Arc;

use actix_web::HttpRequest;
use actix_web::http::header;
use ipnet::IpNet;

use crate::settings::ProxyAuthSettings;

/// The peers that are the authenticating proxy (`-proxy-auth-trusted-proxies`, or every peer with
/// `-proxy-auth-insecure-trust-any-peer`), and the headers only they may set.
///
/// Decided on the socket's own peer address, never on `X-Forwarded-For` (any client can write it),
/// in canonical form so an IPv4 peer on a dual-stack socket (`::ffff:10.0.0.1`) matches `10.0.0.0/8`.
#[derive(Debug, Clone)]
pub struct TrustedProxies {
    networks: Arc<[IpNet]>,
    any_peer: bool,
}

impl TrustedProxies {
    pub fn new(settings: &ProxyAuthSettings) -> Self {
        TrustedProxies {
            networks: settings.trusted_proxies.clone().into(),
            any_peer: settings.insecure_trust_any_peer,
        }
    }

    pub fn trusts_any_peer(&self) -> bool {
        self.any_peer
    }

    pub fn contains_peer(&self, request: &HttpRequest) -> bool {
        if self.any_peer {
            return true;
        }
        request
            .peer_addr()
            .is_some_and(|peer| self.contains(peer.ip()))
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.networks.iter().any(|network| network.contains(&ip))
    }

    /// A header about the original request that only a trusted proxy may set (`X-Forwarded-Proto`,
    /// `X-Forwarded-Host`): its first entry, or `None` when the peer is not a trusted proxy.
    pub fn forwarded<'a>(&self, request: &'a HttpRequest, name: &str) -> Option<&'a str> {
        if !self.contains_peer(request) {
            return None;
        }
        let value = request.headers().get(name)?.to_str().ok()?;
        value
            .split(',')
            .next()
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// HTTPS as the browser sees it: our own TLS, or `X-Forwarded-Proto: https` from a trusted proxy.
    pub fn is_https(&self, request: &HttpRequest) -> bool {
        request.app_config().secure()
            || self
                .forwarded(request, "x-forwarded-proto")
                .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
    }

    /// The host the browser asked for: `X-Forwarded-Host` from a trusted proxy, else `Host`, else an
    /// HTTP/2 request's `:authority`.
    pub fn host<'a>(&self, request: &'a HttpRequest) -> Option<&'a str> {
        self.forwarded(request, "x-forwarded-host")
            .or_else(|| {
                request
                    .headers()
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
            })
            .or_else(|| request.uri().authority().map(|a| a.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn proxies(networks: &[&str]) -> TrustedProxies {
        TrustedProxies {
            networks: networks.iter().map(|n| n.parse().unwrap()).collect(),
            any_peer: false,
        }
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_peers() {
        let proxies = proxies(&["10.0.0.0/8"]);
        let from = |peer: &str| {
            TestRequest::default()
                .peer_addr(peer.parse().unwrap())
                .insert_header(("Host", "internal:4466"))
                .insert_header(("X-Forwarded-Host", "dash.example.com, other"))
                .insert_header(("X-Forwarded-Proto", "https"))
                .to_http_request()
        };
        let trusted = from("10.1.2.3:5000");
        assert_eq!(proxies.host(&trusted), Some("dash.example.com"));
        assert!(proxies.is_https(&trusted));
        let mapped = from("[::ffff:10.1.2.3]:5000");
        assert_eq!(proxies.host(&mapped), Some("dash.example.com"));
        let stranger = from("192.0.2.1:5000");
        assert_eq!(proxies.host(&stranger), Some("internal:4466"));
        assert!(!proxies.is_https(&stranger));
    }
}
