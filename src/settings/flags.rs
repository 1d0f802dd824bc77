//! The table of flags: one entry per setting drives the command line, the environment variables,
//! the config file keys and `--help`, so the four can never disagree. Code names a flag by its
//! [`Key`], so a misspelt flag does not compile.

/// Environment variables are Headlamp's: `HEADLAMP_CONFIG_` + the flag name in upper snake case.
pub const ENV_PREFIX: &str = "HEADLAMP_CONFIG_";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Accepts a bare `-name` as `true`, like Go's `flag` package.
    Bool,
    Text,
    /// Text never echoed back, not even in an error message.
    Secret,
}

#[derive(Debug)]
pub struct Flag {
    pub key: Key,
    pub name: &'static str,
    pub kind: Kind,
    pub default: &'static str,
    pub help: &'static str,
}

/// The environment variable of a flag name, Lamplight's or one Headlamp alone has.
pub fn env_var_of(name: &str) -> String {
    format!("{ENV_PREFIX}{}", name.to_uppercase().replace('-', "_"))
}

impl Flag {
    pub fn env_var(&self) -> String {
        env_var_of(self.name)
    }
}

/// Declares [`Key`] and [`FLAGS`] together, in the same order, so `FLAGS[key as usize]` is the
/// key's own entry.
macro_rules! flags {
    ($($key:ident => $kind:ident($($arg:literal),+),)+) => {
        /// A flag, by name in code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Key {
            $($key,)+
        }

        impl Key {
            pub const ALL: &'static [Key] = &[$(Key::$key,)+];
        }

        pub static FLAGS: &[Flag] = &[$($kind(Key::$key, $($arg),+),)+];
    };
}

impl Key {
    pub fn flag(self) -> &'static Flag {
        &FLAGS[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.flag().name
    }

    pub fn env_var(self) -> String {
        self.flag().env_var()
    }
}

/// The flag's name, without dashes: messages write `-{key}`.
impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

pub fn find(name: &str) -> Option<&'static Flag> {
    FLAGS.iter().find(|flag| flag.name == name)
}

const fn text(key: Key, name: &'static str, default: &'static str, help: &'static str) -> Flag {
    Flag {
        key,
        name,
        kind: Kind::Text,
        default,
        help,
    }
}

const fn secret(key: Key, name: &'static str, help: &'static str) -> Flag {
    Flag {
        key,
        name,
        kind: Kind::Secret,
        default: "",
        help,
    }
}

const fn boolean(key: Key, name: &'static str, default: &'static str, help: &'static str) -> Flag {
    Flag {
        key,
        name,
        kind: Kind::Bool,
        default,
        help,
    }
}

