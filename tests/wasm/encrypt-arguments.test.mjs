// The JS argument contract of callseal/encrypt (pkg/), as decrypt has it (api-arguments.test.mjs),
// checked on real output: what callseal writes is decrypted by @aws-crypto/client-node.
// - options (suiteId, frameLength, encryptionContext) are read without the caller's code
//   throwing through wasm: a Proxy, a throwing getter or a revoked Proxy is a CallsealError
//   INVALID_ARGUMENT, and many of them in a row leave the module working;
// - encryptionContext is a plain object or a Map of strings; keys starting with `aws-crypto-`
//   are refused; frameLength is an integer 0..2^31-1;
// - a plaintext whose buffer was detached (transferred) is refused, not encrypted as 0 bytes;
// - a failing random source (crypto.getRandomValues throws) is ENGINE_UNAVAILABLE, not a trap:
//   no key is left in wasm memory and the module keeps working;
// - after encryption no wrapping key, data key or content key is left in wasm memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hkdfSync, randomBytes } from 'node:crypto';
import * as enc from '../../pkg/encrypt.js';
import * as callseal from '../../pkg/decrypt.js';
import init from '../../pkg/wasm/callseal_encrypt.js';
import { SUITES, officialDecrypt as official } from './client-node.mjs';

// parseHeader reads a signed message's header (0578, what encrypt writes by default) in the
// decrypt module's second half, which must be loaded for a synchronous call.
await callseal.preloadDecryptMore();

const { memory } = await init();
const inMemory = (bytes) => Buffer.from(memory.buffer).indexOf(Buffer.from(bytes)) !== -1;
const newKeyring = (len = 32) => ({ keyNamespace: 'callseal-args', keyName: 'k', key: new Uint8Array(randomBytes(len)) });
const edk = () => ({ providerId: 'aws-kms', providerInfo: new TextEncoder().encode('arn:x'), ciphertext: new Uint8Array(randomBytes(64)) });

/** Asserts `f` throws a CallsealError with `code` whose message matches `where`. */
function throwsCode(f, code, where) {
  assert.throws(f, (e) => {
    assert.ok(e instanceof enc.CallsealError, `a CallsealError, got ${e?.constructor?.name}: ${e?.message}`);
    assert.equal(e.code, code, e.message);
    if (where) assert.match(e.message, where);
    return true;
  });
}

test('hostile options are INVALID_ARGUMENT (no exception through wasm); 600 in a row leave the module working', async () => {
  const keyring = newKeyring();
  const pt = new Uint8Array(randomBytes(100));
  const boom = () => { throw new Error('boom'); };
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const hostile = [
    [new Proxy({ suiteId: 0x0578 }, { get: boom }), /options\.suiteId: reading it threw: boom/],
    [{ get suiteId() { return boom(); } }, /options\.suiteId: reading it threw: boom/],
    [{ get frameLength() { return boom(); } }, /options\.frameLength: reading it threw: boom/],
    [{ get encryptionContext() { return boom(); } }, /options\.encryptionContext: reading it threw: boom/],
    [revoked, /options: reading it threw/],
    [new Proxy({}, { ownKeys: boom }), /options: reading it threw: boom/],
    [{ encryptionContext: new Proxy({ a: '1' }, { ownKeys: boom }) }, /options\.encryptionContext: reading it threw: boom/],
    [{ encryptionContext: new Proxy({ a: '1' }, { get: boom }) }, /options\.encryptionContext: reading it threw: boom/],
    [{ encryptionContext: { get a() { return boom(); } } }, /options\.encryptionContext: reading it threw: boom/],
  ];
  for (const [options, where] of hostile) {
    throwsCode(() => enc.encryptWithRawAes(pt, keyring, options), 'INVALID_ARGUMENT', where);
    throwsCode(() => new enc.MessageEncryptor(options), 'INVALID_ARGUMENT', where);
  }
  for (let i = 0; i < 600; i++) {
    try { enc.encryptWithRawAes(pt, keyring, hostile[i % hostile.length][0]); } catch { /* expected */ }
  }
  const message = enc.encryptWithRawAes(pt, keyring, { encryptionContext: { 'contact-id': 'c-1' } });
  const out = await official(message, keyring);
  assert.deepEqual(out.plaintext, pt);
  assert.equal(out.context['contact-id'], 'c-1');
});

