// The decrypt module in two halves (issue 20, "A lean decrypt module"): callseal_decrypt, what a
// page loads first, holds one-shot and stream decryption on WebCrypto of unsigned messages;
// callseal_decrypt_more holds S3EC objects, range reads, and what the entry lacks: the curve code
// of signed suites and the pure-Rust AES-GCM engine. The package loads it the first time a call
// needs it.
//   - each module's exports (read from the .wasm files);
//   - the entry's size, gzipped;
//   - under Node, decrypting an unsigned message, one-shot and streamed, never loads the second
//     half (Node's module loader, watched through module.registerHooks), and readHeader loads it;
//   - a signed message, the pure-Rust engine and AES-192 load it and decrypt there, through the
//     same API; the entry by itself refuses them (ENGINE_UNAVAILABLE), and a signed header whose
//     public key is not a point of its curve is still refused (MALFORMED_HEADER);
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

/** The entry's bytes gzipped (zlib level 9, as the benchmark measures) at most: issue 20's target,
 * 64 KB. Without the pure-Rust AES-GCM engine and the curve code it is 59,965 bytes; with them,
 * about 100,100. */
const ENTRY_GZIPPED_AT_MOST = 64_000;

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

/** A fresh copy of the package (its own module instances, neither half loaded), imported, and the
 * second half's loads of it seen so far. */
async function freshPackage() {
  const dir = mkdtempSync(join(tmpdir(), 'callseal-split-'));
  cpSync(PKG, dir, { recursive: true });
  const copy = await import(join(dir, 'decrypt.js'));
  const moreLoads = () => loaded.filter((url) => url.startsWith(`file://${dir}/`) && isMore(url));
  return { copy, moreLoads, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const streamed = async (callseal, message, dataKey, options) => {
  const stream = new Blob([message]).stream().pipeThrough(callseal.decryptStream(dataKey, options));
  return new Uint8Array(await new Response(stream).arrayBuffer());
};

test('a signed message (0578) decrypts through the entry\'s API in the second half, which it loads then', async () => {
  const { copy, moreLoads, remove } = await freshPackage();
  try {
    const v = await officialVector('131-0578-f4096-n10000');
    assert.deepEqual(await copy.decrypt(v.message, v.dataKey), v.plaintext);
    assert.deepEqual(moreLoads().map((url) => url.split('/').at(-1)), ['callseal_decrypt_more.js']);
    assert.deepEqual(await streamed(copy, v.message, v.dataKey, { signedMessages: 'release-before-verify' }), v.plaintext);
    await assert.rejects(streamed(copy, v.message, v.dataKey), (e) => e.code === 'SIGNED_MESSAGE_REFUSED');
    assert.equal(copy.parseHeader(v.message).suite, '0578');
    assert.equal(moreLoads().length, 1);
  } finally {
    remove();
  }
});

test('the pure-Rust engine (engine: \'rust\', AES-192) is in the second half, which the entry loads for it', async () => {
  for (const [id, options] of [['119-0478-f4096-n10000', { engine: 'rust' }], ['059-0146-f4096-n10000', undefined]]) {
    const { copy, moreLoads, remove } = await freshPackage();
    try {
      const v = await officialVector(id);
      assert.deepEqual(await copy.decrypt(v.message, v.dataKey, options), v.plaintext, id);
      assert.equal(moreLoads().length, 1, id);
      assert.deepEqual(await streamed(copy, v.message, v.dataKey, options), v.plaintext, id);
    } finally {
      remove();
    }
  }
});

test('the entry by itself refuses what it cannot check (ENGINE_UNAVAILABLE), never an unchecked header or plaintext', async () => {
  // The entry's own bindings, initialised by the package's import above.
  const entry = await import('../../pkg/wasm/callseal_decrypt.js');
  const signed = await officialVector('131-0578-f4096-n10000');
  const unsigned = await officialVector('119-0478-f4096-n10000');
  const aes192 = await officialVector('059-0146-f4096-n10000');
  const unavailable = (e) => e.code === 'ENGINE_UNAVAILABLE';
  assert.throws(() => entry.parseHeader(signed.message), unavailable);
  await assert.rejects(entry.decrypt(signed.message, signed.dataKey), unavailable);
  await assert.rejects(entry.decrypt(unsigned.message, unsigned.dataKey, { engine: 'rust' }), unavailable);
  await assert.rejects(entry.decrypt(aes192.message, aes192.dataKey), unavailable);
  const stream = new entry.DecryptStream(signed.dataKey, { signedMessages: 'release-before-verify' });
  await assert.rejects(stream.push(signed.message), unavailable);
  assert.equal(entry.needsMore(signed.message, undefined, false), true);
  assert.equal(entry.needsMore(unsigned.message, undefined, false), false);
  assert.equal(entry.needsMore(unsigned.message, undefined, true), false);
  assert.equal(entry.needsMore(unsigned.message, { engine: 'rust' }, true), true);
});

test('a signed header whose public key is not a point of its curve is refused (MALFORMED_HEADER) through the API', async () => {
  const { copy, remove } = await freshPackage();
  try {
    const manifest = JSON.parse(readFileSync(new URL('../vectors/esdk/semantic/manifest.json', import.meta.url), 'utf8'));
    const t = manifest.tests.find((c) => c.id === 'signed-public-key-not-a-point');
    const message = new Uint8Array(readFileSync(new URL(`../vectors/esdk/semantic/${t.ciphertext}`, import.meta.url)));
    const key = new Uint8Array(Buffer.from(t.data_key, 'base64'));
    // parseHeader is synchronous: before the second half is loaded it cannot read a signed header.
    assert.throws(() => copy.parseHeader(message), (e) => e.code === 'ENGINE_UNAVAILABLE' && /preloadDecryptMore/.test(e.message));
    const malformed = (e) => e instanceof copy.CallsealError && e.code === 'MALFORMED_HEADER' && /not a valid point/.test(e.message);
    await assert.rejects(copy.decrypt(message, key), malformed);
    await assert.rejects(copy.decrypt(message, key, { engine: 'rust' }), malformed);
    await assert.rejects(streamed(copy, message, key, { signedMessages: 'release-before-verify' }), malformed);
    await copy.preloadDecryptMore();
    assert.throws(() => copy.parseHeader(message), malformed);
  } finally {
    remove();
  }
});
