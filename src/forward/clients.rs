//! One pair of awc clients per cluster and worker (awc clients are not `Send`).

use std::collections::HashMap;
use std::time::Duration;

use awc::{Client, Connector};

use crate::clusters::ClusterRegistry;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Until the response head: the API server answers or times out itself within a minute.
const RESPONSE_HEAD_TIMEOUT: Duration = Duration::from_secs(120);

pub struct ClusterClients {
    /// HTTP/2 where the server offers it, so many watches share one connection.
    pub http: Client,
    /// HTTP/1.1 only: awc cannot open a WebSocket over HTTP/2.
    pub upgrade: Client,
}

#[derive(Default)]
pub struct UpstreamClients {
    clients: HashMap<String, ClusterClients>,
}

impl UpstreamClients {
    pub fn new(registry: &ClusterRegistry) -> Self {
        let clients = registry
            .iter()
            .filter_map(|cluster| {
                let connection = cluster.connection.as_ref().ok()?;
                let tls = connection.tls.as_ref();
                Some((
                    cluster.name.clone(),
                    ClusterClients {
                        http: client(tls.map(|t| t.http.clone())),
                        upgrade: client(tls.map(|t| t.upgrade.clone())),
                    },
                ))
            })
            .collect();
        UpstreamClients { clients }
    }

    pub fn get(&self, cluster: &str) -> Option<&ClusterClients> {
        self.clients.get(cluster)
    }
}

fn client(tls: Option<std::sync::Arc<rustls::ClientConfig>>) -> Client {
    // No connection limit: every open watch holds a connection (or an HTTP/2 stream).
    let mut connector = Connector::new().limit(0).timeout(CONNECT_TIMEOUT);
    if let Some(tls) = tls {
        connector = connector.rustls_0_23(tls);
    }
    Client::builder()
        .connector(connector)
        .disable_redirects()
        .no_default_headers()
        .timeout(RESPONSE_HEAD_TIMEOUT)
        .finish()
}
