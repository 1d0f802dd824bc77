#!/usr/bin/env python3
"""Consistency checks of the compose stack, for machines without Docker.

    pip install pyyaml          (bcrypt too, to check the Dex password hash)
    python3 deploy/compose/check.py     # exit 0 when every check passes

The stack spreads one setting over several files (a client secret in Dex and in oauth2-proxy, the
header list in Traefik, oauth2-proxy and Lamplight, Traefik's address in the network and in
Lamplight's trusted proxies, the host names Traefik routes to Lamplight and those Lamplight answers
to). This checks that they agree. It does not start anything.
"""

from __future__ import annotations

import ipaddress
import re
import sys
from pathlib import Path

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
