//! The forwarding path: `/clusters/{cluster}/{path}` to that cluster's API server, streamed both ways,
//! with WebSocket upgrades bridged, and with exactly the credentials the identity policy allows.

mod clients;
mod error;
mod headers;
mod http;
mod identity;
mod origin;
mod prepare;
mod websocket;

use std::sync::Arc;

use actix_web::http::header::HeaderName;
use actix_web::{HttpRequest, HttpResponse, web};

pub use clients::UpstreamClients;
pub use error::ForwardError;
pub use identity::IdentityPolicy;

use crate::auth::Authenticator;
use crate::auth::trust::PeerCidr;
use crate::clusters::ClusterRegistry;
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

/// Who is calling, what goes upstream (prepare), then the bytes both ways (transport).
async fn forward(
    request: HttpRequest,
    payload: web::Payload,
    forwarding: web::Data<Forwarding>,
    authenticator: web::Data<Authenticator>,
    clients: web::Data<UpstreamClients>,
) -> Result<HttpResponse, actix_web::Error> {
    let user = authenticator.identify(&request).await?;
    let mut prepared = prepare::prepare(&request, &forwarding, user.as_ref()).await?;
    let clients = clients
        .get(&prepared.cluster.name)
        .ok_or_else(|| ForwardError::UnknownCluster(prepared.cluster.name.clone()))?;
    match prepared.upgrade.take() {
        Some(protocols) => {
            websocket::bridge(request, payload, prepared, protocols, &clients.upgrade).await
        }
        None => http::forward(&request, payload, prepared, &clients.http).await,
    }
}
