// Starts the real server in demo mode on a free port and runs the browser test against it:
//
//   node tests/e2e/ui/run-with-server.mjs            # uses target/debug/lamplight
//   LAMPLIGHT_BIN=target/release/lamplight LAMPLIGHT_BASE_URL=/headlamp node tests/e2e/ui/run-with-server.mjs
//
// The server is started as `lamplight --demo -proxy-auth=true -proxy-auth-trusted-proxies=127.0.0.1 -port=0`
// (plus `-base-url` when LAMPLIGHT_BASE_URL is set); its "listening" log line gives the port.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const bin = path.resolve(root, process.env.LAMPLIGHT_BIN ?? 'target/debug/lamplight');
const baseUrl = (process.env.LAMPLIGHT_BASE_URL ?? '').replace(/^\/*/, '').replace(/\/*$/, '');
const args = ['--demo', '-proxy-auth=true', '-proxy-auth-trusted-proxies=127.0.0.1', '-proxy-auth-impersonate', '-port=0', '-listen-addr=127.0.0.1'];
if (baseUrl) args.push(`-base-url=/${baseUrl}`);

const server = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
const address = await new Promise((resolve, reject) => {
  let log = '';
  const timer = setTimeout(() => reject(new Error(`no "listening" line from ${bin} within 30 s:\n${log}`)), 30_000);
  const scan = (chunk) => {
    log += chunk;
    process.stderr.write(chunk);
    // tracing's text ("listening address=127.0.0.1:4466") or JSON ("address":"127.0.0.1:4466") output.
    const m = log.match(/listening.*?address"?[=:]\s*"?(\[?[0-9a-fA-F.:]+\]?:\d+)/) ?? log.match(/address"?[=:]\s*"?(\[?[0-9a-fA-F.:]+\]?:\d+)"?.*listening/);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]);
    }
  };
  server.stdout.on('data', scan);
  server.stderr.on('data', scan);
  server.on('error', reject);
  server.on('exit', (code) => reject(new Error(`${bin} exited with ${code}:\n${log}`)));
});
const url = `http://${address}/${baseUrl ? baseUrl + '/' : ''}`;
console.log(`lamplight at ${url}`);
// Every *.test.mjs here, one file at a time (each drives its own browser; node --test runs them in
// name order). LAMPLIGHT_TESTS=a.test.mjs,b.test.mjs picks some.
const all = fs.readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort();
const files = (process.env.LAMPLIGHT_TESTS ? process.env.LAMPLIGHT_TESTS.split(',') : all).map((f) => path.join(here, f));
const test = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
  // The demo cluster denies `dev` the secrets, and impersonation makes the API server see `dev`.
  env: { ...process.env, LAMPLIGHT_URL: url, LAMPLIGHT_EXPECT_DENIAL: '1' },
});
test.on('exit', (code) => {
  server.kill();
  process.exit(code ?? 1);
});
