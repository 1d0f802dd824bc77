#!/usr/bin/env python3
"""Lamplight's side-by-side benchmark: the same requests, in the same run, straight to an API-server
stand-in ("direct"), through nginx `proxy_pass`, through `kubectl proxy` (over TLS, as Headlamp's Go
reverse proxy would be) and through Lamplight in proxy-auth mode (identity headers on every request),
with HTTP/1.1 and TLS + HTTP/2 upstreams. Every figure is a median of --rounds runs with its spread,
and a ratio to direct and to each peer. Writes `results.md` and `results.json` to --out and prints
the table. A benchmark, not a test: it never fails on figures (only when something does not run).

Run it with `bench/run` (which installs nginx and wrk and builds the release binaries first).
"""

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/run sets it: target/release, or target/debug for the smoke run.
BIN_DIR = ROOT / os.environ.get("LAMPLIGHT_BENCH_BIN_DIR", "target/release")
USER_HEADERS = ["X-Forwarded-User: alice", "X-Forwarded-Group: dev,ops"]
POD_PATH = "/api/v1/namespaces/default/pods/bench"
LIST_PATH = "/api/v1/pods"
STREAM_PATH = "/api/v1/configmaps"
WATCH_PATH = "/api/v1/namespaces/default/configmaps?watch=true"


# --- data ------------------------------------------------------------------------------------------

