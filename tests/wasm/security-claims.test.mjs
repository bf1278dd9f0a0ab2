// Security claims of the package documentation (pkg-config/README.md, the .d.ts comments,
// SECURITY.md) that no other test pinned, checked on the built package (pkg/) in Node:
// - the header checks `parseHeader` and a range reader make before any data key is used
//   (`signedMessages: 'reject'`, `maxEncryptedDataKeys`);
// - signed messages ("Signed messages" in the package README, SECURITY.md): streams and range
//   readers refuse them unless `signedMessages: 'release-before-verify'` opts in, and what the
//   opt-in releases before a bad or missing signature is seen;
// - where derived content keys go: wiped when a range reader closes, when a stream ends or
//   fails, and when a stream's readable side is cancelled (Node calls the transformer's cancel);
// - the order of decryptS3Object's checks (key length, V3 commitment, body length, tag) on
//   both engines;
// - MessageEncryptor.seal is usable once, also when it fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { hkdfSync } from 'node:crypto';
import * as callseal from '../../pkg/decrypt.js';
import * as enc from '../../pkg/encrypt.js';
import { inMemory } from './decrypt-memory.mjs';

// parseHeader reads signed headers in the decrypt module's second half, which must be loaded for
// a synchronous call.
await callseal.preloadDecryptMore();

const ESDK = new URL('../vectors/esdk/python-4.0.7/', import.meta.url);
const S3EC = new URL('../vectors/s3ec/', import.meta.url);
const b64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));
const manifest = JSON.parse(await readFile(new URL('manifest.json', ESDK), 'utf8'));
const load = async (t) => ({
  id: t.id,
  message: new Uint8Array(await readFile(new URL(t.ciphertext, ESDK))),
  plaintext: new Uint8Array(await readFile(new URL(t.plaintext, ESDK))),
  key: b64(t.data_key),
});
const official = (suite, framed) => load(manifest.tests.find((t) => t.expect === 'plaintext' && t.suite === suite
  && t.plaintext === 'pt/4096.bin' && (framed ? t.frame_length > 0 && t.frame_length < 4096 : t.frame_length === 0)));


/** The ESDK v2 content key (suites 0478, 0578): HKDF-SHA512, salt the message id, info suite id ‖ "DERIVEKEY". */
function contentKeyV2(message, dataKey) {
  const h = callseal.parseHeader(message);
  return new Uint8Array(hkdfSync('sha512', dataKey, h.messageId,
    Buffer.concat([Buffer.from([h.suiteId >> 8, h.suiteId & 0xff]), Buffer.from('DERIVEKEY')]), 32));
}

async function code(promiseOrFn) {
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    assert.ok(e instanceof callseal.CallsealError, `a CallsealError, got ${e?.constructor?.name}: ${e?.message}`);
    return e.code;
  }
  return 'no error';
}

test('before any key is used: parseHeader and a range reader apply signedMessages and maxEncryptedDataKeys', async () => {
  const signed = await official('0578', true);
  // parseHeader takes the options object decrypt takes; 'reject' refuses a signed message
  // before the page asks its key broker.
  assert.equal(await code(() => callseal.parseHeader(signed.message, { signedMessages: 'reject' })), 'SIGNED_MESSAGE_REFUSED');
  assert.equal(callseal.parseHeader(signed.message, { signedMessages: 'verify' }).signed, true);
  const unsigned = await official('0478', true);
  assert.equal(callseal.parseHeader(unsigned.message, { signedMessages: 'reject' }).signed, false);

  // A message with two data keys against a limit of one.
  const e = new enc.MessageEncryptor({ suiteId: 0x0478, frameLength: 64 });
  const dataKey = new Uint8Array(32).fill(7);
  const edk = (i) => ({ providerId: 'aws-kms', providerInfo: new TextEncoder().encode(`key/${i}`), ciphertext: new Uint8Array(40).fill(i) });
  const twoKeys = e.seal(new Uint8Array(300).fill(1), dataKey, [edk(1), edk(2)]);
  assert.equal(await code(() => callseal.parseHeader(twoKeys, { maxEncryptedDataKeys: 1 })), 'TOO_MANY_DATA_KEYS');
  assert.equal(callseal.parseHeader(twoKeys, { maxEncryptedDataKeys: 2 }).encryptedDataKeys.length, 2);

  // The range reader refuses on the header it fetched first, before fetching anything else.
  for (const [message, key, options, want] of [[signed.message, signed.key, { signedMessages: 'reject' }, 'SIGNED_MESSAGE_REFUSED'],
    [twoKeys, dataKey, { maxEncryptedDataKeys: 1 }, 'TOO_MANY_DATA_KEYS']]) {
    const reads = [];
    const source = { size: message.length, read: async (o, n) => { reads.push(o); return message.slice(o, o + n); } };
    assert.equal(await code(callseal.openRangeReader(source, key, options)), want);
    assert.deepEqual(reads, [0], 'only the header probe was fetched');
    assert.equal(inMemory(key), false, 'the refused reader kept no key');
  }
});

