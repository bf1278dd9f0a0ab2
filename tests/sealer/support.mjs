// Shared by the sealer tests: the real local stack (scripts/stack/up.sh: SeaweedFS S3, moto KMS),
// the `callseal` binary built with the sealer (`make test-sealer` builds it; CALLSEAL_SEALER_BIN
// overrides), Connect-layout keys of fresh contacts, and the official ESDKs that decrypt what the
// sealer wrote (@aws-crypto/client-node with a KMS keyring; the Python ESDK in .venv).
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID, createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import { KMS } from '@aws-sdk/client-kms';
import { S3Client, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { readStackEnv, clientConfig, repoRoot, stackDir } from '../../scripts/stack/stack-env.mjs';
import { startStack } from '../support/stack.mjs';


export const sealerBin = process.env.CALLSEAL_SEALER_BIN || join(repoRoot, 'target/sealer/callseal');

let stack;
/** Starts the stack (idempotent) and returns { env, cfg, s3 }. */
export function ensureStack() {
  if (!stack) {
    if (!existsSync(sealerBin)) throw new Error(`${sealerBin} missing: make sealer`);
    startStack({ root: repoRoot, stack: stackDir(), samples: false });
    const env = readStackEnv();
    const cfg = clientConfig(env);
    stack = { env, cfg, s3: new S3Client(cfg.s3) };
  }
  return stack;
}

export const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/**
 * A Connect key of a fresh contact: { contactId, key } (folder: CallRecordings, or another), under
 * an instance alias of its own (`prefix`): the stack's sealer seals only its own instance's
 * objects (CALLSEAL_CONNECT_PREFIX), so these stay for the test's own `callseal seal`.
 */
export function connectKey(ext = 'wav', folder = 'CallRecordings', nameAfterId = '20261206T10:00_UTC', prefix = 'connect/callseal-test/') {
  const contactId = randomUUID();
  return { contactId, key: `${prefix}${folder}/2026/12/06/${contactId}_${nameAfterId}.${ext}` };
}

/** Deterministic pseudo-random bytes (so a failure can be replayed). */
export function bytes(n, seed = 'sealer') {
  const out = Buffer.alloc(n);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 0; i < n; i += 32) {
    block.copy(out, i, 0, Math.min(32, n - i));
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

export async function put(key, body, extra = {}) {
  const { env, s3 } = ensureStack();
  await s3.send(new PutObjectCommand({ Bucket: env.CALLSEAL_BUCKET, Key: key, Body: body, ...extra }));
}

export async function get(key) {
  const { env, s3 } = ensureStack();
  const res = await s3.send(new GetObjectCommand({ Bucket: env.CALLSEAL_BUCKET, Key: key }));
  return { body: Buffer.from(await res.Body.transformToByteArray()), etag: res.ETag, metadata: res.Metadata };
}

/**
 * Runs `callseal seal ARGS` (under `wrapper`, e.g. GNU time) with the stack's settings (+ `env`); resolves { code, lines (parsed
 * JSON of stdout), stderr, signal }; the promise's `child` is the process.
 */
export function seal(args, env = {}, wrapper = []) {
  const { env: stackEnv } = ensureStack();
  const [cmd, ...pre] = [...wrapper, sealerBin];
  const child = spawn(cmd, [...pre, 'seal', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...stackEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const done = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({
      code, signal, stderr: err,
      lines: out.split('\n').filter(Boolean).map((l) => JSON.parse(l)),
    }));
  });
  done.child = child;
  return done;
}

/** Decrypts with @aws-crypto/client-node's KMS keyring on the stack's key: { plaintext, messageHeader }. */
export async function decryptNode(ciphertext) {
  const { env, cfg } = ensureStack();
  const keyring = new KmsKeyringNode({ keyIds: [env.CALLSEAL_KMS_KEY_ARN], clientProvider: () => new KMS(cfg.kms) });
  const { decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  return decrypt(keyring, ciphertext);
}

/** Decrypts the message in FILE with the Python ESDK (strict KMS provider on moto): { sha256, context }. */
export function decryptPython(file) {
  const { env } = ensureStack();
  const out = execFileSync(join(repoRoot, '.venv/bin/python'), [join(repoRoot, 'tests/interop/sealer_python.py'), file, env.CALLSEAL_KMS_KEY_ARN], {
    env: {
      ...process.env,
      AWS_ENDPOINT_URL_KMS: env.CALLSEAL_KMS_ENDPOINT,
      AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
      AWS_DEFAULT_REGION: env.AWS_REGION,
    },
  });
  return JSON.parse(out.toString('utf8'));
}

/** SQS on the stack's moto (tests/sealer/sqs.py through boto3). */
export function sqs(args, input) {
  const { env } = ensureStack();
  const out = execFileSync(join(repoRoot, '.venv/bin/python'), [join(repoRoot, 'tests/sealer/sqs.py'), ...args], {
    input: input === undefined ? undefined : JSON.stringify(input),
    env: {
      ...process.env,
      AWS_ENDPOINT_URL_SQS: env.CALLSEAL_KMS_ENDPOINT, // moto serves every service on one port
      AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
      AWS_DEFAULT_REGION: env.AWS_REGION,
    },
  });
  return JSON.parse(out.toString('utf8'));
}

export { objectCreatedEvent } from '../../scripts/stack/s3-events.mjs';
