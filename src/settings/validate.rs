//! Turns raw strings into typed settings. Every failure names the flag, the value and where it came from.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use actix_web::http::header::HeaderName;
use ipnet::IpNet;
use url::Url;

use super::flags::{Key, Kind};
use super::sources::{Raw, RawSettings, Source};
use super::{
    AllowedHostsSetting, AuditLevel, ClusterSettings, InClusterSettings, LogFormat, LogSettings,
    MetricsSettings, ProxyAuthSettings, ProxySecrets, ServerSettings, Settings, SettingsError,
    TlsFiles,
};

pub(super) struct Reader {
    raw: RawSettings,
    /// Which flags validation looked at: a test checks that every flag in the table is used.
    read: RefCell<BTreeSet<Key>>,
}

impl Reader {
    pub(super) fn raw(&self, key: Key) -> &Raw {
        self.read.borrow_mut().insert(key);
        self.raw.get(key)
    }

    pub(super) fn text(&self, key: Key) -> String {
        self.raw(key).value.trim().to_string()
    }

    pub(super) fn source(&self, key: Key) -> &Source {
        &self.raw(key).source
    }

    pub(super) fn invalid(&self, key: Key, reason: impl Into<String>) -> SettingsError {
        let raw = self.raw(key);
        SettingsError::Invalid {
            flag: key.name(),
            value: if key.flag().kind == Kind::Secret {
                "<redacted>".to_string()
            } else {
                raw.value.clone()
            },
            origin: raw.source.clone(),
            reason: reason.into(),
        }
    }

    pub(super) fn parse<T>(
        &self,
        key: Key,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, SettingsError> {
        parse(&self.text(key)).map_err(|reason| self.invalid(key, reason))
    }

    /// Go's `strconv.ParseBool`, which Headlamp's flags use.
    pub(super) fn bool(&self, key: Key) -> Result<bool, SettingsError> {
        self.parse(key, |value| match value {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
            _ => Err("expected true or false".to_string()),
        })
    }

    pub(super) fn header(&self, key: Key) -> Result<HeaderName, SettingsError> {
        self.parse(key, |value| {
            if value.is_empty() {
                return Err("a header name is required".to_string());
            }
            HeaderName::try_from(value).map_err(|_| "not a valid HTTP header name".to_string())
        })
    }

    pub(super) fn optional_text(&self, key: Key) -> Option<String> {
        Some(self.text(key)).filter(|value| !value.is_empty())
    }

    /// An absolute http(s) URL with a host, kept as written (an issuer must match `iss` exactly).
    pub(super) fn optional_url(&self, key: Key) -> Result<Option<String>, SettingsError> {
        match self.optional_text(key) {
            None => Ok(None),
            Some(text) => parse_http_url(&text)
                .map(|_| Some(text))
                .map_err(|reason| self.invalid(key, reason)),
        }
    }
}

/// An absolute `http://` or `https://` URL with a host (`https://` alone is not one).
pub fn parse_http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("expected an http(s) URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "expected an http(s) URL, not a {}: URL",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the URL has no host".to_string());
    }
    Ok(url)
}

/// The process environment, for the variables Kubernetes tooling shares (`KUBECONFIG`, `HOME`...).
pub type Env = [(String, String)];

fn env_var<'a>(env: &'a Env, name: &str) -> Option<&'a str> {
    env.iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
        .filter(|v| !v.is_empty())
}

pub fn settings(raw: RawSettings, env: &Env) -> Result<Settings, SettingsError> {
    let reader = Reader {
        raw,
        read: RefCell::default(),
    };
    validate(&reader, env)
}

/// The flags validation reads for these raw settings (whatever the outcome).
#[cfg(test)]
pub fn keys_read(raw: RawSettings, env: &Env) -> BTreeSet<Key> {
    let reader = Reader {
        raw,
        read: RefCell::default(),
    };
    let _ = validate(&reader, env);
    reader.read.into_inner()
}

