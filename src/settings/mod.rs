//! Settings, Headlamp-compatible: flags, `HEADLAMP_CONFIG_*` environment variables and an optional
//! TOML file, validated once at startup with errors that name the flag to fix.

mod anchors;
mod error;
pub mod flags;
pub mod headlamp;
mod networks;
mod oidc;
mod sources;
mod streams;
mod ui;
mod validate;

use std::net::IpAddr;
use std::path::PathBuf;

use actix_web::http::header::HeaderName;
use ipnet::IpNet;
use secrecy::SecretString;

pub use anchors::{AssertionSettings, ClientCertificateSettings, KeySource, Preset};
pub use error::SettingsError;
pub use sources::Source;
pub use streams::StreamSettings;

#[derive(Debug, Clone)]
pub struct Settings {
    pub server: ServerSettings,
    pub log: LogSettings,
    pub proxy_auth: ProxyAuthSettings,
    pub clusters: ClusterSettings,
    pub streams: StreamSettings,
    pub metrics: MetricsSettings,
    /// What a Headlamp frontend build needs: its page policy, plugins and `/config` defaults.
    pub ui: UiSettings,
    /// Lamplight's own OpenID Connect sign-in, when configured (and proxy-auth is off).
    pub oidc: Option<OidcSettings>,
    /// Without `-oidc-client-id` but with a cookie secret: the OIDC settings a kubeconfig context's
    /// `auth-provider: oidc` completes (Headlamp reads the client from there too).
    pub oidc_template: Option<OidcTemplate>,
    /// Things worth a warning once logging is up (ignored variables, insecure choices).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub listen_addr: IpAddr,
    /// `-allowed-hosts`, beyond the loopback names and IP addresses always allowed.
    pub allowed_hosts: AllowedHostsSetting,
    pub port: u16,
    /// Empty, or a path starting with `/` and not ending with one.
    pub base_url: String,
    pub html_static_dir: Option<PathBuf>,
    pub tls: Option<TlsFiles>,
}

#[derive(Debug, Clone, Default)]
pub struct UiSettings {
    /// `-ui-csp`: the operator's policy for the UI's pages, instead of the one Lamplight builds.
    pub csp: Option<String>,
    pub plugins: PluginDirs,
    pub defaults: HeadlampUiDefaults,
}

/// Headlamp's plugin folders, each served read-only under its own prefix.
#[derive(Debug, Clone, Default)]
pub struct PluginDirs {
    /// `-plugins-dir`, at `/plugins/` (Headlamp's "development" plugins).
    pub development: Option<PathBuf>,
    /// `-user-plugins-dir`, at `/user-plugins/`.
    pub user: Option<PathBuf>,
    /// `-static-plugins-dir` (Headlamp: `$HEADLAMP_STATIC_PLUGINS_DIR`), at `/static-plugins/`.
    pub shipped: Option<PathBuf>,
}

impl PluginDirs {
    pub fn any(&self) -> bool {
        self.development.is_some() || self.user.is_some() || self.shipped.is_some()
    }
}

/// Headlamp's UI defaults, passed on in `/config` as its server does (empty: not set).
#[derive(Debug, Clone, Default)]
pub struct HeadlampUiDefaults {
    pub pod_debug_image: String,
    pub node_shell_image: String,
    pub node_shell_namespace: String,
    pub default_light_theme: String,
    pub default_dark_theme: String,
    pub force_theme: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedHostsSetting {
    /// `*`: answer to any name (no protection against DNS rebinding).
    Any,
    /// Lower-case names, `*.example.com` for subdomains.
    Listed(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
}

#[derive(Debug, Clone)]
pub struct ClusterSettings {
    /// Kubeconfig files in merge order (the first to define a name wins).
    pub kubeconfigs: Vec<PathBuf>,
    pub skipped_contexts: Vec<String>,
    pub in_cluster: Option<InClusterSettings>,
    /// `--demo`: add the in-process demo cluster.
    pub demo: bool,
}

#[derive(Debug, Clone)]
pub struct InClusterSettings {
    pub context_name: String,
    pub always_use_service_account: bool,
    /// Where the service account's token and CA are mounted; a test can point it elsewhere.
    pub service_account_dir: PathBuf,
    /// `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`.
    pub server: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// `-audit-level`: which forwarded requests get an audit line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditLevel {
    Off,
    /// Writes and refusals.
    Info,
    /// Reads too.
    Debug,
}

#[derive(Debug, Clone)]
pub struct LogSettings {
    pub level: String,
    pub format: LogFormat,
    pub audit: AuditLevel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsSettings {
    pub enabled: bool,
    /// `-metrics-port`: a listener of its own for `/metrics`.
    pub port: Option<u16>,
}

#[derive(Debug, Clone)]
pub struct ProxyAuthSettings {
    pub enabled: bool,
    pub username_header: HeaderName,
    pub group_header: HeaderName,
    pub email_header: HeaderName,
    pub token_header: HeaderName,
    pub trusted_proxies: Vec<IpNet>,
    /// `-proxy-auth-secret-file`: what the proxy may send in `secret_header`.
    pub shared_secret: Option<ProxySecrets>,
    /// `-proxy-auth-secret-header`, whether a secret is configured or not: never forwarded upstream.
    pub secret_header: HeaderName,
    /// `-proxy-auth-client-ca-file`: the proxy presents a certificate from this CA.
    pub client_certificate: Option<ClientCertificateSettings>,
    /// `-proxy-auth-jwt-*` / `-proxy-auth-preset`: the proxy signs the identity.
    pub assertion: Option<AssertionSettings>,
    /// `-proxy-auth-stream-max-age`: how long a stream opened on proxy identity may last.
    pub stream_max_age: Option<std::time::Duration>,
    pub insecure_trust_any_peer: bool,
    pub group_separator: String,
    pub logout_url: Option<String>,
    pub login_url: Option<String>,
    pub impersonate: bool,
    /// `-proxy-auth-allow-set-token`: Headlamp's token sign-in stays available in proxy mode.
    pub allow_set_token: bool,
}

/// The one or two secrets of `-proxy-auth-secret-file` (current, next); `Debug` shows only how many.
#[derive(Clone)]
pub struct ProxySecrets(pub Vec<Vec<u8>>);

impl std::fmt::Debug for ProxySecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ProxySecrets({} redacted)", self.0.len())
    }
}

impl ProxyAuthSettings {
    /// The headers that carry identity in this mode.
    pub fn identity_headers(&self) -> [&HeaderName; 4] {
        [
            &self.username_header,
            &self.group_header,
            &self.email_header,
            &self.token_header,
        ]
    }

