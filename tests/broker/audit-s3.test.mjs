// The audit as S3 objects (www/broker/src/audit-s3.ts, CALLSEAL_AUDIT_SINK=s3): the Lambda
// handler (lambda.test.mjs shows how it is invoked) against the real stack's S3 (SeaweedFS). A
// granted unwrap's record is an object in the audit bucket when the handler returns, its stream's
// hash chain verifies, and audit-check.ts / audit-who.ts read the objects from S3 and from a
// downloaded copy. With S3 answering the audit's PUTs 500 (a proxy in front of SeaweedFS, which
// creates a missing bucket on PUT) the unwrap is refused 503 AuditUnavailable and /healthz says why. The README and the template say what is true of it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, request } from 'node:http';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { S3Client, CreateBucketCommand, ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { ensureStack, lambdaEvent, getObject, edkAndContext, tokenOf, unwrapRequestBody, openAnswer, repoRoot } from './helpers.mjs';

const { loadConfig } = await tsImport('../../www/broker/src/config.ts', import.meta.url);
const { lambdaHandler } = await tsImport('../../www/broker/src/lambda.ts', import.meta.url);
const { checkChain } = await tsImport('../../www/broker/src/audit-check.ts', import.meta.url);

const bucket = 'callseal-audit-s3-test';
const prefix = `run-${Date.now()}-${process.pid}/`;
let env, cfg, index, s3;

/** A handler whose audit goes to s3://bucket/prefix (no audit file: CALLSEAL_AUDIT_LOG unset). */
const handlerFor = (overrides = {}) => lambdaHandler(loadConfig({
  ...env, CALLSEAL_AUDIT_LOG: undefined, CALLSEAL_AUDIT_SINK: 's3', CALLSEAL_AUDIT_BUCKET: bucket, CALLSEAL_AUDIT_PREFIX: prefix, ...overrides,
}));

/**
 * The stack's S3 behind a proxy that passes every request through unchanged (the Host header too,
 * so signatures verify) except the PUTs into the audit bucket, answered as `failWith` says (a
 * status, or undefined: passed through); the headers of those PUTs are kept in `auditPuts`.
 */