fn validate(reader: &Reader, env: &Env) -> Result<Settings, SettingsError> {
    let server = server(reader)?;
    let log = log(reader)?;
    let proxy_auth = proxy_auth(reader, server.tls.is_some())?;
    let clusters = clusters(reader, env)?;
    let streams = super::streams::settings(reader)?;
    let metrics = metrics(reader, &server)?;
    let ui = super::ui::settings(reader, env)?;
    let headlamp_warnings = super::ui::headlamp_only(&reader.raw)?;
    let parsed_oidc = super::oidc::settings(reader)?;
    let (oidc, oidc_template) = (parsed_oidc.complete, parsed_oidc.template);
    if oidc.is_some() && proxy_auth.enabled {
        return Err(SettingsError::Conflict(
            "-proxy-auth=true and -oidc-client-id are both set: choose one way of signing users in"
                .to_string(),
        ));
    }
    if clusters.in_cluster.is_none() && reader.bool(Key::UnsafeUseServiceAccountToken)? {
        return Err(SettingsError::Conflict(
            "-unsafe-use-service-account-token needs -in-cluster: it chooses the in-cluster service account's \
             credentials"
                .to_string(),
        ));
    }
    let has_cookie_secret = oidc.is_some() || oidc_template.is_some();
    if proxy_auth.allow_set_token && !proxy_auth.enabled {
        return Err(SettingsError::Conflict(
            "-proxy-auth-allow-set-token needs -proxy-auth=true: without it, token sign-in is always on".to_string(),
        ));
    }
    if proxy_auth.allow_set_token && !has_cookie_secret {
        return Err(SettingsError::Conflict(
            "-proxy-auth-allow-set-token needs -oidc-cookie-secret (or -oidc-cookie-secret-file) to seal the token \
             cookie: at least 32 random bytes, the same on every replica"
                .to_string(),
        ));
    }
    let mut warnings = reader.raw.warnings.clone();
    warnings.extend(headlamp_warnings);
    if server.html_static_dir.is_some() && !has_cookie_secret && !proxy_auth.enabled {
        warnings.push(
            "Headlamp's token sign-in (POST /clusters/{cluster}/set-token) answers 501: it keeps the token in a \
             sealed cookie, which needs -oidc-cookie-secret (at least 32 random bytes, the same on every replica)"
                .to_string(),
        );
    }
    let no_sign_in = !proxy_auth.enabled && oidc.is_none() && oidc_template.is_none();
    if no_sign_in && !server.listen_addr.is_loopback() {
        warnings.push(format!(
            "no sign-in is configured (neither -proxy-auth nor -oidc-*) and the server listens on {}: anyone who \
             can reach port {} uses the clusters with this server's own credentials. Use -listen-addr=127.0.0.1 \
             for local use.",
            server.listen_addr, server.port
        ));
    }
    if let Some(in_cluster) = clusters
        .in_cluster
        .as_ref()
        .filter(|c| !c.always_use_service_account)
        && no_sign_in
    {
        warnings.push(format!(
            "no sign-in is configured: requests to cluster {:?} (in-cluster) get 401 unless they carry their own \
             token; the service account is lent to anonymous callers only with -unsafe-use-service-account-token",
            in_cluster.context_name
        ));
    }
    let wide = super::networks::wide(&proxy_auth.trusted_proxies);
    if !wide.is_empty() {
        let wide: Vec<String> = wide.iter().map(ToString::to_string).collect();
        warnings.push(format!(
            "-proxy-auth-trusted-proxies includes {}: every address in there may assert any identity; a proxy \
             is a handful of addresses (its pods' range, its Service address)",
            wide.join(", ")
        ));
    }
    if matches!(server.allowed_hosts, AllowedHostsSetting::Any) {
        warnings.push(
            "-allowed-hosts=* answers to any host name: a page on a domain that resolves to this server \
             (DNS rebinding) can drive the dashboard with its users' credentials"
                .to_string(),
        );
    }
    if proxy_auth.enabled && proxy_auth.insecure_trust_any_peer {
        warnings.push(format!(
            "-proxy-auth-insecure-trust-any-peer is on: identity headers are accepted from ANY peer, so \
             anyone who can reach this server directly can claim to be any user. Keep it only if a network \
             policy lets nothing but the auth proxy reach port {}.",
            server.port
        ));
    }
    Ok(Settings {
        server,
        log,
        proxy_auth,
        clusters,
        streams,
        metrics,
        ui,
        oidc,
        oidc_template,
        warnings,
    })
}

