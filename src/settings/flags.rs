//! The table of flags: one entry per setting drives the command line, the environment variables,
//! the config file keys and `--help`, so the four can never disagree.

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
    pub name: &'static str,
    pub kind: Kind,
    pub default: &'static str,
    pub help: &'static str,
}

impl Flag {
    pub fn env_var(&self) -> String {
        env_var_for(self.name)
    }
}

pub fn env_var_for(name: &str) -> String {
    format!("{ENV_PREFIX}{}", name.to_uppercase().replace('-', "_"))
}

pub fn find(name: &str) -> Option<&'static Flag> {
    FLAGS.iter().find(|flag| flag.name == name)
}

const fn text(name: &'static str, default: &'static str, help: &'static str) -> Flag {
    Flag {
        name,
        kind: Kind::Text,
        default,
        help,
    }
}

const fn secret(name: &'static str, help: &'static str) -> Flag {
    Flag {
        name,
        kind: Kind::Secret,
        default: "",
        help,
    }
}

const fn boolean(name: &'static str, default: &'static str, help: &'static str) -> Flag {
    Flag {
        name,
        kind: Kind::Bool,
        default,
        help,
    }
}

pub static FLAGS: &[Flag] = &[
    text(
        "config",
        "",
        "TOML file with settings (keys are flag names)",
    ),
    text("port", "4466", "Port to listen on"),
    text(
        "listen-addr",
        "",
        "Address to listen on (default: all IPv4 interfaces)",
    ),
    text(
        "base-url",
        "",
        "Path prefix every route lives under, e.g. /headlamp",
    ),
    text(
        "html-static-dir",
        "",
        "Serve the UI from this folder instead of the embedded copy",
    ),
    text(
        "log-level",
        "info",
        "Log filter: error, warn, info, debug, trace, or tracing directives",
    ),
    text("log-format", "text", "Log format: text or json"),
    text(
        "tls-cert-path",
        "",
        "Serve HTTPS with this PEM certificate chain (needs -tls-key-path)",
    ),
    text("tls-key-path", "", "PEM private key for -tls-cert-path"),
    text(
        "kubeconfig",
        "",
        "Kubeconfig file(s), ':'-separated (default: $KUBECONFIG, else ~/.kube/config)",
    ),
    boolean(
        "demo",
        "false",
        "Serve an in-process demo cluster named demo (sample workloads that change over time)",
    ),
    text(
        "skipped-kube-contexts",
        "",
        "Comma-separated kubeconfig contexts not to serve",
    ),
    boolean(
        "in-cluster",
        "false",
        "Serve the cluster this pod runs in, with its service account",
    ),
    text(
        "in-cluster-context-name",
        "main",
        "Cluster name for -in-cluster",
    ),
    boolean(
        "unsafe-use-service-account-token",
        "false",
        "Always use the in-cluster service account's credentials, never the user's token",
    ),
    boolean(
        "proxy-auth",
        "false",
        "Trust identity headers injected by an authenticating proxy",
    ),
    text(
        "proxy-auth-username-header",
        "X-Forwarded-User",
        "Header carrying the username",
    ),
    text(
        "proxy-auth-group-header",
        "X-Forwarded-Group",
        "Header carrying the user's groups",
    ),
    text(
        "proxy-auth-email-header",
        "X-Forwarded-Email",
        "Header carrying the user's email",
    ),
    text(
        "proxy-auth-token-header",
        "X-Forwarded-Id-Token",
        "Header carrying the user's raw token (no Bearer prefix)",
    ),
    text(
        "proxy-auth-trusted-proxies",
        "",
        "Comma-separated CIDRs or IPs of the proxies allowed to send identity headers",
    ),
    boolean(
        "proxy-auth-insecure-trust-any-peer",
        "false",
        "Accept identity headers from any peer (only behind a network policy that admits the proxy alone)",
    ),
    text(
        "proxy-auth-group-separator",
        ",",
        "Separator between groups in the group header",
    ),
    text(
        "proxy-auth-logout-url",
        "",
        "Where \"Sign out\" sends the user, e.g. /oauth2/sign_out",
    ),
    boolean(
        "proxy-auth-impersonate",
        "false",
        "Call the API server with the cluster credentials plus Impersonate-User/-Group for the proxy's user",
    ),
    text(
        "proxy-auth-login-url",
        "",
        "Where the UI sends a user the proxy did not identify (default: the base URL)",
    ),
    text(
        "oidc-client-id",
        "",
        "OpenID Connect client ID (turns on OIDC sign-in)",
    ),
    secret("oidc-client-secret", "OpenID Connect client secret"),
    text("oidc-idp-issuer-url", "", "OpenID Connect issuer URL"),
    text(
        "oidc-scopes",
        "profile,email",
        "Comma-separated scopes to ask for (openid is always added)",
    ),
    text(
        "oidc-callback-url",
        "",
        "Callback URL registered at the IdP (default: derived from the request and -base-url)",
    ),
    boolean(
        "oidc-use-pkce",
        "true",
        "Use PKCE (S256) in the authorization code flow",
    ),
    boolean(
        "oidc-use-access-token",
        "false",
        "Send the access token, not the ID token, to the API server",
    ),
    text(
        "oidc-validator-client-id",
        "",
        "Audience to accept in ID tokens instead of -oidc-client-id",
    ),
    text(
        "oidc-validator-idp-issuer-url",
        "",
        "Issuer to accept in ID tokens instead of -oidc-idp-issuer-url",
    ),
    text(
        "oidc-ca-file",
        "",
        "PEM CA bundle for the IdP's TLS certificate",
    ),
    boolean(
        "oidc-skip-tls-verify",
        "false",
        "Do not verify the IdP's TLS certificate (unsafe)",
    ),
    text(
        "session-ttl",
        "86400",
        "Lifetime of a sign-in session, in seconds",
    ),
    text(
        "me-username-path",
        "preferred_username,upn,username,name",
        "Claims tried in order for the username (dots for nesting)",
    ),
    text(
        "me-email-path",
        "email",
        "Claims tried in order for the email",
    ),
    text(
        "me-groups-path",
        "groups,realm_access.roles",
        "Claims tried in order for the groups",
    ),
    secret(
        "oidc-cookie-secret",
        "At least 32 bytes used to seal session cookies (same on every replica)",
    ),
    text(
        "oidc-cookie-secret-file",
        "",
        "File holding -oidc-cookie-secret",
    ),
    boolean(
        "oidc-logout",
        "true",
        "Sign out at the IdP too (its end_session_endpoint)",
    ),
];
