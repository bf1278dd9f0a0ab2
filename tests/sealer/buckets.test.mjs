// The stack's S3 server takes writes into every bucket the tests create. SeaweedFS stores each
// bucket in a collection of its own, and each collection needs at least one volume; left to
// itself, `weed mini` allows as many volumes as the disk has free GiB, so on a machine with less
// free disk a bucket created late in `make test` answered every PutObject with InternalError
// ("failed to find writable volumes"). scripts/stack/up.sh sets the volume count.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, DeleteObjectCommand,
  DeleteBucketCommand, ListObjectVersionsCommand,
} from '@aws-sdk/client-s3';
import { ensureStack } from './support.mjs';

const created = [];
after(async () => {
  const { s3 } = ensureStack();
  for (const Bucket of created) {
    const { Versions = [], DeleteMarkers = [] } = await s3.send(new ListObjectVersionsCommand({ Bucket }));
    for (const v of [...Versions, ...DeleteMarkers]) await s3.send(new DeleteObjectCommand({ Bucket, Key: v.Key, VersionId: v.VersionId }));
    await s3.send(new DeleteBucketCommand({ Bucket }));
  }
});

test('20 new buckets, half of them versioned, each take an object', async () => {
  const { s3 } = ensureStack();
  const failed = [];
  for (let i = 0; i < 20; i++) {
    const Bucket = `callseal-buckets-${process.pid}-${Date.now()}-${i}`;
    await s3.send(new CreateBucketCommand({ Bucket }));
    created.push(Bucket);
    if (i % 2) await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    try {
      await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: `object ${i}` }));
    } catch (e) {
      failed.push(`${Bucket}: ${e.name}`);
    }
  }
  assert.deepEqual(failed, []);
});