fn server(reader: &Reader) -> Result<ServerSettings, SettingsError> {
    let port = reader.parse(Key::Port, |value| {
        value
            .parse::<u16>()
            .map_err(|_| "expected a port number from 0 to 65535".to_string())
    })?;
    let listen_addr = reader.parse(Key::ListenAddr, |value| match value {
        "" => Ok(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        "localhost" => Ok(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        _ => value
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| "expected an IP address such as 0.0.0.0, 127.0.0.1 or ::".to_string()),
    })?;
    let base_url = reader.parse(Key::BaseUrl, |value| {
        if !value.is_empty() && !value.starts_with('/') {
            return Err("must be empty or start with /".to_string());
        }
        if value.contains(['?', '#', ' ']) || value.contains("//") {
            return Err("must be a plain path such as /headlamp".to_string());
        }
        Ok(value.trim_end_matches('/').to_string())
    })?;
    let allowed_hosts = reader.parse(Key::AllowedHosts, allowed_hosts)?;
    let html_static_dir = match reader.optional_text(Key::HtmlStaticDir) {
        None => None,
        Some(dir) => {
            let path = PathBuf::from(&dir);
            if !path.is_dir() {
                return Err(reader.invalid(Key::HtmlStaticDir, "no such directory"));
            }
            Some(path)
        }
    };
    let tls = match (
        reader.optional_text(Key::TlsCertPath),
        reader.optional_text(Key::TlsKeyPath),
    ) {
        (None, None) => None,
        (Some(cert), Some(key)) => {
            for (flag, path) in [(Key::TlsCertPath, &cert), (Key::TlsKeyPath, &key)] {
                if !std::path::Path::new(path).is_file() {
                    return Err(reader.invalid(flag, "no such file"));
                }
            }
            Some(TlsFiles {
                cert_path: cert.into(),
                key_path: key.into(),
            })
        }
        (Some(_), None) => {
            return Err(SettingsError::Conflict(
                "-tls-cert-path needs -tls-key-path too".to_string(),
            ));
        }
        (None, Some(_)) => {
            return Err(SettingsError::Conflict(
                "-tls-key-path needs -tls-cert-path too".to_string(),
            ));
        }
    };
    Ok(ServerSettings {
        listen_addr,
        port,
        base_url,
        allowed_hosts,
        html_static_dir,
        tls,
    })
}

/// `dash.example.com`, `*.example.com`, an IP address, or `*` alone.
fn allowed_hosts(value: &str) -> Result<AllowedHostsSetting, String> {
    let entries: Vec<String> = value
        .split(',')
        .map(|entry| entry.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|entry| !entry.is_empty())
        .collect();
    if entries.iter().any(|entry| entry == "*") {
        return if entries.len() == 1 {
            Ok(AllowedHostsSetting::Any)
        } else {
            Err("`*` (any name) cannot be combined with other names".to_string())
        };
    }
    for entry in &entries {
        let name = entry.strip_prefix("*.").unwrap_or(entry);
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if !name.split('.').all(label_ok) {
            return Err(format!(
                "`{entry}` is not a host name such as dash.example.com or *.example.com (no scheme, port or path)"
            ));
        }
    }
    Ok(AllowedHostsSetting::Listed(entries))
}

fn log(reader: &Reader) -> Result<LogSettings, SettingsError> {
    let level = reader.parse(Key::LogLevel, |value| {
        tracing_subscriber::EnvFilter::builder()
            .parse(value)
            .map(|_| value.to_string())
            .map_err(|error| format!("expected a level such as info or debug ({error})"))
    })?;
    let format = reader.parse(Key::LogFormat, |value| match value {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        _ => Err("expected text or json".to_string()),
    })?;
    let audit = reader.parse(Key::AuditLevel, |value| match value {
        "off" => Ok(AuditLevel::Off),
        "info" => Ok(AuditLevel::Info),
        "debug" => Ok(AuditLevel::Debug),
        _ => Err("expected info (writes and refusals), debug (reads too) or off".to_string()),
    })?;
    Ok(LogSettings {
        level,
        format,
        audit,
    })
}

fn metrics(reader: &Reader, server: &ServerSettings) -> Result<MetricsSettings, SettingsError> {
    let enabled = reader.bool(Key::MetricsEnabled)?;
    let port = reader.parse(Key::MetricsPort, |value| match value {
        "" => Ok(None),
        _ => value
            .parse::<u16>()
            .ok()
            .filter(|port| *port > 0)
            .map(Some)
            .ok_or_else(|| "expected a port number from 1 to 65535".to_string()),
    })?;
    if port.is_some() && !enabled {
        return Err(SettingsError::Conflict(
            "-metrics-port is set but -metrics-enabled is not true".to_string(),
        ));
    }
    if port.is_some_and(|port| port == server.port) {
        return Err(reader.invalid(
            Key::MetricsPort,
            "is the main port (-port); leave -metrics-port empty to serve /metrics there",
        ));
    }
    Ok(MetricsSettings { enabled, port })
}

fn trusted_proxies(reader: &Reader) -> Result<Vec<IpNet>, SettingsError> {
    reader.parse(Key::ProxyAuthTrustedProxies, |value| {
        value
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                super::networks::parse(entry).ok_or_else(|| {
                    format!("`{entry}` is not an IP address or CIDR such as 10.0.0.0/8")
                })
            })
            .collect()
    })
}

