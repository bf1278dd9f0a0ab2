// The decrypt module in two halves (issue 20, "A lean decrypt module"): callseal_decrypt, what a
// page loads first, holds one-shot and stream decryption; callseal_decrypt_more holds S3EC
// objects and range reads, and the package loads it the first time one of those is called.
//   - each module's exports (read from the .wasm files);
//   - the entry's size, gzipped;
//   - under Node, decrypting an unsigned message, one-shot and streamed, never loads the second
//     half (Node's module loader, watched through module.registerHooks), and readHeader loads it;
//   - a failed load is a CallsealError (IO) and the next call loads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerHooks } from 'node:module';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { officialVector } from './official-vector.mjs';

const loaded = [];
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
const callseal = await import('../../pkg/decrypt.js');

const PKG = fileURLToPath(new URL('../../pkg/', import.meta.url));
const wasmFile = (name) => readFileSync(join(PKG, 'wasm', name));
const exportsOf = (name) => new Set(WebAssembly.Module.exports(new WebAssembly.Module(wasmFile(name))).map((e) => e.name));
const sourceOf = (bytes) => ({ size: bytes.length, read: async (offset, length) => bytes.slice(offset, offset + length) });
const isMore = (url) => url.includes('callseal_decrypt_more');

/** The entry's bytes gzipped (zlib level 9, as the benchmark measures) at most: issue 20's target
 * is 64 KB once the pure-Rust AES-GCM engine and the curve code leave it too; with them it is
 * 100,132 bytes (S3EC metadata and the raw AES unwrap in the second half), and this bound. */
const ENTRY_GZIPPED_AT_MOST = 102_000;

test('the entry holds one-shot and stream decryption; S3EC objects and range reads are in the second half, with its own decryption', () => {
  const entry = exportsOf('callseal_decrypt_bg.wasm');
  const more = exportsOf('callseal_decrypt_more_bg.wasm');
  for (const name of ['decrypt', 'parseHeader', 'decryptstream_new', 'decryptstream_push']) {
    assert.ok(entry.has(name), `the entry exports ${name}`);
    assert.ok(more.has(name), `the second half exports ${name}`);
  }
  for (const name of ['decryptS3Object', 'parseS3Metadata', 'unwrapRawAesDataKey', 'readHeader', 'openRangeReader', 'verifySignature', 'rangereader_read']) {
    assert.ok(more.has(name), `the second half exports ${name}`);
    assert.ok(!entry.has(name), `the entry does not export ${name}`);
  }
});

test(`the entry is at most ${ENTRY_GZIPPED_AT_MOST} bytes gzipped`, () => {
  const sizes = Object.fromEntries(['callseal_decrypt_bg.wasm', 'callseal_decrypt_more_bg.wasm']
    .map((name) => [name, gzipSync(wasmFile(name), { level: 9 }).length]));
  console.log('gzipped bytes:', JSON.stringify(sizes));
  assert.ok(sizes['callseal_decrypt_bg.wasm'] <= ENTRY_GZIPPED_AT_MOST, JSON.stringify(sizes));
});

test('decrypting an unsigned message, one-shot and streamed, never loads the second half; readHeader loads it', async () => {
  const v = await officialVector('119-0478-f4096-n10000');
  assert.equal(callseal.defaultEngine(), 'webcrypto');
  assert.deepEqual(await callseal.decrypt(v.message, v.dataKey), v.plaintext);
  const stream = new Blob([v.message]).stream().pipeThrough(callseal.decryptStream(v.dataKey));
  assert.deepEqual(new Uint8Array(await new Response(stream).arrayBuffer()), v.plaintext);
  assert.ok(loaded.some((url) => url.endsWith('/pkg/wasm/callseal_decrypt.js')), `the loader is watched: ${loaded}`);
  assert.deepEqual(loaded.filter(isMore), []);
  assert.equal((await callseal.readHeader(sourceOf(v.message))).suite, '0478');
  assert.deepEqual(loaded.filter(isMore).map((url) => url.split('/').at(-1)), ['callseal_decrypt_more.js']);
});

test('a second half that cannot be loaded is a CallsealError (IO); the next call loads it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'callseal-split-'));
  try {
    cpSync(PKG, dir, { recursive: true });
    const wasm = join(dir, 'wasm/callseal_decrypt_more_bg.wasm');
    renameSync(wasm, `${wasm}.away`);
    const copy = await import(join(dir, 'decrypt.js'));
    const v = await officialVector('119-0478-f4096-n10000');
    await assert.rejects(copy.readHeader(sourceOf(v.message)), (e) => e instanceof copy.CallsealError && e.code === 'IO'
      && /^loading callseal_decrypt_more_bg\.wasm failed: .*callseal_decrypt_more_bg\.wasm/.test(e.message));
    await assert.rejects(copy.openRangeReader(sourceOf(v.message), v.dataKey), (e) => e.code === 'IO');
    renameSync(`${wasm}.away`, wasm);
    const reader = await copy.openRangeReader(sourceOf(v.message), v.dataKey);
    assert.deepEqual(await reader.read(0, v.plaintext.length), v.plaintext);
    reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
