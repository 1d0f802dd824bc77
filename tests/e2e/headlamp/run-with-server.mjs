// Headlamp's own frontend, served by Lamplight, in headless Chromium:
//
//   HEADLAMP_FRONTEND_BUILD=/path/to/headlamp/frontend/build node tests/e2e/headlamp/run-with-server.mjs
//
// Without HEADLAMP_FRONTEND_BUILD (or without an index.html in it) the test is skipped, with status 0.
// A build is made from Headlamp's sources (Node 22 wanted, Node 20 works; about a minute and 1 GB of
// node_modules on two cores):
//
//   git clone --depth 1 --branch v0.45.0 https://github.com/kubernetes-sigs/headlamp
//   cd headlamp/frontend && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci && npm run build   # -> frontend/build
//
// Started here:
// - target/debug/fake-apiserver --demo, as cluster `token-cluster` of a kubeconfig without
//   credentials, so the frontend has to sign in to it with a token (Headlamp's set-token);
// - lamplight --demo -html-static-dir=$HEADLAMP_FRONTEND_BUILD -plugins-dir=tests/e2e/headlamp/plugins
//   -kubeconfig=that kubeconfig -oidc-cookie-secret-file=(random; it seals the set-token cookie)
//   -port=0 -listen-addr=127.0.0.1 (no sign-in mode: Headlamp's own local set-up), whose
//   "listening" log line gives the port.
// Then every *.test.mjs here but oidc.test.mjs (HEADLAMP_TESTS=a.test.mjs,b.test.mjs picks files, HEADLAMP_TEST_PATTERN=regex
// tests), one at a time. LAMPLIGHT_BIN and FAKE_APISERVER_BIN name other binaries; LAMPLIGHT_EXTRA_ARGS
// adds flags (space-separated, or a JSON array). LAMPLIGHT_BASE_URL=/headlamp serves under -base-url;
// LAMPLIGHT_PROXY_AUTH=1 puts Lamplight behind a pretend auth proxy.
//
// LAMPLIGHT_OIDC=1 runs oidc.test.mjs instead, with OIDC sign-in: the real OpenID provider of
// crates/test-support/oidc-provider (npm ci --prefix crates/test-support/oidc-provider) on a free
// loopback port, a client registered there for Lamplight's /oidc-callback, fake-apiserver --demo
// verifying that provider's ID tokens (as kube-apiserver's --oidc-* flags do) as the one cluster,
// `oidc-cluster`, and lamplight -oidc-client-id/-oidc-client-secret/-oidc-idp-issuer-url (no --demo).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');

const build = process.env.HEADLAMP_FRONTEND_BUILD;
if (!build || !fs.existsSync(path.join(build, 'index.html'))) {
  console.log(
    [
      `SKIPPED tests/e2e/headlamp: ${build ? `no index.html in HEADLAMP_FRONTEND_BUILD=${build}` : 'HEADLAMP_FRONTEND_BUILD is not set'}.`,
      'To run it, build Headlamp\'s frontend and point HEADLAMP_FRONTEND_BUILD at the result:',
      '  git clone --depth 1 --branch v0.45.0 https://github.com/kubernetes-sigs/headlamp',
      '  cd headlamp/frontend && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci && npm run build',
      '  HEADLAMP_FRONTEND_BUILD=$PWD/build node tests/e2e/headlamp/run-with-server.mjs',
    ].join('\n'),
  );
  process.exit(0);
}

