#!/usr/bin/env python3
"""Checks of the Lamplight chart, rendered by Helm itself (Helm v4's Go engine through PyPI's
helm-python-sdk: no helm binary, no cluster, no network).

    pip install 'helm-python-sdk==0.2.2' pyyaml kubernetes-validate
    python3 charts/lamplight/ci/validate.py        # exit 0 when every check passes

What it checks:
  1. Chart.yaml has the fields Helm requires; `helm lint --strict` passes for the defaults and every
     ci/ and examples/ values file, for Kubernetes 1.25 (the chart's minimum) and the newest
     version kubernetes-validate ships.
  2. Helm validates values.yaml merged with each ci/*-values.yaml, ci/headlamp/*.yaml and
     examples/*.yaml against values.schema.json, and refuses the misspellings and bad values listed
     in check_values().
  3. Every value in values.yaml is documented in README.md (and every documented value exists);
     every value of Headlamp's chart (ci/headlamp/values.yaml, vendored) has a row in README.md's
     Headlamp compatibility table.
  4. `helm template` of the defaults, every ci/ and examples/ file and Headlamp's documented
     examples (ci/headlamp/) gives objects that validate strictly against Kubernetes' schemas (1.25
     and the newest) and keep the chart's promises: no cluster-admin unless asked for, no Secrets in
     the read-only role, an impersonation-only role, a hardened pod, probes on /healthz and
     /readyz, every Ingress / HTTPRoute host in -allowed-hosts, each trust anchor's file on a
     read-only Secret mount, a metrics port of its own, the Traefik middlewares in the right order
     with an `rd={url}` sign-in query and oauth2-proxy in one namespace, no Headlamp-only flag on
     the command line, OIDC configured Headlamp's way with a cookie secret.
  5. Each render-time guard fires through Helm's own `fail` with its message, and the look-alikes of
     each guard's case render; trusted-proxy lists are refused exactly where they cover a family.
  6. With --binary PATH (a built lamplight): the command line and environment each render gives
     the container (with Kubernetes' $(VAR) expansion, test values for Secrets) are accepted by the
     real server, which must start and answer /healthz (over HTTPS with a test certificate when the
     render serves TLS, with a test CA and shared secret in place of the mounted Secrets), also
     under each -allowed-hosts name, and 421 under another name; a forged X-Forwarded-User from a
     peer no anchor vouches for gets 403; where the render's only anchor is a client certificate or
     a shared secret, presenting it makes the identity count; /metrics answers where enabled; and
     the server agrees with the chart on which trusted-proxy lists cover every address.

    python3 charts/lamplight/ci/validate.py --binary target/debug/lamplight
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path

try:
    import helm_python
    import kubernetes_validate
    import yaml
except ImportError as error:  # pragma: no cover
    sys.exit(f"validate.py needs helm-python-sdk, PyYAML and kubernetes-validate: "
             f"pip install 'helm-python-sdk==0.2.2' pyyaml kubernetes-validate ({error})")

helm_python.disable_logging()  # the `fail` messages are checked below, not logged
CHART = Path(__file__).resolve().parent.parent
HEADLAMP = CHART / "ci" / "headlamp"
failures: list[str] = []
_chart = None


def chart():
    global _chart
    if _chart is None:
        _chart = helm_python.Chart.load(str(CHART))
    return _chart


class Fail(Exception):
    """The chart's `fail` (or `required`) stopped the render: the message without Helm's prefix."""


def render(overrides: list[dict]) -> dict:
    """`helm template t charts/lamplight -n lamplight -f ...`: manifests by template, NOTES.txt too."""
    values = {}
    for override in overrides:
        values = merge(values, override)
    try:
        return chart().render(values, name="t", namespace="lamplight", is_install=True)
    except helm_python.HelmRenderError as error:
        text = str(error)
        if "execution error at" in text:
            raise Fail(text.split("):", 1)[-1].strip()) from None
        raise
    except helm_python.HelmValuesError as error:  # values.schema.json refused them first
        raise Fail(f"schema: {error}") from None


def manifests(rendered: dict) -> list:
    """(template, object) for every object the render produced."""
    docs = []
    for name, text in sorted(rendered.items()):
        if name.endswith("NOTES.txt"):
            continue
        for doc in yaml.safe_load_all(text):
            if doc:
                docs.append((name.split("/", 1)[-1], doc))
    return docs


def notes(rendered: dict) -> str:
    return next((text for name, text in rendered.items() if name.endswith("NOTES.txt")), "")


def fail(message: str) -> None:
    failures.append(message)
    print(f"FAIL  {message}")


def ok(message: str) -> None:
    print(f"ok    {message}")


def load_yaml(path: Path):
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def merge(base, override):
    """Helm's merge of a -f file over values.yaml: maps merge recursively, the rest replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = copy.deepcopy(base)
        for key, value in override.items():
            merged[key] = merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(override)


# --- 1. Chart.yaml ------------------------------------------------------------------------------

def check_chart_yaml() -> None:
    chart = load_yaml(CHART / "Chart.yaml")
    missing = [key for key in ("apiVersion", "name", "version") if not chart.get(key)]
    if missing:
        fail(f"Chart.yaml lacks {', '.join(missing)}")
    elif chart["apiVersion"] != "v2":
        fail("Chart.yaml: apiVersion must be v2 (Helm 3)")
    elif not re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?", str(chart["version"])):
        fail(f"Chart.yaml: version {chart['version']!r} is not SemVer 2")
    elif chart["name"] != CHART.name:
        fail(f"Chart.yaml: name {chart['name']!r} differs from the folder {CHART.name!r}")
    else:
        ok(f"Chart.yaml: {chart['name']} {chart['version']} (app {chart.get('appVersion')})")


# --- 2. values and schema -----------------------------------------------------------------------

def check_values() -> dict:
    values = load_yaml(CHART / "values.yaml")

    def validate(name: str, document) -> None:
        try:
            chart().validate_schema(document)
        except helm_python.HelmValuesError as error:
            fail(f"{name}: Helm's schema validation: {str(error).strip()}")
        else:
            ok(f"{name} validates against values.schema.json (Helm)")

    validate("values.yaml", values)
    for path in override_files():
        validate(f"values.yaml + {path.relative_to(CHART)}", merge(values, load_yaml(path) or {}))

    # The schema must reject what the server would refuse or what would silently do nothing.
    for label, bad in [
        ("a misspelt top-level key", {"proxyauth": {"enabled": True}}),
        ("a misspelt proxyAuth key", {"proxyAuth": {"trustedProxy": ["10.0.0.0/8"]}}),
        ("a trusted proxy that is not an address", {"proxyAuth": {"trustedProxies": ["traefik"]}}),
        ("an underscore header name", {"proxyAuth": {"headers": {"username": "X_Forwarded_User"}}}),
        ("a short cookie secret", {"config": {"oidc": {"cookieSecret": "too-short"}}}),
        ("an allowed host with a scheme", {"config": {"allowedHosts": ["https://dash.example.com"]}}),
        ("an allowed host with a port", {"config": {"allowedHosts": ["dash.example.com:443"]}}),
        ("an upper-case Ingress host", {"ingress": {"hosts": [{"host": "Dash.Example.com"}]}}),
        ("an unknown preset", {"proxyAuth": {"preset": "google"}}),
        ("a key-set URL over plain http", {"proxyAuth": {"jwt": {"jwksURL": "http://keys.example.com/jwks.json"}}}),
        ("an underscore assertion header", {"proxyAuth": {"jwt": {"header": "X_Goog_Iap_Jwt_Assertion"}}}),
        ("a client-certificate name with a comma", {"proxyAuth": {"clientCA": {"allowedNames": ["a,b"]}}}),
        ("a negative stream max age", {"proxyAuth": {"streamMaxAge": -1}}),
        ("an unknown audit level", {"audit": {"level": "warn"}}),
        ("a metrics port out of range", {"metrics": {"port": 70000}}),
        ("a misspelt Headlamp key", {"httpRoute": {"parentRef": []}}),
        ("an HTTPRoute host name with a scheme", {"httpRoute": {"hostnames": ["https://dash.example.com"]}}),
        ("a misspelt Headlamp OIDC key", {"config": {"oidc": {"externalSecret": {"enable": True}}}}),
        ("an unknown probe scheme", {"probes": {"scheme": "TCP"}}),
    ]:
        try:
            chart().validate_schema(merge(values, bad))
        except helm_python.HelmValuesError:
            ok(f"values.schema.json rejects {label} (Helm)")
        else:
            fail(f"values.schema.json accepts {label}")
    return values