test('encryptionContext: a plain object or a Map of strings; other shapes and values are INVALID_ARGUMENT', async () => {
  const keyring = newKeyring(16);
  const pt = new Uint8Array(randomBytes(33));
  for (const encryptionContext of [{ 'contact-id': 'c-2', Kind: 'recording' }, new Map([['contact-id', 'c-2'], ['Kind', 'recording']])]) {
    const message = enc.encryptWithRawAes(pt, keyring, { suiteId: 0x0478, encryptionContext });
    const out = await official(message, keyring);
    assert.deepEqual(out.plaintext, pt);
    assert.equal(out.context['contact-id'], 'c-2');
    assert.equal(out.context.Kind, 'recording');
  }
  for (const [encryptionContext, where] of [
    [[['a', '1']], /options\.encryptionContext: expected a plain object or a Map, got an Array/],
    ['a=1', /options\.encryptionContext: expected a plain object or a Map, got a string/],
    [{ a: 1 }, /options\.encryptionContext\["a"\]: expected a string, got a number/],
    [new Map([[1, 'a']]), /keys must be strings, got a number/],
  ]) {
    throwsCode(() => enc.encryptWithRawAes(pt, keyring, { encryptionContext }), 'INVALID_ARGUMENT', where);
  }
  // spec client-apis/encrypt.md: any key starting with `aws-crypto-` fails the encryption.
  for (const key of ['aws-crypto-public-key', 'aws-crypto-x', 'aws-crypto-']) {
    throwsCode(() => enc.encryptWithRawAes(pt, keyring, { encryptionContext: { [key]: 'v' } }), 'INVALID_ARGUMENT', /reserved/);
    throwsCode(() => new enc.MessageEncryptor({ encryptionContext: new Map([[key, 'v']]) }), 'INVALID_ARGUMENT', /reserved/);
  }
});

test('suiteId and frameLength are integers in range; null or undefined is the default', async () => {
  const keyring = newKeyring(24);
  const pt = new Uint8Array(randomBytes(10));
  for (const [options, where] of [
    [{ frameLength: -1 }, /options\.frameLength: expected an integer from 0 to 2147483647, got -1/],
    [{ frameLength: 1.5 }, /got 1\.5/],
    [{ frameLength: 2 ** 31 }, /got 2147483648/],
    [{ frameLength: NaN }, /got NaN/],
    [{ frameLength: '4096' }, /got a string/],
    [{ frameLength: 4096n }, /got a bigint/],
    [{ suiteId: 0x10578 }, /options\.suiteId: expected an integer from 0 to 65535, got 66936/],
    [{ suiteId: '0578' }, /options\.suiteId: .*got a string/],
  ]) {
    throwsCode(() => enc.encryptWithRawAes(pt, keyring, options), 'INVALID_ARGUMENT', where);
  }
  throwsCode(() => enc.encryptWithRawAes(pt, keyring, { suiteId: 0x0999 }), 'UNSUPPORTED_SUITE');
  for (const options of [{ frameLength: null, suiteId: null, encryptionContext: null }, { frameLength: undefined }, undefined, null]) {
    const message = enc.encryptWithRawAes(pt, keyring, options);
    const header = callseal.parseHeader(message);
    assert.equal(header.suite, '0578');
    assert.equal(header.frameLength, 4096);
    assert.deepEqual((await official(message, keyring)).plaintext, pt);
  }
  const largest = enc.encryptWithRawAes(pt, keyring, { suiteId: 0x0178, frameLength: 2 ** 31 - 1 });
  assert.equal(callseal.parseHeader(largest).frameLength, 2 ** 31 - 1);
  assert.deepEqual((await official(largest, keyring)).plaintext, pt);
});

test('a detached plaintext is refused, not encrypted as zero bytes; a SharedArrayBuffer is read as bytes', async () => {
  const keyring = newKeyring();
  const detach = (view) => { structuredClone(view.buffer, { transfer: [view.buffer] }); return view; };
  const detached = [
    detach(new Uint8Array(100)),
    detach(new DataView(new ArrayBuffer(100))),
    detach(new Uint8Array(100)).buffer,
    detach(new Uint16Array(8)),
  ];
  for (const plaintext of detached) {
    throwsCode(() => enc.encryptWithRawAes(plaintext, keyring), 'INVALID_ARGUMENT', /plaintext: .*detached/);
    throwsCode(() => new enc.MessageEncryptor().seal(plaintext, new Uint8Array(32), [edk()]), 'INVALID_ARGUMENT', /plaintext: .*detached/);
  }
  // Empty plaintexts that are not detached are fine.
  for (const plaintext of [new Uint8Array(0), new ArrayBuffer(0), new Uint8Array(new ArrayBuffer(8), 8, 0)]) {
    const message = enc.encryptWithRawAes(plaintext, keyring);
    assert.equal((await official(message, keyring)).plaintext.length, 0);
  }
  const shared = new Uint8Array(new SharedArrayBuffer(5000));
  shared.set(randomBytes(5000));
  const message = enc.encryptWithRawAes(shared, keyring, { frameLength: 1000 });
  assert.deepEqual((await official(message, keyring)).plaintext, new Uint8Array(shared));
});

