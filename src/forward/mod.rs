//! The forwarding path: `/clusters/{cluster}/{path}` to that cluster's API server, streamed both ways,
//! with WebSocket upgrades bridged, and with exactly the credentials the identity policy allows.

mod clients;
mod error;
mod headers;
mod http;
mod identity;
mod origin;
mod websocket;

use std::sync::Arc;

use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use percent_encoding::percent_decode_str;
use secrecy::SecretString;
use tracing_actix_web::RequestId;

pub use clients::UpstreamClients;
pub use error::ForwardError;
pub use identity::IdentityPolicy;

use crate::auth::Authenticator;
use crate::auth::trust::PeerCidr;
use crate::clusters::{Cluster, ClusterRegistry, Connection};
use crate::settings::Settings;

/// What the forwarding path needs from the settings, shared by every worker.
pub struct Forwarding {
    base_url: String,
    identity_headers: Vec<HeaderName>,
    policy: IdentityPolicy,
    registry: Arc<ClusterRegistry>,
    trusted_proxies: PeerCidr,
}

impl Forwarding {
    pub fn new(settings: &Settings, registry: Arc<ClusterRegistry>) -> Self {
        let proxy = &settings.proxy_auth;
        Forwarding {
            base_url: settings.server.base_url.clone(),
            // Stripped even when proxy-auth is off: nothing upstream should ever see them.
            identity_headers: vec![
                proxy.username_header.clone(),
                proxy.group_header.clone(),
                proxy.email_header.clone(),
                proxy.token_header.clone(),
            ],
            policy: IdentityPolicy {
                impersonate: proxy.impersonate,
            },
            registry,
            trusted_proxies: PeerCidr::new(proxy.trusted_proxies.clone()),
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/clusters/{cluster}/{path:.*}", web::route().to(forward));
}

/// Everything about one forwarded request, worked out before any byte goes upstream.
struct Prepared<'a> {
    cluster: &'a Cluster,
    connection: &'a Connection,
    url: String,
    headers: header::HeaderMap,
}

async fn forward(
    request: HttpRequest,
    payload: web::Payload,
    forwarding: web::Data<Forwarding>,
    authenticator: web::Data<Authenticator>,
    clients: web::Data<UpstreamClients>,
) -> Result<HttpResponse, actix_web::Error> {
    let user = authenticator
        .identify(&request)
        .await
        .map_err(actix_web::Error::from)?;
    let (cluster_name, rest) = split_path(&forwarding.base_url, &request)?;
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
                reason: reason.clone(),
            })?;
    let clients = clients
        .get(&cluster.name)
        .ok_or_else(|| ForwardError::UnknownCluster(cluster_name.clone()))?;

    if let Some(name) = headers::impersonation_attempt(request.headers()) {
        return Err(ForwardError::ImpersonationRefused {
            header: name.to_string(),
        }
        .into());
    }
    let mut url = format!("{}/{}", connection.base_url, rest);
    if let Some(query) = request.uri().query() {
        url.push('?');
        url.push_str(query);
    }
    let mut upstream_headers =
        headers::request_headers(request.headers(), &forwarding.identity_headers);
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.to_string())
        .unwrap_or_default();

    let upgrade = websocket::is_upgrade(&request);
    // A page from another site must not drive the dashboard's (or the user's) credentials: browsers
    // send `Origin` on WebSockets and on every request that can change something.
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if upgrade || unsafe_method {
        origin::check(&request, &forwarding.trusted_proxies)?;
    }
    // Browsers cannot set headers on WebSockets: their token may come as a sub-protocol.
    let (protocols, bearer) = if upgrade {
        websocket::split_protocols(&request)?
    } else {
        (Vec::new(), None)
    };
    identity::apply(
        forwarding.policy,
        cluster,
        connection,
        user.as_ref(),
        bearer.or_else(|| client_authorization(&request)),
        &request_id,
        &mut upstream_headers,
    )
    .await?;
    let prepared = Prepared {
        cluster,
        connection,
        url,
        headers: upstream_headers,
    };
    if upgrade {
        return websocket::bridge(request, payload, prepared, protocols, &clients.upgrade).await;
    }
    http::forward(&request, payload, prepared, &clients.http).await
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
