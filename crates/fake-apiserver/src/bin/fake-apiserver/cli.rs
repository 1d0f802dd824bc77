//! The command line: flags, and what they turn into once checked.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use fake_apiserver::{FakeApiServerBuilder, FakeTls, demo};

/// A fake Kubernetes API server: discovery, CRUD and watches, tables, logs, exec and
/// port-forward, server-side apply, tokens, OIDC and client certificates, RBAC refusals.
///
/// Prints `fake-apiserver listening on URL` once it accepts connections; stops on SIGTERM or
/// SIGINT. Bad flags exit with status 2 and one line naming the flag.
#[derive(Debug, Parser)]
#[command(name = "fake-apiserver", version)]
pub struct Cli {
    /// Port to listen on; 0 picks a free one (the listening line says which).
    #[arg(long, default_value_t = 6443)]
    pub port: u16,

    /// Address to listen on.
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    pub listen_addr: IpAddr,

    /// Serve HTTPS with this certificate (PEM; a full chain puts its CA last, and that last
    /// certificate becomes the CA of --kubeconfig-out).
    #[arg(long, value_name = "PATH", requires = "tls_key_file")]
    pub tls_cert_file: Option<PathBuf>,

    /// The private key of --tls-cert-file (PEM).
    #[arg(long, value_name = "PATH", requires = "tls_cert_file")]
    pub tls_key_file: Option<PathBuf>,

    /// Verify client certificates signed by this CA (PEM); their CN is the user and their O
    /// the groups. Clients without one may still use a token.
    #[arg(long, value_name = "PATH", requires = "tls_cert_file")]
    pub client_ca_file: Option<PathBuf>,

    /// Seed this many more pods (with deployments and replica sets) in namespaces load-000, ...
    /// of 200 pods each.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub pods: usize,

    /// Wait this many milliseconds before answering each request.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency: u64,

    /// The demo cluster: its users (token `demo-admin-token` for demo-admin, who may
    /// impersonate; `dev` is refused secrets; JWTs taken at their word), the team-a workload,
    /// and a worker restarting every --churn-interval.
    #[arg(long)]
    pub demo: bool,

    /// How often the demo workload changes (`4s`, `500ms`, `1m`).
    #[arg(long, value_name = "DURATION", requires = "demo", value_parser = parse_duration)]
    pub churn_interval: Option<Duration>,

    /// A bearer token and whom it authenticates, repeatable: `TOKEN:NAME[:GROUP,...]`.
    #[arg(long = "user", value_name = "TOKEN:NAME[:GROUP,...]", value_parser = parse_user)]
    pub users: Vec<UserFlag>,

    /// Refuse USER every verb on RESOURCE (`secrets`, `pods/exec`, `*`), repeatable:
    /// `USER:RESOURCE`.
    #[arg(long = "forbid", value_name = "USER:RESOURCE", value_parser = parse_forbid)]
    pub forbidden: Vec<(String, String)>,

    /// Let USER send Impersonate-* headers, repeatable.
    #[arg(long = "impersonator", value_name = "USER")]
    pub impersonators: Vec<String>,

    /// Verify bearer JWTs from this OpenID issuer, like kube-apiserver's flag of that name.
    #[arg(long, value_name = "URL", requires = "oidc_client_id", value_parser = parse_issuer)]
    pub oidc_issuer_url: Option<String>,

    /// The audience the issuer's tokens must carry.
    #[arg(long, value_name = "ID", requires = "oidc_issuer_url")]
    pub oidc_client_id: Option<String>,