def pod(i):
    """A Pod as a real API server returns it (about 3 KB)."""
    name = f"web-{i:06d}-7d9f8b6c5d-x{i % 1000:03d}"
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": name, "namespace": "default", "uid": f"5f0c7a8e-0000-4000-8000-{i:012d}",
            "resourceVersion": str(100000 + i), "creationTimestamp": "2026-12-01T10:00:00Z",
            "labels": {"app": "web", "pod-template-hash": "7d9f8b6c5d", "tier": "frontend"},
            "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-12-01T09:59:00Z"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9f8b6c5d",
                                 "uid": "1b2c3d4e-0000-4000-8000-000000000001", "controller": True,
                                 "blockOwnerDeletion": True}],
        },
        "spec": {
            "containers": [{
                "name": "web", "image": "registry.example.com/web:1.27.3",
                "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                "env": [{"name": f"SETTING_{k}", "value": f"value-{k}"} for k in range(8)],
                "resources": {"limits": {"cpu": "500m", "memory": "256Mi"},
                              "requests": {"cpu": "100m", "memory": "128Mi"}},
                "volumeMounts": [{"name": "kube-api-access", "readOnly": True,
                                  "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}],
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
                "terminationMessagePath": "/dev/termination-log", "imagePullPolicy": "IfNotPresent",
            }],
            "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "serviceAccountName": "default",
            "nodeName": f"node-{i % 50:02d}", "schedulerName": "default-scheduler",
            "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                             "effect": "NoExecute", "tolerationSeconds": 300}],
        },
        "status": {
            "phase": "Running", "hostIP": f"10.0.{i % 50}.1", "podIP": f"10.244.{i % 250}.{i % 200 + 2}",
            "startTime": "2026-12-01T10:00:01Z", "qosClass": "Burstable",
            "conditions": [{"type": t, "status": "True", "lastTransitionTime": "2026-12-01T10:00:05Z"}
                           for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
            "containerStatuses": [{
                "name": "web", "ready": True, "restartCount": 0, "started": True,
                "image": "registry.example.com/web:1.27.3",
                "imageID": "registry.example.com/web@sha256:" + "ab" * 32,
                "containerID": "containerd://" + f"{i:064x}",
                "state": {"running": {"startedAt": "2026-12-01T10:00:04Z"}},
            }],
        },
    }


def write_list(path, target_bytes):
    """A PodList of about target_bytes, written as it grows (100 MB never sits in memory)."""
    with open(path, "w") as out:
        out.write('{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"200000"},"items":[')
        written, i = 0, 0
        while written < target_bytes:
            item = json.dumps(pod(i), separators=(",", ":"))
            out.write(("," if i else "") + item)
            written += len(item) + 1
            i += 1
        out.write("]}")


def generate_data(data, stream_mb):
    data.mkdir(parents=True, exist_ok=True)
    (data / "pod.json").write_text(json.dumps(pod(1), separators=(",", ":")))
    (data / "version.json").write_text('{"major":"1","minor":"34","gitVersion":"v1.34.0-bench"}')
    for name, size in (("list-7mb.json", 7 * 1024 * 1024), (f"list-{stream_mb}mb.json", stream_mb * 1024 * 1024)):
        if not (data / name).exists():
            write_list(data / name, size)
    return data / f"list-{stream_mb}mb.json"


def generate_tls(tls):
    """A CA and a serving certificate for 127.0.0.1 (rustls and Go both want a real chain)."""
    tls.mkdir(parents=True, exist_ok=True)
    if (tls / "server.crt").exists():
        return
    run = lambda *args: subprocess.run(args, check=True, capture_output=True, cwd=tls)
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ca.key", "-out", "ca.crt", "-days", "30", "-subj", "/CN=bench-ca")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (tls / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                                 "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.crt", "-days", "30", "-extfile", "ext.cnf")


# --- processes -------------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=20.0, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.005)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def rss_kib(pids):
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def process_tree(pid):
    """pid and its children (nginx's workers)."""
    pids = [pid]
    for child in Path("/proc").iterdir():
        if child.name.isdigit():
            try:
                if int((child / "stat").read_text().split()[3]) == pid:
                    pids.append(int(child.name))
            except (FileNotFoundError, IndexError, ValueError):
                pass
    return pids


class Stack:
    """Everything the benchmark runs, started once and stopped at the end."""

    def __init__(self, args, out):
        self.args, self.out = args, out
        self.processes = []
        self.logs = out / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def spawn(self, name, argv, **kwargs):
        log = open(self.logs / f"{name}.log", "w")
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, **kwargs)
        self.processes.append(process)
        return process

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()

    def start(self):
        data, tls = self.out / "data", self.out / "tls"
        self.stream_file = generate_data(data, self.args.stream_mb)
        generate_tls(tls)
        self.ports = {name: free_port() for name in (
            "upstream", "upstream_tls", "nginx", "watch", "watch_tls", "kubectl", "kubectl_watch", "lamplight")}
        p = self.ports

        locations = f"""
            default_type application/json;
            location = {POD_PATH} {{ alias {data}/pod.json; }}
            location = {LIST_PATH} {{ alias {data}/list-7mb.json; }}
            location = {STREAM_PATH} {{ alias {self.stream_file}; }}
            location = /version {{ alias {data}/version.json; }}
        """
        user = "user root;" if os.geteuid() == 0 else ""
        common = f"""{user}
            daemon off; master_process on; worker_processes auto; error_log {self.logs}/%s-error.log;
            pid {self.out}/%s.pid; events {{ worker_connections 16384; }}
        """
        upstream_conf = self.out / "nginx-upstream.conf"
        upstream_conf.write_text(common % ("upstream", "upstream") + f"""
            http {{
                access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;
                server {{ listen 127.0.0.1:{p['upstream']}; {locations} }}
                server {{
                    listen 127.0.0.1:{p['upstream_tls']} ssl http2;
                    ssl_certificate {tls}/server.crt; ssl_certificate_key {tls}/server.key;
                    http2_max_concurrent_streams 1000;
                    {locations}
                }}
            }}""")
        proxy_conf = self.out / "nginx-proxy.conf"
        proxy_conf.write_text(common % ("proxy", "proxy") + f"""
            http {{
                access_log off; keepalive_requests 1000000;
                proxy_temp_path {self.out}/nginx-temp;
                client_body_temp_path {self.out}/nginx-temp;
                upstream api {{ server 127.0.0.1:{p['upstream']}; keepalive 256; }}
                upstream watches {{ server 127.0.0.1:{p['watch']}; keepalive 256; }}
                server {{
                    listen 127.0.0.1:{p['nginx']};
                    proxy_http_version 1.1; proxy_set_header Connection "";
                    location / {{ proxy_pass http://api; }}
                    location /api/v1/namespaces/default/configmaps {{
                        proxy_pass http://watches; proxy_buffering off; proxy_read_timeout 1h;
                    }}
                }}
            }}""")
        (self.out / "nginx-temp").mkdir(exist_ok=True)
        self.nginx_upstream = self.spawn("nginx-upstream", ["nginx", "-c", str(upstream_conf), "-p", str(self.out)])
        self.nginx_proxy = self.spawn("nginx-proxy", ["nginx", "-c", str(proxy_conf), "-p", str(self.out)])
        watch_bin = str(BIN_DIR / "watch-upstream")
        self.spawn("watch-upstream", [watch_bin, "--port", str(p["watch"]), "--tls-port", str(p["watch_tls"]),
                                      "--tls-cert", str(tls / "server.crt"), "--tls-key", str(tls / "server.key")])
        for port in ("upstream", "upstream_tls", "nginx", "watch", "watch_tls"):
            wait_port(p[port])

        kubeconfig = self.out / "kubeconfig.yaml"
        clusters = {
            "h1": f"http://127.0.0.1:{p['upstream']}",
            "h2": f"https://127.0.0.1:{p['upstream_tls']}",
            "watch-h1": f"http://127.0.0.1:{p['watch']}",
            "watch-h2": f"https://127.0.0.1:{p['watch_tls']}",
        }
        kubeconfig.write_text(self.kubeconfig(clusters, tls / "ca.crt"))
        self.kubectl = {}
        for name, cluster, port in (("kubectl-proxy", "h2", "kubectl"), ("kubectl-proxy-watch", "watch-h2", "kubectl_watch")):
            self.kubectl[name] = self.spawn(name, ["kubectl", "proxy", f"--port={p[port]}",
                                                   f"--kubeconfig={kubeconfig}", f"--context={cluster}"])
            wait_port(p[port], process=self.kubectl[name])
        self.kubeconfig_path = kubeconfig
        self.start_lamplight()

    @staticmethod
    def kubeconfig(clusters, ca):
        lines = ["apiVersion: v1", "kind: Config", "clusters:"]
        for name, server in clusters.items():
            lines += [f"- name: {name}", "  cluster:", f"    server: {server}"]
            if server.startswith("https"):
                lines.append(f"    certificate-authority: {ca}")
        lines += ["users:", "- name: bench", "  user:", "    token: bench-token", "contexts:"]
        for name in clusters:
            lines += [f"- name: {name}", "  context:", f"    cluster: {name}", "    user: bench"]
        lines.append(f"current-context: {next(iter(clusters))}")
        return "\n".join(lines) + "\n"

    def start_lamplight(self):
        """Started last, five times: time to ready is the median from spawn to the first 200 from
        /readyz (one start can be slowed by the page cache, a compile finishing...)."""
        argv = [str(BIN_DIR / "lamplight"), "-proxy-auth=true",
                "-proxy-auth-trusted-proxies=127.0.0.1/32", "-listen-addr=127.0.0.1",
                f"-port={self.ports['lamplight']}", f"-kubeconfig={self.kubeconfig_path}"]
        readiness = []
        for attempt in range(5):
            started = time.monotonic()
            process = self.spawn("lamplight", argv)
            deadline = started + 20
            while True:
                try:
                    if http_status(self.ports["lamplight"], "/readyz") == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("lamplight did not become ready; see logs/lamplight.log")
                time.sleep(0.001)
            readiness.append((time.monotonic() - started) * 1000)
            if attempt < 4:
                process.send_signal(signal.SIGTERM)
                process.wait(10)
                self.processes.remove(process)
                while True:  # until the port is free again
                    try:
                        socket.create_connection(("127.0.0.1", self.ports["lamplight"]), timeout=0.2).close()
                        time.sleep(0.01)
                    except OSError:
                        break
        self.lamplight = process
        self.ready_ms = statistics.median(readiness)
        time.sleep(1)
        self.idle_rss_kib = rss_kib([self.lamplight.pid])

    def peers(self):
        """name -> (base URL, pids whose memory is the peer's)."""
        p = self.ports
        lamplight = f"http://127.0.0.1:{p['lamplight']}/clusters"
        return {
            "direct": (f"http://127.0.0.1:{p['upstream']}", []),
            "nginx": (f"http://127.0.0.1:{p['nginx']}", process_tree(self.nginx_proxy.pid)),
            "kubectl proxy": (f"http://127.0.0.1:{p['kubectl']}", [self.kubectl["kubectl-proxy"].pid]),
            "lamplight (h1 upstream)": (f"{lamplight}/h1", [self.lamplight.pid]),
            "lamplight (h2+TLS upstream)": (f"{lamplight}/h2", [self.lamplight.pid]),
        }

    def watch_peers(self):
        p = self.ports
        lamplight = f"http://127.0.0.1:{p['lamplight']}/clusters"
        return {
            "nginx": (p["nginx"], "", process_tree(self.nginx_proxy.pid)),
            "kubectl proxy": (p["kubectl_watch"], "", [self.kubectl["kubectl-proxy-watch"].pid]),
            "lamplight (h1 upstream)": (p["lamplight"], "/clusters/watch-h1", [self.lamplight.pid]),
            "lamplight (h2+TLS upstream)": (p["lamplight"], "/clusters/watch-h2", [self.lamplight.pid]),
        }


def http_status(port, path):
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        head = s.recv(64)
    return int(head.split()[1]) if head else 0


# --- measurements ----------------------------------------------------------------------------------

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "B": 1 / 2**20, "KB": 1 / 1024, "MB": 1.0, "GB": 1024.0}


