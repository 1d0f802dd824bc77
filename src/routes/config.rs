use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use crate::auth::Authenticator;
use crate::clusters::{Cluster, ClusterRegistry, ClusterSource};

/// Headlamp's `/config`, plus how the UI should authenticate.
pub async fn config(
    authenticator: web::Data<Authenticator>,
    registry: web::Data<ClusterRegistry>,
) -> HttpResponse {
    let hints = authenticator.hints();
    let clusters: Vec<Value> = registry.iter().map(|cluster| describe(cluster)).collect();
    HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .json(json!({
            "clusters": clusters,
            "isDynamicClusterEnabled": false,
            "allowKubeconfigChanges": false,
            "auth": {
                "mode": hints.mode,
                "loginUrl": hints.login_url,
                "logoutUrl": hints.logout_url,
            },
        }))
}

/// A cluster in Headlamp's shape.
fn describe(cluster: &Cluster) -> Value {
    let (source, origin) = match &cluster.source {
        ClusterSource::Kubeconfig(path) => (
            "kubeconfig",
            json!({ "kubeconfig": path.display().to_string() }),
        ),
        ClusterSource::InCluster => ("incluster", json!({})),
        ClusterSource::Demo => ("demo", json!({})),
    };
    let mut entry = json!({
        "name": cluster.name,
        "server": cluster.server,
        "auth_type": cluster.auth_type,
        "meta_data": {
            "source": source,
            "namespace": cluster.namespace,
            "origin": origin,
        },
    });
    if let Err(error) = &cluster.connection {
        entry["error"] = Value::String(error.to_string());
    }
    entry
}
