// The player's background signature check (www/component/verify.ts) against its floor, in one
// run: a plain download of the same object from the same S3 server (the local stack's
// SeaweedFS) plus one WebCrypto SHA-384 pass over it (issue 17's target: at most 1.2x). Both in a
// dedicated Worker of one headless Chromium page (bench/pages/signature), the longest sample
// recording (signed, suite 0578), the order turning each round. Beside them, their parts: the
// check's reads without hashing and the floor's download without the digest.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { openStack } from '../../tests/support/stack.mjs';
import { servePages } from './pages.mjs';

/** Returns { recording, ours: ms[], floor: ms[], read: { reusedBytes, fetchedBytes } }. */
export async function benchSignatureCheck(browser, { root, outDir, runs, log }) {
  const stack = process.env.CALLSEAL_STACK_DIR ?? join(root, '.stack');
  const dist = join(outDir, 'signature');
  let server, context;
  try {
    const { env, manifest, s3, index } = await openStack({ root, stack });
    await build({
      root: join(root, 'bench/pages/signature'), configFile: false, logLevel: 'error', base: './', publicDir: false,
      resolve: { alias: [{ find: /^callseal\/decrypt$/, replacement: join(root, 'pkg/decrypt.js') }] },
      build: { outDir: dist, emptyOutDir: true, target: 'es2022' },
      worker: { format: 'es' },
    });
    server = await servePages(dist);
    const contact = [...index.contacts].sort((x, y) => y.durationMillis - x.durationMillis)[0];
    const rec = manifest.objects.find((o) => o.id === `${contact.contactId}.recording.wav`);
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: env.CALLSEAL_BUCKET, Key: rec.key }), { expiresIn: 3600 });
    context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (e) => log?.(`[signature page] ${e.message}`));
    await page.goto(`${server.url}/`);
    await page.waitForSelector('html[data-ready="true"]', { state: 'attached', timeout: 30_000 });
    const run = async (what) => {
      const r = await page.evaluate((m) => window.bench.run(m), { what, url, size: rec.ciphertextLength });
      if (r.error) throw new Error(`${what}: ${r.error}`);
      return r;
    };
    // Untimed: the wasm compiled, the connection and S3's caches warm on both sides.
    await run('check');
    await run('floor');
    // Each round: the check and the floor, then their parts (the check's reads without hashing,
    // the floor's download without the digest), the order turning each round.
    const ms = { check: [], floor: [], reads: [], download: [] };
    const order = ['check', 'floor', 'reads', 'download'];
    let read;
    for (let i = 0; i < runs; i++) {
      for (let k = 0; k < order.length; k++) {
        const what = order[(i + k) % order.length];
        const r = await run(what);
        ms[what].push(r.ms);
        if (what === 'check') read = { reusedBytes: r.reusedBytes, fetchedBytes: r.fetchedBytes };
      }
      log?.(`signature check run ${i + 1}: ${ms.check.at(-1).toFixed(0)} ms (its reads alone ${ms.reads.at(-1).toFixed(0)}) vs download + SHA-384 ${ms.floor.at(-1).toFixed(0)} ms (the download alone ${ms.download.at(-1).toFixed(0)})`);
    }
    return {
      recording: { contactId: contact.contactId, minutes: contact.durationMillis / 60000, ciphertextBytes: rec.ciphertextLength },
      ours: ms.check, floor: ms.floor, parts: { checkReads: ms.reads, floorDownload: ms.download }, read,
    };
  } finally {
    await context?.close();
    await server?.close();
    rmSync(dist, { recursive: true, force: true });
  }
}