def wrk(url, connections, seconds):
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for header in USER_HEADERS:
        argv += ["-H", header]
    output = subprocess.run(argv + [url], capture_output=True, text=True, check=True).stdout

    def number(pattern):
        match = re.search(pattern, output)
        if not match:
            raise RuntimeError(f"wrk printed no {pattern!r}:\n{output}")
        return float(match.group(1)) * UNITS.get(match.group(2), 1.0) if match.lastindex > 1 else float(match.group(1))

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} non-2xx answers")
    return {
        "rps": number(r"Requests/sec:\s+([\d.]+)"),
        "p50_ms": number(r"50%\s+([\d.]+)(us|ms|s)"),
        "p99_ms": number(r"99%\s+([\d.]+)(us|ms|s)"),
        "mb_s": number(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)"),
    }


def stream(url, pids):
    """Reads the whole big list at full speed: time to first byte, and the peer's RSS growth."""
    host, port, path = split_url(url)
    before = rss_kib(pids)
    peak = before
    with socket.create_connection((host, port)) as s:
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        request += "".join(h + "\r\n" for h in USER_HEADERS) + "\r\n"
        started = time.monotonic()
        s.sendall(request.encode())
        first = s.recv(65536)
        ttfb = (time.monotonic() - started) * 1000
        total, reads = len(first), 0
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            total += len(chunk)
            reads += 1
            if reads % 16 == 0 and pids:
                peak = max(peak, rss_kib(pids))
        elapsed = time.monotonic() - started
    if total < 1_000_000:
        raise RuntimeError(f"{url}: only {total} bytes")
    return {"ttfb_ms": ttfb, "rss_growth_mib": (peak - before) / 1024 if pids else None,
            "mb_s": total / 2**20 / elapsed}