def override_files() -> list[Path]:
    return (sorted((CHART / "ci").glob("*-values.yaml")) + sorted(HEADLAMP.glob("*.yaml"))
            + sorted((CHART / "examples").glob("*.yaml")))


# Oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest schemas at hand.
KUBE_VERSIONS = ["1.25.0", kubernetes_validate.latest_version()]


def check_lint() -> None:
    """`helm lint --strict` with each values file, for both Kubernetes versions."""
    cases = [("defaults", {})] + [(str(p.relative_to(CHART)), load_yaml(p) or {}) for p in override_files()
                                  if p != HEADLAMP / "values.yaml"]
    # Headlamp's own defaults are linted without `image` (Headlamp's image is refused on purpose).
    headlamp = load_yaml(HEADLAMP / "values.yaml")
    headlamp.pop("image")
    cases.append(("ci/headlamp/values.yaml without image", headlamp))
    for version in KUBE_VERSIONS:
        bad = []
        for label, values in cases:
            report = helm_python.lint(str(CHART), values, strict=True, kube_version=f"v{version}", namespace="lamplight")
            problems = report["errors"] + [m["error"] for m in report["messages"] if m["severity"] >= 2]
            if problems:
                bad.append(label)
                fail(f"helm lint --strict --kube-version {version} ({label}): {'; '.join(p.strip() for p in problems)[:400]}")
        if not bad:
            ok(f"helm lint --strict --kube-version {version}: {len(cases)} values files")


# --- 6. README ----------------------------------------------------------------------------------

def leaf_paths(node, prefix="", headlamp=False):
    """Documented units: scalars, lists and empty maps; non-empty maps recurse."""
    opaque = OPAQUE | HEADLAMP_OPAQUE if headlamp else OPAQUE
    if isinstance(node, dict) and node and prefix not in opaque:
        for key, value in node.items():
            yield from leaf_paths(value, f"{prefix}.{key}" if prefix else key, headlamp)
    else:
        yield prefix


# Maps documented as one value (their keys are Kubernetes fields, not chart settings).
OPAQUE = {"podSecurityContext", "securityContext", "resources"}
# Headlamp maps documented as one row (sub-features Lamplight takes or refuses as a whole).
HEADLAMP_OPAQUE = {"config.clusterInventory", "pluginsManager", "persistentVolumeClaim", "config.staticPlugins",
                   "probes.livenessProbe", "probes.readinessProbe"}


def check_readme(values: dict) -> None:
    readme = (CHART / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\|\s*`([A-Za-z0-9_.]+)`\s*\|", readme, re.M)
    documented = set(rows)
    paths = list(leaf_paths(values))
    undocumented = [p for p in paths if p not in documented]
    for path in undocumented:
        fail(f"README.md does not document the value `{path}`")
    if not undocumented:
        ok(f"README.md documents all {len(paths)} values")
    known = set(paths)
    headlamp_table = re.split(r"\n#", readme.split("### Headlamp chart values", 1)[-1], maxsplit=1)[0]
    headlamp_rows = set(re.findall(r"^\|\s*`([A-Za-z0-9_.]+)`\s*\|", headlamp_table, re.M))
    for row in sorted(documented - known - headlamp_rows):
        fail(f"README.md documents `{row}`, which values.yaml does not have")
    headlamp_paths = [p for p in leaf_paths(load_yaml(HEADLAMP / "values.yaml"), headlamp=True)]
    missing = [p for p in headlamp_paths if p not in headlamp_rows]
    for path in missing:
        fail(f"README.md's Headlamp compatibility table has no row for Headlamp's `{path}`")
    if not missing:
        ok(f"README.md's Headlamp compatibility table covers all {len(headlamp_paths)} values of Headlamp's chart")
    for row in headlamp_table.splitlines():
        if row.startswith("| `") and not re.search(r"\*(same meaning|accepted and ignored with a warning|refused)\*", row):
            fail(f"README.md's Headlamp table row says neither *same meaning*, *accepted and ignored with a warning* nor *refused*: {row[:80]}")


# --- 8/9. rendering -----------------------------------------------------------------------------

# Proxy auth as the CI cases set it up, for guard cases that vary one thing.
PROXY = {"enabled": True, "trustedProxies": ["10.42.0.0/16"]}
HTTPROUTE = {"enabled": True, "parentRefs": [{"name": "gateway", "namespace": "traefik"}], "hostnames": ["dash.example.com"]}
HEADLAMP_DEFAULTS = load_yaml(HEADLAMP / "values.yaml")
PEERS = {"proxyPeers": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "traefik"}}}]}
INGRESS = {"enabled": True, "hosts": [{"host": "dash.example.com", "paths": [{"path": "/"}]}]}

