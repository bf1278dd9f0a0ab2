// callseal/player's own JavaScript (the element, its decrypt worker and its Service Worker,
// without the wasm module and the package's decrypt glue) stays under 40 KB gzipped (issue 17).
// Needs pkg/ built (make build, or node scripts/build-player.mjs after a change to www/component).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { resolve } from 'node:path';

const PKG = resolve(import.meta.dirname, '../../pkg');
const FILES = ['player.js', 'player/decrypt.worker.js', 'player/sw.js'];

test('callseal/player: the component\'s own JavaScript is under 40 KB gzipped', () => {
  const sizes = Object.fromEntries(FILES.map((f) => [f, gzipSync(readFileSync(resolve(PKG, f)), { level: 9 }).length]));
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  console.error(`callseal/player gzipped: ${JSON.stringify(sizes)}, total ${total} bytes`);
  assert.ok(total < 40_000, `${total} bytes gzipped`);
  // The worker loads the package's own decrypt module (not a second copy of the wasm glue).
  assert.match(readFileSync(resolve(PKG, 'player/decrypt.worker.js'), 'utf8'), /import\("\.\.\/decrypt\.js"\)/);
  // The Service Worker is one classic script (no import: hosts register it as is).
  assert.doesNotMatch(readFileSync(resolve(PKG, 'player/sw.js'), 'utf8'), /^\s*import[\s{(]/m);
});
