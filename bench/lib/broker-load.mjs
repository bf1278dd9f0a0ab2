// The reference key broker under load, on loopback against the local stack (SeaweedFS, moto KMS,
// the stack's OpenID Connect provider), side by side with a bare KMS Decrypt in the same run:
//
//   load      two broker processes over the same stack; unwraps at a fixed concurrency through
//             the page's broker client (www/lib/broker.ts, the protocol the player speaks), with
//             ID tokens of two demo users signed in at the stack's provider, spread over both
//             brokers and every object the users may read; against the same number of KMS
//             Decrypt calls (AWS SDK, same moto, same wrapped keys and contexts) at the same
//             concurrency. Brokers with the data-key cache off (every unwrap is one KMS Decrypt:
//             the broker's overhead) and on (as deployed). Rounds alternate the contenders, so a
//             change in the machine's load falls on all of them. Then: zero errors, every key
//             equal to KMS's for that wrapped key, every granted unwrap audited, and no data key
//             in any broker's audit log or stderr (raw bytes or a text form).
//   playback  KMS calls while the player (Chromium, the built pages) opens a contact, seeks,
//             switches format and back, and re-opens it after a new sign-in, counted by a proxy
//             in front of moto (kms-counter.mjs), with the broker's cache on and off.
import { readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { tsImport } from 'tsx/esm/api';
import { openStack } from '../../tests/support/stack.mjs';
import { idToken, signInPlayer } from '../../tests/support/oidc.mjs';
import { keyTextForms, readAudit, startBroker } from '../../tests/broker/helpers.mjs';
import { firstAudio, seekLatency } from '../../tests/e2e/measure.mjs';
import { countsSince, kmsCounter } from './kms-counter.mjs';
import { buildPages, servePages } from './pages.mjs';
import { percentile, round } from './stats.mjs';

/** KMS list price: symmetric-key requests (Decrypt among them), USD per 10,000 requests. */
export const KMS_PRICE = { usdPer10kRequests: 0.03, source: 'https://aws.amazon.com/kms/pricing/' };

const USERS = ['alice', 'carol'];
/** Rate limits meant for people, lifted for the load (each broker counts per user per minute). */
const LOAD_LIMITS = { CALLSEAL_UNWRAP_PER_MINUTE: '100000', CALLSEAL_REQUESTS_PER_MINUTE: '1000000', NODE_NO_WARNINGS: '1' };

/**
 * `n` jobs, `concurrency` at a time; each job's latency (ms) in job order and the errors.
 * job(i) resolves when request i is answered (and checked).
 */
async function drive(n, concurrency, job) {
  const ms = new Array(n);
  const errors = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const t0 = performance.now();
      try {
        await job(i);
      } catch (e) {
        errors.push(`${e.code ?? e.name ?? 'Error'}: ${String(e.message ?? e).slice(0, 200)}`);
      }
      ms[i] = performance.now() - t0;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return { ms, errors, seconds: (performance.now() - t0) / 1000 };
}

/** CPU time (ms, user + system) a process has used so far: /proc/<pid>/stat, in clock ticks of 10 ms. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop().split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const PERCENTILES = [50, 90, 99, 99.9, 100];
const percentiles = (ms) => Object.fromEntries(PERCENTILES.map((p) => [`p${p}`, round(percentile(ms, p))]));

/** What results.json keeps of a contender's run: counts, percentiles and CPU, not every sample. */
function summary(x) {
  return {
    requests: x.ms.length, seconds: round(x.seconds), latencyMs: percentiles(x.ms), aloneMs: percentiles(x.sequentialMs),
    cpuMs: Object.fromEntries(Object.entries(x.cpuMs).map(([k, v]) => [k, Math.round(v)])),
    errorCount: x.errors.length, errors: x.errors.slice(0, 20),
  };
}

const equal = (a, b) => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;

/** Runs both parts; returns { settings, load, playback } (raw samples and counts). */
export async function benchBroker(browser, { root, outDir, unwraps, concurrency, rounds, log }) {
  const stack = process.env.CALLSEAL_STACK_DIR ?? join(root, '.stack');
  const { env, index } = await openStack({ root, stack });
  // The pages' tsconfig: its paths resolve `callseal/suites` to the built package.
  const { Broker } = await tsImport('../../www/lib/broker.ts', { parentURL: import.meta.url, tsconfig: join(root, 'www/tsconfig.json') });
  const tokens = Object.fromEntries(await Promise.all(USERS.map(async (u) => [u, await idToken(env, stack, u)])));
  const started = [];
  try {
    const motoPid = Number(readFileSync(join(stack, 'run/moto.pid'), 'utf8'));
    const load = await benchLoad({ env, Broker, tokens, started, unwraps, concurrency, rounds, motoPid, log });
    let playback;
    try {
      playback = await benchPlaybackKms(browser, { root, outDir, env, stack, index, started, log });
    } catch (e) {
      playback = { error: String(e.message ?? e).slice(0, 500) };
      log?.(`broker playback: ERROR ${playback.error}`);
    }
    return { settings: { unwraps, concurrency, rounds, users: USERS, kmsPrice: KMS_PRICE }, load, playback };
  } finally {
    await Promise.all(started.map((b) => b.stop()));
  }
}

async function benchLoad({ env, Broker, tokens, started, unwraps, concurrency, rounds, motoPid, log }) {
  const variants = { broker: { CALLSEAL_KEY_CACHE_SECONDS: '0' }, brokerCached: {} };
  const brokers = {};
  for (const [name, overrides] of Object.entries(variants)) {
    brokers[name] = [];
    for (let i = 0; i < 2; i++) {
      const b = await startBroker(env, { ...LOAD_LIMITS, ...overrides });
      started.push(b);
      brokers[name].push({ ...b, clients: Object.fromEntries(USERS.map((u) => [u, new Broker(`${b.url}/`, tokens[u])])) });
    }
  }
  // The objects the users may read, as the player gets them: the listing's unwrap requests.
  const listing = await brokers.broker[0].clients[USERS[0]].contacts();
  const objects = listing.flatMap((c) => [...c.recordings, ...(c.transcript ? [c.transcript] : [])]).filter((o) => o.mayRead && o.keyRequest);
  if (!objects.length) throw new Error('the listing offers no object to unwrap');

  // The same calls without the broker: KMS Decrypt of the same wrapped keys, as the broker makes it.
  const kms = new KMSClient({
    region: env.AWS_REGION, endpoint: env.CALLSEAL_KMS_ENDPOINT, maxAttempts: 3,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: concurrency }) },
  });
  const decrypt = async (o) => (await kms.send(new DecryptCommand({
    KeyId: env.CALLSEAL_KMS_KEY_ARN, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    CiphertextBlob: Buffer.from(o.keyRequest.encryptedDataKey.ciphertext, 'base64'), EncryptionContext: o.keyRequest.encryptionContext,
  }))).Plaintext;
  // Each object's data key, as KMS gives it: what every answer is checked against and the logs scanned for.
  const keys = await Promise.all(objects.map(decrypt));

  const check = (got, i) => {
    const ok = equal(got, keys[i % objects.length]);
    got.fill(0);
    if (!ok) throw Object.assign(new Error(`the key for ${objects[i % objects.length].id} is not KMS's`), { code: 'WrongKey' });
  };
  const granted = { broker: 0, brokerCached: 0 };
  const contenders = {
    kms: async (i) => check(await decrypt(objects[i % objects.length]), i),
    ...Object.fromEntries(Object.keys(variants).map((name) => [name, async (i) => {
      const o = objects[i % objects.length];
      const b = brokers[name][i % 2];
      const key = await b.clients[USERS[(i >> 1) % USERS.length]].unwrapRequest(o.id, o.keyRequest);
      granted[name]++;
      check(key, i);
    }])),
  };
  const names = Object.keys(contenders);
  const samples = Object.fromEntries(names.map((n) => [n, { ms: [], errors: [], seconds: 0, sequentialMs: [], cpuMs: { brokers: 0, kms: 0, client: 0 } }]));
  // Where the time goes: the CPU each process spent during a contender's timed requests.
  const cpu = () => {
    const own = process.cpuUsage();
    return { brokers: Object.values(brokers).flat().reduce((t, b) => t + cpuMs(b.pid), 0), kms: cpuMs(motoPid), client: (own.user + own.system) / 1000 };
  };

  // Warm-up (not timed): connections, JIT, the key policy and grants, the caches. Then each
  // request alone (concurrency 1): the work per request without queueing.
  for (const n of names) samples[n].errors.push(...(await drive(4 * concurrency, concurrency, contenders[n])).errors);
  for (const n of names) {
    const alone = await drive(200, 1, contenders[n]);
    samples[n].sequentialMs = alone.ms;
    samples[n].errors.push(...alone.errors);
  }
  const perRound = Math.ceil(unwraps / rounds);
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, k) => names[(k + r) % names.length]);
    for (const n of order) {
      const cpuBefore = cpu();
      const out = await drive(perRound, concurrency, contenders[n]);
      const cpuAfter = cpu();
      for (const k of Object.keys(cpuAfter)) samples[n].cpuMs[k] += cpuAfter[k] - cpuBefore[k];
      samples[n].ms.push(...out.ms);
      samples[n].errors.push(...out.errors);
      samples[n].seconds += out.seconds;
    }
    log?.(`broker load round ${r + 1}/${rounds}: ${order.map((n) => `${n} ${(perRound / samples[n].seconds * (r + 1)).toFixed(0)}/s`).join(', ')}`);
  }
  for (const k of keys) k.fill(0);

  // Every granted unwrap is on record, and no key reached a log. (Keys were wiped above: scan
  // with fresh copies made from KMS again, dropped after.)
  const audit = {};
  for (const name of Object.keys(variants)) {
    const records = brokers[name].flatMap((b) => readAudit(b.auditPath));
    audit[name] = { grantedDecryptRecords: records.filter((a) => a.eventName === 'Decrypt' && !a.errorCode).length, unwrapsGranted: granted[name] };
  }
  const scanKeys = await Promise.all(objects.map(decrypt));
  const leaks = [];
  for (const b of Object.values(brokers).flat()) {
    const logs = { audit: readFileSync(b.auditPath), stderr: Buffer.from(b.log()) };
    for (const [where, bytes] of Object.entries(logs)) {
      const text = bytes.toString('latin1');
      scanKeys.forEach((key, i) => {
        if (bytes.includes(Buffer.from(key)) || keyTextForms(key).some((f) => text.includes(f))) leaks.push(`${objects[i].id} in ${where} of ${b.url}`);
      });
    }
  }
  for (const k of scanKeys) k.fill(0);
  return {
    objects: objects.map((o) => o.id), keysScanned: objects.length, leaks, audit,
    samples: Object.fromEntries(names.map((n) => [n, summary(samples[n])])),
  };
}