    /// Everything the proxy tells Lamplight alone, which the forwarding path strips: the identity
    /// headers, the shared secret and the signed assertion.
    pub fn stripped_headers(&self) -> Vec<HeaderName> {
        let mut headers: Vec<HeaderName> = self.identity_headers().into_iter().cloned().collect();
        headers.push(self.secret_header.clone());
        headers.extend(self.assertion.as_ref().map(|a| a.header.clone()));
        headers
    }
}

#[derive(Debug, Clone)]
pub struct OidcSettings {
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    /// An absolute http(s) URL, as written: ID tokens' `iss` must match it character for character.
    pub issuer_url: String,
    /// Always starts with `openid`.
    pub scopes: Vec<String>,
    pub callback_url: Option<String>,
    pub use_pkce: bool,
    pub use_access_token: bool,
    /// The audience ID tokens must carry (`-oidc-validator-client-id`, else the client ID).
    pub audience: String,
    /// The issuer ID tokens must carry (`-oidc-validator-idp-issuer-url`, else the issuer URL).
    pub token_issuer: String,
    pub ca_file: Option<PathBuf>,
    pub skip_tls_verify: bool,
    pub session_ttl: std::time::Duration,
    pub username_paths: Vec<String>,
    pub email_paths: Vec<String>,
    pub groups_paths: Vec<String>,
    pub cookie_secret: SecretString,
    pub logout_at_idp: bool,
}

/// The OIDC flags without a client (no `-oidc-client-id`), when a cookie secret is set: a kubeconfig
/// context's `auth-provider: oidc` supplies the client, as in Headlamp ([`OidcTemplate::complete`]).
#[derive(Debug, Clone)]
pub struct OidcTemplate {
    pub client_secret: Option<SecretString>,
    pub validator_client_id: Option<String>,
    pub validator_issuer: Option<String>,
    pub scopes: Vec<String>,
    pub callback_url: Option<String>,
    pub use_pkce: bool,
    pub use_access_token: bool,
    pub ca_file: Option<PathBuf>,
    pub skip_tls_verify: bool,
    pub session_ttl: std::time::Duration,
    pub username_paths: Vec<String>,
    pub email_paths: Vec<String>,
    pub groups_paths: Vec<String>,
    pub cookie_secret: SecretString,
    pub logout_at_idp: bool,
}

/// What a start-up asked for.
#[derive(Debug)]
pub enum Loaded {
    Run(Box<Settings>),
    /// `--help` or `--version` text.
    Print(String),
}

impl Settings {
    /// The secret that seals cookies (`-oidc-cookie-secret`), whether or not OIDC sign-in is on:
    /// Headlamp's token sign-in keeps its token in a cookie sealed with it too.
    pub fn cookie_secret(&self) -> Option<&SecretString> {
        self.oidc
            .as_ref()
            .map(|oidc| &oidc.cookie_secret)
            .or_else(|| self.oidc_template.as_ref().map(|t| &t.cookie_secret))
    }

    /// Reads the process's own command line and environment.
    pub fn load() -> Result<Loaded, SettingsError> {
        Self::load_from(std::env::args(), std::env::vars())
    }

    pub fn load_from<I, E>(args: I, env: E) -> Result<Loaded, SettingsError>
    where
        I: IntoIterator<Item = String>,
        E: IntoIterator<Item = (String, String)>,
    {
        let env: Vec<(String, String)> = env.into_iter().collect();
        match sources::gather(args, env.iter().cloned())? {
            sources::Outcome::Print(text) => Ok(Loaded::Print(text)),
            sources::Outcome::Settings(raw) => {
                validate::settings(raw, &env).map(|s| Loaded::Run(Box::new(s)))
            }
        }
    }

    /// Settings for tests and embedding: defaults plus the given flags, ignoring the environment.
    pub fn from_flags(flags: &[&str]) -> Result<Settings, SettingsError> {
        let args = std::iter::once("lamplight")
            .chain(flags.iter().copied())
            .map(String::from);
        match Self::load_from(args, std::iter::empty())? {
            Loaded::Run(settings) => Ok(*settings),
            Loaded::Print(_) => Err(SettingsError::CommandLine("unexpected --help".to_string())),
        }
    }
}

#[cfg(test)]
mod tests;
