// Which contacts a supervisor may hear, as in Amazon Connect: the role (security profile) and the
// user's scope, a queue or an agent hierarchy group, as session tags of the verified ID token
// (https://aws.amazon.com/tags). The contacts' queue and agent hierarchy come from their contact
// records (the sample index's contactRecord), the role policies compare them with
// aws:PrincipalTag conditions. erin oversees the Billing queue; alice the agent hierarchy group
// "Northwind Mobile", every sample contact's agent's top level. Against the real stack and samples.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stackAndBroker, readAudit, getObject, edkAndContext, api, tokenOf, unwrap as unwrapKey, unwrapRequestBody } from './helpers.mjs';

let env, manifest, cfg, index, broker, skip;

/** The first object of `kind` of a contact of `queue` (the index's contact record). */
function objectOf(queue, kind = 'recording') {
  const contact = index.contacts.find((c) => c.contactRecord.Queue.Name === queue);
  assert.ok(contact, `a sample contact of the ${queue} queue`);
  return contact.objects.find((o) => o.kind === kind);
}

/** A user's listing, URL and unwrap of one object. */
async function reads(user, o) {
  const { edk, context, messageId } = await edkAndContext(await getObject(cfg, env.CALLSEAL_BUCKET, o.key));
  const listing = await api(broker.url, '/api/recordings', { user });
  assert.equal(listing.status, 200, listing.text);
  const url = await api(broker.url, `/api/objects/${o.id}/url`, { user });
  const unwrap = await unwrapKey(broker.url, await unwrapRequestBody({ objectId: o.id, messageId, encryptedDataKey: edk, encryptionContext: context }), { user });
  return { listing: listing.json, url, unwrap };
}

before(async () => {
  ({ env, manifest, cfg, index, broker, skip } = await stackAndBroker());
});
after(() => broker?.stop());

test('the ID token carries the supervisor scope as session tags', async () => {
  const claims = JSON.parse(Buffer.from((await tokenOf('erin')).split('.')[1], 'base64url'));
  assert.deepEqual(claims.groups, ['Supervisor']);
  assert.deepEqual(claims['https://aws.amazon.com/tags'], { principal_tags: { Queue: ['Billing'] } });
});

test('a supervisor of the Billing queue lists, fetches and unwraps Billing contacts only', async (t) => {
  if (skip) return t.skip(skip);
  const queues = new Set(index.contacts.map((c) => c.contactRecord.Queue.Name));
  assert.ok(queues.size >= 2, `samples in several queues: ${[...queues]}`);

  const billing = objectOf('Billing');
  const mine = await reads('erin', billing);
  assert.deepEqual(mine.listing.contacts.map((c) => c.queue), ['Billing'], 'only the Billing contacts are listed');
  assert.equal(mine.listing.contacts[0].objects.find((o) => o.id === billing.id).mayRead, true);
  assert.equal(mine.url.status, 200, mine.url.text);
  assert.equal(mine.unwrap.status, 200, mine.unwrap.text);
  assert.equal(mine.unwrap.key.length, 32);

  for (const queue of [...queues].filter((q) => q !== 'Billing')) {
    const other = objectOf(queue);
    const theirs = await reads('erin', other);
    assert.ok(!theirs.listing.contacts.some((c) => c.objects.some((o) => o.id === other.id)), `${queue} is not listed`);
    assert.equal(theirs.url.status, 403, theirs.url.text);
    assert.equal(theirs.url.json.error.code, 'AccessDenied');
    assert.equal(theirs.unwrap.status, 403, `unwrap of a ${queue} contact: ${theirs.unwrap.status}`);
    assert.equal(theirs.unwrap.json.error.code, 'AccessDenied');
    const rec = readAudit(broker.auditPath).find((a) => a.requestID === theirs.unwrap.json.error.requestId);
    assert.equal(rec.eventName, 'Decrypt');
    assert.equal(rec.errorCode, 'AccessDenied');
  }
});

test('a supervisor of an agent hierarchy group hears the contacts of the agents under it, in every queue', async (t) => {
  if (skip) return t.skip(skip);
  const listing = await api(broker.url, '/api/recordings', { user: 'alice' });
  assert.equal(listing.status, 200, listing.text);
  assert.deepEqual(listing.json.contacts.map((c) => c.contactId).sort(), index.contacts.map((c) => c.contactId).sort());
  const other = objectOf('Retention');
  const theirs = await reads('alice', other);
  assert.equal(theirs.url.status, 200, theirs.url.text);
  assert.equal(theirs.unwrap.status, 200, theirs.unwrap.text);
});
