// The broker's Lambda deployment package (scripts/package-broker.mjs, make package-broker): built
// from this checkout, unzipped into a directory of its own (no node_modules of the repository
// above it), and its handler `src/lambda.handler` invoked in a separate Node process with recorded
// function URL events against the real stack, as Lambda would load it from /var/task.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureStack, getObject, tokenOf, readAudit, edkAndContext, unwrapRequestBody, openAnswer, esdk, CallbackKeyring, sha256 } from './helpers.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
let env, manifest, cfg, dir, zip;

before(() => {
  ({ env, manifest, cfg } = ensureStack());
  dir = mkdtempSync(join(tmpdir(), 'callseal-lambda-package-'));
  zip = join(dir, 'broker.zip');
  execFileSync(process.execPath, [join(ROOT, 'scripts/package-broker.mjs'), zip], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('unzip', ['-q', zip, '-d', join(dir, 'task')]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Invokes the packaged handler once per event in one fresh Node process whose working directory
 * is the unzipped package; returns the handler's answers.
 */
function invoke(events, auditPath) {
  const childEnv = { ...env, PATH: process.env.PATH, HOME: process.env.HOME, CALLSEAL_AUDIT_LOG: auditPath, EVENTS: JSON.stringify(events) };
  delete childEnv.CALLSEAL_POLICY_DIR; // the package's own policies/
  delete childEnv.CALLSEAL_POLICY_MODULE; // callseal from the package's node_modules
  const script = "const { handler } = await import('./src/lambda.mjs'); const out = []; for (const e of JSON.parse(process.env.EVENTS)) out.push(await handler(e, {})); process.stdout.write(JSON.stringify(out));";
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: join(dir, 'task'), env: childEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
}

function event(method, path, token, body) {
  const e = JSON.parse(readFileSync(join(ROOT, 'tests/broker/lambda-events/function-url.json'), 'utf8'));
  e.rawPath = path;
  e.requestContext.http.method = method;
  e.requestContext.http.path = path;
  if (token) e.headers.authorization = `Bearer ${token}`;
  if (body) {
    e.body = JSON.stringify(body);
    e.headers['content-type'] = 'application/json';
  }
  return e;
}

test('the package: the bundled handler, the role policies and the built callseal package, no other node_modules', () => {
  const task = join(dir, 'task');
  assert.deepEqual(readdirSync(task).sort(), ['node_modules', 'policies', 'src']);
  assert.deepEqual(readdirSync(join(task, 'node_modules')), ['callseal']);
  assert.deepEqual(readdirSync(join(task, 'policies')).sort(), readdirSync(join(ROOT, 'www/broker/policies')).sort());
  assert.equal(JSON.parse(readFileSync(join(task, 'node_modules/callseal/package.json'), 'utf8')).name, 'callseal');
  // The template names the handler this package has.
  assert.match(readFileSync(join(ROOT, 'deploy/template.yaml'), 'utf8'), /Handler: src\/lambda\.handler/);
});

test('unzipped on its own, the handler answers: 401 without a token (audited), alice\'s listing from the stack', async () => {
  const index = { contacts: manifest.contacts };
  const auditPath = join(dir, 'audit.jsonl');
  const [refused, listing] = invoke([event('GET', '/api/recordings'), event('GET', '/api/recordings', await tokenOf('alice'))], auditPath);
  assert.equal(refused.statusCode, 401);
  const body = JSON.parse(refused.body);
  assert.equal(body.error.code, 'InvalidToken');
  assert.equal(readAudit(auditPath).find((a) => a.requestID === body.error.requestId)?.sourceIPAddress, '198.51.100.23');
  assert.equal(listing.statusCode, 200, listing.body);
  assert.deepEqual(JSON.parse(listing.body).contacts.map((c) => c.contactId).sort(), index.contacts.map((c) => c.contactId).sort());
});

test('the packaged handler answers an unwrap with the data key sealed to the request (the unwrap protocol bundled): it opens to a key that decrypts the object', async () => {
  const index = { contacts: manifest.contacts };
  const o = index.contacts.flatMap((c) => c.objects).find((x) => x.id.endsWith('.recording.mp3'));
  const ciphertext = await getObject(cfg, env.CALLSEAL_BUCKET, o.key);
  const { edk, context, messageId } = await edkAndContext(ciphertext);
  const body = await unwrapRequestBody({ objectId: o.id, messageId, encryptedDataKey: edk, encryptionContext: context });
  const [r] = invoke([event('POST', '/api/unwrap', await tokenOf('alice'), body)], join(dir, 'audit-unwrap.jsonl'));
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.isBase64Encoded, false);
  const key = await openAnswer(JSON.parse(r.body), body, 'alice');
  for (const bytes of [Buffer.from(r.body, 'utf8'), Buffer.from(r.body, 'base64')]) assert.ok(!bytes.includes(key), 'the key is not in the answer');
  const { plaintext } = await esdk.decrypt(new CallbackKeyring(async () => key), ciphertext);
  assert.equal(sha256(plaintext), manifest.objects.find((m) => m.id === o.id).plainSha256);
});
