//! The clusters Lamplight serves: one per kubeconfig context (named as Headlamp names them, by the
//! context) plus, with `-in-cluster`, the cluster it runs in. A context that fails to load stays listed
//! with its error, so one bad entry never hides the others.

mod credentials;
mod error;
mod exec_plugin;
mod in_cluster;
mod kubeconfig;
pub mod tls;

use std::path::PathBuf;
use std::sync::Arc;

pub use credentials::{CredentialError, Credentials, TokenFile};
pub use error::{ClusterError, TlsError};
pub use exec_plugin::ExecPlugin;
pub use kubeconfig::KubeconfigError;

use crate::settings::ClusterSettings;

#[derive(Debug, Clone)]
pub enum ClusterSource {
    Kubeconfig(PathBuf),
    InCluster,
    /// `--demo`: the in-process fake cluster.
    Demo,
}

#[derive(Debug)]
pub struct Cluster {
    pub name: String,
    pub server: String,
    pub source: ClusterSource,
    pub namespace: Option<String>,
    /// `oidc` when the context's user signs in with an OIDC auth provider (Headlamp's hint to the UI).
    pub auth_type: &'static str,
    /// The context user's `auth-provider: oidc` config, which can supply Lamplight's OIDC client.
    pub oidc_provider: Option<std::collections::HashMap<String, String>>,
    pub connection: Result<Connection, ClusterError>,
}

/// Everything needed to reach one API server.
pub struct Connection {
    /// The server URL without a trailing slash (it may carry a path, e.g. behind Rancher).
    pub base_url: String,
    /// `None` for plain `http://` servers.
    pub tls: Option<tls::ClientTls>,
    pub credentials: Credentials,
    /// In-cluster with `-unsafe-use-service-account-token`: never forward the user's token.
    pub always_use_own_credentials: bool,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("base_url", &self.base_url)
            .field("tls", &self.tls.is_some())
            .field("credentials", &self.credentials.kind())
            .finish()
    }
}

#[derive(Debug, Default)]
pub struct ClusterRegistry {
    clusters: Vec<Arc<Cluster>>,
}

impl ClusterRegistry {
    pub fn load(settings: &ClusterSettings) -> Result<Self, KubeconfigError> {
        let mut clusters = Vec::new();
        if let Some(in_cluster) = &settings.in_cluster {
            clusters.push(in_cluster::cluster(in_cluster));
        }
        for cluster in kubeconfig::clusters(&settings.kubeconfigs)? {
            let skipped = settings.skipped_contexts.contains(&cluster.name);
            let taken = clusters.iter().any(|c: &Cluster| c.name == cluster.name);
            if !skipped && !taken {
                clusters.push(cluster);
            }
        }
        Ok(ClusterRegistry {
            clusters: clusters.into_iter().map(Arc::new).collect(),
        })
    }

    /// Adds a cluster unless one of that name exists (an explicit kubeconfig context wins).
    pub fn add(&mut self, cluster: Cluster) {
        if self.get(&cluster.name).is_none() {
            self.clusters.push(Arc::new(cluster));
        }
    }

    pub fn get(&self, name: &str) -> Option<&Arc<Cluster>> {
        self.clusters.iter().find(|cluster| cluster.name == name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Cluster>> {
        self.clusters.iter()
    }
}
