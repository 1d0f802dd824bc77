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
    let cluster = forwarding
        .registry
        .get(&cluster_name)
        .ok_or_else(|| ForwardError::UnknownCluster(cluster_name.clone()))?;
    let connection =
        cluster
            .connection
            .as_ref()
            .map_err(|reason| ForwardError::ClusterUnavailable {
                cluster: cluster.name.clone(),
                reason: reason.to_string(),
            })?;
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
        origin::check(request, &forwarding.trusted_proxies)?;
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
        .ok_or_else(|| ForwardError::BadRequest("not a cluster path".to_string()))?;
    let (raw_cluster, rest) = after.split_once('/').unwrap_or((after, ""));
    let cluster = percent_decode_str(raw_cluster)
        .decode_utf8_lossy()
        .to_string();
    // A server URL may carry a path (Rancher, proxies): `..` must not climb out of it.
    let dot_segment = rest.split('/').any(|segment| {
        let decoded = percent_decode_str(segment).decode_utf8_lossy();
        decoded == ".." || decoded == "."
    });
    if dot_segment {
        return Err(ForwardError::DotSegments);
    }
    Ok((cluster, rest.to_string()))
}
