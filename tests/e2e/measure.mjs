// Playback timings of an <audio> element in a Playwright page, measured inside the page with
// performance.now() (no test-runner round trips in the figures). Shared by the player e2e test
// and the benchmarks:
//   firstAudio(page, start)          ms from start() until the element plays (time advances)
//   seekLatency(page, seconds)       ms from setting currentTime until playback resumes there
//   measurePlain(page, url, seeks)   the same figures for an unencrypted URL in a bare <audio>
//   measurePlayer(page, open, seeks) the same figures for the player page (encrypted)
//   summarize(samples)               { n, median, min, max } of a list of numbers

const AUDIO = 'audio';
/** The player's error panel when shown (absent on other pages). */
const PAGE_ERROR = '#error:not([hidden])';

/**
 * Runs `start` (e.g. a click that opens a recording) and returns the milliseconds until the
 * page's <audio> reports `playing` and its currentTime has moved (audio really comes out).
 */
export async function firstAudio(page, start, { selector = AUDIO, timeout = 60_000, errorSelector = PAGE_ERROR } = {}) {
  const t0 = await page.evaluate(() => performance.now());
  await start();
  const t1 = await page.evaluate(({ selector, timeout, errorSelector }) => new Promise((resolve, reject) => {
    const deadline = performance.now() + timeout;
    const poll = () => {
      const q = (sel) => document.querySelector(sel) ?? document.querySelector('callseal-player')?.shadowRoot?.querySelector(sel);
      const a = q(selector);
      if (a && !a.paused && a.readyState >= 3 && a.currentTime > 0.05) return resolve(performance.now());
      if (a?.error) return reject(new Error(`media error ${a.error.code}: ${a.error.message}`));
      const shownError = errorSelector && q(errorSelector);
      if (shownError) return reject(new Error(`the page shows an error: ${shownError.textContent.replace(/\s+/g, ' ').trim()}`));
      if (performance.now() > deadline) return reject(new Error('no audio within the timeout'));
      requestAnimationFrame(poll);
    };
    poll();
  }), { selector, timeout, errorSelector });
  return t1 - t0;
}

/** Seeks the playing <audio> to `seconds`; ms until it plays from there. */
export async function seekLatency(page, seconds, { selector = AUDIO, timeout = 60_000, errorSelector = PAGE_ERROR } = {}) {
  return page.evaluate(({ selector, seconds, timeout, errorSelector }) => new Promise((resolve, reject) => {
    // The player's elements are in its shadow root (<callseal-player>).
    const q = (sel) => document.querySelector(sel) ?? document.querySelector('callseal-player')?.shadowRoot?.querySelector(sel);
    const a = q(selector);
    const t0 = performance.now();
    a.currentTime = seconds;
    if (a.paused) a.play().catch(() => {});
    let seeked = false;
    a.addEventListener('seeked', () => { seeked = true; }, { once: true });
    const poll = () => {
      if (seeked && !a.seeking && !a.paused && a.currentTime > seconds + 0.05 && a.currentTime < seconds + 30) {
        return resolve(performance.now() - t0);
      }
      if (a.error) return reject(new Error(`media error ${a.error.code}: ${a.error.message}`));
      // The player shows its own error (and pauses) when a read fails: say so at once.
      const shownError = errorSelector && q(errorSelector);
      if (shownError) return reject(new Error(`seek to ${seconds}s: the page shows an error: ${shownError.textContent.replace(/\s+/g, ' ').trim()}`));
      if (performance.now() - t0 > timeout) {
        const buffered = Array.from({ length: a.buffered.length }, (_, i) => `${a.buffered.start(i).toFixed(1)}-${a.buffered.end(i).toFixed(1)}`).join(' ');
        const shown = { currentTime: a.currentTime, seeked, seeking: a.seeking, paused: a.paused, readyState: a.readyState, networkState: a.networkState, buffered, state: q('callseal-player')?.dataset.state, error: q('#error:not([hidden])')?.textContent.replace(/\s+/g, ' ').trim() };
        return reject(new Error(`seek to ${seconds}s did not resume within ${timeout} ms: ${JSON.stringify(shown)}`));
      }
      requestAnimationFrame(poll);
    };
    poll();
  }), { selector, seconds, timeout, errorSelector });
}

/**
 * Unencrypted baseline: a bare <audio> playing `url` (e.g. a pre-signed URL of the plaintext),
 * on the page `site` shows (any page of the site, e.g. its landing page), reopened in a context
 * of its own that bypasses the page's CSP: the site's pages carry a strict CSP (`default-src
 * 'none'` on the landing page) that blocks media from the object store ("no supported source
 * was found"). The document must come from the site's server itself: a document Playwright
 * fulfils has no address, and Chromium then refuses its requests to a loopback store (Local
 * Network Access).
 */
export async function measurePlain(site, url, seeks = []) {
  if (!/^https?:/.test(site.url())) throw new Error(`measurePlain: open a page of the site first (got ${site.url()})`);
  const context = await site.context().browser().newContext({ bypassCSP: true });
  try {
    const page = await context.newPage();
    await page.goto(site.url());
    return await playPlain(page, url, seeks);
  } finally {
    await context.close();
  }
}

async function playPlain(page, url, seeks) {
  const ttfa = await firstAudio(page, () => page.evaluate((url) => {
    const a = document.createElement('audio');
    a.dataset.measure = '1';
    a.preload = 'auto';
    a.src = url;
    document.body.append(a);
    return a.play();
  }, url), { selector: 'audio[data-measure]' });
  const seek = [];
  for (const s of seeks) seek.push(await seekLatency(page, s, { selector: 'audio[data-measure]' }));
  await page.evaluate(() => { const a = document.querySelector('audio[data-measure]'); a.pause(); a.removeAttribute('src'); a.load(); a.remove(); });
  return { ttfa, seek };
}

/** The player: `open()` starts a recording (e.g. clicks a contact); then seeks. */
export async function measurePlayer(page, open, seeks = []) {
  const ttfa = await firstAudio(page, open);
  const stages = await playerStages(page);
  const seek = [];
  for (const s of seeks) seek.push(await seekLatency(page, s));
  return { ttfa, seek, stages };
}

/** The player's stages (its performance marks callseal:*), in ms after callseal:open. */
export async function playerStages(page) {
  return page.evaluate(() => {
    const marks = performance.getEntriesByType('mark').filter((m) => m.name.startsWith('callseal:'));
    const open = marks.filter((m) => m.name === 'callseal:open').pop()?.startTime ?? 0;
    return Object.fromEntries(marks.filter((m) => m.startTime >= open).map((m) => [m.name.slice(9), Math.round(m.startTime - open)]));
  });
}

export function summarize(samples) {
  const xs = [...samples].sort((a, b) => a - b);
  if (!xs.length) return { n: 0, median: NaN, min: NaN, max: NaN };
  const mid = xs.length >> 1;
  const median = xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
  return { n: xs.length, median, min: xs[0], max: xs[xs.length - 1] };
}

export const fmtMs = (ms) => `${ms.toFixed(0)} ms`;