GUARD_CASES = [
    ("proxy-auth without trusted proxies", {"proxyAuth": {"enabled": True}}, "proxyAuth.trustedProxies is empty"),
    ("Headlamp-style -proxy-auth=true in extraArgs", {"config": {"extraArgs": ["-proxy-auth=true"]}}, "proxyAuth.trustedProxies is empty"),
    ("HEADLAMP_CONFIG_PROXY_AUTH=true in env", {"env": [{"name": "HEADLAMP_CONFIG_PROXY_AUTH", "value": "true"}]}, "proxyAuth.trustedProxies is empty"),
    ("a /0 trusted proxy", {"proxyAuth": {"enabled": True, "trustedProxies": ["0.0.0.0/0"]}}, "trusts every address"),
    ("insecureTrustAnyPeer without a NetworkPolicy", {"proxyAuth": {"enabled": True, "insecureTrustAnyPeer": True}, "networkPolicy": {"enabled": False}}, "only safe when a NetworkPolicy"),
    ("-proxy-auth-insecure-trust-any-peer in extraArgs without a NetworkPolicy", {"proxyAuth": PROXY, "networkPolicy": {"enabled": False}, "config": {"extraArgs": ["-proxy-auth-insecure-trust-any-peer"]}}, "only safe when a NetworkPolicy"),
    ("proxy auth without networkPolicy.proxyPeers", {"proxyAuth": {"enabled": True, "trustedProxies": ["10.42.0.0/16"]}}, "networkPolicy.proxyPeers is empty"),
    ("proxy auth together with OIDC", {"proxyAuth": {"enabled": True, "trustedProxies": ["10.42.0.0/16"]}, "networkPolicy": {"enabled": False}, "config": {"oidc": {"clientID": "x", "issuerURL": "https://idp"}}}, "choose one way of signing users in"),
    ("impersonation without proxy auth", {"proxyAuth": {"impersonate": True}}, "proxyAuth.impersonate needs proxyAuth.enabled"),
    ("the service-account token without in-cluster", {"config": {"inCluster": False, "unsafeUseServiceAccountToken": True}}, "needs config.inCluster=true"),
    ("OIDC without an issuer", {"config": {"oidc": {"clientID": "x"}}}, "issuerURL is not"),
    ("an auth-proxy Ingress without proxy auth", {"ingress": {"enabled": True, "authProxy": {"type": "nginx"}, "allowWithoutSignIn": True}}, "proxyAuth.enabled is false"),
    ("an Ingress without any sign-in", {"ingress": INGRESS}, "no sign-in is configured"),
    ("an Ingress with only the service account", {"ingress": INGRESS, "config": {"unsafeUseServiceAccountToken": True}}, "no sign-in is configured"),
    ("an auth-proxy Ingress without any sign-in", {"ingress": {"enabled": True, "authProxy": {"type": "traefik"}}}, "no sign-in is configured"),
    ("-allowed-hosts in extraArgs beside the Ingress hosts", {"proxyAuth": PROXY, "networkPolicy": PEERS, "ingress": INGRESS, "config": {"extraArgs": ["-allowed-hosts=other.example.com"]}}, "would replace the list the chart passes"),
    ("HEADLAMP_CONFIG_ALLOWED_HOSTS beside config.allowedHosts", {"config": {"allowedHosts": ["dash.example.com"]}, "env": [{"name": "HEADLAMP_CONFIG_ALLOWED_HOSTS", "value": "other.example.com"}]}, "would be ignored"),
    # Trust anchors.
    ("an unknown preset (values.schema.json refuses it first)", {"proxyAuth": {"enabled": True, "preset": "google", "jwt": {"audience": "x"}}, "networkPolicy": PEERS}, "/proxyAuth/preset': value must be one of"),
    ("a preset without an audience", {"proxyAuth": {"enabled": True, "preset": "google-iap"}, "networkPolicy": PEERS}, "proxyAuth.jwt.audience is empty"),
    ("an assertion header without an audience", {"proxyAuth": {"enabled": True, "jwt": {"header": "X-Jwt-Assertion", "jwksURL": "https://idp.example.com/jwks"}}, "networkPolicy": PEERS}, "proxyAuth.jwt.audience is empty"),
    *[(f"the {preset} preset without an issuer", {"proxyAuth": {"enabled": True, "preset": preset, "jwt": {"audience": "x"}}, "networkPolicy": PEERS}, f"proxyAuth.preset={preset} needs proxyAuth.jwt.issuer")
      for preset in ("oauth2-proxy", "cloudflare-access", "pomerium")],
    ("google-iap with a project ID in the audience", {"proxyAuth": {"enabled": True, "preset": "google-iap", "jwt": {"audience": "/projects/my-project/global/backendServices/42"}}, "networkPolicy": PEERS}, "does not start with /projects/PROJECT_NUMBER/"),
    ("aws-alb with an audience that is no ALB ARN", {"proxyAuth": {"enabled": True, "preset": "aws-alb", "jwt": {"audience": "my-alb"}}, "networkPolicy": PEERS}, "is not an Application Load Balancer ARN"),
    ("jwt settings without a preset or header", {"proxyAuth": {"enabled": True, "trustedProxies": ["10.42.0.0/16"], "jwt": {"audience": "lamplight"}}, "networkPolicy": PEERS}, "neither proxyAuth.preset nor proxyAuth.jwt.header"),
    ("an assertion header without keys", {"proxyAuth": {"enabled": True, "jwt": {"header": "X-Jwt-Assertion", "audience": "lamplight"}}, "networkPolicy": PEERS}, "nothing says which keys sign the assertions"),
    ("a client CA without TLS", {"proxyAuth": {"enabled": True, "clientCA": {"existingSecret": "proxy-ca"}}, "networkPolicy": PEERS}, "does not serve HTTPS"),
    ("client-certificate names without the CA", {"proxyAuth": {**PROXY, "clientCA": {"allowedNames": ["ingress-nginx"]}}, "networkPolicy": PEERS}, "allowedNames narrows the certificates"),
    ("a preset without proxy auth", {"proxyAuth": {"preset": "google-iap", "jwt": {"audience": "/projects/1/global/backendServices/2"}}}, "but proxyAuth.enabled is false, so nothing would use it"),
    ("a shared secret without proxy auth", {"proxyAuth": {"sharedSecret": {"existingSecret": "proxy-secret"}}}, "but proxyAuth.enabled is false, so nothing would use it"),
    # Metrics.
    ("the metrics port on the main port", {"metrics": {"enabled": True, "port": 4466}}, "needs a port of its own"),
    ("a ServiceMonitor without metrics", {"metrics": {"serviceMonitor": {"enabled": True}}}, "there would be nothing to scrape"),
    ("metricsPeers with /metrics on the main port", {"proxyAuth": PROXY, "networkPolicy": {**PEERS, "metricsPeers": PEERS["proxyPeers"]}, "metrics": {"enabled": True, "port": 0}}, "would admit Prometheus to Lamplight's main port"),
    # Traefik and the Gateway API.
    ("oauth2-proxy's Service in another namespace without allowCrossNamespace", {"proxyAuth": PROXY, "networkPolicy": PEERS, "ingress": {**INGRESS, "authProxy": {"type": "traefik", "traefik": {"signInService": {"name": "oauth2-proxy", "namespace": "oauth2-proxy", "port": 80}}}}}, "Traefik refuses a Middleware that points at a Service in another namespace"),
    ("an HTTPRoute without any sign-in", {"httpRoute": HTTPROUTE}, "no sign-in is configured"),
    ("an HTTPRoute without parentRefs", {"proxyAuth": PROXY, "networkPolicy": PEERS, "httpRoute": {**HTTPROUTE, "parentRefs": []}}, "httpRoute.parentRefs is empty"),
    ("an HTTPRoute with ingress-nginx auth annotations", {"proxyAuth": PROXY, "networkPolicy": PEERS, "ingress": {"authProxy": {"type": "nginx"}}, "httpRoute": HTTPROUTE}, "which a Gateway API HTTPRoute ignores"),
    # Headlamp values that are refused.
    ("Headlamp's own default values.yaml (Headlamp's image)", HEADLAMP_DEFAULTS, "is Headlamp's image"),
    ("config.clusterInventory.enabled", {"config": {"clusterInventory": {"enabled": True}}}, "config.clusterInventory.enabled=true"),
    ("config.serviceAccountTokenPath", {"config": {"serviceAccountTokenPath": "/var/run/token"}}, "config.serviceAccountTokenPath=/var/run/token"),
    ("-service-account-token-path in extraArgs", {"config": {"extraArgs": ["-service-account-token-path=/var/run/token"]}}, "-service-account-token-path=/var/run/token in config.extraArgs"),
    ("OIDC_CLIENT_ID in env without OIDC_ISSUER_URL", {"env": [{"name": "OIDC_CLIENT_ID", "value": "x"}]}, "OIDC_ISSUER_URL is not"),
    ("an external OIDC Secret without a name", {"config": {"oidc": {"externalSecret": {"enabled": True}}}}, "externalSecret.name is empty"),
    ("OIDC twice: clientID and the external Secret", {"config": {"oidc": {"clientID": "x", "issuerURL": "https://idp.example.com", "externalSecret": {"enabled": True, "name": "oidc"}}}}, "OIDC is configured twice"),
    ("Headlamp's env OIDC together with proxy auth", {"proxyAuth": PROXY, "networkPolicy": PEERS, "env": [{"name": "OIDC_CLIENT_ID", "value": "x"}, {"name": "OIDC_ISSUER_URL", "value": "https://idp.example.com"}]}, "choose one way of signing users in"),
    ("an Ingress whose only sign-in is HEADLAMP_CONFIG_OIDC_CLIENT_ID... with proxy auth", {"proxyAuth": PROXY, "networkPolicy": PEERS, "env": [{"name": "HEADLAMP_CONFIG_OIDC_CLIENT_ID", "value": "x"}]}, "choose one way of signing users in"),
]

# Trusted-proxy lists and whether together they cover every address of a family. The chart must
# refuse exactly the covering ones, and (with --binary) the server must agree.
COVER_CASES = [
    ("0.0.0.0/0", True),
    ("0.0.0.0/1,128.0.0.0/1", True),
    ("128.0.0.0/2,0.0.0.0/1,192.0.0.0/2", True),
    ("0.0.0.0/2,64.0.0.0/2,128.0.0.0/2,192.0.0.0/2", True),
    ("::ffff:0:0/96", True),
    ("::ffff:0.0.0.0/97,128.0.0.0/1", True),
    ("::/0", True),
    ("::/1,8000::/1", True),
    ("10.42.0.0/16,::/1,8000::/2,c000::/2", True),
    ("0.0.0.0/1", False),
    ("0.0.0.0/1,128.0.0.0/2,192.0.0.0/3", False),
    ("::/1", False),
    ("10.0.0.0/8,::1", False),
    ("::ffff:10.0.0.0/104", False),
    ("::ffff:0:0/97", False),
    ("10.0.0.0/7,fd00::/16", False),
]

