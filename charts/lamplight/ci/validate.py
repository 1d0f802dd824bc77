#!/usr/bin/env python3
"""Static checks of the Lamplight chart, for machines without a `helm` binary.

    pip install pyyaml jsonschema kubernetes-validate
    python3 charts/lamplight/ci/validate.py        # exit 0 when every check passes

What it checks (it cannot render templates; `helm lint` / `helm template` remain the real test):
  1. Chart.yaml parses and has the fields Helm requires.
  2. values.schema.json is a valid draft-07 schema; values.yaml validates against it, and so does
     values.yaml merged with each ci/*-values.yaml and examples/*.yaml (as `helm -f` merges).
  3. Every template's static YAML parses once the {{ ... }} actions are stripped.
  4. Template control blocks (if/range/with/define) are balanced; every include names a define.
  5. Every .Values.x.y the templates read exists in values.yaml (a typo would read as empty).
  6. Every value in values.yaml is documented in README.md, and every value README.md documents
     exists.
  7. The render-time guards exist: deployment.yaml runs lamplight.validate, which refuses
     proxy-auth without trusted proxies, trusted proxies covering every address, proxy-auth
     together with OIDC, an Ingress without sign-in, and -allowed-hosts the chart would override.
  8. With render.py (a Go-template subset interpreter, not Helm): the chart renders for the
     defaults, every ci/*-values.yaml and examples/*.yaml into objects with apiVersion, kind and
     name; the security defaults hold in the output (no cluster-admin, no Secrets in the read-only
     role, impersonation-only role, hardened pod, probes); with kubernetes-validate installed, every
     built-in object validates strictly against Kubernetes 1.25 and the newest schemas it ships;
     every Ingress host is in the container's -allowed-hosts; each guard fires with its message,
     and the look-alikes of each guard's case render.
  9. With --binary PATH (a built lamplight): the command line and environment each render gives
     the container are accepted by the real server, which must start and answer /healthz, also
     under each -allowed-hosts name, and 421 under another name; and the server agrees with the
     chart on which trusted-proxy lists cover every address (it refuses exactly those).

    python3 charts/lamplight/ci/validate.py --binary target/debug/lamplight
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path

try:
    import jsonschema
    import yaml
except ImportError as error:  # pragma: no cover
    sys.exit(f"validate.py needs PyYAML and jsonschema: pip install pyyaml jsonschema ({error})")

CHART = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import render  # noqa: E402  (the Go-template subset interpreter beside this file)
failures: list[str] = []


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
    schema = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
    try:
        jsonschema.Draft7Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        fail(f"values.schema.json is not a valid draft-07 schema: {error.message}")
        return {}
    validator = jsonschema.Draft7Validator(schema)
    values = load_yaml(CHART / "values.yaml")

    def validate(name: str, document) -> None:
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        for error in errors:
            where = ".".join(str(p) for p in error.absolute_path) or "(top)"
            fail(f"{name}: {where}: {error.message}")
        if not errors:
            ok(f"{name} validates against values.schema.json")

    validate("values.yaml", values)
    overrides = sorted((CHART / "ci").glob("*-values.yaml")) + sorted((CHART / "examples").glob("*.yaml"))
    for path in overrides:
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
    ]:
        if validator.is_valid(merge(values, bad)):
            fail(f"values.schema.json accepts {label}")
        else:
            ok(f"values.schema.json rejects {label}")
    return values


# --- 3/4. templates ------------------------------------------------------------------------------

OPENERS = {"if", "range", "with", "define", "block"}


def actions(text: str) -> list[str]:
    return [body for _, _, body, _, _ in render.actions(text) if not body.startswith("/*")]


def strip_actions(text: str) -> str:
    """The static YAML of a template: lines that are only actions go, inline actions become X."""
    pieces, pos = [], 0
    for start, end, body, _, _ in render.actions(text):
        pieces.append(text[pos:start])
        pieces.append("\0" if body.startswith("/*") else "\1")
        pos = end
    pieces.append(text[pos:])
    lines = []
    for line in "".join(pieces).splitlines():
        if line.strip() and not line.replace("\0", "").replace("\1", "").strip():
            continue
        lines.append(line.replace("\0", "").replace("\1", "X"))
    return "\n".join(lines) + "\n"


def check_templates(values: dict) -> None:
    templates = sorted((CHART / "templates").iterdir())
    defines: set[str] = set()
    includes: list[tuple[str, str]] = []
    value_refs: list[tuple[str, str]] = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        name = f"templates/{path.name}"
        depth = 0
        for body in actions(text):
            word = body.split(None, 1)[0] if body else ""
            if word in OPENERS:
                depth += 1
            elif word == "end":
                depth -= 1
                if depth < 0:
                    break
            defines.update(re.findall(r'^define\s+"([^"]+)"', body))
            includes.extend((name, n) for n in re.findall(r'(?:include|template)\s+"([^"]+)"', body))
            value_refs.extend((name, ref) for ref in re.findall(r"\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)", body))
        if depth != 0:
            fail(f"{name}: unbalanced if/range/with/define ... end ({depth:+d})")
        else:
            ok(f"{name}: control blocks balanced")
        if path.suffix == ".yaml":
            try:
                documents = [d for d in yaml.safe_load_all(strip_actions(text)) if d is not None]
            except yaml.YAMLError as error:
                fail(f"{name}: static YAML does not parse once actions are stripped: {error}")
            else:
                kinds = [d.get("kind", "?") for d in documents if isinstance(d, dict)]
                ok(f"{name}: static YAML parses ({', '.join(kinds) or 'no document'})")

    for name, target in includes:
        if target not in defines:
            fail(f"{name}: include \"{target}\" has no define")
    if all(target in defines for _, target in includes):
        ok(f"{len(includes)} includes all name a define")

    missing = set()
    for name, ref in value_refs:
        node = values
        for key in ref.strip(".").split("."):
            if isinstance(node, dict) and key in node:
                node = node[key]
            else:
                missing.add((name, ref))
                break
    for name, ref in sorted(missing):
        fail(f"{name}: reads .Values{ref}, which values.yaml does not define")
    if not missing:
        ok(f"{len(value_refs)} .Values references all exist in values.yaml")


# --- 6. README ----------------------------------------------------------------------------------

def leaf_paths(node, prefix=""):
    """Documented units: scalars, lists and empty maps; non-empty maps recurse."""
    if isinstance(node, dict) and node and prefix not in OPAQUE:
        for key, value in node.items():
            yield from leaf_paths(value, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix


# Maps documented as one value (their keys are Kubernetes fields, not chart settings).
OPAQUE = {"podSecurityContext", "securityContext", "resources"}


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
    for row in sorted(documented - known):
        fail(f"README.md documents `{row}`, which values.yaml does not have")


# --- 7. guards ----------------------------------------------------------------------------------

def check_guards() -> None:
    helpers = (CHART / "templates" / "_helpers.tpl").read_text(encoding="utf-8")
    deployment = (CHART / "templates" / "deployment.yaml").read_text(encoding="utf-8")
    if 'include "lamplight.validate"' not in deployment:
        fail("deployment.yaml does not include lamplight.validate: the render-time guards never run")
    for needle, what in [
        ("proxyAuth.trustedProxies is empty", "proxy-auth without trusted proxies"),
        ("trusts every address", "trusted proxies covering every address"),
        ("no sign-in is configured", "an Ingress without sign-in"),
        ("would replace the list the chart passes", "-allowed-hosts in extraArgs overriding the chart's"),
        ("choose one way of signing users in", "proxy-auth together with OIDC"),
        ("proxyAuth.impersonate needs proxyAuth.enabled", "impersonation without proxy-auth"),
    ]:
        if needle in helpers:
            ok(f"guard present: {what}")
        else:
            fail(f"guard missing from _helpers.tpl: {what}")


# --- 8/9. rendering -----------------------------------------------------------------------------

# Proxy auth as the CI cases set it up, for guard cases that vary one thing.
PROXY = {"enabled": True, "trustedProxies": ["10.42.0.0/16"]}
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
]


def render_cases():
    cases = [("defaults", [])]
    for path in sorted((CHART / "ci").glob("*-values.yaml")) + sorted((CHART / "examples").glob("*.yaml")):
        cases.append((str(path.relative_to(CHART)), [load_yaml(path) or {}]))
    return cases


def check_rendering(binary: str | None) -> None:
    for label, overrides in render_cases():
        try:
            docs = render.manifests(render.render(overrides))
        except (render.Fail, render.TemplateError, yaml.YAMLError) as error:
            fail(f"render {label}: {type(error).__name__}: {error}")
            continue
        problems = check_objects(docs) + kubernetes_schema_problems(docs)
        for problem in problems:
            fail(f"render {label}: {problem}")
        if not problems:
            ok(f"render {label}: {', '.join(sorted({d['kind'] for _, d in docs}))}")
        if binary:
            check_binary(binary, label, docs)

    for label, overrides, message in GUARD_CASES:
        try:
            render.render([overrides])
        except render.Fail as error:
            if message in str(error):
                ok(f"guard fires: {label}")
            else:
                fail(f"guard for {label} fired with another message: {str(error).strip()[:120]}")
        else:
            fail(f"guard did not fire: {label}")

    for label, overrides in NO_GUARD_CASES:
        try:
            docs = render.manifests(render.render([overrides]))
        except render.Fail as error:
            fail(f"guard fired for {label}: {str(error).strip()[:160]}")
        else:
            problems = check_objects(docs)
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
                docs = render.manifests(render.render([overrides]))
            except render.Fail as error:
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


# Oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest schemas at hand.
SCHEMA_VERSIONS = ["1.25.0", "latest"]


def kubernetes_schema_problems(docs) -> list[str]:
    """Strict validation against Kubernetes' own schemas, when kubernetes-validate is installed."""
    try:
        import kubernetes_validate
    except ImportError:
        return []
    problems = []
    for version in SCHEMA_VERSIONS:
        version = kubernetes_validate.latest_version() if version == "latest" else version
        for name, doc in docs:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.SchemaNotFoundError:
                pass  # CRDs (Traefik's Middleware) have no schema there
            except kubernetes_validate.ValidationError as error:
                problems.append(f"{name}: {doc['kind']} invalid for Kubernetes {version}: {error.message}")
    return problems


