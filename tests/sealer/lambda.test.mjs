// The sealer as a Lambda function: the real binary started as a provided.al2023 `bootstrap`
// (argv[0] `bootstrap`, no arguments) against the Runtime API (runtime-api.mjs), invoked with
// AWS's documented sample events (events/: the Lambda console's S3 put event and the Lambda
// guide's SQS event) carrying the stack's objects, against the local stack (SeaweedFS S3, moto
// KMS and SQS). Plain S3 events seal or fail the invocation with the refusal's code as errorType;
// SQS batches answer with batchItemFailures naming only what SQS should deliver again, and send
// refusals to the dead-letter queue with their reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { repoRoot } from '../../scripts/stack/stack-env.mjs';
import { eventKey } from '../../scripts/stack/s3-events.mjs';
import { ensureStack, sealerBin, connectKey, bytes, put, get, decryptNode, sqs, objectCreatedEvent } from './support.mjs';
import { startRuntimeApi } from './runtime-api.mjs';

const sample = (name) => JSON.parse(readFileSync(join(repoRoot, 'tests/sealer/events', name), 'utf8'));

let env, s3;
const started = [];
before(() => { ({ env, s3 } = ensureStack()); });
after(async () => {
  for (const f of started) await f.stop();
});

/** The bootstrap on a Runtime API of its own, with the stack's settings (+ `extra`). */
async function startFunction(extra = {}) {
  const api = await startRuntimeApi();
  const child = spawn(sealerBin, [], {
    argv0: 'bootstrap',
    cwd: repoRoot,
    env: {
      ...process.env, ...env,
      AWS_LAMBDA_RUNTIME_API: api.address,
      AWS_LAMBDA_FUNCTION_NAME: 'callseal-sealer',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const f = {
    /** Invokes the function; fails the test if the process ends first. */
    async invoke(event) {
      const ended = exited.then((x) => { throw new Error(`bootstrap exited (${JSON.stringify(x)}): ${err}`); });
      return Promise.race([api.invoke(event), ended]);
    },
    lines: () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l)),
    stderr: () => err,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await api.close();
    },
  };
  started.push(f);
  return f;
}

const etagOf = async (Key) => (await s3.send(new HeadObjectCommand({ Bucket: env.CALLSEAL_BUCKET, Key }))).ETag.replaceAll('"', '');

/** The console's S3 put sample, naming `key` in the stack's bucket (eTag: the object's, or the sample's). */
function s3Put(key, { etag, size } = {}) {
  const event = sample('s3-put.json');
  const { s3: s } = event.Records[0];
  s.bucket.name = env.CALLSEAL_BUCKET;
  s.bucket.arn = `arn:aws:s3:::${env.CALLSEAL_BUCKET}`;
  s.object.key = eventKey(key);
  if (etag) s.object.eTag = etag;
  if (size !== undefined) s.object.size = size;
  return event;
}

/** The Lambda guide's SQS sample with one record per body: [{ body, receiveCount }]. */
function sqsEvent(records) {
  const event = sample('sqs.json');
  const template = event.Records[0];
  event.Records = records.map(({ body, receiveCount = 1 }, i) => ({
    ...structuredClone(template),
    messageId: `${template.messageId.slice(0, -4)}${String(i).padStart(4, '0')}`,
    body,
    attributes: { ...template.attributes, ApproximateReceiveCount: String(receiveCount) },
  }));
  return event;
}

async function recording(ext = 'wav', folder = 'CallRecordings') {
  const { contactId, key } = connectKey(ext, folder);
  const plaintext = bytes(20_000 + key.length * 97, key);
  await put(key, plaintext);
  return { contactId, key, plaintext, etag: await etagOf(key) };
}

async function assertSealed({ key, plaintext, contactId }) {
  const { plaintext: out, messageHeader } = await decryptNode((await get(`${key}.esdk`)).body);
  assert.ok(out.equals(plaintext), `${key}: plaintext differs`);
  assert.equal(messageHeader.encryptionContext['aws:connect:contact-id'], contactId);
  assert.equal(messageHeader.encryptionContext['aws:connect:instance-id'], env.CALLSEAL_CONNECT_INSTANCE_ID);
}

const notWritten = (key) => assert.rejects(get(`${key}.esdk`), /NoSuchKey|NotFound/, `${key}: nothing written`);

