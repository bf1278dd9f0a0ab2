// End-to-end: `<callseal-player>` (callseal/player) embedded in the two demo supervisor consoles,
// www/hosts/plain (plain HTML) and www/hosts/react (React, built by Vite), in headless Chromium
// against the local stack, the reference key broker and the sample recordings (tests/support/pages.mjs).
// Each console has its own contact list and signs alice in through the provider's pop-up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { parseHeader } from '../../pkg/node/decrypt.js';
import { pagesUp, STACK } from '../support/pages.mjs';
import { signInPlayer } from '../support/oidc.mjs';

const log = (m) => console.error(`[e2e hosts] ${m}`);
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const HOSTS = ['plain', 'react'];

let pages, env, index, manifest, s3, server, browser, kmsDataKey;

before(async () => {
  pages = await pagesUp({ log });
  ({ env, index, manifest, s3, server, browser, kmsDataKey } = pages);
});

after(async () => {
  await pages?.close();
});

const withFormat = (format) => index.contacts.filter((c) => c.objects.some((o) => o.kind === 'recording' && o.format === format));
const objectKey = (id) => manifest.objects.find((o) => o.id === id).key;
const isObject = (url, key) => url.startsWith(env.CALLSEAL_S3_ENDPOINT) && decodeURIComponent(new URL(url).pathname).endsWith(`/${key}`);
/** A request for one of the contact's WAV recordings (as stored or redacted: the listing offers one of them). */
const isWav = (url, contactId) => manifest.objects.some((o) => o.id.startsWith(`${contactId}.recording.`) && o.id.endsWith('.wav') && isObject(url, o.key));

/** The console `host` in a fresh context (its own Service Worker registration), alice signed in, her contacts listed. */
async function openHost(host, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') console.error(`[${host} console]`, m.text()); });
  await page.goto(`${server.url}/hosts/${host}/`);
  await signInPlayer(page, STACK, 'alice');
  await page.locator('#contacts button').first().waitFor({ timeout: 20_000 });
  return { context, page, errors };
}

