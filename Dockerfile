# syntax=docker/dockerfile:1.7
#
# Lamplight container image.
#
#   docker build -t lamplight .
#   docker build -t lamplight:0.1.0 --build-arg VERSION=0.1.0 \
#     --build-arg SOURCE_URL=https://github.com/<owner>/lamplight .     # what a release passes
#   docker run --rm -p 127.0.0.1:4466:4466 --read-only lamplight --demo
#
# Two stages, both Debian 13 (trixie):
#   builder  rust:1.95-trixie (a pinned toolchain: the same compiler on every build) compiles the
#            server (`cargo build --release --locked`, symbols stripped) and a tiny health-check
#            probe. rustls only, so no OpenSSL; the UI (frontend/dist) is committed and embedded at
#            compile time, so no Node.js either.
#   final    gcr.io/distroless/cc-debian13:nonroot: glibc + CA certificates, no shell, no package
#            manager, user 65532. The builder is Debian 13 too, so the binary's glibc requirements
#            match the runtime's. The server writes nothing to disk, so the container runs with a
#            read-only root filesystem (`--read-only`, `readOnlyRootFilesystem: true`).
#
# Build arguments: RUST_VERSION and DEBIAN_RELEASE (change them together with the distroless tag
# below), VERSION (the image's org.opencontainers.image.version label; keep the default equal to
# Cargo.toml's package.version, deploy/compose/check.py checks) and SOURCE_URL (the repository, the
# org.opencontainers.image.source label; empty unless given).
#
# Needs BuildKit (the default builder of current Docker; `DOCKER_BUILDKIT=1` on old ones) for the
# cache mounts and the here-document below. Podman/Buildah 1.33+ understand both as well.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=trixie

############################################################################################
FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS builder

WORKDIR /src

# --- the health-check probe ----------------------------------------------------------------
# distroless has no shell and no curl, and the server has no `--healthcheck` mode, so the Docker
# HEALTHCHECK runs this ~360 KB program: std only, no dependencies, plain HTTP/1.0 on loopback.
# It reads the same HEADLAMP_CONFIG_* variables as the server (PORT, BASE_URL, LISTEN_ADDR,
# TLS_CERT_PATH) so it follows a port or base URL set through the environment. Settings given
# only as command-line flags or in a --config file are invisible to it: set the variable too, or
# override HEALTHCHECK. With TLS serving on it only checks that the port accepts connections.
# In Kubernetes, none of this is used: the kubelet's httpGet probes on /healthz and /readyz are
# the real health checks (see charts/lamplight).
COPY <<'EOF' /src/probe/healthcheck.rs
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(2);

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn target() -> Result<SocketAddr, String> {
    let port: u16 = match var("HEADLAMP_CONFIG_PORT") {
        Some(port) => port.parse().map_err(|_| format!("HEADLAMP_CONFIG_PORT={port} is not a port"))?,
        None => 4466,
    };
    // Listening on every interface: ask loopback. On one address: ask that address.
    let ip = match var("HEADLAMP_CONFIG_LISTEN_ADDR").as_deref() {
        None | Some("0.0.0.0") | Some("localhost") => IpAddr::V4(Ipv4Addr::LOCALHOST),
        Some("::") | Some("[::]") => IpAddr::V6(Ipv6Addr::LOCALHOST),
        Some(addr) => addr
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| format!("HEADLAMP_CONFIG_LISTEN_ADDR={addr} is not an IP address"))?,
    };
    Ok(SocketAddr::new(ip, port))
}

fn probe() -> Result<(), String> {
    let addr = target()?;
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| format!("{addr}: {e}"))?;
    if var("HEADLAMP_CONFIG_TLS_CERT_PATH").is_some() {
        return Ok(()); // HTTPS: no TLS client in here, an accepted connection has to do
    }
    stream.set_read_timeout(Some(TIMEOUT)).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(|e| e.to_string())?;
    let base = var("HEADLAMP_CONFIG_BASE_URL").unwrap_or_default();
    let request = format!(
        "GET {}/healthz HTTP/1.0\r\nHost: localhost\r\nUser-Agent: lamplight-healthcheck\r\nConnection: close\r\n\r\n",
        base.trim_end_matches('/')
    );
    stream.write_all(request.as_bytes()).map_err(|e| format!("{addr}: {e}"))?;
    let mut head = [0u8; 32];
    let mut len = 0;
    while len < 12 {
        match stream.read(&mut head[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) => return Err(format!("{addr}: {e}")),
        }
    }
    let status = String::from_utf8_lossy(&head[..len]);
    match status.split_whitespace().nth(1) {
        Some("200") => Ok(()),
        Some(code) => Err(format!("GET {base}/healthz answered {code}")),
        None => Err(format!("GET {base}/healthz: no HTTP status line")),
    }
}

fn main() {
    if let Err(error) = probe() {
        eprintln!("lamplight-healthcheck: unhealthy: {error}");
        std::process::exit(1);
    }
}
EOF
RUN mkdir -p /out \
 && rustc --edition 2021 -C opt-level=s -C strip=symbols -C panic=abort \
      -o /out/lamplight-healthcheck probe/healthcheck.rs

# --- the server ----------------------------------------------------------------------------
# Only what `cargo build` needs (see .dockerignore). frontend/dist is embedded by rust-embed; the
# workspace's crates/ hold the fake API server behind `--demo` (the default `demo` feature) and the
# test harness, whose manifest the workspace needs even though nothing here builds it.
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY crates ./crates
COPY frontend/dist ./frontend/dist
# The registry and target caches survive between builds (BuildKit cache mounts), so a rebuild
# after a source change recompiles Lamplight, not its ~370 dependency crates.
# Symbols stripped whatever Cargo.toml's release profile says (about half the binary's size).
ENV CARGO_PROFILE_RELEASE_STRIP=symbols
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin lamplight \
 && install -m 0755 target/release/lamplight /out/lamplight

############################################################################################
FROM gcr.io/distroless/cc-debian13:nonroot

ARG VERSION=0.1.0
ARG SOURCE_URL=
LABEL org.opencontainers.image.title="Lamplight" \
      org.opencontainers.image.description="Kubernetes dashboard server with identity-aware-proxy authentication, compatible with Headlamp's flags" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="${SOURCE_URL}"

COPY --from=builder /out/lamplight /usr/local/bin/lamplight
COPY --from=builder /out/lamplight-healthcheck /usr/local/bin/lamplight-healthcheck

# distroless's "nonroot" user; numeric so Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 4466

HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/lamplight-healthcheck"]

ENTRYPOINT ["/usr/local/bin/lamplight"]
