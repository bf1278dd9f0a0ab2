// One read permission for the listing, the URL route and the unwrap route: s3:GetObject on the
// object and kms:Decrypt under its context, the latter decided with the KMS key's key policy
// (read from KMS) together with the role policy. Brokers with altered role policies
// (CALLSEAL_POLICY_DIR) or a key whose key policy does not delegate to IAM, against the real stack.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient, CreateKeyCommand } from '@aws-sdk/client-kms';
import { stackWithSamples, unwrapBody, startBroker, readAudit, api, repoRoot, policyEngineMissing, unwrap as unwrapKey } from './helpers.mjs';

let env, cfg, index, wav;
const brokers = [];

/** The shipped role policies, with the Supervisor's statements named in `drop` removed. */
function policiesWithout(...drop) {
  const dir = mkdtempSync(join(tmpdir(), 'callseal-policies-'));
  cpSync(join(repoRoot, 'www/broker/policies'), dir, { recursive: true });
  const path = join(dir, 'Supervisor.json');
  const policy = JSON.parse(readFileSync(path, 'utf8'));
  const kept = policy.Statement.filter((s) => !drop.includes(s.Sid));
  assert.equal(kept.length, policy.Statement.length - drop.length, `statements ${drop} exist`);
  writeFileSync(path, JSON.stringify({ ...policy, Statement: kept }, null, 2));
  return dir;
}

async function broker(overrides) {
  const b = await startBroker(env, overrides);
  brokers.push(b);
  return b;
}

/** What alice (Supervisor) gets from a broker for the small recording: listing, URL, unwrap. */
async function aliceReads(b) {
  const o = wav;
  const body = await unwrapBody({ cfg, env }, o);
  const listing = await api(b.url, '/api/recordings', { user: 'alice' });
  assert.equal(listing.status, 200, listing.text);
  const listed = listing.json.contacts.flatMap((c) => c.objects).find((x) => x.id === o.id);
  const url = await api(b.url, `/api/objects/${o.id}/url`, { user: 'alice' });
  const unwrap = await unwrapKey(b.url, body, { user: 'alice' });
  return { listed, url, unwrap };
}

function assertRefused({ listed, url, unwrap }, b) {
  assert.equal(listed, undefined, 'not listed: its contact has no object alice may read');
  assert.equal(url.status, 403, url.text);
  assert.equal(url.json.error.code, 'AccessDenied');
  assert.equal(unwrap.status, 403, `unwrap: ${unwrap.status} ${unwrap.headers.get('content-type')}`);
  assert.equal(unwrap.json.error.code, 'AccessDenied');
  assert.ok(unwrap.bytes.length < 1024 && unwrap.json.error.message, 'a JSON refusal, no key');
  const rec = readAudit(b.auditPath).find((a) => a.requestID === unwrap.json.error.requestId);
  assert.equal(rec.eventName, 'Decrypt');
  assert.equal(rec.errorCode, 'AccessDenied');
}

before(async () => {
  ({ env, cfg, index, wav } = await stackWithSamples());
});
after(() => Promise.all(brokers.map((b) => b.stop())));

test('a role policy without s3:GetObject on the recordings: not listed, no URL, and no key', async (t) => {
  const b = await broker({ CALLSEAL_POLICY_DIR: policiesWithout('ReadRecordingsAndTranscriptsRedactedAndUnredacted') });
  const missing = await policyEngineMissing(b.url);
  if (missing) return t.skip(missing);
  assertRefused(await aliceReads(b), b);
});

test('a role policy without kms:Decrypt: not listed, no URL, and no key', async (t) => {
  const b = await broker({ CALLSEAL_POLICY_DIR: policiesWithout('UnwrapDataKeysOfThisInstanceOnly') });
  const missing = await policyEngineMissing(b.url);
  if (missing) return t.skip(missing);
  assertRefused(await aliceReads(b), b);
});

test('the shipped role policies: alice reads the recording everywhere (the same check allows all three)', async (t) => {
  const b = await broker({});
  const missing = await policyEngineMissing(b.url);
  if (missing) return t.skip(missing);
  const { listed, url, unwrap } = await aliceReads(b);
  assert.equal(listed.mayRead, true);
  assert.equal(url.status, 200, url.text);
  assert.equal(unwrap.status, 200, unwrap.text);
  assert.equal(unwrap.key.length, 32);
});

test('kms:Decrypt is decided with the key policy: a key whose policy does not let IAM policies grant is readable by nobody', async (t) => {
  // A key of the same account whose key policy allows only Amazon Connect (no "Enable IAM User
  // Permissions" statement): the role policies' Allow on it counts for nothing.
  const keyPolicy = JSON.parse(readFileSync(join(repoRoot, 'scripts/stack/connect-key-policy.json'), 'utf8')
    .replaceAll('{{ACCOUNT_ID}}', env.CALLSEAL_ACCOUNT_ID).replaceAll('{{REGION}}', env.AWS_REGION)
    .replaceAll('{{CONNECT_INSTANCE_ID}}', env.CALLSEAL_CONNECT_INSTANCE_ID));
  keyPolicy.Statement = keyPolicy.Statement.filter((s) => s.Sid !== 'Enable IAM User Permissions');
  const { KeyMetadata } = await new KMSClient(cfg.kms).send(new CreateKeyCommand({
    Description: 'callseal test: a key policy without IAM delegation', Policy: JSON.stringify(keyPolicy),
  }));
  const b = await broker({ CALLSEAL_KMS_KEY_ARN: KeyMetadata.Arn });
  const missing = await policyEngineMissing(b.url);
  if (missing) return t.skip(missing);
  for (const user of ['alice', 'carol']) {
    const listing = await api(b.url, '/api/recordings', { user });
    assert.equal(listing.status, 200, listing.text);
    assert.deepEqual(listing.json.contacts, [], `${user} is listed no contact`);
    const url = await api(b.url, `/api/objects/${wav.id}/url`, { user });
    assert.equal(url.status, 403, url.text);
    assert.equal(url.json.error.code, 'AccessDenied');
  }
});
