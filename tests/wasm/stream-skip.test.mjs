// An unsigned stream opens its frames from the pushed chunks (issue 20, speed): the decryptor in
// wasm reads the frame heads, the frame bytes it does not read are skipped (not copied into
// wasm memory, as in one-shot decryption: oneshot-skip.test.mjs), WebCrypto opens each frame
// that lies whole in a push from a view of it, and the bytes of a frame that goes on into the
// next push are kept in one JS buffer until it ends. Checked on official 0178 messages (the
// Python ESDK's vectors, and fresh ones from @aws-crypto/client-node) in 4 KiB and 64 KiB
// frames, fed in odd chunk sizes: the same plaintext; a flipped bit or a cut inside skipped
// frame bytes is TAG_MISMATCH / TRUNCATED naming the frame, nothing of it released; and the
// decrypt module's linear memory (the `memory` export; its own file, so a fresh module) holds
// no ciphertext of the frames past the first push (64 KiB frames) or at most one copied chunk
// of it (4 KiB frames: the decryptor is given the first 256 KiB chunk whole, then windows of
// the frame heads, as in one-shot decryption, and the end of each push after its last whole
// window).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { officialVector as vector } from './official-vector.mjs';
import { randomBytes } from 'node:crypto';
import { officialEncrypt0178 } from './client-node.mjs';
import * as callseal from '../../pkg/decrypt.js';
import { readFile } from 'node:fs/promises';
import init, { DecryptStream } from '../../pkg/wasm/callseal_decrypt.js';
import initMore, { DecryptStream as MoreDecryptStream } from '../../pkg/wasm/callseal_decrypt_more.js';

const { memory } = await init();
// The pure-Rust engine is in the decrypt module's second half: its raw stream and its memory.
const more = await initMore({ module_or_path: await readFile(new URL('../../pkg/wasm/callseal_decrypt_more_bg.wasm', import.meta.url)) });
const RAW_STREAM = { webcrypto: DecryptStream, rust: MoreDecryptStream };
const COPY_CHUNK = 256 << 10; // what the decryptor is given at a time of small frames
const ENGINES = ['webcrypto', 'rust'];

const KEYRING = { keyNamespace: 'callseal-test', keyName: 'stream-skip', key: new Uint8Array(randomBytes(32)) };
/** A fresh 0178 message from the official JS ESDK, with its data key. */
async function fresh(frameLength, size) {
  const { message, plaintext } = await officialEncrypt0178(KEYRING, { frameLength, size, context: { 'contact-id': 'c-stream-skip' } });
  return { message, plaintext, frameLength, dataKey: await callseal.unwrapRawAesDataKey(message, KEYRING) };
}

/** Pushes `message` into the wasm stream in chunks of `sizes` (in turn); the plaintext. */
async function pushAll(message, dataKey, sizes, engine) {
  const dec = new RAW_STREAM[engine](dataKey, { engine });
  const parts = [];
  try {
    for (let at = 0, i = 0; at < message.length; i++) {
      const n = sizes[i % sizes.length];
      for (const p of await dec.push(message.slice(at, at + n))) parts.push(p);
      at += n;
    }
    dec.finish();
  } catch (e) {
    e.released = parts.reduce((n, p) => n + p.length, 0);
    throw e;
  } finally {
    dec.free();
  }
  return Buffer.concat(parts);
}

/** Through the TS layer's decryptStream (chunks gathered into 1 MiB pushes). */
async function streamAll(message, dataKey, sizes, engine) {
  let at = 0, i = 0;
  const source = new ReadableStream({
    pull(c) {
      if (at >= message.length) return c.close();
      const n = sizes[i++ % sizes.length];
      c.enqueue(message.slice(at, at + n));
      at += n;
    },
  });
  const parts = [];
  const reader = source.pipeThrough(callseal.decryptStream(dataKey, { engine })).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return Buffer.concat(parts);
}

/** Where each frame's ciphertext ‖ tag lies: [start, end) for every frame. */
function frameSpans(message, frameLength) {
  const bytes = Buffer.from(message.buffer, message.byteOffset, message.length);
  let at = callseal.parseHeader(message).headerLength;
  const spans = [];
  // A regular frame: sequence number, IV, ciphertext, tag; the final frame: end marker,
  // sequence number, IV, content length, ciphertext, tag.
  while (bytes.readUInt32BE(at) !== 0xffffffff) {
    spans.push([at + 16, at + 16 + frameLength + 16]);
    at += 16 + frameLength + 16;
  }
  spans.push([at + 24, at + 24 + bytes.readUInt32BE(at + 20) + 16]);
  return spans;
}

const ODD = {
  'odd sizes (1, 4093, 65539, 300001)': [1, 4093, 65539, 300001],
  'one byte short of a frame, then 3 bytes': [4095, 3, 65535, 7],
  'larger than a push (1 MiB + 5)': [(1 << 20) + 5],
};

