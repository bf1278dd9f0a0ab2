// callseal/encrypt (the wasm package) writes messages the official AWS Encryption SDK for
// JavaScript (@aws-crypto/client-node) decrypts: every suite, framed and non-framed, raw AES
// wrapping keys of every size; and data keys wrapped elsewhere (MessageEncryptor).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import * as enc from '../../pkg/encrypt.js';
import * as callseal from '../../pkg/decrypt.js';
import { SUITES, officialDecrypt } from './client-node.mjs';

test('every suite and frame length: client-node decrypts what callseal/encrypt wrote', async () => {
  let n = 0;
  for (const suiteId of SUITES) {
    for (const frameLength of [0, 1, 100, 4096, 65536]) {
      const keyLen = [16, 24, 32][n % 3];
      const wrappingKey = new Uint8Array(randomBytes(keyLen));
      const keyring = { keyNamespace: `ns-${n}`, keyName: `key-${n}`, key: wrappingKey };
      const plaintext = new Uint8Array(randomBytes(frameLength === 1 ? 37 : randomInt(0, 70000)));
      const encryptionContext = n % 2 ? { 'contact-id': `c-${n}`, note: 'été 🔒' } : {};
      const message = enc.encryptWithRawAes(plaintext, keyring, { suiteId, frameLength, encryptionContext });

      const header = callseal.parseHeader(message);
      assert.equal(header.suiteId, suiteId);
      assert.equal(header.contentType, frameLength === 0 ? 'non-framed' : 'framed');
      assert.equal(header.frameLength, frameLength);

      const { plaintext: out, context } = await officialDecrypt(message, keyring);
      assert.deepEqual(out, plaintext, `suite ${suiteId.toString(16)} frame ${frameLength}`);
      for (const [k, v] of Object.entries(encryptionContext)) assert.equal(context[k], v);

      const dataKey = await callseal.unwrapRawAesDataKey(message, keyring);
      assert.deepEqual(await callseal.decrypt(message, dataKey, { expectedContext: encryptionContext }), plaintext);
      dataKey.fill(0);
      n++;
    }
  }
  assert.equal(n, 55);
});

test('MessageEncryptor: a data key wrapped elsewhere, context with the signing key', async () => {
  const e = new enc.MessageEncryptor({ encryptionContext: { 'contact-id': 'c-1' } }); // 0578 by default
  const context = e.encryptionContext;
  assert.equal(context['contact-id'], 'c-1');
  assert.match(context['aws-crypto-public-key'], /^[A-Za-z0-9+/]+=*$/);
  const dataKey = new Uint8Array(randomBytes(32));
  const edk = { providerId: 'aws-kms', providerInfo: new TextEncoder().encode('arn:aws:kms:us-east-1:111122223333:key/x'), ciphertext: new Uint8Array(randomBytes(184)) };
  const plaintext = new Uint8Array(randomBytes(10_000));
  const message = e.seal(plaintext, dataKey, [edk]);
  const header = callseal.parseHeader(message);
  assert.equal(header.suite, '0578');
  assert.deepEqual(header.encryptionContext, context);
  assert.deepEqual(header.encryptedDataKeys[0].ciphertext, edk.ciphertext);
  assert.deepEqual(await callseal.decrypt(message, dataKey), plaintext);
  assert.throws(() => e.seal(plaintext, dataKey, [edk]), (err) => err.code === 'INVALID_STATE');
});

test('bad input is a typed error', () => {
  const keyring = { keyNamespace: 'ns', keyName: 'k', key: new Uint8Array(32) };
  const pt = new Uint8Array(4);
  const code = (f) => { try { f(); } catch (e) { return e.code; } return 'no error'; };
  assert.equal(code(() => enc.encryptWithRawAes(pt, keyring, { suiteId: 0x0999 })), 'UNSUPPORTED_SUITE');
  assert.equal(code(() => enc.encryptWithRawAes(pt, keyring, { suite: 0x0578 })), 'INVALID_ARGUMENT');
  assert.equal(code(() => enc.encryptWithRawAes(pt, { ...keyring, key: new Uint8Array(7) })), 'WRONG_KEY_LENGTH');
  assert.equal(code(() => enc.encryptWithRawAes(pt, keyring, { encryptionContext: { 'aws-crypto-public-key': 'x' } })), 'INVALID_ARGUMENT');
  assert.equal(code(() => new enc.MessageEncryptor({ suiteId: 0x0178 }).seal(pt, new Uint8Array(16), [{ providerId: 'p', providerInfo: new Uint8Array(1), ciphertext: new Uint8Array(1) }])), 'WRONG_KEY_LENGTH');
  assert.equal(code(() => new enc.MessageEncryptor().seal(pt, new Uint8Array(32), [])), 'INVALID_ARGUMENT');
  // Hostile encrypted data keys: a non-Array, a Proxy whose traps throw, a throwing getter.
  const boom = () => { throw new Error('boom'); };
  const edk = { providerId: 'p', providerInfo: new Uint8Array(1), ciphertext: new Uint8Array(1) };
  for (const edks of ['x', new Proxy([edk], { get: boom }), [{ ...edk, get providerId() { return boom(); } }]]) {
    assert.equal(code(() => new enc.MessageEncryptor().seal(pt, new Uint8Array(32), edks)), 'INVALID_ARGUMENT');
  }
  const err = (() => { try { enc.encryptWithRawAes(pt, keyring, { suiteId: 1 }); } catch (e) { return e; } })();
  assert.ok(err instanceof enc.CallsealError && err instanceof callseal.CallsealError, 'one CallsealError class across modules');
});