# Look-alikes of the guarded cases that must render (a guard that fires too often gets switched off).
NO_GUARD_CASES = [
    ("an Ingress with proxy auth", {"proxyAuth": PROXY, "networkPolicy": PEERS, "ingress": INGRESS}),
    ("an Ingress with OIDC", {"config": {"oidc": {"clientID": "x", "issuerURL": "https://idp.example.com"}}, "ingress": INGRESS}),
    ("an Ingress with OIDC from extraArgs", {"config": {"extraArgs": ["-oidc-client-id=x", "-oidc-idp-issuer-url=https://idp.example.com", "-oidc-cookie-secret=" + "x" * 32]}, "ingress": INGRESS}),
    ("an Ingress with proxy auth from env", {"env": [{"name": "HEADLAMP_CONFIG_PROXY_AUTH", "value": "true"}, {"name": "HEADLAMP_CONFIG_PROXY_AUTH_TRUSTED_PROXIES", "value": "10.42.0.0/16"}], "networkPolicy": PEERS, "ingress": INGRESS}),
    ("an Ingress without sign-in, allowWithoutSignIn", {"ingress": {**INGRESS, "allowWithoutSignIn": True}}),
    ("a covering list with insecureTrustAnyPeer and a NetworkPolicy", {"proxyAuth": {"enabled": True, "insecureTrustAnyPeer": True, "trustedProxies": ["0.0.0.0/1", "128.0.0.0/1"]}, "networkPolicy": PEERS}),
    ("-allowed-hosts in extraArgs without an Ingress", {"config": {"extraArgs": ["-allowed-hosts=dash.example.com"]}}),
    # Another trust anchor makes trustedProxies optional, however it is given.
    ("proxy auth with a preset and no trusted proxies", {"proxyAuth": {"enabled": True, "preset": "pomerium", "jwt": {"issuer": "lamplight.corp.example.com", "audience": "lamplight.corp.example.com"}}, "networkPolicy": PEERS}),
    ("proxy auth with an aws-alb ARN and no trusted proxies", {"proxyAuth": {"enabled": True, "preset": "aws-alb", "jwt": {"audience": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/lamplight/50dc6c495c0c9188"}}, "networkPolicy": PEERS}),
    ("proxy auth with an assertion header, discovery and no trusted proxies", {"proxyAuth": {"enabled": True, "jwt": {"header": "X-Jwt-Assertion", "issuer": "https://idp.example.com", "audience": "lamplight"}}, "networkPolicy": PEERS}),
    ("proxy auth with an assertion header and a key-set file from extraArgs", {"proxyAuth": {"enabled": True, "jwt": {"header": "X-Jwt-Assertion", "audience": "lamplight"}}, "networkPolicy": PEERS, "config": {"extraArgs": ["-proxy-auth-jwks-file=/etc/keys/jwks.json"]}}),
    ("proxy auth with only a client CA", {"proxyAuth": {"enabled": True, "clientCA": {"existingSecret": "proxy-ca", "allowedNames": ["ingress-nginx"]}}, "networkPolicy": PEERS, "config": {"tlsSecretName": "lamplight-serving"}}),
    ("a client CA with TLS from extraArgs", {"proxyAuth": {"enabled": True, "clientCA": {"existingSecret": "proxy-ca"}}, "networkPolicy": PEERS, "config": {"extraArgs": ["-tls-cert-path=/etc/tls/tls.crt", "-tls-key-path=/etc/tls/tls.key"]}}),
    ("proxy auth with only a shared secret", {"proxyAuth": {"enabled": True, "sharedSecret": {"existingSecret": "proxy-secret"}}, "networkPolicy": PEERS}),
    ("Headlamp-style -proxy-auth=true with a preset in extraArgs", {"config": {"extraArgs": ["-proxy-auth=true", "-proxy-auth-preset=google-iap", "-proxy-auth-jwt-audience=/projects/1/global/backendServices/2"]}, "networkPolicy": PEERS}),
    ("HEADLAMP_CONFIG_PROXY_AUTH with a secret file in env", {"env": [{"name": "HEADLAMP_CONFIG_PROXY_AUTH", "value": "true"}, {"name": "HEADLAMP_CONFIG_PROXY_AUTH_SECRET_FILE", "value": "/etc/secret/s"}], "networkPolicy": PEERS}),
    ("metricsPeers with a metrics port of its own", {"proxyAuth": PROXY, "networkPolicy": {**PEERS, "metricsPeers": PEERS["proxyPeers"]}, "metrics": {"enabled": True, "port": 9090}}),
    ("metricsPeers without the NetworkPolicy's other reasons", {"networkPolicy": {"metricsPeers": PEERS["proxyPeers"]}, "metrics": {"enabled": True}}),
    ("oauth2-proxy in another namespace with allowCrossNamespace", {"proxyAuth": PROXY, "networkPolicy": PEERS, "ingress": {**INGRESS, "authProxy": {"type": "traefik", "traefik": {"allowCrossNamespace": True, "signInService": {"name": "oauth2-proxy", "namespace": "oauth2-proxy", "port": 80}}}}}),
    ("an HTTPRoute with Traefik's middlewares", {"proxyAuth": PROXY, "networkPolicy": PEERS, "ingress": {"authProxy": {"type": "traefik"}}, "httpRoute": HTTPROUTE}),
    ("an HTTPRoute without sign-in, allowWithoutSignIn", {"httpRoute": {**HTTPROUTE, "allowWithoutSignIn": True}}),
    ("Headlamp's own default values.yaml without image", {k: v for k, v in HEADLAMP_DEFAULTS.items() if k != "image"}),
    ("Headlamp's paths[].type, backend, ingressClassName", {"config": {"oidc": {"clientID": "x", "issuerURL": "https://idp.example.com"}}, "service": {"extraServicePorts": [{"name": "extra", "port": 9090}]},
                                                           "ingress": {"enabled": True, "ingressClassName": "nginx", "hosts": [{"host": "dash.example.com", "paths": [{"path": "/", "type": "ImplementationSpecific"}, {"path": "/extra", "type": "Prefix", "backend": {"service": {"port": {"name": "extra"}}}}]}]}}),
    ("Headlamp's probes, hostUsers, hostAliases, PDB maxUnavailable, podLabels with tpl, topologySpreadConstraints",
     {"probes": {"scheme": "HTTP", "livenessProbe": {"initialDelaySeconds": 5, "periodSeconds": 7, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3}},
      "hostUsers": False, "hostAliases": [{"ip": "10.0.0.1", "hostnames": ["idp.internal"]}], "podDisruptionBudget": {"maxUnavailable": 1, "minAvailable": None},
      "podLabels": {"release": "{{ .Release.Name }}"}, "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway"}],
      "persistentVolumeClaim": {"enabled": True, "accessModes": ["ReadWriteOnce"], "size": "1Gi"},
      "extraManifests": ["apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-extra\ndata:\n  key: value\n"]}),
]


def render_cases():
    cases = [("defaults", [])]
    for path in override_files():
        if path != HEADLAMP / "values.yaml":
            cases.append((str(path.relative_to(CHART)), [load_yaml(path) or {}]))
    return cases


def check_rendering(binary: str | None) -> None:
    for label, overrides in render_cases():
        try:
            rendered = render(overrides)
            docs = manifests(rendered)
        except (Fail, helm_python.HelmError, yaml.YAMLError) as error:
            fail(f"render {label}: {type(error).__name__}: {error}")
            continue
        problems = check_objects(docs, overrides) + kubernetes_schema_problems(docs) + headlamp_problems(label, overrides, docs, notes(rendered))
        for problem in problems:
            fail(f"render {label}: {problem}")
        if not problems:
            ok(f"render {label}: {', '.join(sorted({d['kind'] for _, d in docs}))}")
        if binary:
            check_binary(binary, label, docs)

    for label, overrides, message in GUARD_CASES:
        try:
            render([overrides])
        except Fail as error:
            if message in str(error):
                ok(f"guard fires (Helm's fail): {label}")
            else:
                fail(f"guard for {label} fired with another message: {str(error).strip()[:160]}")
        else:
            fail(f"guard did not fire: {label}")

    for label, overrides in NO_GUARD_CASES:
        try:
            rendered = render([overrides])
            docs = manifests(rendered)
        except Fail as error:
            fail(f"guard fired for {label}: {str(error).strip()[:160]}")
        else:
            problems = check_objects(docs, [overrides]) + kubernetes_schema_problems(docs) + headlamp_problems(label, [overrides], docs, notes(rendered))
            for problem in problems:
                fail(f"render {label}: {problem}")
            if not problems:
                ok(f"no guard fires: {label}")
            if binary:
                check_binary(binary, label, docs)

    for networks, covers in COVER_CASES:
        label = f"trusted proxies {networks}"
        for where, overrides in [
            ("values", {"proxyAuth": {"enabled": True, "trustedProxies": networks.split(",")}, "networkPolicy": PEERS}),
            ("extraArgs", {"config": {"extraArgs": ["-proxy-auth=true", f"-proxy-auth-trusted-proxies={networks}"]}, "networkPolicy": PEERS}),
        ]:
            try:
                docs = manifests(render([overrides]))
            except Fail as error:
                if not covers:
                    fail(f"{label} ({where}): the chart refuses a list that does not cover every address: {str(error).strip()[:120]}")
                elif "trusts every address" not in str(error):
                    fail(f"{label} ({where}): refused with another message: {str(error).strip()[:120]}")
                else:
                    ok(f"{label} ({where}): the chart refuses it")
            else:
                if covers:
                    fail(f"{label} ({where}): the chart renders a list that covers every address")
                else:
                    ok(f"{label} ({where}): the chart renders it")
                    if binary and where == "values":
                        check_binary(binary, label, docs)
        if binary and covers:
            check_binary_refuses(binary, label, ["-proxy-auth=true", f"-proxy-auth-trusted-proxies={networks}"], "cover every")


def headlamp_problems(label: str, overrides: list[dict], docs, notes_text: str) -> list[str]:
    """What porting Headlamp values must give: OIDC with a cookie secret, no Headlamp-only flag on
    the command line, the ignored values named in the install notes, Headlamp's pod settings."""
    problems = []
    values = {}
    for override in overrides:
        values = merge(values, override)
    deployment = next((doc for _, doc in docs if doc["kind"] == "Deployment"), None)
    if deployment is None:
        return ["no Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    args = container.get("args", [])
    env = {e["name"]: e for e in container.get("env", [])}
    # Headlamp flags Lamplight's server accepts and ignores: passed on (as by Headlamp's chart) and
    # named in the install notes; the server says why at start-up (--binary runs it).
    ignored = {"watch-plugins-changes", "enable-helm", "oidc-use-cookie", "me-user-info-url", "insecure-ssl",
               "enable-dynamic-clusters", "allow-kubeconfig-changes", "proxy-urls", "enable-cluster-inventory"}
    extra_args = [str(a) for a in (values.get("config", {}).get("extraArgs") or [])]
    for arg in extra_args:
        name = re.match(r"^--?([a-z-]+)", arg)
        if name and name.group(1) in ignored and arg not in notes_text:
            problems.append(f"the Headlamp flag {arg}, which Lamplight ignores, is not named in the install notes")
    if args[-len(extra_args):] != extra_args if extra_args else False:
        problems.append(f"config.extraArgs do not end the command line as given: {args[-len(extra_args):]}")
    config = values.get("config", {})
    for key, flag in [("pluginsDir", "-plugins-dir="), ("podDebugImage", "-pod-debug-image="), ("nodeShellImage", "-node-shell-image=")]:
        if config.get(key) and f"{flag}{config[key]}" not in args:
            problems.append(f"config.{key} did not become {flag}{config[key]}")
    oidc = values.get("config", {}).get("oidc", {})
    env_names = {e.get("name") for e in values.get("env", [])}
    configured = oidc.get("clientID") or oidc.get("externalSecret", {}).get("enabled") or "OIDC_CLIENT_ID" in env_names \
        or "HEADLAMP_CONFIG_OIDC_CLIENT_ID" in env_names
    if configured:
        if not (any(a.startswith("-oidc-client-id=") for a in args) or "HEADLAMP_CONFIG_OIDC_CLIENT_ID" in env):
            problems.append("OIDC is configured but no client ID reaches the server: the dashboard would have no sign-in")
        cookie = env.get("HEADLAMP_CONFIG_OIDC_COOKIE_SECRET")
        if not cookie:
            problems.append("OIDC is configured but no cookie secret reaches the server: it would exit")
        elif "valueFrom" in cookie and not oidc.get("existingSecret"):
            secret_name = cookie["valueFrom"]["secretKeyRef"]["name"]
            if not any(d["kind"] == "Secret" and d["metadata"]["name"] == secret_name for _, d in docs):
                problems.append(f"the cookie secret comes from Secret {secret_name}, which the chart does not create")
        secret_env = env.get("HEADLAMP_CONFIG_OIDC_CLIENT_SECRET")
        if any("OIDC_CLIENT_SECRET" in a for a in args):
            problems.append("the client secret is on the command line (visible in ps)")
        if ("OIDC_CLIENT_SECRET" in env_names or oidc.get("externalSecret", {}).get("enabled")) and not secret_env:
            problems.append("Headlamp's OIDC_CLIENT_SECRET does not reach HEADLAMP_CONFIG_OIDC_CLIENT_SECRET")
        if oidc.get("externalSecret", {}).get("enabled") and {"secretRef": {"name": oidc["externalSecret"]["name"]}} not in container.get("envFrom", []):
            problems.append("config.oidc.externalSecret is not the container's envFrom")
        if oidc.get("usePKCE") is False and "PKCE" not in notes_text:
            problems.append("usePKCE=false is not named in the install notes")
    for key, word in [("enableHelm", "config.enableHelm"), ("watchPlugins", "config.watchPlugins")]:
        if values.get("config", {}).get(key) and word not in notes_text:
            problems.append(f"{word} is ignored without a warning in the install notes")
    if oidc.get("meUserInfoURL") and "meUserInfoURL" not in notes_text:
        problems.append("config.oidc.meUserInfoURL is ignored without a warning")
    if values.get("clusterRoleBinding", {}).get("clusterRoleName") == "cluster-admin" and "cluster-admin" not in notes_text:
        problems.append("cluster-admin is bound without a warning in the install notes")
    if values.get("hostUsers") is False and pod.get("hostUsers") is not False:
        problems.append("hostUsers: false did not reach the pod")
    if values.get("hostAliases") and pod.get("hostAliases") != values["hostAliases"]:
        problems.append("hostAliases did not reach the pod")
    for constraint in pod.get("topologySpreadConstraints", []):
        if not constraint.get("labelSelector"):
            problems.append(f"a topology spread constraint without labelSelector: {constraint}")
    for key, template in (values.get("podLabels") or {}).items():
        if "{{" in str(template) and "{{" in str(pod_labels := deployment["spec"]["template"]["metadata"]["labels"].get(key)):
            problems.append(f"podLabels.{key} was not run through tpl: {pod_labels}")
    liveness = (values.get("probes") or {}).get("livenessProbe")
    if liveness and container["livenessProbe"].get("periodSeconds") != liveness.get("periodSeconds"):
        problems.append("probes.livenessProbe.periodSeconds did not reach the liveness probe")
    return problems


def kubernetes_schema_problems(docs) -> list[str]:
    """Strict validation against Kubernetes' own schemas (kubernetes-validate), oldest and newest."""
    problems = []
    for version in KUBE_VERSIONS:
        for name, doc in docs:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.SchemaNotFoundError:
                pass  # CRDs (Traefik's Middleware, HTTPRoute, ServiceMonitor) have no schema there
            except kubernetes_validate.ValidationError as error:
                problems.append(f"{name}: {doc['kind']} invalid for Kubernetes {version}: {error.message}")
    return problems


def check_objects(docs, overrides: list[dict] | None = None) -> list[str]:
    problems = []
    values = {}
    for override in overrides or []:
        values = merge(values, override)
    asked_cluster_admin = values.get("clusterRoleBinding", {}).get("clusterRoleName") == "cluster-admin"
    for name, doc in docs:
        if not (doc.get("apiVersion") and doc.get("kind") and doc.get("metadata", {}).get("name")):
            problems.append(f"{name}: an object without apiVersion/kind/metadata.name")
    by_kind = {}
    for _, doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)
    for binding in by_kind.get("ClusterRoleBinding", []):
        if binding["roleRef"]["name"] == "cluster-admin" and not asked_cluster_admin:
            problems.append("binds cluster-admin")
    for role in by_kind.get("ClusterRole", []):
        for rule in role["rules"]:
            if "" in rule.get("apiGroups", []) and ({"secrets", "*"} & set(rule.get("resources", []))):
                problems.append("the ClusterRole grants Secrets")
            if "*" in rule.get("apiGroups", []):
                problems.append("the ClusterRole grants apiGroups * (which includes Secrets)")
            verbs = set(rule.get("verbs", []))
            if not (verbs <= {"get", "list", "watch"} or verbs == {"impersonate"}):
                problems.append(f"the ClusterRole grants {sorted(verbs)}")
    problems += traefik_problems(by_kind)
    for deployment in by_kind.get("Deployment", []):
        pod = deployment["spec"]["template"]["spec"]
        container = pod["containers"][0]
        sc = container.get("securityContext", {})
        if not (sc.get("readOnlyRootFilesystem") and sc.get("runAsNonRoot") and sc.get("allowPrivilegeEscalation") is False
                and sc.get("capabilities", {}).get("drop") == ["ALL"]):
            problems.append("the container is not hardened (read-only root FS, non-root, no escalation, drop ALL)")
        if pod.get("securityContext", {}).get("seccompProfile", {}).get("type") != "RuntimeDefault":
            problems.append("the pod has no RuntimeDefault seccomp profile")
        if not container["livenessProbe"]["httpGet"]["path"].endswith("/healthz"):
            problems.append("liveness is not /healthz")
        if not container["readinessProbe"]["httpGet"]["path"].endswith("/readyz"):
            problems.append("readiness is not /readyz")
        args = container.get("args", [])
        allowed = next((a.split("=", 1)[1].split(",") for a in args if a.startswith("-allowed-hosts=")), [])
        for ingress in by_kind.get("Ingress", []):
            for rule in ingress["spec"].get("rules", []):
                if rule.get("host") and rule["host"] not in allowed and allowed != ["*"]:
                    problems.append(f"Ingress host {rule['host']} is not in -allowed-hosts ({','.join(allowed)}): it would get 421")
        for route in by_kind.get("HTTPRoute", []):
            for host in route["spec"].get("hostnames", []):
                if host not in allowed and allowed != ["*"]:
                    problems.append(f"HTTPRoute host name {host} is not in -allowed-hosts ({','.join(allowed)}): it would get 421")
        anchors = ("-proxy-auth-trusted-proxies=", "-proxy-auth-insecure-trust-any-peer", "-proxy-auth-preset=",
                   "-proxy-auth-jwt-header=", "-proxy-auth-client-ca-file=", "-proxy-auth-secret-file=")
        if "-proxy-auth=true" in args and not any(a.startswith(anchors) for a in args):
            problems.append("-proxy-auth=true without any trust anchor reached the container")
        if any(a.startswith(("-proxy-auth-preset=", "-proxy-auth-jwt-header=")) for a in args) and not any(a.startswith("-proxy-auth-jwt-audience=") for a in args):
            problems.append("a signed assertion is expected without -proxy-auth-jwt-audience")
        problems += mount_problems(pod, container, args, by_kind)
        if "-proxy-auth-impersonate=true" in args:
            rules = [r for role in by_kind.get("ClusterRole", []) for r in role["rules"]]
            if any(set(r["verbs"]) != {"impersonate"} for r in rules):
                problems.append("impersonation is on but the ClusterRole grants more than impersonate")
    return problems


def traefik_problems(by_kind) -> list[str]:
    """The Traefik middlewares: security headers outermost, an `rd={url}` query with nothing in front
    of {url}, ForwardAuth and the sign-in page at the same oauth2-proxy (one namespace), every
    middleware an Ingress or HTTPRoute names exists."""
    problems = []
    middlewares = {m["metadata"]["name"]: m for m in by_kind.get("Middleware", [])}
    if not middlewares:
        return problems
    chains = []
    for ingress in by_kind.get("Ingress", []):
        refs = ingress["metadata"].get("annotations", {}).get("traefik.ingress.kubernetes.io/router.middlewares", "")
        prefix = ingress["metadata"]["namespace"] + "-"
        chains.append(("Ingress", [r.split("@")[0].removeprefix(prefix) for r in refs.split(",") if r.endswith("@kubernetescrd")]))
    for route in by_kind.get("HTTPRoute", []):
        for rule in route["spec"]["rules"]:
            names = [f["extensionRef"]["name"] for f in rule.get("filters", []) if f.get("type") == "ExtensionRef"]
            if names:
                chains.append(("HTTPRoute", names))
    for ingress in by_kind.get("Ingress", []):
        annotations = ingress["metadata"].get("annotations", {})
        if ingress["spec"].get("tls") and annotations.get("traefik.ingress.kubernetes.io/router.entrypoints", "") in ("", "web"):
            problems.append("Ingress with TLS has no HTTPS-only entrypoint: Traefik would serve it on plain HTTP too")
    for where, chain in chains:
        ours = [n for n in chain if n in middlewares]
        if any(n.endswith("-security-headers") for n in middlewares) and (not ours or not ours[0].endswith("-security-headers")):
            problems.append(f"{where}: the security-headers middleware is not the outermost, so the sign-in page lacks its headers: {chain}")
        if not any(n.endswith("-auth") for n in ours):
            problems.append(f"{where}: no ForwardAuth middleware in {chain}")
    for name, middleware in middlewares.items():
        spec = middleware["spec"]
        if "errors" in spec:
            query = spec["errors"]["query"]
            if "rd=" in query and not query.endswith("rd={url}"):
                problems.append(f"{name}: the sign-in query {query!r} puts something in front of {{url}} (Traefik expands it to the absolute URL)")
            service = spec["errors"]["service"]
            namespace = service.get("namespace", middleware["metadata"]["namespace"])
            for other in middlewares.values():
                address = other["spec"].get("forwardAuth", {}).get("address", "")
                match = re.match(r"^https?://([^./:]+)\.([^./:]+)\.svc", address)
                if match and (match.group(1), match.group(2)) != (service["name"], namespace):
                    problems.append(f"ForwardAuth goes to {match.group(1)}.{match.group(2)} but the sign-in page to {service['name']}.{namespace}")
    return problems


# The files the chart mounts for a flag: (flag, mount path, file name, what the Secret must hold).
MOUNTED_FILES = [
    ("-tls-cert-path=", "/etc/lamplight/tls", "tls.crt"),
    ("-tls-key-path=", "/etc/lamplight/tls", "tls.key"),
    ("-proxy-auth-client-ca-file=", "/etc/lamplight/proxy-client-ca", "ca.crt"),
    ("-proxy-auth-secret-file=", "/etc/lamplight/proxy-secret", "secret"),
]


def mount_problems(pod, container, args, by_kind) -> list[str]:
    """Every file a flag names is on a read-only mount of a Secret volume; metrics ports line up."""
    problems = []
    mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    seen = set()
    for flag, directory, name in MOUNTED_FILES:
        arg = next((a for a in args if a.startswith(flag)), None)
        if arg is None or not arg.startswith(f"{flag}{directory}/"):
            continue  # not set, or a path of the user's own (config.extraArgs)
        if arg != f"{flag}{directory}/{name}":
            problems.append(f"{arg} is not {directory}/{name}")
        if directory in seen:
            continue
        seen.add(directory)
        mount = mounts.get(directory)
        if not mount:
            problems.append(f"{arg}: nothing is mounted at {directory}")
            continue
        if not mount.get("readOnly"):
            problems.append(f"{directory} is mounted writable")
        if mount.get("subPath"):
            problems.append(f"{directory} is a subPath mount: a rotated Secret would never reach the pod")
        secret = volumes.get(mount["name"], {}).get("secret")
        if not secret or not secret.get("secretName"):
            problems.append(f"{directory} is not a Secret volume")
        elif "items" in secret and not any(item.get("path") == name for item in secret["items"]):
            problems.append(f"{directory}: the Secret volume does not project {name}")
    if any(a.startswith("-proxy-auth-client-ca-file=") for a in args) and not any(a.startswith("-tls-cert-path=") for a in args):
        problems.append("-proxy-auth-client-ca-file without -tls-cert-path: the server would refuse to start")
    metrics_port = next((int(a.split("=", 1)[1]) for a in args if a.startswith("-metrics-port=")), None)
    if metrics_port is not None:
        if "-metrics-enabled=true" not in args:
            problems.append("-metrics-port without -metrics-enabled=true")
        if not any(p.get("name") == "metrics" and p.get("containerPort") == metrics_port for p in container.get("ports", [])):
            problems.append(f"-metrics-port={metrics_port} is not the container port named metrics")
        if not any(p.get("name") == "metrics" and p.get("targetPort") == "metrics"
                   for service in by_kind.get("Service", []) for p in service["spec"]["ports"]):
            problems.append("the metrics port is not a Service port")
    for monitor in by_kind.get("ServiceMonitor", []):
        names = {p.get("name") for service in by_kind.get("Service", []) for p in service["spec"]["ports"]}
        for endpoint in monitor["spec"]["endpoints"]:
            if endpoint.get("port") not in names:
                problems.append(f"the ServiceMonitor scrapes port {endpoint.get('port')!r}, which the Service does not have")
            if not endpoint.get("path", "").endswith("/metrics"):
                problems.append("the ServiceMonitor does not scrape /metrics")
    return problems


# Flags whose value is a file the chart mounts from a Secret (or the user from volumes): for a run of
# the real binary each gets a test file of the same kind (test PKI, a shared secret, a JWK set).
FILE_FLAGS = {
    "tls-cert-path": "tls.crt",
    "tls-key-path": "tls.key",
    "proxy-auth-client-ca-file": "ca.crt",
    "proxy-auth-secret-file": "secret",
    "proxy-auth-jwks-file": "jwks.json",
}
TEST_SHARED_SECRET = "lamplight-ci-shared-secret-0123456789abcdef"


def openssl(*args: str, cwd: str) -> None:
    import subprocess

    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, text=True)


def make_test_files(directory: str, client_name: str) -> None:
    """A test CA, a server certificate for localhost/127.0.0.1, a client certificate named
    client_name and one named someone-else (both from the CA), a shared secret, a JWK set."""
    import base64
    import json as json_module

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *ec, "-days", "2", "-subj", "/CN=lamplight-ci-ca", "-keyout", "ca.key", "-out", "ca.crt",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)
    leaves = [("tls", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
              ("client", client_name, f"subjectAltName=DNS:{client_name}\nextendedKeyUsage=clientAuth\n"),
              ("stranger", "someone-else", "subjectAltName=DNS:someone-else\nextendedKeyUsage=clientAuth\n")]
    for stem, name, extensions in leaves:
        Path(directory, f"{stem}.ext").write_text(extensions)
        openssl("req", "-new", *ec, "-subj", f"/CN={name}", "-keyout", f"{stem}.key", "-out", f"{stem}.csr", cwd=directory)
        openssl("x509", "-req", "-in", f"{stem}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                "-extfile", f"{stem}.ext", "-out", f"{stem}.crt", cwd=directory)
    Path(directory, "secret").write_text(TEST_SHARED_SECRET + "\n")
    # A JWK set with one P-256 key: the last 64 bytes of the public key's DER are X and Y.
    openssl("ec", "-in", "ca.key", "-pubout", "-outform", "DER", "-out", "ca.pub.der", cwd=directory)
    der = Path(directory, "ca.pub.der").read_bytes()
    b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    jwk = {"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": "ci", "x": b64(der[-64:-32]), "y": b64(der[-32:])}
    Path(directory, "jwks.json").write_text(json_module.dumps({"keys": [jwk]}))


class Endpoint:
    """Lamplight under test: plain HTTP, or HTTPS trusting the test CA."""

    def __init__(self, port: int, tls_dir: str | None):
        self.port = port
        self.tls_dir = tls_dir

    def context(self, client: str | None = None):
        import ssl

        context = ssl.create_default_context(cafile=str(Path(self.tls_dir, "ca.crt")))
        context.check_hostname = False  # Host headers vary; the certificate chain is still verified
        if client:
            context.load_cert_chain(str(Path(self.tls_dir, f"{client}.crt")), str(Path(self.tls_dir, f"{client}.key")))
        return context

    def get(self, path: str, headers: dict | None = None, client: str | None = None, port: int | None = None,
            tls: bool | None = None) -> tuple[int, str]:
        import http.client

        port = port or self.port
        if self.tls_dir if tls is None else tls:
            connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=self.context(client))
        else:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", path, headers=headers or {})
            answer = connection.getresponse()
            return answer.status, answer.read().decode("utf-8", "replace")
        finally:
            connection.close()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check_binary(binary: str, label: str, docs) -> None:
    """Start the real server with the rendered args and env; it must come up and answer /healthz."""
    import os
    import re as re_module
    import subprocess
    import tempfile
    import time

    deployment = next(doc for _, doc in docs if doc["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    port = free_port()
    metrics_port = free_port()
    args = [a for a in container.get("args", []) if not a.startswith("-port=")] + [f"-port={port}", "-listen-addr=127.0.0.1"]
    args = [f"-metrics-port={metrics_port}" if a.startswith("-metrics-port=") else a for a in args]
    with tempfile.TemporaryDirectory() as sa, tempfile.TemporaryDirectory() as files:
        Path(sa, "token").write_text("not-a-real-token")
        Path(sa, "namespace").write_text("lamplight")
        env = {k: v for k, v in os.environ.items() if not k.startswith("HEADLAMP_CONFIG_")}
        env.update({"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "1", "LAMPLIGHT_SERVICE_ACCOUNT_DIR": sa})
        for source in container.get("envFrom", []):
            if "secretRef" in source:  # Headlamp's OIDC external Secret
                env.update({"OIDC_CLIENT_ID": "lamplight-ci", "OIDC_CLIENT_SECRET": "ci-client-secret",
                            "OIDC_ISSUER_URL": "https://idp.example.com", "OIDC_SCOPES": "profile,email"})
        for var in container.get("env", []):
            if "value" in var:
                # Kubernetes expands $(NAME) from the variables defined before it.
                env[var["name"]] = re_module.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)), str(var["value"]))
            elif var["name"].endswith("COOKIE_SECRET"):
                env[var["name"]] = "x" * 48  # what the chart's Secret would hold
        args = [re_module.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)), a) for a in args]
        # Files named by flags or variables become test files of the same kind.
        allowed_names = next((a.split("=", 1)[1].split(",") for a in args if a.startswith("-proxy-auth-allowed-names=")), [])
        if any(re_module.match(rf"^--?({'|'.join(FILE_FLAGS)})=", a) for a in args) or any(
                env.get("HEADLAMP_CONFIG_" + flag.upper().replace("-", "_")) for flag in FILE_FLAGS):
            make_test_files(files, allowed_names[0] if allowed_names else "lamplight-ci-proxy")
        for flag, name in FILE_FLAGS.items():
            args = [re_module.sub(rf"^--?{flag}=.+$", f"-{flag}={files}/{name}", a) for a in args]
            variable = "HEADLAMP_CONFIG_" + flag.upper().replace("-", "_")
            if env.get(variable):
                env[variable] = f"{files}/{name}"
        tls = any(a.startswith("-tls-cert-path=") for a in args) or bool(env.get("HEADLAMP_CONFIG_TLS_CERT_PATH"))
        endpoint = Endpoint(port, files if tls else None)
        process = subprocess.Popen([binary, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if any("$(" in a for a in args):
            fail(f"binary {label}: an argument refers to a variable the container does not define: {[a for a in args if '$(' in a]}")
        try:
            base = next((a.split("=", 1)[1] for a in args if a.startswith("-base-url=")), "")
            deadline = time.time() + 20
            while time.time() < deadline:
                if process.poll() is not None:
                    fail(f"binary {label}: the server refused the rendered settings: {process.stderr.read().strip()[:300]}")
                    return
                try:
                    status, _ = endpoint.get(f"{base}/healthz")
                except OSError:
                    time.sleep(0.2)
                    continue
                if status == 200:
                    ok(f"binary {label}: the server starts with the rendered args and env{' (HTTPS)' if tls else ''}")
                    check_hosts(label, endpoint, f"{base}/healthz", args)
                    check_sign_in(label, endpoint, base, args, env)
                    check_anchors(label, endpoint, base, args, env)
                    check_metrics(label, endpoint, base, args, metrics_port)
                    return
                time.sleep(0.2)
            fail(f"binary {label}: no answer on /healthz within 20 s")
        finally:
            process.terminate()
            process.wait(timeout=10)


def check_sign_in(label: str, endpoint: Endpoint, base: str, args: list[str], env: dict) -> None:
    """Where the render configures OIDC (however: values, Headlamp's env or external Secret,
    HEADLAMP_CONFIG_OIDC_*), the running server's /config says its sign-in is OIDC."""
    import json as json_module

    if not (any(a.startswith("-oidc-client-id=") for a in args) or env.get("HEADLAMP_CONFIG_OIDC_CLIENT_ID")):
        return
    status, body = endpoint.get(f"{base}/config")
    try:
        mode = json_module.loads(body).get("auth", {}).get("mode")
    except ValueError:
        mode = None
    if status == 200 and mode == "oidc":
        ok(f"binary {label}: the server signs users in with OIDC (/config auth.mode)")
    else:
        fail(f"binary {label}: OIDC is configured but the server's /config says auth.mode={mode!r} ({status})")


def check_hosts(label: str, endpoint: Endpoint, path: str, args: list[str]) -> None:
    """Each -allowed-hosts name (a subdomain for `*.x`) is served; another name gets 421."""
    allowed = next((a.split("=", 1)[1].split(",") for a in args if a.startswith("-allowed-hosts=")), [])
    names = ["localhost"] + [f"a{name[1:]}" if name.startswith("*.") else name for name in allowed if name != "*"]
    wrong = [(name, status) for name in names if (status := endpoint.get(path, {"Host": f"{name}:443"})[0]) != 200]
    if wrong:
        fail(f"binary {label}: allowed host names not served: {wrong}")
    stranger = endpoint.get(path, {"Host": "rebinding.attacker.invalid"})[0]
    if allowed == ["*"]:
        if stranger != 200:
            fail(f"binary {label}: -allowed-hosts=* but another name got {stranger}")
    elif stranger != 421:
        fail(f"binary {label}: a name outside -allowed-hosts got {stranger}, not 421")
    if not wrong and (stranger == 421) != (allowed == ["*"]):
        ok(f"binary {label}: serves {', '.join(names)}; another name gets {stranger}")


def trusts_loopback(proxies: str) -> bool:
    """Whether a -proxy-auth-trusted-proxies list contains 127.0.0.1 (also as ::ffff:127.0.0.1) or ::1."""
    import ipaddress

    peers = [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::ffff:127.0.0.1"), ipaddress.ip_address("::1")]
    for entry in filter(None, (e.strip() for e in proxies.split(","))):
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            continue
        if any(peer.version == network.version and peer in network for peer in peers):
            return True
    return False


def check_anchors(label: str, endpoint: Endpoint, base: str, args: list[str], env: dict) -> None:
    """A forged identity from a peer no anchor vouches for gets 403; where a client certificate or a
    shared secret is the only anchor, presenting it (and only the right one) makes the identity count."""
    import json as json_module

    def given(flag: str) -> str | None:
        value = next((a.split("=", 1)[1] for a in args if a.startswith(f"-{flag}=")), None)
        return value or env.get("HEADLAMP_CONFIG_" + flag.upper().replace("-", "_")) or None

    if not (given("proxy-auth") in ("true", "1", "t", "T", "TRUE", "True") or "-proxy-auth=true" in args):
        return
    if given("proxy-auth-insecure-trust-any-peer") == "true" or trusts_loopback(given("proxy-auth-trusted-proxies") or ""):
        return  # this render trusts the test's own address
    me = f"{base}/me"
    forged = {"X-Forwarded-User": "admin", "X-Forwarded-Group": "system:masters"}
    status, _ = endpoint.get(me, forged)
    if status != 403:
        fail(f"binary {label}: a forged X-Forwarded-User from an untrusted peer got {status}, not 403")
    else:
        ok(f"binary {label}: a forged X-Forwarded-User from a peer no anchor vouches for gets 403")

    others = [given(f) for f in ("proxy-auth-trusted-proxies", "proxy-auth-preset", "proxy-auth-jwt-header")]
    client_ca, secret_file = given("proxy-auth-client-ca-file"), given("proxy-auth-secret-file")
    alice = {"X-Forwarded-User": "alice", "X-Forwarded-Group": "dev"}

    def is_alice(answer: tuple[int, str]) -> bool:
        try:
            return answer[0] == 200 and json_module.loads(answer[1]).get("username") == "alice"
        except ValueError:
            return False

    if client_ca and endpoint.tls_dir and not any(others) and not secret_file:
        with_cert = endpoint.get(me, alice, client="client")
        stranger = endpoint.get(me, alice, client="stranger")[0]
        narrowed = bool(given("proxy-auth-allowed-names"))
        if not is_alice(with_cert):
            fail(f"binary {label}: the proxy's client certificate did not make the identity count: {with_cert[0]} {with_cert[1][:120]}")
        elif narrowed and stranger != 403:
            fail(f"binary {label}: a certificate from the CA with a name outside -proxy-auth-allowed-names got {stranger}, not 403")
        else:
            ok(f"binary {label}: with the proxy's client certificate the identity counts"
               + ("; another name from the same CA gets 403" if narrowed else ""))
    if secret_file and not any(others) and not client_ca:
        header = given("proxy-auth-secret-header") or "X-Lamplight-Proxy-Secret"
        right = endpoint.get(me, {**alice, header: TEST_SHARED_SECRET})
        wrong = endpoint.get(me, {**alice, header: TEST_SHARED_SECRET[::-1]})[0]
        if not is_alice(right):
            fail(f"binary {label}: the shared secret did not make the identity count: {right[0]} {right[1][:120]}")
        elif wrong != 403:
            fail(f"binary {label}: a wrong shared secret got {wrong}, not 403")
        else:
            ok(f"binary {label}: with the shared secret the identity counts; a wrong one gets 403")


def check_metrics(label: str, endpoint: Endpoint, base: str, args: list[str], metrics_port: int) -> None:
    """With -metrics-enabled, /metrics answers in Prometheus' text format: on the metrics port (plain
    HTTP) when there is one, else under the base URL on the main port."""
    if "-metrics-enabled=true" not in args:
        return
    own_port = any(a.startswith("-metrics-port=") for a in args)
    try:
        if own_port:
            status, body = endpoint.get("/metrics", port=metrics_port, tls=False)
        else:
            status, body = endpoint.get(f"{base}/metrics")
    except OSError as error:
        fail(f"binary {label}: /metrics {'on the metrics port ' if own_port else ''}did not answer: {error}")
        return
    if status == 200 and "lamplight_http_requests_total" in body:
        ok(f"binary {label}: /metrics answers{' on its own port' if own_port else ''}")
    else:
        fail(f"binary {label}: /metrics {'on its own port ' if own_port else ''}answered {status} without lamplight_http_requests_total: {body[:80]!r}")


def check_binary_refuses(binary: str, label: str, args: list[str], message: str) -> None:
    """The real server must refuse these flags at start-up: exit status 2, naming why."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("HEADLAMP_CONFIG_")}
    try:
        done = subprocess.run([binary, *args, "-listen-addr=127.0.0.1", "-port=0"], env=env, capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        fail(f"binary {label}: the server started instead of refusing")
        return
    if done.returncode == 2 and message in done.stderr:
        ok(f"binary {label}: the server refuses it too")
    else:
        fail(f"binary {label}: expected exit status 2 and {message!r}, got {done.returncode}: {done.stderr.strip()[:200]}")


def check_headlamp_flags() -> None:
    """The chart's list of Headlamp flags the server ignores or refuses (templates/_headlamp.tpl)
    is the server's own (docs/headlamp-compatibility.md, generated from src/settings/headlamp.rs)."""
    tpl = (CHART / "templates" / "_headlamp.tpl").read_text()
    block = tpl[tpl.index('define "lamplight.headlampOnlyFlags"'):]
    block = block[: block.index("{{- end }}")]
    chart = dict(re.findall(r'"([a-z0-9-]+)" "(warn|refuse)"', block))
    doc = (CHART.parent.parent / "docs" / "headlamp-compatibility.md").read_text()
    server = {}
    for flag, decision in re.findall(r"^\| `-([a-z0-9-]+)` \| [^|]* \| ([^|]+?) \|", doc, re.M):
        if decision.startswith("accepted, ignored"):
            server[flag] = "warn"
        elif decision.startswith("refused"):
            server[flag] = "refuse"
    if not server:
        fail("docs/headlamp-compatibility.md: no ignored or refused flag found in its table")
    elif chart != server:
        only_chart = sorted(set(chart.items()) - set(server.items()))
        only_server = sorted(set(server.items()) - set(chart.items()))
        fail(f"lamplight.headlampOnlyFlags differs from the server's table: chart only {only_chart}, server only {only_server}")
    else:
        ok(f"lamplight.headlampOnlyFlags matches the server's table ({len(chart)} flags)")


def main() -> int:
    binary = None
    if sys.argv[1:2] == ["--binary"] and len(sys.argv) == 3:
        binary = sys.argv[2]
    elif len(sys.argv) > 1:
        sys.exit("usage: validate.py [--binary PATH-TO-LAMPLIGHT]")
    check_chart_yaml()
    check_headlamp_flags()
    values = check_values()
    check_lint()
    if values:
        check_readme(values)
        check_rendering(binary)
    print()
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print(f"all chart checks passed (rendered and linted by Helm {helm_python.helm_sdk_version()} through helm-python-sdk {helm_python.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