// LAMPLIGHT_BASE_URL=/headlamp serves everything under that prefix (Headlamp's -base-url).
const baseUrl = (process.env.LAMPLIGHT_BASE_URL ?? '').replace(/^\/*/, '').replace(/\/*$/, '');
const proxyAuth = ['1', 'true'].includes(process.env.LAMPLIGHT_PROXY_AUTH ?? '');
const oidc = ['1', 'true'].includes(process.env.LAMPLIGHT_OIDC ?? '');
if (oidc && proxyAuth) {
  console.error('LAMPLIGHT_OIDC and LAMPLIGHT_PROXY_AUTH are two sign-in modes: pick one.');
  process.exit(2);
}
const oidcProvider = path.join(root, 'crates/test-support/oidc-provider');
if (oidc && !fs.existsSync(path.join(oidcProvider, 'node_modules', 'oidc-provider'))) {
  console.error(`LAMPLIGHT_OIDC needs the test OpenID provider's packages: npm ci --prefix ${path.relative(process.cwd(), oidcProvider) || '.'}`);
  process.exit(2);
}
const identity = proxyAuth ? { 'X-Forwarded-User': 'alice', 'X-Forwarded-Group': 'system:masters' } : {};
const bin = path.resolve(root, process.env.LAMPLIGHT_BIN ?? 'target/debug/lamplight');
const fakeBin = path.resolve(root, process.env.FAKE_APISERVER_BIN ?? 'target/debug/fake-apiserver');
const children = [];
const stopAll = () => children.forEach((child) => child.exitCode === null && child.kill());
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

/** Starts a program and resolves with the first match of `pattern` in its output. */
function start(program, args, pattern, label, env = {}) {
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });
  children.push(child);
  const logFile = fs.createWriteStream(path.join(out, `${label}.log`));
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`no start-up line from ${program} within 30 s:\n${log}`)), 30_000);
    const scan = (chunk) => {
      logFile.write(chunk);
      if (log.length < 100_000) log += chunk;
      const m = log.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', scan);
    child.stderr.on('data', scan);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${program} exited with ${code}:\n${log}`)));
  });
}

const out = path.join(here, 'output');
fs.mkdirSync(out, { recursive: true });
for (const stale of fs.readdirSync(out).filter((f) => f.endsWith('-failed.png'))) fs.rmSync(path.join(out, stale));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lamplight-headlamp-'));

/** A port free on loopback now (for a redirect URI registered before Lamplight starts). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The fake's kubeconfig minus its credentials: the user must sign in. */
function withoutCredentials(from, to) {
  const kubeconfig = JSON.parse(fs.readFileSync(from, 'utf8'));
  for (const user of kubeconfig.users ?? []) user.user = {};
  fs.writeFileSync(to, JSON.stringify(kubeconfig), { mode: 0o600 });
}

// Token sign-in and OIDC sessions are kept in cookies Lamplight seals with this secret.
const cookieSecret = path.join(tmp, 'cookie-secret');
fs.writeFileSync(cookieSecret, crypto.randomBytes(48).toString('base64'), { mode: 0o600 });

// What reaches the second cluster's API server is recorded (credentials as fingerprints, the
// verified user, a bearer JWT's claims) for the token and OIDC tests.
const record = path.join(out, oidc ? 'oidc-cluster-requests.jsonl' : 'token-cluster-requests.jsonl');
fs.rmSync(record, { force: true });
let clusterArgs;
let testEnv;
let lamplightPort = 0;
if (oidc) {
  // The OpenID provider, and Lamplight's client there: its redirect URI is /oidc-callback on the
  // port Lamplight will listen on (the host the browser uses, 127.0.0.1).
  const issuer = await start(process.execPath, [path.join(oidcProvider, 'provider.mjs')], /issuer (http:\/\/\S+)/, 'oidc-provider', { PORT: '0' });
  lamplightPort = await freePort();
  const callback = `http://127.0.0.1:${lamplightPort}/${baseUrl ? baseUrl + '/' : ''}oidc-callback`;
  const registration = await fetch(`${issuer}/reg`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Lamplight (Headlamp browser test)',
      redirect_uris: [callback],
      post_logout_redirect_uris: [`http://127.0.0.1:${lamplightPort}/${baseUrl ? baseUrl + '/' : ''}`],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }),
    signal: AbortSignal.timeout(10_000),
  });
  const client = await registration.json();
  if (registration.status !== 201) throw new Error(`client registration at ${issuer}/reg: ${registration.status} ${JSON.stringify(client)}`);
  console.log(`oidc-provider at ${issuer}, client ${client.client_id} for ${callback}`);

  // The cluster: the demo's workload, and bearer JWTs of that issuer verified against its keys
  // (signature, issuer, audience = the client, expiry), the user its preferred_username.
  const fakeKubeconfig = path.join(tmp, 'fake.kubeconfig');
  const fakeUrl = await start(
    fakeBin,
    [
      '--demo', '--port', '0', '--kubeconfig-out', fakeKubeconfig, '--kubeconfig-context', 'oidc-cluster', '--record-file', record,
      '--oidc-issuer-url', issuer, '--oidc-client-id', client.client_id,
      '--oidc-username-claim', 'preferred_username', '--oidc-username-prefix', '-', '--oidc-groups-claim', 'groups',
    ],
    /listening on (\S+)/,
    'fake-apiserver',
  );
  const oidcKubeconfig = path.join(tmp, 'oidc.kubeconfig');
  withoutCredentials(fakeKubeconfig, oidcKubeconfig);
  console.log(`oidc-cluster: fake-apiserver at ${fakeUrl} verifying ${issuer}'s ID tokens, no credentials in ${oidcKubeconfig}`);
  clusterArgs = [
    `-kubeconfig=${oidcKubeconfig}`,
    `-oidc-client-id=${client.client_id}`,
    `-oidc-client-secret=${client.client_secret}`,
    `-oidc-idp-issuer-url=${issuer}`,
    '-oidc-scopes=profile,email,groups',
  ];
  testEnv = { HEADLAMP_OIDC_CLUSTER: 'oidc-cluster', HEADLAMP_OIDC_ISSUER: issuer, HEADLAMP_OIDC_CLIENT_ID: client.client_id, HEADLAMP_OIDC_USER: 'alice', HEADLAMP_OIDC_CLUSTER_RECORD: record };
} else {
  // The token cluster: the fake's kubeconfig minus its credentials.
  const fakeKubeconfig = path.join(tmp, 'fake.kubeconfig');
  const fakeUrl = await start(
    fakeBin,
    ['--demo', '--port', '0', '--kubeconfig-out', fakeKubeconfig, '--kubeconfig-context', 'token-cluster', '--record-file', record],
    /listening on (\S+)/,
    'fake-apiserver',
  );
  const tokenKubeconfig = path.join(tmp, 'token.kubeconfig');
  withoutCredentials(fakeKubeconfig, tokenKubeconfig);
  console.log(`token-cluster: fake-apiserver at ${fakeUrl}, no credentials in ${tokenKubeconfig}`);
  clusterArgs = ['--demo', `-kubeconfig=${tokenKubeconfig}`];
  testEnv = { HEADLAMP_TOKEN_CLUSTER: 'token-cluster', HEADLAMP_TOKEN: 'demo-admin-token', HEADLAMP_TOKEN_CLUSTER_RECORD: record };
}

