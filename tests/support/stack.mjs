// The local stack as the player tests, the timing script and the playback bench see it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';

/** The variables scripts/stack/up.sh wrote to `<stack>/stack.env` (KEY='value' lines). */
export function readStackEnv(stack) {
  const out = {};
  for (const line of readFileSync(join(stack, 'stack.env'), 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)='([^']*)'$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** Whether a key broker answers at `base` (the listing, for the bearer of `token`, within 3 s). */
export async function brokerAnswers(base, token) {
  try {
    const r = await fetch(new URL('api/recordings', base), { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(3000) });
    return r.status === 200;
  } catch {
    return false;
  }
}

/**
 * Starts the local stack from checkout `root` (scripts/stack/up.sh, idempotent), makes the
 * sample recordings (make-samples, reused when present), and returns the stack's variables,
 * the samples' manifest, an S3 client on the stack and what the broker's listing holds (the
 * manifest's contacts: the samples dropped and the objects the stack's sealer made of them).
 * `stdout`: 'inherit' to show the scripts' progress, else 'ignore'.
 */
export async function openStack({ root, stack = join(root, '.stack'), stdout = 'ignore' }) {
  const run = { cwd: root, stdio: ['ignore', stdout, 'inherit'], env: { ...process.env, NODE_NO_WARNINGS: '1' } };
  execFileSync(join(root, 'scripts/stack/up.sh'), run);
  execFileSync(process.execPath, [join(root, 'scripts/samples/make-samples.mjs')], run);
  const env = readStackEnv(stack);
  const manifest = JSON.parse(readFileSync(join(stack, 'samples/manifest.json'), 'utf8'));
  const s3 = new S3Client({
    region: env.AWS_REGION, endpoint: env.CALLSEAL_S3_ENDPOINT, forcePathStyle: true,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  });
  return { env, manifest, s3, index: { contacts: manifest.contacts } };
}
