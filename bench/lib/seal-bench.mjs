// The sealer (issue 21) on the local stack (scripts/stack/up.sh: SeaweedFS S3, moto KMS), side by
// side with its peer and the floor in one run, on one object of random bytes:
//   sealer  `callseal seal --bucket B --key K` (the CLI path of the worker: GetObject stream, ESDK
//           0x0578 with 4 KiB frames, multipart upload in 8 MiB parts), target/sealer/callseal
//   peer    @aws-crypto/client-node encryptStream with a KMS keyring, same parts (bench/seal-peer.mjs)
//   floor   the same bytes copied GetObject -> multipart upload, no encryption (bench/seal-peer.mjs)
// Each contender is a process of its own under /usr/bin/time (peak RSS), KMS is reached through a
// counting proxy (bench/lib/kms-counter.mjs: the KMS requests of each object), rounds rotate the
// order so that a change in the machine's load falls on all three.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  S3Client, HeadObjectCommand, DeleteObjectCommand, CreateMultipartUploadCommand, UploadPartCommand,
  CompleteMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { readStackEnv, clientConfig } from '../../scripts/stack/stack-env.mjs';
import { kmsCounter, countsSince } from './kms-counter.mjs';

export const SEAL_CONTENDERS = ['sealer', 'peer', 'floor'];
const load = () => loadavg().map((x) => Number(x.toFixed(2)));

/** Runs `cmd args` under /usr/bin/time; resolves { wallSeconds, maxRssMiB, cpuSeconds, stdout }. */
function timed(cmd, args, env) {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/time', ['-f', 'maxrss=%M cpu=%U+%S', cmd, ...args], { env, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const wallSeconds = (performance.now() - t0) / 1000;
      if (err) return reject(new Error(`${stderr.trim().slice(-400)} (exit ${err.code}: ${cmd} ${args[1] ?? args[0]})`));
      const m = /maxrss=(\d+) cpu=([\d.]+)\+([\d.]+)/.exec(stderr);
      resolve({ wallSeconds, maxRssMiB: m ? Number(m[1]) / 1024 : null, cpuSeconds: m ? Number(m[2]) + Number(m[3]) : null, stdout });
    });
  });
}

/**
 * Reclaims the space of deleted objects now (SeaweedFS keeps it until a volume's garbage passes
 * 30% and its vacuum runs): each round writes three copies of the object, and a 2 GiB run would
 * otherwise leave some 20 GiB on disk. The master of `weed mini` listens on port 9333.
 */
export async function vacuum(s3Endpoint) {
  const r = await fetch(`http://${new URL(s3Endpoint).hostname}:9333/vol/vacuum?garbageThreshold=0.01`);
  await r.arrayBuffer();
}

/** Writes `sizeMiB` MiB of random bytes (one random MiB repeated) to s3://bucket/key in 64 MiB parts. */
async function putSource(s3, bucket, key, sizeMiB) {
  const mib = randomBytes(1 << 20);
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const parts = [];
  for (let at = 0, n = 1; at < sizeMiB; at += 64, n++) {
    const Body = Buffer.concat(Array.from({ length: Math.min(64, sizeMiB - at) }, () => mib));
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: n, Body }));
    parts.push({ PartNumber: n, ETag });
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
}

/**
 * Seals one `sizeMiB` object `runs` times with each contender. Returns the raw figures:
 * { sizeMiB, runs, sealerBin, samples: { sealer|peer|floor: [{ seconds, wallSeconds, maxRssMiB,
 * cpuSeconds, kms, outputBytes, loadAverage } or { error, loadAverage }] } } (seconds: the sealer's from spawn to exit, the Node
 * contenders' from their GetObject to the completed upload, their start-up left out).
 */
export async function benchSeal({ root, sizeMiB, runs, log }) {
  const sealerBin = process.env.CALLSEAL_SEALER_BIN || join(root, 'target/sealer/callseal');
  if (!existsSync(sealerBin)) throw new Error(`${sealerBin} missing: make sealer`);
  execFileSync(join(root, 'scripts/stack/up.sh'), { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const env = readStackEnv();
  const s3 = new S3Client(clientConfig(env).s3);
  const bucket = env.CALLSEAL_BUCKET;
  const kms = await kmsCounter(env.CALLSEAL_KMS_ENDPOINT);
  // Outside the stack's Connect prefix (connect/callseal-demo/): its own sealer must not race these.
  const key = `connect/callseal-bench/CallRecordings/2026/12/06/${randomUUID()}_20261206T10:00_UTC.wav`;
  const childEnv = { ...process.env, ...env, CALLSEAL_KMS_ENDPOINT: kms.url, CALLSEAL_SEAL_PREFIXES: 'connect/callseal-bench/' };
  const run = {
    sealer: async () => {
      const r = await timed(sealerBin, ['seal', '--bucket', bucket, '--key', key], childEnv);
      const line = JSON.parse(r.stdout.trim().split('\n')[0]);
      if (line.outcome !== 'sealed') throw new Error(`callseal seal: ${r.stdout.trim()}`);
      return { ...r, seconds: r.wallSeconds, target: `${key}.esdk`, parts: line.parts };
    },
    peer: async () => timedPeer('encrypt', `${key}.node.esdk`),
    floor: async () => timedPeer('copy', `${key}.copy`),
  };
  const timedPeer = async (mode, target) => {
    const r = await timed(process.execPath, [join(root, 'bench/seal-peer.mjs'), mode, bucket, key, target], childEnv);
    const out = JSON.parse(r.stdout.trim());
    return { ...r, seconds: out.seconds, target, parts: out.parts };
  };
  const samples = Object.fromEntries(SEAL_CONTENDERS.map((c) => [c, []]));
  try {
    log(`seal: writing a ${sizeMiB} MiB source object`);
    await putSource(s3, bucket, key, sizeMiB);
    for (let round = 0; round < runs; round++) {
      const order = SEAL_CONTENDERS.map((_, i) => SEAL_CONTENDERS[(i + round) % SEAL_CONTENDERS.length]);
      for (const who of order) {
        const before = kms.counts();
        const loadAverage = load();
        let r;
        try {
          r = await run[who]();
        } catch (e) {
          samples[who].push({ error: String(e.message ?? e).slice(0, 500), loadAverage });
          log(`seal round ${round + 1}/${runs} ${who}: ERROR ${e.message}`);
          continue;
        }
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: r.target }));
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: r.target }));
        await vacuum(env.CALLSEAL_S3_ENDPOINT);
        const sample = {
          seconds: r.seconds, wallSeconds: r.wallSeconds, cpuSeconds: r.cpuSeconds, mibPerS: sizeMiB / r.seconds, maxRssMiB: r.maxRssMiB,
          kms: countsSince(before, kms.counts()), outputBytes: head.ContentLength, parts: r.parts, loadAverage,
        };
        samples[who].push(sample);
        log(`seal round ${round + 1}/${runs} ${who}: ${sample.mibPerS.toFixed(1)} MiB/s, peak RSS ${sample.maxRssMiB?.toFixed(1)} MiB, CPU ${sample.cpuSeconds?.toFixed(1)} s, KMS ${JSON.stringify(sample.kms)}, load ${loadAverage[0]}`);
      }
    }
  } finally {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => {});
    await vacuum(env.CALLSEAL_S3_ENDPOINT).catch(() => {});
    await kms.close();
  }
  const bin = statSync(sealerBin);
  return { sizeMiB, runs, sealerBin: { path: sealerBin, bytes: bin.size, built: bin.mtime.toISOString() }, samples };
}
