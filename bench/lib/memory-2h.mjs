// Issue 17's memory target: a 2-hour Connect recording (stereo WAV, 8 kHz 16-bit: 230.4 MB)
// played with seeks across it, in the player page (<callseal-player>: its decrypt worker, its
// Service Worker, the background signature check) vs the same recording unencrypted in a bare
// <audio> from the same S3 server, and beside them the floor of any player that streams media
// through a Service Worker: the plaintext played through the player's own Service Worker from a
// worker that passes the object's bytes on as stored (bench/pages/passthrough: the player's range
// source and protocol, no key, no decryption, no signature check). Each side in a Chromium of
// its own so every process it has is the page's doing. The recording exists for this part only: the longest sample's audio
// repeated to 2 hours, dropped into the stack's Connect bucket as Connect would (the stack's
// sealer seals it, the broker lists it), its plaintext in the baselines' bucket; all of it is
// deleted (and vacuumed from SeaweedFS) afterwards.
import { closeSync, copyFileSync, createReadStream, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { launchChromium, withoutResponseBodies } from '../../tests/support/browser.mjs';
import { firstAudio, seekLatency } from '../../tests/e2e/measure.mjs';
import { openStack } from '../../tests/support/stack.mjs';
import { signInPlayer } from '../../tests/support/oidc.mjs';
import { buildPages, ensureBroker, servePages } from './pages.mjs';
import { PLAIN_BUCKET } from './playback.mjs';
import { vacuum } from './seal-bench.mjs';
import { chromiumChildren, chromiumKind, processTree, pss } from './procmem.mjs';

const SECONDS = 2 * 3600;
/** The bench's contact (alice's team, as the long sample's agent): a 2-hour call. */
const CONTACT_ID = 'b3e2c7a0-7200-4e00-9a00-0000000007e2';
const START = '2025-11-21T09:00:00Z';
/** Where each seek goes, as fractions of the recording, and how long it plays there (ms). */
const SEEKS = [0.55, 0.1, 0.9, 0.3, 0.75, 0.05, 0.65, 0.2, 0.97, 0.45];
const PLAY_MS = Number(process.env.BENCH_MEMORY_PLAY_MS ?? 3000);
const SAMPLE_MS = 250;
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 1000);
const SEAL_TIMEOUT_MS = 600_000;

/** `dst`: a WAV of the same format as the 44-byte-header WAV at `src`, its samples repeated to `seconds`. */
function repeatWav(src, dst, seconds) {
  const wav = readFileSync(src);
  if (wav.toString('ascii', 36, 40) !== 'data') throw new Error(`${src}: not a 44-byte-header WAV`);
  const pcm = wav.subarray(44, 44 + wav.readUInt32LE(40));
  const byteRate = wav.readUInt32LE(28);
  const length = seconds * byteRate;
  const header = Buffer.from(wav.subarray(0, 44));
  header.writeUInt32LE(36 + length, 4);
  header.writeUInt32LE(length, 40);
  const fd = openSync(dst, 'w');
  try {
    writeSync(fd, header);
    for (let at = 0; at < length; at += pcm.length) writeSync(fd, pcm, 0, Math.min(pcm.length, length - at));
  } finally {
    closeSync(fd);
  }
  return 44 + length;
}

/**
 * Samples the proportional set size (Pss) of every process of the Chromium whose browser
 * process is `root`, every SAMPLE_MS: by process kind (renderer, gpu-process, utility:network...)
 * and in total; `stop()` resolves the peaks and the last sample.
 */
function sampleMemory(root) {
  const take = () => {
    const byKind = {};
    for (const pid of processTree(root)) {
      const kind = chromiumKind(pid), bytes = pss(pid);
      if (kind && Number.isFinite(bytes)) byKind[kind] = (byKind[kind] ?? 0) + bytes;
    }
    const renderers = byKind.renderer ?? 0;
    return { renderers, all: Object.values(byKind).reduce((a, b) => a + b, 0), byKind };
  };
  const first = take();
  const peak = { renderers: first.renderers, all: first.all, byKind: { ...first.byKind } };
  let last = first;
  const tick = () => {
    last = take();
    peak.renderers = Math.max(peak.renderers, last.renderers);
    peak.all = Math.max(peak.all, last.all);
    for (const [k, v] of Object.entries(last.byKind)) peak.byKind[k] = Math.max(peak.byKind[k] ?? 0, v);
  };
  const timer = setInterval(tick, SAMPLE_MS);
  return { first, stop: () => { clearInterval(timer); tick(); return { settled: first, peak, end: last }; } };
}

