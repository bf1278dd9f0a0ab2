// Development tool (not a test): time to first audio of the long recording, encrypted through the
// player vs the same recording unencrypted from the same S3 server, several runs, with the
// player's stage marks. Same set-up and measurement as bench/lib/playback.mjs (fresh browser
// context per run, click as soon as the contact list shows, tests/e2e/measure.mjs timings).
//
//   node tests/e2e/player-timing.mjs                 5 runs
//   RUNS=9 SETTLE_MS=2000 node tests/e2e/player-timing.mjs   wait 2 s after the list shows (diagnosis:
//                                                    page start-up finished before the click)
//   CALLSEAL_E2E_DIST=<dir>                          serve a built www instead of building
//   DISTS=<dir>,<dir>                                two builds, compared run by run (before/after)
//   CLICK=dom                                        click inside the page instead of Playwright's click
//   READY=0                                          click as soon as the list shows (default: once the
//                                                    page is settled, html[data-ready="true"]; a build
//                                                    without that signal waits READY_MS, 5000)
//   STACK_ROOT=<checkout>                            run the local stack from that checkout's scripts
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, HeadBucketCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { launchChromium } from '../support/browser.mjs';
import { serveStatic } from '../support/static-server.mjs';
import { firstAudio, playerStages, summarize } from './measure.mjs';
import { brokerAnswers, openStack } from '../support/stack.mjs';
import { idToken, signInPlayer } from '../support/oidc.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
/** The checkout whose scripts run the local stack (STACK_ROOT: another worktree's, so as not to restart it). */
const STACK_ROOT = process.env.STACK_ROOT ?? ROOT;
const STACK = process.env.CALLSEAL_STACK_DIR ?? join(STACK_ROOT, '.stack');
const RUNS = Number(process.env.RUNS ?? 5);
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 0);
const READY = process.env.READY !== '0';
const READY_MS = Number(process.env.READY_MS ?? 5000);
const PLAIN = process.env.PLAIN !== '0';
const PLAIN_BUCKET = 'callseal-e2e-plaintext';
const log = (m) => console.error(`[timing] ${m}`);

