// The broker as a Lambda function (www/broker/src/lambda.ts): its handler invoked with events in
// AWS's payload format 2.0, a function URL's and an API Gateway HTTP API's (tests/broker/lambda-events,
// the documented shapes), against the real stack: the same sign-in, listing, refusals, audit and
// unwrap protocol as the HTTP server (www/lib/unwrap-protocol.ts). The answer is a JS string, so the
// data key is sealed to the request's key: no form of it is in the answer, and opened it decrypts
// the object (the official ESDK checks it).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { ensureStack, lambdaEvent, getObject, edkAndContext, CallbackKeyring, esdk, sha256, tokenOf, readAudit, unwrapRequestBody, openAnswer } from './helpers.mjs';

const { loadConfig } = await tsImport('../../www/broker/src/config.ts', import.meta.url);
const { lambdaHandler } = await tsImport('../../www/broker/src/lambda.ts', import.meta.url);

let env, manifest, cfg, index, handler, auditPath;
const event = lambdaEvent;

before(async () => {
  ({ env, manifest, cfg } = ensureStack());
  index = { contacts: manifest.contacts };
  auditPath = join(mkdtempSync(join(tmpdir(), 'callseal-lambda-')), 'audit.jsonl');
  // The function's environment: the stack's settings (the AWS SDK reads its credentials there).
  Object.assign(process.env, env, { CALLSEAL_AUDIT_LOG: auditPath });
  handler = lambdaHandler(loadConfig());
});

test('a function URL event without a token: 401 InvalidToken, audited with the event\'s source address', async () => {
  const r = await handler(event('function-url', 'GET', '/api/recordings'), {});
  assert.equal(r.statusCode, 401);
  assert.equal(r.isBase64Encoded, false);
  assert.match(r.headers['www-authenticate'], /invalid_token/);
  const body = JSON.parse(r.body);
  assert.equal(body.error.code, 'InvalidToken');
  const rec = readAudit(auditPath).find((a) => a.requestID === body.error.requestId);
  assert.equal(rec.sourceIPAddress, '198.51.100.23');
});

test('function URL and HTTP API events: the listing, and an unwrap answered with the data key sealed to the request (no form of the key in the answer)', async () => {
  const token = await tokenOf('alice');
  for (const name of ['function-url', 'http-api']) {
    const listing = await handler(event(name, 'GET', '/api/recordings', { token }), {});
    assert.equal(listing.statusCode, 200, listing.body);
    assert.equal(listing.isBase64Encoded, false);
    assert.deepEqual(JSON.parse(listing.body).contacts.map((c) => c.contactId).sort(), index.contacts.map((c) => c.contactId).sort());

    const o = index.contacts.flatMap((c) => c.objects).find((x) => x.id.endsWith('.recording.mp3'));
    const ciphertext = await getObject(cfg, env.CALLSEAL_BUCKET, o.key);
    const { edk, context, messageId } = await edkAndContext(ciphertext);
    const body = await unwrapRequestBody({ objectId: o.id, messageId, encryptedDataKey: edk, encryptionContext: context });
    const r = await handler(event(name, 'POST', '/api/unwrap', { token, body }), {});
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.isBase64Encoded, false, 'the answer is text: JSON');
    assert.match(r.headers['content-type'], /^application\/json\b/);
    const answer = JSON.parse(r.body);
    assert.equal(answer.protocol, 'callseal-unwrap/1');
    assert.equal(answer.objectId, o.id);
    const key = await openAnswer(answer, body, 'alice');
    assert.equal(key.length, 32);
    // Neither the answer string nor its bytes read as base64 (what a binary answer was) hold the key.
    for (const bytes of [Buffer.from(r.body, 'utf8'), Buffer.from(r.body, 'base64')]) assert.ok(!bytes.includes(key), 'the key is not in the answer');
    for (const form of [key.toString('base64'), key.toString('base64url'), key.toString('hex')]) assert.ok(!r.body.includes(form));
    const { plaintext } = await esdk.decrypt(new CallbackKeyring(async () => key), ciphertext);
    assert.equal(sha256(plaintext), manifest.objects.find((m) => m.id === o.id).plainSha256);
    const rec = readAudit(auditPath).find((a) => a.requestID === r.headers['x-request-id']);
    assert.equal(rec.eventName, 'Decrypt');
    assert.equal(rec.errorCode, undefined);
  }
});

test('an unwrap event without a recipient key: 400 InvalidRecipientKey, as from the server', async () => {
  const o = index.contacts.flatMap((c) => c.objects).find((x) => x.id.endsWith('.recording.mp3'));
  const { edk, context, messageId } = await edkAndContext(await getObject(cfg, env.CALLSEAL_BUCKET, o.key));
  const body = { ...(await unwrapRequestBody({ objectId: o.id, messageId, encryptedDataKey: edk, encryptionContext: context })), recipientPublicKey: undefined };
  const r = await handler(event('function-url', 'POST', '/api/unwrap', { token: await tokenOf('alice'), body }), {});
  assert.equal(r.statusCode, 400, r.body);
  assert.equal(JSON.parse(r.body).error.code, 'InvalidRecipientKey');
});

test('bob (Agent) is refused the key through the Lambda handler as through the server', async () => {
  const o = index.contacts.flatMap((c) => c.objects).find((x) => x.id.endsWith('.recording.mp3'));
  const { edk, context, messageId } = await edkAndContext(await getObject(cfg, env.CALLSEAL_BUCKET, o.key));
  const body = await unwrapRequestBody({ objectId: o.id, messageId, encryptedDataKey: edk, encryptionContext: context });
  const r = await handler(event('http-api', 'POST', '/api/unwrap', { token: await tokenOf('bob'), body }), {});
  assert.equal(r.statusCode, 403, r.body);
  assert.equal(JSON.parse(r.body).error.code, 'AccessDenied');
});