/** Chromium's own accounts (memory-infra), summed over the renderer processes: what holds the tab's memory. */
const ACCOUNTS = {
  'partition_alloc/allocated_objects/partitions/buffer': 'blinkBuffers',
  'partition_alloc/allocated_objects/partitions/array_buffer': 'arrayBuffers',
  blink_gc: 'blinkGcHeap', v8: 'v8Heap', malloc: 'malloc', media: 'mediaPlayer', shared_memory: 'sharedMemory',
};

/** One memory-infra dump of every process of `browser`; resolves the renderers' ACCOUNTS in bytes. */
export async function rendererAccounts(browser) {
  const cdp = await browser.newBrowserCDPSession();
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['disabled-by-default-memory-infra'], excludedCategories: ['*'], memoryDumpConfig: { triggers: [] } }, transferMode: 'ReportEvents' });
  await cdp.send('Tracing.requestMemoryDump', { deterministic: false, levelOfDetail: 'detailed' });
  await cdp.send('Tracing.end');
  await done;
  await cdp.detach();
  const renderers = new Set(events.filter((e) => e.ph === 'M' && e.name === 'process_name' && /^Renderer/.test(e.args?.name)).map((e) => e.pid));
  const out = Object.fromEntries(Object.values(ACCOUNTS).map((k) => [k, 0]));
  for (const e of events) {
    const allocators = e.ph === 'v' && renderers.has(e.pid) ? e.args?.dumps?.allocators : undefined;
    for (const [name, key] of Object.entries(ACCOUNTS)) {
      const attrs = allocators?.[name]?.attrs;
      const size = attrs?.effective_size?.value ?? attrs?.size?.value;
      if (size) out[key] += parseInt(size, 16);
    }
  }
  return out;
}

/** A Chromium of its own and its browser process's id. */
async function ownChromium() {
  const before = new Set(chromiumChildren());
  const browser = await launchChromium();
  const pid = chromiumChildren().find((p) => !before.has(p));
  if (!pid) throw new Error('the launched Chromium\'s process was not found');
  return { browser, pid };
}

/** The sides, in the order of the first round (each round turns it by one). */
const SIDES = ['ours', 'passthrough', 'plain'];

/** Plays the page's <audio> (`selector`) from `start()`, then seeks to each of `seeks`, playing PLAY_MS at each. */
async function playAcross(page, start, seeks, selector) {
  const ttfa = await firstAudio(page, start, { selector });
  await page.waitForTimeout(PLAY_MS);
  const seek = [];
  for (const s of seeks) {
    seek.push(await seekLatency(page, s, { selector }));
    await page.waitForTimeout(PLAY_MS);
  }
  return { ttfa, seek };
}

/**
 * One side in a fresh Chromium: `open(browser)` resolves { page, start, selector } settled before
 * the click. DevTools keeps no response bodies (withoutResponseBodies): with Playwright's default,
 * the player's tab held each ciphertext block its decrypt worker fetched, ~124 MiB of Blink's
 * buffer partition after the seeks on the 31-minute sample, which no user's tab holds.
 */
const side = (open, seeks) => withoutResponseBodies(() => sideMeasured(open, seeks));

async function sideMeasured(open, seeks) {
  const { browser, pid } = await ownChromium();
  try {
    const { page, start, selector, facts } = await open(browser);
    await page.waitForTimeout(SETTLE_MS);
    const memory = sampleMemory(pid);
    const timings = await playAcross(page, start, seeks, selector);
    const sampled = memory.stop();
    // After the last seek's play, before the tab closes: what Chromium says holds its renderers.
    return { ...timings, ...(await facts?.()), memory: { ...sampled, accounts: await rendererAccounts(browser) } };
  } finally {
    await browser.close();
  }
}

/**
 * The pass-through page (bench/pages/passthrough) built into `dist/passthrough/`, beside the
 * player's Service Worker it registers (a copy of pkg/player/sw.js, as the player page has).
 */
