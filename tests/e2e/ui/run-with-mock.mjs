// Runs the browser test against the mock API server (mock-server.mjs), for working on the UI
// without a Lamplight binary. The real check is ui.test.mjs against `lamplight --demo`.
//   node run-with-mock.mjs [--base /headlamp/] [--plain-watch]
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const mock = spawn(process.execPath, [path.join(here, 'mock-server.mjs'), '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  let out = '';
  mock.stdout.on('data', (chunk) => {
    out += chunk;
    const m = out.match(/listening on (\S+)/);
    if (m) resolve(m[1]);
  });
  mock.on('exit', (code) => reject(new Error(`mock server exited with ${code}`)));
});
console.log(`mock server at ${url}`);
const test = spawn(process.execPath, ['--test', '--test-concurrency=1', path.join(here, 'ui.test.mjs')], {
  stdio: 'inherit',
  env: { ...process.env, LAMPLIGHT_URL: url },
});
test.on('exit', (code) => {
  mock.kill();
  process.exit(code ?? 1);
});
