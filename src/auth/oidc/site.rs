//! Where this server is as the browser sees it, and whether a request came from one of its pages.
//!
//! The callback URL (`redirect_uri`) and the address the IdP sends the user back to after sign-out
//! come from `-oidc-callback-url` when it is set; otherwise from the request's host, as
//! [`TrustedProxies::host`](crate::auth::trust::TrustedProxies::host) reads it, and only when
//! [`AllowedHosts`] answers to it: never from an arbitrary `Host` (the host middleware refuses
//! those first; this is checked again here, where the URL is made).

use actix_web::HttpRequest;
use actix_web::http::header;
use url::{Origin, Url};

use crate::auth::hosts::AllowedHosts;

/// `scheme://host` for the request's `host`, when it is a name this server answers to and a
/// plain `host[:port]` (no path, user info or anything else a URL would read differently).
pub fn origin_of(https: bool, host: Option<&str>, hosts: &AllowedHosts) -> Option<String> {
    let host = host?;
    let plain = !host.is_empty()
        && host.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'[' | b']')
        });
    if !plain || !hosts.allows(host) {
        return None;
    }
    let scheme = if https { "https" } else { "http" };
    let origin = format!("{scheme}://{host}");
    // What the URL parser makes of it must be exactly that origin, nothing more.
    let parsed = Url::parse(&origin).ok()?;
    (parsed.path() == "/" && parsed.query().is_none() && parsed.username().is_empty())
        .then_some(origin)
}

/// Whether a request that changes something (sign-out) comes from a page of this site:
///
/// 1. `Origin`, which browsers send with every POST: it must be one of `ours`;
/// 2. without `Origin`, `Sec-Fetch-Site` (sent by current browsers) must be `same-origin`;
/// 3. without either, a `Referer` of one of `ours`.
///
/// A request with none of them is refused: a browser always sends at least one of them with a
/// form POST, and a script (curl) can send `Origin` itself.
pub fn same_origin(request: &HttpRequest, ours: &[Origin]) -> bool {
    let header = |name| request.headers().get(name).map(|v| v.to_str().ok());
    let is_ours = |url: &str| {
        Url::parse(url)
            .ok()
            .is_some_and(|url| ours.contains(&url.origin()))
    };
    if let Some(origin) = header(header::ORIGIN) {
        return origin.is_some_and(is_ours);
    }
    if let Some(site) = header(header::HeaderName::from_static("sec-fetch-site")) {
        return site.is_some_and(|site| site.eq_ignore_ascii_case("same-origin"));
    }
    if let Some(referer) = header(header::REFERER) {
        return referer.is_some_and(is_ours);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;
    use actix_web::test::TestRequest;

    fn hosts(flags: &[&str]) -> AllowedHosts {
        AllowedHosts::new(&Settings::from_flags(flags).unwrap())
    }

    #[test]
    fn origins_come_only_from_allowed_plain_hosts() {
        let hosts = hosts(&["-allowed-hosts=dash.example.com"]);
        assert_eq!(
            origin_of(true, Some("dash.example.com"), &hosts).as_deref(),
            Some("https://dash.example.com")
        );
        assert_eq!(
            origin_of(false, Some("127.0.0.1:4466"), &hosts).as_deref(),
            Some("http://127.0.0.1:4466")
        );
        assert_eq!(
            origin_of(false, Some("[::1]:4466"), &hosts).as_deref(),
            Some("http://[::1]:4466")
        );
        for refused in [
            None,
            Some(""),
            Some("attacker.example"),
            Some("dash.example.com.attacker.example"),
            Some("attacker.example/dash.example.com"),
            Some("attacker.example#@dash.example.com"),
            Some("attacker.example@dash.example.com"),
            Some("dash.example.com/evil"),
            Some("dash.example.com?x"),
            Some("dash.example.com\\evil"),
        ] {
            assert_eq!(origin_of(true, refused, &hosts), None, "{refused:?}");
        }
        // Even with every name allowed, what comes back is a plain origin.
        let any = self::hosts(&["-allowed-hosts=*"]);
        assert_eq!(origin_of(true, Some("evil.example/x?"), &any), None);
    }

    fn ours() -> Vec<Origin> {
        vec![Url::parse("https://dash.example.com").unwrap().origin()]
    }

    #[test]
    fn same_origin_prefers_origin_then_fetch_metadata_then_referer() {
        let check = |headers: &[(&str, &str)]| {
            let mut request = TestRequest::post();
            for header in headers {
                request = request.insert_header(*header);
            }
            same_origin(&request.to_http_request(), &ours())
        };
        assert!(check(&[("Origin", "https://dash.example.com")]));
        assert!(check(&[("Origin", "https://DASH.example.com:443")]));
        assert!(
            !check(&[("Origin", "http://dash.example.com")]),
            "another scheme"
        );
        assert!(!check(&[("Origin", "https://evil.example")]));
        assert!(!check(&[("Origin", "null")]));
        assert!(
            !check(&[
                ("Origin", "https://evil.example"),
                ("Sec-Fetch-Site", "same-origin"),
                ("Referer", "https://dash.example.com/"),
            ]),
            "Origin decides when present"
        );
        assert!(check(&[("Sec-Fetch-Site", "same-origin")]));
        assert!(!check(&[("Sec-Fetch-Site", "same-site")]));
        assert!(!check(&[("Sec-Fetch-Site", "cross-site")]));
        assert!(check(&[("Referer", "https://dash.example.com/c/x")]));
        assert!(!check(&[("Referer", "https://evil.example/")]));
        assert!(!check(&[]), "no evidence is a refusal");
    }
}
