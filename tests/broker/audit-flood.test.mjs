// A flood of bad requests does not flood the audit log: 2,000 requests without a bearer token,
// each from its own loopback address (127.1.x.y, the client socket bound to it), against a broker
// on the real stack. Refusals are recorded in full once per kind and window, the rest counted into
// one summary per kind; rotating addresses run into the global budget (429); a granted unwrap in
// the middle of it is recorded as ever. The limiters' maps stay bounded (units, with a fake clock).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { statSync, readFileSync } from 'node:fs';
import { tsImport } from 'tsx/esm/api';
import { stackWithSamples, unwrapBody, startBroker, readAudit, api, policyEngineMissing } from './helpers.mjs';

const { RateLimiter } = await tsImport('../../www/broker/src/rate-limit.ts', import.meta.url);

let env, cfg, index, wav, broker;

before(async () => {
  ({ env, cfg, index, wav } = await stackWithSamples());
  broker = await startBroker(env);
});
after(() => broker?.stop());

/** An unwrap request with nobody signed in, sent from `localAddress`; resolves its status. */
function anonymousUnwrap(url, localAddress) {
  const body = JSON.stringify({ objectId: 'x.recording.wav' });
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/unwrap`, {
      method: 'POST', localAddress, agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'flood/1.0' },
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', reject);
    req.end(body);
  });
}

test('2,000 refusals from 2,000 addresses: a few KB of log, throttled globally, every refusal counted, a grant in between recorded', async (t) => {
  const o = wav;
  const body = await unwrapBody({ cfg, env }, o);
  const engine = await policyEngineMissing(broker.url);
  const sizeBefore = statSync(broker.auditPath).size;

  const N = 2000;
  const statuses = [];
  let grant;
  const started = Date.now();
  for (let i = 0; i < N; i += 50) {
    const batch = [];
    for (let j = i; j < i + 50; j++) batch.push(anonymousUnwrap(broker.url, `127.1.${Math.floor(j / 250)}.${1 + (j % 250)}`));
    statuses.push(...await Promise.all(batch));
    if (i === N / 2 && !engine) {
      grant = await api(broker.url, '/api/unwrap', { user: 'alice', method: 'POST', body });
      assert.equal(grant.status, 200, grant.text);
    }
  }
  const seconds = (Date.now() - started) / 1000;
  const count = (s) => statuses.filter((x) => x === s).length;
  assert.equal(count(401) + count(429), N, `only refusals: ${[...new Set(statuses)]}`);
  assert.ok(count(429) > 0, 'rotating addresses are throttled by the global budget');
  // The global budget: a burst of 600, then 600/min refilled while the flood lasts (a slow,
  // loaded machine takes longer, and refills more).
  const budget = 600 + Math.ceil((seconds * 600) / 60);
  assert.ok(count(401) >= 600 && count(401) <= budget, `the global budget (600 + 600/min over ${seconds.toFixed(1)} s = ${budget}) let through: ${count(401)}`);

  const grantRecord = grant ? readAudit(broker.auditPath).find((a) => a.requestID === grant.headers.get('x-request-id')) : undefined;
  if (grant) {
    assert.equal(grantRecord?.eventName, 'Decrypt', 'the grant is recorded');
    assert.equal(grantRecord.errorCode, undefined);
  }
  const grantBytes = grantRecord ? Buffer.byteLength(JSON.stringify(grantRecord)) + 1 : 0;
  const grown = statSync(broker.auditPath).size - sizeBefore - grantBytes;
  t.diagnostic(`${N} refusals in ${seconds.toFixed(1)} s: the log grew by ${grown} bytes (plus ${grantBytes} for the grant)`);
  assert.ok(grown <= 4096, `the log grew by ${grown} bytes`);

  // The window's summaries are written when the broker stops: every refusal is accounted for.
  await broker.stop();
  const records = readAudit(broker.auditPath).filter((a) => a.userAgent === 'flood/1.0' || a.eventName === 'RefusalSummary');
  const full = records.filter((a) => a.eventName !== 'RefusalSummary');
  const summaries = records.filter((a) => a.eventName === 'RefusalSummary');
  assert.deepEqual(full.map((a) => a.errorCode).sort(), ['InvalidToken', 'Throttling'], 'one full record per kind');
  assert.equal(full.length + summaries.reduce((n, s) => n + s.additionalEventData.count, 0), N, 'every refusal counted');
  for (const s of summaries) {
    assert.equal(s.requestParameters.eventName, 'Decrypt', 'counted as what was tried: unwraps');
    assert.ok(s.additionalEventData.distinctSourceAddresses > 100, 'the summary says how many addresses');
    assert.ok(s.additionalEventData.sourceAddresses.length <= 8);
  }
  const total = statSync(broker.auditPath).size - sizeBefore - grantBytes;
  t.diagnostic(`with the summaries: ${total} bytes`);
  assert.ok(total <= 6144, `${total} bytes in all`);
  assert.doesNotMatch(readFileSync(broker.auditPath, 'utf8'), /mallory/);
});

test('limiter maps are bounded: refilled buckets are dropped, and beyond the cap the least recently used goes', () => {
  let now = 0;
  const rl = new RateLimiter(30, () => now, 1000);
  for (let i = 0; i < 100_000; i++) rl.take(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
  assert.equal(rl.size, 1000, 'capped');
  // The most recent addresses are the ones kept: the last one still has its bucket (29 left).
  for (let k = 0; k < 29; k++) assert.equal(rl.take(`10.1.134.159`), 0);
  assert.ok(rl.take(`10.1.134.159`) > 0);
  now += 120_000; // every bucket has refilled
  rl.take('10.9.9.9');
  assert.equal(rl.size, 1, 'refilled buckets are dropped');
});
