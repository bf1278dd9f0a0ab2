// One decryption bench page (bench/pages/decrypt.html) in a fresh browser context, and the
// bench's peak-memory measure of it, for bench/run.mjs (decrypt-bench.mjs) and the scripts that
// share decrypt-account.mjs.
//
// Peak memory: the peak resident memory of the page's renderer process during the first run in
// a fresh page (kernel high-water mark VmHWM, reset just before the run), over its resident
// memory at that moment, when the ciphertext is already loaded (every contender holds it alike).
// That counts the JS heap, ArrayBuffers, callseal's wasm linear memory and WebCrypto's own
// buffers alike. Only the first run of a page is used: later runs reuse memory the allocator
// kept from the first, so their resident peak understates what a run needs. That first run's
// peak moves from page to page (when the garbage collector runs, what the allocator keeps), so
// it is taken in several fresh pages per contender (`freshPageRounds`).
import { grownRenderer, renderersRss, rss, peak, resetPeak } from './procmem.mjs';

/**
 * Opens bench/pages/decrypt.html at `baseUrl` in a fresh context of `browser` and prepares
 * `args` (window.bench.prepare's: the contender and its input, loaded into the page). Returns
 * { context, page, cdp (its DevTools session), pid (the page's renderer: the one that grew by
 * the loaded input, undefined if none visibly did), info (prepare's answer) }; on a failure the
 * context is closed and the error thrown.
 */
export async function openBenchPage(browser, baseUrl, args, errors = []) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${baseUrl}/bench/pages/decrypt.html`);
    await Promise.race([
      page.waitForFunction(() => window.ready === true, null, { timeout: 60_000 }),
      new Promise((_, fail) => page.on('pageerror', (e) => fail(new Error(`page: ${e.message}`)))),
    ]);
    const cdp = await context.newCDPSession(page);
    const before = renderersRss();
    const info = await page.evaluate((a) => window.bench.prepare(a), args);
    // Trust the memory figure only if that renderer visibly holds the input.
    const pid = grownRenderer(before, info.inputBytes / 2);
    return { context, page, cdp, pid, info };
  } catch (e) {
    await context.close();
    throw e;
  }
}

/**
 * One checked run of the page's contender (`page`, its DevTools session `cdp`, its renderer
 * `pid`) with its peak memory: before it, garbage is collected and Chromium returns freed memory
 * to the system (a simulated critical memory-pressure signal), so the peak is the run's own.
 * Returns the run's { ms, bytes, checksum }, the renderer's resident bytes before it (`base`)
 * and its peak over them (`peakBytes`; NaN without a renderer whose peak can be reset).
 */
export async function measuredRun(cdp, page, pid) {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Memory.simulatePressureNotification', { level: 'critical' }).catch(() => {});
  await cdp.send('HeapProfiler.collectGarbage');
  const base = rss(pid);
  const canReset = pid !== undefined && resetPeak(pid);
  const value = await page.evaluate(() => window.bench.run({ check: true }));
  return { value, base, peakBytes: canReset ? Math.max(0, peak(pid) - base) : NaN };
}

/**
 * `pages` fresh pages per contender, interleaved page by page: each round opens one page per
 * contender in turn (the order rotating from round to round), so a drift in the machine's load
 * falls on every contender alike. `open(contender)` resolves a page as `openBenchPage` does,
 * `measure(contender, page)` one sample of it; each page is closed after its sample. Returns a
 * Map contender -> { samples: [...] } or, for a contender whose page failed, { samples, error }
 * (it is left out of the later rounds).
 */
export async function freshPageRounds(contenders, pages, open, measure) {
  const out = new Map(contenders.map((c) => [c, { samples: [] }]));
  for (let round = 0; round < pages; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const contender = contenders[(round + k) % contenders.length];
      const o = out.get(contender);
      if (o.error) continue;
      let p;
      try {
        p = await open(contender);
        o.samples.push(await measure(contender, p));
      } catch (e) {
        o.error = e;
      } finally {
        await p?.context.close();
      }
    }
  }
  return out;
}