const quiet = { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_NO_WARNINGS: '1' } };
const { env, manifest, s3, index } = await openStack({ root: STACK_ROOT, stack: STACK });
const brokerBase = process.env.CALLSEAL_BROKER_URL ?? `http://127.0.0.1:${env.CALLSEAL_BROKER_PORT}/`;
const token = await idToken(env, STACK, 'alice');
let brokerChild;
if (!(await brokerAnswers(brokerBase, token))) {
  brokerChild = spawn(process.execPath, ['--import', 'tsx', 'www/broker/src/server.ts'], { cwd: ROOT, env: { ...process.env, ...env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'ignore', 'inherit'] });
  let up = false;
  for (let i = 0; i < 150 && !up; i++) { await new Promise((r) => setTimeout(r, 200)); up = await brokerAnswers(brokerBase, token); }
  if (!up) throw new Error('broker did not start');
}
// DISTS=a,b: two builds compared run by run (alternating order), each served on one of the two
// origins the stack's CORS allows; else CALLSEAL_E2E_DIST or a fresh build.
let dists = (process.env.DISTS ?? process.env.CALLSEAL_E2E_DIST ?? '').split(',').filter(Boolean), outDir;
if (!dists.length) {
  outDir = mkdtempSync(join(tmpdir(), 'callseal-www-'));
  execFileSync('npx', ['vite', 'build', '--config', 'www/vite.config.ts', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], {
    ...quiet, env: { ...quiet.env, VITE_CALLSEAL_BROKER_URL: brokerBase, VITE_CALLSEAL_OIDC_ISSUER: env.CALLSEAL_OIDC_ISSUER, VITE_CALLSEAL_OIDC_CLIENT_ID: env.CALLSEAL_OIDC_CLIENT_ID },
  });
  dists = [outDir];
}
if (dists.length > 2) throw new Error('DISTS: at most two builds (the stack allows two page origins)');
const servers = [];
for (const [i, d] of dists.entries()) servers.push(await serveStatic(d, { port: [4173, 5173][i] }));
const browser = await launchChromium();
const median = (xs) => summarize(xs).median;
const medians = (list) => {
  const names = [...new Set(list.flatMap((s) => Object.keys(s)))];
  return Object.fromEntries(names.map((n) => [n, median(list.map((s) => s[n]).filter((x) => x !== undefined))]));
};
try {
  const contact = [...index.contacts].sort((x, y) => y.durationMillis - x.durationMillis)[0];
  const rec = manifest.objects.find((o) => o.id === `${contact.contactId}.recording.wav`);
  try { await s3.send(new HeadBucketCommand({ Bucket: PLAIN_BUCKET })); } catch { await s3.send(new CreateBucketCommand({ Bucket: PLAIN_BUCKET })); }
  const plainKey = `${contact.contactId}.wav`;
  const head = await s3.send(new HeadObjectCommand({ Bucket: PLAIN_BUCKET, Key: plainKey })).catch(() => null);
  if (head?.ContentLength !== rec.plaintextLength) {
    await s3.send(new PutObjectCommand({ Bucket: PLAIN_BUCKET, Key: plainKey, Body: readFileSync(rec.plainPath), ContentType: 'audio/wav' }));
  }
  log(`${(contact.durationMillis / 60000).toFixed(1)} min, ${(rec.ciphertextLength / 1048576).toFixed(1)} MiB; ${RUNS} runs; builds ${dists.join(', ')}; click ${process.env.CLICK === 'dom' ? 'inside the page' : 'by Playwright'}${SETTLE_MS ? `, ${SETTLE_MS} ms after the list shows` : ''}`);
  const enc = dists.map(() => []), stages = dists.map(() => []), plain = [], plainMarks = [];
  const selector = `#contact-list button[data-contact="${contact.contactId}"]`;

  async function encrypted(k) {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.on('pageerror', (e) => log(`page error: ${e.message}`));
      await page.goto(`${servers[k].url}/player/`);
      await signInPlayer(page, STACK, 'alice');
      const button = page.locator(selector);
      await button.waitFor({ timeout: 30_000 });
      // The settled page (list shown, wasm loaded, Service Worker in control: html[data-ready]),
      // as bench/lib/playback.mjs; a build without the signal gets READY_MS to settle instead.
      if (READY) await page.waitForSelector('html[data-ready="true"]', { timeout: READY_MS, state: 'attached' }).catch(() => {});
      if (SETTLE_MS) await page.waitForTimeout(SETTLE_MS);
      await page.evaluate(() => performance.mark('harness:t0'));
      // CLICK=dom: the click dispatched inside the page (one evaluate, as the plain baseline's
      // start); default: Playwright's click (actionability checks, scrolling, input events).
      const ttfa = await firstAudio(page, process.env.CLICK === 'dom'
        ? () => page.evaluate((sel) => document.querySelector(sel).click(), selector)
        : () => button.click());
      const st = await playerStages(page);
      // Start-up marks (callseal-init:*) and the harness's start, relative to callseal:open.
      Object.assign(st, await page.evaluate(() => {
        const open = performance.getEntriesByName('callseal:open').pop()?.startTime ?? 0;
        const out = {};
        for (const m of performance.getEntriesByType('mark')) {
          if (m.name.startsWith('callseal-init:') || m.name.startsWith('harness:')) out[m.name] = Math.round(m.startTime - open);
        }
        return out;
      }));
      st['harness:end'] = Math.round(st['harness:t0'] + ttfa);
      enc[k].push(ttfa);
      stages[k].push(st);
      return `${dists.length > 1 ? `[${k}] ` : ''}${ttfa.toFixed(0)} ms ${JSON.stringify(st)}`;
    } finally {
      await context.close();
    }
  }

  async function unencrypted() {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: PLAIN_BUCKET, Key: plainKey }), { expiresIn: 600 });
    // As measurePlain (tests/e2e/measure.mjs): a context bypassing the site's CSP, a bare
    // <audio> on the landing page; plus the element's events as marks.
    const plainContext = await browser.newContext({ bypassCSP: true });
    try {
      const pp = await plainContext.newPage();
      await pp.goto(`${servers[0].url}/`);
      await pp.evaluate(() => performance.mark('harness:t0'));
      const p = await firstAudio(pp, () => pp.evaluate((url) => {
        const a = document.createElement('audio');
        a.dataset.measure = '1';
        a.preload = 'auto';
        performance.mark('plain:create');
        for (const type of ['loadstart', 'loadedmetadata', 'loadeddata', 'canplay', 'play', 'playing']) {
          a.addEventListener(type, () => performance.mark(`plain:el-${type}`), { once: true });
        }
        a.src = url;
        document.body.append(a);
        return a.play();
      }, url), { selector: 'audio[data-measure]' });
      const marks = await pp.evaluate(() => {
        const c = performance.getEntriesByName('plain:create')[0].startTime;
        return Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name.replace('plain:', ''), Math.round(m.startTime - c)]));
      });
      marks['harness:end'] = Math.round(marks['harness:t0'] + p);
      plain.push(p);
      plainMarks.push(marks);
      return `plain ${p.toFixed(0)} ms ${JSON.stringify(marks)}`;
    } finally {
      await plainContext.close();
    }
  }

  for (let i = 0; i < RUNS; i++) {
    const order = dists.map((_, k) => k);
    if (i % 2) order.reverse();
    for (const k of order) {
      try { log(`run ${i + 1}: ${await encrypted(k)}`); } catch (e) { log(`run ${i + 1} [${k}] failed: ${String(e.message ?? e).split('\n')[0]}`); }
    }
    if (PLAIN) {
      try { log(`run ${i + 1}: ${await unencrypted()}`); } catch (e) { log(`run ${i + 1} plain failed: ${String(e.message ?? e).split('\n')[0]}`); }
    }
  }
  const sp = summarize(plain);
  for (const [k, d] of dists.entries()) {
    const se = summarize(enc[k]);
    log(`${d}: median of ${se.n}: encrypted ${se.median.toFixed(0)} ms [${enc[k].map((x) => x.toFixed(0)).join(', ')}]${PLAIN ? `; ratio to plain ${(se.median / sp.median).toFixed(2)}` : ''}`);
    log(`${d}: median stages (ms after open): ${JSON.stringify(medians(stages[k]))}`);
  }
  if (PLAIN) {
    log(`plain: median of ${sp.n}: ${sp.median.toFixed(0)} ms [${plain.map((x) => x.toFixed(0)).join(', ')}]`);
    log(`plain: median marks (ms after the element is created): ${JSON.stringify(medians(plainMarks))}`);
  }
} finally {
  await browser.close();
  for (const sv of servers) await sv.close();
  brokerChild?.kill('SIGTERM');
  if (outDir) rmSync(outDir, { recursive: true, force: true });
}
