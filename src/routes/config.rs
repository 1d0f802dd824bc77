use actix_web::http::header::{CacheControl, CacheDirective, VARY};
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use crate::auth::{Authenticator, User};
use crate::clusters::{Cluster, ClusterRegistry, ClusterSource};

/// What a caller who has not signed in learns of a cluster that failed to load: that it did.
pub const UNAVAILABLE: &str =
    "this cluster could not be loaded (the reason is in the server's log)";

/// Headlamp's `/config`, plus how the UI should authenticate.
///
/// A caller who has not signed in (or who cannot: no sign-in mode, an untrusted peer) learns what
/// the sign-in page needs, the sign-in mode and the cluster names, but not server URLs, kubeconfig
/// paths or load errors: those are for signed-in users and the log.
pub async fn config(
    authenticator: web::Data<Authenticator>,
    registry: web::Data<ClusterRegistry>,
    user: Option<User>,
) -> HttpResponse {
    let hints = authenticator.hints();
    let detailed = user.is_some();
    let clusters: Vec<Value> = registry
        .iter()
        .map(|cluster| describe(cluster, detailed))
        .collect();
    HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .insert_header((VARY, "Cookie"))
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
fn describe(cluster: &Cluster, detailed: bool) -> Value {
    let mut entry = json!({
        "name": cluster.name,
        "auth_type": cluster.auth_type,
    });
    if detailed {
        let (source, origin) = match &cluster.source {
            ClusterSource::Kubeconfig(path) => (
                "kubeconfig",
                json!({ "kubeconfig": path.display().to_string() }),
            ),
            ClusterSource::InCluster => ("incluster", json!({})),
            ClusterSource::Demo => ("demo", json!({})),
        };
        entry["server"] = json!(cluster.server);
        entry["meta_data"] = json!({
            "source": source,
            "namespace": cluster.namespace,
            "origin": origin,
        });
    }
    if let Err(error) = &cluster.connection {
        entry["error"] = Value::String(if detailed {
            error.to_string()
        } else {
            UNAVAILABLE.to_string()
        });
    }
    entry
}
