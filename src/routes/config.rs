use actix_web::http::header::{CacheControl, CacheDirective, VARY};
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use crate::auth::{Authenticator, User};
use crate::clusters::{Cluster, ClusterRegistry, ClusterSource};
use crate::settings::Settings;

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
    settings: Option<web::Data<Settings>>,
    user: Option<User>,
) -> HttpResponse {
    let hints = authenticator.hints();
    let detailed = user.is_some();
    // One identity provider signs users in for every cluster: Headlamp's UI then offers its OIDC
    // sign-in (`/oidc?cluster=`) for each, as Headlamp does for clusters with -oidc-* flags.
    let oidc = hints.mode == "oidc";
    let clusters: Vec<Value> = registry
        .iter()
        .map(|cluster| describe(cluster, detailed, oidc))
        .collect();
    let mut body = json!({
        "clusters": clusters,
        "isDynamicClusterEnabled": false,
        "allowKubeconfigChanges": false,
        "auth": {
            "mode": hints.mode,
            "loginUrl": hints.login_url,
            "logoutUrl": hints.logout_url,
        },
    });
    if let Some(settings) = settings {
        headlamp_defaults(&mut body, &settings);
    }
    HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .insert_header((VARY, "Cookie"))
        .json(body)
}

/// The UI defaults Headlamp's `/config` carries (the themes only when set, as Headlamp omits them).
fn headlamp_defaults(body: &mut Value, settings: &Settings) {
    let defaults = &settings.ui.defaults;
    body["defaultPodDebugImage"] = json!(defaults.pod_debug_image);
    body["defaultNodeShellImage"] = json!(defaults.node_shell_image);
    body["defaultNodeShellNamespace"] = json!(defaults.node_shell_namespace);
    for (key, value) in [
        ("defaultLightTheme", &defaults.default_light_theme),
        ("defaultDarkTheme", &defaults.default_dark_theme),
        ("forceTheme", &defaults.force_theme),
    ] {
        if !value.is_empty() {
            body[key] = json!(value);
        }
    }
}

/// A cluster in Headlamp's shape.
fn describe(cluster: &Cluster, detailed: bool, oidc: bool) -> Value {
    let auth_type = if oidc { "oidc" } else { cluster.auth_type };
    let mut entry = json!({
        "name": cluster.name,
        "auth_type": auth_type,
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
