// One-shot decryption reads a large frame's ciphertext from the caller's buffer only (issue 20,
// speed): the decryptor in wasm needs the frame heads, so the message is copied into wasm
// memory a window at a time and the frame bytes it does not read are skipped (copying them
// cost a second read of the message). Checked on the decrypt module's whole linear memory
// (the `memory` export, as in key-hygiene.test.mjs; its own file, so a fresh module): after
// decrypting official 1 MiB messages in 64 KiB frames, none of the ciphertext of the frames
// past the first copied chunk (256 KiB) is there. Skipped bytes are still opened and
// authenticated: a flipped bit or a cut inside them fails as before, releasing nothing. Frames
// under 16 KiB are not copied either: the decryptor is given a 32-byte window where each frame's
// head lies, many windows copied in one call; a fresh 2 MiB message in 4 KiB frames leaves no
// ciphertext of its frames past the first chunk in wasm memory but the first bytes of each and
// the last two frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { officialEncrypt0178 } from './client-node.mjs';
import { officialVector as vector } from './official-vector.mjs';
import * as callseal from '../../pkg/decrypt.js';
import init from '../../pkg/wasm/callseal_decrypt.js';

const { memory } = await init();
const FIRST_CHUNK = 256 << 10;
const SEALED_FRAME = 4 + 12 + 65536 + 16; // sequence number, IV, ciphertext, tag

/** 64-byte pieces of each 64 KiB frame's ciphertext (8 KiB and 48 KiB into it) past `from`. */
function probes(message, from) {
  const headerLength = callseal.parseHeader(message).headerLength;
  const out = [];
  for (let at = headerLength; at + SEALED_FRAME <= message.length; at += SEALED_FRAME) {
    if (at < from) continue;
    for (const into of [8192, 49152]) out.push({ at: at + 16 + into, bytes: message.subarray(at + 16 + into, at + 16 + into + 64) });
  }
  return out;
}

const inMemory = (bytes) => Buffer.from(memory.buffer).indexOf(Buffer.from(bytes)) !== -1;
const failure = (promise) => promise.then((pt) => `released ${pt.length} bytes`, (e) => `${e.code}: ${e.message}`);

// The decryptor reads every byte where it hashes the message itself: a signed message with
// the pure-Rust engine; so the Rust engine is checked on the unsigned one.
for (const [id, engines] of [['133-0178-f65536-n1048576', ['webcrypto', 'rust']], ['132-0578-f65536-n1048576', ['webcrypto']]]) {
  test(`${id}: one-shot decryption copies no ciphertext of the frames past its first chunk into wasm memory (${engines.join(', ')})`, async () => {
    const { message, plaintext, dataKey } = await vector(id);
    const pieces = probes(message, FIRST_CHUNK);
    assert.ok(pieces.length >= 24, `${pieces.length} probes`);
    assert.deepEqual(pieces.filter((p) => inMemory(p.bytes)).map((p) => p.at), [], 'before: not in memory');
    for (const engine of engines) {
      const pt = await callseal.decrypt(message, dataKey, { engine });
      assert.deepEqual(pt, plaintext, engine);
      const found = pieces.filter((p) => inMemory(p.bytes)).map((p) => p.at);
      assert.deepEqual(found, [], `${engine}: ciphertext at these message offsets is in wasm memory`);
    }
  });

  test(`${id}: a flipped bit or a cut inside the skipped bytes fails, naming the frame (${engines.join(', ')})`, async () => {
    const { message, dataKey } = await vector(id);
    const headerLength = callseal.parseHeader(message).headerLength;
    const frame9 = headerLength + 8 * SEALED_FRAME; // frame 9 starts here
    for (const engine of engines) {
      for (const into of [16 + 30_000, SEALED_FRAME - 1]) {
        const bad = message.slice();
        bad[frame9 + into] ^= 0x10;
        assert.equal(await failure(callseal.decrypt(bad, dataKey, { engine })), 'TAG_MISMATCH: frame 9: AES-GCM tag does not verify', `${engine}, byte ${into} of frame 9`);
      }
      const cut = message.subarray(0, frame9 + 16 + 30_000);
      assert.equal(await failure(callseal.decrypt(cut, dataKey, { engine })), `TRUNCATED: input ends inside frame 9 (at byte ${cut.length})`, `${engine}, cut`);
    }
  });
}

test('client-node 0178 in 4 KiB frames: one-shot decryption copies into wasm memory only the heads of the frames past its first chunk (both engines)', async () => {
  const frameLength = 4096, sealed = 4 + 12 + frameLength + 16;
  const keyring = { keyNamespace: 'callseal-test', keyName: 'oneshot-skip', key: new Uint8Array(randomBytes(32)) };
  const { message, plaintext } = await officialEncrypt0178(keyring, { frameLength, size: (2 << 20) + 99, context: { 'contact-id': 'c-oneshot-skip' } });
  const dataKey = await callseal.unwrapRawAesDataKey(message, keyring);
  const headerLength = callseal.parseHeader(message).headerLength;
  // 64-byte pieces 1 KiB and 3 KiB into each regular frame's ciphertext, from the first frame
  // past the first chunk to the last two frames (the end of the message is copied whole).
  const pieces = [];
  for (let at = headerLength; at + 3 * sealed <= message.length; at += sealed) {
    if (at < FIRST_CHUNK) continue;
    for (const into of [1024, 3072]) pieces.push({ at: at + 16 + into, bytes: message.subarray(at + 16 + into, at + 16 + into + 64) });
  }
  assert.ok(pieces.length >= 800, `${pieces.length} probes`);
  assert.deepEqual(pieces.filter((p) => inMemory(p.bytes)).map((p) => p.at), [], 'before: not in memory');
  for (const engine of ['webcrypto', 'rust']) {
    assert.deepEqual(await callseal.decrypt(message, dataKey, { engine }), plaintext, engine);
    const found = pieces.filter((p) => inMemory(p.bytes)).map((p) => p.at);
    assert.deepEqual(found, [], `${engine}: ciphertext at these message offsets is in wasm memory`);
  }
  // Frame 100's IV (read from a window) or a byte of its ciphertext (never copied) changed.
  const frame100 = headerLength + 99 * sealed;
  for (const engine of ['webcrypto', 'rust']) {
    for (const into of [4 + 5, 16 + 2000]) {
      const bad = message.slice();
      bad[frame100 + into] ^= 0x01;
      assert.equal(await failure(callseal.decrypt(bad, dataKey, { engine })), 'TAG_MISMATCH: frame 100: AES-GCM tag does not verify', `${engine}, byte ${into} of frame 100`);
    }
  }
});
