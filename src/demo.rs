//! `--demo`: the fake API server in-process as cluster `demo`, with workloads that change over time,
//! so the dashboard shows something real on a machine without Kubernetes. Compiled in with the `demo`
//! cargo feature (on by default), the only way the product reaches the fake.

use crate::clusters::Cluster;

pub const CLUSTER_NAME: &str = "demo";

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[cfg(feature = "demo")]
    #[error("cannot start the demo cluster: {0}")]
    Start(#[from] fake_apiserver::FakeApiError),
    #[cfg(not(feature = "demo"))]
    #[error("-demo: this build has no demo cluster (it was built without the `demo` feature)")]
    NotBuiltIn,
}

/// The running demo cluster; it stops when this is dropped.
pub struct Demo {
    #[cfg(feature = "demo")]
    _fake: fake_apiserver::FakeApiServer,
}

impl Demo {
    /// Starts the demo cluster on loopback; returns it with the cluster entry Lamplight serves.
    #[cfg(feature = "demo")]
    pub async fn start() -> Result<(Demo, Cluster), DemoError> {
        use fake_apiserver::{FakeApiServer, demo};
        use secrecy::SecretString;

        use crate::clusters::{ClusterSource, Connection, Credentials};

        let fake = FakeApiServer::builder().demo_users().start().await?;
        for object in demo::workload() {
            fake.apply(object)?;
        }
        demo::keep_changing(fake.objects(), demo::DEFAULT_TICK);
        let cluster = Cluster {
            name: CLUSTER_NAME.to_string(),
            server: fake.url().to_string(),
            source: ClusterSource::Demo,
            namespace: Some("default".to_string()),
            auth_type: "",
            oidc_provider: None,
            connection: Ok(Connection {
                base_url: fake.url().to_string(),
                tls: None,
                credentials: Credentials::Token(SecretString::from(demo::ADMIN_TOKEN)),
                always_use_own_credentials: false,
            }),
        };
        Ok((Demo { _fake: fake }, cluster))
    }

    #[cfg(not(feature = "demo"))]
    pub async fn start() -> Result<(Demo, Cluster), DemoError> {
        Err(DemoError::NotBuiltIn)
    }
}