fn proxy_auth(reader: &Reader, tls: bool) -> Result<ProxyAuthSettings, SettingsError> {
    let enabled = reader.bool(Key::ProxyAuth)?;
    let impersonate = reader.bool(Key::ProxyAuthImpersonate)?;
    if impersonate && !enabled {
        return Err(SettingsError::Conflict(
            "-proxy-auth-impersonate needs -proxy-auth=true: it impersonates the user the proxy identified"
                .to_string(),
        ));
    }
    let insecure_trust_any_peer = reader.bool(Key::ProxyAuthInsecureTrustAnyPeer)?;
    let trusted_proxies = trusted_proxies(reader)?;
    let shared_secret = shared_secret(reader)?;
    let username_header = reader.header(Key::ProxyAuthUsernameHeader)?;
    let group_header = reader.header(Key::ProxyAuthGroupHeader)?;
    let token_header = reader.header(Key::ProxyAuthTokenHeader)?;
    let anchors = super::anchors::settings(reader, &token_header, tls)?;
    let email_header = match &anchors.email_header {
        Some(preset_header) => {
            reader.header(Key::ProxyAuthEmailHeader)?;
            preset_header.clone()
        }
        None => reader.header(Key::ProxyAuthEmailHeader)?,
    };
    let group_separator = reader.raw(Key::ProxyAuthGroupSeparator).value.clone();
    if group_separator.is_empty() {
        return Err(reader.invalid(Key::ProxyAuthGroupSeparator, "must not be empty"));
    }

    let headers = [
        (Key::ProxyAuthUsernameHeader, &username_header),
        (Key::ProxyAuthGroupHeader, &group_header),
        (Key::ProxyAuthEmailHeader, &email_header),
        (Key::ProxyAuthTokenHeader, &token_header),
    ];
    for (i, (flag, header)) in headers.iter().enumerate() {
        if let Some((other, _)) = headers[i + 1..].iter().find(|(_, h)| h == header) {
            return Err(SettingsError::Conflict(format!(
                "-{flag} and -{other} both name the header {header}: each identity header must be distinct"
            )));
        }
    }

    if let Some(family) = super::networks::covered_family(&trusted_proxies)
        && !insecure_trust_any_peer
    {
        return Err(reader.invalid(
            Key::ProxyAuthTrustedProxies,
            format!(
                "together these cover every {family} address, which trusts the whole internet to assert \
                 identities; list your proxy's addresses, or set -proxy-auth-insecure-trust-any-peer=true if \
                 that is really what you want"
            ),
        ));
    }

    let anchored = shared_secret.is_some()
        || anchors.client_certificate.is_some()
        || anchors.assertion.is_some();
    if !enabled && anchored {
        return Err(SettingsError::Conflict(
            "a proxy trust anchor (-proxy-auth-secret-file, -proxy-auth-client-ca-file, -proxy-auth-jwt-header or \
             -proxy-auth-preset) is set but -proxy-auth is not true: nothing would use it"
                .to_string(),
        ));
    }
    if enabled && trusted_proxies.is_empty() && !insecure_trust_any_peer && !anchored {
        return Err(SettingsError::Conflict(format!(
            "-proxy-auth=true (from {}) needs -proxy-auth-trusted-proxies (or {}): the addresses of the auth \
             proxy that injects {}, for example -proxy-auth-trusted-proxies=10.42.0.0/16; \
             without it any client that reaches this server could send that header and be any user \
             (if a network policy admits only the proxy, -proxy-auth-insecure-trust-any-peer=true accepts every peer)",
            reader.source(Key::ProxyAuth),
            Key::ProxyAuthTrustedProxies.env_var(),
            reader.text(Key::ProxyAuthUsernameHeader),
        )));
    }

    let url = |flag: Key| -> Result<Option<String>, SettingsError> {
        match reader.optional_text(flag) {
            Some(url)
                if !(url.starts_with('/')
                    || url.starts_with("https://")
                    || url.starts_with("http://")) =>
            {
                Err(reader.invalid(
                    flag,
                    "expected a path such as /oauth2/sign_out or an http(s) URL",
                ))
            }
            other => Ok(other),
        }
    };

    Ok(ProxyAuthSettings {
        enabled,
        username_header,
        group_header,
        email_header,
        token_header,
        trusted_proxies,
        shared_secret,
        secret_header: reader.header(Key::ProxyAuthSecretHeader)?,
        client_certificate: anchors.client_certificate,
        assertion: anchors.assertion,
        stream_max_age: anchors.stream_max_age,
        insecure_trust_any_peer,
        group_separator,
        logout_url: url(Key::ProxyAuthLogoutUrl)?,
        login_url: url(Key::ProxyAuthLoginUrl)?,
        impersonate,
        allow_set_token: reader.bool(Key::ProxyAuthAllowSetToken)?,
    })
}

