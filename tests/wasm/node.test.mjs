// The wasm package (pkg/) in Node 20: imported exactly as a console would, run on the vectors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as callseal from '../../pkg/index.js';
import { runEsdkVectors } from './esdk-vectors.mjs';

const VECTORS = new URL('../vectors/esdk/', import.meta.url);
const load = async (path) => new Uint8Array(await readFile(new URL(path, VECTORS)));

test('package exports the contract', () => {
  for (const name of ['parseHeader', 'decrypt', 'decryptStream', 'openRangeReader', 'decryptS3Object',
    'CallsealError', 'validatePolicy', 'evaluate']) {
    assert.ok(name in callseal, `missing export ${name}`);
  }
});

test('ESDK vectors through the wasm package in Node', async () => {
  const { failures, counts } = await runEsdkVectors(callseal, load);
  assert.deepEqual(failures, []);
  assert.ok(counts.plaintext >= 134 && counts.error >= 80, JSON.stringify(counts));
});
