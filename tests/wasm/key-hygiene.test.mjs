// Key hygiene in the built package (pkg/): after a decryption ends, the decrypt modules' linear
// memories no longer hold the data key bytes. The data keys are Rust `Zeroizing` values wiped on
// drop; this test checks the whole memory (heap, stack, freed blocks), where a copy made by the
// JS glue or a stale stack slot would show up.
//
// The memories are scanned by decrypt-memory.mjs (both modules: the one a page loads first and
// the one range reads and S3EC objects load).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { hkdfSync } from 'node:crypto';
import * as callseal from '../../pkg/decrypt.js';
import { DecryptStream } from '../../pkg/wasm/callseal_decrypt.js';
import { findInMemory } from './decrypt-memory.mjs';

const ESDK = new URL('../vectors/esdk/python-4.0.7/', import.meta.url);
const S3EC = new URL('../vectors/s3ec/', import.meta.url);
const b64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));

async function streamAll(message, dataKey, options, chunk = 1000) {
  const ts = callseal.decryptStream(dataKey, options);
  const writer = ts.writable.getWriter();
  const reader = ts.readable.getReader();
  let n = 0;
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      n += value.length;
    }
  })();
  for (let i = 0; i < message.length; i += chunk) await writer.write(message.subarray(i, i + chunk));
  await writer.close();
  await pump;
  return n;
}

const manifest = JSON.parse(await readFile(new URL('manifest.json', ESDK), 'utf8'));
// One message per suite and framing (framed 128 / 4096, non-framed), 4096-byte plaintext.
const cases = manifest.tests.filter((t) => t.expect === 'plaintext' && t.plaintext === 'pt/4096.bin');

test('the scanner finds a key that is still held (positive control)', async () => {
  const t = cases[0];
  const key = b64(t.data_key);
  const stream = new DecryptStream(key, {});   // holds the key until the header arrives
  assert.ok(findInMemory(key).length > 0, 'a held data key must be visible to the scan');
  stream.free();
  assert.deepEqual(findInMemory(key), [], 'freeing the stream wipes the data key');
});

for (const engine of ['rust', 'auto']) {
  test(`no data key bytes in wasm memory after decrypt, stream and range reads (${engine} engine)`, async () => {
    assert.ok(cases.length >= 30, `${cases.length} cases`);
    const leaks = [];
    for (const t of cases) {
      const key = b64(t.data_key);
      const message = new Uint8Array(await readFile(new URL(t.ciphertext, ESDK)));
      assert.deepEqual(findInMemory(key), [], `${t.id}: key in memory before use`);

      const pt = await callseal.decrypt(message, key, { engine });
      assert.equal(pt.length, 4096);
      if (findInMemory(key).length) leaks.push(`${t.id} decrypt`);

      // Streams and range readers of signed suites opt in to releasing before the signature.
      const release = { engine, signedMessages: 'release-before-verify' };
      assert.equal(await streamAll(message, key, release), 4096);
      if (findInMemory(key).length) leaks.push(`${t.id} decryptStream`);

      if (t.frame_length > 0) {
        const source = { size: message.length, read: async (s, n) => message.slice(s, s + n) };
        const r = await callseal.openRangeReader(source, key, release);
        assert.equal((await r.read(1000, 300)).length, 300);
        r.close();
        if (findInMemory(key).length) leaks.push(`${t.id} openRangeReader`);
      }

      // A failed decryption (wrong expected context) wipes the key too.
      await assert.rejects(
        callseal.decrypt(message, key, { engine, expectedContext: { 'contact-id': 'someone-else' } }),
        (e) => e.code === 'CONTEXT_MISMATCH',
      );
      if (findInMemory(key).length) leaks.push(`${t.id} failed decrypt`);
    }
    assert.deepEqual(leaks, []);
  });

  test(`no data key bytes in wasm memory after S3EC decrypts (${engine} engine)`, async () => {
    const vectors = JSON.parse(await readFile(new URL('python-4.0.0.json', S3EC), 'utf8'));
    const leaks = [];
    for (const c of vectors.cases) {
      const key = b64(c.data_key);
      const pt = await callseal.decryptS3Object(b64(c.body), c.metadata, key,
        { engine, ...(c.instruction_file ? { instructionFile: c.instruction_file } : {}) });
      assert.equal(Buffer.from(pt).toString('base64'), c.plaintext);
      if (findInMemory(key).length) leaks.push(c.id);
    }
    assert.deepEqual(leaks, []);
  });
}

test('aborting a stream through its signal wipes its keys at once, before and after the header', async () => {
  const enc = await import('../../pkg/encrypt.js');
  const keyring = { keyNamespace: 'callseal-test', keyName: 'abort', key: new Uint8Array(32).fill(9) };
  const plaintext = new Uint8Array(3 << 20).map((_, i) => i & 0xff);
  const message = enc.encryptWithRawAes(plaintext, keyring, { suiteId: 0x0478, frameLength: 4096 });
  const header = callseal.parseHeader(message);
  for (const engine of ['auto', 'rust']) {
    // Before the header: the stream holds the data key.
    const dataKey = await callseal.unwrapRawAesDataKey(message, keyring);
    const early = new AbortController();
    const ts = callseal.decryptStream(dataKey, { signal: early.signal, engine });
    assert.ok(findInMemory(dataKey).length > 0, 'positive control: the data key is held');
    early.abort(new Error('user left'));
    assert.deepEqual(findInMemory(dataKey), [], `${engine}: the data key was wiped at the abort`);
    await assert.rejects(ts.writable.getWriter().write(message), /user left/);

    // After the header: the stream holds the content key (HKDF-SHA512 of the data key, salt the
    // message id, info the suite id and "DERIVEKEY": the ESDK's v2 derivation).
    const contentKey = new Uint8Array(hkdfSync('sha512', dataKey, header.messageId,
      Buffer.concat([Buffer.from([header.suiteId >> 8, header.suiteId & 0xff]), Buffer.from('DERIVEKEY')]), 32));
    const later = new AbortController();
    const stream = callseal.decryptStream(dataKey, { signal: later.signal, engine });
    const writer = stream.writable.getWriter();
    const reader = stream.readable.getReader();
    const first = reader.read();
    await writer.write(message.subarray(0, 1 << 20));
    assert.ok((await first).value.length > 0, 'plaintext came out');
    assert.ok(findInMemory(contentKey).length > 0, `${engine}: positive control: the content key is held`);
    later.abort(new Error('seeked away'));
    assert.deepEqual(findInMemory(contentKey), [], `${engine}: the content key was wiped at the abort`);
    await assert.rejects(reader.read(), /seeked away/);
    await assert.rejects(writer.write(message.subarray(1 << 20)), /seeked away/);
  }
});

test('unwrapRawAesDataKey leaves no copy of the data key it returns in wasm memory, on both engines', async () => {
  const enc = await import('../../pkg/encrypt.js');
  for (const suiteId of [0x0478, 0x0578, 0x0178, 0x0014]) {
    const keyring = { keyNamespace: 'callseal-test', keyName: `unwrap-async-${suiteId}`, key: new Uint8Array(32).fill(5) };
    const message = enc.encryptWithRawAes(new Uint8Array(100).fill(1), keyring, { suiteId });
    for (const engine of ['webcrypto', 'rust']) {
      const dataKey = await callseal.unwrapRawAesDataKey(message, keyring, { engine });
      assert.equal(dataKey.length, callseal.parseHeader(message).dataKeyLength);
      assert.deepEqual(findInMemory(dataKey), [], `suite ${suiteId.toString(16)}, ${engine}: the data key stayed in wasm memory right after the unwrap`);
    }
  }
});
