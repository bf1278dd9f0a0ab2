// The header tag is checked by the message's engine (issue 20, "A lean decrypt module"): with
// WebCrypto, one AES-GCM decryption of the tag alone (an empty ciphertext) with the header body
// as AAD, in one-shot decryption, streams and range reads; so a decrypt module whose engine is
// WebCrypto does not need the pure-Rust AES-GCM engine for it. Observed on Node's WebCrypto:
// `crypto.subtle.decrypt` is wrapped to record each call (and, in one test, to answer the
// header's call as a tag that does not verify), on official messages of the Python ESDK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { officialVector as vector } from './official-vector.mjs';
import * as callseal from '../../pkg/decrypt.js';

const subtle = globalThis.crypto.subtle;
const realDecrypt = subtle.decrypt.bind(subtle);
/** The calls since `record()`: AAD and input bytes. `refuse(call)` answers a call as a bad tag. */
let calls = [];
let refuse = () => false;
subtle.decrypt = (params, key, data) => {
  const call = { aad: new Uint8Array(params.additionalData ?? []), input: new Uint8Array(ArrayBuffer.isView(data) ? data.slice().buffer : data) };
  calls.push(call);
  if (refuse(call)) return Promise.reject(new DOMException('The operation failed for an operation-specific reason', 'OperationError'));
  return realDecrypt(params, key, data);
};
function record(refusing = () => false) {
  calls = [];
  refuse = refusing;
}

const ID = '119-0478-f4096-n10000'; // 0478 (committing, unsigned), 4096-byte frames, 3 frames
const { message, plaintext, dataKey } = await vector(ID);
const headerLength = callseal.parseHeader(message).headerLength;
// A v2 header ends with its 16-byte tag: the body before it is the AAD, the tag the input.
const headerBody = message.subarray(0, headerLength - 16);
const headerTag = message.subarray(headerLength - 16, headerLength);
const isHeaderCall = (c) => Buffer.from(c.aad).equals(Buffer.from(headerBody));
const failure = (promise) => promise.then((pt) => `released ${pt.length} bytes`, (e) => `${e.code}: ${e.message}`);

async function oneShot(bytes, engine) {
  return callseal.decrypt(bytes, dataKey, { engine });
}
async function stream(bytes, engine) {
  const chunks = [];
  const source = new ReadableStream({ start(c) { for (let i = 0; i < bytes.length; i += 1000) c.enqueue(bytes.slice(i, i + 1000)); c.close(); } });
  for await (const chunk of source.pipeThrough(callseal.decryptStream(dataKey, { engine }))) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}
async function range(bytes, engine) {
  const source = { size: bytes.length, read: async (offset, length) => bytes.slice(offset, offset + length) };
  const reader = await callseal.openRangeReader(source, dataKey, { engine });
  try {
    return await reader.read(0, reader.plaintextLength);
  } finally {
    reader.close();
  }
}
const APIS = { 'one-shot': oneShot, stream, range };

for (const [api, run] of Object.entries(APIS)) {
  test(`${api}, WebCrypto engine: the header tag of ${ID} is checked by WebCrypto (the tag alone, the header body as AAD), first`, async () => {
    record();
    assert.deepEqual(await run(message, 'webcrypto'), plaintext);
    const header = calls.filter(isHeaderCall);
    assert.equal(header.length, 1, `${calls.length} WebCrypto decryptions, ${header.length} with the header body as AAD`);
    assert.deepEqual(header[0].input, new Uint8Array(headerTag), 'the input is the header tag alone');
    assert.ok(isHeaderCall(calls[0]), 'the header is checked before any frame');
  });

  test(`${api}, WebCrypto engine: WebCrypto's verdict on the header tag is the one that counts (answered as a bad tag: HEADER TAG_MISMATCH, nothing released, no frame opened)`, async () => {
    record(isHeaderCall);
    assert.match(await failure(run(message, 'webcrypto')), /^TAG_MISMATCH: header tag does not verify/);
    assert.equal(calls.length, 1, 'only the header was given to WebCrypto');
  });

  test(`${api}, WebCrypto engine: a tampered header tag is TAG_MISMATCH of the header, through WebCrypto`, async () => {
    const bad = message.slice();
    bad[headerLength - 1] ^= 0x01;
    record();
    assert.match(await failure(run(bad, 'webcrypto')), /^TAG_MISMATCH: header tag does not verify/);
    assert.equal(calls.length, 1, 'WebCrypto checked the header tag and opened no frame');
    assert.ok(isHeaderCall(calls[0]));
  });

  test(`${api}, Rust engine: WebCrypto is never called (the pure-Rust engine checks the header tag and opens the frames)`, async () => {
    record();
    assert.deepEqual(await run(message, 'rust'), plaintext);
    const bad = message.slice();
    bad[headerLength - 1] ^= 0x01;
    assert.match(await failure(run(bad, 'rust')), /^TAG_MISMATCH: header tag does not verify/);
    assert.equal(calls.length, 0);
  });
}

