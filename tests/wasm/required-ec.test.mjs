// Messages made with required encryption context by the official Python ESDK + Material
// Providers Library (tests/vectors/esdk/required-ec), through the wasm package in Node: see
// runRequiredEcVectors (the same runner runs in Chromium, tests/wasm/chromium.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as callseal from '../../pkg/decrypt.js';
import { runRequiredEcVectors } from './esdk-vectors.mjs';

const load = async (path) => new Uint8Array(await readFile(new URL(`../vectors/esdk/${path}`, import.meta.url)));

for (const engine of ['auto', 'rust']) {
  test(`every required-context message with every reproduced context, as the official ESDK (${engine})`, async () => {
    const { failures, count } = await runRequiredEcVectors(callseal, load, { engine });
    assert.deepEqual(failures, []);
    assert.equal(count, 38 * 8);
  });
}
