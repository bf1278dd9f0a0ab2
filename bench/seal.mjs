#!/usr/bin/env node
// The sealer against @aws-crypto/client-node's encryptStream on the same S3 object in the same
// run: each reads the object from the local stack's S3, encrypts it (suite 0x0578, 4 KiB frames,
// one KMS GenerateDataKey) and writes the message by multipart upload in 8 MiB parts. Prints one
// JSON line per run and a summary (median MiB/s of each, their ratio, the sealer's peak RSS).
//
//   node bench/seal.mjs [SIZE_MIB=256] [RUNS=3]     (scripts/stack/up.sh and a sealer build first;
//   CALLSEAL_SEALER_BIN picks the binary, default target/sealer/callseal: make sealer)
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import { KMS } from '@aws-sdk/client-kms';
import {
  S3Client, GetObjectCommand, DeleteObjectCommand, CreateMultipartUploadCommand,
  UploadPartCommand, CompleteMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { readStackEnv, clientConfig, repoRoot } from '../scripts/stack/stack-env.mjs';

const sizeMiB = Number(process.argv[2] ?? 256);
const runs = Number(process.argv[3] ?? 3);
const bin = process.env.CALLSEAL_SEALER_BIN || `${repoRoot}/target/sealer/callseal`;
const env = readStackEnv();
const cfg = clientConfig(env);
const s3 = new S3Client(cfg.s3);
const B = env.CALLSEAL_BUCKET;
const PART = 8 << 20;

async function nodeSeal(key) {
  const keyring = new KmsKeyringNode({ generatorKeyId: env.CALLSEAL_KMS_KEY_ARN, clientProvider: () => new KMS(cfg.kms) });
  const { encryptStream } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const target = `${key}.node.esdk`;
  const t0 = performance.now();
  const src = await s3.send(new GetObjectCommand({ Bucket: B, Key: key }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: target }));
  const parts = [];
  let pending = [];
  let pendingLen = 0;
  let inFlight = Promise.resolve();
  const flush = async () => {
    const body = Buffer.concat(pending, pendingLen);
    pending = [];
    pendingLen = 0;
    await inFlight; // one part uploading while the next fills, as the sealer does
    const PartNumber = parts.length + 1;
    parts.push(null);
    inFlight = s3.send(new UploadPartCommand({ Bucket: B, Key: target, UploadId, PartNumber, Body: body }))
      .then((r) => { parts[PartNumber - 1] = { PartNumber, ETag: r.ETag }; });
  };
  await pipeline(
    src.Body,
    encryptStream(keyring, { encryptionContext: { 'aws:connect:contact-id': 'bench' }, frameLength: 4096 }),
    new Writable({
      async write(chunk, _enc, cb) {
        pending.push(chunk);
        pendingLen += chunk.length;
        try { if (pendingLen >= PART) await flush(); cb(); } catch (e) { cb(e); }
      },
      async final(cb) { try { if (pendingLen) await flush(); await inFlight; cb(); } catch (e) { cb(e); } },
    }),
  );
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: target, UploadId, MultipartUpload: { Parts: parts } }));
  const seconds = (performance.now() - t0) / 1000;
  await s3.send(new DeleteObjectCommand({ Bucket: B, Key: target }));
  return { seconds };
}

function rustSeal(key) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', 'maxrss=%M', bin, 'seal', '--bucket', B, '--key', key], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.once('exit', async (code) => {
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`sealer exited ${code}: ${out} ${err}`));
      await s3.send(new DeleteObjectCommand({ Bucket: B, Key: `${key}.esdk` }));
      resolve({ seconds, maxRssMiB: Number(/maxrss=(\d+)/.exec(err)[1]) / 1024, line: JSON.parse(out.trim().split('\n')[0]) });
    });
  });
}

// Outside the stack's Connect prefix (connect/callseal-demo/): its own sealer must not race this one.
const key = `connect/callseal-bench/CallRecordings/2026/12/06/${randomUUID()}_20261206T10:00_UTC.wav`;
const mib = randomBytes(1 << 20);
{
  // Written in parts of up to 64 MiB: a 2 GiB object is more than one Buffer holds comfortably.
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: key }));
  const parts = [];
  for (let at = 0, n = 1; at < sizeMiB; at += 64, n++) {
    const Body = Buffer.concat(Array.from({ length: Math.min(64, sizeMiB - at) }, () => mib));
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: B, Key: key, UploadId, PartNumber: n, Body }));
    parts.push({ PartNumber: n, ETag });
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
}
const rows = { node: [], sealer: [] };
for (let r = 0; r < runs; r++) {
  const n = await nodeSeal(key);
  rows.node.push(sizeMiB / n.seconds);
  console.log(JSON.stringify({ run: r, contender: 'client-node encryptStream', mib: sizeMiB, seconds: +n.seconds.toFixed(2), mibPerS: +(sizeMiB / n.seconds).toFixed(1) }));
  const s = await rustSeal(key);
  rows.sealer.push(sizeMiB / s.seconds);
  console.log(JSON.stringify({ run: r, contender: 'callseal seal', mib: sizeMiB, seconds: +s.seconds.toFixed(2), mibPerS: +(sizeMiB / s.seconds).toFixed(1), maxRssMiB: +s.maxRssMiB.toFixed(1), parts: s.line.parts }));
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(JSON.stringify({ summary: { sizeMiB, runs, nodeMiBps: +median(rows.node).toFixed(1), sealerMiBps: +median(rows.sealer).toFixed(1), ratio: +(median(rows.sealer) / median(rows.node)).toFixed(2) } }));
await s3.send(new DeleteObjectCommand({ Bucket: B, Key: key }));
