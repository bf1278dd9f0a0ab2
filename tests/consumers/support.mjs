// The consumer matrix's common steps: a project made by `npm init -y`, the package README's
// recipe for a tool run as written (with `callseal` the tarball `npm pack` makes of pkg/ and
// each tool at the version pinned here), an official ESDK message and a policy to check.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ESDK = join(ROOT, 'tests/vectors/esdk/python-4.0.7');

/** The tools' versions (the README names them without one). */
const PINS = {
  vite: '8.3.8',
  webpack: '5.113.0',
  'webpack-cli': '7.3.1',
  esbuild: '0.28.2',
  typescript: '5.9.3',
  '@types/node': '24.19.4',
};

// npm as a consumer runs it, quietly, from the shared cache when the package is in it.
const NPM_ENV = {
  ...process.env,
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_loglevel: 'error',
};

/** Makes the tarball of pkg/ in a temporary directory; returns its path and a cleanup. */
export function packTarball() {
  const dir = mkdtempSync(join(tmpdir(), 'callseal-pack-'));
  const out = execFileSync('npm', ['pack', join(ROOT, 'pkg'), '--pack-destination', dir, '--json', '--silent'], { encoding: 'utf8', env: NPM_ENV });
  return { tarball: join(dir, JSON.parse(out)[0].filename), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh project: `npm init -y` in an empty directory. */
export function newProject() {
  const dir = join(mkdtempSync(join(tmpdir(), 'callseal-consumer-')), 'app');
  mkdirSync(dir);
  sh(dir, 'npm init -y');
  return { dir, remove: () => rmSync(join(dir, '..'), { recursive: true, force: true }) };
}

/** Runs bash `script` in `dir` (failing on the first failing command); returns stdout. */
export function sh(dir, script, env = {}) {
  try {
    return execFileSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, encoding: 'utf8', env: { ...NPM_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`${script}\n--- exit ${e.status}\n${e.stdout}\n${e.stderr}`);
  }
}

/** The fenced blocks of `lang` under the heading `### title` of the package README. */
export function readmeBlocks(title, lang) {
  const text = readFileSync(join(ROOT, 'pkg-config/README.md'), 'utf8');
  const start = text.indexOf(`\n### ${title}\n`);
  if (start < 0) throw new Error(`pkg-config/README.md has no section "### ${title}"`);
  const end = text.slice(start + 1).search(/\n##/);
  const section = end < 0 ? text.slice(start) : text.slice(start, start + 1 + end);
  return [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
}

/**
 * The README's commands for `title` as a script: `npm install` names become the tarball
 * (`callseal`) and the pinned versions; any package the matrix does not pin is an error.
 */
export function recipe(title, tarball) {
  const [block, ...more] = readmeBlocks(title, 'sh');
  if (!block || more.length) throw new Error(`"### ${title}" should have one sh block`);
  return block.split('\n').map((line) => {
    if (!line.startsWith('npm install ')) return line;
    return line.split(' ').map((word, i) => {
      if (i < 2 || word.startsWith('-')) return word;
      if (word === 'callseal') return tarball;
      if (!PINS[word]) throw new Error(`the README installs ${word}, which the matrix does not pin`);
      return `${word}@${PINS[word]}`;
    }).join(' ');
  }).join('\n');
}

const manifest = JSON.parse(readFileSync(join(ESDK, 'manifest.json'), 'utf8'));
/** An official (Python ESDK 4.0.7) message of the default suite, signed: 0578, with its data key and plaintext. */
export const OFFICIAL = (() => {
  const t = manifest.tests.find((x) => x.id === '127-0578-f128-n10000');
  return { id: t.id, ciphertext: join(ESDK, t.ciphertext), plaintext: join(ESDK, t.plaintext), dataKey: t.data_key };
})();

/** A KMS key policy with a misspelt action: only the catalog check finds it (INVALID_ACTION). */
export const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [
  { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
  { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/Supervisor' }, Action: 'kms:Decryptt', Resource: '*' }] });