const CASES = [
  ['official 071-0178-f4096-n10000', () => vector('071-0178-f4096-n10000')],
  ['official 133-0178-f65536-n1048576', () => vector('133-0178-f65536-n1048576')],
  ['client-node 0178, 4 KiB frames, 1.5 MiB', () => fresh(4096, (3 << 19) + 1234)],
  ['client-node 0178, 64 KiB frames, 2 MiB', () => fresh(65536, (2 << 20) + 777)],
];

for (const [name, make] of CASES) {
  test(`${name}: streamed in odd chunk sizes, the same plaintext (both engines, wasm stream and decryptStream)`, async () => {
    const { message, plaintext, dataKey } = await make();
    for (const engine of ENGINES) {
      for (const [how, sizes] of Object.entries(ODD)) {
        assert.deepEqual(new Uint8Array(await pushAll(message, dataKey, sizes, engine)), plaintext, `${engine}, pushed in ${how}`);
        assert.deepEqual(new Uint8Array(await streamAll(message, dataKey, sizes, engine)), plaintext, `${engine}, decryptStream fed ${how}`);
      }
    }
  });

  test(`${name}: a flipped bit or a cut inside skipped frame bytes fails naming the frame, releasing none of it`, async () => {
    const { message, dataKey, frameLength } = await make();
    const spans = frameSpans(message, frameLength);
    // The last regular frame (or the only one): its bytes well past its head, and its tag.
    const i = Math.max(0, spans.length - 2);
    const [start, end] = spans[i];
    const label = i === spans.length - 1 ? `final frame ${i + 1}` : `frame ${i + 1}`;
    const releasedBefore = i * frameLength;
    for (const engine of ENGINES) {
      for (const sizes of [[1 << 20], [4093, 65539]]) {
        for (const at of [start + Math.floor((end - start) * 0.7), end - 1]) {
          const bad = message.slice();
          bad[at] ^= 0x10;
          const e = await pushAll(bad, dataKey, sizes, engine).then(() => null, (e) => e);
          assert.equal(`${e?.code}: ${e?.message}`, `TAG_MISMATCH: ${label}: AES-GCM tag does not verify`, `${engine}, ${sizes}, byte ${at}`);
          assert.ok(e.released <= releasedBefore, `${engine}: ${e.released} bytes released, the frames before hold ${releasedBefore}`);
        }
        const cut = message.subarray(0, start + Math.floor((end - start) * 0.7));
        const e = await pushAll(cut, dataKey, sizes, engine).then(() => null, (e) => e);
        assert.equal(`${e?.code}: ${e?.message}`, `TRUNCATED: input ends inside ${label} (at byte ${cut.length})`, `${engine}, ${sizes}, cut`);
        assert.ok(e.released <= releasedBefore, `${engine}: ${e.released} bytes released after the cut`);
      }
    }
  });
}

/** 64-byte pieces of each frame's ciphertext past `from` (a quarter and three quarters in). */
function probes(message, frameLength, from) {
  const out = [];
  for (const [start, end] of frameSpans(message, frameLength)) {
    if (start < from || end - start < 256) continue;
    for (const at of [start + Math.floor((end - start) / 4), start + Math.floor((end - start) * 3 / 4)]) {
      out.push({ at, bytes: message.subarray(at, at + 64) });
    }
  }
  return out;
}
const inMemory = (bytes) => [memory, more.memory].some((m) => Buffer.from(m.buffer).indexOf(Buffer.from(bytes)) !== -1);

for (const frameLength of [4096, 65536]) {
  test(`fresh 0178 stream in ${frameLength / 1024} KiB frames: wasm memory holds no frame ciphertext past the first push${frameLength < 16384 ? ' but one copied chunk' : ''} (both engines)`, async () => {
    const { message, plaintext, dataKey } = await fresh(frameLength, 3 << 20);
    const PUSH = 300001;
    const pieces = probes(message, frameLength, PUSH);
    assert.ok(pieces.length >= 40, `${pieces.length} probes`);
    assert.deepEqual(pieces.filter((p) => inMemory(p.bytes)).map((p) => p.at), [], 'before: not in memory');
    for (const engine of ENGINES) {
      assert.deepEqual(new Uint8Array(await pushAll(message, dataKey, [PUSH], engine)), plaintext, engine);
      const found = pieces.filter((p) => inMemory(p.bytes)).map((p) => p.at);
      if (frameLength >= 16384) {
        assert.deepEqual(found, [], `${engine}: ciphertext at these message offsets is in wasm memory`);
      } else {
        // The first chunk, copied whole, stays in the feed's buffer, under the windows copied later.
        const frames = new Set(found.map((at) => Math.floor(at / (frameLength + 32))));
        assert.ok(frames.size <= COPY_CHUNK / frameLength + 2, `${engine}: ciphertext of ${frames.size} frames is in wasm memory (${found.length} probes of ${pieces.length}), more than one ${COPY_CHUNK}-byte chunk holds`);
      }
    }
  });
}
