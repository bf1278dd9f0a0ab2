// The package's types of what callseal returns (MessageHeader, Finding, Decision, their parts,
// CallsealErrorCode, SUITES) are generated from the Rust types (src/ts_types.rs; tests/ts_types.rs
// holds pkg-config/src/lib/generated.ts to them). Here: the package as built ships those
// declarations (pkg/lib/generated.d.ts declares what the committed source declares), and the
// values the wasm returns have exactly the fields they declare, on real data: the headers of the
// official Python ESDK's messages, the findings of the validation and grant corpora (whose codes
// are exactly `FindingCode`'s), the decisions of the evaluation corpus, and the codes of errors
// callseal throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import ts from 'typescript';
import * as callseal from '../../pkg/index.js';
import { DATA_KEY_LENGTHS, SUITES } from '../../pkg/suites.js';
import { runValidateCorpus, runEvaluateCorpus } from './policy-corpus.mjs';

const ROOT = new URL('../../', import.meta.url);
const ESDK = new URL('tests/vectors/esdk/python-4.0.7/', ROOT);
const POLICY = new URL('tests/policy/', ROOT);

/**
 * The type aliases a declaration file declares: for an object type, its fields (name -> optional);
 * for a union of string or number literals, its values.
 */
async function declarations(url) {
  const text = await readFile(url, 'utf8');
  const file = ts.createSourceFile(url.pathname, text, ts.ScriptTarget.ES2022, true);
  const types = new Map();
  for (const node of file.statements) {
    if (!ts.isTypeAliasDeclaration(node)) continue;
    const t = node.type;
    if (ts.isTypeLiteralNode(t)) {
      types.set(node.name.text, { fields: new Map(t.members.map((m) => [m.name.getText(file), Boolean(m.questionToken)])) });
    } else {
      const parts = ts.isUnionTypeNode(t) ? t.types : [t];
      types.set(node.name.text, { values: parts.map((p) => (ts.isLiteralTypeNode(p) ? JSON.parse(p.literal.getText(file)) : p.getText(file))) });
    }
  }
  return types;
}

const shipped = await declarations(new URL('pkg/lib/generated.d.ts', ROOT));
const committed = await declarations(new URL('pkg-config/src/lib/generated.ts', ROOT));

/** Asserts that `value` has every required field of type `name`, and no field it does not declare. */
function assertShape(name, value, where) {
  const { fields } = shipped.get(name);
  for (const key of Object.keys(value)) assert.ok(fields.has(key), `${where}: ${name} declares no field ${key}`);
  for (const [key, optional] of fields) assert.ok(optional || key in value, `${where}: ${name}.${key} is missing`);
}
const assertIn = (name, value, where) => assert.ok(shipped.get(name).values.includes(value), `${where}: ${JSON.stringify(value)} is not a ${name}`);

test('the package ships the generated declarations of its committed source', () => {
  const names = ['CallsealErrorCode', 'MessageHeader', 'EncryptedDataKey', 'ContentType', 'SuiteInfo', 'Finding', 'FindingCode', 'Fix', 'Span',
    'Position', 'Severity', 'PolicyType', 'Decision', 'DecisionKind', 'DecidingStatement', 'DecidingGrant', 'Effect', 'DenyGate'];
  for (const name of names) assert.ok(shipped.has(name), `pkg/lib/generated.d.ts declares ${name}`);
  const plain = (m) => JSON.stringify([...m].map(([k, v]) => [k, v.fields ? [...v.fields] : v.values]));
  assert.equal(plain(shipped), plain(committed), 'pkg/ is built from the committed types (make build)');
  assert.ok(shipped.get('MessageHeader').fields.has('dataKeyLength'));
  assert.equal(shipped.get('CallsealErrorCode').values.length, 22);
});

test('callseal/suites is data only (it loads no wasm), the same SUITES as callseal/decrypt exports', async () => {
  const pkg = JSON.parse(await readFile(new URL('pkg/package.json', ROOT), 'utf8'));
  assert.deepEqual(pkg.exports['./suites'], { types: './suites.d.ts', default: './suites.js' });
  assert.equal(callseal.SUITES, SUITES);
  assert.equal(callseal.DATA_KEY_LENGTHS, DATA_KEY_LENGTHS);
  assert.deepEqual(DATA_KEY_LENGTHS, [...new Set(SUITES.map((s) => s.dataKeyLength))].sort((a, b) => a - b));
  const imports = async (path) => [...(await readFile(new URL(path, ROOT), 'utf8')).matchAll(/(?:import|export)\b[^;]*?from\s*'([^']+)'/g)].map((m) => m[1]);
  assert.deepEqual(await imports('pkg/suites.js'), ['./lib/generated.js']);
  assert.deepEqual(await imports('pkg/lib/generated.js'), []);
});