    /// The claim that names the user.
    #[arg(
        long,
        value_name = "CLAIM",
        default_value = "sub",
        requires = "oidc_issuer_url"
    )]
    pub oidc_username_claim: String,

    /// Prefix of OIDC user names; `-` for none. Default: `ISSUER#` unless the claim is `email`.
    #[arg(long, value_name = "PREFIX", requires = "oidc_issuer_url")]
    pub oidc_username_prefix: Option<String>,

    /// The claim that lists the user's groups (default: none).
    #[arg(long, value_name = "CLAIM", requires = "oidc_issuer_url")]
    pub oidc_groups_claim: Option<String>,

    /// Prefix of OIDC group names.
    #[arg(long, value_name = "PREFIX", requires = "oidc_groups_claim")]
    pub oidc_groups_prefix: Option<String>,

    /// Accepted signing algorithms, comma-separated.
    #[arg(long, value_name = "ALGS", value_delimiter = ',', default_value = "RS256",
          requires = "oidc_issuer_url", value_parser = parse_algorithm)]
    pub oidc_signing_algs: Vec<String>,

    /// CA bundle (PEM) of an HTTPS issuer; the Web PKI by default.
    #[arg(long, value_name = "PATH", requires = "oidc_issuer_url")]
    pub oidc_ca_file: Option<PathBuf>,

    /// Append one JSON line per request (method, path, query, headers with credentials as
    /// fingerprints, user, bearer_claims) to this file, as requests arrive.
    #[arg(long, value_name = "PATH")]
    pub record_file: Option<PathBuf>,

    /// Write a kubeconfig for this server (its URL, its CA when serving HTTPS, the first user's
    /// token) before printing the listening line.
    #[arg(long, value_name = "PATH")]
    pub kubeconfig_out: Option<PathBuf>,

    /// The name of the cluster, user and context in --kubeconfig-out.
    #[arg(long, value_name = "NAME", default_value = "fake-apiserver")]
    pub kubeconfig_context: String,
}

#[derive(Debug, Clone)]
pub struct UserFlag {
    pub token: String,
    pub name: String,
    pub groups: Vec<String>,
}

fn parse_user(value: &str) -> Result<UserFlag, String> {
    let mut parts = value.splitn(3, ':');
    let (Some(token), Some(name)) = (parts.next(), parts.next()) else {
        return Err("expected TOKEN:NAME[:GROUP,...]".into());
    };
    if token.is_empty() || name.is_empty() {
        return Err("the token and the name must not be empty".into());
    }
    let groups = parts
        .next()
        .map(|g| {
            g.split(',')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok(UserFlag {
        token: token.to_string(),
        name: name.to_string(),
        groups,
    })
}

fn parse_forbid(value: &str) -> Result<(String, String), String> {
    match value.split_once(':') {
        Some((user, resource)) if !user.is_empty() && !resource.is_empty() => {
            Ok((user.to_string(), resource.to_string()))
        }
        _ => Err("expected USER:RESOURCE".into()),
    }
}

fn parse_issuer(value: &str) -> Result<String, String> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() => Ok(value.to_string()),
        _ => Err("must be an http:// or https:// URL".into()),
    }
}

/// The asymmetric JWS algorithms kube-apiserver accepts.
fn parse_algorithm(value: &str) -> Result<String, String> {
    const ALGORITHMS: &[&str] = &[
        "RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "PS384", "PS512", "EdDSA",
    ];
    if ALGORITHMS.contains(&value) {
        Ok(value.to_string())
    } else {
        Err(format!("one of {}", ALGORITHMS.join(", ")))
    }
}

fn parse_duration(value: &str) -> Result<Duration, String> {
    let duration: jiff::SignedDuration = value
        .parse()
        .map_err(|e| format!("not a duration like 4s or 500ms: {e}"))?;
    let duration = Duration::try_from(duration).map_err(|_| "must not be negative".to_string())?;
    if duration.is_zero() {
        return Err("must be more than zero".into());
    }
    Ok(duration)
}

/// A flag whose value could not be used, and why.
#[derive(Debug, thiserror::Error)]
#[error("--{flag}: {message}")]
pub struct FlagError {
    pub flag: &'static str,
    pub message: String,
}

fn read(flag: &'static str, path: &Path) -> Result<String, FlagError> {
    std::fs::read_to_string(path).map_err(|e| FlagError {
        flag,
        message: format!("cannot read {}: {e}", path.display()),
    })
}

/// Everything the server is started with.
pub struct Config {
    pub builder: FakeApiServerBuilder,
    pub demo: Option<Duration>,
    pub kubeconfig: Option<KubeconfigOut>,
}