test('range reader: overlapping reads are queued; close() fails the reads not yet done', async () => {
  const keyring = { keyNamespace: 'ns', keyName: 'k', key: new Uint8Array(32).fill(9) };
  const plaintext = new Uint8Array(randomBytes(1 << 20));
  const msg = enc.encryptWithRawAes(plaintext, keyring, { frameLength: 65536 });
  const source = { size: msg.length, read: async (o, n) => { await new Promise((r) => setTimeout(r, 5)); return msg.slice(o, o + n); } };
  // The default suite (0578) is signed: a range reader of it opts in.
  const r = await callseal.openRangeReader(source, await callseal.unwrapRawAesDataKey(msg, keyring), { signedMessages: 'release-before-verify' });
  // Overlapping reads (a seek while a read-ahead is in flight) are queued and all answered.
  const [a, b, c] = await Promise.all([r.read(0, 262144), r.read(524288, 262144), r.read(1000, 70000)]);
  assert.deepEqual(a, plaintext.subarray(0, 262144));
  assert.deepEqual(b, plaintext.subarray(524288, 786432));
  assert.deepEqual(c, plaintext.subarray(1000, 71000));
  // close() while reads wait on the source: the key goes now, and those reads fail.
  const pending = [r.read(0, 262144), r.read(524288, 262144)];
  r.close();
  for (const p of pending) await assert.rejects(p, (e) => e.code === 'INVALID_STATE');
  await assert.rejects(r.read(0, 10), (e) => e.code === 'INVALID_STATE');
});

test('decryptStream: small chunks are coalesced, output identical', async () => {
  const keyring = { keyNamespace: 'ns', keyName: 'k', key: new Uint8Array(16).fill(5) };
  for (const suiteId of [0x0578, 0x0478, 0x0014]) {
    const plaintext = new Uint8Array(randomBytes(3 * 1024 * 1024 + 17));
    const msg = enc.encryptWithRawAes(plaintext, keyring, { suiteId, frameLength: 4096 });
    const key = await callseal.unwrapRawAesDataKey(msg, keyring);
    let at = 0;
    const input = new ReadableStream({ pull(c) { if (at >= msg.length) return c.close(); const n = randomInt(1, 40000); c.enqueue(msg.slice(at, at + n)); at += n; } });
    const chunks = [];
    const options = { signedMessages: 'release-before-verify' }; // 0578 is signed
    for await (const ch of input.pipeThrough(callseal.decryptStream(key, options))) chunks.push(ch);
    assert.deepEqual(Buffer.concat(chunks), Buffer.from(plaintext), suiteId.toString(16));
    // a flipped bit in the last frame errors the stream
    const bad = msg.slice(); bad[bad.length - 200] ^= 1;
    const s2 = new ReadableStream({ start(c) { c.enqueue(bad); c.close(); } }).pipeThrough(callseal.decryptStream(key, options));
    await assert.rejects((async () => { for await (const _ of s2); })(), (e) => ['TAG_MISMATCH', 'SIGNATURE_INVALID'].includes(e.code));
  }
});

test('range reader: every answer is an array of its own (offset 0, its whole buffer), whole frames or a part of them', async () => {
  // The player's decrypt worker transfers each answer's buffer to its Service Worker: a view of a
  // larger buffer would be copied first (www/component/decrypt.worker.ts, own()).
  const keyring = { keyNamespace: 'ns', keyName: 'k', key: new Uint8Array(32).fill(7) };
  const plaintext = new Uint8Array(randomBytes(300_000));
  const msg = enc.encryptWithRawAes(plaintext, keyring, { frameLength: 65536 });
  const source = { size: msg.length, read: async (o, n) => msg.slice(o, o + n) };
  const r = await callseal.openRangeReader(source, await callseal.unwrapRawAesDataKey(msg, keyring), { signedMessages: 'release-before-verify' });
  // Whole frames (the worker's pieces), parts of frames, the short last frame.
  for (const [off, len] of [[0, 262144], [65536, 131072], [1000, 70000], [65536, 10], [262144, 37856], [299_000, 5000]]) {
    const got = await r.read(off, len);
    assert.deepEqual(got, plaintext.subarray(off, off + len), `read(${off}, ${len})`);
    assert.equal(got.byteOffset, 0, `read(${off}, ${len})`);
    assert.equal(got.buffer.byteLength, got.length, `read(${off}, ${len})`);
  }
  r.close();
});