/** The media element inside the player's shadow root. */
const audio = (page, n = 0) => page.evaluate((n) => {
  const a = document.querySelectorAll('callseal-player')[n]?.shadowRoot.querySelector('#audio');
  return a && { time: a.currentTime, paused: a.paused, src: a.getAttribute('src') ?? '' };
}, n);
const playing = (page, n = 0, after = 0.5) => page.waitForFunction(([n, t]) => {
  const a = document.querySelectorAll('callseal-player')[n]?.shadowRoot.querySelector('#audio');
  return a && !a.paused && a.readyState >= 3 && a.currentTime > t;
}, [n, after], { timeout: 30_000 });
/** The broker's audited, granted unwraps of `contactId`'s recordings (Decrypt records of its audit log). */
const unwrapsOf = (contactId) => readFileSync(join(STACK, 'audit/broker-audit.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
  .filter((r) => r.eventName === 'Decrypt' && !r.errorCode && r.additionalEventData?.objectId?.startsWith(`${contactId}.recording.`));
const events = (page, type) => page.locator(`#events li[data-type="${type}"]`);
const open = (page, contactId) => page.locator(`#contacts button[data-contact="${contactId}"]`).click();

for (const host of HOSTS) {
  test(`${host} console: open, play, seek, switch contact, switch language`, async () => {
    const [a, b] = withFormat('wav');
    assert.ok(a && b, 'two contacts with a WAV recording');
    const { context, page, errors } = await openHost(host);
    try {
      await open(page, a.contactId);
      await page.waitForSelector('callseal-player[data-state="playing"]', { timeout: 30_000 });
      await playing(page);
      assert.match(await events(page, 'callseal-ready').first().textContent(), new RegExp(a.contactId));
      assert.match((await audio(page)).src, /\/hosts\/callseal-stream\//, 'played through the console\'s Service Worker');
      // The transcript shows beside it.
      await page.waitForSelector('callseal-player .turn', { timeout: 30_000 });

      // seek(t) and currentTime, the element's API.
      await page.evaluate(() => document.querySelector('callseal-player').seek(20));
      await playing(page, 0, 20.3);
      assert.ok(await page.evaluate(() => document.querySelector('callseal-player').currentTime) < 30);
      // pause() and play().
      await page.evaluate(() => document.querySelector('callseal-player').pause());
      assert.equal((await audio(page)).paused, true);
      await page.evaluate(() => document.querySelector('callseal-player').play());
      await playing(page, 0, 20.5);

      // Another contact: the player opens it in place of the first.
      const before = (await audio(page)).src;
      await open(page, b.contactId);
      await page.waitForFunction((id) => [...document.querySelectorAll('#events li[data-type="callseal-ready"]')].some((li) => li.textContent.includes(id)), b.contactId, { timeout: 30_000 });
      await playing(page);
      const now = await audio(page);
      assert.notEqual(now.src, before, 'a new stream');
      assert.ok(now.time < 20, `the second contact plays from its start (${now.time})`);

      // The console's language: the player's `lang` attribute.
      await page.selectOption('#lang', 'id');
      await page.waitForFunction(() => document.querySelector('callseal-player').shadowRoot.querySelector('#tr-h').textContent === 'Transkrip');
      assert.equal(await page.locator('callseal-player #play').textContent(), 'Jeda');
      assert.equal(await page.locator('callseal-player #seek').getAttribute('aria-label'), 'Posisi');
      await page.selectOption('#lang', 'en');
      await page.waitForFunction(() => document.querySelector('callseal-player').shadowRoot.querySelector('#tr-h').textContent === 'Transcript');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test(`${host} console: an expired URL is refreshed; a broker refusal and a tampered object are typed errors and play nothing`, async () => {
    const [a, b, c] = withFormat('wav');
    const { context, page } = await openHost(host);
    try {
      // The store says the URL expired (once): the player asks the broker for a fresh one and plays.
      let expired = 0;
      await context.route((u) => isWav(u.href, b.contactId), async (route) => {
        if (expired++ === 0) {
          return route.fulfill({ status: 403, contentType: 'application/xml', body: '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>' });
        }
        return route.continue();
      });
      const fresh = page.waitForRequest((r) => /\/api\/objects\/.*\/url$/.test(new URL(r.url()).pathname) && r.method() === 'GET', { timeout: 30_000 });
      await open(page, b.contactId);
      await fresh;
      await playing(page);
      assert.ok(expired >= 2, 'the expired answer, then the fresh URL\'s');

      // The broker refuses the key: callseal-error, code "refused"; nothing plays.
      const unwrap = (u) => u.pathname.endsWith('/api/unwrap');
      await context.route(unwrap, (route) => (route.request().method() === 'POST'
        ? route.fulfill({ status: 403, contentType: 'application/json', body: JSON.stringify({ error: { code: 'AccessDenied', message: 'not your queue' } }) })
        : route.continue()));
      await open(page, c.contactId);
      await page.waitForSelector('#events li[data-type="callseal-error"][data-code="refused"]', { timeout: 30_000 });
      await page.waitForSelector('callseal-player #error[data-error="refused"]');
      const refused = await audio(page);
      assert.ok(refused.paused && !refused.src, `no stream after a refusal: ${JSON.stringify(refused)}`);
      await context.unroute(unwrap);

      // One bit of a frame altered between store and browser: "tampered"; playback stops, the stream is dropped.
      const FLIP_AT = 200_000;
      await context.route((u) => isWav(u.href, a.contactId), async (route) => {
        const res = await route.fetch();
        const body = Buffer.from(await res.body());
        const start = Number(/^bytes (\d+)-/.exec(res.headers()['content-range'] ?? '')?.[1] ?? 0);
        if (FLIP_AT >= start && FLIP_AT < start + body.length) body[FLIP_AT - start] ^= 0x01;
        await route.fulfill({ response: res, body });
      });
      await open(page, a.contactId);
      await page.waitForSelector('#events li[data-type="callseal-error"][data-code="tampered"]', { timeout: 30_000 });
      // The frame's tag (playback) or the footer signature (the background check) finds it first.
    assert.match(await page.locator('callseal-player #error-detail').textContent(), /TAG_MISMATCH|SIGNATURE_INVALID/);
      const t = await audio(page);
      assert.ok(t.paused && !t.src, `playback stopped, stream dropped: ${JSON.stringify(t)}`);
      // Everything the element had played before the bad frame is at most the frames before it.
      assert.ok(t.time < FLIP_AT / (44_100 * 2 * 2), `played ${t.time} s`);
    } finally {
      await context.close();
    }
  });

  test(`${host} console: removing the player closes its reader (no data or content key left in its worker's wasm memory) and ends its worker`, async () => {
    const [a] = withFormat('wav');
    const recId = `${a.contactId}.recording.wav`;
    const dataKey = await kmsDataKey(recId);
    const head = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: env.CALLSEAL_BUCKET, Key: objectKey(recId), Range: 'bytes=0-4095' }))).Body.transformToByteArray());
    const header = parseHeader(head);
    const contentKey = Buffer.from(hkdfSync('sha512', dataKey, header.messageId,
      Buffer.concat([Buffer.from([header.suiteId >> 8, header.suiteId & 0xff]), Buffer.from('DERIVEKEY')]), 32));

    const context = await browser.newContext();
    const page = await context.newPage();
    // The worker's wasm memories: each instantiation is recorded by a tap installed before the
    // entry module arrives (its .wasm answer waits for it; the second half comes later, for the
    // range reader).
    let release;
    const tapped = new Promise((r) => { release = r; });
    await context.route(/callseal_decrypt_bg[^/]*\.wasm$/, async (route) => { await tapped; await route.continue(); });
    const workers = [];
    page.on('worker', async (w) => {
      if (!w.url().includes('decrypt.worker')) return;
      workers.push(w);
      await w.evaluate(() => {
        const keep = (r) => { self.__memories = [...(self.__memories ?? []), (r.instance ?? r).exports.memory]; return r; };
        const streaming = WebAssembly.instantiateStreaming, plain = WebAssembly.instantiate;
        WebAssembly.instantiateStreaming = (...args) => streaming.apply(WebAssembly, args).then(keep);
        WebAssembly.instantiate = (...args) => plain.apply(WebAssembly, args).then(keep);
      });
      release();
    });
    const scan = (w) => w.evaluate(([keys]) => (self.__memories ?? []).flatMap((m) => {
      const mem = new Uint8Array(m.buffer);
      return keys.flatMap((k, which) => {
        const hits = [];
        for (let i = mem.indexOf(k[0]); i !== -1 && i + k.length <= mem.length; i = mem.indexOf(k[0], i + 1)) {
          let j = 1;
          while (j < k.length && mem[i + j] === k[j]) j++;
          if (j === k.length) hits.push(which === 0 ? 'data key' : 'content key');
        }
        return hits;
      });
    }), [[[...dataKey], [...contentKey]]]);
    try {
      await page.goto(`${server.url}/hosts/${host}/`);
      await signInPlayer(page, STACK, 'alice');
      await page.locator('#contacts button').first().waitFor({ timeout: 20_000 });
      await open(page, a.contactId);
      await playing(page, 0, 1);
      const worker = workers[0];
      assert.ok(worker, 'the player\'s decrypt worker');
      // The decrypt entry, and its second half for the range reader.
      assert.equal(await worker.evaluate(() => self.__memories?.length), 2, 'the tap saw both decrypt modules instantiated');
      // Positive control: while the reader is open its content key is in wasm memory (the scan can see it).
      const open_ = await scan(worker);
      assert.ok(open_.includes('content key'), `the open reader's key is visible to the scan: ${open_}`);
      assert.ok(!open_.includes('data key'), 'the data key itself was wiped once the reader opened');

      // close(): the reader is closed and its key wiped; the worker stays for the next contact.
      await page.evaluate(() => document.querySelector('callseal-player').close());
      await worker.evaluate(() => new Promise((r) => setTimeout(r, 300))); // the worker handles "close" after the read in flight
      assert.deepEqual(await scan(worker), [], 'no key bytes in wasm memory after close()');

      // Removal: the element goes, its worker ends (and with it all its memory); its streams are gone.
      await open(page, a.contactId);
      await playing(page, 0, 1);
      const src = (await audio(page)).src;
      const closed = new Promise((r) => worker.once('close', r));
      await page.click('#toggle-player');
      assert.equal(await page.locator('callseal-player').count(), 0);
      await closed;
      assert.equal(page.workers().filter((w) => w.url().includes('decrypt.worker')).length, 0, 'no decrypt worker left');
      assert.equal(await page.evaluate((u) => fetch(u).then((r) => r.status), src), 404, 'the removed player\'s stream is gone');

      // A player added back starts afresh.
      await page.click('#toggle-player');
      await open(page, a.contactId);
      await playing(page, 0, 1);
    } finally {
      await context.close();
    }
  });
}

test('two players on one page play two contacts at once, each with its own worker and stream', async () => {
  const [a, b] = withFormat('wav');
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${server.url}/hosts/plain/?players=2`);
    await signInPlayer(page, STACK, 'alice');
    await page.locator('#contacts button').first().waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('callseal-player').count(), 2);
    await open(page, a.contactId);
    await page.selectOption('#target', '1');
    await open(page, b.contactId);
    await playing(page, 0, 1);
    await playing(page, 1, 1);
    const [p0, p1] = [await audio(page, 0), await audio(page, 1)];
    assert.notEqual(p0.src, p1.src, 'a stream each');
    assert.equal(page.workers().filter((w) => w.url().includes('decrypt.worker')).length, 2, 'a decrypt worker each');
    // Pausing one leaves the other playing.
    await page.evaluate(() => document.querySelectorAll('callseal-player')[0].pause());
    const t1 = (await audio(page, 1)).time;
    await playing(page, 1, t1 + 0.5);
    assert.equal((await audio(page, 0)).paused, true);
    const titles = await page.evaluate(() => [...document.querySelectorAll('callseal-player')].map((p) => p.shadowRoot.querySelector('#now-title').textContent));
    assert.notEqual(titles[0], titles[1]);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('axe-core: no WCAG 2.2 A/AA violation in the player and either console (a contact open and playing)', async () => {
  const [a] = withFormat('wav');
  for (const host of HOSTS) {
    const { context, page } = await openHost(host, { bypassCSP: true }); // the page's CSP refuses the injected axe script
    try {
      await open(page, a.contactId);
      await playing(page, 0, 1);
      await page.waitForSelector('callseal-player .turn', { timeout: 30_000 });
      await page.addScriptTag({ path: AXE });
      const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } }));
      const violations = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      assert.deepEqual(violations, [], `${host}`);
      assert.ok(result.passes.length > 10, `axe ran its checks (${result.passes.length} passed)`);
    } finally {
      await context.close();
    }
  }
});

test('without a Service Worker (blocked): a short recording is fetched whole, its signature checked, and played from memory; a long one is a typed error; the transcript decrypts either way', async () => {
  const [a] = withFormat('wav');
  const long = [...index.contacts].sort((x, y) => y.durationMillis - x.durationMillis)[0];
  const { context, page, errors } = await openHost('plain', { serviceWorkers: 'block' });
  try {
    const requests = [];
    context.on('request', (r) => { if (isWav(r.url(), a.contactId)) requests.push(r.headers().range ?? null); });
    await open(page, a.contactId);
    await playing(page);
    assert.match((await audio(page)).src, /^blob:/, 'played from memory');
    await page.waitForSelector('#events li[data-type="callseal-verified"]', { timeout: 30_000 });
    assert.equal(await page.locator('callseal-player #verified').getAttribute('data-state'), 'verified');
    assert.ok(requests.includes(null), 'the object was fetched whole (a request without Range)');
    await page.waitForSelector('callseal-player .turn', { timeout: 30_000 });
    assert.equal(await page.locator('#events li[data-type="callseal-error"]').count(), 0);

    // 57.7 MiB is more than the player decrypts into memory: no-service-worker, nothing plays.
    await open(page, long.contactId);
    await page.waitForSelector('#events li[data-type="callseal-error"][data-code="no-service-worker"]', { timeout: 30_000 });
    assert.match(await page.locator('callseal-player #error-detail').textContent(), /played from memory only when small enough/);
    assert.equal((await audio(page)).src, '');
    await page.waitForSelector('callseal-player .turn', { timeout: 30_000 });
    // Why there is no MediaSource path (the package README): Chromium's takes MP3 only of the three.
    assert.deepEqual(await page.evaluate(() => ['audio/wav', 'audio/ogg; codecs=opus', 'audio/mpeg'].map((t) => MediaSource.isTypeSupported(t))), [false, false, true]);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('without a Service Worker (blocked), one playback is one unwrap: the broker audits one Decrypt of the recording (the path is chosen before the key is asked for)', async () => {
  const [a] = withFormat('wav');
  const { context, page, errors } = await openHost('plain', { serviceWorkers: 'block' });
  try {
    const before = unwrapsOf(a.contactId).length;
    await open(page, a.contactId);
    await playing(page);
    assert.match((await audio(page)).src, /^blob:/, 'played from memory');
    await page.waitForSelector('#events li[data-type="callseal-verified"]', { timeout: 30_000 });
    // The transcript (another object, its own unwrap) shows last: the recording's unwraps are all asked by then.
    await page.waitForSelector('callseal-player .turn', { timeout: 30_000 });
    const unwraps = unwrapsOf(a.contactId).slice(before);
    log(`no-Service-Worker playback of ${a.contactId}: ${unwraps.length} audited unwrap(s) of its recording (${unwraps.map((r) => `${r.additionalEventData.objectId}${r.additionalEventData.cached ? ' cached' : ''}`).join(', ')})`);
    assert.equal(unwraps.length, 1, 'one audited unwrap for one playback');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('objectSource and keyProvider from the console (on the page): the player plays with them, asks for a new URL when the store says it expired, and wipes the key arrays it was given', async () => {
  const [a] = withFormat('wav');
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    let expired = 0;
    await context.route((u) => isWav(u.href, a.contactId), (route) => (expired++ === 0
      ? route.fulfill({ status: 403, contentType: 'application/xml', body: '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>' })
      : route.continue()));
    const urls = [];
    page.on('request', (r) => { if (/\/api\/objects\/.*\/url$/.test(new URL(r.url()).pathname)) urls.push(r.url()); });
    await page.goto(`${server.url}/hosts/plain/?provider=page`);
    await signInPlayer(page, STACK, 'alice');
    await page.locator('#contacts button').first().waitFor({ timeout: 20_000 });
    await open(page, a.contactId);
    await playing(page, 0, 1);
    // The listing's pre-signed URL is not used: the console's objectSource gave the first URL, and another after the expiry.
    assert.ok(urls.length >= 2, `objectSource asked ${urls.length} times`);
    assert.ok(expired >= 2);
    assert.equal(await page.locator('#events li[data-type="keys-provided"]').first().getAttribute('data-wiped'), 'true');
  } finally {
    await context.close();
  }
});

test('the footer signature is checked in the background, from the bytes playback fetched plus the rest: "verifying", then callseal-verified; a tampered signature stops playback with the tamper warning', async () => {
  const [a, b] = withFormat('wav');
  const { context, page, errors } = await openHost('plain');
  try {
    // A good recording: playback starts at once, the check follows. Every Range request for it
    // (the worker's included), on the page's clock.
    const requests = [];
    context.on('request', (r) => {
      if (!isWav(r.url(), a.contactId)) return;
      const m = /^bytes=(\d+)-(\d+)$/.exec(r.headers().range ?? '');
      requests.push({ at: Date.now(), start: m ? Number(m[1]) : 0, end: m ? Number(m[2]) + 1 : Infinity });
    });
    const verified = page.evaluate(() => new Promise((resolve) => document.addEventListener('callseal-verified', (e) => resolve({ ...e.detail, at: performance.timeOrigin + performance.now() }), { once: true })));
    await open(page, a.contactId);
    await playing(page, 0, 0.2);
    const check = await verified;
    await page.waitForSelector('#events li[data-type="callseal-verified"]', { timeout: 60_000 });
    assert.match(await page.locator('callseal-player #verified').textContent(), /Signature verified/);
    assert.equal(await page.locator('callseal-player #verified').getAttribute('data-state'), 'verified');

    // Without reuse the check requests again every byte playback requested (and holds), so the
    // object's requests up to 'verified' would ask those bytes twice; with reuse the bytes asked
    // twice are only playback's own overlaps (its first and last pieces inside its blocks), fewer
    // than the check took from it. Counted by range, not by when a request was seen (the order in
    // which the page's requests show is the network's, not playback's).
    const size = manifest.objects.find((o) => o.id === check.objectId).ciphertextLength;
    const asked = requests.filter((r) => r.at <= check.at).sort((x, y) => x.start - y.start);
    const untilVerified = asked.reduce((n, r) => n + r.end - r.start, 0);
    let covered = 0, reach = 0;
    for (const r of asked) { covered += Math.max(0, r.end - Math.max(r.start, reach)); reach = Math.max(reach, r.end); }
    const twice = untilVerified - covered;
    log(`signature check of ${size} B: ${check.reusedBytes} B reused, ${check.fetchedBytes} B fetched; the object's requests until verified ${untilVerified} B covering ${covered} B: ${twice} B asked twice`);
    assert.ok(check.reusedBytes > 0, 'the check hashed bytes playback had fetched');
    assert.ok(check.fetchedBytes < size, `the check fetched ${check.fetchedBytes} of ${size} bytes`);
    assert.ok(check.reusedBytes + check.fetchedBytes >= size, 'the check read every byte');
    assert.ok(twice < check.reusedBytes, `bytes requested twice until verified: ${twice}, fewer than the ${check.reusedBytes} B the check took from playback`);

    // The signature's last byte altered on the way (every answer that holds it): every frame
    // still authenticates with the data key, so it plays; the check then fails and stops it.
    let altered = 0;
    await context.route((u) => isWav(u.href, b.contactId), async (route) => {
      const res = await route.fetch();
      const body = Buffer.from(await res.body());
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers()['content-range'] ?? '');
      if (m && Number(m[2]) === Number(m[3]) - 1) { body[body.length - 1] ^= 0x01; altered++; }
      await route.fulfill({ response: res, body });
    });
    await open(page, b.contactId);
    await page.waitForFunction((id) => [...document.querySelectorAll('#events li[data-type="callseal-ready"]')].some((li) => li.textContent.includes(id)), b.contactId, { timeout: 30_000 });
    await page.waitForSelector('#events li[data-type="callseal-error"][data-code="tampered"]', { timeout: 60_000 });
    assert.ok(altered > 0, 'the signature was altered in an answer');
    assert.match(await page.locator('callseal-player #error-detail').textContent(), /SIGNATURE_INVALID/);
    const t = await audio(page);
    assert.ok(t.paused && !t.src, `playback stopped, stream dropped: ${JSON.stringify(t)}`);
    assert.equal(await page.locator(`#events li[data-type="callseal-verified"]`).count(), 1, 'only the good recording verified');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the object is pinned to its first answer\'s ETag: replaced by another sealed object after playback started and before the signature check read it, the check does not verify and playback stops with OBJECT_CHANGED (the answers carry another ETag)', async () => {
  // A WAV contact whose recordings are long enough to hold the check back behind a gate at 1.5 MiB
  // while the first bytes play, and short enough for memory (the other variant replaces the one played).
  const GATE = 1.5 * 2 ** 20, TAIL = 68 * 1024;
  const wavs = (c) => manifest.objects.filter((o) => o.id.startsWith(`${c.contactId}.recording.`) && o.id.endsWith('.wav'));
  const c = withFormat('wav').find((x) => wavs(x).length === 2 && wavs(x).every((o) => o.ciphertextLength > GATE + 2 ** 19 && o.ciphertextLength < 32 * 2 ** 20));
  assert.ok(c, 'a contact with two WAV recordings of 2 to 32 MiB');
  const bytesOf = async (key) => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: env.CALLSEAL_BUCKET, Key: key }))).Body.transformToByteArray());
  const put = (key, body) => s3.send(new PutObjectCommand({ Bucket: env.CALLSEAL_BUCKET, Key: key, Body: body }));
  const { context, page, errors } = await openHost('plain');
  let played, original;
  try {
    // Every request for a byte in [GATE, the final frame's piece) waits until the object is replaced.
    let release, gated = 0;
    const gate = new Promise((r) => { release = r; });
    const preconditions = [];
    await context.route((u) => isWav(u.href, c.contactId), async (route) => {
      const r = route.request();
      played ??= wavs(c).find((o) => isObject(r.url(), o.key));
      const m = /^bytes=(\d+)-(\d+)$/.exec(r.headers().range ?? '');
      if (m && Number(m[2]) >= GATE && Number(m[1]) < played.ciphertextLength - TAIL) { gated++; await gate; }
      if (r.headers()['if-match'] || r.headers()['if-none-match']) preconditions.push(r.headers());
      await route.continue();
    });
    await open(page, c.contactId);
    await playing(page, 0, 0.5);
    await page.waitForSelector('callseal-player #verified[data-state="verifying"]', { timeout: 30_000 });
    assert.ok(played, 'the recording played is one of the contact\'s WAVs');
    original = await bytesOf(played.key);
    const other = wavs(c).find((o) => o !== played);
    await put(played.key, await bytesOf(other.key));
    release();
    await page.waitForSelector('#events li[data-type="callseal-error"]', { timeout: 60_000 });
    const code = await page.locator('#events li[data-type="callseal-error"]').first().getAttribute('data-code');
    const detail = await page.locator('callseal-player #error-detail').textContent();
    log(`replaced ${played.id} by ${other.id} while it played: ${gated} request(s) held back; callseal-error ${code}: ${detail}`);
    assert.ok(gated > 0, 'the check\'s reads waited for the replacement');
    assert.equal(code, 'changed');
    assert.match(detail, /OBJECT_CHANGED/);
    assert.match(await page.locator('callseal-player #error').textContent(), /replaced while it played/);
    assert.equal(await page.locator('#events li[data-type="callseal-verified"]').count(), 0, 'the check did not report verified');
    assert.notEqual(await page.locator('callseal-player #verified').getAttribute('data-state'), 'verified');
    const t = await audio(page);
    assert.ok(t.paused && !t.src, `playback stopped, stream dropped: ${JSON.stringify(t)}`);
    assert.deepEqual(preconditions, [], 'Range requests only: no header that needs a CORS preflight');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    if (played && original) await put(played.key, original);
  }
});
