// Fresh multi-MiB messages from the official AWS Encryption SDK for JavaScript
// (@aws-crypto/client-node) through the wasm package in Node: one-shot with both engines, and
// decryptStream fed chunks of every shape (small network-sized chunks gathered into pushes,
// chunks larger than a push passed as they are, a 1-byte chunk, a mix) must all give back the
// plaintext, and a flipped byte must error the stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';
import * as callseal from '../../pkg/decrypt.js';

const KEYRING = { keyNamespace: 'callseal-test', keyName: 'fresh-node' };
const wrappingKey = randomBytes(32);
const keyring = new RawAesKeyringNode({
  ...KEYRING, unencryptedMasterKey: new Uint8Array(wrappingKey),
  wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
});

async function fresh(suiteId, frameLength, size) {
  const { encrypt } = buildClient(suiteId >= 0x0478 ? CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT : CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);
  const plaintext = randomBytes(size);
  const { result } = await encrypt(keyring, plaintext, { suiteId, frameLength, encryptionContext: { 'contact-id': `c-${suiteId}` } });
  return { message: new Uint8Array(result), plaintext };
}

/** Streams `message` through decryptStream in chunks of the sizes `sizes` yields, in turn. */
async function stream(message, dataKey, sizes) {
  let at = 0, i = 0;
  const source = new ReadableStream({
    pull(c) {
      if (at >= message.length) return c.close();
      const n = sizes[i++ % sizes.length];
      c.enqueue(message.slice(at, at + n)); // a copy, as the network would hand over
      at += n;
    },
  });
  const parts = [];
  // Signed suites among them: the stream opts in to releasing frames before the signature.
  const reader = source.pipeThrough(callseal.decryptStream(dataKey, { signedMessages: 'release-before-verify' })).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return Buffer.concat(parts);
}

const CHUNKS = {
  'network-sized 16 KiB': [16384],
  'larger than a push (3 MiB)': [3 << 20],
  mixed: [1, 70000, (1 << 20) + 3, 5, 4096, 2 << 20],
};

for (const [suiteId, frameLength] of [[0x0578, 4096], [0x0478, 65536], [0x0378, 1 << 20], [0x0178, 5000], [0x0346, 65536], [0x0014, 4096]]) {
  const name = `${suiteId.toString(16).padStart(4, '0')}, frames of ${frameLength}`;
  test(`fresh client-node message (${name}): one-shot and streams`, async () => {
    const { message, plaintext } = await fresh(suiteId, frameLength, 3 * 1048576 + randomInt(0, 100000));
    const key = () => callseal.unwrapRawAesDataKey(message, { ...KEYRING, key: new Uint8Array(wrappingKey) });
    for (const engine of ['auto', 'rust']) {
      const out = await callseal.decrypt(message, await key(), { engine });
      assert.ok(Buffer.from(out).equals(plaintext), `one-shot (${engine})`);
    }
    for (const [label, sizes] of Object.entries(CHUNKS)) {
      assert.ok((await stream(message, await key(), sizes)).equals(plaintext), `stream, ${label}`);
    }
    const bad = message.slice();
    bad[bad.length >> 1] ^= 0x20;
    // Mostly frame bytes (TAG_MISMATCH); rarely a frame's sequence number (MALFORMED_BODY).
    await assert.rejects(stream(bad, await key(), CHUNKS.mixed), (e) => e instanceof callseal.CallsealError && ['TAG_MISMATCH', 'MALFORMED_BODY'].includes(e.code));
  });
}
