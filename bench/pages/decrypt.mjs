// Decryption contenders in one page, driven by bench/run.mjs through window.bench.
// The page holds the ciphertext in memory before any timing starts (fetch is not measured);
// each contender's timed segment is the decryption alone, from the ciphertext bytes (and the
// keyring) to the verified plaintext.
import * as callseal from '/pkg/decrypt.js';
import wasmInit from '/pkg/wasm/callseal_decrypt.js';
import moreInit from '/pkg/wasm/callseal_decrypt_more.js';
import { makePeerDecrypt } from '/bench/out/peer-esdk.js';

const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
// Reads a response into one buffer of its exact length (no growing buffers left behind for the
// allocator to reuse: the memory figures start from a clean heap).
const fetchBytes = async (url) => {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  const out = new Uint8Array(Number(r.headers.get('content-length')));
  let at = 0;
  for (const reader = r.body.getReader(); ;) {
    const { done, value } = await reader.read();
    if (done) break;
    out.set(value, at);
    at += value.length;
  }
  if (at !== out.length) throw new Error(`${url}: ${at} of ${out.length} bytes`);
  return out;
};

/** A cheap order-sensitive checksum of bytes (the same function runs in Node on the plaintext). */
export function checksum(bytes, h = 0x811c9dc5) {
  const n = bytes.length >> 2;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, n);
  if (bytes.byteOffset % 4 === 0) {
    for (let i = 0; i < n; i++) h = (Math.imul(h, 31) + words[i]) | 0;
  } else {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let i = 0; i < n; i++) h = (Math.imul(h, 31) + dv.getUint32(i * 4, true)) | 0;
  }
  for (let i = n * 4; i < bytes.length; i++) h = (Math.imul(h, 31) + bytes[i]) | 0;
  return h >>> 0;
}

let state = null;

/** The per-frame floor: each frame opened by its own awaited WebCrypto call, copied into one buffer. */
async function perFrameFloor(s) {
  const sealed = s.frameLength + 16, n = Math.ceil(s.input.length / sealed);
  const out = new Uint8Array(s.input.length - 16 * n);
  const iv = new Uint8Array(12), aad = new Uint8Array(64), view = new DataView(iv.buffer);
  for (let i = 0, at = 0; i < n; i++) {
    view.setUint32(8, i + 1);
    aad.fill((i + 1) & 0xff);
    const frame = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad }, s.key, s.input.subarray(i * sealed, Math.min((i + 1) * sealed, s.input.length))));
    out.set(frame, at);
    at += frame.length;
  }
  return out;
}

async function prepare({ file, limit, floor, keyring, contender, committing, chunkSize }) {
  state = null;
  const ring = { keyNamespace: keyring.keyNamespace, keyName: keyring.keyName, key: b64(keyring.key) };
  // The baseline contenders run another build's package (BENCH_DECRYPT_BASELINE), copied
  // to bench/out/baseline-pkg/ by run.mjs, through the same calls.
  const lib = contender.startsWith('baseline') ? await import('/bench/out/baseline-pkg/decrypt.js') : callseal;
  const s = { contender, ring, chunkSize, lib };
  if (contender === 'webcrypto') {
    // The limit: one AES-GCM decrypt call over the same plaintext as one GCM ciphertext (made in Node).
    s.input = await fetchBytes(`/bench/out/${limit.file}`);
    s.iv = b64(limit.iv);
    s.key = await crypto.subtle.importKey('raw', b64(limit.key), 'AES-GCM', false, ['decrypt']);
  } else if (contender === 'webcrypto-frames' || contender === 'webcrypto-frames-signed') {
    // The per-frame floor: one WebCrypto call per frame of the same size, nothing else; the
    // signed floor adds one WebCrypto SHA-384 digest of the same bytes (a signed message's hash).
    s.input = await fetchBytes(`/bench/out/${floor.file}`);
    s.frameLength = floor.frameLength;
    s.key = await crypto.subtle.importKey('raw', b64(floor.key), 'AES-GCM', false, ['decrypt']);
  } else {
    s.input = await fetchBytes(`/bench/out/${file}`);
    if (contender === 'peer') s.peer = await makePeerDecrypt(ring, committing);
  }
  state = s;
  return { inputBytes: s.input.length, engine: callseal.defaultEngine() };
}

