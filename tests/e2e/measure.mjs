// Playback timings of an <audio> element in a Playwright page, measured inside the page with
// performance.now() (no test-runner round trips in the figures). Shared by the player e2e test
// and the benchmarks:
//   firstAudio(page, start)          ms from start() until the element plays (time advances)
//   seekLatency(page, seconds)       ms from setting currentTime until playback resumes there
//   measurePlain(page, url, seeks)   the same figures for an unencrypted URL in a bare <audio>
//   measurePlayer(page, open, seeks) the same figures for the player page (encrypted)
//   summarize(samples)               { n, median, min, max } of a list of numbers

const AUDIO = 'audio';

/**
 * Runs `start` (e.g. a click that opens a recording) and returns the milliseconds until the
 * page's <audio> reports `playing` and its currentTime has moved (audio really comes out).
 */
export async function firstAudio(page, start, { selector = AUDIO, timeout = 60_000 } = {}) {
  const t0 = await page.evaluate(() => performance.now());
  await start();
  const t1 = await page.evaluate(({ selector, timeout }) => new Promise((resolve, reject) => {
    const deadline = performance.now() + timeout;
    const poll = () => {
      const a = document.querySelector(selector);
      if (a && !a.paused && a.readyState >= 3 && a.currentTime > 0.05) return resolve(performance.now());
      if (a?.error) return reject(new Error(`media error ${a.error.code}: ${a.error.message}`));
      if (performance.now() > deadline) return reject(new Error('no audio within the timeout'));
      requestAnimationFrame(poll);
    };
    poll();
  }), { selector, timeout });
  return t1 - t0;
}

/** Seeks the playing <audio> to `seconds`; ms until it plays from there. */
export async function seekLatency(page, seconds, { selector = AUDIO, timeout = 60_000 } = {}) {
  return page.evaluate(({ selector, seconds, timeout }) => new Promise((resolve, reject) => {
    const a = document.querySelector(selector);
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
      if (performance.now() - t0 > timeout) return reject(new Error(`seek to ${seconds}s did not resume within ${timeout} ms`));
      requestAnimationFrame(poll);
    };
    poll();
  }), { selector, seconds, timeout });
}

/**
 * Unencrypted baseline: a bare <audio> on `page` (any page of the same origin as the player
 * without a CSP that blocks the URL) playing `url` (e.g. a pre-signed URL of the plaintext).
 */
export async function measurePlain(page, url, seeks = []) {
  await page.evaluate(() => {
    document.querySelectorAll('audio[data-measure]').forEach((a) => { a.pause(); a.removeAttribute('src'); a.load(); a.remove(); });
  });
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
  const seek = [];
  for (const s of seeks) seek.push(await seekLatency(page, s));
  return { ttfa, seek };
}

export function summarize(samples) {
  const xs = [...samples].sort((a, b) => a - b);
  if (!xs.length) return { n: 0, median: NaN, min: NaN, max: NaN };
  const mid = xs.length >> 1;
  const median = xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
  return { n: xs.length, median, min: xs[0], max: xs[xs.length - 1] };
}

export const fmtMs = (ms) => `${ms.toFixed(0)} ms`;
