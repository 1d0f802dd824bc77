use std::path::PathBuf;

/// Why a cluster cannot be used. The cluster stays listed with this error (in `/config`, `/readyz`
/// and a 400 for its requests) while the others keep working.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("the context has no `context` entry")]
    NoContext,
    #[error("the context refers to cluster {0:?}, which is not defined")]
    UndefinedCluster(String),
    #[error("the context refers to user {0:?}, which is not defined")]
    UndefinedUser(String),
    #[error("the cluster has no server URL")]
    NoServer,
    #[error("server {0:?} is not an http:// or https:// URL")]
    NotHttp(String),
    #[error("proxy-url is not supported")]
    ProxyUrl,
    #[error("{field}-data is not valid base64: {source}")]
    Base64 {
        field: &'static str,
        source: base64::DecodeError,
    },
    #[error("cannot read {field} {}: {source}", path.display())]
    File {
        field: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("exec: {0}")]
    Exec(&'static str),
    #[error("exec: unsupported apiVersion {0:?}")]
    ExecApiVersion(String),
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// A TLS configuration that cannot be built from what the kubeconfig (or flag) gave.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{what}: {source}")]
    Pem {
        what: &'static str,
        source: rustls::pki_types::pem::Error,
    },
    #[error("{0}: no PEM certificate found")]
    NoCertificate(&'static str),
    #[error("{what}: {source}")]
    Rustls {
        what: &'static str,
        source: rustls::Error,
    },
    #[error("certificate authority: {0}")]
    Verifier(#[from] rustls::client::VerifierBuilderError),
    #[error("tls-server-name {name:?}: {source}")]
    ServerName {
        name: String,
        source: rustls::pki_types::InvalidDnsNameError,
    },
    #[error("a client certificate is set without its client key")]
    MissingKey,
    #[error("a client key is set without its client certificate")]
    MissingCertificate,
}
