// The authenticated-but-semantically-invalid messages of tests/vectors/esdk/semantic (made by
// tests/interop/make_semantic.py) through the wasm package in Node: one-shot decrypt (WebCrypto
// and pure-Rust engines), decryptStream (7-byte chunks), the range reader and the raw AES keyring
// must each give the outcome the manifest lists for callseal (`callseal`, and `callseal_buffered`
// where the APIs that hold a frame in memory differ), as tests/esdk_semantic.rs asserts natively.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as callseal from '../../pkg/index.js';

const DIR = new URL('../vectors/esdk/semantic/', import.meta.url);
const manifest = JSON.parse(await readFile(new URL('manifest.json', DIR), 'utf8'));
const b64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));
const same = (a, b) => Buffer.from(a).equals(Buffer.from(b));

// Random access never reads the footer (signatures are not checked there: see random_access.rs).
const FOOTER_ONLY = new Set(['signature-extra-byte', 'signature-non-minimal-integer', 'signature-raw-r-s', 'signed-no-footer']);

async function stream(message, key, chunk) {
  const ts = callseal.decryptStream(key);
  const writer = ts.writable.getWriter();
  const reader = ts.readable.getReader();
  const parts = [];
  const pump = (async () => { for (;;) { const { value, done } = await reader.read(); if (done) return; parts.push(value); } })();
  try {
    for (let i = 0; i < message.length; i += chunk) await writer.write(message.subarray(i, i + chunk));
    await writer.close();
    await pump;
  } catch (e) {
    await pump.catch(() => {});
    throw e;
  }
  return Buffer.concat(parts);
}

async function rangeRead(message, key) {
  const reader = await callseal.openRangeReader({ size: message.length, read: async (o, n) => message.slice(o, o + n) }, key);
  try {
    return await reader.read(0, reader.plaintextLength);
  } finally {
    reader.close();
  }
}

/** '' if `run` behaved as `want` says ('plaintext' = these bytes), else what happened. */
async function verdict(run, want, plaintext) {
  try {
    const pt = await run();
    if (want === 'plaintext') return same(pt, plaintext) ? '' : `plaintext of ${pt.length} bytes that differs`;
    return `expected ${want}, got ${pt.length} bytes of plaintext`;
  } catch (e) {
    if (!(e instanceof callseal.CallsealError)) return `not a CallsealError: ${e}`;
    return e.code === want ? '' : `expected ${want}, got ${e.code}: ${e.message}`;
  }
}

test('semantic vectors: every message has the listed outcome in every API', async () => {
  const failures = [];
  const keyring = { keyNamespace: manifest.wrapping_key.key_namespace, keyName: manifest.wrapping_key.key_name, key: b64(manifest.wrapping_key.key) };
  for (const t of manifest.tests) {
    const message = new Uint8Array(await readFile(new URL(t.ciphertext, DIR)));
    const key = b64(t.data_key);
    const plaintext = b64(t.plaintext);
    const buffered = t.callseal_buffered ?? t.callseal;
    const checks = [
      ['one-shot', () => callseal.decrypt(message, key), t.callseal],
      ['one-shot rust', () => callseal.decrypt(message, key, { engine: 'rust' }), buffered],
      ['stream', () => stream(message, key, 7), buffered],
    ];
    let framed = false;
    try { framed = callseal.parseHeader(message).frameLength > 0; } catch { /* header refused: checked above */ }
    for (const [api, run, want] of checks) {
      const v = await verdict(run, want, plaintext);
      if (v) failures.push(`${t.id}: ${api}: ${v}`);
    }
    // The range reader locates the final frame from the size, so where the sequential reader sees
    // what follows a frame it sees a misplaced one: any error will do when one is due; it never
    // reads the footer, so footer-only faults may read back the plaintext.
    if (framed) {
      const v = await verdict(() => rangeRead(message, key), 'plaintext', plaintext);
      const refused = v.startsWith('expected plaintext, got ');
      if (buffered === 'plaintext' ? v : !(refused || (FOOTER_ONLY.has(t.id) && !v))) {
        failures.push(`${t.id}: range reader: ${v || 'read back the plaintext'}`);
      }
    }
    let header = null;
    try { header = callseal.parseHeader(message); } catch { /* refused */ }
    if (header) {
      const v = await verdict(async () => callseal.unwrapRawAesDataKey(message, keyring), 'plaintext', key);
      if (v) failures.push(`${t.id}: raw AES unwrap: ${v}`);
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(manifest.tests.length >= 55);
});
