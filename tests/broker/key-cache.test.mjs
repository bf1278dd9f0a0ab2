// The per-user, per-object data-key cache: re-opening an object does not call KMS again (one
// Decrypt per object per user within the TTL), another user has their own entry, the same checks
// come first (a refused user gets nothing from the cache), entries expire, and a key leaving the
// cache is zero-filled. Brokers against the real stack with KMS (moto) behind a counting proxy;
// the cache itself as a unit with a fake clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { tsImport } from 'tsx/esm/api';
import { stackWithSamples, unwrapBody, startBroker, readAudit, api, policyEngineMissing, unwrap as unwrapKey } from './helpers.mjs';

const { DataKeyCache } = await tsImport('../../www/broker/src/key-cache.ts', import.meta.url);

let env, cfg, index, wav, proxy, body;
const brokers = [];

/** Forwards every request to moto unchanged and counts the Decrypt calls. */
function countingProxy(target) {
  const counts = { decrypt: 0 };
  const server = createServer((req, res) => {
    if (String(req.headers['x-amz-target']).endsWith('.Decrypt')) counts.decrypt++;
    const up = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    counts, url: `http://127.0.0.1:${server.address().port}`, close: () => { server.closeAllConnections(); server.close(); },
  })));
}

async function broker(overrides = {}) {
  const b = await startBroker(env, { CALLSEAL_KMS_ENDPOINT: proxy.url, ...overrides });
  brokers.push(b);
  return b;
}
const unwrap = (b, user) => unwrapKey(b.url, body, { user });

before(async () => {
  ({ env, cfg, index, wav } = await stackWithSamples());
  proxy = await countingProxy(env.CALLSEAL_KMS_ENDPOINT);
  const o = wav;
  body = await unwrapBody({ cfg, env }, o);
});
after(async () => { await Promise.all(brokers.map((b) => b.stop())); proxy?.close(); });

test('one KMS Decrypt per object per user: re-opening is served from the cache after the same checks, and audited as such', async (t) => {
  const b = await broker();
  const missing = await policyEngineMissing(b.url);
  if (missing) return t.skip(missing);
  const before = proxy.counts.decrypt;
  const answers = [];
  for (let i = 0; i < 3; i++) answers.push(await unwrap(b, 'alice'));
  for (const r of answers) assert.equal(r.status, 200, r.text);
  assert.ok(answers.every((r) => r.key.equals(answers[0].key)), 'the same key');
  assert.equal(proxy.counts.decrypt - before, 1, 'KMS asked once for three openings');
  const records = answers.map((r) => readAudit(b.auditPath).find((a) => a.requestID === r.headers.get('x-request-id')));
  assert.deepEqual(records.map((a) => [a.eventName, a.errorCode, a.additionalEventData.cached]), [['Decrypt', undefined, undefined], ['Decrypt', undefined, true], ['Decrypt', undefined, true]]);
  assert.ok(records.every((a) => a.additionalEventData.kmsRequestId === records[0].additionalEventData.kmsRequestId));

  assert.equal((await unwrap(b, 'carol')).status, 200);
  assert.equal(proxy.counts.decrypt - before, 2, 'another user: their own entry');
  const bob = await unwrap(b, 'bob');
  assert.equal(bob.status, 403, 'the checks come before the cache');
  assert.equal(bob.json.error.code, 'AccessDenied');
  assert.equal(proxy.counts.decrypt - before, 2);
});

test('entries expire (CALLSEAL_KEY_CACHE_SECONDS) and the cache can be off', async (t) => {
  const short = await broker({ CALLSEAL_KEY_CACHE_SECONDS: '1' });
  const missing = await policyEngineMissing(short.url);
  if (missing) return t.skip(missing);
  const off = await broker({ CALLSEAL_KEY_CACHE_SECONDS: '0' });
  let before = proxy.counts.decrypt;
  assert.equal((await unwrap(short, 'alice')).status, 200);
  assert.equal((await unwrap(short, 'alice')).status, 200);
  assert.equal(proxy.counts.decrypt - before, 1);
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal((await unwrap(short, 'alice')).status, 200);
  assert.equal(proxy.counts.decrypt - before, 2, 'expired: KMS again');
  before = proxy.counts.decrypt;
  for (let i = 0; i < 2; i++) assert.equal((await unwrap(off, 'alice')).status, 200);
  assert.equal(proxy.counts.decrypt - before, 2);
});

test('a key leaving the cache is zero-filled: expired, evicted, replaced, cleared; hits are copies; 5 minutes at most', () => {
  let now = 0;
  const cache = new DataKeyCache(60_000, 2, () => now);
  const keys = [1, 2, 3, 4].map((n) => Buffer.alloc(32, n));
  const id = (n) => DataKeyCache.id('alice', `o${n}`, Buffer.alloc(8, n), { k: `v${n}` });
  cache.put(id(1), keys[0], 'r1');
  const hit = cache.get(id(1));
  assert.deepEqual(hit, { key: Buffer.alloc(32, 1), kmsRequestId: 'r1' });
  hit.key.fill(0);
  assert.deepEqual(cache.get(id(1)).key, Buffer.alloc(32, 1), 'a hit is a copy');
  cache.put(id(2), keys[1]);
  cache.put(id(3), keys[2]);
  assert.equal(cache.size, 2);
  assert.ok(keys[0].every((b) => b === 0), 'evicted (the oldest)');
  now += 60_000;
  assert.equal(cache.get(id(2)), undefined, 'expired');
  assert.ok(keys[1].every((b) => b === 0), 'expired key zero-filled');
  cache.put(id(3), keys[3]);
  assert.ok(keys[2].every((b) => b === 0), 'replaced key zero-filled');
  cache.clear();
  assert.ok(keys[3].every((b) => b === 0), 'cleared');
  assert.notEqual(DataKeyCache.id('alice', 'o', Buffer.alloc(8), { a: '1' }), DataKeyCache.id('carol', 'o', Buffer.alloc(8), { a: '1' }));
  assert.notEqual(DataKeyCache.id('alice', 'o', Buffer.alloc(8), { a: '1' }), DataKeyCache.id('alice', 'o', Buffer.alloc(8), { a: '2' }));
  assert.throws(() => new DataKeyCache(300_001, 1), /300 s at most/);
});
