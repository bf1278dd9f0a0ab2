// What a refusal tells the caller: a stable code and what went wrong, never the broker's
// internals (file-system paths, the store's address or connection error, a stack trace). The
// operator's detail goes to the broker's stderr. Brokers against the real stack, with the policy
// engine or S3 made unreachable by their settings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureStack, startBroker, api, repoRoot, unwrapRequestBody } from './helpers.mjs';

let env;
const brokers = [];
async function broker(overrides) {
  const b = await startBroker(env, overrides);
  brokers.push(b);
  return b;
}

/** Nothing of the broker's machinery in an answer. */
function assertNoInternals(r, ...also) {
  for (const s of [repoRoot, '/tmp/', 'file:', 'node_modules', 'pkg/node', '.ts:', '    at ', 'ECONNREFUSED', '127.0.0.1:1', ...also]) {
    assert.ok(!r.text.includes(s), `answer holds "${s}": ${r.text}`);
  }
}

before(() => { ({ env } = ensureStack()); });
after(() => Promise.all(brokers.map((b) => b.stop())));

test('policy engine missing: 503 PolicyEngineUnavailable without the paths it was looked for at (those are on stderr)', async () => {
  const missing = join(mkdtempSync(join(tmpdir(), 'callseal-engine-')), 'no-such-engine.mjs');
  const b = await broker({ CALLSEAL_POLICY_MODULE: missing });
  const r = await api(b.url, '/api/recordings', { user: 'alice' });
  assert.equal(r.status, 503, r.text);
  assert.equal(r.json.error.code, 'PolicyEngineUnavailable');
  assertNoInternals(r, missing, 'no-such-engine');
  assert.match(b.log(), /no-such-engine\.mjs/, 'the operator sees where the engine was looked for');
});

test('S3 unreachable: 502 StorageUnavailable without the connection error or the endpoint', async () => {
  const b = await broker({ CALLSEAL_S3_ENDPOINT: 'http://127.0.0.1:1' });
  for (const [path, opts] of [
    ['/api/objects/anything.recording.wav/url', {}],
    ['/api/unwrap', { method: 'POST', body: await unwrapRequestBody({ objectId: 'a.recording.wav', messageId: Buffer.alloc(32).toString('base64'), encryptedDataKey: { providerId: 'aws-kms', providerInfo: env.CALLSEAL_KMS_KEY_ARN, ciphertext: 'AAAA' }, encryptionContext: {} }) }],
  ]) {
    const r = await api(b.url, path, { user: 'alice', ...opts });
    assert.equal(r.status, 502, `${path}: ${r.text}`);
    assert.equal(r.json.error.code, 'StorageUnavailable');
    assertNoInternals(r);
  }
  assert.match(b.log(), /ECONNREFUSED/, 'the operator sees why');
});

test('an object id that is not valid percent-encoding: 400 InvalidRequest, no URIError', async () => {
  const b = await broker({});
  for (const id of ['%E0%A4%A', '%', '%C0%AF', '%FF']) {
    const r = await api(b.url, `/api/objects/${id}/url`, { user: 'alice' });
    assert.equal(r.status, 400, `${id}: ${r.text}`);
    assert.equal(r.json.error.code, 'InvalidRequest');
    assertNoInternals(r, 'URIError');
  }
  assert.doesNotMatch(b.log(), /URIError|InternalError/);
});
