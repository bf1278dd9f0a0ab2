// With pkg/ built (make build), the broker must load callseal's policy engine: the tests that need
// it skip when it is missing, so a build the broker cannot import would pass them all unseen (a
// package.json with npm "dependencies" made wasm-bindgen write pkg/wasm/package.json without
// "type": "module", and Node then read the wasm glue as CommonJS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureStack, startBroker, policyEngineMissing, repoRoot } from './helpers.mjs';

test('a built pkg/ gives the broker its policy engine', async (t) => {
  if (!existsSync(join(repoRoot, 'pkg/node/policy.js'))) return t.skip('pkg/ not built (make build)');
  const { env } = ensureStack();
  const broker = await startBroker(env);
  try {
    assert.equal(await policyEngineMissing(broker.url), undefined);
  } finally {
    await broker.stop();
  }
});