test('headers of the official ESDK messages have exactly the fields MessageHeader declares, as SUITES gives them', async () => {
  const manifest = JSON.parse(await readFile(new URL('manifest.json', ESDK), 'utf8'));
  const vectors = manifest.tests.filter((t) => t.expect === 'plaintext');
  const suites = new Set();
  for (const t of vectors) {
    const message = new Uint8Array(await readFile(new URL(t.ciphertext, ESDK)));
    const header = callseal.parseHeader(message);
    assertShape('MessageHeader', header, t.id);
    for (const edk of header.encryptedDataKeys) assertShape('EncryptedDataKey', edk, t.id);
    assertIn('ContentType', header.contentType, t.id);
    assert.equal(header.unauthenticated, true);
    const suite = SUITES.find((s) => s.suiteId === header.suiteId);
    assert.deepEqual(suite, { suiteId: header.suiteId, suite: header.suite, dataKeyLength: header.dataKeyLength,
      signed: header.signed, committing: header.committing }, t.id);
    suites.add(header.suite);
    if (header.contentType === 'framed') {
      const source = { size: message.length, read: async (o, n) => message.slice(o, o + n) };
      const reader = await callseal.openRangeReader(source, new Uint8Array(Buffer.from(t.data_key, 'base64')), { signedMessages: 'release-before-verify' });
      assertShape('MessageHeader', reader.header, `${t.id} (verified)`);
      assert.equal(reader.header.unauthenticated, false);
      reader.close();
    }
  }
  assert.equal(suites.size, 11, `every suite: ${[...suites]}`);
  assert.equal(SUITES.length, 11);
});

test('findings of the validation and grant corpora (their codes exactly FindingCode\'s) and decisions of the evaluation corpus have the declared fields', async () => {
  const loadText = (path) => readFile(new URL(path, POLICY), 'utf8');
  const findings = [];
  const decisions = [];
  const recording = {
    ...callseal,
    validatePolicy: (...a) => { const f = callseal.validatePolicy(...a); findings.push(...f); return f; },
    evaluate: (...a) => { const d = callseal.evaluate(...a); decisions.push(d); return d; },
  };
  assert.deepEqual((await runValidateCorpus(recording, loadText, () => callseal.loadServiceData())).failures, []);
  const files = (await readdir(new URL('evaluate/', POLICY))).filter((f) => f.endsWith('.json')).sort();
  assert.deepEqual((await runEvaluateCorpus(recording, loadText, files)).failures, []);

  const { cases: grantCases } = JSON.parse(await readFile(new URL('grants/validate.json', POLICY), 'utf8'));
  for (const c of grantCases) findings.push(...callseal.validateGrant(c.grant));

  const span = (s, where) => { assertShape('Span', s, where); assertShape('Position', s.start, where); assertShape('Position', s.end, where); };
  for (const f of findings) {
    assertShape('Finding', f, f.code);
    assertIn('FindingCode', f.code, f.code);
    assertIn('Severity', f.severity, f.code);
    span(f.span, f.code);
    if (f.fix) { assertShape('Fix', f.fix, f.code); span(f.fix.span, f.code); }
  }
  // Every declared code is one these findings carry (the corpora cover every check).
  assert.deepEqual([...new Set(findings.map((f) => f.code))].sort(), [...shipped.get('FindingCode').values].sort());
  // The optional fields occur: each is checked on real findings.
  assert.ok(findings.some((f) => f.fix) && findings.some((f) => f.learnMore), 'findings with a fix and a link');
  for (const d of decisions) {
    assertShape('Decision', d, d.reason);
    assertIn('DecisionKind', d.decision, d.reason);
    if (d.deniedBy !== undefined) assertIn('DenyGate', d.deniedBy, d.reason);
    for (const s of d.statements) { assertShape('DecidingStatement', s, d.reason); assertIn('Effect', s.effect, d.reason); span(s.span, d.reason); }
    for (const g of d.grants ?? []) assertShape('DecidingGrant', g, d.reason);
  }
  for (const field of ['grants', 'deniedBy']) assert.ok(decisions.some((d) => d[field] !== undefined), `decisions with ${field}`);
  assert.ok(decisions.some((d) => d.statements.some((s) => s.sid !== undefined)), 'statements with a sid');
});

test('the codes of errors callseal throws are CallsealErrorCode values', async () => {
  const manifest = JSON.parse(await readFile(new URL('manifest.json', ESDK), 'utf8'));
  const t = manifest.tests.find((v) => v.expect === 'plaintext');
  const message = new Uint8Array(await readFile(new URL(t.ciphertext, ESDK)));
  const codes = [];
  const thrown = async (f) => { try { await f(); } catch (e) { assert.ok(e instanceof callseal.CallsealError); codes.push(e.code); } };
  await thrown(() => callseal.parseHeader(new Uint8Array([9, 9, 9])));
  await thrown(() => callseal.decrypt(message, new Uint8Array(32).fill(1)));
  await thrown(() => callseal.decrypt(message.subarray(0, message.length - 1), new Uint8Array(Buffer.from(t.data_key, 'base64'))));
  await thrown(() => callseal.validatePolicy('{}', { policyType: 'bucket' }));
  await thrown(() => callseal.evaluate({ principal: 'x', action: 'a:b', resource: '*' }, { identity: ['{'] }));
  assert.equal(codes.length, 5, codes.join());
  for (const code of codes) assertIn('CallsealErrorCode', code, code);
});
