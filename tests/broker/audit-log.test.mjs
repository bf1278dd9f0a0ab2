// What the audit log holds: every listing (which contacts the user was shown), and request fields
// with control, bidi and other format characters written as \u escapes (the JSON value is the
// same; a reader's terminal sees no reordered or hidden text). A broker against the real stack.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { stackWithSamples, startBroker, readAudit, getObject, edkAndContext, api, policyEngineMissing, unwrapRequestBody } from './helpers.mjs';

let env, cfg, index, wav, broker;

before(async () => {
  ({ env, cfg, index, wav } = await stackWithSamples());
  broker = await startBroker(env);
});
after(() => broker?.stop());

test('a listing is audited: who listed, and the contacts they were shown', async (t) => {
  const missing = await policyEngineMissing(broker.url);
  if (missing) return t.skip(missing);
  for (const user of ['alice', 'bob']) {
    const r = await api(broker.url, '/api/recordings', { user });
    assert.equal(r.status, 200, r.text);
    const rec = readAudit(broker.auditPath).find((a) => a.requestID === r.headers.get('x-request-id') && a.eventName === 'SearchContacts');
    assert.ok(rec, `${user}'s listing has a record`);
    assert.equal(rec.eventSource, 'connect.amazonaws.com');
    assert.equal(rec.errorCode, undefined);
    assert.match(rec.userIdentity.arn, new RegExp(`/${user}$`));
    assert.equal(rec.requestParameters.instanceId, env.CALLSEAL_CONNECT_INSTANCE_ID);
    assert.deepEqual(rec.additionalEventData.contactIds, r.json.contacts.map((c) => c.contactId));
    assert.equal(rec.additionalEventData.readableObjects, r.json.contacts.flatMap((c) => c.objects).filter((o) => o.mayRead).length);
  }
});

test('control, bidi and format characters of a request reach the log as \\u escapes, and read back as sent', async () => {
  const o = wav;
  const { edk, context, messageId } = await edkAndContext(await getObject(cfg, env.CALLSEAL_BUCKET, o.key));
  // U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LRI, U+200F RLM, U+200B ZWSP, U+FEFF BOM, U+2028/2029,
  // BEL, DEL, U+0085 NEL (C1), U+E0041 TAG LATIN CAPITAL LETTER A (astral).
  const sneaky = 'invoice\u202Egpj.exe\u2066\u200F\u200B\uFEFF\u2028\u2029\u0007\u007F\u0085\u{E0041}end';
  const tried = { ...context, 'aws:connect:contact-id': sneaky };
  const r = await api(broker.url, '/api/unwrap', { user: 'alice', method: 'POST', body: await unwrapRequestBody({ objectId: o.id, messageId, encryptedDataKey: edk, encryptionContext: tried }) });
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json.error.code, 'EncryptionContextMismatch');

  const text = readFileSync(broker.auditPath, 'utf8');
  const line = text.split('\n').find((l) => l.includes(r.json.error.requestId));
  assert.ok(line, 'the refusal is recorded');
  assert.doesNotMatch(text, /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u200B-\u200F\u2028-\u202E\u2060-\u206F\uFEFF]|\u{E0041}/u, 'no raw control or format character in the log');
  assert.ok(line.includes('invoice\\u202egpj.exe\\u2066\\u200f\\u200b\\ufeff\\u2028\\u2029\\u0007\\u007f\\u0085\\udb40\\udc41end'), line);
  assert.equal(JSON.parse(line).requestParameters.encryptionContext['aws:connect:contact-id'], sneaky, 'the same value once parsed');
});
