// The player pages built with vite for one key broker and one identity provider, served from a
// page origin the local stack allows (its S3 CORS, the broker's CORS and the provider's redirect
// URIs name 127.0.0.1:4173 and :5173 only). Shared by the playback and broker benchmarks.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '../../tests/support/static-server.mjs';
import { brokerAnswers } from '../../tests/support/stack.mjs';
import { idToken } from '../../tests/support/oidc.mjs';

/** Builds www/ into `dist` for the broker at `broker` and the stack's issuer (`env`: stack.env). */
export function buildPages(root, dist, broker, env) {
  execFileSync('npx', ['vite', 'build', '--config', 'www/vite.config.ts', '--outDir', dist, '--emptyOutDir', '--logLevel', 'error'], {
    cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, VITE_CALLSEAL_BROKER_URL: broker, VITE_CALLSEAL_OIDC_ISSUER: env.CALLSEAL_OIDC_ISSUER, VITE_CALLSEAL_OIDC_CLIENT_ID: env.CALLSEAL_OIDC_CLIENT_ID },
  });
}

/** Serves `dist` on 127.0.0.1:4173, else :5173; resolves { url, close }. */
export async function servePages(dist) {
  for (const port of [4173, 5173]) {
    try { return await serveStatic(dist, { port }); } catch (e) { if (e.code !== 'EADDRINUSE') throw e; }
  }
  throw new Error('ports 4173 and 5173 are both taken');
}

/**
 * The reference key broker for the stack's variables `env`: a running one when it answers alice,
 * else one started from `root` (its process is `child`: the caller stops it). Resolves { broker, child }.
 */
export async function ensureBroker(root, env, stack) {
  const broker = process.env.CALLSEAL_BROKER_URL ?? `http://127.0.0.1:${env.CALLSEAL_BROKER_PORT}/`;
  const token = await idToken(env, stack, 'alice');
  if (await brokerAnswers(broker, token)) return { broker };
  const entry = ['www/broker/src/main.ts', 'www/broker/src/server.ts', 'www/broker/src/index.ts'].find((f) => existsSync(join(root, f)));
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: root, env: { ...process.env, ...env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`the broker exited (${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 200));
    if (await brokerAnswers(broker, token)) return { broker, child };
  }
  child.kill('SIGTERM');
  throw new Error('the broker did not answer within 30 s');
}
