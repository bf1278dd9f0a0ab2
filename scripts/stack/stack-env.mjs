// Reads and writes .stack/stack.env, the settings of the running local stack (KEY='value' lines,
// sourceable by bash). Used by bootstrap.mjs (writer), make-samples.mjs and the broker tests.
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const stackDir = () => process.env.CALLSEAL_STACK_DIR || join(repoRoot, '.stack');
export const stackEnvPath = () => join(stackDir(), 'stack.env');

/** Parses .stack/stack.env; throws with a hint when the stack was never started. */
export function readStackEnv(path = stackEnvPath()) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`${path} not found: start the local stack with scripts/stack/up.sh`);
  }
  const env = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)='([^']*)'$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}

export function writeStackEnv(env, path = stackEnvPath()) {
  const lines = ['# Written by scripts/stack/bootstrap.mjs: settings of the running local stack.'];
  for (const [k, v] of Object.entries(env)) {
    const s = String(v);
    if (s.includes("'") || s.includes('\n')) throw new Error(`unsafe value for ${k}`);
    lines.push(`${k}='${s}'`);
  }
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, lines.join('\n') + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

/** Options for AWS SDK v3 clients from a stack env (local endpoints, path-style S3). */
export function clientConfig(env) {
  const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
  return {
    kms: { region: env.AWS_REGION, endpoint: env.CALLSEAL_KMS_ENDPOINT, credentials },
    s3: { region: env.AWS_REGION, endpoint: env.CALLSEAL_S3_ENDPOINT, forcePathStyle: true, credentials },
  };
}