// The raw AES keyring unwraps on the message's engine too (unwrapRawAesDataKey): with
// WebCrypto, one decryption of the wrapped key (the EDK's ciphertext ‖ tag) with the serialized
// encryption context as AAD.
const manifest = JSON.parse(await readFile(new URL('../vectors/esdk/python-4.0.7/manifest.json', import.meta.url), 'utf8'));
const wrapping = manifest.wrapping_key;
const keyring = { keyNamespace: wrapping.key_namespace, keyName: wrapping.key_name, key: new Uint8Array(Buffer.from(wrapping.key, 'base64')) };

// 111-0478-f0-n10000: a context of three pairs, non-ASCII values among them.
const UNWRAP_ID = '111-0478-f0-n10000';
test(`unwrapRawAesDataKey, WebCrypto engine: the data key of ${UNWRAP_ID} is unwrapped by WebCrypto (the EDK as input, the context as AAD), the key the Rust unwrap gives`, async () => {
  const { message, dataKey } = await vector(UNWRAP_ID);
  const header = callseal.parseHeader(message);
  const [edk] = header.encryptedDataKeys;
  assert.equal(Object.keys(header.encryptionContext).length, 3);
  record();
  const key = await callseal.unwrapRawAesDataKey(message, keyring, { engine: 'webcrypto' });
  assert.deepEqual(key, dataKey);
  assert.deepEqual(key, await callseal.unwrapRawAesDataKey(message, keyring, { engine: 'rust' }));
  assert.equal(calls.length, 1, 'one WebCrypto decryption');
  assert.deepEqual(calls[0].input, new Uint8Array(edk.ciphertext));
  // The serialized context: u16 count, then u16-length-prefixed key and value, sorted by key.
  const pairs = Object.entries(header.encryptionContext).sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const field = (s) => { const b = Buffer.from(s); return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]); };
  const aad = Buffer.concat([Buffer.from([pairs.length >> 8, pairs.length & 0xff]), ...pairs.flatMap(([k, v]) => [field(k), field(v)])]);
  assert.deepEqual(Buffer.from(calls[0].aad), aad);

  // WebCrypto's verdict counts: answered as a bad tag, no key.
  record(() => true);
  assert.match(await failure(callseal.unwrapRawAesDataKey(message, keyring, { engine: 'webcrypto' })), /^KEY_UNWRAP_FAILED: /);
  // A wrong wrapping key fails as the Rust unwrap does; the Rust engine never calls WebCrypto.
  const wrong = { ...keyring, key: new Uint8Array(32).fill(1) };
  record();
  assert.match(await failure(callseal.unwrapRawAesDataKey(message, wrong, { engine: 'webcrypto' })), /^KEY_UNWRAP_FAILED: /);
  assert.ok(calls.length >= 1);
  record();
  assert.deepEqual(await callseal.unwrapRawAesDataKey(message, keyring, { engine: 'rust' }), dataKey);
  assert.match(await failure(callseal.unwrapRawAesDataKey(message, wrong, { engine: 'rust' })), /^KEY_UNWRAP_FAILED: /);
  assert.equal(calls.length, 0);
});
