// The JS argument contract of the decryption API (pkg/), in Node, on messages made by the
// official Python ESDK (tests/vectors) and by @aws-crypto/client-node:
// - arguments are read when the call is made: a key wiped right after `decrypt(...)` returns
//   does not change the result;
// - byte arguments are what WebCrypto takes (Uint8Array, other views, ArrayBuffer); anything
//   else is a CallsealError INVALID_ARGUMENT, as a rejected promise for async calls, and leaves
//   no key behind in wasm memory;
// - options are a plain object: a Map (whose entries are not properties) is refused rather than
//   read as "no options"; maxEncryptedDataKeys is at least 1, as in the official SDKs;
// - the plaintext is exactly its own buffer (`result.buffer` holds nothing else);
// - an encryption-context key named `__proto__` is a key like any other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';
import * as callseal from '../../pkg/decrypt.js';
import { inMemory } from './decrypt-memory.mjs';

const ESDK = new URL('../vectors/esdk/python-4.0.7/', import.meta.url);
const b64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));
const manifest = JSON.parse(await readFile(new URL('manifest.json', ESDK), 'utf8'));
const load = async (t) => ({
  id: t.id,
  suite: t.suite,
  message: new Uint8Array(await readFile(new URL(t.ciphertext, ESDK))),
  plaintext: new Uint8Array(await readFile(new URL(t.plaintext, ESDK))),
  key: b64(t.data_key),
});
// Every suite, framed and non-framed, 4096-byte plaintexts.
const cases = await Promise.all(manifest.tests
  .filter((t) => t.expect === 'plaintext' && t.plaintext === 'pt/4096.bin').map(load));
const signedFramed = cases.find((c) => c.suite === '0578' && c.id.includes('framed') && !c.id.includes('non'))
  ?? cases.find((c) => c.suite === '0578');

/** Streams and range readers of the signed message below opt in (see SECURITY.md, "Signed messages"). */
const release = { signedMessages: 'release-before-verify' };

