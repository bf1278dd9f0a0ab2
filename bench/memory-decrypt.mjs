#!/usr/bin/env node
// How much the peak memory of one decryption moves from page to page in headless Chromium: the
// measure of bench/run.mjs's memory rows (the first run in a fresh page, after garbage
// collection and a critical memory-pressure signal, over the renderer's resident memory then),
// in several fresh pages per contender in alternated rounds as the bench takes it, on one
// message, and in each page a second time after that first run (warm: the page's code already
// compiled and optimised). It writes no BENCHMARKS.md row (an account of the spread):
//
//   node bench/memory-decrypt.mjs      after `make build`
//   MEM_SUITE=0478 MEM_FRAME=4096 MEM_MIB=64 MEM_PAGES=5 MEM_CHUNK=65536
//   MEM_CONTENDERS=webcrypto-frames,callseal
//   MEM_CHROMIUM_ARGS='--js-flags=--liftoff-only'   Chromium's flags (one string, split at spaces)
import { loadavg } from 'node:os';
import { decryptAccount } from './lib/decrypt-account.mjs';
import { freshPageRounds, measuredRun } from './lib/decrypt-page.mjs';
import { median } from './lib/stats.mjs';

const env = (k, d) => process.env[k] ?? d;
const suite = parseInt(env('MEM_SUITE', '0478'), 16);
const frameLength = Number(env('MEM_FRAME', 4096));
const pages = Number(env('MEM_PAGES', 5));
const contenders = env('MEM_CONTENDERS', 'webcrypto-frames,callseal').split(',');
const chromiumArgs = env('MEM_CHROMIUM_ARGS', '').split(' ').filter(Boolean);

const account = await decryptAccount('memory', { suite, frameLength, mib: Number(env('MEM_MIB', 64)), chromiumArgs });
const { meta, message: m } = account;
const mib = (b) => (b / 1048576).toFixed(1);
const load = [loadavg()[0]];
try {
  const rounds = await freshPageRounds(contenders, pages, (contender) => account.open(contender, Number(env('MEM_CHUNK', 65536)), { warmUp: false }), async (contender, { cdp, page, pid }) => {
    const cold = await measuredRun(cdp, page, pid);
    const warm = await measuredRun(cdp, page, pid);
    for (const { value } of [cold, warm]) {
      if (value.bytes !== meta.plainBytes) throw new Error(`${contender}: ${value.bytes} bytes of plaintext, not ${meta.plainBytes}`);
    }
    return { cold: cold.peakBytes, warm: warm.peakBytes };
  });
  const samples = new Map();
  for (const [contender, { samples: s, error }] of rounds) {
    if (error) throw error;
    samples.set(contender, { cold: s.map((x) => x.cold), warm: s.map((x) => x.warm) });
  }
  load.push(loadavg()[0]);
  const flags = chromiumArgs.length ? `, Chromium ${chromiumArgs.join(' ')}` : '';
  console.log(`${m.id}, ${meta.plainBytes / 1048576} MiB, ${pages} fresh pages each, load ${load.map((l) => l.toFixed(1)).join(' -> ')}${flags}; peak MiB over the resident memory before the run`);
  const floor = samples.get('webcrypto-frames');
  for (const [contender, s] of samples) {
    const line = (k) => {
      const ratio = floor && floor !== s ? ` (${(median(s[k]) / median(floor[k])).toFixed(2)}x the floor's median)` : '';
      return `median ${mib(median(s[k]))}${ratio}, each ${s[k].map(mib).join(' ')}`;
    };
    console.log(`  ${contender.padEnd(18)} first run ${line('cold')}`);
    console.log(`  ${''.padEnd(18)} second run ${line('warm')}`);
  }
} finally {
  await account.close();
}
