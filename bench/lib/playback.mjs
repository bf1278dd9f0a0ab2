// Time to first audio and seek latency on the longest demo recording: callseal through the
// player page (Service Worker, Range requests, per-frame authentication) vs the same recording
// unencrypted from the same S3 server in a bare <audio>. The set-up is the player e2e test's
// (tests/e2e/player.test.mjs): local stack, samples, reference key broker, the pages built with
// vite; the timings are tests/e2e/measure.mjs's.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, HeadBucketCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { firstAudio, measurePlain, playerStages, seekLatency } from '../../tests/e2e/measure.mjs';
import { openStack } from '../../tests/support/stack.mjs';
import { signInPlayer } from '../../tests/support/oidc.mjs';
import { buildPages, ensureBroker, servePages } from './pages.mjs';

/** The bucket of the recordings unencrypted (the baselines' objects), on the same S3 server. */
export const PLAIN_BUCKET = 'callseal-e2e-plaintext';
/** Pause after each page is ready, on both sides, before the click (BENCH_SETTLE_MS). */
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 1000);

/** Runs the playback measurements; returns { recording, ours: {ttfa[], seek[][]}, plain: {...} }. */
export async function benchPlayback(browser, { root, outDir, runs, log }) {
  const stack = process.env.CALLSEAL_STACK_DIR ?? join(root, '.stack');
  const started = [];
  let server;
  try {
    const { env, manifest, s3, index } = await openStack({ root, stack });
    // The reference key broker: reuse a running one, else start it.
    const { broker, child } = await ensureBroker(root, env, stack);
    if (child) started.push(child);
    const dist = join(outDir, 'www');
    buildPages(root, dist, broker, env);
    server = await servePages(dist);

    const contact = [...index.contacts].sort((x, y) => y.durationMillis - x.durationMillis)[0];
    const rec = manifest.objects.find((o) => o.id === `${contact.contactId}.recording.wav`);
    const seconds = contact.durationMillis / 1000;
    const seeks = [seconds * 0.8, seconds * 0.25, 60];
    // The same recording unencrypted, from the same S3 server.
    try { await s3.send(new HeadBucketCommand({ Bucket: PLAIN_BUCKET })); } catch { await s3.send(new CreateBucketCommand({ Bucket: PLAIN_BUCKET })); }
    const plainKey = `${contact.contactId}.wav`;
    const head = await s3.send(new HeadObjectCommand({ Bucket: PLAIN_BUCKET, Key: plainKey })).catch(() => null);
    if (head?.ContentLength !== rec.plaintextLength) {
      await s3.send(new PutObjectCommand({ Bucket: PLAIN_BUCKET, Key: plainKey, Body: readFileSync(rec.plainPath), ContentType: 'audio/wav' }));
    }
    const ours = { ttfa: [], seek: [], stages: [] }, plain = { ttfa: [], seek: [] };
    const failures = [];
    for (let i = 0; i < runs; i++) {
      // A fresh context each run: its own Service Worker registration and no cache.
      const context = await browser.newContext();
      const at = { ours: ours.seek.length, plain: plain.seek.length, ttfa: ours.ttfa.length };
      try {
        const page = await context.newPage();
        await page.goto(`${server.url}/player/`);
        await signInPlayer(page, stack, 'alice');
        const selector = `#contact-list button[data-contact="${contact.contactId}"]`;
        await page.locator(selector).waitFor({ timeout: 30_000 });
        // Both sides start from a settled page, as a supervisor sees it before clicking: here the
        // list shown, the decrypt worker's wasm loaded and the Service Worker in control (the
        // player's html[data-ready]); the baseline's page has loaded (goto waits for `load`).
        await page.waitForSelector('html[data-ready="true"]', { timeout: 30_000, state: 'attached' });
        // Then both sides wait SETTLE_MS more, as a person reads the list before clicking:
        // work the page started at load (compiling, caching, GC) is not playback time.
        await page.waitForTimeout(SETTLE_MS);
        // The click is dispatched inside the page, in one evaluate, as the unencrypted baseline
        // starts its <audio> (measurePlain): Playwright's locator.click() adds its own
        // actionability checks (stable for two animation frames, hit test, scrolling) and three
        // input round trips before the page sees the click, 50-300 ms on the loaded machine,
        // which the baseline does not pay.
        ours.ttfa.push(await firstAudio(page, () => page.evaluate((sel) => document.querySelector(sel).click(), selector)));
        // Where the time to first audio went: the player's marks (callseal:*), ms after its open.
        ours.stages.push(await playerStages(page));
        for (const s of seeks) ours.seek.push(await seekLatency(page, s));
        await page.evaluate(() => document.querySelector('#audio')?.pause());
        const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: PLAIN_BUCKET, Key: plainKey }), { expiresIn: 600 });
        const basePage = await context.newPage();
        await basePage.goto(`${server.url}/`);
        await basePage.waitForTimeout(SETTLE_MS);
        const p = await measurePlain(basePage, url, seeks);
        plain.ttfa.push(p.ttfa);
        plain.seek.push(...p.seek);
      } catch (e) {
        // A failed run (e.g. a seek that never resumed on the loaded machine) is recorded and dropped.
        failures.push(`run ${i + 1}: ${String(e.message ?? e).split('\n')[0]}`);
        ours.ttfa.length = at.ttfa; ours.stages.length = at.ttfa; ours.seek.length = at.ours; plain.ttfa.length = at.ttfa; plain.seek.length = at.plain;
        log?.(`playback run ${i + 1} failed: ${failures.at(-1)}`);
        continue;
      } finally {
        await context.close();
      }
      log?.(`playback run ${i + 1}: ttfa ${ours.ttfa.at(-1).toFixed(0)} ms vs ${plain.ttfa.at(-1).toFixed(0)} ms unencrypted; seeks ${ours.seek.slice(-3).map((x) => x.toFixed(0)).join('/')} vs ${plain.seek.slice(-3).map((x) => x.toFixed(0)).join('/')} ms`);
    }
    if (!ours.ttfa.length) throw new Error(`every playback run failed: ${failures.join('; ')}`);
    return {
      recording: { contactId: contact.contactId, minutes: contact.durationMillis / 60000, ciphertextBytes: rec.ciphertextLength, plaintextBytes: rec.plaintextLength, format: 'wav', seeksSeconds: seeks.map((s) => Math.round(s)) },
      settleMs: SETTLE_MS, ours, plain, failures,
    };
  } finally {
    await server?.close();
    for (const c of started) c.kill('SIGTERM');
    rmSync(join(outDir, 'www'), { recursive: true, force: true });
  }
}
