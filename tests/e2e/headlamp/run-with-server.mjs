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
// Then every *.test.mjs here (HEADLAMP_TESTS=a.test.mjs,b.test.mjs picks files, HEADLAMP_TEST_PATTERN=regex
// tests), one at a time. LAMPLIGHT_BIN and FAKE_APISERVER_BIN name other binaries; LAMPLIGHT_EXTRA_ARGS
// adds flags (space-separated, or a JSON array). LAMPLIGHT_BASE_URL=/headlamp serves under -base-url;
// LAMPLIGHT_PROXY_AUTH=1 puts Lamplight behind a pretend auth proxy.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
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
const identity = proxyAuth ? { 'X-Forwarded-User': 'alice', 'X-Forwarded-Group': 'system:masters' } : {};
const bin = path.resolve(root, process.env.LAMPLIGHT_BIN ?? 'target/debug/lamplight');
const fakeBin = path.resolve(root, process.env.FAKE_APISERVER_BIN ?? 'target/debug/fake-apiserver');
const children = [];
const stopAll = () => children.forEach((child) => child.exitCode === null && child.kill());
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

/** Starts a program and resolves with the first match of `pattern` in its output. */
function start(program, args, pattern, label) {
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
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

// The token cluster: the fake's kubeconfig minus its credentials.
const fakeKubeconfig = path.join(tmp, 'fake.kubeconfig');
// What reaches that API server is recorded (credentials as fingerprints) for the token test.
const record = path.join(out, 'token-cluster-requests.jsonl');
fs.rmSync(record, { force: true });
const fakeUrl = await start(
  fakeBin,
  ['--demo', '--port', '0', '--kubeconfig-out', fakeKubeconfig, '--kubeconfig-context', 'token-cluster', '--record-file', record],
  /listening on (\S+)/,
  'fake-apiserver',
);
const kubeconfig = JSON.parse(fs.readFileSync(fakeKubeconfig, 'utf8'));
for (const user of kubeconfig.users ?? []) user.user = {};
const tokenKubeconfig = path.join(tmp, 'token.kubeconfig');
fs.writeFileSync(tokenKubeconfig, JSON.stringify(kubeconfig), { mode: 0o600 });
console.log(`token-cluster: fake-apiserver at ${fakeUrl}, no credentials in ${tokenKubeconfig}`);

// Token sign-in keeps the token in a cookie Lamplight seals with this secret.
const cookieSecret = path.join(tmp, 'cookie-secret');
fs.writeFileSync(cookieSecret, crypto.randomBytes(48).toString('base64'), { mode: 0o600 });

const args = [
  '--demo',
  `-html-static-dir=${path.resolve(build)}`,
  `-plugins-dir=${path.join(here, 'plugins')}`,
  `-kubeconfig=${tokenKubeconfig}`,
  `-oidc-cookie-secret-file=${cookieSecret}`,
  '-port=0',
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

const all = fs.readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort();
const files = (process.env.HEADLAMP_TESTS ? process.env.HEADLAMP_TESTS.split(',') : all).map((f) => path.join(here, f));
// HEADLAMP_TEST_PATTERN runs only the tests whose names match (node --test-name-pattern).
const pattern = process.env.HEADLAMP_TEST_PATTERN ? [`--test-name-pattern=${process.env.HEADLAMP_TEST_PATTERN}`] : [];
const test = spawn(process.execPath, ['--test', '--test-concurrency=1', ...pattern, ...files], {
  stdio: 'inherit',
  env: { ...process.env, LAMPLIGHT_URL: url, HEADLAMP_TOKEN_CLUSTER: 'token-cluster', HEADLAMP_TOKEN: 'demo-admin-token', HEADLAMP_TOKEN_CLUSTER_RECORD: record, HEADLAMP_IDENTITY: JSON.stringify(identity) },
});
test.on('exit', (code) => {
  stopAll();
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(code ?? 1);
});
