// The local stack as the player tests, the timing script and the playback bench see it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { readStackEnv, clientConfig } from '../../scripts/stack/stack-env.mjs';

/** Whether a key broker answers at `base` (the listing, for the bearer of `token`, within 3 s). */
export async function brokerAnswers(base, token) {
  try {
    const r = await fetch(new URL('api/recordings', base), { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(3000) });
    return r.status === 200;
  } catch {
    return false;
  }
}

const tail = (text, n) => text.split('\n').slice(-n - 1).join('\n');

/**
 * Runs one of the stack's scripts from checkout `root` and passes its stderr (its progress) on.
 * A failure throws an Error that carries why: the exit status, the script's last stderr lines and
 * the last lines of the stack's logs (the sealer's, the notifier's, SeaweedFS's), so that a test
 * runner showing only the error still shows the cause.
 */
function runScript(root, stack, args, stdout) {
  const r = spawnSync(args[0], args.slice(1), {
    cwd: root, stdio: ['ignore', stdout, 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  if (r.stderr) process.stderr.write(r.stderr);
  if (r.status === 0) return;
  const logs = ['sealer', 'notifier', 'weed', 'moto'].map((name) => join(stack, 'logs', `${name}.log`)).filter(existsSync)
    .map((path) => `--- last lines of ${path}\n${tail(readFileSync(path, 'utf8'), 15)}`);
  throw new Error([
    `${args.join(' ')} failed (${r.error ? r.error.message : r.signal ?? `exit ${r.status}`}); its last stderr lines:`,
    tail(r.stderr ?? '', 40), ...logs,
  ].join('\n'));
}

/**
 * Starts the local stack from checkout `root` (scripts/stack/up.sh, idempotent) and makes the
 * sample recordings (make-samples, reused when present; one maker at a time across processes).
 * `stdout`: 'inherit' to show the scripts' progress, else 'ignore'.
 */
export function startStack({ root, stack = join(root, '.stack'), samples = true, stdout = 'ignore' }) {
  runScript(root, stack, ['bash', join(root, 'scripts/stack/up.sh')], stdout);
  if (samples) runScript(root, stack, ['flock', join(stack, 'samples.lock'), process.execPath, join(root, 'scripts/samples/make-samples.mjs')], stdout);
}

/**
 * Starts the stack and the samples (startStack), and returns the stack's variables, the samples'
 * manifest, an S3 client on the stack and what the broker's listing holds (the manifest's
 * contacts: the samples dropped and the objects the stack's sealer made of them).
 */
export async function openStack({ root, stack = join(root, '.stack'), stdout = 'ignore' }) {
  startStack({ root, stack, stdout });
  const env = readStackEnv(join(stack, 'stack.env'));
  const manifest = JSON.parse(readFileSync(join(stack, 'samples/manifest.json'), 'utf8'));
  const s3 = new S3Client(clientConfig(env).s3);
  return { env, manifest, s3, index: { contacts: manifest.contacts } };
}