/// One secret per line (a second one while rotating), each at least 32 bytes.
fn shared_secret(reader: &Reader) -> Result<Option<ProxySecrets>, SettingsError> {
    let Some(path) = reader.optional_text(Key::ProxyAuthSecretFile) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path).map_err(|error| {
        reader.invalid(Key::ProxyAuthSecretFile, format!("cannot read it: {error}"))
    })?;
    let secrets: Vec<Vec<u8>> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| line.as_bytes().to_vec())
        .collect();
    match secrets.len() {
        0 => return Err(reader.invalid(Key::ProxyAuthSecretFile, "the file holds no secret")),
        1 | 2 => {}
        _ => {
            return Err(reader.invalid(
                Key::ProxyAuthSecretFile,
                "at most two secrets, one per line: the current one and the next",
            ));
        }
    }
    if secrets.iter().any(|secret| secret.len() < 32) {
        return Err(reader.invalid(
            Key::ProxyAuthSecretFile,
            "each secret must be at least 32 characters (e.g. openssl rand -hex 32)",
        ));
    }
    Ok(Some(ProxySecrets(secrets)))
}

const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

fn clusters(reader: &Reader, env: &Env) -> Result<ClusterSettings, SettingsError> {
    let explicit = reader.optional_text(Key::Kubeconfig);
    let kubeconfigs: Vec<PathBuf> = match explicit {
        Some(list) => {
            let paths: Vec<PathBuf> = std::env::split_paths(&list)
                .filter(|p| !p.as_os_str().is_empty())
                .collect();
            if let Some(missing) = paths.iter().find(|path| !path.is_file()) {
                return Err(reader.invalid(
                    Key::Kubeconfig,
                    format!("no such file: {}", missing.display()),
                ));
            }
            paths
        }
        // Like kubectl: files listed in $KUBECONFIG that do not exist are skipped.
        None => match env_var(env, "KUBECONFIG") {
            Some(list) => std::env::split_paths(list)
                .filter(|path| path.is_file())
                .collect(),
            None => env_var(env, "HOME")
                .map(|home| PathBuf::from(home).join(".kube").join("config"))
                .filter(|path| path.is_file())
                .into_iter()
                .collect(),
        },
    };
    let skipped_contexts = reader
        .text(Key::SkippedKubeContexts)
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(String::from)
        .collect();

    let in_cluster = if reader.bool(Key::InCluster)? {
        let context_name = reader.text(Key::InClusterContextName);
        if context_name.is_empty() || context_name.contains('/') {
            return Err(reader.invalid(
                Key::InClusterContextName,
                "must be a non-empty name without /",
            ));
        }
        let (Some(host), Some(port)) = (
            env_var(env, "KUBERNETES_SERVICE_HOST"),
            env_var(env, "KUBERNETES_SERVICE_PORT"),
        ) else {
            return Err(SettingsError::Conflict(
                "-in-cluster=true but KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: \
                 is this running in a Kubernetes pod?"
                    .to_string(),
            ));
        };
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        Some(InClusterSettings {
            context_name,
            always_use_service_account: reader.bool(Key::UnsafeUseServiceAccountToken)?,
            service_account_dir: env_var(env, "LAMPLIGHT_SERVICE_ACCOUNT_DIR")
                .unwrap_or(SERVICE_ACCOUNT_DIR)
                .into(),
            server: format!("https://{host}:{port}"),
        })
    } else {
        None
    };
    Ok(ClusterSettings {
        kubeconfigs,
        skipped_contexts,
        in_cluster,
        demo: reader.bool(Key::Demo)?,
    })
}
