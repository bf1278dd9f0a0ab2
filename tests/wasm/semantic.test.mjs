// The authenticated-but-semantically-invalid messages of tests/vectors/esdk/semantic through the
// wasm package in Node: see runSemanticVectors (the same runner runs in Chromium,
// tests/wasm/chromium.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as callseal from '../../pkg/index.js';
import { runSemanticVectors } from './esdk-vectors.mjs';

const load = async (path) => new Uint8Array(await readFile(new URL(`../vectors/esdk/${path}`, import.meta.url)));

test('semantic vectors: every message has the listed outcome in every API', async () => {
  const { failures, count } = await runSemanticVectors(callseal, load);
  assert.deepEqual(failures, []);
  assert.ok(count >= 55);
});
