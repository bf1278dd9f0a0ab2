// Two `callseal seal --queue` workers competing on one SQS queue (moto) of S3 ObjectCreated
// events: every object is sealed exactly once, redelivered events write nothing, and poison
// messages reach the dead-letter queue with their reason (at once when permanent, after
// --max-tries receives when transient).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { ensureStack, connectKey, bytes, put, get, seal, decryptNode, sqs, objectCreatedEvent } from './support.mjs';

let env, s3;
before(() => { ({ env, s3 } = ensureStack()); });

test('competing workers seal each object once; poison messages are dead-lettered with their reason', async () => {
  const run = Date.now();
  const queues = sqs(['create', `seal-${run}`, `seal-dlq-${run}`]);
  const [queue, dlq] = [queues[`seal-${run}`], queues[`seal-dlq-${run}`]];
  const B = env.CALLSEAL_BUCKET;

  const good = [];
  for (let i = 0; i < 6; i++) {
    const { key } = connectKey(i % 2 ? 'json' : 'wav', i % 2 ? 'ChatTranscripts' : 'CallRecordings');
    const plaintext = bytes(50_000 + i * 70_001, key);
    await put(key, plaintext);
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: key }));
    good.push({ key, plaintext, etag: head.ETag.replaceAll('"', '') });
  }
  const report = 'connect/callseal-test/Reports/2026/12/06/agent-performance.csv';
  await put(report, bytes(100));
  const changed = connectKey('wav').key;
  await put(changed, bytes(100));

  const bodies = [
    ...good.map((g) => objectCreatedEvent(B, g.key, { etag: g.etag, size: g.plaintext.length })),
    objectCreatedEvent(B, good[0].key, { etag: good[0].etag }), // redelivered
    objectCreatedEvent(B, good[3].key, { etag: good[3].etag }), // redelivered
    objectCreatedEvent(B, `${good[1].key}.esdk`), // the sealer's own write: passed over
    objectCreatedEvent(B, report), // not an object Connect writes: permanent
    objectCreatedEvent(B, changed, { etag: '0123456789abcdef0123456789abcdef' }), // overwritten since: transient
    'this is not an S3 event', // malformed: permanent
  ];
  sqs(['send', queue], bodies);

  const args = ['--queue', queue, '--dead-letter-queue', dlq, '--max-tries', '2', '--jobs', '3', '--idle-exit', '6'];
  const workers = await Promise.all([seal(args), seal(args)]);
  for (const w of workers) assert.equal(w.code, 0, w.stderr);
  const lines = workers.flatMap((w) => w.lines.filter((l) => l.key));

  for (const g of good) {
    const outcomes = lines.filter((l) => l.key === g.key).map((l) => l.outcome);
    assert.equal(outcomes.filter((o) => o === 'sealed').length, 1, `${g.key}: ${outcomes}`);
    assert.ok(outcomes.every((o) => o === 'sealed' || o === 'exists'), `${g.key}: ${outcomes}`);
    const { plaintext } = await decryptNode((await get(`${g.key}.esdk`)).body);
    assert.ok(plaintext.equals(g.plaintext), `${g.key}: plaintext differs`);
  }
  assert.equal(lines.filter((l) => l.key === changed).length, 2, 'the transient failure was tried twice');

  const dead = sqs(['drain', dlq]);
  const byCode = Object.fromEntries(dead.map((m) => [m.attributes['callseal-code'], m]));
  assert.deepEqual(Object.keys(byCode).sort(), ['MalformedEvent', 'NotAConnectObject', 'SourceChanged']);
  assert.equal(byCode.SourceChanged.attributes['callseal-tries'], '2');
  assert.equal(byCode.NotAConnectObject.attributes['callseal-tries'], '1');
  assert.match(byCode.NotAConnectObject.attributes['callseal-reason'], /Reports/);
  assert.equal(byCode.MalformedEvent.body, 'this is not an S3 event');
  assert.deepEqual(sqs(['drain', queue]), [], 'the queue is empty');
  await assert.rejects(get(`${changed}.esdk`), /NoSuchKey|NotFound/);
});
