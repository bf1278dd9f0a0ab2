#!/usr/bin/env node
// One Node contender of the seal bench (bench/lib/seal-bench.mjs), in a process of its own so that
// its peak RSS is its own: reads s3://bucket/SOURCE as a stream and writes TARGET by multipart
// upload in 8 MiB parts, one part uploading while the next fills (as `callseal seal` does).
//   encrypt  through @aws-crypto/client-node's encryptStream with a KMS keyring (suite 0x0578, the
//            default; 4 KiB frames; one GenerateDataKey)
//   copy     the bytes as they are: the floor of any sealer on this S3 server
// Prints one JSON line: { seconds (from the GetObject request to the completed upload), parts, bytes }.
//
//   node bench/seal-peer.mjs encrypt|copy BUCKET SOURCE TARGET   (the local stack's .stack/stack.env;
//   CALLSEAL_KMS_ENDPOINT overrides its KMS endpoint)
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import { KMS } from '@aws-sdk/client-kms';
import {
  S3Client, GetObjectCommand, CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { readStackEnv, clientConfig } from '../scripts/stack/stack-env.mjs';

const [mode, bucket, source, target] = process.argv.slice(2);
if (!['encrypt', 'copy'].includes(mode) || !target) throw new Error('usage: seal-peer.mjs encrypt|copy BUCKET SOURCE TARGET');
const env = readStackEnv();
const cfg = clientConfig(env);
const s3 = new S3Client(cfg.s3);
const PART = 8 << 20;

/** The transforms between the source and the parts: none for the copy. */
function stages() {
  if (mode === 'copy') return [];
  const kms = { ...cfg.kms, endpoint: process.env.CALLSEAL_KMS_ENDPOINT || cfg.kms.endpoint };
  const keyring = new KmsKeyringNode({ generatorKeyId: env.CALLSEAL_KMS_KEY_ARN, clientProvider: () => new KMS(kms) });
  const { encryptStream } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  return [encryptStream(keyring, { encryptionContext: { 'aws:connect:contact-id': 'bench' }, frameLength: 4096 })];
}

const t0 = performance.now();
const src = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: source }));
const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: target }));
const parts = [];
let pending = [];
let pendingLen = 0;
let bytes = 0;
let inFlight = Promise.resolve();
const flush = async () => {
  const body = Buffer.concat(pending, pendingLen);
  bytes += pendingLen;
  pending = [];
  pendingLen = 0;
  await inFlight;
  const PartNumber = parts.length + 1;
  parts.push(null);
  inFlight = s3.send(new UploadPartCommand({ Bucket: bucket, Key: target, UploadId, PartNumber, Body: body }))
    .then((r) => { parts[PartNumber - 1] = { PartNumber, ETag: r.ETag }; });
};
await pipeline(
  src.Body,
  ...stages(),
  new Writable({
    async write(chunk, _enc, cb) {
      pending.push(chunk);
      pendingLen += chunk.length;
      try { if (pendingLen >= PART) await flush(); cb(); } catch (e) { cb(e); }
    },
    async final(cb) { try { if (pendingLen) await flush(); await inFlight; cb(); } catch (e) { cb(e); } },
  }),
);
await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: target, UploadId, MultipartUpload: { Parts: parts } }));
console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, parts: parts.length, bytes }));
