#!/usr/bin/env python3
"""Turns the compose stack's own Traefik configuration into one that runs on loopback.

    compose_traefik.py --out DIR --port PORT --log-dir DIR \\
        --map lamplight:4466=127.0.0.1:L --map oauth2-proxy:4180=127.0.0.1:A

reads deploy/compose/traefik/traefik.yml (static) and every deploy/compose/traefik/dynamic/*.yml,
and writes DIR/traefik.yml and DIR/dynamic/<same names>. Only addresses change:

  static   each entrypoint's `address` -> 127.0.0.1:PORT (exactly one entrypoint is supported),
           `providers.file.directory` -> DIR/dynamic (watch off), the access log -> a file in
           --log-dir;
  dynamic  every `http.services.*.loadBalancer.servers[].url` and `forwardAuth.address` whose
           host:port is a compose service's: the service's host:port is replaced as --map says.

Everything else (routers and their Host rules, middleware order, the errors middleware's query,
header lists) is compose's own, so the end-to-end test exercises what `docker compose up` runs.
It refuses (exit 1) a service URL or forwardAuth address it has no mapping for, and a compose
service's host name left anywhere else in the dynamic configuration, rather than let the test run
against something compose does not do.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

ROOT = Path(__file__).resolve().parents[3]
COMPOSE_TRAEFIK = ROOT / "deploy" / "compose" / "traefik"


def fail(message: str) -> None:
    print(f"compose_traefik.py: {message}", file=sys.stderr)
    sys.exit(1)


def rewrite_url(url: str, mapping: dict[str, str], where: str) -> str:
    parts = urlsplit(url)
    authority = parts.netloc
    if authority not in mapping:
        fail(f"{where}: {url!r} is not one of the mapped compose services ({', '.join(sorted(mapping))})")
    return urlunsplit(parts._replace(netloc=mapping[authority]))


def strings(node, path=""):
    """Every string in a YAML tree with its path, for the leftover-host check."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from strings(value, f"{path}[{index}]")
    elif isinstance(node, str):
        yield path, node


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--port", required=True, type=int)
    parser.add_argument("--log-dir", required=True, type=Path)
    parser.add_argument("--map", action="append", default=[], metavar="SERVICE:PORT=HOST:PORT")
    args = parser.parse_args()

    mapping = {}
    for item in args.map:
        source, _, target = item.partition("=")
        if not source or not target:
            fail(f"--map {item!r}: expected SERVICE:PORT=HOST:PORT")
        mapping[source] = target
    service_hosts = {source.split(":", 1)[0] for source in mapping}
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    service_hosts |= set(compose.get("services", {}))

    # --- static configuration ----------------------------------------------------------------
    static = yaml.safe_load((COMPOSE_TRAEFIK / "traefik.yml").read_text())
    entrypoints = static.get("entryPoints") or {}
    if len(entrypoints) != 1:
        fail(f"compose's traefik.yml has {len(entrypoints)} entrypoints; this script maps exactly one")
    for entrypoint in entrypoints.values():
        entrypoint["address"] = f"127.0.0.1:{args.port}"
    file_provider = (static.get("providers") or {}).get("file")
    if not file_provider or "directory" not in file_provider:
        fail("compose's traefik.yml has no providers.file.directory")
    dynamic_out = args.out / "dynamic"
    file_provider["directory"] = str(dynamic_out)
    file_provider["watch"] = False
    if "accessLog" in static:
        static["accessLog"] = {**(static["accessLog"] or {}), "filePath": str(args.log_dir / "compose-traefik-access.log")}

    # --- dynamic configuration ---------------------------------------------------------------
    sources = sorted(COMPOSE_TRAEFIK.glob("dynamic/*.yml")) + sorted(COMPOSE_TRAEFIK.glob("dynamic/*.yaml"))
    if not sources:
        fail("no deploy/compose/traefik/dynamic/*.yml")
    dynamic_out.mkdir(parents=True, exist_ok=True)
    rewritten = 0
    for source in sources:
        config = yaml.safe_load(source.read_text()) or {}
        http = config.get("http") or {}
        for name, service in (http.get("services") or {}).items():
            for index, server in enumerate((service.get("loadBalancer") or {}).get("servers") or []):
                server["url"] = rewrite_url(server["url"], mapping, f"{source.name}: services.{name}.servers[{index}]")
                rewritten += 1
        for name, middleware in (http.get("middlewares") or {}).items():
            forward_auth = middleware.get("forwardAuth")
            if forward_auth:
                forward_auth["address"] = rewrite_url(forward_auth["address"], mapping, f"{source.name}: middlewares.{name}.forwardAuth")
                rewritten += 1
        for where, value in strings(config):
            for host in service_hosts:
                if f"//{host}:" in value or f"//{host}/" in value or value.endswith(f"//{host}"):
                    fail(f"{source.name}: {where} = {value!r} still names compose service {host!r}")
        (dynamic_out / source.name).write_text(
            f"# Generated from deploy/compose/traefik/dynamic/{source.name} by {Path(__file__).name}:\n"
            "# compose's configuration with the service addresses moved to loopback.\n"
            + yaml.safe_dump(config, sort_keys=False, width=1000)
        )
    if rewritten == 0:
        fail("no service URL or forwardAuth address found in compose's dynamic configuration")

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "traefik.yml").write_text(
        "# Generated from deploy/compose/traefik/traefik.yml by compose_traefik.py (addresses only).\n"
        + yaml.safe_dump(static, sort_keys=False, width=1000)
    )
    print(f"{args.out / 'traefik.yml'}: {len(sources)} dynamic file(s), {rewritten} address(es) moved to loopback")
    return 0


if __name__ == "__main__":
    sys.exit(main())