/** Streams `message` in `chunk`-byte pieces: the plaintext released, and how it ended. */
async function streamed(message, key, options, chunk = 4096) {
  const ts = callseal.decryptStream(key, options);
  const released = [];
  const reading = (async () => { for await (const part of ts.readable) released.push(part); })();
  const writer = ts.writable.getWriter();
  const writing = (async () => {
    for (let i = 0; i < message.length; i += chunk) await writer.write(message.subarray(i, i + chunk));
    await writer.close();
  })();
  const [r] = await Promise.allSettled([reading, writing]);
  const error = r.status === 'rejected' ? r.reason : undefined;
  if (error) assert.ok(error instanceof callseal.CallsealError, `a CallsealError, got ${error}`);
  return { released: Buffer.concat(released), code: error?.code ?? 'no error', message: error?.message };
}

test('signed messages: streams and range readers refuse them unless signedMessages opts in; decrypt verifies first', async () => {
  for (const engine of ['auto', 'rust']) {
    const signed = await official('0578', true);
    // The default: refused as soon as the header arrives, nothing released, no key kept, and the
    // error names the opt-in.
    for (const options of [{ engine }, { engine, signedMessages: 'verify' }]) {
      const s = await streamed(signed.message, signed.key, options);
      assert.equal(s.code, 'SIGNED_MESSAGE_REFUSED', engine);
      assert.match(s.message, /release-before-verify/);
      assert.equal(s.released.length, 0, `${engine}: nothing released`);
      assert.equal(inMemory(signed.key), false, `${engine}: the refused stream kept no key`);
      const reads = [];
      const source = { size: signed.message.length, read: async (o, n) => { reads.push(o); return signed.message.slice(o, o + n); } };
      const refused = await callseal.openRangeReader(source, signed.key, options).then(() => undefined, (e) => e);
      assert.equal(refused?.code, 'SIGNED_MESSAGE_REFUSED', engine);
      assert.match(refused.message, /release-before-verify/);
      assert.deepEqual(reads, [0], 'only the header probe was fetched');
      assert.equal(inMemory(signed.key), false, `${engine}: the refused reader kept no key`);
      // One-shot releases nothing before the signature verified: signed messages decrypt.
      assert.deepEqual(await callseal.decrypt(signed.message, signed.key, options), signed.plaintext);
    }
    // Unsigned messages stream and range-read by default.
    const unsigned = await official('0478', true);
    const u = await streamed(unsigned.message, unsigned.key, { engine });
    assert.equal(u.code, 'no error');
    assert.deepEqual(new Uint8Array(u.released), unsigned.plaintext);
    const source = { size: unsigned.message.length, read: async (o, n) => unsigned.message.slice(o, o + n) };
    const reader = await callseal.openRangeReader(source, unsigned.key, { engine });
    assert.deepEqual(await reader.read(0, 100), unsigned.plaintext.subarray(0, 100));
    reader.close();

    // Opted in: frames are released before the signature is checked, which is what the default
    // guards against. The stream gathers its input into 1 MiB pushes, so a message of 3 MiB: a
    // bad signature errors the stream after the frames of its first pushes went out; so does a
    // cut footer.
    const release = { engine, signedMessages: 'release-before-verify' };
    const keyring = { keyNamespace: 'callseal-test', keyName: 'release', key: new Uint8Array(32).fill(3) };
    const large = enc.encryptWithRawAes(new Uint8Array(3 << 20).map((_, i) => i & 0xff), keyring, { suiteId: 0x0578, frameLength: 4096 });
    const largeKey = await callseal.unwrapRawAesDataKey(large, keyring);
    const badSignature = large.slice();
    badSignature[badSignature.length - 10] ^= 1; // inside the DER signature
    const bad = await streamed(badSignature, largeKey, release, 65536);
    assert.equal(bad.code, 'SIGNATURE_INVALID', engine);
    assert.ok(bad.released.length >= 1 << 20, `${engine}: ${bad.released.length} bytes were released before the signature failed`);
    const cut = await streamed(large.subarray(0, large.length - 50), largeKey, release, 65536); // inside the footer
    assert.equal(cut.code, 'TRUNCATED', engine);
    assert.ok(cut.released.length >= 1 << 20, `${engine}: ${cut.released.length} bytes were released before the cut was seen`);
    assert.equal((await streamed(badSignature, largeKey, { engine }, 65536)).released.length, 0, 'the default released nothing');
    const whole = await streamed(signed.message, signed.key, release);
    assert.equal(whole.code, 'no error');
    assert.deepEqual(new Uint8Array(whole.released), signed.plaintext);
    const opted = await callseal.openRangeReader({ size: signed.message.length, read: async (o, n) => signed.message.slice(o, o + n) }, signed.key, release);
    assert.deepEqual(await opted.read(0, signed.plaintext.length), signed.plaintext);
    opted.close();
    // 'reject' refuses them everywhere, one-shot included.
    assert.equal(await code(callseal.decrypt(signed.message, signed.key, { engine, signedMessages: 'reject' })), 'SIGNED_MESSAGE_REFUSED');
  }
});