/** `input` as a stream of views of `size` bytes, each made when the reader asks for it. */
function chunks(input, size) {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= input.length) { controller.close(); return; }
      controller.enqueue(input.subarray(at, Math.min(at + size, input.length)));
      at += size;
    },
  }, { highWaterMark: 0 });
}

/** Reads `readable` to its end: its bytes and, with `check`, their checksum. */
async function readAll(readable, check = false) {
  let bytes = 0, sum = 0x811c9dc5;
  for (const reader = readable.getReader(); ;) {
    const { done, value } = await reader.read();
    if (done) return { bytes, sum };
    bytes += value.length;
    if (check) sum = checksum(value, sum);
  }
}

/** One timed decryption. Returns { ms, bytes } and, with `check`, the checksum of the plaintext. */
async function run({ check = false } = {}) {
  const s = state;
  let out = null, bytes = 0, sum = 0x811c9dc5;
  const t0 = performance.now();
  switch (s.contender) {
    case 'callseal':
    case 'callseal-rust':
    case 'baseline':
    case 'baseline-rust': {
      const dataKey = await s.lib.unwrapRawAesDataKey(s.input, s.ring);
      out = await s.lib.decrypt(s.input, dataKey, { engine: s.contender.endsWith('-rust') ? 'rust' : 'auto' });
      dataKey.fill(0);
      break;
    }
    case 'stream-passage': {
      // Not a decryptor: what a stream of this page's chunks costs on its way through a
      // TransformStream that gathers them into pushes of 1 MiB (copied, as decryptStream gathers
      // chunks smaller than a push), handing each push on as a view of the gathering buffer. Only
      // bench/cpu-decrypt.mjs runs it (an account of what a stream adds to the frames' work).
      const size = s.chunkSize, gather = new Uint8Array(1 << 20);
      let gathered = 0;
      const passage = new TransformStream({
        async transform(chunk, controller) {
          gather.set(chunk, gathered);
          gathered += chunk.length;
          if (gathered + size > gather.length) { controller.enqueue(gather.subarray(0, gathered)); gathered = 0; }
        },
        flush(controller) { if (gathered) controller.enqueue(gather.subarray(0, gathered)); },
      });
      ({ bytes } = await readAll(chunks(s.input, size).pipeThrough(passage)));
      break;
    }
    case 'callseal-stream':
    case 'baseline-stream': {
      const dataKey = await s.lib.unwrapRawAesDataKey(s.input, s.ring);
      // Signed suites (0578) stream opted in, as a player would.
      ({ bytes, sum } = await readAll(chunks(s.input, s.chunkSize).pipeThrough(s.lib.decryptStream(dataKey, { signedMessages: 'release-before-verify' })), check));
      dataKey.fill(0);
      break;
    }
    case 'peer':
      out = await s.peer(s.input);
      break;
    case 'webcrypto':
      out = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: s.iv }, s.key, s.input));
      break;
    case 'webcrypto-frames':
      out = await perFrameFloor(s);
      break;
    case 'webcrypto-frames-signed':
      // One after the other: started together, Chromium ran the pair slower than in turn.
      out = await perFrameFloor(s);
      await crypto.subtle.digest('SHA-384', s.input);
      break;
    default:
      throw new Error(`unknown contender ${s.contender}`);
  }
  const ms = performance.now() - t0;
  if (out) { bytes = out.length; if (check) sum = checksum(out); }
  out = null;
  return { ms, bytes, checksum: check ? sum >>> 0 : undefined };
}

/**
 * Bytes of callseal's wasm linear memory (it only grows: after a run, the peak so far): the
 * entry's, plus the second module's once the package has fetched it (signed messages and the
 * pure-Rust engine decrypt there). Its init only hands back the instance the package made.
 */
async function wasmMemory() {
  const moreFetched = performance.getEntriesByType('resource').some((e) => e.name.endsWith('/callseal_decrypt_more_bg.wasm'));
  const more = moreFetched ? (await moreInit()).memory.buffer.byteLength : 0;
  return (await wasmInit()).memory.buffer.byteLength + more;
}

window.bench = { prepare, run, wasmMemory, version: callseal.version() };
window.ready = true;
