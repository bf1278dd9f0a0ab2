// Drives bench/pages/decrypt.html: for each message and contender, a fresh browser context
// (its own renderer), the ciphertext loaded into the page, one untimed run that checks the
// plaintext and samples memory; then `runs` timed rounds, each one run of every contender
// (garbage collected before each run).
//
// Memory: the peak resident memory of the page's renderer process during the first (checked)
// run in a fresh page (kernel high-water mark VmHWM, reset just before the run), over its
// resident memory at that moment, when the ciphertext is already loaded (every contender holds
// it alike). That counts the JS heap, ArrayBuffers, callseal's wasm linear memory and
// WebCrypto's own buffers alike. Only the first run of a page is used: later runs reuse memory
// the allocator kept from the first, so their resident peak understates what a run needs.
// callseal's wasm linear memory (WebAssembly.Memory buffer byteLength) is reported too.
import { median } from './stats.mjs';
import { grownRenderer, renderersRss, rss, peak, resetPeak } from './procmem.mjs';

export const CONTENDERS = ['webcrypto', 'webcrypto-frames', 'webcrypto-frames-signed', 'callseal', 'callseal-stream', 'callseal-rust', 'peer'];
/** Another build's package in the same pages and rounds (BENCH_DECRYPT_BASELINE): before vs after. */
export const BASELINE_CONTENDERS = ['baseline', 'baseline-stream', 'baseline-rust'];
/** The signed floor is measured on signed messages only (where it is the floor that applies). */
const appliesTo = (contender, m) => contender !== 'webcrypto-frames-signed' || m.signed;

/**
 * Returns one result per (message, contender):
 * { message, contender, runs: [ms...], medianMs, mibPerS, peakMemoryBytes (first run), wasmMemoryBytes, ... }
 *
 * Per message, every contender's page is opened, loaded and checked first; the timed runs then
 * go round the contenders, one run each per round (the order rotating from round to round), so
 * a change in the machine's load during the message falls on every contender alike instead of
 * on whichever ran its runs then.
 */
export async function benchDecrypt(browser, baseUrl, meta, { runs, contenders = CONTENDERS, chunkSize, log }) {
  const results = [];
  for (const m of meta.messages) {
    const pages = [];
    for (const contender of contenders.filter((c) => appliesTo(c, m))) pages.push(await openContender(browser, baseUrl, meta, m, contender, chunkSize));
    for (let round = 0; round < runs; round++) {
      for (let k = 0; k < pages.length; k++) {
        const c = pages[(round + k) % pages.length];
        if (c.error) continue;
        try {
          await c.cdp.send('HeapProfiler.collectGarbage');
          c.times.push((await c.page.evaluate(() => window.bench.run())).ms);
        } catch (e) {
          c.error = e;
        }
      }
    }
    for (const c of pages) {
      if (c.error) {
        results.push({ message: m.id, contender: c.contender, error: String(c.error.message ?? c.error).slice(0, 300), pageErrors: c.errors });
        log?.(`${m.id} ${c.contender}: ERROR ${c.error.message ?? c.error} ${c.errors.join(' | ')}`);
      } else {
        const { checked, wasm0, wasm1, info, times } = c;
        const medianMs = median(times);
        const r = {
          message: m.id, contender: c.contender, runs: times, medianMs, mibPerS: meta.plainBytes / 1048576 / (medianMs / 1000),
          firstRunMs: checked.ms, peakMemoryBytes: checked.peakBytes, baselineRssBytes: checked.base, wasmGrowthBytes: wasm1 - wasm0,
          wasmMemoryBytes: c.contender.startsWith('callseal') ? wasm1 : 0, inputBytes: info.inputBytes, checksumOk: true,
        };
        results.push(r);
        log?.(`${m.id} ${c.contender.padEnd(15)} median ${medianMs.toFixed(0)} ms (${r.mibPerS.toFixed(0)} MiB/s) runs [${times.map((t) => t.toFixed(0)).join(', ')}], peak +${(r.peakMemoryBytes / 1048576).toFixed(1)} MiB over ${(checked.base / 1048576).toFixed(0)} MiB (wasm memory ${(wasm1 / 1048576).toFixed(1)} MiB, +${((wasm1 - wasm0) / 1048576).toFixed(1)})`);
      }
      await c.context.close();
    }
  }
  return results;
}

/**
 * A fresh browser context (its own renderer) for one contender on message `m`: the ciphertext
 * loaded, then one untimed run that checks the plaintext and samples the renderer's peak memory.
 * Returns the page and that first run, or `error`.
 */
async function openContender(browser, baseUrl, { limit, floors, keyring, plainChecksum, plainBytes }, m, contender, chunkSize) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const c = { contender, context, page, errors, times: [] };
  try {
    await page.goto(`${baseUrl}/bench/pages/decrypt.html`);
    await Promise.race([
      page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 }),
      new Promise((_, fail) => page.on('pageerror', (e) => fail(new Error(`page: ${e.message}`)))),
    ]);
    const cdp = await context.newCDPSession(page);
    c.cdp = cdp;
    // The page's renderer: the one whose resident memory grew by the loaded ciphertext.
    const before = renderersRss();
    c.info = await page.evaluate((a) => window.bench.prepare(a), { file: m.file, limit, floor: floors[m.frameLength], keyring, contender, committing: m.committing, chunkSize });
    // Trust the figure only if that renderer visibly holds the ciphertext.
    const pid = grownRenderer(before, c.info.inputBytes / 2);
    c.wasm0 = await page.evaluate(() => window.bench.wasmMemory());
    const { value, base, peakBytes } = await measuredRun(cdp, page, pid); // untimed in the figures: warm-up and correctness
    c.checked = { ...value, base, peakBytes };
    c.wasm1 = await page.evaluate(() => window.bench.wasmMemory());
    if (value.checksum !== plainChecksum || value.bytes !== plainBytes) throw new Error(`${contender} on ${m.id}: wrong plaintext (${value.bytes} bytes, checksum ${value.checksum} != ${plainChecksum})`);
  } catch (e) {
    c.error = e;
  }
  return c;
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
