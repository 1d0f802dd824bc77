use actix_web::http::header::{CacheControl, CacheDirective, VARY};
use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};

use std::sync::Arc;

use crate::auth::User;
use crate::auth::oidc::Oidc;
use crate::clusters::ClusterRegistry;

/// Liveness: answers while the server is serving.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Readiness: settings are validated before the server listens, so serving means ready. Clusters
/// that failed to load are reported but do not make the server unready: the others still work.
/// Probes do not sign in: they learn which clusters loaded and whether OIDC discovery is done;
/// the reasons (load errors, the IdP's failure) are for signed-in users and the log.
pub async fn readyz(
    registry: web::Data<ClusterRegistry>,
    oidc: Option<web::Data<Arc<Oidc>>>,
    user: Option<User>,
) -> HttpResponse {
    let detailed = user.is_some();
    let clusters: Map<String, Value> = registry
        .iter()
        .map(|cluster| {
            let state = match &cluster.connection {
                Ok(_) => json!({ "loaded": true }),
                Err(error) if detailed => json!({ "loaded": false, "error": error.to_string() }),
                Err(_) => json!({ "loaded": false }),
            };
            (cluster.name.clone(), state)
        })
        .collect();
    let mut checks = json!({ "settings": "loaded", "clusters": clusters });
    if let Some(oidc) = oidc {
        checks["oidc"] = match oidc.provider() {
            Ok(_) => json!("discovered"),
            Err(reason) if detailed => json!(reason.to_string()),
            Err(_) => json!("discovery pending"),
        };
    }
    HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .insert_header((VARY, "Cookie"))
        .json(json!({ "status": "ready", "checks": checks }))
}
