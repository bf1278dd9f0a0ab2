// Deadlines on KMS: a fake KMS (a local HTTP server speaking KMS's JSON protocol) that stalls,
// throttles (ThrottlingException) or drops the connection on Decrypt, and answers GetKeyPolicy
// with the stack's key policy and ListGrants with no grant (or fails it). The broker (S3 and the
// listing: the real stack) answers every
// unwrap within its deadline with a typed error: DeadlineExceeded (504), KmsThrottled (503 +
// Retry-After, after the SDK's jittered retries), KmsUnavailable (502); the KMS calls in flight
// are bounded. The same through the broker's kmsUnwrap directly (no policy engine needed).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { tsImport } from 'tsx/esm/api';
import { stackWithSamples, unwrapBody, startBroker, readAudit, api, repoRoot, policyEngineMissing } from './helpers.mjs';

const { kmsUnwrap } = await tsImport('../../www/broker/src/aws.ts', import.meta.url);
const { Deadline, ConcurrencyLimit } = await tsImport('../../www/broker/src/deadline.ts', import.meta.url);

const DEADLINE_MS = 4000;
let env, cfg, index, wav, fake, broker, body;

/** KMS's JSON 1.1 protocol, misbehaving on Decrypt as `fake.mode` says; counts Decrypt attempts. */
function fakeKms(keyPolicy) {
  const state = { mode: 'stall', decrypts: 0, stalled: new Set(), grants: 'ok' };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target.endsWith('.GetKeyPolicy')) {
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        return res.end(JSON.stringify({ Policy: keyPolicy, PolicyName: 'default' }));
      }
      if (target.endsWith('.ListGrants')) {
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        if (state.grants === 'fail') {
          res.statusCode = 500;
          res.setHeader('x-amzn-errortype', 'KMSInternalException');
          return res.end(JSON.stringify({ __type: 'KMSInternalException', message: 'internal error' }));
        }
        return res.end(JSON.stringify({ Grants: [], Truncated: false }));
      }
      if (!target.endsWith('.Decrypt')) { res.statusCode = 400; return res.end('{}'); }
      state.decrypts++;
      if (state.mode === 'stall') return state.stalled.add(res); // never answers
      if (state.mode === 'drop') return req.socket.destroy();
      res.statusCode = 400;
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      res.setHeader('x-amzn-errortype', 'ThrottlingException');
      res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    state, url: `http://127.0.0.1:${server.address().port}`,
    close: () => { for (const r of state.stalled) r.socket?.destroy(); server.closeAllConnections(); server.close(); },
  })));
}

before(async () => {
  ({ env, cfg, index, wav } = await stackWithSamples());
  const keyPolicy = readFileSync(join(repoRoot, 'scripts/stack/connect-key-policy.json'), 'utf8')
    .replaceAll('{{ACCOUNT_ID}}', env.CALLSEAL_ACCOUNT_ID).replaceAll('{{REGION}}', env.AWS_REGION)
    .replaceAll('{{CONNECT_INSTANCE_ID}}', env.CALLSEAL_CONNECT_INSTANCE_ID);
  fake = await fakeKms(keyPolicy);
  const o = wav;
  body = await unwrapBody({ cfg, env }, o);
  broker = await startBroker(env, {
    CALLSEAL_KMS_ENDPOINT: fake.url, CALLSEAL_REQUEST_DEADLINE_MS: String(DEADLINE_MS),
    CALLSEAL_AWS_CONNECT_TIMEOUT_MS: '500', CALLSEAL_AWS_ATTEMPT_TIMEOUT_MS: '1000',
  });
});
after(async () => { await broker?.stop(); fake?.close(); });

const CASES = [
  { mode: 'stall', status: 504, code: 'DeadlineExceeded' },
  { mode: 'throttle', status: 503, code: 'KmsThrottled', attempts: 3 },
  { mode: 'drop', status: 502, code: 'KmsUnavailable', attempts: 3 },
];

