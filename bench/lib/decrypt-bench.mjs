// Drives bench/pages/decrypt.html. Per message: each contender's peak memory in `memoryPages`
// fresh pages (decrypt-page.mjs: the first run in a fresh page, plaintext checked), interleaved
// page by page; then, for the timed runs, a fresh browser context (its own renderer) per
// contender, the ciphertext loaded into the page, one untimed run that checks the plaintext, and
// `runs` timed rounds, each one run of every contender (garbage collected before each run).
// callseal's wasm linear memory (WebAssembly.Memory buffer byteLength) after the first run of a
// memory page is reported too.
import { median } from './stats.mjs';
import { freshPageRounds, measuredRun, openBenchPage } from './decrypt-page.mjs';

export const CONTENDERS = ['webcrypto', 'webcrypto-frames', 'webcrypto-frames-signed', 'callseal', 'callseal-stream', 'callseal-rust', 'peer'];
/** Another build's package in the same pages and rounds (BENCH_DECRYPT_BASELINE): before vs after. */
export const BASELINE_CONTENDERS = ['baseline', 'baseline-stream', 'baseline-rust'];
/** The signed floor is measured on signed messages only (where it is the floor that applies). */
const appliesTo = (contender, m) => contender !== 'webcrypto-frames-signed' || m.signed;

/**
 * Returns one result per (message, contender):
 * { message, contender, runs: [ms...], medianMs, mibPerS, peakMemoryBytes (the median over the
 *   memory pages), memoryPages: [{ peakBytes, baseBytes, wasmBytes, wasmGrowthBytes }, ...],
 *   wasmMemoryBytes, ... }
 *
 * Per message, the memory pages come first, one page per contender at a time (no other bench
 * page open); then every contender's timed page is opened, loaded and checked, and the timed
 * runs go round the contenders, one run each per round (the order rotating from round to round),
 * so a change in the machine's load during the message falls on every contender alike instead of
 * on whichever ran its runs then.
 */
export async function benchDecrypt(browser, baseUrl, meta, { runs, memoryPages, contenders = CONTENDERS, chunkSize, log }) {
  const results = [];
  for (const m of meta.messages) {
    const applying = contenders.filter((c) => appliesTo(c, m));
    const open = (contender, errors) => openBenchPage(browser, baseUrl, prepareArgs(meta, m, contender, chunkSize), errors);
    const memory = await freshPageRounds(applying, memoryPages, (contender) => open(contender), async (contender, { cdp, page, pid }) => {
      const wasm0 = await page.evaluate(() => window.bench.wasmMemory());
      const { value, base, peakBytes } = await measuredRun(cdp, page, pid);
      checkPlaintext(meta, m, contender, value);
      const wasmBytes = await page.evaluate(() => window.bench.wasmMemory());
      return { peakBytes, baseBytes: base, wasmBytes, wasmGrowthBytes: wasmBytes - wasm0 };
    });
    const pages = [];
    for (const contender of applying) {
      const c = { contender, errors: [], times: [], error: memory.get(contender).error };
      if (!c.error) {
        try {
          Object.assign(c, await open(contender, c.errors));
          const value = await c.page.evaluate(() => window.bench.run({ check: true })); // untimed: warm-up and correctness
          checkPlaintext(meta, m, contender, value);
          c.firstRunMs = value.ms;
        } catch (e) {
          c.error = e;
        }
      }
      pages.push(c);
    }
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
    const mib = (b) => (b / 1048576).toFixed(1);
    for (const c of pages) {
      if (c.error) {
        results.push({ message: m.id, contender: c.contender, error: String(c.error.message ?? c.error).slice(0, 300), pageErrors: c.errors });
        log?.(`${m.id} ${c.contender}: ERROR ${c.error.message ?? c.error} ${c.errors.join(' | ')}`);
      } else {
        const { times } = c;
        const samples = memory.get(c.contender).samples;
        const medianMs = median(times);
        const r = {
          message: m.id, contender: c.contender, runs: times, medianMs, mibPerS: meta.plainBytes / 1048576 / (medianMs / 1000), firstRunMs: c.firstRunMs,
          peakMemoryBytes: median(samples.map((x) => x.peakBytes)), memoryPages: samples,
          wasmMemoryBytes: c.contender.startsWith('callseal') ? median(samples.map((x) => x.wasmBytes)) : 0, inputBytes: c.info.inputBytes, checksumOk: true,
        };
        results.push(r);
        log?.(`${m.id} ${c.contender.padEnd(15)} median ${medianMs.toFixed(0)} ms (${r.mibPerS.toFixed(0)} MiB/s) runs [${times.map((t) => t.toFixed(0)).join(', ')}], peak median +${mib(r.peakMemoryBytes)} MiB, pages [${samples.map((x) => mib(x.peakBytes)).join(', ')}] over ${samples.map((x) => (x.baseBytes / 1048576).toFixed(0)).join(', ')} MiB (wasm memory ${mib(r.wasmMemoryBytes)} MiB)`);
      }
      await c.context?.close();
    }
  }
  return results;
}

/** window.bench.prepare's arguments for `contender` on message `m`. */
const prepareArgs = ({ limit, floors, keyring }, m, contender, chunkSize) => ({ file: m.file, limit, floor: floors[m.frameLength], keyring, contender, committing: m.committing, chunkSize });

/** Throws unless a checked run's `value` is message `m`'s plaintext. */
function checkPlaintext({ plainChecksum, plainBytes }, m, contender, value) {
  if (value.checksum !== plainChecksum || value.bytes !== plainBytes) throw new Error(`${contender} on ${m.id}: wrong plaintext (${value.bytes} bytes, checksum ${value.checksum} != ${plainChecksum})`);
}
