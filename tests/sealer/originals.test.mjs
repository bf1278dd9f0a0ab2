// What becomes of the originals (CALLSEAL_SEAL_ORIGINALS), on a versioned bucket of the stack:
// `delete` removes every version of the original only once its sealed object was read back and
// verified; a sealed object that is not the original's leaves every version in place; `expire`
// tags the verified original for the bucket's lifecycle rule; `keep` (default) leaves it be.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, PutBucketVersioningCommand, ListObjectVersionsCommand, CopyObjectCommand,
  GetObjectTaggingCommand, PutObjectCommand, GetObjectCommand,
} from '@aws-sdk/client-s3';
import { ensureStack, connectKey, bytes, seal, decryptNode } from './support.mjs';

let env, s3;
const Bucket = `callseal-originals-${process.pid}-${Date.now()}`;
before(async () => {
  ({ env, s3 } = ensureStack());
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
});

const putVersion = async (Key, Body) => (await s3.send(new PutObjectCommand({ Bucket, Key, Body }))).ETag;
async function versionsOf(Key) {
  const res = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: Key }));
  return [...(res.Versions ?? []), ...(res.DeleteMarkers ?? [])].filter((v) => v.Key === Key);
}
const sealed = async (Key) => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body.transformToByteArray());

test('delete: every version of the original is deleted once its sealed object is read back and verified', async () => {
  const { key } = connectKey('wav');
  await putVersion(key, bytes(70_000, `${key}#1`));
  const newest = bytes(90_001, `${key}#2`);
  await putVersion(key, newest);
  assert.equal((await versionsOf(key)).length, 2);

  const run = await seal(['--bucket', Bucket, '--key', key], { CALLSEAL_SEAL_ORIGINALS: 'delete' });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.lines[0].outcome, 'sealed');
  assert.equal(run.lines[0].original, 'deleted');
  assert.deepEqual(await versionsOf(key), [], 'no version and no delete marker left');
  const { plaintext } = await decryptNode(await sealed(`${key}.esdk`));
  assert.ok(plaintext.equals(newest), 'the sealed object holds the newest version');
});

test('delete: a sealed object that is not the original\'s is refused (VerifyFailed) and every version stays', async () => {
  const { contactId, key } = connectKey('wav');
  const other = key.replace(`${contactId}_`, `${contactId}_other_`); // the same contact, kind and format
  await putVersion(other, bytes(50_000, other));
  assert.equal((await seal(['--bucket', Bucket, '--key', other])).code, 0);
  await putVersion(key, bytes(50_000, `${key}#1`));
  await putVersion(key, bytes(50_000, `${key}#2`));
  // Another object's sealed message where this one's belongs (its context names the same contact).
  await s3.send(new CopyObjectCommand({ Bucket, Key: `${key}.esdk`, CopySource: `${Bucket}/${encodeURIComponent(`${other}.esdk`)}` }));

  const run = await seal(['--bucket', Bucket, '--key', key], { CALLSEAL_SEAL_ORIGINALS: 'delete' });
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.lines[0].outcome, 'refused');
  assert.equal(run.lines[0].code, 'VerifyFailed');
  assert.match(run.lines[0].message, /not the original's/);
  assert.equal((await versionsOf(key)).length, 2, 'both versions stay');
});

test('expire: the verified original is tagged for the lifecycle rule and stays; keep leaves it untagged', async () => {
  const { key } = connectKey('json', 'ChatTranscripts');
  await putVersion(key, bytes(10_000, key));
  const run = await seal(['--bucket', Bucket, '--key', key], { CALLSEAL_SEAL_ORIGINALS: 'expire' });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.lines[0].original, 'tagged');
  const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket, Key: key }));
  assert.deepEqual(TagSet, [{ Key: 'callseal-sealed', Value: 'verified' }]);
  assert.equal((await versionsOf(key)).length, 1, 'the original stays until the rule expires it');

  const kept = connectKey('json', 'ChatTranscripts').key;
  await putVersion(kept, bytes(10_000, kept));
  const keep = await seal(['--bucket', Bucket, '--key', kept]);
  assert.equal(keep.code, 0, keep.stderr);
  assert.equal(keep.lines[0].original, 'kept');
  assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: kept }))).TagSet, []);
  assert.equal((await versionsOf(kept)).length, 1);
});
