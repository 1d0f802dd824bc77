use std::path::Path;

use super::credentials::{Credentials, TokenFile};
use super::tls::{TlsOptions, client_tls};
use super::{Cluster, ClusterError, ClusterSource, Connection};
use crate::settings::InClusterSettings;

/// The pod's own cluster: the mounted service-account token (re-read as it rotates) and CA.
pub fn cluster(settings: &InClusterSettings) -> Cluster {
    let dir = Path::new(&settings.service_account_dir);
    let ca_path = dir.join("ca.crt");
    let connection = std::fs::read(&ca_path)
        .map_err(|source| ClusterError::File {
            field: "the service account CA",
            path: ca_path,
            source,
        })
        .and_then(|ca| {
            Ok(client_tls(TlsOptions {
                ca_pem: Some(ca),
                ..TlsOptions::default()
            })?)
        })
        .map(|tls| Connection {
            base_url: settings.server.clone(),
            tls: Some(tls),
            credentials: Credentials::TokenFile(TokenFile::new(dir.join("token"))),
            always_use_own_credentials: settings.always_use_service_account,
        });
    let namespace = std::fs::read_to_string(dir.join("namespace"))
        .ok()
        .map(|ns| ns.trim().to_string());
    Cluster {
        name: settings.context_name.clone(),
        server: settings.server.clone(),
        source: ClusterSource::InCluster,
        namespace,
        auth_type: "",
        oidc_provider: None,
        connection,
    }
}
