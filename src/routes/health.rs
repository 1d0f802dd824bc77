use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};

use std::sync::Arc;

use crate::auth::oidc::Oidc;
use crate::clusters::ClusterRegistry;

/// Liveness: answers while the server is serving.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Readiness: settings are validated before the server listens, so serving means ready. Clusters
/// that failed to load are reported but do not make the server unready: the others still work.
pub async fn readyz(
    registry: web::Data<ClusterRegistry>,
    oidc: Option<web::Data<Arc<Oidc>>>,
) -> HttpResponse {
    let clusters: Map<String, Value> = registry
        .iter()
        .map(|cluster| {
            let state = match &cluster.connection {
                Ok(_) => json!({ "loaded": true }),
                Err(error) => json!({ "loaded": false, "error": error.to_string() }),
            };
            (cluster.name.clone(), state)
        })
        .collect();
    let mut checks = json!({ "settings": "loaded", "clusters": clusters });
    if let Some(oidc) = oidc {
        checks["oidc"] = match oidc.provider() {
            Ok(_) => json!("discovered"),
            Err(reason) => json!(reason.to_string()),
        };
    }
    HttpResponse::Ok().json(json!({ "status": "ready", "checks": checks }))
}
