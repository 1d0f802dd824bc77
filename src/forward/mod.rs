//! The forwarding path: `/clusters/{cluster}/{path}` to that cluster's API server, streamed both ways,
//! with WebSocket upgrades bridged, and with exactly the credentials the identity policy allows.

mod body;
pub mod call;
mod clients;
mod data_not_page;
mod error;
mod headers;
mod http;
mod identity;
mod limits;
pub(crate) mod origin;
mod prepare;
pub mod request_info;
mod websocket;

use std::sync::Arc;

use actix_web::http::header::HeaderName;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};

pub use clients::UpstreamClients;
pub use error::ForwardError;
pub use identity::IdentityPolicy;
pub use limits::StreamLimits;

use crate::auth::trust::TrustedProxies;
use crate::auth::{AuthMethod, Caller, User};
use crate::clusters::{Cluster, ClusterRegistry, Connection};
use crate::metrics::Metrics;
use crate::settings::Settings;
use crate::telemetry::RoutePattern;

/// What the forwarding path needs from the settings, shared by every worker.
pub struct Forwarding {
    base_url: String,
    identity_headers: Vec<HeaderName>,
    policy: IdentityPolicy,
    registry: Arc<ClusterRegistry>,
    trusted: TrustedProxies,
    limits: StreamLimits,
    ping_interval: std::time::Duration,
    /// `-proxy-auth-stream-max-age`, for streams opened on proxy identity.
    stream_max_age: Option<std::time::Duration>,
    metrics: Arc<Metrics>,
}

impl Forwarding {
    pub fn new(
        settings: &Settings,
        registry: Arc<ClusterRegistry>,
        trusted: TrustedProxies,
        metrics: Arc<Metrics>,
    ) -> Self {
        let proxy = &settings.proxy_auth;
        Forwarding {
            base_url: settings.server.base_url.clone(),
            // Stripped even when proxy-auth is off: nothing upstream should ever see them.
            identity_headers: proxy.stripped_headers(),
            policy: IdentityPolicy {
                impersonate: proxy.impersonate,
            },
            registry,
            trusted,
            limits: StreamLimits::new(&settings.streams, &metrics),
            ping_interval: settings.streams.ping_interval,
            stream_max_age: proxy.stream_max_age,
            metrics,
        }
    }

    /// The cluster by name, and how to reach it: unknown and unusable clusters are errors that
    /// name the cluster.
    fn reach(&self, name: &str) -> Result<(&Cluster, &Connection), ForwardError> {
        let cluster = self
            .registry
            .get(name)
            .ok_or_else(|| ForwardError::UnknownCluster(name.to_string()))?;
        let connection =
            cluster
                .connection
                .as_ref()
                .map_err(|reason| ForwardError::ClusterUnavailable {
                    cluster: cluster.name.clone(),
                    reason: reason.to_string(),
                })?;
        Ok((cluster, connection))
    }
}

/// Everything under `/clusters/` that no route of Lamplight's claimed (`/clusters/{cluster}/me`)
/// goes to a cluster. A static prefix with a default service: a pattern such as
/// `/clusters/{cluster}/{path:.*}` would cost a regex match per request, and `prepare` splits the
/// path itself anyway.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/clusters")
            .wrap(actix_web::middleware::from_fn(data_not_page::data_not_page))
            // Outermost: a set-token cookie becomes `Authorization` before anything reads the request.
            .wrap(actix_web::middleware::from_fn(
                crate::auth::token_cookie::authorize,
            ))
            .default_service(web::to(forward)),
    );
}

/// How the request log names this route.
pub const ROUTE: RoutePattern = RoutePattern("/clusters/{cluster}/{path}");

/// Who is calling, what goes upstream (prepare), then the bytes both ways (transport); the outcome
/// goes to the audit log and the metrics.
async fn forward(
    request: HttpRequest,
    payload: web::Payload,
    Caller(user): Caller,
    forwarding: web::Data<Forwarding>,
    clients: web::Data<UpstreamClients>,
) -> Result<HttpResponse, actix_web::Error> {
    let started = std::time::Instant::now();
    request.extensions_mut().insert(ROUTE);
    let outcome = transport(&request, payload, user.as_ref(), &forwarding, &clients).await;
    let status = match &outcome {
        Ok(response) => response.status(),
        Err(error) => {
            if let Some(
                ForwardError::Unreachable { cluster, .. } | ForwardError::Timeout { cluster, .. },
            ) = error.as_error::<ForwardError>()
            {
                forwarding.metrics.upstream_error(cluster);
            }
            error.as_response_error().status_code()
        }
    };
    crate::audit::forwarded(
        &request,
        &forwarding.base_url,
        user.as_ref(),
        status,
        started,
    );
    outcome
}

async fn transport(
    request: &HttpRequest,
    payload: web::Payload,
    user: Option<&User>,
    forwarding: &Forwarding,
    clients: &UpstreamClients,
) -> Result<HttpResponse, actix_web::Error> {
    let mut prepared = prepare::prepare(request, forwarding, user).await?;
    let clients = clients
        .get(&prepared.cluster.name)
        .ok_or_else(|| ForwardError::UnknownCluster(prepared.cluster.name.clone()))?;
    let watch = limits::is_watch(request);
    // Header identity is re-checked by the proxy only when a request is made: a stream opened on
    // it ends after a while, so access revoked at the proxy does not live on in an open shell.
    let max_age = user
        .filter(|user| user.method == AuthMethod::Proxy)
        .and(forwarding.stream_max_age);
    let Some(protocols) = prepared.upgrade.take() else {
        let permits = forwarding.limits.admit(request, user, false, watch)?;
        if watch {
            let (client, lane) = clients.watches.lane();
            let held = (permits, lane);
            return http::forward(request, payload, prepared, &client, held, max_age).await;
        }
        return http::forward(request, payload, prepared, &clients.http, permits, None).await;
    };
    // Before anything goes upstream: a bad handshake or a full pool costs the API server nothing.
    let client_side = websocket::accept(request, payload)?;
    let permits = forwarding.limits.admit(request, user, true, watch)?;
    let bridge = websocket::Bridge {
        client_side,
        protocols,
        permits,
        ping_interval: forwarding.ping_interval,
        max_age,
    };
    websocket::bridge(request, prepared, bridge, &clients.upgrade).await
}
