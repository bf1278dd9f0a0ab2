// "Who heard contact X, and when" (www/broker/src/audit-who.ts) over a real broker's audit log:
// the granted unwraps of the contact's objects by user and time, the refused attempts apart, no
// other contact's; a broken chain is reported with the answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { stackWithSamples, unwrapBody, startBroker, api, repoRoot, policyEngineMissing } from './helpers.mjs';

let env, cfg, index, wav, broker;
const contacts = () => index.contacts.filter((c) => c.objects.some((o) => o.kind === 'transcript'));

before(async () => {
  ({ env, cfg, index, wav } = await stackWithSamples());
  broker = await startBroker(env);
});
after(() => broker?.stop());

const who = (...args) => execFileSync(process.execPath, ['--import', 'tsx', 'www/broker/src/audit-who.ts', ...args], { cwd: repoRoot, encoding: 'utf8' });

async function unwrap(user, o) {
  return api(broker.url, '/api/unwrap', { user, method: 'POST', body: await unwrapBody({ cfg, env }, o) });
}

test('who heard contact X: the users and times of its granted unwraps; refusals apart; nothing of other contacts', async (t) => {
  const missing = await policyEngineMissing(broker.url);
  if (missing) return t.skip(missing);
  const [x, y] = contacts();
  const transcript = (c) => c.objects.find((o) => o.kind === 'transcript');
  const alice = await unwrap('alice', transcript(x));
  const carol = await unwrap('carol', transcript(x));
  const bob = await unwrap('bob', transcript(x));
  const other = await unwrap('alice', transcript(y));
  assert.deepEqual([alice.status, carol.status, bob.status, other.status], [200, 200, 403, 200]);

  const answer = JSON.parse(who(x.contactId, broker.auditPath, '--json'));
  assert.deepEqual(answer.users, ['alice', 'carol']);
  assert.deepEqual(answer.heard.map((h) => [h.user, h.role, h.objectId, h.requestId]), [
    ['alice', 'callseal-Supervisor', transcript(x).id, alice.headers.get('x-request-id')],
    ['carol', 'callseal-Administrator', transcript(x).id, carol.headers.get('x-request-id')],
  ]);
  assert.ok(answer.heard.every((h) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(h.time) && h.sourceIp === '127.0.0.1'));
  assert.deepEqual(answer.refused.map((h) => [h.user, h.errorCode]), [['bob', 'AccessDenied']]);
  assert.deepEqual(answer.breaks, []);
  assert.match(who(x.contactId, broker.auditPath), new RegExp(`contact ${x.contactId}: heard by 2 user\\(s\\) in 2 unwrap\\(s\\)`));

  // With a record removed from the log, the answer says the chain is broken.
  const lines = readFileSync(broker.auditPath, 'utf8').split('\n');
  const cut = `${broker.auditPath}.cut`;
  writeFileSync(cut, [...lines.slice(0, 1), ...lines.slice(2)].join('\n'));
  assert.match(who(x.contactId, cut), /^warning: .*\.cut:2: record 2 follows record 0: 1 record\(s\) removed/m);
});
