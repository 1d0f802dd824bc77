//! Everything about one forwarded request, worked out before any byte goes upstream: which
//! cluster, which URL, which headers and whose credentials. Refusals happen here, so the transports
//! (`http`, `websocket`) only move bytes.

use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpMessage, HttpRequest};
use percent_encoding::percent_decode_str;
use secrecy::SecretString;
use tracing_actix_web::RequestId;

use super::error::ForwardError;
use super::{Forwarding, headers, identity, origin, websocket};
use crate::auth::User;
use crate::clusters::{Cluster, Connection};

pub(super) struct Prepared<'a> {
    pub cluster: &'a Cluster,
    pub connection: &'a Connection,
    pub url: String,
    pub headers: HeaderMap,
    /// `Some` for a WebSocket upgrade: the sub-protocols to offer upstream.
    pub upgrade: Option<Vec<String>>,
}

pub(super) async fn prepare<'a>(
    request: &HttpRequest,
    forwarding: &'a Forwarding,
    user: Option<&User>,
) -> Result<Prepared<'a>, ForwardError> {
    let (cluster_name, rest) = split_path(&forwarding.base_url, request)?;
    let (cluster, connection) = forwarding.reach(&cluster_name)?;
    if let Some(name) = headers::impersonation_attempt(request.headers()) {
        return Err(ForwardError::ImpersonationRefused {
            header: name.to_string(),
        });
    }
    let mut url = format!("{}/{}", connection.base_url, rest);
    if let Some(query) = request.uri().query() {
        url.push('?');
        url.push_str(query);
    }

    let upgrade = websocket::is_upgrade(request);
    // A page from another site must not drive the dashboard's (or the user's) credentials: browsers
    // send `Origin` on WebSockets and on every request that can change something.
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if upgrade || unsafe_method {
        origin::check(request, &forwarding.trusted)?;
    }
    // Browsers cannot set headers on WebSockets: their token may come as a sub-protocol.
    let (protocols, bearer) = if upgrade {
        let (protocols, bearer) = websocket::split_protocols(request)?;
        (Some(protocols), bearer)
    } else {
        (None, None)
    };

    let mut upstream_headers =
        headers::request_headers(request.headers(), &forwarding.identity_headers);
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.to_string())
        .unwrap_or_default();
    identity::apply(
        forwarding.policy,
        cluster,
        connection,
        user,
        bearer.or_else(|| client_authorization(request)),
        &request_id,
        &mut upstream_headers,
    )
    .await?;
    Ok(Prepared {
        cluster,
        connection,
        url,
        headers: upstream_headers,
        upgrade: protocols,
    })
}

fn client_authorization(request: &HttpRequest) -> Option<SecretString> {
    request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(|value| SecretString::from(value.to_string()))
}

/// The cluster name and the rest of the path, taken from the raw (still percent-encoded) path so the
/// API server receives exactly what the client sent.
fn split_path(base_url: &str, request: &HttpRequest) -> Result<(String, String), ForwardError> {
    let path = request.uri().path();
    let after = path
        .strip_prefix(base_url)
        .and_then(|p| p.strip_prefix("/clusters/"))
        .ok_or(ForwardError::NotAClusterPath)?;
    let (raw_cluster, rest) = after
        .split_once('/')
        .filter(|(cluster, _)| !cluster.is_empty())
        .ok_or(ForwardError::NotAClusterPath)?;
    let cluster = percent_decode_str(raw_cluster)
        .decode_utf8_lossy()
        .to_string();
    // A server URL may carry a path (Rancher, proxies): `..` must not climb out of it.
    if rest.split('/').any(dot_segment) {
        return Err(ForwardError::DotSegments);
    }
    Ok((cluster, rest.to_string()))
}

/// Whether a raw path segment is, or may become somewhere upstream, a `.` or `..` step: after any
/// number of percent-decodings (`%252e%252e`), split at `/` and `\` (`..%2f`, `..%5c`), and
/// without `;` parameters (`..;`, which some servers strip).
fn dot_segment(segment: &str) -> bool {
    let mut decoded = segment.to_string();
    // Each round decodes one level; a segment cannot hide behind more levels than its length.
    for _ in 0..segment.len() {
        let next = percent_decode_str(&decoded)
            .decode_utf8_lossy()
            .into_owned();
        if next == decoded {
            break;
        }
        decoded = next;
    }
    decoded.split(['/', '\\']).any(|part| {
        let step = part.split(';').next().unwrap_or_default();
        step == "." || step == ".."
    })
}

#[cfg(test)]
mod tests {
    use super::dot_segment;
    use proptest::prelude::*;

    #[test]
    fn every_spelling_of_a_dot_step_is_caught() {
        for segment in [
            "..",
            ".",
            "%2e%2e",
            "%2E.",
            "..%2f",
            "..%2F",
            "..%5c",
            "..;",
            "..;x=1",
            "%252e%252e",
            "%25252e%25252e",
            "x%2f..",
            "a%5c..%5cb",
        ] {
            assert!(dot_segment(segment), "{segment}");
        }
        for segment in [
            "pods",
            "...",
            "a..b",
            "..a",
            "v1",
            "%2e%2ex",
            "name.with.dots",
        ] {
            assert!(!dot_segment(segment), "{segment}");
        }
    }

    proptest! {
        /// However a `..` step is encoded (each character percent-encoded 0 to 3 times), with
        /// whatever segments around it, it is caught.
        #[test]
        fn encoded_dot_steps_are_caught(levels in proptest::collection::vec(0usize..4, 2), prefix in "[a-z]{0,5}", separator in prop::sample::select(vec!["%2f", "%2F", "%5c", "/"])) {
            let encode = |c: char, times: usize| {
                let mut text = c.to_string();
                for _ in 0..times {
                    text = text.chars().map(|c| format!("%{:02X}", c as u32)).collect();
                }
                text
            };
            let dots = format!("{}{}", encode('.', levels[0]), encode('.', levels[1]));
            let segment = if prefix.is_empty() { dots } else { format!("{prefix}{separator}{dots}") };
            prop_assert!(dot_segment(&segment), "{}", segment);
        }

        /// Segments made of name characters are never refused.
        #[test]
        fn plain_names_pass(name in "[a-z0-9][a-z0-9.-]{0,20}") {
            prop_assume!(name != "." && name != "..");
            prop_assert!(!dot_segment(&name));
        }
    }
}