async function s3Proxy(failWith) {
  const upstream = new URL(env.CALLSEAL_S3_ENDPOINT);
  const auditPuts = [];
  const server = createServer((req, res) => {
    if (req.method === 'PUT' && req.url.startsWith(`/${bucket}/`)) {
      auditPuts.push(req.headers);
      if (failWith) {
        req.resume();
        res.writeHead(failWith, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>');
        return;
      }
    }
    const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (u) => {
      res.writeHead(u.statusCode, u.headers);
      u.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, auditPuts, close: () => { server.closeAllConnections(); server.close(); } };
}

/** alice's unwrap of the first MP3 recording through `handler`: { o, body, r }. */
async function aliceUnwrap(handler) {
  const o = index.contacts.flatMap((c) => c.objects).find((x) => x.id.endsWith('.recording.mp3'));
  const { edk, context, messageId } = await edkAndContext(await getObject(cfg, env.CALLSEAL_BUCKET, o.key));
  const body = await unwrapRequestBody({ objectId: o.id, messageId, encryptedDataKey: edk, encryptionContext: context });
  return { o, body, r: await handler(lambdaEvent('function-url', 'POST', '/api/unwrap', { token: await tokenOf('alice'), body }), {}) };
}

async function auditObjects() {
  const out = [];
  for (const o of (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []) {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
    out.push({ key: o.Key, text: await res.Body.transformToString('utf8') });
  }
  return out;
}

const tool = (name, ...args) => {
  try {
    return { status: 0, out: execFileSync(process.execPath, ['--import', 'tsx', `www/broker/src/${name}`, ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env } }) };
  } catch (e) {
    return { status: e.status, out: `${e.stdout}${e.stderr}` };
  }
};

before(async () => {
  let manifest;
  ({ env, cfg, manifest } = ensureStack());
  index = { contacts: manifest.contacts }; // the sealed samples (the stack's sealer wrote them)
  Object.assign(process.env, env); // the SDK's credentials and region, as the function's environment
  s3 = new S3Client(cfg.s3);
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((e) => {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes(e.name)) throw e;
  });
});

test('a granted unwrap through the Lambda handler: its record is an S3 object when the handler returns, the chain verifies, the tools read it', async (t) => {
  const proxy = await s3Proxy();
  t.after(() => proxy.close());
  const handler = handlerFor({ CALLSEAL_S3_ENDPOINT: proxy.url });
  const { o, body, r } = await aliceUnwrap(handler);
  assert.equal(r.statusCode, 200, r.body);
  assert.equal((await openAnswer(JSON.parse(r.body), body, 'alice')).length, 32);

  // No waiting: what the handler answered after is in S3 now.
  const objects = await auditObjects();
  const requestId = r.headers['x-request-id'];
  const holding = objects.filter((x) => x.text.split('\n').filter(Boolean).some((l) => JSON.parse(l).requestID === requestId));
  assert.equal(holding.length, 1, `one object holds the unwrap's record: ${objects.map((x) => x.key).join(', ')}`);
  assert.equal(proxy.auditPuts.length, objects.length, 'each object one PUT');
  for (const h of proxy.auditPuts) assert.equal(h['if-none-match'], '*', 'never overwriting an object');
  const rec = holding[0].text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((x) => x.requestID === requestId);
  assert.equal(rec.eventName, 'Decrypt');
  assert.equal(rec.errorCode, undefined);
  assert.equal(rec.additionalEventData.objectId, o.id);
  for (const x of objects) {
    const m = new RegExp(`^${prefix}(\\d{4})/(\\d\\d)/(\\d\\d)/(\\d{8})T\\d{6}\\.\\d{3}Z_([0-9a-f]{12})_(\\d{12})\\.jsonl$`).exec(x.key);
    assert.ok(m, `the key sorts by time and names the stream and chain position: ${x.key}`);
    assert.equal(m[1] + m[2] + m[3], m[4]);
    assert.equal(JSON.parse(x.text.split('\n')[0]).chain.seq, Number(m[6]), 'the key names its first record\'s position');
  }
  // One stream (this handler's): StartBroker at 0, then the unwrap, chained.
  const streams = new Set(objects.map((x) => x.key.split('_')[1]));
  assert.equal(streams.size, 1);
  const log = objects.sort((a, b) => a.key.localeCompare(b.key)).map((x) => x.text).join('');
  const report = checkChain(log);
  assert.deepEqual(report.breaks, []);
  assert.equal(report.records, 2);
  assert.equal(JSON.parse(log.split('\n')[0]).eventName, 'StartBroker');

  // audit-check.ts reads the S3 objects; audit-who.ts a downloaded copy (keys as paths).
  const checked = tool('audit-check.ts', `s3://${bucket}/${prefix}`);
  assert.equal(checked.status, 0, checked.out);
  assert.match(checked.out, new RegExp(`s3://${bucket}/${prefix} stream [0-9a-f]{12}: 2 records, last seq 1: chain intact`));
  const copy = mkdtempSync(join(tmpdir(), 'callseal-audit-copy-'));
  for (const x of objects) {
    mkdirSync(dirname(join(copy, x.key)), { recursive: true });
    writeFileSync(join(copy, x.key), x.text);
  }
  const contactId = index.contacts.find((c) => c.objects.some((x) => x.id === o.id)).contactId;
  const who = JSON.parse(tool('audit-who.ts', contactId, copy, '--json').out);
  assert.deepEqual(who.breaks, []);
  assert.deepEqual(who.users, ['alice']);
  assert.equal(who.heard[0].requestId, requestId);
  // An object removed from the copy breaks its stream's chain.
  writeFileSync(join(copy, objects[0].key), '');
  const cut = tool('audit-check.ts', copy);
  assert.equal(cut.status, 1, cut.out);
  assert.match(cut.out, /the log starts at record 1, not 0/);
});

test('S3 answering the audit\'s PUTs 500: the unwrap is refused 503 AuditUnavailable, no key, and /healthz says why', async (t) => {
  const proxy = await s3Proxy(500);
  t.after(() => proxy.close());
  const handler = handlerFor({ CALLSEAL_S3_ENDPOINT: proxy.url });
  const { r } = await aliceUnwrap(handler);
  assert.equal(r.statusCode, 503, r.body);
  const answer = JSON.parse(r.body);
  assert.equal(answer.error.code, 'AuditUnavailable');
  assert.deepEqual(Object.keys(answer), ['error'], 'nothing sealed is in the answer');
  const h = await handler(lambdaEvent('function-url', 'GET', '/healthz'), {});
  assert.equal(h.statusCode, 503, h.body);
  const health = JSON.parse(h.body);
  assert.equal(health.ok, false);
  assert.equal(health.audit.writable, false);
  assert.equal(health.audit.error, 'InternalError');
  assert.ok(proxy.auditPuts.length >= 2, 'the PUTs were tried');
  assert.deepEqual(await auditObjects().then((os) => os.filter((x) => x.text.includes(JSON.parse(r.body).error.requestId))), [], 'nothing of it in S3');
});

test('the broker README and the template: the Lambda function\'s audit is S3 objects written before the answer, the role may only put them', () => {
  const readme = readFileSync(join(repoRoot, 'www/broker/README.md'), 'utf8').replace(/\s+/g, ' ');
  assert.ok(!readme.includes('gone with the execution environment'), 'README: no longer an audit file in /tmp');
  for (const name of ['CALLSEAL_AUDIT_SINK', 'CALLSEAL_AUDIT_BUCKET', 'CALLSEAL_AUDIT_PREFIX', 'If-None-Match: *']) assert.ok(readme.includes(name), `README names ${name}`);
  assert.match(readme, /tests\/broker\/audit-s3\.test\.mjs/);
  const template = readFileSync(join(repoRoot, 'deploy/template.yaml'), 'utf8');
  assert.match(template, /CALLSEAL_AUDIT_SINK: s3\n/);
  assert.match(template, /CALLSEAL_AUDIT_BUCKET: !Ref AuditBucket\n/);
  const auditPrefix = /CALLSEAL_AUDIT_PREFIX: (\S+)\n/.exec(template)?.[1];
  assert.ok(auditPrefix, 'the template sets the prefix');
  assert.doesNotMatch(template, /CALLSEAL_AUDIT_LOG/, 'no audit file in the function');
  const statement = /- Sid: WriteTheAuditRecords\n\s+Effect: Allow\n\s+Action: (\S+)\n\s+Resource: (.+)\n/.exec(template);
  assert.ok(statement, 'the role has the audit statement');
  assert.equal(statement[1], 's3:PutObject');
  assert.equal(statement[2], `!Sub "\${AuditBucket.Arn}/${auditPrefix}*"`);
  // Every statement of the role on the audit bucket only puts objects: it cannot read, list or delete records.
  const onAuditBucket = [...template.matchAll(/Action: (\S+)\n\s+Resource: (.*AuditBucket\.Arn.*)\n/g)];
  assert.equal(onAuditBucket.length, 2, 'the records and the CloudTrail copy');
  assert.deepEqual(onAuditBucket.map((m) => m[1]), ['s3:PutObject', 's3:PutObject']);
  assert.match(template, /AuditBucket:\n\s+Type: AWS::S3::Bucket\n(?:.*\n){0,3}\s+VersioningConfiguration:\n\s+Status: Enabled\n/);
});
