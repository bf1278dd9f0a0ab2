// The wasm package (pkg/) in Node, imported as a console would, on every vector set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as callseal from '../../pkg/index.js';
import { runEsdkVectors, runCommitmentVectors, runS3ecVectors, runTamperSweep } from './esdk-vectors.mjs';

const ESDK = new URL('../vectors/esdk/', import.meta.url);
const S3EC = new URL('../vectors/s3ec/', import.meta.url);
const load = async (path) => new Uint8Array(await readFile(new URL(path, ESDK)));
const loadS3ec = async (path) => new Uint8Array(await readFile(new URL(path, S3EC)));

test('package exports the contract', () => {
  for (const name of ['parseHeader', 'decrypt', 'decryptStream', 'openRangeReader', 'decryptS3Object',
    'parseS3Metadata', 'unwrapRawAesDataKey', 'CallsealError', 'validatePolicy', 'evaluate']) {
    assert.ok(name in callseal, `missing export ${name}`);
  }
});

for (const engine of ['auto', 'rust']) {
  test(`ESDK manifest vectors (${engine} engine): one-shot, stream, random access`, async () => {
    const { failures, counts } = await runEsdkVectors(callseal, load, { engine });
    assert.deepEqual(failures, []);
    assert.deepEqual(counts, { plaintext: 134, error: 88, stream: 134, range: 90 });
  });

  test(`key-commitment vectors (${engine} engine)`, async () => {
    const { failures, count } = await runCommitmentVectors(callseal, load, { engine });
    assert.deepEqual(failures, []);
    assert.equal(count, 46);
  });

  test(`S3 Encryption Client objects (${engine} engine)`, async () => {
    const { failures, count } = await runS3ecVectors(callseal, loadS3ec, { engine });
    assert.deepEqual(failures, []);
    assert.ok(count >= 8);
  });
}

test('tamper sweep: every 3rd bit flipped, truncations, appended bytes (one-shot, stream, random access)', async () => {
  const { failures, attempts } = await runTamperSweep(callseal, load, { stride: 3 });
  assert.deepEqual(failures, []);
  assert.ok(attempts > 10_000, `${attempts} attempts`);
});

test('tamper sweep with the pure-Rust engine (framed messages fed a chunk at a time)', async () => {
  const { failures, attempts } = await runTamperSweep(callseal, load, { stride: 7, baseOptions: { engine: 'rust' } });
  assert.deepEqual(failures, []);
  assert.ok(attempts > 4000, `${attempts} attempts`);
});

test('errors are typed and say where', async () => {
  const message = await load('python-4.0.7/ct/011-0014-f4096-n10000.bin');
  await assert.rejects(callseal.decrypt(message.subarray(0, 30), new Uint8Array(16)),
    (e) => e instanceof callseal.CallsealError && e.code === 'TRUNCATED' && /byte|header/.test(e.message));
  await assert.rejects(callseal.decrypt(message, new Uint8Array(7)),
    (e) => e.code === 'WRONG_KEY_LENGTH');
  await assert.rejects(callseal.decrypt(message, new Uint8Array(16), { expectContext: {} }),
    (e) => e.code === 'INVALID_ARGUMENT' && /expectContext/.test(e.message));
  assert.throws(() => callseal.parseHeader(new Uint8Array([9, 9, 9, 9])), (e) => e.code === 'UNSUPPORTED_VERSION' || e.code === 'MALFORMED_HEADER');
});

test('the raw stream decryptor takes one-byte and empty pushes around a signed footer', async () => {
  const enc = await import('../../pkg/encrypt.js');
  // The second half's (the entry hands signed messages to it), initialised by the package.
  await callseal.preloadDecryptMore();
  const { DecryptStream } = await import('../../pkg/wasm/callseal_decrypt_more.js');
  const keyring = { keyNamespace: 'callseal-test', keyName: 'raw-stream', key: new Uint8Array(32).fill(7) };
  const plaintext = new Uint8Array(9000).map((_, i) => (i * 13) & 0xff);
  for (const suiteId of [0x0578, 0x0378, 0x0214, 0x0478]) {
    const message = enc.encryptWithRawAes(plaintext, keyring, { suiteId, frameLength: 4096 });
    for (const pattern of ['one byte at a time', 'whole, then empty pushes']) {
      const dec = new DecryptStream(await callseal.unwrapRawAesDataKey(message, keyring), { signedMessages: 'release-before-verify' });
      const out = [];
      const push = async (bytes) => out.push(...(await dec.push(bytes)));
      if (pattern === 'whole, then empty pushes') {
        await push(message);
        await push(new Uint8Array(0));
        await push(new Uint8Array(0));
      } else {
        for (let i = 0; i < message.length; i++) await push(message.subarray(i, i + 1));
        await push(new Uint8Array(0));
      }
      dec.finish();
      dec.free();
      assert.deepEqual(Buffer.concat(out), Buffer.from(plaintext), `${suiteId.toString(16)}: ${pattern}`);
    }
  }
});