flags! {
    Config => text("config", "", "TOML file with settings (keys are flag names)"),
    Port => text("port", "4466", "Port to listen on"),
    ListenAddr => text("listen-addr", "", "Address to listen on (default: all IPv4 interfaces)"),
    AllowedHosts => text("allowed-hosts", "", "Comma-separated host names this server answers to besides localhost and IP addresses (*.example.com for subdomains, * for any name); other Host headers get 421"),
    BaseUrl => text("base-url", "", "Path prefix every route lives under, e.g. /headlamp"),
    HtmlStaticDir => text("html-static-dir", "", "Serve the UI from this folder instead of the embedded copy (a Headlamp build works: see docs/headlamp-frontend.md)"),
    UiCsp => text("ui-csp", "", "Content-Security-Policy for the UI's pages instead of the one Lamplight builds (strict for the embedded UI; for -html-static-dir, hashes of its index.html's inline scripts)"),
    PluginsDir => text("plugins-dir", "", "Headlamp plugins folder: each {name}/main.js is listed by GET /plugins and served read-only at /plugins/{name}/ (plugins run in the UI with the user's credentials)"),
    UserPluginsDir => text("user-plugins-dir", "", "Headlamp user-installed plugins folder, served read-only at /user-plugins/{name}/"),
    StaticPluginsDir => text("static-plugins-dir", "", "Headlamp shipped plugins folder, served read-only at /static-plugins/{name}/ (default: $HEADLAMP_STATIC_PLUGINS_DIR)"),
    PodDebugImage => text("pod-debug-image", "", "Headlamp UI: default image for pod debug containers (passed on in /config)"),
    NodeShellImage => text("node-shell-image", "", "Headlamp UI: default image for node shell pods (passed on in /config)"),
    NodeShellNamespace => text("node-shell-namespace", "", "Headlamp UI: default namespace for node shell pods (passed on in /config)"),
    DefaultLightTheme => text("default-light-theme", "", "Headlamp UI: theme for users who prefer light mode (passed on in /config)"),
    DefaultDarkTheme => text("default-dark-theme", "", "Headlamp UI: theme for users who prefer dark mode (passed on in /config)"),
    ForceTheme => text("force-theme", "", "Headlamp UI: theme for everyone, whatever they prefer (passed on in /config)"),
    LogLevel => text("log-level", "info", "Log filter: error, warn, info, debug, trace, or tracing directives"),
    LogFormat => text("log-format", "text", "Log format: text or json"),
    TlsCertPath => text("tls-cert-path", "", "Serve HTTPS with this PEM certificate chain (needs -tls-key-path)"),
    TlsKeyPath => text("tls-key-path", "", "PEM private key for -tls-cert-path"),
    Kubeconfig => text("kubeconfig", "", "Kubeconfig file(s), ':'-separated (default: $KUBECONFIG, else ~/.kube/config)"),
    Demo => boolean("demo", "false", "Serve an in-process demo cluster named demo (sample workloads that change over time)"),
    SkippedKubeContexts => text("skipped-kube-contexts", "", "Comma-separated kubeconfig contexts not to serve"),
    InCluster => boolean("in-cluster", "false", "Serve the cluster this pod runs in, with its service account"),
    InClusterContextName => text("in-cluster-context-name", "main", "Cluster name for -in-cluster"),
    MaxUpgradesPerUser => text("max-upgrades-per-user", "256", "Concurrent WebSocket connections (exec, attach, port-forward, WebSocket watches) one user may hold; more get 429"),
    MaxUpgrades => text("max-upgrades", "8192", "Concurrent WebSocket connections through this server, all users together; more get 429"),
    MaxWatchesPerUser => text("max-watches-per-user", "512", "Concurrent watches and followed logs one user may hold (the UI opens one per list it shows); more get 429"),
    MaxWatches => text("max-watches", "16384", "Concurrent watches and followed logs through this server, all users together; more get 429"),
    WebsocketPingInterval => text("websocket-ping-interval", "30", "Seconds between pings to WebSocket clients; a client that answers none for two intervals is disconnected"),
    UnsafeUseServiceAccountToken => boolean("unsafe-use-service-account-token", "false", "Always use the in-cluster service account's credentials, never the user's token"),
    ProxyAuth => boolean("proxy-auth", "false", "Trust identity headers injected by an authenticating proxy"),
    ProxyAuthUsernameHeader => text("proxy-auth-username-header", "X-Forwarded-User", "Header carrying the username"),
    ProxyAuthGroupHeader => text("proxy-auth-group-header", "X-Forwarded-Group", "Header carrying the user's groups"),
    ProxyAuthEmailHeader => text("proxy-auth-email-header", "X-Forwarded-Email", "Header carrying the user's email"),
    ProxyAuthTokenHeader => text("proxy-auth-token-header", "X-Forwarded-Id-Token", "Header carrying the user's raw token (no Bearer prefix)"),
    ProxyAuthTrustedProxies => text("proxy-auth-trusted-proxies", "", "Comma-separated CIDRs or IPs of the proxies allowed to send identity headers"),
    ProxyAuthInsecureTrustAnyPeer => boolean("proxy-auth-insecure-trust-any-peer", "false", "Accept identity headers from any peer (only behind a network policy that admits the proxy alone)"),
    ProxyAuthSecretFile => text("proxy-auth-secret-file", "", "File with the secret the proxy sends in -proxy-auth-secret-header (a second line: the next secret, while rotating); identity needs it"),
    ProxyAuthSecretHeader => text("proxy-auth-secret-header", "X-Lamplight-Proxy-Secret", "Header carrying the proxy's shared secret (never forwarded)"),
    ProxyAuthClientCaFile => text("proxy-auth-client-ca-file", "", "PEM CA bundle: the proxy must present a client certificate from it (needs -tls-cert-path); clients without one never carry identity"),
    ProxyAuthAllowedNames => text("proxy-auth-allowed-names", "", "Comma-separated certificate names (CN or DNS SAN) accepted with -proxy-auth-client-ca-file (default: any from that CA)"),
    ProxyAuthPreset => text("proxy-auth-preset", "", "Signed-assertion defaults for a proxy: oauth2-proxy, google-iap, cloudflare-access, aws-alb or pomerium"),
    ProxyAuthJwtHeader => text("proxy-auth-jwt-header", "", "Header carrying the proxy's signed identity assertion (a JWT); identity then needs a valid one"),
    ProxyAuthJwksUrl => text("proxy-auth-jwks-url", "", "URL of the JWK set that signs the assertions (https, or http on loopback)"),
    ProxyAuthJwksFile => text("proxy-auth-jwks-file", "", "File with the JWK set that signs the assertions, instead of -proxy-auth-jwks-url"),
    ProxyAuthJwtIssuer => text("proxy-auth-jwt-issuer", "", "The iss assertions must carry"),
    ProxyAuthJwtAudience => text("proxy-auth-jwt-audience", "", "The aud assertions must carry: this application's identifier at the proxy (required with an assertion)"),
    ProxyAuthJwtUsernameClaim => text("proxy-auth-jwt-username-claim", "", "Claim holding the username (dots for nesting; default: email with a preset, else sub)"),
    ProxyAuthJwtGroupsClaim => text("proxy-auth-jwt-groups-claim", "", "Claim holding the groups (default: groups; none for google-iap and aws-alb)"),
    ProxyAuthJwtEmailClaim => text("proxy-auth-jwt-email-claim", "", "Claim holding the email (default: email)"),
    ProxyAuthStreamMaxAge => text("proxy-auth-stream-max-age", "3600", "Seconds a watch, log stream or exec/attach session opened on proxy identity may last (0: no limit)"),
    ProxyAuthGroupSeparator => text("proxy-auth-group-separator", ",", "Separator between groups in the group header"),
    ProxyAuthLogoutUrl => text("proxy-auth-logout-url", "", "Where \"Sign out\" sends the user, e.g. /oauth2/sign_out"),
    ProxyAuthImpersonate => boolean("proxy-auth-impersonate", "false", "Call the API server with the cluster credentials plus Impersonate-User/-Group for the proxy's user"),
    ProxyAuthAllowSetToken => boolean("proxy-auth-allow-set-token", "false", "With -proxy-auth, still accept Headlamp's token sign-in (POST /clusters/{cluster}/set-token): the sealed token cookie is sent upstream when the proxy sends no token"),
    ProxyAuthLoginUrl => text("proxy-auth-login-url", "", "Where the UI sends a user the proxy did not identify (default: the base URL)"),
    MetricsEnabled => boolean("metrics-enabled", "false", "Serve Prometheus metrics at /metrics"),
    MetricsPort => text("metrics-port", "", "Serve /metrics on this port alone instead of the main one"),
    AuditLevel => text("audit-level", "info", "Audit log (JSON lines): info for writes and refusals, debug for reads too, off"),
    OidcClientId => text("oidc-client-id", "", "OpenID Connect client ID (turns on OIDC sign-in)"),
    OidcClientSecret => secret("oidc-client-secret", "OpenID Connect client secret"),
    OidcIdpIssuerUrl => text("oidc-idp-issuer-url", "", "OpenID Connect issuer URL"),
    OidcScopes => text("oidc-scopes", "profile,email", "Comma-separated scopes to ask for (openid is always added)"),
    OidcCallbackUrl => text("oidc-callback-url", "", "Callback URL registered at the IdP (default: derived from the request and -base-url)"),
    OidcUsePkce => boolean("oidc-use-pkce", "true", "Use PKCE (S256) in the authorization code flow"),
    OidcUseAccessToken => boolean("oidc-use-access-token", "false", "Send the access token, not the ID token, to the API server"),
    OidcValidatorClientId => text("oidc-validator-client-id", "", "Audience to accept in ID tokens instead of -oidc-client-id"),
    OidcValidatorIdpIssuerUrl => text("oidc-validator-idp-issuer-url", "", "Issuer to accept in ID tokens instead of -oidc-idp-issuer-url"),
    OidcCaFile => text("oidc-ca-file", "", "PEM CA bundle for the IdP's TLS certificate"),
    OidcSkipTlsVerify => boolean("oidc-skip-tls-verify", "false", "Do not verify the IdP's TLS certificate (unsafe)"),
    SessionTtl => text("session-ttl", "86400", "Lifetime of a sign-in session, in seconds"),
    MeUsernamePath => text("me-username-path", "preferred_username,upn,username,name", "Claims tried in order for the username (dots for nesting)"),
    MeEmailPath => text("me-email-path", "email", "Claims tried in order for the email"),
    MeGroupsPath => text("me-groups-path", "groups,realm_access.roles", "Claims tried in order for the groups"),
    OidcCookieSecret => secret("oidc-cookie-secret", "At least 32 bytes used to seal session cookies (same on every replica)"),
    OidcCookieSecretFile => text("oidc-cookie-secret-file", "", "File holding -oidc-cookie-secret"),
    OidcLogout => boolean("oidc-logout", "true", "Sign out at the IdP too (its end_session_endpoint)"),
}
