// KMS grants through the wasm package in Node: validateGrant on tests/policy/grants/validate.json
// (the same expectations as tests/policy_grants.rs), and evaluate's refusal of the Voice ID
// CreateGrant record as the Connect guide publishes it. The evaluation cases with grants
// (tests/policy/evaluate/grants.json) run with the rest of the corpus in policy-node.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as callseal from '../../pkg/index.js';

const GRANTS = new URL('../policy/grants/', import.meta.url);
const load = async (name) => JSON.parse(await readFile(new URL(name, GRANTS), 'utf8'));

test('validateGrant: the grant checks corpus, as objects and as texts', async () => {
  const { cases } = await load('validate.json');
  for (const c of cases) {
    const forms = typeof c.grant === 'string' ? [c.grant] : [c.grant, JSON.stringify(c.grant, null, 2)];
    for (const grant of forms) {
      const findings = callseal.validateGrant(grant);
      const text = typeof grant === 'string' ? grant : JSON.stringify(grant);
      assert.deepEqual(findings.map((f) => [f.code, f.path]), c.expect, c.name);
      for (const f of findings) {
        assert.ok(f.span.start.utf16Offset <= f.span.end.utf16Offset && f.span.end.utf16Offset <= text.length, `${c.name}: span`);
      }
    }
  }
});

test('evaluate refuses the published Voice ID record (padded grantee) and allows it corrected', async () => {
  const record = await load('voiceid-creategrant-cloudtrail.json');
  const request = {
    principal: 'voiceid.amazonaws.com', action: 'kms:Decrypt', resource: record.requestParameters.keyId,
    context: { 'kms:EncryptionContext:aws:voiceid:domain:arn': record.requestParameters.constraints.encryptionContextSubset['aws:voiceid:domain:arn'] },
  };
  assert.throws(() => callseal.evaluate(request, { grants: [record] }),
    (e) => e.code === 'MALFORMED_POLICY' && e.message.startsWith('grants[0] requestParameters.granteePrincipal: `voiceid.amazonaws.com `'));
  const fixed = structuredClone(record);
  fixed.requestParameters.granteePrincipal = 'voiceid.amazonaws.com';
  const d = callseal.evaluate(request, { grants: [fixed] });
  assert.equal(d.decision, 'Allow');
  assert.deepEqual(d.grants, [{ grant: 'grants[0]', grantId: record.responseElements.grantId, as: 'grantee' }]);
  const ev = new callseal.PolicyEvaluator({ grants: [fixed] });
  try {
    assert.deepEqual(ev.evaluate(request), d);
    assert.equal(ev.evaluate({ ...request, principal: 'connect.amazonaws.com' }).grants, undefined);
  } finally {
    ev.free();
  }
});
