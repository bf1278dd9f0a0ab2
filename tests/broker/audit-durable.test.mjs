// The audit fails closed: a key or a URL is released only once its record is on disk. A broker
// whose audit log is /dev/full (every write fails with ENOSPC) against the real stack: /healthz
// says so, unwraps, URLs and listings (they carry URLs) are refused 503 AuditUnavailable, and
// refusals are still answered with their own code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stackWithSamples, unwrapBody, unwrap as unwrapKey, startBroker, api, policyEngineMissing, readAudit } from './helpers.mjs';

let env, cfg, index, wav, full, ok;

before(async () => {
  ({ env, cfg, index, wav } = await stackWithSamples());
  [full, ok] = await Promise.all([startBroker(env, { CALLSEAL_AUDIT_LOG: '/dev/full' }), startBroker(env)]);
});
after(() => Promise.all([full?.stop(), ok?.stop()]));

/** /healthz once the broker's first record has been tried. */
async function health(b) {
  let h;
  for (let i = 0; i < 50; i++) {
    h = await api(b.url, '/healthz');
    if (h.status !== 200 || readAudit(b.auditPath).length) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return h;
}

test('/healthz: 503 and why while the audit log cannot be written; 200 when it can', async () => {
  const h = await health(full);
  assert.equal(h.status, 503, h.text);
  assert.equal(h.json.ok, false);
  assert.equal(h.json.audit.writable, false);
  assert.equal(h.json.audit.error, 'ENOSPC');
  const good = await health(ok);
  assert.equal(good.status, 200, good.text);
  assert.deepEqual(good.json, { ok: true, audit: { writable: true } });
  assert.equal(readAudit(ok.auditPath)[0].eventName, 'StartBroker', 'the first record of a log stream');
});

test('no key, no URL, no listing without a record: 503 AuditUnavailable; refusals keep their own code', { timeout: 120_000 }, async (t) => {
  const missing = await policyEngineMissing(ok.url);
  if (missing) return t.skip(missing);
  const o = wav;
  const body = await unwrapBody({ cfg, env }, o);
  // A broker of this test's own: its first request opens a connection (a keep-alive connection
  // left idle since the first test could be closed by the broker just as it is reused).
  const noLog = await startBroker(env, { CALLSEAL_AUDIT_LOG: '/dev/full' });
  t.after(() => noLog.stop());

  // The same request is granted by a broker whose log can be written.
  const granted = await unwrapKey(ok.url, body, { user: 'alice' });
  assert.equal(granted.status, 200, granted.text);
  assert.ok(readAudit(ok.auditPath).some((a) => a.requestID === granted.headers.get('x-request-id') && a.eventName === 'Decrypt' && !a.errorCode),
    'the record is on disk when the key arrives');

  const unwrap = await api(noLog.url, '/api/unwrap', { user: 'alice', method: 'POST', body });
  assert.equal(unwrap.status, 503, `unwrap: ${unwrap.status} ${unwrap.headers.get('content-type')}`);
  assert.equal(unwrap.json.error.code, 'AuditUnavailable');
  assert.equal(granted.key.length, 32);
  assert.ok(!unwrap.bytes.includes(granted.key), 'the key is not in the answer');

  const url = await api(noLog.url, `/api/objects/${o.id}/url`, { user: 'alice' });
  assert.equal(url.status, 503, url.text);
  assert.equal(url.json.error.code, 'AuditUnavailable');
  assert.equal(url.json.url, undefined);

  const listing = await api(noLog.url, '/api/recordings', { user: 'alice' });
  assert.equal(listing.status, 503, 'a listing carries pre-signed URLs');
  assert.equal(listing.json.error.code, 'AuditUnavailable');
  assert.ok(!listing.text.includes('X-Amz-Signature'));
  // Records failing while the listing still signs other objects' URLs do not end the broker.
  for (const user of ['alice', 'carol', 'alice', 'carol', 'alice', 'carol']) assert.equal((await api(noLog.url, '/api/recordings', { user })).json.error.code, 'AuditUnavailable');

  const notFound = await api(noLog.url, '/api/unwrap', { user: 'alice', method: 'POST', body: { ...body, objectId: 'no-such-object.recording.wav' } });
  assert.equal(notFound.status, 404);
  assert.equal(notFound.json.error.code, 'ObjectNotFound');
  assert.equal((await api(noLog.url, '/healthz')).status, 503);
});
