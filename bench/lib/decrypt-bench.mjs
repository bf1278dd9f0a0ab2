// Drives bench/pages/decrypt.html: for each message and contender, a fresh browser context
// (its own renderer), the ciphertext loaded into the page, one untimed run that checks the
// plaintext and samples memory, then `runs` timed runs (garbage collected between runs).
//
// Memory: the peak resident memory of the page's renderer process during the first (checked)
// run in a fresh page (kernel high-water mark VmHWM, reset just before the run), over its
// resident memory at that moment, when the ciphertext is already loaded (every contender holds
// it alike). That counts the JS heap, ArrayBuffers, callseal's wasm linear memory and
// WebCrypto's own buffers alike. Only the first run of a page is used: later runs reuse memory
// the allocator kept from the first, so their resident peak understates what a run needs.
// callseal's wasm linear memory (WebAssembly.Memory buffer byteLength) is reported too.
import { median } from './stats.mjs';
import { rendererPids, rss, peak, resetPeak } from './procmem.mjs';

export const CONTENDERS = ['webcrypto', 'webcrypto-frames', 'callseal', 'callseal-stream', 'callseal-rust', 'peer'];

/**
 * Returns one result per (message, contender):
 * { message, contender, runs: [ms...], medianMs, mibPerS, peakMemoryBytes (first run), wasmMemoryBytes, ... }
 */
export async function benchDecrypt(browser, baseUrl, { messages, limit, floors, keyring, plainChecksum, plainBytes }, { runs, contenders = CONTENDERS, chunkSize, log }) {
  const results = [];
  for (const m of messages) {
    for (const contender of contenders) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        await page.goto(`${baseUrl}/bench/pages/decrypt.html`);
        await Promise.race([
          page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 }),
          new Promise((_, fail) => page.on('pageerror', (e) => fail(new Error(`page: ${e.message}`)))),
        ]);
        const cdp = await context.newCDPSession(page);
        // The page's renderer: the one whose resident memory grew by the loaded ciphertext.
        const before = new Map(rendererPids().map((pid) => [pid, rss(pid)]));
        const info = await page.evaluate((a) => window.bench.prepare(a), { file: m.file, limit, floor: floors[m.frameLength], keyring, contender, committing: m.committing, chunkSize });
        const grown = rendererPids().map((p) => ({ p, grew: rss(p) - (before.get(p) ?? 0) })).sort((x, y) => y.grew - x.grew)[0];
        // Trust the figure only if that renderer visibly holds the ciphertext.
        const pid = grown && grown.grew > info.inputBytes / 2 ? grown.p : undefined;
        // Before each run: garbage-collect and have Chromium return freed memory to the system
        // (a simulated critical memory-pressure signal), so the run's peak is its own.
        const settle = async () => {
          await cdp.send('HeapProfiler.collectGarbage');
          await cdp.send('Memory.simulatePressureNotification', { level: 'critical' }).catch(() => {});
          await cdp.send('HeapProfiler.collectGarbage');
        };
        const measured = async (check) => {
          await settle();
          const base = rss(pid);
          const canReset = pid !== undefined && resetPeak(pid);
          const value = await page.evaluate((check) => window.bench.run({ check }), check);
          return { ...value, base, peakBytes: canReset ? Math.max(0, peak(pid) - base) : NaN };
        };
        const wasm0 = await page.evaluate(() => window.bench.wasmMemory());
        const checked = await measured(true); // untimed in the figures: warm-up and correctness
        const wasm1 = await page.evaluate(() => window.bench.wasmMemory());
        const checksumOk = checked.checksum === plainChecksum && checked.bytes === plainBytes;
        if (!checksumOk) throw new Error(`${contender} on ${m.id}: wrong plaintext (${checked.bytes} bytes, checksum ${checked.checksum} != ${plainChecksum})`);
        const times = [];
        for (let i = 0; i < runs; i++) {
          await cdp.send('HeapProfiler.collectGarbage');
          times.push((await page.evaluate(() => window.bench.run())).ms);
        }
        const base = checked.base;
        const medianMs = median(times);
        const r = {
          message: m.id, contender, runs: times, medianMs, mibPerS: plainBytes / 1048576 / (medianMs / 1000),
          firstRunMs: checked.ms, peakMemoryBytes: checked.peakBytes, baselineRssBytes: base, wasmGrowthBytes: wasm1 - wasm0,
          wasmMemoryBytes: contender.startsWith('callseal') ? wasm1 : 0, inputBytes: info.inputBytes, checksumOk,
        };
        results.push(r);
        log?.(`${m.id} ${contender.padEnd(15)} median ${medianMs.toFixed(0)} ms (${r.mibPerS.toFixed(0)} MiB/s) runs [${times.map((t) => t.toFixed(0)).join(', ')}], peak +${(r.peakMemoryBytes / 1048576).toFixed(1)} MiB over ${(base / 1048576).toFixed(0)} MiB (wasm memory ${(wasm1 / 1048576).toFixed(1)} MiB, +${((wasm1 - wasm0) / 1048576).toFixed(1)})`);
      } catch (e) {
        results.push({ message: m.id, contender, error: String(e.message ?? e).slice(0, 300), pageErrors: errors });
        log?.(`${m.id} ${contender}: ERROR ${e.message} ${errors.join(' | ')}`);
      } finally {
        await context.close();
      }
    }
  }
  return results;
}
