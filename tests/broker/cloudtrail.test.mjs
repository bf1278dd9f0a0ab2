// The audit records in CloudTrail's log file format in the local S3: gzipped {"Records": [...]}
// objects under AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/ named as CloudTrail names them,
// holding exactly the records of the JSON-lines log. A broker against the real stack writing to a
// bucket of its own.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { S3Client, CreateBucketCommand, ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { ensureStack, startBroker, readAudit, api } from './helpers.mjs';

let env, cfg, s3;
const bucket = 'callseal-cloudtrail-test';

before(async () => {
  ({ env, cfg } = ensureStack());
  s3 = new S3Client(cfg.s3);
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((e) => {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes(e.name)) throw e;
  });
});

test('records reach S3 as CloudTrail log files, each interval and at stop, and are the log\'s records', async () => {
  const prefix = `AWSLogs/${env.CALLSEAL_ACCOUNT_ID}/CloudTrail/${env.AWS_REGION}/`;
  const listKeys = async () => ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key);
  const known = new Set(await listKeys());
  const b = await startBroker(env, { CALLSEAL_CLOUDTRAIL_BUCKET: bucket, CALLSEAL_CLOUDTRAIL_SECONDS: '1' });
  for (let i = 0; i < 3; i++) assert.equal((await api(b.url, `/api/objects/none-${i}.recording.wav/url`, { user: 'alice' })).status, 404);
  await new Promise((r) => setTimeout(r, 2500)); // an interval has passed: delivered while running
  const whileRunning = (await listKeys()).filter((k) => !known.has(k));
  assert.ok(whileRunning.length >= 1, 'a file within the interval');
  await api(b.url, '/api/objects/after.recording.wav/url', { user: 'alice' });
  await b.stop();

  const keys = (await listKeys()).filter((k) => !known.has(k));
  const records = [];
  for (const key of keys) {
    assert.match(key, new RegExp(`^${prefix}\\d{4}/\\d\\d/\\d\\d/${env.CALLSEAL_ACCOUNT_ID}_CloudTrail_${env.AWS_REGION}_\\d{8}T\\d{4}Z_[A-Za-z0-9]{16}\\.json\\.gz$`));
    const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = Buffer.from(await obj.Body.transformToByteArray());
    assert.deepEqual([...bytes.subarray(0, 2)], [0x1f, 0x8b], 'gzip');
    const file = JSON.parse(gunzipSync(bytes).toString('utf8'));
    assert.deepEqual(Object.keys(file), ['Records']);
    records.push(...file.Records);
  }
  const log = readAudit(b.auditPath);
  assert.equal(log.length, 5, 'StartBroker and four refusals');
  assert.deepEqual(records.map((r) => r.eventID).sort(), log.map((r) => r.eventID).sort(), 'every record once');
  for (const r of log) assert.deepEqual(records.find((x) => x.eventID === r.eventID), r, 'the same record');
});
