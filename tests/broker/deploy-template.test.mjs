// deploy/check.py, the check `make test-deploy` runs on deploy/template.yaml: cfn-lint, then
// callseal's policy validator on every policy of the template with its intrinsics filled in.
// The shipped template passes both; one unknown action in the broker's role policy fails both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './helpers.mjs';

const python = process.env.CALLSEAL_PYTHON || join(repoRoot, '.venv/bin/python');
const check = (template) => spawnSync(python, ['deploy/check.py', ...(template ? [template] : [])], { cwd: repoRoot, encoding: 'utf8', timeout: 600_000 });

test('the shipped template: cfn-lint passes and no policy in it has an ERROR', () => {
  const r = check();
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // The broker's four and the sealer's three (its queue's policy, its role's trust and policy).
  assert.match(r.stdout, /7 policies in deploy\/template\.yaml: RecordingsKey\.KeyPolicy \(kms-key\), AuditBucketPolicy\.PolicyDocument \(resource\), BrokerRole\.AssumeRolePolicyDocument \(trust\), BrokerRole\.Policies\.0 \(identity\), SealerQueuePolicy\.PolicyDocument \(resource\), SealerRole\.AssumeRolePolicyDocument \(trust\), SealerRole\.Policies\.0 \(identity\)/);
});

test('an unknown action in the broker role policy fails both checks', () => {
  const text = readFileSync(join(repoRoot, 'deploy/template.yaml'), 'utf8');
  assert.match(text, /- kms:GetKeyPolicy\n/);
  const bad = join(mkdtempSync(join(tmpdir(), 'callseal-template-')), 'template.yaml');
  writeFileSync(bad, text.replace('- kms:GetKeyPolicy\n', '- kms:GetKeyPolicies\n'));
  const r = check(bad);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /cfn-lint found problems/);
  assert.match(r.stdout + r.stderr, /BrokerRole\.Policies\.0\.json:\d+:\d+: error INVALID_ACTION `kms:GetKeyPolicies`/);
});
