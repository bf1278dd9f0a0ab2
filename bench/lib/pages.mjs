// The player pages built with vite for one key broker and one identity provider, served from a
// page origin the local stack allows (its S3 CORS, the broker's CORS and the provider's redirect
// URIs name 127.0.0.1:4173 and :5173 only). Shared by the playback and broker benchmarks.
import { execFileSync } from 'node:child_process';
import { serveStatic } from '../../tests/support/static-server.mjs';

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
