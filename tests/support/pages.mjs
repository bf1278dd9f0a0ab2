// What the page tests (player, hosts) set up alike: the local stack with its samples, a key
// broker (reused when one answers), the built pages (vite build of www/) served on an origin the
// stack allows, and a browser (headless Chromium; `launch` starts another, e.g. Firefox ESR: an
// object with `browser` and `close()`). `await pagesUp({ log, launch })` returns
// { env, manifest, index, s3, broker, server, browser, aliceToken, kmsDataKey, close }.
// Optional: CALLSEAL_BROKER_URL=<running broker>; CALLSEAL_E2E_DIST=<built www dir> to serve
// instead of building (its broker URL must match).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KMSClient, DecryptCommand } from '@aws-sdk/client-kms';
import { launchChromium } from './browser.mjs';
import { serveStatic } from './static-server.mjs';
import { brokerAnswers, openStack } from './stack.mjs';
import { idToken } from './oidc.mjs';

export const ROOT = resolve(import.meta.dirname, '../..');
export const STACK = process.env.CALLSEAL_STACK_DIR ?? join(ROOT, '.stack');

async function startBroker(env, token, started, log) {
  const base = process.env.CALLSEAL_BROKER_URL ?? `http://127.0.0.1:${env.CALLSEAL_BROKER_PORT}/`;
  if (await brokerAnswers(base, token)) { log(`reusing the broker at ${base}`); return base; }
  const entry = ['www/broker/src/main.ts', 'www/broker/src/server.ts', 'www/broker/src/index.ts'].find((f) => existsSync(join(ROOT, f)));
  assert.ok(entry, 'no broker entry point in www/broker/src');
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'], detached: false,
  });
  started.push(child);
  for (let i = 0; i < 150; i++) {
    if (await brokerAnswers(base, token)) return base;
    if (child.exitCode !== null) throw new Error(`the broker exited (${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the broker did not answer within 30 s');
}

/** Serves `dir` on the first free port of the stack's allowed 127.0.0.1 origins (S3's CORS, the broker's and the provider's redirect URIs allow only those). */
async function servePages(dir, env) {
  const ports = env.CALLSEAL_ALLOWED_ORIGINS.split(',').map((o) => new URL(o)).filter((u) => u.hostname === '127.0.0.1').map((u) => Number(u.port));
  for (const port of ports) {
    try { return await serveStatic(dir, { port }); } catch (e) { if (e.code !== 'EADDRINUSE') throw e; }
  }
  throw new Error(`the stack's page ports (${ports.join(', ')}) are all taken`);
}

const chromium = async () => { const browser = await launchChromium(); return { browser, close: () => browser.close() }; };

export async function pagesUp({ log = () => {}, launch = chromium } = {}) {
  const started = [];
  const { env, manifest, s3, index } = await openStack({ root: ROOT, stack: STACK, stdout: 'inherit' });
  const aliceToken = await idToken(env, STACK, 'alice');
  const broker = await startBroker(env, aliceToken, started, log);

  assert.ok(existsSync(join(ROOT, 'pkg/decrypt.js')), 'pkg/ is not built: run make build');
  let dist = process.env.CALLSEAL_E2E_DIST;
  let outDir;
  if (!dist) {
    dist = outDir = mkdtempSync(join(tmpdir(), 'callseal-www-'));
    execFileSync('npx', ['vite', 'build', '--config', 'www/vite.config.ts', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, VITE_CALLSEAL_BROKER_URL: broker, VITE_CALLSEAL_OIDC_ISSUER: env.CALLSEAL_OIDC_ISSUER, VITE_CALLSEAL_OIDC_CLIENT_ID: env.CALLSEAL_OIDC_CLIENT_ID },
    });
  }
  assert.ok(existsSync(join(dist, 'player/sw.js')), 'the build did not emit player/sw.js');
  const server = await servePages(dist, env);
  const launched = await launch();
  const { browser } = launched;
  log(`pages ${server.url}, broker ${broker}, S3 ${env.CALLSEAL_S3_ENDPOINT}`);

  /** The data key KMS returns for `objectId`'s EDK (from the listing's header facts). */
  async function kmsDataKey(objectId) {
    const res = await fetch(new URL('api/recordings', broker), { headers: { authorization: `Bearer ${aliceToken}` } });
    const listed = (await res.json()).contacts.flatMap((c) => c.objects).find((o) => o.id === objectId);
    assert.ok(listed?.header, `the listing gives ${objectId}'s header facts`);
    const kms = new KMSClient({
      region: env.AWS_REGION, endpoint: env.CALLSEAL_KMS_ENDPOINT,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
    });
    const out = await kms.send(new DecryptCommand({
      CiphertextBlob: Buffer.from(listed.header.encryptedDataKeys[0].ciphertext, 'base64'),
      EncryptionContext: listed.header.encryptionContext, KeyId: env.CALLSEAL_KMS_KEY_ARN,
    }));
    return Buffer.from(out.Plaintext);
  }

  async function close() {
    await launched?.close();
    await server?.close();
    for (const c of started) c.kill('SIGTERM');
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  }
  return { env, manifest, index, s3, broker, server, browser, aliceToken, kmsDataKey, close };
}
