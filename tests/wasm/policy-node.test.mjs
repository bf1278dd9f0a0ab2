// The policy corpora through the wasm package in Node (a fresh process: the validation cases
// that must run without service data run before it is loaded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import * as callseal from '../../pkg/index.js';
import { runValidateCorpus, runEvaluateCorpus } from './policy-corpus.mjs';

const POLICY = new URL('../policy/', import.meta.url);
const loadText = (path) => readFile(new URL(path, POLICY), 'utf8');

test('validation corpus through the wasm package (Node)', async () => {
  const { failures, ran, codes } = await runValidateCorpus(callseal, loadText, () => callseal.loadServiceData());
  assert.deepEqual(failures, []);
  assert.ok(ran >= 200, `${ran} policies`);
  assert.ok(codes.length >= 60, `${codes.length} distinct codes`);
});

test('evaluation corpus through the wasm package (Node)', async () => {
  const files = (await readdir(new URL('evaluate/', POLICY))).filter((f) => f.endsWith('.json')).sort();
  const { failures, ran } = await runEvaluateCorpus(callseal, loadText, files);
  assert.deepEqual(failures, []);
  assert.ok(ran >= 300, `${ran} cases`);
});

test('policy API: typed errors, bad options refused', () => {
  assert.throws(() => callseal.validatePolicy('{}', { policyType: 'bucket' }), (e) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => callseal.validatePolicy('{}', { type: 'kms-key' }), (e) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => callseal.evaluate({ principal: 'x', action: 'kms:Decrypt', resource: '*', ctx: {} }, {}),
    (e) => e.code === 'INVALID_ARGUMENT' && /ctx/.test(e.message));
  assert.throws(() => callseal.evaluate({ principal: 'x', action: 'kms:Decrypt', resource: '*' }, { identities: [] }),
    (e) => e.code === 'INVALID_ARGUMENT' && /policies: unknown field `identities`/.test(e.message));
  assert.throws(() => callseal.evaluate({ principal: 'x', action: 'kms:Decrypt', resource: '*', context: { n: 1n } }, {}),
    (e) => e.code === 'INVALID_ARGUMENT' && /^request: /.test(e.message));
  assert.throws(() => callseal.evaluate({ principal: 7, action: 'kms:Decrypt', resource: '*' }, {}),
    (e) => e.code === 'INVALID_ARGUMENT' && /request: invalid type: integer `7`, expected a string/.test(e.message));
  assert.throws(() => new callseal.PolicyEvaluator({ identity: ['{'] }),
    (e) => e.code === 'MALFORMED_POLICY' && /identity\[0\]/.test(e.message));
  // A policy the evaluator cannot read completely is refused, never decided (a Deny written
  // `deny` would otherwise be dropped and the Allow would decide).
  const broken = {
    identity: ['{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}', '{"Statement":{"Effect":"deny","Action":"*","Resource":"*"}}'],
  };
  const brokenReq = { principal: 'arn:aws:iam::111122223333:user/alice', action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' };
  const refused = (e) => e instanceof callseal.CallsealError && e.code === 'INVALID_POLICY'
    && /^identity\[1\]: INVALID_EFFECT at Statement\.Effect \(line 1, column 24\): /.test(e.message);
  assert.throws(() => callseal.evaluate(brokenReq, broken), refused);
  assert.throws(() => new callseal.PolicyEvaluator(broken), refused);
  // Compiled evaluators share one frozen object per statement across decisions.
  const ev = new callseal.PolicyEvaluator({ identity: ['{"Statement":{"Sid":"Use","Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}}'] });
  const req = { principal: 'arn:aws:iam::111122223333:user/alice', action: 'kms:Decrypt', resource: '*' };
  // Its request checks (done in TypeScript) refuse what the JSON path refuses.
  for (const [bad, what] of [
    [{ ...req, ctx: {} }, /request: unknown field `ctx`/],
    [{ ...req, principal: 7 }, /request.principal: expected a string/],
    [{ action: 'kms:Decrypt', resource: '*' }, /request.principal: missing/],
    [{ ...req, resourceAccount: 1 }, /request.resourceAccount/],
    [{ ...req, context: { n: 1n } }, /request.context/],
    [{ ...req, context: { k: { nested: 1 } } }, /request.context/],
    [null, /request: expected an object/],
  ]) {
    assert.throws(() => ev.evaluate(bad), (e) => e.code === 'INVALID_ARGUMENT' && what.test(e.message), String(what));
  }
  assert.throws(() => ev.evaluate({ ...req, action: 'x'.repeat(100_000) }), (e) => e.code === 'LIMIT_EXCEEDED');
  const [a, b] = [ev.evaluate(req), ev.evaluate(req)];
  assert.equal(a.decision, 'Allow');
  assert.equal(a.statements[0], b.statements[0]);
  assert.deepEqual({ ...a.statements[0], span: undefined }, { policy: 'identity[0]', index: 0, sid: 'Use', effect: 'Allow', span: undefined });
  assert.ok(Object.isFrozen(a.statements[0]) && Object.isFrozen(a.statements[0].span.start));
  ev.free();
  const findings = callseal.validatePolicy('{"Version": "2012-10-17", "Statement": [}');
  assert.equal(findings[0].severity, 'ERROR');
  assert.equal(findings[0].span.start.line, 1);
});

test('loadServiceData: a missing file is CallsealError IO naming it, and a later load can succeed (fresh process: the load is cached)', async () => {
  const { execFileSync } = await import('node:child_process');
  const script = `
    import * as p from ${JSON.stringify(new URL('../../pkg/policy.js', import.meta.url).href)};
    const out = {};
    try { await p.loadServiceData(new URL('file:///nonexistent/service-data.bin')); } catch (e) {
      out.name = e.constructor.name; out.code = e.code; out.message = e.message;
    }
    out.retried = (await p.loadServiceData()).length > 0;
    console.log(JSON.stringify(out));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  assert.equal(out.name, 'CallsealError');
  assert.equal(out.code, 'IO');
  assert.match(out.message, /service data: reading file:\/\/\/nonexistent\/service-data\.bin failed: .*ENOENT/);
  assert.equal(out.retried, true);
});

test('context keys differing only in case: denied, not merged (both evaluate paths)', () => {
  const policies = {
    kmsKeyPolicy: '{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}}',
    identity: ['{"Statement":{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:Dept":"MINE"}}}}'],
  };
  const request = (context) => ({ principal: 'arn:aws:iam::111122223333:user/alice', action: 'kms:Decrypt', resource: 'arn:aws:kms:us-east-1:111122223333:key/k', context });
  const ev = new callseal.PolicyEvaluator(policies);
  for (const decide of [(r) => callseal.evaluate(r, policies), (r) => ev.evaluate(r)]) {
    assert.equal(decide(request({ 'kms:EncryptionContext:dept': 'MINE' })).decision, 'Allow');
    const d = decide(request({ 'kms:EncryptionContext:Dept': 'OTHER', 'kms:EncryptionContext:dept': 'MINE' }));
    assert.equal(d.decision, 'ImplicitDeny');
    assert.equal(d.deniedBy, 'ambiguousContext');
  }
  ev.free();
});

test('catalog checks never skipped in silence: the Node entry loads the service data at import; the browser entry says it has not', async () => {
  const { execFileSync } = await import('node:child_process');
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'connect:DescribeContactFlowz', Resource: '*' }] });
  const run = (entry) => JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', `
    import * as p from ${JSON.stringify(new URL(`../../pkg/${entry}`, import.meta.url).href)};
    console.log(JSON.stringify({ loaded: p.hasServiceData(), codes: p.validatePolicy(${JSON.stringify(policy)}).map((f) => f.code + ' ' + f.severity) }));`],
  { encoding: 'utf8' }));
  // A fresh process, no loadServiceData() call: the unknown action is found.
  for (const entry of ['node/policy.js', 'node/index.js']) {
    const node = run(entry);
    assert.equal(node.loaded, true, entry);
    assert.deepEqual(node.codes, ['INVALID_ACTION ERROR'], entry);
  }
  // The browser entry before loadServiceData(): the result says the catalog checks did not run.
  const browser = run('policy.js');
  assert.equal(browser.loaded, false);
  assert.deepEqual(browser.codes, ['SERVICE_DATA_NOT_LOADED WARNING']);
});

test('defaults are explicit: a KMS key needs its key policy ("default" stands for the default one), and keys AWS never sends are ignored with a note', async () => {
  await callseal.loadServiceData();
  const identity = ['{"Statement":{"Effect":"Allow","Action":["kms:Decrypt","s3:GetObject"],"Resource":"*","Condition":{"NumericLessThanEqualsIfExists":{"s3:max-keys":"100"}}}}'];
  const alice = 'arn:aws:iam::111122223333:user/alice';
  const onKey = { principal: alice, action: 'kms:Decrypt', resource: 'arn:aws:kms:us-east-1:111122223333:key/k' };
  const withDefault = { identity, kmsKeyPolicy: 'default' };
  const evaluators = [new callseal.PolicyEvaluator({ identity }), new callseal.PolicyEvaluator(withDefault)];
  for (const [decide, dflt] of [
    [(r) => callseal.evaluate(r, { identity }), (r) => callseal.evaluate(r, withDefault)],
    [(r) => evaluators[0].evaluate(r), (r) => evaluators[1].evaluate(r)],
  ]) {
    const none = decide(onKey);
    assert.equal(none.decision, 'ImplicitDeny');
    assert.equal(none.deniedBy, 'resourcePolicyRequired');
    assert.match(none.reason, /^no key policy was given/);
    assert.deepEqual(none.notes, []);
    const d = dflt(onKey);
    assert.equal(d.decision, 'Allow');
    assert.equal(d.notes.length, 1);
    assert.match(d.notes[0], /default key policy/);
    const get = decide({ principal: alice, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: { 's3:max-keys': 500 } });
    assert.equal(get.decision, 'Allow'); // s3:max-keys is not sent with s3:GetObject: ignored
    assert.deepEqual(get.notes, ['context key s3:max-keys ignored: AWS does not send it with s3:GetObject (service catalog)']);
  }
  for (const ev of evaluators) ev.free();
});

test('identityPolicy names the size quota of an identity policy', () => {
  // 110 one-action statements: about 7,000 non-whitespace characters.
  const statements = Array.from({ length: 110 }, (_, i) =>
    ({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::b/${String(i).padStart(4, '0')}` }));
  const text = JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);
  const sized = (options) => callseal.validatePolicy(text, options).filter((f) => f.code === 'POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA');
  assert.equal(sized(undefined).length, 0); // Access Analyzer's 10,240
  assert.equal(sized({ identityPolicy: 'role' }).length, 0);
  assert.match(sized({ identityPolicy: 'managed' })[0].message, /the quota for a managed policy is 6144/);
  assert.equal(sized({ policyType: 'identity', identityPolicy: 'group' }).length, 1);
  assert.throws(() => callseal.validatePolicy(text, { identityPolicy: 'inline' }),
    (e) => e.code === 'INVALID_ARGUMENT' && /options\.identityPolicy/.test(e.message));
});