describe('through the broker (needs pkg/)', () => {
  for (const c of CASES) {
    test(`KMS ${c.mode}s: ${c.status} ${c.code} within the deadline, audited, no key`, async (t) => {
      const missing = await policyEngineMissing(broker.url);
      if (missing) return t.skip(missing);
      fake.state.mode = c.mode;
      fake.state.decrypts = 0;
      const started = Date.now();
      const r = await api(broker.url, '/api/unwrap', { user: 'alice', method: 'POST', body });
      const ms = Date.now() - started;
      t.diagnostic(`${c.mode}: ${r.status} ${r.json?.error?.code} in ${ms} ms after ${fake.state.decrypts} Decrypt attempts`);
      assert.equal(r.status, c.status, r.text);
      assert.equal(r.json.error.code, c.code);
      assert.ok(ms < DEADLINE_MS + 500, `answered in ${ms} ms`);
      if (c.attempts) assert.equal(fake.state.decrypts, c.attempts, 'retried');
      if (c.code === 'KmsThrottled') {
        const after = Number(r.headers.get('retry-after'));
        assert.ok(after >= 1 && after <= 3, `Retry-After ${after}`);
      }
      assert.equal(readAudit(broker.auditPath).find((a) => a.requestID === r.json.error.requestId)?.errorCode, c.code);
    });
  }

  test('the key\'s grants cannot be read: nothing is decided, 502 KmsUnavailable, no key', async (t) => {
    const missing = await policyEngineMissing(broker.url);
    if (missing) return t.skip(missing);
    const fresh = await startBroker(env, { CALLSEAL_KMS_ENDPOINT: fake.url });
    fake.state.grants = 'fail';
    fake.state.decrypts = 0;
    try {
      const r = await api(fresh.url, '/api/unwrap', { user: 'alice', method: 'POST', body });
      assert.equal(r.status, 502, r.text);
      assert.equal(r.json.error.code, 'KmsUnavailable');
      assert.match(r.json.error.message, /grants/);
      assert.equal(fake.state.decrypts, 0, 'KMS was not asked to decrypt');
      assert.equal(readAudit(fresh.auditPath).find((a) => a.requestID === r.json.error.requestId)?.errorCode, 'KmsUnavailable');
    } finally {
      fake.state.grants = 'ok';
      await fresh.stop();
    }
  });

  test('KMS calls in flight are bounded: beyond the slots and the queue, 503 KmsThrottled at once', async (t) => {
    const missing = await policyEngineMissing(broker.url);
    if (missing) return t.skip(missing);
    const narrow = await startBroker(env, {
      CALLSEAL_KMS_ENDPOINT: fake.url, CALLSEAL_REQUEST_DEADLINE_MS: '2000', CALLSEAL_AWS_ATTEMPT_TIMEOUT_MS: '1000',
      CALLSEAL_KMS_CONCURRENCY: '2', CALLSEAL_KMS_QUEUE: '1',
    });
    try {
      fake.state.mode = 'stall';
      // Warm the key policy, then 2 in flight + 1 waiting; the 4th and 5th are turned away at once.
      await api(narrow.url, '/api/recordings', { user: 'alice' });
      const decrypts = fake.state.decrypts;
      let slowSettled = 0;
      const slow = [0, 1, 2].map(() => api(narrow.url, '/api/unwrap', { user: 'alice', method: 'POST', body }).finally(() => { slowSettled++; }));
      // The two slots taken (KMS has their Decrypts), then a moment for the third to queue.
      while (fake.state.decrypts < decrypts + 2) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      const turnedAway = await Promise.all([3, 4].map(() => api(narrow.url, '/api/unwrap', { user: 'alice', method: 'POST', body })));
      // At once: answered while the stalled three still wait for their deadline (not after a slot freed).
      assert.equal(slowSettled, 0, 'turned away before any slot or queue place was given back');
      for (const r of turnedAway) {
        assert.equal(r.status, 503, r.text);
        assert.equal(r.json.error.code, 'KmsThrottled');
        assert.ok(Number(r.headers.get('retry-after')) >= 1);
      }
      for (const r of await Promise.all(slow)) assert.equal(r.json.error.code, 'DeadlineExceeded');
    } finally {
      await narrow.stop();
    }
  });
});

describe('the broker\'s kmsUnwrap with bounds (always run)', () => {
  let kms;
  before(() => {
    kms = new KMSClient({
      region: env.AWS_REGION, endpoint: fake.url, maxAttempts: 3,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      requestHandler: { connectionTimeout: 500, requestTimeout: 1000, throwOnRequestTimeout: true },
    });
  });
  for (const c of CASES) {
    test(`KMS ${c.mode}s: ${c.code} within the deadline`, async () => {
      fake.state.mode = c.mode;
      fake.state.decrypts = 0;
      const started = Date.now();
      await assert.rejects(
        kmsUnwrap(kms, env.CALLSEAL_KMS_KEY_ARN, Buffer.from(body.encryptedDataKey.ciphertext, 'base64'), body.encryptionContext,
          { deadline: new Deadline(DEADLINE_MS), limit: new ConcurrencyLimit(4, 4) }),
        (e) => e.code === c.code && e.status === c.status,
      );
      assert.ok(Date.now() - started < DEADLINE_MS + 200);
      if (c.attempts) assert.equal(fake.state.decrypts, c.attempts);
    });
  }
});