test('a failing random source is ENGINE_UNAVAILABLE: no trap, no key left in wasm memory, the module keeps working', async () => {
  const keyring = newKeyring();
  const pt = new Uint8Array(randomBytes(3000));
  const dataKey = new Uint8Array(randomBytes(32));
  const prepared = new enc.MessageEncryptor({ suiteId: 0x0478 }); // needs a message id at seal
  const failing = () => { throw new DOMException('no entropy', 'OperationError'); };
  Object.defineProperty(globalThis.crypto, 'getRandomValues', { value: failing, configurable: true, writable: true });
  try {
    throwsCode(() => prepared.seal(pt, dataKey, [edk()]), 'ENGINE_UNAVAILABLE', /random/);
    for (const suiteId of [0x0578, 0x0478, 0x0214, 0x0014]) {
      throwsCode(() => enc.encryptWithRawAes(pt, keyring, { suiteId }), 'ENGINE_UNAVAILABLE', /random/);
    }
    throwsCode(() => new enc.MessageEncryptor(), 'ENGINE_UNAVAILABLE', /random/); // the signing key
  } finally {
    delete globalThis.crypto.getRandomValues;
  }
  assert.equal(inMemory(dataKey), false, 'the data key was wiped');
  assert.equal(inMemory(keyring.key), false, 'the wrapping key was wiped');
  // The module still works, and MessageEncryptor objects too.
  const message = enc.encryptWithRawAes(pt, keyring, { suiteId: 0x0578 });
  assert.deepEqual((await official(message, keyring)).plaintext, pt);
  const e = new enc.MessageEncryptor({ suiteId: 0x0578 });
  const sealed = e.seal(pt, dataKey, [edk()]);
  assert.deepEqual(await callseal.decrypt(sealed, dataKey), pt);
});

test('no wrapping, data or content key bytes left in wasm memory after encryption (every suite)', async () => {
  // Positive control: the scan sees bytes the module handled and did not wipe (the message).
  const control = enc.encryptWithRawAes(new Uint8Array(randomBytes(2000)), newKeyring());
  assert.ok(inMemory(control.subarray(control.length - 48)), 'the scan finds the last message written');
  const leaks = [];
  for (const suiteId of SUITES) {
    const keyring = newKeyring([16, 24, 32][suiteId % 3]);
    const pt = new Uint8Array(randomBytes(5000));
    const message = enc.encryptWithRawAes(pt, keyring, { suiteId, frameLength: 1024, encryptionContext: { 'contact-id': 'c' } });
    const { plaintext, header } = await official(message, keyring);
    assert.deepEqual(plaintext, pt);
    const dataKey = await callseal.unwrapRawAesDataKey(message, keyring);
    const parsed = callseal.parseHeader(message);
    const id = Buffer.from([suiteId >> 8, suiteId & 0xff]);
    const contentKey = suiteId >= 0x0478
      ? hkdfSync('sha512', dataKey, parsed.messageId, Buffer.concat([id, Buffer.from('DERIVEKEY')]), 32)
      : suiteId >= 0x0100
        ? hkdfSync(suiteId >= 0x0300 ? 'sha384' : 'sha256', dataKey, Buffer.alloc(0), Buffer.concat([id, parsed.messageId]), dataKey.length)
        : dataKey;
    for (const [name, bytes] of [['wrapping key', keyring.key], ['data key', dataKey], ['content key', new Uint8Array(contentKey)]]) {
      if (inMemory(bytes)) leaks.push(`${header.suiteId.toString(16)} encryptWithRawAes: ${name}`);
    }
    const own = new Uint8Array(randomBytes(dataKey.length));
    const e = new enc.MessageEncryptor({ suiteId, frameLength: 100 });
    const sealed = e.seal(pt, own, [edk()]);
    assert.deepEqual(await callseal.decrypt(sealed, own), pt);
    if (inMemory(own)) leaks.push(`${suiteId.toString(16)} seal: data key`);
    // A seal that fails after reading the key (an encrypted data key field too long) wipes it too.
    const failing = new enc.MessageEncryptor({ suiteId });
    throwsCode(() => failing.seal(pt, own, [{ ...edk(), ciphertext: new Uint8Array(70000) }]), 'INVALID_ARGUMENT', /65535/);
    if (inMemory(own)) leaks.push(`${suiteId.toString(16)} failed seal: data key`);
  }
  assert.deepEqual(leaks, []);
});

test('a keyring is a plain object of known fields, read without exceptions through wasm (encrypt and unwrap)', async () => {
  const good = newKeyring();
  const pt = new Uint8Array(randomBytes(50));
  const message = enc.encryptWithRawAes(pt, good);
  const boom = () => { throw new Error('boom'); };
  const cases = [
    [{ ...good, wrappingKey: good.key }, /keyring: unknown option `wrappingKey`/],
    [{ keyNamespace: good.keyNamespace, keyName: good.keyName, get key() { return boom(); } }, /keyring\.key: reading it threw: boom/],
    [{ keyNamespace: good.keyNamespace, get keyName() { return boom(); }, key: good.key }, /keyring\.keyName: reading it threw: boom/],
    [{ ...good, keyName: 7 }, /keyring\.keyName: expected a string, got/],
    [new Map(Object.entries(good)), /keyring: expected a plain object/],
    [null, /keyring: expected a plain object/],
  ];
  for (const [keyring, where] of cases) {
    throwsCode(() => enc.encryptWithRawAes(pt, keyring), 'INVALID_ARGUMENT', where);
    await assert.rejects(callseal.unwrapRawAesDataKey(message, keyring), (e) => e.code === 'INVALID_ARGUMENT' && where.test(e.message), String(where));
  }
  // The same keyring as a plain object still unwraps what it wrapped.
  assert.equal((await callseal.unwrapRawAesDataKey(message, { ...good })).length, 32);
});
