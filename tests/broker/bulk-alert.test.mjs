// Bulk unwraps raise an alert record: one user given the keys of CALLSEAL_BULK_UNWRAP_THRESHOLD
// distinct objects within the window gets one BulkUnwrapAlert (naming the objects), once per
// window; re-opening an object does not count twice; another user below the threshold gets none.
// A broker against the real stack, threshold 3.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stackWithSamples, unwrapBody, startBroker, readAudit, api, policyEngineMissing } from './helpers.mjs';

let stack, broker;

before(async () => {
  stack = await stackWithSamples();
  broker = await startBroker(stack.env, { CALLSEAL_BULK_UNWRAP_THRESHOLD: '3' });
});
after(() => broker?.stop());

test('the third distinct object within the window raises one alert; re-opening and another user below it do not', async (t) => {
  const missing = await policyEngineMissing(broker.url);
  if (missing) return t.skip(missing);
  const small = stack.objects.filter((o) => o.ciphertextLength < 4 << 20).slice(0, 4);
  assert.equal(small.length, 4);
  const bodies = await Promise.all(small.map((o) => unwrapBody(stack, o)));
  const unwrap = async (user, body) => {
    const r = await api(broker.url, '/api/unwrap', { user, method: 'POST', body });
    assert.equal(r.status, 200, r.text);
  };
  const alerts = () => readAudit(broker.auditPath).filter((a) => a.eventName === 'BulkUnwrapAlert');

  await unwrap('alice', bodies[0]);
  await unwrap('alice', bodies[0]); // re-opened: still one object
  await unwrap('alice', bodies[1]);
  assert.equal(alerts().length, 0, 'two objects: below the threshold');
  await unwrap('carol', bodies[0]);
  await unwrap('carol', bodies[1]);
  await unwrap('alice', bodies[2]);
  assert.equal(alerts().length, 1, 'alice\'s third object');
  const [alert] = alerts();
  assert.match(alert.userIdentity.arn, /\/alice$/);
  assert.equal(alert.eventSource, 'callseal-broker');
  assert.deepEqual(alert.additionalEventData.objectIds, small.slice(0, 3).map((o) => o.id));
  assert.equal(alert.additionalEventData.distinctObjects, 3);
  assert.deepEqual(alert.requestParameters, { threshold: 3, windowSeconds: 600 });
  await unwrap('alice', bodies[3]);
  assert.equal(alerts().length, 1, 'once per window');
  assert.match(broker.log(), /alert: alice was given the keys of 3 objects within 600 s/);
});