for (const engine of ['auto', 'rust']) {
  test(`content keys are wiped when a range reader closes and when a stream ends or fails (${engine})`, async () => {
    for (const suite of ['0478', '0578']) {
      const m = await official(suite, true);
      const contentKey = contentKeyV2(m.message, m.key);
      assert.equal(inMemory(contentKey), false, `${suite}: not in memory before`);

      const source = { size: m.message.length, read: async (o, n) => m.message.slice(o, o + n) };
      const release = { engine, signedMessages: 'release-before-verify' }; // 0578 is signed
      const reader = await callseal.openRangeReader(source, m.key, release);
      assert.deepEqual(await reader.read(100, 50), m.plaintext.subarray(100, 150));
      assert.equal(inMemory(contentKey), true, `${suite}: positive control: an open reader holds its content key`);
      reader.close();
      assert.equal(inMemory(contentKey), false, `${suite}: close() wiped the content key`);

      // A stream that ends, and one that fails on an altered frame.
      const bad = m.message.slice();
      bad[bad.length - 300] ^= 1;
      for (const [what, message, ok] of [['ended', m.message, true], ['failed', bad, false]]) {
        const ts = callseal.decryptStream(m.key, release);
        const reading = (async () => { for await (const _ of ts.readable); })();
        const writer = ts.writable.getWriter();
        const writing = (async () => {
          for (let i = 0; i < message.length; i += 512) await writer.write(message.subarray(i, i + 512));
          await writer.close();
        })();
        const results = await Promise.allSettled([reading, writing]);
        assert.equal(results.every((r) => r.status === 'fulfilled'), ok, `${suite} ${what}`);
        assert.equal(inMemory(contentKey), false, `${suite}: the ${what} stream wiped its content key`);
        assert.equal(inMemory(m.key), false, `${suite}: and its data key`);
      }
    }
  });
}

test('cancelling a stream\'s readable side wipes its keys at once (Node calls the transformer\'s cancel)', async () => {
  const keyring = { keyNamespace: 'callseal-test', keyName: 'cancel', key: new Uint8Array(32).fill(5) };
  const message = enc.encryptWithRawAes(new Uint8Array(3 << 20).map((_, i) => i & 0xff), keyring, { suiteId: 0x0478, frameLength: 4096 });
  for (const engine of ['auto', 'rust']) {
    const dataKey = await callseal.unwrapRawAesDataKey(message, keyring);
    const contentKey = contentKeyV2(message, dataKey);
    // Before the header: the data key.
    const early = callseal.decryptStream(dataKey, { engine });
    assert.equal(inMemory(dataKey), true, 'positive control: the data key is held');
    await early.readable.cancel('seeked away');
    assert.equal(inMemory(dataKey), false, `${engine}: cancel wiped the data key`);

    // After the header and the first frames (a push-sized first chunk), mid-message: the content key.
    const later = callseal.decryptStream(dataKey, { engine });
    const writer = later.writable.getWriter();
    const reader = later.readable.getReader();
    const first = reader.read();
    writer.write(message.subarray(0, 1 << 20)).catch(() => {});
    const { value } = await first;
    assert.ok(value.length > 0, 'plaintext came out');
    assert.equal(inMemory(contentKey), true, `${engine}: positive control: the content key is held`);
    await reader.cancel('seeked away');
    assert.equal(inMemory(contentKey), false, `${engine}: cancel wiped the content key`);
    dataKey.fill(0);
  }
});

