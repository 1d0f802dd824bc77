#!/usr/bin/env python3
"""Consistency checks of the compose stack, for machines without Docker.

    pip install pyyaml          (bcrypt too, to check the Dex password hash)
    python3 deploy/compose/check.py     # exit 0 when every check passes

The stack spreads one setting over several files (a client secret in Dex and in oauth2-proxy, the
header list in Traefik, oauth2-proxy and Lamplight, Traefik's address in the network, in Lamplight's
trusted proxies and in oauth2-proxy's trusted_proxy_ips, the host names Traefik routes to Lamplight
and those Lamplight answers to, the ID token's life and oauth2-proxy's refresh). This checks that
they agree, that the images are releases this project vouches for (Traefik the minor release the
end-to-end test runs, oauth2-proxy with the 7.15.2 security fixes, a supported Kubernetes), and
that Traefik's chains put the security headers first and hand the sign-in page a usable rd. It does
not start anything: tests/e2e/iap/run.sh runs Traefik with these very files.
"""

from __future__ import annotations

import ipaddress
import re
import sys
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python < 3.11: the few list settings are read with a regex
    tomllib = None

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "deploy" / "compose"
failures: list[str] = []


def check(condition: bool, message: str) -> None:
    print(("ok    " if condition else "FAIL  ") + message)
    if not condition:
        failures.append(message)


def default_of(value: str) -> str:
    """`${NAME:-default}` -> default (compose interpolation of an unset variable)."""
    return re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", str(value))


def cfg_value(text: str, key: str) -> str | None:
    match = re.search(rf'^{key}\s*=\s*"?([^"\n]*)"?\s*$', text, re.M)
    return match.group(1) if match else None


def cfg_list(text: str, key: str) -> list[str] | None:
    """A list setting of oauth2-proxy's TOML config file (`key = ["a", "b"]`)."""
    if tomllib is not None:
        value = tomllib.loads(text).get(key)
        return value if isinstance(value, list) else None
    match = re.search(rf"^{key}\s*=\s*\[([^\]]*)\]", text, re.M)
    return re.findall(r'"([^"]*)"', match.group(1)) if match else None


def go_duration(value: str | None) -> float | None:
    """Seconds in a Go duration (`1h30m`, `30m`, `90s`), or None."""
    if not value or not re.fullmatch(r"(\d+(\.\d+)?(h|m|s|ms))+", value):
        return None
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    return sum(float(n) * units[u] for n, _, u in re.findall(r"(\d+(\.\d+)?)(ms|h|m|s)", value))


def image_version(image: str) -> tuple[int, ...] | None:
    """(1, 36, 1) from `rancher/k3s:v1.36.1-k3s1`, (3, 7) from `traefik:v3.7`."""
    match = re.search(r":v?(\d+(?:\.\d+)*)", default_of(image))
    return tuple(int(n) for n in match.group(1).split(".")) if match else None


# Release floors. oauth2-proxy 7.15.2 fixed authentication bypasses (GHSA-7x63-xv5r-3p2x,
# GHSA-5hvv-m4w4-gf6v...) and added trusted_proxy_ips. Kubernetes minor releases are supported for
# about 14 months: 1.33 ended in June 2026, 1.34 in October 2026; raise the floor as they expire.
OAUTH2_PROXY_MIN = (7, 15, 2)
KUBERNETES_MIN = (1, 35)


def rule_hosts(rule: str) -> list[str] | None:
    """The names a Traefik rule matches with Host(`...`), or None when it may match other names too:
    an alternative (`||`) without a Host matcher, a HostRegexp, a negation."""
    if "HostRegexp" in rule or "!" in rule:
        return None
    names = []
    for alternative in rule.split("||"):
        found = [n for inner in re.findall(r"\bHost\(([^)]*)\)", alternative) for n in re.findall(r"`([^`]*)`", inner)]
        if not found:
            return None
        names.extend(n.lower() for n in found)
    return names


def lamplight_setting(service: dict, flag: str) -> str:
    """A Lamplight setting as the service gives it: command-line flag (which wins) or variable."""
    for arg in service.get("command", []):
        match = re.fullmatch(rf"--?{flag}=(.*)", str(arg))
        if match:
            return default_of(match.group(1))
    env = service.get("environment", {})
    return default_of(env.get("HEADLAMP_CONFIG_" + flag.upper().replace("-", "_"), ""))


