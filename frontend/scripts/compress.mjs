// Precompresses the build (run by `npm run build` after `vite build`): every text file in dist/
// but index.html (the server rewrites it, adding <base href>) gets a `.br` (Brotli, quality 11) and
// a `.gz` (gzip, level 9) sibling when that saves at least 10%. The server sends one of them, with
// `Content-Encoding`, when the browser accepts it. The output is deterministic (no timestamps: gzip's
// MTIME is 0 with Node's zlib), so `check-dist.sh` can compare a fresh build with the committed one.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
const COMPRESSIBLE = /\.(js|mjs|css|svg|json|txt|map|wasm)$/;

function* files(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else yield full;
  }
}

let before = 0;
let afterBr = 0;
let afterGz = 0;
for (const file of [...files(dist)]) {
  if (!COMPRESSIBLE.test(file)) continue;
  const data = fs.readFileSync(file);
  const br = zlib.brotliCompressSync(data, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
    },
  });
  const gz = zlib.gzipSync(data, { level: 9 });
  // Byte 9 of a gzip header names the OS: fix it (Unix) so every platform writes the same file.
  gz[9] = 3;
  before += data.length;
  if (br.length <= data.length * 0.9) {
    fs.writeFileSync(file + '.br', br);
    afterBr += br.length;
  } else afterBr += data.length;
  if (gz.length <= data.length * 0.9) {
    fs.writeFileSync(file + '.gz', gz);
    afterGz += gz.length;
  } else afterGz += data.length;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`precompressed dist/: ${kb(before)} → ${kb(afterBr)} brotli, ${kb(afterGz)} gzip`);
