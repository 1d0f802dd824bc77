//! Kubeconfig files, parsed and merged by the kube crate; Lamplight turns each context into a cluster.

use std::path::{Path, PathBuf};

use base64::Engine;
use kube::config::{AuthInfo, Cluster as KubeCluster, Context, Kubeconfig, NamedContext};
use secrecy::ExposeSecret;

use super::credentials::{Credentials, TokenFile};
use super::exec_plugin::{ExecPlugin, env_pairs};
use super::tls::{TlsOptions, client_tls};
use super::{Cluster, ClusterError, ClusterSource, Connection};

#[derive(Debug, thiserror::Error)]
#[error("cannot load kubeconfig {}: {reason}", path.display())]
pub struct KubeconfigError {
    pub path: PathBuf,
    pub reason: String,
}

pub fn clusters(paths: &[PathBuf]) -> Result<Vec<Cluster>, KubeconfigError> {
    let mut clusters: Vec<Cluster> = Vec::new();
    for path in paths {
        let config = Kubeconfig::read_from(path).map_err(|e| KubeconfigError {
            path: path.clone(),
            reason: crate::errors::chain(&e),
        })?;
        for context in &config.contexts {
            // Merge rule shared with kubectl: the first file to define a name wins.
            if !clusters.iter().any(|c| c.name == context.name) {
                clusters.push(cluster(&config, context, path));
            }
        }
    }
    Ok(clusters)
}

fn cluster(config: &Kubeconfig, named: &NamedContext, path: &Path) -> Cluster {
    let context = named.context.as_ref();
    let cluster_entry = context
        .ok_or(ClusterError::NoContext)
        .and_then(|ctx| cluster_entry(config, ctx));
    let user_entry = context
        .ok_or(ClusterError::NoContext)
        .and_then(|ctx| user_entry(config, ctx));
    let server = cluster_entry
        .as_ref()
        .ok()
        .and_then(|c| c.server.clone())
        .unwrap_or_default();
    let oidc_provider = user_entry
        .as_ref()
        .ok()
        .copied()
        .flatten()
        .and_then(|u| u.auth_provider.as_ref())
        .filter(|provider| provider.name == "oidc")
        .map(|provider| provider.config.clone());
    let connection = match (cluster_entry, user_entry) {
        (Ok(cluster), Ok(user)) => connection(cluster, user, path),
        (Err(reason), _) | (_, Err(reason)) => Err(reason),
    };
    Cluster {
        name: named.name.clone(),
        server,
        source: ClusterSource::Kubeconfig(path.to_path_buf()),
        namespace: context.and_then(|ctx| ctx.namespace.clone()),
        auth_type: if oidc_provider.is_some() { "oidc" } else { "" },
        oidc_provider,
        connection,
    }
}

fn cluster_entry<'a>(
    config: &'a Kubeconfig,
    context: &Context,
) -> Result<&'a KubeCluster, ClusterError> {
    config
        .clusters
        .iter()
        .find(|c| c.name == context.cluster)
        .and_then(|c| c.cluster.as_ref())
        .ok_or_else(|| ClusterError::UndefinedCluster(context.cluster.clone()))
}

/// The context's user, if it names one; an undefined name is an error.
fn user_entry<'a>(
    config: &'a Kubeconfig,
    context: &Context,
) -> Result<Option<&'a AuthInfo>, ClusterError> {
    let Some(name) = &context.user else {
        return Ok(None);
    };
    config
        .auth_infos
        .iter()
        .find(|a| &a.name == name)
        .and_then(|a| a.auth_info.as_ref())
        .map(Some)
        .ok_or_else(|| ClusterError::UndefinedUser(name.clone()))
}

fn connection(
    cluster: &KubeCluster,
    user: Option<&AuthInfo>,
    path: &Path,
) -> Result<Connection, ClusterError> {
    let server = cluster
        .server
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or(ClusterError::NoServer)?;
    let base_url = server.trim_end_matches('/').to_string();
    let https = if base_url.starts_with("https://") {
        true
    } else if base_url.starts_with("http://") {
        false
    } else {
        return Err(ClusterError::NotHttp(server.to_string()));
    };
    if cluster.proxy_url.is_some() {
        return Err(ClusterError::ProxyUrl);
    }

    let tls = if https {
        let options = TlsOptions {
            ca_pem: data_or_file(
                cluster.certificate_authority_data.as_deref(),
                cluster.certificate_authority.as_deref(),
                "certificate-authority",
                path,
            )?,
            insecure_skip_verify: cluster.insecure_skip_tls_verify.unwrap_or(false),
            server_name: cluster.tls_server_name.clone(),
            client_cert_pem: user
                .map(|u| {
                    data_or_file(
                        u.client_certificate_data.as_deref(),
                        u.client_certificate.as_deref(),
                        "client-certificate",
                        path,
                    )
                })
                .transpose()?
                .flatten(),
            client_key_pem: user
                .map(|u| {
                    data_or_file(
                        u.client_key_data.as_ref().map(|k| k.expose_secret()),
                        u.client_key.as_deref(),
                        "client-key",
                        path,
                    )
                })
                .transpose()?
                .flatten(),
        };
        Some(client_tls(options)?)
    } else {
        None
    };
    Ok(Connection {
        base_url,
        tls,
        credentials: user
            .map(credentials)
            .transpose()?
            .unwrap_or(Credentials::None),
        always_use_own_credentials: false,
    })
}

fn credentials(user: &AuthInfo) -> Result<Credentials, ClusterError> {
    if let Some(token) = &user.token {
        return Ok(Credentials::Token(token.clone()));
    }
    if let Some(file) = &user.token_file {
        return Ok(Credentials::TokenFile(TokenFile::new(file.into())));
    }
    if let Some(exec) = &user.exec {
        let command = exec
            .command
            .clone()
            .filter(|c| !c.is_empty())
            .ok_or(ClusterError::Exec("no command"))?;
        let api_version = exec.api_version.clone().unwrap_or_default();
        if !matches!(
            api_version.as_str(),
            "client.authentication.k8s.io/v1" | "client.authentication.k8s.io/v1beta1"
        ) {
            return Err(ClusterError::ExecApiVersion(api_version));
        }
        let args = exec.args.clone().unwrap_or_default();
        return Ok(Credentials::Exec(ExecPlugin::new(
            command,
            args,
            env_pairs(exec.env.as_ref()),
            api_version,
        )));
    }
    if let (Some(username), Some(password)) = (&user.username, &user.password) {
        return Ok(Credentials::Basic {
            username: username.clone(),
            password: password.clone(),
        });
    }
    Ok(Credentials::None)
}

/// kubeconfig's `X-data` (base64) or `X` (a file, already made absolute by the kube crate).
fn data_or_file(
    data: Option<&str>,
    file: Option<&str>,
    field: &'static str,
    kubeconfig: &Path,
) -> Result<Option<Vec<u8>>, ClusterError> {
    if let Some(data) = data.filter(|d| !d.is_empty()) {
        let cleaned: String = data.split_whitespace().collect();
        return base64::engine::general_purpose::STANDARD
            .decode(cleaned)
            .map(Some)
            .map_err(|source| ClusterError::Base64 { field, source });
    }
    match file.filter(|f| !f.is_empty()) {
        None => Ok(None),
        Some(file) => {
            let path = kubeconfig
                .parent()
                .map(|dir| dir.join(file))
                .unwrap_or_else(|| file.into());
            std::fs::read(&path)
                .map(Some)
                .map_err(|source| ClusterError::File {
                    field,
                    path,
                    source,
                })
        }
    }
}