test('decryptS3Object checks the key, then the V3 commitment, then the body length, then the tag (both engines)', async () => {
  const vectors = JSON.parse(await readFile(new URL('python-4.0.0.json', S3EC), 'utf8'));
  const v3 = vectors.cases.find((c) => c.id.startsWith('v3-') && b64(c.plaintext).length > 100 && !c.instruction_file);
  const v2 = vectors.cases.find((c) => c.id.startsWith('v2-') && b64(c.plaintext).length > 100 && !c.instruction_file);
  for (const engine of ['webcrypto', 'rust']) {
    const check = async (c, body, key, metadata = c.metadata) =>
      code(callseal.decryptS3Object(body, metadata, key, { engine }));
    for (const c of [v3, v2]) {
      const body = b64(c.body);
      const key = b64(c.data_key);
      const wrongKey = key.slice();
      wrongKey[0] ^= 1;
      const cut = body.subarray(0, 10);
      const flipped = body.slice();
      flipped[5] ^= 1;
      const where = `${c.id} (${engine})`;
      assert.equal(await check(c, cut, key.subarray(0, 16)), 'WRONG_KEY_LENGTH', where);
      assert.equal(await check(c, cut, wrongKey), c === v3 ? 'COMMITMENT_MISMATCH' : 'TRUNCATED', where); // V2 commits to no key
      assert.equal(await check(c, body.subarray(0, 15), key), 'TRUNCATED', where);
      if (c === v3) assert.equal(await check(c, body.subarray(0, 15), wrongKey), 'COMMITMENT_MISMATCH', where);
      // With the plaintext length in the metadata, a body of another length is refused as such.
      const sized = { ...c.metadata, 'x-amz-meta-x-amz-unencrypted-content-length': String(b64(c.plaintext).length) };
      const longer = new Uint8Array(body.length + 1);
      longer.set(body);
      assert.equal(await check(c, longer, key, sized), 'TRAILING_BYTES', where);
      assert.equal(await check(c, body.subarray(0, body.length - 1), key, sized), 'TRUNCATED', where);
      assert.equal(await check(c, flipped, key), 'TAG_MISMATCH', where);
      assert.deepEqual(await callseal.decryptS3Object(body, sized, key, { engine }), b64(c.plaintext), where);
    }
  }
});

test('MessageEncryptor.seal is usable once, also when it fails', async () => {
  const edk = [{ providerId: 'p', providerInfo: new Uint8Array(1), ciphertext: new Uint8Array(1) }];
  for (const [why, args] of [['a key of the wrong length', [new Uint8Array(5), new Uint8Array(7), edk]],
    ['no encrypted data key', [new Uint8Array(5), new Uint8Array(32), []]],
    ['a plaintext that is not bytes', ['text', new Uint8Array(32), edk]]]) {
    const e = new enc.MessageEncryptor({});
    assert.notEqual(await code(() => e.seal(...args)), 'no error', why);
    assert.equal(await code(() => e.seal(new Uint8Array(5), new Uint8Array(32), edk)), 'INVALID_STATE', `after ${why}`);
    assert.equal(await code(() => e.encryptionContext), 'INVALID_STATE', `after ${why}`);
  }
});

test('decryptS3Object checks expectedContext before the key', async () => {
  const vectors = JSON.parse(await readFile(new URL('python-4.0.0.json', S3EC), 'utf8'));
  const algorithms = await Promise.all(vectors.cases.map(async (c) => (await callseal.parseS3Metadata(c.metadata)).wrapAlgorithm));
  const kms = vectors.cases.find((c, i) => c.id.startsWith('v3-') && !c.instruction_file && algorithms[i] === 'kms-context');
  assert.ok(kms, 'a kms+context V3 vector');
  for (const engine of ['webcrypto', 'rust']) {
    const options = { engine, expectedContext: { 'contact-id': 'someone-else' } };
    assert.equal(await code(callseal.decryptS3Object(b64(kms.body), kms.metadata, new Uint8Array(16), options)), 'CONTEXT_MISMATCH', engine);
  }
});