def check_objects(docs) -> list[str]:
    problems = []
    for name, doc in docs:
        if not (doc.get("apiVersion") and doc.get("kind") and doc.get("metadata", {}).get("name")):
            problems.append(f"{name}: an object without apiVersion/kind/metadata.name")
    by_kind = {}
    for _, doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)
    for binding in by_kind.get("ClusterRoleBinding", []):
        if binding["roleRef"]["name"] == "cluster-admin":
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
        if "-proxy-auth=true" in args and not any(a.startswith("-proxy-auth-trusted-proxies=") or a.startswith("-proxy-auth-insecure-trust-any-peer") for a in args):
            problems.append("-proxy-auth=true without trusted proxies reached the container")
        if "-proxy-auth-impersonate=true" in args:
            rules = [r for role in by_kind.get("ClusterRole", []) for r in role["rules"]]
            if any(set(r["verbs"]) != {"impersonate"} for r in rules):
                problems.append("impersonation is on but the ClusterRole grants more than impersonate")
    return problems


def check_binary(binary: str, label: str, docs) -> None:
    """Start the real server with the rendered args and env; it must come up and answer /healthz."""
    import os
    import socket
    import subprocess
    import tempfile
    import time
    import urllib.request

    deployment = next(doc for _, doc in docs if doc["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = [a for a in container.get("args", []) if not a.startswith("-port=")] + [f"-port={port}", "-listen-addr=127.0.0.1"]
    with tempfile.TemporaryDirectory() as sa:
        Path(sa, "token").write_text("not-a-real-token")
        Path(sa, "namespace").write_text("lamplight")
        env = {k: v for k, v in os.environ.items() if not k.startswith("HEADLAMP_CONFIG_")}
        env.update({"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "1", "LAMPLIGHT_SERVICE_ACCOUNT_DIR": sa})
        for var in container.get("env", []):
            if "value" in var:
                env[var["name"]] = str(var["value"])
            elif var["name"].endswith("COOKIE_SECRET"):
                env[var["name"]] = "x" * 48  # what the chart's Secret would hold
        process = subprocess.Popen([binary, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            base = next((a.split("=", 1)[1] for a in args if a.startswith("-base-url=")), "")
            deadline = time.time() + 20
            while time.time() < deadline:
                if process.poll() is not None:
                    fail(f"binary {label}: the server refused the rendered settings: {process.stderr.read().strip()[:300]}")
                    return
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{base}/healthz", timeout=1) as answer:
                        if answer.status == 200:
                            ok(f"binary {label}: the server starts with the rendered args and env")
                            check_hosts(label, port, f"{base}/healthz", args)
                            return
                except OSError:
                    time.sleep(0.2)
            fail(f"binary {label}: no answer on /healthz within 20 s")
        finally:
            process.terminate()
            process.wait(timeout=10)


def status_for_host(port: int, path: str, host: str) -> int:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers={"Host": host})
        return connection.getresponse().status
    finally:
        connection.close()


def check_hosts(label: str, port: int, path: str, args: list[str]) -> None:
    """Each -allowed-hosts name (a subdomain for `*.x`) is served; another name gets 421."""
    allowed = next((a.split("=", 1)[1].split(",") for a in args if a.startswith("-allowed-hosts=")), [])
    names = ["localhost"] + [f"a{name[1:]}" if name.startswith("*.") else name for name in allowed if name != "*"]
    wrong = [(name, status) for name in names if (status := status_for_host(port, path, f"{name}:443")) != 200]
    if wrong:
        fail(f"binary {label}: allowed host names not served: {wrong}")
    stranger = status_for_host(port, path, "rebinding.attacker.invalid")
    if allowed == ["*"]:
        if stranger != 200:
            fail(f"binary {label}: -allowed-hosts=* but another name got {stranger}")
    elif stranger != 421:
        fail(f"binary {label}: a name outside -allowed-hosts got {stranger}, not 421")
    if not wrong and (stranger == 421) != (allowed == ["*"]):
        ok(f"binary {label}: serves {', '.join(names)}; another name gets {stranger}")


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


def main() -> int:
    binary = None
    if sys.argv[1:2] == ["--binary"] and len(sys.argv) == 3:
        binary = sys.argv[2]
    elif len(sys.argv) > 1:
        sys.exit("usage: validate.py [--binary PATH-TO-LAMPLIGHT]")
    check_chart_yaml()
    values = check_values()
    if values:
        check_templates(values)
        check_readme(values)
        check_rendering(binary)
    check_guards()
    print()
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all chart checks passed (rendered with ci/render.py, a Go-template subset interpreter: not Helm)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