def split_url(url):
    rest = url.split("://", 1)[1]
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    return host, int(port), "/" + path


async def hold_watches(port, prefix, count, pids, watch_port):
    """Opens `count` watches (at most 256 per user, so per-user caps do not get in the way), then has
    the upstream emit one event and counts the watches that receive it."""
    limit = asyncio.Semaphore(256)
    path = prefix + WATCH_PATH

    async def open_one(i):
        async with limit:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          f"X-Forwarded-User: bench-{i // 256}\r\n\r\n").encode())
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            status = int(head.split()[1])
            if status != 200:
                raise RuntimeError(f"watch {i}: {head.decode(errors='replace')}")
            return reader, writer

    before = rss_kib(pids)
    opened = await asyncio.gather(*(open_one(i) for i in range(count)))
    await asyncio.sleep(1)
    after = rss_kib(pids)
    name = f"event-{time.monotonic_ns()}"

    async def receives(reader):
        seen = b""
        while name.encode() not in seen:
            chunk = await reader.read(65536)
            if not chunk:
                return False
            seen = seen[-256:] + chunk
        return True

    waiting = [asyncio.wait_for(receives(reader), 30) for reader, _ in opened]
    await asyncio.sleep(0)
    emit(watch_port, name)
    results = await asyncio.gather(*waiting, return_exceptions=True)
    received = sum(1 for r in results if r is True)
    for _, writer in opened:
        writer.close()
    await asyncio.sleep(0.5)
    return {"rss_per_watch_kib": (after - before) / count if pids else None, "received": received,
            "count": count}


