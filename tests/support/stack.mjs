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
// moto's log is mostly its HTTP access lines; what explains a failure is everything else.
const accessLine = /^\S+ - - \[[^\]]+\] "/;
const logTail = (name, text) => tail(text.split('\n').filter((l) => name !== 'moto' || !accessLine.test(l)).join('\n'), 12);

/**
 * Runs one of the stack's scripts from checkout `root` and passes its stderr (its progress) on.
 * A failure throws an Error that carries why: the last lines of the stack's logs (the sealer's,
 * the notifier's, SeaweedFS's, moto's without its access lines), then the script's last stderr
 * lines, then the exit status and the script's last line. The cause comes last, so that a runner
 * showing only the end of the error (before the stack trace) still shows it.
 */
function runScript(root, stack, args, stdout) {
  const r = spawnSync(args[0], args.slice(1), {
    cwd: root, stdio: ['ignore', stdout, 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  if (r.stderr) process.stderr.write(r.stderr);
  if (r.status === 0) return;
  const logs = ['sealer', 'notifier', 'weed', 'moto'].map((name) => [name, join(stack, 'logs', `${name}.log`)])
    .filter(([, path]) => existsSync(path))
    .map(([name, path]) => `--- last lines of ${path}\n${logTail(name, readFileSync(path, 'utf8'))}`);
  const stderr = (r.stderr ?? '').trimEnd();
  throw new Error([
    ...logs, `--- last stderr lines of ${args.join(' ')}`, tail(stderr, 30),
    `${args.join(' ')} failed (${r.error ? r.error.message : r.signal ?? `exit ${r.status}`}): ${stderr.split('\n').at(-1)}`,
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