def answers_to(allowed: list[str], host: str) -> bool:
    """Lamplight's -allowed-hosts check: localhost, *.localhost and IP addresses always; then the
    listed names, `*.example.com` for subdomains, `*` for any."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    name = name.strip("[]").rstrip(".").lower()
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    for pattern in ["localhost", "*.localhost", *allowed]:
        if pattern == "*" or pattern == name or (pattern.startswith("*.") and name.endswith(pattern[1:])):
            return True
    return False


def main() -> int:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    dex = yaml.safe_load((COMPOSE / "dex" / "config.yaml").read_text())
    alpha = yaml.safe_load((COMPOSE / "oauth2-proxy" / "alpha-config.yaml").read_text())
    legacy = (COMPOSE / "oauth2-proxy" / "oauth2-proxy.cfg").read_text()
    traefik = yaml.safe_load((COMPOSE / "traefik" / "dynamic" / "lamplight.yml").read_text())
    services = compose["services"]
    print("ok    every file parses")

    # Mounted files exist.
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                check((ROOT / source).exists(), f"{name}: mounted {source} exists")
            else:
                check(source in compose.get("volumes", {}), f"{name}: named volume {source} is declared")

    # Traefik's fixed address is inside the subnet and is the only trusted proxy.
    subnet = ipaddress.ip_network(default_of(compose["networks"]["lamplight"]["ipam"]["config"][0]["subnet"]))
    traefik_ip = ipaddress.ip_address(default_of(services["traefik"]["networks"]["lamplight"]["ipv4_address"]))
    check(traefik_ip in subnet, f"Traefik's {traefik_ip} is inside the network {subnet}")
    lamplight_env = services["lamplight"]["environment"]
    trusted = default_of(lamplight_env["HEADLAMP_CONFIG_PROXY_AUTH_TRUSTED_PROXIES"])
    check(trusted == f"{traefik_ip}/32", f"Lamplight trusts only Traefik ({trusted})")
    check("-proxy-auth=true" in services["lamplight"]["command"], "Lamplight runs with -proxy-auth=true")
    check("ports" not in services["lamplight"], "Lamplight's port is not published on the host")

    # One header list everywhere: Lamplight's flags, Traefik's ForwardAuth, oauth2-proxy's answer.
    lamplight_headers = [lamplight_env[f"HEADLAMP_CONFIG_PROXY_AUTH_{k}_HEADER"] for k in ("USERNAME", "EMAIL", "GROUP", "TOKEN")]
    middlewares = traefik["http"]["middlewares"]
    forwarded = middlewares["oauth2-proxy-auth"]["forwardAuth"]["authResponseHeaders"]
    injected = [header["name"] for header in alpha["injectResponseHeaders"]]
    stripped = list(middlewares["strip-identity-headers"]["headers"]["customRequestHeaders"])
    check(sorted(lamplight_headers) == sorted(forwarded), f"Traefik forwards exactly Lamplight's headers {forwarded}")
    check(sorted(injected) == sorted(forwarded), "oauth2-proxy injects exactly the headers Traefik forwards")
    check(sorted(stripped) == sorted(forwarded), "Traefik strips every identity header a client sends")
    check(not middlewares["oauth2-proxy-auth"]["forwardAuth"].get("trustForwardHeader"), "the edge Traefik does not trust client X-Forwarded-*")
    # Host names: every name Traefik routes to Lamplight is one Lamplight answers to (else 421 for
    # every request), and the routers name their hosts (a catch-all rule would route any name,
    # a DNS-rebinding page's included, as far as Lamplight).
    routers = traefik["http"]["routers"]
    allowed = [h.strip().lower() for h in lamplight_setting(services["lamplight"], "allowed-hosts").split(",") if h.strip()]
    check("*" not in allowed, "Lamplight's -allowed-hosts is not * (that would give up the DNS-rebinding defence)")
    lamplight_hosts: set[str] = set()
    for name, router in routers.items():
        if router.get("service") != "lamplight":
            continue
        hosts = rule_hosts(router["rule"])
        check(hosts is not None, f"Traefik router {name} matches named hosts only ({router['rule']})")
        for host in hosts or []:
            lamplight_hosts.add(host)
            check(answers_to(allowed, host), f"Traefik routes {host} to Lamplight, and Lamplight answers to it (-allowed-hosts: {','.join(allowed) or 'none'})")
    for name, router in routers.items():
        if router.get("service") == "oauth2-proxy":
            check(set(rule_hosts(router["rule"]) or []) == lamplight_hosts,
                  f"Traefik router {name} serves /oauth2/ on the same host(s) as Lamplight ({', '.join(sorted(lamplight_hosts))})")
    redirect_host = re.sub(r"^https?://([^/:]+).*$", r"\1", cfg_value(legacy, "redirect_url") or "")
    check(redirect_host in lamplight_hosts, f"oauth2-proxy's redirect_url is on a host Traefik routes ({redirect_host})")

    chain = traefik["http"]["routers"]["lamplight"]["middlewares"]
    check(chain.index("strip-identity-headers") < chain.index("oauth2-proxy-auth") and chain.index("sign-in-on-401") < chain.index("oauth2-proxy-auth"),
          "router order: strip, then sign-in-on-401 around ForwardAuth")
    # The security headers first (outermost) on every router: a middleware listed after ForwardAuth
    # or the errors middleware never sees the 401 or the sign-in page they answer with themselves.
    headers_names = [name for name, m in middlewares.items() if (m.get("headers") or {}).get("frameDeny") and (m.get("headers") or {}).get("contentTypeNosniff")]
    check(bool(headers_names), f"a headers middleware sets frameDeny and contentTypeNosniff ({', '.join(headers_names) or 'none'})")
    for name, router in routers.items():
        first = (router.get("middlewares") or [None])[0]
        check(first in headers_names, f"Traefik router {name} runs the security headers first, so every answer carries them (first: {first})")
    # The sign-in page gets the URL asked for as rd, exactly as Traefik gives it: {url} is already the
    # absolute, query-escaped URL; anything before it (an origin) makes an rd oauth2-proxy cannot use.
    for name, middleware in middlewares.items():
        errors = middleware.get("errors")
        if errors:
            query = errors.get("query", "")
            check(re.search(r"[?&]rd=\{url\}(&|$)", query) is not None,
                  f"Traefik errors middleware {name} passes rd={{url}} with nothing before it ({query})")

    # oauth2-proxy believes X-Forwarded-* from Traefik only, here and when LAMPLIGHT_TRAEFIK_IP is set.
    traefik_ip_raw = str(services["traefik"]["networks"]["lamplight"]["ipv4_address"])
    check(cfg_list(legacy, "trusted_proxy_ips") == [f"{traefik_ip}/32"], f"oauth2-proxy's trusted_proxy_ips is Traefik's address only ({cfg_list(legacy, 'trusted_proxy_ips')})")
    o2p_env = services["oauth2-proxy"].get("environment", {})
    check(str(o2p_env.get("OAUTH2_PROXY_TRUSTED_PROXY_IPS")) == f"{traefik_ip_raw}/32",
          f"OAUTH2_PROXY_TRUSTED_PROXY_IPS follows Traefik's address ({o2p_env.get('OAUTH2_PROXY_TRUSTED_PROXY_IPS')})")
    check(str(lamplight_env["HEADLAMP_CONFIG_PROXY_AUTH_TRUSTED_PROXIES"]) == f"{traefik_ip_raw}/32",
          "Lamplight's trusted proxies follow Traefik's address (LAMPLIGHT_TRAEFIK_IP)")
    check(cfg_value(legacy, "reverse_proxy") == "true", "oauth2-proxy runs with reverse_proxy = true (Traefik's X-Forwarded-* are needed)")

    # The forwarded ID token never outlives its session's refresh: cookie_refresh below Dex's
    # ID-token life, and a refresh token to do it with.
    id_token_life = go_duration(str((dex.get("expiry") or {}).get("idTokens", "24h")))
    refresh = go_duration(cfg_value(legacy, "cookie_refresh"))
    check(refresh is not None and id_token_life is not None and 0 < refresh < id_token_life,
          f"oauth2-proxy's cookie_refresh ({cfg_value(legacy, 'cookie_refresh')}) is below Dex's ID-token life ({(dex.get('expiry') or {}).get('idTokens')})")
    check("offline_access" in alpha["providers"][0]["scope"].split(), "oauth2-proxy asks Dex for offline_access (a refresh token for cookie_refresh)")

    # Image releases.
    traefik_image = image_version(services["traefik"]["image"])
    run_sh = (ROOT / "tests" / "e2e" / "iap" / "run.sh").read_text()
    tested = re.search(r"^TRAEFIK_VERSION=(\d+)\.(\d+)\.", run_sh, re.M)
    tested_minor = (int(tested.group(1)), int(tested.group(2))) if tested else None
    check(traefik_image is not None and traefik_image[:2] == tested_minor,
          f"compose's Traefik ({services['traefik']['image']}) is the minor release the end-to-end test runs ({tested_minor})")
    o2p_image = image_version(services["oauth2-proxy"]["image"])
    check(o2p_image is not None and o2p_image >= OAUTH2_PROXY_MIN,
          f"oauth2-proxy ({services['oauth2-proxy']['image']}) is at least v{'.'.join(map(str, OAUTH2_PROXY_MIN))}")
    k3s_image = image_version(services["k3s"]["image"])
    check(k3s_image is not None and k3s_image[:2] >= KUBERNETES_MIN,
          f"k3s ({default_of(services['k3s']['image'])}) is a supported Kubernetes (>= {'.'.join(map(str, KUBERNETES_MIN))})")

    # The image compose builds (Dockerfile): one Debian release for both stages, a pinned Rust, the
    # OCI labels, a stripped binary.
    dockerfile = (ROOT / "Dockerfile").read_text()
    args = dict(re.findall(r"^ARG (\w+)=(.*)$", dockerfile, re.M))
    froms = re.findall(r"^FROM (\S+)", dockerfile, re.M)
    check(re.fullmatch(r"\d+\.\d+(\.\d+)?", args.get("RUST_VERSION", "")) is not None, f"Dockerfile pins Rust to a release ({args.get('RUST_VERSION')})")
    check(args.get("DEBIAN_RELEASE") == "trixie" and any("cc-debian13" in f for f in froms) and len(froms) == 2,
          f"Dockerfile builds and runs on Debian 13 (trixie): {', '.join(froms)}")
    cargo_version = re.search(r'^version\s*=\s*"([^"]+)"', (ROOT / "Cargo.toml").read_text(), re.M)
    check(cargo_version is not None and args.get("VERSION") == cargo_version.group(1),
          f"Dockerfile's VERSION default ({args.get('VERSION')}) is Cargo.toml's version ({cargo_version and cargo_version.group(1)})")
    for label in ("org.opencontainers.image.source", "org.opencontainers.image.version"):
        check(label in dockerfile, f"Dockerfile sets {label}")
    check(re.search(r"^ENV CARGO_PROFILE_RELEASE_STRIP=symbols$", dockerfile, re.M) is not None, "Dockerfile strips the binary's symbols")

    # Clients: Dex and its two users of it agree on ids, secrets and redirect URIs.
    clients = {client["id"]: client for client in dex["staticClients"]}
    provider = alpha["providers"][0]
    check(provider["clientID"] in clients and clients[provider["clientID"]]["secret"] == provider["clientSecret"],
          "oauth2-proxy's client id/secret are registered in Dex")
    check(cfg_value(legacy, "redirect_url") in clients[provider["clientID"]]["redirectURIs"], "oauth2-proxy's redirect_url is registered in Dex")
    check(provider["oidcConfig"]["issuerURL"] == dex["issuer"], "oauth2-proxy expects Dex's issuer")
    oidc_env = services["lamplight-oidc"]["environment"]
    lamplight_client = clients.get(oidc_env["HEADLAMP_CONFIG_OIDC_CLIENT_ID"], {})
    check(lamplight_client.get("secret") == default_of(oidc_env["HEADLAMP_CONFIG_OIDC_CLIENT_SECRET"]), "lamplight-oidc's client secret matches Dex")
    check(oidc_env["HEADLAMP_CONFIG_OIDC_CALLBACK_URL"] in lamplight_client.get("redirectURIs", []), "lamplight-oidc's callback URL is registered in Dex")
    check(oidc_env["HEADLAMP_CONFIG_OIDC_IDP_ISSUER_URL"] == dex["issuer"], "lamplight-oidc uses Dex's issuer")
    check(services["lamplight-oidc"].get("network_mode") == "service:dex", "lamplight-oidc shares Dex's network (localhost:5556 is Dex)")
    port = oidc_env["HEADLAMP_CONFIG_PORT"]
    check(any(str(p).endswith(f":{port}:{port}") for p in services["dex"]["ports"]), f"lamplight-oidc's port {port} is published (on dex)")
    check(services["lamplight-oidc"].get("profiles") == ["oidc"], "lamplight-oidc is in profile oidc")

    # Secrets long enough.
    cookie = default_of(services["oauth2-proxy"]["environment"]["OAUTH2_PROXY_COOKIE_SECRET"])
    check(len(cookie.encode()) in (16, 24, 32), "oauth2-proxy's cookie secret is 16, 24 or 32 bytes")
    check(cookie == cfg_value(legacy, "cookie_secret"), "oauth2-proxy's cookie secret default is the same in both places")
    check(len(default_of(oidc_env["HEADLAMP_CONFIG_OIDC_COOKIE_SECRET"]).encode()) >= 32, "Lamplight's cookie secret is at least 32 bytes")

    # Dex users: the password the docs give works.
    try:
        import bcrypt
    except ImportError:
        print("skip  bcrypt not installed: Dex password hashes not checked")
    else:
        for user in dex["staticPasswords"]:
            check(bcrypt.checkpw(b"lamplight", user["hash"].encode()), f"Dex user {user['email']} signs in with password 'lamplight'")

    # RBAC in k3s names the groups Dex hands out.
    rbac = [d for d in yaml.safe_load_all((COMPOSE / "k3s" / "lamplight-rbac.yaml").read_text()) if d]
    bound = {s["name"] for d in rbac for s in d["subjects"]}
    groups = {g for user in dex["staticPasswords"] for g in user.get("groups", [])}
    check(bound <= groups, f"k3s bindings name Dex groups ({', '.join(sorted(bound))})")

    print()
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all compose checks passed (nothing was started: no Docker here)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
