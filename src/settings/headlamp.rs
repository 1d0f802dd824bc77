//! Every flag of Headlamp's server (`backend/pkg/config/config.go`), and what Lamplight does with
//! it. A Headlamp deployment's arguments must start Lamplight or stop it with a reason, never be
//! silently dropped: a flag Lamplight implements behaves the same (notes say where it is stricter);
//! one that only matters to Headlamp's desktop app or a feature Lamplight lacks is accepted with a
//! warning naming it; one whose ignoring would change whose credentials are used is refused.
//!
//! `docs/headlamp-compatibility.md` is [`markdown_table`]'s output; a test keeps them equal.

use super::flags;

/// What Lamplight does with one of Headlamp's flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A flag of Lamplight's own table, with the same meaning; the text says what differs, if anything.
    Supported(&'static str),
    /// Accepted, and a warning at start-up says why it does nothing here.
    Ignored(&'static str),
    /// Start-up stops with this reason, which names the replacement.
    Refused(&'static str),
}

/// A flag only Headlamp has: how the command line parses it (Go's `flag` booleans may be bare).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Bool,
    Text,
}

#[derive(Debug)]
pub struct HeadlampFlag {
    pub name: &'static str,
    pub shape: Shape,
    pub decision: Decision,
}

impl HeadlampFlag {
    pub fn env_var(&self) -> String {
        flags::env_var_of(self.name)
    }

    /// Not in Lamplight's own table: the command line, environment and file take it on the side.
    pub fn headlamp_only(&self) -> bool {
        !matches!(self.decision, Decision::Supported(_))
    }
}

const fn same(name: &'static str, note: &'static str) -> HeadlampFlag {
    HeadlampFlag {
        name,
        shape: Shape::Text,
        decision: Decision::Supported(note),
    }
}

const fn ignored(name: &'static str, shape: Shape, why: &'static str) -> HeadlampFlag {
    HeadlampFlag {
        name,
        shape,
        decision: Decision::Ignored(why),
    }
}

const fn refused(name: &'static str, shape: Shape, why: &'static str) -> HeadlampFlag {
    HeadlampFlag {
        name,
        shape,
        decision: Decision::Refused(why),
    }
}

const DESKTOP: &str = "only Headlamp's desktop app uses it";
const TRACING: &str = "Lamplight has no OpenTelemetry tracing: it logs every request with its X-Request-Id and serves Prometheus metrics with -metrics-enabled";
const INVENTORY: &str = "Lamplight does not discover clusters from ClusterProfile resources: list them in the kubeconfig";
const DYNAMIC: &str = "Lamplight serves the clusters of its kubeconfig and -in-cluster only: clusters are not added, renamed or removed from the browser";

/// Headlamp's server flags, in the order of its `config.go`.
pub static HEADLAMP_FLAGS: &[HeadlampFlag] = &[
    same("version", "prints Lamplight's version"),
    ignored(
        "app-name",
        Shape::Text,
        "Lamplight names itself in its version output and User-Agent",
    ),
    same("in-cluster", ""),
    same(
        "in-cluster-context-name",
        "defaults to main (Headlamp reads kube-system/kubeadm-config first)",
    ),
    ignored(
        "dev",
        Shape::Bool,
        "Lamplight never answers cross-origin requests with CORS headers: run Headlamp's frontend dev server with its proxy to Lamplight instead",
    ),
    ignored(
        "cache-enabled",
        Shape::Bool,
        "Lamplight keeps no cache of cluster objects: every request goes to the API server with the user's credentials",
    ),
    ignored("no-browser", Shape::Bool, DESKTOP),
    ignored(
        "insecure-ssl",
        Shape::Bool,
        "Lamplight verifies each API server as its kubeconfig says: set insecure-skip-tls-verify on that cluster instead",
    ),
    same("log-level", "also takes tracing directives"),
    ignored("enable-dynamic-clusters", Shape::Bool, DYNAMIC),
    ignored("allow-kubeconfig-changes", Shape::Bool, DYNAMIC),
    ignored(
        "watch-plugins-changes",
        Shape::Bool,
        "GET /plugins reads the plugin folders on every request, so a change shows at the next page load",
    ),
    same("kubeconfig", "a ':'-separated list, like KUBECONFIG"),
    ignored("kubeconfig-dir", Shape::Text, DYNAMIC),
    same("skipped-kube-contexts", ""),
    same(
        "html-static-dir",
        "the build is read, never written: base-url rewrites index.html in memory",
    ),
    same(
        "plugins-dir",
        "no default (Headlamp: ~/.config/Headlamp/plugins); read-only, no DELETE",
    ),
    same(
        "user-plugins-dir",
        "no default (Headlamp: ~/.config/Headlamp/user-plugins); read-only",
    ),
    same("base-url", ""),
    same("session-ttl", "also the lifetime of the set-token cookie"),
    same("pod-debug-image", ""),
    same("node-shell-image", ""),
    same("node-shell-namespace", ""),
    same(
        "listen-addr",
        "warns at start-up when it listens beyond loopback without sign-in",
    ),
    same("port", ""),
    ignored(
        "proxy-urls",
        Shape::Text,
        "Lamplight has no /externalproxy: the browser reaches nothing through it but the clusters' API servers",
    ),
    ignored("enable-helm", Shape::Bool, "Lamplight has no Helm routes"),
    ignored("enable-cluster-inventory", Shape::Bool, INVENTORY),
    ignored("cluster-inventory-provider-file", Shape::Text, INVENTORY),
    ignored("cluster-inventory-label-selector", Shape::Text, INVENTORY),
    ignored("cluster-inventory-namespaces", Shape::Text, INVENTORY),
    ignored(
        "cluster-inventory-root-reconcile-interval",
        Shape::Text,
        INVENTORY,
    ),
    ignored("cluster-inventory-no-crd-cache-ttl", Shape::Text, INVENTORY),
    same("default-light-theme", ""),
    same("default-dark-theme", ""),
    same("force-theme", ""),
    same(
        "unsafe-use-service-account-token",
        "needs -in-cluster, as in Headlamp",
    ),
    refused(
        "service-account-token-path",
        Shape::Text,
        "ignoring it would lend a different service account than the one you chose: mount that account's token at /var/run/secrets/kubernetes.io/serviceaccount (a projected volume) and drop the flag",
    ),
    same("oidc-client-id", ""),
    same("oidc-client-secret", ""),
    same("oidc-validator-client-id", ""),
    same("oidc-idp-issuer-url", ""),
    same("oidc-callback-url", ""),
    same("oidc-validator-idp-issuer-url", ""),
    same("oidc-scopes", ""),
    same("oidc-skip-tls-verify", ""),
    same("oidc-ca-file", ""),
    same("oidc-use-access-token", ""),
    ignored(
        "oidc-use-cookie",
        Shape::Bool,
        "Lamplight always keeps the sign-in in sealed cookies (it needs -oidc-cookie-secret), in or out of a cluster",
    ),
    same("oidc-use-pkce", "defaults to true (Headlamp: false)"),
    same("me-username-path", "dotted claim paths, not JMESPath"),
    same("me-email-path", "dotted claim paths, not JMESPath"),
    same("me-groups-path", "dotted claim paths, not JMESPath"),
    ignored(
        "me-user-info-url",
        Shape::Text,
        "/me answers from the verified identity alone: the proxy's headers, or the ID token's claims",
    ),
    same(
        "proxy-auth",
        "refused at start-up without a trust anchor (-proxy-auth-trusted-proxies, a shared secret, a client CA or a signed assertion)",
    ),
    same("proxy-auth-username-header", ""),
    same("proxy-auth-group-header", ""),
    same("proxy-auth-email-header", ""),
    same("proxy-auth-token-header", ""),
    ignored("service-name", Shape::Text, TRACING),
    ignored("service-version", Shape::Text, TRACING),
    ignored("tracing-enabled", Shape::Bool, TRACING),
    same(
        "metrics-enabled",
        "Prometheus text at /metrics, or on -metrics-port alone",
    ),
    ignored("otlp-endpoint", Shape::Text, TRACING),
    ignored("use-otlp-http", Shape::Bool, TRACING),
    ignored("stdout-trace-enabled", Shape::Bool, TRACING),
    ignored("sampling-rate", Shape::Text, TRACING),
    same("tls-cert-path", ""),
    same("tls-key-path", ""),
];

/// The Headlamp-only flag of this name (not one of Lamplight's own).
pub fn find_only(name: &str) -> Option<&'static HeadlampFlag> {
    HEADLAMP_FLAGS
        .iter()
        .find(|flag| flag.name == name && flag.headlamp_only())
}

/// The table of `docs/headlamp-compatibility.md`.
pub fn markdown_table() -> String {
    let mut table = String::from(
        "| flag | environment variable | Lamplight | why, or what to use instead |\n| --- | --- | --- | --- |\n",
    );
    for flag in HEADLAMP_FLAGS {
        let (decision, why) = match flag.decision {
            Decision::Supported(note) => ("same", note),
            Decision::Ignored(why) => ("accepted, ignored with a warning", why),
            Decision::Refused(why) => ("refused at start-up", why),
        };
        table.push_str(&format!(
            "| `-{}` | `{}` | {decision} | {why} |\n",
            flag.name,
            flag.env_var()
        ));
    }
    table
}

/// The Headlamp flags marked supported that Lamplight's table lacks (a test wants none).
/// `-version` is the command line parser's own.
pub fn unsupported_claims() -> Vec<&'static str> {
    HEADLAMP_FLAGS
        .iter()
        .filter(|flag| !flag.headlamp_only() && flag.name != "version")
        .filter(|flag| flags::find(flag.name).is_none())
        .map(|flag| flag.name)
        .collect()
}
