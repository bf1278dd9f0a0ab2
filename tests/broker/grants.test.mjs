// KMS grants in the broker's authorisation: kms:Decrypt is decided with the key's grants
// (ListGrants) beside its key policy and the role policy, so a permission that only a grant gives
// works. The role policies here are the broker's own with QualityAnalyst's kms:Decrypt statement
// taken out: quinn may read the redacted objects (s3:GetObject) but not decrypt them, until a grant
// to her role (a real CreateGrant on the stack's key, constrained to one contact) allows it. Against
// the real stack and samples; the grant is revoked at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient, CreateGrantCommand, RevokeGrantCommand } from '@aws-sdk/client-kms';
import { stackWithSamples, unwrapBody, startBroker, readAudit, api, repoRoot, policyEngineMissing, getObject, esdk, CallbackKeyring, sha256, unwrap as unwrapKey } from './helpers.mjs';

let stack, kms, policyDir, grantId;
const brokers = [];
/** quinn's objects: the redacted transcript of two contacts of different queues. */
let granted, other;

before(async () => {
  stack = await stackWithSamples();
  kms = new KMSClient(stack.cfg.kms);
  policyDir = mkdtempSync(join(tmpdir(), 'callseal-grants-'));
  cpSync(join(repoRoot, 'www/broker/policies'), policyDir, { recursive: true });
  const qa = JSON.parse(readFileSync(join(policyDir, 'QualityAnalyst.json'), 'utf8'));
  const kept = qa.Statement.filter((s) => ![s.Action].flat().includes('kms:Decrypt'));
  assert.equal(kept.length, qa.Statement.length - 1, "QualityAnalyst's one kms:Decrypt statement");
  writeFileSync(join(policyDir, 'QualityAnalyst.json'), JSON.stringify({ ...qa, Statement: kept }));
  const redactedTranscript = (c) => c.objects.find((o) => o.kind === 'transcript' && o.redacted);
  const [a, b] = stack.index.contacts.filter((c, i, all) => all.findIndex((x) => x.contactRecord.Queue.Name === c.contactRecord.Queue.Name) === i);
  granted = redactedTranscript(a);
  other = redactedTranscript(b);
});
after(async () => {
  if (grantId) await kms.send(new RevokeGrantCommand({ KeyId: stack.env.CALLSEAL_KMS_KEY_ARN, GrantId: grantId }));
  await Promise.all(brokers.map((b) => b.stop()));
});

/** A broker with the edited role policies (a new one reads the key's grants at its first unwrap). */
async function broker() {
  const b = await startBroker(stack.env, { CALLSEAL_POLICY_DIR: policyDir, CALLSEAL_KEY_CACHE_SECONDS: '0' });
  brokers.push(b);
  return b;
}

/** quinn's unwrap of `o`, and (when granted) the object decrypted with the key. */
async function unwrap(b, o) {
  const r = await unwrapKey(b.url, await unwrapBody(stack, o), { user: 'quinn' });
  if (r.status !== 200) return { r };
  const { plaintext } = await esdk.decrypt(new CallbackKeyring(async () => r.key), await getObject(stack.cfg, stack.env.CALLSEAL_BUCKET, o.key));
  return { r, plaintext };
}

test('a grant to the role allows kms:Decrypt the role policy does not; without it, refused', async (t) => {
  const before = await broker();
  const skip = await policyEngineMissing(before.url);
  if (skip) return t.skip(skip);

  // No grant: the role policy lacks kms:Decrypt, so the listing marks the objects unreadable and
  // unwrap is refused.
  const refused = await unwrap(before, granted);
  assert.equal(refused.r.status, 403, refused.r.text);
  assert.equal(refused.r.json.error.code, 'AccessDenied');
  const listing = await api(before.url, '/api/recordings', { user: 'quinn' });
  assert.equal(listing.json.contacts.length, 0, 'no object readable, no contact listed');

  // A grant to quinn's role, for Decrypt under the context of one contact only.
  const role = `arn:aws:iam::${stack.env.CALLSEAL_ACCOUNT_ID}:role/callseal-QualityAnalyst`;
  const contactId = granted.encryptionContext['aws:connect:contact-id'];
  grantId = (await kms.send(new CreateGrantCommand({
    KeyId: stack.env.CALLSEAL_KMS_KEY_ARN, GranteePrincipal: role, Operations: ['Decrypt'], Name: 'callseal-test-quality-review',
    Constraints: { EncryptionContextSubset: { 'aws:connect:contact-id': contactId } },
  }))).GrantId;

  const after = await broker();
  const allowed = await unwrap(after, granted);
  assert.equal(allowed.r.status, 200, allowed.r.text);
  assert.equal(sha256(allowed.plaintext), stack.manifest.objects.find((m) => m.id === granted.id).plainSha256, 'the key decrypts the object');
  const record = readAudit(after.auditPath).find((a) => a.requestID === allowed.r.headers.get('x-request-id'));
  assert.equal(record.additionalEventData.decision, 'Allow');
  // The grant's constraint holds: another contact's object stays refused.
  const outside = await unwrap(after, other);
  assert.equal(outside.r.status, 403, outside.r.text);
  assert.equal(outside.r.json.error.code, 'AccessDenied');
  // And the listing shows the granted contact only.
  const listed = await api(after.url, '/api/recordings', { user: 'quinn' });
  assert.deepEqual(listed.json.contacts.map((c) => c.contactId), [contactId]);
});