test('S3 invokes the function: the object is sealed; refusals fail the invocation with their code as errorType', async () => {
  const f = await startFunction();
  const rec = await recording();
  const sealed = await f.invoke(s3Put(rec.key, { etag: rec.etag, size: rec.plaintext.length }));
  assert.deepEqual(sealed, { ok: true, body: { objects: [{ key: rec.key, sealedKey: `${rec.key}.esdk`, written: true }] } });
  await assertSealed(rec);

  const again = await f.invoke(s3Put(rec.key, { etag: rec.etag }));
  assert.deepEqual(again.body.objects, [{ key: rec.key, sealedKey: `${rec.key}.esdk`, written: false }], 'a redelivered event writes nothing');

  const outside = `elsewhere/${connectKey('wav').key}`;
  await put(outside, bytes(10));
  const renamed = connectKey('wav').key; // an ESDK message under a recording's name
  await put(renamed, (await get(`${rec.key}.esdk`)).body);
  const changed = await recording(); // the sample's eTag is not the object's: it changed since
  for (const [key, code, etag] of [[outside, 'OutsidePrefixes'], [renamed, 'AlreadySealed'], [changed.key, 'SourceChanged', '0123456789abcdef0123456789abcdef']]) {
    const res = await f.invoke(s3Put(key, { etag: etag ?? await etagOf(key) }));
    assert.equal(res.ok, false, `${key}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.errorType, code);
    assert.ok(res.body.errorMessage.startsWith(`${key}: ${code}: `), res.body.errorMessage);
    await notWritten(key);
  }
  const codes = f.lines().filter((l) => l.outcome !== 'sealed' && l.outcome !== 'exists').map((l) => [l.outcome, l.code]);
  assert.deepEqual(codes, [['refused', 'OutsidePrefixes'], ['refused', 'AlreadySealed'], ['failed', 'SourceChanged']], 'one log line each');

  const malformed = await f.invoke({ hello: 'world' });
  assert.deepEqual([malformed.ok, malformed.body.errorType], [false, 'MalformedEvent']);
});

test('SQS invokes the function: a partial batch response names only the transient failures; refusals are dead-lettered with their reason', async () => {
  const run = Date.now();
  const dlq = sqs(['create', `seal-lambda-dlq-${run}`])[`seal-lambda-dlq-${run}`];
  const f = await startFunction({ CALLSEAL_SEAL_DEAD_LETTER_URL: dlq, CALLSEAL_SEAL_MAX_TRIES: '3' });
  const B = env.CALLSEAL_BUCKET;
  const good = [await recording(), await recording('json', 'ChatTranscripts'), await recording()];
  const outside = `elsewhere/${connectKey('wav').key}`;
  await put(outside, bytes(10));
  const renamed = connectKey('wav').key;
  await put(renamed, bytes(10));
  const changed = await recording();

  const records = [
    ...good.map((g) => ({ body: objectCreatedEvent(B, g.key, { etag: g.etag, size: g.plaintext.length }) })),
    { body: objectCreatedEvent(B, outside) }, // 3: refused
    { body: objectCreatedEvent(B, changed.key, { etag: '0123456789abcdef0123456789abcdef' }), receiveCount: 1 }, // 4: transient, tried again
    { body: objectCreatedEvent(B, changed.key, { etag: '0123456789abcdef0123456789abcdef' }), receiveCount: 3 }, // 5: transient on its last try
    { body: 'this is not an S3 event' }, // 6: malformed
    { body: objectCreatedEvent(B, `${good[0].key}.esdk`) }, // 7: the sealer's own write, passed over
  ];
  const event = sqsEvent(records);
  const first = await f.invoke(event);
  assert.equal(first.ok, true, JSON.stringify(first.body));
  assert.deepEqual(first.body, { batchItemFailures: [{ itemIdentifier: event.Records[4].messageId }] });
  for (const g of good) await assertSealed(g);
  await notWritten(changed.key);

  // The first message's object, sealed by another record meanwhile, and a refused one again.
  await put(renamed, (await get(`${good[0].key}.esdk`)).body);
  const second = sqsEvent([
    { body: objectCreatedEvent(B, good[0].key, { etag: good[0].etag }), receiveCount: 2 }, // redelivered
    { body: objectCreatedEvent(B, renamed, { etag: await etagOf(renamed) }) }, // already sealed
  ]);
  const res = await f.invoke(second);
  assert.deepEqual(res, { ok: true, body: { batchItemFailures: [] } });
  assert.equal(f.lines().filter((l) => l.key === good[0].key && l.outcome === 'sealed').length, 1, 'sealed once');

  const dead = sqs(['drain', dlq]);
  const byCode = Object.fromEntries(dead.map((m) => [m.attributes['callseal-code'], m]));
  assert.deepEqual(Object.keys(byCode).sort(), ['AlreadySealed', 'MalformedEvent', 'OutsidePrefixes', 'SourceChanged']);
  assert.equal(byCode.OutsidePrefixes.body, records[3].body, 'the record body as it came');
  assert.match(byCode.OutsidePrefixes.attributes['callseal-reason'], /elsewhere\//);
  assert.deepEqual([byCode.SourceChanged.attributes['callseal-tries'], byCode.OutsidePrefixes.attributes['callseal-tries']], ['3', '1']);
  assert.match(byCode.SourceChanged.attributes['callseal-reason'], /gave up after 3 tries/);
  assert.equal(byCode.MalformedEvent.body, 'this is not an S3 event');
  await notWritten(renamed);
});

test('a data key under another KMS key: WrongKmsKey from S3, and a batch failure from SQS when no dead-letter queue is set', async () => {
  // As in seal.test: moto answers for the configured key id under another account with the
  // stack key's own ARN, which is not the key this function was given.
  const other = env.CALLSEAL_KMS_KEY_ARN.replace(`:${env.CALLSEAL_ACCOUNT_ID}:`, ':444455556666:');
  assert.notEqual(other, env.CALLSEAL_KMS_KEY_ARN);
  const f = await startFunction({ CALLSEAL_KMS_KEY_ARN: other });
  const rec = await recording();
  const direct = await f.invoke(s3Put(rec.key, { etag: rec.etag }));
  assert.deepEqual([direct.ok, direct.body.errorType], [false, 'WrongKmsKey']);
  assert.ok(direct.body.errorMessage.includes(env.CALLSEAL_KMS_KEY_ARN) && direct.body.errorMessage.includes(other), direct.body.errorMessage);

  const event = sqsEvent([{ body: objectCreatedEvent(env.CALLSEAL_BUCKET, rec.key, { etag: rec.etag }) }]);
  const batch = await f.invoke(event);
  assert.deepEqual(batch, { ok: true, body: { batchItemFailures: [{ itemIdentifier: event.Records[0].messageId }] } }, 'left to the queue\'s redrive policy');
  await notWritten(rec.key);
});