async function buildPassthrough(root, dist) {
  const out = join(dist, 'passthrough');
  await build({
    root: join(root, 'bench/pages/passthrough'), configFile: false, logLevel: 'error', base: './', publicDir: false,
    build: { outDir: out, emptyOutDir: true, target: 'es2022' },
    worker: { format: 'es' },
  });
  copyFileSync(join(root, 'pkg/player/sw.js'), join(out, 'sw.js'));
}

/** Returns { recording, rounds: [{ ours, passthrough, plain }] } (memory in bytes, Pss, per Chromium process kind). */
export async function benchMemory2h({ root, outDir, runs, log }) {
  const stack = process.env.CALLSEAL_STACK_DIR ?? join(root, '.stack');
  const wavPath = join(outDir, 'memory-2h.wav');
  const started = [];
  let server, s3, env, sourceKey;
  try {
    const opened = await openStack({ root, stack });
    ({ env, s3 } = opened);
    const { manifest, index } = opened;
    const long = [...index.contacts].sort((x, y) => y.durationMillis - x.durationMillis)[0];
    const longRec = manifest.objects.find((o) => o.id === `${long.contactId}.recording.wav`);
    const bytes = repeatWav(longRec.plainPath, wavPath, SECONDS);
    log?.(`memory2h: ${(bytes / 1e6).toFixed(1)} MB WAV (${SECONDS / 3600} h, ${long.contactId}'s audio repeated)`);

    // Dropped as Amazon Connect would: the recording under its key layout and the contact's record.
    sourceKey = `${env.CALLSEAL_CONNECT_PREFIX}CallRecordings/${START.slice(0, 10).replace(/-/g, '/')}/${CONTACT_ID}_${START.slice(0, 10).replace(/-/g, '')}T${START.slice(11, 16)}_UTC.wav`;
    const end = new Date(Date.parse(START) + SECONDS * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const record = {
      ...long.contactRecord, ContactId: CONTACT_ID, InitiationTimestamp: START, DisconnectTimestamp: end,
      Attributes: { title: 'Two-hour call (memory benchmark)' },
    };
    await s3.send(new PutObjectCommand({ Bucket: env.CALLSEAL_BUCKET, Key: `callseal/contact-records/${CONTACT_ID}.json`, Body: JSON.stringify(record), ContentType: 'application/json' }));
    const put = await s3.send(new PutObjectCommand({ Bucket: env.CALLSEAL_BUCKET, Key: sourceKey, Body: createReadStream(wavPath), ContentLength: bytes, ContentType: 'audio/wav' }));
    const etag = put.ETag.replaceAll('"', '');
    try { await s3.send(new HeadBucketCommand({ Bucket: PLAIN_BUCKET })); } catch { await s3.send(new CreateBucketCommand({ Bucket: PLAIN_BUCKET })); }
    await s3.send(new PutObjectCommand({ Bucket: PLAIN_BUCKET, Key: `${CONTACT_ID}.wav`, Body: createReadStream(wavPath), ContentLength: bytes, ContentType: 'audio/wav' }));
    rmSync(wavPath, { force: true });
    const sealed = await sealedHead(s3, env.CALLSEAL_BUCKET, `${sourceKey}.esdk`, etag, log);
    log?.(`memory2h: sealed ${(sealed.ContentLength / 1e6).toFixed(1)} MB`);

    const { broker, child } = await ensureBroker(root, env, stack);
    if (child) started.push(child);
    const dist = join(outDir, 'www');
    buildPages(root, dist, broker, env);
    await buildPassthrough(root, dist);
    server = await servePages(dist);
    const plainUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: PLAIN_BUCKET, Key: `${CONTACT_ID}.wav` }), { expiresIn: 3600 });
    const seeks = SEEKS.map((f) => Math.round(f * SECONDS));

    const openOurs = async (browser) => {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${server.url}/player/`);
      await signInPlayer(page, stack, 'alice');
      const button = `#contact-list button[data-contact="${CONTACT_ID}"]`;
      await page.locator(button).waitFor({ timeout: 30_000 });
      await page.waitForSelector('html[data-ready="true"]', { timeout: 30_000, state: 'attached' });
      // When (ms after the click) the background signature check verified the whole object, if it did within the side.
      await page.evaluate(() => document.querySelector('callseal-player').addEventListener('callseal-verified', (e) => { window.benchVerified = { ms: performance.now() - window.benchClicked, ...e.detail }; }));
      return {
        page, selector: 'audio',
        start: () => page.evaluate((sel) => { window.benchClicked = performance.now(); document.querySelector(sel).click(); }, button),
        facts: async () => ({ signatureCheck: await page.evaluate(() => window.benchVerified ?? null) }),
      };
    };
    const openPassthrough = async (browser) => {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${server.url}/passthrough/`);
      await page.waitForSelector('html[data-ready="true"]', { timeout: 30_000, state: 'attached' });
      return { page, selector: 'audio', start: () => page.evaluate(([url, size]) => window.bench.play(url, size), [plainUrl, bytes]) };
    };
    const openPlain = async (browser) => {
      // The site's pages carry a strict CSP that blocks media from the object store (measurePlain).
      const page = await (await browser.newContext({ bypassCSP: true })).newPage();
      await page.goto(`${server.url}/`);
      const start = () => page.evaluate((url) => {
        const a = Object.assign(document.createElement('audio'), { preload: 'auto', src: url });
        a.dataset.measure = '1';
        document.body.append(a);
        return a.play();
      }, plainUrl);
      return { page, selector: 'audio[data-measure]', start };
    };
    const opens = { ours: openOurs, passthrough: openPassthrough, plain: openPlain };
    const rounds = [];
    for (let i = 0; i < runs; i++) {
      const round = {};
      for (const who of [...SIDES.slice(i % SIDES.length), ...SIDES.slice(0, i % SIDES.length)]) round[who] = await side(opens[who], seeks);
      rounds.push(round);
      const mib = (x) => (x / 1048576).toFixed(0);
      const acc = (who) => Object.entries(round[who].memory.accounts).map(([k, v]) => `${k} ${mib(v)}`).join(', ');
      const each = (f) => SIDES.map((who) => mib(f(round[who].memory))).join(' / ');
      log?.(`memory2h round ${i + 1} at the end, renderers' accounts (MiB): player ${acc('ours')}; pass-through ${acc('passthrough')}; bare <audio> ${acc('plain')}`);
      log?.(`memory2h round ${i + 1} (player / pass-through / bare <audio>, MiB): renderers peak ${each((m) => m.peak.renderers)} (settled ${each((m) => m.settled.renderers)}); all processes peak ${each((m) => m.peak.all)}; signature check ${round.ours.signatureCheck ? `verified ${(round.ours.signatureCheck.ms / 1000).toFixed(1)} s after the click` : 'not verified within the side'}`);
    }
    return {
      recording: { minutes: SECONDS / 60, plaintextBytes: bytes, ciphertextBytes: sealed.ContentLength, format: 'wav', seeksSeconds: seeks, playMs: PLAY_MS, from: long.contactId },
      sampleMs: SAMPLE_MS, rounds,
    };
  } finally {
    await server?.close();
    for (const c of started) c.kill('SIGTERM');
    rmSync(wavPath, { force: true });
    rmSync(join(outDir, 'www'), { recursive: true, force: true });
    if (s3 && sourceKey) {
      for (const [Bucket, Key] of [[env.CALLSEAL_BUCKET, sourceKey], [env.CALLSEAL_BUCKET, `${sourceKey}.esdk`], [env.CALLSEAL_BUCKET, `callseal/contact-records/${CONTACT_ID}.json`], [PLAIN_BUCKET, `${CONTACT_ID}.wav`]]) {
        await s3.send(new DeleteObjectCommand({ Bucket, Key })).catch(() => {});
      }
      await vacuum(env.CALLSEAL_S3_ENDPOINT).catch(() => {});
    }
  }
}

/** The sealed object of the source with ETag `etag`, once the stack's sealer has written it. */
async function sealedHead(s3, Bucket, Key, etag, log) {
  const deadline = Date.now() + SEAL_TIMEOUT_MS;
  for (;;) {
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key })).catch((e) => {
      if (e?.$metadata?.httpStatusCode !== 404) throw e;
      return null;
    });
    if (head?.Metadata?.['callseal-source-etag'] === etag) return head;
    if (Date.now() > deadline) throw new Error(`${Key} was not sealed within ${SEAL_TIMEOUT_MS / 1000} s (the stack's sealer: make sealer)`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
