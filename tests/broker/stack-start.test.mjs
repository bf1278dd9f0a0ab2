// tests/support/stack.mjs's startStack, which every stack-using suite starts the stack with: when a
// script fails, the error names it and carries its last stderr lines and the stack's logs, since
// a test runner that shows only the failing hook's error must still show why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack } from '../support/stack.mjs';

const repoRoot = new URL('../..', import.meta.url).pathname;

test('a failing stack script throws with its exit status, its stderr and the last lines of the stack logs', () => {
  const root = mkdtempSync(join(tmpdir(), 'callseal-stack-start-'));
  mkdirSync(join(root, 'scripts/stack'), { recursive: true });
  writeFileSync(join(root, 'scripts/stack/up.sh'), 'echo "[stack] starting" >&2\necho "no writable volumes for bucket x" >&2\nexit 3\n');
  const stack = join(root, '.stack');
  mkdirSync(join(stack, 'logs'), { recursive: true });
  writeFileSync(join(stack, 'logs/sealer.log'), `${Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n')}\n`);
  let error;
  try {
    startStack({ root, stack });
  } catch (e) {
    error = e;
  }
  assert.ok(error, 'startStack threw');
  assert.match(error.message, /scripts\/stack\/up\.sh failed \(exit 3\)/);
  assert.match(error.message, /no writable volumes for bucket x/);
  assert.match(error.message, /last lines of .*sealer\.log\n[^]*line 29/);
  assert.doesNotMatch(error.message, /line 5\n/, 'only the last lines of a log');
  assert.match(error.message.split('\n').at(-1), /up\.sh failed \(exit 3\): no writable volumes for bucket x$/,
    'the error ends with the failure and the script\'s last line, where a runner showing only its end still shows it');
});

test('up.sh refuses a disk SeaweedFS would take no write on, by name, before starting anything', (t) => {
  // A 300 MiB tmpfs with 100 MiB free: above SeaweedFS's 1%, below the 256 MiB up.sh asks beyond it.
  const mnt = mkdtempSync(join(tmpdir(), 'callseal-small-disk-'));
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=300M', 'tmpfs', mnt], { encoding: 'utf8' });
  if (mount.status !== 0) return t.skip(`no tmpfs can be mounted here (${mount.stderr.trim() || mount.error?.message})`);
  const stack = join(mnt, 'stack');
  const env = { ...process.env, CALLSEAL_STACK_DIR: stack };
  // Had up.sh started anything, it is stopped before the disk is let go.
  t.after(() => { spawnSync('bash', [join(repoRoot, 'scripts/stack/down.sh')], { env }); spawnSync('umount', [mnt]); });
  assert.equal(spawnSync('fallocate', ['-l', '200M', join(mnt, 'fill')]).status, 0);
  const r = spawnSync('bash', [join(repoRoot, 'scripts/stack/up.sh')], { encoding: 'utf8', env });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /the disk holding .*\/weed has 100M free of 300M: SeaweedFS refuses every write while less than 1% of it is free/);
  assert.equal(spawnSync('ls', [join(stack, 'run')], { encoding: 'utf8' }).stdout, '', 'nothing was started');
});

test('the samples are made only after the stack started, one maker at a time', () => {
  const root = mkdtempSync(join(tmpdir(), 'callseal-stack-start-'));
  mkdirSync(join(root, 'scripts/stack'), { recursive: true });
  mkdirSync(join(root, 'scripts/samples'), { recursive: true });
  mkdirSync(join(root, '.stack'), { recursive: true });
  writeFileSync(join(root, 'scripts/stack/up.sh'), 'touch .stack/up-ran\n');
  writeFileSync(join(root, 'scripts/samples/make-samples.mjs'),
    "import { existsSync } from 'node:fs';\nif (!existsSync('.stack/up-ran')) { console.error('samples before the stack'); process.exit(4); }\nconsole.error('sealer: 1 of 15 objects not sealed'); process.exit(5);\n");
  assert.throws(() => startStack({ root }), (e) => /make-samples\.mjs failed \(exit 5\)/.test(e.message) && /1 of 15 objects not sealed/.test(e.message) && /flock/.test(e.message));
});