/**
 * KMS calls of one playback in the player: sign in, open a contact (its recording and transcript),
 * seek three times, switch to MP3 and back, then in a new browser context sign in again and
 * re-open it; by a broker behind the counting proxy, its cache on, then off.
 */
async function benchPlaybackKms(browser, { root, outDir, env, stack, index, started, log }) {
  const counter = await kmsCounter(env.CALLSEAL_KMS_ENDPOINT);
  const dist = join(outDir, 'www-broker');
  let server;
  try {
    const first = await startBroker(env, { CALLSEAL_KMS_ENDPOINT: counter.url, NODE_NO_WARNINGS: '1' });
    started.push(first);
    const port = new URL(first.url).port;
    buildPages(root, dist, `${first.url}/`, env);
    server = await servePages(dist);
    const contact = index.contacts.find((c) => c.objects.some((o) => o.format === 'mp3'));
    const seconds = contact.durationMillis / 1000;
    const result = {};
    let broker = first;
    for (const [name, overrides] of [['cached', {}], ['uncached', { CALLSEAL_KEY_CACHE_SECONDS: '0' }]]) {
      if (name !== 'cached') {
        // The pages call the broker they were built for: the next one takes the same port.
        await broker.stop();
        broker = await startBroker(env, { CALLSEAL_KMS_ENDPOINT: counter.url, CALLSEAL_BROKER_PORT: port, NODE_NO_WARNINGS: '1', ...overrides });
        started.push(broker);
      }
      const before = counter.counts();
      const auditedBefore = readAudit(broker.auditPath).length;
      await playOnce(browser, { url: server.url, stack, contactId: contact.contactId, seeks: [seconds * 0.8, seconds * 0.25, seconds * 0.5] });
      const unwraps = readAudit(broker.auditPath).slice(auditedBefore).filter((a) => a.eventName === 'Decrypt' && !a.errorCode);
      result[name] = {
        kmsCalls: countsSince(before, counter.counts()),
        unwraps: unwraps.length,
        cachedUnwraps: unwraps.filter((a) => a.additionalEventData?.cached).length,
        objects: [...new Set(unwraps.map((a) => a.additionalEventData?.objectId))],
      };
      log?.(`broker playback (${name}): ${result[name].unwraps} unwraps of ${result[name].objects.length} objects, KMS ${JSON.stringify(result[name].kmsCalls)}`);
    }
    return { contactId: contact.contactId, steps: ['sign in', 'open (recording + transcript)', 'seek ×3', 'MP3', 'back to WAV', 'new context: sign in, re-open'], ...result };
  } finally {
    await server?.close();
    await counter.close();
    rmSync(dist, { recursive: true, force: true });
  }
}

async function playOnce(browser, { url, stack, contactId, seeks }) {
  const selector = `#contact-list button[data-contact="${contactId}"]`;
  const open = async (context) => {
    const page = await context.newPage();
    await page.goto(`${url}/player/`);
    await signInPlayer(page, stack, 'alice');
    await page.locator(selector).waitFor({ timeout: 30_000 });
    await firstAudio(page, () => page.evaluate((s) => document.querySelector(s).click(), selector));
    return page;
  };
  const format = async (page, value, label) => {
    await page.selectOption('#format', value);
    await page.waitForFunction((l) => document.querySelector('#now-meta').textContent.includes(l), label, { timeout: 30_000 });
    await page.waitForFunction(() => { const a = document.querySelector('#audio'); return !a.paused && a.readyState >= 3; }, null, { timeout: 30_000 });
  };
  const context = await browser.newContext();
  try {
    const page = await open(context);
    for (const s of seeks) await seekLatency(page, s);
    await format(page, 'mp3', 'MP3');
    await format(page, 'wav', 'WAV');
  } finally {
    await context.close();
  }
  const again = await browser.newContext();
  try {
    await open(again);
  } finally {
    await again.close();
  }
}
