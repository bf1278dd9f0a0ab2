// The local stack seals what Connect drops, as S3 event notifications would have it sealed on AWS:
// an object put under the Connect instance's prefix becomes a sealed object with no message sent by
// hand (SeaweedFS's filer events -> scripts/stack/notifier.mjs -> an ObjectCreated record on the
// stack's SQS queue -> the stack's `callseal seal --queue` worker), a multipart upload included;
// an object outside the notification configuration's prefix sends nothing.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand, HeadObjectCommand, DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { repoRoot, stackDir } from '../../scripts/stack/stack-env.mjs';
import { ensureStack, connectKey, bytes, put, get, decryptNode } from './support.mjs';

let env, s3;
before(() => { ({ env, s3 } = ensureStack()); });

/** The sealed object of `key` once the stack's sealer wrote it (polls; the test's timeout bounds it). */
async function sealedOf(key) {
  for (;;) {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: env.CALLSEAL_BUCKET, Key: `${key}.esdk` }));
      return await get(`${key}.esdk`);
    } catch (err) {
      if (err?.$metadata?.httpStatusCode !== 404) throw err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What the notifier sent, by key (its log: one JSON line per record sent). */
function sent() {
  return readFileSync(join(stackDir(), 'logs/notifier.log'), 'utf8').split('\n')
    .filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((l) => l.key);
}

test('objects put under the Connect prefix are sealed by the stack with no message sent by hand', { timeout: 120_000 }, async (t) => {
  const prefix = env.CALLSEAL_CONNECT_PREFIX;
  const outside = connectKey('json', 'ChatTranscripts'); // another instance's folder: no notification
  await put(outside.key, bytes(100, outside.key));

  const chat = connectKey('json', 'ChatTranscripts', '20261206T10:00_UTC', prefix);
  const chatPlain = bytes(20_000, chat.key);
  await put(chat.key, chatPlain);

  const rec = connectKey('wav', 'CallRecordings', '20261206T10:00_UTC', prefix);
  // The demo's broker lists what is sealed under this prefix: leave only the samples there.
  t.after(() => s3.send(new DeleteObjectsCommand({
    Bucket: env.CALLSEAL_BUCKET,
    Delete: { Objects: [chat.key, rec.key].flatMap((k) => [{ Key: k }, { Key: `${k}.esdk` }]), Quiet: true },
  })));
  const recPlain = bytes(6 * 1024 * 1024 + 123, rec.key); // two parts
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: env.CALLSEAL_BUCKET, Key: rec.key }));
  const parts = [];
  for (const [i, body] of [recPlain.subarray(0, 5 << 20), recPlain.subarray(5 << 20)].entries()) {
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: env.CALLSEAL_BUCKET, Key: rec.key, UploadId, PartNumber: i + 1, Body: body }));
    parts.push({ PartNumber: i + 1, ETag });
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: env.CALLSEAL_BUCKET, Key: rec.key, UploadId, MultipartUpload: { Parts: parts } }));

  for (const [{ key, contactId }, plaintext, kind, format] of [[chat, chatPlain, 'chat-transcript', 'json'], [rec, recPlain, 'recording', 'wav']]) {
    const sealed = await sealedOf(key);
    const { plaintext: opened, messageHeader } = await decryptNode(sealed.body);
    assert.ok(opened.equals(plaintext), `${key}: plaintext differs`);
    assert.equal(messageHeader.encryptionContext['aws:connect:contact-id'], contactId);
    assert.equal(messageHeader.encryptionContext['callseal:kind'], kind);
    assert.equal(messageHeader.encryptionContext['callseal:format'], format);
  }
  const records = sent();
  const head = await s3.send(new HeadObjectCommand({ Bucket: env.CALLSEAL_BUCKET, Key: rec.key }));
  assert.deepEqual(records.filter((r) => r.key === rec.key).map((r) => [r.event, r.etag, r.size]),
    [['ObjectCreated:CompleteMultipartUpload', head.ETag.replaceAll('"', ''), recPlain.length]]);
  assert.deepEqual(records.filter((r) => r.key === chat.key).map((r) => r.event), ['ObjectCreated:Put']);
  // Sent in the filer's order: the outside object came first and was not sent.
  assert.equal(records.filter((r) => r.key === outside.key).length, 0, 'outside the prefix: no notification');
  await assert.rejects(get(`${outside.key}.esdk`), /NoSuchKey|NotFound/);
});

test("SeaweedFS restarted while its filer's gRPC port is taken by another program: up.sh gives the filer a free one, the notifier's subscription reaches it and what is put is sealed", { timeout: 180_000 }, async (t) => {
  const dir = stackDir();
  const kept = Number(readFileSync(join(dir, 'filer-grpc.port'), 'utf8'));
  execFileSync('bash', [join(repoRoot, 'scripts/stack/down.sh'), 'notifier', 'weed'], { stdio: 'ignore' });
  const squatter = createServer(() => {});
  for (let attempt = 1; ; attempt++) { // the stopped SeaweedFS's socket may take a moment to go
    try {
      await new Promise((resolve, reject) => squatter.once('error', reject).listen(kept, env.CALLSEAL_BIND ?? '127.0.0.1', resolve));
      break;
    } catch (err) {
      if (err.code !== 'EADDRINUSE' || attempt === 50) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  t.after(() => squatter.close());
  const up = spawnSync('bash', [join(repoRoot, 'scripts/stack/up.sh')], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  assert.equal(up.status, 0, up.stderr);
  const now = Number(readFileSync(join(dir, 'filer-grpc.port'), 'utf8'));
  assert.notEqual(now, kept);
  assert.match(up.stderr, new RegExp(`the filer's gRPC port ${kept} is taken by another program: using ${now}`));
  assert.equal(readFileSync(join(dir, 'run/notifier.ready'), 'utf8'), readFileSync(join(dir, 'run/notifier.pid'), 'utf8').trim());

  const chat = connectKey('json', 'ChatTranscripts', '20261206T10:00_UTC', env.CALLSEAL_CONNECT_PREFIX);
  t.after(() => s3.send(new DeleteObjectsCommand({ Bucket: env.CALLSEAL_BUCKET, Delete: { Objects: [{ Key: chat.key }, { Key: `${chat.key}.esdk` }], Quiet: true } })));
  const plaintext = bytes(5_000, chat.key);
  await put(chat.key, plaintext);
  const { plaintext: opened } = await decryptNode((await sealedOf(chat.key)).body);
  assert.ok(opened.equals(plaintext));
});
