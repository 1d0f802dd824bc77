//! The names this server answers to. A page on a rebinding domain (`attacker.example` resolving to
//! 127.0.0.1) reaches the server with its own name in `Host`: refusing unknown names before any
//! authentication or forwarding keeps such a page from driving the dashboard, as Vite's
//! `allowedHosts` and Jupyter do.

use std::net::IpAddr;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::web;

use super::trust::TrustedProxies;
use crate::settings::{AllowedHostsSetting, Settings, flags::Key};
use crate::status::Status;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    Exact(String),
    /// `*.example.com`: any name ending in `.example.com`.
    Subdomains(String),
}

#[derive(Debug, Clone)]
pub struct AllowedHosts {
    any: bool,
    patterns: Vec<Pattern>,
}

impl AllowedHosts {
    /// Loopback names, `-allowed-hosts`, and the host of `-oidc-callback-url`. IP literals are
    /// always allowed: no other site can make a browser send one as its `Host`.
    pub fn new(settings: &Settings) -> Self {
        let mut patterns = vec![
            Pattern::Exact("localhost".into()),
            Pattern::Subdomains(".localhost".into()),
        ];
        let (any, listed) = match &settings.server.allowed_hosts {
            AllowedHostsSetting::Any => (true, &[][..]),
            AllowedHostsSetting::Listed(names) => (false, &names[..]),
        };
        patterns.extend(listed.iter().map(|name| pattern(name)));
        let callback_host = settings
            .oidc
            .as_ref()
            .and_then(|oidc| oidc.callback_url.as_deref())
            .and_then(|url| url::Url::parse(url).ok())
            .and_then(|url| url.host_str().map(str::to_string));
        patterns.extend(callback_host.map(|host| pattern(&host)));
        AllowedHosts { any, patterns }
    }

    /// Whether a `Host` value (a name or address, with or without a port) is one we answer to.
    pub fn allows(&self, host: &str) -> bool {
        if self.any {
            return true;
        }
        let name = without_port(host)
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if name.is_empty() {
            return false;
        }
        if name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok()
        {
            return true;
        }
        self.patterns.iter().any(|pattern| match pattern {
            Pattern::Exact(exact) => *exact == name,
            Pattern::Subdomains(suffix) => name.ends_with(suffix.as_str()),
        })
    }
}

fn pattern(name: &str) -> Pattern {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    match name.strip_prefix('*') {
        Some(suffix) => Pattern::Subdomains(suffix.to_string()),
        None => Pattern::Exact(name),
    }
}

fn without_port(host: &str) -> &str {
    if host.starts_with('[') {
        // `[::1]:4466`
        return host
            .split_once(']')
            .map_or(host, |(address, _)| &host[..=address.len()]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) && !name.contains(':') => {
            name
        }
        _ => host,
    }
}

/// Answers 421 Misdirected Request, before anything else runs, to a request for a name this
/// server does not answer to. The name itself is not echoed.
pub async fn require_allowed_host(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let allowed = match (
        request.app_data::<web::Data<AllowedHosts>>(),
        request.app_data::<web::Data<TrustedProxies>>(),
    ) {
        (Some(hosts), Some(trusted)) => trusted
            .host(request.request())
            .is_some_and(|host| hosts.allows(host)),
        // Not configured (an app built without the boundary): nothing to check against.
        _ => true,
    };
    if allowed {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    tracing::warn!(
        peer = %request.peer_addr().map(|a| a.ip().to_canonical().to_string()).unwrap_or_default(),
        "refused a request for a host name this server does not answer to"
    );
    let response = Status::failure(
        StatusCode::MISDIRECTED_REQUEST,
        format!(
            "this server does not answer to the host name in this request; if it should, add the name to -{} ({})",
            Key::AllowedHosts,
            Key::AllowedHosts.env_var()
        ),
    )
    .into_response();
    Ok(request.into_response(response))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(listed: &[&str]) -> AllowedHosts {
        AllowedHosts {
            any: false,
            patterns: [&["localhost", "*.localhost"][..], listed]
                .concat()
                .iter()
                .map(|name| pattern(name))
                .collect(),
        }
    }

    #[test]
    fn loopback_names_and_addresses_are_allowed_others_are_not() {
        let hosts = hosts(&[]);
        for ok in [
            "localhost",
            "localhost:4466",
            "LOCALHOST.",
            "app.localhost:80",
            "127.0.0.1:4466",
            "10.42.0.7",
            "[::1]:4466",
            "[fe80::1]",
        ] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for refused in [
            "attacker.example",
            "attacker.example:4466",
            "localhost.attacker.example",
            "evillocalhost",
            "",
            ":4466",
        ] {
            assert!(!hosts.allows(refused), "{refused}");
        }
    }

    #[test]
    fn listed_names_and_wildcards() {
        let hosts = hosts(&["dash.example.com", "*.corp.example"]);
        assert!(hosts.allows("dash.example.com:443"));
        assert!(hosts.allows("Dash.Example.Com"));
        assert!(!hosts.allows("other.example.com"));
        assert!(hosts.allows("a.b.corp.example"));
        assert!(!hosts.allows("corp.example.attacker"));
        assert!(!hosts.allows("notcorp.example"));
    }
}