/** Asserts `p` rejects (or `f` throws) a CallsealError with `code` whose message names `where`. */
async function rejects(p, code, where) {
  await assert.rejects(p, (e) => {
    assert.ok(e instanceof callseal.CallsealError, `a CallsealError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (where) assert.match(e.message, where);
    return true;
  });
}

test('the cases cover every suite, framed and non-framed', () => {
  assert.equal(new Set(cases.map((c) => c.suite)).size, 11);
  assert.ok(cases.length >= 22, `${cases.length} cases`);
});

for (const engine of ['auto', 'rust']) {
  test(`a key wiped as soon as decrypt returns does not change the result (${engine})`, async () => {
    for (const c of cases) {
      const key = c.key.slice();
      const pending = callseal.decrypt(c.message, key, { engine });
      key.fill(0);
      assert.deepEqual(await pending, c.plaintext, c.id);
    }
  });

  test(`the plaintext is exactly its own buffer (${engine})`, async () => {
    for (const c of cases) {
      const pt = await callseal.decrypt(c.message, c.key, { engine });
      assert.equal(pt.byteOffset, 0, c.id);
      assert.equal(pt.buffer.byteLength, c.plaintext.length, `${c.id}: result.buffer holds ${pt.buffer.byteLength} bytes`);
    }
  });
}

test('a key wiped right after openRangeReader is called does not change its reads', async () => {
  const c = signedFramed;
  const key = c.key.slice();
  const source = { size: c.message.length, read: async (o, n) => c.message.slice(o, o + n) };
  const pending = callseal.openRangeReader(source, key, release);
  key.fill(0);
  const reader = await pending;
  assert.deepEqual(await reader.read(0, c.plaintext.length), c.plaintext);
  reader.close();
});

test('byte arguments may be any BufferSource, as WebCrypto takes them', async () => {
  const c = signedFramed;
  const inBigger = new Uint8Array(c.message.length + 10);
  inBigger.set(c.message, 7);
  const shared = new Uint8Array(new SharedArrayBuffer(c.message.length));
  shared.set(c.message);
  const forms = {
    'ArrayBuffer key': [c.message, c.key.slice().buffer],
    'DataView key': [c.message, new DataView(c.key.slice().buffer)],
    'Uint16Array key (its bytes, not its elements)': [c.message, new Uint16Array(c.key.slice().buffer)],
    'message as a view at an offset': [inBigger.subarray(7, 7 + c.message.length), c.key],
    'ArrayBuffer message': [c.message.slice().buffer, c.key],
  };
  for (const engine of ['auto', 'rust']) {
    for (const [name, [message, key]] of Object.entries(forms)) {
      assert.deepEqual(await callseal.decrypt(message, key, { engine }), c.plaintext, `${name} (${engine})`);
    }
    assert.deepEqual(await callseal.decrypt(shared, c.key, { engine }), c.plaintext, `SharedArrayBuffer message (${engine})`);
  }
  assert.equal(callseal.parseHeader(c.message.slice().buffer).suite, c.suite);
});

test('anything else is INVALID_ARGUMENT naming the argument, a rejection (never an uncaught throw), and no key stays in wasm memory', async () => {
  const c = signedFramed;
  const wrong = { null: null, undefined, string: 'key', number: 7, Array: [1, 2, 3], object: {} };
  for (const [name, value] of Object.entries(wrong)) {
    await rejects(callseal.decrypt(c.message, value), 'INVALID_ARGUMENT', /dataKey.*got/);
    await rejects(callseal.decrypt(value, c.key), 'INVALID_ARGUMENT', /message.*got/);
    assert.equal(inMemory(c.key), false, `${name} message: the data key stayed in wasm memory`);
    await rejects(callseal.decryptS3Object(value, {}, c.key), 'INVALID_ARGUMENT', /body/);
    await rejects(Promise.resolve().then(() => callseal.parseHeader(value)), 'INVALID_ARGUMENT', /parseHeader: bytes/);
    await rejects(Promise.resolve().then(() => callseal.decryptStream(value)), 'INVALID_ARGUMENT', /decryptStream: dataKey/);
  }
  // Detached buffers read as empty: the key is then the wrong length, the message truncated.
  const detachedKey = c.key.slice();
  structuredClone(detachedKey.buffer, { transfer: [detachedKey.buffer] });
  await rejects(callseal.decrypt(c.message, detachedKey), 'WRONG_KEY_LENGTH', /0 bytes/);
  const detached = c.message.slice();
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  await rejects(callseal.decrypt(detached, c.key), 'TRUNCATED');
});

test('stream chunks may be ArrayBuffers; a chunk of another type errors the stream', async () => {
  const c = signedFramed;
  const ts = callseal.decryptStream(c.key, release);
  const out = [];
  const reading = (async () => { for await (const v of ts.readable) out.push(v); })();
  const writer = ts.writable.getWriter();
  for (let i = 0; i < c.message.length; i += 1000) await writer.write(c.message.slice(i, i + 1000).buffer);
  await writer.close();
  await reading;
  assert.deepEqual(Buffer.concat(out), Buffer.from(c.plaintext));

  const bad = callseal.decryptStream(c.key, release);
  const badRead = bad.readable.getReader().read();
  assert.equal(inMemory(c.key), true, 'the stream holds the key until its header arrives (positive control)');
  await rejects(bad.writable.getWriter().write('ciphertext'), 'INVALID_ARGUMENT', /decryptStream: chunk.*a string/);
  await rejects(badRead, 'INVALID_ARGUMENT');
  assert.equal(inMemory(c.key), false, 'the errored stream let go of the key');
});

test('options must be a plain object: a Map is refused, not read as no options', async () => {
  const c = signedFramed;
  for (const options of [new Map([['signedMessages', 'reject']]), [1], 'reject', 5]) {
    await rejects(callseal.decrypt(c.message, c.key, options), 'INVALID_ARGUMENT', /options: expected a plain object/);
    assert.throws(() => callseal.decryptStream(c.key, options), (e) => e.code === 'INVALID_ARGUMENT');
  }
  // The check that Map would have carried applies when given as an object.
  await rejects(callseal.decrypt(c.message, c.key, { signedMessages: 'reject' }), 'SIGNED_MESSAGE_REFUSED');
  // expectedContext may be a Map; its values must be strings.
  await rejects(callseal.decrypt(c.message, c.key, { expectedContext: new Map([['absent-key', 'x']]) }), 'CONTEXT_MISMATCH');
  await rejects(callseal.decrypt(c.message, c.key, { expectedContext: { k: 1 } }), 'INVALID_ARGUMENT', /expectedContext\["k"\]: expected a string, got a number/);
  // Options an API does not take are named.
  await rejects(callseal.decrypt(c.message, c.key, { instructionFile: '{}' }), 'INVALID_ARGUMENT', /unknown option `instructionFile`/);
  // One options object serves parseHeader and decrypt; names no API takes are still refused.
  const shared = { expectedContext: {}, maxEncryptedDataKeys: 1, signedMessages: 'verify' };
  assert.equal(callseal.parseHeader(c.message, shared).suite, c.suite);
  assert.deepEqual(await callseal.decrypt(c.message, c.key, shared), c.plaintext);
  assert.throws(() => callseal.parseHeader(c.message, { instructionFile: '{}' }), /unknown option `instructionFile`/);
});

test('maxEncryptedDataKeys is an integer from 1 to 65535, as in the official SDKs', async () => {
  const c = signedFramed;
  for (const bad of [0, -1, 1.5, 65536, NaN, '1']) {
    await rejects(callseal.decrypt(c.message, c.key, { maxEncryptedDataKeys: bad }), 'INVALID_ARGUMENT', /maxEncryptedDataKeys: expected an integer from 1 to 65535/);
  }
  assert.deepEqual(await callseal.decrypt(c.message, c.key, { maxEncryptedDataKeys: 1 }), c.plaintext);
});

test('an encryption-context key named __proto__ is a key like any other (client-node message)', async () => {
  const wrappingKey = randomBytes(32);
  const keyring = new RawAesKeyringNode({
    keyNamespace: 'callseal-test', keyName: 'proto', unencryptedMasterKey: new Uint8Array(wrappingKey),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
  const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const context = Object.fromEntries([['__proto__', 'p'], ['contact-id', 'c-1']]);
  const plaintext = randomBytes(5000);
  const { result } = await encrypt(keyring, plaintext, { encryptionContext: context });
  const header = callseal.parseHeader(result);
  assert.ok(Object.hasOwn(header.encryptionContext, '__proto__'), 'the key is an own property');
  assert.equal(header.encryptionContext['__proto__'], 'p');
  assert.equal(Object.getPrototypeOf(header.encryptionContext), Object.prototype);
  const dataKey = await callseal.unwrapRawAesDataKey(result, { keyNamespace: 'callseal-test', keyName: 'proto', key: wrappingKey });
  const expectedContext = Object.fromEntries([['__proto__', 'p']]);
  assert.deepEqual(await callseal.decrypt(result, dataKey, { expectedContext }), new Uint8Array(plaintext));
  await rejects(callseal.decrypt(result, dataKey, { expectedContext: Object.fromEntries([['__proto__', 'q']]) }), 'CONTEXT_MISMATCH');
});

// ------------------------------------------------------------------------------------------
// Range reader: what a source and a caller may pass.

const sourceOf = (message, answer = (o, n) => message.slice(o, o + n)) =>
  ({ size: message.length, read: async (o, n) => answer(o, n) });

test('a range source that answers short (or long) fails the open with INVALID_ARGUMENT, and does not loop', async () => {
  const c = signedFramed;
  for (const [name, answer] of Object.entries({
    empty: () => new Uint8Array(0),
    'one byte short': (o, n) => c.message.slice(o, o + n - 1),
    'one byte long': (o, n) => c.message.slice(o, o + n + 1),
  })) {
    await rejects(callseal.openRangeReader(sourceOf(c.message, answer), c.key, release), 'INVALID_ARGUMENT', /source\.read\(0, \d+\) returned \d+ bytes/);
    assert.equal(inMemory(c.key), false, `${name}: the data key stayed in wasm memory`);
  }
  for (const size of [undefined, NaN, -1, 1.5, '100']) {
    await rejects(callseal.openRangeReader({ size, read: async () => new Uint8Array(0) }, c.key), 'INVALID_ARGUMENT', /source\.size/);
  }
});

test('a range reader whose open fails after the header (bad final frame) leaves no key in wasm memory', async () => {
  const c = signedFramed;
  const tampered = c.message.slice();
  tampered[tampered.length - 120] ^= 1; // inside the final frame
  await assert.rejects(callseal.openRangeReader(sourceOf(tampered), c.key, release));
  assert.equal(inMemory(c.key), false, 'the data key stayed in wasm memory');
});

test('range reads take whole, non-negative offsets and lengths; reads queued behind close() fail', async () => {
  const c = signedFramed;
  const reader = await callseal.openRangeReader(sourceOf(c.message), c.key, release);
  for (const [o, n] of [[-100, 10], [1.5, 3], [NaN, 10], [0, NaN], [0, -1], [c.plaintext.length + 1, 1]]) {
    await rejects(reader.read(o, n), 'INVALID_ARGUMENT', /RangeReader\.read/);
  }
  assert.deepEqual(await reader.read(10, 20), c.plaintext.subarray(10, 30));
  assert.deepEqual(await reader.read(c.plaintext.length - 5, 100), c.plaintext.subarray(c.plaintext.length - 5), 'clipped at the end');
  const reads = [reader.read(0, 10), reader.read(100, 10), reader.read(200, 10)];
  reader.close();
  for (const r of reads) await rejects(r, 'INVALID_STATE');
  assert.equal(inMemory(c.key), false);
});

test('S3 metadata may be a plain object, a Map or a fetch Headers; values must be strings', async () => {
  const { cases } = JSON.parse(await readFile(new URL('../vectors/s3ec/python-4.0.0.json', import.meta.url), 'utf8'));
  const c = cases[0];
  const meta = c.metadata;
  const body = b64(c.body), key = b64(c.data_key), plaintext = b64(c.plaintext);
  for (const [name, form] of Object.entries({ object: meta, Map: new Map(Object.entries(meta)), Headers: new Headers(meta) })) {
    assert.deepEqual(await callseal.decryptS3Object(body, form, key, { expectedContext: c.expected_context }), plaintext, name);
    assert.equal((await callseal.parseS3Metadata(form)).wrapAlgorithm, 'kms-context', name);
  }
  await assert.rejects(callseal.parseS3Metadata({ ...meta, 'x-amz-meta-x-amz-c': 115 }),
    (e) => e.code === 'INVALID_ARGUMENT' && /metadata\["x-amz-meta-x-amz-c"\]: expected a string, got a number/.test(e.message));
  await assert.rejects(callseal.parseS3Metadata('x-amz-meta-x-amz-c: 115'), (e) => e.code === 'INVALID_ARGUMENT' && /metadata: expected a plain object or a Map, got a string/.test(e.message));
});

test('hostile arguments (Proxies, overridden getters, throwing traps) are INVALID_ARGUMENT rejections; no caller code runs inside decryption', async () => {
  const c = signedFramed;
  const boom = () => { throw new Error('boom'); };
  // A subclass whose accessors throw: the bytes are read with the built-in getters instead.
  class Evil extends Uint8Array {
    get length() { return boom(); }
    subarray() { return boom(); }
  }
  for (const engine of ['auto', 'rust']) {
    assert.deepEqual(await callseal.decrypt(new Evil(c.message), new Evil(c.key), { engine }), c.plaintext, engine);
  }
  assert.equal(inMemory(c.key), false);
  // Not BufferSources at all: a Proxy of one, a fake with its prototype.
  for (const fake of [new Proxy(c.message, {}), Object.create(Uint8Array.prototype)]) {
    await rejects(callseal.decrypt(fake, c.key), 'INVALID_ARGUMENT', /message: expected a Uint8Array/);
  }
  // Options whose reading throws are errors, not absent options (which would turn checks off).
  const throwing = { get signedMessages() { return boom(); } };
  await rejects(callseal.decrypt(c.message, c.key, throwing), 'INVALID_ARGUMENT', /options\.signedMessages: reading it threw: boom/);
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  await rejects(callseal.decrypt(c.message, c.key, proxy), 'INVALID_ARGUMENT', /options: reading it threw/);
  await rejects(callseal.decrypt(c.message, c.key, new Proxy({}, { ownKeys: boom })), 'INVALID_ARGUMENT', /options: reading it threw: boom/);
  const badContext = { expectedContext: new Map([['a', 'b']]) };
  badContext.expectedContext[Symbol.iterator] = function* () { yield boom(); };
  await rejects(callseal.decrypt(c.message, c.key, badContext), 'INVALID_ARGUMENT', /expectedContext: reading it threw: boom/);
  assert.equal(inMemory(c.key), false, 'no key left behind');
  // Many in a row leave the module working (an exception through wasm frames leaked its stack).
  for (let i = 0; i < 600; i++) await callseal.decrypt(c.message, c.key, throwing).catch(() => {});
  assert.deepEqual(await callseal.decrypt(c.message, c.key), c.plaintext);
  // decryptStream: a null signal is no signal.
  assert.ok(callseal.decryptStream(c.key, { signal: null }).writable);
});

test("a range reader's header says it was verified; a non-framed body's tag failure names the body on both engines", async () => {
  const c = signedFramed;
  const reader = await callseal.openRangeReader(sourceOf(c.message), c.key, release);
  assert.equal(reader.header.unauthenticated, false);
  assert.equal(callseal.parseHeader(c.message).unauthenticated, true);
  reader.close();
  const nonFramed = cases.find((x) => x.suite === '0478' && callseal.parseHeader(x.message).contentType === 'non-framed');
  const bad = nonFramed.message.slice();
  bad[bad.length - 1] ^= 1; // the body's tag (0478 has no footer)
  for (const engine of ['auto', 'rust']) {
    await rejects(callseal.decrypt(bad, nonFramed.key, { engine }), 'TAG_MISMATCH', /non-framed body/);
  }
});
