// readHeader(source) and openRangeReader(source) open a message by one protocol, the Rust
// core's (src/envelope/random_access.rs): the first 4 KiB, then 4x what was read while the
// header goes on, each byte read once, never past the 1 MiB header length limit. On messages
// made by the official Python ESDK (tests/vectors) and by @aws-crypto/client-node.
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
const cases = await Promise.all(manifest.tests
  .filter((t) => t.expect === 'plaintext' && t.plaintext === 'pt/4096.bin')
  .map(async (t) => ({
    id: t.id,
    message: new Uint8Array(await readFile(new URL(t.ciphertext, ESDK))),
    plaintext: new Uint8Array(await readFile(new URL(t.plaintext, ESDK))),
    key: b64(t.data_key),
  })));
const release = { signedMessages: 'release-before-verify' };

/** A source over `message` that records each read as [offset, length]. */
function recording(message, size = message.length) {
  const reads = [];
  return { reads, source: { size, read: async (o, n) => { reads.push([o, n]); return message.slice(o, o + n); } } };
}

test('readHeader gives what parseHeader gives, from one read of the first 4 KiB', async () => {
  assert.ok(cases.length >= 22, `${cases.length} cases`);
  for (const c of cases) {
    const { reads, source } = recording(c.message);
    assert.deepEqual(await callseal.readHeader(source), callseal.parseHeader(c.message), c.id);
    assert.deepEqual(reads, [[0, Math.min(4096, c.message.length)]], c.id);
  }
});

test('a header longer than 4 KiB is read on in steps of 4x, each byte once, and opens a range reader', async () => {
  const client = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const wrapping = new Uint8Array(randomBytes(32));
  const keyring = new RawAesKeyringNode({
    keyName: 'k', keyNamespace: 'ns', unencryptedMasterKey: wrapping.slice(),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
  const context = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key-${i}`, 'v'.repeat(500)]));
  const plaintext = new Uint8Array(randomBytes(10_000));
  const { result } = await client.encrypt(keyring, plaintext, { encryptionContext: context, frameLength: 4096 });
  const message = new Uint8Array(result);
  const header = callseal.parseHeader(message);
  assert.ok(header.headerLength > 16384, `header of ${header.headerLength} bytes`);

  const { reads, source } = recording(message);
  assert.deepEqual(await callseal.readHeader(source), header);
  assert.deepEqual(reads, [[0, 4096], [4096, 12288], [16384, Math.min(65536, message.length) - 16384]]);

  // The range reader opens it the same way, then reads the tail.
  const dataKey = await callseal.unwrapRawAesDataKey(message, { keyNamespace: 'ns', keyName: 'k', key: wrapping });
  const opened = recording(message);
  const reader = await callseal.openRangeReader(opened.source, dataKey, release);
  assert.deepEqual(opened.reads.slice(0, 3), reads);
  assert.deepEqual(await reader.read(0, plaintext.length), plaintext);
  reader.close();
});

test('a header past the 1 MiB limit is LIMIT_EXCEEDED after reading at most 1 MiB + 1 byte', async () => {
  // Version 2, suite 0478, a message id, no context, then six data keys of 3 x 65,535 bytes each:
  // 1.18 MB of header fields before the content type.
  const field = (n) => [n >> 8, n & 0xff, ...new Uint8Array(n).fill(0x61)];
  const edk = [...field(0xffff), ...field(0xffff), ...field(0xffff)];
  const bytes = new Uint8Array([2, 0x04, 0x78, ...new Uint8Array(32), 0, 0, 0, 6, ...Array(6).fill(edk).flat()]);
  const { reads, source } = recording(bytes);
  await assert.rejects(callseal.readHeader(source), (e) => e.code === 'LIMIT_EXCEEDED');
  const end = Math.max(...reads.map(([o, n]) => o + n));
  assert.ok(end <= (1 << 20) + 1, `read up to byte ${end}`);
  assert.ok(end > 1 << 19, `read up to byte ${end} only`);
});

test("a source's own error reaches the caller as it is, and leaves no key in wasm memory", async () => {
  const c = cases.find((x) => x.id.includes('framed') && !x.id.includes('non')) ?? cases[0];
  const failure = new Error('the store is down');
  const failing = (after) => {
    let n = 0;
    return { size: c.message.length, read: async (o, l) => { if (n++ >= after) throw failure; return c.message.slice(o, o + l); } };
  };
  await assert.rejects(callseal.readHeader(failing(0)), (e) => e === failure);
  await assert.rejects(callseal.openRangeReader(failing(0), c.key, release), (e) => e === failure);
  await assert.rejects(callseal.openRangeReader(failing(1), c.key, release), (e) => e === failure, 'failing at the tail');
  const reader = await callseal.openRangeReader(failing(2), c.key, release);
  await assert.rejects(reader.read(0, 10), (e) => e === failure, 'failing at a read');
  reader.close();
  assert.equal(inMemory(c.key), false, 'the data key stayed in wasm memory');
  await assert.rejects(callseal.readHeader({ read: async () => new Uint8Array(0) }),
    (e) => e.code === 'INVALID_ARGUMENT' && /readHeader: source\.size/.test(e.message));
});