def emit(port, name):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(f"POST /emit?name={name} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                  f"Connection: close\r\n\r\n".encode())
        s.recv(1024)


# --- report ----------------------------------------------------------------------------------------

def summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def fmt(s, digits=1):
    if s is None:
        return "—"
    if s["n"] == 1 or s["min"] == s["max"]:
        return f"{s['median']:,.{digits}f}"
    return f"{s['median']:,.{digits}f} ({s['min']:,.{digits}f}–{s['max']:,.{digits}f})"


def ratio(a, b):
    if a is None or b is None or not b["median"]:
        return "—"
    return f"{a['median'] / b['median']:.2f}"


def table(title, rows, metric, peers, digits=1, lower_is_better=False):
    """rows: peer -> summary. A column of ratios to each reference peer present."""
    refs = [r for r in ("direct", "nginx", "kubectl proxy") if r in rows and r in peers]
    lines = [f"### {title}", "", "| peer | " + metric + " | " + " | ".join(f"× {r}" for r in refs) + " |",
             "|---|---|" + "---|" * len(refs)]
    for peer, s in rows.items():
        lines.append(f"| {peer} | {fmt(s, digits)} | " + " | ".join(ratio(s, rows[r]) for r in refs) + " |")
    if lower_is_better:
        lines.append("")
        lines.append("(lower is better)")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/output")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5, help="per wrk run")
    parser.add_argument("--stream-mb", type=int, default=100)
    parser.add_argument("--watches", default="1000,10000", help="held-watch counts (the largest only over h2)")
    parser.add_argument("--smoke", action="store_true", help="seconds long: one short round of everything")
    parser.add_argument("--serve", action="store_true",
                        help="start everything, print the URLs and wait (for perf, flamegraphs): Ctrl-C stops")
    args = parser.parse_args()
    # `kill` (SIGTERM) stops the benchmark as Ctrl-C does: through `finally`, which stops the stack.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.smoke:
        args.rounds, args.seconds, args.stream_mb, args.watches = 1, 1, 10, "50"
    args.out.mkdir(parents=True, exist_ok=True)
    watch_counts = [int(n) for n in args.watches.split(",")]

    stack = Stack(args, args.out)
    results = {"machine": f"{platform.node()} {os.cpu_count()} cores, {platform.platform()}",
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "command": " ".join(sys.argv), "rounds": args.rounds}
    try:
        stack.start()
        peers = stack.peers()
        if args.serve:
            for peer, (base, pids) in peers.items():
                print(f"{peer}: {base}{POD_PATH} (pids {pids})")
            print(f"watch upstream: {stack.ports['watch']}; logs in {stack.logs}", flush=True)
            try:
                signal.pause()
            except KeyboardInterrupt:
                pass
            return
        raw = {}
        for round_ in range(args.rounds):
            for connections in (32, 128):
                for peer, (base, _) in peers.items():
                    raw.setdefault(("pod", connections, peer), []).append(wrk(base + POD_PATH, connections, args.seconds))
            for peer, (base, _) in peers.items():
                raw.setdefault(("list", peer), []).append(wrk(base + LIST_PATH, 4, args.seconds))
            for peer, (base, pids) in peers.items():
                raw.setdefault(("stream", peer), []).append(stream(base + STREAM_PATH, pids))
            print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
        watches = {}
        for count in watch_counts:
            for peer, (port, prefix, pids) in stack.watch_peers().items():
                if count > 2000 and "h2" not in peer:
                    continue  # an HTTP/1.1 upstream needs a socket per watch: 2 per watch in all
                watches[(count, peer)] = asyncio.run(hold_watches(port, prefix, count, pids, stack.ports["watch"]))
    finally:
        stack.stop()

    report = [f"# Lamplight benchmark, {results['date']}", "",
              f"Machine: {results['machine']}. Command: `{results['command']}`; binaries from {BIN_DIR.name}. "
              f"Medians of {args.rounds} round(s), (min–max) spread; ratios are medians over medians.", ""]
    figures = {}
    for connections in (32, 128):
        rows = {peer: summary([r["rps"] for r in raw[("pod", connections, peer)]]) for peer in peers}
        p99 = {peer: summary([r["p99_ms"] for r in raw[("pod", connections, peer)]]) for peer in peers}
        p50 = {peer: summary([r["p50_ms"] for r in raw[("pod", connections, peer)]]) for peer in peers}
        figures[f"pod_c{connections}"] = {"rps": rows, "p50_ms": p50, "p99_ms": p99}
        report.append(table(f"Pod GET, {connections} connections: requests/s", rows, "req/s", peers, 0))
        report.append(table(f"Pod GET, {connections} connections: p50 ms", p50, "p50 ms", peers, 2, True))
        report.append(table(f"Pod GET, {connections} connections: p99 ms", p99, "p99 ms", peers, 2, True))
    rows = {peer: summary([r["mb_s"] for r in raw[("list", peer)]]) for peer in peers}
    figures["list_7mb"] = rows
    report.append(table("7 MB list, 4 connections: MB/s", rows, "MB/s", peers, 0))
    ttfb = {peer: summary([r["ttfb_ms"] for r in raw[("stream", peer)]]) for peer in peers}
    growth = {peer: summary([r["rss_growth_mib"] for r in raw[("stream", peer)]]) for peer in peers}
    figures["stream"] = {"ttfb_ms": ttfb, "rss_growth_mib": growth}
    report.append(table(f"{args.stream_mb} MB list streamed: time to first byte, ms", ttfb, "ms", peers, 2, True))
    report.append(table(f"{args.stream_mb} MB list streamed: RSS growth of the proxy, MiB", growth, "MiB", peers, 1, True))
    lines = ["### Held watches", "", "| watches | peer | RSS per watch, KiB | still receiving |", "|---|---|---|---|"]
    for (count, peer), w in watches.items():
        per = "—" if w["rss_per_watch_kib"] is None else f"{w['rss_per_watch_kib']:.1f}"
        lines.append(f"| {count:,} | {peer} | {per} | {w['received']:,} of {w['count']:,} |")
    report.append("\n".join(lines) + "\n")
    figures["watches"] = {f"{c} {p}": w for (c, p), w in watches.items()}
    report.append(f"### Lamplight at rest\n\nIdle RSS {stack.idle_rss_kib / 1024:.1f} MiB; "
                  f"ready {stack.ready_ms:.1f} ms after spawn (median of 5 starts; no OIDC discovery).\n")
    figures["idle_rss_mib"], figures["ready_ms"] = stack.idle_rss_kib / 1024, stack.ready_ms
    report.append(targets(figures, watches, args))
    text = "\n".join(report)
    (args.out / "results.md").write_text(text)
    (args.out / "results.json").write_text(json.dumps({**results, "figures": figures}, indent=1, default=str))
    print(text)


def targets(figures, watches, args):
    """The issue's targets, met or missed by how much, from this run's figures."""
    lines = ["### Targets (this run)", "", "| target | figure | met |", "|---|---|---|"]

    def row(what, figure, met):
        lines.append(f"| {what} | {figure} | {'yes' if met else '**no**'} |")

    pod = figures["pod_c32"]
    lamplight, nginx, kubectl = (pod["rps"][p]["median"] for p in ("lamplight (h1 upstream)", "nginx", "kubectl proxy"))
    row("Pod GET c32 ahead of nginx", f"{lamplight:,.0f} vs {nginx:,.0f} req/s ({lamplight / nginx:.2f}×)", lamplight >= nginx)
    row("Pod GET c32 ≥ 4× kubectl proxy", f"{lamplight / kubectl:.2f}×", lamplight >= 4 * kubectl)
    p99, p99_nginx = pod["p99_ms"]["lamplight (h1 upstream)"]["median"], pod["p99_ms"]["nginx"]["median"]
    row("p99 ≤ 1.5× nginx's", f"{p99:.2f} vs {p99_nginx:.2f} ms ({p99 / p99_nginx:.2f}×)", p99 <= 1.5 * p99_nginx)
    listed = figures["list_7mb"]
    share = listed["lamplight (h1 upstream)"]["median"] / listed["direct"]["median"]
    row("7 MB list ≥ 0.70× direct", f"{share:.2f}×", share >= 0.70)
    growth = figures["stream"]["rss_growth_mib"]["lamplight (h1 upstream)"]["median"]
    row(f"{args.stream_mb} MB stream: RSS growth < 8 MB", f"{growth:.1f} MiB", growth < 8)
    largest = max(c for c, _ in watches)
    w = watches.get((largest, "lamplight (h2+TLS upstream)"))
    if w:
        row(f"{largest:,} held watches ≤ 16 KB each, all receiving",
            f"{w['rss_per_watch_kib']:.1f} KiB, {w['received']:,} of {w['count']:,}",
            w["rss_per_watch_kib"] <= 16 and w["received"] == w["count"])
    row("idle RSS ≤ 12 MB", f"{figures['idle_rss_mib']:.1f} MiB", figures["idle_rss_mib"] <= 12)
    row("ready ≤ 50 ms", f"{figures['ready_ms']:.1f} ms", figures["ready_ms"] <= 50)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