/// What `--kubeconfig-out` writes besides the URL.
pub struct KubeconfigOut {
    pub path: PathBuf,
    pub context: String,
    pub token: Option<String>,
    /// The certificate clients trust the server by, as PEM.
    pub ca_pem: Option<String>,
}

impl Cli {
    /// Reads the files the flags name and builds the server; the first failure names its flag.
    pub fn into_config(self) -> Result<Config, FlagError> {
        let mut builder =
            FakeApiServerBuilder::default().listen(SocketAddr::new(self.listen_addr, self.port));
        let mut tokens = Vec::new();
        if self.demo {
            builder = builder.demo_users();
            tokens.push(demo::ADMIN_TOKEN.to_string());
        }
        for user in &self.users {
            let groups: Vec<&str> = user.groups.iter().map(String::as_str).collect();
            builder = builder.user(&user.token, &user.name, &groups);
            tokens.push(user.token.clone());
        }
        for (user, resource) in &self.forbidden {
            builder = builder.forbid(user, resource);
        }
        for user in &self.impersonators {
            builder = builder.impersonator(user);
        }
        let mut ca_pem = None;
        if let (Some(cert), Some(key)) = (&self.tls_cert_file, &self.tls_key_file) {
            let cert_pem = read("tls-cert-file", cert)?;
            ca_pem = Some(last_certificate(&cert_pem).ok_or_else(|| FlagError {
                flag: "tls-cert-file",
                message: format!("{} holds no PEM certificate", cert.display()),
            })?);
            let client_ca_pem = self
                .client_ca_file
                .as_deref()
                .map(|path| read("client-ca-file", path))
                .transpose()?;
            builder = builder.tls(FakeTls {
                cert_pem,
                key_pem: read("tls-key-file", key)?,
                client_ca_pem,
            });
        }
        if let (Some(issuer), Some(client_id)) = (&self.oidc_issuer_url, &self.oidc_client_id) {
            builder = builder
                .oidc_issuer(issuer, client_id)
                .oidc_username_claim(&self.oidc_username_claim);
            if let Some(prefix) = &self.oidc_username_prefix {
                builder = builder.oidc_username_prefix(prefix);
            }
            if let Some(claim) = &self.oidc_groups_claim {
                builder = builder.oidc_groups_claim(claim);
            }
            if let Some(prefix) = &self.oidc_groups_prefix {
                builder = builder.oidc_groups_prefix(prefix);
            }
            let algs: Vec<&str> = self.oidc_signing_algs.iter().map(String::as_str).collect();
            builder = builder.oidc_signing_algs(&algs);
            if let Some(path) = &self.oidc_ca_file {
                builder = builder.oidc_ca_pem(&read("oidc-ca-file", path)?);
            }
        }
        if self.pods > 0 {
            builder = builder.extra_pods(self.pods);
        }
        if self.latency > 0 {
            builder = builder.latency(Duration::from_millis(self.latency));
        }
        if let Some(path) = self.record_file {
            builder = builder.record_file(path);
        }
        Ok(Config {
            builder,
            demo: self
                .demo
                .then(|| self.churn_interval.unwrap_or(demo::DEFAULT_TICK)),
            kubeconfig: self.kubeconfig_out.map(|path| KubeconfigOut {
                path,
                context: self.kubeconfig_context,
                token: tokens.into_iter().next(),
                ca_pem,
            }),
        })
    }
}

/// The last certificate of a PEM bundle, as PEM.
fn last_certificate(pem: &str) -> Option<String> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let start = pem.rfind(BEGIN)?;
    let end = start + pem[start..].find(END)? + END.len();
    Some(format!("{}\n", &pem[start..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_and_durations() {
        let user = parse_user("t0k:alice:dev, ops").unwrap();
        assert_eq!((user.token.as_str(), user.name.as_str()), ("t0k", "alice"));
        assert_eq!(user.groups, ["dev", "ops"]);
        assert!(parse_user("lonely").is_err());
        assert!(parse_user(":alice").is_err());
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn the_last_certificate_of_a_chain_is_its_ca() {
        let chain = "-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----\n\
                     -----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n";
        assert_eq!(
            last_certificate(chain).unwrap(),
            "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n"
        );
        assert_eq!(last_certificate("nothing"), None);
    }
}
