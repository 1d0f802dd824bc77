// The initial JavaScript budget (issue 13: at most 150 kB gzip before the first page renders):
// the scripts dist/index.html loads or preloads, gzipped at level 9 as the build's .gz siblings are.
// Run by check-dist.sh after the build; prints the figure and exits 1 above the budget. What loads
// on demand (xterm, the YAML editor, search, the platform detail panels) does not count.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const BUDGET = 150_000;
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
const initial = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\.\/([^"]+\.js)"/g)].map((m) => m[1]);
if (initial.length === 0) {
  console.error('initial-js-budget: no script found in dist/index.html');
  process.exit(1);
}
let total = 0;
for (const file of initial) {
  const size = zlib.gzipSync(fs.readFileSync(path.join(dist, file)), { level: 9 }).length;
  total += size;
  console.log(`  ${file}: ${(size / 1000).toFixed(1)} kB gzip`);
}
const verdict = total <= BUDGET ? 'within' : 'OVER';
console.log(`initial JavaScript: ${(total / 1000).toFixed(1)} kB gzip, ${verdict} the ${BUDGET / 1000} kB budget`);
if (total > BUDGET) process.exit(1);
