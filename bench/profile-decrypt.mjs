#!/usr/bin/env node
// Where a decryption's time goes in headless Chromium: a CPU profile (DevTools Profiler, 100 µs
// sampling) of callseal's one-shot decrypt and of the per-frame floor, run in turn on the same
// message in the bench's page (bench/pages/decrypt.mjs), self time summed by where it ran. It
// writes no BENCHMARKS.md row (a profile is an account, not a figure to compare):
//
//   node bench/profile-decrypt.mjs      after `make build`
//   PROFILE_SUITE=0478 PROFILE_FRAME=4096 PROFILE_MIB=64 PROFILE_RUNS=3
//   PROFILE_CONTENDERS=callseal,callseal-stream,webcrypto-frames
//
// Chromium runs each WebCrypto call inside the call, on the page's thread, so AES time is
// counted in the JS function that made the call: callseal's frame loop (open_frames.js) or the
// floor's loop (the bench page).
import { decryptAccount } from './lib/decrypt-account.mjs';

const env = (k, d) => process.env[k] ?? d;
const suite = parseInt(env('PROFILE_SUITE', '0478'), 16);
const frameLength = Number(env('PROFILE_FRAME', 4096));
const runs = Number(env('PROFILE_RUNS', 3));
const contenders = env('PROFILE_CONTENDERS', 'callseal,callseal-stream,webcrypto-frames').split(',');

const account = await decryptAccount('profile', { suite, frameLength, mib: Number(env('PROFILE_MIB', 64)) });
const { meta, message: m } = account;

/** Where a profile node's self time is counted. */
function where({ functionName, url }) {
  if (functionName.startsWith('(')) return functionName; // (garbage collector), (program), (idle)
  if (url.includes('open_frames.js')) return 'callseal JS frame loop (open_frames.js; WebCrypto calls run inside it)';
  if (url.endsWith('.wasm') || url.startsWith('wasm://') || /^\$?wasm-function|^\$/.test(functionName)) return 'callseal wasm';
  if (url.includes('/bench/pages/')) return 'bench page (the floor loop; WebCrypto calls run inside it)';
  if (url.includes('/pkg/')) return 'callseal JS glue (pkg/)';
  return `other: ${functionName || '(anonymous)'}`;
}

try {
  for (const contender of contenders) {
    const { context, page } = await account.open(contender);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('Profiler.start');
    const times = [];
    for (let i = 0; i < runs; i++) times.push((await page.evaluate(() => window.bench.run())).ms);
    const { profile } = await cdp.send('Profiler.stop');
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map(), fns = new Map();
    let total = 0;
    profile.samples.forEach((id, i) => {
      const dt = (profile.timeDeltas[i] ?? 0) / 1000;
      const n = byId.get(id);
      total += dt;
      const w = where(n.callFrame);
      self.set(w, (self.get(w) ?? 0) + dt);
      const f = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}`;
      fns.set(f, (fns.get(f) ?? 0) + dt);
    });
    console.log(`\n${contender} on ${m.id} (${(meta.plainBytes / 1048576).toFixed(0)} MiB): ${runs} runs, ${times.map((t) => t.toFixed(0)).join(', ')} ms; profiled ${total.toFixed(0)} ms`);
    for (const [w, t] of [...self].sort((a, b) => b[1] - a[1])) console.log(`  ${(t / runs).toFixed(1).padStart(8)} ms/run  ${((100 * t) / total).toFixed(1).padStart(5)}%  ${w}`);
    console.log('  top functions (self, ms/run):');
    for (const [f, t] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, Number(env('PROFILE_TOP', 12)))) console.log(`  ${(t / runs).toFixed(1).padStart(8)}  ${f}`);
    await context.close();
  }
} finally {
  await account.close();
}
