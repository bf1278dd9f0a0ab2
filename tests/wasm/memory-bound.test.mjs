// wasm memory follows the bytes that arrived, never a length a message declares (issue 20).
//
// 345 bytes (an authentic header whose frame length is 255 MiB, the head of frame 1 and the
// first bytes of that frame) once grew the decrypt module's memory from 70 to 325 MiB, which
// wasm never gives back. Each API is fed such inputs here and the module's memory (`memory.buffer.byteLength`,
// the `memory` export of its instance, as in key-hygiene.test.mjs) must stay within a few MiB of
// what it was when this file started. Its own file: a fresh module, so growth is this file's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as callseal from '../../pkg/decrypt.js';
import { MessageEncryptor } from '../../pkg/encrypt.js';
import init from '../../pkg/wasm/callseal_decrypt.js';

const { memory } = await init();
const start = memory.buffer.byteLength;
const MiB = 1 << 20;
/** Growth allowed: the 256 KiB chunks the APIs copy in, a header, the allocator's slack. */
const BOUND = 4 * MiB;
const dataKey = new Uint8Array(32).fill(7);

/** An authentic message (suite 0478, unsigned) with `frameLength` and an empty plaintext. */
function message(frameLength) {
  const enc = new MessageEncryptor({ suiteId: 0x0478, frameLength, encryptionContext: { purpose: 'memory bound' } });
  return enc.seal(new Uint8Array(0), dataKey.slice(), [{ providerId: 'test', providerInfo: new TextEncoder().encode('key'), ciphertext: new Uint8Array(48).fill(1) }]);
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
const be32 = (n) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n); return b; };
const iv1 = () => concat(new Uint8Array(8), be32(1));

/** 345 bytes: the header of a message with 255 MiB frames, the head of frame 1, its first bytes. */
function declaresALargeFrame() {
  const ct = message(255 * MiB);
  const header = ct.subarray(0, callseal.parseHeader(ct).headerLength);
  return concat(header, be32(1), iv1(), new Uint8Array(345 - header.length - 16).fill(0xa5));
}

/** The same header and a final frame declaring 200 MiB of content, with 16 bytes of it. */
function declaresALargeFinalFrame() {
  const ct = message(255 * MiB);
  const header = ct.subarray(0, callseal.parseHeader(ct).headerLength);
  return concat(header, be32(0xffffffff), be32(1), iv1(), be32(200 * MiB), new Uint8Array(16).fill(0xa5));
}

const grown = () => memory.buffer.byteLength - start;
const code = async (promise) => promise.then(() => 'resolved', (e) => e.code);

async function streamed(bytes, options) {
  const out = [];
  const readable = new Blob([bytes]).stream().pipeThrough(callseal.decryptStream(dataKey, options));
  try {
    for await (const chunk of readable) out.push(chunk);
    return 'resolved';
  } catch (e) {
    assert.deepEqual(out, [], 'nothing released of an unfinished frame');
    return e.code;
  }
}

test('the 345 bytes of the issue leave wasm memory where it was, in every decrypt API and engine', async () => {
  const ct = declaresALargeFrame();
  assert.equal(ct.length, 345, 'the input the issue measured');
  for (const engine of ['webcrypto', 'rust']) {
    assert.equal(await streamed(ct, { engine }), 'TRUNCATED');
    assert.ok(grown() < BOUND, `decryptStream (${engine}): wasm memory grew by ${grown()} bytes`);
    assert.equal(await code(callseal.decrypt(ct, dataKey, { engine })), 'TRUNCATED');
    assert.ok(grown() < BOUND, `decrypt (${engine}): wasm memory grew by ${grown()} bytes`);
  }
  const fin = declaresALargeFinalFrame();
  for (const engine of ['webcrypto', 'rust']) {
    assert.equal(await streamed(fin, { engine }), 'TRUNCATED');
    assert.equal(await code(callseal.decrypt(fin, dataKey, { engine })), 'TRUNCATED');
    assert.ok(grown() < BOUND, `a declared 200 MiB final frame (${engine}): wasm memory grew by ${grown()} bytes`);
  }
});

test('a frame above the 256 MiB frame buffer limit is refused at its head where the Rust engine would open it in wasm memory', async () => {
  // The head of frame 1 of a message with 300 MiB frames: the pure-Rust engine opens each frame
  // in wasm memory (which never shrinks), so one-shot and stream refuse it before its bytes
  // arrive; WebCrypto opens one-shot frames from the caller's buffer and waits for them.
  const ct = message(300 * MiB);
  const header = ct.subarray(0, callseal.parseHeader(ct).headerLength);
  const head = concat(header, be32(1), iv1(), new Uint8Array(64).fill(0xa5));
  assert.equal(await code(callseal.decrypt(head, dataKey, { engine: 'rust' })), 'LIMIT_EXCEEDED');
  assert.equal(await streamed(head, { engine: 'rust' }), 'LIMIT_EXCEEDED');
  assert.equal(await code(callseal.decrypt(head, dataKey, { engine: 'webcrypto' })), 'TRUNCATED');
  assert.ok(grown() < BOUND, `wasm memory grew by ${grown()} bytes`);
});
