// verifySignature (callseal/decrypt): a signed message's footer signature checked from its bytes
// alone, without the data key and without decrypting (issue 17: the player's background check).
// On the Python ESDK's vectors of every signed suite (0214, 0346, 0378, 0578), framed and not:
// each verifies; one flipped bit anywhere before the footer, or in the signature, is
// SIGNATURE_INVALID; an unsigned suite is INVALID_ARGUMENT. Reads are bounded by chunkSize.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as callseal from '../../pkg/decrypt.js';

const ESDK = new URL('../vectors/esdk/python-4.0.7/', import.meta.url);
const manifest = JSON.parse(await readFile(new URL('manifest.json', ESDK), 'utf8'));
const SIGNED = ['0214', '0346', '0378', '0578'];
const valid = manifest.tests.filter((t) => t.expect === 'plaintext');

/** A RangeSource over `bytes` that records every read. */
function sourceOf(bytes) {
  const reads = [];
  return { reads, source: { size: bytes.length, read: async (offset, length) => { reads.push([offset, length]); return bytes.slice(offset, offset + length); } } };
}

test('every valid signed vector verifies without its data key; reads are bounded by chunkSize', async () => {
  const cases = valid.filter((t) => SIGNED.includes(t.suite));
  assert.ok(cases.length >= 40, `${cases.length} signed vectors`);
  for (const t of cases) {
    const message = new Uint8Array(await readFile(new URL(t.ciphertext, ESDK)));
    const { reads, source } = sourceOf(message);
    const header = await callseal.verifySignature(source, { chunkSize: 1000 });
    assert.equal(header.suite, t.suite, t.id);
    assert.ok(reads.every(([, n]) => n <= Math.max(1000, 4096)), `${t.id}: a read longer than the chunk or the header probe`);
    const read = reads.reduce((n, [, len]) => n + len, 0);
    assert.ok(read <= message.length + 4096 + 106, `${t.id}: ${read} bytes read of a ${message.length}-byte message`);
  }
});

test('one flipped bit before the footer or in the signature is SIGNATURE_INVALID', async () => {
  const cases = valid.filter((t) => SIGNED.includes(t.suite) && (t.plaintext === 'pt/4096.bin' || t.plaintext === 'pt/0.bin'));
  assert.ok(cases.length >= 8, `${cases.length} cases`);
  for (const t of cases) {
    const message = new Uint8Array(await readFile(new URL(t.ciphertext, ESDK)));
    const header = callseal.parseHeader(message);
    // In the body (or the header's tag when the body is short), and in the signature's last byte.
    for (const at of [Math.min(header.headerLength + 20, message.length - 120), header.headerLength - 3, message.length - 1]) {
      const bad = message.slice();
      bad[at] ^= 0x01;
      await assert.rejects(callseal.verifySignature(sourceOf(bad).source), (e) => e.code === 'SIGNATURE_INVALID' || e.code === 'MALFORMED_BODY',
        `${t.id}: bit flipped at ${at} of ${message.length}`);
    }
  }
});

test('an unsigned suite is INVALID_ARGUMENT (nothing to verify); an aborted check stops', async () => {
  const t = valid.find((x) => x.suite === '0478');
  const message = new Uint8Array(await readFile(new URL(t.ciphertext, ESDK)));
  await assert.rejects(callseal.verifySignature(sourceOf(message).source), (e) => e.code === 'INVALID_ARGUMENT' && /not signed/.test(e.message));
  const signed = valid.find((x) => x.suite === '0578' && x.plaintext === 'pt/4096.bin');
  const m = new Uint8Array(await readFile(new URL(signed.ciphertext, ESDK)));
  const ctl = new AbortController();
  ctl.abort(new Error('stopped'));
  await assert.rejects(callseal.verifySignature(sourceOf(m).source, { signal: ctl.signal, chunkSize: 100 }), /stopped/);
});