const args = [
  ...clusterArgs,
  `-html-static-dir=${path.resolve(build)}`,
  `-plugins-dir=${path.join(here, 'plugins')}`,
  `-oidc-cookie-secret-file=${cookieSecret}`,
  `-port=${lamplightPort}`,
  '-listen-addr=127.0.0.1',
  ...(baseUrl ? [`-base-url=/${baseUrl}`] : []),
  // LAMPLIGHT_PROXY_AUTH=1: behind an auth proxy (oauth2-proxy's headers, from loopback), Lamplight
  // impersonating the proxy's user; the browser sends the headers the proxy would add.
  ...(proxyAuth ? ['-proxy-auth=true', '-proxy-auth-trusted-proxies=127.0.0.1/32', '-proxy-auth-impersonate'] : []),
  // LAMPLIGHT_EXTRA_ARGS: flags split on spaces, or a JSON array of them.
  ...(process.env.LAMPLIGHT_EXTRA_ARGS?.trim().startsWith('[') ? JSON.parse(process.env.LAMPLIGHT_EXTRA_ARGS) : (process.env.LAMPLIGHT_EXTRA_ARGS ?? '').split(' ').filter(Boolean)),
];
const address = await start(
  bin,
  args,
  // tracing's text ("listening address=127.0.0.1:4466") or JSON ("address":"127.0.0.1:4466") output.
  /listening.*?address"?[=:]\s*"?(\[?[0-9a-fA-F.:]+\]?:\d+)/,
  'lamplight',
);
const url = `http://${address}/${baseUrl ? baseUrl + '/' : ''}`;
console.log(`lamplight at ${url} serving ${build} (log: ${path.join(out, 'lamplight.log')})`);

// oidc.test.mjs needs the OIDC set-up, the others the token cluster and the demo.
const all = fs.readdirSync(here).filter((f) => f.endsWith('.test.mjs') && (f === 'oidc.test.mjs') === oidc).sort();
const files = (process.env.HEADLAMP_TESTS ? process.env.HEADLAMP_TESTS.split(',') : all).map((f) => path.join(here, f));
// HEADLAMP_TEST_PATTERN runs only the tests whose names match (node --test-name-pattern).
const pattern = process.env.HEADLAMP_TEST_PATTERN ? [`--test-name-pattern=${process.env.HEADLAMP_TEST_PATTERN}`] : [];
const test = spawn(process.execPath, ['--test', '--test-concurrency=1', ...pattern, ...files], {
  stdio: 'inherit',
  env: { ...process.env, LAMPLIGHT_URL: url, ...testEnv, HEADLAMP_IDENTITY: JSON.stringify(identity) },
});
test.on('exit', (code) => {
  stopAll();
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(code ?? 1);
});
